"""A net's tiny output encoded times an exact power of two, so that a solver's absolute tolerances hold it."""

import math
import warnings

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import ReluMLP, SolverConfig, add_surrogate, load_onnx, solve
from surrogate.errors import ModelFormatError, NumericsWarning
from surrogate.milp.bounds import net_bounds as net_bounds_of
from surrogate.milp.output_scale import SMALL_OUTPUT, held_to, layer_scales, net_scaling, output_scale
from surrogate.nets.zoo import DEFAULT_ZOO
from tests.helpers import random_net

CONFIG = SolverConfig(time_limit=20, rel_gap=1e-9, threads=1)


def tiny(factor=1e-8):
    """probe90 #2's net: a 2x8x8 net whose last layer is scaled by ``factor`` (outputs near 1e-8)."""
    base = random_net((8, 8), seed=1)
    return ReluMLP(base.weights[:-1] + (base.weights[-1] * factor,), base.biases[:-1] + (base.biases[-1] * factor,))


def test_output_scale_is_a_power_of_two_only_for_a_tiny_output():
    assert output_scale(np.array([-1.0]), np.array([1.0])) == 1.0
    assert output_scale(np.array([-SMALL_OUTPUT]), np.array([0.0])) == 1.0
    assert output_scale(np.array([0.0]), np.array([0.0])) == 1.0  # a constant 0: nothing to scale
    scale = output_scale(np.array([-3e-6]), np.array([1e-6]))
    assert math.frexp(scale)[0] == 0.5 and 0.5 <= 3e-6 * scale < 1.0


@pytest.mark.parametrize("formulation", ["pruned", "bigm"])
def test_a_tiny_output_at_fixed_inputs_is_the_nets(formulation):
    """probe90 #2: with outputs near 1e-8 the MILP gave -1.41e-8 where the net gives 1.45e-8 (the rows that define
    it were met to HiGHS's 1e-7 and their coefficients below 1e-9 dropped), with only a generic 'badly scaled' note."""
    net = tiny()
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with pytest.warns(
        NumericsWarning, match=r"outputs reach at most .* optimise it times \d+, e\.g\. Objective\(expr=\d+ \* z\.output\)"
    ):
        z = add_surrogate(
            m, net, [m.x, m.y], formulation=formulation, **({"bounds": "interval"} if formulation == "pruned" else {})
        )
    m.o = pyo.Objective(expr=z.output)
    for point in ((0.0, -1.0), (0.3, 0.7), (-1.0, 1.0)):
        m.x.fix(point[0]), m.y.fix(point[1])
        solve(m, CONFIG)
        assert pyo.value(z.output) == pytest.approx(net.forward(np.array([point]))[0], rel=1e-6, abs=1e-14)


def test_a_tiny_output_optimised_scaled_reaches_the_nets_extremes():
    """The warning's advice: an objective times the scale it names finds the net's minimum and maximum."""
    net = tiny()
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with pytest.warns(NumericsWarning, match=r"the net's outputs reach at most .* on its box; they are encoded exactly"):
        z = add_surrogate(m, net, [m.x, m.y], bounds="interval")
    scale = output_scale(z.bounds.lower[-1], z.bounds.upper[-1])
    grid = np.linspace(-1, 1, 201)
    values = net.forward(np.array([(a, b) for a in grid for b in grid]))
    m.o = pyo.Objective(expr=scale * z.output)
    for sense, best in ((pyo.minimize, values.min()), (pyo.maximize, values.max())):
        m.o.sense = sense
        solve(m, CONFIG)
        assert z.get_error().vs_net <= 1e-14
        assert (pyo.value(z.output) <= best + 1e-14) if sense == pyo.minimize else (pyo.value(z.output) >= best - 1e-14)


