"""Constants that an ONNX graph computes from its stored tensors, made stored tensors; nodes left unread, dropped.

Exporters that do not fold constants (Keras 3's ``model.export(format='onnx')`` under the JAX backend, through
jax2onnx) write a ``BatchNormalization`` as ``Sqrt``, ``Div``, ``Mul``, ``Neg`` and ``Add`` of its stored statistics, a
``Normalization`` as ``Max(Sqrt(variance), eps)``, a LoRA ``Dense``'s kernel as ``W + s * (A @ B)``, and keep
``Constant`` and ``Reshape`` nodes of weights. :func:`fold_constants` evaluates each node whose inputs are all
constants (initializers, ``Constant`` nodes, or values folded before it) exactly, with onnx's reference evaluator in
the tensors' own types (a float64 file's constants stay float64), and stores its outputs as initializers of their
names: the graph computes the same, and its layers and per-feature maps then read stored weights, as
:func:`~surrogate.nets.onnx_graph.normalise_graph` expects.

:func:`drop_shape_inputs` drops the nodes that only computed the shape a dropped ``Reshape`` read
(``Shape`` -> ``Gather`` -> ``Unsqueeze`` -> ``Concat``: PyTorch's ``.view(x.size(0))``, Keras's ``Reshape(())``).
"""

from __future__ import annotations

import math

import numpy as np

from .onnx_spellings import node_attributes

#: Node types never evaluated here: random values, nodes that hold subgraphs (``If``, ``Loop``, ``Scan``), and nodes
#: that grow a tensor by amounts their inputs name (no ReLU MLP needs them folded).
_NOT_FOLDED = frozenset(
    {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "If", "Loop", "Scan"}
    | {"Pad", "Resize", "Upsample", "CenterCropPad", "Col2Im", "Mel", "MelWeightMatrix"}
)
#: The most values a folded node may compute: far above any layer of a budget-sized net (a 478-byte file's unused
#: ``ConstantOfShape`` of 1e8 values took 1.6 GB to fold: probe106 #3); a node asking for more is left, and refused.
MAX_FOLDED = 2**22
#: The most values all folded nodes together may compute (a chain of nodes each just under :data:`MAX_FOLDED` took
#: 1.68 GB: probe108 #3); the nodes past it are left, and refused.
MAX_FOLDED_TOTAL = 2**24


def fold_constants(graph, opsets=()) -> None:
    """Store the outputs of each node of ``graph`` whose inputs are all constants as initializers, and drop the node.

    ``graph``'s nodes are in order of use (:func:`~surrogate.nets.onnx_refusals.sort_nodes`); ``opsets`` are the
    model's ``opset_import`` entries, which the evaluation uses. A node of another domain than ONNX's own, one of
    :data:`_NOT_FOLDED`, one without inputs other than ``Constant``, or one that the reference evaluator cannot run
    is left as it is (refused by its type later, if no ReLU MLP holds it).
    """
    from onnx import numpy_helper

    stored, total = {t.name: t for t in graph.initializer}, 0.0
    for node in list(graph.node):
        if not _foldable(node, stored):
            continue
        inputs = [stored[name] if name else None for name in node.input]
        asked = _asked_size(node, inputs)
        if not 0 <= asked <= MAX_FOLDED or total + asked > MAX_FOLDED_TOTAL:
            continue
        total += asked
        values = _evaluate(node, inputs, opsets)
        if values is None:
            continue
        for name, value in zip(node.output, values):
            if name:
                tensor = numpy_helper.from_array(np.asarray(value), name)
                graph.initializer.append(tensor)
                stored[name] = tensor
        graph.node.remove(node)


def _foldable(node, stored: dict) -> bool:
    """Whether ``node`` computes constants only: its inputs are all stored (``Constant``: none), in ONNX's domain."""
    if node.domain not in ("", "ai.onnx") or node.op_type in _NOT_FOLDED:
        return False
    if any(a.g.ByteSize() or a.graphs for a in node.attribute):
        return False
    if not node.input:
        return node.op_type == "Constant"
    return all(not name or name in stored for name in node.input)


