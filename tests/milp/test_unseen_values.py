"""Values for the variables no solver sees, and the variables no value fits (unseen_values.py)."""

import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig, replace_products, solve
from surrogate.milp.solver_config import Termination
from surrogate.milp.unseen_values import value_nearest_zero, without_a_value


def test_complete_point_gives_a_variable_without_a_value_the_point_of_its_bounds_nearest_0():
    from surrogate.milp.unseen_values import complete_point

    m = pyo.ConcreteModel()
    m.a, m.b, m.c = pyo.Var(bounds=(-3, -1)), pyo.Var(bounds=(2, 5)), pyo.Var()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0.2, 2.7))  # integers 1, 2
    m.k = pyo.Var(domain=pyo.Integers, bounds=(-4.5, -0.5))  # integers -4..-1
    m.s, m.f = pyo.Var(bounds=(0, 1), initialize=0.7), pyo.Var()
    m.f.fix(None)
    assert complete_point([m.a, m.b, m.c, m.n, m.k, m.s, m.f]) == ["a", "b", "c", "n", "k"]
    assert [v.value for v in (m.a, m.b, m.c, m.n, m.k, m.s, m.f)] == [-1.0, 2.0, 0.0, 1, -1, 0.7, None]


def test_the_value_nearest_0_follows_an_integers_bounds_and_a_finite_domain_or_is_none():
    m = pyo.ConcreteModel()
    m.odd = pyo.Var(domain=pyo.RangeSet(-3, 3, 2))  # {-3, -1, 1, 3}: 0 is none of them
    m.high = pyo.Var(domain=pyo.RangeSet(-3, 3, 2), bounds=(2, 5))
    m.none = pyo.Var(domain=pyo.RangeSet(-3, 3, 2), bounds=(-0.5, 0.5))
    m.empty, m.gap = pyo.Var(bounds=(3, 1)), pyo.Var(domain=pyo.Integers, bounds=(0.5, 0.7))
    m.tight = pyo.Var(domain=pyo.Integers, bounds=(0.9999999, 1.0000001))  # 1, within the integrality tolerance
    assert [value_nearest_zero(v) for v in (m.odd, m.high, m.none, m.empty, m.gap, m.tight)] == [-1, 3, None, None, None, 1]


def _zero_coefficient_model(u_domain, u_bounds):
    """min x + y, x*y >= 0.5 (+ 0.0*u: u read by the replaced row only, with coefficient 0), x, y in [0, 2]."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2))
    m.u = pyo.Var(domain=u_domain, bounds=u_bounds)
    m.c = pyo.Constraint(expr=m.x * m.y + 0.0 * m.u >= 0.5)
    m.o = pyo.Objective(expr=m.x + m.y)
    return m


@pytest.mark.parametrize(("domain", "bounds"), [(pyo.Reals, (3, 1)), (pyo.Integers, (0.5, 0.7))], ids=["lb>ub", "no integer"])
@pytest.mark.parametrize("replaced", [False, True])
def test_a_variable_no_value_fits_makes_the_model_infeasible_also_where_only_a_replaced_row_reads_it(domain, bounds, replaced):
    """probe124 #1: u, whose bounds hold no value, read with coefficient 0 by a row replace_products replaced, is in no
    row a solver sees: the model, which has no point, was solved 'optimal' (and u then given a value outside its
    bounds). It is infeasible without a solve, as it is without the replacement (HiGHS: provenInfeasible)."""
    m = _zero_coefficient_model(domain, bounds)
    if replaced:
        replace_products(m, "3x8")
    else:  # the same row, linear: HiGHS sees u (and says infeasible itself, after this check)
        m.c.set_value(m.x + m.y + 0.0 * m.u >= 0.5)
    assert [v.name for v in without_a_value(m)] == ["u"]
    result = solve(m, SolverConfig(time_limit=10, threads=1))
    assert result.termination == Termination.INFEASIBLE and result.bound == float("inf") and m.u.value is None
    assert "variables 'u' have bounds that hold no value ('u': bounds" in result.reason
    assert "so the model has no point: infeasible, without a solve; fix their bounds" in result.reason


def test_a_variable_of_a_finite_domain_read_with_a_zero_coefficient_gets_a_member():
    """probe124 #6: u in {-3, -1, 1, 3}, read as 0.0*u by a replaced row, was given 0.0, outside its domain."""
    m = _zero_coefficient_model(pyo.RangeSet(-3, 3, 2), (None, None))
    replace_products(m, "3x8")
    result = solve(m, SolverConfig(time_limit=10, threads=1))
    assert result.termination == Termination.OPTIMAL and m.u.value == -1
    assert not without_a_value(m)


