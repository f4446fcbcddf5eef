"""An infeasible answer is confirmed without presolve, and stands unless the second solve holds a true point;
"infeasible or unbounded" is told apart by a feasibility solve."""

import dataclasses
import math
import re
import warnings

import pyomo.environ as pyo
import pytest

from surrogate import bilinear
from surrogate.milp.model_size import ModelSize
from surrogate.milp.presolve_check import (
    CONFIRM_TOL,
    confirm_infeasible,
    needs_confirming,
    presolve_choice,
    presolve_says_infeasible,
    user_integers,
)
from surrogate.milp.solver import SolverConfig, SolveResult, Termination, solve
from surrogate.milp.solver_config import SOLVERS
from tests.helpers import skip_unless_runnable

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


def test_infeasible_or_unbounded_takes_a_second_solves_infeasible():
    unsure = SolveResult(Termination.INFEASIBLE_OR_UNBOUNDED, math.nan, math.nan, math.nan, 1.0, 0, ModelSize(3, 3, 1))
    answer = SolveResult(Termination.INFEASIBLE, math.nan, math.inf, math.nan, 2.0, 0, ModelSize(3, 3, 1))
    result = confirm_infeasible(_equality(), SolverConfig(), unsure, lambda config: answer)
    assert result.termination == Termination.INFEASIBLE and result.warnings[-1].endswith("(this result: it tells the two apart)")


def _feasibility_checked(m, second, feasibility):
    """A resolve that answers ``second`` with the model's own objective, and ``feasibility`` with the objective 0."""
    seen = []

    def resolve(config):
        objective = next(m.component_data_objects(pyo.Objective, active=True))
        seen.append((objective.expr, config.options))
        return feasibility(m) if objective.expr is not m.o.expr else second

    return resolve, seen


@pytest.mark.parametrize("second", [Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED])
def test_a_proven_infeasibility_stands_without_a_feasibility_solve_where_the_second_solve_has_no_point(second):
    """SCIP without presolve calls an integer-infeasible model 'unbounded' and HiGHS 'infeasible or unbounded'; a
    feasibility solve could not overturn the proof without a point, and on free integers it ran to the time limit."""
    again = SolveResult(second, math.nan, -math.inf, math.nan, 2.0, 0, ModelSize(3, 3, 1))
    m = _equality()
    resolve, seen = _feasibility_checked(m, again, lambda m: pytest.fail("no feasibility solve is needed"))
    result = confirm_infeasible(m, SolverConfig(), INFEASIBLE, resolve)
    assert result.termination == Termination.INFEASIBLE and result.wall_time == 3.0 and len(seen) == 1
    assert result.warnings[-1].endswith(f"which gave {second.value}; the infeasibility stands")


