"""The refusals of :func:`~surrogate.milp.rewrite_refresh.refresh_rewrites` whose messages say where a block of
products went: deleted, switched off, outside the block solved, or gone with a model that no longer exists.

Each names the block as the user knows it (a deleted block's name where it was) and how to get a model that
solves again.
"""

from __future__ import annotations

import pyomo.environ as pyo

from ..errors import ModelFormatError
from .model_components import python_path
from .rewrite_record import PRODUCT, RECORD, FactorRecord, OwnFix


def _reader(reader) -> str:
    """``reader`` (a row, an objective, or a block of products whose factor a variable is) in words."""
    kind = {pyo.Objective: "objective", pyo.Constraint: "constraint"}.get(reader.ctype, "the product of block")
    return f"{kind} {reader.name!r}"


def refuse_derived(reader, var, block, off, lost: str = "") -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError`: ``reader`` reads ``var``, whose bounds replacement ``block``
    derived from the constraints, while ``off`` (the block the user switched off: ``block`` or one above it)
    is deactivated, or (``off`` ``None``) ``block`` (or a block above it) was deleted and ``lost`` (what the
    constraints lost since: "constraint 'b1.c1' was deleted")."""
    record = getattr(block, RECORD, None)
    name = getattr(record, "name", block.name)  # a deleted block's own name is only its local one
    fix = "undo the replacement (report.undo(model)) before switching the block off, or activate it again"
    state = f"block {getattr(off, 'name', '')!r} is deactivated"
    if off is None:
        state = f"it (or a block above it) was deleted ({lost})"
        copy = getattr(record, "root", None) not in (None, reader.model())  # a clone's record names the original's
        fix = (
            "put those bounds back (report.implied_bounds.restore(model), model the one solved: on a copy, its own "
            "variables) or give the variable bounds of its own; to delete such a block, undo the replacement first "
            "(report.undo(model))"
            + ("; the names are those of the model replace_products ran on, of which this is a copy" if copy else "")
        )
    elif off is not block:
        state += f" (it holds replacement block {name!r})"
    above = name.rpartition(".")[0]
    raise ModelFormatError(
        f"the bounds of {var.name!r} were derived from the rows of {repr(above) if above else 'the model'} when replacement "
        f"block {name!r} was built, but {state}, and {_reader(reader)} still reads {var.name!r} with those bounds; {fix}"
    )


def refuse_rested_outside(model, reader, var, row: str, gone: bool) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError`: ``reader`` reads ``var``, whose bounds ``replace_products``
    derived from rows (``row`` one of them) that a solve of ``model`` does not read: outside the block solved, or
    (``gone``) gone with a model that was garbage-collected."""
    solved = "the model solved" if model.parent_block() is None and model.name == "unknown" else f"block {model.name!r}"
    where = "which no longer exists: its model was garbage-collected" if gone else "outside it"
    whole = "keep a reference to the model and solve it" if gone else "solve the whole model (or a clone of it)"
    raise ModelFormatError(
        f"{_reader(reader)} reads {var.name!r}, whose bounds [{var.lb}, {var.ub}] replace_products derived from the "
        f"rows linked to it (through shared variables: a bound may rest on any of them), and {solved}, the block "
        f"solved, does not hold all of them (constraint {row!r}, {where}), so that box may not hold for its rows; "
        f"{whole}, or give {var.name!r} bounds of its own (setlb and setub), or put back its bounds from "
        "before (report.implied_bounds.restore(model), model the one replace_products ran on or a clone of it)"
    )


def refuse_unread(model, reader, var, block, why: str, *, off=None) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError`: ``reader`` reads ``var`` of the block of products ``block``,
    which a solve of ``model`` leaves out: ``why`` ``"off"`` (deactivated; ``off``: the block switched off, a disjunct
    fixed False), ``"deleted"``, ``"outside"`` (outside ``model``, the block solved), or ``"gone"`` (``block``
    ``None``: ``var``, a product's output, lay outside ``model`` in a model that no longer exists, with its block)."""
    where = _reader(reader)
    if why == "gone":
        named = "" if var.name.startswith("[") else f" {var.name!r}"  # "[Unattached VarData]" once its component went
        raise ModelFormatError(
            f"{where} reads a variable{named} that a block of products defined (the output of a bilinear product or "
            f"of add_surrogate), but its product block no longer exists: it lay outside block {model.name!r}, in a model "
            "that was garbage-collected (Pyomo holds a block's parent by a weak reference only; a clone of a block, or a "
            "block deleted from its model, does not keep that model), so nothing defines that variable in this solve; "
            "keep a reference to the model and solve the whole model (or a clone of it), or build the product inside "
            "the block solved (bilinear(block, ...), add_surrogate(block, ...))"
        )
    call = "bilinear" if isinstance(getattr(block, RECORD, getattr(block, PRODUCT, None)), FactorRecord) else "add_surrogate"
    state, fix, unread = "is deactivated (it or a block above it)", "activate the block again", "any more"
    if why == "outside":
        solved = "the model solved" if model.parent_block() is None and model.name == "unknown" else f"block {model.name!r}"
        state = f"lies outside {solved}, the block solved (or was not copied with it by clone())"
        unread = f"in a solve of {solved.removeprefix('block ')}"
        fix = (
            "solve the model that holds both (or a clone of it), or build the product inside the block solved "
            f"({call}(block, ...), or replace_products(block, ...) on it)"
        )
    elif why == "deleted":
        state, fix = "was deleted (or lies in a standalone Block, which no model holds)", f"call {call} again and rebuild "
        fix += "those rows from the new product's .expr" if call == "bilinear" else "those rows from its new outputs"
    elif off is not None and getattr(off, "transformation_block", None) is not None:  # relaxed by GDP, fixed False
        state = f"lies in disjunct {off.name!r}, whose indicator is fixed False (its relaxed rows constrain nothing)"
        fix = "build the product outside the disjunct where rows outside it read it, or leave the disjunct's indicator free"
    raise ModelFormatError(
        f"block {block.name!r} of products {state}, but {var.name!r} of it is still read by an active row or "
        f"objective ({where}), where nothing defines it {unread}; {fix}, or take the product out of those rows"
    )


