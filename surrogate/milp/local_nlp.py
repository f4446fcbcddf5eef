"""The local solves :mod:`surrogate.milp.polish` runs on an exact quadratic model read once into numpy.

:class:`~surrogate.milp.polish_quadratic.QuadraticModel` reads the active objective and constraints of a Pyomo
model once (``generate_standard_repn(quadratic=True)``) into rows

.. math::

    r(x) = c + A x + \\sum_k q_k\\, x_{i_k} x_{j_k},

so values, gradients and Jacobians are numpy operations, with no Pyomo in the
loop. Two solves use it:

* :func:`solve_lp`: with a set F of variables fixed at their current values
  such that every product has a factor in F (a vertex cover of the product
  graph), each row is linear in the rest: a term :math:`q x_i x_j` with
  :math:`x_i` fixed adds :math:`q x_i` to the coefficient of :math:`x_j`, and
  one with both fixed adds :math:`q x_i x_j` to the constant. The LP

  .. math::

      \\min_{x_{\\bar F}}\\; s\\, f(x) \\quad\\text{s.t.}\\quad
      l \\le r(x) \\le u,\\; x^L \\le x \\le x^U,\\; x_F = \\bar x_F

  (:math:`s = \\pm 1` for a minimisation or maximisation) is built as a
  ``HighsLp`` and solved by a fresh ``highspy.Highs``, so re-solving never
  slows down (Pyomo's persistent interface updates coefficients one by one).
* :func:`solve_nlp`: the whole exact model, :math:`\\min s f(x)` s.t.
  :math:`l \\le r(x) \\le u` and the variable bounds, by SciPy's SLSQP (dense,
  up to :data:`SLSQP_MAX_VARIABLES` variables) or ``trust-constr`` (sparse),
  with exact gradients and Jacobians, from a start point; a callback stops it
  at a deadline.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from .highs_run import quiet_highs, solver_runs, use_highs_threads
from .polish_quadratic import QuadraticModel, QuadraticRows
from .search_clock import now

__all__ = [
    "SLSQP_MAX_VARIABLES",
    "QuadraticModel",
    "QuadraticRows",
    "feasibility_point",
    "restore_feasibility",
    "solve_lp",
    "solve_nlp",
]

#: Above this many free variables :func:`solve_nlp` uses ``trust-constr`` (sparse) instead of SLSQP (dense).
SLSQP_MAX_VARIABLES = 150


@solver_runs(internal=True)  # one at a time (milp.highs_run); the package's own LPs (polish's)
def solve_lp(
    qm: QuadraticModel, x: np.ndarray, fixed: np.ndarray, *, threads: int = 1, time_limit: float = math.inf
) -> np.ndarray | None:
    """The LP in the variables not ``fixed`` (see the module docstring), by a fresh HiGHS; its point, or ``None``.

    ``None`` when HiGHS does not prove the LP optimal (infeasible, unbounded, time limit).
    Integer variables that are free keep their integrality (the LP is then a MILP).

    Parameters
    ----------
    qm
        The exact model as a :class:`~surrogate.milp.polish_quadratic.QuadraticModel`.
    x
        The current point; the ``fixed`` variables keep its values.
    fixed
        Which variables are fixed (a boolean mask).
    threads
        HiGHS's threads.
    time_limit
        HiGHS's time limit, seconds.
    """
    import highspy

    c0, cost = qm.objective.linearised(x, fixed)
    r0, matrix = qm.rows.linearised(x, fixed)
    free = ~fixed
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(free.sum()), len(r0)
    lp.col_cost_ = qm.sense * cost.toarray().ravel()
    lp.col_lower_, lp.col_upper_ = qm.lower[free], qm.upper[free]
    lp.row_lower_, lp.row_upper_ = qm.row_lower - r0, qm.row_upper - r0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    if qm.integer[free].any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in qm.integer[free]]
    use_highs_threads(int(threads))
    highs = quiet_highs()
    highs.setOptionValue("threads", int(threads))
    highs.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
    highs.passModel(lp)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    out = x.copy()
    out[free] = np.asarray(highs.getSolution().col_value, dtype=float)
    return out


def solve_nlp(
    qm: QuadraticModel,
    x0: np.ndarray,
    *,
    fixed: np.ndarray | None = None,
    deadline: float = math.inf,
    maxiter: int = 200,
) -> np.ndarray:
    """A local optimum of the exact model near ``x0`` (SLSQP or trust-constr; see the module docstring), or the last
    iterate, which may be infeasible (the caller measures it).

    Parameters
    ----------
    qm
        The exact model (a :class:`~surrogate.milp.polish_quadratic.QuadraticModel`).
    x0
        The start; the integer variables and those ``fixed`` keep their values in it.
    fixed
        Which variables are fixed (a boolean mask; ``None``: only the integer ones).
    deadline
        When to stop, returning the last iterate (:func:`~surrogate.milp.search_clock.now` seconds).
    maxiter
        The most iterations.
    """
    from scipy.optimize import Bounds

    free = np.flatnonzero(~(qm.integer if fixed is None else fixed | qm.integer))  # the others are held
    base = qm.clip(x0)
    if free.size == 0:
        return base
    dense = free.size <= SLSQP_MAX_VARIABLES
    full = _embedding(base, free)

    last = [base[free]]  # the last iterate, returned if the deadline stops the solve inside an iteration
    fun = _objective_and_gradient(qm, full, free, deadline)

    def stop(intermediate_result):
        last[0] = intermediate_result.x
        if now() >= deadline:
            raise StopIteration

    equal = qm.row_lower == qm.row_upper
    constraints = [_constraint(qm, np.flatnonzero(rows), full, free, dense) for rows in (equal, ~equal) if rows.any()]
    options = {"maxiter": maxiter, "ftol": 1e-10} if dense else {"maxiter": maxiter, "gtol": 1e-9, "xtol": 1e-10}
    objective_hessian = (qm.sense * qm.objective.hessian(np.ones(1)))[free][:, free]
    try:
        last[0] = _quiet_minimize(
            fun,
            base[free],
            jac=True,
            hess=None if dense else (lambda z: objective_hessian),
            method="SLSQP" if dense else "trust-constr",
            bounds=Bounds(qm.lower[free], qm.upper[free]),
            constraints=constraints,
            options=options,
            callback=stop,
        ).x
    except _DeadlineReached:
        pass
    return qm.clip(full(last[0]))


def _quiet_minimize(*args, **kwargs):
    """``scipy.optimize.minimize`` with numpy's warnings off: trust-constr divides by the zero norm of a degenerate row
    ('invalid value encountered in scalar divide' reached stderr under 'problems -q'), and says 'Singular Jacobian
    matrix' of rows that depend on each other, each a UserWarning of scipy's; the point it returns is checked against
    the model as every polish point is."""
    import warnings

    from scipy.optimize import minimize

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Singular Jacobian matrix", category=UserWarning)
        return minimize(*args, **kwargs)


def _objective_and_gradient(qm: QuadraticModel, full, free: np.ndarray, deadline: float):
    """:func:`solve_nlp`'s objective (minimised) and its gradient in the ``free`` variables; past ``deadline`` it raises
    :class:`_DeadlineReached`."""

    def fun(z):
        if now() >= deadline:
            raise _DeadlineReached
        x = full(z)
        return qm.sense * qm.objective_value(x), qm.sense * qm.objective.jacobian(x).toarray().ravel()[free]

    return fun


def _embedding(base: np.ndarray, free: np.ndarray):
    """The map from values of the ``free`` variables to the whole point (``base`` elsewhere)."""

    def full(z):
        x = base.copy()
        x[free] = z
        return x

    return full


def _constraint(qm: QuadraticModel, rows: np.ndarray, full, free: np.ndarray, dense: bool):
    """SciPy's constraint for ``rows`` over the ``free`` variables (``full`` maps them to the whole point); exact Hessian when sparse."""
    from scipy.optimize import NonlinearConstraint

    def values(z):
        return qm.rows.values(full(z))[rows]

    def jac(z):
        j = qm.rows.jacobian(full(z))[rows][:, free]
        return j.toarray() if dense else j

    def hess(z, v):  # exact and constant: the rows are quadratic
        weights = np.zeros(len(qm.row_lower))
        weights[rows] = v
        return qm.rows.hessian(weights)[free][:, free]

    return NonlinearConstraint(values, qm.row_lower[rows], qm.row_upper[rows], jac=jac, hess=None if dense else hess)


