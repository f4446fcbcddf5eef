"""Which blocks of products a solve reads, each brought up to date or refused (:func:`refresh_rewrites`).

A block of products holds a :class:`~surrogate.milp.rewrite_record.FactorRecord` (a
:class:`~surrogate.milp.rewrite_record.RewriteRecord` for a replacement block). Before every
solve of a model, or of a block of it, :func:`refresh_rewrites` checks each record the
solve depends on, and refuses what would make the solve answer for another model: a block
that is deactivated while rows still read its variables, a replacement block deactivated
while the rows it replaced are still off, a ``<name>_scaled`` block (or a block inside a
replacement block) deactivated or deleted beside its active product, a block of products
deleted while rows still read its variables, a block of products outside the block solved (or gone with a
model that no longer exists: :func:`~surrogate.milp.built_marks.defined_by_product`) that rows of that block read, bounds
derived by a replacement block switched off or deleted, or from rows the block solved does not hold
(:func:`~surrogate.milp.rewrite_basis.rests_outside`) or that changed while that replacement block lies outside it
(:class:`~surrogate.milp.rewrite_basis.UncheckedBases`), and rows replaced by a block outside the one solved (or by one deleted). The copy of a replaced row follows the blocks above its original: off while one of
them is deactivated, on again once they are all active.
"""

from __future__ import annotations

import collections
import functools
import itertools

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.core.base.PyomoModel import Model
from pyomo.gdp import Disjunct

from ..errors import ModelFormatError
from .built_marks import BUILT, built_above, defined_by_product, mark_of
from .model_components import model_of
from .rewrite_basis import DeletedDerived, UncheckedBases, rests_outside
from .rewrite_record import (
    MARK,
    PRODUCT,
    RECORD,
    FactorRecord,
    RewriteRecord,
    bound_slack,
    owner,
    relaxed_by_pyomo,
    rewrites_of,
    within,
)
from .rewrite_refusals import (
    refuse_derived,
    refuse_replaced_outside,
    refuse_rested_changed,
    refuse_rested_outside,
    refuse_unread,
)

#: The attribute (``True``) of a search's own copy whose records :func:`forget_rewrites` dropped.
FORGOTTEN = "surrogate_rewrites_forgotten"
#: What holds a model's rows: blocks, and GDP disjuncts (transformed ones too).
_KINDS = (pyo.Block, Disjunct)


def _blocks(model) -> list:
    """``model`` and every block and disjunct inside it (one walk, shared by the checks of a solve)."""
    return [model, *model.component_data_objects(_KINDS, descend_into=_KINDS)]


def _record_blocks(blocks):
    """``(block, record)`` of every block of products among ``blocks`` (:func:`_blocks`) but the model itself."""
    for block in blocks[1:]:
        record = getattr(block, RECORD, None)
        if isinstance(record, FactorRecord):
            yield block, record


def refresh_rewrites(model) -> None:
    """:meth:`~surrogate.milp.rewrite_record.FactorRecord.refresh` for every block of products that a solve of
    ``model`` reads: an active one (its blocks up to ``model`` active; a disjunct that ``gdp.bigm`` or ``gdp.hull``
    transformed counts as active, unless its indicator is fixed False and its relaxed rows constrain nothing on the
    box now, :func:`_fixed_off`), and an empty one (it holds only the record of a product without constraints,
    whose expression may be read anywhere); a replacement block's copies first follow the blocks above their
    originals (:func:`_follow_blocks`). Refused: a deactivated block whose variables active rows still read
    (they are then free), a deactivated replacement block whose rows are still off, an active product whose
    ``<name>_scaled`` block (a block inside a replacement block) is off or deleted, a product outside ``model`` that
    its rows read (:func:`_left_out`), and rows of ``model`` replaced by a block outside it (or deleted).

    Parameters
    ----------
    model
        The Pyomo model (or block) about to be solved.
    """
    if mark_of(model, FORGOTTEN, bool, False) or mark_of(model_of(model, where="refresh_rewrites"), FORGOTTEN, bool, False):
        return  # a search's own copy (forget_rewrites)
    relaxed_vars = functools.cache(lambda: relaxed_by_pyomo(model.model()))
    blocks = _blocks(model)
    records = list(_record_blocks(blocks))
    off, read = [], []
    for block, record in records:
        if _empty(block) or _active_within(block, model):
            read.append(record)
            if isinstance(record, RewriteRecord):
                _follow_blocks(record)
            record.refresh(relaxed_vars=relaxed_vars)
            _check_companions(model, record)
        else:
            _check_lost_rows(model, record)
            off.append(block)
    derived = _derived_off(model, records, read)
    _check_unread(model, off + _deleted_products(blocks), read, derived=derived, relaxed_vars=relaxed_vars)
    _check_replaced_outside(model, blocks, records)


