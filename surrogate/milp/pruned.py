"""Big-M encoding of a ReLU MLP with tightened bounds and stable neurons removed.

OMLT's :class:`~omlt.neuralnet.ReluBigMFormulation` gives every ReLU a binary
and takes its big-M constants from interval bounds. Here the bounds come from
:mod:`surrogate.milp.bounds` (computed once per net) and each hidden neuron ``j`` of
layer ``k``, with pre-activation ``zhat = w_j^T h^{k-1} + b_j`` in ``[l, u]``,
is written as

* ``u <= 0`` (always inactive): nothing; ``h_j = 0`` drops out of the next layer;
* ``l >= 0`` (always active): ``h_j = zhat``, a linear expression (no variable);
* ``l < 0 < u`` (unstable): a variable ``h_j`` in ``[0, u]``, a binary ``s_j`` and

  .. math::

      h_j \\ge \\hat z_j,\\qquad h_j \\le \\hat z_j - l\\,(1 - s_j),\\qquad h_j \\le u\\, s_j.

The output is ``y = w_L^T h^{L-1} + b_L`` (a variable with the output bounds),
and every envelope plane of the bounds (:class:`~surrogate.milp.bounds.Plane`) is
added as a valid inequality,

.. math::

    y \\ge a^T x + c_{lo}(a), \\qquad y \\le a^T x + c_{hi}(a),

which removes no point of the MILP (the planes hold for the net everywhere
on the box) but keeps the LP relaxation of every copy within the net's
McCormick-like envelope.
With ``relax=True`` the binaries are continuous in [0, 1]: with tight ``l, u``
this is the triangle relaxation of every ReLU, which LP-based OBBT optimises
over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from ..nets.network import ReluMLP
from .built_marks import mark_built
from .output_scale import NetScaling, net_scaling, output_variable_bounds, scaled_bounds


def _affine(weights: np.ndarray, bias: float, inputs: Sequence):
    """``sum_i w_i x_i + b`` over inputs that are not the constant 0 (pruned neurons) and nonzero weights."""
    terms = [float(w) * x for w, x in zip(weights, inputs) if w != 0.0 and not (isinstance(x, (int, float)) and x == 0)]
    return sum(terms, float(bias))


def _constant(expr) -> bool:
    """Whether ``expr`` (an :func:`_affine` of pruned inputs) is a plain number, no Pyomo expression."""
    return isinstance(expr, (int, float))


@dataclass(frozen=True)
class HiddenLayers:
    """What :func:`encode_hidden` added to a block.

    Attributes
    ----------
    preactivations
        The pre-activations of the layer after the encoded ones (Pyomo expressions).
    indicators
        One indexed variable ``s<k>`` per encoded hidden layer ``k``: the
        indicator (binary, or in [0, 1] when relaxed) of each unstable neuron,
        keyed by its index in the layer; stable neurons have none.
    """

    preactivations: list
    indicators: tuple


def encode_hidden(
    block, net: ReluMLP, lower: Sequence, upper: Sequence, inputs: Sequence, *, layers: int, relax: bool = False
) -> HiddenLayers:
    """Encode the first ``layers`` hidden layers on ``block``; return the next pre-activations and the indicators.

    Parameters
    ----------
    block
        Pyomo block receiving ``h<k>``/``s<k>`` variables and ``relu<k>`` constraints.
    lower, upper
        Pre-activation bounds of at least the first ``layers`` layers.
    inputs
        The net's input variables or expressions.
    layers
        How many hidden layers to encode (``len(net.weights) - 1`` for all).
    relax
        Continuous ``s`` in [0, 1] instead of binaries (the LP relaxation).
    """
    needed = _needed(net, upper, layers)
    h, indicators = list(inputs), []
    mark_built(block)  # its indicators are the net's own, not the user's
    for k in range(layers):
        zhat = [_affine(net.weights[k][:, j], net.biases[k][j], h) for j in range(net.weights[k].shape[1])]
        lo, hi = np.asarray(lower[k]), np.asarray(upper[k])
        unstable = [j for j in range(len(zhat)) if needed[k][j] and lo[j] < 0 < hi[j]]
        hk = pyo.Var(unstable, bounds={j: (0.0, float(hi[j])) for j in unstable})
        sk = pyo.Var(unstable, domain=pyo.UnitInterval if relax else pyo.Binary)
        block.add_component(f"h{k}", hk)
        block.add_component(f"s{k}", sk)
        indicators.append(sk)
        relu = pyo.ConstraintList()
        block.add_component(f"relu{k}", relu)
        for j in unstable:
            relu.add(hk[j] >= zhat[j])
            relu.add(hk[j] <= zhat[j] - float(lo[j]) * (1 - sk[j]))
            relu.add(hk[j] <= float(hi[j]) * sk[j])
        h = [hk[j] if j in hk else (zhat[j] if needed[k][j] and lo[j] >= 0 else 0.0) for j in range(len(zhat))]
    out = [_affine(net.weights[layers][:, j], net.biases[layers][j], h) for j in range(net.weights[layers].shape[1])]
    return HiddenLayers(out, tuple(indicators))


def encode_layers(
    block, net: ReluMLP, lower: Sequence, upper: Sequence, inputs: Sequence, *, layers: int, relax: bool = False
) -> list:
    """Encode the first ``layers`` hidden layers on ``block``; return the pre-activations of layer ``layers``.

    The same as :func:`encode_hidden` (see its parameters), for callers that need only the pre-activations.
    """
    return encode_hidden(block, net, lower, upper, inputs, layers=layers, relax=relax).preactivations


def _needed(net: ReluMLP, upper: Sequence, layers: int) -> list[np.ndarray]:
    """Per hidden layer ``k < layers``: which neurons can change layer ``layers``'s pre-activations.

    A neuron is not needed when it is always inactive (``u <= 0``) or when
    every neuron it feeds with a nonzero weight is itself not needed; it is
    then left out like an inactive one (a collapsed net keeps no binary).
    """
    targets = np.ones(net.weights[layers].shape[1], dtype=bool)
    needed: list[np.ndarray] = []
    for k in range(layers - 1, -1, -1):
        feeds = (np.abs(net.weights[k + 1]) @ targets.astype(float)) > 0
        targets = feeds & (np.asarray(upper[k]) > 0)
        needed.insert(0, targets)
    return needed


def pruned_binaries(net: ReluMLP, bounds) -> int:
    """The binaries of the pruned encoding of ``net`` under ``bounds`` (a :class:`~surrogate.milp.bounds.NetBounds`):
    its unstable neurons (``l < 0 < u``) that can change the output, one each."""
    layers = len(net.weights) - 1
    needed = _needed(net, bounds.upper[:layers], layers)
    return int(sum(np.sum(keep & (lo < 0) & (hi > 0)) for keep, (lo, hi) in zip(needed, bounds.hidden)))


def build_pruned(block, net: ReluMLP, bounds, *, scaling: NetScaling | None = None) -> tuple:
    """Fill ``block`` with ``inputs``, ``outputs`` and the pruned big-M encoding of ``net`` under ``bounds``.

    ``bounds`` is a :class:`~surrogate.milp.bounds.NetBounds` of ``net``; the
    inputs are bounded by its box, the output by its last layer's bounds; ``scaling`` (default
    :func:`~surrogate.milp.output_scale.net_scaling` of them) writes tiny inputs and layers times powers of two,
    ``block.inputs`` then being the net's inputs times ``scaling.inputs``.
    Returns the binary indicators, one indexed variable per hidden layer
    (see :attr:`HiddenLayers.indicators`).
    """
    n_in, n_out = net.weights[0].shape[0], net.weights[-1].shape[1]
    if scaling is None:
        scaling = net_scaling(net, bounds.box, bounds.lower, bounds.upper)
    box = scaling.box(bounds.box)
    # dicts, not lambdas: Pyomo keeps a component's rule, and a model holding a lambda does not pickle
    block.inputs = pyo.Var(range(n_in), bounds={i: box[i] for i in range(n_in)})
    scale = scaling.layers[-1]
    block.outputs = pyo.Var(
        range(n_out),
        bounds={j: output_variable_bounds(bounds.lower[-1][j], bounds.upper[-1][j], scale) for j in range(n_out)},
    )
    # inputs and layers of tiny values written times exact powers of two, the output tied to its variable by a row
    # times its scale: the solver's tolerance then holds each at its own scale (see surrogate.milp.output_scale)
    lower, upper = scaled_bounds(bounds.lower, bounds.upper, scaling.layers)
    hidden = encode_hidden(
        block, scaling.net(net), lower, upper, [block.inputs[i] for i in range(n_in)], layers=len(net.weights) - 1
    )
    out = hidden.preactivations
    block.output_layer = pyo.Constraint(range(n_out), rule={j: scale * block.outputs[j] == out[j] for j in range(n_out)})
    if scale != 1.0:  # the output's own bounds, held at its scale (its variable's may be looser: output_variable_bounds)
        # a constant output (every neuron pruned) is held by output_layer alone: its bounds row would be a bare bool
        rows = {j: (float(lower[-1][j]), out[j], float(upper[-1][j])) for j in range(n_out) if not _constant(out[j])}
        block.output_bounds = pyo.Constraint(list(rows), rule=rows)
    block.envelope = pyo.ConstraintList()
    for plane in bounds.envelope:  # a x_i = (a / s_i) v_i + a c_i: a slope per input over its scale, its shift added
        slopes = [a / s for a, s in zip(plane.slope, scaling.inputs)]
        offset = plane.offset + sum(a * c for a, c in zip(plane.slope, scaling.shifts))
        rhs = scale * (sum(a * block.inputs[i] for i, a in enumerate(slopes)) + offset)
        block.envelope.add(scale * block.outputs[0] >= rhs if plane.side == "lower" else scale * block.outputs[0] <= rhs)
    return hidden.indicators
