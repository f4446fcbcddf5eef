"""Bounds of product factors implied by the constraints (FBBT, LP bound tightening), and the one-message refusal."""

import math

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate.errors import ConfigError, InfeasibleModelError
from surrogate.milp.baselines import NMDT, Sawtooth
from surrogate.milp.bilinear import (
    DECLARED_MARGIN,
    LinearProduct,
    UnboundedVariableError,
    bilinear,
    certified_error_bound,
    replace_products,
)
from surrogate.milp.bound_margins import FBBT_MARGIN
from surrogate.milp.implied_bounds import DEFAULT_LP_SECONDS, tighten_product_bounds
from surrogate.nets.construct import hand_built
from tests.helpers import random_net


def _sum_model():
    """x + y <= 4 with x, y >= 0 and no upper bounds; x*y in the objective: x, y in [0, 4]."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, None))
    m.y = pyo.Var(bounds=(0, None))
    m.c = pyo.Constraint(expr=m.x + m.y <= 4)
    m.obj = pyo.Objective(expr=m.x * m.y, sense=pyo.maximize)
    return m


def _mccormick_model():
    """x, y free; only the LP over the 4 constraints and w = a*b <= 1 (McCormick) bounds them: x in [-1.5, 1.5]."""
    m = pyo.ConcreteModel()
    m.a, m.b = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.x, m.y = pyo.Var(), pyo.Var()
    m.c1 = pyo.Constraint(expr=m.x - m.y <= m.a * m.b)
    m.c2 = pyo.Constraint(expr=m.x + m.y <= m.a * m.b + 1)
    m.c3 = pyo.Constraint(expr=m.x - m.y >= -1 - m.a * m.b)
    m.c4 = pyo.Constraint(expr=m.x + m.y >= m.a * m.b - 2)
    m.obj = pyo.Objective(expr=m.x * m.y)
    return m


def test_fbbt_bounds_a_sum_and_records_old_new_and_source():
    m = _sum_model()
    found = tighten_product_bounds(m, lp=False)
    assert set(found.derived) == {"x", "y"} and found.unbounded == ()
    bound = found.derived["x"]
    assert bound.old == (0.0, None) and bound.source == "fbbt" and bound.sources == (None, "fbbt")
    assert bound.new[0] == 0.0 and 4.0 < bound.new[1] <= 4.0 + 10 * FBBT_MARGIN * 4  # a tiny outward margin
    assert m.x.bounds == bound.new and found.seconds >= 0 and found.lp_rounds == 0


def test_bounded_factors_are_left_exactly_as_they_are():
    m = _sum_model()
    m.x.setub(10.0), m.y.setub(10.0)
    m.z = pyo.Var(bounds=(0, None))  # not a factor: never touched
    m.c2 = pyo.Constraint(expr=m.z <= m.x)
    found = tighten_product_bounds(m)
    assert found.derived == {} and m.x.bounds == (0, 10.0) and m.z.bounds == (0, None)


def test_fbbt_only_keeps_what_it_derives_for_factors():
    m = _sum_model()
    m.z = pyo.Var(bounds=(0, None))
    m.c2 = pyo.Constraint(expr=m.z <= m.x)  # FBBT bounds z too, but z is no factor
    tighten_product_bounds(m, lp=False)
    assert m.z.bounds == (0, None)


@pytest.mark.solver
def test_lp_bounds_an_equality_system_fbbt_cannot():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(), pyo.Var()
    m.e1 = pyo.Constraint(expr=m.x + m.y == 3)
    m.e2 = pyo.Constraint(expr=m.x - m.y == 1)
    m.obj = pyo.Objective(expr=m.x * m.y)
    assert tighten_product_bounds(m, lp=False).unbounded == ("x", "y")
    found = tighten_product_bounds(m)
    assert found.unbounded == () and found.derived["x"].source == "lp"
    assert m.x.lb == pytest.approx(2.0, abs=1e-5) and m.x.lb <= 2.0 <= m.x.ub == pytest.approx(2.0, abs=1e-5)
    assert m.y.lb <= 1.0 <= m.y.ub == pytest.approx(1.0, abs=1e-5)


@pytest.mark.solver
def test_lp_bounds_a_variable_only_through_a_mccormick_envelope():
    m = _mccormick_model()
    assert tighten_product_bounds(m, lp=False).derived == {}
    found = tighten_product_bounds(m)
    assert found.derived["x"].sources == ("lp", "lp") and found.lp_rounds >= 1
    assert -1.5 - 1e-4 < m.x.lb <= -1.5 and 1.5 <= m.x.ub < 1.5 + 1e-4
    assert m.a.bounds == (0, 1)  # bounded factors keep their bounds


@pytest.mark.solver
def test_an_lp_with_no_finite_optimum_gives_no_bound():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, None)), pyo.Var()
    m.c = pyo.Constraint(expr=m.x - m.y <= 1)
    m.obj = pyo.Objective(expr=m.x * m.y)
    found = tighten_product_bounds(m)
    assert found.unbounded == ("x", "y")
    assert m.x.bounds == (0, None) and "x" not in found.derived and found.derived["y"].new == (pytest.approx(-1.0), None)


def test_parameters_are_not_frozen_into_derived_bounds():
    m = _sum_model()
    m.p = pyo.Param(initialize=4.0, mutable=True)
    m.c.set_value(m.x + m.y <= m.p)
    assert tighten_product_bounds(m, lp=False).unbounded == ("x", "y")  # x <= p holds only for this p
    m = _sum_model()
    m.q = pyo.Param(initialize=3.0, mutable=True)
    m.x.setub(m.q)  # a symbolic bound: never tightened; its constant lower bound 0 still gives y <= 4
    found = tighten_product_bounds(m, lp=False)
    assert "x" not in found.derived and m.x.upper is m.q and found.derived["y"].new[1] == pytest.approx(4.0)
    m.x.setlb(-m.q), m.y.setub(None)  # y <= 4 + q holds only for this q
    assert tighten_product_bounds(m, lp=False).unbounded == ("y",)


def test_a_refusal_names_the_constraints_left_out_for_their_parameters():
    m = _sum_model()
    m.p = pyo.Param(initialize=4.0, mutable=True)
    m.c.set_value(m.x + m.y <= m.p)
    assert tighten_product_bounds(m, lp=False).left_out == ("c",)
    with pytest.raises(
        UnboundedVariableError,
        match=r"imply no upper bound for .x., no upper bound for .y. .*.c. took no part, because a mutable Param",
    ):
        replace_products(m, random_net((4,)))


def test_infeasible_constraints_are_reported_as_such():
    m = _sum_model()
    m.c.set_value(m.x + m.y <= -1)
    with pytest.raises(InfeasibleModelError, match="infeasible.*implied_bounds=False"):
        tighten_product_bounds(m)
    assert m.x.bounds == (0, None)


def test_the_lp_pass_has_a_safety_net_of_seconds_and_says_when_it_ran_out():
    """x, y of the McCormick model are bounded by the LPs alone: with no time for them, none is derived and
    the result says why; with the default (the same in replace_products) every LP runs."""
    import inspect

    starved = tighten_product_bounds(_mccormick_model(), time_limit=1e-9)
    assert starved.timed_out and {"x", "y"} <= set(starved.unbounded)
    full = tighten_product_bounds(_mccormick_model())
    assert not full.timed_out and full.unbounded == () and full.lp_rounds >= 1
    assert inspect.signature(replace_products).parameters["bounds_time_limit"].default == DEFAULT_LP_SECONDS


@pytest.mark.parametrize("option, value", [("rounds", -1), ("time_limit", 0), ("wide", 0.0)])
def test_options_are_checked(option, value):
    with pytest.raises(ConfigError, match=option):
        tighten_product_bounds(_sum_model(), **{option: value})


# replace_products


def test_replace_products_uses_implied_bounds_and_reports_them():
    m = _sum_model()
    report = replace_products(m, random_net((4,)))
    assert report.implied_bounds.derived["x"].new == m.x.bounds
    product = report.products[("x", "y")]
    assert product.a + product.b == pytest.approx(m.x.ub)  # the net's box is the derived one


def test_off_switch_refuses_as_before():
    m = _sum_model()
    m.y.setub(10.0)  # x alone is unbounded: the message of today, word for word
    with pytest.raises(UnboundedVariableError) as caught:
        replace_products(m, random_net((4,)), implied_bounds=False)
    assert str(caught.value) == (
        "variable 'x' has bounds (0, None); a surrogate of a product needs finite bounds on both factors: "
        "bound it, e.g. model.x.setlb(...) and model.x.setub(...)"
    )
    assert m.x.bounds == (0, None)


def test_one_refusal_names_every_unbounded_factor_and_puts_bounds_back():
    m = _sum_model()
    m.u, m.v = pyo.Var(), pyo.Var(bounds=(-1, None))
    m.w = pyo.Var(bounds=(-1, 1))
    m.c2 = pyo.Constraint(expr=m.u * m.w + m.v * m.w <= 1)
    with pytest.raises(UnboundedVariableError) as caught:
        replace_products(m, random_net((4,)))
    message = str(caught.value)
    assert "2 factors of products have no finite bounds" in message and "'u' (None, None)" in message
    assert "'v' (-1, None)" in message and "bound them all" in message and "constraints imply no finite bound" in message
    assert m.x.bounds == (0, None) and m.component("surrogate_replacement") is None  # nothing half-done


# error-aware surrogates (no solve)


def test_certified_bound_of_a_hand_built_net_is_its_declared_one():
    assert certified_error_bound(hand_built("1x8", "paired")) == pytest.approx(1 / 16 + DECLARED_MARGIN)
    bound = certified_error_bound(hand_built("1x8", "paired"), onnx_float32=True)
    assert 1 / 16 + DECLARED_MARGIN < bound < 1 / 16 + DECLARED_MARGIN + 1e-5  # plus its float32 term


def test_certified_bound_holds_and_a_false_declaration_is_not_trusted():
    net = random_net((6, 6), seed=3)
    bound = certified_error_bound(net, points=129)
    points = np.random.default_rng(0).uniform(-1, 1, (20000, 2))
    assert np.max(np.abs(net.forward(points) - points[:, 0] * points[:, 1])) <= bound
    lying = net.with_metadata(error_bound=1e-9)  # first at a grid not seen yet, so that no cached bound answers
    assert certified_error_bound(lying, points=131) == pytest.approx(certified_error_bound(net, points=131))
    unreadable = net.with_metadata(error_bound="abc")  # metadata written elsewhere: not a number, so not used
    assert certified_error_bound(unreadable, points=133) == pytest.approx(certified_error_bound(net, points=133))
    loose = net.with_metadata(error_bound=bound / 2 + 1)  # a declaration looser than the grid's bound does not loosen it
    assert certified_error_bound(loose, points=129) == pytest.approx(bound)


def test_error_aware_product_gets_a_slack_of_its_scaled_bound():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(-3, -1))
    net = hand_built("1x8", "paired")
    z = bilinear(m, m.x, m.y, net, error_aware=True)
    width = z.error_bound * abs(z.scale)
    assert z.error_bound == certified_error_bound(net) and z.slack.bounds == pytest.approx((-width, width))
    assert any(v is z.slack.unit for v in pyo.expr.identify_variables(z.expr)) and z.slack.unit.bounds == (-1, 1)
    plain = bilinear(m, m.x, m.y, net)
    assert plain.slack is None and plain.error_bound is None


def test_error_aware_baselines_and_linear_products():
    m = pyo.ConcreteModel()
    m.x, m.y, m.k = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(3, 3))
    saw = bilinear(m, m.x, m.y, Sawtooth(4), error_aware=True)
    assert saw.error_bound == Sawtooth(4).max_error and saw.slack.ub == pytest.approx(saw.error_bound * saw.scale)
    relaxation = bilinear(m, m.x, m.y, NMDT(3), error_aware=True)
    assert relaxation.slack is None  # a relaxation already contains x*y
    linear = bilinear(m, m.x, m.k, random_net((4,)), error_aware=True)
    assert isinstance(linear, LinearProduct) and linear.slack is None and linear.error_bound == 0.0
    assert math.isfinite(saw.error_bound)


@pytest.mark.parametrize(("declared", "warned"), [(100, True), (10, False)])
def test_declared_bounds_far_wider_than_the_constraints_imply_are_warned_about(declared, warned):
    """x + y <= 4, x >= -1, y >= -2 imply x in [-1, 6]: a box of +-100 makes the surrogate's error ~30x larger."""
    import warnings as python_warnings

    from surrogate.errors import NumericsWarning
    from surrogate.milp.implied_bounds import tighten_product_bounds

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-declared, declared))
    m.y = pyo.Var(bounds=(-declared, declared))
    m.c = pyo.Constraint(expr=m.x + m.y <= 4)
    m.c2 = pyo.Constraint(expr=m.x >= -1)
    m.c3 = pyo.Constraint(expr=m.y >= -2)
    m.o = pyo.Objective(expr=m.x * m.y + 0.3 * m.x)
    with python_warnings.catch_warnings(record=True) as seen:
        python_warnings.simplefilter("always")
        report = replace_products(m, "3x8")
    loose = [str(w.message) for w in seen if issubclass(w.category, NumericsWarning)]
    if not warned:
        assert loose == [] and report.warnings == ()
        return
    assert loose == list(report.warnings)
    assert "x in [-100, 100] (the constraints imply [-1, 6]); y in [-100, 100] (the constraints imply [-2, 5])" in loose[0]
    report.undo(m)
    tighten_product_bounds(m, wide=1e-9)  # the fix the warning names
    with python_warnings.catch_warnings():
        python_warnings.simplefilter("error", NumericsWarning)
        assert replace_products(m, "3x8").warnings == ()


