"""Choosing the MILP solver: HiGHS (default), SCIP or Gurobi give one SolveResult; absent ones say what to install."""

from __future__ import annotations

import math
import subprocess
import sys

import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, SolverConfig
from surrogate.errors import NonlinearModelError, SolverUnavailableError
from surrogate.milp.model_size import ModelSize
from surrogate.milp.solver import SolveResult, Termination, make_solver, solve
from surrogate.milp.solver_backends import BACKENDS, GurobiBackend, ScipBackend, available_solvers, backend_for
from surrogate.milp.solver_config import SOLVERS
from tests.helpers import skip_unless_runnable

pytestmark = pytest.mark.solver

OPTIONAL = ("scip", "gurobi")


def _milp(*, infeasible: bool = False):
    """A small MILP with integer and continuous variables (optimum 13.75 at x = (2, 0, 1), y = 0.75)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), domain=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.y = pyo.Var(bounds=(0, 1.5))
    m.c1 = pyo.Constraint(expr=2 * m.x[0] + 3 * m.x[1] + m.x[2] + 2 * m.y <= 6.5)
    m.c2 = pyo.Constraint(expr=4 * m.x[0] + m.x[1] + 2 * m.x[2] <= 11)
    m.c3 = pyo.Constraint(expr=3 * m.x[0] + 4 * m.x[1] + 2 * m.x[2] <= 8)
    m.o = pyo.Objective(expr=5 * m.x[0] + 4 * m.x[1] + 3 * m.x[2] + m.y, sense=pyo.maximize)
    if infeasible:
        m.bad = pyo.Constraint(expr=m.x[0] >= 4)
    return m


@pytest.mark.parametrize("name", OPTIONAL)
def test_each_solver_finds_the_optimum_highs_finds(name):
    skip_unless_runnable(name)
    reference = solve(_milp(), SolverConfig())
    model = _milp()
    result = solve(model, SolverConfig(solver=name, time_limit=30, rel_gap=1e-9))
    assert result.termination == Termination.OPTIMAL and reference.optimal
    assert result.objective == pytest.approx(reference.objective, abs=1e-6) == 13.75
    assert pyo.value(model.o) == pytest.approx(13.75, abs=1e-6)  # the incumbent is loaded
    assert result.bound == pytest.approx(13.75, abs=1e-6) and result.gap <= 1e-6
    assert result.size == reference.size == ModelSize(variables=4, binaries=0, constraints=3)
    assert result.nodes >= 0 and 0 < result.wall_time < math.inf


@pytest.mark.parametrize("name", SOLVERS)
def test_first_solution_time_is_finite_with_an_incumbent_and_nan_without(name):
    skip_unless_runnable(name)
    found = solve(_milp(), SolverConfig(solver=name))
    assert found.has_solution and 0 <= found.first_solution_time <= found.wall_time
    assert found.to_dict()["first_solution_time"] == found.first_solution_time
    none = solve(_milp(infeasible=True), SolverConfig(solver=name))
    assert not none.has_solution and math.isnan(none.first_solution_time)
    assert none.termination in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED)


def test_an_lp_has_its_one_solution_at_its_end():
    model = _milp()
    model.x.domain = pyo.Reals
    result = solve(model, SolverConfig())
    assert result.optimal and result.first_solution_time == result.wall_time


@pytest.mark.parametrize("name", SOLVERS)
def test_a_warm_start_is_taken_and_the_optimum_kept(name):
    skip_unless_runnable(name)
    model = _milp()
    for var, value in zip((*model.x.values(), model.y), (2, 0, 1, 0.75)):
        var.set_value(value)
    result = solve(model, SolverConfig(solver=name), warm_start=True)
    assert result.objective == pytest.approx(13.75, abs=1e-6) and not [
        w for w in result.warnings if "ran without presolve" not in w
    ]
    if name != "scip":  # HiGHS and Gurobi report the start itself as their first incumbent
        assert result.first_solution_time == 0.0


def test_a_scip_start_with_unset_integers_is_ignored_and_recorded():
    skip_unless_runnable("scip")
    model = _milp()
    model.x[0].set_value(2)
    result = solve(model, SolverConfig(solver="scip"), warm_start=True)
    assert result.objective == pytest.approx(13.75, abs=1e-6)
    assert any("warm start ignored" in w and "have none" in w for w in result.warnings)


def test_highs_follows_the_same_path_as_pyomos_own_solve():
    """The first-solution callback changes nothing: nodes, bound and incumbent match a plain Pyomo solve."""
    from pyomo.contrib.solver.common.factory import SolverFactory

    config = SolverConfig(time_limit=30, rel_gap=1e-9, threads=1)
    plain = SolverFactory("highs").solve(
        _milp(), time_limit=30, rel_gap=1e-9, threads=1, load_solutions=False, raise_exception_on_nonoptimal_result=False
    )
    ours = solve(_milp(), config)
    assert ours.objective == plain.incumbent_objective and ours.bound == plain.objective_bound
    assert ours.nodes == plain.extra_info.mip_node_count


def test_solver_names_are_checked_when_configured():
    with pytest.raises(ConfigError, match="solver='cplex' is not supported; use one of highs, scip, gurobi"):
        SolverConfig(solver="cplex")
    with pytest.raises(ConfigError, match="solver=None is not supported"):
        SolverConfig(solver=None)
    with pytest.raises(ConfigError, match="solver='cplex' is not supported"):
        backend_for("cplex")
    assert SolverConfig().solver == "highs" and tuple(BACKENDS) == SOLVERS


def test_configuring_a_solver_imports_nothing():
    code = (
        "import sys; from surrogate.milp.solver_config import SolverConfig; SolverConfig(solver='gurobi'); "
        "SolverConfig(solver='scip'); print(sorted(m for m in ('pyomo', 'gurobipy', 'pyscipopt', 'highspy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(("name", "backend"), [("scip", ScipBackend), ("gurobi", GurobiBackend)])
def test_an_absent_solver_says_which_extra_to_install(monkeypatch, name, backend):
    monkeypatch.setattr(backend, "package", "surrogate_no_such_package")
    assert not backend().available()
    with pytest.raises(SolverUnavailableError, match=rf"pip install '.*' \((from )?surrogate's '{name}' extra\)"):
        make_solver(SolverConfig(solver=name))
    with pytest.raises(SolverUnavailableError, match="surrogate_no_such_package is not installed"):
        solve(_milp(), SolverConfig(solver=name))


def test_available_solvers_always_has_highs_first():
    found = available_solvers()
    assert found[0] == "highs" and set(found) <= set(SOLVERS)


@pytest.mark.parametrize("name", OPTIONAL)
def test_a_nonlinear_model_is_refused_by_every_solver(name):
    skip_unless_runnable(name)
    model = _milp()
    model.q = pyo.Constraint(expr=model.x[0] * model.y <= 1)
    with pytest.raises(NonlinearModelError, match="'q'"):
        solve(model, SolverConfig(solver=name))


def test_a_size_limited_gurobi_licence_records_its_refusal():
    skip_unless_runnable("gurobi")
    from pyomo.contrib.solver.common.base import Availability

    if make_solver(SolverConfig(solver="gurobi")).available() != Availability.LimitedLicense:
        pytest.skip("this Gurobi licence has no size limit")
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2100), domain=pyo.Binary)
    m.c = pyo.Constraint(expr=sum(m.x.values()) <= 3)
    m.o = pyo.Objective(expr=sum(m.x.values()), sense=pyo.maximize)
    with pytest.warns(RuntimeWarning, match="licence refused the model"):
        result = solve(m, SolverConfig(solver="gurobi"))
    assert result.termination == Termination.LICENSING_PROBLEMS and not result.has_solution
    assert math.isnan(result.objective) and math.isnan(result.first_solution_time)
    assert result.size.variables == 2100 and any("licensingProblems" in w for w in result.warnings)
    assert result.to_dict()["termination"] == "licensingProblems" and "licence refused the model" in result.reason


def test_old_results_read_back_without_a_first_solution_time():
    old = SolveResult("convergenceCriteriaSatisfied", 1.0, 1.0, 0.0, 0.1, 0, ModelSize(1, 0, 0), ("w",))
    assert math.isnan(old.first_solution_time)
    assert list(old.to_dict())[5:] == ["nodes", "first_solution_time", "variables", "binaries", "constraints"]


def _envelope_milp():
    """min N(x, y) - x - y over the pruned MILP of a 24-neuron hand-built net with interval bounds: -1
    (x y - x - y at x = y = 1), which HiGHS and Gurobi take about 100 nodes to prove."""
    from surrogate import add_surrogate
    from surrogate.nets.zoo import resolve_surrogate

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    net = resolve_surrogate("b24-hand-shared-3x8")
    z = add_surrogate(m, net, [m.x, m.y], formulation="pruned", bounds="interval").output
    m.o = pyo.Objective(expr=z - m.x - m.y)
    return m


@pytest.mark.parametrize("name", SOLVERS)
def test_a_node_limit_stops_each_solver_with_a_valid_bound_and_is_lifted_after(name):
    skip_unless_runnable(name)
    model, config = _envelope_milp(), SolverConfig(solver=name, time_limit=120, rel_gap=1e-4)
    solver = make_solver(config)
    capped = solve(model, config, solver=solver, node_limit=5)
    # HiGHS (range-bound in pyproject) needs the nodes; another solver may prove it sooner
    assert capped.termination == Termination.ITERATION_LIMIT or (name != "highs" and capped.optimal)
    assert capped.nodes <= 5 and capped.bound <= -1.0 + 1e-6 and capped.objective >= -1.0 - 1e-2
    if name == "scip":
        return  # a fresh SCIP model each solve: nothing to lift, and its full search is slow here
    # a persistent solver kept the cap: the next solve without one must lift it
    full = solve(model, config, solver=solver)
    assert full.optimal and full.nodes > 5 and full.objective == pytest.approx(-1.0, abs=1e-4)


#: SCIP options that make it restart after its root whatever it fixed there (a restart starts a new node count)
_RESTART_AT_ONCE = {
    "presolving/restartfac": 0.0,
    "presolving/immrestartfac": 0.0,
    "presolving/subrestartfac": 0.0,
    "presolving/restartminred": 0.0,
}


def test_scips_node_count_takes_in_the_nodes_before_its_restarts():
    skip_unless_runnable("scip")
    config = SolverConfig(solver="scip", time_limit=120, rel_gap=1e-4, options=_RESTART_AT_ONCE)
    solver = make_solver(config)
    result = solve(_envelope_milp(), config, solver=solver)
    scip = solver._solver_model
    assert result.optimal and scip.getNRuns() > 1  # it restarted, so the last run's count is short
    assert result.nodes == scip.getNTotalNodes() > scip.getNNodes()


def test_a_bad_node_limit_says_what_to_pass():
    for bad in (0, -3, 2.5, True, "10"):
        with pytest.raises(ConfigError, match=f"solve: node_limit={bad!r} must be a positive integer, or None"):
            solve(_milp(), SolverConfig(), node_limit=bad)


@pytest.mark.parametrize("name", SOLVERS)
def test_a_node_limit_beyond_the_solvers_range_is_no_limit_and_lifts_an_earlier_cap(name):
    """HiGHS's mip_max_nodes is a 32-bit int: it refused 2**31, and a reused solver kept the cap of 5 (SCIP: OverflowError)."""
    skip_unless_runnable(name)
    model, config = _envelope_milp(), SolverConfig(solver=name, time_limit=10, threads=1, rel_gap=1e-4)
    solver = make_solver(config)
    solve(model, config, solver=solver, node_limit=5)
    for huge in (2**31, 10**20):
        full = solve(model, config, solver=solver, node_limit=huge)
        assert full.optimal and full.objective == pytest.approx(-1.0, abs=1e-4) and full.warnings == ()


