"""What a polish reads and reports (polish_result.py): how far a point lies outside a model."""

import math
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


@pytest.mark.parametrize("domain", [pyo.Reals, pyo.Integers])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_nan_or_infinite_value_is_no_point_and_polish_does_not_crash_on_it(domain, value):
    """probe122 #1, #2: a NaN on a continuous variable read as violation 0.0 (max(0.0, nan) is 0.0) and polish then
    handed it to SciPy (a bare 'Initial guess is outside of provided bounds'); on an integer, round(nan) raised."""
    from surrogate.milp.polish import polish

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4), initialize=0.5), pyo.Var(bounds=(0, 4), domain=domain)
    m.c, m.o = pyo.Constraint(expr=m.x + m.y >= 1), pyo.Objective(expr=m.x + m.y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pyomo's W1001/W1002 on the value
        m.y.set_value(value, skip_validation=True)
    assert max_violation(m) == math.inf
    result = polish(m, {}, time_limit=5)
    assert result.violation_before == math.inf  # the NaN or inf is read as no value: the search starts from y = 0
    assert result.violation_after <= 1e-6 and result.objective_after == pytest.approx(1.0)
