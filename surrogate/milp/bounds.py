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
    ``node_limit`` nodes (work, so the bounds do not depend on the machine's
    load; ``time_limit`` seconds is a safety net); the solver's dual bound is
    used, so a cap or the 1e-4 gap only loosens a bound, never invalidates it.

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

The pieces live in their own modules: :class:`NetBounds` and :class:`Plane` in
:mod:`surrogate.milp.bounds_result`, the ``interval`` method in
:mod:`surrogate.milp.bounds_interval`, ``lp``/``milp`` OBBT and the envelope in
:mod:`surrogate.milp.bounds_obbt`. This module picks the method and stores,
caches and serves the bounds of a net, and hashes all that an encoding takes from a net
(:func:`milp_identity`); every name above is importable from here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from ..errors import ConfigError, ModelFormatError
from ..nets.network import ReluMLP
from ..nets.zoo import net_argument
from .bounds_interval import check_box, interval_bounds
from .bounds_obbt import DEFAULT_MILP_NODE_LIMIT, DEFAULT_MILP_TIME_LIMIT, OBBT_MARGIN, check_limits, envelope_slopes, obbt_bounds
from .bounds_result import BOUND_METHODS, BOUNDS_FORMAT, SIDES, NetBounds, Plane, check_method, check_methods, fingerprint
from .output_scale import net_scaling

__all__ = [
    "BOUNDS_FORMAT",
    "BOUND_METHODS",
    "DEFAULT_MILP_NODE_LIMIT",
    "DEFAULT_MILP_TIME_LIMIT",
    "METADATA_KEY",
    "OBBT_MARGIN",
    "SIDES",
    "NetBounds",
    "Plane",
    "attach_bounds",
    "check_method",
    "check_methods",
    "compute_bounds",
    "envelope_slopes",
    "fingerprint",
    "interval_bounds",
    "milp_identity",
    "net_bounds",
    "obbt_bounds",
    "with_stored_bounds",
]

METADATA_KEY = "bounds"


def compute_bounds(
    net: ReluMLP | str,
    method: str,
    box: Sequence[tuple[float, float]] | None = None,
    *,
    time_limit: float = DEFAULT_MILP_TIME_LIMIT,
    node_limit: int = DEFAULT_MILP_NODE_LIMIT,
) -> NetBounds:
    """Bounds of ``net`` (a :class:`ReluMLP`, an ONNX path or a zoo name) by ``method``, computed now (no stored or
    cached bounds are read): what it costs.

    Parameters
    ----------
    net
        A :class:`ReluMLP`, an ONNX path or a zoo name.
    method
        One of :data:`BOUND_METHODS`.
    box
        One ``(lower, upper)`` pair per input (``None``: the net's domain).
    time_limit
        Seconds of each LP or MILP solve.
    node_limit
        Branch-and-bound nodes of each MILP.
    """
    net = net_argument(net, "compute_bounds")
    check_limits("compute_bounds", time_limit, node_limit)
    check_method(method)
    if method == "interval":
        return interval_bounds(net, box)
    return obbt_bounds(net, method, box, time_limit=time_limit, node_limit=node_limit)


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
    if entry.get("format") == 2 and not net_scaling(net, box, bounds.lower, bounds.upper).trivial:
        return None  # an older version solved such a net unscaled, and its bounds cut off values it takes: recompute
    return bounds


