"""What a block of replaced products stands for, checked again before every solve.

:func:`~surrogate.milp.products.rewrite_products` copies each objective and constraint that holds a product
into a new block, deactivates the original and builds every product for its factors' bounds at that moment.
The copy does not follow later edits of the original, and a product built for a box is wrong outside it. A
:class:`RewriteRecord` (the block's ``record``) keeps what the block was built from, so that :func:`~surrogate.milp.rewrite_refresh.refresh_rewrites`, called by
:func:`~surrogate.milp.solver.solve`, can bring the block up to date or refuse:

* an objective's changed ``sense`` is copied (the copy's expression is the same);
* an original whose expression was replaced (``set_value``, a new ``expr``), or that was deleted, is refused;
* a factor whose bounds were widened, that lost integrality (unless the block's own
  binaries were relaxed too: an LP relaxation), or that was fixed outside its box is refused
  (tightened bounds are fine: the product is valid on a smaller box; bounds of mutable ``Param`` s
  are followed where the products read them symbolically, and a constant bound set in their place
  is held against the Params' values);
* where bounds were derived from the constraints, a constraint changed, deactivated (or a block above it) or
  deleted, or a variable they read widened, since is refused (a :class:`~surrogate.milp.rewrite_basis.Basis`);
* a row's copy follows the blocks above its original (off while one is deactivated); a block inside the block
  (a product's net or ``_scaled`` block) deactivated or deleted is refused.

:func:`~surrogate.milp.bilinear.bilinear` adds no copies: its block holds a :class:`FactorRecord`,
the factor checks alone.

:meth:`RewriteRecord.undo` (and :meth:`~surrogate.milp.products.ReplacementReport.undo`)
gives the exact model back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyomo.environ as pyo

from ..errors import ModelFormatError
from .built_marks import mark_of
from .solution_check import readable_bounds

#: The component ``core.relax_integer_vars`` leaves on a model it relaxed (the domains to put back).
RELAX_RECORD = "_relaxed_integer_vars"
#: The attribute of a replacement block that holds its :class:`RewriteRecord`.
RECORD = "record"
#: The attribute of a companion block (a bilinear product's ``<name>_scaled``) that holds its product's
#: :class:`FactorRecord`: a solve refuses rows that still read the product's variables once its block was deleted.
PRODUCT = "surrogate_product_record"
#: The attribute of a block that lists its rows a replacement block replaced, as ``(row, replacement block's name)``:
#: ``clone()`` and ``deepcopy`` copy it with the block, so a copy solved without the replacement block is refused.
MARK = "surrogate_replaced_rows"
#: The attribute of a block that lists the :class:`RewriteRecord` of each replacement block, not undone, that replaced
#: its products (the block's parent) or derived bounds for a variable of it: it outlives the replacement block (or a
#: block above it) deleted, so that a solve still knows what its rows stood for (the rows it replaced, the bounds derived
#: from its rows), and goes with the block (``clone()``, a block moved or made part of a larger model).
REWRITES = "surrogate_rewrites"


def owner(component):
    """The block that holds ``component`` now, or ``None`` once it was deleted: from its block, or, for an element of
    an indexed component, with that component (``model.del_component(model.c)``: the element then has no component)."""
    return None if component.parent_component() is None else component.parent_block()


def within(component, model) -> bool:
    """Whether ``component`` still lies within ``model``: neither it nor a block above it (up to ``model``) was
    deleted, so a solve of ``model`` reads it (a row of a deleted sub-block keeps that block as its parent)."""
    block = owner(component)
    while block is not None and block is not model:
        block = owner(block)
    return block is model


def rewrites_of(block) -> list:
    """The :class:`RewriteRecord` s kept on ``block`` (:data:`REWRITES`): of the replacement blocks not undone (deleted
    ones too) that replaced its products or derived bounds for a variable of it."""
    return mark_of(block, REWRITES, list, [])


def _keep_on(block, record, *, keep: bool = True) -> None:
    """Add ``record`` to ``block``'s :data:`REWRITES` (once), or (``keep=False``) drop it: a new list, so a copy's
    list (``clone()``) stays its own."""
    kept = [r for r in rewrites_of(block) if r is not record]
    setattr(block, REWRITES, [*kept, record] if keep else kept)


def mark_replaced(row, by: str) -> None:
    """Note on ``row``'s block that the replacement block named ``by`` replaced ``row`` (see :data:`MARK`)."""
    block = row.parent_block()
    if mark_of(block, MARK, list) is None:
        setattr(block, MARK, [])
    getattr(block, MARK).append((row, by))  # a list of the block's own: clone() copies it, unmark_replaced replaces it


