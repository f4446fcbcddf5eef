"""The import check: a parsed ONNX net compared with what onnxruntime computes from its file.

:func:`check_import` runs the file's own graph in onnxruntime on points of the net's domain and refuses a net that
differs from it by more than the file's precision allows: 1e-4 of the largest value a layer takes for a float32 file,
and, for a file that computes in float64 throughout, 1e-10 of it plus float64 rounding of the terms that the parse sums
(:func:`term_scale`: the inputs, the weights and the offsets folded into the biases, e.g. a StandardScaler's mean on a
box at 1e8 or a BatchNormalization's running mean of 1e7, which cancel). A gap of a float32 file the size of float
rounding of those terms is named as such, not as a misread graph. The points (:func:`import_points`) are the box's
corners and 256 fixed random ones. A file that rounds to float16 (its input, or a ``Cast`` inside) is checked twice:
the net read against onnxruntime running the file's float32 copy (:func:`float32_copy`: its constants folded, its
float16 values, inputs and Casts made float32) as a float32 file is, so a misread of 1% is refused as for float32
files; and the file's own values against that copy's, within :data:`FLOAT16_IMPORT_TOLERANCE` of its largest output
plus two of float16's smallest steps (:data:`FLOAT16_SMALLEST`): a unit that float16 flushes to 0, or sends past
65504, is refused.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np

from ..errors import ModelFormatError
from .onnx_files import model_bytes
from .onnx_fold import fold_constants
from .onnx_plain import plain_model
from .onnx_refusals import sort_nodes

#: Largest |onnxruntime - parsed net| accepted on import, relative to the largest value a layer takes.
IMPORT_TOLERANCE = 1e-4
#: :data:`IMPORT_TOLERANCE` for a file that computes in float64 throughout (a 1e-4 let a float32-rounded bias through).
FLOAT64_IMPORT_TOLERANCE = 1e-10
#: Random points of the net's domain that an import is checked on (:func:`import_points`), after the box's corners.
IMPORT_POINTS = 256
#: The most inputs whose box's corners (``2^inputs`` of them) an import is checked on besides.
CORNER_INPUTS = 10
#: The float64 import check's allowance for rounding, relative to :func:`term_scale` (about 4500 float64 ulps: a long
#: sum's or a fold's rounding; a value read in float32 is 6e-8 of itself off, far beyond it).
FLOAT64_TERM_TOLERANCE = 1e-12
#: A gap within this of :func:`term_scale` is the size of float32 rounding of the terms summed.
FLOAT32_ROUNDING = 2.0**-20


def check_import(path: Path, net, *, float64: bool = False, float16: bool = False, box=None, data: bytes | None = None) -> None:
    """Refuse ``net`` unless it computes what onnxruntime computes from the file at ``path``, on
    :func:`import_points` of its domain (of ``box``, ``(lower, upper)`` per input, where given); ``data``: the file's
    bytes (:func:`~surrogate.nets.onnx_files.model_bytes`) where read before (the file is not read again).

    Raises
    ------
    ModelFormatError
        If onnxruntime cannot run the file, or differs from the parsed net (both at the points as the file's input type
        holds them, as :func:`~surrogate.nets.onnx_io.export_onnx` checks) by more than :data:`IMPORT_TOLERANCE` (with
        ``float64``, a file that computes in float64 throughout, :data:`FLOAT64_IMPORT_TOLERANCE`) of the largest value a
        layer takes there (:meth:`~surrogate.nets.network.ReluMLP.magnitude`: outputs near 1e-6 are checked so). With
        ``float16``, a file that rounds to float16 somewhere (a float16 input or a ``Cast`` inside), the net is checked
        so against the file's float32 copy (:func:`float32_copy`), and the file's own values against the copy's, within
        :data:`FLOAT16_IMPORT_TOLERANCE` of the largest output the file gives plus :data:`FLOAT16_SMALLEST`.
    """
    box = tuple(tuple(map(float, side)) for side in (net.domain if box is None else box))
    data = model_bytes(path) if data is None else data
    session = _session(path, data, "this net")
    # the points as onnxruntime is fed them (float32 for most files), so that the parse is checked, not the
    # input's rounding: on a domain narrower than float32's resolution that alone passed the tolerance
    points = import_points(box).astype(_FEED_TYPES.get(session.get_inputs()[0].type, np.float32)).astype(np.float64)
    got = _values(path, session, points, "this net")
    float16 = float16 or session.get_inputs()[0].type == "tensor(float16)"  # a Cast to float16 rounds as much
    if float16:
        wide = _values(path, _session(path, float32_copy(data), "a float32 copy of this net"), points, "its float32 copy")
        _check_float16(path, points, got, wide, box)  # float16's own rounding of the file's values
        got = wide  # the net read is checked against the file's values in float32, as a float32 file's are
    want, largest = net.forward_with_magnitude(points)
    want = want.reshape(-1)
    if got.size != want.size:
        raise ModelFormatError(
            f"{path}: onnxruntime gives {got.size} values for {len(points)} points, not one per point; export a net with one output"
        )
    # the net in float64 or, as export_onnx checks it, in float32 (a net whose float32 run loses digits on its
    # domain, e.g. one far narrower than its distance from 0, is still the file's net)
    gap = min(float(np.abs(got - w).max()) for w in (want, float32_forward(net, points).reshape(-1)))
    terms = term_scale(path, net, points, data=data) if float64 else None  # it reads the graph again: where used
    if float64:
        tolerance = FLOAT64_IMPORT_TOLERANCE * max(largest, 1e-300) + FLOAT64_TERM_TOLERANCE * terms
    else:
        tolerance = IMPORT_TOLERANCE * max(largest, 1e-300)  # relative to the net's own values, however small
    if not gap <= tolerance:
        terms = term_scale(path, net, points, data=data) if terms is None else terms
        raise ModelFormatError(_gap_message(path, gap, terms, float64, box, copy=float16))


def import_points(box) -> np.ndarray:
    """The points of ``box`` (``(lower, upper)`` per input) that an import is checked on, ``(n, inputs)`` in float64,
    the same for every call: the box's ``2^inputs`` corners (for up to :data:`CORNER_INPUTS` inputs: probe145, a unit
    alive only near the corner (1, 1) that float16 flushed to 0 or sent past 65504 was missed by the random points),
    then :data:`IMPORT_POINTS` uniform ones."""
    low, high = np.array(box, dtype=np.float64).reshape(-1, 2).T
    points = np.random.default_rng(0).uniform(low, high, size=(IMPORT_POINTS, len(low)))
    if len(low) > CORNER_INPUTS:
        return points
    corners = np.array(list(itertools.product((0, 1), repeat=len(low))), dtype=bool).reshape(-1, len(low))
    return np.concatenate([np.where(corners, high, low), points])


def _session(path, data: bytes, what: str):
    """An onnxruntime CPU session of the model ``data``, or :class:`ModelFormatError` saying it cannot run ``what``."""
    import onnxruntime as ort

    try:
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: its notes on a file's unused initializers are no concern here
        return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidArgument/... types
        raise ModelFormatError(f"{path}: onnxruntime cannot run {what} ({exc}); re-export it") from None


def _values(path, session, points: np.ndarray, what: str) -> np.ndarray:
    """:func:`_run`, or :class:`ModelFormatError` saying that onnxruntime cannot run ``what``."""
    try:
        return _run(session, points)
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidArgument/... types
        raise ModelFormatError(f"{path}: onnxruntime cannot run {what} ({exc}); re-export it") from None


def _check_float16(path, points: np.ndarray, got: np.ndarray, wide: np.ndarray, box) -> None:
    """Refuse a file that rounds to float16 if onnxruntime's value ``got`` at a point is off its float32 copy's value
    ``wide`` by more than :data:`FLOAT16_IMPORT_TOLERANCE` of the largest ``|got|`` plus :data:`FLOAT16_SMALLEST`:
    float16 then changes the net's values beyond rounding (probe139: a unit of 1e-8 that float16 flushes to 0 changed
    an output of 3 by 1.5). The net read is checked against ``wide`` as a float32 file's values are (probe145: the
    allowance applied to the net read let a last bias misread by 0.009 through, 37 times the file's own rounding)."""
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(wide))):
        raise ModelFormatError(_gap_message(path, math.inf, 0.0, False, box))
    if got.size != wide.size:
        return  # the size check that follows names it
    gaps, largest = np.abs(got - wide), float(np.max(np.abs(got), initial=0.0))
    allowance = FLOAT16_IMPORT_TOLERANCE * largest + FLOAT16_SMALLEST
    if np.all(gaps <= allowance):
        return
    worst = int(np.argmax(gaps))
    raise ModelFormatError(
        f"{path}: onnxruntime's values of this file differ from those of its float32 copy (its float16 tensors, inputs "
        f"and Casts made float32) by {gaps[worst]:.3g} at {points[worst].tolist()}, more than float16 rounding explains "
        f"({allowance:.3g}: {FLOAT16_IMPORT_TOLERANCE:g} of its largest output there, {largest:.3g}, plus two of "
        "float16's smallest steps): float16 changes the net's values beyond rounding (a Cast to float16, or a float16 "
        "input, flushes a unit below float16's 6e-8 to 0, or the net cancels large terms to a small output); export "
        "the net in float32 throughout"
    )


