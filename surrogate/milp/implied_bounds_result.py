"""What :func:`~surrogate.milp.implied_bounds.tighten_product_bounds` derived, and how it is put back.

:class:`ImpliedBounds` holds each tightened variable's :class:`DerivedBound` (old and new bounds, and which step
derived each side); :meth:`ImpliedBounds.restore` puts the old bounds back, on the model or on a clone of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .model_components import find_like, find_named


def finite_bounds(var) -> tuple[float | None, float | None]:
    """``var``'s bounds as floats, ``None`` for a side without a finite one."""
    lb, ub = var.lb, var.ub
    return (None if lb is None or lb == -math.inf else float(lb), None if ub is None or ub == math.inf else float(ub))


@dataclass(frozen=True)
class DerivedBound:
    """One variable's bounds before and after tightening; ``source`` per side (``'fbbt'``, ``'lp'`` or ``None``)."""

    old: tuple[float | None, float | None]
    new: tuple[float | None, float | None]
    sources: tuple[str | None, str | None]

    @property
    def source(self) -> str:
        """``'fbbt'``, ``'lp'``, or ``'fbbt+lp'`` when the two sides came from different steps."""
        return "+".join(dict.fromkeys(s for s in self.sources if s is not None))


@dataclass(frozen=True)
class ImpliedBounds:
    """What :func:`tighten_product_bounds` derived.

    ``derived`` maps a variable's name to its :class:`DerivedBound` (only variables whose bounds changed); ``unbounded``
    names the product factors still without two finite bounds; ``seconds`` is the time spent; ``lp_rounds`` the LP rounds
    run; ``timed_out`` whether the time limit stopped the LPs; ``left_out`` names the constraints left out because they
    hold a mutable ``Param`` or a fixed ``Var`` (empty when nothing was tightened).
    """

    derived: dict
    unbounded: tuple[str, ...]
    seconds: float
    lp_rounds: int = 0
    timed_out: bool = False
    left_out: tuple[str, ...] = ()
    _variables: dict = field(default_factory=dict, repr=False, compare=False)

    def restore(self, model=None) -> None:
        """Put the derived bounds back as they were: on the variables tightened, or their counterparts in ``model``
        (a clone of the model or of a block of it: found by ``ComponentUID`` relative to each block above the
        variable, as :func:`~surrogate.milp.model_components.find_like` finds them, which reads back every index,
        unlike a name: ``x[*]``, ``x[a ]``); a variable that ``model`` shares with another model (one outside the
        block cloned) is left as it is, and a side changed since is kept."""
        found = [self._variable_in(name, model) for name in self.derived]
        for var, bound in zip(found, self.derived.values()):
            if var is None:
                continue
            if finite_bounds(var)[0] == bound.new[0]:
                var.setlb(bound.old[0])
            if finite_bounds(var)[1] == bound.new[1]:
                var.setub(bound.old[1])

    def _variable_in(self, name: str, model):
        """The variable ``name`` tightened, or its counterpart in ``model`` (``None`` if it has none, or shares it
        with another model: a clone of ``m.p`` reads ``m.x``, whose bounds are the original's)."""
        var = self._variables.get(name)
        if var is None:  # an older report without the variables: by name
            return find_named(model, [name])[0] if model is not None else None
        if model is None or var.model() is model.model():
            return var
        found = find_like(model, var, model)  # a clone of p: its x, found relative to p (not p.x relative to m)
        return found if found is not None and found.model() is model.model() else None
