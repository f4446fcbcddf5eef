"""A replacement block follows the model it was built for, or the solve is refused (rewrite_record.py)."""

import math

import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig, solve
from surrogate.errors import ModelFormatError
from surrogate.milp.bilinear import replace_products
from surrogate.milp.rewrite_record import RewriteRecord
from surrogate.milp.rewrite_refresh import refresh_rewrites
from surrogate.milp.warmstart import StartConfig, solve_with_start
from surrogate.nets.construct import hand_built, plan

NET = hand_built("3x8", "shared")
BOUND = plan("3x8", "shared").error_bound  # max |N(x, y) - x y| on [-1, 1]^2
CONFIG = SolverConfig(time_limit=20.0, rel_gap=1e-9, threads=1)


def _model():
    """min x*y + x on [-1, 2] x [-1, 3], with x + y <= 4 and the product named in an Expression."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2))
    m.y = pyo.Var(bounds=(-1, 3))
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.e = pyo.Expression(expr=m.x * m.y)
    m.c = pyo.Constraint(expr=m.x + m.y + m.n * m.y <= 4)
    m.o = pyo.Objective(expr=m.e + m.x)
    return m


def _refused(m, match: str) -> None:
    with pytest.raises(ModelFormatError, match=match):
        refresh_rewrites(m)


def test_the_block_records_what_it_was_built_from():
    m = _model()
    report = replace_products(m, NET, implied_bounds=False)
    record = m.surrogate_replacement.record
    assert isinstance(record, RewriteRecord)
    assert [r.original.name for r in record.rewritten] == ["o", "c"]
    assert {f.var.name: (f.lb, f.ub, f.integer) for f in record.factors} == {
        "x": (-1.0, 2.0, False),
        "y": (-1.0, 3.0, False),
        "n": (0.0, 3.0, True),
    }
    assert report.block == "surrogate_replacement"
    refresh_rewrites(m)  # nothing changed: nothing to refuse


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda m: m.x.setub(4), r"'x' now has bounds \[-1, 4\], wider than the box \[-1.0, 2.0\]"),
        (lambda m: m.y.setlb(None), r"'y' now has bounds \[-inf, 3\], wider than the box \[-1.0, 3.0\]"),
        (lambda m: m.x.fix(2.5), r"'x' is fixed at 2.5, outside the box \[-1.0, 2.0\]"),
        (lambda m: m.x.fix(-1.5), r"'x' is fixed at -1.5, outside the box \[-1.0, 2.0\]"),  # below it, too
        (lambda m: m.x.setub(2.0001), r"'x' now has bounds \[-1, 2.0001\], wider than the box"),  # 1e-4 is no rounding
        (lambda m: setattr(m.n, "domain", pyo.Reals), r"'n' was integer when its products were built .* now Reals"),
        (lambda m: m.c.set_value(m.x * m.y <= 1), r"constraint 'c' was given a new expression"),
        (lambda m: setattr(m.o, "expr", m.x), r"objective 'o' was given a new expression"),
        (lambda m: m.e.set_value(2 * m.x * m.y), r"the Expression 'e' in objective 'o' was given a new expression"),
        (lambda m: m.del_component(m.c), r"constraint 'c' was deleted from the model \(its copy still holds it\)"),
    ],
)
def test_an_edit_the_block_cannot_follow_is_refused_with_the_fix(edit, match):
    m = _model()
    replace_products(m, NET, implied_bounds=False)
    edit(m)
    _refused(m, match + r".*undo the replacement \(report\.undo\(model\)\) and replace the products again")
    with pytest.raises(ModelFormatError, match=match):
        solve(m, CONFIG)


def test_tighter_bounds_a_fix_inside_the_box_and_a_clone_are_followed():
    m = _model()
    replace_products(m, NET, implied_bounds=False)
    m.x.setub(1.5)
    m.y.fix(0.5)
    m.n.setlb(1)
    refresh_rewrites(m)
    twin = m.clone()  # the clone's record names the clone's own components
    twin.x.setub(3)
    _refused(twin, r"'x' now has bounds \[-1, 3\]")
    refresh_rewrites(m)


@pytest.mark.solver
def test_bounds_of_mutable_params_are_followed_not_refused():
    """min x*y - 2x, x in [-1, top]: -6 at (2, -1) for top = 2; widened to top = 5, -15 at (5, -1) (brute force
    gives both). A surrogate that kept the old box would still answer -6."""
    m = _model()
    m.o.set_value(m.e - 2 * m.x)
    m.top = pyo.Param(initialize=2.0, mutable=True)
    m.x.setub(m.top)
    replace_products(m, NET, implied_bounds=False)
    assert solve(m, CONFIG).objective == pytest.approx(-6.0, abs=3 * BOUND)
    m.top = 5.0
    refresh_rewrites(m)
    assert solve(m, CONFIG).objective == pytest.approx(-15.0, abs=6 * BOUND)
    assert (pyo.value(m.x), pyo.value(m.y)) == pytest.approx((5.0, -1.0), abs=1e-6)


@pytest.mark.solver
@pytest.mark.parametrize("warm", [False, True])
def test_a_new_objective_sense_is_followed(warm):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    m.o = pyo.Objective(expr=m.x * m.y + m.x)
    report = replace_products(m, NET, implied_bounds=False)
    assert solve(m, CONFIG).objective == pytest.approx(-2.0, abs=2 * BOUND)
    m.o.sense = pyo.maximize  # the range of x*y + x: its maximum is 2, at (1, 1)
    start = StartConfig(time_limit=2.0) if warm else None
    result, _ = solve_with_start(m, report, CONFIG, start=start)
    assert result.objective == pytest.approx(2.0, abs=2 * BOUND)
    assert m.surrogate_replacement.objectives[1].sense == pyo.maximize


def test_undo_gives_the_exact_model_back_and_products_can_be_replaced_again():
    m = _model()
    m.y.setub(None)  # bound tightening derives it from y_cap
    m.y_cap = pyo.Constraint(expr=m.y <= 3)
    report = replace_products(m, NET)
    assert m.y.ub == pytest.approx(3.0)  # derived
    report.undo(m)
    assert m.component("surrogate_replacement") is None
    assert m.o.active and m.c.active and m.y_cap.active
    assert m.y.ub is None  # the derived bound put back
    m.c.set_value(m.x * m.y <= 1)  # the exact model can be edited, and its products replaced again
    again = replace_products(m, NET)
    assert again.n_products == 1
    again.undo(m)
    with pytest.raises(ModelFormatError, match="has no block 'surrogate_replacement': it was undone already"):
        again.undo(m)


def _linked():
    """max x*y + x with x's box only implied: x == 2t - 1, t in [0, 1] (replace_products derives x in [-1, 1])."""
    m = pyo.ConcreteModel()
    m.t = pyo.Var(bounds=(0, 1))
    m.x = pyo.Var()
    m.y = pyo.Var(bounds=(-1e-3, 1e-3))
    m.link = pyo.Constraint(expr=m.x == 2 * m.t - 1)
    m.o = pyo.Objective(expr=m.x * m.y + m.x, sense=pyo.maximize)
    return m


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda m: m.t.setub(3),
            r"the bounds derived for x from the constraints rest on it: 't' \(read by constraint 'link'\) now has wider bounds \[0, 3\]",
        ),
        (
            lambda m: m.link.set_value(m.x == 4 * m.t - 1),
            r"derived for x .* constraint 'link' was given a new expression",
        ),
        (lambda m: m.link.deactivate(), r"constraint 'link' was deactivated"),
    ],
)
def test_bounds_derived_from_constraints_are_refused_once_what_they_rest_on_changes(edit, match):
    m = _linked()
    replace_products(m, NET)
    assert m.x.bounds == pytest.approx((-1, 1), abs=1e-6)
    refresh_rewrites(m)
    edit(m)
    _refused(m, match)


