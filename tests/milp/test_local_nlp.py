"""The local solves polish runs on the exact model (local_nlp.py), checked by hand."""

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate.milp.local_nlp import QuadraticModel, solve_lp


def test_the_lp_with_one_factor_held_has_its_optimum_by_hand():
    """min x*y + 3 x  s.t.  2 x*y - y + 1 >= -4, x in [-1, 2], y held at 2: min 5 x s.t. 4 x - 1 >= -4, so x = -0.75
    (not the bound -1); maximised, x = 2."""
    for sense, best in ((pyo.minimize, -0.75), (pyo.maximize, 2.0)):
        m = pyo.ConcreteModel()
        m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3))
        m.o = pyo.Objective(expr=m.x * m.y + 3 * m.x, sense=sense)
        m.r = pyo.Constraint(expr=2 * m.x * m.y - m.y + 1 >= -4)
        qm = QuadraticModel.from_pyomo(m)
        fixed = np.array([v.name == "y" for v in qm.variables])
        point = solve_lp(qm, qm.point({"x": 0.0, "y": 2.0}), fixed)
        values = dict(zip((v.name for v in qm.variables), point))
        assert values == {"x": pytest.approx(best, abs=1e-9), "y": 2.0}
