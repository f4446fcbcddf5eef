"""solve's own steps (solver.py): the objective of a warm start read before the run."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig, solve

from .test_solution_check import binaries_model

pytestmark = pytest.mark.solver


@pytest.mark.parametrize("value", [np.bool_(True), Decimal(1)], ids=["numpy.bool_", "Decimal"])
def test_a_warm_start_of_binaries_holding_numpy_bool_or_decimal_solves_as_without_it(value):
    """probe120 #5: round(numpy.bool_) and Decimal - float raised a bare TypeError in _objective_now."""
    from surrogate.milp.solver import _objective_now

    m = binaries_model(value, value)
    m.y.set_value(5)
    assert _objective_now(m) == (5.0, False)
    result = solve(m, SolverConfig(time_limit=5, threads=1), warm_start=True)
    assert result.termination.name == "OPTIMAL" and result.objective == pytest.approx(5.0)


def _result(termination="OPTIMAL", objective=10.0, wall_time=2.0):
    from surrogate.milp.model_size import ModelSize
    from surrogate.milp.solver import SolveResult, Termination

    term = Termination[termination]
    return SolveResult(term, objective, objective, 0.0, wall_time, 0, ModelSize(1, 1, 1))


def _first(seconds, objective, *, refused=False):
    from surrogate.milp.solver import FirstSolution

    first = FirstSolution()
    if seconds is not None:
        first.see(seconds, objective)
    first.start_refused = refused
    return first


@pytest.mark.parametrize(
    ("first", "start", "expected"),
    [
        ((0.3, 10.0), (10.0, True), 0.0),  # the start, taken: the solver's first incumbent is as good
        ((0.3, 11.0), (10.0, True), 0.3),  # minimising: a worse first incumbent is the solver's own
        ((0.3, 9.0), (10.0, True), 0.0),  # minimising: a better one, at least as good as the start
        ((0.3, 9.0), (10.0, False), 0.3),  # maximising: a worse one
        ((0.3, 11.0), (10.0, False), 0.0),
        ((0.3, 10.05), (10.0, True), 0.3),  # 5e-3 worse: beyond the 1e-6 relative tolerance
        ((0.3, 10.0 + 5e-6), (10.0, True), 0.0),  # within it
        ((0.3, 10.0), (math.nan, True), 0.3),  # no start handed in
        ((5.0, 12.0), (10.0, True), 2.0),  # a first incumbent's time past the run's: the run's
    ],
)
def test_first_solution_time_is_zero_only_where_the_first_incumbent_is_as_good_as_the_start(first, start, expected):
    """Kills S07 (sense swapped), S08 (max for min), S11 (tolerance 1e-2): _first_solution_time by hand."""
    from surrogate.milp.solver import _first_solution_time

    seconds = _first_solution_time(_first(*first), _result(), discrete=True, start=start)
    assert seconds == pytest.approx(expected)


def test_first_solution_time_of_a_refused_start_an_lp_and_no_solution():
    """Kills S09 (a start HiGHS refused counted as taken), S10 (an LP's time 0) and S12 (a time without a solution)."""
    from surrogate.milp.solver import _first_solution_time

    refused = _first_solution_time(_first(0.3, 10.0, refused=True), _result(), discrete=True, start=(10.0, True))
    assert refused == pytest.approx(0.3)
    assert _first_solution_time(_first(None, None), _result(), discrete=False, start=(10.0, True)) == 2.0
    none = _result("INFEASIBLE", math.nan)
    assert math.isnan(_first_solution_time(_first(None, None), none, discrete=False, start=(math.nan, True)))
    assert math.isnan(_first_solution_time(_first(0.3, 10.0), none, discrete=True, start=(10.0, True)))


def _set(var, value):
    import warnings

    with warnings.catch_warnings():  # Pyomo's W1001 note on a value outside the domain
        warnings.simplefilter("ignore")
        var.set_value(value)


@pytest.mark.parametrize(
    "change",
    ["b0 fractional", "b0 nan", "y over its row", "b0 text"],
)
def test_objective_now_is_nan_at_a_point_no_solver_could_take(change):
    """Kills S04 (a NaN value read as a point), S05 (a fractional binary's tolerance 1e6) and S06 (a broken row)."""
    from surrogate.milp.solver import _objective_now

    m = binaries_model(1, 1)
    m.y.set_value(3)  # y <= 3 b0 + 2 b1 holds at b0 = 0.5 too
    assert _objective_now(m) == (3.0, False)
    target, value = {
        "b0 fractional": (m.b[0], 0.5),
        "b0 nan": (m.b[0], float("nan")),
        "y over its row": (m.y, 6),
        "b0 text": (m.b[0], "1"),
    }[change]
    _set(target, value)
    objective, minimise = _objective_now(m)
    assert math.isnan(objective) and minimise is False


