"""The result of bound tightening: :class:`NetBounds` (per-layer pre-activation bounds) and its envelope :class:`Plane` s.

:func:`fingerprint` ties stored bounds to the weights they were computed for;
:meth:`NetBounds.to_json`/:meth:`NetBounds.from_json` are the format kept in a
net's ONNX metadata (see :mod:`surrogate.milp.bounds`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, ModelFormatError
from ..nets.network import ReluMLP

BOUND_METHODS: tuple[str, ...] = ("interval", "lp", "milp")
#: The format of stored bounds written now. 3: a net's tiny or narrow inputs and tiny layers solved scaled
#: (:mod:`~surrogate.milp.output_scale`); format 2 bounds are read too, but not for a net and box that are scaled
#: (:func:`~surrogate.milp.bounds.net_bounds`: an older version's OBBT there cut off values the net takes, probe105).
BOUNDS_FORMAT = 3
#: The formats of stored bounds that are read.
READ_FORMATS = (2, 3)
SIDES = ("lower", "upper")


def check_method(method: str) -> str:
    """Return ``method`` if it is a bound method, else raise :class:`ConfigError`.

    Parameters
    ----------
    method
        A bound method's name.
    """
    if method not in BOUND_METHODS:
        raise ConfigError(f"unknown bound method {method!r}; choose one of {', '.join(BOUND_METHODS)}")
    return method


def check_methods(methods, where: str) -> tuple[str, ...]:
    """``methods`` as a tuple of bound methods: one method's name counts as one (not its characters), ``None``
    means all of :data:`BOUND_METHODS`; an empty collection, an unknown method, or a value that is no name nor
    collection of names (``5``, ``True``, a dict) is :class:`ConfigError`.

    Parameters
    ----------
    methods
        Bound methods, one method's name, or ``None`` (all).
    where
        The function the message names.
    """
    if methods is None:
        return BOUND_METHODS
    if not isinstance(methods, str) and (not isinstance(methods, Iterable) or isinstance(methods, Mapping)):
        raise ConfigError(
            f"{where}: methods={methods!r} must be a bound method's name or a list of them, e.g. ['interval', 'lp'], "
            f"or None for all of {', '.join(BOUND_METHODS)}"
        )
    found = (methods,) if isinstance(methods, str) else tuple(methods)
    if not found:
        raise ConfigError(
            f"{where}: methods={methods!r} names no bound method; pass some, e.g. ['interval'], or leave it out for "
            f"all of {', '.join(BOUND_METHODS)}"
        )
    return tuple(map(check_method, found))


def fingerprint(net: ReluMLP) -> str:
    """A short hash of the net's weights and biases: stored bounds are valid only for the same numbers.

    Parameters
    ----------
    net
        The net.
    """
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


@dataclass(frozen=True, eq=False)
class NetBounds:
    """Pre-activation bounds ``lower[k] <= zhat_k <= upper[k]`` for every layer ``k`` (output last).

    ``lower`` and ``upper`` are read-only copies of the arrays given (one object is shared by every model
    of a net: :func:`~surrogate.milp.bounds.net_bounds` caches it); edit a copy, ``b.lower[k].copy()``.

    Attributes
    ----------
    method
        ``interval``, ``lp`` or ``milp``.
    box
        The input box the bounds hold on.
    seconds
        Time it took to compute them (what a model pays once per net).
    capped
        OBBT solves stopped before proving optimality, by the node or the time
        cap (their dual bound is used, so the bounds stay valid, only looser).
    envelope
        :class:`Plane` s that hold for the output on the box (``lp``/``milp``
        bounds of a two-input, one-output net; empty otherwise).
    timed_out
        Of ``capped``, the solves stopped by the time cap: when it is not 0 the
        bounds depend on the machine's load (see :mod:`surrogate.milp.bounds_obbt`).
    """

    method: str
    lower: tuple[np.ndarray, ...]
    upper: tuple[np.ndarray, ...]
    box: tuple[tuple[float, float], ...]
    fingerprint: str
    seconds: float = 0.0
    capped: int = 0
    envelope: tuple[Plane, ...] = ()
    timed_out: int = 0

    def __post_init__(self) -> None:
        check_method(self.method)
        # copies, read-only: net_bounds hands its process-wide cache entry to every model of the net, so an in-place
        # edit of one caller's arrays would have changed the bounds of every model built after it
        lower = tuple(np.array(a, dtype=np.float64).reshape(-1) for a in self.lower)
        upper = tuple(np.array(a, dtype=np.float64).reshape(-1) for a in self.upper)
        if len(lower) != len(upper) or any(lo.shape != hi.shape or np.any(lo > hi) for lo, hi in zip(lower, upper)):
            raise ConfigError("NetBounds: lower and upper must have one array per layer, the same shapes, and lower <= upper")
        for array in (*lower, *upper):
            array.setflags(write=False)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)
        object.__setattr__(self, "envelope", tuple(self.envelope))

    @property
    def hidden(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        return tuple(zip(self.lower[:-1], self.upper[:-1]))

    @property
    def stable_active(self) -> int:
        """Hidden neurons with ``l >= 0`` and ``u > 0``: linear in the MILP (``l = u = 0`` is inactive, counted once)."""
        return int(sum(np.sum((lo >= 0) & (hi > 0)) for lo, hi in self.hidden))

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
            "timed_out": self.timed_out,
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
            "timed_out": self.timed_out,
            "lower": [a.tolist() for a in self.lower],
            "upper": [a.tolist() for a in self.upper],
            "envelope": [{"slope": list(p.slope), "offset": p.offset, "side": p.side} for p in self.envelope],
        }

    @classmethod
    def from_json(cls, data: dict) -> NetBounds:
        if data.get("format") not in READ_FORMATS:
            raise ModelFormatError(
                f"stored bounds have format {data.get('format')!r}, expected {' or '.join(map(str, READ_FORMATS))}; recompute "
                "them with "
                "surrogate.milp.bounds.with_stored_bounds(net)"
            )
        return cls(
            data["method"],
            tuple(map(np.asarray, data["lower"])),
            tuple(map(np.asarray, data["upper"])),
            tuple(tuple(b) for b in data["box"]),
            data["fingerprint"],
            float(data["seconds"]),
            int(data["capped"]),
            tuple(Plane(p["slope"], p["offset"], p["side"]) for p in data["envelope"]),
            int(data.get("timed_out", data["capped"])),  # absent before the node cap, when every cap was a time cap
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
