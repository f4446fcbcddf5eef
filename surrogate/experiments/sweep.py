"""The depth/width sweep: train, score, export, encode, solve, tabulate.

:func:`run_sweep` is the whole job behind ``surrogate sweep``. It returns a
:class:`SweepResult` holding three tables (per shape, per net, per solve) and
writes them, with the exported nets, into the results folder.

The work is split into *units*: a pack of shapes trained together (see
:func:`surrogate.train.training.pack_groups`), one hand-built yardstick, and the
solves of one net on the reference instances. Each unit is a pure function
of its configuration, so it can run in this process, in local worker
processes or on a Dask cluster (:mod:`surrogate.executors`), and each
finished unit is cached in ``<out>/cache/`` under a hash of that
configuration (:mod:`surrogate.experiments.cache`). A sweep that is stopped and started
again with the same command redoes only the unfinished units; training is
deterministic, so its tables equal those of an uninterrupted run (solve
times apart, which are measured afresh for recomputed solves).

The pieces have their own modules, and their names are importable from here:
:mod:`~surrogate.experiments.sweep_config` (:class:`SweepConfig`),
:mod:`~surrogate.experiments.sweep_jobs` (the three unit jobs and their keys),
:mod:`~surrogate.experiments.units` (the cached unit runner) and
:mod:`~surrogate.experiments.sweep_tables` (the tables and the selected net per shape).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..executors import ExecutorConfig, open_executor
from ..files import write_text
from ..milp.solver import check_solver
from ..nets.onnx_files import path_argument
from ..nets.onnx_io import package_versions
from ..nets.sources import HAND_BUILT_SOURCES, TRAINED
from ..options import check_flags
from .cache import CONFIG_FILE, FORMAT_VERSION, NETS_DIR, open_results_folder
from .sweep_config import QUICK_EPOCHS, QUICK_INSTANCES, QUICK_SEEDS, SweepConfig
from .sweep_jobs import net_filename, net_units, solve_unit, solve_units, train_unit, yardstick_unit
from .sweep_tables import best_rows, format_table, order_rows, solves_frame, summarise
from .units import Unit, UnitCounts, run_units

#: Names importable from here, whose homes are the modules above.
__all__ = [
    "HAND_BUILT_SOURCES",
    "QUICK_EPOCHS",
    "QUICK_INSTANCES",
    "QUICK_SEEDS",
    "TRAINED",
    "SweepConfig",
    "SweepResult",
    "Unit",
    "UnitCounts",
    "best_rows",
    "format_table",
    "net_filename",
    "net_units",
    "run_sweep",
    "run_units",
    "solve_unit",
    "solve_units",
    "solves_frame",
    "summarise",
    "train_unit",
    "yardstick_unit",
]


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The three tables of a sweep, where they were written, and how many units it computed or reused."""

    config: SweepConfig
    table: pd.DataFrame
    nets: pd.DataFrame
    solves: pd.DataFrame
    out_dir: Path
    wall_time_s: float
    units: UnitCounts = field(default_factory=UnitCounts)

    def best_net_path(self, arch: str, *, source: str = TRAINED) -> Path:
        """The ONNX file of the selected net of ``arch`` from ``source``."""
        n = self.nets[(self.nets["arch"] == arch) & (self.nets["source"] == source)]
        if n.empty:
            raise ConfigError(f"this sweep has no {source} net of shape {arch!r}")
        return self.out_dir / NETS_DIR / best_rows(n)["file"].iloc[0]

    def render(self) -> str:
        """The table as printed by ``surrogate sweep``."""
        return format_table(self.table)


def _write_json(path: Path, payload) -> None:
    write_text(path, json.dumps(payload, indent=2, sort_keys=False, default=str, allow_nan=True) + "\n")


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_text(path, frame.to_csv(index=False, lineterminator="\n"))


def _config_record(config: SweepConfig, **extra) -> dict:
    """The content of ``config.json``: format version, sweep configuration, package versions, and ``extra``."""
    return {"kind": "sweep", "format": FORMAT_VERSION, "config": config.to_dict(), "versions": package_versions(), **extra}


