"""Reading results folders: what a folder holds, and its tables and config checked against what surrogate writes.

A problem (a missing or unreadable file, a missing column, a value that is not
a number) raises :class:`~surrogate.report.tables.ResultsError` naming the file and the fix.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import SurrogateError
from ..experiments.sweep import best_rows
from ..options import is_number
from .checks import check_sweep_rows
from .tables import (
    GROWTH_COLUMNS,
    GROWTH_KEYS,
    ResultsError,
    check_counts,
    check_keys,
    check_values,
    numeric,
    one_line,
    require_columns,
)

SWEEP_FIX = "re-run the sweep that wrote it ('surrogate sweep --out {folder}')"
SCALE_FIX = "re-run the scale benchmark that wrote it ('surrogate bench scale --out {folder}')"
BENCH_FIX = "re-run the solve-time benchmark that wrote it"
SWEEP_TABLE_COLUMNS = ("arch", "source", "depth", "mae_best", "mae_median", "max_err_best", "solve_median_s")
SWEEP_NETS_COLUMNS = ("arch", "source", "depth", "seed", "file", "mae", "max_error", "val_mae")
CONFIG_KEYS = ("budget", "architectures", "protocol", "seeds", "formulation", "instances", "solver")


def command_for(command: str, folder: Path) -> str:
    """A run's recorded command line with its ``--out`` set to ``folder``, where the folder is now.

    The recorded ``--out`` is where the run wrote the folder, which a moved or copied folder no longer is (running
    it would write elsewhere). An abbreviation that argparse took before the command refused them (``--ou``, recorded
    by an older run) counts as ``--out``, which replaces it; of several, the
    last is the one argparse uses and the one replaced. A ``surrogate`` command without one (it wrote to the
    default folder) gets ``--out folder`` appended. ``command`` comes back as recorded where its last ``--out``
    already names ``folder``, or it is no ``surrogate`` command without ``--out``, or it cannot be split into words.
    """
    try:
        argv = shlex.split(command)
    except ValueError:
        return command
    for i, word in reversed(list(enumerate(argv))):  # the last --out is the one argparse uses
        name, eq, value = word.partition("=")
        if not (len(name) >= 3 and "--out".startswith(name)):  # --o, --ou, --out: the prefixes older runs recorded
            continue
        value = value if eq else argv[i + 1] if i + 1 < len(argv) else None
        if value is not None and Path(value) == Path(folder) and name == "--out":
            return command
        argv[i : i + (1 if eq or value is None else 2)] = ["--out", str(folder)]
        return shlex.join(argv)
    return shlex.join([*argv, "--out", str(folder)]) if argv and Path(argv[0]).name == "surrogate" else command


def read_csv(path: Path, *, fix: str) -> pd.DataFrame:
    """The CSV table at ``path``; :class:`ResultsError` ending in ``fix`` if it is missing or unreadable."""
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise ResultsError(f"{path}: file is missing; {fix}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"{path}: not a readable CSV table ({one_line(exc)}); {fix}") from None
    _check_rows(path, fix=fix)
    return table


def _check_rows(path: Path, *, fix: str) -> None:
    """Refuse a table with a row of fewer fields than its header (pandas would fill them with NaN in silence),
    or without its final newline (pandas would read a last field cut short as a number).

    Every table is written whole (:func:`surrogate.files.write_text` of ``DataFrame.to_csv``, which ends each
    row with a newline), so a short row or a missing last newline means a damaged file.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        width = len(next(rows, []))
        for number, row in enumerate(rows, start=2):
            if row and len(row) != width:
                raise ResultsError(
                    f"{path}: row {number - 1} has {len(row)} fields where the header has {width}, so the file is damaged; {fix}"
                )
    if not _ends_with_newline(path):
        raise ResultsError(f"{path}: does not end with a newline, so it was cut off while written or copied; {fix}")


def _ends_with_newline(path: Path) -> bool:
    """Whether the file at ``path`` is empty or its last byte is a newline."""
    with path.open("rb") as handle:
        if handle.seek(0, os.SEEK_END) == 0:
            return True
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def read_json(path: Path, *, fix: str) -> dict:
    """The JSON object at ``path``; :class:`ResultsError` ending in ``fix`` if it is missing, unreadable or not an object."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: file is missing; {fix}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not valid JSON ({one_line(exc)}); {fix}") from None
    if not isinstance(payload, dict):
        raise ResultsError(f"{path}: expected a JSON object, found {type(payload).__name__}; {fix}")
    return payload


def _config_field(folder: Path, key: str = "kind") -> object:
    """The ``key`` a folder's ``config.json`` records (``kind``: the scale benchmark writes one), else ``None``."""
    try:
        payload = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return payload.get(key) if isinstance(payload, dict) else None


def check_distinct(folders: Sequence[Path]) -> None:
    """:class:`ResultsError` if a folder is given twice (by the same or another path): its nets would count twice."""
    seen: dict[Path, Path] = {}
    for folder in folders:
        first = seen.setdefault(folder.resolve(), folder)
        if first is not folder:
            also = "" if str(first) == str(folder) else f" (also as {first})"
            raise ResultsError(f"{folder}: given twice{also}; give each results folder once")


