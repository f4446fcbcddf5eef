"""ONNX graphs written by other tools, rewritten into the plain form OMLT's parser reads, and checked after.

OMLT parses a chain of ``Gemm`` (or ``MatMul`` then ``Add``) and ``Relu``
nodes, each ``Gemm`` with every attribute and a bias of full length. Exporters
write the same net in other, equally valid forms; :func:`normalise_graph`
rewrites these, in place and without changing what the graph computes:

* ReLU spelled as ``Clip(min=0)``, ``Max(h, 0)``, ``LeakyRelu(alpha=0)`` or a zero ``PRelu``, and transposed
  weights: see :mod:`surrogate.nets.onnx_spellings`; as ``Max(h, zeros_like(h))``, ``Where(h > 0, h, 0)``,
  ``Where(h <= 0, 0, h)`` or ``h * (h > 0)``: see :mod:`surrogate.nets.onnx_relu_forms`;
* weights passed through ``Identity`` nodes (PyTorch's legacy exporter does
  this for equal tensors) or held in ``Constant`` nodes, and any value computed from constants only (a
  ``BatchNormalization`` or LoRA kernel that jax2onnx writes as ``Sqrt``, ``Div``, ``MatMul``... of stored tensors):
  made initializers, see :mod:`surrogate.nets.onnx_fold`;
* a ``Gemm`` without ``alpha``, ``beta`` or ``transB``, or without its bias
  (PyTorch drops an all-zero bias; another exporter names it ``''``): the defaults (1, 1, 0, zeros) written out;
* a ``MatMul`` not followed by an ``Add`` (a layer without bias, as the legacy
  PyTorch exporter writes ``Linear(bias=False)``): a zero ``Add`` after it;
* a bias of one value broadcast by ONNX over the layer, or one of shape
  ``(1, n)``: spelled out as one value per neuron;
* a per-feature affine map (inference ``BatchNormalization``, skl2onnx's ``Scaler``, an
  ``Add``, ``Sub``, ``Mul`` or ``Div`` by a constant: input normalisation, output
  de-normalisation, an output offset ``layer(h) + c``, a second bias): folded into
  the layer next to it, see :mod:`surrogate.nets.onnx_affine`;
* ``Squeeze``, ``Reshape``, ``Flatten``, ``Unsqueeze`` or ``Identity`` nodes
  after the last layer (``model(x).squeeze(-1)``): dropped, so the graph ends at
  the layer (its one value per point is the same), with the nodes that only computed a ``Reshape``'s shape
  (``x.view(x.size(0))``);
* ``Identity`` and ``Dropout`` nodes, and ``Cast`` nodes to a floating-point
  type (skl2onnx casts the input to its own type), anywhere: dropped, their
  consumers reading their input (the MILP computes in float64 either way); a ``Dropout`` in training mode
  (``training_mode`` a stored true) is refused: it is random;
* a ``Reshape`` to two dimensions or a ``Flatten`` (``x.view(-1, 2)``): dropped,
  since every tensor of a chain of layers is already ``(batch, width)``; an
  input of shape ``(batch, 1, 2)`` flattened so becomes ``(batch, 2)``;
* an input whose width is symbolic (``['batch', 'features']``): given the width
  of the first layer's weights;
* node names that are empty, repeated, or equal to a tensor's name: renamed
  (OMLT keys its graph by node name).

Before that, as the file is read, :func:`~surrogate.nets.onnx_plain.plain_model` inlines local ONNX functions and
stores sparse tensors dense.

:func:`check_import` then runs the file's own graph in onnxruntime and compares
it with the parsed net, so a form that is parsed into a different function is
refused rather than encoded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelFormatError
from .onnx_affine import bypass, consumers, fold_affine
from .onnx_check import FLOAT64_IMPORT_TOLERANCE, IMPORT_POINTS, IMPORT_TOLERANCE, check_import, float32_forward  # noqa: F401 (re-exported)
from .onnx_fold import drop_shape_inputs, fold_constants
from .onnx_relu_forms import respell_relu_forms
from .onnx_spellings import initializer_arrays, node_attributes, respell

_OUTPUT_SHAPE_OPS = {"Squeeze", "Unsqueeze", "Reshape", "Flatten", "Identity"}


def normalise_graph(proto, path: Path | None = None):
    """Rewrite ``proto``'s graph (in place) into the form described in the module docstring; returns ``proto``.

    Raises
    ------
    ModelFormatError
        If a ``Gemm`` transposes its input (``transA=1``), which OMLT cannot encode.
    """
    graph = proto.graph
    _unique_names(graph)
    fold_constants(graph, proto.opset_import)  # Constant nodes, and nodes of constants only (a BN as Sqrt, Div)
    _refuse_training_dropout(graph, path)  # random: no function of one point, not an identity
    respell_relu_forms(graph)  # Max(h, zeros_like(h)), Where(h > 0, h, 0), h * (h > 0) as Relu
    respell(graph)  # Clip(min=0), Max(h, 0), LeakyRelu(alpha=0), PRelu(0) as Relu; transposed weights folded
    _drop_passthrough(graph)
    _drop_reshapes(graph)
    _explicit_gemms(graph, path)
    _add_missing_biases(graph)
    _full_biases(graph, path)
    while _drop_reshape_before_scalar_maps(graph):  # out.squeeze(-1) * sd + mu: the maps then meet the last layer
        pass
    fold_affine(graph)  # BatchNormalization, Scaler, constant Add/Sub/Mul/Div folded into a layer next to them
    _fixed_input_width(graph)
    _drop_output_reshapes(graph)
    return proto


def _unique_names(graph) -> None:
    """Rename each node whose name is empty, taken by an earlier node, or a tensor's name (OMLT keys nodes by name)."""
    tensors = {t.name for t in graph.initializer} | {v.name for v in [*graph.input, *graph.output]}
    tensors |= {name for node in graph.node for name in node.output}
    taken: set = set()
    for i, node in enumerate(graph.node):
        if not node.name or node.name in taken or node.name in tensors:
            name, k = f"{node.op_type}_{i}", 0
            while name in taken or name in tensors:
                k += 1
                name = f"{node.op_type}_{i}_{k}"
            node.name = name
        taken.add(node.name)


