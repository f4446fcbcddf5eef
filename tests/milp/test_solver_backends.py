"""What each solver backend does before and after a run: HiGHS's scheduler, a broken install, a reused Gurobi."""

from __future__ import annotations

import math

import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig, replace_products
from surrogate.errors import SolverUnavailableError
from surrogate.experiments.scale_bench_tables import REFUSED, solve_status
from surrogate.milp import warmstart
from surrogate.milp.solve_checks import log_warnings
from surrogate.milp.solver import Termination, make_solver, solve
from surrogate.milp.solver_backends import HighsBackend, ScipBackend
from surrogate.milp.warmstart import StartConfig, solve_with_start
from tests.helpers import skip_unless_runnable

pytestmark = pytest.mark.solver


def _knapsack():
    """max over 12 integers in [0, 10] of a knapsack with two rows: 36.0 (checked by enumeration)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(12), bounds=(0, 10), domain=pyo.Integers)
    m.c = pyo.Constraint(expr=sum((i + 1.5) * m.x[i] for i in range(12)) <= 23.3)
    m.c2 = pyo.Constraint(expr=sum((i % 3 + 0.7) * m.x[i] for i in range(12)) <= 13.1)
    m.o = pyo.Objective(expr=sum((i * 1.7 + 1) * m.x[i] for i in range(12)), sense=pyo.maximize)
    return m


def test_highs_runs_with_any_thread_count_in_turn():
    """HiGHS keeps one scheduler per process: a second count used to end 'unknown' with no answer."""
    for threads in (1, 2, 1, 3):
        result = solve(_knapsack(), SolverConfig(time_limit=20, rel_gap=0.0, threads=threads))
        assert result.termination == Termination.OPTIMAL, (threads, result)
        assert result.objective == pytest.approx(36.0)
        assert [w for w in result.warnings if "ran without presolve" not in w] == []  # (its integers are the user's)


def test_highs_errors_are_kept_as_warnings():
    log = "Running HiGHS\nERROR:   Option 'threads' is set to 2 but the scheduler has already been initialized\n"
    assert log_warnings(log) == ["ERROR:   Option 'threads' is set to 2 but the scheduler has already been initialized"]


def test_a_broken_install_names_its_import_error(monkeypatch, tmp_path):
    (tmp_path / "broken_solver_module").mkdir()
    (tmp_path / "broken_solver_module" / "__init__.py").write_text("raise ImportError('libscip.so.9 not found')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    backend = ScipBackend()
    backend.package = "broken_solver_module"
    match = r"broken_solver_module is installed but does not import \(ImportError: libscip.so.9 not found\); reinstall"
    with pytest.raises(SolverUnavailableError, match=match):
        backend.make()


def test_a_start_that_breaks_the_model_is_not_counted_as_taken():
    """first_solution_time 0 means the solver took the start: never for a start that breaks a row."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.y = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.same = pyo.Constraint(expr=m.x == m.y)
    m.o = pyo.Objective(expr=m.x + m.y)
    m.x.set_value(3)
    m.y.set_value(0)  # objective 3, worse than the optimum 0, and x == y broken by 3
    result = solve(m, SolverConfig(time_limit=10, threads=1), warm_start=True)
    assert result.objective == 0.0
    assert result.first_solution_time != 0.0


def test_the_start_search_gets_no_more_than_the_whole_budget(monkeypatch):
    seen = []
    real = warmstart.activation_start
    monkeypatch.setattr(warmstart, "activation_start", lambda *a, config: seen.append(config) or real(*a, config=config))
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    m.o = pyo.Objective(expr=m.x * m.y)
    report = replace_products(m, "3x8")
    solve_with_start(m, report, SolverConfig(time_limit=1.5, threads=1), start=StartConfig(time_limit=5.0))
    assert [c.time_limit for c in seen] == [1.5]


def test_a_licence_refusal_is_counted_as_refused_not_as_a_timeout():
    assert solve_status(Termination.LICENSING_PROBLEMS, False) == REFUSED


@pytest.mark.parametrize("name", ["highs", "scip", "gurobi"])
def test_an_unbounded_minimum_has_the_bound_minus_infinity(name):
    skip_unless_runnable(name)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.Integers)
    m.o = pyo.Objective(expr=m.x)
    result = solve(m, SolverConfig(time_limit=10, solver=name))
    assert result.termination in (Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED)
    assert result.bound == -math.inf