def test_undo_restores_a_derived_bound_of_a_variable_whose_index_holds_none():
    m = pyo.ConcreteModel()
    m.x = pyo.Var([(1, None)])  # bounded only by a constraint; Pyomo's find_component cannot read the name back
    m.y = pyo.Var([(1, None)], bounds=(-2, 3))
    m.lim = pyo.Constraint(expr=pyo.inequality(-1, m.x[1, None], 2))
    m.c = pyo.Constraint(expr=m.x[1, None] * m.y[1, None] >= 1)
    m.o = pyo.Objective(expr=m.x[1, None] + m.y[1, None])
    report = replace_products(m, hand_built("3x8", "shared"))
    assert m.x[1, None].lb == pytest.approx(-1.0)
    report.undo(m.clone())  # a clone restores its own variables, found by name
    report.undo(m)
    assert m.x[1, None].bounds == (None, None)


def test_the_fix_for_an_unbounded_factor_with_a_string_index_is_python_that_runs():
    """'x[a].setlb(...)' was printed: Pyomo writes a string index without quotes."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(["a", "b"], bounds=(0, 1))
    m.x["a"].setub(None)
    m.o = pyo.Objective(expr=m.x["a"] * m.x["b"])
    with pytest.raises(UnboundedVariableError, match=r"model.find_component\('x\[a\]'\).setlb\(...\)"):
        replace_products(m, random_net((4,)), implied_bounds=False)
    eval("model.find_component('x[a]').setub(2)", {"model": m})
    assert m.x["a"].ub == 2


def test_undo_on_a_clone_puts_the_bounds_back_on_variables_whose_names_read_back_as_others():
    """By name, 'x[a ]' read back as x['a']: undo on a clone left x['a '] at its derived bounds (and x[*] crashed)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(["a ", "a", "*"])
    m.y = pyo.Var(bounds=(0, 2))
    m.x["a"].setlb(-5), m.x["a"].setub(5)
    m.lo = pyo.Constraint(expr=m.x["a "] >= 1)
    m.hi = pyo.Constraint(expr=m.x["a "] <= 3)
    m.box = pyo.Constraint(expr=pyo.inequality(1, m.x["*"], 3))
    m.c = pyo.Constraint(expr=m.x["a "] * m.y + m.x["a"] * m.y + m.x["*"] * m.y >= 1)
    m.o = pyo.Objective(expr=m.x["a "] + m.y + m.x["a"] + m.x["*"])
    report = replace_products(m, random_net((4,)))
    clone = m.clone()
    report.undo(clone)
    assert [clone.x[i].bounds for i in ("a ", "a", "*")] == [(None, None), (-5, 5), (None, None)]
    report.undo(m)
    assert [m.x[i].bounds for i in ("a ", "a", "*")] == [(None, None), (-5, 5), (None, None)]


