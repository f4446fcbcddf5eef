"""The grid that nets are scored on."""

import math

import numpy as np
import pytest

from surrogate import ConfigError, ReluMLP
from surrogate.nets.metrics import VALIDATION_POINTS, grid, score, validation_mae, validation_points


def test_a_score_worked_out_by_hand():
    """probe109 M1, M2: score()'s max_error as the largest signed error (0.5 here) and its mse as mae^2 were caught
    only by tests of the zoo and of the experiments. N = relu(x + y) - 0.5 on the 3 x 3 grid of [-1, 1]^2 errs by
    -1.5 at (-1, -1) and by +-0.5 at the 8 other points."""
    net = ReluMLP((np.ones((2, 1)), np.ones((1, 1))), (np.zeros(1), np.array([-0.5])), {})
    s = score(net, n=3)
    assert (s.mae, s.mse, s.max_error, s.output_range, s.collapsed) == pytest.approx((5.5 / 9, 4.25 / 9, 1.5, 2.0, False))


def test_restarts_are_validated_on_the_whole_domain():
    """probe109 M4: validation points drawn on [0, 1]^2, a quarter of the domain, let a net that fits one quadrant
    win the restarts."""
    points = validation_points(0)
    assert points.shape == (VALIDATION_POINTS, 2) and not points.flags.writeable
    assert (points.min(axis=0) < -0.99).all() and (points.max(axis=0) > 0.99).all()
    assert np.abs(points.mean(axis=0)).max() < 0.05
    assert validation_mae(ReluMLP((np.zeros((2, 1)), np.zeros((1, 1))), (np.zeros(1), np.zeros(1)), {}), 0) == pytest.approx(
        np.abs(points[:, 0] * points[:, 1]).mean()
    )


def test_grid_takes_a_box_as_a_list_or_an_array():
    """probe84 #7: grid is cached, and a box as a list or an array (as every other box of the API is written) raised
    Python's bare "unhashable type"."""
    expected = grid(3, ((0.0, 1.0), (0.0, 2.0)))
    for box in ([[0, 1], [0, 2]], np.array([[0.0, 1.0], [0.0, 2.0]]), [(0, 1), (0, 2)]):
        points = grid(3, box)
        assert np.array_equal(points, expected) and not points.flags.writeable
    assert points[-1].tolist() == [1.0, 2.0]


@pytest.mark.parametrize("box", [[[0, 1]], [[1, 0], [0, 1]], [[0, "a"], [0, 1]], 5, [[0, math.inf], [0, 1]], [[0, 1, 2], [0, 1]]])
def test_grid_refuses_a_box_that_is_not_two_pairs(box):
    with pytest.raises(
        ConfigError, match=r"grid: box=.* must be two pairs of finite numbers \(lower, upper\) with lower <= upper"
    ):
        grid(3, box)


@pytest.mark.parametrize(("scale", "collapsed"), [(1e-4, False), (1e-8, True)])
def test_only_an_output_that_spans_under_a_millionth_is_collapsed(scale, collapsed):
    """probe113 MT1: with COLLAPSE_RANGE at 1e-2, a net whose output spans 1e-4 (scale * relu(x)) was flagged constant."""
    s = score(ReluMLP([np.array([[1.0], [0.0]]), np.array([[scale]])], [np.zeros(1), np.zeros(1)]))
    assert s.output_range == pytest.approx(scale) and s.collapsed == collapsed