def _derived_off(model, records, read) -> ComponentMap:
    """The variables whose bounds a replacement block that a solve of ``model`` does not read derived from the
    constraints, each with that block and the block switched off (:func:`_off_at`): those bounds hold only while the
    rows they came from count. (Those of a replacement block deleted: :class:`~surrogate.milp.rewrite_basis.DeletedDerived`.)"""
    found = ComponentMap()
    for block, record in records:
        basis = getattr(record, "basis", None)
        if record not in read and basis is not None:
            found.update((var, (block, _off_at(block, model), "")) for var, _, _ in basis.sides)
    return found


def _deleted_products(blocks) -> list:
    """The blocks of products among ``blocks`` (:func:`_blocks`) deleted while a companion of theirs (a
    ``<name>_scaled`` block, :data:`~surrogate.milp.rewrite_record.PRODUCT`) is still there."""
    found = {id(r): (r, b) for b in blocks[1:] if isinstance(r := getattr(b, PRODUCT, None), FactorRecord)}
    return [r.block for r, companion in found.values() if not within(r.block, companion.model())]


def _empty(block) -> bool:
    return not list(block.component_objects())


def _active_within(block, model) -> bool:
    """Whether ``block`` and every block above it, up to ``model`` (the one solved), are active (a disjunct that a
    GDP transformation replaced by constraints elsewhere counts as active, unless it is off: :func:`_fixed_off`)."""
    return _off_at(block, model) is None


def _off_at(block, model):
    """The first block from ``block`` up to ``model`` that is off (see :func:`_active_within`), or ``None``."""
    while block is not None and block is not model:
        transformed = block.ctype is Disjunct and getattr(block, "transformation_block", None) is not None
        if (not block.active and not transformed) or (transformed and _fixed_off(block)):
            return block
        block = block.parent_block()
    return None


def _fixed_off(disjunct) -> bool:
    """Whether ``disjunct``'s indicator is fixed False and its relaxed rows (:func:`_transformed_rows`) then constrain
    nothing: each holds on the whole box of its variables now (interval bounds of its body within its sides). A big-M
    Pyomo computed from an older box may still cut (``x <= 1`` after ``x`` was widened to ``[0, 5]``): such a disjunct
    counts as on, so that its products are checked against their factors' boxes."""
    indicator = disjunct.binary_indicator_var
    fixed_false = indicator.fixed and indicator.value is not None and round(indicator.value) == 0
    return fixed_false and all(map(_slack_row, _transformed_rows(disjunct)))


def _transformed_rows(disjunct) -> list:
    """The active rows that a GDP transformation made of ``disjunct`` (none if it was not transformed)."""
    block = getattr(disjunct, "transformation_block", None)
    return [] if block is None else list(block.component_data_objects(pyo.Constraint, active=True, descend_into=True))


def _slack_row(row) -> bool:
    """Whether ``row`` holds at every point of its variables' bounds (fixed ones at their values); a body without
    finite interval bounds counts as cutting."""
    from pyomo.contrib.fbbt.fbbt import compute_bounds_on_expr

    low, high = compute_bounds_on_expr(row.body)
    lower, upper = (None if side is None else pyo.value(side) for side in (row.lower, row.upper))
    tight_low = lower is not None and (low is None or low < lower - bound_slack(lower))
    tight_high = upper is not None and (high is None or high > upper + bound_slack(upper))
    return not (tight_low or tight_high)


def _relaxed_rows(model) -> set:
    """The ``id`` s of the active rows that a GDP transformation made of the disjuncts in ``model`` that are off
    (:func:`_fixed_off`)."""
    off = [d for d in model.component_data_objects(Disjunct, descend_into=_KINDS) if _fixed_off(d)]
    return {id(c) for d in off for c in _transformed_rows(d)}


def _check_companions(model, record: FactorRecord) -> None:
    """Refuse an active block of products one of whose companion blocks (a bilinear product's ``<name>_scaled``, the
    blocks inside a replacement block) is deactivated or was deleted: the variables it defines are then free."""
    root = record.block.model()
    for block in record.companions:
        deleted = not within(block, root)
        if deleted or not _active_within(block, model):
            break
    else:
        return
    name, replacement = block.name, isinstance(record, RewriteRecord)
    reader = f"{'replacement block' if replacement else 'the product of block'} {record.block.name!r}"
    again = "undo the replacement (report.undo(model))" if replacement else "deactivate both and take the product out of the rows"
    fix = record.fix if deleted else f"activate {name!r} again, or {again}"
    raise ModelFormatError(
        f"block {name!r} {'was deleted' if deleted else 'is deactivated'}, but {reader}, which is active, reads its "
        f"variables, which nothing then defines; {fix}"
    )


