"""A product with an integer factor of few values is exact through the factor's binary digits."""

import itertools
import warnings

import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, IntegerProduct, ModelFormatError, SolverConfig, solve
from surrogate.milp import integer_products
from surrogate.milp.bilinear import bilinear, replace_products
from surrogate.milp.integer_products import INTEGER_BITS, held_integer, integer_bits, integer_bounds
from surrogate.milp.model_size import ModelSize
from tests.helpers import expression_range

CONFIG = SolverConfig(time_limit=20.0, rel_gap=1e-9, threads=1)


def test_the_digits_an_integer_factor_needs():
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=3.0, mutable=True)
    cases = [
        (pyo.Integers, (0, 3), 2),
        (pyo.Integers, (-2, 5), 3),
        (pyo.Integers, (0.5, 3.7), 2),  # 1, 2, 3
        (pyo.Integers, (4, 4), 1),
        (pyo.NonNegativeIntegers, (0, 2**INTEGER_BITS - 1), INTEGER_BITS),
        (pyo.Integers, (0, 2**INTEGER_BITS), None),  # one value too many: a net
        (pyo.Integers, (0, None), None),
        (pyo.Reals, (0, 3), None),
        (pyo.Integers, (0, m.p), None),  # the Param may change how many values there are
    ]
    for k, (domain, bounds, bits) in enumerate(cases):
        var = pyo.Var(domain=domain, bounds=bounds)
        m.add_component(f"v{k}", var)
        assert integer_bits(var) == bits, (domain, bounds)


def test_a_fractional_bound_keeps_only_the_integers_inside_it():
    """``[0.5, 3.6]`` holds the integers 1, 2, 3: 3.6 is not rounded up to 4 (a digit too many, and a warm start held
    at 4, outside the bounds), nor 0.5 down to 0."""
    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0.5, 3.6))
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0, 3.6))
    assert integer_bounds(m.n) == (1, 3) and integer_bits(m.k) == 2  # 0..3: two digits, not three
    assert held_integer(m.n, 3.6) == 3.0 and held_integer(m.n, 0.2) == 1.0 and held_integer(m.n, 2.4) == 2.0


@pytest.mark.solver
@pytest.mark.parametrize(
    "low, high, y_box",
    [(0, 3, (-1.5, 2.0)), (-2, 5, (-1.5, 2.0)), (1, 3, (-1.5, 2.0)), (0, 3, (0.5, 2.0)), (-2, 5, (-2.0, -0.5))],
)
def test_the_constraints_leave_exactly_n_times_y_at_every_point(low, high, y_box):
    """Also where ``y``'s box lies on one side of 0 (``L_y > 0``, ``U_y < 0``): a digit's row ``w_k <= y - L_y (1 - b_k)``
    loosened to ``y - 2 L_y (1 - b_k)`` is still exact for ``L_y <= 0`` and cuts ``n*y`` off for ``L_y > 0``."""
    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(low, high))
    m.y = pyo.Var(bounds=y_box)
    product = bilinear(m, m.n, m.y, "3x8")
    bits = integer_bits(m.n)
    assert isinstance(product, IntegerProduct) and product.factor is m.n and product.low == low
    assert product.size() == ModelSize(2 * bits, bits, 4 * bits + 1) and len(product.binaries[0]) == bits
    ys = sorted({*(y for y in (-1.5, -0.25, 0.0, 1.0, 2.0) if y_box[0] <= y <= y_box[1]), *y_box})
    for n, y in itertools.product(range(low, high + 1), ys):
        m.n.fix(n), m.y.fix(y)
        assert expression_range(m, product.expr) == pytest.approx((n * y, n * y), abs=1e-9)
        assert product.digit_values(n) == [float(((n - low) >> k) & 1) for k in range(bits)]


@pytest.mark.solver
def test_a_square_and_a_product_of_two_integers_are_exact():
    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(-3, 3))
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0, 100))
    square, both = bilinear(m, m.n, m.n, "3x8"), bilinear(m, m.n, m.k, "3x8")
    assert both.factor is m.n and len(both.bits) == 3  # the factor of fewer values is expanded
    for n, k in itertools.product(range(-3, 4), (0, 7, 100)):
        m.n.fix(n), m.k.fix(k)
        assert expression_range(m, square.expr) == pytest.approx((n * n, n * n), abs=1e-9)
        assert expression_range(m, both.expr) == pytest.approx((n * k, n * k), abs=1e-9)


