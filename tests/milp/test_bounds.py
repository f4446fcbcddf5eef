"""Interval bounds, stored bounds and the pruned encoding's size: no solver needed."""

import json

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, FormulationError, ModelFormatError, ReluMLP, add_surrogate, export_onnx, load_onnx
from surrogate.milp.bounds import (
    METADATA_KEY,
    NetBounds,
    Plane,
    attach_bounds,
    envelope_slopes,
    fingerprint,
    interval_bounds,
    milp_identity,
    net_bounds,
)
from surrogate.nets.zoo import resolve_surrogate
from tests.helpers import random_net

GRID = np.stack(np.meshgrid(np.linspace(-1, 1, 61), np.linspace(-1, 1, 61)), -1).reshape(-1, 2)


def stable_net() -> ReluMLP:
    """2 -> 3 -> 2 -> 1 with one neuron always active, one always inactive, the rest unstable on [-1, 1]^2.

    Layer 1: x + y + 3 in [1, 5] (active), x - y - 3 in [-5, -1] (inactive), x + 0.5y in [-1.5, 1.5].
    Layer 2: h0 + h2 in [1, 6.5] (active), h2 - h0 in [-5, 0.5] (unstable).
    """
    w1 = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 0.5]])
    w2 = np.array([[1.0, -1.0], [0.0, 0.0], [1.0, 1.0]])
    return ReluMLP((w1, w2, np.array([[1.0], [1.0]])), (np.array([3.0, -3.0, 0.0]), np.zeros(2), np.zeros(1)))


def _model():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    return m


def test_interval_bounds_by_hand_and_their_stability_counts():
    b = interval_bounds(stable_net())
    assert b.lower[0].tolist() == [1.0, -5.0, -1.5] and b.upper[0].tolist() == [5.0, -1.0, 1.5]
    assert b.lower[1].tolist() == [1.0, -5.0] and b.upper[1].tolist() == [6.5, 0.5]
    assert (b.stable_active, b.stable_inactive, b.unstable) == (2, 1, 2)
    assert b.bigm_width == pytest.approx(3.0 + 5.5)


def _abs_x_plus_relu_y() -> ReluMLP:
    """``|x| + relu(y)`` = relu(x) + relu(-x) + relu(y): range [0, 2] on [-1, 1]^2, interval bounds [0, 3]."""
    return ReluMLP((np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]), np.ones((3, 1))), (np.zeros(3), np.zeros(1)))


def test_a_box_with_a_fixed_input_is_taken():
    """probe109 I3: a box whose lower and upper agree (a fixed input) was refused by a check that said lower <= upper."""
    box = ((0.5, 0.5), (-1.0, 1.0))
    b = interval_bounds(_abs_x_plus_relu_y(), box)
    assert b.lower[0].tolist() == [0.5, -0.5, -1.0] and b.upper[0].tolist() == [0.5, -0.5, 1.0]
    assert (b.lower[-1][0], b.upper[-1][0]) == (0.5, 1.5)  # 0.5 + relu(y), y in [-1, 1]: exact here
    assert (net_bounds(_abs_x_plus_relu_y(), "interval", box=box).upper[-1][0]) == 1.5


def test_a_zeroed_neuron_counts_once_as_inactive():
    """l = u = 0 (a neuron with zero weights and bias) was counted both stable-active and stable-inactive."""
    net = ReluMLP((np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[1.0], [1.0]])), (np.array([0.5, 0.0]), np.zeros(1)))
    b = interval_bounds(net)
    assert (b.stable_active, b.stable_inactive, b.unstable) == (0, 1, 1)


@pytest.mark.parametrize("hidden", [(3, 2), (8, 8, 8), (4,) * 6])
def test_interval_bounds_equal_omlts_own(hidden):
    net = random_net(hidden, seed=3)
    m = _model()
    enc = add_surrogate(m, net, [m.x, m.y], formulation="bigm")
    ours = interval_bounds(net)
    layers = [blk for blk in enc.block.layer.values()][1:]  # skip the input layer
    for k, layer in enumerate(layers):
        lo = [layer.zhat[(j,)].lb for j in range(len(ours.lower[k]))]
        hi = [layer.zhat[(j,)].ub for j in range(len(ours.upper[k]))]
        assert np.allclose(lo, ours.lower[k]) and np.allclose(hi, ours.upper[k])


