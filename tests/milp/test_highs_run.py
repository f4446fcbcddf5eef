"""HiGHS's warm start reaches HiGHS, and a start it did not take is said so; solver runs from threads, and HiGHS's
scheduler after the package's runs."""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
from concurrent.futures import Future

import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig
from surrogate.errors import SolverUnavailableError
from surrogate.milp import solver_backends
from surrogate.milp.bounds import compute_bounds
from surrogate.milp.highs_run import START_TAKEN, highs_start_note, solver_runs, watch_highs_start
from surrogate.milp.solver import make_solver, solve
from surrogate.milp.solver_config import Termination
from surrogate.nets.construct import hand_built

pytestmark = pytest.mark.solver

#: No heuristics and no presolve: HiGHS's own first incumbent comes late, if at all.
PLAIN = SolverConfig(threads=1, time_limit=10, options={"mip_heuristic_effort": 0.0, "presolve": "off"})


def _split_model():
    """Binary rows ``a x == p`` with mutable right-hand sides ``p``, the start one of their solutions."""
    rnd = random.Random(3)
    m = pyo.ConcreteModel()
    m.I, m.R = pyo.RangeSet(12), pyo.RangeSet(3)
    a = {(r, i): rnd.randrange(100) for r in m.R for i in m.I}
    chosen = [1, 4, 5, 9, 11]
    m.p = pyo.Param(m.R, initialize={r: sum(a[r, i] for i in chosen) for r in m.R}, mutable=True)
    m.x = pyo.Var(m.I, domain=pyo.Binary)
    m.c = pyo.Constraint(m.R, rule=lambda m, r: sum(a[r, i] * m.x[i] for i in m.I) == m.p[r])
    m.o = pyo.Objective(expr=sum(m.x[i] for i in m.I))
    for i in m.I:
        m.x[i].value = 1 if i in chosen else 0
    return m


def test_a_start_reaches_highs_when_rows_hold_mutable_params():
    """Pyomo's update before the run re-read every mutable Param, and HiGHS dropped the start on that change."""
    model = _split_model()
    solver = make_solver(PLAIN)
    result = solve(model, PLAIN, solver=solver, warm_start=True, node_limit=1)
    log = solver._last_results_object.solver_log
    assert START_TAKEN in log and result.first_solution_time == 0.0  # HiGHS 1.15 and 1.16 print it
    assert not any("warm start not taken" in w for w in result.warnings)


def test_a_start_highs_never_assessed_is_noted_and_not_timed_as_taken(monkeypatch):
    """Before, HiGHS's own first incumbent as good as the start gave first_solution_time 0 ("took the start")."""
    dropped = solver_backends.pass_highs_start

    def drop(solver, model):  # the old hand-over: Pyomo's update runs and HiGHS drops the start
        dropped(solver, model)
        return {}

    monkeypatch.setattr(solver_backends, "pass_highs_start", drop)
    result = solve(_split_model(), PLAIN, warm_start=True, node_limit=1)
    assert any("warm start not taken: HiGHS did not assess it" in w for w in result.warnings)
    assert result.first_solution_time != 0.0


def test_the_note_reads_highs_log():
    model = _split_model()
    given = list(model.component_data_objects(pyo.Var))
    feasible = "Assessing feasibility of MIP solution using primal feasibility and integrality tolerances of 1e-06: feasible"
    assert highs_start_note(feasible, given) is None
    assert "found it infeasible" in highs_start_note("WARNING: " + feasible[: -len(": feasible")], given)
    assert "did not assess it" in highs_start_note("Solving MIP model with:", given)
    completing = "Attempting to find feasible solution by solving LP for user-supplied values of discrete variables\n"
    assert highs_start_note(completing + "MIP start solution is feasible: objective value is 4", given) is None
    assert "could not complete it" in highs_start_note(completing + "Solving MIP model with:", given)
    by_mip = "Attempting to find feasible solution by solving MIP for user-supplied values of 15 / 30 discrete variables\n"
    assert "could not complete it" in highs_start_note(by_mip + "Solving MIP model with:", given)  # not "did not assess it"
    model.x.fix(0)  # no free integer: an LP, which assesses no start
    assert highs_start_note("Solving LP", given) is None