@pytest.mark.parametrize("second", [Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED])
def test_a_second_unbounded_or_unsure_answer_is_told_apart_by_a_feasibility_solve(second):
    """Gurobi without presolve calls an infeasible LP 'unbounded' (its UNBOUNDED proves no point): only a feasibility
    solve (objective 0, with presolve first) may say unbounded (a true point) or infeasible (its proof, which stands
    unless the same solve without presolve holds a true point); else neither is claimed."""
    unsure = SolveResult(Termination.INFEASIBLE_OR_UNBOUNDED, math.nan, -math.inf, math.nan, 1.0, 0, ModelSize(3, 3, 1))
    again = SolveResult(second, math.nan, -math.inf, math.nan, 2.0, 0, ModelSize(3, 3, 1))
    none = SolveResult(Termination.INFEASIBLE, math.nan, math.inf, math.nan, 3.0, 0, ModelSize(3, 3, 1))
    stopped = SolveResult(Termination.TIME_LIMIT, math.nan, math.nan, math.nan, 3.0, 0, ModelSize(3, 3, 1))
    m = _equality()
    answers = iter([none, stopped])  # presolve proves it at once; without presolve the search stops at its time limit
    resolve, seen = _feasibility_checked(m, again, lambda m: next(answers))
    result = confirm_infeasible(m, SolverConfig(), unsure, resolve)
    assert result.termination == Termination.INFEASIBLE and result.bound == math.inf and result.wall_time == 9.0
    assert result.warnings[-1].endswith(
        "gave provenInfeasible, and without presolve maxTimeLimit (this result: the model has no point)"
    )
    assert [options for _, options in seen] == [(("presolve", "off"),), (), (("presolve", "off"),)]
    assert seen[1][0] == 0 and seen[2][0] == 0  # objective dropped
    assert m.o.active and m.component("surrogate_feasibility") is None  # the model as it was

    def point(m):
        m.c.set_value(3 * m.v[0] + 3 * m.v[1] + 3 * m.v[2] == 6)
        for var, value in zip(m.v.values(), (2, 0, 0)):
            var.set_value(value)
        return SolveResult(Termination.OPTIMAL, 0.0, 0.0, 0.0, 3.0, 0, ModelSize(3, 3, 1))

    m = _equality()
    result = confirm_infeasible(m, SolverConfig(), unsure, _feasibility_checked(m, again, point)[0])
    assert result.termination == Termination.UNBOUNDED and result.bound == -math.inf and math.isnan(result.objective)
    assert result.warnings[-1].endswith("(this result: unbounded)") and m.v[0].value is None  # nothing loaded
    m = _equality()
    answers = iter([none, None])  # a presolve's false infeasibility: the point without presolve overturns it
    result = confirm_infeasible(m, SolverConfig(), unsure, _feasibility_checked(m, again, lambda m: next(answers) or point(m))[0])
    assert result.termination == Termination.UNBOUNDED and result.warnings[-1].endswith("(this result: unbounded)")
    m = _equality()
    result = confirm_infeasible(m, SolverConfig(), unsure, _feasibility_checked(m, again, lambda m: stopped)[0])
    assert result.termination == Termination.INFEASIBLE_OR_UNBOUNDED and "the infeasibility stands" not in result.warnings[-1]
    assert result.warnings[-1].endswith("neither infeasibility nor unboundedness is proven")


def _no_integer_point():
    """3a + 3b - 3c == 2 over free integers: no point (SCIP without presolve: 'unbounded'; a search never ends)."""
    m = pyo.ConcreteModel()
    m.a, m.b, m.c, m.d = pyo.Var(domain=pyo.Integers), pyo.Var(domain=pyo.Integers), pyo.Var(domain=pyo.Integers), pyo.Var()
    m.row = pyo.Constraint(expr=3 * m.a + 3 * m.b - 3 * m.c == 2)
    m.o = pyo.Objective(expr=-m.a + m.b - m.d + m.c)
    return m


@pytest.mark.solver
@pytest.mark.parametrize("name", SOLVERS)
def test_an_integer_infeasibility_over_free_integers_is_proven_infeasible(name):
    skip_unless_runnable(name)
    result = solve(_no_integer_point(), SolverConfig(time_limit=5, threads=1, solver=name))
    assert result.termination == Termination.INFEASIBLE
    assert not any("maxTimeLimit" in w for w in result.warnings)  # not after a search to the time limit