def test_mccormick_envelopes_of_param_bounds_are_refused_once_the_param_widens():
    from surrogate.milp.relaxation import mccormick

    m = pyo.ConcreteModel()
    m.u = pyo.Param(initialize=1.0, mutable=True)
    m.x = pyo.Var(bounds=(-m.u, m.u))
    m.y = pyo.Var(bounds=(-1, 1))
    m.o = pyo.Objective(expr=m.x * m.y)
    mccormick(m)
    m.u = 0.5  # narrower: the envelope still holds
    refresh_rewrites(m)
    m.u = 2.0
    _refused(m, r"'x' now has bounds \[-2.0, 2.0\], wider than the box \[-1.0, 1.0\]")


def test_undo_on_a_clone_restores_the_clone_and_keeps_bounds_set_by_hand():
    m = _linked()
    report = replace_products(m, NET)
    twin = m.clone()
    report.undo(twin)
    assert twin.x.bounds == (None, None) and twin.component("surrogate_replacement") is None
    assert m.x.bounds == pytest.approx((-1, 1), abs=1e-6)  # the original is not touched
    refresh_rewrites(m)
    m.x.setub(0.5)  # tightened by hand after the replacement: undo keeps it
    report.undo(m)
    assert m.x.bounds == (None, 0.5)