def unmark_replaced(rows) -> None:
    """Drop ``rows`` from their blocks' :data:`MARK` (their replacement was undone): each block's list is
    rebuilt once, however many of its rows are dropped."""
    dropped: dict[int, tuple] = {}  # by the block's id: (block, ids of its rows dropped)
    for row in rows:
        block = owner(row)
        if block is not None:
            dropped.setdefault(id(block), (block, set()))[1].add(id(row))
    for block, ids in dropped.values():
        if mark_of(block, MARK, list) is not None:
            setattr(block, MARK, [(r, by) for r, by in getattr(block, MARK) if id(r) not in ids])


def bound_slack(bound: float) -> float:
    """The rounding a bound may be off by before it counts as moved (``0.1 + 0.2`` is ``0.3``)."""
    return 1e-9 * max(1.0, abs(bound))


#: The fix of a bound made NaN or infinite by a mutable Param: the products then hold again, with nothing rebuilt.
PARAMS_FIX = "give those Params finite values again (nothing needs rebuilding)"


class OwnFix(str):
    """A problem (of :meth:`FactorRecord.problems`) whose message names its own fixes: :meth:`FactorRecord.refresh`
    adds no other (rebuilding the block, which may not work for it)."""


def wider(var, lb: float | None, ub: float | None) -> bool:
    """Whether ``var``'s bounds now reach past ``lb`` or ``ub`` (``None``: none then) by more than rounding."""
    low = -float("inf") if var.lb is None else var.lb
    high = float("inf") if var.ub is None else var.ub
    return (lb is not None and low < lb - bound_slack(lb)) or (ub is not None and high > ub + bound_slack(ub))


@dataclass(frozen=True)
class FactorBox:
    """A factor of a product as it was when the product was built: its bounds and integrality.

    ``lb, ub`` are floats, or (``symbolic``) the expressions of mutable ``Param`` s the product reads,
    whose values at each check are the box: a constant bound set later (``setub(2)``) is then held
    against them, as a constant box is.
    """

    var: object
    lb: object
    ub: object
    integer: bool

    @classmethod
    def of(cls, var, *, symbolic: bool, integer: bool | None = None) -> FactorBox:
        """``var`` now; ``symbolic=True``: its bounds are mutable ``Param`` expressions that the product follows;
        ``integer``: whether a product relies on its integrality (default: whether it is integer)."""
        lb, ub = (var.lower, var.upper) if symbolic else (float(var.lb), float(var.ub))
        return cls(var, lb, ub, bool(var.is_integer()) if integer is None else integer)

    def problem(self, *, relaxed: bool) -> str | None:
        """What makes the product built for this box wrong now, or ``None``; ``relaxed``: the block's own
        binaries are relaxed too (an LP relaxation, which a factor's lost integrality does not spoil)."""
        var = self.var
        if self.integer and not var.is_integer() and not relaxed:
            return f"{var.name!r} was integer when its products were built (they rely on it) and is now {var.domain}"
        low, high = (float(pyo.value(b)) for b in (self.lb, self.ub))
        if readable_bounds(var) is None or any(map(math.isnan, (low, high))):  # Pyomo refuses to read a NaN bound
            if any(isinstance(b, float) and math.isnan(b) for b in (var.lower, var.upper)):  # setlb(nan): no Param
                return f"{var.name!r} was given a bound that is NaN; give it a number within [{low!r}, {high!r}] again"
            return f"{var.name!r} has a bound that is NaN (a mutable Param of its bounds set to nan); {PARAMS_FIX}"
        if any(map(math.isinf, (low, high))):  # a mutable Param of its bounds set to inf ("no limit")
            return (
                f"{var.name!r} now has bounds [{low!r}, {high!r}] (the values now of the mutable Params its bounds are), "
                f"infinite where its products need a finite box; {PARAMS_FIX}"
            )
        box = f"[{low!r}, {high!r}] its products were built for" + (
            "" if isinstance(self.lb, float) else " (the values now of the mutable Params its bounds were)"
        )
        value = var.value
        if var.fixed and value is not None:  # a solver reads the value, not the bounds
            inside = low - bound_slack(low) <= value <= high + bound_slack(high)
            return None if inside else f"{var.name!r} is fixed at {value!r}, outside the box {box}"
        if wider(var, low, high):
            lb, ub = -float("inf") if var.lb is None else var.lb, float("inf") if var.ub is None else var.ub
            return f"{var.name!r} now has bounds [{lb!r}, {ub!r}], wider than the box {box}"
        return None


