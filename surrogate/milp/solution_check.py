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
from pyomo.common.collections import ComponentSet

from .model_components import active_objective, seen_variables
from .model_numbers import check_numbers  # noqa: F401 (re-exported: this module's API before it moved)
from .solver_config import INTEGRALITY_OPTIONS, INTEGRALITY_TOL, SOLVER_NAMES, Termination

#: A row or variable bound violated by more than this, relative to ``max(1, |bound|)``, makes a point no solution.
#: Far above the solvers' own feasibility tolerances (1e-6 to 1e-9 on scaled rows), far below a wrong model.
TRUST_TOL = 1e-4


def _excess(value: float, lower, upper) -> float:
    """How far ``value`` lies outside ``[lower, upper]`` (``None``: no bound), relative to ``max(1, |bound|)``; each read
    as a float (a value or bound may be any number Pyomo stores: ``numpy.bool_``, ``Decimal``). A NaN value lies
    outside every bound (``inf``): a row or variable at NaN is no point of the model."""
    worst, value = 0.0, float(value)
    if math.isnan(value):
        return math.inf
    if lower is not None:
        worst = max(worst, (float(lower) - value) / max(1.0, abs(float(lower))))
    if upper is not None:
        worst = max(worst, (value - float(upper)) / max(1.0, abs(float(upper))))
    return worst


def readable_bounds(var) -> tuple | None:
    """``var.bounds`` (``None`` for a side without one), or ``None`` where Pyomo cannot read them: a NaN bound (a
    mutable Param's) raises ``ValueError``. Only a variable in no active row keeps one through a solve (its check
    refuses it anywhere else), so it has no bounds to keep. Each bound is read as a float (a ``Decimal`` or NumPy one
    too)."""
    try:
        bounds = var.bounds
    except ValueError:  # Pyomo: "created with an invalid non-finite upper bound (nan)"
        return None
    return tuple(None if b is None else float(b) for b in bounds)  # a Decimal bound mixes with no float


def seen_among(model, candidates) -> list:
    """Those of ``candidates`` that are :func:`seen_variables` of ``model`` (the rows are walked only if there are any)."""
    if not candidates:
        return []
    seen = ComponentSet(seen_variables(model))
    return [v for v in candidates if v in seen]


def row_values(model):
    """``(constraint, body, lower, upper)`` of every active row at the current values.

    ``body`` is ``None`` where it cannot be evaluated (a variable in it has no
    value), ``lower`` or ``upper`` ``None`` where the row has no such side.
    """
    for con in model.component_data_objects(pyo.Constraint, active=True):
        lower = pyo.value(con.lower) if con.has_lb() else None
        upper = pyo.value(con.upper) if con.has_ub() else None
        yield con, pyo.value(con.body, exception=False), lower, upper


def candidates(model, extra=()) -> list:
    """The variables a check of ``model`` looks at: those declared in it (on deactivated blocks too, which an
    active row may read) and ``extra`` (variables its rows read from elsewhere, e.g. another model's, as
    :class:`~surrogate.milp.solve_checks.CoefficientScale` found them), each once."""
    found = ComponentSet(model.component_data_objects(pyo.Var, descend_into=True))
    found.update(extra)
    return list(found)


def worst_violation(model, extra=()) -> tuple[float, str]:
    """The largest relative violation of an active row or variable bound at the current values, and its name.

    A row's violation is relative to ``max(1, |bound|)`` of the side it breaks; a
    row that cannot be evaluated (a variable in it has no value) counts as ``inf``.
    Variables in no active row or objective (:func:`seen_variables`), without a value and fixed
    ones are not read; ``extra`` adds variables not declared in ``model`` (:func:`candidates`).
    ``(0.0, "")`` when nothing is violated.
    """
    worst, name = 0.0, ""
    for con, body, lower, upper in row_values(model):
        excess = math.inf if body is None else _excess(body, lower, upper)
        if excess > worst:
            worst, name = excess, con.name
    outside = [v for v in candidates(model, extra) if not v.fixed and v.value is not None and _excess_of(v) > 0]
    for var in seen_among(model, outside):
        if _excess_of(var) > worst:
            worst, name = _excess_of(var), var.name
    return worst, name


def _excess_of(var) -> float:
    """How far ``var``'s value lies outside its bounds (:func:`_excess`); 0 for a bound that is NaN (a Param's),
    which only an unused variable can have here: a solve refuses a read one first."""
    bounds = readable_bounds(var)
    return 0.0 if bounds is None else _excess(var.value, *bounds)