def test_bounds_crossed_by_rounding_only_still_hold_a_value():
    """probe125 #1: lb = 0.1 + 0.2 > ub = 0.3 by rounding only was called infeasible (HiGHS and SCIP solve it)."""
    m = _zero_coefficient_model(pyo.Reals, (0.1 + 0.2, 0.3))
    replace_products(m, "3x8")
    result = solve(m, SolverConfig(time_limit=10, threads=1))
    assert result.termination == Termination.OPTIMAL and m.u.value == pytest.approx(0.3)


def _block_model():
    """m.b: min x + y, x*y + 0.0*u >= 0.5 with the parent's u in [3, 1] (no value fits); m: min z, z >= 0.25."""
    m = pyo.ConcreteModel()
    m.u, m.z = pyo.Var(bounds=(3, 1)), pyo.Var(bounds=(0, 1))
    m.cz, m.o = pyo.Constraint(expr=m.z >= 0.25), pyo.Objective(expr=m.z)
    m.b = pyo.Block()
    m.b.x, m.b.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2))
    m.b.c = pyo.Constraint(expr=m.b.x * m.b.y + 0.0 * m.u >= 0.5)
    m.b.o = pyo.Objective(expr=m.b.x + m.b.y)
    return m


def test_a_block_solved_alone_whose_replaced_row_reads_a_parents_variable_no_value_fits_is_infeasible():
    """probe125 #3: without_a_value looked at the block's own variables only, so solve(m.b) stayed 'optimal'."""
    m = _block_model()
    replace_products(m.b, "3x8")
    result = solve(m.b, SolverConfig(time_limit=10, threads=1))
    assert result.termination == Termination.INFEASIBLE and "variables 'u' have bounds that hold no value" in result.reason


def test_a_replaced_row_in_a_deactivated_block_counts_for_nothing():
    """probe125 #2: a deactivated block's replaced row still made the whole model infeasible (min z is 0.25)."""
    m = _block_model()
    m.b.o.deactivate()
    replace_products(m, "3x8")
    m.b.deactivate()
    result = solve(m, SolverConfig(time_limit=10, threads=1))
    assert result.termination == Termination.OPTIMAL and result.objective == pytest.approx(0.25)


def test_the_other_refusals_come_first_and_no_start_is_searched():
    """probe125 #4, #5: with a variable no value fits, a misspelt option and a nonlinear row were no longer refused, and
    solve_with_start reported a start it found (violation 0) for a model solve called infeasible."""
    from surrogate.errors import ConfigError, NonlinearModelError
    from surrogate.milp.warmstart import StartConfig, solve_with_start

    m = _zero_coefficient_model(pyo.Reals, (3, 1))
    report = replace_products(m, "3x8")
    with pytest.raises(ConfigError, match="HiGHS has no option 'presolv'"):
        solve(m, SolverConfig(time_limit=10, threads=1, options={"presolv": "off"}))
    surrogates = list(report.products.values())
    result, found = solve_with_start(m, surrogates, SolverConfig(time_limit=10, threads=1), start=StartConfig())
    assert result.termination == Termination.INFEASIBLE and not found.found and found.seconds == 0.0
    m.q = pyo.Constraint(expr=m.x * m.x <= 3)
    with pytest.raises(NonlinearModelError, match="terms of degree above 1 in 'q'"):
        solve(m, SolverConfig(time_limit=10, threads=1))


@pytest.mark.parametrize("bounds", [(1000000.3, 1000000.7), (-3000000.7, -3000000.3)])
def test_large_integer_bounds_without_an_integer_hold_no_value(bounds):
    """probe126 #1: the relative tolerance for continuous bounds crossed by rounding was applied to an integer's
    rounded bounds too, so u in (1000000.3, 1000000.7) got 1000000, outside its bounds, and the model 'optimal'."""
    m = _zero_coefficient_model(pyo.Integers, bounds)
    assert value_nearest_zero(m.u) is None
    replace_products(m, "3x8")
    assert solve(m, SolverConfig(time_limit=10, threads=1)).termination == Termination.INFEASIBLE and m.u.value is None


@pytest.mark.parametrize(
    ("bounds", "holds"),
    [((1 + 5e-8, 1), True), ((1 + 2e-7, 1), False), ((1e6 + 0.5, 1e6), False), ((1e12 + 1e-3, 1e12), False)],
)
def test_crossed_continuous_bounds_hold_a_value_as_highs_says(bounds, holds):
    """probe127 #1: a tolerance relative to the bound took (1e12 + 5e5, 1e12) as a point; HiGHS's is absolute (1e-7):
    it solves (1 + 5e-8, 1) and calls the others infeasible, read linearly."""
    m = _zero_coefficient_model(pyo.Reals, bounds)
    assert (value_nearest_zero(m.u) is not None) is holds


