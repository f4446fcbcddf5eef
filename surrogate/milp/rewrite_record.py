"""What a block of replaced products stands for, checked again before every solve.

:func:`~surrogate.milp.products.rewrite_products` copies each objective and
constraint that holds a product into a new block, deactivates the original and
builds every product for its factors' bounds at that moment. The copy does not
follow later edits of the original, and a product built for a box is wrong
outside it. A :class:`RewriteRecord` (the block's ``record``) keeps what the
block was built from, so that :func:`refresh_rewrites`, called by
:func:`~surrogate.milp.solver.solve`, can bring the block up to date or refuse:

* an objective's changed ``sense`` is copied (the copy's expression is the same);
* an original whose expression was replaced (``set_value``, a new ``expr``), or that was deleted, is refused;
* a factor whose constant bounds were widened, that lost integrality, or that
  was fixed outside its box is refused (tightened bounds are fine: the
  product is valid on a smaller box; bounds of mutable ``Param`` s are followed).

:meth:`RewriteRecord.undo` (and :meth:`~surrogate.milp.products.ReplacementReport.undo`)
gives the exact model back.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.environ as pyo

from ..errors import ModelFormatError

#: The attribute of a replacement block that holds its :class:`RewriteRecord`.
RECORD = "record"


@dataclass(frozen=True)
class FactorBox:
    """A factor of a product as it was when the product was built: its constant bounds and integrality."""

    var: object
    lb: float | None
    ub: float | None
    integer: bool

    @classmethod
    def of(cls, var, *, symbolic: bool) -> FactorBox:
        """``var`` now; ``symbolic=True`` (bounds of mutable ``Param`` s, which the product follows) keeps no box."""
        lb, ub = (None, None) if symbolic else (float(var.lb), float(var.ub))
        return cls(var, lb, ub, bool(var.is_integer()))

    def problem(self) -> str | None:
        """What makes the product built for this box wrong now, or ``None``."""
        var = self.var
        if self.integer and not var.is_integer():
            return f"{var.name!r} was integer when its products were built (they rely on it) and is now {var.domain}"
        if self.lb is None:
            return None
        box = f"[{self.lb:g}, {self.ub:g}]"
        if var.fixed and not self.lb <= pyo.value(var) <= self.ub:
            return f"{var.name!r} is fixed at {pyo.value(var):g}, outside the box {box} its products were built for"
        lb = -float("inf") if var.lb is None else var.lb
        ub = float("inf") if var.ub is None else var.ub
        if lb < self.lb or ub > self.ub:
            return f"{var.name!r} now has bounds [{lb:g}, {ub:g}], wider than the box {box} its products were built for"
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

    @classmethod
    def of(cls, original, copy) -> Rewritten:
        """``original`` and its ``copy`` as they are now."""
        return cls(original, copy, original.expr, tuple((e, e.expr) for e in _named_expressions(original.expr)))


def _named_expressions(expr) -> list:
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


class RewriteRecord:
    """What a replacement block was built from (see the module docstring).

    Attributes
    ----------
    block
        The replacement block.
    rewritten
        The :class:`Rewritten` components, in order.
    factors
        The :class:`FactorBox` of every factor of a product.
    """

    def __init__(self, block) -> None:
        self.block = block
        self.rewritten: list[Rewritten] = []
        self.factors: list[FactorBox] = []

    def refresh(self) -> None:
        """Copy changed objective senses into the block; raise :class:`ModelFormatError` on what cannot follow."""
        problems = [p for p in (self._changed(r) for r in self.rewritten) if p]
        problems += [p for p in (f.problem() for f in self.factors) if p]
        if problems:
            listed = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise ModelFormatError(
                f"the model changed after its products were replaced in block {self.block.name!r}, so that block no "
                f"longer stands for it: {listed}; undo the replacement (report.undo(model)) and replace the "
                "products again, or declare a bound that must change with a mutable Param"
            )
        for item in self.rewritten:
            if item.original.ctype is pyo.Objective and item.copy.sense != item.original.sense:
                item.copy.sense = item.original.sense

    @staticmethod
    def _changed(item: Rewritten) -> str | None:
        """A message if ``item``'s original no longer holds the expression that was copied."""
        kind = "objective" if item.original.ctype is pyo.Objective else "constraint"
        if item.original.parent_block() is None:
            return f"{kind} {item.original.name!r} was deleted from the model (its copy still holds it)"
        if item.original.expr is not item.expr:
            return f"{kind} {item.original.name!r} was given a new expression (its copy holds the old one)"
        edited = [e.name for e, expr in item.named if e.expr is not expr]
        if edited:
            return f"the Expression {edited[0]!r} in {kind} {item.original.name!r} was given a new expression"
        return None

    def undo(self) -> None:
        """Activate every original again and delete the block from its parent."""
        for item in self.rewritten:
            item.original.activate()
        self.block.parent_block().del_component(self.block)


def refresh_rewrites(model) -> None:
    """:meth:`RewriteRecord.refresh` for every active replacement block of ``model``."""
    for block in model.component_data_objects(pyo.Block, active=True, descend_into=True):
        record = getattr(block, RECORD, None)
        if isinstance(record, RewriteRecord):
            record.refresh()


def forget_rewrites(model) -> None:
    """Drop the records of ``model``'s replacement blocks: for a search's own copy, whose changes
    (integers relaxed for an LP, constraints made elastic) are meant, not edits to check."""
    for block in model.component_data_objects(pyo.Block, descend_into=True):
        if isinstance(getattr(block, RECORD, None), RewriteRecord):
            delattr(block, RECORD)
