"""SCIP's optimum or infeasibility on a model that may be unbounded, checked by HiGHS
(:mod:`surrogate.milp.unbounded_check`)."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial

import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig, replace_products, solve
from surrogate.milp.model_size import ModelSize
from surrogate.milp.presolve_check import kept_values
from surrogate.milp.solve_result import SolveResult
from surrogate.milp.solver import Termination, _solve_checked
from surrogate.milp.unbounded_check import check_answer, checks_answers, unbounded_variables
from tests.helpers import skip_unless_runnable

SCIP = SolverConfig(time_limit=20, solver="scip")


def _result(termination, objective=math.nan, bound=math.nan, wall=1.0) -> SolveResult:
    return SolveResult(termination, objective, bound, 0.0, wall, 0, ModelSize(3, 1, 2))


def _highs(model):
    return partial(_solve_checked, model, solver=None, warm_start=False, node_limit=None, check=False)


def _ray_model(*, u_bounds=(None, None)):
    """``min -u`` with ``u <= x + 10 i`` only, ``x`` in [0, 1], ``i`` in {0, 1}: unbounded where ``u`` has no upper
    bound, else optimal at ``-ub``."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.i = pyo.Var(domain=pyo.Binary)
    m.u = pyo.Var(bounds=u_bounds)
    m.row = pyo.Constraint(expr=m.u >= m.x + 10 * m.i - 3)
    m.obj = pyo.Objective(expr=-m.u)
    return m


def _at(model, **values):
    for name, value in values.items():
        model.component(name).set_value(value)


def test_a_free_variable_is_unbounded_and_only_scip_is_checked():
    m = _ray_model()
    assert [v.name for v in unbounded_variables(m)] == ["u"]
    assert checks_answers(m, SCIP) and not checks_answers(m, SolverConfig(solver="highs"))
    boxed = _ray_model(u_bounds=(-5, 5))
    assert unbounded_variables(boxed) == [] and not checks_answers(boxed, SCIP)
    m.u.fix(0)
    assert unbounded_variables(m) == []


def test_an_optimum_whose_lp_is_unbounded_becomes_unbounded_with_the_values_of_before():
    m = _ray_model()
    _at(m, x=0.25, i=None, u=None)
    before = kept_values(m)
    _at(m, x=0.5, i=1, u=7.5)  # a feasible point, as SCIP's "optimal" answer loaded it
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -7.5, -7.5), _highs(m), restore=before)
    assert answer.termination is Termination.UNBOUNDED
    assert math.isnan(answer.objective) and answer.bound == -math.inf and not answer.has_solution
    assert "the LP left is" in answer.warnings[-1] and "the model is unbounded" in answer.warnings[-1]
    assert (m.x.value, m.i.value, m.u.value) == (0.25, None, None) and not m.i.fixed
    assert answer.wall_time > 1.0


def test_an_optimum_beyond_which_the_lp_goes_is_an_error():
    m = _ray_model(u_bounds=(None, 20))  # with i = 1 fixed, the LP reaches u = 20: objective -20
    _at(m, x=0.0, i=1, u=7.0)
    before = kept_values(m)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -7.0, -7.0), _highs(m), restore=before)
    assert answer.termination is Termination.ERROR and math.isnan(answer.objective) and math.isnan(answer.bound)
    assert "HiGHS finds -20 beyond that bound: the optimum is false" in answer.warnings[-1]


def test_a_true_optimum_stands_with_its_point():
    m = _ray_model(u_bounds=(None, 20))
    _at(m, x=1.0, i=1, u=20.0)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -20.0, -20.0), _highs(m), restore=kept_values(m))
    assert answer.termination is Termination.OPTIMAL and answer.objective == -20.0 and answer.warnings == ()
    assert (m.x.value, m.i.value, m.u.value) == (1.0, 1, 20.0) and not m.i.fixed


