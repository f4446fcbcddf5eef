"""solve()'s own arguments: each of the wrong kind is a ConfigError naming it, before any solver runs."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, SolverConfig
from surrogate.milp.solver import make_solver, solve
from tests.helpers import skip_unless_runnable

from .test_solver_choice import _milp


def test_no_model_is_refused():
    with pytest.raises(ConfigError, match=r"solve: model=None must be a Pyomo model \(e\.g\. pyo\.ConcreteModel\(\)\)"):
        solve(None, SolverConfig(time_limit=5))


@pytest.mark.parametrize("name", ["warm_start", "check"])
@pytest.mark.parametrize("value", ["no", 0, None])
def test_warm_start_and_check_must_be_bools(name, value):
    with pytest.raises(ConfigError, match=rf"solve: {name}={value!r} must be True or False"):
        solve(_milp(), SolverConfig(time_limit=5), **{name: value})


@pytest.mark.solver
@pytest.mark.parametrize(("made", "asked"), [("highs", "scip"), ("scip", "highs"), ("gurobi", "highs")])
def test_a_solver_object_of_another_solver_is_refused_naming_both(made, asked):
    for name in (made, asked):
        skip_unless_runnable(name)
    solver = make_solver(SolverConfig(solver=made))
    m = _milp()
    with pytest.raises(ConfigError, match=rf"solve: solver is a solver object of '{made}', but config.solver='{asked}'"):
        solve(m, SolverConfig(time_limit=5, threads=1, solver=asked), solver=solver)
    assert all(v.value is None for v in m.component_data_objects(pyo.Var))  # nothing ran
    if made == "gurobi":  # one solve, so Pyomo's Gurobi interface does not warn about its licence count when dropped
        solve(m, SolverConfig(time_limit=5, threads=1, solver=made), solver=solver)
