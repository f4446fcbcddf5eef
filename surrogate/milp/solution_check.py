"""Whether a solver's point satisfies the Pyomo model it was asked to solve.

A solver answers for the model it was handed, and a translation between Pyomo
and the solver can differ from the model (see :mod:`surrogate.milp.scip_direct`
for one that did). :func:`~surrogate.milp.solver.solve` therefore checks every
incumbent it loads against the Pyomo model itself and refuses one that does
not satisfy it, instead of reporting it as an answer.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

#: A row or variable bound violated by more than this, relative to ``max(1, |bound|)``, makes a point no solution.
#: Far above the solvers' own feasibility tolerances (1e-6 to 1e-9 on scaled rows), far below a wrong model.
TRUST_TOL = 1e-4


def _excess(value: float, lower, upper) -> float:
    """How far ``value`` lies outside ``[lower, upper]`` (``None``: no bound), relative to ``max(1, |bound|)``."""
    worst = 0.0
    if lower is not None:
        worst = max(worst, (lower - value) / max(1.0, abs(lower)))
    if upper is not None:
        worst = max(worst, (value - upper) / max(1.0, abs(upper)))
    return worst


def row_values(model):
    """``(constraint, body, lower, upper)`` of every active row at the current values.

    ``body`` is ``None`` where it cannot be evaluated (a variable in it has no
    value), ``lower`` or ``upper`` ``None`` where the row has no such side.
    """
    for con in model.component_data_objects(pyo.Constraint, active=True):
        lower = pyo.value(con.lower) if con.has_lb() else None
        upper = pyo.value(con.upper) if con.has_ub() else None
        yield con, pyo.value(con.body, exception=False), lower, upper


def worst_violation(model) -> tuple[float, str]:
    """The largest relative violation of an active row or variable bound at the current values, and its name.

    A row's violation is relative to ``max(1, |bound|)`` of the side it breaks; a
    row that cannot be evaluated (a variable in it has no value) counts as ``inf``.
    Variables without a value (in no row the solver saw) and fixed ones are not
    read. ``(0.0, "")`` when nothing is violated.
    """
    worst, name = 0.0, ""
    for con, body, lower, upper in row_values(model):
        excess = math.inf if body is None else _excess(body, lower, upper)
        if excess > worst:
            worst, name = excess, con.name
    for var in model.component_data_objects(pyo.Var, active=True, descend_into=True):
        if var.fixed or var.value is None:
            continue
        excess = _excess(var.value, var.lb, var.ub)
        if excess > worst:
            worst, name = excess, var.name
    return worst, name


def untrusted(model, solver: str) -> str | None:
    """Why the point loaded into ``model`` is not a solution of it, or ``None`` when it is (within :data:`TRUST_TOL`)."""
    worst, name = worst_violation(model)
    if worst <= TRUST_TOL:
        return None
    return (
        f"{solver} reported a solution that violates the model: {name} by {worst:.3g} (relative; tolerance "
        f"{TRUST_TOL:g}), so its objective and bound are not trusted and the result records 'error'. The model the "
        "solver was handed differs from this one (a translation error) or the solver failed numerically; solve it "
        "with another solver (SolverConfig(solver=...)) and report it"
    )