def _follow_blocks(record: RewriteRecord) -> None:
    """Switch the copy of each row ``record`` replaced off while a block above the original (below the block whose
    products were replaced) is deactivated, as the original then is, and on again once that block is active (a
    copy the user switched off is left off)."""
    top, switched = record.block.parent_block(), record.off_with_block
    for index, item in enumerate(record.rewritten):
        if not record.kept(item):
            continue
        off = _off_at(owner(item.original), top) is not None
        if off and item.copy.active:
            item.copy.deactivate()
            switched.add(index)
        elif not off and index in switched:
            item.copy.activate()
            switched.discard(index)


def _check_lost_rows(model, record: FactorRecord) -> None:
    """Refuse a deactivated replacement block whose originals are still off where a solve of ``model`` reads them:
    those rows would then be in no model solved."""
    if not isinstance(record, RewriteRecord):
        return
    lost = [
        item.name
        for item in record.rewritten
        if record.kept(item) and not item.original.active and _active_within(owner(item.original), model)
    ]
    if lost:
        raise ModelFormatError(
            f"replacement block {record.block.name!r} is deactivated, so the rows it replaced ({', '.join(lost[:5])}) "
            "are in no model solved; activate it again, or undo the replacement (report.undo(model)) to get the "
            "originals back"
        )


def _check_replaced_outside(model, blocks, records) -> None:
    """Refuse a solve of ``model`` that reads neither a row a replacement block replaced (and deactivated) nor that
    block: the block lies outside ``model`` (a block of the model replaced), or was not copied with it (a clone of
    such a block). Each replaced row is marked on its block (:data:`~surrogate.milp.rewrite_record.MARK`), and
    copies keep the mark. ``blocks`` and ``records``: :func:`_blocks` and :func:`_record_blocks` of ``model``."""
    replaced = {id(item.original) for _, r in records if isinstance(r, RewriteRecord) for item in r.rewritten}
    left = [
        (row, by)
        for block in blocks
        for row, by in mark_of(block, MARK, list, [])
        if owner(row) is block and not row.active and id(row) not in replaced and _active_within(block, model)
    ]
    if left:
        row, by = left[0]
        refuse_replaced_outside(model, [row for row, _ in left], by, deleted=_deleted_replacement(row, by, model.model()))


def _deleted_replacement(row, by: str, root) -> bool:
    """Whether the replacement block named ``by`` that replaced ``row`` was deleted (not :func:`within` ``root``):
    its record is kept on the block whose products it replaced (:func:`~surrogate.milp.rewrite_record.rewrites_of`),
    which holds ``row``; a block solved on its own (or its clone) that lies below that block does not reach it."""
    block = owner(row)
    while block is not None:
        if any(r.name == by and not within(r.block, root) for r in rewrites_of(block)):
            return True
        block = owner(block)
    return False


def _check_unread(model, blocks, records, *, derived, relaxed_vars) -> None:
    """Raise :class:`ModelFormatError` if an active row or objective of ``model`` reads a variable of one of the
    deactivated (or deleted: :func:`_deleted_products`) ``blocks`` of products, or one of a block of products that
    a solve of ``model`` leaves out (:func:`_left_out`: deleted, outside ``model``, or gone with its model): the
    constraints that define it are then not solved, so the solver may give it any value; or a variable of ``derived``
    (:func:`_derived_off`), whose bounds came from rows that are off, or one whose bounds a deleted replacement block
    derived (:class:`~surrogate.milp.rewrite_basis.DeletedDerived`, ``relaxed_vars`` as it takes them), or one whose
    derived bounds rest on a basis that changed where none of ``records`` checked it (a replacement block outside
    ``model``: :class:`~surrogate.milp.rewrite_basis.UncheckedBases`), or on rows ``model`` does not hold
    (:func:`~surrogate.milp.rewrite_basis.rests_outside`). The rows are walked once for all of them
    (:func:`_rows_read`: the rows inside blocks of products read their own variables and their factors, so the
    factors of the blocks of ``records``, those a solve reads, stand for them)."""
    from pyomo.core.expr.visitor import identify_variables

    own = ComponentMap((v, block) for block in blocks for v in block.component_data_objects(pyo.Var, descend_into=True))
    left: dict = {}  # by the id of a variable's block: (the block of products it lies in, why it is left out), or None
    relaxed = _relaxed_rows(model)  # a disjunct fixed False: its rows constrain nothing
    checked = {id(r.basis) for r in records if getattr(r, "basis", None) is not None}  # refreshed: rests_outside
    rested: dict = {}
    deleted = DeletedDerived(model, relaxed_vars, checked=checked, memo=rested)
    unchecked = UncheckedBases(model, checked, relaxed_vars)  # a basis none of those checked: checked here
    rows = ((row, identify_variables(row.expr)) for row in _rows_read(model) if id(row) not in relaxed)
    products = ((r.block, (f.var for f in r.factors)) for r in records)
    for reader, variables in itertools.chain(rows, products):
        for var in variables:
            if var.fixed:  # a constant, wherever it lies
                continue
            block = owner(var)
            if id(block) not in left:
                left[id(block)] = _left_out(block, model)
            why = left[id(block)]
            if var in own:
                _refuse_unread(model, reader, var, own[var], "")
            elif why is _DETACHED and defined_by_product(var):  # its block of products went with its model
                _refuse_unread(model, reader, var, None, "gone")
            elif why is not None and why is not _DETACHED:
                _refuse_unread(model, reader, var, *why)
            elif var in derived:
                refuse_derived(reader, var, *derived[var])
            elif (lost := deleted(var, block)) is not None:
                refuse_derived(reader, var, *lost)
            elif (changed := unchecked(var, block)) is not None and changed[0] is not None:  # what changed: said first
                refuse_rested_changed(model, reader, var, *changed)
            elif (row := rests_outside(var, model, rested, checked=checked)) is not None:
                refuse_rested_outside(model, reader, var, *row)
            elif changed is not None:  # its record not found: after a row outside (a gone model's) is named
                refuse_rested_changed(model, reader, var, *changed)


