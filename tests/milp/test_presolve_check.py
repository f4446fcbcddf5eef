"""An infeasible answer is confirmed without presolve, and stands unless the second solve holds a true point."""

import math

import pyomo.environ as pyo

from surrogate.milp.model_size import ModelSize
from surrogate.milp.presolve_check import CONFIRM_TOL, confirm_infeasible, presolve_says_infeasible
from surrogate.milp.solver import SolverConfig, SolveResult, Termination

INFEASIBLE = SolveResult(Termination.INFEASIBLE, math.nan, math.nan, math.nan, 1.0, 0, ModelSize(3, 3, 1))


def _equality():
    """3a + 3b + 3c = 7000001 over integers in [0, 1e7]: no integer point (the left side is a multiple of 3)."""
    m = pyo.ConcreteModel()
    m.v = pyo.Var(range(3), domain=pyo.Integers, bounds=(0, 1e7))
    m.c = pyo.Constraint(expr=3 * m.v[0] + 3 * m.v[1] + 3 * m.v[2] == 7_000_001)
    m.o = pyo.Objective(expr=m.v[0])
    return m


def _resolved(m, values, termination=Termination.OPTIMAL):
    def resolve(config):
        assert ("presolve", "off") in config.options  # HiGHS's presolve turned off for the second solve
        for var, value in zip(m.v.values(), values):
            var.set_value(value)
        return SolveResult(termination, 1.0, 1.0, 0.0, 2.0, 0, ModelSize(3, 3, 1))

    return resolve


def test_a_point_that_misses_a_row_beyond_the_tolerance_leaves_the_infeasibility_standing():
    """A solver without presolve can return a point within its own tolerance of a truly infeasible row."""
    m = _equality()
    result = confirm_infeasible(m, SolverConfig(), INFEASIBLE, _resolved(m, (2_333_333, 0, 0)))  # 6999999: 2 short
    assert result.termination == Termination.INFEASIBLE and result.wall_time == 3.0
    assert "which gave convergenceCriteriaSatisfied with a point that misses a row" in result.warnings[-1]
    assert "the infeasibility stands" in result.warnings[-1]
    assert [v.value for v in m.v.values()] == [None, None, None]  # nothing loaded where the infeasibility stands


def test_a_true_point_overturns_the_infeasibility_and_a_time_out_does_not():
    m = _equality()
    m.c.set_value(3 * m.v[0] + 3 * m.v[1] + 3 * m.v[2] == 7_000_002)  # now 3 * 2333334 meets it
    result = confirm_infeasible(m, SolverConfig(), INFEASIBLE, _resolved(m, (2_333_334, 0, 0)))
    assert result.termination == Termination.OPTIMAL and f"meets every row within {CONFIRM_TOL:g}" in result.warnings[-1]
    stopped = SolveResult(Termination.TIME_LIMIT, math.nan, math.nan, math.nan, 3.0, 0, ModelSize(3, 3, 1))
    timed_out = confirm_infeasible(_equality(), SolverConfig(), INFEASIBLE, lambda config: stopped)
    assert (
        timed_out.termination == Termination.INFEASIBLE
        and "gave maxTimeLimit; the infeasibility stands" in timed_out.warnings[-1]
    )


def test_a_presolve_option_of_the_user_is_respected_in_any_case():
    """Gurobi's parameter names ignore case: 'presolve' set by the user means no second solve."""
    assert presolve_says_infeasible(INFEASIBLE, SolverConfig())
    assert not presolve_says_infeasible(INFEASIBLE, SolverConfig(options=(("presolve", "on"),)))
    gurobi = SolverConfig.__new__(SolverConfig)  # no Gurobi needed: only the option names are read
    object.__setattr__(gurobi, "solver", "gurobi")
    object.__setattr__(gurobi, "options", (("presolve", 2),))
    assert not presolve_says_infeasible(INFEASIBLE, gurobi)


def test_the_second_solve_gets_what_is_left_of_the_time_limit():
    seen = []

    def resolve(config):
        seen.append(config.time_limit)
        return SolveResult(Termination.INFEASIBLE, math.nan, math.nan, math.nan, 2.0, 0, ModelSize(3, 3, 1))

    result = confirm_infeasible(_equality(), SolverConfig(time_limit=10.0), INFEASIBLE, resolve)  # the first took 1 s
    assert seen == [9.0] and result.wall_time == 3.0
    spent = SolveResult(Termination.INFEASIBLE, math.nan, math.nan, math.nan, 10.0, 0, ModelSize(3, 3, 1))
    stands = confirm_infeasible(_equality(), SolverConfig(time_limit=10.0), spent, resolve)
    assert seen == [9.0] and stands.termination == Termination.INFEASIBLE
    assert stands.warnings[-1].endswith("no time was left to solve again without it")


def test_infeasible_or_unbounded_takes_the_answer_of_a_second_solve_that_tells_them_apart():
    unsure = SolveResult(Termination.INFEASIBLE_OR_UNBOUNDED, math.nan, math.nan, math.nan, 1.0, 0, ModelSize(3, 3, 1))
    for told in (Termination.INFEASIBLE, Termination.UNBOUNDED):
        answer = SolveResult(told, math.nan, math.nan, math.nan, 2.0, 0, ModelSize(3, 3, 1))
        result = confirm_infeasible(_equality(), SolverConfig(), unsure, lambda config, a=answer: a)
        assert result.termination == told and result.warnings[-1].endswith("(this result: it tells the two apart)")