def _gap_message(path, gap: float, terms: float, float64: bool, box, *, copy: bool = False) -> str:
    """Why :func:`check_import` refuses a net ``gap`` off on ``box``, the terms it sums reaching ``terms``; ``copy``:
    the values compared are those of the file's :func:`float32_copy` (a file that rounds to float16)."""
    sides = [list(side) for side in box]
    if not math.isfinite(gap):  # inf or NaN: a value past the file's float range (float16's 65504, float32's 3.4e38)
        return (
            f"{path}: onnxruntime's values of this file at points of {sides} are not finite (inf or NaN): they pass "
            "the largest number of the file's float type there (65504 for float16, 3.4e38 for float32), or the file "
            "divides by 0 or a number too small, so no net computes them; give a box on which they stay finite (a net "
            "is encoded only where its values stay below a solver's infinity, 1e20), export a float16 file in float32, "
            "or mend the division"
        )
    start = f"{path}: the net read from this file differs from what onnxruntime computes by {gap:.3g} at points of {sides}"
    start += " (the file run with its float16 values, inputs and Casts made float32)" if copy else ""
    if not float64 and gap <= FLOAT32_ROUNDING * terms:
        return (
            f"{start}, a gap the size of float32 rounding of the terms it sums (up to {terms:.3g}: its inputs, weights and "
            "the offsets folded into its biases, which cancel), not a misread graph; export the file in float64 throughout "
            "(its inputs, weights and maps), or normalise the inputs outside the net so that its terms stay near its values"
        )
    beyond = f" (more than float64 rounding of the terms it sums, up to {terms:.3g}, explains)" if float64 else ""
    return f"{start}{beyond}, so its graph has a form surrogate misreads; export it as a plain chain of Linear and ReLU layers"


