"""A net's inputs and layers too small for a solver's tolerances, encoded times exact powers of two.

A solver meets each row to an absolute tolerance (HiGHS accepts a MIP solution whose rows are within 1e-6) and drops
coefficients below 1e-9, so the rows that define a value of 1e-8 (a net scaled down, or made for a tiny box) hold it to
no digit: at fixed inputs the MILP gave such an output with the wrong sign. For a ReLU net, a layer's values times
``s > 0`` are again a ReLU net's (``relu(s z) = s relu(z)``), so :func:`net_scaling` gives each input whose box, and
each layer whose bounds, stay below :data:`SMALL_OUTPUT` a power of two ``s = 2**k`` that takes them towards [0.5, 1),
and :func:`scaled_net` writes the net with layer ``l``'s weights times ``s_l / s_(l-1)`` (the first's row ``i`` over
input ``i``'s scale) and its bias times ``s_l``: exact in binary floating point. The encodings tie each input to the
user's by a row ``v_i == s_i * x_i`` and the output by a row times ``s_L``. A scale is capped at :data:`MAX_SCALE`
(2**20), and so that no layer's largest weight grows past it, which keeps every coefficient far below the 1e9 that
:func:`~surrogate.milp.solver.solve` checks; what stays small after the cap is held only to the tolerance over its
scale, which :func:`warn_tiny_output` says. Where the output is ordinary, the inputs and hidden layers are scaled only
where that holds the output :data:`SCALING_GAIN` times more closely (:func:`held_to`): every zoo net on its domain,
collapsed layers included, is encoded as it was. :func:`warn_tiny_output` also says how to optimise a tiny output:
HiGHS's absolute MIP gap of 1e-6 stops a solve whose objective is that small at its first solution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ModelFormatError, NumericsWarning, warn_caller
from ..nets.network import ReluMLP
from .bounds_result import NetBounds, Plane

#: An input whose box, or a layer whose bounds, stay within this (in absolute value) is encoded scaled
#: (:func:`net_scaling`); the zoo's smallest outputs (collapsed nets, constant near -3.4e-4) stay above it.
SMALL_OUTPUT = 2.0**-13

#: The largest scale of a layer, and of a layer's weights: 2**20 keeps every coefficient near 1e6 or below, far
#: within the 1e9 that solve's numerics check names (a scale of 2**31 made feasible models infeasible).
MAX_SCALE = 2.0**20

#: What HiGHS holds a row of a MIP solution to (its ``mip_feasibility_tolerance``): a scaled value is held to it
#: times ``1 / s``. (Its LP tolerance is :data:`LP_TOLERANCE`; probe100 measured errors 2.4 times an estimate made with that.)
ROW_TOLERANCE = 1e-6
#: What HiGHS holds the rows and bounds of a model without integer variables (an LP) to: its
#: ``primal_feasibility_tolerance``. A constant input 1e-7 past its box solves, 1.01e-7 is "infeasible" (probe144).
LP_TOLERANCE = 1e-7
#: HiGHS's integrality tolerance: a neuron's binary within it of 0 or 1 lets the neuron's value move by it times its
#: big-M (:func:`held_to`).
INTEGRALITY_TOLERANCE = 1e-6

#: A share of a value's size within which it is called held exactly: an output whose :func:`held_to` is within it, and
#: a small input or layer held (:data:`ROW_TOLERANCE` over its scale) within it of its largest value; more is warned of.
EXACT_SHARE = 1e-3

#: Where the output is not small, the inputs and hidden layers are scaled only where that holds the output
#: (:func:`held_to`) at least this many times more closely: 2e4 times for probe96's net of hidden values near 1e-6
#: read times 1e6, 1.0 (no gain) for every zoo net with collapsed layers.
SCALING_GAIN = 10.0


@dataclass(frozen=True)
class NetScaling:
    """The exact powers of two a net is encoded with (:func:`net_scaling`).

    Attributes
    ----------
    inputs
        One per input: the encoding's input ``i`` is the user's, less ``shifts[i]``, times ``inputs[i]``.
    shifts
        One per input: the middle of a narrow box away from 0 (:func:`input_map`), else 0.
    layers
        One per layer, the output last: the encoding's layer ``l`` is the net's times ``layers[l]``.
    """

    inputs: tuple[float, ...]
    shifts: tuple[float, ...]
    layers: tuple[float, ...]

    @classmethod
    def none(cls, net: ReluMLP) -> NetScaling:
        """Every scale 1, no shift: the net encoded as it is."""
        n_in = net.weights[0].shape[0]
        return cls((1.0,) * n_in, (0.0,) * n_in, (1.0,) * len(net.weights))

    @property
    def trivial(self) -> bool:
        """Whether every scale is 1 and no input shifted."""
        return set(self.inputs) | set(self.layers) == {1.0} and not any(self.shifts)

    def net(self, net: ReluMLP) -> ReluMLP:
        """``net`` scaled (:func:`scaled_net`)."""
        return scaled_net(net, self.layers, inputs=self.inputs, shifts=self.shifts)

    def box(self, box: Sequence) -> tuple[tuple[float, float], ...]:
        """The input box ``box`` as the encoding's inputs range: less the shifts, times the inputs' scales."""
        return tuple(((float(lo) - c) * s, (float(hi) - c) * s) for (lo, hi), s, c in zip(box, self.inputs, self.shifts))


def largest_value(lower, upper) -> float:
    """The largest magnitude of the bounds ``lower``, ``upper`` (arrays; 0.0 for empty ones)."""
    return float(max(np.max(np.abs(lower), initial=0.0), np.max(np.abs(upper), initial=0.0)))


def output_scale(lower, upper) -> float:
    """The power of two ``2**k`` that takes values whose bounds ``lower``, ``upper`` reach at most ``M``
    (``0 < M <`` :data:`SMALL_OUTPUT`) into [0.5, 1), at most :data:`MAX_SCALE`; 1.0 for any other values."""
    largest = largest_value(lower, upper)
    if not 0.0 < largest < SMALL_OUTPUT:
        return 1.0
    return min(math.ldexp(1.0, min(-math.frexp(largest)[1], 1023)), MAX_SCALE)  # (2**1074 for 5e-324 overflowed)


def input_map(lower: float, upper: float) -> tuple[float, float]:
    """``(scale, shift)`` of an input on ``[lower, upper]``, encoded as ``(x - shift) * scale``: a box within
    :data:`SMALL_OUTPUT` of 0 (``[0, 1e-6]``) scaled as a layer's values are (:func:`output_scale`, exact); a narrow box
    away from 0 (``[1, 1 + 1e-6]``, where the row that ties the input holds it only to the solver's 1e-6, its whole
    width) taken about its middle and scaled by its half-width (the first layer's biases then gain ``W^T shift``,
    rounded once); ``(1.0, 0.0)`` for any other box."""
    scale = output_scale(lower, upper)
    if scale != 1.0:
        return scale, 0.0
    half = (float(upper) - float(lower)) / 2
    if not 0.0 < half < SMALL_OUTPUT:
        return 1.0, 0.0
    return output_scale(-half, half), float(lower) + half


def net_scaling(net: ReluMLP, box: Sequence | None, lower: Sequence, upper: Sequence) -> NetScaling:
    """The powers of two to encode ``net`` with on the input box ``box`` (``None``: inputs unscaled), from its layers'
    bounds ``lower[l]``, ``upper[l]``: the :func:`output_scale` of each input's box and of each layer, a layer's
    lowered where its largest weight times ``s_l / s_(l-1)`` would pass :data:`MAX_SCALE` (never below 1).

    Each input on a tiny or narrow box is mapped (:func:`input_map`): the row that ties it is otherwise held only to
    the solver's 1e-6, the whole box of 1e-6 (probe100, probe102). Where the output is not small, the hidden layers are
    scaled only if that holds the output at least :data:`SCALING_GAIN` times more closely (:func:`held_to`): a small
    layer that the next weights amplify (values of 1e-6 read times 1e6) is held by the solver only to its tolerance
    times those weights, 10-300% of the output (probe96), while a zoo net's collapsed layers (values of 1e-28 to 3e-5
    in ``b48-best-48x1``, whose output reaches 3.4e-4) add nothing to it scaled or not, and are encoded as they were.
    Every scale 1 for a net without small inputs or layers, on a box of width 2**-12 or more.
    """
    maps = [(1.0, 0.0)] * net.weights[0].shape[0] if box is None else [input_map(lo, hi) for lo, hi in box]
    inputs, shifts = tuple(s for s, _ in maps), tuple(c for _, c in maps)
    scaling = NetScaling(inputs, shifts, _capped_scales(net, inputs, lower, upper))
    if output_scale(lower[-1], upper[-1]) != 1.0 or set(scaling.layers) == {1.0}:
        return scaling
    plain = NetScaling(inputs, shifts, (1.0,) * len(scaling.layers))  # tiny inputs are mapped whatever the gain
    if held_to(net, scaling, lower, upper) * SCALING_GAIN > held_to(net, plain, lower, upper):
        return plain
    return scaling


def layer_scales(net: ReluMLP, lower: Sequence, upper: Sequence) -> tuple[float, ...]:
    """The layers' scales of :func:`net_scaling` with the inputs unscaled."""
    return net_scaling(net, None, lower, upper).layers


