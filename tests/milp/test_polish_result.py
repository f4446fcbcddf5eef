"""What a polish reads and reports (polish_result.py): how far a point lies outside a model."""

import warnings
from decimal import Decimal

import pyomo.environ as pyo
import pytest

from surrogate.milp.polish_result import max_violation


@pytest.mark.parametrize(("value", "miss"), [(Decimal("1"), 0.0), (Decimal("3"), 1.0), (Decimal("1.5"), 0.5)])
def test_max_violation_reads_a_decimal_value_as_a_number(value, miss):
    """probe121 #1: readable_bounds gave floats, and float - Decimal raised a bare TypeError in _var_miss (polish
    stopped on a model with one Decimal value, even of a variable no row reads)."""
    m = pyo.ConcreteModel()
    m.x, m.u = pyo.Var(bounds=(0, 4), initialize=1.0), pyo.Var(bounds=(0, 2), domain=pyo.Integers)
    m.c, m.o = pyo.Constraint(expr=m.x >= 1), pyo.Objective(expr=m.x + m.u)  # u read by the objective only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pyomo's note that it registers Decimal as a number
        m.u.set_value(value)
    assert max_violation(m) == pytest.approx(miss)
