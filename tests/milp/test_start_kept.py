"""The solve after a warm-start search keeps the search's point where the solver drops it (start_kept.py)."""

import math

import pyomo.environ as pyo
import pytest

import problems
from surrogate import SolverConfig
from surrogate.milp.bilinear import replace_products
from surrogate.milp.model_size import ModelSize
from surrogate.milp.solve_result import SolveResult
from surrogate.milp.solver_config import Termination
from surrogate.milp.warmstart import StartConfig, solve_with_start
from tests.helpers import skip_unless_runnable

pytestmark = pytest.mark.solver


@pytest.mark.parametrize("solver", ["scip", "gurobi"])
def test_a_time_out_reports_the_searchs_point_as_its_incumbent(solver):
    """probe128 #4: when the search spent the budget the solver got 0.01 s, and SCIP (once Gurobi) stopped before it
    took the point handed in: 'maxTimeLimit', no incumbent, although the search had found and loaded a point."""
    skip_unless_runnable(solver)
    model = problems.build("random8-s0").model
    report = replace_products(model, "b24-best-3x8")
    result, found = solve_with_start(
        model, report, SolverConfig(time_limit=0.3, solver=solver), start=StartConfig(time_limit=0.3)
    )
    if not found.found:
        pytest.skip("the search found no point in 0.3 s on this machine")
    assert result.has_solution and result.objective <= found.objective + 1e-6 * max(1.0, abs(found.objective))
    assert result.first_solution_time == 0.0 and result.wall_time >= found.seconds


def _model(x: float):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1), initialize=x)
    m.c = pyo.Constraint(expr=m.x >= 0.5)
    m.o = pyo.Objective(expr=2 * m.x)
    return m


@pytest.mark.parametrize(
    ("x", "termination", "kept"),
    [
        (0.7, Termination.TIME_LIMIT, True),
        (0.7, Termination.INTERRUPTED, True),
        (0.7, Termination.ITERATION_LIMIT, True),  # a node or solution limit
        (0.2, Termination.TIME_LIMIT, False),  # the point breaks a row: no incumbent
        (0.7, Termination.INFEASIBLE, False),
        (0.7, Termination.LICENSING_PROBLEMS, False),
    ],
)
def test_only_a_point_that_satisfies_the_model_is_kept_and_only_at_a_limit(x, termination, kept):
    from surrogate.milp.start_kept import kept_start

    dropped = SolveResult(termination, math.nan, -1.0, math.nan, 0.01, 0, ModelSize(1, 0, 1), ("a line",))
    result = kept_start(_model(x), dropped, solver="scip")
    if not kept:
        assert result == dropped
        return
    assert (result.termination, result.objective, result.bound, result.first_solution_time) == (termination, 1.4, -1.0, 0.0)
    assert result.gap == pytest.approx(2.4 / 1.4) and result.warnings[0] == "a line"
    assert "SCIP stopped" in result.warnings[1] and "keeps the warm start's point (objective 1.4; it meets" in result.warnings[1]
    advice = {Termination.TIME_LIMIT: "a longer time limit", Termination.ITERATION_LIMIT: "a larger node limit"}
    assert f"give {advice.get(termination, 'more time')} for the solver" in result.warnings[1]


def test_a_result_with_an_incumbent_of_its_own_keeps_it():
    from surrogate.milp.start_kept import kept_start

    own = SolveResult(Termination.TIME_LIMIT, 1.2, 1.0, 0.2, 0.01, 3, ModelSize(1, 0, 1), (), first_solution_time=0.005)
    assert kept_start(_model(0.7), own, solver="scip") == own


@pytest.mark.parametrize("found", [True, False])
def test_the_solve_after_the_search_gets_what_is_left_and_keeps_only_a_found_point(monkeypatch, found):
    """The solver gets the budget less the search's 3 s, and the result's wall time counts them; the point in the
    variables is kept only where the search found it (else it is none of the search's)."""
    from surrogate.milp import start_kept
    from surrogate.milp.warmstart_config import StartResult

    handed = []

    def stopped(model, config, *, warm_start):
        handed.append((config.time_limit, config.solver, warm_start))
        return SolveResult(Termination.TIME_LIMIT, math.nan, -1.0, math.nan, 0.5, 0, ModelSize(1, 0, 1))

    monkeypatch.setattr(start_kept, "solve", stopped)
    search = StartResult(found, 1.4 if found else math.nan, 0.0, 2, 3.0)
    result = start_kept.solve_after_start(_model(0.7), SolverConfig(time_limit=10, solver="scip"), search)
    assert handed == [(7.0, "scip", found)] and result.wall_time == 3.5
    assert result.has_solution is found and (not found or "SCIP stopped" in result.warnings[-1])


