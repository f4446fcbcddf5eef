"""Confirming a solver's "infeasible" without its presolve, and keeping it unless a true point turns up.

HiGHS's presolve (1.15.1, 1.16.0) calls some surrogate MILPs infeasible that hold a point
(``b24-hand-paired-2x12`` at (0, 0)), and SCIP's (6.3) some of nets with tiny weights. So
:func:`~surrogate.milp.solver.solve` solves an infeasible model again with presolve off. The second
answer replaces the first only when it is a point that meets every row and integrality within
:data:`CONFIRM_TOL`: without presolve a solver can also return a point of a truly infeasible model
that passes its own feasibility tolerance (a large integer equality missed by 7), or stop at its time
limit; the proven infeasibility then stands.

"Infeasible or unbounded", and an "unbounded" that does not prove a point (Gurobi's, even without
presolve: an infeasible LP with a free objective variable is "unbounded" there), are told apart by a
feasibility solve, the objective replaced by 0 (:func:`confirm_infeasible`): a true point makes the
answer unbounded, a proof of none infeasible; otherwise neither is claimed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import pyomo.environ as pyo
from pyomo.common.modeling import unique_component_name

from .polish_result import largest_coefficient, max_violation
from .solver_backends import backend_for
from .solver_config import SolverConfig, Termination

#: A point found without presolve overturns an infeasible answer only if no row (scaled by its largest
#: coefficient), variable bound or integrality is violated by more than this (:func:`_miss`).
CONFIRM_TOL = 1e-6
#: The second solve gets what is left of the time limit; with less than this left, none is run.
MIN_CONFIRM_SECONDS = 0.01
#: Solvers whose "unbounded" says nothing of a feasible point (Gurobi's reference of its UNBOUNDED status: "It
#: says nothing about whether the model has a feasible solution"): :func:`needs_confirming` checks it too.
UNBOUNDED_WITHOUT_POINT = frozenset({"gurobi"})
_EITHER = (Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED)


def _sets_presolve(config: SolverConfig) -> bool:
    """Whether ``config.options`` name the solver's presolve option (Gurobi's parameter names ignore case)."""
    asked = {str(name).lower() for name, _ in config.options}
    return backend_for(config.solver).presolve_off[0].lower() in asked


def presolve_says_infeasible(result, config: SolverConfig) -> bool:
    """Whether ``result`` is an infeasibility found with presolve on (the user did not set the presolve option)."""
    infeasible = result.termination in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED)
    return infeasible and not _sets_presolve(config)


def needs_confirming(result, config: SolverConfig) -> bool:
    """Whether :func:`confirm_infeasible` checks ``result``: :func:`presolve_says_infeasible`, or an
    "unbounded" of a solver in :data:`UNBOUNDED_WITHOUT_POINT`."""
    unproven = result.termination is Termination.UNBOUNDED and config.solver in UNBOUNDED_WITHOUT_POINT
    return unproven or presolve_says_infeasible(result, config)


def _without_presolve(config: SolverConfig, left: float) -> SolverConfig:
    """``config`` with ``left`` seconds and the solver's presolve off (unless its options set presolve)."""
    off = () if _sets_presolve(config) else (backend_for(config.solver).presolve_off,)
    return replace(config, time_limit=left, options=(*config.options, *off))


def _miss(model) -> float:
    """The largest violation at the loaded point (:func:`~surrogate.milp.polish_result.max_violation`), with a
    row's divided by ``max(1, its largest |coefficient|)``, not by its bound: an integer equality
    ``sum a_i x_i = 7,000,001`` missed by 7 is no point of it."""
    return max_violation(model, row_divisor=lambda con: max(1.0, largest_coefficient(con) or 0.0), skip_unset=True)


def _keeper(model) -> Callable[[], None]:
    """A function that sets ``model``'s variables back to the values they have now."""
    variables = list(model.component_data_objects(pyo.Var, descend_into=True))
    before = [v.value for v in variables]

    def restore() -> None:
        for var, value in zip(variables, before):
            var.set_value(value, skip_validation=True)

    return restore


