"""A net's layers too small for a solver's tolerances, encoded times exact powers of two.

A solver meets each row to an absolute tolerance (HiGHS: 1e-7) and drops coefficients below 1e-9, so the rows that
define a value of 1e-8 (a net scaled down, or made for a tiny box) hold it to no digit: at fixed inputs the MILP gave
such an output with the wrong sign. For a ReLU net, a layer's values times ``s > 0`` are again a ReLU net's
(``relu(s z) = s relu(z)``), so where the output's bounds stay below :data:`SMALL_OUTPUT`, :func:`layer_scales` gives
each layer whose bounds all do (the output included) a power of two ``s_l = 2**k_l`` that takes them towards [0.5, 1), and :func:`scaled_net` writes
the net with layer ``l``'s weights times ``s_l / s_(l-1)`` and its bias times ``s_l``: exact in binary floating
point. The encodings tie the output to the user's variable by a row times ``s_L``. ``s_l`` is capped at
:data:`MAX_SCALE` (2**20), and so that no layer's largest weight grows past it, which keeps every coefficient far
below the 1e9 that :func:`~surrogate.milp.solver.solve` checks; a layer still small after the cap is held only to
``1e-7 / s_l``, which :func:`warn_tiny_output` says. Where the output is ordinary, small hidden layers are scaled the
same way only where the next weights amplify them, so that scaling holds the output :data:`SCALING_GAIN` times more
closely (:func:`held_to`): every zoo net, collapsed layers included, is encoded as it was.
:func:`warn_tiny_output` also says how to optimise a tiny output: HiGHS's absolute MIP gap of 1e-6 stops a solve whose
objective is that small at its first solution.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from ..errors import NumericsWarning
from ..nets.network import ReluMLP
from .bounds_result import NetBounds, Plane

#: A layer whose bounds stay within this (in absolute value) is encoded scaled: :func:`layer_scales`. At 1.2e-4,
#: HiGHS's 1e-7 is 1e-3 of the value; the zoo's smallest outputs (collapsed nets, constant near -3.4e-4) stay above it.
SMALL_OUTPUT = 2.0**-13

#: The largest scale of a layer, and of a layer's weights: 2**20 keeps every coefficient near 1e6 or below, far
#: within the 1e9 that solve's numerics check names (a scale of 2**31 made feasible models infeasible).
MAX_SCALE = 2.0**20

#: HiGHS's absolute row (primal feasibility) tolerance: what a scaled layer is held to, times ``1 / s_l``.
ROW_TOLERANCE = 1e-7
#: HiGHS's integrality tolerance: a neuron's binary within it of 0 or 1 lets the neuron's value move by it times its
#: big-M (:func:`held_to`).
INTEGRALITY_TOLERANCE = 1e-6

#: A small layer held (:data:`ROW_TOLERANCE` over its scale) to more than this share of its largest value is warned of
#: (outputs of 7e-9 times 2**20 are held to 1.4e-5 of their size: not warned of as "too small").
LOOSE_SHARE = 1e-4

#: The hidden layers of a net whose output is not small are scaled only where that holds its output (:func:`held_to`)
#: at least this many times more closely: 2e4 times for probe96's net of hidden values near 1e-6 read times 1e6, 1.0
#: (no gain) for every zoo net with collapsed layers.
SCALING_GAIN = 10.0


def _largest(lower, upper) -> float:
    return float(max(np.max(np.abs(lower), initial=0.0), np.max(np.abs(upper), initial=0.0)))


def output_scale(lower, upper) -> float:
    """The power of two ``2**k`` that takes values whose bounds ``lower``, ``upper`` reach at most ``M``
    (``0 < M <`` :data:`SMALL_OUTPUT`) into [0.5, 1), at most :data:`MAX_SCALE`; 1.0 for any other values."""
    largest = _largest(lower, upper)
    if not 0.0 < largest < SMALL_OUTPUT:
        return 1.0
    return min(math.ldexp(1.0, -math.frexp(largest)[1]), MAX_SCALE)


def layer_scales(net: ReluMLP, lower: Sequence, upper: Sequence) -> tuple[float, ...]:
    """One power of two per layer of ``net`` (output last), from its bounds ``lower[l]``, ``upper[l]``: the
    :func:`output_scale` of each layer, lowered where layer ``l``'s largest weight times ``s_l / s_(l-1)`` would pass
    :data:`MAX_SCALE` (never below 1).

    Where the output is not small, the hidden layers are scaled only if that holds the output at least
    :data:`SCALING_GAIN` times more closely (:func:`held_to`): a small layer that the next weights amplify (values of
    1e-6 read times 1e6) is held by the solver only to its tolerance times those weights, 10-300% of the output
    (probe96), while a zoo net's collapsed layers (values of 1e-28 to 3e-5 in ``b48-best-48x1``, whose output reaches
    3.4e-4) add nothing to it scaled or not, and are encoded as they were. All 1.0 for a net without small layers.
    """
    scales = _capped_scales(net, lower, upper)
    if output_scale(lower[-1], upper[-1]) != 1.0 or set(scales) == {1.0}:
        return scales
    ones = (1.0,) * len(scales)
    if held_to(net, scales, lower, upper) * SCALING_GAIN > held_to(net, ones, lower, upper):
        return ones
    return scales


def _capped_scales(net: ReluMLP, lower: Sequence, upper: Sequence) -> tuple[float, ...]:
    """Each layer's :func:`output_scale`, capped so that no layer's weights grow past :data:`MAX_SCALE`."""
    scales, previous = [], 1.0
    for weights, lo, hi in zip(net.weights, lower, upper):
        scale = output_scale(lo, hi)
        heaviest = float(np.max(np.abs(weights), initial=0.0))
        if scale > 1.0 and heaviest * scale / previous > MAX_SCALE:
            room = MAX_SCALE * previous / heaviest
            scale = max(1.0, math.ldexp(1.0, math.frexp(room)[1] - 1))  # the largest power of two within room
        scales.append(scale)
        previous = scale
    return tuple(scales)


def scaled_net(net: ReluMLP, scales: Sequence[float]) -> ReluMLP:
    """``net`` with layer ``l``'s values times ``scales[l]``: weights times ``s_l / s_(l-1)``, biases times ``s_l``
    (exact: powers of two); ``net`` itself when every scale is 1."""
    if all(s == 1.0 for s in scales):
        return net
    before = (1.0, *scales[:-1])
    weights = tuple(w * (s / p) for w, s, p in zip(net.weights, scales, before))
    return ReluMLP(weights, tuple(b * s for b, s in zip(net.biases, scales)))


def scaled_bounds(lower: Sequence, upper: Sequence, scales: Sequence[float]) -> tuple[list, list]:
    """The bounds ``lower``, ``upper`` of each layer times its scale (see :func:`scaled_net`)."""
    return [np.asarray(lo) * s for lo, s in zip(lower, scales)], [np.asarray(hi) * s for hi, s in zip(upper, scales)]


def warn_tiny_output(name: str, net: ReluMLP, lower: Sequence, upper: Sequence, *, stacklevel: int = 3) -> None:
    """:class:`~surrogate.errors.NumericsWarning` s for surrogate ``name`` (net ``net``, layer bounds ``lower``,
    ``upper``): a small layer that its capped scale (:func:`layer_scales`) leaves held to more than :data:`LOOSE_SHARE`
    of its size (the solver's tolerance over its scale); an output encoded scaled, naming the scale to optimise it
    with. Nothing for a net of which nothing is scaled (a zoo net's collapsed layers of 1e-28 are no concern of its
    values); of a net whose output is not small, only its scaled layers that stay loose."""
    scales = layer_scales(net, lower, upper)
    small_output = output_scale(lower[-1], upper[-1]) != 1.0
    if not small_output and set(scales) == {1.0}:  # encoded as it was, nothing scaled to say of
        return
    loose = [  # a small layer held loosely after its capped scale (not an ordinary one: probe96 #2 warned of a 0.3)
        (k, _largest(lo, hi), s)
        for k, (lo, hi, s) in enumerate(zip(lower, upper, scales))
        if 0.0 < _largest(lo, hi) < SMALL_OUTPUT
        and ROW_TOLERANCE / s > LOOSE_SHARE * _largest(lo, hi)
        and (small_output or s > 1.0)
    ]
    if loose:  # an ordinary output: how far the scaled layers' slack carries to it, their own share understates it
        output = None if small_output else (held_to(net, scales, lower, upper), _largest(lower[-1], upper[-1]))
        _warn_loose(name, loose, len(scales), stacklevel + 1, output=output)
    largest, scale = _largest(lower[-1], upper[-1]), scales[-1]
    if scale == 1.0:
        return
    held = held_to(net, scales, lower, upper)
    exact = (
        "exactly" if held <= 1e-3 * largest and not loose else f"to within about {held:.2g} ({held / largest:.0%} of their size)"
    )
    warnings.warn(
        f"surrogate {name!r}: the net's outputs reach at most {largest:.3g} on its box; they are encoded {exact} (the rows "
        f"that define them written times 2**{round(math.log2(scale))}), but a solver stops optimising an objective this "
        "small at its first solution (HiGHS's absolute MIP gap is 1e-6): optimise it times "
        f"{scale:.17g}, e.g. Objective(expr={scale:.17g} * z.output), or rescale the net's layers and divide its "
        "output by as much in the model",
        NumericsWarning,
        stacklevel=stacklevel,
    )


def held_to(net: ReluMLP, scales: Sequence[float], lower: Sequence, upper: Sequence) -> float:
    """About how far the encoded output may lie from the net's, in the output's own units: on every row of the net
    encoded with ``scales`` (:func:`scaled_net`) the solver's :data:`ROW_TOLERANCE`, and on a hidden neuron its
    binary's :data:`INTEGRALITY_TOLERANCE` times the layer's largest value (from its bounds ``lower``, ``upper``), carried
    forward through the layers' ``|W|`` (a ReLU moves nothing further), over the output's scale. An output that is the
    small difference of ordinary hidden values (a 3x8 net's first layer times 1e-6: hidden values near 2, outputs of
    8e-6) is held no better however it is scaled (probe97: the warning called it exact, 13-19% off at fixed inputs)."""
    error, last = np.zeros(net.weights[0].shape[0]), len(net.weights) - 1
    for k, (weights, lo, hi, scale) in enumerate(zip(scaled_net(net, scales).weights, lower, upper, scales)):
        slack = 0.0 if k == last else INTEGRALITY_TOLERANCE * _largest(lo, hi) * scale
        error = error @ np.abs(weights) + ROW_TOLERANCE + slack
    return float(error.max(initial=0.0)) / scales[-1]


def _warn_loose(name: str, loose: list, layers: int, stacklevel: int, *, output: tuple | None = None) -> None:
    """The warning of :func:`warn_tiny_output` for layers ``(index, largest value, scale)`` still small when scaled;
    ``output``: ``(held_to, largest value)`` of an ordinary output, which the layers' own share would understate
    (hidden values held to 3% of their size read times 1e12 gave an output 18% of its range off)."""
    parts, worst = [], 0.0
    for k, largest, scale in loose:
        error = ROW_TOLERANCE / scale
        worst = max(worst, error / largest)
        what = "the output" if k == layers - 1 else f"hidden layer {k}"
        parts.append(f"{what} reaches at most {largest:.3g}, held to about {error:.2g} ({error / largest:.1%} of it)")
    if output is not None:
        worst = output[0] / output[1]
    meaning = "not at all: the MILP's values are meaningless" if worst >= 1.0 else f"to about {worst:.1%} of their size"
    if output is not None and worst < 1.0:
        meaning = f"to within about {output[0]:.2g} ({worst:.0%} of the {output[1]:.3g} it reaches)"
    warnings.warn(
        f"surrogate {name!r}: its values are too small for a solver's tolerances even encoded times "
        f"2**{round(math.log2(MAX_SCALE))} (the most that keeps its coefficients within the solver's range): "
        f"{'; '.join(parts)} (HiGHS's row tolerance is {ROW_TOLERANCE:g}), so the MILP's output follows the net only "
        f"{meaning}; rescale the net so that its layers' values are near 1 (multiply a layer's weights and bias by a "
        "factor, divide the next layer's weights by it, and divide the output by the last factor in the model), or "
        "encode it on a larger box",
        NumericsWarning,
        stacklevel=stacklevel,
    )


#: An output variable's bound nearer 0 than this (and not 0) is written as 0 or this (looser, so still valid) where the
#: output is scaled, its true bound kept by a row times the scale: HiGHS misreads a column bound of 4.5e-10 (it called
#: a model with an output in [-4.5e-10, 3.6e-10] infeasible at every fixed point).
BOUND_FLOOR = 1e-6


def output_variable_bounds(lower: float, upper: float, scale: float) -> tuple[float, float]:
    """The bounds to declare on the variable of an output with bounds ``lower``, ``upper`` encoded times ``scale``:
    the same for an unscaled output; else each bound within :data:`BOUND_FLOOR` of 0 moved outwards to 0 or that."""
    if scale == 1.0:
        return float(lower), float(upper)
    lo = float(lower) if lower <= -BOUND_FLOOR else (0.0 if lower >= 0 else -BOUND_FLOOR)
    hi = float(upper) if upper >= BOUND_FLOOR else (0.0 if upper <= 0 else BOUND_FLOOR)
    return lo, hi


def unscaled_bounds(bounds: NetBounds, scales: Sequence[float], fingerprint: str) -> NetBounds:
    """The bounds of a net from ``bounds``, those of its :func:`scaled_net` by ``scales``: each layer's divided by its
    scale, each envelope plane by the output's (exact), ``fingerprint`` the net's. OBBT solves the scaled net, whose
    values the solver's tolerances hold (on a tiny one they gave an output bound the net passes, so models INFEASIBLE)."""
    planes = tuple(
        Plane(tuple(a / scales[-1] for a in plane.slope), plane.offset / scales[-1], plane.side) for plane in bounds.envelope
    )
    return NetBounds(
        bounds.method,
        tuple(lo / s for lo, s in zip(bounds.lower, scales)),
        tuple(hi / s for hi, s in zip(bounds.upper, scales)),
        bounds.box,
        fingerprint,
        bounds.seconds,
        bounds.capped,
        planes,
        bounds.timed_out,
    )
