"""The model zoo: a folder of ONNX nets plus ``manifest.json`` describing them.

``surrogate sweep --save-models DIR`` copies the best net of each shape into
``DIR`` and merges it into the manifest; a plain sweep never touches a zoo.

The zoo shipped with the package (:data:`DEFAULT_ZOO`) is the repository's
``models/`` folder, installed as the package data of ``surrogate.models`` and
found through :mod:`importlib.resources`, so it works from a wheel as well as
from an editable install. Every manifest entry records the SHA-256 of its
ONNX file; :func:`resolve_surrogate` checks it (and the net's shape) before
a zoo net is used.
"""

from __future__ import annotations

import importlib.resources
import os
import re
from pathlib import Path
from typing import NamedTuple

from ..errors import ArchitectureError, ConfigError, ModelFormatError
from ..files import sha256_file
from .architecture import Architecture
from .onnx_domain import domain_header, warn_loaded_again
from .onnx_files import model_digest, path_argument
from .zoo_manifest import MANIFEST_VERSION, OPTIONAL_KEYS, REQUIRED_KEYS, load_manifest  # noqa: F401 (re-exported)
from .zoo_pending import MANIFEST, PENDING


def _default_zoo() -> Path:
    """The shipped zoo: package data of ``surrogate.models`` (the repository's ``models/`` folder)."""
    try:
        root = importlib.resources.files("surrogate.models")
    except ModuleNotFoundError:  # an editable install made before surrogate.models existed
        root = None
    if isinstance(root, Path) and (root / MANIFEST).is_file():
        return root
    return Path(__file__).resolve().parents[2] / "models"


#: The zoo that zoo names such as ``'3x8'`` are looked up in.
DEFAULT_ZOO = _default_zoo()


class ZooName(NamedTuple):
    """The parts of a zoo entry name ``b<budget>-<source>-<shape>`` (see :func:`zoo_name`)."""

    budget: int
    source: str
    architecture: Architecture


_ZOO_NAME = re.compile(r"b(\d+)-(.+)")


def zoo_name(arch: Architecture | str, source: str) -> str:
    """The zoo entry name of a net of shape ``arch``: ``b<budget>-<source>-<shape>``.

    ``source`` is the training protocol's name for a trained net, the source
    label (:data:`surrogate.nets.sources.HAND_BUILT_SOURCES`) for a hand-built
    one; the budget is the shape's number of hidden neurons.
    :func:`parse_zoo_name` reads such a name back.

    Examples
    --------
    >>> zoo_name("3x8", "best")
    'b24-best-3x8'
    >>> zoo_name("8-6-6", "hand-paired")
    'b20-hand-paired-8-6-6'
    """
    arch = Architecture.parse(arch)
    if not isinstance(source, str) or not source:
        raise ConfigError(f"zoo name source {source!r} must be a non-empty string, e.g. 'best' or 'hand-paired'")
    return f"b{arch.neurons}-{source}-{arch.name}"


def parse_zoo_name(name: str) -> ZooName | None:
    """The parts of a zoo entry name made by :func:`zoo_name`; ``None`` if ``name`` is not one.

    The shape is the shortest tail of ``name`` that is a shape with ``budget``
    neurons, so a source may itself contain ``-`` and digits.

    Examples
    --------
    >>> parse_zoo_name("b24-best-3x8")
    ZooName(budget=24, source='best', architecture=Architecture(hidden=(8, 8, 8), n_inputs=2, n_outputs=1))
    >>> parse_zoo_name("b20-hand-paired-8-6-6").source
    'hand-paired'
    >>> parse_zoo_name("sawtooth-24") is None, parse_zoo_name("b25-best-3x8") is None
    (True, True)
    """
    match = _ZOO_NAME.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        return None
    budget, parts = int(match.group(1)), match.group(2).split("-")
    for cut in range(len(parts) - 1, 0, -1):  # the shortest shape first
        try:
            arch = Architecture.parse("-".join(parts[cut:]))
        except ArchitectureError:
            return None
        source = "-".join(parts[:cut])
        if arch.neurons == budget and source:
            return ZooName(budget, source, arch)
        if arch.neurons >= budget:
            return None
    return None