class _DeadlineReached(Exception):
    """Raised inside an NLP iteration that runs past the deadline."""


def restore_feasibility(qm: QuadraticModel, x: np.ndarray, *, active_tol: float = 1e-7, max_iter: int = 10) -> np.ndarray:
    """``x`` moved by Gauss-Newton steps onto the constraints it violates or nearly meets; the least violated iterate.

    A local solver stops within its own tolerance, often a little outside a
    constraint (SLSQP: about 1e-6). With A the rows that are violated or within
    ``active_tol`` (relative) of a bound, each step solves the least-norm

    .. math::

        \\min \\|d\\|_2 \\quad\\text{s.t.}\\quad J_A(x)\\, d = t_A - r_A(x)

    over the variables strictly inside their bounds and not integer, where
    :math:`t_A` is the nearest bound of each row (LSMR), then clips into the
    variable bounds. Linear active rows are met in one step; quadratic ones
    converge quadratically near a regular point. The iterate with the least
    violation (``x`` itself if no step helps) is returned.

    Parameters
    ----------
    qm
        The exact model as a :class:`~surrogate.milp.polish_quadratic.QuadraticModel`.
    x
        The point to move.
    active_tol
        How near a bound (relative) a row counts as active.
    max_iter
        The most Gauss-Newton steps.
    """
    from scipy.sparse.linalg import lsmr

    x = qm.clip(np.asarray(x, dtype=float))
    movable = ~qm.integer & (x > qm.lower) & (x < qm.upper)
    best, best_violation = x, qm.violation(x)
    for _ in range(max_iter):
        if best_violation <= 1e-12 or not movable.any():
            break
        r = qm.rows.values(x)
        with np.errstate(invalid="ignore"):  # inf bounds: never near
            near_lower = r <= qm.row_lower + active_tol * np.maximum(1.0, np.abs(qm.row_lower))
            near_upper = r >= qm.row_upper - active_tol * np.maximum(1.0, np.abs(qm.row_upper))
        active = near_lower | near_upper
        if not active.any():
            break
        target = np.where(near_lower, qm.row_lower, qm.row_upper)[active]
        jac = qm.rows.jacobian(x)[active][:, movable]
        step = lsmr(jac, target - r[active], atol=1e-14, btol=1e-14, maxiter=10 * max(jac.shape))[0]
        x = x.copy()
        x[movable] += step
        x = qm.clip(x)
        violation = qm.violation(x)
        if violation < best_violation:
            best, best_violation = x, violation
        else:
            break
    return best


