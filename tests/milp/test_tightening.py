"""Bound tightening with HiGHS: the output layer, the envelope planes, and the solver's clock."""

import numpy as np
import pytest

from surrogate import ConfigError
from surrogate.milp.bilinear import resolve_surrogate
from surrogate.milp.bounds import compute_bounds, interval_bounds, net_bounds, with_stored_bounds
from tests.helpers import random_net

pytestmark = pytest.mark.solver

GRID = np.stack(np.meshgrid(np.linspace(-1, 1, 201), np.linspace(-1, 1, 201)), -1).reshape(-1, 2)


def test_first_layer_keeps_interval_bounds_which_are_exact():
    net = random_net((6,), seed=2)
    for method in ("lp", "milp"):
        b = compute_bounds(net, method)
        assert np.array_equal(b.lower[0], interval_bounds(net).lower[0]) and b.method == method


@pytest.mark.parametrize("name", ["b24-best-3x8", "b24-best-6x4"])
def test_envelope_planes_hold_everywhere_and_are_nearly_tight(name):
    """The planes are min/max of N(x) - a.x over the MILP: every grid point satisfies them, and the grid
    comes within 2e-2 of each (the grid misses the exact extreme points, and the MILP's 1e-4 gap)."""
    net = resolve_surrogate(name)
    # capped by nodes (these need at most 81), not seconds: load cannot leave loose planes
    lp, milp = compute_bounds(net, "lp"), compute_bounds(net, "milp")
    assert milp.capped == milp.timed_out == 0
    assert len(milp.envelope) == 4 and milp.covers(net, GRID) and lp.covers(net, GRID)
    out = net.forward(GRID).reshape(-1)
    for loose, tight in zip(lp.envelope, milp.envelope):
        gap = out - GRID @ np.asarray(tight.slope)
        extreme = gap.min() if tight.side == "lower" else gap.max()
        assert abs(extreme - tight.offset) < 2e-2
        # the MILP planes are at least as tight as the LP ones
        assert (tight.offset >= loose.offset - 1e-9) if tight.side == "lower" else (tight.offset <= loose.offset + 1e-9)
    # the output bounds are tightened too: within the interval ones, around the net's range on the grid
    assert interval_bounds(net).lower[-1][0] <= milp.lower[-1][0] <= out.min()
    assert out.max() <= milp.upper[-1][0] <= interval_bounds(net).upper[-1][0]


def test_a_node_capped_milp_obbt_is_valid_and_the_same_every_time():
    """Capped at 2 nodes, some solves stop early: their dual bounds still hold on the grid, none is a
    time-out, and a second run gives the same bounds (the cap is work, not seconds)."""
    net = resolve_surrogate("b24-hand-shared-3x8")
    full, capped = compute_bounds(net, "milp"), compute_bounds(net, "milp", node_limit=2)
    again = compute_bounds(net, "milp", node_limit=2)
    assert (full.capped, full.timed_out) == (0, 0)
    assert capped.capped > 0 and capped.timed_out == 0 and capped.covers(net, GRID) and full.covers(net, GRID)
    assert all(np.array_equal(a, b) for a, b in zip(capped.lower + capped.upper, again.lower + again.upper))
    assert capped.envelope == again.envelope and len(capped.envelope) == 4


def test_bad_obbt_limits_say_what_to_pass():
    net = random_net((3,), seed=1)
    with pytest.raises(ConfigError, match="compute_bounds: node_limit=0 must be a positive integer"):
        compute_bounds(net, "milp", node_limit=0)
    with pytest.raises(ConfigError, match="compute_bounds: node_limit=2.5 must be a positive integer"):
        compute_bounds(net, "lp", node_limit=2.5)
    with pytest.raises(ConfigError, match="compute_bounds: time_limit=0 must be a positive number of seconds"):
        compute_bounds(net, "milp", time_limit=0)
    # each function names itself and the argument the caller passed (not obbt_bounds or SolverConfig)
    with pytest.raises(ConfigError, match="net_bounds: node_limit=0 must be a positive integer"):
        net_bounds(net, "milp", node_limit=0)
    with pytest.raises(ConfigError, match=r"net_bounds: time_limit=2000000000.0 must be a positive number of seconds up to"):
        net_bounds(net, "lp", time_limit=2e9)
    with pytest.raises(ConfigError, match="with_stored_bounds: time_limit=-1 must be a positive number of seconds"):
        with_stored_bounds(net, time_limit=-1)
