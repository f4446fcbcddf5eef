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

from ..errors import ArchitectureError, ConfigError
from ..options import is_number
from .architecture import Architecture
from .construct_estimate import USEFUL_BOUND, VARIANTS, check_variant, estimated_mae, fitting_hint
from .network import ReluMLP

_DIRECTIONS = {"u": np.array([0.5, 0.5]), "v": np.array([0.5, -0.5])}

# A constant added to the shared carry so that relu(f_u - f_v + OFFSET) = f_u - f_v + OFFSET:
# f_u >= 0 and f_v <= v^2 + h^2/4 <= 2 on the domain.
_SHARED_OFFSET = 2.0


@dataclass(frozen=True)
class ConstructionPlan:
    """How a hand-built net spends its neurons.

    ``first_cells[q]`` cells for square ``q`` (``'u'`` or ``'v'``) in layer 1,
    then ``refinements[l][q]`` sub-cells per cell in every later layer.
    """

    architecture: Architecture
    variant: str
    first_cells: dict[str, int]
    refinements: tuple[dict[str, int], ...]

    def cells(self, square: str) -> int:
        """Cells of the final interpolant of ``square`` on [-1, 1]."""
        return self.first_cells[square] * prod(r[square] for r in self.refinements)

    @property
    def error_bound(self) -> float:
        """``max |N - xy| <= max_q h_q^2/4`` with ``h_q = 2 / cells(q)``."""
        return max(1.0 / self.cells(q) ** 2 for q in "uv")


