"""model_size: counts of a Pyomo model, and a clear refusal of anything else."""

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import ConfigError
from surrogate.milp.model_size import model_size


def test_model_size_counts_a_model():
    m = pyo.ConcreteModel()
    m.x, m.b = pyo.Var(), pyo.Var(domain=pyo.Binary)
    m.c = pyo.Constraint(expr=m.x <= m.b)
    assert (model_size(m).variables, model_size(m).binaries, model_size(m).constraints) == (2, 1, 1)


@pytest.mark.parametrize("bad", [None, "model", -1, 1.5, np.int64(3), pyo.Var()])
def test_model_size_refuses_what_is_no_model(bad):
    with pytest.raises(ConfigError, match=r"model_size: component=.* must be a Pyomo model or block"):
        model_size(bad)