def test_a_refused_factor_of_another_model_is_left_with_the_bounds_it_had():
    """probe52 #7: FBBT gave A.x the bound 4 before the refusal, and no one put it back; both models unnamed, the
    message read "model 'unknown' (it belongs to another model, 'unknown')"."""
    from surrogate.errors import ModelFormatError

    a, b = pyo.ConcreteModel(), pyo.ConcreteModel()
    a.x, b.y = pyo.Var(bounds=(0, None)), pyo.Var(bounds=(0, None))
    b.lim = pyo.Constraint(expr=a.x + b.y <= 4)
    b.c = pyo.Constraint(expr=a.x * b.y <= 1)
    b.o = pyo.Objective(expr=a.x + b.y, sense=pyo.maximize)
    with pytest.raises(ModelFormatError, match=r"another model: a different model object, also named 'unknown'"):
        replace_products(b, hand_built("3x8", "shared"))
    assert a.x.bounds == (0, None) and b.y.bounds == (0, None)


def _scenario_with_a_shared_factor():
    """s[1], s[2] with max x + z s.t. x + z <= 4, x*z <= 1, z of the model: replace_products(m.s[1]) derives both."""
    m = pyo.ConcreteModel()
    m.z = pyo.Var(bounds=(0, None))
    m.s = pyo.Block([1, 2])
    for s in m.s.values():
        s.x = pyo.Var(bounds=(0, None))
        s.lim = pyo.Constraint(expr=s.x + m.z <= 4)
        s.c = pyo.Constraint(expr=s.x * m.z <= 1)
    m.o = pyo.Objective(expr=m.s[1].x + m.z, sense=pyo.maximize)
    return m, replace_products(m.s[1], hand_built("3x8", "shared"))


