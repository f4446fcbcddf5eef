"""ONNX export (:mod:`~surrogate.nets.onnx_writer`) and import (OMLT's parser) of ReLU MLPs.

Export writes one self-contained ``.onnx`` file with a dynamic batch
dimension and the net's metadata in the model's ``metadata_props``; every
export is checked against onnxruntime before it is written. Import parses the
file with OMLT's ONNX parser and checks that it is a 2-input, 1-output ReLU
MLP before returning a framework-free :class:`~surrogate.nets.network.ReluMLP`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import NoReturn

import numpy as np

from ..errors import ArchitectureError, ExportError, ModelFormatError
from ..files import write_bytes
from ..reproducible import pinned
from .network import DOMAIN_KEY, ReluMLP, check_metadata_keys, check_net, parse_domain, plain_json, unit_box
from .onnx_affine import AFFINE_OPS, affine_problem
from .onnx_domain import METADATA_PREFIX, warn_domain_spellings, warn_missing_domain
from .onnx_files import (
    PRECISION_KEY,
    below_float32,
    export_path,
    in_float64,
    missing_external_data,
    model_bytes,
    path_argument,
)
from .onnx_graph import check_import, float32_forward, normalise_graph
from .onnx_plain import plain_model
from .onnx_refusals import (
    REORDERING_OPS,
    dead_nodes_problem,
    input_relu_problem,
    input_type_problem,
    inputs_problem,
    ops_advice,
    reordering_problem,
    sort_nodes,
)
from .onnx_spellings import structure_problem
from .onnx_writer import relu_mlp_proto

EXPORT_TOLERANCE = 1e-6
#: The largest float32 value: an exported net's inputs and values are float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape an exported model or a result, and PyTorch's math code path.

    ``math_paths`` is ``'pinned'`` (:mod:`surrogate.reproducible`: the same
    training numbers on every x86-64 CPU with AVX2) or ``'native'``; a sweep's
    cache keys include it, so units trained one way are never reused for the other.
    """
    names = ("surrogate", "torch", "onnx", "onnxruntime", "omlt", "pyomo", "highspy")
    out = {}
    for name in names:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["math_paths"] = "pinned" if pinned() else "native"
    return out


def check_against_onnxruntime(model_bytes: bytes, net: ReluMLP, *, points: int = 1000, seed: int = 0) -> float:
    """Largest |onnxruntime - float32 net| over random points of the net's domain, relative to
    the largest value a layer takes there (:meth:`~surrogate.nets.network.ReluMLP.magnitude`)."""
    import onnxruntime as ort

    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    low, high = np.array(net.domain).T
    x = rng.uniform(low, high, size=(points, len(low))).astype(np.float32)
    got = session.run(None, {session.get_inputs()[0].name: x})[0].reshape(points, -1)
    want = float32_forward(net, x)
    with np.errstate(invalid="ignore"):  # inf - inf: nan, which the caller names
        return float(np.abs(got - want).max()) / max(net.magnitude(x), 1e-300)


def _check_export(data: bytes, net: ReluMLP, path) -> None:
    """Raise :class:`ExportError` unless onnxruntime reproduces ``net`` from the ONNX bytes ``data`` (to be written
    to ``path``) within :data:`EXPORT_TOLERANCE`, and no layer's value can pass float32's largest on its domain."""
    bound = net.value_bound()  # inf where a weight does not fit float32: then the float32 net cannot even be formed
    diff = check_against_onnxruntime(data, net) if bound <= FLOAT32_MAX else np.inf
    if not (np.isfinite(diff) and bound <= FLOAT32_MAX):
        raise ExportError(
            f"ONNX export of {net.architecture} to {path}: onnxruntime's float32 values can be non-finite on the net's "
            f"domain {list(map(list, net.domain))}: a weight or a layer's value there can pass float32's largest value "
            f"({FLOAT32_MAX:.8g}; the layers' interval bound there is {bound:.8g}); nothing was written. Rescale the net "
            "(or its domain) so that its values fit float32."
        )
    if not diff <= EXPORT_TOLERANCE:
        raise ExportError(
            f"ONNX export of {net.architecture} to {path}: onnxruntime differs from the net by {diff:.3g} of the "
            f"largest value a layer takes > {EXPORT_TOLERANCE:g}; nothing was written. Check the net's weights are finite."
        )


