"""An ONNX model read as plain nodes and dense tensors, as the file computes it (:func:`plain_model`).

Local functions (torch's ``export_modules_as_functions``, onnxscript functions) are inlined, each call first given the
defaults of the attributes it leaves out (the function's ``attribute_proto``: onnx's inliner drops them, probe143), and
the nodes taken from a function's body marked so that a refusal can say which function holds them
(:func:`function_of`). A function in the standard domain named like a standard op is refused: onnxruntime runs the
standard op, an inliner the function. Sparse tensors (a ``sparse_initializer``, a ``Constant`` of ``sparse_value``) are
stored dense, their indices checked first.
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelFormatError

#: The ``doc_string`` that marks a node taken from a local function's body, followed by the function's name.
_FUNCTION_MARK = "surrogate: inside the local function "
#: The domains of the standard ONNX ops ("" and its long name).
_STANDARD_DOMAINS = ("", "ai.onnx")


def plain_model(proto, path=None):
    """``proto`` (read from the file at ``path``) with its local functions inlined and its sparse tensors stored dense,
    in place where it has no functions; returns the model. Both compute what the file computes.

    Raises
    ------
    ModelFormatError
        If a local function in the standard domain has a standard op's name, or a sparse tensor's indices do not fit
        its shape (out of range, negative, or rows of the wrong length).
    """
    import onnx.inliner  # onnx too; its inliner is a submodule that "import onnx" leaves out
    from onnx import helper

    if proto.functions:
        _refuse_shadowing(proto, path)
        _add_attribute_defaults(proto)
        for function in proto.functions:
            for node in function.node:
                node.doc_string = _FUNCTION_MARK + function.name
        proto = onnx.inliner.inline_local_functions(proto)
    graph = proto.graph
    graph.initializer.extend(_dense(sparse, path) for sparse in graph.sparse_initializer)
    del graph.sparse_initializer[:]
    for node in graph.node:
        for k, attr in enumerate(node.attribute):
            if node.op_type == "Constant" and attr.name == "sparse_value":
                node.attribute[k].CopyFrom(helper.make_attribute("value", _dense(attr.sparse_tensor, path)))
    return proto


def function_of(node) -> str | None:
    """The name of the local function whose body ``node`` was inlined from (:func:`plain_model`), else ``None``."""
    return node.doc_string[len(_FUNCTION_MARK) :] if node.doc_string.startswith(_FUNCTION_MARK) else None


def _refuse_shadowing(proto, path) -> None:
    """Refuse a local function of the standard domain named like a standard op that a node calls."""
    from onnx import defs

    called = {(n.domain, n.op_type) for n in proto.graph.node} | {(n.domain, n.op_type) for f in proto.functions for n in f.node}
    for function in proto.functions:
        domain = function.domain
        if domain in _STANDARD_DOMAINS and defs.has(function.name, "") and (domain, function.name) in called:
            raise ModelFormatError(
                f"{path}: the file defines a local function {function.name!r} in the standard domain "
                f"({domain or 'ai.onnx'!r}), named like the standard op {function.name}: onnxruntime runs the standard "
                f"{function.name} instead of the function, so what the function computes is not what the file computes; "
                "put the function in a domain of its own (or remove it) and re-export"
            )


def _add_attribute_defaults(proto) -> None:
    """Give each call of a local function the defaults (its ``attribute_proto``) of the attributes the call leaves out,
    as onnxruntime does: onnx's inliner (1.23) drops them, e.g. a Gemm ``alpha`` read from a defaulted attribute."""
    defaults = {(f.domain, f.name): list(f.attribute_proto) for f in proto.functions if f.attribute_proto}
    for node in [*proto.graph.node, *(n for f in proto.functions for n in f.node)]:
        given = {a.name for a in node.attribute}
        node.attribute.extend(a for a in defaults.get((node.domain, node.op_type), ()) if a.name not in given)


def _dense(sparse, path=None):
    """The dense ``TensorProto`` of the ``SparseTensorProto`` ``sparse``: its values at its indices (flat, or one row
    of coordinates per value), zeros elsewhere, under its values' name; indices that do not fit its shape refused."""
    from onnx import numpy_helper

    values, indices, dims = numpy_helper.to_array(sparse.values), numpy_helper.to_array(sparse.indices), tuple(sparse.dims)
    problem = _indices_problem(values, indices, dims)
    if problem:
        raise ModelFormatError(
            f"{path}: the sparse tensor {sparse.values.name!r} (shape {list(dims)}, {values.size} values) has {problem}, "
            "so it names no tensor (onnxruntime refuses or misplaces it); re-export its weights dense, or with each "
            "index within its shape"
        )
    flat = np.zeros(int(np.prod(dims)), dtype=values.dtype)
    flat[indices if indices.ndim == 1 else np.ravel_multi_index(tuple(indices.T), dims)] = values
    return numpy_helper.from_array(flat.reshape(dims), sparse.values.name)


def _indices_problem(values, indices, dims: tuple) -> str | None:
    """Why ``indices`` do not place ``values`` in a tensor of shape ``dims`` (flat positions, one per value, or one row
    of ``len(dims)`` coordinates per value), else ``None``."""
    if values.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
        return f"values of shape {list(values.shape)} and indices of type {indices.dtype} (one value per index, integers)"
    rows = indices.ndim == 2 and indices.shape == (values.size, len(dims))
    if not (indices.shape == (values.size,) or rows):
        return f"indices of shape {list(indices.shape)}, not [{values.size}] or [{values.size}, {len(dims)}]"
    limit = np.asarray(dims) if rows else int(np.prod(dims))
    bad = np.argwhere((indices < 0) | (indices >= limit))
    if bad.size:
        at = tuple(int(i) for i in bad[0])
        bound = (dims[at[1]] if rows else limit) - 1
        return f"an index out of range: {int(indices[at])} at {list(at)} of its indices, not within 0 to {bound}"
    return None
