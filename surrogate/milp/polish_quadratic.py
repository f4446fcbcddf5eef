"""An exact quadratic model read once into numpy: what polishing (:mod:`surrogate.milp.local_nlp`) runs on.

:class:`QuadraticModel` reads the active objective and constraints of a Pyomo
model once (``generate_standard_repn(quadratic=True)``) into rows

.. math::

    r(x) = c + A x + \\sum_k q_k\\, x_{i_k} x_{j_k},

so values, gradients and Jacobians are numpy operations, with no Pyomo in the
loop (:class:`QuadraticRows`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.repn import generate_standard_repn

from ..errors import NonlinearModelError
from .polish_result import violation_scales
from .start_values import start_value


@dataclass(frozen=True)
class QuadraticRows:
    """Rows :math:`r(x) = c + A x + \\sum_k q_k x_{i_k} x_{j_k}`; term k belongs to row ``qrow[k]`` (``qi == qj``: a square)."""

    constant: np.ndarray
    linear: sp.csr_matrix
    qrow: np.ndarray
    qi: np.ndarray
    qj: np.ndarray
    qval: np.ndarray

    def scales(self) -> np.ndarray:
        """Per row, :func:`~surrogate.milp.polish_result.violation_scales` of its largest |coefficient|.

        A row written with small coefficients (``1e-8 x y >= 2e-8``) would otherwise pass an
        absolute tolerance at points far outside it; a row of large ones is measured as it is.
        """
        big = np.zeros(len(self.constant))
        if self.linear.nnz:
            big = np.maximum(big, abs(self.linear).max(axis=1).toarray().ravel())
        np.maximum.at(big, self.qrow, np.abs(self.qval))
        return violation_scales(big)

    def values(self, x: np.ndarray) -> np.ndarray:
        quad = np.bincount(self.qrow, self.qval * x[self.qi] * x[self.qj], minlength=len(self.constant))
        return self.constant + self.linear @ x + quad

    def jacobian(self, x: np.ndarray) -> sp.csr_matrix:
        """:math:`\\partial r / \\partial x`: ``A`` plus :math:`q x_j` at (row, i) and :math:`q x_i` at (row, j)."""
        rows = np.concatenate([self.qrow, self.qrow])
        cols = np.concatenate([self.qi, self.qj])
        vals = np.concatenate([self.qval * x[self.qj], self.qval * x[self.qi]])
        return (self.linear + sp.csr_matrix((vals, (rows, cols)), shape=self.linear.shape)).tocsr()

    def hessian(self, weights: np.ndarray) -> sp.csr_matrix:
        """:math:`\\sum_r w_r \\nabla^2 r_r`, constant in x: :math:`w q` at (i, j) and (j, i) of each term (2wq for a square)."""
        w = weights[self.qrow] * self.qval
        n = self.linear.shape[1]
        return sp.csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([self.qi, self.qj]), np.concatenate([self.qj, self.qi]))), shape=(n, n)
        )

    def linearised(self, x: np.ndarray, fixed: np.ndarray) -> tuple[np.ndarray, sp.csc_matrix]:
        """(constant, matrix over the free columns) of the rows with the ``fixed`` variables held at ``x``.

        Raises ``ValueError`` if a product has no fixed factor (``fixed`` is not a cover).
        """
        fi, fj = fixed[self.qi], fixed[self.qj]
        if np.any(~fi & ~fj):
            raise ValueError("every product needs a fixed factor for the rows to be linear")
        both = fi & fj
        constant = self.constant + self.linear[:, fixed] @ x[fixed]
        constant = constant + np.bincount(self.qrow[both], (self.qval * x[self.qi] * x[self.qj])[both], minlength=len(constant))
        # exactly one factor fixed: the coefficient of the free one grows by q * (the fixed one)
        free_col = np.where(fi, self.qj, self.qi)[~both]
        coef = (self.qval * np.where(fi, x[self.qi], x[self.qj]))[~both]
        extra = sp.csr_matrix((coef, (self.qrow[~both], free_col)), shape=self.linear.shape)
        return constant, (self.linear + extra)[:, ~fixed].tocsc()


class _RowBuilder:
    """Collects the standard repn of expressions, row by row, over a shared variable index."""

    def __init__(self, index: dict):
        self.index, self.constant = index, []
        self.lin: tuple[list, list, list] = ([], [], [])
        self.quad: tuple[list, list, list, list] = ([], [], [], [])

    def add(self, expr, name: str) -> None:
        repn = generate_standard_repn(expr, quadratic=True, compute_values=True)
        if repn.nonlinear_expr is not None:
            raise NonlinearModelError(f"{name!r} has a term that is neither linear nor a product of two variables")
        row = len(self.constant)
        self.constant.append(float(repn.constant))
        for var, coef in zip(repn.linear_vars, repn.linear_coefs):
            for target, item in zip(self.lin, (row, self._col(var), float(coef))):
                target.append(item)
        for (v1, v2), coef in zip(repn.quadratic_vars, repn.quadratic_coefs):
            for target, item in zip(self.quad, (row, self._col(v1), self._col(v2), float(coef))):
                target.append(item)

    def _col(self, var) -> int:
        return self.index.setdefault(id(var), (len(self.index), var))[0]

    def rows(self) -> QuadraticRows:
        n, m = len(self.index), len(self.constant)
        linear = sp.csr_matrix((self.lin[2], (self.lin[0], self.lin[1])), shape=(m, n))
        qrow, qi, qj = (np.asarray(a, dtype=np.int64) for a in self.quad[:3])
        return QuadraticRows(np.asarray(self.constant, dtype=float), linear, qrow, qi, qj, np.asarray(self.quad[3], dtype=float))


@dataclass(frozen=True)
class QuadraticModel:
    """The exact model as numpy: variables (columns), their bounds, the objective and the constraint rows.

    ``row_lower`` / ``row_upper`` hold the constraint bounds (``-inf`` / ``inf``
    where absent), ``sense`` is 1 for a minimisation and -1 for a maximisation,
    ``integer`` marks integer variables (held at their values by :func:`solve_nlp`).
    """

    variables: list
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    sense: int
    objective: QuadraticRows
    rows: QuadraticRows
    row_lower: np.ndarray
    row_upper: np.ndarray

    @classmethod
    def from_pyomo(cls, model) -> QuadraticModel:
        """Read the active objective and constraints of ``model`` (fixed variables are constants)."""
        (obj,) = list(model.component_data_objects(pyo.Objective, active=True))
        index: dict = {}
        objective, rows = _RowBuilder(index), _RowBuilder(index)
        objective.add(obj.expr, obj.name)
        lower, upper = [], []
        for con in model.component_data_objects(pyo.Constraint, active=True):
            rows.add(con.body, con.name)
            lower.append(-math.inf if con.lower is None else float(pyo.value(con.lower)))
            upper.append(math.inf if con.upper is None else float(pyo.value(con.upper)))
        variables = [var for _, var in sorted(index.values(), key=lambda item: item[0])]
        return cls(
            variables=variables,
            lower=np.array([-math.inf if v.lb is None else v.lb for v in variables], dtype=float),
            upper=np.array([math.inf if v.ub is None else v.ub for v in variables], dtype=float),
            integer=np.array([v.is_integer() for v in variables], dtype=bool),
            sense=1 if obj.sense == pyo.minimize else -1,
            objective=objective.rows(),
            rows=rows.rows(),  # every column is known only now
            row_lower=np.array(lower, dtype=float),
            row_upper=np.array(upper, dtype=float),
        )

    def point(self, values: dict) -> np.ndarray:
        """The variables' values as a vector: ``values`` (name -> value) where given, else the current values, else 0 (a
        NaN, infinite or text value is none: :func:`~surrogate.milp.start_values.start_value`; SciPy failed on it)."""
        out = [values[v.name] if v.name in values else start_value(v) for v in self.variables]
        return np.array([0.0 if value is None else float(value) for value in out], dtype=float)

    def objective_value(self, x: np.ndarray) -> float:
        return float(self.objective.values(x)[0])

    @cached_property
    def row_scales(self) -> np.ndarray:
        """The rows' :meth:`QuadraticRows.scales`, computed once per model (:meth:`violation` runs at every step)."""
        return self.rows.scales()

    def violation(self, x: np.ndarray) -> float:
        """Largest violation of a constraint, variable bound or integrality at ``x`` (as
        :func:`surrogate.milp.polish.max_violation`): a row's relative to its :attr:`row_scales`."""
        r, scale = self.rows.values(x), self.row_scales
        fraction = np.abs(x - np.round(x))[self.integer]
        parts = [
            (self.row_lower - r) / scale,
            (r - self.row_upper) / scale,
            self.lower - x,
            x - self.upper,
            fraction,
            np.zeros(1),
        ]
        return float(max(np.max(p, initial=0.0) for p in parts))

    def within(self, i: int, value: float) -> float:
        """``value`` moved into variable ``i``'s bounds, and to the nearest whole value inside them if ``i`` is integer."""
        low, high = self.lower[i], self.upper[i]
        if self.integer[i]:
            value, low, high = round(value), np.ceil(low - 1e-9), np.floor(high + 1e-9)  # inf stays inf
        return float(min(max(value, low), high))

    def clip(self, x: np.ndarray) -> np.ndarray:
        return np.minimum(np.maximum(x, self.lower), self.upper)

    def load(self, x: np.ndarray) -> None:
        """Set the Pyomo variables to ``x``."""
        for var, value in zip(self.variables, x):
            var.set_value(float(value), skip_validation=True)
