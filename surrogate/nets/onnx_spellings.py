"""ReLU and constant weights as other exporters spell them, rewritten into the form OMLT reads.

:func:`~surrogate.nets.onnx_graph.normalise_graph` calls :func:`respell` first, which rewrites, in place
and without changing what the graph computes:

* ``Clip`` with a lower bound of 0 and no upper bound (PyTorch's ``clamp(min=0)`` under the legacy
  exporter), ``Max`` of a tensor and a constant 0 (``clamp(min=0)`` under dynamo), or of a layer's output (through
  per-feature maps) and one 0 per neuron, ``LeakyRelu``
  with ``alpha=0`` and ``PRelu`` with a constant slope of zeros: ``max(h, 0)``, written as ``Relu``;
* ``Sum`` of two tensors: ``Add`` (of one: ``Identity``);
* ``Relu`` of a ``Relu``: the outer one becomes an ``Identity`` (dropped after);
* ``Transpose`` of a weight (an exporter that does not fold constants writes ``Linear`` so):
  the transposed weight becomes an initializer of the node's output name;
* a ``MatMul`` by a 1-D weight (``h @ w`` with ``w`` of shape ``(n,)``): the weight made ``(n, 1)``;
* the shape the legacy PyTorch exporter computes for ``x.view(x.size(0), -1)`` (``Shape`` -> ``Gather`` of dimension
  0 -> ``Unsqueeze`` -> ``Concat`` with constants -> ``Reshape``): the constant shape ``[0, -1]`` (``0`` copies the
  batch dimension), which :func:`~surrogate.nets.onnx_graph.normalise_graph` drops as any 2-d ``Reshape``.

:func:`structure_problem` names the forms that are no chain of layers (a skip connection, a 3-D weight, a weight
multiplied from the left, layer parts joined by a ``Concat``), so that they are refused with that reason rather than a
parser's; a ``Concat`` that computes a shape (read as one through an integer ``Cast`` too, as tf2onnx writes it) is no
such form.

A ``Clip`` with an upper bound (``ReLU6``) or a ``LeakyRelu`` or ``PRelu`` with a slope is another function and is
left as it is, to be refused by name.
"""

from __future__ import annotations

import numpy as np


def respell(graph) -> None:
    """Rewrite ``graph``'s ReLU spellings and transposed weights (see the module docstring)."""
    _fold_transposes(graph)
    _matrix_weights(graph)
    _constant_view_shapes(graph)
    constants = initializer_arrays(graph)
    for node in graph.node:
        if node.op_type == "Sum" and len(node.input) <= 2:  # Sum(m, b) broadcasts as Add(m, b) does (probe139)
            node.op_type = "Add" if len(node.input) == 2 else "Identity"
        if _is_relu(node, constants, graph):
            _as_relu(node)
    producers = {out: node for node in graph.node for out in node.output}
    for node in graph.node:
        inner = producers.get(node.input[0]) if node.op_type == "Relu" and node.input else None
        if inner is not None and inner.op_type == "Relu":
            node.op_type = "Identity"


def initializer_arrays(graph) -> dict:
    """``graph``'s initializers as numpy arrays, by name."""
    from onnx import numpy_helper

    return {t.name: numpy_helper.to_array(t) for t in graph.initializer}


def node_attributes(node) -> dict:
    """``node``'s attributes as Python values, by name."""
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _zero(constants: dict, name: str, width: int | None = None) -> bool:
    """Whether ``name`` is a constant 0 of one value, or of ``width`` values, one per feature of a tensor ``width``
    wide (any other would broadcast the tensor it meets)."""
    if name not in constants or np.any(constants[name]):
        return False
    return constants[name].size == 1 or (width is not None and _per_feature(constants[name].shape, width))


#: Nodes whose output has the width of their first input (a per-feature map read as such, :func:`layer_width`).
_SAME_WIDTH = {"Identity", "Dropout", "Cast", "BatchNormalization"}


def layer_width(graph, tensor: str, constants: dict) -> int | None:
    """The features of ``tensor`` where a layer of constant weights computes it, through its bias ``Add`` and any
    per-feature map (a ``Mul``, ``Div``, ``Add`` or ``Sub`` by a constant of one value or one per feature, a
    ``BatchNormalization``, an ``Identity``, ``Dropout`` or ``Cast``: probe93 #7), else ``None``."""
    from onnx import helper

    node = next((n for n in graph.node if tensor in n.output), None)
    if node is not None and node.op_type in _SAME_WIDTH and node.input:
        return layer_width(graph, node.input[0], constants)
    if node is not None and node.op_type in ("Add", "Sub", "Mul", "Div") and len(node.input) == 2:
        inner = [name for name in node.input if name not in constants]
        width = layer_width(graph, inner[0], constants) if len(inner) == 1 else None
        other = next((name for name in node.input if name in constants), None)
        return width if width is not None and _per_feature(constants[other].shape, width) else None
    weight = constants.get(node.input[1]) if node is not None and len(node.input) > 1 else None
    if weight is None or weight.ndim != 2 or node.op_type not in ("Gemm", "MatMul"):
        return None
    trans = any(a.name == "transB" and helper.get_attribute_value(a) for a in node.attribute)
    return weight.shape[0] if node.op_type == "Gemm" and trans else weight.shape[1]


