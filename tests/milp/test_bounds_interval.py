"""Interval-arithmetic bounds of a net's layers (bounds_interval.py)."""

import numpy as np
import pytest

from surrogate import ReluMLP
from surrogate.errors import ConfigError
from surrogate.milp.bounds_interval import interval_bounds, interval_layer


def test_interval_layer_is_exact_for_one_affine_layer_by_hand():
    w, b = np.array([[1.0, -2.0], [3.0, 0.5]]), np.array([0.25, -1.0])
    lower, upper = interval_layer(w, b, np.array([-1.0, 0.0]), np.array([2.0, 1.0]))
    # unit 0: x0 in [-1, 2] times 1, x1 in [0, 1] times 3: [-1, 5] + 0.25; unit 1: x0 times -2 [-4, 2], x1 times 0.5
    np.testing.assert_array_equal(lower, [-0.75, -5.0])
    np.testing.assert_array_equal(upper, [5.25, 1.5])


def test_bounds_past_floats_limit_are_infinite_not_nan_and_silent():
    """A box near float's limit overflowed to inf - inf = NaN (and numpy's RuntimeWarnings): NaN is no bound."""
    net = ReluMLP((np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([[1.0], [0.0]])), (np.zeros(2), np.zeros(1)))
    with np.errstate(all="raise"):
        bounds = interval_bounds(net, [(-1.7e308, 1.7e308)] * 2)
    for lo, hi in zip(bounds.lower, bounds.upper):
        assert not np.isnan(lo).any() and not np.isnan(hi).any()
    assert bounds.upper[0][0] == np.inf and bounds.lower[0][0] == -np.inf
    assert bounds.upper[-1][0] == np.inf  # the output: the first unit's unbounded value times 1, plus 0 * the other


def test_an_infinite_box_is_refused_naming_it():
    net = ReluMLP((np.ones((2, 1)), np.ones((1, 1))), (np.zeros(1), np.zeros(1)))
    with pytest.raises(ConfigError, match=r"must give finite \(lower, upper\) with lower <= upper for each of 2 inputs"):
        interval_bounds(net, [(-np.inf, 1.0), (0.0, 1.0)])


@pytest.mark.parametrize("text", ["1", b"1"])
def test_an_input_bound_given_as_text_is_refused(text):
    """float('1') read it as 1.0 (probe119 #9), where SolverConfig(time_limit='10') is refused."""
    from pyomo import environ as pyo

    from surrogate import add_surrogate
    from surrogate.milp.encoding import to_omlt_network
    from surrogate.nets.construct import hand_built

    net = hand_built("1x8", "paired")
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    box = [(-1, text), (-1, 1)]
    with pytest.raises(ConfigError, match=r"input box .* must be 2 pairs of numbers \(lower, upper\)"):
        add_surrogate(m, net, [m.x, m.y], input_bounds=box)
    with pytest.raises(ConfigError, match=r"input box .* must be 2 pairs of numbers"):
        to_omlt_network(net, input_bounds=box)
    assert [c.name for c in m.component_objects(descend_into=False)] == ["x", "y"]


@pytest.mark.parametrize("text", [np.str_("-1"), np.array("-1"), np.array(b"-1"), np.array("-1", dtype=object)])
def test_check_box_refuses_text_in_numpy_as_it_refuses_str(text):
    """probe120 #10: a 0-d NumPy text array was read as the number it spells, while np.str_('-1') was refused."""
    from surrogate.milp.bounds_interval import check_box

    net = ReluMLP((np.ones((2, 4)), np.ones((4, 1))), (np.zeros(4), np.zeros(1)))
    with pytest.raises(ConfigError, match=r"input box .* must be 2 pairs of numbers \(lower, upper\)"):
        check_box([(text, 1), (-1, 1)], net)
    assert check_box([(np.array(-1.0), np.array(1, dtype=object)), (-1, 1)], net) == ((-1.0, 1.0), (-1.0, 1.0))