def _capped_scales(net: ReluMLP, inputs: Sequence[float], lower: Sequence, upper: Sequence) -> tuple[float, ...]:
    """Each layer's :func:`output_scale`, capped so that no layer's weights (over the inputs' scales ``inputs`` or the
    layer before's) grow past :data:`MAX_SCALE`."""
    scales, previous = [], np.asarray(inputs, dtype=np.float64)
    for weights, lo, hi in zip(net.weights, lower, upper):
        scale = output_scale(lo, hi)
        heaviest = float(np.max(np.abs(weights) / previous[:, None], initial=0.0))
        if scale > 1.0 and heaviest * scale > MAX_SCALE:
            room = MAX_SCALE / heaviest
            scale = max(1.0, math.ldexp(1.0, math.frexp(room)[1] - 1))  # the largest power of two within room
        scales.append(scale)
        previous = np.full(weights.shape[1], scale)
    return tuple(scales)


def scaled_net(
    net: ReluMLP, scales: Sequence[float], *, inputs: Sequence[float] | None = None, shifts: Sequence[float] | None = None
) -> ReluMLP:
    """``net`` with layer ``l``'s values times ``scales[l]``, read from inputs ``(x_i - shifts[i]) * inputs[i]`` (default
    ``x_i``): weights times ``s_l / s_(l-1)`` (the first layer's row ``i`` over ``inputs[i]``), biases times ``s_l``
    (exact: powers of two), the first layer's after adding ``W^T shifts`` (rounded once); ``net`` itself when nothing
    is scaled or shifted."""
    n_in = net.weights[0].shape[0]
    inputs = np.ones(n_in) if inputs is None else np.asarray(inputs, dtype=np.float64)
    shifts = np.zeros(n_in) if shifts is None else np.asarray(shifts, dtype=np.float64)
    if all(s == 1.0 for s in scales) and np.all(inputs == 1.0) and not np.any(shifts):
        return net
    before = (1.0 / inputs[:, None], *scales[:-1])
    weights = tuple(w * (s * p) if k == 0 else w * (s / p) for k, (w, s, p) in enumerate(zip(net.weights, scales, before)))
    biases = (net.biases[0] + shifts @ net.weights[0], *net.biases[1:]) if np.any(shifts) else net.biases
    return ReluMLP(weights, tuple(b * s for b, s in zip(biases, scales)))


