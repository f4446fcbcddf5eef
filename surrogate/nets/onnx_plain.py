"""An ONNX model read as plain nodes and dense tensors, as the file computes it (:func:`plain_model`).

Local functions (torch's ``export_modules_as_functions``, onnxscript functions) are inlined, each call first given the
defaults of the attributes it leaves out (the function's ``attribute_proto``: onnx's inliner drops them, probe143), and
the nodes taken from a function's body marked so that a refusal can say which function holds them
(:func:`function_of`). A function named like an op that onnxruntime registers in its domain (standard, ``ai.onnx.ml``,
``com.microsoft``) is refused: onnxruntime runs its own op, an inliner the function. Sparse tensors (a ``sparse_initializer``, a ``Constant`` of ``sparse_value``) are
stored dense, their indices checked first.
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelFormatError

#: The ``doc_string`` that marks a node taken from a local function's body, followed by the function's name.
_FUNCTION_MARK = "surrogate: inside the local function "
#: Ends the mark of a node whose values reach none of its function's outputs.
_IDLE_MARK = " (reaching none of its outputs)"
#: The domains of the standard ONNX ops ("" and its long name).
_STANDARD_DOMAINS = ("", "ai.onnx")


def plain_model(proto, path=None):
    """``proto`` (read from the file at ``path``) with its local functions inlined and its sparse tensors stored dense,
    in place where it has no functions; returns the model. Both compute what the file computes.

    Raises
    ------
    ModelFormatError
        If a local function has the name of an op that onnxruntime registers in its domain, one passes an attribute
        with no default to inner defaults that differ while a call leaves it out, or a sparse tensor's indices do not fit
        its shape (out of range, negative, or rows of the wrong length).
    """
    import onnx.inliner  # onnx too; its inliner is a submodule that "import onnx" leaves out
    from onnx import helper

    if proto.functions:
        _refuse_shadowing(proto, path)
        _add_attribute_defaults(proto, path)
        for function in proto.functions:
            idle = _idle_in_body(function)
            for k, node in enumerate(function.node):
                node.doc_string = _FUNCTION_MARK + function.name + (_IDLE_MARK if k in idle else "")
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
    if not node.doc_string.startswith(_FUNCTION_MARK):
        return None
    return node.doc_string[len(_FUNCTION_MARK) :].removesuffix(_IDLE_MARK)


def idle_in_function(node) -> bool:
    """Whether ``node``, inlined from a local function's body (:func:`plain_model`), reaches none of that function's
    outputs (a dead node of the body, not one that makes an output nothing reads)."""
    return node.doc_string.startswith(_FUNCTION_MARK) and node.doc_string.endswith(_IDLE_MARK)


def _idle_in_body(function) -> set[int]:
    """The indices of ``function``'s body nodes whose values reach none of its outputs."""
    producers = {out: k for k, node in enumerate(function.node) for out in node.output}
    names, live = list(function.output), set()
    while names:
        k = producers.get(names.pop())
        if k is not None and k not in live:
            live.add(k)
            names.extend(function.node[k].input)
    return set(range(len(function.node))) - live


def _refuse_shadowing(proto, path) -> None:
    """Refuse a local function named like an op that onnxruntime registers in its domain (the standard domain,
    ``ai.onnx.ml``, ``com.microsoft``: :func:`_registered`) that a node calls: onnxruntime runs its own op."""
    called = {(n.domain, n.op_type) for n in _all_nodes(proto)}
    for function in proto.functions:
        domain = function.domain
        if (domain, function.name) in called and _registered(function.name, domain):
            standard = domain in _STANDARD_DOMAINS
            where, op = (
                (f"the standard domain ({domain or 'ai.onnx'!r})", "standard") if standard else (f"the domain {domain!r}", domain)
            )
            raise ModelFormatError(
                f"{path}: the file defines a local function {function.name!r} in {where}, named like the {op} op "
                f"{function.name}: onnxruntime runs the {op} {function.name} instead of the function, so what the "
                "function computes is not what the file computes; "
                "put the function in a domain of its own (or remove it) and re-export"
            )


