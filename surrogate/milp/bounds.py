"""Pre-activation bounds of a ReLU MLP on an input box, computed once per net.

Every surrogate copy in a model sees the same input box, the net's domain
(:attr:`~surrogate.nets.network.ReluMLP.domain`, [-1, 1]^2 unless its metadata
declares another; ``box=None`` below means it), after the exact rescaling of
:func:`~surrogate.milp.bilinear.bilinear`, so the bounds of a
net are computed once, cached by the net's fingerprint, stored in its ONNX
metadata, and reused by every copy. Three methods, from cheap to tight:

``interval``
    Interval arithmetic, layer by layer: with ``h`` in ``[hl, hu]``,
    ``zhat = W^T h + b`` lies in ``[W+^T hl + W-^T hu + b, W+^T hu + W-^T hl + b]``.
    These are exactly the bounds OMLT derives (``compute_bounds_on_expr``).
``lp``
    LP-based optimisation-based bound tightening (OBBT): each neuron's bounds
    are ``min/max zhat`` over the LP relaxation of the layers before it, with
    those layers' bounds already tightened. The LP relaxation of the big-M
    encoding with tight ``l, u`` is the triangle relaxation of each ReLU.
``milp``
    MILP-based OBBT: after the LP pass of a layer, the neurons it leaves
    unstable are bounded again with the binaries kept, each MILP capped at
    ``time_limit`` seconds; the solver's dual bound is used, so a cap or the
    1e-4 gap only loosens a bound, never invalidates it.

For ``lp`` and ``milp`` the first hidden layer needs no optimisation
(interval bounds of an affine function over a box are exact). The output
layer is tightened the same way, and for a net of ``x*y`` (two inputs, one
output) the same solves give its **envelope**: planes that hold for the
net's output over the whole box,

.. math::

    N(x) \\ge a^T x + c_{lo}(a) \\quad\\text{and}\\quad N(x) \\le a^T x + c_{hi}(a),
    \\qquad c_{lo}(a) = \\min_{x \\in B} N(x) - a^T x,\\ c_{hi}(a) = \\max_{x \\in B} N(x) - a^T x,

with the slopes ``a`` of the four McCormick facets of ``x*y`` on the box.
Added to an encoding (see :mod:`surrogate.milp.pruned`) they are valid
inequalities: they cut no point of the MILP, but give its LP relaxation the
McCormick envelope of each product (up to the net's error), which the
big-M relaxation of a deep net alone is far from.

A neuron with ``u <= 0`` is always inactive (it disappears from the MILP), one
with ``l >= 0`` always active (it becomes linear); only the rest need a binary.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, ModelFormatError
from ..nets.network import ReluMLP

BOUND_METHODS: tuple[str, ...] = ("interval", "lp", "milp")
UNIT_BOX: tuple[tuple[float, float], ...] = ((-1.0, 1.0), (-1.0, 1.0))
#: Bounds from an LP or MILP are loosened by this (absolute + relative) margin, so
#: solver tolerances can never cut off a point the net can reach.
OBBT_MARGIN = 1e-6
DEFAULT_MILP_TIME_LIMIT = 1.0
METADATA_KEY = "bounds"
BOUNDS_FORMAT = 2
SIDES = ("lower", "upper")


def check_method(method: str) -> str:
    """Return ``method`` if it is a bound method, else raise :class:`ConfigError`."""
    if method not in BOUND_METHODS:
        raise ConfigError(f"unknown bound method {method!r}; choose one of {', '.join(BOUND_METHODS)}")
    return method


def _check_box(box: Sequence[tuple[float, float]] | None, net: ReluMLP) -> tuple[tuple[float, float], ...]:
    """``box`` as floats (``None``: the net's domain), or :class:`ConfigError`."""
    n_inputs = net.weights[0].shape[0]
    box = tuple((float(lo), float(hi)) for lo, hi in (net.domain if box is None else box))
    if len(box) != n_inputs or any(not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi) for lo, hi in box):
        raise ConfigError(f"input box {box} must give finite (lower, upper) with lower <= upper for each of {n_inputs} inputs")
    return box


