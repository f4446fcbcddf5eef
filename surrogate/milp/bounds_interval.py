"""Interval-arithmetic bounds of a ReLU MLP on an input box (OMLT's own bounds: the ``interval`` method).

With ``h`` in ``[hl, hu]``, ``zhat = W^T h + b`` lies in
``[W+^T hl + W-^T hu + b, W+^T hu + W-^T hl + b]``, layer by layer.
"""

from __future__ import annotations

import math
import reprlib
import time
from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError
from ..nets.network import ReluMLP
from .bounds_result import NetBounds, fingerprint


def _number(value) -> float:
    """``float(value)``; ``TypeError`` for text, which ``float`` would read (``'1'``, ``np.str_('1')``, a 0-d NumPy text
    array ``np.array('1')``), as a config refuses it."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()  # the number or text it holds
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{value!r} is text")
    return float(value)


def check_box(box: Sequence[tuple[float, float]] | None, net: ReluMLP) -> tuple[tuple[float, float], ...]:
    """``box`` as floats (``None``: the net's domain), or :class:`ConfigError` (also for a bound given as text, ``'1'``,
    as :class:`~surrogate.milp.solver_config.SolverConfig` refuses ``time_limit='10'``)."""
    n_inputs = net.weights[0].shape[0]
    try:
        box = tuple((_number(lo), _number(hi)) for lo, hi in (net.domain if box is None else box))
    except OverflowError:  # an int past float's range (10**400)
        raise ConfigError(
            f"input box {reprlib.repr(box)} holds a bound past float's range (about 1.8e308); give finite (lower, "
            "upper) pairs of floats, e.g. [(-1, 1), (-1, 1)]"
        ) from None
    except (TypeError, ValueError):
        raise ConfigError(
            f"input box {box!r} must be {n_inputs} pairs of numbers (lower, upper), e.g. [(-1, 1), (-1, 1)]"
        ) from None
    if len(box) != n_inputs:
        raise ConfigError(
            f"input box {box} has {len(box)} (lower, upper) pairs, but the net has {n_inputs} inputs; give one pair per input"
        )
    if any(not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi) for lo, hi in box):
        raise ConfigError(f"input box {box} must give finite (lower, upper) with lower <= upper for each of {n_inputs} inputs")
    return box


def interval_layer(w: np.ndarray, b: np.ndarray, hl: np.ndarray, hu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of ``h @ w + b`` for ``h`` in ``[hl, hu]``: ``(lower, upper)``, exact for one affine layer; past float's
    limit infinite, which is still a bound (an encoding refuses it: ``large_values.check_below_infinity``), not NaN
    (``inf * 0`` or ``inf - inf`` of an overflow)."""
    wp, wn = np.maximum(w, 0.0), np.minimum(w, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        lower, upper = hl @ wp + hu @ wn + b, hu @ wp + hl @ wn + b
    return np.where(np.isnan(lower), -np.inf, lower), np.where(np.isnan(upper), np.inf, upper)


def interval_bounds(net: ReluMLP, box: Sequence[tuple[float, float]] | None = None) -> NetBounds:
    """Interval-arithmetic bounds of every layer (OMLT's own bounds).

    Parameters
    ----------
    net
        The net.
    box
        One ``(lower, upper)`` pair per input (``None``: the net's domain).
    """
    start = time.perf_counter()
    box = check_box(box, net)
    hl, hu = np.array([lo for lo, _ in box]), np.array([hi for _, hi in box])
    lower, upper = [], []
    for w, b in zip(net.weights, net.biases):
        lo, hi = interval_layer(w, b, hl, hu)
        lower.append(lo)
        upper.append(hi)
        hl, hu = np.maximum(lo, 0.0), np.maximum(hi, 0.0)
    return NetBounds("interval", tuple(lower), tuple(upper), box, fingerprint(net), time.perf_counter() - start)
