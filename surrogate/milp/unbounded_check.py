"""A solver's "optimal" or "infeasible" checked by HiGHS, on a model with a variable unbounded in some direction.

SCIP 10 (PySCIPOpt 6.3), through its presolve, called surrogate MILPs "optimal" that are unbounded (a free ``u``
with ``min ... - u`` and only ``u >= x - 5``: "optimal" at -1e-6, while HiGHS and Gurobi said unbounded) and
called "infeasible" some that hold a point, with and without presolve (6 of 92 such models in probe128; none of
its 408 bounded ones). Only a model with a variable unbounded in some direction can be unbounded, so for a solver of
:data:`CHECKED_WHEN_UNBOUNDED` on such a model :func:`~surrogate.milp.solver.solve` checks both answers:

- an optimum: its integer variables fixed at the point, the LP left is solved by HiGHS. An unbounded LP proves the
  model unbounded (the point is feasible, and the LP's ray keeps every integer); an LP optimum better than the
  reported bound by more than :data:`BOUND_TOL` (relative) proves the optimum false.
- an infeasibility: a HiGHS feasibility solve (objective 0). A point that meets every row and integrality within
  :data:`~surrogate.milp.presolve_check.CONFIRM_TOL` proves the model has one; the LP of its integers then tells
  whether the model is unbounded, or only that no optimum is known (termination ``error``).

The checks get what is left of the time limit; their time is added to the result's ``wall_time``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import pyomo.environ as pyo

from ..errors import SurrogateError
from .model_components import active_objective, seen_variables
from .presolve_check import CONFIRM_TOL, MIN_CONFIRM_SECONDS, feasibility_solve, kept_values, point_miss
from .solve_checks import CoefficientScale
from .solve_result import beyond_bound
from .solver_backends import backend_for
from .solver_config import SolverConfig, Termination, bound_by_termination

#: Solvers whose optimum or infeasibility is checked by HiGHS on a model with a variable unbounded in some direction.
CHECKED_WHEN_UNBOUNDED = frozenset({"scip"})
#: An LP optimum (the integers fixed) beyond the reported bound by more than this, relative to ``max(1, |bound|)``,
#: proves the reported optimum false (well above the solvers' feasibility tolerances).
BOUND_TOL = 1e-4
_EITHER = (Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED)


def unbounded_variables(model) -> list:
    """The variables the solver sees (:func:`~surrogate.milp.model_components.seen_variables`), not fixed, with a
    bound missing or infinite on at least one side."""
    return [v for v in seen_variables(model) if not v.fixed and not all(_finite(b) for b in v.bounds)]


def _finite(bound) -> bool:
    return bound is not None and math.isfinite(bound)


def checks_answers(model, config: SolverConfig) -> bool:
    """Whether :func:`check_answer` checks ``config.solver``'s answers on ``model``."""
    return config.solver in CHECKED_WHEN_UNBOUNDED and bool(unbounded_variables(model))


def check_answer(model, config: SolverConfig, result, highs: Callable, *, restore: Callable[[], None]):
    """``result`` (an answer of ``config.solver``) checked as the module says, by ``highs(config)`` (a HiGHS solve of
    ``model`` that loads its point); ``restore`` sets the variables back to their values before the first solve.

    Where HiGHS cannot judge the model (it has no SOS constraints, or a coefficient, side or bound is at its limits,
    which it drops: a row with a coefficient of 1e16 made a model with optimum -1 unbounded), ``result`` stands, with
    a warning that it was not checked; a model merely past the badly-scaled warning's 1e9 is checked."""
    if not (result.termination is Termination.OPTIMAL and result.has_solution or result.termination is Termination.INFEASIBLE):
        return result
    now = kept_values(model)  # the solver's point, or the values of before where it has none
    try:
        if any(True for _ in model.component_data_objects(pyo.SOSConstraint, active=True, descend_into=True)):
            return _unchecked(result, "HiGHS has no SOS constraints")
        CoefficientScale.of(model).check_limits("highs", "HiGHS")  # a coefficient HiGHS would drop: refused
        if result.termination is Termination.OPTIMAL:
            return _check_optimum(model, config, result, highs, restore=restore, at_point=now)
        return _check_infeasibility(model, config, result, highs, restore=restore)
    except SurrogateError as refused:  # HiGHS's refusal of the model
        now()
        return _unchecked(result, str(refused))


