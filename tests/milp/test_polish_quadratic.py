"""The exact quadratic model read into numpy (polish_quadratic.py): values, derivatives, bounds, by hand."""

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate.milp.polish_quadratic import QuadraticModel


def _model():
    """min x*y + 3 x  s.t.  r: 2 x*y + x*x - y <= 4,  x in [-1, 2], y in [0, 3], n integer in [0.5, 4.5]."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3))
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0.5, 4.5))
    m.o = pyo.Objective(expr=m.x * m.y + 3 * m.x + m.n)
    m.r = pyo.Constraint(expr=2 * m.x * m.y + m.x * m.x - m.y <= 4)
    return m


def test_rows_their_jacobian_and_hessian_by_hand():
    m = _model()
    qm = QuadraticModel.from_pyomo(m)
    col = {v.name: i for i, v in enumerate(qm.variables)}
    x = np.zeros(len(qm.variables))
    x[col["x"]], x[col["y"]] = 1.5, 2.0
    assert qm.rows.values(x)[0] == 2 * 1.5 * 2.0 + 1.5**2 - 2.0
    jac = qm.rows.jacobian(x).toarray()[0]
    assert (jac[col["x"]], jac[col["y"]]) == (2 * 2.0 + 2 * 1.5, 2 * 1.5 - 1)
    hess = qm.rows.hessian(np.array([1.0])).toarray()
    ix, iy = col["x"], col["y"]
    assert hess[np.ix_([ix, iy], [ix, iy])].tolist() == [[2.0, 2.0], [2.0, 0.0]]  # symmetric: d2/dxdy of 2xy is 2


def test_an_integer_within_bounds_that_are_not_whole_is_rounded_inside_them():
    """n in [0.5, 4.5], integer: 0.2 goes to 1 (not 0.5 or 0), 9 to 4."""
    qm = QuadraticModel.from_pyomo(_model())
    n = [v.name for v in qm.variables].index("n")
    assert (qm.within(n, 0.2), qm.within(n, 9.0)) == (1.0, 4.0)


def test_a_point_reads_the_values_given_before_the_models_own():
    m = _model()
    m.x.value, m.y.value = 0.25, 1.0
    qm = QuadraticModel.from_pyomo(m)
    point = dict(zip((v.name for v in qm.variables), qm.point({"x": -1.0})))
    assert point == {"x": -1.0, "y": 1.0, "n": 0.0}
    assert qm.objective_value(qm.point({"x": -1.0})) == pytest.approx(-1.0 - 3.0)


def test_rows_linearised_with_one_factor_held_by_hand():
    """r = 2 x*y - y + 1 with y held at 2: the constant 1 - 2 = -1, x's coefficient 2 * 2 = 4."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3))
    m.o = pyo.Objective(expr=m.x)
    m.r = pyo.Constraint(expr=2 * m.x * m.y - m.y + 1 >= -4)
    qm = QuadraticModel.from_pyomo(m)
    fixed = np.array([v.name == "y" for v in qm.variables])
    constant, matrix = qm.rows.linearised(qm.point({"x": 0.3, "y": 2.0}), fixed)
    assert constant.tolist() == [-1.0] and matrix.toarray().tolist() == [[4.0]]
