"""What bounds derived from a model's constraints rest on (a :class:`Basis`), checked again before every solve.

:func:`~surrogate.milp.bilinear.replace_products` may derive bounds for the factors of products from the
constraints (:mod:`~surrogate.milp.implied_bounds`) and build the products for that box. The
:class:`~surrogate.milp.rewrite_record.RewriteRecord` of its block keeps a :class:`Basis`: a solve is refused
once a constraint the bounds were derived from changed, was deactivated (it or a block above it) or deleted, or
a variable such a constraint reads was widened: the derived box may not hold then.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from .rewrite_record import owner, wider, within


@dataclass(frozen=True)
class Basis:
    """What bounds derived from a model's constraints rest on: its active constraints (with their expressions)
    and the constant bounds of the variables they read, when they were derived (:meth:`of`)."""

    derived: tuple[str, ...]
    constraints: tuple
    bounds: tuple

    @classmethod
    def of(cls, model, derived, *, symbolic) -> Basis:
        """``model`` now, for the bounds ``derived`` (variable names) from it; ``symbolic(var)``: whether a bound
        of ``var`` is a mutable ``Param``'s, which takes no part in a derivation (implied_bounds leaves it out).
        A variable no active constraint reads takes no part either: its bounds may widen."""
        rows = model.component_data_objects(pyo.Constraint, active=True, descend_into=True)
        cons = tuple((c, c.expr, c.name) for c in rows)  # the name now: a deleted block's row forgets its path
        read = {}  # by id: each variable once, with the first constraint that reads it
        for _, expr, name in cons:
            for var in identify_variables(expr):
                read.setdefault(id(var), (var, name))
        kept = [(v, name) for v, name in read.values() if v.name not in derived and not symbolic(v)]
        return cls(tuple(derived), cons, tuple((v, v.lb, v.ub, name) for v, name in kept))

    def problem(self, rewritten, model) -> str | None:
        """Which change makes the derived bounds unsafe now, or ``None``; ``model``: the one they were derived in
        (a constraint no longer :func:`within` it was deleted, one below a deactivated block is off)."""
        ours = {id(item.original) for item in rewritten}  # deactivated by the rewrite itself
        for con, expr, name in self.constraints:
            off = (not con.active and id(con) not in ours) or switched_off(con, model)
            if not within(con, model) or con.expr is not expr or off:
                return f"constraint {name!r} was changed, deactivated or deleted"
        for var, lb, ub, *read in self.bounds:  # read: the constraint that reads it (none in an older record)
            if wider(var, lb, ub):
                by = f" (read by constraint {read[0]!r})" if read else ""
                return f"{var.name!r}{by} now has wider bounds [{var.lb}, {var.ub}] than [{lb}, {ub}]"
        return None


def switched_off(component, model) -> bool:
    """Whether a block above ``component``, up to ``model``, is deactivated (a solve of ``model`` then leaves it out)."""
    block = owner(component)
    while block is not None and block is not model:
        if not block.active:
            return True
        block = owner(block)
    return False