def test_undo_on_a_clone_of_the_block_replaced_puts_its_bounds_back():
    """probe52 #6: the ComponentUID was the model's (s[1].x), which the clone of s[1] has not: x kept (0, 4)."""
    m, report = _scenario_with_a_shared_factor()
    block = m.s[1].clone()
    assert block.x.ub is not None
    report.undo(block)
    assert block.x.bounds == (0, None) and block.c.active
    whole = m.clone()
    report.undo(whole)
    assert whole.s[1].x.bounds == (0, None)


def test_undo_on_a_clone_of_the_block_replaced_after_the_original_s_undo_puts_its_bounds_back():
    """probe58 #3: the original's undo deleted the block the context was read from, so the clone's x was looked up by
    the model's name (s[1].x), which the clone of s[1] has not: x kept its derived bound."""
    m, report = _scenario_with_a_shared_factor()
    block = m.s[1].clone()
    report.undo(m.s[1])
    assert m.s[1].x.bounds == (0, None) and block.x.ub is not None
    report.undo(block)
    assert block.x.bounds == (0, None) and block.c.active


def test_bounds_derived_for_a_block_leave_a_variable_it_reads_from_outside_as_recorded():
    """FBBT over s[1] tightened z, read from outside it, to 4, and only s[1]'s own variables were put back, so z was
    left at 4 (recorded: 4.000000004) and undo, finding it changed, kept it."""
    m, report = _scenario_with_a_shared_factor()
    assert m.z.ub == report.implied_bounds.derived["z"].new[1]
    report.undo(m)
    assert m.z.bounds == (0, None)