@pytest.mark.parametrize("hidden", [(24,), (8, 8, 8), (2,) * 12])
def test_interval_bounds_cover_every_activation(hidden):
    net = random_net(hidden, seed=5)
    assert interval_bounds(net).covers(net, GRID)
    shrunk = interval_bounds(net)
    lower = list(shrunk.lower)
    lower[0] = lower[0] + 0.5 * (shrunk.upper[0] - lower[0])
    assert not NetBounds("interval", tuple(lower), shrunk.upper, shrunk.box, shrunk.fingerprint).covers(net, GRID)


# Pruned encoding of stable_net() under interval bounds:
#   variables = inputs 2 + output 1 + (h, s) for the one unstable neuron of each layer (2 x 2) = 7;
#   the active neurons are expressions and the inactive one is dropped, so no variable for them;
#   binaries = 2; constraints = 3 big-M rows x 2 unstable neurons + output row 1 + 2 input links = 9.
# OMLT's big-M on the same net: 25 variables, 5 binaries, 35 constraints (see test_encoding.py).
def test_pruned_encoding_size_is_exact():
    m = _model()
    size = add_surrogate(m, stable_net(), [m.x, m.y], formulation="pruned", bounds="interval").size()
    assert (size.variables, size.binaries, size.constraints) == (7, 2, 9)
    m2 = _model()
    omlt = add_surrogate(m2, stable_net(), [m2.x, m2.y], formulation="bigm").size()
    assert (omlt.variables, omlt.binaries, omlt.constraints) == (25, 5, 35)


def dead_path_net() -> ReluMLP:
    """2 -> 2 -> 2 -> 1: h1 = relu(y) feeds only y2 = h1 - 2, which is always inactive.

    y1 = h0 = relu(x) is in [0, 1] (always active), so only h0 needs a binary.
    """
    w1, w2 = np.eye(2), np.array([[1.0, 0.0], [0.0, 1.0]])
    return ReluMLP((w1, w2, np.ones((2, 1))), (np.zeros(2), np.array([0.0, -2.0]), np.zeros(1)))


# Pruned encoding of dead_path_net() under interval bounds: both first-layer neurons are unstable,
# but h1 reaches the output only through an inactive neuron, so it is left out:
#   variables = inputs 2 + output 1 + (h0, s0) = 5; binaries = 1; constraints = 3 big-M + output 1 + 2 links = 6.
def test_neurons_that_cannot_reach_the_output_get_no_binary():
    m = _model()
    bounds = interval_bounds(dead_path_net())
    assert bounds.unstable == 2
    size = add_surrogate(m, dead_path_net(), [m.x, m.y], formulation="pruned", bounds=bounds).size()
    assert (size.variables, size.binaries, size.constraints) == (5, 1, 6)


def test_envelope_planes_round_trip_and_are_checked():
    net = stable_net()
    base = interval_bounds(net)
    # stable_net's output is relu(x + 0.5y) + relu(x+y+3) ... >= x + y + 3 - 0 (h0 active, plane slope (1, 1)) - ...
    planes = (Plane((0.0, 0.0), float(base.lower[-1][0]), "lower"), Plane((0.0, 0.0), float(base.upper[-1][0]), "upper"))
    b = NetBounds("lp", base.lower, base.upper, base.box, base.fingerprint, envelope=planes)
    assert b.covers(net, GRID) and b.summary()["envelope_planes"] == 2
    again = NetBounds.from_json(json.loads(json.dumps(b.to_json())))
    assert again.envelope == planes
    too_high = NetBounds("lp", base.lower, base.upper, base.box, base.fingerprint, envelope=(Plane((0.0, 0.0), 100.0, "lower"),))
    assert not too_high.covers(net, GRID)
    assert envelope_slopes(((-1, 1), (-1, 1))) == (((-1, -1), "lower"), ((1, 1), "lower"), ((1, -1), "upper"), ((-1, 1), "upper"))
    with pytest.raises(ConfigError, match="side='middle' must be 'lower' or 'upper'"):
        Plane((1.0, 1.0), 0.0, "middle")


def test_solves_stopped_by_the_time_cap_are_stored_and_older_entries_count_every_cap():
    net = stable_net()
    base = interval_bounds(net)
    b = NetBounds("milp", base.lower, base.upper, base.box, base.fingerprint, capped=3, timed_out=1)
    entry = json.loads(json.dumps(b.to_json()))
    assert NetBounds.from_json(entry).timed_out == 1 and b.summary()["timed_out"] == 1
    del entry["timed_out"]  # as stored before the node cap, when every cap was a time cap
    assert NetBounds.from_json(entry).timed_out == 3


