"""What polishing reports: :class:`PolishResult`, its statuses and methods, and the measures it is judged by."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from ..errors import ConfigError
from ..options import is_number
from .solution_check import candidates, readable_bounds, row_values, seen_among

#: A point whose largest constraint or bound violation is at most this is feasible.
FEASIBILITY_TOL = 1e-6
#: The values of :attr:`PolishResult.method`.
METHODS = ("alternating-lp", "cover-lp", "complementarity", "nlp", "multistart", "none")
#: NLPs from random points that :func:`~surrogate.milp.polish.polish` runs after its other methods, time allowing.
DEFAULT_RESTARTS = 8
#: The values of :attr:`PolishResult.status`.
STATUSES = ("polished", "start-kept", "infeasible", "not-quadratic")


def max_violation(model, *, row_divisor=None, skip_unset: bool = False) -> float:
    """Largest violation of any active constraint, variable bound or integrality at the current values.

    A row's violation is divided by ``row_divisor(con)``, by default ``min(1, its largest
    |coefficient|)``: a row written with small coefficients (``1e-8 x y >= 2e-8``) is held to its
    own scale, not passed by an absolute tolerance at a point far outside it. Variables in no active
    row or objective (:func:`~surrogate.milp.model_components.seen_variables`) are not read; a variable without a value makes
    the point ``inf`` unless ``skip_unset`` (then it, and every fixed variable, is not read).

    Parameters
    ----------
    model
        A Pyomo model with values.
    row_divisor
        A function of a constraint, the divisor of its violation (``None``: the default).
    skip_unset
        Whether variables without a value, and fixed ones, are left out.
    """
    divisor = row_divisor or _row_scale
    worst = 0.0
    for con, body, lower, upper in row_values(model):
        if body is None or math.isnan(body):  # a NaN value read by the row: no point (max() would keep 0.0)
            return math.inf
        excess = max(0.0 if lower is None else lower - body, 0.0 if upper is None else body - upper)
        if excess > 0:
            worst = max(worst, excess / divisor(con))
    read = [v for v in candidates(model) if not (skip_unset and (v.value is None or v.fixed))]
    for var in seen_among(model, [v for v in read if v.value is None or _var_miss(v) > 0]):
        if var.value is None:
            return math.inf
        worst = max(worst, _var_miss(var))
    return worst


def _var_miss(var) -> float:
    """How far ``var``'s value lies outside its bounds or off a whole number (for an integer); a NaN bound (a Param's,
    which only an unused variable keeps through a solve) is no bound; a NaN or infinite value is infinitely far."""
    (lower, upper), value = readable_bounds(var) or (None, None), float(var.value)  # a Decimal value mixes with no float
    if not math.isfinite(value):  # max(0.0, nan) is 0.0, and round(nan) raises
        return math.inf
    miss = max(0.0, lower - value if lower is not None else 0.0, value - upper if upper is not None else 0.0)
    return max(miss, abs(value - round(value))) if var.is_integer() else miss


def largest_coefficient(con) -> float | None:
    """The largest |coefficient| of ``con``'s body (0 for a constant one; ``None`` for a term that is not quadratic)."""
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(con.body, quadratic=True)
    if repn.nonlinear_expr is not None:
        return None
    return max((abs(pyo.value(c)) for c in (*repn.linear_coefs, *repn.quadratic_coefs)), default=0.0)


def violation_scales(largest):
    """``min(1, largest)`` where ``largest > 0``, else 1: what a row whose largest |coefficient| is
    ``largest`` has its violation divided by (:func:`max_violation`; a NumPy array of them row by row)."""
    return np.where(largest > 0, np.minimum(largest, 1.0), 1.0)


def _row_scale(con) -> float:
    """:func:`violation_scales` of ``con``'s largest coefficient (1 for a body with a term that is not quadratic)."""
    largest = largest_coefficient(con)
    return 1.0 if largest is None else float(violation_scales(largest))


def true_objective(model) -> float:
    """The value of the active objective at the current values (``nan`` where it cannot be evaluated).

    Parameters
    ----------
    model
        A Pyomo model with values.
    """
    (obj,) = list(model.component_data_objects(pyo.Objective, active=True))
    value = pyo.value(obj.expr, exception=False)
    return math.nan if value is None else float(value)


@dataclass(frozen=True)
class PolishResult:
    """The true objective and worst violation before and after polishing, and how it went.

    ``status`` is one of :data:`STATUSES`: ``polished`` (a method reached a
    feasible point at least as good as a feasible start), ``start-kept`` (the
    start was feasible and nothing beat it), ``infeasible`` (no feasible point
    found: the model is left at the least violated one) or ``not-quadratic``
    (a term of degree above 2: nothing was tried). ``method`` (one of
    :data:`METHODS`) names the method that gave the final point; ``rounds`` the
    most LP rounds one alternation ran; ``lp_solves`` the LPs solved;
    ``seconds`` the whole polish, on the search clock (:mod:`surrogate.milp.search_clock`:
    wall seconds outside a warm start); ``timed_out`` whether ``time_limit`` cut it short;
    ``reached_bound`` whether the polish stopped because its point reached the ``bound`` it was given
    (the point is then optimal to within :data:`~surrogate.milp.polish_search.BOUND_GAP`).
    """

    objective_before: float
    violation_before: float
    objective_after: float
    violation_after: float
    rounds: int
    status: str
    method: str = "none"
    seconds: float = 0.0
    lp_solves: int = 0
    timed_out: bool = False
    reached_bound: bool = False


def check_bound(bound, what: str) -> float | None:
    """``bound`` if it is ``None`` or a finite number; else a :class:`ConfigError` naming ``what``."""
    if bound is not None and not is_number(bound, finite=True):
        raise ConfigError(
            f"{what}={bound!r} must be a finite number (a proven bound on the objective, such as a relaxation's) or None"
        )
    return bound


def check_restarts(restarts, what: str) -> int:
    """``restarts`` if it is a whole number >= 0; else a :class:`ConfigError` naming ``what``.

    Parameters
    ----------
    restarts
        The number of restarts.
    what
        The argument the message names.
    """
    if not is_number(restarts, integer=True, low=0):
        raise ConfigError(f"{what}={restarts!r} must be a whole number >= 0 (0 turns multistart off)")
    return restarts


def check_polish_arguments(model, config, values, time_limit, tol, *, restarts, bound) -> None:
    """:class:`ConfigError` naming the argument of :func:`~surrogate.milp.polish.polish` that is not of its kind."""
    from .solve_arguments import check_model
    from .solver_config import SolverConfig

    check_model("polish", model)
    check_restarts(restarts, "polish: restarts")
    check_bound(bound, "polish: bound")
    if not isinstance(config, SolverConfig):
        raise ConfigError(f"polish: config={config!r} must be a SolverConfig, e.g. SolverConfig(time_limit=10)")
    if not isinstance(values, dict) or not all(v is None or is_number(v, finite=True) for v in values.values()):
        raise ConfigError("polish: values must map variable names to finite numbers (None: keep the variable's value)")
    if time_limit is not None and not is_number(time_limit, low=0, low_open=True, finite=True):
        raise ConfigError(f"polish: time_limit={time_limit!r} must be a positive, finite number of seconds, or None for none")
    if not is_number(tol, low=0, finite=True):
        raise ConfigError(f"polish: tol={tol!r} must be a finite number >= 0 (the relative improvement that ends an alternation)")