def run_sweep(
    config: SweepConfig,
    out_dir: str | Path,
    *,
    progress: bool = True,
    executor: ExecutorConfig | None = None,
    fresh: bool = False,
) -> SweepResult:
    """Run the whole sweep (or finish an interrupted one) and write its results under ``out_dir``.

    Parameters
    ----------
    config
        The sweep.
    out_dir
        Results folder. Files written (each atomically): ``nets/*.onnx``,
        ``nets.csv``, ``solves.csv``, ``table.csv``, ``table.json``,
        ``config.json``, and one ``cache/*.json`` per finished unit.
    progress
        Show progress bars (on stderr).
    executor
        Where the units run (default: local processes, one per core, at most 8).
    fresh
        Discard the folder's old results and cache first.

    Returns
    -------
    SweepResult
        The tables (``table``, ``nets``, ``solves``), where they were written, wall time and units computed or reused.

    Raises
    ------
    surrogate.experiments.cache.ResultsFolderError
        If ``out_dir`` holds results of another format version or of a
        different sweep (pass ``fresh=True`` or use another folder), or
        another sweep is writing to it.
    surrogate.errors.ModelFormatError
        If ``out_dir`` is no path (``None``, a number, bytes).
    """
    out_dir, start, counts = _checked(config, out_dir, progress=progress, fresh=fresh), time.perf_counter(), Counter()
    nets_dir = out_dir / NETS_DIR
    # the executor first: one that cannot start (a Dask scheduler out of reach) leaves the folder as it was
    with open_executor(executor) as runner, open_results_folder(out_dir, config.to_dict(), kind="sweep", fresh=fresh) as cache:
        _write_json(out_dir / CONFIG_FILE, _config_record(config, complete=False))
        nets_dir.mkdir(parents=True, exist_ok=True)
        units = net_units(config)
        done = run_units(units, runner, cache, nets_dir, counts=counts, desc="train+export", unit_name="net", progress=progress)
        nets = order_rows(config, [record["row"] for u in units for record in done[u.key]["nets"]])
        chosen = nets if config.solve_all_seeds else best_rows(nets)
        units = solve_units(config, chosen, nets_dir)
        done = run_units(units, runner, cache, nets_dir, counts=counts, desc="encode+solve", unit_name="solve", progress=progress)
        solves = solves_frame(chosen, units, done)
        table = summarise(config, nets, solves)
        wall = time.perf_counter() - start
        unit_counts = UnitCounts(counts["computed"], counts["reused"], counts["damaged"])
        _write_tables(out_dir, nets=nets, solves=solves, table=table)
        _write_json(out_dir / CONFIG_FILE, _config_record(config, wall_time_s=wall, units=unit_counts.to_dict(), complete=True))
    return SweepResult(config, table, nets, solves, out_dir, wall, unit_counts)


def _checked(config, out_dir, *, progress, fresh) -> Path:
    """``out_dir`` as an absolute path (a later chdir moves nothing), after checking :func:`run_sweep`'s arguments."""
    if not isinstance(config, SweepConfig):
        raise ConfigError(f"run_sweep: config={config!r} must be a SweepConfig, e.g. SweepConfig(budget=24)")
    check_flags("run_sweep", progress=progress, fresh=fresh)
    check_solver(config.solver)  # before any training
    return path_argument(out_dir, "run_sweep", name="out_dir", example="results/sweep").absolute()


def _write_tables(out_dir: Path, **tables: pd.DataFrame) -> None:
    """``<name>.csv`` in ``out_dir`` for each of ``tables``, and ``table.json`` of the one named ``table``."""
    for name, frame in tables.items():
        _write_csv(out_dir / f"{name}.csv", frame)
    rows = tables["table"].replace({np.nan: None, np.inf: None, -np.inf: None})  # JSON has neither: null (the CSV keeps inf)
    _write_json(out_dir / "table.json", {"rows": rows.to_dict(orient="records")})
