"""Safety margins on derived bounds: outwards where a derivation rounds, none where a bound is exact.

A bound derived in floating point (FBBT's interval arithmetic, an LP's optimum)
is moved outwards by a margin relative to ``max(1, |bound|)`` so that round-off
cuts no feasible point. A side that is exact gets no margin: an integer's bound
after FBBT rounded it to an integer (FBBT rounds with a tolerance of 1e-5, far
above its round-off), and a side derived within the margin of the opposite
side when that one is exact (the variable's own bound, or an integer's rounded
one) becomes that side, a point, rather than a sliver of width ~1e-9 whose
bounds would put coefficients of ~1e-9 into McCormick rows, which solvers drop
while keeping the rows' constants. The points such a snap can leave out lie
within 1e-9 (absolute) of the point kept, below every solver's feasibility
tolerance. A margin never moves a side past the bound the variable had.
"""

from __future__ import annotations

#: Relative outward margin on a bound from FBBT (interval arithmetic in floating point).
FBBT_MARGIN = 1e-9
#: Relative outward margin on a bound from an LP (HiGHS's primal and dual feasibility tolerances are 1e-7).
LP_MARGIN = 1e-6
#: The widest box (absolute) that a side next to an exact one is snapped shut on: far below solvers' absolute
#: feasibility tolerances (~1e-7); a relative window left out feasible points of width 1e-3 at 1e6.
SNAP_WIDTH = 1e-9
#: The largest integer bound taken as exact after FBBT rounded it: FBBT rounds with a tolerance of 1e-5, and past
#: about 1e10 its own round-off exceeds that, so a rounded bound there gets the margin like any other side.
EXACT_INTEGER_LIMIT = 1e9


def outward(value: float, side: int, margin: float) -> float:
    """``value`` moved by ``margin * max(1, |value|)`` away from the box (``side`` 0: lower, 1: upper)."""
    step = margin * max(1.0, abs(value))
    return value - step if side == 0 else value + step


def is_integral(value: float | None) -> bool:
    """Whether ``value`` is a finite whole number."""
    return value is not None and float(value).is_integer()


def rounded_exactly(value: float | None, *, integer: bool) -> bool:
    """Whether ``value``, a bound FBBT derived for a variable (``integer``: an integer one), is exact: a whole
    number FBBT rounded an integer's bound to, within :data:`EXACT_INTEGER_LIMIT`."""
    return integer and is_integral(value) and abs(value) <= EXACT_INTEGER_LIMIT


def fbbt_side(value: float, side: int, *, old: float | None, opposite: float | None, exact: bool, integer: bool) -> float:
    """The bound to keep for ``side`` of a variable FBBT bounded by ``value`` (module docstring).

    ``old``: the side's bound before FBBT (``None``: none); ``opposite``: the other side's bound after FBBT;
    ``exact``: whether that one is exact; ``integer``: whether the variable is an integer.
    """
    if rounded_exactly(value, integer=integer):  # FBBT rounded it
        return value
    if exact and opposite is not None and abs(value - opposite) <= SNAP_WIDTH:
        return opposite  # a point, not a sliver
    moved = outward(value, side, FBBT_MARGIN)
    if old is None:
        return moved
    return max(moved, old) if side == 0 else min(moved, old)