def test_an_ordinary_output_is_encoded_as_before():
    """No scale, no extra variable, no warning for a net of outputs near 1 (every zoo net)."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        z = add_surrogate(m, random_net((8,), seed=1), [m.x, m.y], formulation="bigm")
    assert z.output is z.block.outputs[0] and z.block.component("unscaled_output") is None


@pytest.mark.parametrize("name", ["b48-best-24x2", "b48-best-48x1", "b24-best-24x1", "b24-seed-24x1", "b24-seed-12x2"])
def test_the_zoo_nets_of_the_smallest_outputs_are_not_scaled(name):
    """The zoo's collapsed nets (a constant output near -3.4e-4) stay above SMALL_OUTPUT: their MILPs are as they were."""
    from surrogate.milp.bounds import net_bounds
    from surrogate.nets.zoo import resolve_surrogate

    net = resolve_surrogate(name)
    bounds = net_bounds(net, "interval", box=tuple(map(tuple, net.domain)))
    assert output_scale(bounds.lower[-1], bounds.upper[-1]) == 1.0
    # nor any hidden layer: b48-best-48x1's collapsed layers reach 1e-28 to 3e-5, but its output stays above
    assert set(layer_scales(net, bounds.lower, bounds.upper)) == {1.0}


def tiny_hidden(factor=1e-6):
    """probe93 #2's net: the same net with ``factor`` in its first layer, so that every layer's values are small."""
    base = random_net((8, 8), seed=1)
    first = (base.weights[0] * factor,) + base.weights[1:]
    return ReluMLP(first, tuple(b * factor for b in base.biases))


def _fixed_values(net, formulation, points):
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        z = add_surrogate(
            m, net, [m.x, m.y], formulation=formulation, **({"bounds": "interval"} if formulation == "pruned" else {})
        )
    m.o = pyo.Objective(expr=z.output)
    values = []
    for point in points:
        m.x.fix(point[0]), m.y.fix(point[1])
        solve(m, CONFIG)
        values.append(pyo.value(z.output))
    return values, [str(w.message) for w in caught if issubclass(w.category, NumericsWarning)]


def test_layer_scales_are_capped_and_one_for_an_ordinary_net():
    """probe93 #1: the scale had no cap (2**31 for outputs near 4.5e-10, coefficients past solve's 1e9 limit)."""
    from surrogate.milp.output_scale import MAX_SCALE

    assert output_scale(np.array([-4.5e-10]), np.array([1e-10])) == MAX_SCALE
    net = random_net((8,), seed=1)
    assert layer_scales(net, [np.array([-1.0]), np.array([-2.0])], [np.array([1.0]), np.array([2.0])]) == (1.0, 1.0)
    scales = layer_scales(net, [np.array([-1e-7]), np.array([-1e-12])], [np.array([1e-7]), np.array([1e-12])])
    assert all(s <= MAX_SCALE for s in scales) and 1e-7 * scales[0] < 0.5  # capped: not taken to [0.5, 1)
    assert np.max(np.abs(net.weights[0])) * scales[0] <= MAX_SCALE  # nor a weight past the cap


@pytest.mark.parametrize("formulation", ["pruned", "bigm"])
def test_an_output_below_the_cap_at_fixed_inputs_is_the_nets(formulation):
    """probe93 #1: outputs near 1.5e-10 (last layer times 1e-10) were written times 2**31 and pruned called every
    fixed-input model INFEASIBLE, while add_surrogate said they were 'encoded exactly'."""
    net, points = tiny(1e-10), [(0.0, -1.0), (0.3, -0.7)]
    values, messages = _fixed_values(net, formulation, points)
    for value, point in zip(values, points):
        assert value == pytest.approx(net.forward(np.array([point]))[0], rel=1e-3)
    assert any("too small for a solver's tolerances even encoded times 2**20" in m for m in messages)
    assert not any("encoded exactly" in m for m in messages)


@pytest.mark.parametrize("formulation", ["pruned", "bigm"])
def test_a_net_of_tiny_hidden_values_at_fixed_inputs_is_the_nets(formulation):
    """probe93 #2: hidden values near 1e-6 gave the wrong sign (-1.45e-6 where the net gives 4.41e-7) in every
    formulation, only the output rows being scaled; every small layer is now written times its own power of two."""
    net, points = tiny_hidden(), [(-0.48439376200652684, 0.4529472206247409), (0.0, -1.0), (0.3, -0.7)]
    values, messages = _fixed_values(net, formulation, points)
    for value, point in zip(values, points):
        assert value == pytest.approx(net.forward(np.array([point]))[0], rel=1e-6, abs=1e-14)
    assert messages and all("too small for a solver's tolerances" not in m for m in messages)


