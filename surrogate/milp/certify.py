"""A certified bound on a net's error ``max |N(x, y) - x y|`` over its whole domain.

:func:`certified_error_bound` evaluates the net on a grid of its domain and
bounds each grid cell: exactly at its corners where no neuron changes sign on it,
else with a Lipschitz term from the weights of the neurons that may be active
there, so the bound holds everywhere, not only on the grid.
:func:`~surrogate.milp.bilinear.bilinear` uses it in error-aware mode.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError, ModelFormatError
from ..nets.network import ReluMLP
from ..nets.onnx_files import PRECISION_KEY
from ..nets.zoo import net_argument
from ..options import check_flags, is_number
from .bounds import fingerprint
from .bounds_interval import interval_bounds, interval_layer

#: Points per axis of the grid on which :func:`certified_error_bound` evaluates a net.
CERTIFY_POINTS = 1025
#: The unit roundoff of float32 (half its machine epsilon), in which an ONNX file runs.
FLOAT32_UNIT = 2.0**-24
#: The unit roundoff of float64, in which :func:`certified_error_bound` evaluates a net.
FLOAT64_UNIT = 2.0**-53
#: The least added to a net's declared ``error_bound``: it holds for the exact construction, and an ONNX export
#: rounds the weights to float32; what is added is the larger of this and :func:`_stored_shift`, a proven bound
#: on how far that rounding moves the net (up to 4.3e-6 for the zoo's b48-hand-shared-8x6).
DECLARED_MARGIN = 1e-6
_CERTIFIED: dict = {}


def _row_errors(net: ReluMLP, x: float, ys: np.ndarray) -> tuple[np.ndarray, float]:
    """``|N(x, y) - x y|`` at the points ``(x, y)`` for ``y`` in ``ys``, evaluated in float64, and a bound on how
    far any of them lies from the exact value: :func:`_rounding_layer` carried through the layers from the
    terms' magnitudes ``|h| @ |W| + |b|`` (a sum whose terms cancel rounds as its terms do), plus the rounding of
    ``x y`` and of the difference.

    An error that is not a finite number (the net overflows float64) is :class:`ModelFormatError`.
    """
    h = np.column_stack([np.full(len(ys), x), ys])
    err, last = np.zeros_like(h), len(net.weights) - 1
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below, with the fix
        for k, (w, b) in enumerate(zip(net.weights, net.biases)):
            h, err = h @ w + b, _rounding_layer(w, b, np.abs(h), err, FLOAT64_UNIT)
            h = h if k == last else np.maximum(h, 0.0)
        errors = np.abs(h[:, 0] - x * ys)
        slack = err[:, 0] + 2 * FLOAT64_UNIT * (np.abs(h[:, 0]) + 2 * np.abs(x * ys))
    if not (np.all(np.isfinite(errors)) and np.all(np.isfinite(slack))):
        raise ModelFormatError(
            f"net {net.architecture} overflows float64 on its domain {net.domain} (its values are not finite numbers "
            "there), so no error bound can be certified; scale its weights and domain to moderate numbers"
        )
    return errors, float(slack.max())


def _rounding_layer(w: np.ndarray, b: np.ndarray, reach: np.ndarray, err: np.ndarray, unit: float) -> np.ndarray:
    """A bound on how far an evaluation of ``h @ w + b`` in a float type of unit roundoff ``unit`` lies from the
    exact one, per row: ``err`` bounds the error of its input ``h`` (``|h| <= reach``), and each output rounds
    ``n + 2`` times at most (the weights to that type, ``n`` products summed in any order, the bias):
    ``|W|^T e + gamma (|W|^T (|h| + e) + |b|)`` with ``gamma = m u / (1 - m u)``, ``m = n + 2`` (the standard
    dot-product bound)."""
    m = w.shape[0] + 2
    gamma = m * unit / (1 - m * unit)
    weight = np.abs(w)
    return err @ weight + gamma * ((reach + err) @ weight + np.abs(b))


def _cell_gains(net: ReluMLP, low: np.ndarray, high: np.ndarray, float32: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell ``[low, high]`` (rows of 2 columns): whether every neuron keeps its sign on it (interval bounds),
    ``(G_x, G_y)`` bounding ``|dN/dx|, |dN/dy|`` on it (zero where it is stable: those cells need none), and a
    bound on ``|N_32 - N|`` on it with ``float32`` (zero without: the default bound does not pay for it), ``N_32``
    the net evaluated in float32 (:func:`_rounding_layer`; ReLU is exact and 1-Lipschitz, so an error passes it
    unchanged) at float32 points, as its ONNX file runs.

    ``G`` is an interval Jacobian: ``W_1 D_1 W_2 ... W_L`` with ``D_k`` the slopes of layer ``k`` on the
    cell (1 for a neuron active on all of it, 0 for a dead one, [0, 1] for one that changes sign), so paths
    through neurons that keep their sign cancel as they do in the net."""
    hl, hu, masks, err = low, high, [], np.zeros_like(low)
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        zl, zu = interval_layer(w, b, hl, hu)
        err = _rounding_layer(w, b, np.maximum(np.abs(hl), np.abs(hu)), err, FLOAT32_UNIT) if float32 else err
        masks.append((zl >= 0, zu > 0))  # (active on all of the cell, active somewhere on it)
        hl, hu = np.maximum(zl, 0.0), np.maximum(zu, 0.0)
    rounding = _rounding_layer(net.weights[-1], net.biases[-1], hu, err, FLOAT32_UNIT)[:, 0] if float32 else np.zeros(len(low))
    stable = np.all([(on == some).all(axis=1) for on, some in masks], axis=0)
    gains = np.zeros((len(low), 2))
    cells = np.flatnonzero(~stable)
    if len(cells):
        lo = hi = np.broadcast_to(net.weights[0], (len(cells), *net.weights[0].shape))
        for w, (on, some) in zip(net.weights[1:], masks):
            on, some = on[cells][:, None, :], some[cells][:, None, :]
            lo, hi = (
                np.where(on, lo, np.where(some, np.minimum(lo, 0.0), 0.0)),
                np.where(on, hi, np.where(some, np.maximum(hi, 0.0), 0.0)),
            )
            plus, minus = np.maximum(w, 0.0), np.minimum(w, 0.0)
            lo, hi = lo @ plus + hi @ minus, hi @ plus + lo @ minus
        gains[cells] = np.maximum(np.abs(lo), np.abs(hi))[:, :, 0]
    return stable, gains, rounding


