"""The checks around a solve: a coefficient scale read without failing on a variable whose model is gone."""

import gc

import pyomo.environ as pyo

from surrogate.milp.solve_checks import CoefficientScale


def _block_of_a_gone_model():
    """m.b, whose model is no longer referenced (Pyomo holds a parent by a weak reference), reading m.x[0] (bounds
    of 1e6, the largest side it reads)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var([0, 1], bounds=(-1e6, 1e6))
    m.b = pyo.Block()
    m.b.y = pyo.Var(bounds=(0, 1))
    m.b.c = pyo.Constraint(expr=m.b.y + m.x[0] <= 2)
    m.b.o = pyo.Objective(expr=m.b.y)
    return m.b


def test_a_variable_whose_component_is_gone_is_named_as_a_side_without_failing():
    """probe83: naming it crashed with AttributeError: 'NoneType' object has no attribute '_parent'."""
    block = _block_of_a_gone_model()
    gc.collect()
    scale = CoefficientScale.of(block)
    assert abs(scale.side) == 1e6 and scale.side_at.startswith("a bound of variable")
