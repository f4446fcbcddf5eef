"""Why a graph that may well hold a ReLU MLP is still not one that surrogate reads, in words that name the node.

Files made elsewhere hold ReLU MLPs in forms that surrogate does not rewrite: x and y as two inputs joined by a
``Concat`` (a Keras model with two ``Input`` layers), the input's columns reordered before the first layer (a net
that stores (y, x)), an integer input cast to float inside, nodes whose values reach no output, or a ReLU of the input before the first
layer. Each function
here returns the reason and the fix, or ``None`` when the graph holds no such form (:func:`ops_advice`, the fix for a net
refused by its node types: a capped ReLU, a quantized net); :func:`~surrogate.nets.onnx_io.
load_onnx` prefixes the file's path.
"""

from __future__ import annotations

import numpy as np

from .onnx_affine import AFFINE_OPS, consumers
from .onnx_files import live_node_indices
from .onnx_plain import function_of, idle_in_function
from .onnx_spellings import initializer_arrays, node_attributes

#: Node types that pick, reorder or join the columns of a tensor.
REORDERING_OPS = frozenset({"Gather", "GatherElements", "Slice", "Split", "Concat"})
#: Node types that keep the columns of a tensor where they are: per-feature scalings (folded) and shape changes.
_COLUMN_KEEPING_OPS = AFFINE_OPS | {"Identity", "Flatten", "Reshape"}
#: Node types that compute with integers in a quantized net (weights or values rounded at run time).
_QUANTIZED_OPS = frozenset(
    {"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearMatMul"}
    | {"QLinearConv", "QGemm", "MatMulNBits", "DynamicQuantizeMatMul"}
)
#: Node types that compare values or pick them by a condition (``torch.where``, a mask ``h * (h > 0)``).
_SELECTING_OPS = frozenset({"Where", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Equal", "Not", "And", "Or"})
#: Input element types that hold real numbers and that numpy can feed (``onnx.TensorProto``'s FLOAT, DOUBLE, FLOAT16).
_FLOAT_TYPES = frozenset({1, 11, 10})


def _label(node) -> str:
    return f"{node.op_type} node {node.name!r}" if node.name else f"{node.op_type} node (output {node.output[0]!r})"


def sort_nodes(graph) -> None:
    """Reorder ``graph``'s nodes (in place) so that each comes after the nodes whose outputs it reads.

    ONNX requires that order, but onnxruntime runs a graph without it, and a node listed before its input's
    producer would be read as unused (:func:`dead_nodes_problem`). The order of nodes already in order is
    kept; a graph with a cycle is left as it is.
    """
    produced = {name for node in graph.node for name in node.output if name}  # "": an optional value left out
    done: set = set()
    order: list = []
    pending = list(range(len(graph.node)))
    while pending:
        left = []
        for index in pending:
            node = graph.node[index]
            if all(not name or name in done or name not in produced for name in node.input):
                order.append(index)
                done.update(node.output)
            else:
                left.append(index)
        if len(left) == len(pending):  # a cycle: no order exists
            return
        pending = left
    if order != sorted(order):
        nodes = [type(graph.node[i])() for i in order]
        for node, index in zip(nodes, order):
            node.CopyFrom(graph.node[index])
        del graph.node[:]
        graph.node.extend(nodes)


def dead_nodes_problem(graph) -> str | None:
    """The nodes whose values reach no output of ``graph``, named; its nodes in order of use (:func:`sort_nodes`)."""
    live = live_node_indices(graph)
    dead = [node for i, node in enumerate(graph.node) if i not in live and node.op_type != "Constant"]
    if not dead:
        return None
    labels = [
        _label(node) + (f" (inside the local function {function_of(node)!r})" if function_of(node) else "") for node in dead
    ]
    unread = sorted({function_of(node) for node in dead if not idle_in_function(node)} - {None})
    idle = sorted({function_of(node) for node in dead if idle_in_function(node)})
    functions = (
        f"; an output of a local function that nothing reads: remove it from {', '.join(map(repr, unread))}" if unread else ""
    )
    if idle:  # a node of a function's body that reaches none of the function's outputs (probe145)
        functions += (
            f"; a node inside a local function that reaches none of its outputs: remove it from {', '.join(map(repr, idle))}"
        )
    return (
        f"the graph holds {len(dead)} node(s) whose values reach no output: {', '.join(labels)}; surrogate "
        "reads the nodes from the input to the output only: remove the unused ones (e.g. onnx.utils.extract_model "
        f"with the net's input and output names) or export the model without them{functions}"
    )


def inputs_problem(graph, inputs: list) -> str | None:
    """Why the graph's ``inputs`` (those without a default) are not one (batch, 2) input: x and y apart."""
    if len(inputs) == 1:
        return None
    names = {i.name for i in inputs}
    joins = [n for n in graph.node if n.op_type == "Concat" and len(names & set(n.input)) >= 2]
    defaults = {t.name for t in graph.initializer} & {i.name for i in graph.input}
    held = f"{len(inputs)} input tensors ({', '.join(sorted(names))})"
    if defaults:
        held += f", and {len(defaults)} with a default initializer, read as weights"
    if joins:
        return (
            f"the net takes {held}, which {_label(joins[0])} joins into one; surrogate feeds x and y as one "
            "(batch, 2) input: export the net with a single input of shape (batch, 2) (in Keras one "
            "Input(shape=(2,)), in torch a forward taking one tensor) and its first layer reading it directly"
        )
    return (
        f"the net has {held}; a surrogate of x*y needs one input of size 2 without a default. Where the others hold "
        "constants (Keras 3 exports a Normalization layer's mean and variance as inputs), store them in the file: for "
        "each, append onnx.numpy_helper.from_array(value, name) to model.graph.initializer and remove it from "
        "model.graph.input (or fold the normalisation into the first layer before export)"
    )


def input_type_problem(graph_input) -> str | None:
    """Why ``graph_input`` is no input that surrogate feeds (an integer one, cast to float in the graph, or bfloat16), or ``None``."""
    import onnx

    kind = graph_input.type.tensor_type.elem_type
    if kind in _FLOAT_TYPES:
        return None
    name = onnx.TensorProto.DataType.Name(kind).lower() if kind in onnx.TensorProto.DataType.values() else str(kind)
    if kind == onnx.TensorProto.BFLOAT16 or name.startswith("float"):  # bfloat16, float8*, float4*
        return (
            f"the net's input {graph_input.name!r} holds {name} values, which numpy has no type for, so surrogate "
            "cannot feed it: export the net with a float32 (or float16/float64) input"
        )
    return (
        f"the net's input {graph_input.name!r} holds {name} values, but surrogate feeds x and y as real numbers "
        "(float32): export the net with a float input (cast integer data before calling the net, not inside it)"
    )


def reordering_problem(graph, input_name: str) -> str | None:
    """Why ``graph`` reorders or picks its input's columns before the first layer (it stores (y, x)), or ``None``;
    the columns are followed through per-feature scalings (an input scaler's ``Sub``, ``Div``) to that node."""
    readers, tensors, seen = [], [input_name], {input_name}
    while tensors:
        for reader in consumers(graph, tensors.pop(0)):
            if reader.op_type in REORDERING_OPS:
                readers.append(reader)
            elif reader.op_type in _COLUMN_KEEPING_OPS:
                tensors += [name for name in reader.output[:1] if name and name not in seen]
                seen.update(reader.output[:1])
    if not readers:
        return None
    ops = ", ".join(sorted({n.op_type for n in readers}))
    return (
        f"{_label(readers[0])} reorders or picks the columns of the input {input_name!r} before the first layer "
        f"(e.g. the net stores its inputs as (y, x)); surrogate feeds (x, y) straight into the first layer: permute "
        f"the rows of the first layer's weight instead (W[[1, 0], :] for a swap, with the layer as x @ W) and "
        f"export the net without the {ops} node(s)"
    )


def input_relu_problem(graph, input_name: str) -> str | None:
    """Why ``graph`` applies a ReLU to its input ``input_name`` (through per-feature maps) before the first layer, or
    ``None``: that ReLU is no layer of an MLP, and OMLT refused it as an 'Unhandled node type Relu'."""
    tensors, seen = [input_name], {input_name}
    while tensors:
        for reader in consumers(graph, tensors.pop(0)):
            if reader.op_type == "Relu":
                return (
                    f"{_label(reader)} applies a ReLU to the input {input_name!r} before the first layer, which is no "
                    "layer of a ReLU MLP: drop it and clamp the box instead (inputs of [0, upper], or max(x, 0) "
                    "computed outside the net), then export the net from its first Linear layer on"
                )
            if reader.op_type in _COLUMN_KEEPING_OPS:
                tensors += [name for name in reader.output[:1] if name and name not in seen]
                seen.update(reader.output[:1])
    return None


def ops_advice(graph, ops: list[str]) -> str:
    """What to do about a net refused for the node types ``ops`` (after the rewrites) that ``graph`` holds: export the
    float model of a quantized net, drop a ReLU's cap, use ReLU where values are picked by a condition or a tensor is
    built from a value's shape (other than a ReLU's, :mod:`~surrogate.nets.onnx_relu_forms`), export a ``(batch, 2)``
    input where a shape is computed for a view to more dimensions; retrain the net with ReLU activations for an
    activation (:data:`_ACTIVATION_OPS`); else name the first node that is none and the fix (:func:`_not_an_activation`)."""
    quantized = sorted(_QUANTIZED_OPS.intersection(ops))
    if quantized:
        return (
            f"its {', '.join(quantized)} node(s) compute with integers: a quantized net (Keras's model.quantize('int8'), "
            "onnxruntime's quantize_dynamic), which rounds values at run time, is not the float net that surrogate "
            "encodes: export the float model instead (in Keras the model before quantize())"
        )
    clip = _input_clip(graph)
    if clip is not None:
        return (
            f"{_label(clip)} clips the net's inputs before its first layer (skl2onnx writes MinMaxScaler(clip=True) so), "
            "which no ReLU MLP does: fit the scaler with clip=False (MinMaxScaler's default) and export again, or clip x "
            "and y outside the net (bound them in the model) and export the net without the Clip"
        )
    cap = _capped_relu(graph)
    if cap is not None:
        return (
            f"{cap}: a capped ReLU (Keras ReLU(max_value=...) or activation='relu6', torch ReLU6 or Hardtanh) is not the "
            "plain ReLU that surrogate encodes: retrain or export the net without the cap (Keras ReLU() or "
            "activation='relu'); a Clip with min 0 and no max, or max=inf, is read as a ReLU"
        )
    selecting = sorted(_SELECTING_OPS.intersection(ops))
    if selecting:
        return (
            f"its {', '.join(selecting)} node(s) pick values by a condition (torch.where, a mask such as h * (h > 0), "
            "nn.Threshold): surrogate reads that only as an exact ReLU (Where(h > 0, h, 0), Where(h <= 0, 0, h), "
            "h * (h > 0), with zeros of one value or of h's shape), and these are not that form (another condition or "
            "value, or a result of another shape than h's): use torch.relu (nn.ReLU) as the activation, or retrain the "
            "net with ReLU activations"
        )
    if "Shape" in ops and not any(node.op_type == "Reshape" for node in graph.node):
        return (
            "its Shape node(s) build a tensor from a value's shape at run time (torch.zeros_like, torch.full_like, "
            "expand_as), which surrogate reads only as the 0 of a ReLU (torch.maximum(h, torch.zeros_like(h))): write "
            "the activation as torch.relu (nn.ReLU), or export the net without the computed tensor"
        )
    if "Shape" in ops:
        return (
            "its Shape node(s) compute the shape of a Reshape that is not (batch, width) (a view to more dimensions: a "
            "Keras Dense on an Input(shape=(1, 2)), which tf2onnx writes as a Tensordot, or x.view(x.size(0), 1, -1)); "
            "surrogate reads (batch, 2) inputs and (batch, width) layers: export the net with an input of shape "
            "(batch, 2) (in Keras Input(shape=(2,)), the data flattened before the net)"
        )
    if _ACTIVATION_OPS.intersection(ops):
        return "retrain the net with ReLU activations"
    return _not_an_activation(graph, ops)


#: Node types that are activations (or compute one): a net refused for one is told to retrain with ReLU.
_ACTIVATION_OPS = frozenset(
    {"Sigmoid", "Tanh", "Elu", "Selu", "Celu", "Gelu", "Mish", "Softplus", "Softsign", "HardSigmoid", "HardSwish"}
    | {"LeakyRelu", "PRelu", "ThresholdedRelu", "Softmax", "LogSoftmax", "Erf", "Exp", "Log", "Abs", "Sin", "Cos"}
    | {"Sqrt", "Pow", "Reciprocal", "Sign", "Floor", "Ceil", "Round", "Clip", "Min", "Neg", "Div", "Mul", "Sub"}
)
#: Node types that change a tensor's shape or repeat its values, not its numbers.
_SHAPE_OPS = frozenset({"Squeeze", "Unsqueeze", "Expand", "Tile", "Transpose", "Reshape", "Flatten"})


def _not_an_activation(graph, ops: list[str]) -> str:
    """The advice for node types ``ops`` that are no activation: the first such node named, with the real fix."""
    node = next(n for n in graph.node if n.op_type in ops)
    if node.op_type in _SHAPE_OPS:
        return (
            f"{_label(node)} changes the shape of a layer's values (unsqueeze, squeeze, expand): surrogate reads "
            "(batch, width) tensors only: export the net with a (batch, 2) input and (batch, width) layers, without "
            "the shape change"
        )
    if node.op_type == "Max":
        return (
            f"{_label(node)} is a Max that is no ReLU (surrogate reads Max(h, 0), with one 0 or one per neuron; not "
            "another floor such as 1e-7, nor of more than two inputs): use torch.relu (nn.ReLU) as the activation"
        )
    if node.op_type == "Sum":
        return f"{_label(node)} sums more than two tensors: write the layer as nn.Linear (x @ W + b, one Add)"
    if node.op_type == "Cast":
        return _cast_advice(node)
    if node.op_type in _NORMALISATION_OPS:
        return (
            f"{_label(node)} is a normalisation across a layer's units, computed from the values at each point "
            "(LayerNorm, GroupNorm, ...), not part of a ReLU MLP: export the net without it (a per-feature map of "
            "stored statistics, BatchNormalization in eval mode or a scaler, is read)"
        )
    if node.op_type.startswith(("Reduce", "Arg")):
        return (
            f"{_label(node)} is a reduction over a tensor's axis (a sum, mean or maximum of its entries), not part of a "
            "ReLU MLP: export a net whose last layer gives the output (a sum of units is a last nn.Linear of weights 1)"
        )
    return (
        f"{_label(node)} is no activation and no dense layer that surrogate reads (Gemm, or MatMul and Add): write "
        "the layer as nn.Linear (a Gemm, or MatMul + Add) and export the net as a chain of Linear and ReLU layers"
    )


#: Node types that normalise a tensor by statistics of its own values (not per-feature maps of stored ones).
_NORMALISATION_OPS = frozenset(
    {"LayerNormalization", "GroupNormalization", "InstanceNormalization", "LpNormalization", "MeanVarianceNormalization"}
)


def _cast_advice(node) -> str:
    """The advice for a ``Cast`` that is not read (one to a floating-point type of float16 or more is): it rounds."""
    from onnx import TensorProto

    to = next((a.i for a in node.attribute if a.name == "to"), 0)
    target = TensorProto.DataType.Name(to).lower() if to in TensorProto.DataType.values() else str(to)
    if target.startswith(("int", "uint", "bool")):
        return (
            f"{_label(node)} casts to {target}, which rounds the values to integers (or to true/false), a step no "
            "ReLU MLP computes: export the net without the cast (in float32 throughout)"
        )
    bits = next((b for prefix, b in _SIGNIFICANT_BITS.items() if target.startswith(prefix)), None)
    kept = f" ({target} keeps {bits} significant bit{'s' if bits != 1 else ''})" if bits else ""
    return (
        f"{_label(node)} casts to {target}, which rounds the values to that type's few digits{kept}, a rounding "
        "surrogate does not compute: export the net in float32 without the cast"
    )


#: Significant bits (the implicit one counted) of the floating-point types below float32, by name prefix.
_SIGNIFICANT_BITS = {"bfloat16": 8, "float16": 11, "float8e4m3": 4, "float8e5m2": 3, "float8e8m0": 1, "float4e2m1": 2}


def _input_clip(graph):
    """The ``Clip`` that the graph's data input reaches through per-feature maps and shape changes only (an input
    scaler's clip, before the first layer), else ``None``."""
    stored = {t.name for t in graph.initializer}
    tensors = [i.name for i in graph.input if i.name not in stored][:1]
    seen = set(tensors)
    while tensors:
        for reader in consumers(graph, tensors.pop(0)):
            if reader.op_type == "Clip":
                return reader
            if reader.op_type in _COLUMN_KEEPING_OPS | {"Cast"}:
                tensors += [name for name in reader.output[:1] if name and name not in seen]
                seen.update(reader.output[:1])
    return None


def _capped_relu(graph) -> str | None:
    """The ``Clip`` with a finite maximum, or the ``Min`` of a tensor and a constant, that ``graph`` holds, named
    with its cap where stored; ``None`` where it holds neither."""
    constants = initializer_arrays(graph)
    for node in graph.node:
        attrs = node_attributes(node)
        if node.op_type == "Clip":
            cap = attrs.get("max", constants.get(node.input[2]) if len(node.input) > 2 else None)
            if cap is None or not np.all(np.isfinite(cap)):  # no cap (probe106 #4: Clip(min=-1) was called capped)
                continue
        elif node.op_type == "Min" and len(node.input) == 2 and any(name in constants for name in node.input):
            cap = constants[next(name for name in node.input if name in constants)]
        else:
            continue
        size = np.size(cap) if cap is not None else 0
        return f"{_label(node)} caps its input at {float(np.max(cap)):g}" if size else f"{_label(node)} caps its input"
    return None
