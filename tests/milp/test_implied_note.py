"""What a refused replace_products says about the bounds the constraints imply (implied_note.py)."""

import pyomo.environ as pyo
import pytest

from surrogate.milp.bilinear import UnboundedVariableError, replace_products
from surrogate.nets.construct import hand_built

NET = hand_built("3x8", "shared")


def test_a_refusal_says_which_side_the_constraints_imply_and_names_a_param_in_a_bound_on_the_way():
    """probe75 #5: it showed x's bounds as (0.999999999, None), which the refusal put back to (None, None), said the
    constraints imply no finite bound (they imply x >= 1), and did not name the Param p in w's bound as the reason."""
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=2, mutable=True)
    m.x, m.y, m.w = pyo.Var(), pyo.Var(bounds=(-2, 3)), pyo.Var(bounds=(0, m.p))
    m.link = pyo.Constraint(expr=m.x == m.w + 1)
    m.o = pyo.Objective(expr=-m.x * m.y - m.x)
    with pytest.raises(UnboundedVariableError) as caught:
        replace_products(m, NET)
    message = str(caught.value)
    assert "variable 'x' has bounds (None, None)" in message
    assert "the constraints imply x >= 0.99" in message and "but no upper bound" in message
    assert "model.x.setlb(0.99" in message and "the bounds of 'w' (Param 'p') hold a mutable Param" in message
    assert m.x.bounds == (None, None)


def test_a_factor_bounded_in_full_is_not_listed_beside_one_left_unbounded():
    m = pyo.ConcreteModel()
    m.x, m.y, m.u = pyo.Var(bounds=(0, None)), pyo.Var(bounds=(0, 4)), pyo.Var()
    m.c = pyo.Constraint(expr=m.x + m.y <= 4)
    m.o = pyo.Objective(expr=m.x * m.y + m.u * m.y)
    with pytest.raises(UnboundedVariableError, match=r"^variable 'u' has bounds \(None, None\).*imply no finite bound for 'u'"):
        replace_products(m, NET)
    assert m.x.bounds == (0, None)