@dataclass(frozen=True)
class Rewritten:
    """An original objective or constraint, its copy in the replacement block, and the expression that was copied.

    ``named`` holds each named ``Expression`` inside it with the expression it held then.
    """

    original: object
    copy: object
    expr: object
    named: tuple = ()
    name: str = ""
    sense: object = None

    @classmethod
    def of(cls, original, copy) -> Rewritten:
        """``original`` and its ``copy`` as they are now (an objective's ``sense`` too)."""
        named = tuple((e, e.expr) for e in named_expressions(original.expr))
        sense = original.sense if original.ctype is pyo.Objective else None
        return cls(original, copy, original.expr, named, original.name, sense)


def named_expressions(expr) -> list:
    """The named ``Expression`` s inside ``expr`` (nested ones too), each once."""
    found, seen, stack = [], set(), [expr]
    while stack:
        node = stack.pop()
        if id(node) in seen or not getattr(node, "is_expression_type", lambda: False)():
            continue
        seen.add(id(node))
        if node.is_named_expression_type():
            found.append(node)
        stack.extend(node.args)
    return found


class FactorRecord:
    """The factor boxes a block of products was built for (:class:`FactorBox` es), checked before every solve.

    Attributes
    ----------
    block
        The block.
    factors
        The :class:`FactorBox` of every factor of a product.
    integers
        The block's own integer variables (a net's binaries, digits): all of them relaxed is an LP relaxation.
    fix
        How to rebuild the block, for the message of a refusal.
    """

    def __init__(self, block, *, fix: str) -> None:
        self.block = block
        self.fix = fix
        self.factors: list[FactorBox] = []
        self.integers: list = []
        self.companions: list = []  # blocks its constraints read (a bilinear product's <name>_scaled)

    def built(self, factors) -> None:
        """Record the boxes of ``factors`` (:class:`FactorBox` es) and the block's own integer variables, once built."""
        self.factors.extend(factors)
        self.integers = [v for v in self.block.component_data_objects(pyo.Var, descend_into=True) if v.is_integer()]

    def problems(self, *, relaxed_vars=None) -> list[str]:
        """What no longer holds for the block, each in words (empty when it still stands for the model);
        ``relaxed_vars()``: the variables Pyomo relaxed (:func:`relaxed_by_pyomo`), computed once by the caller."""
        lost = any(f.integer and not f.var.is_integer() for f in self.factors)
        relaxed = lost and self._relaxed(relaxed_vars or (lambda: relaxed_by_pyomo(self.block.model())))
        return [p for p in (f.problem(relaxed=relaxed) for f in self.factors) if p]

    def _relaxed(self, relaxed_vars) -> bool:
        """Whether the model is an LP relaxation: the block's own integers are all relaxed, or, for a block without
        any (``b*y``), every factor that lost its integrality was relaxed by Pyomo's ``core.relax_integer_vars``
        (:func:`relaxed_by_pyomo`); a factor's domain changed by hand is no relaxation. (Pyomo keeps its record
        after the relaxation is reversed: a factor made continuous by hand after that still counts as relaxed.)"""
        if self.integers:
            return not any(v.is_integer() for v in self.integers)
        relaxed = relaxed_vars()
        return all(id(f.var) in relaxed for f in self.factors if f.integer and not f.var.is_integer())

    def refresh(self, *, relaxed_vars=None) -> None:
        """Raise :class:`ModelFormatError` on what the block cannot follow (:meth:`problems`)."""
        problems = self.problems(relaxed_vars=relaxed_vars)
        if problems:
            listed = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            param = "; a bound that must change between solves goes in a mutable Param" if "wider than the box" in listed else ""
            fix = "" if all(p.endswith(PARAMS_FIX) or isinstance(p, OwnFix) for p in problems) else f"; {self.fix}"
            raise ModelFormatError(
                f"the model changed after its products were built in block {self.block.name!r}, so that block no "
                f"longer stands for it: {listed}{fix}{param}"
            )


