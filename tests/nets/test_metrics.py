"""The grid that nets are scored on."""

import math

import numpy as np
import pytest

from surrogate import ConfigError
from surrogate.nets.metrics import grid


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