def _unchecked(result, why: str):
    said = "optimum" if result.termination is Termination.OPTIMAL else "infeasibility"
    note = f"this {said}, of a model with a variable unbounded in some direction, was not checked by HiGHS ({why})"
    return replace(result, warnings=(*result.warnings, note))


def _highs(config: SolverConfig, left: float) -> SolverConfig:
    return SolverConfig(time_limit=left, rel_gap=config.rel_gap, threads=config.threads, solver="highs")


def _fixed_integer_lp(model, config: SolverConfig, highs: Callable):
    """``highs(config)`` on ``model`` with its free integer variables fixed at their values, rounded; unfixed after."""
    integers = [v for v in seen_variables(model) if v.is_integer() and not v.fixed and v.value is not None]
    for var in integers:
        var.fix(round(var.value))
    try:
        return highs(config)
    finally:
        for var in integers:
            var.unfix()


def _minimises(model) -> bool:
    return active_objective(model).sense == pyo.minimize


def _check_optimum(model, config: SolverConfig, result, highs: Callable, *, restore: Callable[[], None], at_point):
    """``result``'s optimum checked on the LP of its integers; ``at_point`` sets the solver's point back after it."""
    left = config.time_limit - result.wall_time
    if not left >= MIN_CONFIRM_SECONDS:
        return result
    lp = _fixed_integer_lp(model, _highs(config, left), highs)
    at_point()
    wall = result.wall_time + lp.wall_time
    said = f"{backend_for(config.solver).label} reported optimal {result.objective:.10g} (bound {result.bound:.10g});"
    if lp.termination in _EITHER:
        restore()
        note = f"{said} with its integers fixed, the LP left is {lp.termination.value} under HiGHS: the model is unbounded"
        return _unbounded(model, result, wall, note)
    if lp.has_solution and beyond_bound(lp.objective, result.bound, minimise=_minimises(model), tol=BOUND_TOL):
        restore()
        note = (
            f"{said} with its integers fixed, HiGHS finds {lp.objective:.10g} beyond that bound: the optimum is false "
            "(this result: error); solve with SolverConfig(solver='highs')"
        )
        return _unknown(result, wall, note)
    return replace(result, wall_time=wall)


def _check_infeasibility(model, config: SolverConfig, result, highs: Callable, *, restore: Callable[[], None]):
    left = config.time_limit - result.wall_time
    if not left >= MIN_CONFIRM_SECONDS:
        return result
    found = feasibility_solve(model, _highs(config, left), highs)
    wall = result.wall_time + found.wall_time
    if not (found.has_solution and point_miss(model) <= CONFIRM_TOL):
        restore()
        return replace(result, wall_time=wall)
    said = (
        f"{backend_for(config.solver).label} reported {result.termination.value}, but a HiGHS feasibility solve (objective 0) found "
        f"a point that meets every row within {CONFIRM_TOL:g};"
    )
    lp = _fixed_integer_lp(model, _highs(config, max(left - found.wall_time, MIN_CONFIRM_SECONDS)), highs)
    restore()
    wall += lp.wall_time
    if lp.termination in _EITHER:
        return _unbounded(
            model, result, wall, f"{said} with its integers fixed, the LP left is {lp.termination.value}: the model is unbounded"
        )
    note = f"{said} no optimum is known (this result: error); solve with SolverConfig(solver='highs')"
    return _unknown(result, wall, note)


def _unbounded(model, result, wall: float, note: str):
    return replace(
        result,
        termination=Termination.UNBOUNDED,
        objective=math.nan,
        bound=bound_by_termination(Termination.UNBOUNDED, math.nan, minimise=_minimises(model)),
        gap=math.nan,
        wall_time=wall,
        first_solution_time=math.nan,
        warnings=(*result.warnings, f"{note} (this result)"),
    )


def _unknown(result, wall: float, note: str):
    unknown = dict(objective=math.nan, bound=math.nan, gap=math.nan, first_solution_time=math.nan)
    return replace(result, termination=Termination.ERROR, wall_time=wall, warnings=(*result.warnings, note), **unknown)