@pytest.mark.parametrize("net", ["ordinary", "b48-best-48x1"])
def test_a_net_whose_output_is_not_small_gets_no_tiny_value_warning(net):
    """probe96 #2: a hidden layer reaching 0.3, and the zoo's b48-best-48x1 (collapsed layers of 1e-28 to 3e-5, its
    output 3.4e-4), were warned of as 'too small ... even encoded times 2**20 ... meaningless', where nothing is scaled
    and the values at fixed inputs are the net's."""
    if net == "ordinary":
        weights = (np.array([[0.1, -0.1], [0.1, 0.05]]), np.array([[2.0], [3.0]]))
        net = ReluMLP(weights, (np.array([0.1, 0.1]), np.array([0.0])))
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        add_surrogate(m, net, [m.x, m.y])
    assert [str(w.message) for w in caught if issubclass(w.category, NumericsWarning)] == []


def test_an_output_that_cancels_ordinary_hidden_values_is_not_called_exact():
    """probe97: a 3x8 net's first layer times 1e-6 (hidden values near 2, outputs of 8e-6 by cancellation) was called
    'encoded exactly' and came out 13-19% (of the output's range) off at fixed inputs; the solver's tolerances on
    the ordinary layers, carried through the weights, are larger than such an output."""
    from surrogate.nets.construct import hand_built

    base = hand_built("3x8", "shared")
    cancelling = ReluMLP((base.weights[0] * 1e-6, *base.weights[1:]), (base.biases[0] * 1e-6, *base.biases[1:]))
    said = {}
    for name, net in (("cancelling", cancelling), ("tiny", tiny(1e-5))):
        m = pyo.ConcreteModel()
        m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            add_surrogate(m, net, [m.x, m.y], bounds="interval")
        said[name] = " ".join(str(w.message) for w in caught if issubclass(w.category, NumericsWarning))
    assert "encoded to within about" in said["cancelling"] and "encoded exactly" not in said["cancelling"]
    assert "encoded exactly" in said["tiny"]


def amplified(small=1e-6, middle=1.0):
    """probe96's nets: a 2x8x8 net whose hidden values are times ``small`` (first layer) or ``middle`` (second), read by
    a last layer times their inverse, so that its output stays near 1."""
    base = random_net((8, 8), seed=1)
    weights = (base.weights[0] * small, base.weights[1] * middle, base.weights[2] / (small * middle))
    return ReluMLP(weights, (base.biases[0] * small, base.biases[1] * small * middle, base.biases[2]))


@pytest.mark.parametrize("formulation", ["pruned", "bigm"])
@pytest.mark.parametrize("small, middle", [(1e-6, 1.0), (1.0, 1e-6)])
def test_tiny_hidden_values_read_times_their_inverse_at_fixed_inputs_are_the_nets(formulation, small, middle):
    """probe96: hidden values near 1e-6 read times 1e6 (an ordinary output) were held to HiGHS's 1e-7 times 1e6, and
    every formulation gave values 10-300% off (pruned 0.593, bigm -0.415 where the net gives 1.194) with no warning;
    the small layers are now scaled as a tiny output's are."""
    net = amplified(small, middle)
    points = [(0.0, -1.0), (0.3, -0.7), (-0.5, 0.45), (0.9, 0.9)]
    values, messages = _fixed_values(net, formulation, points)
    for value, point in zip(values, points):
        assert value == pytest.approx(net.forward(np.array([point]))[0], rel=1e-6)
    assert messages == []


def test_tiny_hidden_values_past_the_cap_are_warned_of_in_the_outputs_units():
    """Hidden values near 1e-11 read times 1e11: even times 2**20 they are held to 6% of their size (HiGHS's 1e-6 over
    2**20), which the last layer carries to about a fifth of the output's range; the warning gives that, not the 6%."""
    net = amplified(1e-11)
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with pytest.warns(
        NumericsWarning, match=r"even encoded times 2\*\*20 .* follows the net only to within about [\d.]+ \((\d\d)% of"
    ):
        add_surrogate(m, net, [m.x, m.y], formulation="bigm")
    from surrogate.milp.bounds import net_bounds

    bounds = net_bounds(net, "interval", box=((-1.0, 1.0), (-1.0, 1.0)))
    assert layer_scales(net, bounds.lower, bounds.upper) == (2.0**20, 2.0**20, 1.0)