def test_a_fix_a_rounding_past_the_box_is_accepted_and_one_without_a_value_refused():
    m = _model()
    replace_products(m, NET, implied_bounds=False)
    m.x.setub(0.3)
    m.x.fix(0.1 + 0.2)  # 0.30000000000000004
    refresh_rewrites(m)
    m.x.fix()
    m.x.set_value(None)
    with pytest.raises(ModelFormatError, match=r"variables 'x' are fixed but have no value; fix each at one, e.g. x.fix\(0.3\)"):
        solve(m, CONFIG)


def test_an_lp_relaxation_of_every_integer_is_not_refused():
    m = _model()  # n is an integer factor; the 3x8 net has binaries of its own
    replace_products(m, NET, implied_bounds=False)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    refresh_rewrites(m)


@pytest.mark.solver
def test_a_param_bound_that_took_no_part_in_a_derivation_may_widen():
    """max x*y + x with x = 2t - 1 in [-1, 1]: 1 + cap at (1, cap), so 1.001, then 1.002 once cap is widened."""
    m = _linked()
    m.cap = pyo.Param(initialize=1e-3, mutable=True)
    m.y.setub(m.cap)  # y's bound is a Param: bound tightening leaves it out, and the surrogate follows it
    replace_products(m, NET)
    assert solve(m, CONFIG).objective == pytest.approx(1.001, abs=1e-6)
    m.cap = 2e-3
    refresh_rewrites(m)
    assert solve(m, CONFIG).objective == pytest.approx(1.002, abs=1e-6)
    assert pyo.value(m.x) == pytest.approx(1.0, abs=1e-6) and pyo.value(m.y) == pytest.approx(2e-3, abs=1e-8)


@pytest.mark.parametrize(
    ("bounds", "edit", "match"),
    [
        (lambda m: (-m.u, m.u), lambda m: m.x.setub(2), r"'x' now has bounds \[-1.0, 2\], wider than the box \[-1.0, 1.0\]"),
        (lambda m: (-m.u, m.u), lambda m: m.x.setub(None), r"'x' now has bounds \[-1.0, inf\], wider than the box \[-1.0, 1.0\]"),
        (lambda m: (m.u, m.u), lambda m: m.x.setlb(-1), r"'x' now has bounds \[-1, 1.0\], wider than the box \[1.0, 1.0\]"),
    ],
)
def test_a_constant_bound_set_in_place_of_a_params_is_held_against_its_values(bounds, edit, match):
    m = pyo.ConcreteModel()
    m.u = pyo.Param(initialize=1.0, mutable=True)
    m.x = pyo.Var(bounds=bounds(m))
    m.y = pyo.Var(bounds=(-2, 3))
    m.o = pyo.Objective(expr=m.x * m.y)
    replace_products(m, NET, implied_bounds=False)
    edit(m)
    _refused(m, match + r" its products were built for \(the values now of the mutable Params its bounds were\)")
    m.x.setlb(bounds(m)[0])
    m.x.setub(0.5 if m.x.lb == -1 else bounds(m)[1])  # a constant inside the Params' box, or the Param again: valid
    refresh_rewrites(m)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (math.inf, r"'x' now has bounds \[-1.0, inf\] \(the values now of the mutable Params its bounds "),
        (math.nan, r"'x' has a bound that is NaN \(a mutable Param of its bounds set to nan\)"),
    ],
)
def test_a_param_bound_set_to_inf_or_nan_is_refused_naming_the_variable(value, match):
    """A mutable Param bound later set to inf ("no limit") was refused as a NaN coefficient of an internal objective;
    set to NaN, Pyomo's bare ValueError (probe58 #6). Setting it finite again is enough: the message no longer says
    to undo the replacement and replace the products again."""
    m = pyo.ConcreteModel()
    m.u = pyo.Param(initialize=2.0, mutable=True)
    m.x = pyo.Var(bounds=(-1, m.u))
    m.y = pyo.Var(bounds=(-2, 1))
    m.o = pyo.Objective(expr=m.x * m.y + m.x)
    replace_products(m, NET, implied_bounds=False)
    m.u = value
    with pytest.raises(ModelFormatError, match=match + r".*give those Params finite values again \(nothing needs rebuilding\)$"):
        solve(m, CONFIG)
    m.u = 2.0
    assert solve(m, CONFIG).objective == pytest.approx(-2.0, abs=1e-3)  # x*y + x at (2, -2) or (-1, 1)