def export_onnx(net: ReluMLP, path: str | os.PathLike, *, metadata: dict | None = None) -> Path:
    """Write ``net`` to ``path`` as one self-contained ONNX file, atomically.

    The file is written only after onnxruntime reproduces the net on 1,000 random points of its domain within
    :data:`EXPORT_TOLERANCE`, relative to the largest value a layer takes there (float32 rounding). It is refused
    where a layer's float32 value can pass float32's largest value anywhere on the domain (an interval bound,
    :meth:`~surrogate.nets.network.ReluMLP.value_bound`, not only at those points).

    Parameters
    ----------
    net
        The :class:`~surrogate.nets.network.ReluMLP` to write.
    path
        The file to write (a ``str`` or path object); missing folders above it are made.
    metadata
        Extra ``surrogate.*`` metadata by name, over the net's own (``None``: none). Values that are not strings are
        stored as JSON (numpy numbers and arrays as plain numbers and lists). A ``domain`` must pass the loader's rule
        (:func:`~surrogate.nets.network.parse_domain`); the check runs on it.

    Returns
    -------
    pathlib.Path
        ``path``, now holding the net.

    Raises
    ------
    ExportError
        If onnxruntime disagrees with the net, or the net's float32 values can overflow on its domain.
    ModelFormatError
        If ``path`` is a folder, empty or under a file, cannot be written, or
        the domain (of ``metadata``, else the net's) is malformed or reaches beyond float32's
        largest value (nothing is written).
    ConfigError
        If a key of ``metadata`` is not a string (nothing is written).
    """
    import onnx

    target = export_path(path)
    check_net(net, "export_onnx")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise ModelFormatError(f"export_onnx: metadata={metadata!r} must be a dict of names to values, e.g. {{'seed': 0}}")
    check_metadata_keys("export_onnx", metadata or {})
    net, metadata = _with_export_domain(net, metadata)
    proto = relu_mlp_proto(net)
    items = {k: v for k, v in {**net.metadata, **metadata}.items() if k != PRECISION_KEY}  # the file is float32
    for key, value in {**items, "versions": items.get("versions", package_versions())}.items():  # the net's own win
        text = value if isinstance(value, str) else json.dumps(plain_json(value), sort_keys=True)
        proto.metadata_props.add(key=METADATA_PREFIX + key, value=text)
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    _check_export(data, net, path)
    try:
        return write_bytes(target, data)
    except OSError as exc:  # its message names the hidden temporary file: name the user's path
        raise ModelFormatError(
            f"export_onnx: cannot write {os.fspath(path)!r} ({exc.strerror or exc}); check that its folder is writable"
        ) from None