def _refuse_training_dropout(graph, path: Path | None) -> None:
    """Refuse a ``Dropout`` in training mode (its ``training_mode`` input a stored true, or ``is_test=0`` in opset 6):
    it zeroes a random part of its input at every run, so it is no identity (onnxruntime's optimiser drops it, but
    ONNX's semantics do not), as a ``BatchNormalization`` in training mode is refused; a ratio of 0 drops nothing."""
    weights = initializer_arrays(graph)
    for node in graph.node:
        if node.op_type != "Dropout":
            continue
        ratio, training = (weights.get(name) if name else None for name in [*node.input, "", ""][1:3])
        if ratio is not None and not np.any(ratio):
            continue
        if (training is not None and bool(np.all(training))) or node_attributes(node).get("is_test", 1) == 0:
            raise ModelFormatError(
                f"{path or 'the net'}: Dropout node {node.name!r} is in training mode (training_mode=True): it zeroes a "
                "random part of its input at every run, no function of one point; export the net in eval mode "
                "(model.eval(), and torch.onnx.export(..., training=torch.onnx.TrainingMode.EVAL))"
            )


def _drop_passthrough(graph) -> None:
    """Drop ``Identity`` and ``Dropout`` nodes, and ``Cast`` nodes to a floating-point type (see the module docstring)."""
    from onnx import TensorProto

    floats = {TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16}
    for node in list(graph.node):
        attrs = node_attributes(node)
        used_mask = len(node.output) > 1 and any(consumers(graph, o) for o in node.output[1:] if o)
        if (node.op_type == "Cast" and attrs.get("to") in floats) or (node.op_type in ("Identity", "Dropout") and not used_mask):
            bypass(graph, node)


def _point_input(graph):
    """The graph's one data input (not an initializer), or ``None``."""
    stored = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in stored]
    return inputs[0] if len(inputs) == 1 else None


def _set_input_width(value, width: int) -> None:
    """Make ``value``'s shape ``(batch, width)``, its batch dimension dynamic."""
    dims = value.type.tensor_type.shape.dim
    del dims[:]
    dims.add().dim_param = "batch"
    dims.add().dim_value = width