def _bilinear_model(domain, bounds):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=domain, bounds=bounds)
    m.y = pyo.Var(bounds=(-2, 3))
    return m


@pytest.mark.parametrize(
    ("domain", "bounds", "edit", "blocks"),
    [
        (pyo.Reals, (-1, 1), lambda m: m.x.setub(2), "blocks model.surrogate_x_y and model.surrogate_x_y_scaled"),
        (pyo.Integers, (0, 1), lambda m: m.x.setub(2), "block model.surrogate_x_y"),  # a BinaryProduct
        (pyo.Integers, (-1, 1), lambda m: m.x.setlb(-3), "block model.surrogate_x_y"),  # an IntegerProduct
        (
            pyo.Reals,
            (1, 1),
            lambda m: m.x.setlb(-1),
            "block model.surrogate_x_y",
        ),  # a LinearProduct: an empty block holds its record
    ],
)
def test_a_product_added_by_bilinear_refuses_a_widened_factor(domain, bounds, edit, blocks):
    from surrogate import bilinear

    m = _bilinear_model(domain, bounds)
    product = bilinear(m, m.x, m.y, NET)
    m.o = pyo.Objective(expr=product.expr)
    refresh_rewrites(m)
    edit(m)
    _refused(
        m, r"'x' now has bounds .* wider than the box .*; delete " + blocks + r" \(model.del_component\(...\)\) and call bilinear"
    )
    with pytest.raises(ModelFormatError, match="call bilinear again"):
        solve(m, CONFIG)


@pytest.mark.solver
@pytest.mark.parametrize("build", ["bilinear", "replace_products"])
def test_the_lp_relaxation_of_exact_products_and_a_widened_partner_of_a_zero_width_factor_are_followed(build):
    """b*y (no integers of its own) relaxed with the whole model; 3*y (x in [3, 3]) exact whatever y's box."""
    from surrogate import bilinear

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(3, 3)), pyo.Var(bounds=(0, 1))
    m.b = pyo.Var(domain=pyo.Binary)
    if build == "bilinear":
        m.o = pyo.Objective(
            expr=bilinear(m, m.b, m.y, NET).expr + bilinear(m, m.x, m.y, NET).expr - 0.5 * m.b, sense=pyo.maximize
        )
    else:
        m.o = pyo.Objective(expr=m.b * m.y + m.x * m.y - 0.5 * m.b, sense=pyo.maximize)
        replace_products(m, NET, implied_bounds=False)
    relaxed = m.clone()
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(relaxed)
    refresh_rewrites(relaxed)  # an LP relaxation of every integer: the exact products' envelopes stay valid
    m.y.setub(5)  # 3*y is exact on any box of y, but b*y's big-M rows were built for y <= 1
    _refused(m, r"'y' now has bounds \[0, 5\], wider than the box \[0.0, 1.0\]")
    m.y.setub(1)
    m.x.setlb(2)
    _refused(m, r"'x' now has bounds \[2, 3\], wider than the box \[3.0, 3.0\]")