def _violation_jacobian(qm: QuadraticModel, full, free: np.ndarray, sides: tuple[np.ndarray, np.ndarray]):
    """The Jacobian (in the ``free`` variables) of :func:`feasibility_point`'s residuals: each row's below its lower
    bound, then each above its upper one, for the rows that have that bound (``sides``: the two masks)."""
    has_lower, has_upper = sides

    def jacobian(z):
        x = full(z)
        r, jac = qm.rows.values(x), qm.rows.jacobian(x)[:, free]
        below = sp.diags((r < qm.row_lower).astype(float)) @ jac
        above = sp.diags((r > qm.row_upper).astype(float)) @ jac
        stacked = sp.vstack([below[has_lower], above[has_upper]]).tocsr()
        return stacked.toarray() if free.size == 1 else stacked  # SciPy 1.17's trf fails on a sparse 1-column Jacobian

    return jacobian


def feasibility_point(
    qm: QuadraticModel,
    x0: np.ndarray,
    *,
    fixed: np.ndarray | None = None,
    deadline: float = math.inf,
    max_evals: int = 200,
) -> np.ndarray:
    """A point near ``x0`` that violates the constraints least: a local minimum of the squared violations.

    .. math::

        \\min_{x^L \\le x \\le x^U}\\; \\sum_r \\max(0, l_r - r(x))^2 + \\max(0, r(x) - u_r)^2

    by SciPy's ``least_squares`` (trust-region reflective, sparse Jacobian) over the variables not ``fixed``, not
    integer and with bounds that differ. The objective plays no part: an NLP from this point (:func:`solve_nlp`)
    starts feasible, or nearly, which SLSQP needs on nonconvex constraints.

    Parameters
    ----------
    qm
        The exact model (a :class:`~surrogate.milp.polish_quadratic.QuadraticModel`).
    x0
        The start.
    fixed
        Which variables keep their values in ``x0`` (a boolean mask; ``None``: only the integer ones).
    deadline
        When to stop, returning the last iterate (:func:`~surrogate.milp.search_clock.now` seconds).
    max_evals
        The most evaluations of the residuals.
    """
    from scipy.optimize import least_squares

    base = qm.clip(np.asarray(x0, dtype=float))
    held = qm.integer if fixed is None else fixed | qm.integer
    free = np.flatnonzero(~held & (qm.lower < qm.upper))
    has_lower, has_upper = np.isfinite(qm.row_lower), np.isfinite(qm.row_upper)
    if free.size == 0 or not (has_lower.any() or has_upper.any()):
        return base
    last = [base[free]]
    full = _embedding(base, free)

    def residuals(z):
        if now() >= deadline:
            raise _DeadlineReached
        last[0] = z
        r = qm.rows.values(full(z))
        return np.concatenate([np.minimum(0.0, r - qm.row_lower)[has_lower], np.maximum(0.0, r - qm.row_upper)[has_upper]])

    jacobian = _violation_jacobian(qm, full, free, (has_lower, has_upper))
    options = {"method": "trf", "xtol": 1e-15, "ftol": 1e-15, "gtol": 1e-15, "max_nfev": max_evals}
    try:
        last[0] = least_squares(residuals, base[free], jac=jacobian, bounds=(qm.lower[free], qm.upper[free]), **options).x
    except _DeadlineReached:
        pass
    return qm.clip(full(last[0]))