def confirm_infeasible(model, config: SolverConfig, first, resolve: Callable):
    """Solve again without presolve (``resolve(config)``); its :class:`~surrogate.milp.solver.SolveResult` if it
    holds a true point, else ``first`` (the infeasible one), or what a feasibility solve tells (:func:`_tell_apart`).

    The second solve gets what is left of ``config.time_limit`` (none with less than
    :data:`MIN_CONFIRM_SECONDS` left). Either way the result carries the time of all solves
    (``wall_time``: their sum; ``nodes`` and ``first_solution_time``: the last's) and a warning saying what they gave.
    Unless a point is the answer, the variables keep the values they had before (nothing is loaded).
    An "unbounded" (:func:`needs_confirming`) goes straight to the feasibility solve.
    """
    backend, restore = backend_for(config.solver), _keeper(model)
    if first.termination is Termination.UNBOUNDED:
        said = f"{backend.label} reported unbounded, which does not prove that the model has a point;"
        return _tell_apart(model, config, first, first, resolve, said=said, restore=restore)
    left = config.time_limit - first.wall_time  # the time limit is the whole solve's
    if not left >= MIN_CONFIRM_SECONDS:
        note = f"{backend.label} with presolve reported {first.termination.value}; no time was left to solve again without it"
        return replace(first, warnings=(*first.warnings, note))
    again = resolve(_without_presolve(config, left))
    said = f"{backend.label} with presolve reported {first.termination.value}; solved again without presolve, which gave"
    wall = first.wall_time + again.wall_time
    miss = _miss(model) if again.has_solution else None
    if miss is not None and miss <= CONFIRM_TOL:
        note = f"{said} {again.termination.value} (this result: its point meets every row within {CONFIRM_TOL:g})"
        return replace(again, wall_time=wall, warnings=(*again.warnings, note))
    restore()
    if again.termination in _EITHER:
        last = replace(again, wall_time=wall)
        return _tell_apart(model, config, first, last, resolve, said=f"{said} {again.termination.value};", restore=restore)
    if first.termination is Termination.INFEASIBLE_OR_UNBOUNDED and again.termination is Termination.INFEASIBLE:
        note = f"{said} {again.termination.value} (this result: it tells the two apart)"
        return replace(again, wall_time=wall, warnings=(*again.warnings, note))
    found = "" if miss is None else f" with a point that misses a row or integrality by {miss:.3g} (relative)"
    stands = "the infeasibility stands" if first.termination is Termination.INFEASIBLE else "that answer stands"
    note = f"{said} {again.termination.value}{found}; {stands}"
    return replace(first, wall_time=wall, warnings=(*first.warnings, note))


def _feasibility_solve(model, config: SolverConfig, resolve: Callable):
    """``resolve(config)`` with ``model``'s active objective replaced by the constant 0 (of the same sense)."""
    objective = next(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
    name = unique_component_name(model, "surrogate_feasibility")
    model.add_component(name, pyo.Objective(expr=0, sense=objective.sense))
    objective.deactivate()
    try:
        return resolve(config)
    finally:
        model.del_component(name)
        objective.activate()


def _tell_apart(model, config: SolverConfig, first, last, resolve: Callable, *, said: str, restore: Callable):
    """Infeasible or unbounded (``last``, an answer after ``first``), told apart by :func:`_feasibility_solve`.

    Its result where it proves the model infeasible; ``last`` made unbounded where it finds a true point;
    else ``first`` where that is a proven infeasibility and ``last`` no "unbounded", and otherwise
    ``last`` as infeasibleOrUnbounded: neither is claimed without proof. ``said`` opens the note.
    """
    left = config.time_limit - last.wall_time
    feasible = _feasibility_solve(model, _without_presolve(config, left), resolve) if left >= MIN_CONFIRM_SECONDS else None
    wall = last.wall_time + (0.0 if feasible is None else feasible.wall_time)
    if feasible is None:
        gave = "no time was left for a feasibility solve (objective 0)"
    else:
        gave = f"a feasibility solve (objective 0, without presolve) gave {feasible.termination.value}"
    if feasible is not None and feasible.termination is Termination.INFEASIBLE:
        note = f"{said} {gave} (this result: the model has no point)"
        return replace(feasible, wall_time=wall, warnings=(*feasible.warnings, note))
    miss = _miss(model) if feasible is not None and feasible.has_solution else None
    restore()
    objective = next(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
    far = -math.inf if objective.sense == pyo.minimize else math.inf
    either = dict(objective=math.nan, bound=far, gap=math.nan, wall_time=wall, first_solution_time=math.nan)
    if miss is not None and miss <= CONFIRM_TOL:
        note = f"{said} {gave} with a point that meets every row within {CONFIRM_TOL:g} (this result: unbounded)"
        return replace(last, termination=Termination.UNBOUNDED, warnings=(*last.warnings, note), **either)
    if first.termination is Termination.INFEASIBLE and last.termination is not Termination.UNBOUNDED:
        note = f"{said} {gave}; the infeasibility stands"
        return replace(first, wall_time=wall, warnings=(*first.warnings, note))
    note = f"{said} {gave}; neither infeasibility nor unboundedness is proven"
    return replace(last, termination=Termination.INFEASIBLE_OR_UNBOUNDED, warnings=(*last.warnings, note), **either)