def test_bounds_stored_in_an_older_format_are_recomputed_not_trusted():
    net = stable_net()
    entry = interval_bounds(net).to_json()
    entry["format"] = 1
    old = net.with_metadata(bounds=json.dumps({"interval": entry}))
    assert net_bounds(old, "interval").fingerprint == fingerprint(net)  # recomputed
    with pytest.raises(Exception, match="stored bounds have format 1, expected 2 or 3; recompute them"):
        NetBounds.from_json(entry)


def test_format_2_bounds_of_a_scaled_net_are_recomputed_and_of_others_read():
    """probe105 #2: 'lp' bounds that an older version stored for a net on a narrow box (solved unscaled, they cut off
    values the net takes) were trusted; format 2 bounds are now read only where nothing is scaled (every zoo file)."""
    base = random_net((6,), seed=3)
    narrow = ((1.0, 1.0 + 1e-6), (-1.0, 1.0))
    net = ReluMLP((base.weights[0] * np.array([[1e6], [1.0]]), base.weights[1]), base.biases).with_metadata(domain=narrow)
    right = net_bounds(net, "lp")
    entry = right.to_json()
    assert entry["format"] == 3
    # an old, wrong upper bound of the output, still above its lower one (probe113 BD3: an upper bound of -1e9, below
    # the lower one, was refused as unreadable whatever its format, so the format-2 check itself went untested)
    entry["format"], entry["upper"][-1] = 2, [entry["lower"][-1][0] + 1e-3]
    old = net.with_metadata(bounds=json.dumps({"lp": entry}))
    assert net_bounds(old, "lp").upper[-1].tolist() == right.upper[-1].tolist()  # recomputed
    plain = stable_net()
    stored = interval_bounds(plain)
    kept = plain.with_metadata(bounds=json.dumps({"interval": {**stored.to_json(), "format": 2}}))
    assert net_bounds(kept, "interval").seconds == stored.seconds  # read as stored


def test_bounds_travel_in_the_onnx_file_and_are_checked_against_the_weights(tmp_path):
    net = random_net((5,), seed=4).rounded_to_float32()
    b = net_bounds(net, "interval")
    path = export_onnx(attach_bounds(net, b), tmp_path / "n.onnx")
    loaded = load_onnx(path)
    stored = json.loads(loaded.metadata["bounds"])["interval"]
    assert stored["fingerprint"] == fingerprint(loaded) == b.fingerprint
    got = net_bounds(loaded, "interval")
    assert got.seconds == b.seconds and all(np.array_equal(a, c) for a, c in zip(got.upper, b.upper))
    # the same metadata on other weights is ignored (recomputed), never trusted
    other = ReluMLP(tuple(w * 2 for w in loaded.weights), loaded.biases, loaded.metadata)
    assert net_bounds(other, "interval").fingerprint == fingerprint(other) != b.fingerprint


def test_bad_bounds_input_says_what_to_do():
    net, other = random_net((3,)), random_net((3,), seed=9)
    m = _model()
    with pytest.raises(ConfigError, match="unknown bound method 'tight'; choose one of interval, lp, milp"):
        add_surrogate(m, net, [m.x, m.y], formulation="pruned", bounds="tight")
    with pytest.raises(FormulationError, match="computed for another net or box"):
        add_surrogate(m, net, [m.x, m.y], formulation="pruned", bounds=interval_bounds(other), name="b")
    with pytest.raises(FormulationError, match="formulation 'bigm' takes OMLT's interval bounds"):
        add_surrogate(m, net, [m.x, m.y], formulation="bigm", bounds="milp", name="c")
    with pytest.raises(ConfigError, match="computed for another net"):
        attach_bounds(net, interval_bounds(other))
    with pytest.raises(ConfigError, match="lower <= upper"):
        NetBounds("interval", (np.ones(2),), (np.zeros(2),), ((-1.0, 1.0),) * 2, "x")
    with pytest.raises(ConfigError, match="input box"):
        interval_bounds(net, [(-1, 1)])


def _with_stored(net, method, **changes):
    """``net`` with its stored ``method`` bounds changed by ``changes`` (e.g. another ``seconds``)."""
    stored = json.loads(net.metadata[METADATA_KEY])
    stored[method] = {**stored[method], **changes}
    return net.with_metadata(**{METADATA_KEY: stored})


