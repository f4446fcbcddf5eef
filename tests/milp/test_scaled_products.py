"""LinearProduct, the product with a zero-width factor, called directly: misuse is named (probe119 #4)."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from surrogate import LinearProduct, ModelFormatError


def _model():
    m = pyo.ConcreteModel()
    m.x, m.y, m.v = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3)), pyo.Var([1, 2], bounds=(0, 1))
    m.p = pyo.Param(initialize=2.0, mutable=True)
    return m


@pytest.mark.parametrize(
    ("factor", "match"),
    [
        (lambda m: None, r"LinearProduct: x is a NoneType \(None\), not one Pyomo variable"),
        (lambda m: m.p, r"LinearProduct: x is a ScalarParam \(p\), not one Pyomo variable"),
        (lambda m: 2.0, r"LinearProduct: x is a float \(2\.0\), not one Pyomo variable"),
        (lambda m: m.v, r"LinearProduct: x is the indexed component 'v', not one variable"),
        (lambda m: m.x + 1, r"LinearProduct: x is a .*Expression \(x \+ 1\), not one Pyomo variable"),
    ],
)
def test_a_factor_that_is_not_one_variable_is_named(factor, match):
    """Each was a bare AttributeError ('... has no attribute lower')."""
    m = _model()
    with pytest.raises(ModelFormatError, match=match):
        LinearProduct(factor(m), m.y)


def test_a_product_without_a_zero_width_factor_is_refused():
    """It gave the nonlinear x*y with size() 0; only a solve refused it later."""
    m = _model()
    with pytest.raises(ModelFormatError, match=r"LinearProduct: neither factor has zero width \('x' in \[-1, 2\].*use bilinear"):
        LinearProduct(m.x, m.y)
    m.x.setlb(2)
    assert str(LinearProduct(m.x, m.y).expr) == "2.0*y"


def test_equal_mutable_param_bounds_are_named_as_params_not_as_no_zero_width():
    """probe120 #9: the message said 'neither factor has zero width ('x' in [2.0, 2.0], ...)', which contradicts itself."""
    m = pyo.ConcreteModel()
    m.p = pyo.Param(mutable=True, initialize=2.0)
    m.x, m.y = pyo.Var(bounds=(m.p, m.p)), pyo.Var(bounds=(-1, 1))
    match = r"LinearProduct: 'x' has the bounds \[2\.0, 2\.0\] of mutable Params, which may change.*model\.x\.setlb\(2\.0\)"
    for x, y in ((m.x, m.y), (m.y, m.x)):
        with pytest.raises(ModelFormatError, match=match):
            LinearProduct(x, y)