def test_a_tiny_layer_that_adds_nothing_to_an_ordinary_output_is_not_scaled():
    """A collapsed layer (values of 1e-9 read by ordinary weights) holds the output no worse unscaled: scales of 1."""
    net = amplified(1e-9, 1.0)
    net = ReluMLP(net.weights[:-1] + (net.weights[-1] * 1e-9,), net.biases[:-1] + (net.biases[-1] + 1.0,))
    from surrogate.milp.bounds import net_bounds

    bounds = net_bounds(net, "interval", box=((-1.0, 1.0), (-1.0, 1.0)))
    assert set(layer_scales(net, bounds.lower, bounds.upper)) == {1.0}


def test_a_tiny_output_held_closely_once_scaled_is_not_called_too_small():
    """Outputs near 7e-9 written times 2**20 are held to 9.5e-14, 1.4e-5 of their size: the warning said "too small for a
    solver's tolerances ... follows the net only to about 0.0%"; it now says only that they are encoded exactly."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        add_surrogate(m, tiny(), [m.x, m.y], formulation="bigm")
    messages = [str(w.message) for w in caught if issubclass(w.category, NumericsWarning)]
    assert len(messages) == 1 and "encoded exactly" in messages[0]


def tiny_box_net(width, *, hidden=1.0):
    """probe100's nets for the box [-width, width]^2: the first layer's weights over ``width`` (``hidden`` = 1: ordinary
    hidden values), or its weights as they are and every bias times ``width`` with the last layer's weights over it
    (``hidden`` = ``width``: hidden values of that size too)."""
    base = random_net((8, 8), seed=1)
    if hidden == 1.0:
        return ReluMLP((base.weights[0] / width, *base.weights[1:]), base.biases)
    weights = (base.weights[0], base.weights[1], base.weights[2] / width)
    return ReluMLP(weights, (base.biases[0] * width, base.biases[1] * width, base.biases[2]))


@pytest.mark.parametrize("formulation, bounds", [("pruned", "milp"), ("pruned", "interval"), ("bigm", None)])
@pytest.mark.parametrize("width, hidden", [(1e-6, 1.0), (1e-7, 1e-7)])
def test_a_net_on_a_tiny_box_at_fixed_inputs_is_the_nets(formulation, bounds, width, hidden):
    """probe100 #1: on a box of 1e-6, the encoding's inputs were tied to the user's by rows that HiGHS holds to 1e-6,
    and the MILP gave the net's value at the box's corner (9.505 where the net gives 5.663), reported optimal; the
    inputs are now written times a power of two (the first layer's weights over it), exact."""
    net, box = tiny_box_net(width, hidden=hidden), ((-width, width), (-width, width))
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=box[0]), pyo.Var(bounds=box[1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        z = add_surrogate(m, net, [m.x, m.y], formulation=formulation, bounds=bounds, input_bounds=box)
    assert not [w for w in caught if issubclass(w.category, NumericsWarning)]
    m.o = pyo.Objective(expr=z.output, sense=pyo.maximize)
    for point in ((0.3 * width, -0.7 * width), (-width, width), (0.9 * width, 0.1 * width)):
        m.x.fix(point[0]), m.y.fix(point[1])
        solve(m, CONFIG)
        assert pyo.value(z.output) == pytest.approx(net.forward(np.array([point]))[0], rel=1e-6)
    m.x.unfix(), m.y.unfix()
    grid = np.linspace(-width, width, 101)
    best = net.forward(np.array([(a, b) for a in grid for b in grid])).max()
    result = solve(m, CONFIG)  # the net's maximum on the box: at least the grid's, its bound valid
    assert pyo.value(z.output) >= best - 1e-9 and result.bound >= pyo.value(z.output) - 1e-6
    assert z.get_error().vs_net <= 1e-6


def test_a_tiny_box_gets_input_scales_and_its_bounds_the_nets():
    """The scaling of a net on a box of 1e-6: 2**19 per input (1e-6 times it is 0.52), layers as they are; OBBT on the scaled net and box gives
    bounds and envelope planes of the net itself (every grid value within them)."""
    from surrogate.milp.bounds import net_bounds
    from surrogate.milp.output_scale import net_scaling

    width = 1e-6
    net, box = tiny_box_net(width), ((-width, width), (-width, width))
    first = net_bounds(net, "interval", box=box)
    scaling = net_scaling(net, box, first.lower, first.upper)
    assert scaling.inputs == (2.0**19, 2.0**19) and set(scaling.layers) == {1.0}
    bounds = net_bounds(net, "lp", box=box)
    assert bounds.box == box and bounds.envelope
    grid = np.linspace(-width, width, 41)
    points = np.array([(a, b) for a in grid for b in grid])
    values = net.forward(points).ravel()
    assert np.all(values >= bounds.lower[-1][0] - 1e-9) and np.all(values <= bounds.upper[-1][0] + 1e-9)
    for plane in bounds.envelope:
        side = points @ np.array(plane.slope) + plane.offset
        assert np.all(values >= side - 1e-6) if plane.side == "lower" else np.all(values <= side + 1e-6)


def test_a_box_with_one_tiny_input_maps_it_whatever_the_gain():
    """probe102 #2: on [0, 1e-6] x [-1, 1] the tiny input was left unscaled (the gain test was dominated by the other
    input's rows), so its tie row held it to its whole box, and the optimum was 0.6% below the true minimum."""
    from surrogate.milp.bounds import net_bounds
    from surrogate.milp.output_scale import net_scaling

    net, box = random_net((8, 8), seed=1), ((0.0, 1e-6), (-1.0, 1.0))
    bounds = net_bounds(net, "interval", box=box)
    scaling = net_scaling(net, box, bounds.lower, bounds.upper)
    assert scaling.inputs == (2.0**19, 1.0) and scaling.shifts == (0.0, 0.0)
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=box[0]), pyo.Var(bounds=box[1])
    z = add_surrogate(m, net, [m.x, m.y], input_bounds=box)
    m.o = pyo.Objective(expr=z.output + 1e5 * m.x)  # the tiny input's end matters
    for point in ((0.0, 0.3), (1e-6, -0.7), (5e-7, 0.9)):
        m.x.fix(point[0]), m.y.fix(point[1])
        solve(m, CONFIG)
        assert pyo.value(z.output) == pytest.approx(net.forward(np.array([point]))[0], rel=1e-6)


@pytest.mark.parametrize("formulation", ["pruned", "bigm"])
def test_a_narrow_box_away_from_zero_is_taken_about_its_middle(formulation):
    """probe102 #3: a net made for [1, 1 + 1e-6] x [-1, 1] (its first layer's weights times 1e6) was read at the box's
    other end at fixed inputs (-0.33 where the net gives +0.33), its 'milp' bounds cutting off the net's values; the
    input is now encoded as (x - middle) times a power of two."""
    from surrogate.milp.output_scale import input_map

    base = random_net((8, 8), seed=1)
    weights = (base.weights[0] * np.array([[1e6], [1.0]]), *base.weights[1:])
    net = ReluMLP(weights, (base.biases[0] - 1e6 * base.weights[0][0], *base.biases[1:]))  # the base net of (x - 1) 1e6
    box = ((1.0, 1.0 + 1e-6), (-1.0, 1.0))
    assert input_map(*box[0]) == (2.0**20, 1.0 + 5e-7)
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=box[0]), pyo.Var(bounds=box[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        z = add_surrogate(
            m,
            net,
            [m.x, m.y],
            formulation=formulation,
            input_bounds=box,
            **({"bounds": "milp"} if formulation == "pruned" else {}),
        )
    m.o = pyo.Objective(expr=z.output)
    for point in ((1.0, -1 / 3), (1.0 + 1e-6, 1 / 3), (1.0 + 5e-7, 0.0)):
        m.x.fix(point[0]), m.y.fix(point[1])
        solve(m, CONFIG)
        assert pyo.value(z.output) == pytest.approx(net.forward(np.array([point]))[0], rel=1e-6, abs=1e-9)


def test_a_subnormal_bound_gets_the_capped_scale():
    """probe102 #4: an input bound of 1e-310 overflowed math.ldexp (2**1030) before the cap applied: a bare OverflowError."""
    from surrogate.milp.output_scale import MAX_SCALE

    assert output_scale(np.array([0.0]), np.array([1e-310])) == MAX_SCALE


@pytest.mark.parametrize("bounds", ["interval", "milp"])
def test_a_tiny_constant_output_under_pruned_is_the_nets(bounds):
    """probe114 #4: every neuron pruned left the output a float, and its bounds row a bare bool (Pyomo refused it)."""
    net = ReluMLP([np.array([[1.0], [1.0]]), np.array([[1.0]])], [np.array([-5.0]), np.array([1e-7])])  # N = 1e-7
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericsWarning)
        z = add_surrogate(m, net, [m.x, m.y], bounds=bounds)
    m.o = pyo.Objective(expr=z.output)
    for point in ((0.0, 0.0), (1.0, -1.0), (-1.0, 1.0)):
        m.x.fix(point[0]), m.y.fix(point[1])
        assert solve(m, CONFIG).optimal
        assert pyo.value(z.output) == pytest.approx(1e-7, rel=1e-9, abs=1e-16)


THIN_NETS = (  # probe114 #1's nets (2-6-1, 2-6-6-1; weights rounded to 2 decimals)
    ReluMLP(
        (
            np.array([[1.2, 1.4, 0.32, 0.41, -0.49, -0.91], [-0.9, -1.0, 0.93, -0.06, 0.13, -0.64]]),
            np.array([[-1.09], [-1.2], [-0.84], [0.6], [0.02], [-0.46]]),
        ),
        (np.array([-0.24, -1.43, 1.23, -1.22, 0.04, 2.14]), np.array([-2.55])),
    ),
    ReluMLP(
        (
            np.array([[0.05, -0.17, -0.17, 0.06, -0.23, 0.3], [-0.05, 0.57, -0.66, -0.36, -0.86, -1.67]]),
            np.array(
                [
                    [-2.23, 0.06, -0.83, -0.76, -0.58, 0.42],
                    [0.57, 0.69, 0.92, 2.98, 0.29, 0.15],
                    [-2.18, -1.68, 2.19, 2.75, 0.45, -0.08],
                    [0.56, -2.04, -0.53, -0.41, 1.74, -0.99],
                    [0.36, 0.72, 1.08, -0.43, -0.69, -2.18],
                    [1.15, 1.18, -0.49, 0.23, -1.4, -0.21],
                ]
            ),
            np.array([[0.73], [-0.48], [0.06], [1.1], [0.6], [-0.61]]),
        ),
        (np.array([1.61, 1.77, 1.0, 0.6, 0.72, 0.88]), np.array([-1.26, 1.08, -0.84, 0.2, -0.1, 0.47]), np.array([1.76])),
    ),
)
THIN_BOX = ((0.3, 0.3 + 1e-6), (-0.7, -0.7 + 1e-6))


def _on_box(net, box, formulation):
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=box[0]), pyo.Var(bounds=box[1])
    return m, add_surrogate(m, net, [m.x, m.y], formulation=formulation, input_bounds=box)


