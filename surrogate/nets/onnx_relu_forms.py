"""ReLU written with a comparison, or with zeros computed at run time, rewritten as ``Relu``.

PyTorch's exporters write ``max(h, 0)`` in forms that :mod:`~surrogate.nets.onnx_spellings` does not read, each of
them exactly ``relu(h)`` of one point:

* ``torch.maximum(h, torch.zeros_like(h))``: ``Max`` of ``h`` and zeros made from ``h``'s shape
  (``Shape`` -> ``ConstantOfShape`` under the legacy exporter, ``Shape`` -> ``Expand`` of a 0 under dynamo), or a
  stored tensor of zeros with one row per point of the fixed batch it was exported with (dynamo at a fixed batch);
* ``torch.where(h > 0, h, 0)`` (``Greater`` -> ``Where``), ``nn.Threshold(0, 0)`` under dynamo
  (``Where(h <= 0, 0, h)``), and the same with ``>=``, ``<`` or the operands swapped (``0 < h``);
* ``h * (h > 0)``: a ``Mul`` of ``h`` and its comparison with 0 cast to float.

:func:`respell_relu_forms` rewrites each such node as ``Relu`` of ``h`` and drops the nodes that only computed its
zeros or its condition. A ``Where`` or mask of another condition (a slope, a threshold other than 0) is left as it is,
refused by its node types (:func:`~surrogate.nets.onnx_refusals.ops_advice` names the comparison);
:func:`~surrogate.nets.onnx_graph.check_import` then compares the net read with onnxruntime running the file.
"""

from __future__ import annotations

import numpy as np

from .onnx_spellings import initializer_arrays, layer_width, node_attributes

#: Comparisons of ``h`` (first) with 0 (second): whether "true" means ``h`` is positive (at 0 either way, relu(h) = h).
_POSITIVE = {"Greater": True, "GreaterOrEqual": True, "Less": False, "LessOrEqual": False}
#: ``onnx.TensorProto``'s floating-point types (FLOAT, FLOAT16, DOUBLE) that a mask is cast to.
_FLOATS = frozenset({1, 10, 11})


def respell_relu_forms(graph) -> None:
    """Rewrite each ReLU written as the module docstring says as ``Relu``, in place; the nodes that only computed its
    zeros or its condition are dropped."""
    constants = initializer_arrays(graph)
    for node in list(graph.node):
        producers = {out: n for n in graph.node for out in n.output if out}
        found = _relu_form(graph, node, constants, producers)
        if found is None:
            continue
        source, helpers = found
        node.op_type = "Relu"
        node.input[:] = [source]
        del node.attribute[:]
        _drop_unread(graph, helpers)


def _relu_form(graph, node, constants: dict, producers: dict) -> tuple[str, list] | None:
    """``(h, nodes that computed the zeros or the condition)`` where ``node`` computes ``relu(h)`` in one of the forms
    of the module docstring, else ``None``."""
    if len(node.input) == 2 and node.op_type in ("Max", "Mul"):
        for h, other in (node.input, node.input[::-1]):
            helpers = (_zeros_like if node.op_type == "Max" else _mask_of)(graph, other, h, constants, producers)
            if h not in constants and helpers is not None:
                return h, helpers
    if node.op_type == "Where" and len(node.input) == 3:
        condition, if_true, if_false = node.input
        compared = _compared(graph, producers.get(condition), constants, producers)
        if compared is None:
            return None
        h, positive, zeros = compared
        kept, zero = (if_true, if_false) if positive else (if_false, if_true)
        helpers = _zeros_like(graph, zero, h, constants, producers) if kept == h else None
        return (h, [producers[condition], *zeros, *helpers]) if helpers is not None else None
    return None


def _compared(graph, node, constants: dict, producers: dict) -> tuple[str, bool, list] | None:
    """``(h, whether true means h positive, the nodes that computed the zeros)`` where ``node`` compares a tensor ``h``
    with zeros (:func:`_zeros_like`: a stored 0, or zeros of ``h``'s shape), else ``None``."""
    if node is None or node.op_type not in _POSITIVE or len(node.input) != 2:
        return None
    for k in (1, 0):
        zero, h = node.input[k], node.input[1 - k]
        zeros = _zeros_like(graph, zero, h, constants, producers) if h not in constants else None
        if zeros is not None:
            return h, _POSITIVE[node.op_type] == (k == 1), zeros  # 0 < h: Less with the operands swapped
    return None


def _mask_of(graph, name: str, h: str, constants: dict, producers: dict) -> list | None:
    """The nodes (``Cast`` of ``h > 0``) that compute ``name`` as ``h``'s positive mask in float, else ``None``."""
    cast = producers.get(name)
    if cast is None or cast.op_type != "Cast" or node_attributes(cast).get("to") not in _FLOATS:
        return None
    compared = _compared(graph, producers.get(cast.input[0]), constants, producers)
    if compared is None or compared[:2] != (h, True):
        return None
    return [cast, producers[cast.input[0]], *compared[2]]


def _zeros_like(graph, name: str, h: str, constants: dict, producers: dict) -> list | None:
    """The nodes that compute ``name`` as zeros that meet ``h`` elementwise without changing its values (``[]`` for
    stored zeros), else ``None``: stored zeros of one value, or of one per feature of ``h``, in one row or in one per
    point of the graph's fixed batch (zeros of more rows than a dynamic batch broadcast it); ``ConstantOfShape`` of 0,
    or ``Expand`` of one such stored 0, to ``Shape(h)``."""
    if name in constants:
        zeros, rows = constants[name], constants[name].shape[:-1]
        per_point = zeros.size == 1 or zeros.shape[-1] in (1, layer_width(graph, h, constants))
        rows_fit = all(d == 1 for d in rows) or (len(rows) == 1 and rows[0] == _fixed_batch(graph))
        return [] if not np.any(zeros) and per_point and rows_fit else None
    node = producers.get(name)
    if node is None or node.op_type not in ("ConstantOfShape", "Expand"):
        return None
    shape = producers.get(node.input[-1])
    attrs = node_attributes(shape) if shape is not None else {}
    if shape is None or shape.op_type != "Shape" or shape.input[0] != h or attrs.get("start", 0) or "end" in attrs:
        return None
    if node.op_type == "ConstantOfShape":
        value = node_attributes(node).get("value")  # none: a float 0
        zero = value is None or not np.any(_array(value))
    else:
        zero = node.input[0] in constants and constants[node.input[0]].size == 1 and not np.any(constants[node.input[0]])
    return [node, shape] if zero else None


def _fixed_batch(graph) -> int | None:
    """The fixed first dimension of the graph's data input (its one input without an initializer), else ``None``."""
    stored = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in stored]
    dims = inputs[0].type.tensor_type.shape.dim if len(inputs) == 1 else []
    return (dims[0].dim_value or None) if len(dims) else None


def _array(tensor) -> np.ndarray:
    from onnx import numpy_helper

    return numpy_helper.to_array(tensor)


def _drop_unread(graph, nodes: list) -> None:
    """Drop each of ``nodes`` (in order: each one's readers before it) whose outputs nothing reads."""
    outputs = {v.name for v in graph.output}
    for node in nodes:
        read = {name for n in graph.node for name in n.input} | outputs
        if node in graph.node and not any(out in read for out in node.output):
            graph.node.remove(node)