def _registered(name: str, domain: str) -> bool:
    """Whether onnxruntime runs an op of its own named ``name`` in ``domain``: a standard or ``ai.onnx.ml`` op (onnx's
    schemas), or a ``com.microsoft`` contrib op (onnxruntime's schemas; every name where it lists none)."""
    from onnx import defs

    if domain in _STANDARD_DOMAINS or domain == "ai.onnx.ml":
        return defs.has(name, "" if domain in _STANDARD_DOMAINS else domain)
    if domain != "com.microsoft":
        return False
    try:
        from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

        return any(s.name == name and s.domain == domain for s in ort_state.get_all_operator_schema())
    except Exception:  # a build without its schemas: a function named in its contrib domain is taken to shadow one
        return True


def _all_nodes(proto) -> list:
    """The nodes of ``proto``'s graph and of its local functions' bodies: every place a function may be called from."""
    return [*proto.graph.node, *(n for f in proto.functions for n in f.node)]


def _key(item) -> tuple:
    """The id of a local function (``FunctionProto``), or of the function a node calls: domain, name, overload."""
    return (item.domain, item.name if hasattr(item, "attribute_proto") else item.op_type, item.overload)


def _add_attribute_defaults(proto, path=None) -> None:
    """Give each call of a local function the defaults (its ``attribute_proto``) of the attributes the call leaves out,
    as onnxruntime does: onnx's inliner (1.23) drops them, e.g. a Gemm ``alpha`` read from a defaulted attribute. The
    function called is the one of the call's overload (probe145: the last overload's defaults were given to all).
    An attribute passed on to a function's own call of another function (``ref_attr_name``) with no default of its own
    gets that function's default first (:func:`_lift_inner_defaults`)."""
    _lift_inner_defaults(proto, path)
    defaults = {_key(f): list(f.attribute_proto) for f in proto.functions if f.attribute_proto}
    for node in _all_nodes(proto):
        given = {a.name for a in node.attribute}
        node.attribute.extend(a for a in defaults.get(_key(node), ()) if a.name not in given)


def _lift_inner_defaults(proto, path) -> None:
    """Give a local function's attribute that has no default, and that its body passes only to calls of local functions
    with a default for it (one value), that default: onnxruntime uses the inner default where a call leaves the
    attribute out (probe145: onnx's inliner dropped it, so alpha 1.5 was read as 1). Refuse one used otherwise too
    where a call leaves it out: no single value is what the file computes."""
    functions = {_key(f): f for f in proto.functions}
    changed = True
    while changed:
        changed = False
        for function in proto.functions:
            for name in set(function.attribute) - {a.name for a in function.attribute_proto}:
                inner = _inner_defaults(function, name, functions)
                if not inner:
                    continue
                if len(inner) == 1 and None not in inner:
                    default = next(iter(inner.values()))
                    function.attribute_proto.append(default)
                    function.attribute_proto[-1].name = name
                    changed = True
                elif _left_out(proto, function, name):
                    raise ModelFormatError(
                        f"{path}: the local function {function.name!r} passes its attribute {name!r}, which has no "
                        "default, to attributes with different defaults (or none) inside it, and a call of it leaves "
                        f"{name!r} out, so no single value is what the file computes; give {name!r} at every call of "
                        f"{function.name!r} (or a default in the function) and re-export"
                    )


def _inner_defaults(function, name: str, functions: dict) -> dict:
    """The defaults that ``function``'s body's uses of its attribute ``name`` fall back to, keyed by value (``None``:
    a use with no local function's default), or ``{}`` where no use is a call of a local function."""
    found, local = {}, False
    for node in function.node:
        for attr in node.attribute:
            if attr.ref_attr_name != name:
                continue
            callee = functions.get(_key(node))
            local = local or callee is not None
            default = next((d for d in callee.attribute_proto if d.name == attr.name), None) if callee else None
            found[None if default is None else _value_key(default)] = default
    return found if local else {}


def _value_key(attr) -> bytes:
    """``attr``'s value, comparable between attributes of different names."""
    copy = type(attr)()
    copy.CopyFrom(attr)
    copy.name = ""
    return copy.SerializeToString()


def _left_out(proto, function, name: str) -> bool:
    """Whether a call of ``function`` (in the graph or in a function) leaves its attribute ``name`` out."""
    return any(_key(n) == _key(function) and name not in {a.name for a in n.attribute} for n in _all_nodes(proto))


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
