"""The result of one solve (:class:`SolveResult`) and the gap it reports (:func:`relative_gap`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..errors import ConfigError
from .model_size import ModelSize
from .solver_config import NO_SOLUTION, Termination


@dataclass(frozen=True)
class SolveResult:
    """What one MILP solve did.

    ``objective`` is the incumbent (``nan`` without one, and after a
    termination in :data:`NO_SOLUTION`), ``bound`` the dual bound (for every
    solver: ``+inf`` for an infeasible minimisation, ``-inf`` for an
    infeasible maximisation; ``-inf`` / ``+inf`` where it may be unbounded), ``gap``
    their relative gap, ``wall_time`` the solver's own run time in seconds,
    ``nodes`` the branch-and-bound nodes. ``warnings`` holds the solver's
    warning lines, this package's check of the model's coefficient range
    (every solver; empty for a well-scaled model, or with ``check=False``), an encoded net whose output at the
    point strays from the net (:func:`~surrogate.milp.net_drift.drift_warnings`) and notes of this package
    (a warm start a solver could not take, a licence's refusal); it is left
    out of :meth:`to_dict`, whose keys are the columns of the result tables.
    ``first_solution_time`` is the seconds from the run's start to its first
    incumbent (0 when the solver took the warm start it was handed; an LP's
    ``wall_time``; ``nan`` without a solution or when the solver does not say).
    ``reason`` says why, when this package set the termination itself (an
    incumbent that broke the model, a licence's refusal; it is also in
    ``warnings``), and is empty otherwise; :meth:`to_dict` leaves it out too.
    """

    termination: Termination
    objective: float
    bound: float
    gap: float
    wall_time: float
    nodes: int
    size: ModelSize
    warnings: tuple[str, ...] = ()
    first_solution_time: float = math.nan
    reason: str = ""

    def __post_init__(self) -> None:
        try:  # a name read back from a table or a JSON file becomes the member
            object.__setattr__(self, "termination", Termination(self.termination))
        except ValueError:
            names = ", ".join(t.value for t in Termination)
            raise ConfigError(f"SolveResult: termination={self.termination!r} is not one of {names}") from None

    @property
    def optimal(self) -> bool:
        return self.termination == Termination.OPTIMAL

    @property
    def has_solution(self) -> bool:
        """Whether a point was found and loaded: an incumbent, and a termination not in :data:`NO_SOLUTION`."""
        return not math.isnan(self.objective) and self.termination not in NO_SOLUTION

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("warnings")
        out.pop("reason")
        out.update(out.pop("size"))
        return out


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(1, |objective|)`` (``nan`` if either is missing)."""
    if math.isnan(objective) or math.isnan(bound):
        return float("nan")
    return abs(objective - bound) / max(1.0, abs(objective))


def beyond_bound(value: float, bound: float, *, minimise: bool, tol: float) -> bool:
    """Whether a point's objective ``value`` is better than a solver's proven ``bound`` by more than ``tol``, relative
    to ``max(1, |bound|)`` (``False`` for a bound that is not finite): no point can be there."""
    if not math.isfinite(bound):
        return False
    ahead = bound - value if minimise else value - bound
    return ahead > tol * max(1.0, abs(bound))