@pytest.mark.parametrize("solver", ["scip", "gurobi"])
def test_a_warm_started_solve_stopped_before_it_took_the_start_keeps_it(solver):
    """probe128 #4, for solve() itself: the search's point handed in with warm_start=True, and 0.01 s, which stops
    SCIP before it takes the point, gave 'maxTimeLimit' with no incumbent."""
    from surrogate.milp.solver import solve
    from surrogate.milp.warmstart import activation_start

    skip_unless_runnable(solver)
    model = problems.build("random8-s0").model
    report = replace_products(model, "b24-best-3x8")
    found = activation_start(model, report, config=StartConfig(time_limit=5))
    if not found.found:
        pytest.skip("the search found no point in 5 s on this machine")
    result = solve(model, SolverConfig(time_limit=0.01, solver=solver), warm_start=True)
    assert result.has_solution and result.objective <= found.objective + 1e-6 * max(1.0, abs(found.objective))


def _stopped(bound: float = -1.0) -> SolveResult:
    return SolveResult(Termination.TIME_LIMIT, math.nan, bound, math.nan, 0.01, 0, ModelSize(1, 0, 1))


def test_a_start_off_a_row_by_more_than_the_solvers_tolerance_is_not_kept():
    """probe135: a start 9e-5 off a row passed untrusted's 1e-4 and was kept; the solvers hold rows to 1e-6."""
    from surrogate.milp.start_point import kept_start

    assert kept_start(_model(0.5 - 9e-5), _stopped(), solver="scip") == _stopped()
    assert kept_start(_model(0.5 - 5e-7), _stopped(), solver="scip").has_solution  # within 1e-6


def test_a_start_beyond_the_solvers_bound_is_not_kept():
    """probe135: a kept start reported -910 under HiGHS's proven bound of -18.8 (minimisation): no point is there."""
    from surrogate.milp.start_point import kept_start

    assert kept_start(_model(0.7), _stopped(bound=2.0), solver="highs") == _stopped(bound=2.0)  # 1.4 < bound 2
    assert kept_start(_model(0.7), _stopped(bound=1.4), solver="highs").objective == pytest.approx(1.4)


def test_an_integer_of_a_parent_block_that_a_row_reads_is_checked():
    """probe135: solving a sub-block, an integer of its parent at 0.5 that the block's row reads was kept."""
    from surrogate.milp.start_point import kept_start

    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3), initialize=0.5)
    m.b = pyo.Block()
    m.b.x = pyo.Var(bounds=(0, 10), initialize=1.0)
    m.b.c = pyo.Constraint(expr=m.b.x >= 2 * m.n)
    m.b.o = pyo.Objective(expr=m.b.x)
    assert kept_start(m.b, _stopped(), solver="scip") == _stopped()
    m.n.set_value(0)
    assert kept_start(m.b, _stopped(), solver="scip").objective == 1.0


def test_a_row_is_held_to_the_solvers_absolute_tolerance_and_a_value_must_be_finite():
    """probe136: ``x + 1e7 (1 - b) <= 1e7`` broken by 10 passed a check relative to its side (1e-6 of 1e7), and an
    integer at +inf passed the integrality and bound checks: both kept as incumbents."""
    from surrogate.milp.start_point import kept_start

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 100), initialize=10.0)
    m.b = pyo.Var(domain=pyo.Binary, initialize=0)  # 10 + 1e7 <= 1e7: broken by 10
    m.c = pyo.Constraint(expr=m.x + 1e7 * (1 - m.b) <= 1e7)
    m.o = pyo.Objective(expr=-m.x)
    assert kept_start(m, _stopped(bound=-math.inf), solver="scip") == _stopped(bound=-math.inf)
    m.x.set_value(1e-7)  # broken by 1e-7: within 1e-6, absolutely
    assert kept_start(m, _stopped(bound=-math.inf), solver="scip").has_solution
    n = pyo.ConcreteModel()
    n.k = pyo.Var(domain=pyo.Integers, bounds=(0, None))
    n.k.set_value(math.inf, skip_validation=True)  # (Pyomo's domain check fails on it)
    n.o = pyo.Objective(expr=-n.k, sense=pyo.maximize)
    stopped = SolveResult(Termination.TIME_LIMIT, math.nan, math.inf, math.nan, 0.01, 0, ModelSize(1, 1, 0))
    assert kept_start(n, stopped, solver="scip") == stopped
