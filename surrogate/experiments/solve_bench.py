"""``surrogate bench solve-time``: encodings, bounds and classic baselines, side by side in one run.

One run produces four tables (each also written as CSV):

``bounds``
    Per net and bound method: stable/unstable neurons, total big-M width,
    seconds to compute.
``solves`` (the growth table's rows)
    Every (problem, approximation, encoding) MILP: size, HiGHS time, nodes,
    gap, termination, and whether the time limit was hit. Problems are the
    random bilinear family (1..64 products) and the pooling instances.
``speedups``
    Per problem and net of depth >= 3: OMLT's default big-M time over the
    ``pruned`` time (warm start and tightening time included, see
    :func:`speedup_table`), and the same ratio for ``pruned-cold``.
``baselines``
    Per approximation (the zoo nets and the classic MIP approximations of
    x*y): binaries per product, worst-case and mean error, error per binary,
    and solve times on the reference instances and the problems.

The configuration lives in :mod:`~surrogate.experiments.solve_bench_config`, the bounds and the solves in
:mod:`~surrogate.experiments.solve_bench_jobs`, the tables computed from the solves in
:mod:`~surrogate.experiments.solve_bench_tables`; all are importable from here.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..executors import ExecutorConfig
from ..files import write_text
from ..milp.bilinear import resolve_surrogate
from ..milp.solver import check_solver
from ..milp.solver_config import SOLVER_NAMES
from ..options import check_flags
from .cache import CONFIG_FILE, remove_temporary_files, stored_record
from .reference_problem import reference_regret
from .results_files import SOLVE_TIME_TABLES
from .results_lock import folder_lock
from .solve_bench_config import (
    ANCHOR,
    CANDIDATE,
    COLD,
    DEFAULT_BASELINES,
    ENCODINGS,
    QUICK_SETTINGS,
    REFERENCE_SEED,
    REFERENCE_SOLVER,
    WORKERS,
    SolveBenchConfig,
)
from .solve_bench_jobs import SolveJob, bounds_table, plan_jobs, run_job, run_jobs
from .solve_bench_tables import baseline_table, encoding_summary, growth_table, short_label, speedup_table

#: Names importable from here, whose homes are the modules above.
__all__ = [
    "ANCHOR",
    "CANDIDATE",
    "COLD",
    "DEFAULT_BASELINES",
    "ENCODINGS",
    "QUICK_SETTINGS",
    "REFERENCE_SEED",
    "REFERENCE_SOLVER",
    "WORKERS",
    "SolveBenchConfig",
    "SolveBenchResult",
    "SolveJob",
    "baseline_table",
    "bounds_table",
    "encoding_summary",
    "growth_table",
    "load_nets",
    "plan_jobs",
    "reference_regret",
    "run_job",
    "run_jobs",
    "run_solve_bench",
    "solve_time_folder",
    "speedup_table",
]


# --- the whole benchmark ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SolveBenchResult:
    """The tables of one ``bench solve-time`` run (see the module docstring)."""

    config: SolveBenchConfig
    bounds: pd.DataFrame
    solves: pd.DataFrame
    speedups: pd.DataFrame
    baselines: pd.DataFrame
    wall_time_s: float

    @property
    def median_speedup(self) -> float:
        return float(self.speedups["speedup"].median()) if len(self.speedups) else math.nan

    @property
    def median_speedup_amortised(self) -> float:
        return float(self.speedups["speedup_amortised"].median()) if len(self.speedups) else math.nan

    @property
    def median_speedup_cold(self) -> float:
        column = self.speedups.get("cold_speedup_amortised")
        return float(column.median()) if column is not None and column.notna().any() else math.nan

    @property
    def growth(self) -> pd.DataFrame:
        return growth_table(self.solves)

    @property
    def encodings(self) -> pd.DataFrame:
        return encoding_summary(self.solves)

    def render(self) -> str:
        """The tables as ``surrogate bench solve-time`` prints them."""
        fmt = lambda v: f"{v:.3g}"  # noqa: E731
        limit = self.config.solver
        name = SOLVER_NAMES[limit.solver]
        sections = [
            ("bounds per net (stable neurons need no binary; bigm_width = sum of u - l over unstable neurons)", self.bounds),
            (
                f"encodings over all problems ({name}, {limit.threads} thread, time limit {limit.time_limit:g} s, gap {limit.rel_gap:g})",
                self.encodings,
            ),
            ("speed-up per problem, nets of depth >= 3 (omlt-bigm time / (pruned time + tightening))", self.speedups),
            (
                f"growth: {name} seconds by number of products, random family ('*' = hit the {limit.time_limit:g} s limit)",
                self.growth,
            ),
            ("approximations of x*y: error per binary, and solve times (nets use the pruned encoding)", self.baselines),
        ]
        return "\n\n".join(f"{title}\n{frame.to_string(float_format=fmt)}" for title, frame in sections if len(frame))

    def headline(self) -> str:
        """The closing lines: both ways of charging tightening, the amortised one last."""
        pairs = len(self.speedups)
        if not pairs:
            return "no net of depth >= 3, so no speed-up over OMLT is measured (the speed-ups compare nets of depth >= 3)"
        hits = int(self.speedups["anchor_hit"].sum())
        return (
            f"{pairs} problem x net pairs with depth >= 3; OMLT default hit the time limit in {hits} "
            f"(its ratio is then a lower bound; 1.0 when both hit)\n"
            f"median speed-up without the warm start ({COLD}, tightening amortised): {self.median_speedup_cold:.2f}x\n"
            f"median speed-up with each net's tightening time charged in full to every problem: {self.median_speedup:.2f}x\n"
            f"median speed-up vs OMLT default: {self.median_speedup_amortised:.2f}x"
        )

    def write(self, out_dir: str | Path, *, command: str | None = None) -> None:
        """Write every table as CSV (atomically), ``growth.csv`` for plots and ``config.json``, as one run.

        ``config.json`` is first rewritten with ``complete: false`` and written whole (``complete: true``) last:
        an interruption leaves a folder that ``surrogate report`` refuses, never one whose tables come from two
        runs. The write holds the folder's lock (:func:`~surrogate.experiments.results_lock.folder_lock`; held already
        by the caller, as :func:`solve_time_folder` holds it, it holds on under that): another command that holds it
        refuses the write, and so does a folder of another command (a sweep's, say). Hold :func:`solve_time_folder`
        around the whole run so that no other run writes there while this one runs.

        Raises
        ------
        ResultsFolderError
            If ``out_dir`` is a file, cannot be created, another running command holds its lock, its
            ``config.json`` is another command's record or none, or it holds one of :data:`TABLES` without a
            ``config.json`` (:func:`~surrogate.experiments.cache.stored_record`, which advises no ``--fresh``: the
            command has none).
        """
        out = Path(out_dir)
        with folder_lock(out, reentrant=True):
            stored_record(out, "solve-time", result_files=TABLES, fresh_option=False)
            write_text(out / CONFIG_FILE, self._record(command, complete=False))
            for name, frame in self._tables().items():
                if frame.columns.empty:  # nothing measured (e.g. no net deep enough for speed-ups): no empty file
                    (out / name).unlink(missing_ok=True)
                else:
                    write_text(out / name, frame.to_csv(index=False, lineterminator="\n"))
            write_text(out / CONFIG_FILE, self._record(command, complete=True))

    def _tables(self) -> dict[str, pd.DataFrame]:
        """The CSV files of the run by name (:data:`TABLES`)."""
        growth = self.solves.assign(arch=self.solves["approx"].map(short_label))
        return dict(zip(TABLES, (self.bounds, self.solves, growth, self.speedups, self.baselines, self.encodings), strict=True))

    def _record(self, command: str | None, *, complete: bool) -> str:
        """The text of ``config.json``: the run's configuration, versions, headline numbers and ``complete``."""
        import json

        from ..nets.onnx_io import package_versions

        payload = {
            "kind": "solve-time",
            "command": command,
            "complete": complete,
            "time_limit": self.config.solver.time_limit,
            "config": self.config.to_dict(),
            "versions": package_versions(),
            "wall_time_s": self.wall_time_s,
            # null where nothing was measured (no net deep enough): JSON has no NaN
            **{
                k: (v if math.isfinite(v) else None)
                for k, v in (
                    ("median_speedup", self.median_speedup),
                    ("median_speedup_amortised", self.median_speedup_amortised),
                    ("median_speedup_cold", self.median_speedup_cold),
                )
            },
        }
        return json.dumps(payload, indent=2, default=str) + "\n"


@contextmanager
def solve_time_folder(out: str | os.PathLike) -> Iterator[Path]:
    """Create and lock ``out`` for a ``bench solve-time`` run (:func:`~surrogate.experiments.cache.folder_lock`); yield it.

    Parameters
    ----------
    out
        The results folder (a ``str`` or path object), made if missing.

    Raises
    ------
    ResultsFolderError
        If another running command holds the folder, its ``config.json`` is another command's record or none, or
        it holds one of :data:`TABLES` without a ``config.json`` (:func:`~surrogate.experiments.cache.stored_record`).
    """
    out = Path(out)
    with folder_lock(out):
        stored_record(out, "solve-time", result_files=TABLES, fresh_option=False)  # a command without --fresh
        remove_temporary_files(out)
        yield out


#: The tables a ``bench solve-time`` run writes (:meth:`SolveBenchResult.write`).
TABLES = SOLVE_TIME_TABLES


def load_nets(config: SolveBenchConfig) -> dict:
    """The nets of the run by name, from the zoo (or ONNX paths).

    Parameters
    ----------
    config
        The run's :class:`~surrogate.experiments.solve_bench_config.SolveBenchConfig`.
    """
    return {name: resolve_surrogate(name, zoo=config.zoo) for name in config.net_names}


def run_solve_bench(
    config: SolveBenchConfig, *, executor: ExecutorConfig | None = None, progress: bool = True
) -> SolveBenchResult:
    """Run the whole benchmark (see the module docstring).

    Parameters
    ----------
    config
        The benchmark.
    executor
        Where the solves run (default: local processes, one per core, at most 8); like
        :func:`~surrogate.experiments.sweep.run_sweep`, it may be a Dask cluster.
    progress
        Show progress bars (on stderr).
    """
    from tqdm.auto import tqdm

    check_flags("run_solve_bench", progress=progress)
    check_solver(config.solver)
    start = time.perf_counter()
    nets = load_nets(config)
    bounds, tightened = bounds_table(nets, obbt_time_limit=config.obbt_time_limit, obbt_node_limit=config.obbt_node_limit)
    nets = {name: net for name, (net, _) in tightened.items()}
    jobs = plan_jobs(config, nets)
    with tqdm(total=len(jobs), desc="solve", unit="milp", disable=not progress) as bar:

        def shown(job: SolveJob) -> None:
            bar.set_postfix_str(f"{job.problem} {job.approx}")
            bar.update()

        solves = pd.DataFrame(run_jobs(jobs, config.solver, executor, shown, (config.start_patience, config.start_clock)))
    solves = solves.sort_values(["family", "products", "instance", "approx", "encoding"], kind="stable").reset_index(drop=True)
    depths = {name: net.architecture.depth for name, net in nets.items()}
    speedups = speedup_table(solves, {name: s for name, (_, s) in tightened.items()}, depths)
    with tqdm(total=len(nets) + len(config.baselines), desc="baselines", unit="approx", disable=not progress) as bar:
        baselines = baseline_table(config, nets, solves, progress=lambda _: bar.update())
    return SolveBenchResult(config, bounds, solves, speedups, baselines, time.perf_counter() - start)
