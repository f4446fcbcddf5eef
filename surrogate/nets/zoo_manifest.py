"""A zoo's ``manifest.json``: read and checked entry by entry (:func:`load_manifest`), with the entries of an
interrupted save (:mod:`~surrogate.nets.zoo_pending`) merged in."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ArchitectureError, ModelFormatError
from .architecture import Architecture
from .onnx_files import path_argument
from .zoo_pending import MANIFEST, PENDING, PENDING_FIX, merged_entries, read_json, read_pending

MANIFEST_VERSION = 1
#: Keys every manifest entry must have, with the JSON types they must hold.
REQUIRED_KEYS = {"name": str, "file": str, "kind": str, "architecture": str, "budget": int, "mae": float}
#: Keys an entry may have; when present they must hold these types.
OPTIONAL_KEYS = {
    "source": str,
    "mse": float,
    "max_error": float,
    "collapsed": bool,
    "sha256": str,
    "error_bound": float,
    "protocol": str,
    "epochs": int,
    "seed": int,
    "val_mae": float,
}
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_FIX = "fix the entry, restore the file from git, or regenerate the zoo with 'surrogate sweep --save-models DIR'"


def _has_type(value, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) if kind is float else isinstance(value, kind)


def _check_entry(path: Path, index: int, entry) -> None:
    """Raise :class:`ModelFormatError` naming entry ``index`` of ``path`` (the manifest's ``models`` or the pending
    file's list) unless it is well-formed."""
    item, fix = (f"[{index}]", PENDING_FIX) if path.name == PENDING else (f"models[{index}]", _FIX)
    if not isinstance(entry, dict):
        raise ModelFormatError(f"{path}: {item} is {type(entry).__name__}, not an object; {fix}")
    label = f"{item} ({entry['name']!r})" if isinstance(entry.get("name"), str) else item
    missing = [k for k in REQUIRED_KEYS if k not in entry]
    if missing:
        raise ModelFormatError(f"{path}: entry {label} has no {', '.join(repr(k) for k in missing)}; {fix}")
    for key, kind in {**REQUIRED_KEYS, **OPTIONAL_KEYS}.items():
        if key == "sha256" and entry.get(key, "") is None:  # refuses this net only (check_entry_file), not the zoo
            continue
        if key in entry and not _has_type(entry[key], kind):
            raise ModelFormatError(f"{path}: entry {label} has {key}={entry[key]!r}, which is not {_TYPE_NAMES[kind]}; {fix}")
    if Path(entry["file"]).name != entry["file"] or not entry["file"].endswith(".onnx"):
        raise ModelFormatError(
            f"{path}: entry {label} has file={entry['file']!r}; give the name of an .onnx file in the zoo folder"
        )
    if isinstance(entry.get("sha256"), str) and (
        len(entry["sha256"]) != 64 or any(c not in "0123456789abcdef" for c in entry["sha256"])
    ):
        raise ModelFormatError(f"{path}: entry {label} has sha256={entry['sha256']!r}, not 64 hex digits; {fix}")
    try:
        arch = Architecture.parse(entry["architecture"])
    except ArchitectureError as exc:
        raise ModelFormatError(f"{path}: entry {label} has an invalid architecture ({exc}); {fix}") from None
    if arch.neurons != entry["budget"]:
        raise ModelFormatError(
            f"{path}: entry {label} has budget {entry['budget']} but architecture {arch.name} has {arch.neurons} neurons; {fix}"
        )


def load_manifest(zoo_dir: str | os.PathLike) -> dict:
    """Read and check ``zoo_dir/manifest.json`` (an empty manifest if there is none), with the entries of an
    interrupted save that replaced their files (:mod:`~surrogate.nets.zoo_pending`).

    Parameters
    ----------
    zoo_dir
        The zoo's folder (a ``str`` or path object).

    Returns
    -------
    dict
        The manifest: ``'version'`` and ``'models'``, a list of entries (each with the keys of
        :data:`REQUIRED_KEYS`), those of an interrupted save merged in.

    Raises
    ------
    ModelFormatError
        If ``zoo_dir`` is a file, the manifest cannot be read, is not UTF-8 JSON, has another version, or an entry lacks a required key,
        holds a value of the wrong type, or repeats a name; the message names the entry and the fix.
    """
    folder = path_argument(zoo_dir, "load_manifest", name="zoo_dir", example="models")
    if folder.exists() and not folder.is_dir():  # an absent folder is a zoo before its first save; a file never one
        raise ModelFormatError(
            f"load_manifest: zoo_dir {str(folder)!r} is a file, not a folder; pass the zoo's folder (the one holding "
            f"{MANIFEST}), e.g. 'models'"
        )
    path = folder / MANIFEST
    pending = read_pending(zoo_dir)  # first: a save's manifest write removes them only once the manifest holds them
    manifest = read_json(path) if path.exists() else {"version": MANIFEST_VERSION, "models": []}
    if not isinstance(manifest, dict):
        raise ModelFormatError(
            f"{path} holds a JSON {type(manifest).__name__}, not an object with 'version' and 'models'; {_FIX}"
        )
    if manifest.get("version") != MANIFEST_VERSION:
        raise ModelFormatError(
            f"{path} has manifest version {manifest.get('version')!r}, expected {MANIFEST_VERSION}; "
            "regenerate the zoo with 'surrogate sweep --save-models'"
        )
    models = manifest.get("models")
    if not isinstance(models, list):
        raise ModelFormatError(f"{path}: 'models' is {type(models).__name__}, not a list of entries; {_FIX}")
    seen = set()
    for index, entry in enumerate(models):
        _check_entry(path, index, entry)
        if entry["name"] in seen:
            raise ModelFormatError(
                f"{path}: entry models[{index}] repeats the name {entry['name']!r}; rename or remove one of them"
            )
        seen.add(entry["name"])
    for index, entry in enumerate(pending):
        _check_entry(Path(zoo_dir) / PENDING, index, entry)
    manifest["models"] = merged_entries(zoo_dir, models, pending)
    return manifest