def _cellwise_error(net: ReluMLP, points: int, onnx_float32: bool) -> tuple[float, float, float]:
    """``(max |N - xy|`` on a ``points x points`` grid of the domain, the certified bound of
    :func:`certified_error_bound`, the largest float32 term of a cell ``max |N_32 - N|``); the bound holds each
    cell's float32 term only with ``onnx_float32``.

    The bound gets the largest bound on the grid evaluations' float64 rounding (:func:`_row_errors`, all rows),
    and ``1e-12`` of ``max(1, |xy|, itself)`` for the rounding of its own sums."""
    (p, q), (r, s) = net.domain
    xs, ys = np.linspace(p, q, points), np.linspace(r, s, points)
    half_x, half_y = (q - p) / (points - 1) / 2, (s - r) / (points - 1) / 2
    big_x, big_y = max(abs(p), abs(q)), max(abs(r), abs(s))
    grid_worst = certified = worst_rounding = 0.0
    left, slack = _row_errors(net, xs[0], ys)
    for x0, x1 in zip(xs[:-1], xs[1:]):
        right, row_slack = _row_errors(net, x1, ys)
        slack = max(slack, row_slack)
        corners = np.maximum.reduce([left[:-1], left[1:], right[:-1], right[1:]])
        low = np.column_stack([np.full(points - 1, x0), ys[:-1]])
        high = np.column_stack([np.full(points - 1, x1), ys[1:]])
        stable, gain, rounding = _cell_gains(net, low, high, onnx_float32)
        lipschitz = half_x * (gain[:, 0] + big_y) + half_y * (gain[:, 1] + big_x)
        cell = np.where(stable, corners, corners + lipschitz) + rounding
        certified = max(certified, float(np.max(cell)))
        grid_worst = max(grid_worst, float(left.max()), float(right.max()))
        worst_rounding = max(worst_rounding, float(rounding.max()))
        left = right
    certified += slack  # float64 rounding of the evaluations
    return grid_worst, certified + 1e-12 * max(1.0, big_x * big_y, certified), worst_rounding