def test_a_reused_gurobi_after_a_cutoff_solves_right():
    skip_unless_runnable("gurobi")
    m, solver = _knapsack(), make_solver(SolverConfig(solver="gurobi"))
    cut = solve(m, SolverConfig(time_limit=10, solver="gurobi", options={"Cutoff": 40.0}), solver=solver)
    assert not cut.optimal  # nothing reaches 40
    for _ in range(2):
        again = solve(m, SolverConfig(time_limit=10, solver="gurobi", rel_gap=0.0), solver=solver)
        assert again.optimal and again.objective == pytest.approx(36.0)


def test_ctrl_c_while_the_output_capture_closes_is_an_interrupt(monkeypatch):
    """Pyomo's capture turns a KeyboardInterrupt in its cleanup into a RuntimeError: it is an interrupt again."""
    import contextlib

    import pyomo.common.tee

    @contextlib.contextmanager
    def interrupted_capture(**_):
        yield None
        raise RuntimeError("KeyboardInterrupt:  (4: <pyomo.common.tee.TeeStream object>)")

    monkeypatch.setattr(pyomo.common.tee, "capture_output", interrupted_capture)
    model = _knapsack()
    model.x.domain = pyo.NonNegativeReals  # no integers of its own: no options (presolve off) checked in a capture first
    with pytest.raises(KeyboardInterrupt, match="highs was interrupted"):
        solve(model, SolverConfig(time_limit=5, threads=1))


def test_a_solver_pyomo_cannot_run_says_what_to_install(monkeypatch):
    import pyomo.contrib.solver.common.factory as factory

    class Missing:
        def available(self):
            return False

    monkeypatch.setattr(factory, "SolverFactory", lambda *args, **kwargs: Missing())
    with pytest.raises(SolverUnavailableError, match=r"solver 'highs' is not available; install it with 'pip install highspy'"):
        make_solver(SolverConfig())


def test_first_solution_keeps_the_first_incumbent_seen_not_a_later_better_one():
    from surrogate.milp.solver_backends import FirstSolution

    first = FirstSolution()
    assert math.isnan(first.seconds) and math.isnan(first.objective) and not first.start_refused
    first.see(0.25, 10)
    first.see(1.5, 4.0)  # a later, better incumbent: not the first
    assert (first.seconds, first.objective) == (0.25, 10.0)


@pytest.mark.parametrize("as_bounds", [True, False])
def test_a_highs_solver_made_with_fixed_as_bounds_keeps_a_fixed_variable_as_a_column(as_bounds):
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.x.fix(0.25)
    m.c = pyo.Constraint(expr=m.x + m.y <= 1)
    m.o = pyo.Objective(expr=m.y, sense=pyo.maximize)
    solver = make_solver(SolverConfig(threads=1), fixed_as_bounds=as_bounds)
    assert solve(m, SolverConfig(threads=1), solver=solver).objective == pytest.approx(0.75)
    # a column in the row (side 1), or its value moved over as a constant (side 0.75)
    assert list(solver._solver_model.getLp().row_upper_) == [1.0 if as_bounds else 0.75]


def test_scips_first_solution_is_the_earliest_it_kept_and_its_nodes_every_node():
    """SCIP's solutions come best first; the first incumbent is the one of the earliest time (a heuristic's), and the
    node count is getNTotalNodes (getNNodes counts only those after SCIP's last restart)."""
    from types import SimpleNamespace

    from surrogate.milp.solver_backends import FirstSolution

    times, values = {"best": 2.0, "early": 0.5, "middle": 1.0}, {"best": 3.0, "early": 9.0, "middle": 5.0}
    scip = SimpleNamespace(
        getSols=lambda: ["best", "early", "middle"],
        getSolTime=times.__getitem__,
        getSolObjVal=values.__getitem__,
        getNTotalNodes=lambda: 27205,
    )
    results = SimpleNamespace(timing_info=SimpleNamespace(scip_time=4.5), extra_info=SimpleNamespace(NNodes=1))
    first = FirstSolution()
    assert ScipBackend().read(SimpleNamespace(_solver_model=scip), results, first) == (4.5, 27205)
    assert (first.seconds, first.objective) == (0.5, 9.0)


