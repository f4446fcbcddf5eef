"""The import check: a parsed ONNX net compared with what onnxruntime computes from its file.

:func:`check_import` runs the file's own graph in onnxruntime on points of the net's domain and refuses a net that
differs from it by more than the file's precision allows: 1e-4 of the largest value a layer takes for a float32 file,
and, for a file that computes in float64 throughout, 1e-10 of it plus float64 rounding of the terms that the parse sums
(:func:`term_scale`: the inputs, the weights and the offsets folded into the biases, e.g. a StandardScaler's mean on a
box at 1e8 or a BatchNormalization's running mean of 1e7, which cancel). A gap of a float32 file the size of float
rounding of those terms is named as such, not as a misread graph. A file that rounds to float16 (its input, or a
``Cast`` inside) is allowed :data:`FLOAT16_IMPORT_TOLERANCE` of the largest output onnxruntime gives at the points plus
two of float16's smallest steps (:data:`FLOAT16_SMALLEST`), not a share of the largest value a layer takes: a unit that float16
flushes to 0 is refused, and so is a net a few percent off onnxruntime however deep or wide.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import ModelFormatError
from .onnx_files import model_bytes
from .onnx_fold import fold_constants
from .onnx_refusals import sort_nodes

#: Largest |onnxruntime - parsed net| accepted on import, relative to the largest value a layer takes.
IMPORT_TOLERANCE = 1e-4
#: :data:`IMPORT_TOLERANCE` for a file that computes in float64 throughout (a 1e-4 let a float32-rounded bias through).
FLOAT64_IMPORT_TOLERANCE = 1e-10
#: Points of the net's domain that an import is checked on.
IMPORT_POINTS = 256
#: The float64 import check's allowance for rounding, relative to :func:`term_scale` (about 4500 float64 ulps: a long
#: sum's or a fold's rounding; a value read in float32 is 6e-8 of itself off, far beyond it).
FLOAT64_TERM_TOLERANCE = 1e-12
#: A gap within this of :func:`term_scale` is the size of float32 rounding of the terms summed.
FLOAT32_ROUNDING = 2.0**-20


def check_import(path: Path, net, *, float64: bool = False, float16: bool = False, box=None, data: bytes | None = None) -> None:
    """Refuse ``net`` unless it computes what onnxruntime computes from the file at ``path``, on :data:`IMPORT_POINTS`
    points of its domain (of ``box``, ``(lower, upper)`` per input, where given); ``data``: the file's bytes
    (:func:`~surrogate.nets.onnx_files.model_bytes`) where read before (the file is not read again).

    Raises
    ------
    ModelFormatError
        If onnxruntime cannot run the file, or differs from the parsed net (both at the points as the file's input type
        holds them, as :func:`~surrogate.nets.onnx_io.export_onnx` checks) by more than :data:`IMPORT_TOLERANCE` (with
        ``float64``, a file that computes in float64 throughout, :data:`FLOAT64_IMPORT_TOLERANCE`) of the largest value a
        layer takes there (:meth:`~surrogate.nets.network.ReluMLP.magnitude`: outputs near 1e-6 are checked so); with
        ``float16``, a file that rounds to float16 somewhere (a float16 input or a ``Cast`` inside), by more than
        :data:`FLOAT16_IMPORT_TOLERANCE` of the largest output onnxruntime gives plus :data:`FLOAT16_SMALLEST`.
    """
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    box = tuple(tuple(map(float, side)) for side in (net.domain if box is None else box))
    low, high = np.array(box).T
    points = rng.uniform(low, high, size=(IMPORT_POINTS, len(low)))
    data = model_bytes(path) if data is None else data
    try:
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: its notes on a file's unused initializers are no concern here
        session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        # the points as onnxruntime is fed them (float32 for most files), so that the parse is checked, not the
        # input's rounding: on a domain narrower than float32's resolution that alone passed the tolerance
        points = points.astype(_FEED_TYPES.get(session.get_inputs()[0].type, np.float32)).astype(np.float64)
        got = _run(session, points)
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidArgument/... types
        raise ModelFormatError(f"{path}: onnxruntime cannot run this net ({exc}); re-export it") from None
    want, largest = net.forward_with_magnitude(points)
    want = want.reshape(-1)
    if got.size != want.size:
        raise ModelFormatError(
            f"{path}: onnxruntime gives {got.size} values for {IMPORT_POINTS} points, not one per point; export a net with one output"
        )
    # the net in float64 or, as export_onnx checks it, in float32 (a net whose float32 run loses digits on its
    # domain, e.g. one far narrower than its distance from 0, is still the file's net)
    if float16 or session.get_inputs()[0].type == "tensor(float16)":  # a Cast to float16 rounds as much
        _check_float16(path, points, got, np.abs(got - want), box)
        return
    gap = min(float(np.abs(got - w).max()) for w in (want, float32_forward(net, points).reshape(-1)))
    terms = term_scale(path, net, points, data=data) if float64 else None  # it reads the graph again: where used
    if float64:
        tolerance = FLOAT64_IMPORT_TOLERANCE * max(largest, 1e-300) + FLOAT64_TERM_TOLERANCE * terms
    else:
        tolerance = IMPORT_TOLERANCE * max(largest, 1e-300)  # relative to the net's own values, however small
    if not gap <= tolerance:
        terms = term_scale(path, net, points, data=data) if terms is None else terms
        raise ModelFormatError(_gap_message(path, gap, terms, float64, box))


def _check_float16(path, points: np.ndarray, got: np.ndarray, gaps: np.ndarray, box) -> None:
    """Refuse a net whose file rounds to float16 if onnxruntime's value ``got`` at a point is ``gaps`` off it by more
    than :data:`FLOAT16_IMPORT_TOLERANCE` of the largest ``|got|`` plus :data:`FLOAT16_SMALLEST` (probe139: 1e-2 of
    the largest value a layer takes, 2e4, let a unit of 1e-8 that float16 flushes to 0 change an output of 3 by 1.5;
    probe143: 4 times float16 rounding carried through ``|W|`` grew with depth and width and let nets 4 times
    onnxruntime's output through)."""
    if not np.all(np.isfinite(got)):
        raise ModelFormatError(_gap_message(path, math.inf, 0.0, False, box))
    largest = float(np.max(np.abs(got)))
    allowance = FLOAT16_IMPORT_TOLERANCE * largest + FLOAT16_SMALLEST
    if np.all(gaps <= allowance):
        return
    worst = int(np.nanargmax(np.where(np.isnan(gaps), np.inf, gaps)))
    raise ModelFormatError(
        f"{path}: the net read from this file differs from what onnxruntime computes by {gaps[worst]:.3g} at "
        f"{points[worst].tolist()}, more than float16 rounding explains ({allowance:.3g}: "
        f"{FLOAT16_IMPORT_TOLERANCE:g} of its largest output there, {largest:.3g}, plus two of float16's smallest steps): a Cast "
        "to float16 (or a float16 input) changes its values beyond rounding, e.g. flushes a unit below float16's 6e-8 "
        "to 0, or the net cancels large terms to a small output; export the net in float32 throughout"
    )


def _gap_message(path, gap: float, terms: float, float64: bool, box) -> str:
    """Why :func:`check_import` refuses a net ``gap`` off on ``box``, the terms it sums reaching ``terms``."""
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


#: numpy types of the ONNX input types fed to onnxruntime (float32 for any other).
_FEED_TYPES = {"tensor(double)": np.float64, "tensor(float16)": np.float16}
#: The float16 import check's allowance, relative to the largest output onnxruntime gives at the points checked.
#: probe143's 148 float16 files (float16 nets, float32 ones with a Cast in, between layers or out; deep, wide,
#: big-weight, wide-box, tiny-valued) and probe139's 6 are at most 2.5e-3 of it off (box1000_castmid_2, a Cast between
#: layers of a net on [1000, 1001]^2: 0.132 off an output of 52.8); 1e-2 leaves them 4 times that and refuses a net
#: 10% off onnxruntime (the command that measures it: docs/zoo.md).
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