def test_the_milp_identity_reads_weights_domain_and_bounds_and_nothing_else():
    net = resolve_surrogate("b12-best-3x4")
    same = _with_stored(net.with_metadata(kind="copied", seed=7, error_bound=0.5, protocol="{}"), "milp", seconds=99.0)
    assert milp_identity(same) == milp_identity(net)  # documentary metadata and timings are not the MILP
    weights = [w.copy() for w in net.weights]
    weights[1][0, 0] += 1e-9
    changed = [
        type(net)(weights, net.biases, net.metadata),
        net.with_metadata(domain=[[0, 2], [0, 2]]),
        _with_stored(
            net, "milp", upper=[[u + 1.0 for u in layer] for layer in json.loads(net.metadata[METADATA_KEY])["milp"]["upper"]]
        ),
        _with_stored(net, "lp", envelope=[]),
    ]
    identities = {milp_identity(n) for n in changed}
    assert len(identities) == len(changed) and milp_identity(net) not in identities
    for unreadable in ("{not json", "[5]", "[1, 2]", '{"milp": 3}'):  # recomputed by the encodings; hashed as written here
        broken = net.with_metadata(**{METADATA_KEY: unreadable})
        assert milp_identity(broken) == milp_identity(net.with_metadata(**{METADATA_KEY: unreadable}))
        assert milp_identity(broken) != milp_identity(net)


@pytest.mark.solver
def test_a_wide_net_shows_the_progress_of_its_bounds_and_a_small_one_does_not(capsys):
    from surrogate.milp.bounds_obbt import PROGRESS_NEURONS, obbt_bounds
    from tests.helpers import random_net

    obbt_bounds(random_net((8, 8)), "lp")
    assert "lp bounds" not in capsys.readouterr().err
    obbt_bounds(random_net((4, PROGRESS_NEURONS + 4)), "lp")
    assert "lp bounds" in capsys.readouterr().err


def test_the_bounds_tools_take_a_zoo_name_or_an_onnx_path_and_refuse_anything_else(tmp_path):
    """net_bounds('3x8'), compute_bounds('3x8', 'lp') and with_stored_bounds('3x8') gave a bare AttributeError."""
    from surrogate.milp.bounds import compute_bounds, with_stored_bounds

    net = resolve_surrogate("2x6")
    path = export_onnx(net, tmp_path / "net.onnx")
    same = lambda a, b: {**a.to_json(), "seconds": 0} == {**b.to_json(), "seconds": 0}  # noqa: E731
    assert same(net_bounds("2x6", "interval"), net_bounds(net, "interval"))
    assert same(compute_bounds(str(path), "interval"), compute_bounds(net, "interval"))
    stored = with_stored_bounds("2x6", "interval")  # one method's name: one method, not its characters
    assert set(json.loads(stored.metadata[METADATA_KEY])) == {"interval"}
    for tool in (net_bounds, compute_bounds):
        with pytest.raises(ConfigError, match=rf"{tool.__name__}: got NoneType, not a net; pass a ReluMLP"):
            tool(None, "interval")
    with pytest.raises(ConfigError, match=r"with_stored_bounds: got int, not a net; pass a ReluMLP .* zoo name"):
        with_stored_bounds(3)
    with pytest.raises(ConfigError, match=r"with_stored_bounds: methods=\(\) names no bound method"):
        with_stored_bounds(net, ())


@pytest.mark.parametrize("methods", [5, True, 2.5, {"interval": 1}])
def test_methods_that_are_no_name_nor_list_of_names_are_refused(methods):
    """with_stored_bounds(net, 5) or (net, True) gave a bare TypeError: 'int' object is not iterable (probe64)."""
    from surrogate.milp.bounds import with_stored_bounds

    with pytest.raises(ConfigError, match=r"with_stored_bounds: methods=.* must be a bound method's name or a list of them"):
        with_stored_bounds(resolve_surrogate("2x6"), methods)


def test_cached_bounds_are_read_only_so_an_edit_changes_no_later_model():
    """probe84 #1: net_bounds handed out its process-wide cache entry with writeable arrays, so an in-place edit
    (``mid = b.lower[k]; mid += b.upper[k]``) changed the bounds of every later model of the net (a wrong optimum)."""
    net = stable_net()
    first = net_bounds(net, "interval")
    before = [a.copy() for a in first.lower]
    with pytest.raises(ValueError, match="read-only"):
        mid = first.lower[1]
        mid += first.upper[1]
    again = net_bounds(net, "interval")
    assert all(np.array_equal(a, b) for a, b in zip(again.lower, before))