def _infeasible_lp(sense):
    """y >= 1 and y <= 0, with x free in the objective: infeasible (Gurobi without presolve: 'unbounded')."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(), pyo.Var()
    m.c1, m.c2 = pyo.Constraint(expr=m.y >= 1), pyo.Constraint(expr=m.y <= 0)
    m.o = pyo.Objective(expr=m.x, sense=sense)
    return m


@pytest.mark.solver
@pytest.mark.parametrize("name", SOLVERS)
@pytest.mark.parametrize(("sense", "bound"), [(pyo.minimize, math.inf), (pyo.maximize, -math.inf)])
def test_an_infeasible_lp_with_a_free_objective_is_infeasible_with_one_side_of_bound(name, sense, bound):
    skip_unless_runnable(name)
    result = solve(_infeasible_lp(sense), SolverConfig(time_limit=10, threads=1, solver=name))
    assert result.termination == Termination.INFEASIBLE and result.bound == bound


@pytest.mark.solver
@pytest.mark.parametrize("name", SOLVERS)
def test_a_feasible_unbounded_surrogate_milp_is_unbounded_never_infeasible(name):
    """HiGHS and SCIP say 'infeasible or unbounded' with and without presolve; the model has the point 0."""
    skip_unless_runnable(name)
    m = pyo.ConcreteModel()
    m.x, m.y, m.w = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(0, None))
    z = bilinear(m, m.x, m.y, "3x8")
    m.c = pyo.Constraint(expr=m.w >= z.expr)
    m.o = pyo.Objective(expr=z.expr - m.w)
    result = solve(m, SolverConfig(time_limit=10, threads=1, solver=name))
    assert result.termination == Termination.UNBOUNDED and result.bound == -math.inf
    assert not any("infeasibility stands" in w for w in result.warnings)


def test_the_users_presolve_option_leaves_out_the_second_solve_not_the_feasibility_solve():
    """With the user's presolve off an infeasibility went unchecked: SCIP calls a feasible MIP infeasible there."""
    off = SolverConfig(options=(("presolve", "off"),))
    m = _equality()
    m.c.set_value(3 * m.v[0] + 3 * m.v[1] + 3 * m.v[2] == 6)

    def point(config):
        assert config.options == (("presolve", "off"),) and m.component("surrogate_feasibility") is not None
        for var, value in zip(m.v.values(), (2, 0, 0)):
            var.set_value(value)
        return SolveResult(Termination.OPTIMAL, 0.0, 0.0, 0.0, 3.0, 0, ModelSize(3, 3, 1))

    result = confirm_infeasible(m, off, INFEASIBLE, point)
    assert result.termination == Termination.ERROR and math.isnan(result.objective) and result.wall_time == 4.0
    assert "with the option presolve='off'; a feasibility solve (objective 0) gave convergenceCriteria" in result.warnings[-1]
    assert result.warnings[-1].endswith("(this result: error); solve without presolve='off'")
    none = SolveResult(Termination.INFEASIBLE, math.nan, math.inf, math.nan, 3.0, 0, ModelSize(3, 3, 1))
    seen = []
    result = confirm_infeasible(_equality(), off, INFEASIBLE, lambda config: seen.append(config) or none)
    assert result.termination == Termination.INFEASIBLE and len(seen) == 1  # no confirmation: presolve is the user's
    assert result.warnings[-1].endswith("gave provenInfeasible; the infeasibility stands")


def test_an_optimum_without_an_objective_value_is_told_apart_too():
    """Gurobi with Presolve=0 calls an unbounded MIP optimal, an integer at -1e100 and objective nan."""
    nan_optimum = SolveResult(Termination.OPTIMAL, math.nan, math.inf, math.nan, 1.0, 0, ModelSize(3, 3, 1))
    assert needs_confirming(nan_optimum, SolverConfig(options=(("presolve", "off"),)))
    m = _equality()
    m.o.set_value(-m.v[0])
    m.c.set_value(3 * m.v[0] + 3 * m.v[1] + 3 * m.v[2] == 6)

    def point(config):
        for var, value in zip(m.v.values(), (2, 0, 0)):
            var.set_value(value)
        return SolveResult(Termination.OPTIMAL, 0.0, 0.0, 0.0, 3.0, 0, ModelSize(3, 3, 1))

    result = confirm_infeasible(m, SolverConfig(), nan_optimum, point)
    assert result.termination == Termination.UNBOUNDED and not result.optimal and result.bound == -math.inf
    assert "reported convergenceCriteriaSatisfied (with no objective value: a variable at infinity)" in result.warnings[-1]


def _feasible_unbounded():
    """a, b integer, c, d free: a = b = 0, c = 1.75 meets every row; d, in the objective only, makes it unbounded."""
    m = pyo.ConcreteModel()
    m.a, m.b, m.c, m.d = pyo.Var(domain=pyo.Integers), pyo.Var(domain=pyo.Integers), pyo.Var(), pyo.Var()
    m.r1 = pyo.Constraint(expr=3 * m.a - 3 * m.b + 2 * m.c == 3.5)
    m.r2 = pyo.Constraint(expr=2 * m.b <= 3)
    m.r3 = pyo.Constraint(expr=3 * m.a - 3 * m.b - 3 * m.c <= 1.5)
    m.o = pyo.Objective(expr=m.b + 2 * m.c + 2 * m.d, sense=pyo.maximize)
    return m