def _per_feature(shape: tuple, width: int) -> bool:
    """Whether a constant of ``shape`` holds one value, or one per feature of a tensor ``width`` wide (it broadcasts
    no tensor it meets)."""
    return int(np.prod(shape)) == 1 or (tuple(shape[-1:]) == (width,) and all(d == 1 for d in shape[:-1]))


def _is_relu(node, constants: dict, graph) -> bool:
    """Whether ``node`` computes ``max(h, 0)`` of its first input in a spelling other than ``Relu``."""
    attrs = node_attributes(node)
    if node.op_type == "LeakyRelu":
        return attrs.get("alpha", 0.01) == 0.0
    if node.op_type == "PRelu" and len(node.input) == 2 and node.input[1] in constants:
        slope = constants[node.input[1]]  # zeros, one per channel or one for all (and no batch of them)
        return not np.any(slope) and all(d == 1 for d in slope.shape[:-1])
    if node.op_type == "Max" and len(node.input) == 2:  # max(h, 0), 0 one value or one per neuron
        if node.input[0] in constants:
            node.input[:] = [node.input[1], node.input[0]]
        return _zero(constants, node.input[1], layer_width(graph, node.input[0], constants))
    if node.op_type != "Clip":
        return False
    if "min" in attrs or "max" in attrs:  # opset 6: bounds as attributes
        return attrs.get("min", -np.inf) == 0.0 and attrs.get("max", np.inf) >= np.finfo(np.float32).max
    inputs = list(node.input) + ["", ""]
    upper = inputs[2]
    no_upper = upper == "" or (upper in constants and constants[upper].size == 1 and constants[upper] >= np.finfo(np.float32).max)
    return _zero(constants, inputs[1]) and no_upper


def _as_relu(node) -> None:
    node.op_type = "Relu"
    del node.input[1:]
    del node.attribute[:]


def _fold_transposes(graph) -> None:
    """A ``Transpose`` of an initializer becomes the transposed initializer, under the node's output name."""
    from onnx import helper, numpy_helper

    constants = initializer_arrays(graph)
    for node in list(graph.node):
        if node.op_type != "Transpose" or node.input[0] not in constants:
            continue
        perm = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "perm"), None)
        array = np.transpose(constants[node.input[0]], perm)
        graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(array), node.output[0]))
        graph.node.remove(node)


def _matrix_weights(graph) -> None:
    """A 1-D weight of a ``MatMul`` made a one-column matrix (the layer's one output per point is the same)."""
    from onnx import numpy_helper

    for tensor in graph.initializer:
        users = [n for n in graph.node if tensor.name in n.input]
        if (
            tensor.dims
            and len(tensor.dims) == 1
            and users
            and all(n.op_type == "MatMul" and n.input[1] == tensor.name for n in users)
        ):
            tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor).reshape(-1, 1), tensor.name))


def structure_problem(graph) -> str | None:
    """Why ``graph``'s layers are no chain that surrogate encodes, in words; ``None`` when no such form is found."""
    weights = initializer_arrays(graph)
    constants = set(weights)
    for node in graph.node:
        if node.op_type in ("MatMul", "Gemm") and node.input[0] in constants and node.input[1] not in constants:
            return (
                f"{node.op_type} node {node.name!r} multiplies a weight from the left (W @ x); "
                "export the layer as x @ W, as torch.nn.Linear does"
            )
        weight = weights.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if weight is not None and weight.ndim > 2:
            return (
                f"MatMul node {node.name!r} multiplies by a stored weight of shape {weight.shape}, a batch of matrices, "
                "not one (inputs, outputs) matrix; export the layer's weight as a matrix, as torch.nn.Linear holds it"
            )
        if node.op_type in ("Add", "Sub") and not any(name in constants for name in node.input):
            verb, result = ("adds", "sum") if node.op_type == "Add" else ("subtracts", "difference")
            return (
                f"{node.op_type} node {node.name!r} {verb} two computed tensors (a skip connection, two branches, or an "
                f"offset computed in the graph); surrogate encodes a plain chain of layers: fold the {result} into the "
                "layers, or export a plain MLP"
            )
        if node.op_type == "Concat" and any(name not in constants for name in node.input) and _joins_values(graph, node):
            return (
                f"Concat node {node.name!r} joins computed tensors ({', '.join(node.input)}: a layer built as parts side "
                "by side, or branches); surrogate encodes a plain chain of layers: export each such layer as one Linear "
                "(its parts' weights and biases concatenated), or a plain MLP"
            )
    return None


#: The nodes, and the inputs of theirs, that read a shape or an index rather than values (a ``Concat`` feeding one
#: computes a shape, as ``x.view(x.size(0), -1)`` does).
_SHAPE_INPUTS = {
    "Reshape": {1},
    "Expand": {1},
    "Tile": {1},
    "ConstantOfShape": {0},
    "Slice": {1, 2, 3, 4},
    "Squeeze": {1},
    "Unsqueeze": {1},
}