def _declared_bound(net: ReluMLP) -> float | None:
    """The ``error_bound`` the construction proves where the net is that hand-built net (:func:`_construction`),
    the rebuilt net's own number, never the one the net's metadata declares (a file can declare anything, ``0``
    included), plus what the rounding of its weights may add (the larger of :data:`DECLARED_MARGIN` and
    :func:`_stored_shift`); ``None`` for any other net."""
    construction = _construction(net)
    if construction is None:
        return None
    return float(construction.metadata["error_bound"]) + max(DECLARED_MARGIN, _stored_shift(net, construction))


def _construction(net: ReluMLP) -> ReluMLP | None:
    """The hand-built net that ``net``'s metadata names (kind, variant, architecture, active margin), rebuilt on
    the unit box its bound is proved on, where ``net`` is it, compared weight by weight: each weight is the
    construction's, exactly or rounded to float32 (as an ONNX export stores it); ``None`` for any other net. A
    tolerance let weights each moved by 1e-7 through, which moves a 4-layer net's output by 3e-6, past
    :data:`DECLARED_MARGIN`."""
    from ..errors import SurrogateError
    from ..nets.construct import hand_built

    md = net.metadata
    if md.get("kind") != "hand-built" or net.domain != ((-1.0, 1.0), (-1.0, 1.0)):
        return None
    try:
        ref = hand_built(md["architecture"], md["variant"], active_margin=float(md.get("active_margin", 0.0)))
    except (SurrogateError, KeyError, TypeError, ValueError):
        return None
    mine, theirs = (*net.weights, *net.biases), (*ref.weights, *ref.biases)
    same = len(mine) == len(theirs) and all(a.shape == b.shape and _same_or_rounded(a, b) for a, b in zip(mine, theirs))
    return ref if same else None


def _stored_shift(net: ReluMLP, construction: ReluMLP) -> float:
    """A bound on ``max |N(x, y) - C(x, y)|`` over the unit box, ``N`` = ``net`` whose weights are those of the
    ``construction`` ``C`` or rounded (:func:`_construction`): with ``e_k`` a bound on ``|h_k - c_k|`` (layer ``k``'s
    values, ``e_0 = 0``) and ``|c_{k-1}| <= r`` (interval bounds of ``C``), ``h_{k-1} W'_k - c_{k-1} W_k`` is
    ``(h_{k-1} - c_{k-1}) W'_k + c_{k-1} (W'_k - W_k)``, so ``e_k <= e_{k-1} |W'_k| + r |W'_k - W_k| + |b'_k - b_k|``
    (a ReLU moves nothing further). Asserting a margin of 1e-6 instead let the rounding of b48-hand-shared-4x12
    pass its declared bound by 1.1e-7 (probe94), and 4.3e-6 could not be excluded for b48-hand-shared-8x6."""
    upper = interval_bounds(construction, ((-1.0, 1.0), (-1.0, 1.0))).upper
    reaches = (np.ones(2), *(np.maximum(hi, 0.0) for hi in upper[:-1]))  # |c_(k-1)|: the box, then each ReLU's top
    shift = np.zeros(2)
    for w, b, mine_w, mine_b, reach in zip(construction.weights, construction.biases, net.weights, net.biases, reaches):
        shift = shift @ np.abs(mine_w) + reach @ np.abs(mine_w - w) + np.abs(mine_b - b)
    return float(shift.max()) * (1.0 + 1e-9)  # the float64 rounding of these few sums, many times over


def _same_or_rounded(mine: np.ndarray, construction: np.ndarray) -> bool:
    """Whether every entry of ``mine`` is the construction's, or that value rounded to float32."""
    rounded = construction.astype(np.float32).astype(np.float64)
    return bool(np.all((mine == construction) | (mine == rounded)))


def _check_precision(net: ReluMLP, onnx_float32: bool) -> None:
    """Refuse ``onnx_float32`` for a net whose ONNX file computes below float32's precision (float16): its
    rounding is not the float32 term's (:class:`ConfigError`, naming the fix)."""
    if onnx_float32 and PRECISION_KEY in net.metadata:
        raise ConfigError(
            f"certified_error_bound: onnx_float32=True bounds a float32 run, but the net's ONNX file computes in "
            f"{net.metadata[PRECISION_KEY]}, whose rounding it does not cover; export the net in float32 "
            "and load that file (net = load_onnx(export_onnx(net, path))) to certify and run it, or leave onnx_float32 "
            "off for the net as the MILP encodes it"
        )