def test_an_lp_whose_model_declares_an_unused_integer_gets_no_start_note():
    """A binary only in a deactivated row is no column of HiGHS: an LP was solved, with no start to take."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.open = pyo.Var(bounds=(0, 5)), pyo.Var(bounds=(0, 3)), pyo.Var(domain=pyo.Binary)
    m.c = pyo.Constraint(expr=m.x + m.y <= 4.5)
    m.link = pyo.Constraint(expr=m.x <= 5 * m.open)
    m.link.deactivate()
    m.obj = pyo.Objective(expr=m.x + 2 * m.y, sense=pyo.maximize)
    m.x.value, m.y.value, m.open.value = 1.5, 3, 1
    result = solve(m, PLAIN, warm_start=True)
    assert result.objective == pytest.approx(7.5) and not any("warm start not taken" in w for w in result.warnings)


def test_a_block_solved_alone_hands_highs_the_parents_integer_it_reads():
    """probe52 #9: only the block's own variables were walked, so z (the parent's) got no value, and a start HiGHS
    could not take got no note."""
    m = pyo.ConcreteModel()
    m.z = pyo.Var(domain=pyo.Integers, bounds=(0, 10))
    m.b = pyo.Block()
    m.b.u = pyo.Var(bounds=(0, 10))
    m.b.c = pyo.Constraint(expr=m.b.u + 2.5 * m.z <= 7.3)
    m.b.c2 = pyo.Constraint(expr=m.b.u - m.z >= 0.2)
    m.b.o = pyo.Objective(expr=m.b.u + 3 * m.z, sense=pyo.maximize)
    m.z.set_value(5), m.b.u.set_value(9)  # violates both rows
    solver = make_solver(PLAIN)
    result = solve(m.b, PLAIN, solver=solver, warm_start=True)
    assert "fix only 0 / 1 discrete" not in solver._last_results_object.solver_log
    assert any("warm start not taken" in w for w in result.warnings) and result.objective == pytest.approx(8.3)


def test_a_run_that_raised_before_storing_results_is_not_read_as_refusing_the_start_from_an_earlier_runs_log():
    """The start check reads only the log of a run that stored results after it was set up: a run that raised first
    (here Pyomo refusing time_limit=-1) left the earlier run's results in the solver, and their log, of a start HiGHS
    could not complete, gave this run a "warm start not taken" note and a start_refused first incumbent."""
    m = pyo.ConcreteModel()
    m.z, m.u = pyo.Var(domain=pyo.Integers, bounds=(0, 10)), pyo.Var(bounds=(0, 10))
    m.c, m.c2 = pyo.Constraint(expr=m.u + 2.5 * m.z <= 7.3), pyo.Constraint(expr=m.u - m.z >= 0.2)
    m.o = pyo.Objective(expr=m.u + 3 * m.z, sense=pyo.maximize)
    m.z.set_value(5), m.u.set_value(9)  # breaks both rows: HiGHS cannot take it
    solver = make_solver(PLAIN)
    assert any("warm start not taken" in w for w in solve(m, PLAIN, solver=solver, warm_start=True).warnings)
    first = solver_backends.FirstSolution()
    notes, check = watch_highs_start(solver, m, first)
    with pytest.raises(ValueError, match="time_limit"):
        solver.solve(m, time_limit=-1, load_solutions=False)
    check()
    assert notes == [] and not first.start_refused


def _small_milp(shift: float = 0.0):
    """``min -x - y`` with ``x`` integer in [0, 3], ``y`` in [0, 2], ``x + 2y <= 3.5 + shift`` (optimum -3.25 at 0)."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 3), domain=pyo.Integers), pyo.Var(bounds=(0, 2))
    m.c = pyo.Constraint(expr=m.x + 2 * m.y <= 3.5 + shift)
    m.o = pyo.Objective(expr=-m.x - m.y)
    return m


def _solves(k: int) -> list[float]:
    return [solve(_small_milp(k + i / 4), PLAIN).objective for i in range(4)]


def test_solves_from_two_threads_run_one_after_another_and_match_sequential_ones():
    """probe84 #2: two solves from threads deadlocked in Pyomo's process-wide output capture (solve's own and Pyomo's)
    and never returned. Daemon threads and a timeout: a regression fails here instead of hanging the run."""
    expected = [_solves(0), _solves(1)]
    start, futures = threading.Barrier(2), [Future(), Future()]

    def work(k: int) -> None:
        start.wait(timeout=60)
        try:
            futures[k].set_result(_solves(k))
        except BaseException as error:  # noqa: BLE001 (handed to the test's thread)
            futures[k].set_exception(error)

    for k in range(2):
        threading.Thread(target=work, args=(k,), daemon=True).start()
    assert [future.result(timeout=120) for future in futures] == expected


def _user_highs_solve(threads: int):
    """A solve of the user's own through Pyomo's HiGHS interface (not the package's)."""
    from pyomo.contrib.solver.common.factory import SolverFactory

    return SolverFactory("highs").solve(
        _small_milp(), threads=threads, load_solutions=False, raise_exception_on_nonoptimal_result=False
    )


