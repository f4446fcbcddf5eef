"""A certified bound on a net's error ``max |N(x, y) - x y|`` over its whole domain.

:func:`certified_error_bound` evaluates the net on a grid of its domain and
adds what the net and ``x*y`` can change by between grid points (a Lipschitz
term from the weights), so the bound holds everywhere, not only on the grid.
:func:`~surrogate.milp.bilinear.bilinear` uses it in error-aware mode.
"""

from __future__ import annotations

import numpy as np

from ..nets.metrics import grid
from ..nets.network import ReluMLP
from .bounds import fingerprint

#: Points per axis of the grid on which :func:`certified_error_bound` evaluates a net.
CERTIFY_POINTS = 1025
#: Added to a net's declared ``error_bound``: it holds for the exact construction, and an ONNX export
#: rounds the weights to float32 (the zoo's hand-built nets move by below 1e-8).
DECLARED_MARGIN = 1e-6
_CERTIFIED: dict = {}


def _grid_error(net: ReluMLP, points: int) -> tuple[float, float]:
    """``(max |N - xy|`` on a ``points x points`` grid of the domain, the Lipschitz term of :func:`certified_error_bound`).

    The grid is :func:`surrogate.nets.metrics.grid` mapped onto the net's domain.
    """
    (p, q), (r, s) = net.domain
    worst = 0.0
    for chunk in np.array_split(grid(points), max(1, points // 128)):
        xy = np.column_stack([p + (chunk[:, 0] + 1) * ((q - p) / 2), r + (chunk[:, 1] + 1) * ((s - r) / 2)])
        worst = max(worst, float(np.max(np.abs(net.forward(xy) - xy[:, 0] * xy[:, 1]))))
    gain = np.abs(net.weights[0])
    for w in net.weights[1:]:
        gain = gain @ np.abs(w)
    (gx, gy), half = gain[:, 0], ((q - p) / (points - 1) / 2, (s - r) / (points - 1) / 2)
    return worst, half[0] * (gx + max(abs(r), abs(s))) + half[1] * (gy + max(abs(p), abs(q)))


def _declared_bound(net: ReluMLP) -> float | None:
    """The net's ``error_bound`` metadata as a number, or ``None`` where it is absent or not a number (then unused)."""
    try:
        return float(net.metadata["error_bound"])
    except (KeyError, TypeError, ValueError):
        return None


def certified_error_bound(net: ReluMLP, *, points: int = CERTIFY_POINTS) -> float:
    """A certified ``E >= max |N(x, y) - x y|`` over the net's domain ``[p, q] x [r, s]`` (cached per net).

    With ``e = N - xy``, a grid of ``points`` per axis (spacings ``h_x, h_y``)
    puts every point within ``h_x/2, h_y/2`` of a grid point ``g``, and

    .. math::

        |e(x, y) - e(g)| \\le \\tfrac{h_x}{2} (G_x + Y) + \\tfrac{h_y}{2} (G_y + X),
        \\qquad (G_x, G_y)^\\top = |W_1| |W_2| \\cdots |W_L|,

    with ``X = max(|p|, |q|)``, ``Y = max(|r|, |s|)``: ``G`` bounds ``|dN/dx|, |dN/dy|``
    (each ReLU's slope lies in [0, 1]) and ``|xy - g_x g_y| <= |dx| Y + |dy| X``. So

    .. math::

        E = \\max_g |e(g)| + \\tfrac{h_x}{2} (G_x + Y) + \\tfrac{h_y}{2} (G_y + X).

    A net whose metadata declares ``error_bound`` (the hand-built nets of
    :mod:`surrogate.nets.construct`) gets ``min(E, error_bound + DECLARED_MARGIN)``,
    unless the grid shows the declaration false for these weights (a value that
    is not a number is not used). The result
    is cached by the weights' :func:`~surrogate.milp.bounds.fingerprint`, domain, grid and declaration.
    """
    declared = _declared_bound(net)
    key = (fingerprint(net), net.domain, points, declared)
    if key not in _CERTIFIED:
        worst, lipschitz = _grid_error(net, points)
        bound = worst + lipschitz
        if declared is not None and worst <= declared + DECLARED_MARGIN:
            bound = min(bound, declared + DECLARED_MARGIN)
        _CERTIFIED[key] = bound
    return _CERTIFIED[key]