def certified_error_bound(net: ReluMLP | str, *, points: int = CERTIFY_POINTS, onnx_float32: bool = False) -> float:
    """A certified ``E >= max |N(x, y) - x y|`` over the net's domain ``[p, q] x [r, s]`` (cached per net).

    With ``e = N - xy``, a grid of ``points`` per axis (spacings ``h_x, h_y``) splits the domain into
    cells, and each cell is bounded on its own:

    * where interval bounds show every neuron keeping its sign on the cell, ``N`` is affine there, so
      ``e = a + b x + c y - x y`` is linear along each edge direction and ``max |e|`` over the cell is
      its largest value at the cell's four corners (grid points);
    * elsewhere every point lies within ``h_x/2, h_y/2`` of a corner ``g``, and

      .. math::

          |e(x, y) - e(g)| \\le \\tfrac{h_x}{2} (G_x + Y) + \\tfrac{h_y}{2} (G_y + X),
          \\qquad (G_x, G_y) \\ge |\\nabla N| \\text{ on the cell},

      with ``G`` from the interval Jacobian ``W_1 D_1 W_2 ... W_L`` (``D_k`` the slopes of layer ``k``
      on the cell: 1, 0, or [0, 1] for a neuron that changes sign there; :func:`_cell_gains`),
      ``X = max(|p|, |q|)``, ``Y = max(|r|, |s|)``, and ``|xy - g_x g_y| <= |dx| Y + |dy| X``.

    ``E`` is the largest cell bound, plus a bound on the float64 rounding of the grid evaluations (the
    dot-product bound carried through the layers from the magnitudes of the terms summed, so sums that cancel are
    covered) and ``1e-12`` of ``max(1, X Y, E)`` (a net that overflows float64 is refused). ``E`` bounds the net evaluated exactly, as the MILP that
    encodes its weights does (so :func:`~surrogate.milp.bilinear.bilinear`'s ``error_aware`` slack uses it). With
    ``onnx_float32=True`` each cell's bound also has a float32 term, a bound on ``|N_32 - N|`` there (``N_32`` the
    net with its weights rounded to float32 and each layer evaluated in float32, as the file
    :func:`~surrogate.nets.onnx_io.export_onnx` writes runs in onnxruntime; :func:`_cell_gains`), so ``E`` bounds
    ``|N_32(x, y) - x y|`` at float32 points ``(x, y)`` (without it the bound was exceeded by 5.6e-8 at a grid
    corner of ``b24-seed-1x24``, by 1.27 times on deep hand-built nets). It covers a float32 or float64 file (which
    rounds less) and a net built in code (as its export runs); a net loaded from a file that computes in float16
    (its ``onnx_precision`` metadata, :func:`~surrogate.nets.onnx_io.load_onnx`), whose rounding unit is 8192 times
    float32's, is refused (:class:`ConfigError`). The
    term is loose for deep nets (it takes a hand-built 48-neuron net's bound from 2e-6 to 4e-4). Before,
    one Lipschitz term from the whole net's ``|W_1| ... |W_L|`` was added everywhere: 9.5 times the
    true error for the zoo's 3x8 net (now 1.5), 8e5 times for a trained 6x8 one (now 8e4). A hand-built net
    of :mod:`surrogate.nets.construct` whose weights are its construction's (rebuilt from its metadata and
    compared) gets ``min(E, error_bound + M)``, ``M`` the larger of :data:`DECLARED_MARGIN` and :func:`_stored_shift`, ``error_bound`` the bound the rebuilt construction
    proves (plus ``R``, the largest cell's float32 term, with ``onnx_float32``), unless the grid shows it false;
    the ``error_bound`` a net's metadata declares is never read (a file can declare anything). The result is
    cached by the weights' :func:`~surrogate.milp.bounds.fingerprint`, domain, grid, construction and ``onnx_float32``.
    """
    if not is_number(points, integer=True, low=2):
        raise ConfigError(
            f"certified_error_bound: points={points!r} must be an integer of at least 2 per axis, e.g. {CERTIFY_POINTS}"
        )
    check_flags("certified_error_bound", onnx_float32=onnx_float32)
    net = net_argument(net, "certified_error_bound").check_product_net("certified_error_bound")
    _check_precision(net, onnx_float32)
    declared = _declared_bound(net)
    key = (fingerprint(net), net.domain, points, declared, bool(onnx_float32))
    if key not in _CERTIFIED:
        worst, bound, rounding = _cellwise_error(net, points, bool(onnx_float32))
        if declared is not None and worst <= declared:
            bound = min(bound, declared + rounding)
        _CERTIFIED[key] = bound
    return _CERTIFIED[key]