def scaled_bounds(lower: Sequence, upper: Sequence, scales: Sequence[float]) -> tuple[list, list]:
    """The bounds ``lower``, ``upper`` of each layer times its scale (see :func:`scaled_net`)."""
    return [np.asarray(lo) * s for lo, s in zip(lower, scales)], [np.asarray(hi) * s for hi, s in zip(upper, scales)]


def held_to(net: ReluMLP, scaling: NetScaling, lower: Sequence, upper: Sequence) -> float:
    """About how far the encoded output may lie from the net's, in the output's own units: on every row of the net
    encoded with ``scaling`` (:func:`scaled_net`), the rows that tie its inputs included, the solver's
    :data:`ROW_TOLERANCE`, and on a hidden neuron that is active on part of the box only, its binary's
    :data:`INTEGRALITY_TOLERANCE` times the layer's largest value (from its bounds ``lower``, ``upper``), carried
    forward through the layers' ``|W|`` (a ReLU moves nothing further; a neuron never active passes nothing: pruned
    drops it and OMLT bounds it to 0), over the output's scale. An estimate, not a bound: OMLT's ``partition`` splits a neuron's sum over
    several rows, each held to the tolerance. An output that is the small difference of ordinary hidden values (a 3x8
    net's first layer times 1e-6: hidden values near 2, outputs of 8e-6) is held no better however it is scaled
    (probe97: the warning called it exact, 13-19% off at fixed inputs)."""
    error, last = np.full(net.weights[0].shape[0], ROW_TOLERANCE), len(net.weights) - 1
    for k, (weights, lo, hi, scale) in enumerate(zip(scaling.net(net).weights, lower, upper, scaling.layers)):
        error = error @ np.abs(weights) + ROW_TOLERANCE
        if k < last:
            lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
            unstable = (lo < 0) & (hi > 0)
            error = np.where(hi <= 0, 0.0, error + unstable * INTEGRALITY_TOLERANCE * largest_value(lo, hi) * scale)
    return float(error.max(initial=0.0)) / scaling.layers[-1]


