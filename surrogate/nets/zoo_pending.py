"""A zoo save's pending entries: noted beside the manifest before a net's file is replaced.

A save (:mod:`surrogate.experiments.zoo_store`) makes each new entry, with its new file's
SHA-256, before the file replaces the old one, and writes the manifest once at the end.
So that an interruption between the two loses nothing, the entries made so far are
written first to ``manifest.pending.json`` (:func:`note_pending`); every read of the
manifest (:func:`~surrogate.nets.zoo_manifest.load_manifest`) takes those whose file on disk has
their hash (:func:`merged_entries`), and the next manifest written
(:func:`write_manifest`) holds them and removes the pending file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import ModelFormatError
from ..files import atomic_path, sha256_bytes, sha256_file, write_text

MANIFEST = "manifest.json"
#: The entries of a save that may have replaced their files but not yet the manifest's entries.
PENDING = "manifest.pending.json"
#: What to do about a malformed pending file: it is no tracked file, and the nets of its save are saved again.
PENDING_FIX = f"delete {PENDING} and save the nets of that save again (an interrupted save wrote it)"


def read_json(path: Path, *, missing_ok: bool = False, fix: str = "restore it from git or delete it"):
    """The JSON held by ``path``; :class:`~surrogate.errors.ModelFormatError` naming the file when it is
    unreadable, or not UTF-8 or not JSON (then ending in ``fix``). With ``missing_ok``, ``None`` when there is no
    such file (also one removed just before the read)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        if missing_ok and isinstance(exc, (FileNotFoundError, NotADirectoryError)):
            return None
        raise ModelFormatError(
            f"{path} cannot be read ({exc.strerror or exc}); check the zoo folder and its permissions"
        ) from None
    except UnicodeDecodeError as exc:
        raise ModelFormatError(
            f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); {fix}"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path} is not valid JSON ({exc}); {fix}") from None


def note_pending(zoo_dir: Path, entries: Sequence[dict]) -> None:
    """Write ``entries`` (each with the ``sha256`` of its new file) as the zoo's pending entries, atomically."""
    write_text(Path(zoo_dir) / PENDING, json.dumps(list(entries), indent=2) + "\n")


@contextmanager
def staged(zoo_dir: Path, entry: dict, added: list) -> Iterator[Path]:
    """Yield a temporary path for the new content of ``entry``'s file; when the block succeeds, note ``entry``
    with that content's SHA-256 in ``added`` and as pending after the pending entries already on disk
    (:func:`note_pending`), then move the file into place (atomically).

    The entry is noted before the file is replaced: an interruption in between leaves the old file, which
    :func:`merged_entries` sees differs from the noted hash, so the name keeps its old entry; one after it
    leaves the new file with its pending entry, which every read of the manifest takes. The pending entries
    of earlier saves (interrupted before their manifest write) are kept until a manifest holds them
    (:func:`write_manifest`), so a second interrupted save never drops the first one's.
    """
    with atomic_path(Path(zoo_dir) / entry["file"]) as tmp:
        yield tmp
        new = {**entry, "sha256": sha256_bytes(tmp.read_bytes())}
        note_pending(zoo_dir, [e for e in read_pending(zoo_dir) if e != new] + [new])
        added.append(new)


def read_pending(zoo_dir: str | os.PathLike) -> list[dict]:
    """The zoo's pending entries (none without a pending file).

    Raises
    ------
    ModelFormatError
        If the pending file is unreadable or not a list of entries with a ``name``, ``file`` and ``sha256``.
    """
    path = Path(zoo_dir) / PENDING
    entries = read_json(path, missing_ok=True, fix=PENDING_FIX)  # one removed by a manifest write just now counts as none
    if entries is None:
        return []
    keys = ("name", "file", "sha256")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and all(isinstance(e.get(k), str) for k in keys) for e in entries
    ):
        raise ModelFormatError(f"{path} is not a list of zoo entries with a name, file and sha256; {PENDING_FIX}")
    return entries


def merged_entries(zoo_dir: str | os.PathLike, models: Sequence[dict], entries: Sequence[dict]) -> list[dict]:
    """``models`` with each of ``entries`` whose file on disk has the SHA-256 it records in place of the entry of
    its name (added after them if new); a name in ``entries`` twice takes its last such entry.

    An entry whose file is not (or no longer) the one it records is left out, so no entry is ever paired with
    another file: the name keeps its entry of ``models``.
    """
    on_disk = {file: sha256_file(Path(zoo_dir) / file) for file in {e["file"] for e in entries}}
    fresh = {e["name"]: e for e in entries if on_disk[e["file"]] == e["sha256"]}
    return [fresh.pop(m["name"], m) for m in models] + list(fresh.values())


def write_manifest(zoo_dir: str | os.PathLike, manifest: dict) -> Path:
    """Write ``zoo_dir/manifest.json`` atomically, then remove the pending entries it now holds."""
    path = write_text(Path(zoo_dir) / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    (Path(zoo_dir) / PENDING).unlink(missing_ok=True)
    return path