class RewriteRecord(FactorRecord):
    """What a replacement block was built from (see the module docstring): a :class:`FactorRecord` with

    Attributes
    ----------
    rewritten
        The :class:`Rewritten` components, in order.
    basis
        What the bounds derived for the factors from the constraints rest on (a
        :class:`~surrogate.milp.rewrite_basis.Basis`; ``None``
        when none were derived).
    root
        The model the block was built on.
    replaced
        The block whose products it replaced (its parent, even once :meth:`undo` deleted it).
    """

    def __init__(self, block) -> None:
        super().__init__(block, fix="undo the replacement (report.undo(model)) and replace the products again")
        self.root = block.model()  # the model it was built on: its clones hold copies of the block by name
        self.name = block.name  # its name there, kept for a message once it is deleted
        self.replaced = block.parent_block()  # the block whose products it replaced, kept when the block is deleted
        self.rewritten: list[Rewritten] = []
        self.basis = None  # a rewrite_basis.Basis
        self.senses: dict[int, object] = {}  # an objective's sense as its original and copy last agreed, by index
        self.off_with_block: set[int] = set()  # copies switched off with a deactivated block above their original, by index

    def built(self, factors) -> None:
        """:meth:`FactorRecord.built`; every block inside the block (a product's net, its ``_scaled`` block) is a
        companion: one deactivated or deleted leaves its variables free, which a solve refuses."""
        super().built(factors)
        self.companions = list(self.block.component_data_objects(pyo.Block, descend_into=True))
        _keep_on(self.replaced, self)

    def derive(self, basis) -> None:
        """Keep ``basis`` (a :class:`~surrogate.milp.rewrite_basis.Basis`, or ``None``: no bounds derived), and this
        record on the block of each variable it derived bounds for (:data:`REWRITES`)."""
        self.basis = basis
        for var, _, _ in () if basis is None else basis.sides:
            if owner(var) is not None:
                _keep_on(owner(var), self)

    def problems(self, *, relaxed_vars=None) -> list[str]:
        """Changed or deleted originals, then :meth:`FactorRecord.problems`, then a changed :class:`~surrogate.milp.rewrite_basis.Basis`."""
        problems = [p for p in (self._changed(r) for r in self.rewritten) if p] + super().problems(relaxed_vars=relaxed_vars)
        relaxed_vars = relaxed_vars or (lambda: relaxed_by_pyomo(self.block.model()))
        basis = None if self.basis is None else self.basis.problem(self.rewritten, self.block.model(), relaxed_vars=relaxed_vars)
        if basis:
            kind = OwnFix if isinstance(basis, OwnFix) else str  # its fix kept
            problems.append(
                kind(f"the bounds derived for {', '.join(self.basis.derived)} from the constraints rest on it: {basis}")
            )
        return problems

    def refresh(self, *, relaxed_vars=None) -> None:
        """Follow a changed objective sense (:meth:`_follow_sense`); raise :class:`ModelFormatError` on what cannot follow."""
        super().refresh(relaxed_vars=relaxed_vars)
        self._follow_senses()

    def _follow_senses(self) -> None:
        for index, item in enumerate(self.rewritten):
            if item.sense is not None and self.kept(item):  # an objective not deleted
                self._follow_sense(index, item)

    def _follow_sense(self, index: int, item: Rewritten) -> None:
        """Give an objective's original and copy the sense that one of them was given since they last agreed: the
        original's is copied into the block, and the copy's (the objective a solve reads) into the original, which
        :meth:`undo` gives back."""
        agreed = self.senses.get(index, item.sense)  # by index: a clone's items are other objects
        if item.original.sense != agreed:
            item.copy.sense = item.original.sense
        elif item.copy.sense != agreed:
            item.original.sense = item.copy.sense
        self.senses[index] = item.original.sense

    def kept(self, item: Rewritten) -> bool:
        """Whether ``item``'s original is still part of the model (:func:`within` it: not deleted, nor its block)."""
        return within(item.original, self.block.model())

    def _changed(self, item: Rewritten) -> str | None:
        """A message if ``item``'s original no longer holds the expression that was copied, or is active again."""
        from .model_components import python_path

        kind = "constraint" if item.sense is None else "objective"  # a deleted element has no ctype any more
        if not self.kept(item):
            return f"{kind} {item.name!r} was deleted from the model (its copy still holds it)"
        if item.original.active and item.copy.active:
            return (
                f"{kind} {item.name!r}, which its copy replaces, is active again (both would be solved): deactivate "
                f"it ({python_path(item.original)}.deactivate()) to solve the replacement"
            )
        if item.original.expr is not item.expr:
            return f"{kind} {item.name!r} was given a new expression (its copy holds the old one)"
        edited = [e.name for e, expr in item.named if e.expr is not expr]
        if edited:
            return f"the Expression {edited[0]!r} in {kind} {item.name!r} was given a new expression"
        return None

    def undo(self) -> None:
        """Activate every original again (with a sense given to its copy since; one deleted since is left out) and
        delete the block from its parent."""
        self._follow_senses()
        kept = [item.original for item in self.rewritten if self.kept(item)]
        for original in kept:
            original.activate()
        unmark_replaced(kept)
        for var, _, _ in () if self.basis is None else self.basis.sides:
            if owner(var) is not None:
                _keep_on(owner(var), self, keep=False)
        if self.basis is not None:
            self.basis.forget()  # its bounds put back: nothing rests on its rows
        _keep_on(self.replaced, self, keep=False)
        self.block.parent_block().del_component(self.block)


def relaxed_by_pyomo(model) -> dict:
    """The variables (by ``id``) that Pyomo's ``core.relax_integer_vars`` made continuous in ``model`` and that are
    still so: it leaves its record (:data:`RELAX_RECORD`) on the block it was
    applied to, and keeps it when the relaxation is reversed, so a variable that is integer again is left out."""
    blocks = [model, *model.component_data_objects(pyo.Block, descend_into=True)]
    records = [r for r in (b.component(RELAX_RECORD) for b in blocks) if r is not None]
    relaxed = {}
    for record in records:
        for var, _ in (record.get(None) or {}).values():
            if not var.is_integer():
                relaxed[id(var)] = var
    return relaxed