def test_a_solver_that_caught_ctrl_c_and_returned_is_read_as_interrupted():
    """SCIP and Gurobi catch Ctrl-C and return with termination 'interrupted': solve() raises on it, not records it."""
    from types import SimpleNamespace

    from surrogate.milp.solver_backends import BACKENDS

    def results(name):
        return SimpleNamespace(termination_condition=SimpleNamespace(name=name))

    for backend in BACKENDS.values():
        assert backend.interrupted(results("interrupted")) and not backend.interrupted(results("maxTimeLimit"))


def test_scips_presolve_off_option_leaves_the_problem_unreduced():
    """ScipBackend.presolve_off (the option the presolve checks re-solve with) turns SCIP's presolve off: x0 <= 0 and
    x0 + x1 == 1 leave SCIP's transformed problem every variable (with presolve it keeps none); -1 would be unlimited."""
    skip_unless_runnable("scip")
    from pyscipopt import Model

    for option, kept in ((ScipBackend.presolve_off, 4), (("presolving/maxrounds", -1), 0)):
        scip = Model()
        scip.hideOutput()
        x = [scip.addVar(vtype="B") for _ in range(4)]
        scip.addCons(x[0] + x[1] == 1)
        scip.addCons(x[2] + x[3] <= 1)
        scip.addCons(x[0] <= 0)
        scip.setObjective(x[0] + x[2] + x[3], "maximize")
        scip.setParam(*option)
        scip.optimize()
        assert (scip.getStatus(), scip.getObjVal(), scip.getNVars(True)) == ("optimal", 1.0, kept)


def test_scips_node_limit_caps_every_node_of_the_solve_restarts_included():
    """SCIP's node cap is limits/totalnodes, which counts the nodes before a restart too (limits/nodes counts those
    after the last restart only, as Pyomo's node count does): the solver the solve ran holds the cap there."""
    skip_unless_runnable("scip")
    config = SolverConfig(solver="scip", time_limit=20, threads=1)
    solver = make_solver(config)
    result = solve(_knapsack(), config, solver=solver, node_limit=3)
    scip = solver._solver_model
    assert (scip.getParam("limits/totalnodes"), scip.getParam("limits/nodes")) == (3, -1)
    assert result.nodes <= 3


def test_highs_first_incumbent_is_timed_at_its_objective_and_its_nodes_read_from_the_results():
    """The improving-solution callback records the incumbent's objective (not the dual bound it also reports), once;
    read gives HiGHS's own run time and node count."""
    from types import SimpleNamespace

    from surrogate.milp.solver_backends import FirstSolution, HighsBackend

    watchers = []
    event = SimpleNamespace(subscribe=watchers.append, unsubscribe=watchers.remove)
    model = pyo.ConcreteModel()
    solver = SimpleNamespace(_model=model, _solver_model=SimpleNamespace(cbMipImprovingSolution=event))
    first = FirstSolution()
    prepared = HighsBackend().prepare(solver, model, warm_start=False, first=first)
    for seconds, value, bound in ((0.25, 7.0, 3.0), (0.5, 5.0, 4.0)):
        watchers[0](
            SimpleNamespace(data_out=SimpleNamespace(running_time=seconds, objective_function_value=value, mip_dual_bound=bound))
        )
    prepared.stop()
    assert (first.seconds, first.objective) == (0.25, 7.0) and watchers == []
    results = SimpleNamespace(timing_info=SimpleNamespace(highs_time=1.5), extra_info=SimpleNamespace(mip_node_count=12))
    assert HighsBackend().read(solver, results, first) == (1.5, 12)


@pytest.mark.solver
@pytest.mark.parametrize(
    ("name", "note"), [("scip", "every free integer variable has a finite value"), ("gurobi", "'y' holds nan")]
)
def test_a_start_value_that_is_no_number_is_ignored_with_a_note(name, note):
    """Gurobi raised 'Element 0 of a double array is Nan' (a str: a TypeError) on warm_start=True (probe119 #3)."""
    skip_unless_runnable(name)
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3), within=pyo.Integers)
    m.c, m.o = pyo.Constraint(expr=m.x + m.y >= 0.5), pyo.Objective(expr=m.x + m.y)
    m.y.set_value(float("nan"), skip_validation=True)
    result = solve(m, SolverConfig(time_limit=5, threads=1, solver=name), warm_start=True)
    assert result.optimal and result.objective == pytest.approx(0.5)
    assert any(w.startswith("warm start ignored") and note in w for w in result.warnings)