def warn_tiny_output(
    name: str,
    net: ReluMLP,
    lower: Sequence,
    upper: Sequence,
    *,
    box: Sequence | None = None,
    scaling: NetScaling | None = None,
) -> None:
    """:class:`~surrogate.errors.NumericsWarning` s for surrogate ``name`` (net ``net`` on the input box ``box``, layer
    bounds ``lower``, ``upper``): a small input or layer that its capped scale (:func:`net_scaling`) leaves held to more
    than :data:`EXACT_SHARE` of its size (the solver's tolerance over its scale); an output encoded scaled, naming the
    scale to optimise it with. Nothing for a net of which nothing is scaled (a zoo net's collapsed layers of 1e-28 are
    no concern of its values); of a net whose output is not small, only scaled inputs and layers that stay loose and
    hold the output (:func:`held_to`) to more than :data:`EXACT_SHARE` of its size. ``scaling``: the encoding's
    (default :func:`net_scaling` of the rest)."""
    scaling = net_scaling(net, box, lower, upper) if scaling is None else scaling
    small_output = output_scale(lower[-1], upper[-1]) != 1.0
    if not small_output and scaling.trivial:  # encoded as it was, nothing scaled to say of
        return
    largest, held = largest_value(lower[-1], upper[-1]), held_to(net, scaling, lower, upper)
    loose = _loose(box, lower, upper, scaling, small_output)
    if loose and (small_output or held > EXACT_SHARE * largest):  # an ordinary output: the share it is held to
        _warn_loose(name, loose, output=None if small_output else (held, largest))
    scale = scaling.layers[-1]
    if scale == 1.0:
        return
    exact = (
        "exactly"
        if held <= EXACT_SHARE * largest and not loose
        else f"to within about {held:.2g} ({_share(held / largest)} of their size)"
    )
    warn_caller(
        f"surrogate {name!r}: the net's outputs reach at most {largest:.3g} on its box; they are encoded {exact} (the rows "
        f"that define them written times 2**{round(math.log2(scale))}), but a solver stops optimising an objective this "
        "small at its first solution (HiGHS's absolute MIP gap is 1e-6): optimise it times "
        f"{scale:.17g}, e.g. Objective(expr={scale:.17g} * z.output), or rescale the net's layers and divide its "
        "output by as much in the model",
        NumericsWarning,
    )


def _loose(box, lower: Sequence, upper: Sequence, scaling: NetScaling, small_output: bool) -> list:
    """``(what, largest value, scale)`` of each small input (of ``box``) and layer that ``scaling`` leaves held to more
    than :data:`EXACT_SHARE` of its size: of a net whose output is not small, only those scaled (not a collapsed layer,
    nor an ordinary one: probe96 #2 warned of a 0.3)."""
    inputs = scaling.box(box) if box is not None else ()  # (a narrow box away from 0: its size about its middle)
    values = [
        (f"input {i}" + (f" (about its middle {c!r})" if c else ""), largest_value(*bounds) / s, s)
        for i, (bounds, s, c) in enumerate(zip(inputs, scaling.inputs, scaling.shifts))
    ]
    last = len(scaling.layers) - 1
    values += [
        ("the output" if k == last else f"hidden layer {k}", largest_value(lo, hi), s)
        for k, (lo, hi, s) in enumerate(zip(lower, upper, scaling.layers))
    ]
    return [
        (what, largest, s)
        for what, largest, s in values
        if 0.0 < largest < SMALL_OUTPUT and ROW_TOLERANCE / s > EXACT_SHARE * largest and (small_output or s > 1.0)
    ]


def _share(fraction: float) -> str:
    """``fraction`` as a percentage that is not rounded to 0 (probe100 #2: "0.0%" of a value called too small)."""
    return f"{fraction:.0%}" if fraction >= 0.1 else f"{100 * fraction:.2g}%"


def _warn_loose(name: str, loose: list, *, output: tuple | None = None) -> None:
    """The warning of :func:`warn_tiny_output` for inputs and layers ``(what, largest value, scale)`` still loose when
    scaled; ``output``: ``(held_to, largest value)`` of an ordinary output, which their own share would understate
    (hidden values held to 3% of their size read times 1e12 gave an output 18% of its range off)."""
    parts, worst = [], 0.0
    for what, largest, scale in loose:
        error = ROW_TOLERANCE / scale
        worst = max(worst, error / largest)
        parts.append(f"{what} reaches at most {largest:.3g}, held to about {error:.2g} ({_share(error / largest)} of it)")
    if output is not None:
        worst = output[0] / output[1]
    follows = f"follows the net only to about {_share(worst)} of their size"
    if output is not None:
        follows = f"follows the net only to within about {output[0]:.2g} ({_share(worst)} of the {output[1]:.3g} it reaches)"
    if worst >= 1.0:
        follows = "does not follow the net at all (its values are meaningless)"
    warn_caller(
        f"surrogate {name!r}: its values are too small for a solver's tolerances even encoded times "
        f"2**{round(math.log2(MAX_SCALE))} (the most that keeps its coefficients within the solver's range): "
        f"{'; '.join(parts)} (HiGHS holds a MIP solution's rows to {ROW_TOLERANCE:g}), so the MILP's output {follows} "
        "(an estimate; more in OMLT's partition formulation); rescale the net so that its inputs and "
        "layers' values are near 1 (multiply a layer's weights and bias by a factor, divide the next layer's weights by "
        "it, and divide the output by the last factor in the model), or encode it on a larger box",
        NumericsWarning,
    )


