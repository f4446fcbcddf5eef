"""ReplacementReport (surrogate.milp.products): what a replacement did, and its undo."""

import pyomo.environ as pyo
import pytest

from surrogate import ConfigError
from surrogate.milp.bilinear import replace_products


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
