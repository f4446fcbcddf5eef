"""Per-feature affine maps between a net's layers, folded exactly into the layers.

Exporters write a ReLU MLP's input normalisation, its output de-normalisation and
its batch normalisation as nodes of their own. Each computes ``x * s + t``, one
scale ``s`` and one shift ``t`` per feature (or one for all features):

* ``BatchNormalization`` in inference mode (PyTorch's legacy exporter writes
  ``BatchNorm1d`` so): ``s = scale / sqrt(var + epsilon)``, ``t = B - mean * s``;
* ``Scaler`` of the ``ai.onnx.ml`` domain (skl2onnx's ``StandardScaler``): ``(x - offset) * scale``;
* ``Add``, ``Sub`` and ``Mul`` of the tensor and a constant, and ``Div`` of the
  tensor by a constant (skl2onnx's scalers, a hand-written normalisation), other
  than a layer's own bias ``Add``;
* ``Neg`` (a scaling by -1).

:func:`fold_affine` folds each into a neighbouring layer (a ``Gemm``, or a
``MatMul`` and its bias ``Add``): into the layer whose output it alone reads,
``(h W + b) s + t = h (W s) + (b s + t)``, else into the layers that alone read
its output, ``(x s + t) W + b = x (diag(s) W) + (t W + b)``, the folded weight and bias stored in float64 whatever
the file's type (the file's graph computed exactly; float32 rounded a scaler's cancelling bias). A ReLU stays where
it is: nothing is folded across one. :func:`affine_problem` names a map that is
left (a ``Div`` by 0, batch statistics, a constant that is not per feature, no
layer next to it), so that it is refused with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .onnx_spellings import initializer_arrays, node_attributes

#: The node types that may compute a per-feature affine map.
AFFINE_OPS = {"BatchNormalization", "Scaler", "Add", "Sub", "Mul", "Div", "Neg"}
_FOLD_HOW = (
    "fold it into the neighbouring Linear layer before export (after a layer: W' = W*s, b' = b*s + t; "
    "before one: W' = diag(s) W, b' = t W + b)"
)


@dataclass(frozen=True)
class _Map:
    """``source * scale + shift``, per feature (arrays of 1 or n values)."""

    source: str
    scale: np.ndarray
    shift: np.ndarray


@dataclass(frozen=True)
class _Layer:
    """A ``Gemm``, or a ``MatMul`` and its bias ``Add``: ``source @ weight + bias``."""

    product: object
    add: object | None
    weight: np.ndarray  # (inputs, outputs), as the layer multiplies
    bias: np.ndarray  # (outputs,)

    @property
    def output(self) -> str:
        return (self.add or self.product).output[0]


def consumers(graph, tensor: str) -> list:
    """The nodes of ``graph`` that read ``tensor``."""
    return [n for n in graph.node if tensor in n.input]


def bypass(graph, node) -> None:
    """Remove ``node``; whatever read its (first) output reads its first input instead.

    Where that output is a graph output, the tensor keeps the graph output's name
    (so messages name the graph's own outputs): its producer writes it under that name.
    """
    old, new = node.output[0], node.input[0]
    graph.node.remove(node)
    sources = {t.name for t in graph.initializer} | {v.name for v in graph.input}
    if old in {v.name for v in graph.output} and new not in sources:
        old, new = new, old  # rename the input tensor to the output's name, everywhere
        for other in graph.node:
            other.output[:] = [new if name == old else name for name in other.output]
    for consumer in graph.node:
        consumer.input[:] = [new if name == old else name for name in consumer.input]
    for value in graph.output:
        if value.name == old:
            value.name = new


def _per_feature(values: np.ndarray, width: int) -> np.ndarray | None:
    """``values`` as ``width`` values (one value repeated), or ``None`` if it has another number of them."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    return np.broadcast_to(flat, width).copy() if flat.size in (1, width) else None


def _batch_norm(node, weights: dict) -> _Map | str:
    attrs = node_attributes(node)
    if attrs.get("training_mode", 0) or len([o for o in node.output if o]) > 1 or attrs.get("is_test", 1) == 0:
        return "normalises by each batch's own statistics (training mode), no function of one point; export the net in eval mode (model.eval())"
    if not all(name in weights for name in node.input[1:5]):
        return "takes its scale, bias, mean or variance from computed tensors; export them as constants"
    gamma, beta, mean, var = (weights[name].astype(np.float64).reshape(-1) for name in node.input[1:5])
    if len({gamma.size, beta.size, mean.size, var.size}) != 1:
        return "has a scale, bias, mean and variance of different lengths; re-export the net"
    epsilon = attrs.get("epsilon", 1e-5)
    bad = np.flatnonzero(~(var + epsilon > 0))  # probe139: blamed on 'non-finite weights (a diverged training run)'
    if bad.size:
        return (
            f"divides by sqrt(variance + epsilon), which is 0 or not real for features {bad.tolist()} (variance "
            f"{var[bad[0]]:g}, epsilon {epsilon:g}): a division by zero; export it with epsilon > 0 (BatchNorm's "
            "default 1e-5) and variances of 0 or more"
        )
    scale = gamma / np.sqrt(var + epsilon)
    return _Map(node.input[0], scale, beta - mean * scale)


def _arithmetic(node, weights: dict) -> _Map | str | None:
    """The map of an ``Add``, ``Sub``, ``Mul`` or ``Div`` of a tensor and a constant; ``None`` when neither input is a constant."""
    slots = [k for k in (0, 1) if node.input[k] in weights]
    if len(node.input) != 2 or len(slots) != 1:
        return None
    k = slots[0]
    constant, source = weights[node.input[k]].astype(np.float64), node.input[1 - k]
    if constant.ndim > 1 and any(d != 1 for d in constant.shape[:-1]):
        rows = constant.reshape(-1, constant.shape[-1])
        per_point = "the same row for each point" if np.all(rows == rows[:1]) else "a different one per point"
        return (  # probe139: equal rows were called 'a different one per point'
            f"applies a constant of shape {constant.shape}, not one value per feature ({per_point} of a batch of "
            f"{len(rows)}, which a batch of another size cannot take); export it with one value per feature, shape "
            f"({constant.shape[-1]},)"
        )
    c = constant.reshape(-1)
    one, zero = np.ones(1), np.zeros(1)
    if node.op_type == "Div" and k == 0:
        return "divides a constant by the tensor (1/x), which is no affine map; export the net without it"
    if node.op_type == "Div" and not np.all(c):
        return (
            "divides by a constant that holds 0 (an input scaler for a feature of zero spread); set those "
            "divisors to 1 and re-export, or fold the map into the first layer yourself"
        )
    if node.op_type == "Div":  # only here: 1/c of a Mul's 0 would warn of a division by zero
        return _Map(source, 1.0 / c, zero)
    maps = {"Add": (one, c), "Mul": (c, zero), "Sub": (one, -c) if k == 1 else (-one, c)}
    return _Map(source, *maps[node.op_type])


def _affine(node, weights: dict) -> _Map | str | None:
    """What ``node`` computes as a per-feature affine map; a reason (words) where it is one that cannot be folded; ``None`` if none."""
    if node.op_type == "BatchNormalization":
        return _batch_norm(node, weights)
    if node.op_type == "Scaler":
        attrs = node_attributes(node)
        scale = np.asarray(attrs.get("scale", [1.0]), np.float64)
        offset = np.asarray(attrs.get("offset", [0.0]), np.float64)
        if scale.size != offset.size and 1 not in (scale.size, offset.size):
            return f"has {scale.size} scales but {offset.size} offsets; re-export the net"
        return _Map(node.input[0], scale, -offset * scale)
    if node.op_type == "Neg":
        return _Map(node.input[0], -np.ones(1), np.zeros(1))
    if node.op_type in ("Add", "Sub", "Mul", "Div"):
        return _arithmetic(node, weights)
    return None


def _layers(graph, weights: dict) -> list[_Layer]:
    """The graph's layers of constant weights and bias (see :class:`_Layer`)."""
    layers = []
    for node in graph.node:
        if len(node.input) < 2 or node.input[0] in weights or weights.get(node.input[1], np.zeros(0)).ndim != 2:
            continue
        w = weights[node.input[1]].astype(np.float64)
        if node.op_type == "Gemm" and len(node.input) == 3 and node.input[2] in weights:
            attrs = node_attributes(node)
            if attrs.get("transA", 0):
                continue
            w = attrs.get("alpha", 1.0) * (w.T if attrs.get("transB", 0) else w)
            bias = _per_feature(attrs.get("beta", 1.0) * weights[node.input[2]], w.shape[1])
            if bias is not None:
                layers.append(_Layer(node, None, w, bias))
        elif node.op_type == "MatMul":
            readers = consumers(graph, node.output[0])
            add = readers[0] if len(readers) == 1 and readers[0].op_type == "Add" else None
            other = [name for name in add.input if name != node.output[0]] if add is not None else []
            bias = _per_feature(weights[other[0]], w.shape[1]) if len(other) == 1 and other[0] in weights else None
            if bias is not None:
                layers.append(_Layer(node, add, w, bias))
    return layers


def _unique(graph, name: str) -> str:
    taken = {t.name for t in graph.initializer}
    k, found = 0, name
    while found in taken:
        k += 1
        found = f"{name}_{k}"
    return found


def _write(graph, layer: _Layer, weight: np.ndarray, bias: np.ndarray, why: str) -> None:
    """Give ``layer`` the weight and bias given (new initializers; others may share the old ones)."""
    from onnx import helper, numpy_helper

    names = []
    slot = 1 if layer.add is not None and layer.add.input[0] == layer.product.output[0] else 0
    olds = (layer.product.input[1], layer.add.input[slot] if layer.add is not None else layer.product.input[2])
    for array, old in zip((weight, bias), olds):  # both are initializers (see _layers), whichever side of the Add
        names.append(_unique(graph, f"{old}.{why}"))
        # float64 whatever the file's type: the fold is the file's own graph computed exactly (a float32 file's
        # scaler folded into float32 rounded a cancelling bias, 1.6e-2 off at [1000, 1001]^2: probe129 #1); only
        # OMLT's parser reads the graph after, and it reads mixed types
        graph.initializer.append(numpy_helper.from_array(np.asarray(array, dtype=np.float64), names[-1]))
    layer.product.input[1] = names[0]
    if layer.add is None:  # a Gemm: its bias, with alpha, beta and transB as folded in
        layer.product.input[2] = names[1]
        del layer.product.attribute[:]
        layer.product.attribute.extend([helper.make_attribute(k, v) for k, v in (("alpha", 1.0), ("beta", 1.0), ("transB", 0))])
    else:
        layer.add.input[slot] = names[1]


def _fold_one(graph, node, found: _Map, layers: list[_Layer]) -> bool:
    """Fold ``node`` (computing ``found``) into the layer before it, else the layers after it; whether it was."""
    outputs = {v.name for v in graph.output}
    before = next((layer for layer in layers if layer.output == found.source), None)
    if before is not None and before.output not in outputs and len(consumers(graph, before.output)) == 1:
        s, t = _per_feature(found.scale, before.weight.shape[1]), _per_feature(found.shift, before.weight.shape[1])
        if s is not None and t is not None:
            _write(graph, before, before.weight * s, before.bias * s + t, f"scaled_by_{node.name}")
            node.input[:] = [found.source]
            bypass(graph, node)
            return True
    readers = consumers(graph, node.output[0])
    after = [layer for layer in layers if layer.product.input[0] == node.output[0]]
    if not readers or node.output[0] in outputs or len(after) != len(readers):
        return False
    if any(list(layer.product.input).count(node.output[0]) != 1 for layer in after):
        return False
    folded = [(_per_feature(found.scale, a.weight.shape[0]), _per_feature(found.shift, a.weight.shape[0])) for a in after]
    if any(s is None or t is None for s, t in folded):
        return False
    for layer, (s, t) in zip(after, folded):
        _write(graph, layer, s[:, None] * layer.weight, t @ layer.weight + layer.bias, f"after_{node.name}")
    node.input[:] = [found.source]
    bypass(graph, node)
    return True


def fold_affine(graph) -> None:
    """Fold every per-feature affine map of ``graph`` that has a layer next to it into that layer (see the module docstring)."""
    while True:
        weights = initializer_arrays(graph)
        layers = _layers(graph, weights)
        biases = {layer.add.name for layer in layers if layer.add is not None}
        for node in list(graph.node):
            found = _affine(node, weights) if node.name not in biases else None
            if isinstance(found, _Map) and _fold_one(graph, node, found, layers):
                break
        else:
            return


def affine_problem(graph) -> str | None:
    """Why an affine map left in ``graph`` (after :func:`fold_affine`) cannot be encoded, in words; ``None`` when none is left."""
    weights = initializer_arrays(graph)
    biases = {layer.add.name for layer in _layers(graph, weights) if layer.add is not None}
    for node in graph.node:
        found = _affine(node, weights) if node.name not in biases else None
        if isinstance(found, str):
            return f"{node.op_type} node {node.name!r} {found}"
        if found is not None:
            return (
                f"{node.op_type} node {node.name!r} is an affine map (a scale and shift per feature) of {found.source!r} "
                f"with no Gemm or MatMul layer next to it that it could be folded into (a ReLU, another reader or the "
                f"graph's output is in the way, or its constants do not match the layer's width); {_FOLD_HOW}"
            )
    return None