def read_zoo(zoo_dir: str | os.PathLike) -> dict:
    """The manifest of a zoo that nets are taken from: like :func:`load_manifest`, but the folder and its manifest must exist.

    A folder with only the pending entries of a first save interrupted before its manifest write
    (:mod:`~surrogate.nets.zoo_pending`) is a zoo, as :func:`load_manifest` reads it.

    Raises
    ------
    ModelFormatError
        If ``zoo_dir`` is no path (``None``, a number, bytes), is not a folder or holds neither ``manifest.json`` nor a pending entry whose file is in
        place (a zoo with no nets is never what a lookup meant), or as :func:`load_manifest`.
    """
    folder = path_argument(zoo_dir, "read_zoo", name="zoo", example="models")  # None, a number or bytes: no folder
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
    elif (folder / MANIFEST).is_file():
        return load_manifest(folder)
    elif (manifest := load_manifest(folder))["models"]:  # the pending entries of a first save, files in place
        return manifest
    else:  # at most the pending entries of a first save whose files never replaced anything: no net
        problem = f"has no {MANIFEST}, so it holds no nets"
        if (folder / PENDING).is_file():
            problem += f" (its {PENDING}, of an interrupted first save, names no net whose file is in place)"
    raise ModelFormatError(
        f"zoo folder {folder} {problem}; name a folder written by 'surrogate sweep --save-models DIR' (the shipped "
        f"zoos: {DEFAULT_ZOO} and, of the nets trained for solve time, {Path(DEFAULT_ZOO) / 'stable'})"
    )


def check_entry_file(zoo_dir: str | os.PathLike, entry: dict) -> Path:
    """The ONNX file of manifest ``entry``, after checking that it is the file the entry describes.

    Only this entry's file is checked, so one entry whose file is missing or replaced refuses that net alone.

    Raises
    ------
    ModelFormatError
        If the file is missing, the entry's ``sha256`` is null (as a save interrupted in an older version
        left it), or the file's SHA-256 differs from the entry's ``sha256``.
    """
    path = Path(zoo_dir) / entry["file"]
    where = f"zoo entry {entry['name']!r} of {Path(zoo_dir) / MANIFEST}"
    digest = sha256_file(path)
    if digest is None:
        raise ModelFormatError(
            f"{where} lists {entry['file']!r}, but {path} is missing or unreadable; restore it or remove the entry"
        )
    if "sha256" in entry and entry["sha256"] is None:
        raise ModelFormatError(
            f"{where} has sha256=null, so {path} cannot be checked against the entry (an interrupted save of an "
            "older version leaves this): save that net again, restore the file (e.g. git checkout) and its "
            f"entry, or, if {path} is the net the entry describes, set the entry's sha256 to {digest}"
        )
    if "sha256" in entry and digest != entry["sha256"]:
        raise ModelFormatError(
            f"{where}: {path} has SHA-256 {digest[:12]}..., the entry records {entry['sha256'][:12]}...; the entry "
            "points at the wrong file or the file was replaced: restore the file (e.g. git checkout), point "
            f"'file' at the right one, or, if the new file is intended, set the entry's sha256 to {digest}"
        )
    return path


def _check_net_shape(net, entry: dict, path: Path) -> None:
    declared = net.metadata.get("architecture")
    for what, got in (("its metadata declares", declared), ("its weights have", net.architecture.name)):
        if got is not None and got != entry["architecture"]:
            raise ModelFormatError(
                f"zoo entry {entry['name']!r} has architecture {entry['architecture']} but {path.name} is not "
                f"({what} {got}); the entry points at the wrong file: fix its 'file' or 'architecture'"
            )


def find_entry(zoo: str | os.PathLike, name: str) -> dict | None:
    """The manifest entry of ``zoo`` named ``name``, or the lowest-MAE one of shape ``name`` (any spelling
    :meth:`~surrogate.nets.architecture.Architecture.parse` reads); ``None`` when none matches."""
    models = read_zoo(zoo)["models"]
    matches = [m for m in models if m["name"] == name] or [m for m in models if m["architecture"] == _shape_name(name)]
    return min(matches, key=lambda m: m["mae"]) if matches else None


def _is_file(name: str) -> bool:
    """Whether ``name`` is an existing file's path (``False`` for a name no file system takes, e.g. too long)."""
    try:
        return Path(name).is_file()
    except (OSError, ValueError):
        return False


def _shape_name(name: str) -> str:
    """``name`` as a shape's own name when it spells one (``'3X8'``, ``'8-8-8'`` -> ``'3x8'``), else as it is."""
    from ..errors import SurrogateError
    from .architecture import Architecture

    try:
        return Architecture.parse(name).name
    except SurrogateError:
        return name