@pytest.mark.parametrize("integers", ["none", "fixed binary", "free binary"])
def test_a_reused_highs_gets_the_time_limit_from_its_clock_for_an_lp_only(integers, monkeypatch):
    """A reused HiGHS counts an LP's time limit from its clock's start (a MIP's from the run's): solve adds the
    seconds it already ran, and takes them off the time HiGHS reports. Kills S01 (no offset), S02 (a fixed binary
    counted as a MIP's) and S18 (the clock's time as the run's)."""
    from surrogate.milp.solver import make_solver

    m = pyo.ConcreteModel()
    m.x, m.b = pyo.Var(range(2), bounds=(0, 4)), pyo.Var(domain=pyo.Binary)
    m.c = pyo.Constraint(expr=m.x[0] + m.x[1] <= 3 + m.b)
    m.o = pyo.Objective(expr=m.x[0] + 2 * m.x[1], sense=pyo.maximize)
    if integers == "none":
        m.b.domain = pyo.Reals
        m.b.setlb(0), m.b.setub(1)
    if integers == "fixed binary":
        m.b.fix(1)
    config = SolverConfig(time_limit=5, threads=1)
    solver = make_solver(config)
    assert solve(m, config, solver=solver).objective == pytest.approx(8.0)
    limits, run = [], solver.solve
    monkeypatch.setattr(solver, "solve", lambda model, **options: limits.append(options["time_limit"]) or run(model, **options))
    already = solver._solver_model.getRunTime()
    again = solve(m, config, solver=solver)
    assert again.objective == pytest.approx(8.0)
    assert 0 <= again.wall_time <= solver._solver_model.getRunTime() - already  # S18: this run's seconds only
    assert already > 0 and limits == [5.0 if integers == "free binary" else 5.0 + already]


def test_a_run_the_solver_reports_interrupted_raises_keyboard_interrupt(monkeypatch):
    """A solver that caught Ctrl-C itself and returned (termination ``interrupted``) stops solve: no result of a
    half-run search. Kills S32 (only the signals solve noted itself stop it)."""
    from pyomo.contrib.solver.common.results import TerminationCondition

    from surrogate.milp.solver import make_solver

    m = binaries_model(1, 1)
    config = SolverConfig(time_limit=5, threads=1)
    solver = make_solver(config)
    run = solver.solve

    def interrupted(model, **options):
        results = run(model, **options)
        results.termination_condition = TerminationCondition.interrupted
        return results

    monkeypatch.setattr(solver, "solve", interrupted)
    with pytest.raises(KeyboardInterrupt, match=r"highs was interrupted \(Ctrl-C\)"):
        solve(m, config, solver=solver)


def test_a_domain_pyomos_writer_refuses_is_a_model_format_error_saying_what_to_do(monkeypatch):
    """A domain the checks before the run missed, refused by Pyomo's writer with a ValueError, comes out as a
    ModelFormatError with the fix (DOMAIN_FIX), not a bare ValueError. Kills S35 (that translation removed)."""
    from surrogate.errors import ModelFormatError
    from surrogate.milp.solver import DOMAIN_FIX, make_solver

    config = SolverConfig(time_limit=5, threads=1)
    solver = make_solver(config)

    def refused(model, **options):
        raise ValueError("Unrecognized domain step: 0.5 (should be either 0 or 1)")

    monkeypatch.setattr(solver, "solve", refused)
    with pytest.raises(ModelFormatError, match="Unrecognized domain step") as raised:
        solve(binaries_model(1, 1), config, solver=solver)
    assert DOMAIN_FIX in str(raised.value)


def test_a_nonlinear_row_highs_refuses_while_loading_is_a_nonlinear_model_error():
    """HiGHS's objective is checked before the run, its rows by Pyomo's loader (IncompatibleModelError): solve names
    the product and what to do. Kills S33 (the loader's bare IncompatibleModelError let through)."""
    from surrogate.errors import NonlinearModelError

    m = binaries_model(1, 1)
    m.x = pyo.Var(bounds=(0, 2))
    m.p = pyo.Constraint(expr=m.x * m.y <= 4)
    with pytest.raises(NonlinearModelError, match=r"terms of degree above 1 in 'p'.*replace its products first"):
        solve(m, SolverConfig(time_limit=5, threads=1))


def test_the_incumbent_of_a_solve_stopped_short_of_optimal_is_loaded_and_checked():
    """HiGHS stopped by ``objective_target`` at its first incumbent (termination objectiveLimit) reports it: solve
    loads it (the model's objective there is the result's). Kills S40 (only an optimal incumbent loaded)."""
    from surrogate.milp.model_components import active_objective

    values, weights = [(7 * i) % 23 + 5 for i in range(30)], [(11 * i) % 19 + 3 for i in range(30)]
    m = pyo.ConcreteModel()  # a knapsack: max values . x, weights . x <= 97
    m.x = pyo.Var(range(30), domain=pyo.Binary)
    m.c = pyo.Constraint(expr=sum(w * m.x[i] for i, w in enumerate(weights)) <= 97)
    m.o = pyo.Objective(expr=sum(v * m.x[i] for i, v in enumerate(values)), sense=pyo.maximize)
    result = solve(m, SolverConfig(time_limit=10, threads=1, options={"objective_target": 1.0}))
    assert result.termination.name == "OBJECTIVE_LIMIT" and result.objective >= 1.0
    assert pyo.value(active_objective(m)) == pytest.approx(result.objective)