def _drop_reshapes(graph) -> None:
    """Drop a ``Reshape`` to a constant 2-d shape, and a ``Flatten``, that no graph output comes from (see the module docstring)."""
    weights, first = initializer_arrays(graph), _point_input(graph)
    outputs = {v.name for v in graph.output}
    for node in list(graph.node):
        if node.output[0] in outputs:
            continue  # _drop_output_reshapes' case
        flat = node.op_type == "Flatten" and node_attributes(node).get("axis", 1) == 1
        shape = weights.get(node.input[1]) if node.op_type == "Reshape" and len(node.input) > 1 else None
        if not (flat or (shape is not None and shape.size == 2)):
            continue
        if first is not None and node.input[0] == first.name:
            dims = [d.dim_value for d in first.type.tensor_type.shape.dim]
            if len(dims) != 2 and int(np.prod([d for d in dims if d > 0])) == 2:
                _set_input_width(first, 2)  # (batch, 1, 2) and the like: a point has 2 values
        bypass(graph, node)


def _fixed_input_width(graph) -> None:
    """An input of symbolic width read by a layer of known weights gets that layer's width (see the module docstring)."""
    first = _point_input(graph)
    if first is None or len(first.type.tensor_type.shape.dim) != 2 or first.type.tensor_type.shape.dim[1].dim_value > 0:
        return
    weights = initializer_arrays(graph)
    for node in consumers(graph, first.name):
        if node.op_type in ("Gemm", "MatMul") and len(node.input) > 1 and node.input[1] in weights:
            w = weights[node.input[1]]
            trans_b = node.op_type == "Gemm" and any(a.name == "transB" and a.i for a in node.attribute)
            if w.ndim == 2:
                _set_input_width(first, int(w.shape[1] if trans_b else w.shape[0]))
            return


def _add_initializer(graph, array: np.ndarray, name: str) -> str:
    """Add ``array`` as an initializer named ``name`` (``name.1``, ... where taken: layers may share a weight)."""
    from onnx import numpy_helper

    taken = {t.name for t in graph.initializer} | {i.name for i in graph.input} | {o for n in graph.node for o in n.output}
    unique, k = name, 0
    while unique in taken:
        k += 1
        unique = f"{name}.{k}"
    floating = array.dtype in (np.float16, np.float32, np.float64)  # a float64 file keeps its precision
    graph.initializer.append(numpy_helper.from_array(array if floating else array.astype(np.float32), unique))
    return unique


def _explicit_gemms(graph, path: Path | None) -> None:
    from onnx import helper

    weights = initializer_arrays(graph)
    for node in (n for n in graph.node if n.op_type == "Gemm"):
        attrs = node_attributes(node)
        if attrs.get("transA", 0):
            raise ModelFormatError(
                f"{path or 'the net'}: Gemm node {node.name!r} transposes its input (transA=1), which OMLT cannot "
                "encode; export the layer as a plain Linear layer"
            )
        for name, default in (("alpha", 1.0), ("beta", 1.0), ("transB", 0)):
            if name not in attrs:
                node.attribute.append(helper.make_attribute(name, default))
        if len(node.input) == 3 and node.input[2] == "":  # an optional bias left out by name
            del node.input[2]
        if len(node.input) == 2 and node.input[1] in weights:
            rows, cols = weights[node.input[1]].shape
            zeros = np.zeros(rows if attrs.get("transB", 0) else cols, weights[node.input[1]].dtype)
            node.input.append(_add_initializer(graph, zeros, f"{node.input[1]}.zero_bias"))


def _add_missing_biases(graph) -> None:
    from onnx import helper

    weights = initializer_arrays(graph)
    for node in [n for n in graph.node if n.op_type == "MatMul"]:
        if node.input[1] not in weights or any(c.op_type == "Add" for c in consumers(graph, node.output[0])):
            continue
        out = node.output[0]
        node.output[0] = f"{out}.without_bias"
        zeros = np.zeros(weights[node.input[1]].shape[-1], weights[node.input[1]].dtype)  # a float64 file stays one
        bias = _add_initializer(graph, zeros, f"{node.input[1]}.zero_bias")
        add = helper.make_node("Add", [node.output[0], bias], [out], name=f"{node.name}.zero_bias")
        position = list(graph.node).index(node) + 1
        graph.node.insert(position, add)