def _pinned_at_zero(domain):
    """x in [2500, 20000], n >= 0 and n <= 0 (FBBT pins n at 0); max -2x + 1e-4 x n: -5000 at (2500, 0)."""
    m = pyo.ConcreteModel()
    m.x, m.n = pyo.Var(bounds=(2500, 20000)), pyo.Var(domain=domain, bounds=(0, None))
    m.c = pyo.Constraint(expr=m.n <= 0)
    m.obj = pyo.Objective(expr=-2 * m.x + 1e-4 * m.x * m.n, sense=pyo.maximize)
    return m


@pytest.mark.parametrize("domain", [pyo.Integers, pyo.Reals])
def test_a_side_fbbt_pins_at_the_variable_s_own_bound_stays_exact(domain):
    from surrogate.milp.relaxation import mccormick_bound
    from surrogate.milp.solver import SolverConfig

    m = _pinned_at_zero(domain)
    found = tighten_product_bounds(m)
    assert m.n.bounds == (0, 0) and found.derived["n"].new == (0, 0)  # not [0, 1e-9]: a sliver of 1e-9 coefficients
    result = mccormick_bound(m, SolverConfig(time_limit=5, threads=1, rel_gap=1e-9))
    assert result.bound == pytest.approx(-5000.0, rel=1e-9)


