"""A product with a binary factor is exact (four constraints, no surrogate); the warm start keeps integers integral."""

import itertools

import pyomo.environ as pyo
import pytest

from surrogate import BinaryProduct, ConfigError, IntegerProduct, ModelFormatError, SolverConfig
from surrogate.milp import integer_products
from surrogate.milp.bilinear import BilinearSurrogate, bilinear, replace_products
from surrogate.milp.binary_products import is_binary_factor
from surrogate.milp.interface import EncodedProduct
from surrogate.milp.model_size import ModelSize
from surrogate.milp.polish_result import max_violation
from surrogate.milp.products import UnboundedVariableError
from surrogate.milp.warmstart import StartConfig, activation_start, solve_with_start
from tests.helpers import expression_range, random_net

CONFIG = SolverConfig(time_limit=20.0, rel_gap=1e-9, threads=1)


def _model():
    m = pyo.ConcreteModel()
    m.b = pyo.Var(domain=pyo.Binary)
    m.c = pyo.Var(domain=pyo.Binary)
    m.y = pyo.Var(bounds=(-2.0, 3.0))
    return m


# 1. which factors are binary


def test_binary_factors_are_the_variables_that_take_only_0_and_1():
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=1.0, mutable=True)
    m.binary = pyo.Var(domain=pyo.Binary)
    m.unit_integer = pyo.Var(domain=pyo.Integers, bounds=(0, 1))
    m.natural = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 1))
    m.wide_integer = pyo.Var(domain=pyo.Integers, bounds=(0, 2))
    m.unit_real = pyo.Var(bounds=(0, 1))
    m.param_integer = pyo.Var(domain=pyo.Integers, bounds=(0, m.p))  # the Param may later leave [0, 1]
    m.free_integer = pyo.Var(domain=pyo.Integers)
    found = {v.name: is_binary_factor(v) for v in m.component_data_objects(pyo.Var)}
    assert found == {
        "binary": True,
        "unit_integer": True,
        "natural": True,
        "wide_integer": False,
        "unit_real": False,
        "param_integer": False,
        "free_integer": False,
    }


# 2. the encoding: its size, and exactly b*y at every (b, y)


def test_a_binary_product_adds_one_variable_four_constraints_and_no_binary():
    m = _model()
    product = bilinear(m, m.y, m.b, random_net((4,)))
    assert isinstance(product, BinaryProduct) and isinstance(product, EncodedProduct)
    assert product.binary is m.b and product.inputs == (m.y, m.b) and product.output is product.expr
    assert product.size() == ModelSize(1, 0, 4) and product.binaries == ()
    assert product.encoded is None and product.slack is None and product.error_bound == 0.0
    square = bilinear(m, m.b, m.b, random_net((4,)))
    assert square.expr is m.b and square.block is None and square.size() == ModelSize(0, 0, 0)


def test_an_integer_factor_of_more_than_2_to_the_10_values_still_gets_a_surrogate():
    m = _model()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 2**10))
    assert isinstance(bilinear(m, m.n, m.y, random_net((4,))), BilinearSurrogate)
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0, 2**10 - 1))
    assert isinstance(bilinear(m, m.k, m.y, random_net((4,))), IntegerProduct)


@pytest.mark.solver
@pytest.mark.parametrize("box", [(-2.0, 3.0), (1.0, 3.0), (-3.0, -1.0)], ids=["across-0", "positive", "negative"])
def test_the_constraints_leave_exactly_b_times_y_at_every_point(box):
    """Boxes with L > 0 and U < 0 too: a row exact only while L <= 0 <= U shows on them."""
    m = _model()
    m.y.setlb(box[0]), m.y.setub(box[1])
    product = bilinear(m, m.b, m.y, "3x8")
    both = bilinear(m, m.b, m.c, "3x8")
    low, high = box
    for b, c, y in itertools.product((0, 1), (0, 1), (low, 0.75 * low + 0.25 * high, (low + high) / 2, high)):
        m.b.fix(b), m.c.fix(c), m.y.fix(y)
        assert expression_range(m, product.expr) == pytest.approx((b * y, b * y), abs=1e-9)
        assert expression_range(m, both.expr) == pytest.approx((b * c, b * c), abs=1e-9)  # b AND c


@pytest.mark.solver
def test_mutable_bounds_of_the_other_factor_are_followed():
    m = _model()
    m.top = pyo.Param(initialize=3.0, mutable=True)
    m.y.setub(m.top)
    product = bilinear(m, m.b, m.y, "3x8")
    m.b.fix(1)
    m.top = 5.0
    assert expression_range(m, product.expr) == pytest.approx((-2.0, 5.0), abs=1e-9)


def test_get_error_before_a_solve_names_the_product():
    m = _model()
    product = bilinear(m, m.b, m.y, "3x8")
    with pytest.raises(ModelFormatError, match=r"product b\*y has no values yet; solve the model first"):
        product.get_error()


# 3. in a whole model: replace_products, a solve, the warm start


