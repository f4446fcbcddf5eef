"""What an ONNX net's content is made of on disk: the ``.onnx`` file and the external-data files it names.

An ONNX model saved with external data (``onnx.save(..., save_as_external_data=True)``, or torch's dynamo
exporter for large nets) keeps its weights in other files (``net.onnx.data``); new weights of the same
shapes leave the ``.onnx`` file byte-identical, so a digest of that file alone does not tell two nets apart.

:func:`below_float32` names the type of a file that computes in less than float32's precision (float16), and
:func:`in_float64` says whether one computes in float64 throughout;
:func:`path_argument` is the one check of a path argument of the ONNX and zoo functions, :func:`export_path` that of the file
:func:`~surrogate.nets.onnx_io.export_onnx` writes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import SimpleNamespace

from ..errors import ModelFormatError
from ..files import sha256_bytes

#: Metadata key that :func:`~surrogate.nets.onnx_io.load_onnx` sets on a net whose file computes below float32's
#: precision, its value the type (:func:`below_float32`, e.g. ``'float16'``); the file's own value is never read.
PRECISION_KEY = "onnx_precision"


def path_argument(path, where: str, *, name: str = "path", example: str = "nets/net.onnx") -> Path:
    """``path`` as a :class:`~pathlib.Path`, or :class:`~surrogate.errors.ModelFormatError` naming ``where`` and the
    argument ``name`` unless it is a ``str`` or a path object (``None``, a number or bytes are no file name)."""
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise ModelFormatError(f"{where}: {name}={path!r} must be a path (a str or pathlib.Path), e.g. {example!r}")
    return Path(path)


def export_path(path: str | os.PathLike) -> Path:
    """``path`` as a :class:`~pathlib.Path`, or :class:`ModelFormatError` naming it where no file can be written."""
    target, problem = path_argument(path, "export_onnx"), None
    if not os.fspath(path) or target.is_dir():
        problem = "is empty" if not os.fspath(path) else "is a folder"
    else:
        above = next((p for p in target.parents if p.exists()), None)  # the folders missing below it are made
        if above is not None and not above.is_dir():
            problem = f"is under {str(above)!r}, which is a file, not a folder"
    if problem:
        raise ModelFormatError(
            f"export_onnx: the path {os.fspath(path)!r} {problem}; give the path of the file to write, e.g. 'nets/net.onnx'"
        )
    return target


def _tensors(graph, *, initializers: bool = True):
    """Every tensor that ``graph`` holds: initializers (unless ``initializers`` is false), sparse ones, and node
    attributes (subgraphs too)."""
    if initializers:
        yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield from (sparse.values, sparse.indices)
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors
            if attr.HasField("g"):
                yield from _tensors(attr.g)
            for sub in attr.graphs:
                yield from _tensors(sub)


def external_data_files(data: bytes) -> list[str]:
    """The external-data locations (relative to the model's folder) that the serialized model ``data`` names,
    sorted and without repeats; none for a self-contained model or bytes that are no model."""
    if b"location" not in data:  # every external-data entry holds that key as plain bytes: no parse needed
        return []
    import onnx

    try:
        proto = onnx.load_model_from_string(data)
    except Exception:  # not a model: load_onnx names the problem
        return []
    found = set()
    for tensor in _tensors(proto.graph):
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            found.update(entry.value for entry in tensor.external_data if entry.key == "location")
    return sorted(found)


def model_bytes(path: str | os.PathLike) -> bytes:
    """The serialized model at ``path``, its external data (a side ``.onnx.data`` file) read in: onnxruntime given a
    model's bytes looks for a side file in the working folder, not beside the file (given a path, it cannot take one
    that holds an undecodable byte)."""
    data = Path(path).read_bytes()
    if not external_data_files(data):
        return data
    import onnx

    return onnx.load(os.fspath(path)).SerializeToString()


def missing_external_data(path: Path) -> str | None:
    """Why the ONNX file at ``path`` cannot be read where an external-data file it names is not beside it (the file
    was moved or copied without it), or where onnx cannot read one there (:func:`_undecodable_side_file`), with the
    fix; ``None`` otherwise."""
    try:
        names = external_data_files(path.read_bytes())
    except OSError:
        return None
    missing = [name for name in names if not (path.parent / name).is_file()]
    if not missing:
        return _undecodable_side_file(path) if names else None
    return (
        f"{path} keeps its weights in a side file that is not beside it: {path.parent / missing[0]} is missing"
        f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; put {missing[0]} back beside it (the file "
        "was moved or copied without it), or save the model as one file where both are: "
        "onnx.save_model(onnx.load(path), path, save_as_external_data=False)"
    )


def _undecodable_side_file(path: Path) -> str | None:
    """Why onnx cannot read the model at ``path``, whose weights lie in a side file, where the path holds bytes that
    are not UTF-8 (onnx's reader of side files takes only text it can encode), with the fix; else ``None``."""
    if not any(0xDC80 <= ord(c) <= 0xDCFF for c in str(path)):  # no surrogate escape: no undecodable byte
        return None
    return (
        f"{path} keeps its weights in a side file, which onnx cannot read under a path that holds bytes that are not "
        "UTF-8; rename the file or its folder to a UTF-8 name, or save the model as one file where the name is UTF-8: "
        "onnx.save_model(onnx.load(path), path, save_as_external_data=False)"
    )


def model_digest(path: str | os.PathLike) -> str | None:
    """SHA-256 of an ONNX model's content: its file and every external-data file it names, or ``None`` if one
    of them cannot be read (:func:`~surrogate.nets.onnx_io.load_onnx` then names which)."""
    path = Path(path)
    try:
        data = path.read_bytes()
        digest = hashlib.sha256(data)
        for location in external_data_files(data):
            digest.update(b"\0" + location.encode() + b"\0" + sha256_bytes((path.parent / location).read_bytes()).encode())
    except OSError:
        return None
    return digest.hexdigest()


def below_float32(proto) -> str | None:
    """The first element type below float32's precision (``'float16'``, ``'bfloat16'``, float8 or float4 types)
    that the model ``proto``'s inputs, outputs, the stored tensors its nodes read, or its ``Cast`` nodes use, else
    ``None``: onnxruntime then rounds the net's values to that type, not to float32. An initializer no node reads
    and a ``value_info`` entry (a type annotation, not a computation) do not count."""
    names = _type_names(proto)
    return next((name for name in names if name == "float16" or name.startswith(("bfloat", "float8", "float4"))), None)


def in_float64(proto) -> bool:
    """Whether every floating-point type that the model ``proto`` computes in (counted as :func:`below_float32`
    counts them) is float64 (``double``): onnxruntime then rounds the net's values to float64, not float32."""
    names = [name for name in _type_names(proto) if name.startswith(("float", "bfloat", "double"))]
    return bool(names) and all(name == "double" for name in names)


def _type_names(proto) -> list[str]:
    """The element types (``'float'``, ``'double'``, ``'int64'``, ...) of ``proto``'s inputs, outputs, the stored
    tensors its live nodes read or hold, and its live ``Cast`` nodes' targets: a node whose values reach no output
    computes nothing of the net's (probe120 #4: a ``Cast`` to float16 that nothing read marked a float32 file float16,
    and its import was checked 100 times more loosely)."""
    import onnx

    graph = proto.graph
    live = [graph.node[index] for index in sorted(live_node_indices(graph))]
    read = {name for node in live for name in node.input}
    types = [value.type.tensor_type.elem_type for value in (*graph.input, *graph.output)]
    types += [tensor.data_type for tensor in graph.initializer if tensor.name in read]
    live_graph = SimpleNamespace(node=live, sparse_initializer=graph.sparse_initializer)  # what _tensors reads
    types += [tensor.data_type for tensor in _tensors(live_graph, initializers=False)]
    types += [a.i for node in live if node.op_type == "Cast" for a in node.attribute if a.name == "to"]
    return [onnx.TensorProto.DataType.Name(t).lower() for t in types if t in onnx.TensorProto.DataType.values()]


def live_node_indices(graph) -> set[int]:
    """The indices of ``graph``'s nodes whose values reach one of its outputs (walked back from them, in any node
    order): what an import reads of it (:func:`~surrogate.nets.onnx_refusals.dead_nodes_problem` names the others).

    Parameters
    ----------
    graph
        An ONNX ``GraphProto``.
    """
    producers = {out: index for index, node in enumerate(graph.node) for out in node.output}
    names, live = [value.name for value in graph.output], set()
    while names:
        index = producers.get(names.pop())
        if index is not None and index not in live:
            live.add(index)
            names.extend(graph.node[index].input)
    return live
