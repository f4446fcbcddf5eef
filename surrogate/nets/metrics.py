"""Approximation error of a net against x*y on a held-out grid of [-1, 1]^2."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from ..errors import ConfigError
from ..options import is_number
from .network import ReluMLP
from .zoo import net_argument

GRID_POINTS = 401
#: The most grid points per axis: the n x n points are evaluated at once (4001: 16 million points, about 3 GB of
#: activations for a 24-wide layer); more ends in a memory error, not a score.
MAX_GRID_POINTS = 4001
# A net whose output varies by less than this over the whole grid is a constant.
COLLAPSE_RANGE = 1e-6


def grid(n: int = GRID_POINTS, box=((-1.0, 1.0), (-1.0, 1.0))) -> np.ndarray:
    """The ``n x n`` uniform grid of ``box`` (default [-1, 1]^2; two ``(lower, upper)`` pairs, as a tuple, a list or
    an array) as an ``(n*n, 2)`` array (read-only, cached).

    Raises
    ------
    ConfigError
        If ``box`` is not two pairs of finite numbers ``(lower, upper)`` with ``lower <= upper``.
    """
    return _grid(n, _grid_box(box))


def _grid_box(box) -> tuple[tuple[float, float], tuple[float, float]]:
    """``box`` as two pairs of floats (hashable, for the cache), or :class:`ConfigError`."""
    try:
        pairs = tuple((float(lo), float(hi)) for lo, hi in box)
    except (TypeError, ValueError):
        pairs = ()
    if len(pairs) != 2 or any(not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi) for lo, hi in pairs):
        raise ConfigError(
            f"grid: box={box!r} must be two pairs of finite numbers (lower, upper) with lower <= upper, one per input, "
            "e.g. [(-1, 1), (-1, 1)]"
        )
    return pairs


@lru_cache(maxsize=4)
def _grid(n: int, box: tuple[tuple[float, float], tuple[float, float]]) -> np.ndarray:
    (p, q), (r, s) = box
    xx, yy = np.meshgrid(np.linspace(p, q, n), np.linspace(r, s, n), indexing="ij")
    points = np.column_stack([xx.ravel(), yy.ravel()])
    points.setflags(write=False)
    return points


@dataclass(frozen=True)
class ApproximationScore:
    """Errors of ``N(x, y)`` against ``x*y`` on the grid.

    ``collapsed`` is true when the net is constant on the whole grid (a dead
    net); its errors are still the true ones, but it must not be mistaken for
    a fit.
    """

    mae: float
    mse: float
    max_error: float
    output_range: float
    collapsed: bool

    def to_dict(self) -> dict:
        """The score as a plain dict (JSON-ready)."""
        return asdict(self)


VALIDATION_POINTS = 10_000


@lru_cache(maxsize=64)
def validation_points(seed: int, n: int = VALIDATION_POINTS) -> np.ndarray:
    """Uniform points of [-1, 1]^2 for selecting among restarts of ``seed``.

    Drawn from their own stream, so they are neither training points nor the
    test grid that the reported errors come from.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    points = rng.uniform(-1.0, 1.0, size=(n, 2))
    points.setflags(write=False)
    return points


def validation_mae(net: ReluMLP, seed: int) -> float:
    """MAE of ``net`` against x*y on :func:`validation_points` of ``seed``."""
    points = validation_points(seed)
    return float(np.abs(net.forward(points) - points[:, 0] * points[:, 1]).mean())


def check_grid_points(n, what: str) -> None:
    """Raise :class:`ConfigError` (its message starting with ``what``) unless ``n`` is an integer in
    [2, :data:`MAX_GRID_POINTS`]."""
    if not is_number(n, integer=True, low=2):
        raise ConfigError(f"{what} must be an integer of at least 2 points per axis, e.g. {GRID_POINTS}")
    if n > MAX_GRID_POINTS:
        raise ConfigError(
            f"{what} points per axis make {n}^2 = {n * n:.3g} points, evaluated at once, more than memory holds; "
            f"give at most {MAX_GRID_POINTS}, e.g. {GRID_POINTS}"
        )


def score(net: ReluMLP | str, *, n: int = GRID_POINTS) -> ApproximationScore:
    """Score ``net`` (a :class:`ReluMLP`, an ONNX path or a zoo name, as for :func:`~surrogate.nets.zoo.net_argument`) on the ``n x n`` grid (default 401 x 401 = 160,801 points) of its domain (its ``domain``
    metadata, else [-1, 1]^2: the grid of every zoo net); ``n`` at least 2.

    Parameters
    ----------
    net
        A :class:`ReluMLP`, an ONNX path or a zoo name.
    n
        Grid points per axis, from 2 to :data:`MAX_GRID_POINTS`.

    Returns
    -------
    ApproximationScore
        The net's MAE, MSE and max error against x*y on the grid, and whether it is constant there
        (``collapsed``).
    """
    net = net_argument(net, "score")
    check_grid_points(n, f"score: n={n!r}")
    points = grid(n, net.check_product_net("score").domain)
    out = net.forward(points)
    err = out - points[:, 0] * points[:, 1]
    spread = float(out.max() - out.min())
    return ApproximationScore(
        mae=float(np.abs(err).mean()),
        mse=float((err**2).mean()),
        max_error=float(np.abs(err).max()),
        output_range=spread,
        collapsed=spread < COLLAPSE_RANGE,
    )