@pytest.mark.solver
def test_an_equality_on_integer_products_keeps_its_solutions():
    """n*k == 2 over {0..3}^2: a net's error made it infeasible; the digits keep (1, 2) and (2, 1)."""
    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.c = pyo.Constraint(expr=m.n * m.k == 2)
    m.o = pyo.Objective(expr=m.n - m.k)
    report = replace_products(m, "3x8")
    assert report.size() == ModelSize(4, 2, 9)
    result = solve(m, CONFIG)
    assert result.optimal and result.objective == pytest.approx(-1.0) and (m.n.value, m.k.value) == (1.0, 2.0)
    assert report.products[("k", "n")].get_error().vs_product <= 1e-9


@pytest.mark.parametrize("domain", [pyo.Binary, pyo.Integers])
def test_an_exact_product_with_huge_big_m_rows_is_warned_about(domain):
    """Digits within HiGHS's integrality tolerance times 1e8 move the product by 100: say so, as for a surrogate."""
    from surrogate.errors import NumericsWarning

    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=domain, bounds=(0, 1 if domain is pyo.Binary else 7))
    m.y = pyo.Var(bounds=(-1e8, 1e8))
    m.c = pyo.Constraint(expr=m.n * m.y >= 50)
    m.o = pyo.Objective(expr=m.y + 1000 * m.n)
    with pytest.warns(
        NumericsWarning, match=r"product n\*y is badly scaled: written exactly with binary digits, its big-M rows reach"
    ):
        report = replace_products(m, "3x8", implied_bounds=False)
    assert len(report.warnings) == 1 and "tighten the bounds of n and y" in report.warnings[0]
    report.undo(m)  # the exact model again, with y in thousands
    m.y.setlb(-1e3)
    m.y.setub(1e3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        assert replace_products(m, "3x8", implied_bounds=False).warnings == ()


# probe119 #4: the exported class called directly on a pair it cannot expand, or misused


def _pair(**n):
    m = pyo.ConcreteModel()
    m.n, m.y, m.x = pyo.Var(**n), pyo.Var(bounds=(0, 3)), pyo.Var(bounds=(-1, 2))
    return m


def test_an_integer_product_of_too_many_values_names_the_limit_and_leaves_nothing():
    """It raised a bare TypeError (range(None)) and left block 'ny' behind, so a retry under that name was refused."""
    m = _pair(within=pyo.Integers, bounds=(0, 10**6))
    for _ in range(2):  # the same refusal again: no half-built block in the way
        with pytest.raises(
            ModelFormatError,
            match=rf"IntegerProduct: 'n' has 1000001 values \(\[0, 1000000\]\), more than the 2\*\*INTEGER_BITS = {2**INTEGER_BITS}.*use bilinear\(model, x, y\)",
        ):
            IntegerProduct(m, m.n, m.y, "ny")
        assert m.component("ny") is None


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda m: IntegerProduct(m, m.x, m.y, "q"),
            ModelFormatError,
            r"IntegerProduct: neither factor is an integer variable \('x', 'y'\).*bilinear",
        ),
        (lambda m: IntegerProduct(None, m.n, m.y, "q"), ConfigError, r"IntegerProduct: model=None must be a Pyomo model"),
        (lambda m: IntegerProduct(m, m.n, m.y, ""), ConfigError, r"IntegerProduct: name='' must be a component name"),
        (lambda m: IntegerProduct(m, 3, m.y, "q"), ModelFormatError, r"IntegerProduct: x is a int \(3\), not one Pyomo variable"),
    ],
)
def test_an_integer_product_misused_names_the_argument(call, error, match):
    m = _pair(within=pyo.Integers, bounds=(0, 4))
    with pytest.raises(error, match=match):
        call(m)
    assert m.component("q") is None


def test_an_integer_product_of_param_bounds_says_why(monkeypatch):
    m = _pair(within=pyo.Integers)
    m.p = pyo.Param(initialize=4, mutable=True)
    m.n.setlb(0), m.n.setub(m.p)
    with pytest.raises(ModelFormatError, match=r"IntegerProduct: the bounds of 'n' are given by mutable Params"):
        IntegerProduct(m, m.n, m.y, "q")


def test_an_integer_product_failing_while_built_leaves_no_block(monkeypatch):
    m = _pair(within=pyo.Integers, bounds=(0, 4))

    def interrupted(block):
        raise KeyboardInterrupt

    monkeypatch.setattr(integer_products, "mark_built", interrupted)
    with pytest.raises(KeyboardInterrupt):
        IntegerProduct(m, m.n, m.y, "q")
    assert m.component("q") is None