def test_the_empty_block_of_a_zero_width_product_is_checked_even_deactivated():
    from surrogate import bilinear

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(3, 3)), pyo.Var(bounds=(0, 1))
    m.o = pyo.Objective(expr=bilinear(m, m.x, m.y, NET).expr, sense=pyo.maximize)
    m.surrogate_x_y.deactivate()  # it holds nothing: deactivating it must not silence the check
    m.x.setlb(4), m.x.setub(4)
    _refused(m, r"'x' now has bounds \[4, 4\], wider than the box \[3.0, 3.0\]")


def _binary_product_model():
    from surrogate import bilinear

    m = pyo.ConcreteModel()
    m.b = pyo.Var(domain=pyo.Binary)
    m.y = pyo.Var(domain=pyo.Integers, bounds=(0, 5))
    m.o = pyo.Objective(expr=bilinear(m, m.b, m.y, NET).expr, sense=pyo.maximize)
    return m


def test_only_the_integrality_an_exact_product_relies_on_is_checked():
    """b*y is exact while b is binary, whatever y is; b made continuous by hand is no LP relaxation (it was taken for one)."""
    m = _binary_product_model()
    m.y.domain = pyo.Reals  # the envelopes of b*y hold for any y in its box
    refresh_rewrites(m)
    m.b.domain = pyo.Reals
    _refused(m, r"'b' was integer when its products were built \(they rely on it\) and is now Reals")
    relaxed = _binary_product_model()
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(relaxed)
    refresh_rewrites(relaxed)  # Pyomo's relaxation leaves its record: an LP relaxation, followed


def test_a_factor_fixed_inside_its_box_is_followed_whatever_its_bounds_and_a_deactivated_parent_changes_nothing():
    from surrogate import bilinear

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(2, 2)), pyo.Var(bounds=(0, 1))
    m.sub = pyo.Block()
    m.o = pyo.Objective(expr=bilinear(m.sub, m.x, m.y, NET).expr, sense=pyo.maximize)
    m.x.setlb(0), m.x.setub(5), m.x.fix(2)  # a solver reads the value 2 only
    refresh_rewrites(m)
    m.x.unfix()
    _refused(m, r"'x' now has bounds \[0, 5\], wider .* delete block model.sub.surrogate_x_y \(model.sub.del_component\(...\)\)")
    m.sub.deactivate()  # 2.0*y is still read by the objective: x*y with x in [0, 5] read 2 (it is 5)
    _refused(m, r"'x' now has bounds \[0, 5\], wider")


def _scenarios(edit) -> pyo.ConcreteModel:
    """Scenario blocks ``outer.s[i]``, each with its own product, solved one at a time while ``outer`` is off."""
    from surrogate import bilinear

    m = pyo.ConcreteModel()
    m.outer = pyo.Block()
    m.outer.s = pyo.Block([1, 2])
    for s in m.outer.s.values():
        s.x, s.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
        s.o = pyo.Objective(expr=bilinear(s, s.x, s.y, NET).expr, sense=pyo.maximize)
    m.outer.deactivate()
    edit(m.outer.s[1])
    return m


def test_a_block_solved_on_its_own_is_checked_whatever_is_deactivated_above_it():
    """A deactivated block above the one solved turned every check off: a widened factor was used (2 for 5)."""
    m = _scenarios(lambda s: s.x.setub(5))
    _refused(m.outer.s[1], r"'outer.s\[1\].x' now has bounds \[0, 5\], wider .* \(model.outer.s\[1\].del_component")
    refresh_rewrites(m.outer.s[2])  # its own products are as built
    refresh_rewrites(m)  # nothing of outer is read by a solve of m


def test_a_deactivated_block_of_products_whose_variable_is_still_read_is_refused():
    """The objective read w of a deactivated BinaryProduct block: w was free, and the solve said 'unbounded'."""
    from surrogate import bilinear

    m = pyo.ConcreteModel()
    m.b, m.y = pyo.Var(domain=pyo.Binary), pyo.Var(bounds=(0, 1))
    m.sub = pyo.Block()
    m.o = pyo.Objective(expr=bilinear(m.sub, m.b, m.y, NET).expr, sense=pyo.maximize)
    m.sub.deactivate()
    _refused(m, r"block 'sub.surrogate_b_y' of products is deactivated .* but 'sub.surrogate_b_y.w' of it is still read")
    m.o.deactivate()
    m.o2 = pyo.Objective(expr=m.y, sense=pyo.maximize)  # the product is no longer read: the block may stay off
    refresh_rewrites(m)