def _implied_bounds_run() -> None:
    """tighten_product_bounds' LPs (those replace_products runs) at 1 thread, a count the user did not choose."""
    from surrogate.milp.implied_bounds import tighten_product_bounds

    m = pyo.ConcreteModel()
    m.x, m.y, m.z = pyo.Var(), pyo.Var(bounds=(0, 2)), pyo.Var()
    m.c, m.c2 = pyo.Constraint(expr=m.x + m.z <= 2), pyo.Constraint(expr=m.x - m.z <= 0)  # x <= 1: an LP's, not FBBT's
    m.c3, m.o = pyo.Constraint(expr=m.x >= -1), pyo.Objective(expr=m.x * m.y)
    assert tighten_product_bounds(m, wide=1).lp_rounds > 0


def _polish_run() -> None:
    """polish with its default config (probe89 #2: its LPs at 1 thread, which the user did not choose)."""
    from surrogate.milp.polish import polish

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-2, 3))
    m.c, m.o = pyo.Constraint(expr=m.x * m.y >= -1), pyo.Objective(expr=-m.x - m.y)
    assert polish(m, {"x": 0.0, "y": 0.0}).lp_solves > 0


@pytest.mark.parametrize("run", ["implied_bounds", "obbt", "polish"])
def test_a_users_highs_solve_after_the_packages_runs_at_another_thread_count_solves(run):
    """probe84 #3: the package's runs at threads=1 that the user asked for no thread count (OBBT when a net's bounds
    are computed, the implied-bound LPs of replace_products) left HiGHS's process-wide scheduler started with 1
    thread, and the user's own HiGHS solve at threads=2 after it ended 'unknown' with no solution (in a fresh process:
    optimal, -3.25). (A solve at the user's own SolverConfig.threads=1 leaves it at 1, as a plain highspy run does:
    test_the_scheduler_is_kept_after_a_solve_at_the_users_count.)"""
    import highspy

    two = SolverConfig(threads=2, time_limit=10)
    assert solve(_small_milp(), two).objective == pytest.approx(-3.25)  # the scheduler at the user's 2
    if run == "implied_bounds":
        _implied_bounds_run()
    elif run == "polish":
        _polish_run()
    else:
        compute_bounds(hand_built("2x6", "shared"), "lp")
    try:
        result = _user_highs_solve(2)
        assert result.termination_condition.name == "convergenceCriteriaSatisfied"
        assert result.incumbent_objective == pytest.approx(-3.25)
    finally:
        highspy.Highs.resetGlobalScheduler(True)  # the user's run started it at 2: leave it as found


def test_the_scheduler_is_kept_after_a_solve_at_the_users_count_and_shut_down_after_an_internal_run(monkeypatch):
    """probe88 #5: the scheduler was shut down after every solve, so each small re-solve at 4 threads paid for a
    restart (200 took 2.4 s instead of 0.66 s). A solve at the user's SolverConfig.threads now leaves it started,
    as a plain highspy run does; an internal run at 1 thread (OBBT) still shuts it down at its end."""
    import highspy

    calls = []
    reset = highspy.Highs.resetGlobalScheduler
    monkeypatch.setattr(highspy.Highs, "resetGlobalScheduler", lambda blocking: calls.append(blocking) or reset(blocking))
    config = SolverConfig(threads=2, time_limit=10)
    solver = make_solver(config)
    solve(_small_milp(), config, solver=solver)  # may restart it once (another count before)
    calls.clear()
    for _ in range(3):
        assert solve(_small_milp(), config, solver=solver).objective == pytest.approx(-3.25)
    assert calls == []  # no restart between solves at the user's count
    assert _user_highs_solve(2).incumbent_objective == pytest.approx(-3.25)  # the scheduler is at the user's 2
    compute_bounds(hand_built("2x6", "shared"), "lp")
    assert calls[-1] is True  # shut down after the internal run at 1 thread
    assert _user_highs_solve(2).incumbent_objective == pytest.approx(-3.25)
    reset(True)  # the user's run started it at 2: leave it as found


def test_a_warm_start_without_the_contrib_solver_highs_model_says_to_upgrade_or_go_without():
    """A HiGHS interface that keeps no highspy model (pyomo < 6.9, highspy < 1.7) cannot take a start."""
    from surrogate.errors import SolverUnavailableError

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2), domain=pyo.Integers, initialize=1)
    m.o = pyo.Objective(expr=m.x)
    solver = make_solver(SolverConfig())
    solver.set_instance = lambda model: None  # leaves no _solver_model behind, as an older interface would
    message = r"warm_start=True needs Pyomo's contrib\.solver HiGHS interface \(pyomo>=6\.9 with highspy>=1\.7\); upgrade them or solve with warm_start=False"
    with pytest.raises(SolverUnavailableError, match=message):
        solve(m, SolverConfig(), solver=solver, warm_start=True)


