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

import logging
import os
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
import pyomo.environ as pyo

from ..errors import ConfigError, FormulationError, ModelFormatError
from ..nets.network import ReluMLP
from ..nets.onnx_domain import box_given
from ..nets.zoo import net_argument, resolve_surrogate
from .bounds import NetBounds, fingerprint
from .bounds import net_bounds as net_bounds_of
from .bounds_interval import check_box
from .built_marks import mark_built, mark_defines, removed_on_failure
from .encoding_inputs import check_inputs, warn_beyond
from .formulations import DEFAULT_BOUNDS, DEFAULT_FORMULATION, FORMULATIONS, OMLT_FORMULATIONS, check_formulation  # noqa: F401 (re-exported)
from .interface import EncodedProduct, ProductError
from .large_values import check_below_infinity, warn_large_values
from .model_components import check_extendable
from .model_size import ModelSize, model_size  # noqa: F401 (re-exported: part of this module's API)
from .net_drift import mark_net
from .output_scale import check_thin_layers, net_scaling, output_variable_bounds, warn_tiny_output
from .pruned import build_pruned
from .solve_arguments import check_block_name, check_model


def _formulations():
    from omlt.neuralnet import FullSpaceNNFormulation, ReluBigMFormulation, ReluPartitionFormulation

    return {
        "bigm": ReluBigMFormulation,
        "partition": ReluPartitionFormulation,
        "fullspace": FullSpaceNNFormulation,
    }


def to_omlt_network(net: ReluMLP | str, *, input_bounds: Sequence[tuple[float, float]] | None = None):
    """Build OMLT's ``NetworkDefinition`` (dense layers, ReLU hidden, linear output) from ``net``.

    ``net`` may be an ONNX path or a zoo name (:func:`~surrogate.nets.zoo.net_argument`); ``input_bounds`` defaults
    to the net's :attr:`~surrogate.nets.network.ReluMLP.domain`.

    Parameters
    ----------
    net
        A :class:`~surrogate.nets.network.ReluMLP`, an ONNX path or a zoo name.
    input_bounds
        One ``(lower, upper)`` pair per input (``None``: the net's domain), checked as :func:`add_surrogate`'s
        (:class:`~surrogate.errors.ConfigError` for a reversed, non-finite or wrong-length box).

    Returns
    -------
    omlt.neuralnet.NetworkDefinition
        The net as OMLT's layers, its scaled input bounds ``input_bounds``.
    """
    from omlt.neuralnet import NetworkDefinition
    from omlt.neuralnet.layer import DenseLayer, InputLayer

    net = net_argument(net, "to_omlt_network")
    n_in = net.weights[0].shape[0]
    input_bounds = check_box(input_bounds, net)
    network = NetworkDefinition(scaled_input_bounds=dict(enumerate(input_bounds)))
    previous = InputLayer([n_in])
    network.add_layer(previous)
    last = len(net.weights) - 1
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        layer = DenseLayer([w.shape[0]], [w.shape[1]], w, b, activation="linear" if i == last else "relu")
        network.add_layer(layer)
        network.add_edge(previous, layer)
        previous = layer
    return network


#: The errors an :class:`EncodedSurrogate` reports: one class with every encoded product's (``milp_output`` is ``z``,
#: ``net_output`` is ``net_z``).
SurrogateErrorReport = ProductError


