"""ReplacementReport (surrogate.milp.products): what a replacement did, and its undo."""

import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, SolverConfig, solve
from surrogate.milp.bilinear import replace_products
from surrogate.nets.construct import hand_built


def _replaced():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.obj = pyo.Objective(expr=m.x * m.y)
    return m, replace_products(m, "sawtooth-4", implied_bounds=False)


@pytest.mark.parametrize("bad", [None, "model", 5])
def test_undo_refuses_what_is_no_model_and_leaves_the_replacement(bad):
    m, report = _replaced()
    with pytest.raises(ConfigError, match=r"ReplacementReport.undo: model=.* must be a Pyomo model or block"):
        report.undo(bad)
    report.undo(m)  # the model is as the replacement left it: undone as usual
    assert m.obj.active and m.find_component(report.block) is None


def test_undo_on_a_clone_of_a_block_puts_the_clones_own_derived_bounds_back():
    """probe88 #3: report.undo(c) on c = m.p.clone() looked for 'p.x' in c, found nothing and left the derived
    x in [-1, 2] on c.x; deleting c.b1 then solved -2 unrefused where c's rows (x <= 50, min -x) give -50."""
    m = pyo.ConcreteModel()
    m.p = p = pyo.Block()
    p.x = pyo.Var()
    p.cap = pyo.Constraint(expr=p.x <= 50)
    p.b1 = pyo.Block()
    p.b1.y = pyo.Var(bounds=(-2, 3))
    p.b1.c1, p.b1.c2 = pyo.Constraint(expr=p.x <= 2), pyo.Constraint(expr=p.x >= -1)
    p.b1.prod, p.o = pyo.Constraint(expr=p.x * p.b1.y >= -10), pyo.Objective(expr=-p.x)
    report = replace_products(p.b1, hand_built("3x8", "shared"))
    c = p.clone()
    report.undo(c)
    assert c.x.bounds == (None, None) and c.b1.prod.active
    assert p.x.bounds == pytest.approx((-1, 2), abs=1e-6)  # the original is left as it was
    c.del_component(c.b1)
    assert solve(c, SolverConfig(time_limit=10, threads=1)).objective == pytest.approx(-50)