def test_a_highs_option_that_highs_refuses_on_the_solver_is_an_error_not_an_earlier_value(monkeypatch):
    """Pyomo sets HiGHS's options without reading the status: a refused value left the earlier solve's in place."""
    monkeypatch.setattr(BACKENDS["highs"], "most_nodes", 2**40)  # as before: 2**31 passed on to HiGHS
    model, config = _envelope_milp(), SolverConfig(time_limit=10, threads=1)
    solver = make_solver(config)
    solve(model, config, solver=solver, node_limit=5)
    with pytest.raises(ConfigError, match=r"HiGHS refuses the option mip_max_nodes=2147483648 \(nothing was solved\)"):
        solve(model, config, solver=solver, node_limit=2**31)


@pytest.mark.parametrize("name", SOLVERS)
@pytest.mark.parametrize("unused", [False, True])
def test_a_constant_model_is_optimal_at_its_constant(name, unused):
    """HiGHS calls a model with no variable in any row or objective 'empty' (Pyomo: unknown); SCIP and Gurobi solve it."""
    skip_unless_runnable(name)
    m = pyo.ConcreteModel()
    if unused:
        m.x = pyo.Var(bounds=(0, 1))
    m.o = pyo.Objective(expr=2.5, sense=pyo.maximize)
    result = solve(m, SolverConfig(time_limit=5, threads=1, solver=name))
    assert result.optimal and result.objective == result.bound == 2.5 and result.gap == 0.0
