"""The McCormick relaxation: valid rows, also when a factor's bound is ~0 (a coefficient a solver would drop)."""

import itertools

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import ConfigError
from surrogate.milp.implied_bounds import tighten_product_bounds
from surrogate.milp.relaxation import SMALL_COEFFICIENT, mccormick_bound, mccormick_envelope
from surrogate.milp.solver import SolverConfig

CONFIG = SolverConfig(time_limit=5, threads=1, rel_gap=1e-9)


def test_no_row_carries_a_coefficient_a_solver_drops_and_every_row_holds_on_the_box():
    from pyomo.repn import generate_standard_repn

    m = pyo.ConcreteModel()
    m.x, m.y, m.z = pyo.Var(), pyo.Var(), pyo.Var()
    box = (-42500.0, -20000.0, -1e-9, 15000.0)
    m.rows = pyo.ConstraintList()
    rows = [m.rows.add(row) for row in mccormick_envelope(m.z, m.x, m.y, box)]
    for row in rows:
        repn = generate_standard_repn(row.body)
        assert all(abs(c) >= SMALL_COEFFICIENT for c in repn.linear_coefs)
    for x, y in itertools.product(box[:2], box[2:]):  # the corners and z = x y: every row holds
        m.x.value, m.y.value, m.z.value = x, y, x * y
        for row in rows:
            body, lower, upper = pyo.value(row.body), row.lower, row.upper
            assert (lower is None or body >= pyo.value(lower) - 1e-6) and (upper is None or body <= pyo.value(upper) + 1e-6)


def test_a_factor_with_a_bound_of_minus_1e_9_gives_a_valid_lower_bound():
    """SCIP: optimum 0 at (a, b, c) = (-20000, 15000, 10000); b's derived box is [-1e-9, 15000]."""
    m = pyo.ConcreteModel()
    m.a = pyo.Var(domain=pyo.Integers, bounds=(None, -20000))
    m.b, m.c = pyo.Var(bounds=(-10000, None)), pyo.Var(bounds=(None, 10000))
    m.r1 = pyo.Constraint(expr=-2 * m.b <= 20000)
    m.r2 = pyo.Constraint(expr=-m.c + 2 * m.b <= 20000)
    m.r3 = pyo.Constraint(expr=0.0002 * m.a * m.b - m.b <= 20000)
    m.r4 = pyo.Constraint(expr=0.0001 * m.b * m.c - 0.5 * m.c - 3 * m.a >= -20000)
    m.r5 = pyo.Constraint(expr=-2 * m.a - 3 * m.b - 2 * m.c <= 20000)
    m.obj = pyo.Objective(expr=-2 * m.a - 2 * m.b - 3 * m.c - 0.0001 * m.a * m.c)
    tighten_product_bounds(m)
    result = mccormick_bound(m, CONFIG)
    assert result.has_solution and result.bound <= 1e-6


def test_a_sliver_box_at_zero_keeps_a_feasible_model_feasible():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-400, -100)), pyo.Var(bounds=(-1e-9, 0))
    m.c1 = pyo.Constraint(expr=pyo.inequality(-400, m.x + 0.25 * m.y, 100))
    m.c3 = pyo.Constraint(expr=0.02 * m.y * m.x <= 0)
    m.obj = pyo.Objective(expr=m.x + 3 * m.y + 0.005 * m.y * m.x, sense=pyo.maximize)
    result = mccormick_bound(m, CONFIG)
    assert result.has_solution and result.bound == pytest.approx(-100.0, abs=1e-6)


@pytest.mark.parametrize("bad", [None, "model", -1, np.float64(1.5)])
def test_mccormick_bound_refuses_what_is_no_model(bad):
    with pytest.raises(ConfigError, match=r"mccormick_bound: model=.* must be a Pyomo model or block"):
        mccormick_bound(bad, CONFIG)


def test_after_replace_products_the_bound_is_the_exact_model_s_not_the_surrogate_s_optimum():
    """probe83: on haverly1 after replace_products it returned the surrogate MILP's optimum (-399.34 for the optimum
    -400: no lower bound of it). Here max x*y on x + y <= 1 is 0.25 at (0.5, 0.5), the surrogate's optimum about that,
    and McCormick's bound 0.5 (z <= x, z <= y)."""
    from surrogate.milp.bilinear import replace_products
    from surrogate.nets.construct import hand_built

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x + m.y <= 1)
    m.o = pyo.Objective(expr=m.x * m.y, sense=pyo.maximize)
    exact = mccormick_bound(m, CONFIG).bound
    report = replace_products(m, hand_built("3x8", "shared"), implied_bounds=False)
    assert exact == pytest.approx(0.5) and mccormick_bound(m, CONFIG).bound == pytest.approx(exact)
    assert m.component(report.block) is not None and not m.o.active  # the model itself left as it was


