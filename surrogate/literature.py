"""Published figures that the sweep's table is compared against.

The 2021 blog post trained Keras nets with 24 hidden neurons at constant width
(Dense ReLU + linear output, Adam, MAE loss, 100 epochs, 10,000 uniform
points) and tabulated MAE and MSE per shape. Its row labels are swapped: the
rows it lists as 24x1 ... 1x24 are really 1x24 ... 24x1 (layers x width), as
its own text and the two collapsed rows (MAE 0.25 = E|xy|, the deep ones)
show. The values below carry the corrected labels. Its MSE column is not
self-consistent with its MAE column, so it is not quoted here.
"""

from __future__ import annotations

BLOG_2021_SOURCE = "2021 blog post, Keras 24-neuron nets, MAE per shape (row labels corrected)"

#: Blog MAE per shape (layers x width), corrected labels.
BLOG_2021_MAE: dict[str, float] = {
    "1x24": 5.7e-3,
    "2x12": 4.6e-3,
    "3x8": 4.5e-3,
    "4x6": 5.1e-3,
    "6x4": 9.9e-3,
    "8x3": 2.0e-2,
    "12x2": 0.249,
    "24x1": 0.25,
}


def blog_mae(arch_name: str) -> float | None:
    """The blog's MAE for ``arch_name`` (e.g. ``'3x8'``), or ``None`` if it has none."""
    return BLOG_2021_MAE.get(arch_name)
