"""Hand-built ReLU MLPs for x*y: no training, an error bound in closed form.

Write ``xy = u^2 - v^2`` with ``u = (x+y)/2`` and ``v = (x-y)/2`` (both in
[-1, 1] on the square). Each square ``s^2`` is carried by half of every
hidden layer:

* **Layer 1** (``m = w_1/2`` neurons per square) holds the hinges
  ``relu(s - p_j)`` at the nodes ``p_j = -1 + 2j/m`` (``j = 0..m-1``; the
  first is ``s + 1``, always active). Two affine read-outs of them are passed
  on: ``f_1``, the piecewise-linear interpolant of ``s^2`` on the ``m`` cells
  of width ``h_1 = 2/m``, and a zigzag ``z_1`` that runs linearly from 0 to 1
  (or 1 to 0) across every cell.
* **Layer l >= 2** (``k_l + 1 = w_l/2`` neurons per square) refines every cell
  ``k_l``-fold with a zigzag of ``k_l`` hinges ``relu(z_{l-1} - j/k_l)`` plus
  one carry unit ``relu(f_{l-1}) = f_{l-1}`` (``f >= s^2 >= 0``). On a cell of
  width ``h`` the interpolation error is ``f - s^2 = h^2 z (1 - z)``, so

  .. math::

      f_l = f_{l-1} - h_{l-1}^2 \\, I_{k}[z(1-z)](z_{l-1}), \\qquad
      z_l = \\mathrm{zigzag}_k(z_{l-1}),

  where ``I_k`` interpolates ``z(1-z)`` at ``j/k``. Both are combinations of
  the layer's hinges, and ``h_l = h_{l-1}/k_l``. Yarotsky (2017) is ``k = 2``.
* **Output**: ``f_L(u) - f_L(v)``.

The interpolant overestimates each square by between 0 and ``h_L^2/4``, so
``|N(x, y) - xy| <= h_L^2 / 4 = 1 / (m k_2 ... k_L)^2``. 3x8: m = 4,
k = 3, 3 gives 1/1296.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from .architecture import Architecture
from .errors import ArchitectureError
from .network import ReluMLP

_DIRECTIONS = {"u": np.array([0.5, 0.5]), "v": np.array([0.5, -0.5])}


@dataclass(frozen=True)
class ConstructionPlan:
    """How a hand-built net spends its neurons: ``m`` first-layer cells, then ``k`` per layer."""

    architecture: Architecture
    first_cells: int
    refinements: tuple[int, ...]

    @property
    def cells(self) -> int:
        """Cells of the final interpolant of each square on [-1, 1]."""
        return self.first_cells * prod(self.refinements)

    @property
    def error_bound(self) -> float:
        """``max |N(x,y) - xy| <= h^2/4`` with ``h = 2 / cells``."""
        return 1.0 / self.cells**2


def plan(arch: Architecture | str) -> ConstructionPlan:
    """Check that ``arch`` fits the construction and return its plan.

    Every hidden width must be even (half per square); later layers need at
    least 4 neurons (one hinge and the carry per square).
    """
    arch = Architecture.parse(arch)
    if arch.n_inputs != 2 or arch.n_outputs != 1:
        raise ArchitectureError(f"hand-built nets are 2 -> ... -> 1; {arch} has {arch.n_inputs} inputs, {arch.n_outputs} outputs")
    w = arch.hidden
    if any(width % 2 for width in w):
        raise ArchitectureError(
            f"no hand-built net for {arch}: every hidden width must be even (half for u^2, half for v^2); "
            "try 1x24, 2x12, 3x8 or 4x6"
        )
    if any(width < 4 for width in w[1:]):
        raise ArchitectureError(
            f"no hand-built net for {arch}: layers after the first need at least 4 neurons "
            "(one hinge and one carry per square); try 1x24, 2x12, 3x8 or 4x6"
        )
    return ConstructionPlan(arch, w[0] // 2, tuple(width // 2 - 1 for width in w[1:]))


def _pwl(nodes: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
    """``g(t) = c + sum_j a_j relu(t - nodes[j])`` for ``t >= nodes[0]``, interpolating ``values``.

    Returns ``(c, a)`` with one coefficient per node except the last.
    """
    slopes = np.diff(values) / np.diff(nodes)
    return float(values[0]), np.concatenate([[slopes[0]], np.diff(slopes)])


def hand_built(arch: Architecture | str) -> ReluMLP:
    """The hand-built ReLU MLP of shape ``arch`` (see the module docstring)."""
    p = plan(arch)
    m = p.first_cells
    weights, biases = [], []
    # Layer 1: for each square, hinges relu(d.(x,y) - p_j).
    nodes = -1.0 + 2.0 * np.arange(m + 1) / m
    w1 = np.concatenate([np.repeat(_DIRECTIONS[q][:, None], m, axis=1) for q in "uv"], axis=1)
    weights.append(w1)
    biases.append(np.tile(-nodes[:-1], 2))
    f_const, f_coef = _pwl(nodes, nodes**2)
    z_const, z_coef = _pwl(nodes, (np.arange(m + 1) % 2).astype(float))
    # read-outs per square: (coefficients over the layer's neurons, constant)
    width = 2 * m
    signals = {}
    for i, q in enumerate("uv"):
        fv, zv = np.zeros(width), np.zeros(width)
        fv[i * m : (i + 1) * m] = f_coef
        zv[i * m : (i + 1) * m] = z_coef
        signals[q] = {"f": (fv, f_const), "z": (zv, z_const)}
    h = 2.0 / m
    for k in p.refinements:
        sub = np.arange(k + 1) / k
        zig_const, zig_coef = _pwl(sub, (np.arange(k + 1) % 2).astype(float))
        int_const, int_coef = _pwl(sub, sub * (1 - sub))
        n_out = 2 * (k + 1)
        w = np.zeros((width, n_out))
        b = np.zeros(n_out)
        new = {}
        for i, q in enumerate("uv"):
            base = i * (k + 1)
            (fv, fc), (zv, zc) = signals[q]["f"], signals[q]["z"]
            w[:, base], b[base] = fv, fc  # carry unit
            for j in range(k):  # zigzag hinges relu(z - j/k)
                w[:, base + 1 + j], b[base + 1 + j] = zv, zc - sub[j]
            f_new, z_new = np.zeros(n_out), np.zeros(n_out)
            f_new[base] = 1.0
            f_new[base + 1 : base + 1 + k] = -(h**2) * int_coef
            z_new[base + 1 : base + 1 + k] = zig_coef
            new[q] = {"f": (f_new, -(h**2) * int_const), "z": (z_new, zig_const)}
        weights.append(w)
        biases.append(b)
        signals, width, h = new, n_out, h / k
    (fu, cu), (fv, cv) = signals["u"]["f"], signals["v"]["f"]
    weights.append((fu - fv)[:, None])
    biases.append(np.array([cu - cv]))
    return ReluMLP(
        tuple(weights),
        tuple(biases),
        {"kind": "hand-built", "architecture": p.architecture.name, "error_bound": repr(p.error_bound)},
    )
