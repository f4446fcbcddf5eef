"""Surrogate products on arbitrary boxes: exact rescaling and error scaling, with HiGHS."""

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import ReluMLP, SolverConfig, solve
from surrogate.milp.bilinear import bilinear, replace_products
from surrogate.milp.solver import make_solver
from surrogate.milp.solver_config import Termination
from surrogate.nets.construct import hand_built, plan
from tests.helpers import random_net

pytestmark = pytest.mark.solver


@pytest.mark.parametrize(
    ("seed", "domain"),
    [*((seed, ((-1.0, 1.0), (-1.0, 1.0))) for seed in range(4)), (0, ((0.0, 1.0), (0.0, 1.0))), (1, ((-3.0, 1.0), (2.0, 5.0)))],
)
def test_rescaling_is_exact_on_random_boxes(solver_config, seed, domain):
    """probe109 SP1: an offset of the wrong sign in the map from a net's domain to the box agrees with the right one
    for every domain centred at 0; on [0, 1]^2 it made a model with x and y fixed inside their bounds infeasible."""
    rng = np.random.default_rng(seed)
    lx, ux = np.sort(rng.uniform(-10, 10, 2))
    ly, uy = np.sort(rng.uniform(-5, 20, 2))
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(lx, ux))
    m.y = pyo.Var(bounds=(ly, uy))
    net = random_net((6, 6), seed=seed)
    p = bilinear(m, m.x, m.y, ReluMLP(net.weights, net.biases, {"domain": [list(side) for side in domain]}))
    (dx, ex), (dy, ey) = domain  # the net's domain is mapped onto the box, corner to corner
    assert (p.a * dx + p.b, p.a * ex + p.b, p.c * dy + p.d, p.c * ey + p.d) == pytest.approx((lx, ux, ly, uy))
    m.obj = pyo.Objective(expr=p.expr)
    solver = make_solver(solver_config)
    for x, y in zip(rng.uniform(lx, ux, 10), rng.uniform(ly, uy, 10)):
        m.x.fix(float(x))
        m.y.fix(float(y))
        assert solve(m, solver_config, solver=solver).optimal
        err = p.get_error()
        # z is the net's output at the scaled point, mapped back exactly
        xh, yh = (x - p.b) / p.a, (y - p.d) / p.c
        expected = p.scale * p.encoded.net.forward(np.array([[xh, yh]]))[0] + p.a * p.d * xh + p.b * p.c * yh + p.b * p.d
        assert err.z == pytest.approx(expected, abs=1e-6 * max(1.0, abs(expected)))
        assert err.vs_net <= 1e-6 * max(1.0, abs(expected))


def test_error_scales_with_the_box_and_squares_work(solver_config):
    net = hand_built("3x8", "shared")
    bound = plan("3x8", "shared").error_bound
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(1.0, 5.0))  # a = 2
    m.y = pyo.Var(bounds=(-2.0, 4.0))  # c = 3
    xy = bilinear(m, m.x, m.y, net)
    xx = bilinear(m, m.x, m.x, net)
    m.obj = pyo.Objective(expr=xy.expr + xx.expr)
    solver = make_solver(solver_config)
    for x, y in [(1.0, -2.0), (2.3, 0.7), (4.9, 3.9), (3.0, 1.0)]:
        m.x.fix(x)
        m.y.fix(y)
        assert solve(m, solver_config, solver=solver).optimal
        assert xy.get_error().vs_product <= 6 * bound * (1 + 1e-6) + 1e-9  # |a c| = 6
        assert xx.get_error().vs_product <= 4 * bound * (1 + 1e-6) + 1e-9  # |a a| = 4
        assert xx.get_error().true_product == pytest.approx(x * x)


def test_replacement_gives_the_same_milp_as_manual_calls(solver_config):
    from surrogate.milp.bilinear import replace_products
    from surrogate.milp.encoding import model_size

    net = hand_built("3x8", "shared")

    def exact():
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(0, 2))
        m.y = pyo.Var(bounds=(-1, 3))
        m.obj = pyo.Objective(expr=m.x * m.y - 0.5 * m.x * m.x + m.y)
        m.c = pyo.Constraint(expr=m.x * m.y >= -1)
        return m

    auto = exact()
    replace_products(auto, net)
    manual = exact()
    manual.obj.deactivate()
    manual.c.deactivate()
    xy = bilinear(manual, manual.x, manual.y, net)
    xx = bilinear(manual, manual.x, manual.x, net)
    manual.new_obj = pyo.Objective(expr=xy.expr - 0.5 * xx.expr + manual.y)
    manual.new_c = pyo.Constraint(expr=xy.expr >= -1)
    a, b = solve(auto, solver_config), solve(manual, solver_config)
    assert a.optimal and b.optimal
    assert a.objective == pytest.approx(b.objective, abs=1e-7)
    assert model_size(auto) == model_size(manual)
    assert (pyo.value(auto.x), pyo.value(auto.y)) == pytest.approx((pyo.value(manual.x), pyo.value(manual.y)), abs=1e-6)


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_a_row_whose_products_cancel_holds_or_fails_on_its_constant(solver):
    """x*y - y*x >= p crashed replace_products with Pyomo's InvalidConstraintError (a row of constants): it is kept,
    follows p (p = -1: always true; p = 1: infeasible) and undo gives the original back."""
    if solver == "scip":
        pytest.importorskip("pyscipopt")
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 3)), pyo.Var(bounds=(-2, 2))
    m.p = pyo.Param(initialize=-1, mutable=True)
    m.c = pyo.Constraint(expr=m.x * m.y - m.y * m.x >= m.p)
    m.e = pyo.Constraint(expr=m.x * m.y == m.y * m.x)
    m.o = pyo.Objective(expr=m.x + m.y)
    report = replace_products(m, "3x8")
    config = SolverConfig(solver=solver, time_limit=10, threads=1)
    assert solve(m, config).objective == pytest.approx(-3)
    m.p = 1
    assert solve(m, config).termination == Termination.INFEASIBLE
    report.undo(m)
    assert m.c.active and m.e.active and m.component(report.block) is None