def _scale_table(folder: Path) -> bool:
    """Whether ``folder``'s ``table.csv`` has a scale benchmark's header (``net``, ``encoding``, ``solver``; a sweep's
    has ``arch`` and ``source``): tells a scale folder whose config.json is lost or damaged from a sweep."""
    try:
        with (folder / "table.csv").open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return {"net", "encoding", "solver"} <= set(header)


def detect(folder: str | os.PathLike) -> str:
    """What ``folder`` holds: ``'sweep'``, ``'bench'`` or ``'scale'`` (a ``config.json`` whose kind is ``scale``).

    Parameters
    ----------
    folder
        A results folder.

    Raises
    ------
    ResultsError
        If ``folder`` does not exist or is not a results folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        what = "a file, not a results folder" if folder.exists() else "no such folder"
        raise ResultsError(
            f"{folder}: {what}; pass a folder written by 'surrogate sweep --out DIR', 'surrogate bench scale --out DIR' "
            "or the solve-time benchmark ('surrogate bench solve-time --out DIR')"
        )
    if (folder / "table.csv").is_file() and (folder / "config.json").is_file():
        if _config_field(folder) == "scale" or _scale_table(folder):  # a damaged config: load_scale says so
            return "scale"
        return "sweep"
    if (folder / "growth.csv").is_file():
        return "bench"
    if (folder / "config.json").is_file() and not (folder / "table.csv").exists():
        # a run stopped before its first table: its loader says it did not finish and how to finish it
        kind = _config_field(folder)
        if kind in ("scale", "solve-time"):
            return "scale" if kind == "scale" else "bench"
        if _config_field(folder, "complete") is False:
            return "sweep"
    if (folder / "table.csv").is_file() and _scale_table(folder):
        raise ResultsError(
            f"{folder}: has a scale benchmark's table.csv but no config.json, so it is not a complete scale folder; "
            f"{SCALE_FIX.format(folder=folder)}"
        )
    if (folder / "table.csv").is_file():
        raise ResultsError(
            f"{folder}: has table.csv but no config.json, so it is not a complete sweep; {SWEEP_FIX.format(folder=folder)}"
        )
    problems = (folder / "results.csv").is_file()  # a 'surrogate problems' folder: its table goes into docs pages only
    raise ResultsError(
        f"{folder}: not a results folder: it has neither table.csv + config.json (written by 'surrogate sweep --out DIR' "
        "or 'surrogate bench scale --out DIR') nor growth.csv (written by the solve-time benchmark); pass one of those "
        "folders"
        + ("; a 'surrogate problems' folder (results.csv) is read only by 'surrogate report --docs PAGE'" if problems else "")
    )


@dataclass(frozen=True, eq=False)
class SweepFolder:
    """A sweep's results as read from its folder.

    ``wall_time_s`` is the last run's; ``reused_units`` says how many of its
    units that run took from the cache (their time is not in it; 0 where not recorded).
    """

    folder: Path
    config: dict
    versions: dict
    wall_time_s: float | None
    table: pd.DataFrame
    nets: pd.DataFrame
    reused_units: int = 0

    @property
    def budget(self) -> int:
        return int(self.config["budget"])

    @property
    def protocol(self) -> str:
        return str(self.config["protocol"].get("name", "?"))

    def selected_nets(self) -> pd.DataFrame:
        """The selected net (lowest validation MAE) of every shape and source, in table order."""
        return best_rows(self.nets).reset_index(drop=True)


def load_sweep(folder: str | os.PathLike) -> SweepFolder:
    """Read and check a sweep folder (``config.json``, ``table.csv``, ``nets.csv``).

    Parameters
    ----------
    folder
        A ``sweep`` results folder.

    Raises
    ------
    ResultsError
        If a file is missing, unreadable, or lacks what this version of surrogate writes.
    """
    folder = Path(folder)
    fix = SWEEP_FIX.format(folder=folder)
    payload = read_json(folder / "config.json", fix=fix)
    if payload.get("complete") is False:
        raise ResultsError(
            f"{folder / 'config.json'}: the sweep did not finish (complete: false); run the same "
            "'surrogate sweep' command again to finish it"
        )
    config = payload.get("config")
    if not isinstance(config, dict) or any(k not in config for k in CONFIG_KEYS) or not isinstance(config["protocol"], dict):
        raise ResultsError(
            f"{folder / 'config.json'}: lacks a 'config' object with {', '.join(CONFIG_KEYS)}, so it is corrupted "
            f"or from another version of surrogate; {fix}"
        )
    if not is_number(config["budget"], integer=True, low=1):
        raise ResultsError(f"{folder / 'config.json'}: budget {config['budget']!r} is not a positive integer; {fix}")
    fix = sweep_fix(config, folder)
    table = read_csv(folder / "table.csv", fix=fix)
    require_columns(table, SWEEP_TABLE_COLUMNS, name=str(folder / "table.csv"), fix=fix)
    nets = read_csv(folder / "nets.csv", fix=fix)
    require_columns(nets, SWEEP_NETS_COLUMNS, name=str(folder / "nets.csv"), fix=fix)
    if table.empty or nets.empty:
        raise ResultsError(f"{folder / ('table.csv' if table.empty else 'nets.csv')}: holds no rows; {fix}")
    table, nets = _sweep_numbers(table, nets, folder=folder, fix=fix)
    check_sweep_rows(config, table, nets, folder=folder, fix=fix)
    wall, units = payload.get("wall_time_s"), payload.get("units") if isinstance(payload.get("units"), dict) else {}
    reused = int(units["reused"]) if is_number(units.get("reused"), integer=True, low=0) else 0
    versions = dict(payload.get("versions") or {})
    return SweepFolder(folder, config, versions, float(wall) if is_number(wall) else None, table, nets, reused)


def _sweep_numbers(table: pd.DataFrame, nets: pd.DataFrame, *, folder: Path, fix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``table.csv`` and ``nets.csv`` with their errors and times as numbers, each checked finite and >= 0,
    and every seed a whole number (:class:`ResultsError` naming the file, column and row otherwise)."""
    name, nets_name = str(folder / "table.csv"), str(folder / "nets.csv")
    numeric(table, ("depth",), name=name, fix=fix)  # checked, kept as written
    table = numeric(table, ("mae_best", "solve_median_s"), name=name, fix=fix)
    check_values(table, ("mae_best", "solve_median_s"), name=name, fix=fix)
    nets = numeric(nets, ("mae", "val_mae", "max_error"), name=nets_name, fix=fix)
    check_values(nets, ("mae", "val_mae", "max_error"), name=nets_name, fix=fix)
    seeds = pd.to_numeric(nets["seed"], errors="coerce")
    bad = (seeds.isna() | (seeds != seeds.round())).to_numpy()
    if bad.any():
        row = int(bad.argmax())
        raise ResultsError(
            f"{nets_name}: column 'seed', row {row + 1} holds {nets['seed'].tolist()[row]!r}, not a whole number; {fix}"
        )
    return table, nets