def test_net_bounds_keep_copies_of_the_arrays_given():
    lower, upper = [np.array([-1.0, 0.0]), np.array([-2.0])], [np.array([1.0, 2.0]), np.array([2.0])]
    bounds = NetBounds("interval", lower, upper, ((-1.0, 1.0), (-1.0, 1.0)), "x")
    lower[0][0] = -5.0  # the caller's array, edited after: not the bounds'
    assert bounds.lower[0][0] == -1.0 and not any(a.flags.writeable for a in (*bounds.lower, *bounds.upper))


@pytest.mark.solver
@pytest.mark.parametrize("method", ["lp", "milp"])
def test_obbt_widens_its_bounds_by_a_millionth_only(method):
    """probe109 O2: a margin of 1e-3 in place of 1e-6 left every lp/milp bound 1000 times looser, unnoticed. |x| + relu(y)
    reaches 2 (its interval bound is 3); the LP and the MILP both prove 2, widened by 1e-6 (1 + 2)."""
    b = net_bounds(_abs_x_plus_relu_y(), method)
    assert b.upper[-1][0] == pytest.approx(2.0 + 3e-6, abs=1e-9)
    assert b.lower[-1][0] == 0.0  # the interval bound, tighter than the widened solve's


@pytest.mark.solver
def test_milp_bounds_are_tighter_than_lp_bounds_and_lp_than_interval():
    """probe109 O3, O6: 'lp' bounds whose lower sides were never tightened, and 'milp' bounds that were the 'lp' ones
    (the MILP pass skipped), were caught only by tests of the zoo and of tiny boxes. Each hidden layer after the first,
    and the output, gets every side tightened by the LP, and its width shrunk further by the MILP."""
    from surrogate.milp.bounds import compute_bounds

    net = random_net((6, 6), seed=0)
    iv, lp, milp = (compute_bounds(net, method) for method in ("interval", "lp", "milp"))
    out = net.forward(GRID)
    assert milp.lower[-1][0] <= out.min() and out.max() <= milp.upper[-1][0]
    for k in (1, 2):
        assert (lp.lower[k] > iv.lower[k]).all() and (lp.upper[k] < iv.upper[k]).all()
        assert (milp.lower[k] >= lp.lower[k]).all() and (milp.upper[k] <= lp.upper[k]).all()
        assert np.sum(milp.upper[k] - milp.lower[k]) < 0.9 * np.sum(lp.upper[k] - lp.lower[k])


def test_milp_bounds_of_a_net_of_tiny_values_hold_for_the_net():
    """probe93 #2 (net C): hidden values near 1e-7, outputs near 1e-5; OBBT's solves, held to HiGHS's 1e-7, gave an
    output lower bound of 5.3e-6 where the net reaches 1.8e-6, and pruned models were INFEASIBLE at fixed inputs.
    They now solve the net scaled by powers of two (surrogate.milp.output_scale), their bounds scaled back."""
    from surrogate.milp.bounds import compute_bounds

    base = random_net((8, 8), seed=1)
    f = 1e-7
    net = ReluMLP(
        (base.weights[0] * f, base.weights[1] * 30, base.weights[2] * 2),
        (base.biases[0] * f, base.biases[1] * f * 30, base.biases[2] * f * 60),
    )
    bounds = compute_bounds(net, "milp", box=((-1.0, 1.0), (-1.0, 1.0)))
    grid = np.linspace(-1, 1, 41)
    points = np.array([(a, b) for a in grid for b in grid])
    out = net.forward(points)
    assert bounds.lower[-1][0] <= out.min() and out.max() <= bounds.upper[-1][0]
    for plane in bounds.envelope:
        assert plane.holds(points, out, tol=1e-12)


def test_obbt_takes_only_an_lp_or_a_milp_method():
    from surrogate.milp.bounds_obbt import obbt_bounds

    with pytest.raises(ConfigError, match=r"obbt_bounds: method='interval' must be 'lp' or 'milp'"):
        obbt_bounds(random_net((3,)), "interval")


WIDE = ((-2.0, 2.0), (-2.0, 2.0))


def _same_bounds(got: NetBounds, want: NetBounds) -> bool:
    pairs = zip((*got.lower, *got.upper), (*want.lower, *want.upper))
    return got.box == want.box and all(np.array_equal(a, b) for a, b in pairs)


