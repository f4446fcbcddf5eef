"""The encodings a warm start searches over: a report wrapped in a list is named as such (probe119 #12)."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, activation_start, replace_products
from surrogate.nets.construct import hand_built


def test_a_report_inside_a_list_is_named_with_the_fix():
    """It was told to 'encode with formulation=pruned' (got ['ReplacementReport']), which it was."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3))
    m.c, m.o = pyo.Constraint(expr=m.x * m.y >= 0.5), pyo.Objective(expr=m.x + m.y)
    report = replace_products(m, hand_built("1x8", "paired"))
    with pytest.raises(
        ConfigError, match=r"activation_start: surrogates holds a ReplacementReport inside a list; pass the report itself"
    ):
        activation_start(m, [report])