def _refuse_unread(model, reader, var, block, why: str) -> None:
    """:func:`~surrogate.milp.rewrite_refusals.refuse_unread`, ``why`` told (deleted, or off: where it is off)."""
    why = why or ("deleted" if block is not None and not within(block, model.model()) else "off")
    refuse_unread(model, reader, var, block, why, off=_off_at(block, model) if why == "off" else None)


def _rows_read(model):
    """The active rows and objectives of ``model`` (as ``component_data_objects(..., descend_into=True)``) but those
    inside blocks of products: a bilinear product's block and its ``_scaled`` block are left out, and of a
    replacement block only its own rows (the copies) are read."""
    rows, queue = (pyo.Constraint, pyo.Objective), collections.deque([model])
    while queue:
        block = queue.popleft()
        record = getattr(block, RECORD, None)
        product = isinstance(record, FactorRecord) and not isinstance(record, RewriteRecord)
        if block is not model and (product or isinstance(getattr(block, PRODUCT, None), FactorRecord)):
            continue
        yield from block.component_data_objects(rows, active=True, descend_into=False)
        if not isinstance(record, RewriteRecord):
            queue.extend(block.component_data_objects(pyo.Block, active=True, descend_into=False))


#: What :func:`_left_out` says of a variable that lies in no model and in no block of products: a user's own (its
#: block deleted), or a product's output whose block went with its model (:func:`~surrogate.milp.built_marks.defined_by_product`).
_DETACHED = (None, "detached")


def _left_out(block, model):
    """``(product, why)`` for a variable of ``block`` that a solve of ``model`` reads without the rows that define it,
    else ``None``: ``product`` the block of products (a bilinear product's block or its ``_scaled`` block, a
    replacement block, a net's encoding :func:`~surrogate.milp.built_marks.built_above` finds) that holds
    ``block``, ``why`` ``"deleted"`` (it lies in no model: not in the top of ``model``'s model, nor in another model) or
    ``"outside"`` (it lies in a model, but not in ``model``, the block solved); :data:`_DETACHED` for a variable in no
    model and in no block of products: a user's own (its block deleted, or its model gone) keeps its bounds, so the
    rows that read it still mean what they say (as does one outside ``model``), unless a product defined it."""
    product, top = built_above(block, marked=_product_block)
    detached = top is None or (top is not model.model() and not isinstance(top, Model))
    if product is None:
        return _DETACHED if detached else None
    if detached:
        return product, "deleted"
    return None if within(product, model) or product is model else (product, "outside")


def _product_block(block) -> bool:
    """Whether ``block`` defines the variables it holds by its own rows: a block of products, or a companion of one
    (:data:`~surrogate.milp.rewrite_record.PRODUCT`), or a net's encoding (or a baseline's) this package built
    (:data:`~surrogate.milp.built_marks.BUILT`: ``add_surrogate``'s block)."""
    return isinstance(getattr(block, RECORD, getattr(block, PRODUCT, None)), FactorRecord) or mark_of(block, BUILT, bool, False)


def forget_rewrites(model) -> None:
    """Drop the records of ``model``'s blocks of products: for a search's own copy, whose changes
    (integers relaxed for an LP, constraints made elastic) are meant, not edits to check."""
    blocks = _blocks(model)
    for block, _ in list(_record_blocks(blocks)):
        delattr(block, RECORD)
    for block in blocks:
        if hasattr(block, MARK):
            delattr(block, MARK)
    setattr(model, FORGOTTEN, True)  # refresh_rewrites has nothing to check there: not even deleted blocks