def test_set_highs_options_raises_on_the_first_option_highs_refuses_and_sets_those_it_keeps():
    from surrogate.errors import ConfigError
    from surrogate.milp.highs_run import quiet_highs, set_highs_options

    highs = quiet_highs()
    set_highs_options(highs, {"mip_max_nodes": 7, "presolve": "off"})
    assert [highs.getOptionValue(name)[1] for name in ("mip_max_nodes", "presolve")] == [7, "off"]
    with pytest.raises(ConfigError, match=r"HiGHS refuses the option mip_max_nodes=2147483648 \(nothing was solved\)"):
        set_highs_options(highs, {"mip_max_nodes": 2**31})
    with pytest.raises(ConfigError, match=r"HiGHS refuses the option no_such_option=1"):
        set_highs_options(highs, {"no_such_option": 1})
    set_highs_options(None, {"no_such_option": 1})  # no Highs object yet: nothing to set


def test_a_start_value_beyond_its_bound_is_handed_to_highs_clipped_into_it():
    """y = 1.25 on [0, 1] (a value a computation drifted past its bound) reaches HiGHS as 1: HiGHS takes the start
    and warns of nothing; handed as it is, HiGHS warned that the start was infeasible for y's bounds."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var([1, 2, 3], domain=pyo.Binary)
    m.y = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.y <= m.x[1])
    m.d = pyo.Constraint(expr=m.x[1] + m.x[2] + m.x[3] <= 2)
    m.o = pyo.Objective(expr=m.y + m.x[1] + 2 * m.x[2] + 3 * m.x[3], sense=pyo.maximize)
    m.x[1].value, m.x[2].value, m.x[3].value = 1, 0, 1
    m.y.set_value(1.25, skip_validation=True)
    solver = make_solver(PLAIN)
    result = solve(m, PLAIN, solver=solver, warm_start=True, node_limit=1)
    assert START_TAKEN in solver._last_results_object.solver_log and result.objective == 5.0
    assert not any("infeasib" in w for w in result.warnings), result.warnings


def _gappy(value):
    """An integer variable holding ``value`` (NaN, inf or text: Pyomo only warns when it is set) and a continuous one."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3), within=pyo.Integers)
    m.c, m.o = pyo.Constraint(expr=m.x + m.y >= 0.5), pyo.Objective(expr=m.x + m.y)
    m.y.set_value(value, skip_validation=True)
    m.x.set_value(float("nan"), skip_validation=True)
    return m


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "3", "a"])
def test_a_start_value_that_is_no_number_is_skipped(value):
    """warm_start=True crashed on round(nan), round(inf) or round('3') (probe119 #3); the same model solved without it."""
    result = solve(_gappy(value), SolverConfig(time_limit=5, threads=1), warm_start=True)
    assert result.optimal and result.objective == pytest.approx(0.5)


def _fork(target) -> int:
    """Run ``target`` in a process forked from this one; its exit code (a safety net kills it after 120 s)."""
    child = multiprocessing.get_context("fork").Process(target=target)
    child.start()
    child.join(120)  # not a threshold: the child solves a tiny model; on the old code it never returned
    if child.is_alive():
        child.kill()
        child.join()
    return child.exitcode


def _child_solves() -> None:
    result = solve(_small_milp(), SolverConfig(threads=1))
    assert result.termination == Termination.OPTIMAL


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_process_forked_while_a_thread_holds_the_solver_lock_solves():
    """probe140 #1: the child inherited SOLVER_LOCK held by a thread it does not have, and every solve there waited forever."""
    solve(_small_milp(), SolverConfig(threads=1))  # HiGHS's scheduler at 1 thread: none of its workers to lose
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with solver_runs():
            held.set()
            done.wait(120)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        held.wait(120)
        assert _fork(_child_solves) == 0
    finally:
        done.set()
        holder.join(120)


def _child_refused() -> None:
    with pytest.raises(SolverUnavailableError, match=r"forked from one whose HiGHS scheduler ran 2 threads.*'spawn'"):
        solve(_small_milp(), SolverConfig(threads=1))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_process_forked_after_a_highs_run_on_worker_threads_is_told_to_spawn():
    """probe140 #1: HiGHS's scheduler's worker threads are not in a forked child: its runs hung, or failed with 'Invalid argument'."""
    solve(_small_milp(), SolverConfig(threads=2))
    assert _fork(_child_refused) == 0