def _with_export_domain(net: ReluMLP, metadata: dict | None) -> tuple[ReluMLP, dict]:
    """``net`` with the domain that ``metadata`` gives (else its own), and ``metadata`` without it.

    The domain is checked by the loader's rule (:func:`~surrogate.nets.network.parse_domain`) and must fit the
    float32 inputs of an ONNX net; one given as other than a string (numpy numbers or arrays too) is stored
    as JSON of plain floats. It is the domain the export check samples.

    Raises
    ------
    ModelFormatError
        If the domain is malformed or reaches beyond float32's largest value.
    """
    metadata = dict(metadata or {})
    given = DOMAIN_KEY in metadata
    value = metadata.pop(DOMAIN_KEY) if given else net.metadata.get(DOMAIN_KEY)
    if value is None and not given:
        return net, metadata
    if value is None:
        raise ModelFormatError(
            "export_onnx(metadata={'domain': None}): None is no domain; give [[x_lo, x_hi], [y_lo, y_hi]], or leave "
            "the key out to keep the net's own domain; nothing was written"
        )
    where = "export_onnx(metadata={'domain': ...})" if given else "export_onnx: the net's domain metadata"
    try:
        box = parse_domain(value, net.weights[0].shape[0])
    except ModelFormatError as exc:
        raise ModelFormatError(f"{where}: {exc}; nothing was written") from None
    largest = max(abs(bound) for side in box for bound in side)
    with np.errstate(over="ignore"):  # 3.4028235e38 rounds to the largest float32; 3.5e38 to inf
        beyond = not np.isfinite(np.float32(largest))
    if beyond:
        raise ModelFormatError(
            f"{where}: the domain {[list(side) for side in box]} reaches {largest:.3g}, beyond float32's largest "
            f"value {FLOAT32_MAX:.3g}, and an ONNX net takes float32 inputs; nothing was written. Rescale the "
            "factors so that the domain fits float32 (e.g. give x in thousands)"
        )
    written = net.with_import_check(None)  # the file written is checked when it is read, not against the net's source
    return written.with_metadata(**{DOMAIN_KEY: value if isinstance(value, str) else [list(side) for side in box]}), metadata


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``surrogate.*`` metadata of an ONNX file (prefix stripped).

    Parameters
    ----------
    path
        The ONNX file (a ``str`` or path object).

    Returns
    -------
    dict of str to str
        Each ``surrogate.<key>`` entry as ``key: value`` (values as stored: text).
    """
    return _metadata_of(_load_proto(path_argument(path, "read_metadata")))


def _metadata_of(proto) -> dict[str, str]:
    return {p.key[len(METADATA_PREFIX) :]: p.value for p in proto.metadata_props if p.key.startswith(METADATA_PREFIX)}


def _load_proto(path: Path):
    import onnx

    if not path.is_file():
        raise ModelFormatError(f"no ONNX file at {path}; check the path, or train one with 'surrogate sweep --save-models DIR'")
    if path.stat().st_size == 0:
        raise ModelFormatError(f"{path} is empty (0 bytes); re-export the net (export_onnx) or restore the file")
    try:
        proto = onnx.load(str(path))
    except Exception as exc:  # onnx raises DecodeError and friends; a side file of weights left behind: named
        problem = missing_external_data(path) or f"{path} is not a readable ONNX model ({exc}); re-export it"
        raise ModelFormatError(problem) from None
    proto = plain_model(proto, path)  # local functions inlined, sparse tensors stored dense
    if not proto.graph.node or not proto.graph.input:
        raise ModelFormatError(
            f"{path} holds no network (its graph has {len(proto.graph.node)} nodes and {len(proto.graph.input)} "
            "inputs); re-export the net with export_onnx"
        )
    return proto


_ALLOWED_OPS = {"Gemm", "MatMul", "Add", "Relu", "Identity", "Flatten", "Reshape"}


def _refuse_ops(path: Path, graph, ops: list[str], problem: str | None = None) -> NoReturn:
    """Refuse the net at ``path`` (its ``graph``) for the node types ``ops``, which no ReLU MLP holds once its affine
    maps are folded, with :func:`~surrogate.nets.onnx_refusals.ops_advice`; for ``problem`` instead where one is given
    (:func:`~surrogate.nets.onnx_spellings.structure_problem`)."""
    if problem:
        raise ModelFormatError(f"{path}: {problem}")
    raise ModelFormatError(
        f"{path}: the net uses {', '.join(ops)}, but surrogate encodes only ReLU MLPs (Gemm or MatMul+Add layers with "
        f"Relu between them, and constant per-feature scalings, which it folds into them); {ops_advice(graph, ops)}"
    )


def _parse_with_omlt(proto, path: Path):
    from omlt.io.onnx import load_onnx_neural_network

    graph_inputs = [i for i in proto.graph.input if i.name not in {t.name for t in proto.graph.initializer}]
    problem = inputs_problem(proto.graph, graph_inputs) or input_type_problem(graph_inputs[0])
    if problem:
        raise ModelFormatError(f"{path}: {problem}")
    dims = [d.dim_value for d in graph_inputs[0].type.tensor_type.shape.dim]
    if not dims or dims[-1] != 2:
        raise ModelFormatError(
            f"{path}: the net's input has shape {dims} (0 = dynamic) but a surrogate of x*y takes "
            "(batch, 2) inputs; export a net with exactly 2 inputs"
        )
    bad = sorted({node.op_type for node in proto.graph.node} - _ALLOWED_OPS)
    problem = dead_nodes_problem(proto.graph) or input_relu_problem(proto.graph, graph_inputs[0].name)
    if not problem and REORDERING_OPS & set(bad):  # e.g. (y, x) stored: a Gather or Slices + Concat first
        problem = reordering_problem(proto.graph, graph_inputs[0].name)
    if problem:
        raise ModelFormatError(f"{path}: {problem}")
    if not set(bad) <= AFFINE_OPS:  # another function: named first, unless the graph is no chain (layer halves joined)
        _refuse_ops(path, proto.graph, bad, structure_problem(proto.graph))
    # a layer no chain holds (W @ x, branches added or subtracted), or a scaling that could not be folded: named, not
    # read as an activation; the layer first (a bias after W @ x is no map left over: probe129 #6)
    problem = structure_problem(proto.graph) or affine_problem(proto.graph)
    if problem:
        raise ModelFormatError(f"{path}: {problem}")
    if bad:
        _refuse_ops(path, proto.graph, bad)
    try:
        return load_onnx_neural_network(proto, input_bounds=dict(enumerate(unit_box(2))))
    except (ValueError, TypeError, KeyError) as exc:
        raise ModelFormatError(f"{path}: OMLT cannot parse this net ({exc}); export a plain ReLU MLP") from exc


def _dense_layers(network, path: Path) -> list:
    """The layers of OMLT's ``network`` after its input: ReLU dense layers and a linear one of one output, or
    :class:`ModelFormatError` naming what else the file holds."""
    from omlt.neuralnet.layer import DenseLayer, InputLayer

    layers = [layer for layer in network.layers if not isinstance(layer, InputLayer)]
    if not all(isinstance(layer, DenseLayer) for layer in layers) or len(layers) < 2:
        raise ModelFormatError(f"{path}: expected a chain of at least two dense layers; export a plain ReLU MLP")
    acts = [layer.activation for layer in layers]
    if any(a != "relu" for a in acts[:-1]) or acts[-1] != "linear":
        raise ModelFormatError(
            f"{path}: layer activations are {acts}; surrogate needs ReLU on every hidden layer and a linear "
            "output; retrain or re-export the net in that form"
        )
    if layers[-1].output_size[-1] != 1:
        raise ModelFormatError(f"{path}: the net has {layers[-1].output_size[-1]} outputs; a surrogate of x*y has exactly one")
    return layers


def load_onnx(path: str | os.PathLike) -> ReluMLP:
    """Read a 2-input, 1-output ReLU MLP from an ONNX file.

    The net's :attr:`~surrogate.nets.network.ReluMLP.domain` is read from its ``surrogate.domain`` metadata
    ([-1, 1]^2 when the file declares none). A file that computes below float32's precision (float16) gets its type
    as the net's ``onnx_precision`` metadata (:func:`~surrogate.nets.onnx_files.below_float32`), which
    :func:`~surrogate.milp.certify.certified_error_bound` reads.

    Parameters
    ----------
    path
        The ONNX file (a ``str`` or path object).

    Returns
    -------
    ReluMLP
        The net, its ``domain`` and other ``surrogate.*`` metadata read from the file, and the import check, run
        again on a domain given later (``with_metadata``) or an ``add_surrogate`` box beyond it (``check_import_on``).

    Raises
    ------
    ModelFormatError
        If ``path`` is no file path (``None``, a number), the file is missing, empty or unreadable, the net is not a
        ReLU MLP with inputs ``(batch, 2)`` and one output, a weight or bias is not finite, its domain metadata is
        malformed, or the parsed net differs from what onnxruntime computes from the file
        (:func:`~surrogate.nets.onnx_graph.check_import`). Graphs in the other forms that exporters write are rewritten
        first (:func:`~surrogate.nets.onnx_graph.normalise_graph`); per-feature affine maps that cannot be folded into
        a layer are named (:mod:`surrogate.nets.onnx_affine`).

    Warns
    -----
    DomainWarning
        If a metadata key looks like the domain's but is not exactly ``surrogate.domain``
        (``domain``, ``surrogate.Domain``): it is not read. Else, once per file in a session, if a file that
        surrogate did not write declares no domain (:func:`~surrogate.nets.onnx_domain.warn_missing_domain`).
    """
    path = path_argument(path, "load_onnx")
    proto = _load_proto(path)
    if len(proto.graph.output) != 1:  # counted before the rewrites, which may rename an output
        names = ", ".join(o.name for o in proto.graph.output)
        raise ModelFormatError(
            f"{path}: the graph has {len(proto.graph.output)} outputs ({names}); a surrogate of x*y has one: "
            "export the net with its prediction as the only output"
        )
    misspelt = warn_domain_spellings(proto, path)
    precision, float64 = below_float32(proto), in_float64(proto)  # before the rewrites drop Casts
    sort_nodes(proto.graph)  # onnxruntime runs nodes listed out of order; the rewrites read them in order
    proto = normalise_graph(proto, path)
    layers = _dense_layers(_parse_with_omlt(proto, path), path)
    metadata = {k: v for k, v in _metadata_of(proto).items() if k != PRECISION_KEY}  # the file's own is not trusted
    metadata.update({PRECISION_KEY: precision} if precision else {})
    net = _net_of(path, layers, metadata).with_import_check(_file_check(path, float64, precision == "float16"))
    net.check_import_on(net.domain)
    if not misspelt:  # once the net has loaded: a refused file does not use up the one warning
        warn_missing_domain(proto, path)
    return net


def _file_check(path: Path, float64: bool, float16: bool):
    """The import check of the file at ``path`` (its bytes read now), as a net carries it
    (:meth:`~surrogate.nets.network.ReluMLP.with_import_check`): ``check(net, box)``."""
    data = model_bytes(path)  # held: a later check does not read a file changed or moved since

    def check(net: ReluMLP, box) -> None:
        check_import(path, net, float64=float64, float16=float16, box=box, data=data)

    return check


def _net_of(path, layers, metadata: dict) -> ReluMLP:
    """The :class:`ReluMLP` of OMLT's dense ``layers`` with ``metadata``; a refusal of it names the file ``path``."""
    try:  # ReluMLP refuses non-finite weights, mismatched shapes and a malformed domain; say which file
        parse_domain(metadata.get(DOMAIN_KEY), 2)  # its message says to fix the metadata
        return ReluMLP(
            tuple(np.asarray(layer.weights, dtype=np.float64) for layer in layers),
            tuple(np.asarray(layer.biases, dtype=np.float64) for layer in layers),
            metadata,
        )
    except ModelFormatError as exc:  # a malformed domain or non-finite weights: the message says what to do
        raise ModelFormatError(f"{path}: {exc}") from None
    except ArchitectureError as exc:
        raise ModelFormatError(f"{path}: {exc}; export a plain ReLU MLP") from None