def term_scale(path, net, points: np.ndarray, *, data: bytes | None = None) -> float:
    """The largest term that ``net`` (parsed from the file at ``path``) sums at ``points``: ``|h| @ |W| + |b|`` per layer,
    ``h`` the previous layer's values (the inputs first), and the largest entry of the file's vectors (biases, offsets,
    BatchNormalization statistics), which folding can cancel out of the net's biases. Rounding is relative to it.
    ``data``: the file's bytes, where read before."""
    h, largest = np.asarray(points, dtype=np.float64), 0.0
    for w, b in zip(net.weights, net.biases):
        largest = max(largest, float((np.abs(h) @ np.abs(w) + np.abs(b)).max(initial=0.0)))
        h = np.maximum(h @ w + b, 0.0)
    return max(largest, _largest_vector_entry(path if data is None else data))


#: The inputs that a fold can cancel out of the net's biases: any operand of an Add or Sub, a BatchNormalization's
#: bias and mean (not its scale or variance: a variance of 1e14 scales terms down, and counting it, or a tensor no node
#: reads, let a bias misread by 0.5 pass; probe96).
_OFFSET_INPUTS = {"Add": (0, 1), "Sub": (0, 1), "BatchNormalization": (2, 3)}


def _largest_vector_entry(source) -> float:
    """The largest ``|entry|`` of the floating-point vectors and scalars (initializers, Constant nodes) of the file at
    ``source`` (or of the model's bytes ``source``) that a node reads as an offset (:data:`_OFFSET_INPUTS`), those computed from stored tensors too; 0.0 where it has none or cannot be read."""
    import onnx
    from onnx import numpy_helper

    try:
        model = onnx.load_from_string(source) if isinstance(source, bytes) else onnx.load(str(source))
    except Exception:  # onnx raises its own types; onnxruntime has read the file, so this is only an allowance lost
        return 0.0
    graph = model.graph
    sort_nodes(graph)
    fold_constants(graph, model.opset_import)  # an offset computed from stored tensors (jax2onnx's BN shift) counts
    offsets = {n.input[i] for n in graph.node for i in _OFFSET_INPUTS.get(n.op_type, ()) if i < len(n.input)}
    tensors = [t for t in graph.initializer if t.name in offsets] + [
        a.t for n in graph.node if n.op_type == "Constant" and n.output[0] in offsets for a in n.attribute if a.name == "value"
    ]
    largest = 0.0
    for tensor in tensors:
        array = numpy_helper.to_array(tensor)
        if array.ndim <= 1 and array.size and np.issubdtype(array.dtype, np.floating):
            largest = max(largest, float(np.nanmax(np.abs(array.astype(np.float64)))))
    return largest if np.isfinite(largest) else 0.0