class EncodedSurrogate(EncodedProduct):
    """A net embedded in a Pyomo model; returned by :func:`add_surrogate` (an :class:`~surrogate.milp.interface.EncodedProduct`).

    Attributes
    ----------
    block
        The block holding the encoding (an ``OmltBlock`` for OMLT's formulations). Its ``block.inputs`` are the net's
        inputs as encoded: on a tiny or narrow box, the user's less a shift and times a power of two
        (:func:`~surrogate.milp.output_scale.input_map`); read the user's own through :attr:`inputs`.
    inputs
        The two Pyomo variables (or expressions) fed to the net.
    output
        The Pyomo variable that equals the net's output, z = N(x, y).
    net
        The :class:`~surrogate.nets.network.ReluMLP` encoded.
    formulation
        The formulation's name (see :data:`FORMULATIONS`).
    bounds
        The :class:`~surrogate.milp.bounds.NetBounds` used (``None`` for OMLT's formulations).
    indicators
        For ``'pruned'``: the binary indicators as the formulation declared them, one indexed
        variable per hidden layer keyed by neuron (:attr:`surrogate.milp.pruned.HiddenLayers.indicators`);
        ``None`` for OMLT's formulations.
    """

    def __init__(self, block, net: ReluMLP, formulation: str, inputs, bounds=None, *, indicators=None):
        self.block = block
        self.net = net
        self.formulation = formulation
        self.inputs = tuple(inputs)
        self.output = _output_of(block)
        self.bounds = bounds
        self.indicators = None if indicators is None else tuple(indicators)

    @property
    def binaries(self) -> tuple[dict, ...]:
        """The binaries, ``{neuron: VarData}`` per hidden layer for ``'pruned'`` (see :class:`~surrogate.milp.interface.EncodedProduct`)."""
        if self.indicators is None:
            return super().binaries
        return tuple(dict(layer.items()) for layer in self.indicators)

    def evaluate(self, x: float, y: float) -> float:
        """The real net at ``(x, y)``."""
        return float(self.net.forward(np.array([[x, y]]))[0])

    def get_error(self) -> ProductError:
        """Compare the MILP's output with the real net and with x*y at the current values.

        Call after a solve has loaded a solution.
        """
        values = [pyo.value(v, exception=False) for v in self.inputs]
        out = pyo.value(self.output, exception=False)
        if out is None or any(v is None for v in values):
            raise ModelFormatError(
                f"surrogate block {self.block.name!r} has no values yet; solve the model (and load the solution) first"
            )
        return ProductError(values[0], values[1], float(out), self.evaluate(*values), float(values[0] * values[1]))