def _mixed_model():
    """max b*x + n*y - x/2 - 0.7 n - 0.2 b with b binary and n in {0, ..., 3}: optimum 4.9 at b = 0, n = 3, x = -2, y = 2."""
    m = pyo.ConcreteModel()
    m.b = pyo.Var(domain=pyo.Binary)
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.x = pyo.Var(bounds=(-2, 3))
    m.y = pyo.Var(bounds=(0, 2))
    m.budget = pyo.Constraint(expr=m.x + m.y <= 3.5)
    m.floor = pyo.Constraint(expr=m.b * m.x + m.n * m.y >= 1.0)
    m.o = pyo.Objective(expr=m.b * m.x + m.n * m.y - 0.5 * m.x - 0.7 * m.n - 0.2 * m.b, sense=pyo.maximize)
    return m


@pytest.fixture
def integers_get_surrogates(monkeypatch):
    """An integer factor of more than 2 values gets a net (as before IntegerProduct), so that the warm start holds it."""
    monkeypatch.setattr(integer_products, "INTEGER_BITS", 1)


@pytest.mark.solver
def test_replace_products_makes_the_binary_product_exact_and_the_integer_one_a_surrogate(integers_get_surrogates):
    m = _mixed_model()
    report = replace_products(m, "3x8")
    assert isinstance(report.products[("b", "x")], BinaryProduct)
    assert isinstance(report.products[("n", "y")], BilinearSurrogate)
    assert report.size().binaries == report.products[("n", "y")].size().binaries
    result, found = solve_with_start(m, report, CONFIG, start=StartConfig(time_limit=5.0, seed="exact"))
    assert result.optimal and found.found
    assert result.objective == pytest.approx(4.9, abs=3 * 1.5e-3)  # the n*y surrogate's error, scaled to its box
    assert report.products[("b", "x")].get_error().vs_product <= 1e-7


@pytest.mark.solver
def test_with_both_products_exact_the_mixed_model_has_its_exact_optimum():
    m = _mixed_model()
    report = replace_products(m, "3x8")
    assert isinstance(report.products[("n", "y")], IntegerProduct) and report.size() == ModelSize(5, 2, 13)
    result, found = solve_with_start(m, report, CONFIG, start=StartConfig(time_limit=5.0, seed="exact"))
    assert result.optimal and found.found and result.objective == pytest.approx(4.9, abs=1e-6)


@pytest.mark.solver
@pytest.mark.parametrize("seed", ["exact", "relaxation"])
@pytest.mark.parametrize("integer_product", ["net", "digits"])
def test_the_warm_start_keeps_the_models_own_integers_integral(seed, integer_product, monkeypatch):
    if integer_product == "net":
        monkeypatch.setattr(integer_products, "INTEGER_BITS", 1)
    m = _mixed_model()
    report = replace_products(m, "3x8")
    assert isinstance(report.products[("n", "y")], BilinearSurrogate if integer_product == "net" else IntegerProduct)
    found = activation_start(m, report, config=StartConfig(time_limit=5.0, seed=seed))
    assert found.found
    integers = [v for v in m.component_data_objects(pyo.Var) if v.is_integer()]
    assert all(v.value == round(v.value) for v in integers)
    # the point is a MILP solution, and the start reports its objective (not one of fractional integers)
    assert max_violation(m) <= 1e-6
    objective = next(m.component_data_objects(pyo.Objective, active=True))  # the rewritten one
    assert pyo.value(objective) == pytest.approx(found.objective, abs=1e-6)


# probe119 #1 and #4: the exported class called directly on factors it cannot write exactly, or misused


def test_a_binary_product_of_factors_neither_binary_is_refused_naming_them():
    """Its rows cut x*y for a factor that is not binary: max 'x*y' was 2 where x*y reaches 6, solved 'optimal'."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.n = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3)), pyo.Var(within=pyo.Integers, bounds=(0, 4))
    for x in (m.x, m.n):
        with pytest.raises(
            ModelFormatError,
            match=rf"BinaryProduct: neither factor is binary \('{x.name}' in .*bilinear\(model, x, y\).*IntegerProduct",
        ):
            BinaryProduct(m, x, m.y, "p")
        assert m.component("p") is None


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m: BinaryProduct(None, m.b, m.y, "q"), ConfigError, r"BinaryProduct: model=None must be a Pyomo model or block"),
        (lambda m: BinaryProduct(m, m.b, m.y, None), ConfigError, r"BinaryProduct: name=None must be a component name"),
        (lambda m: BinaryProduct(m, m.v, m.y, "q"), ModelFormatError, r"BinaryProduct: x is the indexed component 'v'"),
        (lambda m: BinaryProduct(m, m.b, None, "q"), ModelFormatError, r"BinaryProduct: y is a NoneType \(None\), not one"),
        (lambda m: BinaryProduct(m, m.b, m.n, "q"), UnboundedVariableError, r"variable 'n' has bounds \(0, None\).*n\.setub"),
        (
            lambda m: BinaryProduct(m, m.b, m.y, "y"),
            ModelFormatError,
            r"BinaryProduct: model 'unknown' already has a component 'y'",
        ),
    ],
)
def test_a_binary_product_misused_names_the_argument(call, error, match):
    """These were bare AttributeErrors and TypeErrors from inside the class, or Pyomo's."""
    m = _model()
    m.v, m.n = pyo.Var([1, 2], bounds=(0, 1)), pyo.Var(within=pyo.Integers, bounds=(0, None))
    with pytest.raises(error, match=match):
        call(m)
    assert m.component("q") is None