@pytest.mark.solver
def test_scip_with_presolve_off_calling_a_feasible_mip_infeasible_is_an_error():
    skip_unless_runnable("scip")
    config = SolverConfig(solver="scip", time_limit=5, threads=1, options=(("presolving/maxrounds", 0),))
    result = solve(_feasible_unbounded(), config)
    assert result.termination in (Termination.ERROR, Termination.UNBOUNDED)  # never provenInfeasible
    assert result.termination == Termination.UNBOUNDED or "the infeasibility is wrong" in result.warnings[-1]


@pytest.mark.solver
def test_gurobi_with_presolve_off_calling_an_unbounded_mip_optimal_is_unbounded():
    skip_unless_runnable("gurobi")
    m = pyo.ConcreteModel()
    m.n, m.y = pyo.Var(domain=pyo.Integers), pyo.Var()
    m.c = pyo.Constraint(expr=3 * m.y >= 0)
    m.o = pyo.Objective(expr=-m.n - 2 * m.y, sense=pyo.maximize)
    result = solve(m, SolverConfig(solver="gurobi", time_limit=5, threads=1, options=(("Presolve", 0),)))
    assert result.termination == Termination.UNBOUNDED and not result.optimal


def test_a_clone_of_an_indexed_block_s_element_is_told_unbounded_too():
    """probe63 #4: the feasibility solve added its objective to the clone of m.s[1], which belongs to no component,
    so Pyomo never built it: refused as 'has no active objective'."""

    def fill(b, i):  # n = k + 1 over the integers, max n: unbounded
        b.n, b.k = pyo.Var(domain=pyo.Integers), pyo.Var(domain=pyo.Integers)
        b.c = pyo.Constraint(expr=3 * b.n - 3 * b.k == 3)
        b.o = pyo.Objective(expr=b.n, sense=pyo.maximize)

    m = pyo.ConcreteModel()
    m.s = pyo.Block([1], rule=fill)
    config = SolverConfig(time_limit=5, threads=1)
    assert solve(m.s[1], config).termination == Termination.UNBOUNDED
    orphan = m.s[1].clone()
    assert solve(orphan, config).termination == Termination.UNBOUNDED
    assert [o.name for o in orphan.component_objects(pyo.Objective)] == ["o"]  # the feasibility objective taken off


def _stopped(termination=Termination.TIME_LIMIT, objective=math.nan, bound=107.59):
    return SolveResult(termination, objective, bound, math.nan, 5.0, 10, ModelSize(3, 3, 1))


def test_a_highs_bound_without_a_point_is_warned_as_unconfirmed():
    from surrogate.milp.presolve_check import unconfirmed_bound

    warned = unconfirmed_bound(_stopped(), SolverConfig())
    assert len(warned.warnings) == 1 and warned.bound == 107.59 and warned.termination == Termination.TIME_LIMIT
    assert "HiGHS's own, unconfirmed" in warned.warnings[0] and "'presolve': 'off'" in warned.warnings[0]
    assert unconfirmed_bound(_stopped(Termination.ITERATION_LIMIT), SolverConfig()).warnings
    quiet = [
        (_stopped(objective=100.0), SolverConfig()),  # an incumbent
        (_stopped(bound=math.inf), SolverConfig()),  # no bound
        (_stopped(Termination.INFEASIBLE), SolverConfig()),
        (_stopped(), SolverConfig(options={"presolve": "off"})),  # the user's own presolve setting
        (_stopped(), SolverConfig(solver="scip")),
    ]
    assert all(unconfirmed_bound(result, config).warnings == () for result, config in quiet)


