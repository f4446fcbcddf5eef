"""The fewest binaries a hand-built net of a neuron budget needs for an accuracy.

A ``shared`` hand-built net (:mod:`surrogate.nets.construct`) built with an
``active_margin`` costs its MILP one binary per hinge except the first hinge
of each square in each layer, which is active on the whole box. With ``m_q``
cells of square ``q`` in layer 1 and ``k_{q,l}`` sub-cells per cell in layer
``l >= 2``::

    binaries = (m_u - 1) + (m_v - 1) + sum_l [(k_{u,l} - 1) + (k_{v,l} - 1)]
    neurons  = (m_u + m_v) + sum_l (1 + k_{u,l} + k_{v,l})        (1: the shared carry)

and its grid MAE depends only on the cells per square, ``m_q prod_l k_{q,l}``
(:func:`~surrogate.nets.construct.estimated_mae`). A ``paired`` net spends one
more neuron per later layer on the same cells, so it never needs fewer.
:func:`fewest_binaries` searches every such plan within a budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..options import is_number
from .construct import estimated_mae


@dataclass(frozen=True)
class LeanPlan:
    """The most accurate shared hand-built plan for one number of binaries.

    ``widths`` are its hidden layers, ``cells`` its cells per square ``(u, v)`` and ``mae`` its
    estimated grid MAE; :func:`~surrogate.nets.construct.hand_built` with ``architecture``,
    ``'shared'`` and an ``active_margin`` builds a net of that accuracy and ``binaries`` binaries.
    """

    binaries: int
    widths: tuple[int, ...]
    cells: tuple[int, int]
    mae: float

    @property
    def architecture(self) -> str:
        """The widths written as an architecture, e.g. ``'4-5-5-5-5'``."""
        return "-".join(map(str, self.widths))


def _first_layers(budget: int) -> dict:
    """``{(cells_u, cells_v, binaries): widths}`` of every first layer within ``budget`` neurons."""
    return {(mu, mv, mu + mv - 2): (mu + mv,) for mu in range(1, budget) for mv in range(1, budget - mu + 1)}


def _deeper(states: dict, budget: int) -> dict:
    """Every state of ``states`` with one more layer that refines at least one square and fits ``budget``."""
    grown = {}
    for (cu, cv, binaries), widths in states.items():
        room = budget - sum(widths) - 1  # the shared carry
        for ku in range(1, room):
            for kv in range(1, room - ku + 1):
                if ku == kv == 1:
                    continue
                key = (cu * ku, cv * kv, binaries + ku + kv - 2)
                if key not in grown or sum(grown[key]) > sum(widths) + 1 + ku + kv:
                    grown[key] = (*widths, 1 + ku + kv)
    return grown


def fewest_binaries(*, budget: int, max_depth: int = 6) -> tuple[LeanPlan, ...]:
    """Per number of binaries, the shared hand-built plan of at most ``budget`` neurons with the lowest estimated MAE.

    Parameters
    ----------
    budget
        Hidden neurons at most (the project's reference: 24).
    max_depth
        Hidden layers at most.

    Returns
    -------
    tuple of LeanPlan
        One per number of binaries that some plan reaches, fewest binaries first. Among plans of
        equal estimated MAE the one with fewer neurons, then fewer layers, is kept.

    Examples
    --------
    >>> plans = fewest_binaries(budget=24)
    >>> lean = next(p for p in plans if p.mae <= 1e-3)
    >>> lean.binaries, lean.architecture, lean.cells
    (10, '4-5-5-5-5', (32, 32))
    """
    if not is_number(budget, integer=True, low=2):
        raise ConfigError(f"budget={budget!r} must be a whole number of hidden neurons >= 2, e.g. 24")
    if not is_number(max_depth, integer=True, low=1):
        raise ConfigError(f"max_depth={max_depth!r} must be a whole number of hidden layers >= 1, e.g. 6")
    best: dict[int, LeanPlan] = {}
    states = _first_layers(budget)
    for depth in range(max_depth):
        if depth:  # grow only while a deeper layer may still be counted
            states = _deeper(states, budget)
        for (cu, cv, binaries), widths in states.items():
            candidate = LeanPlan(binaries, widths, (cu, cv), estimated_mae(cu, cv))
            held = best.get(binaries)
            if held is None or _rank(candidate) < _rank(held):
                best[binaries] = candidate
    return tuple(best[b] for b in sorted(best))


def _rank(plan: LeanPlan) -> tuple:
    """Lower is better: estimated MAE, then neurons, then layers."""
    return (plan.mae, sum(plan.widths), len(plan.widths))
