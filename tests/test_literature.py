"""The 2021 blog's figures, as the sweep's table and the MAE-against-depth figure quote them."""

import pytest

from surrogate.literature import BLOG_2021_MAE, blog_mae


def test_the_blog_mae_per_shape_is_the_published_table_with_corrected_labels():
    # the post's table, its rows relabelled layers x width (its 24x1 row is 1x24): each figure pinned, so a typo shows
    assert BLOG_2021_MAE == {
        "1x24": 5.7e-3,
        "2x12": 4.6e-3,
        "3x8": 4.5e-3,
        "4x6": 5.1e-3,
        "6x4": 9.9e-3,
        "8x3": 2.0e-2,
        "12x2": 0.249,
        "24x1": 0.25,
    }
    assert blog_mae("24x1") == 0.25  # collapsed: E|xy| = 1/4 on [-1, 1]^2


@pytest.mark.parametrize("shape", ["3x9", "1x12", "3-8", ""])
def test_a_shape_the_blog_did_not_train_has_no_figure(shape):
    assert blog_mae(shape) is None
