"""Confirming a solver's "infeasible" without its presolve, and keeping it unless a true point turns up.

HiGHS's presolve (1.15.1, 1.16.0) calls some surrogate MILPs infeasible that hold a point
(``b24-hand-paired-2x12`` at (0, 0)), and SCIP's (6.3) some of nets with tiny weights. So
:func:`~surrogate.milp.solver.solve` solves an infeasible model again with presolve off. The second
answer replaces the first only when it is a point that meets every row and integrality within
:data:`CONFIRM_TOL` (or when it tells "infeasible or unbounded" apart): without presolve a solver can also return a point of a truly infeasible model
that passes its own feasibility tolerance (a large integer equality missed by 7), or stop at its time
limit; the proven infeasibility then stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pyomo.environ as pyo

from .polish_result import largest_coefficient, max_violation
from .solver_backends import backend_for
from .solver_config import SolverConfig, Termination

#: A point found without presolve overturns an infeasible answer only if no row (scaled by its largest
#: coefficient), variable bound or integrality is violated by more than this (:func:`_miss`).
CONFIRM_TOL = 1e-6
#: The second solve gets what is left of the time limit; with less than this left, none is run.
MIN_CONFIRM_SECONDS = 0.01


def presolve_says_infeasible(result, config: SolverConfig) -> bool:
    """Whether ``result`` is an infeasibility found with presolve on (the user did not set the presolve option)."""
    infeasible = result.termination in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED)
    asked = {str(name).lower() for name, _ in config.options}  # Gurobi's parameter names ignore case
    return infeasible and backend_for(config.solver).presolve_off[0].lower() not in asked


def _miss(model) -> float:
    """The largest violation at the loaded point (:func:`~surrogate.milp.polish_result.max_violation`), with a
    row's divided by ``max(1, its largest |coefficient|)``, not by its bound: an integer equality
    ``sum a_i x_i = 7,000,001`` missed by 7 is no point of it."""
    return max_violation(model, row_divisor=lambda con: max(1.0, largest_coefficient(con) or 0.0), skip_unset=True)


def confirm_infeasible(model, config: SolverConfig, first, resolve: Callable):
    """Solve again without presolve (``resolve(config)``); its :class:`~surrogate.milp.solver.SolveResult` if it
    holds a true point, else ``first`` (the infeasible one).

    The second solve gets what is left of ``config.time_limit`` (none with less than
    :data:`MIN_CONFIRM_SECONDS` left). Either way the result carries the time of both solves
    (``wall_time``: their sum; ``nodes`` and ``first_solution_time``: the second's) and a warning saying what it gave.
    Where ``first`` stands, the variables keep the values they had before (nothing is loaded).
    """
    backend = backend_for(config.solver)
    left = config.time_limit - first.wall_time  # the time limit is the whole solve's
    if not left >= MIN_CONFIRM_SECONDS:
        note = f"{backend.label} with presolve reported {first.termination.value}; no time was left to solve again without it"
        return replace(first, warnings=(*first.warnings, note))
    variables = list(model.component_data_objects(pyo.Var, descend_into=True))
    before = [v.value for v in variables]
    again = resolve(replace(config, time_limit=left, options=(*config.options, backend.presolve_off)))
    said = f"{backend.label} with presolve reported {first.termination.value}; solved again without presolve, which gave"
    wall = first.wall_time + again.wall_time
    miss = _miss(model) if again.has_solution else None
    if miss is not None and miss <= CONFIRM_TOL:
        note = f"{said} {again.termination.value} (this result: its point meets every row within {CONFIRM_TOL:g})"
        return replace(again, wall_time=wall, warnings=(*again.warnings, note))
    apart = again.termination in (Termination.UNBOUNDED, Termination.INFEASIBLE)
    if first.termination is Termination.INFEASIBLE_OR_UNBOUNDED and apart:
        note = f"{said} {again.termination.value} (this result: it tells the two apart)"
        return replace(again, wall_time=wall, warnings=(*again.warnings, note))
    for var, value in zip(variables, before):
        var.set_value(value, skip_validation=True)
    found = "" if miss is None else f" with a point that misses a row or integrality by {miss:.3g} (relative)"
    note = f"{said} {again.termination.value}{found}; the infeasibility stands"
    return replace(first, wall_time=wall, warnings=(*first.warnings, note))