def names_a_file(name: str) -> bool:
    """Whether a string is an ONNX path rather than a zoo name: it ends in ``.onnx`` (any case) or holds a folder."""
    return name.lower().endswith(".onnx") or "/" in name or os.sep in name


def resolve_surrogate(surrogate, *, zoo: str | os.PathLike = DEFAULT_ZOO):
    """A :class:`~surrogate.nets.network.ReluMLP` from a net, an ONNX path, or a zoo name such as ``'3x8'`` or ``'b24-best-3x8'``.

    A bare shape picks the zoo's lowest-MAE net of that shape (entry names are
    made by :func:`zoo_name`). A zoo net is checked against its entry first
    (:func:`check_entry_file`, and its shape).

    Raises
    ------
    ModelFormatError
        If ``surrogate`` names no zoo net, ``zoo`` is no zoo folder
        (:func:`read_zoo`), or the zoo's file is not the one its entry describes.
    """
    from .network import ReluMLP

    if isinstance(surrogate, ReluMLP):
        return surrogate
    if isinstance(surrogate, os.PathLike) or (isinstance(surrogate, str) and names_a_file(surrogate)):
        return _loaded(surrogate)
    if not isinstance(surrogate, str):
        raise ModelFormatError(
            f"cannot use {type(surrogate).__name__} as a surrogate; pass a ReluMLP, an ONNX path or a zoo name like '3x8'"
        )
    best = find_entry(zoo, surrogate)
    if best is None and _is_file(surrogate):  # a file named like no zoo net, e.g. 'net.ONNX' or 'mynet'
        return _loaded(surrogate)
    if best is None:
        shapes = ", ".join(sorted({m["architecture"] for m in read_zoo(zoo)["models"]}))
        fix = f"use a shape ({shapes}), a model name from {MANIFEST}" if shapes else "name a zoo that holds nets"
        empty = "" if shapes else f" (the zoo holds no nets: its {MANIFEST} lists none)"
        raise ModelFormatError(f"no zoo model named {surrogate!r} in {zoo}{empty}; {fix}, or an ONNX path")
    path = check_entry_file(zoo, best)
    net = _loaded(path)
    _check_net_shape(net, best, path)
    return net


def net_argument(net, where: str):
    """``net`` as a :class:`~surrogate.nets.network.ReluMLP`: a net, or an ONNX path or zoo name resolved by
    :func:`resolve_surrogate` (from the default zoo), for tools that take a net as their first argument.

    Raises
    ------
    ConfigError
        If ``net`` is none of these (e.g. ``None``); the message names ``where``.
    ModelFormatError
        If a name or path names no net (:func:`resolve_surrogate`).
    """
    from .network import check_net

    check_net(net, where, names=True)
    return resolve_surrogate(net)


#: Nets read by :func:`resolve_surrogate`, by their file's resolved path and the SHA-256 of its content, external-data
#: files included (:func:`~surrogate.nets.onnx_files.model_digest`; a timestamp can miss a rewrite).
_LOADED: dict[tuple, object] = {}
#: How many are kept (the oldest goes first).
LOADED_NETS_KEPT = 32


def _loaded(path):
    """:func:`~surrogate.nets.onnx_io.load_onnx` of ``path``, read once while the file is unchanged (parsing and
    checking a file against onnxruntime costs tens of milliseconds, a ``bilinear`` call in a loop paid it
    each time); the callers share the net, which is immutable (read-only arrays and metadata). A net read again warns
    of its file's missing domain as its first load would (:func:`~surrogate.nets.onnx_domain.warn_loaded_again`)."""
    from .onnx_io import load_onnx

    digest = model_digest(path)
    if digest is None:
        return load_onnx(path)  # its own message for a missing or unreadable file
    key = (str(Path(path).resolve()), digest)
    if key in _LOADED:
        net, header = _LOADED[key]
        warn_loaded_again(header, Path(path))  # a first load within box_given gave no DomainWarning
    else:
        net, header = load_onnx(path), domain_header(path)
        if model_digest(path) != digest:  # replaced while it was read: the net may be either file's
            raise ModelFormatError(f"{path} changed while it was read (another process writing it?); load it again")
        _LOADED[key] = (net, header)
        while len(_LOADED) > LOADED_NETS_KEPT:
            _LOADED.pop(next(iter(_LOADED)))
    return net
