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


def test_a_general_integer_is_no_binary_and_a_deactivated_blocks_variables_do_not_count():
    """probe113 MS1 (an integer in [0, 5] counted as a binary) and MS2 (a deactivated block's variable counted)."""
    m = pyo.ConcreteModel()
    m.b = pyo.Var(domain=pyo.Binary)
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 5))
    m.off = pyo.Block()
    m.off.z = pyo.Var()
    m.off.c = pyo.Constraint(expr=m.off.z >= 0)
    m.off.deactivate()
    m.c = pyo.Constraint(expr=m.b + m.n >= 1)
    size = model_size(m)
    assert (size.variables, size.binaries, size.constraints) == (2, 1, 1)


@pytest.mark.parametrize("bad", [None, "model", -1, 1.5, np.int64(3), pyo.Var()])
def test_model_size_refuses_what_is_no_model(bad):
    with pytest.raises(ConfigError, match=r"model_size: component=.* must be a Pyomo model or block"):
        model_size(bad)


def test_a_model_not_constructed_is_refused_not_counted_empty():
    """model_size of an AbstractModel with a variable and a row, or of a pyo.Block() of no model, was 0, 0, 0 where
    every other entry point refuses them (probe119 #12)."""
    from surrogate import ModelFormatError

    abstract = pyo.AbstractModel()
    abstract.x = pyo.Var()
    abstract.c = pyo.Constraint(expr=abstract.x >= 0)
    with pytest.raises(ModelFormatError, match=r"is not constructed \(an AbstractModel holds no data yet\)"):
        model_size(abstract)
    with pytest.raises(ModelFormatError, match=r"is not constructed \(a pyo\.Block\(\) made outside a model"):
        model_size(pyo.Block())
