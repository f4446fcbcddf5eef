"""The solve after a warm-start search, which keeps the search's point where the solver drops it.

:func:`~surrogate.milp.warmstart.solve_with_start` hands the solver what the search left of the budget, at
least 0.01 s. With that little time SCIP (and once Gurobi) stopped at its limit before it took the point handed
in, and the result said "no point" although the search had found one, checked, and it was still in the model's
variables. :func:`solve_after_start` makes such a result keep the search's point as its incumbent.
"""

from __future__ import annotations

from dataclasses import replace

from .solver import SolverConfig, SolveResult, solve
from .start_point import LIMITS, kept_start  # noqa: F401 (LIMITS re-exported: this module's API before it moved)
from .warmstart_config import StartResult


def solve_after_start(model, config: SolverConfig, found: StartResult) -> SolveResult:
    """:func:`~surrogate.milp.solver.solve` ``model`` in what the search (``found``) left of ``config.time_limit``
    (at least 0.01 s), its point handed in as the warm start; ``wall_time`` counts the search's seconds too.

    Where the solver stops at a limit (:data:`LIMITS`) without an incumbent although the search found a point, the
    result's incumbent is that point, still in ``model``'s variables, where it is one at the solvers' own tolerance
    (:func:`~surrogate.milp.start_point.kept_start`), with its objective, the solver's bound, their gap,
    ``first_solution_time`` 0 and a warning that says so.
    """
    budget = replace(config, time_limit=max(config.time_limit - found.seconds, 0.01))
    result = solve(model, budget, warm_start=found.found)  # solve keeps a start it was handed (start_point)
    if found.found:  # (and so does this, whatever solve it was)
        result = kept_start(model, result, solver=config.solver)
    return replace(result, wall_time=result.wall_time + found.seconds)