def test_a_false_infeasibility_becomes_unbounded_or_an_error():
    m = _ray_model()
    answer = check_answer(m, SCIP, _result(Termination.INFEASIBLE), _highs(m), restore=kept_values(m))
    assert answer.termination is Termination.UNBOUNDED and answer.bound == -math.inf
    assert "a HiGHS feasibility solve (objective 0) found a point" in answer.warnings[-1]
    assert m.u.value is None and m.obj.active  # the values of before, and the objective back
    bounded = _ray_model(u_bounds=(None, 20))  # feasible and bounded: SCIP's answer tells no optimum
    answer = check_answer(bounded, SCIP, _result(Termination.INFEASIBLE), _highs(bounded), restore=kept_values(bounded))
    assert answer.termination is Termination.ERROR and "no optimum is known" in answer.warnings[-1]


def test_a_true_infeasibility_stands():
    m = _ray_model()
    m.no = pyo.Constraint(expr=m.x >= 2)
    answer = check_answer(m, SCIP, _result(Termination.INFEASIBLE), _highs(m), restore=kept_values(m))
    assert answer.termination is Termination.INFEASIBLE and answer.warnings == () and m.x.value is None


def test_no_time_left_leaves_the_answer():
    m = _ray_model()
    spent = _result(Termination.OPTIMAL, -7.5, -7.5, wall=SCIP.time_limit)
    _at(m, x=0.5, i=1, u=7.5)
    assert check_answer(m, SCIP, spent, _highs(m), restore=kept_values(m)) is spent
    said_none = _result(Termination.INFEASIBLE, wall=SCIP.time_limit)
    assert check_answer(m, SCIP, said_none, _highs(m), restore=kept_values(m)) is said_none


def test_other_answers_are_not_checked():
    m = _ray_model()
    stopped = _result(Termination.TIME_LIMIT)
    assert check_answer(m, SCIP, stopped, _highs(m), restore=kept_values(m)) is stopped


def _probe128_model():
    """probe128's f4: SCIP 10 (PySCIPOpt 6.3) with presolve called it optimal at -1e-6; u -> +inf is a ray."""
    m = pyo.ConcreteModel()
    m.a = pyo.Var(bounds=(-0.19, 2.17))
    m.i = pyo.Var(domain=pyo.Integers, bounds=(2, 5))
    m.b = pyo.Var(bounds=(-1.86, 0.55))
    m.j = pyo.Var(domain=pyo.Integers, bounds=(0, 4))
    m.u = pyo.Var()
    m.r1 = pyo.Constraint(
        expr=-0.08 * m.a + 0.12 * m.i - 0.41 * m.b + 0.55 * m.j + 0.28 * m.a * m.j - 0.66 * m.i * m.b - 0.03 * m.i * m.j >= -0.57
    )
    m.r2 = pyo.Constraint(
        expr=0.91 * m.a - 0.28 * m.i + 0.75 * m.b - 0.73 * m.j - 0.73 * m.a * m.j + 0.6 * m.i * m.b - 0.3 * m.i * m.j >= -0.38
    )
    m.r3 = pyo.Constraint(
        expr=-0.35 * m.a - 0.43 * m.i + 0.62 * m.b + 0.37 * m.j + 0.79 * m.a * m.j + 0.7 * m.i * m.b - 0.12 * m.i * m.j <= 0.77
    )
    m.urow = pyo.Constraint(expr=m.u >= m.a - 5)
    m.obj = pyo.Objective(
        expr=0.08
        - 0.28 * m.a
        + 0.32 * m.i
        + 0.08 * m.b
        + 0.08 * m.j
        + 1.57 * m.a * m.j
        - 1.03 * m.i * m.b
        - 1.38 * m.i * m.j
        - m.u
    )
    replace_products(m, "2x12")
    return m


