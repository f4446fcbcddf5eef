"""The check of a solver's point against the model (solution_check.py)."""

import pyomo.environ as pyo
import pytest

from surrogate.milp.solution_check import untrusted


@pytest.mark.parametrize(("solver", "option"), [("scip", "'presolving/maxrounds': 0"), ("highs", "'presolve': 'off'")])
def test_a_violated_point_names_the_presolve_option_that_fixes_it(solver, option):
    """SCIP's 'optimal' point of max x + y, x*y == 0.5 (3x8) broke a net row by 1.9e-4: the message said only 'solve it
    with another solver'; it names the option that turns the solver's presolve off too."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1), initialize=0.5)
    m.c = pyo.Constraint(expr=m.x >= 0.6)
    m.o = pyo.Objective(expr=m.x)
    message = untrusted(m, solver)
    assert message is not None
    assert f"presolve off (SolverConfig(options={{{option}}})" in message
    assert untrusted(m, "couenne").endswith("solve it with another solver (SolverConfig(solver=...)) and report it")