def test_solve_passes_the_unconfirmed_bound_warning_on(monkeypatch):
    import surrogate.milp.solver as solver_module

    monkeypatch.setattr(solver_module, "_solve_checked", lambda *args, **kwargs: _stopped())
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.o = pyo.Objective(expr=m.x)
    result = solve(m, SolverConfig(time_limit=1, threads=1))
    assert any("unconfirmed" in w for w in result.warnings)


def _linked_binary():
    """probe75's model: x0 == b (binary), min -2.87 x0^2 - 2.94 x0 x3 + 2.29 x3 x4, products replaced by '3x8'.
    Its surrogate MILP's optimum is -6.8677 (x0 = 0); HiGHS 1.16.0 with presolve said "optimal" -3.8567."""
    from surrogate import replace_products

    m = pyo.ConcreteModel()
    m.x0, m.x3, m.x4 = pyo.Var(bounds=(-1, 3)), pyo.Var(bounds=(-2, 0)), pyo.Var(bounds=(0.5, 1.5))
    m.b = pyo.Var(domain=pyo.Binary)
    m.link = pyo.Constraint(expr=m.x0 == m.b)
    m.o = pyo.Objective(expr=-2.87 * m.x0 * m.x0 - 2.94 * m.x0 * m.x3 + 2.29 * m.x3 * m.x4)
    replace_products(m, "3x8")
    return m


def _presolve_given(config, model):
    """The result of solving ``model`` with ``config``, and the value of HiGHS's ``presolve`` option it ran with."""
    from surrogate.milp.solver import make_solver

    solver = make_solver(config)
    result = solve(model, config, solver=solver)
    found = solver._solver_model.getOptionValue("presolve")
    return result, found[1] if isinstance(found, tuple) else found


def test_highs_runs_without_presolve_on_a_model_with_a_binary_of_its_own_and_finds_the_optimum():
    config = SolverConfig(time_limit=20, rel_gap=1e-9)
    result, presolve = _presolve_given(config, _linked_binary())
    assert result.optimal and result.objective == pytest.approx(-6.8677, abs=1e-3)
    assert presolve == "off"
    assert any("HiGHS ran without presolve" in w and "'b'" in w and "presolve': 'on'" in w for w in result.warnings)


def test_a_presolve_option_of_the_users_own_is_respected():
    config = SolverConfig(time_limit=20, rel_gap=1e-9, options={"presolve": "on"})
    result, presolve = _presolve_given(config, _linked_binary())
    assert presolve == "on"  # what HiGHS was given (its answer then is HiGHS 1.16.0's own)
    assert not any("without presolve" in w for w in result.warnings)


def test_a_model_whose_only_integers_are_the_nets_own_keeps_highs_presolve():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 3)), pyo.Var(bounds=(-2, 0))
    m.o = pyo.Objective(expr=m.x + m.y + bilinear(m, m.x, m.y, name="xy").expr)
    result, presolve = _presolve_given(SolverConfig(time_limit=20), m)
    assert result.optimal and presolve == "choose"  # HiGHS's default, as before
    assert not any("presolve" in w for w in result.warnings)


def test_presolve_choice_turns_presolve_off_only_for_highs_without_the_users_presolve_option():
    m = _equality()
    config, note = presolve_choice(m, SolverConfig())
    assert ("presolve", "off") in config.options and "3 integer variable(s)" in note
    assert presolve_choice(m, SolverConfig(options={"presolve": "choose"})) == (SolverConfig(options={"presolve": "choose"}), "")
    assert presolve_choice(m, SolverConfig(solver="scip")) == (SolverConfig(solver="scip"), "")
    m.v.fix(0)
    assert presolve_choice(m, SolverConfig()) == (SolverConfig(), "")  # fixed: nothing for presolve to get wrong