def test_an_integer_s_bound_fbbt_rounded_gets_no_margin():
    m = pyo.ConcreteModel()
    m.n, m.x = pyo.Var(domain=pyo.Integers, bounds=(0, None)), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=2 * m.n <= 7)
    m.obj = pyo.Objective(expr=m.x * m.n)
    tighten_product_bounds(m)
    assert m.n.bounds == (0, 3)


def test_a_derived_side_next_to_the_own_bound_keeps_a_feasible_model_feasible():
    """y <= 0 declared, x y <= 0 with x <= -100 gives y >= 0: y is the point 0 (exact optimum -100), not [-1e-9, 0]."""
    from surrogate.milp.relaxation import mccormick_bound
    from surrogate.milp.solver import SolverConfig

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(None, -100)), pyo.Var(bounds=(None, 0))
    m.c1 = pyo.Constraint(expr=pyo.inequality(-400, m.x + 0.25 * m.y, 100))
    m.c2 = pyo.Constraint(expr=pyo.inequality(-900, 3 * m.y, 500))
    m.c3 = pyo.Constraint(expr=0.02 * m.y * m.x <= 0)
    m.obj = pyo.Objective(expr=m.x + 3 * m.y + 0.005 * m.y * m.x, sense=pyo.maximize)
    tighten_product_bounds(m)
    assert m.y.bounds == (0, 0) and m.x.bounds[0] < -400
    result = mccormick_bound(m, SolverConfig(time_limit=5, threads=1, rel_gap=1e-9))
    assert result.bound == pytest.approx(-100.0, rel=1e-9)


def test_a_margin_never_moves_a_side_past_the_variable_s_own_bound():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, None)), pyo.Var(bounds=(1, 2))
    m.c = pyo.Constraint(expr=m.x - 1e-12 * m.y >= 0)  # x >= 1e-12: the margin would go below 0
    m.d = pyo.Constraint(expr=m.x <= 3)
    m.obj = pyo.Objective(expr=m.x * m.y)
    found = tighten_product_bounds(m, lp=False)
    assert m.x.lb >= 0 and found.derived["x"].sources == (None, "fbbt")


def test_a_side_near_a_large_exact_one_is_not_snapped_shut():
    """The snap onto an exact opposite side used a window relative to the value: 1e-3 wide at 1e6, so
    x in [1e6, 1e6 + 9e-4] became the point 1e6 and a relaxation's maximum fell below the true one (probe73 #1)."""
    from surrogate.milp.relaxation import mccormick_bound
    from surrogate.milp.solver import SolverConfig

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(1e6, None)), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x <= 1e6 + 9e-4)
    m.o = pyo.Objective(expr=1e4 * m.x - 1e10 + m.x * m.y - 1e6 * m.y, sense=pyo.maximize)
    tighten_product_bounds(m, lp=False)
    assert m.x.lb == 1e6 and m.x.ub >= 1e6 + 9e-4
    bound = mccormick_bound(m, SolverConfig(time_limit=5, threads=1)).bound
    assert bound >= 9.0009 - 1e-6  # SCIP on the exact model: 9.0009 at x = 1e6 + 9e-4, y = 1


def test_a_huge_integer_bound_keeps_its_margin():
    """Past ~1e10 FBBT's floor(ub + 1e-5) can fall one below the true bound: no exemption from the margin there."""
    from surrogate.milp.bound_margins import EXACT_INTEGER_LIMIT, fbbt_side

    kw = {"old": None, "opposite": 0.0, "exact": False, "integer": True}
    assert fbbt_side(7.0, 1, **kw) == 7.0
    assert fbbt_side(1e12, 1, **kw) > 1e12 and EXACT_INTEGER_LIMIT < 1e12


def test_a_huge_integer_bound_is_not_exact_for_the_opposite_side_either():
    """_record_fbbt took any whole bound of an integer as exact (no 1e9 limit, unlike fbbt_side), so the opposite
    side snapped onto it: n == 2e12 became the point [2e12, 2e12], with no margin on either side."""
    m = pyo.ConcreteModel()
    m.n, m.y = pyo.Var(domain=pyo.Integers), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.n == 2e12)
    m.o = pyo.Objective(expr=m.n * m.y)
    tighten_product_bounds(m, lp=False)
    assert m.n.lb < 2e12 < m.n.ub
    from surrogate.milp.bound_margins import rounded_exactly  # the one test of both

    assert rounded_exactly(7.0, integer=True) and not rounded_exactly(2e12, integer=True)
    assert not rounded_exactly(7.0, integer=False) and not rounded_exactly(None, integer=True)