@pytest.mark.parametrize("net", THIN_NETS)
@pytest.mark.parametrize("formulation", ["bigm", "partition", "fullspace"])
def test_omlt_on_a_thin_box_is_refused_naming_pruned(net, formulation):
    """probe114 #1: on a box 1e-6 wide OMLT's neurons got variables bounded to intervals about 2e-6 wide, and HiGHS
    called the models infeasible (partition's 'minimum' was above the net's); nothing was said at build time."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=THIN_BOX[0]), pyo.Var(bounds=THIN_BOX[1])
    with pytest.raises(
        ModelFormatError,
        match=rf"neuron \d+ of hidden layer \d+ .* an interval [\d.e-]+ wide, near HiGHS's feasibility tolerance .* "
        rf"formulation '{formulation}' .* use formulation='pruned'",
    ):
        add_surrogate(m, net, [m.x, m.y], formulation=formulation, input_bounds=THIN_BOX)
    assert m.component("surrogate") is None


@pytest.mark.parametrize("net", THIN_NETS)
def test_pruned_on_a_box_that_makes_thin_hidden_intervals_gives_the_nets_range(net):
    grid = np.linspace(0.0, 1e-6, 11)
    values = net.forward(np.array([(0.3 + u, -0.7 + v) for u in grid for v in grid]))
    m, z = _on_box(net, THIN_BOX, "pruned")
    for sense, want in ((pyo.minimize, values.min()), (pyo.maximize, values.max())):
        m.o = pyo.Objective(expr=z.output, sense=sense)
        assert solve(m, CONFIG).optimal and pyo.value(z.output) == pytest.approx(want, abs=1e-9)
        m.del_component("o")


@pytest.mark.parametrize(
    ("net", "box"),
    [
        ("b24-best-12x2", ((0.9, 0.91), (0.9, 0.91))),
        (ReluMLP((np.array([[1e-9, 1.0], [1e-9, -1.0]]), np.array([[1.0], [1.0]])), (np.array([0.75, 0.0]), np.zeros(1))), None),
        (
            ReluMLP((np.array([[1e-9, 1.0], [1e-9, -1.0]]), np.array([[1.0], [1.0]])), (np.array([0.75, 0.0]), np.zeros(1))),
            ((1000.0, 1005.0),) * 2,
        ),
    ],
)
def test_thin_neurons_refused_for_omlt_are_the_nets_under_pruned(net, box):
    """probe117 #1 / probe118 #1: OMLT's formulations are refused wherever a hidden interval is thin, on any box: a
    rule on the box's width alone let bigm and partition call a feasible model infeasible (a near-constant neuron on
    [1000, 1005]^2); pruned, which the refusal names, gives the net's values there."""
    net = net if isinstance(net, ReluMLP) else load_onnx(DEFAULT_ZOO / f"{net}.onnx")
    box = box or ((-1.0, 1.0), (-1.0, 1.0))
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=box[0]), pyo.Var(bounds=box[1])
    with pytest.raises(
        ModelFormatError, match=r"an interval [\d.e-]+ wide, near HiGHS's feasibility tolerance .* use formulation='pruned'"
    ):
        add_surrogate(m, net, [m.x, m.y], formulation="bigm", input_bounds=box)
    grid = [(x, y) for x in np.linspace(*box[0], 21) for y in np.linspace(*box[1], 21)]
    lowest = net.forward(np.array(grid)).min()
    m, z = _on_box(net, box, "pruned")
    m.o = pyo.Objective(expr=z.output)
    assert solve(m, CONFIG).optimal and lowest - 1e-3 <= pyo.value(z.output) <= lowest + 1e-6