def test_user_integers_are_the_free_integers_a_solve_reads_outside_the_packages_own_blocks():
    from surrogate import add_surrogate, replace_products

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 1))
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.b, m.fixed, m.unused = pyo.Var(domain=pyo.Binary), pyo.Var(domain=pyo.Binary), pyo.Var(domain=pyo.Binary)
    m.fixed.fix(1)
    net = add_surrogate(m, "3x8", [m.x, m.y], input_bounds=[(-1, 2), (0, 1)], name="net")  # its binaries: the net's
    m.o = pyo.Objective(expr=net.output + m.fixed + m.b)
    assert user_integers(m) == [m.b]
    m.o.deactivate()
    m.o2 = pyo.Objective(expr=net.output + m.n * m.y)  # an integer product: its digits are its own
    replace_products(m)
    assert user_integers(m) == [m.n] and any(v.is_integer() for v in m.surrogate_replacement.component_data_objects(pyo.Var))
    assert [v.name for v in user_integers(m.clone())] == ["n"]  # the mark goes with a copy
    other = pyo.ConcreteModel()
    other.x, other.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 1))
    other.o = pyo.Objective(expr=bilinear(other, other.x, other.y, "sawtooth-4", name="saw").expr)  # a baseline's binaries
    assert user_integers(other) == []


