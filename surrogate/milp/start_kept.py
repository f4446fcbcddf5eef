"""The solve after a warm-start search, which keeps the search's point where the solver drops it.

:func:`~surrogate.milp.warmstart.solve_with_start` hands the solver what the search left of the budget, at
least 0.01 s. With that little time SCIP (and once Gurobi) stopped at its limit before it took the point handed
in, and the result said "no point" although the search had found one, checked, and it was still in the model's
variables. :func:`solve_after_start` makes such a result keep the search's point as its incumbent.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pyomo.environ as pyo

from .model_components import active_objective
from .solution_check import untrusted
from .solve_result import relative_gap
from .solver import SolverConfig, SolveResult, solve
from .solver_config import SOLVER_NAMES, Termination
from .warmstart_config import StartResult

#: The terminations at which a solver stops short of an answer: a point known before it is still the best known.
LIMITS = frozenset({Termination.TIME_LIMIT, Termination.ITERATION_LIMIT, Termination.INTERRUPTED})


def solve_after_start(model, config: SolverConfig, found: StartResult) -> SolveResult:
    """:func:`~surrogate.milp.solver.solve` ``model`` in what the search (``found``) left of ``config.time_limit``
    (at least 0.01 s), its point handed in as the warm start; ``wall_time`` counts the search's seconds too.

    Where the solver stops at a limit (:data:`LIMITS`) without an incumbent although the search found a point, the
    result's incumbent is that point, still in ``model``'s variables: checked against the model again
    (:func:`~surrogate.milp.solution_check.untrusted`), with its objective, the solver's bound, their gap,
    ``first_solution_time`` 0 and a warning that says so.
    """
    budget = replace(config, time_limit=max(config.time_limit - found.seconds, 0.01))
    result = solve(model, budget, warm_start=found.found)
    if found.found:
        result = kept_start(model, result, solver=config.solver)
    return replace(result, wall_time=result.wall_time + found.seconds)


def kept_start(model, result: SolveResult, *, solver: str) -> SolveResult:
    """``result``, or where it stopped at a limit without an incumbent, the point in ``model``'s variables (the warm
    start handed in) as its incumbent, if that point satisfies the model (see :func:`solve_after_start`)."""
    objective = active_objective(model)
    if result.has_solution or result.termination not in LIMITS or objective is None:
        return result
    value = pyo.value(objective, exception=False)
    if value is None or not math.isfinite(value) or untrusted(model, solver, float(value)) is not None:
        return result
    note = (
        f"{SOLVER_NAMES[solver]} stopped ({result.termination}) before it took the warm start's point, so the result "
        f"keeps that point (objective {value:.6g}, checked against the model) as its incumbent; give a longer time "
        "limit for the solver to improve on it"
    )
    value = float(value)
    gap = relative_gap(value, result.bound)
    return replace(result, objective=value, gap=gap, first_solution_time=0.0, warnings=(*result.warnings, note))