@pytest.mark.parametrize("formulation", ["bigm", "partition", "fullspace"])
def test_omlt_on_a_box_of_zero_width_is_still_the_nets(formulation):
    point = ((0.3, 0.3), (-0.7, -0.7))
    for net in THIN_NETS:
        m, z = _on_box(net, point, formulation)
        m.o = pyo.Objective(expr=z.output)
        assert solve(m, CONFIG).optimal
        assert pyo.value(z.output) == pytest.approx(net.forward(np.array([(0.3, -0.7)]))[0], abs=1e-9)


@pytest.mark.parametrize(
    "bias, output_bias, held",
    [
        (0.0, 0.0, 6e-6),  # unstable on [-1, 1]^2: (2 * 1e-6 + 1e-6 + 1e-6 * 2) + 1e-6, its binary's slack included
        (5.0, 0.0, 4e-6),  # always active: its rows only, (2 * 1e-6 + 1e-6) + 1e-6
        (-5.0, 1e-7, 1e-6 / 2**20),  # never active: nothing passes it; the tiny output's own row, over its 2**20
    ],
)
def test_held_to_adds_a_binarys_slack_only_to_a_neuron_active_on_part_of_the_box(bias, output_bias, held):
    """A 2-1-1 net on [-1, 1]^2 by hand: a neuron never active added 1e-5 to a constant output of 1e-7, called
    'encoded to within about 1e-05 (10000% of their size)' though pruned drops it and OMLT bounds it to 0."""
    net = ReluMLP((np.ones((2, 1)), np.ones((1, 1))), (np.array([bias]), np.array([output_bias])))
    box = ((-1.0, 1.0), (-1.0, 1.0))
    bounds = net_bounds_of(net, "interval", box=box)
    scaling = net_scaling(net, box, bounds.lower, bounds.upper)
    assert held_to(net, scaling, bounds.lower, bounds.upper) == pytest.approx(held, rel=1e-12)


def test_a_constant_tiny_output_is_said_to_be_encoded_exactly():
    net = ReluMLP((np.ones((2, 1)), np.ones((1, 1))), (np.array([-5.0]), np.array([1e-7])))
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with pytest.warns(NumericsWarning, match=r"reach at most 1e-07 on its box; they are encoded exactly"):
        add_surrogate(m, net, [m.x, m.y])