def float32_forward(net, points: np.ndarray) -> np.ndarray:
    """``net``'s outputs at ``points``, ``(n, outputs)``, computed in float32 as an exported ONNX file computes them."""
    h = np.asarray(points, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):  # values past float32's range are inf or nan, as in the file
        for w, b in zip(net.weights[:-1], net.biases[:-1]):
            h = np.maximum(h @ w.astype(np.float32) + b.astype(np.float32), 0)
        return (h @ net.weights[-1].astype(np.float32) + net.biases[-1].astype(np.float32)).reshape(len(h), -1)


def float32_copy(data: bytes) -> bytes:
    """The serialized model ``data`` with every float16 value made float32: its tensors (initializers, sparse ones,
    ``Constant`` values and other tensor attributes) widened, its float16 inputs, outputs and ``value_info`` typed
    float32, and a ``Cast`` (or another node's ``to``/``dtype``) to float16 made one to float32, in its graph and
    subgraphs: the file's net as a float32 file computes it, which the net read is checked against
    (:func:`check_import`). Its local functions are inlined first, with their attributes' defaults
    (:func:`~surrogate.nets.onnx_plain.plain_model`: a Cast's target passed under another name, probe148), and the
    values it computes from stored tensors folded in their own types (:func:`~surrogate.nets.onnx_fold.fold_constants`,
    as the net is read): float32 weights that a ``Cast`` to float16 rounds (torch's autocast export without constant
    folding) stay rounded, as the file computes them (probe148)."""
    import onnx

    model = plain_model(onnx.load_model_from_string(data))
    sort_nodes(model.graph)
    fold_constants(model.graph, model.opset_import)
    _widen_graph(model.graph)
    return model.SerializeToString()


def _widen_graph(graph) -> None:
    """:func:`float32_copy` of ``graph`` in place."""
    for tensor in graph.initializer:
        _widen_tensor(tensor)
    for sparse in graph.sparse_initializer:
        _widen_tensor(sparse.values)
    for value in (*graph.input, *graph.output, *graph.value_info):
        _widen_type(value.type)
    _widen_nodes(graph.node)


def _widen_nodes(nodes) -> None:
    """:func:`float32_copy` of ``nodes`` (and their subgraphs) in place."""
    for node in nodes:
        _widen_attributes(node.attribute)


