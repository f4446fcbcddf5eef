"""Encoding a ReLU MLP as mixed-integer constraints with OMLT.

The one entry point is :func:`add_surrogate`: it adds an ``OmltBlock`` to a
Pyomo block, ties the net's two inputs to the given variables, and returns an
:class:`EncodedSurrogate` that reports its size and, after a solve, how far
the MILP's output is from the real net and from x*y.

Formulations (OMLT classes):

``bigm`` (:class:`omlt.neuralnet.ReluBigMFormulation`)
    For every hidden neuron with pre-activation ``zhat = w^T h + b`` in
    ``[l, u]`` (interval bounds propagated from the input box), a binary
    ``s`` and

    .. math::

        z \\ge 0,\\quad z \\ge \\hat z,\\quad z \\le \\hat z - l(1 - s),\\quad z \\le u s.

``partition`` (:class:`omlt.neuralnet.ReluPartitionFormulation`)
    Splits the weighted sum of each neuron into 2 partitions and writes the
    ReLU as a disjunction over them (tighter, more continuous variables).

``fullspace`` (:class:`omlt.neuralnet.FullSpaceNNFormulation`)
    OMLT's generic full-space formulation; its default ReLU constraint is
    the same big-M as above.

``pruned`` (:mod:`surrogate.milp.pruned`)
    The big-M above with ``l, u`` from :func:`surrogate.milp.bounds.net_bounds`
    (``bounds='milp'`` by default: MILP-based bound tightening, computed once
    per net and stored with it), and no binary for stable neurons: always
    inactive ones are removed and always active ones become linear, as are
    neurons whose every path to the output is cut by an inactive one. The
    bounds' envelope planes (``output >= a.x + c``...) are added as valid
    inequalities. OMLT adds a binary for every ReLU whatever its bounds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyomo.environ as pyo

from ..errors import FormulationError, ModelFormatError
from ..nets.network import ReluMLP
from .bounds import NetBounds, fingerprint
from .bounds import net_bounds as net_bounds_of
from .model_size import ModelSize, model_size
from .pruned import build_pruned

#: Bound method of the ``pruned`` formulation when none is given.
DEFAULT_BOUNDS = "milp"
#: The formulation used when none is given: the fastest in ``surrogate bench solve-time`` (see README).
DEFAULT_FORMULATION = "pruned"


def _formulations():
    from omlt.neuralnet import FullSpaceNNFormulation, ReluBigMFormulation, ReluPartitionFormulation

    return {
        "bigm": ReluBigMFormulation,
        "partition": ReluPartitionFormulation,
        "fullspace": FullSpaceNNFormulation,
    }


FORMULATIONS: tuple[str, ...] = ("bigm", "partition", "fullspace", "pruned")
#: OMLT's formulations derive their own interval bounds; only ``pruned`` takes ``bounds=``.
OMLT_FORMULATIONS: tuple[str, ...] = ("bigm", "partition", "fullspace")


def check_formulation(name: str) -> str:
    """Return ``name`` if it is a known MILP formulation, else raise :class:`FormulationError`."""
    if name not in FORMULATIONS:
        hint = ""
        if isinstance(name, str) and "complementarity" in name.lower():
            hint = " (the complementarity formulation is an NLP, which HiGHS cannot solve)"
        raise FormulationError(
            f"unknown formulation {name!r}{hint}; choose one of {', '.join(FORMULATIONS)}"
        )
    return name


def to_omlt_network(net: ReluMLP, input_bounds: Sequence[tuple[float, float]] | None = None):
    """Build OMLT's ``NetworkDefinition`` (dense layers, ReLU hidden, linear output) from ``net``.

    ``input_bounds`` defaults to the net's :attr:`~surrogate.nets.network.ReluMLP.domain`.
    """
    from omlt.neuralnet import NetworkDefinition
    from omlt.neuralnet.layer import DenseLayer, InputLayer

    n_in = net.weights[0].shape[0]
    input_bounds = net.domain if input_bounds is None else input_bounds
    if len(input_bounds) != n_in:
        raise ModelFormatError(f"{len(input_bounds)} input bounds given for a net with {n_in} inputs")
    network = NetworkDefinition(scaled_input_bounds={i: tuple(map(float, b)) for i, b in enumerate(input_bounds)})
    previous = InputLayer([n_in])
    network.add_layer(previous)
    last = len(net.weights) - 1
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        layer = DenseLayer(
            [w.shape[0]], [w.shape[1]], w, b, activation="linear" if i == last else "relu"
        )
        network.add_layer(layer)
        network.add_edge(previous, layer)
        previous = layer
    return network


@dataclass(frozen=True)
class SurrogateErrorReport:
    """Errors at the current variable values (filled in by a solve)."""

    x: float
    y: float
    milp_output: float
    net_output: float
    true_product: float

    @property
    def vs_net(self) -> float:
        """|MILP output - net(x, y)|: zero up to solver tolerances for an exact encoding."""
        return abs(self.milp_output - self.net_output)

    @property
    def vs_product(self) -> float:
        """|MILP output - x*y|: the approximation error the optimiser actually sees."""
        return abs(self.milp_output - self.true_product)


class EncodedSurrogate:
    """A net embedded in a Pyomo model; returned by :func:`add_surrogate`.

    Attributes
    ----------
    block
        The ``OmltBlock`` holding the encoding.
    output
        The Pyomo variable that equals the net's output, z = N(x, y).
    """

    def __init__(self, block, net: ReluMLP, formulation: str, inputs, bounds=None):
        self.block = block
        self.net = net
        self.formulation = formulation
        self.inputs = tuple(inputs)
        self.output = block.outputs[0]
        #: The :class:`~surrogate.milp.bounds.NetBounds` used (``None`` for OMLT's formulations).
        self.bounds = bounds

    def size(self) -> ModelSize:
        """Variables, binaries and constraints this encoding added (links included)."""
        return model_size(self.block)

    def evaluate(self, x: float, y: float) -> float:
        """The real net at ``(x, y)``."""
        return float(self.net.forward(np.array([[x, y]]))[0])

    def get_error(self) -> SurrogateErrorReport:
        """Compare the MILP's output with the real net and with x*y at the current values.

        Call after a solve has loaded a solution.
        """
        values = [pyo.value(v, exception=False) for v in self.inputs]
        out = pyo.value(self.output, exception=False)
        if out is None or any(v is None for v in values):
            raise ModelFormatError(
                f"surrogate block {self.block.name!r} has no values yet; solve the model (and load the solution) first"
            )
        return SurrogateErrorReport(values[0], values[1], float(out), self.evaluate(*values), float(values[0] * values[1]))


def _as_net(net_or_path: ReluMLP | str | os.PathLike) -> ReluMLP:
    if isinstance(net_or_path, ReluMLP):
        return net_or_path
    if isinstance(net_or_path, (str, os.PathLike)):
        from ..nets.onnx_io import load_onnx

        return load_onnx(Path(net_or_path))
    raise ModelFormatError(
        f"cannot use {type(net_or_path).__name__} as a surrogate; pass a ReluMLP or the path of an ONNX file"
    )


def add_surrogate(
    parent,
    net: ReluMLP | str | os.PathLike,
    inputs: Sequence,
    *,
    formulation: str = DEFAULT_FORMULATION,
    bounds: str | NetBounds | None = None,
    name: str = "surrogate",
    input_bounds: Sequence[tuple[float, float]] | None = None,
) -> EncodedSurrogate:
    """Add ``z = N(x, y)`` to ``parent`` as MILP constraints.

    Parameters
    ----------
    parent
        A Pyomo ``ConcreteModel`` or block to add the encoding to.
    net
        A :class:`ReluMLP` or the path of an ONNX file: 2 inputs, 1 output.
    inputs
        The two Pyomo variables (or expressions) fed to the net. They must
        stay within ``input_bounds``, the box that the layer bounds (and so
        every big-M constant) are computed from.
    input_bounds
        That box; by default the net's :attr:`~surrogate.nets.network.ReluMLP.domain`
        (its ``domain`` metadata, [-1, 1]^2 for a net that declares none).
        A box beyond the domain is encoded exactly, but the net is then
        extrapolating.
    formulation
        ``'pruned'``, ``'bigm'``, ``'partition'`` or ``'fullspace'`` (see the module docstring).
    bounds
        For ``'pruned'`` only: a bound method (``'interval'``, ``'lp'``,
        ``'milp'``; default ``'milp'``) or a :class:`~surrogate.milp.bounds.NetBounds`
        computed for this net on ``input_bounds``.
    name
        Component name of the new block on ``parent``.

    Raises
    ------
    ModelFormatError
        A net without 2 inputs and 1 output, or the wrong number of inputs.
    """
    formulation = check_formulation(formulation)
    net = _as_net(net).check_product_net(f"surrogate {name!r}")
    input_bounds = net.domain if input_bounds is None else input_bounds
    net_bounds = _resolve_bounds(net, formulation, bounds, input_bounds)
    if len(inputs) != net.weights[0].shape[0]:
        raise ModelFormatError(
            f"surrogate {name!r}: {len(inputs)} inputs given but the net takes {net.weights[0].shape[0]}"
        )
    if parent.component(name) is not None:
        raise ModelFormatError(f"{parent.name!r} already has a component named {name!r}; pass another name=")
    block = _build_block(parent, name, net, formulation, net_bounds, input_bounds)
    block.input_links = pyo.Constraint(range(len(inputs)), rule=lambda b, i: b.inputs[i] == inputs[i])
    return EncodedSurrogate(block, net, formulation, inputs, net_bounds)


def _build_block(parent, name: str, net: ReluMLP, formulation: str, net_bounds, input_bounds):
    """The encoding of ``net`` as ``parent.<name>``: a pruned block, or OMLT's on ``input_bounds``."""
    if formulation == "pruned":
        block = pyo.Block()
        parent.add_component(name, block)
        build_pruned(block, net, net_bounds)
        return block
    from omlt import OmltBlock

    block = OmltBlock()
    parent.add_component(name, block)
    block.build_formulation(_formulations()[formulation](to_omlt_network(net, input_bounds)))
    return block


def _resolve_bounds(net: ReluMLP, formulation: str, bounds, input_bounds) -> NetBounds | None:
    """The :class:`NetBounds` a ``pruned`` encoding uses (``None`` for OMLT's formulations)."""
    if formulation in OMLT_FORMULATIONS:
        if bounds is not None:
            raise FormulationError(
                f"formulation {formulation!r} takes OMLT's interval bounds and ignores bounds={bounds!r}; "
                "use formulation='pruned' to encode with tightened bounds"
            )
        return None
    box = tuple((float(lo), float(hi)) for lo, hi in input_bounds)
    if bounds is None or isinstance(bounds, str):
        return net_bounds_of(net, bounds or DEFAULT_BOUNDS, box=box)
    if not isinstance(bounds, NetBounds):
        raise FormulationError(f"bounds={bounds!r} must be a bound method name or a NetBounds; e.g. bounds='milp'")
    if bounds.fingerprint != fingerprint(net) or bounds.box != box:
        raise FormulationError(
            f"the NetBounds given were computed for another net or box ({bounds.box}); compute them for this net "
            "with surrogate.milp.bounds.net_bounds(net, method, box=input_bounds)"
        )
    return bounds
