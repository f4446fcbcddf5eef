"""The cached unit runner of the long jobs: run what is not cached, cache what finishes.

A long job (a sweep) is split into :class:`Unit` s, each a pure function of
its configuration. :func:`run_units` reads back the units cached in a
:class:`~surrogate.experiments.cache.UnitCache` (checking that they are whole),
runs the others on a runner of :mod:`surrogate.executors`, and caches each
one (and writes its nets) as it finishes.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..files import sha256_bytes, sha256_file, write_bytes
from .cache import NETS_DIR, DamagedEntryError, UnitCache, unit_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Unit:
    """One cacheable piece of a sweep: ``fn(*args)``, keyed by ``kind`` and its full configuration ``spec``.

    ``size`` is its weight on the progress bar (nets or solves), ``label`` its name there.
    ``aliases`` are the keys of units whose result is this one's though their spec differs (a scale
    solve of a net with the same MILP under another name); :func:`~surrogate.experiments.cache.adopt_units`
    takes a result cached under one of them. ``check_row`` (a module-level function) says whether a
    cached row holds what the run reads from it; an entry with a row it refuses is damaged.
    """

    kind: str
    spec: dict
    fn: Callable
    args: tuple
    label: str
    size: int = 1
    aliases: tuple[str, ...] = ()
    check_row: Callable[[dict], bool] | None = None
    key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", unit_key(self.kind, self.spec))


@dataclass(frozen=True)
class UnitCounts:
    """How many units a sweep computed, took from its cache, and found damaged (and recomputed)."""

    computed: int = 0
    reused: int = 0
    damaged: int = 0

    @property
    def total(self) -> int:
        return self.computed + self.reused

    def to_dict(self) -> dict:
        return asdict(self)


#: A solve row's ``termination`` that is no answer: Ctrl-C stopped the solve (under a SIGINT handler of the program's
#: own that returned, :func:`~surrogate.milp.solver.solve` returns such a result; probe144 #1).
INTERRUPTED = "interrupted"


def _interrupted(unit: Unit, result) -> bool:
    """Whether ``result`` holds a solve row whose solve Ctrl-C stopped (:data:`INTERRUPTED`)."""
    rows = result.get("rows") if unit.kind == "solve" and isinstance(result, dict) else None
    return isinstance(rows, list) and any(isinstance(r, dict) and r.get("termination") == INTERRUPTED for r in rows)


def store_result(cache: UnitCache, unit: Unit, result: dict, nets_dir: Path):
    """Write a finished unit's nets (atomically), then its cache entry; return the result as read back.

    A solve that Ctrl-C stopped is never kept as an answer: ``KeyboardInterrupt`` is raised instead (the run stops as
    at a Ctrl-C, nothing of the unit written)."""
    if _interrupted(unit, result):
        raise KeyboardInterrupt(f"{unit.label}: a solve was interrupted (by a signal); its row is not kept")
    stored = dict(result)
    if "nets" in result:
        stored["nets"] = []
        for record in result["nets"]:
            write_bytes(nets_dir / record["row"]["file"], record["onnx"])
            stored["nets"].append({"row": record["row"], "sha256": sha256_bytes(record["onnx"])})
    cache.write(unit.kind, unit.key, unit.spec, stored)
    return json.loads(json.dumps(stored, allow_nan=True))  # what a later run would read: same types either way


def well_formed(unit: Unit, result) -> bool:
    """Whether a cached ``result`` has the shape of ``unit``'s: ``size`` nets (with file and hash) or ``size`` solves
    (each one that ``unit.check_row`` takes, where it has one, and none a solve Ctrl-C stopped, which an older
    version cached)."""
    if not isinstance(result, dict) or _interrupted(unit, result):
        return False
    if unit.kind == "solve":
        rows = result.get("rows")
        whole = isinstance(rows, list) and len(rows) == unit.size and all(isinstance(r, dict) for r in rows)
        return whole and (unit.check_row is None or all(unit.check_row(r) for r in rows))
    nets = result.get("nets")
    return (
        isinstance(nets, list)
        and len(nets) == unit.size
        and all(
            isinstance(n, dict)
            and isinstance(n.get("row"), dict)
            and isinstance(n["row"].get("file"), str)
            and isinstance(n.get("sha256"), str)
            for n in nets
        )
    )


def lookup(cache: UnitCache, unit: Unit, nets_dir: Path, counts: Counter):
    """The cached result of ``unit`` if it is whole (entry readable, net files unchanged), else ``None``."""
    try:
        result = cache.read(unit.kind, unit.key)
    except DamagedEntryError as exc:
        cache.discard(unit.kind, unit.key, str(exc))
        counts["damaged"] += 1
        return None
    if result is None:
        return None
    if not well_formed(unit, result):
        why = "a solve of it was interrupted (an older version cached it)" if _interrupted(unit, result) else None
        cache.discard(unit.kind, unit.key, why or f"it does not hold the {unit.size} results of a {unit.kind} unit")
        counts["damaged"] += 1
        return None
    for record in result.get("nets", ()):
        file = record["row"]["file"]
        if sha256_file(nets_dir / file) != record["sha256"]:
            cache.discard(unit.kind, unit.key, f"its net {NETS_DIR}/{file} is missing or changed")
            counts["damaged"] += 1
            return None
    return result


def run_units(
    units: Sequence[Unit], runner, cache: UnitCache, nets_dir: Path, *, counts: Counter, desc: str, unit_name: str, progress: bool
) -> dict[str, dict]:
    """Results of ``units`` by key: cached ones read back, the others run on ``runner`` and cached as they finish.

    Parameters
    ----------
    units
        The units to run.
    runner
        Where they run: an executor's runner (``submit`` and ``as_completed``).
    cache
        The results folder's unit cache.
    nets_dir
        The folder of the nets' ONNX files.
    counts
        Counts of units ``reused`` and ``computed``, updated here.
    desc
        The progress bar's label.
    unit_name
        The progress bar's unit (e.g. ``'pack'``).
    progress
        Whether to show a progress bar.
    """
    from tqdm.auto import tqdm

    results, todo = {}, {}
    for unit in units:
        if unit.key in results or unit.key in todo:
            continue
        cached = lookup(cache, unit, nets_dir, counts)
        if cached is None:
            todo[unit.key] = unit
        else:
            results[unit.key] = cached
    done = sum(u.size for u in units if u.key in results)
    counts["reused"] += len(results)
    if results:
        log.info("%s: %d of %d units reused from %s", desc, len(results), len(results) + len(todo), cache.root)
    with tqdm(total=sum(u.size for u in units), initial=done, desc=desc, unit=unit_name, disable=not progress) as bar:
        futures = {runner.submit(u.fn, *u.args): u for u in todo.values()}
        for future in runner.as_completed(futures):
            unit = futures[future]
            results[unit.key] = store_result(cache, unit, future.result(), nets_dir)
            counts["computed"] += 1
            bar.set_postfix_str(unit.label, refresh=False)
            bar.update(unit.size)
    return results