def _widen_attributes(attributes) -> None:
    """:func:`float32_copy` of node ``attributes`` in place: tensors, subgraphs, float16 type targets."""
    from onnx import AttributeProto, TensorProto

    for attr in attributes:
        if attr.type == AttributeProto.INT and attr.name in ("to", "dtype") and attr.i == TensorProto.FLOAT16:
            attr.i = TensorProto.FLOAT
        if attr.HasField("t"):
            _widen_tensor(attr.t)
        for tensor in attr.tensors:
            _widen_tensor(tensor)
        if attr.HasField("sparse_tensor"):
            _widen_tensor(attr.sparse_tensor.values)
        for graph in (*([attr.g] if attr.HasField("g") else []), *attr.graphs):
            _widen_graph(graph)


def _widen_tensor(tensor) -> None:
    """``tensor`` made float32 in place where it is float16 (its values kept exactly)."""
    from onnx import TensorProto, numpy_helper

    if tensor.data_type == TensorProto.FLOAT16:
        wide = numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float32), tensor.name)
        tensor.CopyFrom(wide)


def _widen_type(kind) -> None:
    """The ONNX ``TypeProto`` ``kind`` made float32 in place where it is a float16 tensor (or sequence, optional)."""
    from onnx import TensorProto

    for field in ("tensor_type", "sparse_tensor_type"):
        if kind.HasField(field) and getattr(kind, field).elem_type == TensorProto.FLOAT16:
            getattr(kind, field).elem_type = TensorProto.FLOAT
    for field in ("sequence_type", "optional_type"):
        if kind.HasField(field):
            _widen_type(getattr(kind, field).elem_type)
    if kind.HasField("map_type"):
        _widen_type(kind.map_type.value_type)


#: numpy types of the ONNX input types fed to onnxruntime (float32 for any other).
_FEED_TYPES = {"tensor(double)": np.float64, "tensor(float16)": np.float16}
#: The float16 import check's allowance for the file's values off its float32 copy's (:func:`float32_copy`), relative
#: to the largest output the file gives at the points checked. probe143's float16 files (float16 nets, float32 ones
#: with a Cast in, between layers or out; deep, wide, big-weight, wide-box, tiny-valued) and probe139's 6, 142 in all,
#: are at most 1/4 of it off (box1000_castmid_2, a Cast between layers of a net on [1000, 1001]^2); the net read is
#: checked against the copy at :data:`IMPORT_TOLERANCE` (the command that measures it: docs/zoo.md).
FLOAT16_IMPORT_TOLERANCE = 1e-2
#: The float16 check's absolute allowance, besides: two of float16's smallest (subnormal) steps, 2**-24 = 6e-8 each
#: (probe143's geo0.003 nets, outputs near 3.6e-7 whose float16 values are subnormal, are 3e-8, half a step, off).
FLOAT16_SMALLEST = 2.0**-23


def _run(session, points: np.ndarray) -> np.ndarray:
    """The session's outputs at ``points``, fed in the input's own type and shape: with one dynamic dimension
    (``(batch, 2)``, ``(batch, 1, 2)``) every point at once, with a fixed shape as many points per call as it holds."""
    first = session.get_inputs()[0]
    x = points.astype(_FEED_TYPES.get(first.type, np.float32))
    fixed = [d if isinstance(d, int) and d > 0 else None for d in first.shape]
    if fixed and fixed[-1] is None:  # a symbolic width: the point's
        fixed[-1] = x.shape[1]
    if fixed.count(None) > 1:  # the first dynamic dimension is the batch, any other holds one
        batch = fixed.index(None)
        fixed = [d if d is not None or k == batch else 1 for k, d in enumerate(fixed)]
    per_call = max(1, int(np.prod([d for d in fixed if d is not None])) // x.shape[1])
    if None in fixed:  # one dynamic dimension: all points at once
        shape = [-1 if d is None else d for d in fixed]
        batches = [x.reshape(shape)] if per_call == 1 else np.split(x, len(x))
    else:
        padded = np.concatenate([x, np.repeat(x[:1], -len(x) % per_call, axis=0)])
        batches = [b.reshape(fixed) for b in np.split(padded, len(padded) // per_call)]
    values = [np.asarray(session.run(None, {first.name: b})[0], dtype=np.float64).reshape(-1) for b in batches]
    return np.concatenate(values)[: len(x)]