def _probe128_feasible_model():
    """probe128's f2: SCIP said infeasibleOrUnbounded with presolve, provenInfeasible without; every point of the box
    with u = x - 5 is feasible, and u -> +inf drives the objective to -inf."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0.53, 3.2))
    m.y = pyo.Var(bounds=(-0.49, 1.89))
    m.i = pyo.Var(domain=pyo.Integers, bounds=(2, 7))
    m.j = pyo.Var(domain=pyo.Integers, bounds=(1, 3))
    m.u = pyo.Var()
    m.urow = pyo.Constraint(expr=m.u >= m.x - 5)
    m.obj = pyo.Objective(expr=-0.5 + 0.63 * m.x - 1.35 * m.y + 0.53 * m.i - 0.46 * m.j - 0.76 * m.x * m.y - m.u)
    replace_products(m, "3x8")
    return m


@pytest.mark.parametrize("build", [_probe128_model, _probe128_feasible_model], ids=["said-optimal", "said-infeasible"])
def test_scip_on_probe128s_unbounded_models_says_unbounded(build):
    skip_unless_runnable("scip")
    result = solve(build(), SCIP)
    assert result.termination is Termination.UNBOUNDED and result.bound == -math.inf


def test_a_model_with_sos_is_not_checked_and_says_so():
    m = _ray_model()
    m.pair = pyo.Var([0, 1], bounds=(0, 1))
    m.s = pyo.SOSConstraint(var=m.pair, sos=1)
    _at(m, x=0.5, i=1, u=7.5)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -7.5, -7.5), _highs(m), restore=kept_values(m))
    assert answer.termination is Termination.OPTIMAL and answer.objective == -7.5
    assert answer.warnings[-1] == (
        "this optimum, of a model with a variable unbounded in some direction, was not checked by HiGHS (HiGHS has no "
        "SOS constraints)"
    )


def test_a_model_with_a_coefficient_highs_drops_is_not_checked_and_says_so():
    """probe131: ``u >= 1e16 x + i - 1``, x in [0, 1e-15]: HiGHS drops the row and calls the LP unbounded, though
    the optimum -1 is right."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1e-15))
    m.i = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.u = pyo.Var()
    m.row = pyo.Constraint(expr=m.u >= 1e16 * m.x + m.i - 1)
    m.obj = pyo.Objective(expr=m.u + m.i)
    _at(m, x=0.0, i=0, u=-1.0)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -1.0, -1.0), _highs(m), restore=kept_values(m))
    assert answer.termination is Termination.OPTIMAL and answer.objective == -1.0
    assert "was not checked by HiGHS (constraint 'row' has a coefficient" in answer.warnings[-1]
    assert (m.x.value, m.i.value, m.u.value) == (0.0, 0, -1.0)


def test_a_refusal_of_highs_leaves_the_answer_and_the_point(monkeypatch):
    from surrogate.errors import ModelFormatError

    def refuse(config):
        m.x.set_value(0.9)  # a run that changed the point before HiGHS refused the model
        raise ModelFormatError("HiGHS cannot take this")

    m = _ray_model()
    _at(m, x=0.5, i=1, u=7.5)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -7.5, -7.5), refuse, restore=kept_values(m))
    assert answer.termination is Termination.OPTIMAL and "(HiGHS cannot take this)" in answer.warnings[-1]
    assert (m.x.value, m.i.value, m.u.value) == (0.5, 1, 7.5) and not m.i.fixed


def test_a_model_merely_badly_scaled_is_still_checked():
    """probe132: a harmless row ``1e10 z <= 5e9`` (above the badly-scaled warning's 1e9, below HiGHS's 1e15) made the
    check skip probe128's unbounded model, which SCIP calls optimal."""
    skip_unless_runnable("scip")
    m = _probe128_model()
    m.z = pyo.Var(bounds=(0, 1))
    m.scaled = pyo.Constraint(expr=1e10 * m.z <= 5e9)
    result = solve(m, SCIP)
    assert result.termination is Termination.UNBOUNDED and result.bound == -math.inf


def test_a_variable_bounded_on_one_side_only_is_unbounded():
    half = _ray_model(u_bounds=(None, 20))
    assert [v.name for v in unbounded_variables(half)] == ["u"] and checks_answers(half, SCIP)


def test_an_optimum_without_a_point_is_not_checked():
    m = _ray_model()
    pointless = _result(Termination.OPTIMAL, bound=-7.5)
    assert check_answer(m, SCIP, pointless, _highs(m), restore=kept_values(m)) is pointless