#: A hidden pre-activation interval narrower than this times ``min(1, its largest |bound|)`` (not a point) is refused for
#: OMLT's formulations: they bound each neuron's variables by it, and HiGHS (rows held to 1e-6) called
#: such models infeasible (probe114 #1: intervals near 0.75 about 2e-6 wide, box 1e-6 wide; 3e-6 solved right). Ten
#: times that tolerance passes ordinary nets (weights 1e-5, scaled: intervals 2e-5 wide near 0.64 solve right); values
#: as small as the width are a tiny layer (:func:`warn_tiny_output`), within :data:`ROW_TOLERANCE` of 0 held as 0 (a
#: zoo net's collapsed layers of 1e-15). ``pruned`` writes a stable neuron as an expression, with no variable of its own.
THIN_INTERVAL = 1e-5


def check_thin_layers(name: str, formulation: str, lower: Sequence, upper: Sequence, scaling: NetScaling) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError` if a hidden pre-activation interval of the net as encoded with
    ``scaling`` (its layers' bounds ``lower``, ``upper`` times their scales) is thinner than :data:`THIN_INTERVAL`
    allows, though not a point (a point is exact, as a box of zero width gives); ``name``, ``formulation``: the
    surrogate's, for the message. On the safe side: some such models solve right (probe117: zoo nets on boxes 1e-3
    wide), but a rule on the box alone let wrong answers through (probe118: a near-constant neuron on [1000, 1005]^2)."""
    lower, upper = scaled_bounds(lower[:-1], upper[:-1], scaling.layers[:-1])
    for k, (lo, hi) in enumerate(zip(lower, upper)):
        width, size = hi - lo, np.maximum(np.abs(lo), np.abs(hi))
        thin = (width > 0) & (width < THIN_INTERVAL * np.minimum(1.0, size)) & (size >= ROW_TOLERANCE)
        for j in np.flatnonzero(thin):
            raise ModelFormatError(
                f"surrogate {name!r}: neuron {j} of hidden layer {k} (counted from 0) takes values in [{lo[j]:.10g}, "
                f"{hi[j]:.10g}] on the input box, an interval {width[j]:.2g} wide, near HiGHS's feasibility tolerance "
                f"of 1e-6; formulation {formulation!r} bounds its variables by that interval, and HiGHS has called such "
                "models infeasible when they are not; use formulation='pruned' (the default), or a wider input box"
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


def unscaled_bounds(bounds: NetBounds, scaling: NetScaling, fingerprint: str, box: Sequence) -> NetBounds:
    """The bounds of a net on the input box ``box`` from ``bounds``, those of its :func:`scaled_net` by ``scaling`` on
    the box mapped: each layer's divided by its scale, each envelope plane's slopes times the inputs' scales, its offset
    less their shifts, and the plane over the output's, ``fingerprint`` the net's. OBBT solves the scaled net, whose values the solver's
    tolerances hold (on a tiny one they gave an output bound the net passes, so models INFEASIBLE)."""
    out, scales, shifts = scaling.layers[-1], scaling.inputs, scaling.shifts  # a v_i = a s_i (x_i - c_i)
    planes = tuple(
        Plane(
            tuple(a * s / out for a, s in zip(plane.slope, scales)),
            (plane.offset - sum(a * s * c for a, s, c in zip(plane.slope, scales, shifts))) / out,
            plane.side,
        )
        for plane in bounds.envelope
    )
    return NetBounds(
        bounds.method,
        tuple(lo / s for lo, s in zip(bounds.lower, scaling.layers)),
        tuple(hi / s for hi, s in zip(bounds.upper, scaling.layers)),
        tuple((float(lo), float(hi)) for lo, hi in box),
        fingerprint,
        bounds.seconds,
        bounds.capped,
        planes,
        bounds.timed_out,
    )