def test_scips_lp_error_is_a_result_with_termination_error():
    """probe131: SCIP's "error in LP solver!" on a small badly scaled MILP came out of solve() as a bare Exception."""
    skip_unless_runnable("scip")
    m = pyo.ConcreteModel()
    m.x0, m.x1 = pyo.Var(bounds=(-1.83, 2.27)), pyo.Var(bounds=(-0.07, 2.13))
    m.i0, m.i1 = pyo.Var(domain=pyo.Integers, bounds=(1, 3)), pyo.Var(domain=pyo.Integers, bounds=(-1, 2))
    m.u0, m.u1 = pyo.Var(), pyo.Var(bounds=(0, None))
    m.r1 = pyo.Constraint(
        expr=4.409590379719793 * m.x0
        - 0.8691066772770055 * m.x1
        - 0.2283810329724952 * m.i0
        + 198.32139297165585 * m.i1
        + 0.35 * m.u0
        + 0.97 * m.u1
        <= 0.34
    )
    m.r2 = pyo.Constraint(
        expr=9439.620225867917 * m.x0
        - 0.04628045168399873 * m.x1
        - 0.0043317760234320045 * m.i0
        + 35.319305045328754 * m.i1
        - 0.28 * m.u1
        == 0.907
    )
    m.r3 = pyo.Constraint(expr=0.0008986463827973873 * m.u0 - (m.x0 + 5) <= 0)
    m.r4 = pyo.Constraint(expr=m.x0 - 5 - 0.020211165881409608 * m.u1 <= 0)
    m.obj = pyo.Objective(
        expr=-0.0015805936349750738 * m.x0
        + 61.55615589540588 * m.x1
        + 6099.0169479848455 * m.i0
        + 0.006007269568124887 * m.i1
        + 0.55
        - 3496.7710450943905 * m.u0
        - 981042.973970435 * m.u1
    )
    with pytest.warns(RuntimeWarning, match=r"SCIP failed on the model \(SCIP: error in LP solver!\).*records error"):
        result = solve(m, SolverConfig(time_limit=10, solver="scip"))
    assert result.termination is Termination.ERROR and math.isnan(result.objective) and "error in LP solver" in result.reason


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("SCIP: error in LP solver!", "its LPs broke down numerically"),
        (
            "SCIP: maximal branching depth level exceeded!",
            "its search tree grew past SCIP's depth limit, often on huge integer ranges",
        ),
        ("SCIP: unspecified error!", "an internal error of SCIP"),
    ],
)
def test_scips_own_failures_are_numerical_failures(message, why):
    """Stop 60: SCIP's failures on a model other than its LP error came out of solve() as bare exceptions."""
    failure = ScipBackend().numerical_failure(Exception(message))
    assert failure.startswith(f"SCIP failed on the model ({message}): {why}") and "records error" in failure


def test_only_scips_own_failures_are_numerical_failures():
    scip = ScipBackend()
    assert scip.numerical_failure(Exception("SCIP: method cannot be called at this time in solution process!")) is None
    assert scip.numerical_failure(RuntimeError("SCIP: error in LP solver!")) is None
    assert HighsBackend().numerical_failure(Exception("SCIP: error in LP solver!")) is None


def test_a_gurobi_run_ends_with_its_callback_off_and_its_watch_closed_even_when_the_first_fails():
    from contextlib import ExitStack

    from surrogate.milp.solver_backends import _detach

    done = []

    class Gone:
        def set_callback(self, callback):
            done.append(callback)
            raise RuntimeError("the Gurobi model is gone")

    watch = ExitStack()
    watch.callback(done.append, "watch closed")
    with pytest.raises(RuntimeError, match="the Gurobi model is gone"):
        _detach(Gone(), watch)
    assert done == [None, "watch closed"]