def test_an_edit_of_a_replaced_row_is_refused_when_a_block_above_is_off_but_the_block_itself_is_solved():
    m = pyo.ConcreteModel()
    m.outer = pyo.Block()
    s = m.outer.s = pyo.Block()
    s.x, s.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    s.c = pyo.Constraint(expr=s.x * s.y <= 0.25)
    s.o = pyo.Objective(expr=s.x + s.y, sense=pyo.maximize)
    replace_products(s, NET)
    m.outer.deactivate()
    s.c.set_value(s.x * s.y <= 0.01)
    _refused(s, r"constraint 'outer.s.c' was given a new expression")


@pytest.mark.parametrize("where", ["block", "targets"])
def test_pyomo_s_relaxation_of_a_block_or_a_variable_is_an_lp_relaxation(where):
    """relax_integer_vars on the block that holds b (its record sits there) was refused as a hand-made change."""
    from surrogate import bilinear

    m = pyo.ConcreteModel()
    m.sub = pyo.Block()
    m.sub.b, m.sub.y = pyo.Var(domain=pyo.Binary), pyo.Var(bounds=(-1, 1))
    m.o = pyo.Objective(expr=bilinear(m.sub, m.sub.b, m.sub.y, NET).expr, sense=pyo.maximize)
    m.sub.c = pyo.Constraint(expr=m.sub.y == 1 - 2 * m.sub.b)
    relax = pyo.TransformationFactory("core.relax_integer_vars")
    relax.apply_to(m.sub) if where == "block" else relax.apply_to(m, targets=[m.sub.b])
    refresh_rewrites(m)
    m2 = pyo.ConcreteModel()  # a hand-made change beside a relaxation of another variable is no relaxation
    m2.b, m2.c, m2.y = pyo.Var(domain=pyo.Binary), pyo.Var(domain=pyo.Binary), pyo.Var(bounds=(-1, 1))
    m2.o = pyo.Objective(expr=bilinear(m2, m2.b, m2.y, NET).expr + m2.c)
    relax.apply_to(m2, targets=[m2.c])
    m2.b.domain = pyo.Reals
    _refused(m2, r"'b' was integer when its products were built")


def test_the_fix_names_a_block_of_a_string_index_in_python_that_runs():
    """'model.site[north].del_component(...)' was printed: Pyomo writes a string index without quotes."""
    from surrogate import bilinear

    m = pyo.ConcreteModel()
    m.site = pyo.Block(["north"])
    b = m.site["north"]
    b.x, b.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    b.o = pyo.Objective(expr=bilinear(b, b.x, b.y, NET).expr)
    b.x.setub(2)
    with pytest.raises(ModelFormatError, match=r"\(model.find_component\('site\[north\]'\).del_component\(...\)\)") as info:
        refresh_rewrites(m)
    owner = str(info.value).split(" (")[1].split(".del_component")[0]
    eval(f"{owner}.del_component('surrogate_site_north__x_site_north__y')", {"model": m})  # the advice runs
    assert b.component("surrogate_site_north__x_site_north__y") is None