def _as_net(net_or_path: ReluMLP | str | os.PathLike, box=None) -> ReluMLP:
    """The net of ``net_or_path``: a net, an ONNX path or a zoo name, as every entry point takes it; with ``box``
    (the caller's input box) a file's missing domain is not warned of (:func:`~surrogate.nets.onnx_domain.box_given`)."""
    with box_given(box is not None):  # the caller's box: a file's missing domain is not guessed
        return resolve_surrogate(net_or_path)


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
    parent, name
        A Pyomo ``ConcreteModel`` or block to add the encoding to, and the name of its new block there (one not taken).
    net
        A :class:`ReluMLP`, an ONNX path or a zoo name (``'3x8'``; :func:`~surrogate.nets.zoo.resolve_surrogate`): 2 in, 1 out.
    inputs
        The two Pyomo variables (or expressions) fed to the net, kept within ``input_bounds`` (every big-M comes from it).
    input_bounds
        That box; by default the net's :attr:`~surrogate.nets.network.ReluMLP.domain` ([-1, 1]^2 for a net that declares
        none, which an ONNX file made elsewhere is warned of unless this is given). A box beyond the domain is encoded
        exactly, but the net then extrapolates; on a wide one a solve warns where the solver's tolerance lets the
        output stray from the net (:mod:`~surrogate.milp.net_drift`).
    formulation
        ``'pruned'``, ``'bigm'``, ``'partition'`` or ``'fullspace'`` (the module docstring).
    bounds
        For ``'pruned'`` only: a bound method (``'interval'``, ``'lp'``, ``'milp'``, the default) or a
        :class:`~surrogate.milp.bounds.NetBounds` for this net on ``input_bounds``. ``'milp'`` solves two MILPs per
        unstable neuron (minutes for a 2-64-64-1 net): for a wide net pass ``'lp'`` or ``'interval'``, or store the
        bounds in its file once (:func:`~surrogate.milp.bounds.with_stored_bounds`, then ``export_onnx``).

    Returns
    -------
    EncodedSurrogate
        The encoding: its block, net, inputs and output variable, ``size()`` and, after a solve, ``get_error()``.

    Raises
    ------
    ConfigError, FormulationError, ModelFormatError
        No Pyomo model or block, or an option of the wrong type or value; an unknown ``formulation``; a net without 2
        inputs and 1 output, the wrong number of inputs, ``name`` taken, OMLT's on thin intervals (``check_thin_layers``),
        or a file's net unlike onnxruntime's on ``input_bounds`` beyond its domain (``ReluMLP.check_import_on``).

    Warns
    -----
    DomainWarning
        An input whose bounds reach beyond ``input_bounds`` (or has none): the encoding keeps it within them.
    NumericsWarning
        A net whose values on the box are too small or too large for a solver's tolerances (:mod:`.output_scale`).
    """
    check_model("add_surrogate", parent, name="parent"), check_extendable(parent), check_block_name("add_surrogate", name)
    formulation = check_formulation(formulation)
    net = _as_net(net, input_bounds).check_product_net(f"surrogate {name!r}")
    inputs = check_inputs(inputs, net.weights[0].shape[0], f"surrogate {name!r}")
    input_bounds = _checked_beyond(net, check_box(input_bounds, net), name)  # every formulation's big-M come from it
    net_bounds = _resolve_bounds(net, formulation, bounds, input_bounds)
    block, indicators = _build_linked(parent, name, net, formulation, net_bounds, input_bounds, inputs)
    return EncodedSurrogate(block, net, formulation, inputs, net_bounds, indicators=indicators)


def _checked_beyond(net: ReluMLP, box, name: str):
    """``box``, a net read from an ONNX file checked against onnxruntime on it where it reaches beyond the net's domain
    (:meth:`~surrogate.nets.network.ReluMLP.check_import_on`; load_onnx checked the domain only: probe129 #2)."""
    if all(lo >= d_lo and hi <= d_hi for (lo, hi), (d_lo, d_hi) in zip(box, net.domain)):
        return box
    try:
        net.check_import_on(box)
    except ModelFormatError as exc:
        raise ModelFormatError(
            f"surrogate {name!r}: input_bounds {[list(side) for side in box]} reach beyond the net's domain "
            f"{[list(side) for side in net.domain]}, and there {exc}"
        ) from None
    return box


def _build_linked(parent, name: str, net, formulation: str, net_bounds, input_bounds, inputs):
    """:func:`_build_block`, its inputs tied to ``inputs``, its output marked (:func:`~surrogate.milp.built_marks.mark_defines`),
    and the warnings of its inputs' bounds and its values given: ``(block, indicators)``; nothing is left on a failure,
    and nothing is built under a name taken."""
    if parent.component(name) is not None:
        raise ModelFormatError(f"{parent.name!r} already has a component named {name!r}; pass another name=")
    layers = _layer_bounds(net, net_bounds, input_bounds)
    check_below_infinity(
        f"surrogate {name!r}", *layers, "values no solver's tolerances tell apart (HiGHS and SCIP would refuse its rows)"
    )
    scaling = net_scaling(net, input_bounds, *layers)
    with removed_on_failure(parent, name):
        block, indicators = _build_block(parent, name, net, formulation, net_bounds, input_bounds, scaling, layers)
        maps = list(zip(inputs, scaling.inputs, scaling.shifts))  # a tiny or narrow box: (x - c) times 2**k (output_scale)
        links = {i: block.inputs[i] == (x if s == 1.0 and not c else s * x - s * c) for i, (x, s, c) in enumerate(maps)}
        block.input_links = pyo.Constraint(range(len(inputs)), rule=links)
    mark_defines(block, [_output_of(block)])  # known as the encoding's output once the block is gone with its model
    # the net is checked at the block's own inputs, not at ``inputs``: replace_products may later write an input's
    # product as a surrogate of its own, which the link then ties the block to (probe138 #1)
    own = [block.inputs[i] if s == 1.0 and not c else block.inputs[i] / s + c for i, (_, s, c) in enumerate(maps)]
    scales = [(s, c) for _, s, c in maps]  # every checked solve compares the two, and checks a constant input's row
    mark_net(block, net, own, _output_of(block), given=inputs, box=input_bounds, maps=scales)
    warn_beyond(name, inputs, input_bounds)
    warn_tiny_output(name, net, *layers, box=input_bounds, scaling=scaling)
    warn_large_values(name, *layers)
    return block, indicators


def _build_block(parent, name: str, net: ReluMLP, formulation: str, net_bounds, input_bounds, scaling, layers):
    """The encoding of ``net`` as ``parent.<name>``: a pruned block, or OMLT's on ``input_bounds``; its tiny inputs and
    layers written times the powers of two of ``scaling`` (:func:`~surrogate.milp.output_scale.net_scaling`), from the
    layers' bounds ``layers`` (``(lower, upper)``: :func:`_layer_bounds`).

    Returns the block and the pruned formulation's indicators per hidden layer (``None`` for OMLT's).
    """
    if formulation == "pruned":
        block = pyo.Block()
        parent.add_component(name, block)
        mark_built(block)  # its binaries are the net's own, not the user's
        return block, build_pruned(block, net, net_bounds, scaling=scaling)
    from omlt import OmltBlock

    check_thin_layers(name, formulation, *layers, scaling)
    block = OmltBlock()
    parent.add_component(name, block)
    mark_built(block)
    network = to_omlt_network(scaling.net(net), input_bounds=scaling.box(input_bounds))
    with _quiet_start_values():
        block.build_formulation(_formulations()[formulation](network))
    if scaling.layers[-1] != 1.0:  # the row that ties them is written times 2**k too: it holds the output at its own scale
        lower, upper = layers
        block.unscaled_output = pyo.Var(bounds=output_variable_bounds(lower[-1][0], upper[-1][0], scaling.layers[-1]))
        block.output_scale = pyo.Constraint(expr=scaling.layers[-1] * block.unscaled_output == block.outputs[0])
    return block, None


def _output_of(block):
    """The variable that equals the net's output in an encoding ``block``: its ``outputs[0]``, or, for OMLT's encoding of
    a tiny output (:func:`~surrogate.milp.output_scale.output_scale`), the variable tied to it."""
    unscaled = block.component("unscaled_output")
    return block.outputs[0] if unscaled is None else unscaled


def _layer_bounds(net: ReluMLP, net_bounds, input_bounds) -> tuple:
    """The bounds of every layer of ``net`` on ``input_bounds``: ``net_bounds``' (pruned), else interval bounds (OMLT's)."""
    box = tuple((float(lo), float(hi)) for lo, hi in input_bounds)
    bounds = net_bounds if net_bounds is not None else net_bounds_of(net, "interval", box=box)
    return bounds.lower, bounds.upper


class _StartValueFilter(logging.Filter):
    """Drops Pyomo's W1002 ("Setting Var ... to a numeric value outside the bounds"): OMLT starts its
    scaled inputs at 0 on a box without 0, which says nothing about the user's model."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "id", None) != "W1002"


@contextmanager
def _quiet_start_values():
    """Pyomo's W1002 warnings left out while OMLT builds a formulation (:class:`_StartValueFilter`)."""
    logger, quiet = logging.getLogger("pyomo.core"), _StartValueFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


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
        raise ConfigError(f"bounds={bounds!r} must be a bound method name or a NetBounds; e.g. bounds='milp'")
    if bounds.fingerprint != fingerprint(net) or bounds.box != box:
        raise FormulationError(
            f"the NetBounds given were computed for another net or box ({bounds.box}); compute them for this net "
            "with surrogate.milp.bounds.net_bounds(net, method, box=input_bounds)"
        )
    return bounds