def refuse_replaced_outside(model, rows, by: str, *, deleted: bool) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError`: ``rows`` of ``model`` were replaced (and deactivated) by the
    replacement block named ``by``, which a solve of ``model`` does not read: it was ``deleted``, or lies outside
    ``model`` (a block of the model solved alone), or was not copied with it (a clone of such a block)."""
    names = ", ".join(row.name for row in rows[:5])
    if deleted:
        first = python_path(rows[0])
        raise ModelFormatError(
            f"replacement block {by!r} was deleted, but the rows it replaced ({names}) are still deactivated, so no "
            f"solve reads them; activate them again ({first}.activate(), ...) and replace their products again "
            "(replace_products), or undo a replacement with report.undo(model) instead of deleting its block"
        )
    raise ModelFormatError(
        f"rows of block {model.name!r} ({names}) were replaced by block {by!r}, which is not part of it (outside "
        f"the block solved, or not copied with it by clone()), so a solve of {model.name!r} leaves them out; solve the "
        "whole model (or a clone of it), or undo that replacement (report.undo(model)) and replace the products of the "
        "block itself (replace_products(block, ...))"
    )


def refuse_rested_changed(model, reader, var, by: str | None, changed: str) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError`: ``reader`` reads ``var``, whose bounds the replacement block
    named ``by`` (``None``: not found) derived from rows that a solve of ``model`` holds, but what they rest on
    ``changed`` since (a :class:`~surrogate.milp.rewrite_record.OwnFix` tells its own fix); that block is not solved
    with ``model`` (outside it), so no other check sees the change."""
    solved = "the model solved" if model.parent_block() is None and model.name == "unknown" else f"block {model.name!r}"
    block = f"replacement block {by!r}" if by else "a replacement block"
    fix = (
        f"undo the replacement (report.undo(model)) and replace the products again, or give {var.name!r} bounds of its "
        "own (setlb and setub), or put back its bounds from before (report.implied_bounds.restore(model))"
    )
    raise ModelFormatError(
        f"{_reader(reader)} reads {var.name!r}, whose bounds [{var.lb}, {var.ub}] replace_products derived from the rows "
        f"linked to it when it built {block}, which is not solved with {solved}, and those bounds may no longer hold: "
        f"{changed}; {'or ' + fix if isinstance(changed, OwnFix) else fix}"
    )
