"""Error-aware surrogates keep the exact optimum feasible where the plain surrogate MILP cuts it off (HiGHS).

The hand-built 1x8 net interpolates u^2 and v^2 on nodes -1, -0.5, 0, 0.5, 1: along x = y it is
f(x) >= x^2, off by up to 1/16 (at x = 0.75: f = 0.625, x^2 = 0.5625). The exact model

    min x  s.t.  x*y == 0.5625,  x == y,  x >= 0,  x, y in [-1, 1]

has its optimum at x = y = 0.75, where the plain MILP needs f(0.75) = 0.5625: infeasible.
"""

import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig, solve
from surrogate.milp.bilinear import replace_products
from surrogate.nets.construct import hand_built

pytestmark = pytest.mark.solver

CONFIG = SolverConfig(time_limit=20.0, rel_gap=1e-9, threads=1)
OPTIMUM = 0.75


def _model():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.product = pyo.Constraint(expr=m.x * m.y == OPTIMUM**2)
    m.diagonal = pyo.Constraint(expr=m.x == m.y)
    m.positive = pyo.Constraint(expr=m.x >= 0)
    m.obj = pyo.Objective(expr=m.x)
    return m


def _solve_at_optimum(error_aware: bool):
    m = _model()
    report = replace_products(m, hand_built("1x8", "paired"), error_aware=error_aware)
    m.x.fix(OPTIMUM), m.y.fix(OPTIMUM)
    return solve(m, CONFIG), report.products[("x", "y")]


def test_plain_surrogate_cuts_off_the_exact_optimum():
    result, product = _solve_at_optimum(error_aware=False)
    assert not result.has_solution and result.termination in ("provenInfeasible", "infeasibleOrUnbounded")
    assert product.slack is None


def test_error_aware_surrogate_keeps_the_exact_optimum_feasible():
    result, product = _solve_at_optimum(error_aware=True)
    assert result.has_solution
    assert product.error_bound == pytest.approx(1 / 16, abs=1e-5)
    assert product.slack.value == pytest.approx(OPTIMUM**2 - 0.625, abs=1e-6)  # x*y - N(x, y)
    assert pyo.value(product.expr) == pytest.approx(OPTIMUM**2, abs=1e-6)


def test_error_aware_optimum_is_no_worse_than_the_exact_one():
    plain, aware = _model(), _model()
    replace_products(plain, hand_built("1x8", "paired"))
    replace_products(aware, hand_built("1x8", "paired"), error_aware=True)
    assert solve(plain, CONFIG).optimal
    assert plain.x.value == pytest.approx(0.5 + (OPTIMUM**2 - 0.25) / 1.5, abs=1e-6)  # f(x) = 0.5625: not 0.75
    assert solve(aware, CONFIG).optimal and aware.x.value <= OPTIMUM + 1e-6  # a relaxation of the exact model


def test_error_aware_surrogate_stays_a_relaxation_on_a_small_box():
    """max x y + 0.1 w x on [-w, w/2] x [-w, 0.3 w], w = 0.01: exact 0.9 w^2 at (-w, -w). The slack's width
    2 E |ac| is ~1e-6 there: written unscaled, HiGHS's presolve left it at the wrong end, below the exact optimum."""
    w = 0.01
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-w, 0.5 * w)), pyo.Var(bounds=(-w, 0.3 * w))
    m.obj = pyo.Objective(expr=m.x * m.y + 0.1 * w * m.x, sense=pyo.maximize)
    report = replace_products(m, "3x8", error_aware=True)
    result = solve(m, SolverConfig(time_limit=5.0, rel_gap=1e-9, threads=1))
    product = next(iter(report.products.values()))
    assert result.objective >= 0.9 * w * w - 1e-12
    assert product.slack.bounds == pytest.approx((-product.slack.width, product.slack.width))
    assert -product.slack.width <= product.slack.value <= product.slack.width
