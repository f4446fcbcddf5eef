"""A warm start's point kept as the incumbent where the solver stops at a limit before it takes it.

A solve with ``warm_start=True`` hands the solver the point in the model's variables. With little time (0.01 s,
what :func:`~surrogate.milp.warmstart.solve_with_start` leaves after a search that spent the budget) SCIP, and once
Gurobi, stopped at its limit before it took that point, and the result said "no point" although the point was
feasible and still in the variables (probe128 #4). :func:`kept_start` gives such a result that point as its
incumbent where it is a point of the model at the solvers' own tolerance (:func:`_a_point`), with its objective, the
solver's bound, their gap, ``first_solution_time`` 0 and a warning; :func:`~surrogate.milp.solver.solve` applies it to
every checked warm-started solve.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import replace

import pyomo.environ as pyo

from .model_components import active_objective, seen_variables
from .polish_result import max_violation
from .presolve_check import CONFIRM_TOL
from .solution_check import most_fractional, worst_violation
from .solve_result import SolveResult, beyond_bound, relative_gap
from .solver_config import SOLVER_NAMES, Termination

#: The terminations at which a solver stops short of an answer: a point known before it is still the best known.
LIMITS = frozenset({Termination.TIME_LIMIT, Termination.ITERATION_LIMIT, Termination.INTERRUPTED})


def kept_start(model, result: SolveResult, *, solver: str) -> SolveResult:
    """``result``, or where it stopped at a limit without an incumbent, the point in ``model``'s variables (the warm
    start handed in) as its incumbent, if that point is one (:func:`_a_point`; see the module docstring)."""
    objective = active_objective(model)
    if result.has_solution or result.termination not in LIMITS or objective is None:
        return result
    value = pyo.value(objective, exception=False)
    if value is None or not math.isfinite(value) or not _a_point(model, float(value), result.bound):
        return result
    value = float(value)
    more = {Termination.TIME_LIMIT: "a longer time limit", Termination.ITERATION_LIMIT: "a larger node limit"}.get(
        result.termination, "more time"
    )
    note = (
        f"{SOLVER_NAMES[solver]} stopped ({result.termination.value}) with no incumbent of its own, so the result keeps "
        f"the warm start's point (objective {value:.6g}; it meets every row, bound and integrality within "
        f"{CONFIRM_TOL:g}) as its incumbent; give {more} for the solver to improve on it"
    )
    gap = relative_gap(value, result.bound)
    return replace(result, objective=value, gap=gap, first_solution_time=0.0, warnings=(*result.warnings, note))


def _a_point(model, value: float, bound: float) -> bool:
    """Whether the values in ``model`` are a point of it at the solvers' own tolerance, :data:`CONFIRM_TOL`, whose
    objective ``value`` is not beyond the solver's proven ``bound``: every variable its rows read (a parent block's
    too) has a finite value, every row is met within it absolutely (a solver's feasibility tolerance is absolute: a
    row relative to its side let ``x + 1e7 (1 - b) <= 1e7`` be broken by 10, probe136), and every bound and
    integrality (probe135: a start 9e-5 off a row, kept at :func:`~surrogate.milp.solution_check.untrusted`'s 1e-4,
    was reported at -910 under a proven bound of -18.8)."""
    read = seen_variables(model)  # a parent's variables that the rows read too
    if not all(isinstance(v.value, numbers.Real) and math.isfinite(v.value) for v in read):
        return False  # no value, text, or inf (an integer at +inf passed the integrality and bound checks)
    misses = (max_violation(model, row_divisor=_absolute), worst_violation(model, read)[0], most_fractional(model, read)[0])
    if max(misses) > CONFIRM_TOL:  # (stricter than untrusted's 1e-4 on each; value is the objective at the point)
        return False
    return not beyond_bound(value, bound, minimise=active_objective(model).sense == pyo.minimize, tol=CONFIRM_TOL)


def _absolute(con) -> float:
    """A row's violation taken as it is (:func:`~surrogate.milp.polish_result.max_violation`'s divisor)."""
    return 1.0