@pytest.mark.parametrize("route", ["bilinear", "replace_products"])
@pytest.mark.parametrize("width", [1e-6, 1e-2])
def test_a_factor_box_of_a_millionth_is_mapped_exactly(solver_config, route, width):
    """probe102 #1: on x in [0, w], y in [-w, w] with w = 1e-6 the rows x == a*xh + b (a = 5e-7) were held only to
    HiGHS's 1e-6, the whole box: the net was read at the box's other corner, and the objective (1/w^2) x y - x/w
    reported optimal at -0.998 where its point's true value was 0 and the optimum is -2; the rows are now written times
    a power of two."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, width)), pyo.Var(bounds=(-width, width))
    if route == "bilinear":
        p = bilinear(m, m.x, m.y, "3x8")
        m.o = pyo.Objective(expr=p.output / width**2 - m.x / width)
    else:
        m.o = pyo.Objective(expr=m.x * m.y / width**2 - m.x / width)
        p = next(iter(replace_products(m, "3x8").products.values()))
    result = solve(m, solver_config)
    x, y = pyo.value(m.x), pyo.value(m.y)
    assert x * y / width**2 - x / width == pytest.approx(-2.0, abs=1e-6)  # the true optimum's point (w, -w)
    assert result.objective == pytest.approx(-2.0, abs=5e-3)  # within the net's error
    assert p.get_error().vs_net <= 1e-9 * abs(p.get_error().z) + 1e-15


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_a_variable_read_only_with_a_zero_coefficient_gets_a_value_so_the_users_rows_evaluate(solver):
    """probe123 #4: w in [0, 0] makes w*y the linear 0*y, which leaves y out of every row a solver sees: y had no value,
    and the user's own objective and row (w*y + z) raised Pyomo's 'No value for uninitialized' at the answer. y gets
    the point of its bounds nearest 0, and u (read as 0.0*u, [1, 3]) its lower bound."""
    if solver == "scip":
        pytest.importorskip("pyscipopt")
    m = pyo.ConcreteModel()
    m.w, m.y, m.z, m.u = pyo.Var(bounds=(0, 0)), pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(0, 3)), pyo.Var(bounds=(1, 3))
    m.c = pyo.Constraint(expr=m.w * m.y + m.z >= 1)
    m.o = pyo.Objective(expr=m.w * m.y + m.z + 0.0 * m.u * m.z)
    replace_products(m, "3x8")
    result = solve(m, SolverConfig(solver=solver, time_limit=10, threads=1))
    assert result.termination == Termination.OPTIMAL and result.objective == pytest.approx(1.0)
    assert (m.y.value, m.u.value) == (0.0, 1.0)
    assert pyo.value(m.o) == pytest.approx(1.0) and pyo.value(m.c.body) == pytest.approx(1.0)


def _with_units(units: bool):
    """probe138 #4's model: min x/m + y/s with x*y >= 2 m*s, with its units or without."""
    from pyomo.environ import units as u

    m_, s_ = (u.m, u.s) if units else (1, 1)
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 3), units=m_ if units else None), pyo.Var(bounds=(0, 3), units=s_ if units else None)
    m.c = pyo.Constraint(expr=m.x * m.y >= 2 * m_ * s_)
    m.o = pyo.Objective(expr=m.x / m_ + m.y / s_)
    return m


def test_units_are_dropped_from_the_rewritten_rows_and_the_solve_is_unchanged(solver_config):
    """What docs/problems.md says of units (probe138 #4): the rewritten rows are dimensionless, so Pyomo's units check
    fails after the replacement (and passes again after undo), while the solve reads the same numbers."""
    pytest.importorskip("pint")
    from pyomo.core.base.units_container import UnitsError
    from pyomo.util.check_units import assert_units_consistent

    m = _with_units(True)
    assert_units_consistent(m)
    report = replace_products(m, "3x8")
    with pytest.raises(UnitsError, match="dimensionless"):
        assert_units_consistent(m)
    plain = _with_units(False)
    replace_products(plain, "3x8")
    assert solve(m, solver_config).objective == pytest.approx(solve(plain, solver_config).objective, abs=1e-9)
    report.undo(m)
    assert_units_consistent(m)