def net_bounds(
    net: ReluMLP | str,
    method: str = "milp",
    *,
    box: Sequence[tuple[float, float]] | None = None,
    time_limit: float = DEFAULT_MILP_TIME_LIMIT,
    node_limit: int = DEFAULT_MILP_NODE_LIMIT,
) -> NetBounds:
    """Bounds of ``net`` on ``box`` by ``method``: stored in the net's metadata, cached, or computed once.

    Bounds stored in the ONNX file (see :func:`with_stored_bounds`) are used
    when their fingerprint matches the net's weights; otherwise they are
    computed and kept in a process-wide cache, so every copy of the same net
    in a model shares one computation. ``net`` may be an ONNX path or a zoo name
    (:func:`~surrogate.nets.zoo.resolve_surrogate`).

    Parameters
    ----------
    net
        A :class:`ReluMLP`, an ONNX path or a zoo name.
    method
        One of :data:`BOUND_METHODS`.
    box
        One ``(lower, upper)`` pair per input (``None``: the net's domain).
    time_limit
        Seconds of each LP or MILP solve.
    node_limit
        Branch-and-bound nodes of each MILP.

    Raises
    ------
    ModelFormatError
        ``'lp'`` or ``'milp'`` for a net whose interval bounds on ``box`` reach HiGHS's infinity (1e20): its bound
        models would be another model to HiGHS (see :func:`~surrogate.milp.bounds_obbt.obbt_bounds`).
    """
    net = net_argument(net, "net_bounds")
    check_limits("net_bounds", time_limit, node_limit)
    check_method(method)
    box = check_box(box, net)
    stored = _stored(net, method, box)
    if stored is not None:
        return stored
    key = (fingerprint(net), method, box, (time_limit, node_limit) if method == "milp" else None)
    if key not in _CACHE:
        _CACHE[key] = compute_bounds(net, method, box, time_limit=time_limit, node_limit=node_limit)
    return _CACHE[key]


def attach_bounds(net: ReluMLP, *bounds: NetBounds) -> ReluMLP:
    """``net`` carrying ``bounds`` in its metadata (read back by :func:`net_bounds`, kept by ONNX export).

    Parameters
    ----------
    net
        The net.
    bounds
        The bounds to store, one :class:`NetBounds` per method.
    """
    for b in bounds:
        if b.fingerprint != fingerprint(net):
            raise ConfigError(f"{b.method} bounds were computed for another net (fingerprint {b.fingerprint}); recompute them")
    return net.with_metadata(**{METADATA_KEY: json.dumps({b.method: b.to_json() for b in bounds})})


def with_stored_bounds(
    net: ReluMLP | str,
    methods: Sequence[str] = BOUND_METHODS,
    *,
    time_limit: float = DEFAULT_MILP_TIME_LIMIT,
    node_limit: int = DEFAULT_MILP_NODE_LIMIT,
) -> ReluMLP:
    """``net`` with its bounds for ``methods`` on its domain in its metadata (written into the ONNX file on export).

    ``net`` may be an ONNX path or a zoo name (:func:`~surrogate.nets.zoo.resolve_surrogate`); a copy comes back.
    ``methods`` may be one method's name (``'interval'``); an empty list is refused (:func:`check_methods`).

    Parameters
    ----------
    net
        A :class:`ReluMLP`, an ONNX path or a zoo name.
    methods
        Bound methods (:data:`BOUND_METHODS`), or one's name.
    time_limit
        Seconds of each LP or MILP solve.
    node_limit
        Branch-and-bound nodes of each MILP.
    """
    net = net_argument(net, "with_stored_bounds")
    check_limits("with_stored_bounds", time_limit, node_limit)
    limits = {"time_limit": time_limit, "node_limit": node_limit}
    return attach_bounds(net, *(net_bounds(net, m, **limits) for m in check_methods(methods, "with_stored_bounds")))


def milp_identity(net: ReluMLP) -> str:
    """A hash of all that an encoding takes from ``net``: weights, biases, domain and stored bounds.

    Two nets with the same identity give the same MILP wherever
    :func:`~surrogate.milp.bilinear.replace_products` puts them, unless it is
    error-aware (that reads a net's ``error_bound`` metadata too); ``bench scale``
    solves such nets once. The time each stored bound took (``seconds``) is left
    out; every other metadata item (protocol, seed, metrics...) only documents the
    net. Stored bounds that cannot be read (the encodings recompute those) are
    hashed as written.

    Parameters
    ----------
    net
        The net.
    """
    digest = hashlib.sha256(fingerprint(net).encode())
    digest.update(json.dumps(net.domain).encode())
    text = net.metadata.get(METADATA_KEY) or "{}"
    try:
        stored = json.loads(text)
    except ValueError:
        stored = None
    if isinstance(stored, dict) and all(isinstance(entry, dict) for entry in stored.values()):
        entries = [[method, {k: v for k, v in stored[method].items() if k != "seconds"}] for method in sorted(stored)]
        digest.update(json.dumps(entries, sort_keys=True).encode())
    else:
        digest.update(text.encode())
    return digest.hexdigest()
