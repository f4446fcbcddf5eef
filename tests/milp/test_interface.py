"""The written interface of everything that stands in for x*y: EncodedProduct, Baseline, binaries (no solver)."""

import math

import pyomo.environ as pyo
import pytest

from surrogate import ModelFormatError
from surrogate.milp.baselines import BASELINES, NMDT, Baseline, PiecewiseMcCormick, Sawtooth, TriangulatedPWL, is_baseline
from surrogate.milp.bilinear import BilinearSurrogate, EncodedBaseline, LinearProduct, bilinear
from surrogate.milp.encoding import EncodedSurrogate, SurrogateErrorReport, add_surrogate
from surrogate.milp.interface import EncodedProduct, ProductError
from tests.helpers import random_net


def _model():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-2, 3))
    m.c = pyo.Var(bounds=(2, 2))
    return m


def test_all_four_encodings_are_encoded_products():
    m = _model()
    net = random_net((4, 4), seed=0)
    encoded = add_surrogate(m, net, [m.x, m.x], name="net")
    scaled = bilinear(m, m.x, m.y, net)
    baseline = bilinear(m, m.x, m.y, Sawtooth(4))
    linear = bilinear(m, m.c, m.y, net)
    assert isinstance(encoded, EncodedSurrogate) and isinstance(scaled, BilinearSurrogate)
    assert isinstance(baseline.encoded, EncodedBaseline) and isinstance(linear, LinearProduct)
    for product in (encoded, scaled, baseline, baseline.encoded, linear):
        assert isinstance(product, EncodedProduct)
        assert len(product.inputs) == 2 and product.output is not None
        assert sum(len(group) for group in product.binaries) == product.size().binaries
    assert scaled.inputs == (m.x, m.y) and scaled.output is scaled.expr and scaled.block is scaled.encoded.block
    assert linear.block is None and linear.binaries == () and linear.size().binaries == 0
    assert sum(len(g) for g in baseline.binaries) == 4  # Sawtooth(4): two levels per square


def test_pruned_encoding_declares_its_indicators_per_hidden_layer():
    m = _model()
    net = random_net((6, 5), seed=1)
    encoded = add_surrogate(m, net, [m.x, m.x], formulation="pruned")
    assert len(encoded.indicators) == len(net.weights) - 1
    for k, (layer, group) in enumerate(zip(encoded.indicators, encoded.binaries)):
        assert dict(layer.items()) == group and all(v.is_binary() for v in group.values())
        assert set(group) <= set(range(net.weights[k].shape[1]))  # keyed by neuron
    bigm = add_surrogate(m, net, [m.x, m.x], formulation="bigm", name="bigm")
    assert bigm.indicators is None and sum(len(g) for g in bigm.binaries) == bigm.size().binaries


def test_one_error_report_for_every_encoding():
    assert SurrogateErrorReport is ProductError
    e = ProductError(0.5, -1.0, -0.4, -0.45, -0.5)
    assert e.milp_output == e.z == -0.4 and e.net_output == e.net_z == -0.45
    assert e.vs_net == pytest.approx(0.05) and e.vs_product == pytest.approx(0.1)


def test_encoded_baseline_reports_its_errors():
    m = _model()
    product = bilinear(m, m.x, m.y, NMDT(3))
    with pytest.raises(ModelFormatError, match="has no values yet"):
        product.encoded.get_error()
    for v in product.encoded.block.component_data_objects(pyo.Var):
        v.set_value(0.0, skip_validation=True)
    xh, yh = product.encoded.inputs
    xh.set_value(0.5), yh.set_value(-0.25)
    error = product.encoded.get_error()
    assert (error.x, error.y, error.true_product) == (0.5, -0.25, -0.125) and math.isnan(error.net_z)


def test_baselines_are_baselines_and_share_one_contract():
    assert set(BASELINES) == {Sawtooth, NMDT, PiecewiseMcCormick, TriangulatedPWL}
    for cls in BASELINES:
        baseline = cls()
        assert isinstance(baseline, Baseline) and is_baseline(baseline)
        assert baseline.domain == ((-1.0, 1.0), (-1.0, 1.0))
        assert baseline.kind == ("relaxation" if baseline.evaluate is None else "approximation")
    assert not is_baseline(random_net((2,), seed=0))
    with pytest.raises(TypeError):
        Baseline()


@pytest.mark.parametrize("baseline", [Sawtooth(6), NMDT(5), PiecewiseMcCormick(7), TriangulatedPWL(9)], ids=lambda b: b.name)
def test_an_encoded_baseline_exposes_as_many_binaries_as_it_declares(baseline):
    m = _model()
    product = bilinear(m, m.x, m.y, baseline)
    assert sum(len(group) for group in product.binaries) == baseline.binaries == product.size().binaries


def test_the_errors_of_a_product_are_distances():
    error = ProductError(x=1.0, y=2.0, z=1.5, net_z=3.0, true_product=2.0)
    assert (error.vs_net, error.vs_product, error.milp_output, error.net_output) == (1.5, 0.5, 1.5, 3.0)


def test_binary_groups_hold_only_binaries():
    """An integer in [0, 3] beside a binary on one block: the group is the binary's only."""
    from surrogate.milp.interface import binary_groups

    b = pyo.ConcreteModel()
    b.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    b.s = pyo.Var([1, 2], domain=pyo.Binary)
    assert [list(g) for g in binary_groups(b)] == [[1, 2]]


def test_solved_values_refuse_a_product_with_one_value_missing():
    from surrogate.milp.interface import solved_values

    m = pyo.ConcreteModel()
    m.x, m.y, m.z = pyo.Var(initialize=2.0), pyo.Var(initialize=3.0), pyo.Var()
    with pytest.raises(ModelFormatError, match=r"product x\*y has no values yet; solve the model first"):
        solved_values(m.x, m.y, m.z)
    m.z.value = 6.0
    assert solved_values(m.x, m.y, m.z) == (2.0, 3.0, 6.0)