def test_the_check_gets_what_is_left_of_the_time_limit_and_adds_its_time():
    m = _ray_model(u_bounds=(None, 20))
    _at(m, x=1.0, i=1, u=20.0)
    limits = []

    def highs(config):
        limits.append((config.solver, config.time_limit))
        return replace(_highs(m)(config), wall_time=0.25)

    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -20.0, -20.0, wall=1.5), highs, restore=kept_values(m))
    assert limits == [("highs", SCIP.time_limit - 1.5)]
    assert answer.termination is Termination.OPTIMAL and answer.wall_time == 1.75
    limits.clear()  # a false infeasibility: a feasibility solve, then the LP of its integers
    m = _ray_model()
    answer = check_answer(m, SCIP, _result(Termination.INFEASIBLE, wall=1.5), highs, restore=kept_values(m))
    assert answer.termination is Termination.UNBOUNDED and answer.wall_time == 2.0
    assert limits == [("highs", SCIP.time_limit - 1.5), ("highs", SCIP.time_limit - 1.75)]  # less the first


def test_an_integer_a_hair_from_integral_is_fixed_at_the_integer():
    """SCIP's point may hold an integer within its integrality tolerance of one: fixed as it is, HiGHS would call
    the LP infeasible (an integer column fixed at 0.9999999) and the check would prove nothing."""
    m = _ray_model()
    _at(m, x=0.5, i=1 - 1e-7, u=7.5)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -7.5, -7.5), _highs(m), restore=kept_values(m))
    assert answer.termination is Termination.UNBOUNDED


def test_a_maximum_is_checked_in_its_own_direction():
    m = _ray_model(u_bounds=(None, 20))  # max u: with i = 1 fixed the LP reaches 20, beyond a reported 7
    m.obj.deactivate()
    m.up = pyo.Objective(expr=m.u, sense=pyo.maximize)
    _at(m, x=0.0, i=1, u=7.0)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, 7.0, 7.0), _highs(m), restore=kept_values(m))
    assert answer.termination is Termination.ERROR and "HiGHS finds 20 beyond that bound" in answer.warnings[-1]
    free = _ray_model()  # max u: unbounded upwards
    free.obj.deactivate()
    free.up = pyo.Objective(expr=free.u, sense=pyo.maximize)
    _at(free, x=0.5, i=1, u=7.5)
    answer = check_answer(free, SCIP, _result(Termination.OPTIMAL, 7.5, 7.5), _highs(free), restore=kept_values(free))
    assert answer.termination is Termination.UNBOUNDED and answer.bound == math.inf


@pytest.mark.parametrize(("reaches", "bound", "stands"), [(7.005, -7.0, False), (7.0005, -7.0, True), (7.005, -7.01, True)])
def test_an_lp_beyond_the_bound_by_more_than_bound_tol_disproves_it(reaches, bound, stands):
    """BOUND_TOL (1e-4) relative to |bound| = 7: an LP at 7.005 (7e-4 ahead) is beyond, one at 7.0005 is not; an LP
    better than the incumbent (-7) but short of the solver's bound (-7.01, within its gap) disproves nothing."""
    m = _ray_model(u_bounds=(None, reaches))
    _at(m, x=0.0, i=1, u=7.0)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -7.0, bound), _highs(m), restore=kept_values(m))
    assert (answer.termination is Termination.OPTIMAL) is stands


def test_the_tolerance_is_relative_to_a_large_bound():
    m = _ray_model(u_bounds=(None, 10000.5))  # 0.5 ahead of 1e4: 5e-5 relative, within BOUND_TOL
    _at(m, x=0.0, i=1, u=10000.0)
    answer = check_answer(m, SCIP, _result(Termination.OPTIMAL, -1e4, -1e4), _highs(m), restore=kept_values(m))
    assert answer.termination is Termination.OPTIMAL and answer.objective == -1e4


def test_a_feasibility_point_that_misses_a_row_proves_nothing():
    m = _ray_model()
    m.no = pyo.Constraint(expr=m.x >= 2)  # infeasible: x is in [0, 1]

    def highs(config):  # a solver whose "point" breaks the row x >= 2 by 1
        _at(m, x=1.0, i=0, u=0.0)
        return _result(Termination.OPTIMAL, 0.0, 0.0, wall=0.1)

    answer = check_answer(m, SCIP, _result(Termination.INFEASIBLE), highs, restore=kept_values(m))
    assert answer.termination is Termination.INFEASIBLE and answer.warnings == () and m.x.value is None