def test_bounds_stored_for_the_domain_are_not_handed_out_for_another_box():
    """probe113 BD1: stored bounds of [-1, 1]^2 returned for [-2, 2]^2 cut off values the net takes there."""
    net = attach_bounds(stable_net(), interval_bounds(stable_net()))
    assert net_bounds(net, "interval").lower[0].tolist() == [1.0, -5.0, -1.5]  # the stored ones, on the domain
    wide = net_bounds(net, "interval", box=WIDE)
    assert wide.lower[0].tolist() == [-1.0, -7.0, -3.0] and wide.upper[0].tolist() == [7.0, 1.0, 3.0]
    assert _same_bounds(wide, interval_bounds(stable_net(), WIDE))


def test_cached_bounds_of_one_box_are_not_handed_out_for_another():
    """probe113 BD4: the process cache keyed without the box returned the domain's bounds for a wider box."""
    net = stable_net()
    assert net_bounds(net, "interval").upper[0].tolist() == [5.0, -1.0, 1.5]
    wide = net_bounds(net, "interval", box=WIDE)
    assert wide.lower[0].tolist() == [-1.0, -7.0, -3.0] and wide.upper[0].tolist() == [7.0, 1.0, 3.0]
    assert _same_bounds(wide, interval_bounds(stable_net(), WIDE))


def _one_neuron_net():
    """x -> relu(x) -> out: w0 = [[1], [0]], w1 = [[1]], biases 0."""
    return ReluMLP((np.array([[1.0], [0.0]]), np.array([[1.0]])), (np.zeros(1), np.zeros(1)))


def test_stability_counts_of_bounds_given_by_hand():
    """Hidden [0, 1] (active: l = 0 counts as l >= 0), [-1, 1] (unstable, width 2), [-2, -1] and [0, 0] (inactive)."""
    from surrogate.milp.bounds_result import NetBounds

    lower = (np.array([0.0, -1.0, -2.0, 0.0]), np.array([0.0]))
    upper = (np.array([1.0, 1.0, -1.0, 0.0]), np.array([1.0]))
    b = NetBounds("interval", lower, upper, ((-1.0, 1.0), (-1.0, 1.0)), "hand")
    assert (b.stable_active, b.unstable, b.stable_inactive, b.bigm_width) == (1, 1, 2, 2.0)


def test_the_fingerprint_reads_the_biases_too():
    from surrogate.milp.bounds_result import fingerprint

    net = _one_neuron_net()
    moved = ReluMLP(net.weights, (np.zeros(1), np.array([1e-12])))
    assert fingerprint(net) != fingerprint(moved)


def test_covers_refuses_a_point_a_hair_past_a_bound():
    """At (0.5, 0) the hidden pre-activation is 0.5: bounds [-1, 0.4999] or [0.5001, 1] do not cover it, [0.5, 0.5] does."""
    from surrogate.milp.bounds_result import NetBounds

    net, point = _one_neuron_net(), np.array([[0.5, 0.0]])
    for low, top, covered in ((-1.0, 0.4999, False), (0.5001, 1.0, False), (0.5, 0.5, True)):
        hidden = (np.array([low]), np.array([0.0])), (np.array([top]), np.array([1.0]))
        assert NetBounds("interval", *hidden, ((-1, 1), (-1, 1)), "h").covers(net, point) is covered


@pytest.mark.parametrize(
    ("first", "last", "what", "layer"),
    [
        (1e11, 1e10, r"output 0 \(counted from 0\) reaches \[0, 2e\+21\]", r"hidden layer 0 \(counted from 0\)"),
        (1e5, 1e16, r"output 0 \(counted from 0\) reaches \[0, 2e\+21\]", "output layer"),
        (1e20, 1.0, r"neuron 0 of hidden layer 0 \(counted from 0\)", r"hidden layer 0 \(counted from 0\)"),
    ],
)
@pytest.mark.parametrize("method", ["lp", "milp"])
def test_obbt_refuses_a_net_whose_interval_bounds_reach_highs_infinity(first, last, what, layer, method):
    """probe114 #2: past 1e20 HiGHS reads the OBBT models' values as infinite; 'milp' returned bounds the net breaks."""
    net = ReluMLP((np.array([[first], [first]]), np.array([[last]])), (np.zeros(1), np.zeros(1)))
    with pytest.raises(
        ModelFormatError,
        match=rf"'{method}' bounds: the net's {what}.* at or beyond HiGHS's infinity of 1e\+20.*divide the weights and "
        rf"bias of its {layer} and the biases of every later layer by s",
    ):
        net_bounds(net, method)
    assert net_bounds(net, "interval").upper[0][0] == 2 * first  # interval arithmetic is right at any size