def sweep_fix(config: dict, folder: Path) -> str:
    """The fix of a damaged sweep folder: its own command (every option it ran with) where that can be rebuilt,
    ``run_sweep`` with its config where the command line cannot give it, :data:`SWEEP_FIX` where it cannot be read."""
    from .commands import sweep_command

    fallback = SWEEP_FIX.format(folder=folder)
    try:
        command = sweep_command(config, folder)
    except (SurrogateError, KeyError, TypeError, ValueError):  # a config this version cannot turn back into options
        return fallback
    if command.exact:
        return f"re-run the sweep that wrote it ('{command.text}')"
    return (  # options the command line cannot give (a sweep run through the Python API)
        f"re-run the sweep that wrote it: run_sweep(SweepConfig(...), '{folder}') with the config its config.json "
        "records (the command line cannot give all of its options)"
    )


@dataclass(frozen=True, eq=False)
class BenchFolder:
    """A solve-time benchmark's results: ``growth.csv``, every other CSV, and ``config.json`` if there is one."""

    folder: Path
    growth: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    config: dict | None


def load_bench(folder: str | os.PathLike) -> BenchFolder:
    """Read and check a solve-time benchmark folder.

    Parameters
    ----------
    folder
        A ``bench solve-time`` results folder.

    Raises
    ------
    ResultsError
        If the run did not finish (``complete: false`` in its ``config.json``), ``growth.csv`` or another CSV is
        unreadable, or ``growth.csv`` lacks its columns.
    """
    folder = Path(folder)
    fix = f"{BENCH_FIX} into {folder}"
    if _config_field(folder, "complete") is False:
        command = _config_field(folder, "command")
        again = f"run its command again ('{command_for(command, folder)}')" if isinstance(command, str) and command else fix
        raise ResultsError(
            f"{folder / 'config.json'}: the solve-time benchmark did not finish writing its tables (complete: false); "
            f"{again} to finish it"
        )
    tables = {p.name: read_csv(p, fix=fix) for p in sorted(folder.glob("*.csv"))}
    growth = tables["growth.csv"] if "growth.csv" in tables else read_csv(folder / "growth.csv", fix=fix)
    require_columns(growth, GROWTH_COLUMNS, name=str(folder / "growth.csv"), fix=fix)
    check_keys(growth, GROWTH_KEYS, name=str(folder / "growth.csv"), fix=fix)
    numeric(growth, ("products", "wall_time"), name=str(folder / "growth.csv"), fix=fix)  # checked, kept as written
    check_counts(growth, ("products",), ("wall_time",), name=str(folder / "growth.csv"), fix=fix)
    config = read_json(folder / "config.json", fix=fix) if (folder / "config.json").is_file() else None
    return BenchFolder(folder, growth, tables, config)