@pytest.mark.parametrize(
    ("bounds", "value"),
    [((0.99998, 0.99999), None), ((-0.99999, -0.99998), None), ((0.9999991, 0.9999995), 1), ((-0.9999995, -0.9999991), -1)],
)
def test_an_integers_bounds_take_the_integrality_tolerance_1e_6_and_no_more(bounds, value):
    """An integer u in (0.99998, 0.99999) holds no integer (HiGHS 1.16, u read linearly: infeasible); one in
    (0.9999991, 0.9999995) holds 1, within the integrality tolerance 1e-6 (HiGHS: optimal at 1). A tolerance of 1e-5
    took the first as 1, and a model without a point was solved 'optimal'."""
    m = _zero_coefficient_model(pyo.Integers, bounds)
    assert value_nearest_zero(m.u) == value


def test_an_infinite_domain_gives_the_point_of_its_bounds_nearest_0_without_walking_it():
    """PositiveReals reads as the bounds (0, None), as solvers take them, though 0 is not in it: u gets 0.0 (walking the
    domain's members, as a finite one's are, fails on an infinite one); NegativeIntegers gives -1."""
    m = pyo.ConcreteModel()
    m.a, m.b = pyo.Var(domain=pyo.PositiveReals), pyo.Var(domain=pyo.NegativeIntegers)
    m.c = pyo.Var(domain=pyo.PositiveReals, bounds=(-1, 1))
    assert [value_nearest_zero(v) for v in (m.a, m.b, m.c)] == [0.0, -1, 0.0]


@pytest.mark.parametrize(("bounds", "value"), [((-1, -0.5), -1), ((0.5, 1), 1), ((-1.5, -1), -1), ((1, 2.5), 1)])
def test_a_finite_domains_member_on_a_bound_is_within_it(bounds, value):
    """u in {-3, -1, 1, 3} with a bound on a member: that member is within the bounds (a strict comparison left none,
    and the model was called infeasible)."""
    m = pyo.ConcreteModel()
    m.u = pyo.Var(domain=pyo.RangeSet(-3, 3, 2), bounds=bounds)
    assert value_nearest_zero(m.u) == value


def test_a_replaced_row_deleted_with_its_replacement_block_counts_for_nothing():
    """The row c, which alone read u (bounds (3, 1), no value fits), deleted with its replacement block: no row reads u,
    and min x + y is 0 (the block's mark of c outlives them, but c is no longer within the model)."""
    m = _zero_coefficient_model(pyo.Reals, (3, 1))
    replace_products(m, "3x8")
    del m.c
    del m.surrogate_replacement
    assert not without_a_value(m)
    result = solve(m, SolverConfig(time_limit=10, threads=1))
    assert result.termination == Termination.OPTIMAL and result.objective == pytest.approx(0.0)


def test_a_block_solved_alone_counts_its_replaced_rows_while_a_block_above_it_is_deactivated():
    """Solving sub-blocks one by one, each deactivated in its parent: m.b's replaced row reads u (no value fits), so
    solve(m.b) is infeasible whatever is deactivated above m.b (only the blocks between a row and m.b count)."""
    m = pyo.ConcreteModel()
    m.p = pyo.Block()
    m.p.b = _block_model()
    replace_products(m.p.b.b, "3x8")
    m.p.deactivate()
    result = solve(m.p.b.b, SolverConfig(time_limit=10, threads=1))
    assert result.termination == Termination.INFEASIBLE and "variables 'p.b.u' have bounds that hold no value" in result.reason


def test_a_fixed_variables_crossed_bounds_leave_it_its_value():
    """u fixed at 1 with bounds (3, 1): a solve reads its fixed value, not its bounds (min x + y, x + y + u >= 1.5 is
    0.5), so it is no variable without a value."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2))
    m.u = pyo.Var(bounds=(3, 1))
    m.u.fix(1)
    m.c = pyo.Constraint(expr=m.x + m.y + m.u >= 1.5)
    m.o = pyo.Objective(expr=m.x + m.y)
    assert not without_a_value(m)
    result = solve(m, SolverConfig(time_limit=10, threads=1))
    assert result.termination == Termination.OPTIMAL and result.objective == pytest.approx(0.5)
