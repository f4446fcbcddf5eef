"""The results folder of a sweep and its cache of finished units.

Every unit of work (a pack of shapes trained together, a hand-built
yardstick, the solves of one net) is keyed by :func:`unit_key`, a hash of the
canonical JSON of everything that affects its result plus
:data:`FORMAT_VERSION`. A finished unit is one small JSON file,
``cache/<kind>-<key>.json``, written atomically, so a sweep stopped at any
point (Ctrl-C, SIGKILL) and started again redoes only unfinished units.

:func:`open_results_folder` guards the folder: it holds a lock while the
sweep runs, refuses a folder written by another format version or for
another sweep (one-line :class:`ResultsFolderError` naming the fix), removes
temporary files a killed run left behind, and with ``fresh=True`` discards
the old results first (only in a folder that such a run wrote).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import SurrogateError
from ..files import write_text
from .results_files import (
    CACHE_DIR,
    CONFIG_FILE,
    ENTRY_NAME,
    NETS_DIR,
    RESULT_FILES,
    foreign_files,
    listed_names,
    refuse_other_commands,
    remove_temporary_files,
    run_evidence,
    run_files,
    written_nets,
)
from .results_lock import ResultsFolderError, folder_lock

#: Version of the results folder and cache layout; bump it when a unit's result changes meaning.
FORMAT_VERSION = 2  # 2: the pruned encoding became the default formulation

log = logging.getLogger(__name__)


class DamagedEntryError(SurrogateError, ValueError):
    """A cache entry cannot be read back (truncated, garbage, or for another key)."""


def canonical_json(obj) -> str:
    """``obj`` as JSON with sorted keys and no spaces: equal objects give equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def unit_key(kind: str, spec: dict) -> str:
    """The cache key of a unit: SHA-256 of its kind, its full configuration and :data:`FORMAT_VERSION`."""
    text = canonical_json({"format": FORMAT_VERSION, "kind": kind, "spec": spec})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class UnitCache:
    """One JSON file per finished unit under ``root``.

    Parameters
    ----------
    root
        The cache folder (``<results folder>/cache``).
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    def path(self, kind: str, key: str) -> Path:
        return self.root / f"{kind}-{key[:32]}.json"

    def read(self, kind: str, key: str):
        """The stored result of unit ``key``, or ``None`` if it was never finished.

        Raises
        ------
        DamagedEntryError
            If the entry exists but is not a complete entry of this unit.
        """
        path = self.path(kind, key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise DamagedEntryError(f"{path} cannot be read ({exc})") from None
        try:
            entry = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DamagedEntryError(f"{path} is not valid JSON ({exc})") from None
        if not isinstance(entry, dict) or "result" not in entry:
            raise DamagedEntryError(f"{path} has no result")
        if entry.get("format") != FORMAT_VERSION or entry.get("kind") != kind or entry.get("key") != key:
            raise DamagedEntryError(f"{path} belongs to another unit or format (format {entry.get('format')!r})")
        return entry["result"]

    def write(self, kind: str, key: str, spec: dict, result) -> Path:
        """Store the result of a finished unit (atomically)."""
        entry = {"format": FORMAT_VERSION, "kind": kind, "key": key, "spec": spec, "result": result}
        return write_text(self.path(kind, key), json.dumps(entry, indent=1, allow_nan=True) + "\n")

    def discard(self, kind: str, key: str, reason: str) -> None:
        """Warn that an entry is unusable and remove it, so that the unit is recomputed."""
        log.warning("cache entry %s is damaged (%s); recomputing it", self.path(kind, key).name, reason)
        self.path(kind, key).unlink(missing_ok=True)

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*.json")) if self.root.is_dir() else 0


def check_sources(sources, *, out: str | os.PathLike | None = None, fresh: bool = False) -> None:
    """Refuse (:class:`ResultsFolderError`) a folder of ``sources`` without a ``cache/``, or, with ``fresh``,
    one that is ``out`` itself (whose cache ``fresh`` discards): checked before ``out`` is touched."""
    for source in map(Path, sources):
        if not (source / CACHE_DIR).is_dir():
            raise ResultsFolderError(f"{source}: no {CACHE_DIR}/ folder to reuse units from; pass the --out folder of a run")
        if fresh and out is not None and source.resolve() == Path(out).resolve():
            raise ResultsFolderError(
                f"{source} is both the folder to reuse and the --out folder that --fresh empties; drop --fresh to "
                "resume that run, or write to another --out"
            )


def adopt_units(cache: UnitCache, units, sources, *, accept=None) -> int:
    """Copy into ``cache`` the finished units that another results folder already holds; return how many.

    A unit's key hashes everything that decides its result (:func:`unit_key`), so an
    entry under the same key in another folder's cache is this unit's result: a run
    can be extended (more nets, another encoding) without solving again what a
    finished run solved. A unit's ``aliases`` (keys of units with the same result under
    another spec) are looked up too, in the sources and in ``cache`` itself, after its
    own key. Units already in ``cache`` are left as they are; a damaged entry is
    skipped (the unit is then computed).

    Parameters
    ----------
    cache
        The cache of the folder being run.
    units
        Its units (:class:`~surrogate.experiments.units.Unit`: ``kind``, ``key``, ``spec``, ``aliases``).
    sources
        Results folders whose ``cache/`` is read (never written).
    accept
        ``accept(unit, result)``: whether a found result is whole (a result it refuses is
        not adopted, and the unit is computed); default: every readable one.

    Raises
    ------
    ResultsFolderError
        If a source is not a folder with a ``cache/``.
    """
    check_sources(sources)
    caches = [UnitCache(Path(source) / CACHE_DIR) for source in sources]
    adopted = 0
    for unit in units:
        if cache.path(unit.kind, unit.key).exists():
            continue
        places = [(other, key) for key in (unit.key, *unit.aliases) for other in caches]
        places += [(cache, key) for key in unit.aliases]
        result = _first_result(unit.kind, places, lambda found, unit=unit: accept is None or accept(unit, found))
        if result is not None:
            cache.write(unit.kind, unit.key, unit.spec, result)
            adopted += 1
    return adopted


def _first_result(kind: str, places, whole) -> dict | None:
    """The first result cached at one of ``places`` (cache, key) that ``whole`` takes; ``None`` if none is."""
    for other, key in places:
        try:
            result = other.read(kind, key)
        except DamagedEntryError:
            continue
        if result is not None and whole(result):
            return result
    return None


#: The command that writes each kind of results folder (``kind`` in its ``config.json``; a sweep's had none).
COMMANDS = {"sweep": "surrogate sweep", "scale": "surrogate bench scale", "solve-time": "surrogate bench solve-time"}


def record_kind(stored) -> str | None:
    """The kind of results record ``stored`` (a ``config.json``'s content) is, e.g. ``'scale'``; ``None`` if none.

    A record is what a run writes: a ``"config"`` object beside a ``"kind"`` of :data:`COMMANDS`,
    or beside an integer ``"format"`` alone (a sweep's record before it named its kind). Any other
    ``config.json`` (a Keras model's, a project's settings) is no record, so ``--fresh`` never empties it.
    """
    if not isinstance(stored, dict) or not isinstance(stored.get("config"), dict):
        return None
    version = stored.get("format")
    if "kind" not in stored:
        return "sweep" if isinstance(version, int) and not isinstance(version, bool) else None
    kind = stored["kind"]
    return kind if isinstance(kind, str) and kind in COMMANDS else None


def discard_results(folder: Path) -> None:
    """Remove what a run writes in ``folder``: its result files, its ``cache/`` entries and the ``nets/*.onnx``
    those entries name; keep every other file (call it only on a folder whose ``config.json`` is a run's record, or
    one without a ``config.json`` that a run wrote, holding nothing else: :func:`run_evidence`, no
    :func:`foreign_files`).

    The cache entries go after the result files and nets, and ``config.json`` last: a removal stopped part-way
    leaves a folder that is still a run's record, or (without ``config.json``) still shows a run wrote it.
    """
    cache = folder / CACHE_DIR
    remove_temporary_files(folder)
    for name in (n for n in RESULT_FILES if n != CONFIG_FILE):
        (folder / name).unlink(missing_ok=True)
    for name in sorted(written_nets(cache)):
        if Path(name).name == name and name.endswith(".onnx"):
            (folder / NETS_DIR / name).unlink(missing_ok=True)
    if cache.is_dir():
        for path in cache.iterdir():
            if ENTRY_NAME.fullmatch(path.name) and path.is_file():
                path.unlink()
    (folder / CONFIG_FILE).unlink(missing_ok=True)
    if cache.is_dir() and not any(cache.iterdir()):
        cache.rmdir()


def _differences(stored: dict, wanted: dict) -> list[str]:
    return sorted(k for k in set(stored) | set(wanted) if stored.get(k) != wanted.get(k))


def refuse_recordless(
    folder: Path, command: str, *, result_files: tuple[str, ...] = RESULT_FILES, fresh_option: bool = True, fresh: bool = False
) -> None:
    """Refuse ``folder``, which has no ``config.json``, if it holds files that ``command`` writes: the one rule of a
    results folder without its record, for every command; each message advises only the options ``command`` has.

    Parameters
    ----------
    folder
        The results folder (without a ``config.json``).
    command
        The command's name, e.g. ``'surrogate bench solve-time'`` (a value of :data:`COMMANDS`).
    result_files
        The files the command writes in the folder besides ``config.json`` and ``cache/`` (e.g. ``('solves.csv',)``).
    fresh_option
        Whether the command has ``--fresh`` (and keeps a ``cache/`` of units, whose entries show that a run wrote
        the folder): only then is a run's folder without its record named as such, with ``--fresh`` as the fix.
    fresh
        Whether this run passed ``--fresh``: a folder that a run left (:func:`run_evidence`: a cache entry) and
        that holds only files a run writes (no :func:`foreign_files`) is then not refused, to be discarded.

    Raises
    ------
    ResultsFolderError
        If ``folder`` holds one of ``result_files`` (with ``fresh_option``: also a cache entry or net), unless
        ``fresh`` may discard them.
    """
    if not fresh_option:  # no cache/ vouches for a run, and the command cannot discard: any of its files is refused
        found = [name for name in result_files if (folder / name).exists()]
        if found:
            raise ResultsFolderError(
                f"{folder} holds {listed_names(found, 3)} but no {CONFIG_FILE}, so no {command.removeprefix('surrogate ')} "
                "run wrote them and a run would overwrite them; use another --out, or move those files away yourself"
            )
        return
    found = run_files(folder, result_files)
    if not found:
        return
    foreign, evidence = foreign_files(folder), run_evidence(folder)
    if evidence and not foreign:
        if fresh:
            return
        raise ResultsFolderError(
            f"{folder} holds a run's files without its record (it has {listed_names(found, 3)} but no {CONFIG_FILE}: an "
            "older version's run?); pass --fresh to discard them, or use another --out"
        )
    why = f"; no run writes {listed_names(foreign, 5)}" if foreign else f" and no {CACHE_DIR}/ entry of a run"
    raise ResultsFolderError(
        f"{folder} is not a results folder of {command} (it has {listed_names(found, 3)} but no {CONFIG_FILE}{why}); "
        "use another --out, or empty it yourself"
    )


def stored_record(
    folder: Path, kind: str, *, fresh: bool = False, result_files: tuple[str, ...] = RESULT_FILES, fresh_option: bool = True
) -> dict | None:
    """``folder``'s ``config.json`` if it is a record of a ``kind`` run; ``None`` if the folder holds no run's files
    (or, with ``fresh``, no ``config.json`` but a cache entry and nothing but what a run writes, which ``fresh`` may
    discard). ``result_files`` and ``fresh_option`` (whether the command has ``--fresh``) as in
    :func:`refuse_recordless`: a message advises ``--fresh`` only where the command has it.

    Raises
    ------
    ResultsFolderError
        If ``folder`` holds files a run writes but is not a ``kind`` run's folder (another command's, or nobody's:
        a folder without ``config.json`` is named as such, with the files in it that no run writes).
    """
    path, command, other = folder / CONFIG_FILE, COMMANDS[kind], "use another --out"
    if not path.exists():
        refuse_recordless(folder, command, result_files=result_files, fresh_option=fresh_option, fresh=fresh)
        refuse_other_commands(folder, kind, command)  # a problems run's rows (it keeps no record), as every command does
        return None
    only = f" (--fresh empties only a folder that {command} wrote)" if fresh_option else ""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsFolderError(f"results folder {folder}: {CONFIG_FILE} is unreadable ({exc}); {other}") from None
    found = record_kind(stored)
    if found is None and (folder / "growth.csv").is_file():  # a solve-time benchmark's folder of an older version
        found = "solve-time"
    if found is None:
        raise ResultsFolderError(
            f"{folder} is not a results folder of {command}: its {CONFIG_FILE} is not a surrogate results record; {other}{only}"
        )
    if found != kind:
        raise ResultsFolderError(
            f"{folder} is the results folder of {COMMANDS.get(found, found)}, not of {command}; {other}{only}"
        )
    refuse_other_commands(folder, kind, command)
    return stored


def check_folder(folder: Path, config: dict, *, kind: str) -> None:
    """Raise :class:`ResultsFolderError` unless ``folder`` is new or holds this very run in this format.

    Parameters
    ----------
    folder
        The results folder.
    config
        The run's configuration as JSON-able dict (compared with ``config.json``).
    kind
        The command writing it: a key of :data:`COMMANDS`.
    """
    stored = stored_record(folder, kind)
    if stored is not None:
        _check_record(folder, stored, config)


def _check_record(folder: Path, stored: dict, config: dict) -> None:
    """Refuse a run's record ``stored`` of another format version or of another configuration than ``config``."""
    fix = "pass --fresh to discard its results, or use another --out"
    version = stored.get("format")
    if version != FORMAT_VERSION:
        raise ResultsFolderError(
            f"results folder {folder} was written by an incompatible version of surrogate (results format "
            f"{version!r}, this version uses {FORMAT_VERSION}); {fix}"
        )
    wanted = json.loads(json.dumps(config, default=str))
    differ = _differences(stored["config"], wanted)
    if differ:
        raise ResultsFolderError(f"results folder {folder} holds a different run (it differs in {', '.join(differ)}); {fix}")


@contextmanager
def open_results_folder(folder: str | os.PathLike, config: dict, *, kind: str, fresh: bool = False) -> Iterator[UnitCache]:
    """Lock and check a results folder for the run ``config``; yield its unit cache.

    With ``fresh=True`` the old results of a ``kind`` run there are discarded first
    (:func:`discard_results`), also those an older version left without ``config.json`` where a cache entry shows
    a run wrote them and nothing else is there (:func:`run_evidence`, :func:`foreign_files`); a folder that is not
    such a run's (a user's own ``table.csv`` alone included) is refused, never emptied.
    Temporary files left by a killed run are removed.

    Raises
    ------
    ResultsFolderError
        If the folder cannot be created, is in use, holds files a run writes but is not a
        ``kind`` run's folder, was written by another format version, or holds a different
        run (these two only where ``fresh`` is false).
    """
    folder = Path(folder)
    with folder_lock(folder):
        if not fresh:
            check_folder(folder, config, kind=kind)
        else:
            stored_record(folder, kind, fresh=True)  # refuses another command's folder, or one with foreign files
            discard_results(folder)
        removed = remove_temporary_files(folder)
        if removed:
            log.info("removed %d temporary file(s) left by an interrupted run in %s", removed, folder)
        yield UnitCache(folder / CACHE_DIR)