def _joins_values(graph, concat) -> bool:
    """Whether ``concat``'s output is read as values (by a layer, a map, an output), not only as a shape."""
    if any(concat.output[0] == v.name for v in graph.output):
        return True
    return _read_as_values(graph, concat.output[0])


def _read_as_values(graph, tensor: str) -> bool:
    """Whether ``tensor`` is read as values, not only as a shape: followed through ``Cast`` to an integer type
    (tf2onnx casts a computed shape to int32 and back)."""
    from onnx import helper

    if any(tensor == v.name for v in graph.output):
        return True
    readers = [(n, i) for n in graph.node for i, name in enumerate(n.input) if name == tensor]
    for node, i in readers:
        to = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "to"), None)
        if node.op_type == "Cast" and to in _INTEGER_TYPES:
            if _read_as_values(graph, node.output[0]):
                return True
        elif i not in _SHAPE_INPUTS.get(node.op_type, ()):
            return True
    return not readers


#: ``onnx.TensorProto``'s integer element types (INT8 to UINT64): a tensor cast to one is no layer's values.
_INTEGER_TYPES = frozenset({2, 3, 4, 5, 6, 7, 12, 13})


def _constant_view_shapes(graph) -> None:
    """The shape a ``Reshape`` reads computed as ``x.view(x.size(0), k)`` (two dimensions) is, made that constant (see
    the module docstring); the nodes that computed it, read by nothing else then, dropped. A view to more dimensions is
    left as it is: refused by its operations (a rewrite named its own constant, probe95 #5). Under ``allowzero=1`` the
    computed batch size is read as it is (the attribute dropped, the batch written as 0: "copy it"); a literal 0 in
    the constant part is an empty dimension there, left to its refusal."""
    from onnx import numpy_helper

    constants, producers = initializer_arrays(graph), {out: node for node in graph.node for out in node.output}
    for node in list(graph.node):
        attrs = node_attributes(node)
        concat = producers.get(node.input[1]) if node.op_type == "Reshape" and len(node.input) > 1 else None
        if concat is None or concat.op_type != "Concat":
            continue
        shape, chain = [], [concat]
        for position, name in enumerate(concat.input):
            batch = _batch_size(name, node.input[0], producers, constants) if position == 0 else None
            if name in constants and constants[name].ndim == 1 and constants[name].dtype.kind == "i":
                shape.extend(int(v) for v in constants[name])
            elif batch is not None:
                shape.append(0)
                chain += batch
            else:
                break
        else:
            if len(shape) != 2 or (attrs.get("allowzero", 0) and 0 in shape[1:]):  # allowzero=1: a literal 0 is empty
                continue  # only a 2-d [batch, n] view is dropped later; others keep their operations' refusal
            _drop_attribute(node, "allowzero")  # the batch written as 0, "copy it": the same view at any batch size
            name = f"{node.output[0]}__shape"
            graph.initializer.append(numpy_helper.from_array(np.array(shape, dtype=np.int64), name))
            node.input[1] = name
            _drop_unread(graph, chain)


def _drop_attribute(node, name: str) -> None:
    """Remove ``node``'s attribute ``name``, if it has one."""
    for attribute in [a for a in node.attribute if a.name == name]:
        node.attribute.remove(attribute)


def _batch_size(name: str, data: str, producers: dict, constants: dict) -> list | None:
    """The nodes (``Unsqueeze`` of ``Gather`` of ``Shape``, or ``Gather`` of ``[0]``) that compute ``name`` as
    ``[data.shape[0]]``, or ``None``."""
    from onnx import helper

    node, chain = producers.get(name), []
    if node is not None and node.op_type == "Unsqueeze":
        axes = constants.get(node.input[1]) if len(node.input) > 1 else None
        attrs = node_attributes(node)
        if list(np.ravel(axes if axes is not None else attrs.get("axes", []))) != [0]:
            return None
        chain.append(node)
        node = producers.get(node.input[0])
    if node is None or node.op_type != "Gather" or node.input[1] not in constants:
        return None
    index = constants[node.input[1]]
    if any(a.name == "axis" and helper.get_attribute_value(a) != 0 for a in node.attribute) or index.ndim != (0 if chain else 1):
        return None
    shape = producers.get(node.input[0])
    if np.ravel(index).tolist() != [0] or shape is None or shape.op_type != "Shape" or shape.input[0] != data:
        return None
    if any(a.name == "start" and helper.get_attribute_value(a) != 0 for a in shape.attribute):
        return None
    return [*chain, node, shape]


def _drop_unread(graph, nodes: list) -> None:
    """Drop each of ``nodes`` (in order: each one's readers before it) whose outputs nothing reads."""
    outputs = {v.name for v in graph.output}
    for node in nodes:
        read = {name for n in graph.node for name in n.input} | outputs
        if not any(out in read for out in node.output):
            graph.node.remove(node)