def test_a_sense_given_to_the_copy_is_followed_and_undo_gives_it_back():
    """The copy (the objective a solve reads) made to minimise was put back to maximise before every solve."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(-2, 3))
    m.obj = pyo.Objective(expr=m.x * m.y + m.x, sense=pyo.maximize)
    report = replace_products(m, NET)
    copy = m.surrogate_replacement.objectives[1]
    copy.sense = pyo.minimize
    refresh_rewrites(m)
    assert copy.sense == pyo.minimize and m.obj.sense == pyo.minimize
    m.obj.sense = pyo.maximize  # the original's sense is followed as before
    refresh_rewrites(m)
    assert copy.sense == pyo.maximize
    copy.sense = pyo.minimize
    refresh_rewrites(m)
    report.undo(m)
    assert m.obj.active and m.obj.sense == pyo.minimize


@pytest.mark.parametrize("which", ["obj", "c"])
def test_an_original_active_again_beside_its_copy_is_refused_naming_it(which):
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(-2, 3))
    m.obj = pyo.Objective(expr=m.x * m.y + m.x)
    m.c = pyo.Constraint(expr=m.x * m.y <= 2)
    replace_products(m, NET)
    m.component(which).activate()
    _refused(m, rf"'{which}', which its copy replaces, is active again .*deactivate it \(model.{which}.deactivate\(\)\)")


def _indexed(m):
    """Rows ``c[i]: x[i] * y[i] <= i`` and an objective ``o[1]`` with a product, on ``m``."""
    m.I = pyo.RangeSet(2)
    m.x, m.y = pyo.Var(m.I, bounds=(0, 3)), pyo.Var(m.I, bounds=(0, 3))
    m.c = pyo.Constraint(m.I, rule=lambda b, i: b.x[i] * b.y[i] <= i)
    m.o = pyo.Objective([1], rule=lambda b, i: b.x[1] * b.y[1] + b.x[2], sense=pyo.maximize)
    return m


def test_a_deleted_indexed_row_is_refused_and_undo_leaves_it_out():
    """probe58 #4: ``del_component`` of a replaced IndexedConstraint (or Objective) crashed solve and undo with a bare
    AttributeError (its elements have no component any more), and undo stopped half-way."""
    m = _indexed(pyo.ConcreteModel())
    report = replace_products(m, NET, implied_bounds=False)
    m.del_component(m.c)
    m.del_component(m.o)
    with pytest.raises(ModelFormatError, match=r"objective 'o\[1\]' was deleted .*constraint 'c\[1\]' was deleted"):
        solve(m, CONFIG)
    report.undo(m)
    assert m.component(report.block) is None
    m.o = pyo.Objective(expr=m.x[1] + m.y[2], sense=pyo.maximize)
    assert solve(m, CONFIG).objective == pytest.approx(6.0)


def test_a_deleted_indexed_row_of_a_block_replaced_with_its_model_is_left_out():
    """probe58 #4: the rows a whole-model replacement replaced in ``s`` are marked on ``s``; the mark of a deleted
    IndexedConstraint crashed a solve of ``s`` alone, and its undo."""
    m = pyo.ConcreteModel()
    m.s = pyo.Block()
    _indexed(m.s)
    report = replace_products(m, NET, implied_bounds=False)
    m.s.del_component(m.s.c)
    with pytest.raises(ModelFormatError, match=r"rows of block 's' \(s.o\[1\]\) were replaced by block"):
        solve(m.s, CONFIG)
    report.undo(m)
    assert m.component(report.block) is None and m.s.o[1].active


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (lambda s, m: setattr(s, "c", pyo.Constraint(expr=m.x * m.y <= 1)), r"constraint 's1.c' was deleted from the model"),
        (
            lambda s, m: setattr(s, "lim", pyo.Constraint(expr=m.x + m.y <= 1)),
            r"derived for x, y from the constraints rest on it: constraint 's1.lim' was deleted",
        ),
    ],
)
def test_a_deleted_sub_block_that_holds_a_replaced_row_or_a_basis_row_is_refused(row, match):
    """probe63 #1: deleting the block ``s1`` that held a replaced row (or a row the derived bounds rest on) went
    unnoticed (its rows still have ``s1`` as their parent), and the deleted row kept cutting the model."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, None)), pyo.Var(bounds=(0, None))
    m.cap = pyo.Constraint(expr=m.x + m.y <= 4)
    m.s1 = pyo.Block()
    row(m.s1, m)
    m.c = pyo.Constraint(expr=m.x * m.y <= 0.2)
    m.o = pyo.Objective(expr=m.x + 2 * m.y, sense=pyo.maximize)
    report = replace_products(m, NET)
    refresh_rewrites(m)
    m.del_component(m.s1)
    _refused(m, match)
    report.undo(m)  # the deleted row is left out
    assert m.component(report.block) is None and m.c.active


