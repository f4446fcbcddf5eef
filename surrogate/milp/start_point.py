"""A warm start's point kept as the incumbent where the solver stops at a limit before it takes it.

A solve with ``warm_start=True`` hands the solver the point in the model's variables. With little time (0.01 s,
what :func:`~surrogate.milp.warmstart.solve_with_start` leaves after a search that spent the budget) SCIP, and once
Gurobi, stopped at its limit before it took that point, and the result said "no point" although the point was
feasible and still in the variables (probe128 #4). :func:`kept_start` gives such a result that point as its
incumbent, checked against the model (:func:`~surrogate.milp.solution_check.untrusted`), with its objective, the
solver's bound, their gap, ``first_solution_time`` 0 and a warning; :func:`~surrogate.milp.solver.solve` applies it to
every checked warm-started solve.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pyomo.environ as pyo

from .model_components import active_objective
from .solution_check import untrusted
from .solve_result import SolveResult, relative_gap
from .solver_config import SOLVER_NAMES, Termination

#: The terminations at which a solver stops short of an answer: a point known before it is still the best known.
LIMITS = frozenset({Termination.TIME_LIMIT, Termination.ITERATION_LIMIT, Termination.INTERRUPTED})


def kept_start(model, result: SolveResult, *, solver: str) -> SolveResult:
    """``result``, or where it stopped at a limit without an incumbent, the point in ``model``'s variables (the warm
    start handed in) as its incumbent, if that point satisfies the model (see the module docstring)."""
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