def _bias_slot(node, producers: dict, weights: dict) -> tuple[int, int] | None:
    """``(input slot of the bias, neurons of the layer)`` where ``node`` adds a layer's bias, else ``None``.

    That is a ``Gemm`` with a bias and known weights, or an ``Add`` of a ``MatMul`` by known weights.
    """
    if node.op_type == "Gemm" and len(node.input) == 3 and node.input[1] in weights:
        trans_b = node_attributes(node).get("transB", 0)
        return 2, weights[node.input[1]].shape[0 if trans_b else 1]
    if node.op_type == "Add":
        for slot in (0, 1):
            source = producers.get(node.input[slot])
            if source is not None and source.op_type == "MatMul" and source.input[1] in weights:
                return 1 - slot, weights[source.input[1]].shape[-1]
    return None


def _full_biases(graph, path: Path | None = None) -> None:
    """A bias of one value (ONNX broadcasts it; OMLT's parser does not) or of shape ``(1, n)`` becomes a vector of one
    per neuron; one of a row per point of a batch, all equal, becomes that row. A refusal names the file ``path``."""
    weights = initializer_arrays(graph)
    producers = {o: n for n in graph.node for o in n.output}
    for node in graph.node:
        if (found := _bias_slot(node, producers, weights)) is None:
            continue
        slot, width = found
        bias = weights.get(node.input[slot])
        if bias is not None and bias.ndim == 2 and bias.shape[0] > 1 and bias.shape[1] == width:  # a row per point
            if np.any(bias != bias[:1]):
                raise ModelFormatError(
                    f"{'' if path is None else f'{path}: '}{node.op_type} node {node.name!r} adds a bias of shape "
                    f"{bias.shape}, a different one per point of a batch of {bias.shape[0]}: no function of one point; "
                    f"export the layer with one bias vector of {width} value{'s' if width != 1 else ''}"
                )
            full = bias[0]
        elif bias is None or bias.shape == (width,) or bias.size not in (1, width):
            continue
        else:
            full = np.full(width, bias.item(), dtype=bias.dtype) if bias.size == 1 else bias.reshape(width)
        node.input[slot] = _add_initializer(graph, full, f"{node.input[slot]}.full_{node.name}")


def _drop_reshape_before_scalar_maps(graph) -> bool:
    """Drop a shape op (:data:`_OUTPUT_SHAPE_OPS`) that only constant maps of one value (``Add``, ``Sub``, ``Mul``,
    ``Div`` by a scalar) follow to the output: such a map commutes with any reshape. Whether one was dropped."""
    if len(graph.output) != 1:
        return False
    weights, producers = initializer_arrays(graph), {o: n for n in graph.node for o in n.output}
    tensor, reader = graph.output[0].name, None
    while (node := producers.get(tensor)) is not None and node.op_type in ("Add", "Sub", "Mul", "Div"):
        inputs = [name for name in node.input if name not in weights]
        if len(node.input) != 2 or len(inputs) != 1 or weights[next(n for n in node.input if n in weights)].size != 1:
            return False
        if len(consumers(graph, inputs[0])) != 1:
            return False
        tensor, reader = inputs[0], node
    shape = producers.get(tensor)
    if reader is None or shape is None or shape.op_type not in _OUTPUT_SHAPE_OPS or len(consumers(graph, tensor)) != 1:
        return False
    reader.input[list(reader.input).index(tensor)] = shape.input[0]
    graph.node.remove(shape)
    drop_shape_inputs(graph, shape)
    _untyped_output(graph)
    return True


def _untyped_output(graph, name: str | None = None) -> None:
    """The graph's one output (renamed ``name``, where given) without a declared shape (a shape op before it was dropped)."""
    from onnx import helper

    output = graph.output[0]
    elem_type = output.type.tensor_type.elem_type
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(name or output.name, elem_type, None))


def _drop_output_reshapes(graph) -> None:
    if len(graph.output) != 1:
        return
    producers = {o: n for n in graph.node for o in n.output}
    end, dropped = graph.output[0].name, 0
    while (node := producers.get(end)) is not None and node.op_type in _OUTPUT_SHAPE_OPS and len(consumers(graph, end)) == 0:
        dropped += 1
        graph.node.remove(node)
        drop_shape_inputs(graph, node)  # the Shape -> Gather -> ... that computed a Reshape's shape: read by nothing now
        end = node.input[0]
    if dropped:
        _untyped_output(graph, end)