def fingerprint(net: ReluMLP) -> str:
    """A short hash of the net's weights and biases: stored bounds are valid only for the same numbers."""
    digest = hashlib.sha256()
    for array in (*net.weights, *net.biases):
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Plane:
    """A valid inequality on a net's output: ``output >= slope . x + offset`` (``side='lower'``) or ``<=`` (``'upper'``)."""

    slope: tuple[float, ...]
    offset: float
    side: str

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ConfigError(f"Plane: side={self.side!r} must be 'lower' or 'upper'")
        object.__setattr__(self, "slope", tuple(float(a) for a in self.slope))
        object.__setattr__(self, "offset", float(self.offset))

    def holds(self, points: np.ndarray, outputs: np.ndarray, tol: float = 1e-9) -> bool:
        """Whether ``outputs`` (one per row of ``points``) satisfy the inequality."""
        rhs = np.asarray(points, dtype=np.float64) @ np.asarray(self.slope) + self.offset
        gap = np.asarray(outputs, dtype=np.float64).reshape(-1) - rhs
        return bool(np.all(gap >= -tol) if self.side == "lower" else np.all(gap <= tol))


def envelope_slopes(box: Sequence[tuple[float, float]]) -> tuple[tuple[tuple[float, float], str], ...]:
    """Slopes and sides of the McCormick facets of ``x*y`` on ``box`` (two inputs)."""
    (lx, ux), (ly, uy) = box
    return (((ly, lx), "lower"), ((uy, ux), "lower"), ((uy, lx), "upper"), ((ly, ux), "upper"))