def test_restore_on_a_clone_of_a_block_acts_on_the_clones_own_variables_only():
    """probe88 #3, #4: restore(c) on c = m.p.clone() looked for 'p.x' in c (relative to the whole model) and found
    nothing; restore() changed the original. The clone's x is found by its place in p; a variable the clone shares
    with the original (m.z, outside p) is left as it is."""
    m = pyo.ConcreteModel()
    m.z, m.p = pyo.Var(), pyo.Block()
    m.p.x, m.p.y = pyo.Var(), pyo.Var(bounds=(0, 2))
    m.p.c = pyo.Constraint(expr=m.p.x + m.z <= 3)
    m.p.c2, m.p.c3 = pyo.Constraint(expr=m.p.x >= -1), pyo.Constraint(expr=m.z >= 1)
    m.p.o = pyo.Objective(expr=m.p.x * m.p.y + m.z * m.p.y)
    implied = tighten_product_bounds(m.p)
    assert set(implied.derived) == {"p.x", "z"}
    c = m.p.clone()
    implied.restore(c)
    assert c.x.bounds == (None, None) and m.p.x.bounds == pytest.approx((-1, 2), abs=1e-6)
    assert m.z.bounds == pytest.approx((1, 4), abs=1e-6)  # shared with the original: left


def _diamond(half: float):
    """min x*y on |x| + |y| <= 1, declared x, y in [-half, half]: FBBT cannot see the diamond, the LP can."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-half, half)), pyo.Var(bounds=(-half, half))
    m.rows = pyo.ConstraintList()
    for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
        m.rows.add(a * m.x + b * m.y <= 1)
    m.obj = pyo.Objective(expr=m.x * m.y)
    return m


@pytest.mark.solver
def test_lp_tightens_a_declared_box_wider_than_wide_and_leaves_a_narrower_one():
    m = _diamond(5.0)  # width 10 > wide = 6: the LP gives [-1, 1]
    tighten_product_bounds(m, wide=6.0)
    assert m.x.lb == pytest.approx(-1.0, abs=1e-4) and m.x.ub == pytest.approx(1.0, abs=1e-4)
    assert m.x.lb <= -1.0 and m.x.ub >= 1.0  # outward: sound
    m = _diamond(2.0)  # width 4 <= 6: kept as declared
    tighten_product_bounds(m, wide=6.0)
    assert m.x.bounds == (-2.0, 2.0) and m.y.bounds == (-2.0, 2.0)


def test_a_factor_bound_no_solver_reads_is_named_before_any_bound_is_derived():
    """A factor bounded by a 0-d NumPy array crashed in Pyomo's Var.ub (a bare TypeError from the bound tightening
    replace_products runs first); it is named with the fix, and the model is left as it was."""
    from surrogate.errors import ModelFormatError

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, np.array(2.0))), pyo.Var(bounds=(-1, 1))
    m.c = pyo.Constraint(expr=m.x * m.y <= 0.5)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    match = r"variable 'x' has the upper bound array\(2\.\), a NumPy array rather than a number.*model\.x\.setub\(2\.0\)"
    with pytest.raises(ModelFormatError, match=match):
        tighten_product_bounds(m)
    with pytest.raises(ModelFormatError, match=match):
        replace_products(m)
    assert m.c.body.polynomial_degree() == 2 and not hasattr(m, "surrogate_replacement")


def test_restore_keeps_a_side_changed_since_and_puts_the_other_back():
    """x, y free, tightened to [-1.5, 1.5] by the LP: x's lower bound and y's upper bound set by hand afterwards are
    kept by restore(); the other sides, still as derived, go back to None."""
    m = _mccormick_model()
    implied = tighten_product_bounds(m)
    assert implied.derived["x"].sources == ("lp", "lp") and implied.derived["y"].sources == ("lp", "lp")
    m.x.setlb(-1.0)
    m.y.setub(1.0)
    implied.restore()
    assert m.x.bounds == (-1.0, None) and m.y.bounds == (None, 1.0)