def most_fractional(model, extra=()) -> tuple[float, str]:
    """The largest distance of an integer variable's value from an integer at the current values, and its name
    (``(0.0, "")`` when every one is integral); variables as :func:`worst_violation` reads them."""
    worst, name = 0.0, ""
    for var in seen_among(model, [v for v in candidates(model, extra) if v.is_integer() and not v.fixed]):
        value = var.value if var.value is None else float(var.value)
        if value is not None and math.isfinite(value) and abs(value - round(value)) > worst:
            worst, name = abs(value - round(value)), var.name
    return worst, name


def _fractional(model, solver: str, extra) -> str | None:
    """Why the point loaded into ``model`` is no MILP point: an integer variable further than :data:`INTEGRALITY_TOL`
    from an integer (named, with ``solver``'s integrality option and the fix), or ``None``."""
    off, name = most_fractional(model, extra)
    if off <= INTEGRALITY_TOL:
        return None
    option, default = INTEGRALITY_OPTIONS.get(solver, ("its integrality tolerance", 1e-6))
    return (
        f"{SOLVER_NAMES.get(solver, solver)} reported a solution whose integer variable {name} is {off:.3g} from an "
        f"integer (tolerance {INTEGRALITY_TOL:g}), so it is no point of the MILP: its objective and bound are not "
        f"trusted and the result records 'error'. The solver's integrality tolerance let it through: leave {option} "
        f"at its default ({default:g}) in SolverConfig.options (or give at most {INTEGRALITY_TOL:g}); if it was not "
        "set, the solver failed numerically: solve it with another solver (SolverConfig(solver=...)) and report it"
    )


def _objective_miss(model, objective: float) -> str | None:
    """A description of how the reported ``objective`` differs from the active objective at the loaded point
    by more than :data:`TRUST_TOL` (relative to ``max(1, |either|)``), or ``None``."""
    active = active_objective(model)
    at = None if active is None else pyo.value(active, exception=False)
    if at is None or math.isnan(objective) or abs(at - objective) <= TRUST_TOL * max(1.0, abs(at), abs(objective)):
        return None
    return f"whose objective is {objective:.6g} while its point's is {at:.6g}"


def untrusted(model, solver: str, objective: float = math.nan, *, extra=()) -> str | None:
    """Why the point loaded into ``model`` is not a solution of it, or ``None`` when it is (within :data:`TRUST_TOL`):
    an integer variable further than :data:`~surrogate.milp.solver_config.INTEGRALITY_TOL` from an integer, a row or
    bound it violates, or a reported ``objective`` that is not the objective at the point (``extra``: as
    :func:`worst_violation`'s)."""
    fractional = _fractional(model, solver, extra)  # first: a fractional integer breaks rows as a consequence
    if fractional is not None:
        return fractional
    worst, name = worst_violation(model, extra)
    missed = _objective_miss(model, objective)
    if worst <= TRUST_TOL and missed is None:
        return None
    what = f"that violates the model: {name} by {worst:.3g} (relative; tolerance {TRUST_TOL:g})" if missed is None else missed
    return (
        f"{solver} reported a solution {what}, so its objective and bound are not trusted and the result records "
        "'error'. The model the solver was handed differs from this one (a translation error) or the solver failed "
        f"numerically; solve it with another solver (SolverConfig(solver=...)){_presolve_hint(solver)} and report it"
    )


def _presolve_hint(solver: str) -> str:
    """How to solve again without ``solver``'s presolve (SCIP's leaves points that break a row by 1e-4), or ``""``."""
    from .solver_backends import BACKENDS

    backend = BACKENDS.get(solver)
    if backend is None:
        return ""
    name, value = backend.presolve_off
    return f" or with {backend.label}'s presolve off (SolverConfig(options={{{name!r}: {value!r}}}), which may avoid it),"


def constant_model(model, termination: Termination, objective: float, bound: float) -> tuple[Termination, float, float]:
    """``(termination, objective, bound)``; ``unknown`` (HiGHS's answer to an empty model) made optimal at the
    objective's constant where no active row or objective holds a free variable and no row is broken."""
    if termination != Termination.UNKNOWN or any(not v.fixed for v in seen_variables(model)):
        return termination, objective, bound
    value = pyo.value(active_objective(model), exception=False)
    value = math.nan if value is None else float(value)
    if math.isnan(value) or worst_violation(model)[0] > TRUST_TOL:
        return termination, objective, bound
    return Termination.OPTIMAL, value, value