def test_a_plain_nan_bound_is_not_blamed_on_a_param():
    """setlb(nan) on a model without a Param was refused as 'a mutable Param of its bounds set to nan' (probe66 #6)."""
    m = _model()
    replace_products(m, NET)
    m.x.setlb(math.nan)
    with pytest.raises(ModelFormatError, match=r"'x' was given a bound that is NaN; give it a number within \[-1.0, 2.0\]"):
        refresh_rewrites(m)


def test_a_variable_no_constraint_reads_may_widen_after_bounds_were_derived():
    """probe75 #4: ``z.setub(2)`` was refused (the derived bounds 'rest on' z) though z is in no constraint: the truth
    is max x*y + x + z = 3 at x = 1, z = 2; t, which the derivation read, is still refused."""
    m = _linked()
    m.z = pyo.Var(bounds=(0, 1))
    m.o.set_value(m.o.expr + m.z)
    replace_products(m, NET)
    m.z.setub(2)
    assert solve(m, CONFIG).objective == pytest.approx(3.0, abs=1e-2)
    m.t.setub(3)
    _refused(m, r"rest on it: 't' \(read by constraint 'link'\) now has wider bounds")


def test_a_block_switched_off_that_holds_a_row_the_derived_bounds_rest_on_is_refused():
    """probe75 #3: a row of a deactivated block is off, though its own flag is on: x's derived box [-1, 1] may not hold."""
    m = _linked()
    m.s = pyo.Block()
    m.s.link = pyo.Constraint(expr=m.x == 2 * m.t - 1)
    m.del_component(m.link)
    replace_products(m, NET)
    m.s.deactivate()
    _refused(m, r"rest on it: block 's' above constraint 's.link' was deactivated")
    m.s.activate()
    refresh_rewrites(m)


def test_undo_reads_each_mark_once_however_many_rows_a_block_had_replaced(monkeypatch):
    """Undoing N replaced rows of one block visited its mark list once per row (O(N^2): 0.63 s for 5,000 rows)."""
    import builtins

    from surrogate.milp import rewrite_record

    rows = 60
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2))
    m.y = pyo.Var(bounds=(-1, 3))
    m.c = pyo.Constraint(range(rows), rule=lambda m, i: m.x * m.y <= i + 1)
    m.o = pyo.Objective(expr=m.x + m.y)
    report = replace_products(m, NET, implied_bounds=False)
    visited = []

    class Counted(list):
        def __iter__(self):
            for mark in list.__iter__(self):
                visited.append(mark)
                yield mark

    def counting(obj, name, *default):
        value = builtins.getattr(obj, name, *default)
        return Counted(value) if name == rewrite_record.MARK and isinstance(value, list) else value

    monkeypatch.setattr(rewrite_record, "getattr", counting, raising=False)
    report.undo(m)
    assert len(visited) == rows
    assert getattr(m, rewrite_record.MARK) == [] and all(m.c[i].active for i in range(rows))


def test_a_replacement_s_record_is_kept_on_the_blocks_of_what_it_derived_and_replaced():
    """probe86 #2: it was kept on the top of the model only, which a clone of a block, a move or an embedding left
    behind; undo drops it from every block."""
    from surrogate.milp.rewrite_record import rewrites_of

    m = pyo.ConcreteModel()
    m.p = pyo.Block()
    m.p.x, m.p.b1 = pyo.Var(), pyo.Block()
    m.p.b1.y = pyo.Var(bounds=(-2, 3))
    m.p.b1.c1, m.p.b1.c2 = pyo.Constraint(expr=m.p.x <= 2), pyo.Constraint(expr=m.p.x >= -1)
    m.p.b1.prod = pyo.Constraint(expr=m.p.x * m.p.b1.y >= -10)
    report = replace_products(m.p.b1, NET)
    assert rewrites_of(m.p) == [report.record] and rewrites_of(m.p.b1) == [report.record] and rewrites_of(m) == []
    clone = m.p.clone()
    (copied,) = rewrites_of(clone)
    assert copied is not report.record and copied.block is clone.b1.surrogate_replacement
    report.undo(m)
    assert rewrites_of(m.p) == [] and rewrites_of(m.p.b1) == [] and rewrites_of(clone) == [copied]
