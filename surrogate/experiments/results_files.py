"""What a run writes in a results folder: its file names, and the files of a folder a run wrote or did not.

A run writes the result files (:data:`RESULT_FILES`), a ``cache/`` of entries named
``<unit kind>-<first 32 hex digits of its key>.json`` (:data:`ENTRY_NAME`) and the ``nets/*.onnx`` those
entries name. :func:`run_evidence` tells whether a folder without ``config.json`` shows that a run wrote
it (one well-formed cache entry: a result file's name alone, e.g. a user's own ``table.csv``, never does);
:func:`foreign_files` names what no run writes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .results_lock import LOCK_FILE, ResultsFolderError

CONFIG_FILE = "config.json"
CACHE_DIR = "cache"
NETS_DIR = "nets"
#: Files of a results folder that ``fresh=True`` removes (with ``cache/`` and ``nets/*.onnx``).
RESULT_FILES = ("config.json", "nets.csv", "solves.csv", "table.csv", "table.json")
#: The tables a ``bench solve-time`` run writes (beside its ``config.json``).
SOLVE_TIME_TABLES = ("bounds.csv", "solves.csv", "growth.csv", "speedups.csv", "baselines.csv", "encodings.csv")
#: The files a ``surrogate problems`` run writes; it keeps no record (``config.json``), so they mark its folder.
PROBLEMS_FILES = ("results.csv", "results.json", "summary.json")
#: The files of another command that mark a folder as not one a command's run may write into (another command's
#: ``config.json`` record is refused by :func:`~surrogate.experiments.cache.stored_record`): ``problems`` has no
#: record, so its rows mark its folder for every other command, and for ``problems`` so does any file a recorded
#: run writes.
OTHER_COMMANDS_FILES = {
    "problems": tuple(dict.fromkeys((*RESULT_FILES, CACHE_DIR, NETS_DIR, *SOLVE_TIME_TABLES))),
    "solve-time": (*PROBLEMS_FILES, "table.csv", CACHE_DIR),
    "sweep": PROBLEMS_FILES,
    "scale": PROBLEMS_FILES,
}
#: A cache entry a run writes: ``<unit kind>-<first 32 hex digits of its key>.json`` (see ``UnitCache.path``).
ENTRY_NAME = re.compile(r"([a-z]+)-([0-9a-f]{32})\.json")


def is_temporary(path: Path) -> bool:
    """A temporary file of :func:`surrogate.files.atomic_path` (``.<random>.tmp``; older versions: ``.<name>.<random>.tmp``)."""
    return path.name.startswith(".") and path.name.endswith(".tmp") and path.is_file()


def remove_temporary_files(folder: Path) -> int:
    """Delete the temporary files a killed run left in ``folder``, ``nets/`` and ``cache/``; return how many."""
    removed = 0
    for sub in (folder, folder / NETS_DIR, folder / CACHE_DIR):
        if sub.is_dir():
            for path in sub.iterdir():
                if is_temporary(path):
                    path.unlink(missing_ok=True)
                    removed += 1
    return removed


def written_nets(cache: Path) -> set[str]:
    """The ``nets/`` files that the entries in ``cache`` name (a sweep's trained and hand-built nets)."""
    names = set()
    for path in (p for p in cache.glob("*.json") if ENTRY_NAME.fullmatch(p.name)):
        try:
            names.update(
                record["row"]["file"] for record in json.loads(path.read_text(encoding="utf-8"))["result"].get("nets", ())
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # a damaged entry: its nets (if any) are overwritten by the run
    return names


def run_files(folder: Path, result_files: tuple[str, ...] = RESULT_FILES) -> list[str]:
    """The files in ``folder`` that a run writes (``result_files``, cache entries, ``nets/*.onnx``), as relative names."""
    names = [name for name in result_files if (folder / name).exists()]
    for sub, pattern in ((CACHE_DIR, "*"), (NETS_DIR, "*.onnx")):
        if (folder / sub).is_dir():
            names += [f"{sub}/{p.name}" for p in sorted((folder / sub).glob(pattern)) if not is_temporary(p)]
    return names


def _is_entry(path: Path) -> bool:
    """``path`` is a cache entry a run wrote: a plain file named :data:`ENTRY_NAME`, a JSON object with a
    ``result`` whose ``kind`` and ``key`` are those of its name."""
    match = ENTRY_NAME.fullmatch(path.name)
    if match is None or path.is_symlink() or not path.is_file():
        return False
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    if not isinstance(entry, dict) or "result" not in entry or entry.get("kind") != match[1]:
        return False
    return isinstance(entry.get("key"), str) and entry["key"][:32] == match[2]


def run_evidence(folder: Path) -> bool:
    """Whether ``folder`` (without ``config.json``) shows that a run wrote it: its ``cache/`` (a folder, not a link)
    holds at least one well-formed cache entry. Result files alone never count: ``table.csv`` is a common name."""
    cache = folder / CACHE_DIR
    return cache.is_dir() and not cache.is_symlink() and any(_is_entry(p) for p in cache.iterdir())


def foreign_files(folder: Path) -> list[str]:
    """What in ``folder`` no run writes, as relative names: all but the result files (:data:`RESULT_FILES`), the
    lock, temporary files, ``cache/`` with its entries (:data:`ENTRY_NAME`) and ``nets/`` with the ``.onnx`` files
    those entries name (a symbolic link is never a run's)."""
    nets = {n for n in written_nets(folder / CACHE_DIR) if Path(n).name == n and n.endswith(".onnx")}
    known = {
        "": lambda p: (
            is_temporary(p)
            or (p.is_dir() if p.name in (CACHE_DIR, NETS_DIR) else p.name in (*RESULT_FILES, LOCK_FILE) and p.is_file())
        ),
        CACHE_DIR: lambda p: is_temporary(p) or (ENTRY_NAME.fullmatch(p.name) is not None and p.is_file()),
        NETS_DIR: lambda p: is_temporary(p) or (p.name in nets and p.is_file()),
    }
    found = []
    for sub, ours in known.items():
        if (folder / sub).is_dir() and not (sub and (folder / sub).is_symlink()):  # a linked cache/: named above
            found += [f"{sub}/{p.name}".lstrip("/") for p in sorted((folder / sub).iterdir()) if p.is_symlink() or not ours(p)]
    return found


def listed_names(names: list[str], most: int) -> str:
    """The first ``most`` of ``names``, then `` ...`` if there are more: a refusal's list of files (the one of this
    package's results folders; :func:`~surrogate.milp.model_components.first_names` is the solve path's, which
    this light module does not import).

    Parameters
    ----------
    names
        The names, in the order to give them.
    most
        How many to give.
    """
    return f"{', '.join(names[:most])}{' ...' if len(names) > most else ''}"


def refuse_other_commands(folder: Path, kind: str, command: str) -> None:
    """Refuse ``folder`` if it holds another command's results (:data:`OTHER_COMMANDS_FILES`), which the ``kind`` run
    (``command``, e.g. ``'surrogate problems'``) would mix its files with: the one rule of every command that writes a
    results folder (``surrogate report`` tells a folder's kind by its files).

    Raises
    ------
    ResultsFolderError
        If ``folder`` holds one of the files of :data:`OTHER_COMMANDS_FILES` for ``kind``.
    """
    found = [name for name in OTHER_COMMANDS_FILES[kind] if (folder / name).exists()]
    if found:
        raise ResultsFolderError(
            f"--out {folder} holds another command's results ({listed_names(found, 3)}); "
            f"{command} would mix its files with them: pass a new folder, or one an earlier {command} run wrote"
        )