def plan(arch: Architecture | str, variant: str = "paired") -> ConstructionPlan:
    """Check that ``arch`` fits the construction and return how its neurons are spent.

    ``paired`` (the construction above): every width even, later layers at
    least 4 (one hinge and one carry per square). ``shared``: one carry unit
    ``relu(f_u - f_v + 2)`` per layer serves both squares, so a later layer of
    width ``w`` has up to ``w - 1`` hinges; the split between the squares (and
    of the first layer) is the one with the lowest estimated MAE, which
    favours equal grids for u and v (their error bumps then cancel best).
    Later layers need ``w >= 3``.
    """
    arch = Architecture.parse(arch)
    check_variant(variant, "plan")
    if arch.n_inputs != 2 or arch.n_outputs != 1:
        raise ArchitectureError(
            f"hand-built nets are 2 -> ... -> 1; {arch} has {arch.n_inputs} inputs and {arch.n_outputs} outputs"
        )
    w = arch.hidden
    hint = lambda: fitting_hint(sum(w), variant)  # noqa: E731 (only where a shape is refused: it plans others)
    if variant == "paired":
        if any(width % 2 for width in w):
            raise ArchitectureError(
                f"no paired hand-built net for {arch}: every hidden width must be even (half for u^2, half for v^2); {hint()}"
            )
        if any(width < 4 for width in w[1:]):
            raise ArchitectureError(
                f"no paired hand-built net for {arch}: layers after the first need at least 4 neurons "
                f"(one hinge and one carry per square); {hint()}"
            )
        first = {"u": w[0] // 2, "v": w[0] // 2}
        return ConstructionPlan(arch, variant, first, tuple({"u": x // 2 - 1, "v": x // 2 - 1} for x in w[1:]))
    if w[0] < 2 or any(width < 3 for width in w[1:]):
        raise ArchitectureError(
            f"no shared hand-built net for {arch}: the first layer needs at least 2 neurons and later ones at "
            f"least 3 (a hinge per square and the shared carry); {hint()}"
        )
    best = min(_shared_splits(w), key=lambda path: estimated_mae(*path[0]))
    (_, first, *refinements) = best
    return ConstructionPlan(arch, variant, first, tuple(refinements))


def _shared_splits(widths: tuple[int, ...]):
    """Every way to split a shared construction's hinges between u and v, one per cell pair.

    Yields ``((cells_u, cells_v), first, refinement, ...)``. Paths reaching
    the same pair of cell counts are interchangeable, so one is kept.
    """
    states = {(m, widths[0] - m): [{"u": m, "v": widths[0] - m}] for m in range(1, widths[0])}
    for width in widths[1:]:
        grown = {}
        for (cu, cv), path in states.items():
            for ku in range(1, width - 1):
                for kv in range(1, width - ku):
                    key = (cu * ku, cv * kv)
                    grown.setdefault(key, path + [{"u": ku, "v": kv}])
        states = grown
    for cells, path in states.items():
        yield (cells, *path)


def useful_plans(arch: Architecture | str, variants=VARIANTS, *, max_bound: float = USEFUL_BOUND):
    """Yield ``(variant, plan)`` for every construction that fits ``arch`` with error bound below ``max_bound``.

    The ``shared`` variant of a one-layer net is skipped: with no carry it is the ``paired`` net.
    """
    arch = Architecture.parse(arch)
    for variant in variants:
        if variant == "shared" and arch.depth == 1:
            continue
        try:
            built = plan(arch, variant)
        except ArchitectureError:
            continue
        if built.error_bound < max_bound:
            yield variant, built


def hand_built_mae_estimate(arch: Architecture | str, variant: str = "shared") -> float | None:
    """Estimated grid MAE of the hand-built net for ``arch``, or ``None`` if the construction does not fit."""
    try:
        p = plan(arch, variant)
    except ArchitectureError:
        return None
    return estimated_mae(p.cells("u"), p.cells("v"))


def _pwl(nodes: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
    """``g(t) = c + sum_j a_j relu(t - nodes[j])`` for ``t >= nodes[0]``, interpolating ``values``.

    Returns ``(c, a)`` with one coefficient per node except the last.
    """
    slopes = np.diff(values) / np.diff(nodes)
    coefficients = np.concatenate([[slopes[0]], np.diff(slopes)])
    # Equal slopes should cancel exactly; snap float noise (~1e-16) to 0 so no solver sees it.
    coefficients[np.abs(coefficients) < 1e-12 * max(1.0, np.abs(slopes).max())] = 0.0
    return float(values[0]), coefficients


def _alternating(cells: int) -> np.ndarray:
    """``0, 1, 0, 1, ...`` at the ``cells + 1`` nodes of a grid: the values a zigzag interpolates."""
    return (np.arange(cells + 1) % 2).astype(float)


def _zigzag(cells: int) -> tuple[float, np.ndarray]:
    nodes = np.arange(cells + 1) / cells
    return _pwl(nodes, _alternating(cells))


def _bump(cells: int) -> tuple[float, np.ndarray]:
    nodes = np.arange(cells + 1) / cells
    return _pwl(nodes, nodes * (1 - nodes))


# A signal is ``(start, coefficients, constant)``: ``constant + sum_j coefficients[j] * unit[start + j]``.
_SQUARES = "uv"
_SIGN = {"u": 1.0, "v": -1.0}


def _affine(width: int, parts) -> tuple[np.ndarray, float]:
    """Input weights (over a layer of ``width`` units) and bias of a unit reading the sum of the signals ``parts``."""
    out, const = np.zeros(width), 0.0
    for start, coef, c in parts:
        out[start : start + len(coef)] += coef
        const += c
    return out, const


def _signed(signal, factor: float):
    """``signal`` multiplied by ``factor``."""
    start, coef, const = signal
    return (start, factor * coef, factor * const)


def _first_layer(p: ConstructionPlan):
    """Layer 1 of ``p``: its weights and biases, and per square its interpolant ``f``, zigzag ``z`` and cell width ``h``.

    Layer 1 holds the hinges ``relu(d_q.(x, y) - node)`` for each square ``q``; ``f`` and ``z`` are signals.
    """
    w1, b1, f, z, h = [], [], {}, {}, {}
    offset = 0
    for q in _SQUARES:
        m = p.first_cells[q]
        nodes = -1.0 + 2.0 * np.arange(m + 1) / m
        w1.append(np.repeat(_DIRECTIONS[q][:, None], m, axis=1))
        b1.append(-nodes[:-1])
        fc, fa = _pwl(nodes, nodes**2)
        zc, za = _pwl(nodes, _alternating(m))
        f[q] = (offset, fa, fc)
        z[q] = (offset, za, zc)
        offset += m
        h[q] = 2.0 / m
    return np.concatenate(w1, axis=1), np.concatenate(b1), f, z, h


def _carries(variant: str, width: int, signals: dict, kept: dict | None = None) -> dict:
    """Input weights and bias of each carry unit of the next layer.

    Parameters
    ----------
    variant
        ``'paired'`` (a carry ``f_q`` per square, keyed ``'u'`` and ``'v'``) or ``'shared'`` (one carry
        ``f_u - f_v + 2``, keyed ``'uv'``).
    width
        Units of the layer the carries read.
    signals
        Per square, what its ``f`` gains: the interpolant itself in layer 1, the correction later.
    kept
        Column of each carry in the layer read, whose value the new carry keeps (weight 1); ``None``
        for the carries that read layer 1, where the shared carry gets its offset.
    """
    if variant == "paired":
        parts = {q: [signals[q]] for q in _SQUARES}
    else:
        parts = {"uv": [_signed(signals[q], _SIGN[q]) for q in _SQUARES]}
    carries = {}
    for key, signal in parts.items():
        previous = [] if kept is None else [(kept[key], np.ones(1), 0.0)]
        vec, const = _affine(width, previous + signal)
        carries[key] = (vec, const + _SHARED_OFFSET) if kept is None and key == "uv" else (vec, const)
    return carries


def _refined_layer(carries: dict, z: dict, h: dict, split: dict, n_out: int):
    """A layer after the first: the carry units, then per square ``split[q]`` hinges on its zigzag ``z[q]``.

    Parameters
    ----------
    carries
        Input weights and bias of each carry unit (from :func:`_carries`).
    z, h
        Per square, the zigzag signal and the cell width of the layer read.
    split
        Per square, the refinement ``k`` of every cell.
    n_out
        Width of this layer. Units beyond the carries and hinges (a shared split may leave one) stay
        idle: zero in, zero out.

    Returns
    -------
    (weights, biases, carry columns, new z, corrections of f, new h)
    """
    width = len(next(iter(carries.values()))[0])
    w, b = np.zeros((width, n_out)), np.zeros(n_out)
    col = 0
    carry_cols = {}
    for key, (vec, const) in carries.items():
        w[:, col], b[col] = vec, const
        carry_cols[key] = col
        col += 1
    new_z, corrections, new_h = {}, {}, {}
    for q in _SQUARES:
        k = split[q]
        zvec, zconst = _affine(width, [z[q]])
        for j in range(k):
            w[:, col + j], b[col + j] = zvec, zconst - j / k
        zc, za = _zigzag(k)
        bc, ba = _bump(k)
        new_z[q] = (col, za, zc)
        corrections[q] = (col, -(h[q] ** 2) * ba, -(h[q] ** 2) * bc)
        new_h[q] = h[q] / k
        col += k
    return w, b, carry_cols, new_z, corrections, new_h


def _output_layer(variant: str, carries: dict) -> tuple[np.ndarray, float]:
    """Output weights and bias: ``f_u - f_v`` from the paired carries, or the shared carry less its offset."""
    if variant == "paired":
        (fu, cu), (fv, cv) = carries["u"], carries["v"]
        return fu - fv, cu - cv
    return carries["uv"][0], carries["uv"][1] - _SHARED_OFFSET


def _active_units(p: ConstructionPlan) -> list[np.ndarray]:
    """Per hidden layer, the units that are active on the whole box by construction.

    Layer 1: each square's first hinge ``relu(s + 1)``. Later layers: the carries, then each square's
    first zigzag hinge ``relu(z)`` (``z`` in [0, 1]). Several of them reach 0 exactly on the box.
    """
    first = p.first_cells["u"]
    carries = 2 if p.variant == "paired" else 1
    later = [np.array([*range(carries), carries, carries + split["u"]]) for split in p.refinements]
    return [np.array([0, first]), *later]


#: The largest ``active_margin`` of :func:`hand_built` (1e15 moved the net by 0.3 through float64 rounding).
MAX_ACTIVE_MARGIN, MARGIN_NOTE = 1.0, "0: as published; a larger margin, taken off again in float64, rounds the net away"


def check_active_margin(value, what: str) -> None:
    """Raise :class:`ConfigError` (its message starting with ``what``) unless ``value`` is in [0, :data:`MAX_ACTIVE_MARGIN`]."""
    if not is_number(value, low=0, high=MAX_ACTIVE_MARGIN):
        raise ConfigError(f"{what} must be a number in [0, {MAX_ACTIVE_MARGIN:g}], e.g. 0.015625 ({MARGIN_NOTE})")


def _shift_active(weights: list, biases: list, active: list[np.ndarray], margin: float) -> None:
    """Add ``margin`` to the bias of every ``active`` unit and take it off in the layer that reads it.

    An always-active unit computes an affine function, so ``relu(a + margin) - margin = relu(a)`` there:
    the net's function is unchanged, but the unit's lower bound is now ``margin`` instead of 0, and
    bound tightening (whose sound margin leaves an exact 0 a hair below) proves it active.
    """
    for k, units in enumerate(active):
        biases[k][units] += margin
        biases[k + 1] -= margin * weights[k + 1][units].sum(axis=0)


def hand_built(arch: Architecture | str, variant: str = "paired", *, active_margin: float = 0.0) -> ReluMLP:
    """The hand-built ReLU MLP of shape ``arch`` (see the module docstring).

    ``variant='paired'`` keeps one carry unit per square; ``'shared'`` keeps
    one carry ``relu(f_u - f_v + 2)`` for both, which frees a neuron per layer
    for refinement (3x8: 48 cells per square instead of 36).

    ``active_margin > 0`` raises the bias of every unit that is active on the whole box by construction
    (the first hinge of each square, the carries) by that much, and lowers the biases of the layer that
    reads them to match: the same function, but bound tightening then proves those units active, so
    they cost the MILP no binary. 4-5-5-5-5 ``shared``: 10 unstable neurons instead of 18. ``0`` (the
    default) is the construction as published, and the net the zoo's ``b<N>-hand-<variant>-<shape>`` hold.
    """
    check_active_margin(active_margin, f"active_margin={active_margin!r}")
    p = plan(arch, variant)
    w1, b1, f, z, h = _first_layer(p)
    weights, biases = [w1], [b1]
    carries = _carries(variant, w1.shape[1], f)
    for split, n_out in zip(p.refinements, p.architecture.hidden[1:]):
        w, b, kept, z, corrections, h = _refined_layer(carries, z, h, split, n_out)
        weights.append(w)
        biases.append(b)
        carries = _carries(variant, n_out, corrections, kept)
    out_w, out_b = _output_layer(variant, carries)
    weights.append(out_w[:, None])
    biases.append(np.array([out_b]))
    metadata = {"kind": "hand-built", "variant": variant, "architecture": p.architecture.name, "error_bound": repr(p.error_bound)}
    if active_margin > 0:
        _shift_active(weights, biases, _active_units(p), float(active_margin))
        metadata["active_margin"] = repr(float(active_margin))
    return ReluMLP(tuple(weights), tuple(biases), metadata)
