"""Bound tightening with HiGHS: the output layer, the envelope planes, and the solver's clock."""

import numpy as np
import pytest

from surrogate.milp.bilinear import resolve_surrogate
from surrogate.milp.bounds import compute_bounds, interval_bounds
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
    # a limit far above the 10-15 s these take alone: a time-out under load would leave loose planes
    lp, milp = compute_bounds(net, "lp"), compute_bounds(net, "milp", time_limit=600.0)
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