@pytest.mark.parametrize(
    ("box", "reachable"), [(((-1e-3, 1e-3), (-1e-3, 1e-3)), (1e-3, 1e-3)), (((2e-4, 1e-3), (-1e-3, 3e-4)), (1e-3, 3e-4))]
)
def test_an_objective_of_excessively_small_costs_is_solved_again_scaled(box, reachable):
    """probe93 #3: max x*y through bilinear on a box of 1e-3 (costs near 1e-6) came back 'optimal' with a bound of
    2.1e-9 (and -1.1e-7 on the second box) where the corner reaches 9.97e-7 (3e-7); HiGHS warned only of
    'excessively small costs'. Such a solve is run again with the objective times an exact power of two."""

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=box[0]), pyo.Var(bounds=box[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        product = bilinear(m, m.x, m.y)
    m.o = pyo.Objective(expr=product.expr, sense=pyo.maximize)
    result = solve(m, SolverConfig(time_limit=20, rel_gap=1e-9, threads=1))
    m.x.fix(reachable[0]), m.y.fix(reachable[1])
    corner = pyo.value(product.expr)
    assert result.bound >= corner - 1e-12 and result.objective >= corner - 1e-9
    assert any("user_objective_scale=" in w and "excessively small" in w for w in result.warnings)


def test_a_users_own_objective_scale_is_kept_and_its_bound_named_unconfirmed():
    """probe96 #3: with the user's own user_objective_scale (3) HiGHS still proved a false bound (9.9691e-7 where the
    corner reaches 9.9737e-7), and the package added no word of it."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1e-3, 1e-3)), pyo.Var(bounds=(-1e-3, 1e-3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        product = bilinear(m, m.x, m.y)
    m.o = pyo.Objective(expr=product.expr, sense=pyo.maximize)
    config = SolverConfig(time_limit=20, rel_gap=1e-9, threads=1, options={"user_objective_scale": 3})
    result = solve(m, config)
    assert any("your own user_objective_scale" in w and "is unconfirmed" in w for w in result.warnings)
    assert not any("user_objective_scale=" in w for w in result.warnings)  # no second solve over the user's choice


def test_an_ordinary_objective_is_not_solved_again():
    """The second solve is only for a log with HiGHS's warning of excessively small costs."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x <= 0.5)
    m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
    result = solve(m, SolverConfig(time_limit=20, threads=1))
    assert result.objective == pytest.approx(0.5) and not any("excessively small" in w for w in result.warnings)


@pytest.mark.parametrize("miss, overturned", [(1e-4, False), (2e-7, True)])
def test_a_point_overturns_the_infeasibility_only_within_the_tolerance_relative_to_its_rows_coefficients(miss, overturned):
    """``3a + 3b = 3`` met at ``a = 1 + miss``: its row misses by ``3 miss``, relative ``miss`` (divided by its largest
    coefficient, 3); only ``miss <= CONFIRM_TOL`` (1e-6) is a true point. A tolerance 1000 times wider, or the miss
    divided by 1000 times the coefficient, let ``a = 1.0001`` overturn a proof of infeasibility."""
    m = pyo.ConcreteModel()
    m.v = pyo.Var(range(2), bounds=(0, 10))
    m.c = pyo.Constraint(expr=3 * m.v[0] + 3 * m.v[1] == 3)
    m.o = pyo.Objective(expr=m.v[0])
    result = confirm_infeasible(m, SolverConfig(), INFEASIBLE, _resolved(m, (1 + miss, 0)))
    assert result.termination == (Termination.OPTIMAL if overturned else Termination.INFEASIBLE)
    assert ("the infeasibility stands" in result.warnings[-1]) is not overturned


def test_a_feasibility_solves_point_that_misses_a_row_proves_no_point():
    """An unsure first answer, told apart by a feasibility solve whose "optimal" point misses the row by 2/3: that is
    no point of the model, so "unbounded" (a point exists) is not claimed, and nothing is loaded."""
    unsure = SolveResult(Termination.INFEASIBLE_OR_UNBOUNDED, math.nan, -math.inf, math.nan, 1.0, 0, ModelSize(3, 3, 1))
    again = SolveResult(Termination.UNBOUNDED, math.nan, -math.inf, math.nan, 2.0, 0, ModelSize(3, 3, 1))

    def near(m):
        for var, value in zip(m.v.values(), (2_333_333, 0, 0)):  # 6999999: 2 short of 7000001
            var.set_value(value)
        return SolveResult(Termination.OPTIMAL, 0.0, 0.0, 0.0, 3.0, 0, ModelSize(3, 3, 1))

    m = _equality()
    result = confirm_infeasible(m, SolverConfig(), unsure, _feasibility_checked(m, again, near)[0])
    assert result.termination is Termination.INFEASIBLE_OR_UNBOUNDED  # the first answer, not "unbounded"
    assert result.warnings[-1].endswith("neither infeasibility nor unboundedness is proven")
    assert [v.value for v in m.v.values()] == [None, None, None]


def _tiny_beside_one():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.c = pyo.Constraint(expr=m.x + m.y >= -1)
    m.o = pyo.Objective(expr=1e-9 * m.x + m.y)
    return m


def test_a_tiny_cost_beside_one_of_1_is_named_not_scaled_by_2_to_the_0():
    """probe114 #5: min z + 1e-9 x + y got the advice to scale the objective 'times 2**0' (by 1), which does nothing."""
    result = solve(_tiny_beside_one(), SolverConfig(time_limit=20, threads=1))
    note = next(w for w in result.warnings if "excessively small" in w and "HiGHS warned" in w)
    assert "2**0" not in note
    assert re.search(r"its largest cost is 1 already.* that of x \(1e-09\): drop that term .* or rescale it \(a variable", note)


def test_a_tiny_cost_of_a_products_surrogate_names_its_factors():
    """probe117 #4: a product over a narrow box has a tiny cost on its surrogate's output; the note told the user to
    drop or rescale 'surrogate_x_y.outputs[0]', which is the product itself."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1e-5)), pyo.Var(bounds=(0, 1e-5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = bilinear(m, m.x, m.y, "3x8")
    m.obj = pyo.Objective(expr=z.expr + m.x - m.y)
    result = solve(m, SolverConfig(time_limit=20, threads=1))
    note = next(w for w in result.warnings if "excessively small" in w and "HiGHS warned" in w)
    assert re.search(
        r"that of surrogate_x_y\.\S+ \(in the block surrogate_x_y this package built: rescale the variables it reads, "
        r"a product's factors\)",
        note,
    )


def test_no_bound_is_not_named_as_an_unconfirmed_nan():
    """probe114 #5: a HiGHS 'Solve error' with the small-cost warning read 'the bound nan is unconfirmed'."""
    from surrogate.milp.presolve_check import confirm_bound

    failed = SolveResult(Termination.ERROR, math.nan, math.nan, math.nan, 1.0, 0, ModelSize(2, 0, 1))
    failed = dataclasses.replace(failed, warnings=("warning: WARNING: Problem has some excessively small costs",))
    result = confirm_bound(_tiny_beside_one(), SolverConfig(), failed, resolve=None)
    assert "nan" not in result.warnings[-1] and "it gave no bound; its largest cost is 1 already" in result.warnings[-1]
