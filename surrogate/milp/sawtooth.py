"""The sawtooth interpolant of ``t^2`` on [0, 1] (Beach, Hildebrand & Huchette 2022) that
:class:`~surrogate.milp.baselines.Sawtooth` writes ``x*y = u^2 - v^2`` with: its constraints on a block
(:func:`sawtooth_square`), its value at points (:func:`sawtooth_square_value`) and its binaries at a point
(:func:`sawtooth_switches`).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo


def sawtooth_square(block, t, levels: int, tag: str):
    """An expression equal to the ``levels``-level sawtooth interpolant of ``t^2`` (``t`` in [0, 1])."""
    g = pyo.Var(range(levels + 1), bounds=(0.0, 1.0))
    a = pyo.Var(range(1, levels + 1), domain=pyo.Binary)
    cons = pyo.ConstraintList()
    block.add_component(f"g_{tag}", g)
    block.add_component(f"a_{tag}", a)
    block.add_component(f"sawtooth_{tag}", cons)
    cons.add(g[0] == t)
    for i in range(1, levels + 1):
        cons.add(g[i] <= 2 * g[i - 1])
        cons.add(g[i] <= 2 * (1 - g[i - 1]))
        cons.add(g[i] >= 2 * (g[i - 1] - a[i]))
        cons.add(g[i] >= 2 * (a[i] - g[i - 1]))
    return t - sum(g[i] / 4**i for i in range(1, levels + 1))


def sawtooth_arguments(x, y):
    """``(t_u, t_v)`` in [0, 1] of ``u = (x+y)/2`` and ``v = (x-y)/2`` (numbers, arrays or Pyomo expressions)."""
    return ((x + y) / 2 + 1) / 2, ((x - y) / 2 + 1) / 2


def sawtooth_switches(t: float, levels: int, threshold: float) -> dict:
    """``{i: a_i}`` of :func:`sawtooth_square` at ``t``: ``a_i = 1`` where ``g_{i-1} - 1/2 > threshold``."""
    g, values = float(t), {}
    for i in range(1, levels + 1):
        values[i] = 1.0 if g - 0.5 > threshold else 0.0
        g = 2 * min(g, 1 - g)
    return values


def sawtooth_square_value(t: np.ndarray, levels: int) -> np.ndarray:
    """The ``levels``-level sawtooth interpolant of ``t^2`` at the points ``t`` (in [0, 1])."""
    g, out = np.asarray(t, dtype=np.float64), np.asarray(t, dtype=np.float64).copy()
    for i in range(1, levels + 1):
        g = 2 * np.minimum(g, 1 - g)
        out = out - g / 4**i
    return out