@dataclass(frozen=True, eq=False)
class NetBounds:
    """Pre-activation bounds ``lower[k] <= zhat_k <= upper[k]`` for every layer ``k`` (output last).

    Attributes
    ----------
    method
        ``interval``, ``lp`` or ``milp``.
    box
        The input box the bounds hold on.
    seconds
        Time it took to compute them (what a model pays once per net).
    capped
        Neuron bounds where the MILP hit its time cap (dual bound used).
    envelope
        :class:`Plane` s that hold for the output on the box (``lp``/``milp``
        bounds of a two-input, one-output net; empty otherwise).
    """

    method: str
    lower: tuple[np.ndarray, ...]
    upper: tuple[np.ndarray, ...]
    box: tuple[tuple[float, float], ...]
    fingerprint: str
    seconds: float = 0.0
    capped: int = 0
    envelope: tuple[Plane, ...] = ()

    def __post_init__(self) -> None:
        check_method(self.method)
        lower = tuple(np.asarray(a, dtype=np.float64).reshape(-1) for a in self.lower)
        upper = tuple(np.asarray(a, dtype=np.float64).reshape(-1) for a in self.upper)
        if len(lower) != len(upper) or any(lo.shape != hi.shape or np.any(lo > hi) for lo, hi in zip(lower, upper)):
            raise ConfigError("NetBounds: lower and upper must have one array per layer, the same shapes, and lower <= upper")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)
        object.__setattr__(self, "envelope", tuple(self.envelope))

    @property
    def hidden(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        return tuple(zip(self.lower[:-1], self.upper[:-1]))

    @property
    def stable_active(self) -> int:
        """Hidden neurons with ``l >= 0``: linear in the MILP."""
        return int(sum(np.sum(lo >= 0) for lo, _ in self.hidden))

    @property
    def stable_inactive(self) -> int:
        """Hidden neurons with ``u <= 0``: removed from the MILP."""
        return int(sum(np.sum(hi <= 0) for lo, hi in self.hidden))

    @property
    def unstable(self) -> int:
        """Hidden neurons with ``l < 0 < u``: one binary each."""
        return int(sum(np.sum((lo < 0) & (hi > 0)) for lo, hi in self.hidden))

    @property
    def bigm_width(self) -> float:
        """Sum of ``u - l`` over unstable neurons: the total big-M constant of the encoding."""
        return float(sum(np.sum(np.where((lo < 0) & (hi > 0), hi - lo, 0.0)) for lo, hi in self.hidden))

    def summary(self) -> dict:
        return {
            "method": self.method,
            "stable_active": self.stable_active,
            "stable_inactive": self.stable_inactive,
            "unstable": self.unstable,
            "bigm_width": self.bigm_width,
            "seconds": self.seconds,
            "capped": self.capped,
            "envelope_planes": len(self.envelope),
        }

    def to_json(self) -> dict:
        return {
            "format": BOUNDS_FORMAT,
            "method": self.method,
            "box": [list(b) for b in self.box],
            "fingerprint": self.fingerprint,
            "seconds": self.seconds,
            "capped": self.capped,
            "lower": [a.tolist() for a in self.lower],
            "upper": [a.tolist() for a in self.upper],
            "envelope": [{"slope": list(p.slope), "offset": p.offset, "side": p.side} for p in self.envelope],
        }

    @classmethod
    def from_json(cls, data: dict) -> NetBounds:
        if data.get("format") != BOUNDS_FORMAT:
            raise ModelFormatError(
                f"stored bounds have format {data.get('format')!r}, expected {BOUNDS_FORMAT}; recompute them with "
                "surrogate.milp.bounds.with_stored_bounds(net)"
            )
        return cls(
            data["method"], tuple(map(np.asarray, data["lower"])), tuple(map(np.asarray, data["upper"])),
            tuple(tuple(b) for b in data["box"]), data["fingerprint"], float(data["seconds"]), int(data["capped"]),
            tuple(Plane(p["slope"], p["offset"], p["side"]) for p in data["envelope"]),
        )

    def covers(self, net: ReluMLP, points: np.ndarray) -> bool:
        """Whether every pre-activation of ``net`` at ``points`` lies within these bounds and the
        output satisfies every envelope plane (a soundness check)."""
        h = np.asarray(points, dtype=np.float64)
        for k, (w, b) in enumerate(zip(net.weights, net.biases)):
            zhat = h @ w + b
            if np.any(zhat < self.lower[k] - 1e-9) or np.any(zhat > self.upper[k] + 1e-9):
                return False
            h = np.maximum(zhat, 0.0)
        return all(p.holds(points, zhat[:, 0]) for p in self.envelope)


def _interval_layer(w: np.ndarray, b: np.ndarray, hl: np.ndarray, hu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    wp, wn = np.maximum(w, 0.0), np.minimum(w, 0.0)
    return hl @ wp + hu @ wn + b, hu @ wp + hl @ wn + b


def interval_bounds(net: ReluMLP, box: Sequence[tuple[float, float]] | None = None) -> NetBounds:
    """Interval-arithmetic bounds of every layer (OMLT's own bounds)."""
    start = time.perf_counter()
    box = _check_box(box, net)
    hl, hu = np.array([lo for lo, _ in box]), np.array([hi for _, hi in box])
    lower, upper = [], []
    for w, b in zip(net.weights, net.biases):
        lo, hi = _interval_layer(w, b, hl, hu)
        lower.append(lo)
        upper.append(hi)
        hl, hu = np.maximum(lo, 0.0), np.maximum(hi, 0.0)
    return NetBounds("interval", tuple(lower), tuple(upper), box, fingerprint(net), time.perf_counter() - start)


def _widen(value: float, direction: int) -> float:
    return value + direction * OBBT_MARGIN * (1.0 + abs(value))


def _prefix_model(net: ReluMLP, k: int, lower: list, upper: list, box, *, relax: bool):
    """The (relaxed) MILP of the layers before ``k`` on ``box``: the model, its inputs and layer ``k``'s pre-activations."""
    import pyomo.environ as pyo

    from .pruned import encode_layers

    m = pyo.ConcreteModel(name=f"obbt-layer{k}")
    m.x = pyo.Var(range(len(box)), bounds=lambda _, i: box[i])
    inputs = [m.x[i] for i in range(len(box))]
    return m, inputs, encode_layers(m, net, lower, upper, inputs, layers=k, relax=relax)


class _Extremes:
    """Dual bounds of ``min``/``max`` of expressions over one model, one HiGHS instance reused."""

    def __init__(self, model, time_limit: float):
        from .solver import SolverConfig, make_solver

        self.model, self.config = model, SolverConfig(time_limit=time_limit, rel_gap=1e-4, threads=1)
        self.solver = make_solver(self.config)
        self.capped = 0  # solves stopped before proving optimality (their dual bound is still valid)

    def bound(self, expr, direction: int) -> float:
        """A proven bound on ``min expr`` (``direction=-1``) or ``max expr`` (``+1``), widened by the margin; nan if none."""
        import pyomo.environ as pyo

        from .solver import solve

        if self.model.component("objective") is not None:
            self.model.del_component("objective")
        self.model.objective = pyo.Objective(expr=expr, sense=pyo.minimize if direction < 0 else pyo.maximize)
        result = solve(self.model, self.config, solver=self.solver)
        self.capped += int(not result.optimal)
        return math.nan if math.isnan(result.bound) else _widen(result.bound, direction)


def _tighten_layer(
    net: ReluMLP, k: int, lower: list, upper: list, box, *, relax: bool, time_limit: float, neurons: Sequence[int] | None = None
) -> int:
    """Tighten ``lower[k]``/``upper[k]`` to min/max of each neuron over the (relaxed) MILP of layers ``< k``.

    Only ``neurons`` (default: all) are optimised; returns how many solves
    stopped before proving optimality (their dual bound is still used).
    """
    m, _, zhat = _prefix_model(net, k, lower, upper, box, relax=relax)
    extremes = _Extremes(m, time_limit)
    for j in range(len(zhat)) if neurons is None else neurons:
        if isinstance(zhat[j], float):  # every input of this neuron was pruned: it is a constant
            lower[k][j] = upper[k][j] = zhat[j]
            continue
        lo, hi = extremes.bound(zhat[j], -1), extremes.bound(zhat[j], 1)
        lower[k][j] = lower[k][j] if math.isnan(lo) else max(lower[k][j], lo)
        upper[k][j] = upper[k][j] if math.isnan(hi) else min(upper[k][j], hi)
        lower[k][j] = min(lower[k][j], upper[k][j])
    return extremes.capped


def _envelope(net: ReluMLP, lower: list, upper: list, box, *, relax: bool, time_limit: float) -> tuple[tuple[Plane, ...], int]:
    """The envelope planes of a two-input, one-output net (see the module docstring) and the capped solves."""
    if net.weights[0].shape[0] != 2 or net.weights[-1].shape[1] != 1:
        return (), 0
    m, inputs, (out,) = _prefix_model(net, len(net.weights) - 1, lower, upper, box, relax=relax)
    extremes = _Extremes(m, time_limit)
    planes = []
    for slope, side in envelope_slopes(box):
        offset = extremes.bound(out - slope[0] * inputs[0] - slope[1] * inputs[1], -1 if side == "lower" else 1)
        if not math.isnan(offset):
            planes.append(Plane(slope, offset, side))
    return tuple(planes), extremes.capped


def obbt_bounds(
    net: ReluMLP, method: str, box: Sequence[tuple[float, float]] | None = None, *, time_limit: float = DEFAULT_MILP_TIME_LIMIT
) -> NetBounds:
    """LP-based (``method='lp'``) or MILP-based (``'milp'``) OBBT, layer by layer, then the envelope.

    Each layer starts from interval bounds propagated from the already
    tightened layer before it; ``time_limit`` caps each MILP (and LP). The
    output layer and the envelope planes are optimised over the relaxation
    (``lp``) or the MILP (``milp``) of all hidden layers.
    """
    if method not in ("lp", "milp"):
        raise ConfigError(f"obbt_bounds: method={method!r} must be 'lp' or 'milp'")
    start = time.perf_counter()
    box = _check_box(box, net)
    first = interval_bounds(net, box)
    lower, upper = [first.lower[0].copy()], [first.upper[0].copy()]
    capped = 0
    last = len(net.weights) - 1
    for k in range(1, len(net.weights)):
        lo, hi = _interval_layer(net.weights[k], net.biases[k], np.maximum(lower[-1], 0.0), np.maximum(upper[-1], 0.0))
        lower.append(lo)
        upper.append(hi)
        capped += _tighten_layer(net, k, lower, upper, box, relax=True, time_limit=time_limit)
        if method == "milp":
            # The MILP only where it can matter: unstable hidden neurons (a stable one needs no big-M) and the output.
            todo = range(len(lower[k])) if k == last else [j for j in range(len(lower[k])) if lower[k][j] < 0 < upper[k][j]]
            capped += _tighten_layer(net, k, lower, upper, box, relax=False, time_limit=time_limit, neurons=todo)
    envelope, envelope_capped = _envelope(net, lower, upper, box, relax=method == "lp", time_limit=time_limit)
    return NetBounds(
        method, tuple(lower), tuple(upper), box, fingerprint(net), time.perf_counter() - start, capped + envelope_capped, envelope
    )


def compute_bounds(
    net: ReluMLP, method: str, box: Sequence[tuple[float, float]] | None = None, *, time_limit: float = DEFAULT_MILP_TIME_LIMIT
) -> NetBounds:
    """Bounds of ``net`` by ``method``, computed now (no stored or cached bounds are read): what it costs."""
    check_method(method)
    return interval_bounds(net, box) if method == "interval" else obbt_bounds(net, method, box, time_limit=time_limit)


_CACHE: dict[tuple, NetBounds] = {}


def _stored(net: ReluMLP, method: str, box) -> NetBounds | None:
    text = net.metadata.get(METADATA_KEY)
    if not text:
        return None
    try:
        entry = json.loads(text).get(method)
        bounds = NetBounds.from_json(entry) if entry else None
    except (ValueError, KeyError, TypeError, AttributeError, ModelFormatError):
        return None  # unreadable or stale metadata: recompute rather than trust it
    if bounds is None or bounds.fingerprint != fingerprint(net) or bounds.box != box:
        return None
    return bounds


def net_bounds(
    net: ReluMLP,
    method: str = "milp",
    *,
    box: Sequence[tuple[float, float]] | None = None,
    time_limit: float = DEFAULT_MILP_TIME_LIMIT,
) -> NetBounds:
    """Bounds of ``net`` on ``box`` by ``method``: stored in the net's metadata, cached, or computed once.

    Bounds stored in the ONNX file (see :func:`with_stored_bounds`) are used
    when their fingerprint matches the net's weights; otherwise they are
    computed and kept in a process-wide cache, so every copy of the same net
    in a model shares one computation.
    """
    check_method(method)
    box = _check_box(box, net)
    stored = _stored(net, method, box)
    if stored is not None:
        return stored
    key = (fingerprint(net), method, box, time_limit if method == "milp" else None)
    if key not in _CACHE:
        _CACHE[key] = compute_bounds(net, method, box, time_limit=time_limit)
    return _CACHE[key]


def attach_bounds(net: ReluMLP, *bounds: NetBounds) -> ReluMLP:
    """``net`` carrying ``bounds`` in its metadata (read back by :func:`net_bounds`, kept by ONNX export)."""
    for b in bounds:
        if b.fingerprint != fingerprint(net):
            raise ConfigError(f"{b.method} bounds were computed for another net (fingerprint {b.fingerprint}); recompute them")
    return net.with_metadata(**{METADATA_KEY: json.dumps({b.method: b.to_json() for b in bounds})})


def with_stored_bounds(net: ReluMLP, methods: Sequence[str] = BOUND_METHODS, *, time_limit: float = DEFAULT_MILP_TIME_LIMIT) -> ReluMLP:
    """``net`` with its bounds for ``methods`` on its domain in its metadata (written into the ONNX file on export)."""
    return attach_bounds(net, *(net_bounds(net, m, time_limit=time_limit) for m in map(check_method, methods)))