#: Nodes whose outputs hold no more values than their inputs together: folded whatever their shapes.
_REARRANGING = frozenset(
    {"Constant", "Identity", "Cast", "CastLike", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat"}
    | {"Split", "Slice", "Shape", "Size", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1"}
    | {"ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "ArgMax", "ArgMin", "Trilu", "Softmax"}
    | {"LogSoftmax", "CumSum", "Dropout"}  # (Dropout's mask: as many values as its data, counted with its ratio's)
)
#: Nodes of one value per element of their inputs' broadcast.
_ELEMENTWISE = frozenset(
    {"Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "Where", "Equal", "Less", "Greater"}
    | {"LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not", "Neg", "Abs", "Sqrt", "Reciprocal", "Exp", "Log"}
    | {"Relu", "LeakyRelu", "Clip", "Sign", "Floor", "Ceil", "Round", "Cos", "Sin", "Tan", "Tanh", "Sigmoid", "Erf"}
    | {"Softplus", "Softsign", "Elu", "Selu", "Celu", "HardSigmoid", "IsNaN", "IsInf", "Atan", "Asin", "Acos"}
)


def _asked_size(node, inputs: list) -> float:
    """How many values ``node`` computes from the stored tensors ``inputs``, read before it runs: no more than its
    inputs (:data:`_REARRANGING`), their broadcast (:data:`_ELEMENTWISE`), a matrix product's or a ``Gather``'s, or
    the sizes its shape inputs name (``ConstantOfShape``, ``Expand``, ``Tile``, ``Range``); ``inf`` for any other node
    (``OneHot`` asks for a depth; probe107) or inputs it cannot run on: such a node is not folded."""
    from onnx import numpy_helper

    given = [numpy_helper.to_array(t) if t is not None else None for t in inputs]
    shapes, op = [np.shape(v) for v in given if v is not None], node.op_type
    attrs = node_attributes(node)
    try:
        if op in _REARRANGING:
            return float(sum(np.prod(shape, dtype=np.float64) for shape in shapes))
        if op in _ELEMENTWISE:
            return float(np.prod(np.broadcast_shapes(*shapes), dtype=np.float64))
        if op == "Gather":
            data, indices = given[0], given[1]
            return float(indices.size) * float(data.size) / max(data.shape[attrs.get("axis", 0)], 1)
        if op in ("MatMul", "Gemm", "MatMulInteger"):
            return _product_size(shapes, attrs)
        return _shaped_size(op, given, shapes)
    except (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError, AttributeError):
        return math.inf


def _product_size(shapes: list, attrs: dict) -> float:
    """The number of values of a ``MatMul`` (NumPy's rules, batches broadcast) or ``Gemm`` (``transA``, ``transB``)."""
    a, b = shapes[0], shapes[1]
    if attrs.get("transA"):
        a = a[::-1]
    if attrs.get("transB"):
        b = b[::-1]
    rows = a[-2] if len(a) >= 2 else 1
    columns = b[-1] if len(b) >= 2 else 1
    batch = np.broadcast_shapes(a[:-2], b[:-2])
    return float(np.prod(batch, dtype=np.float64)) * float(rows) * float(columns)


def _shaped_size(op: str, given: list, shapes: list) -> float:
    """The number of values a node of type ``op`` makes from the shapes or counts its inputs ``given`` name."""
    if op == "Tile" and np.any(given[1] < 0):
        return math.inf  # (Tile's repeats [N, -1] read as a negative size, then np.tile built N copies: probe108 #1)
    if op == "ConstantOfShape":
        return float(np.prod(given[0], dtype=np.float64)) if given and np.all(given[0] >= 0) else math.inf
    if op == "Expand":
        return float(np.prod(np.broadcast_shapes(shapes[0], tuple(int(d) for d in given[1])), dtype=np.float64))
    if op == "Tile":
        return float(given[0].size) * float(np.prod(given[1], dtype=np.float64))
    if op == "Range":
        start, limit, delta = (float(v) for v in given[:3])
        return max(0.0, math.ceil((limit - start) / delta))
    return math.inf


def _evaluate(node, inputs: list, opsets) -> list | None:
    """``node``'s outputs for the stored tensors ``inputs`` (``None``: an optional input left out), or ``None`` where
    the reference evaluator cannot run it."""
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    names = [f"in{k}" if tensor is not None else "" for k, tensor in enumerate(inputs)]
    copy = helper.make_node(node.op_type, names, [f"out{k}" if out else "" for k, out in enumerate(node.output)])
    copy.attribute.extend(node.attribute)
    given = [numpy_helper.to_array(tensor) for tensor in inputs if tensor is not None]
    feeds = {name: value for name, value in zip([n for n in names if n], given)}
    outputs = [helper.make_tensor_value_info(name, 0, None) for name in copy.output if name]
    model = helper.make_model(
        helper.make_graph([copy], "fold", [], outputs),
        opset_imports=[o for o in opsets if o.domain in ("", "ai.onnx")] or [helper.make_opsetid("", 18)],
    )
    try:
        with np.errstate(all="ignore"):  # a division by zero gives inf, as onnxruntime's
            values = ReferenceEvaluator(model).run(None, feeds)
    except Exception:  # onnx raises its own types for an operator or an attribute that it does not run
        return None
    results = iter(values)
    return [next(results) if name else None for name in node.output]


def drop_shape_inputs(graph, node) -> None:
    """Drop the nodes that computed the shape inputs (all but the first) of the dropped ``node``, a ``Reshape`` or
    the like, and that nothing else reads now, each producer's own inputs followed back; the nodes that compute its
    data (its first input) are kept."""
    producers = {out: n for n in graph.node for out in n.output if out}
    data, pending = _ancestors(producers, node.input[0]), [name for name in node.input[1:] if name]
    while pending:
        source = producers.get(pending.pop(0))
        read = {name for n in graph.node for name in n.input} | {v.name for v in graph.output}
        if source is None or data & set(source.output) or source not in graph.node or any(out in read for out in source.output):
            continue
        graph.node.remove(source)
        pending += [name for name in source.input if name]


def _ancestors(producers: dict, name: str) -> set:
    """The tensors that the tensor ``name`` is computed from, itself included (``producers``: the node of each)."""
    found, pending = set(), [name]
    while pending:
        tensor = pending.pop()
        if tensor in found:
            continue
        found.add(tensor)
        source = producers.get(tensor)
        pending += [n for n in source.input if n] if source is not None else []
    return found