@pytest.mark.parametrize("replaced", [False, True])
def test_a_block_whose_product_reads_a_variable_of_its_model_is_told_to_relax_the_model(replaced):
    """probe86 #5: the refusal said x 'belongs to another model' and to declare it on this model; it lies in the
    block's own model, and mccormick_bound(m) works (-2.0, the optimum)."""
    from surrogate.errors import ModelFormatError
    from surrogate.milp.bilinear import replace_products

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.b = pyo.Block()
    m.b.w = pyo.Var(bounds=(-1, 2))
    m.b.c = pyo.Constraint(expr=m.x * m.b.w >= -0.3)
    m.b.o = pyo.Objective(expr=m.x + m.b.w)
    if replaced:
        replace_products(m.b, "3x8")
    match = r"variable 'x' in a product of block 'b' lies outside that block \(in its model\).*relax the model that holds it \(mccormick_bound\(model\)"
    with pytest.raises(ModelFormatError, match=match):
        mccormick_bound(m.b, CONFIG)
    assert mccormick_bound(m, CONFIG).bound == pytest.approx(-2.0, abs=1e-6)


def test_a_zero_width_factor_is_relaxed_exactly_with_a_free_partner():
    """probe103 #5: x in [2, 2] times a free y (y >= -1 by a row) is 2y, which needs no envelope and no bound on y."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(2, 2)), pyo.Var()
    m.c = pyo.Constraint(expr=m.y >= -1)
    m.obj = pyo.Objective(expr=m.x * m.y + m.y)
    assert mccormick_bound(m, CONFIG).bound == pytest.approx(-3.0)


@pytest.mark.parametrize(
    ("x_box", "y_box", "least"),
    [((1, 2), (1, 3), 1.0), ((-1, 2), (-1, 3), -3.0), ((-1, 3), (-1, 2), -3.0), ((-2, -1), (-3, -1), 1.0)],
    ids=["lx*ly", "lx*uy", "ux*ly", "ux*uy"],
)
def test_the_bound_of_a_lone_product_is_its_least_corner(x_box, y_box, least):
    """probe109 R3: the product's variable got a lower bound without the lx*uy corner (-2 where min x*y on
    [-1, 2] x [-1, 3] is -3), caught only by a test about names with blanks. McCormick is exact for one product on a
    box: the bound is the least of the four corners, whichever it is."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=x_box), pyo.Var(bounds=y_box)
    m.obj = pyo.Objective(expr=m.x * m.y)
    assert mccormick_bound(m, CONFIG).bound == pytest.approx(least, abs=1e-9)


def test_a_factor_bound_highs_cannot_load_is_refused_naming_the_variable():
    """probe103 #6a: a bound of 1e15 was refused as "constraint 'mccormick.envelope0[2]' has a coefficient of 1e+15"."""
    from surrogate.errors import ModelFormatError

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1e15)), pyo.Var(bounds=(0, 1))
    m.obj = pyo.Objective(expr=m.x - m.x * m.y)
    with pytest.raises(
        ModelFormatError, match=r"variable 'x', a factor of the product x\*y, has a bound of 1e\+15.*give x bounds"
    ):
        mccormick_bound(m, CONFIG)


@pytest.mark.parametrize(
    "x_box, y_box, match",
    [
        ((1e11, 2e11), (1e11, 2e11), r"variable 'x', .* has bounds whose products with the other factor's reach 4e\+22, .*side"),
        ((1e16, 1e16), (-1, 1), r"variable 'x', a factor of the product x\*y, has a bound of 1e\+16"),
    ],
    ids=["sides", "zero-width"],
)
def test_envelope_rows_highs_cannot_load_are_refused_naming_the_variable(x_box, y_box, match):
    """probe106 #4: bounds of 1e11 (rows' sides of 4e22, past HiGHS's 1e20) and a zero-width factor of 1e16 (a
    coefficient past 1e15) were refused naming 'mccormick.envelope0[2]' or the relaxation's own rows."""
    from surrogate.errors import ModelFormatError

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=x_box), pyo.Var(bounds=y_box)
    m.obj = pyo.Objective(expr=m.x * m.y + m.y)
    with pytest.raises(ModelFormatError, match=match):
        mccormick_bound(m, CONFIG)


@pytest.mark.solver
@pytest.mark.parametrize("sense, extreme", [(pyo.maximize, 6.0), (pyo.minimize, -3.0)])
def test_the_bound_of_a_product_alone_is_its_extreme_over_the_box(sense, extreme):
    """``x*y`` on ``[-2, 1] x [-3, 1]`` reaches 6 at the corner ``(lx, ly)`` and -3 at ``(ux, ly)``: McCormick's
    envelopes are exact at the corners, so the relaxation's bound is exactly that extreme (the corners' values
    ``lx*ly, lx*uy, ux*ly, ux*uy`` = 6, -2, -3, 1 also bound the product's own variable: one left out of its max
    made the "bound" 1, below a point of the model)."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-2, 1)), pyo.Var(bounds=(-3, 1))
    m.obj = pyo.Objective(expr=m.x * m.y, sense=sense)
    result = mccormick_bound(m, CONFIG)
    assert result.has_solution and result.bound == pytest.approx(extreme, abs=1e-6)


@pytest.mark.parametrize("config", [None, {"time_limit": 5}])
def test_a_config_that_is_no_solver_config_is_named(config):
    """A bare AttributeError ('... has no attribute solver') before (probe67 #12, probe119)."""
    from surrogate import ConfigError
    from surrogate.milp.relaxation import mccormick_bound, solve_mccormick

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.o = pyo.Objective(expr=m.x * m.y)
    for where, call in (("mccormick_bound", mccormick_bound), ("solve_mccormick", solve_mccormick)):
        with pytest.raises(ConfigError, match=rf"{where}: config={config!r} must be a SolverConfig, e\.g\. {where}\(model, "):
            call(m, config)
