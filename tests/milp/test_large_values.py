"""Nets whose values on their box make a model badly scaled (large_values.py): warned of past 1e9, refused at 1e20."""

import warnings

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import ReluMLP, add_surrogate
from surrogate.errors import ModelFormatError, NumericsWarning
from surrogate.milp.bounds import net_bounds
from surrogate.milp.large_values import check_below_infinity, first_large_layer


def test_a_net_of_huge_values_is_warned_of_as_the_cause_of_the_bad_scaling():
    """probe114 #3: a net whose values reach 1e10 got wrong answers flagged only by a solve's generic 'badly scaled'
    note, whose advice (tighten the bounds of the variables in products) does not apply to the net's own values."""
    net = ReluMLP((np.array([[1e5], [1e5]]), np.array([[1e5]])), (np.zeros(1), np.zeros(1)))  # output up to 2e10
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with pytest.warns(
        NumericsWarning,
        match=r"the bounds its encoding uses reach 2e\+10 on its box, past 1e\+09 from its output layer on: .* divide the "
        r"weights and bias of its output layer and the biases of every later layer by s",
    ):
        add_surrogate(m, net, [m.x, m.y], bounds="interval")
    m.u, m.v = pyo.Var(bounds=(-0.01, 0.01)), pyo.Var(bounds=(-0.01, 0.01))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # values of 2e8: no word
        add_surrogate(m, net, [m.u, m.v], bounds="interval", name="small", input_bounds=[(-0.01, 0.01)] * 2)


def test_the_rescaling_advice_of_a_net_of_huge_values_gives_the_same_net_times_s():
    """probe117 #2: the advice divided the first layer, which left an output weight of 1e10 as large and made the hidden
    values tiny (bigm 22% off); it names the first layer past 1e9, and following it gives the net divided by s."""
    net = ReluMLP((np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([[1e10], [1e10]])), (np.array([0.5, 0.5]), np.zeros(1)))
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with pytest.warns(NumericsWarning, match=r"from its output layer on: .* weights and bias of its output layer"):
        add_surrogate(m, net, [m.x, m.y], bounds="interval")
    s = 1e2  # the advice: the output layer's weights and bias divided by s, the output times s in the model
    rescaled = ReluMLP((net.weights[0], net.weights[1] / s), (net.biases[0], net.biases[1] / s))
    points = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    np.testing.assert_allclose(s * rescaled.forward(points), net.forward(points), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        add_surrogate(m, rescaled, [m.x, m.y], bounds="interval", name="rescaled")


@pytest.mark.parametrize("value", [1e20, np.inf, np.nan])
def test_check_below_infinity_refuses_a_bound_at_1e20_infinite_or_nan_naming_the_neuron(value):
    lower = [np.array([-1.0, -2.0]), np.array([0.0])]
    upper = [np.array([1.0, value]), np.array([5.0])]
    with pytest.raises(ModelFormatError, match=r"^layers: the net's neuron 1 of hidden layer 0 \(counted from 0\) reaches "):
        check_below_infinity("layers", lower, upper, "so")
    upper[0][1] = 9.99e19
    check_below_infinity("layers", lower, upper, "so")  # below HiGHS's infinity: no refusal here
    lower[1][0] = -value  # kills L07: a lower bound at -1e20 (or -inf) reaches it too
    with pytest.raises(ModelFormatError, match=r"^layers: the net's output 0 \(counted from 0\) reaches "):
        check_below_infinity("layers", lower, upper, "so")


def test_first_large_layer_is_the_first_past_1e9():
    lower = [np.array([-1.0]), np.array([-2e9]), np.array([0.0])]
    upper = [np.array([1.0]), np.array([0.0]), np.array([5e9])]
    assert first_large_layer(lower, upper) == 1
    assert first_large_layer(lower[:1], upper[:1]) is None
    at, past = [np.array([-1e9])], [np.array([np.nextafter(1e9, np.inf)])]  # kills L01: 1e9 itself passes nothing
    assert first_large_layer(at, [np.array([0.0])]) is None and first_large_layer([np.array([0.0])], past) == 0


@pytest.mark.parametrize(
    "formulation, bounds", [("bigm", None), ("fullspace", None), ("partition", None), ("pruned", "interval")]
)
@pytest.mark.parametrize("side", [1.7e308, 1e25])
def test_a_box_whose_net_values_reach_infinity_is_refused_at_build_naming_the_net_not_a_row(formulation, bounds, side):
    """probe112: a box near float's limit gave OMLT's bare TypeError ('>' between NoneType and int) or ValueError
    ('Expression is unbounded below'); a box of 1e25 built, and every solve refused a row the package had written,
    advising 'leave a missing side or bound out (None)', or called a bound NaN. Nothing is left on the model."""
    net = ReluMLP((np.ones((2, 3)), np.ones((3, 1))), (np.zeros(3), np.zeros(1)))
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-side, side)), pyo.Var(bounds=(-side, side))
    options = {"bounds": bounds} if bounds else {}
    with pytest.raises(
        ModelFormatError,
        match=r"surrogate 'surrogate': the net's neuron 0 of hidden layer 0 .* at or beyond "
        r"HiGHS's infinity of 1e\+20, .* divide the weights and bias of its hidden layer 0 .*or narrow the box",
    ):
        add_surrogate(m, net, [m.x, m.y], formulation=formulation, input_bounds=[(-side, side)] * 2, **options)
    assert m.component("surrogate") is None


def test_net_bounds_milp_past_infinity_is_refused_with_the_same_advice():
    net = ReluMLP((np.ones((2, 3)), np.ones((3, 1))), (np.zeros(3), np.zeros(1)))
    with pytest.raises(ModelFormatError, match=r"^'milp' bounds: the net's neuron 0 of hidden layer 0 .* bound MILPs would "):
        net_bounds(net, "milp", box=[(-1e25, 1e25)] * 2)
