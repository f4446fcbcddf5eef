"""``surrogate report``: one self-contained Markdown report of results folders.

:func:`write_report` reads each folder, works out what it holds, and writes
``report.md`` with its tables inline and its figures (PNG and SVG) in a
``figures/`` folder next to it, linked relatively.

* A **sweep** folder (``surrogate sweep --out DIR``) has ``table.csv`` and
  ``config.json`` (plus ``nets.csv`` and ``nets/*.onnx``). Its section shows the
  command that regenerates it, the table, MAE against depth and the error heat
  map of every selected net. All sweeps together give one Pareto figure.
* A **solve-time benchmark** folder has ``growth.csv`` and maybe other CSV
  files. Its section shows solve time against surrogate copies and every CSV
  table in the folder.

Anything else, or a file that is corrupted or from an incompatible version,
raises :class:`~surrogate.report.plots.ResultsError` naming the file and the fix.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, SurrogateError
from ..experiments.sweep import SweepConfig
from ..experiments.sweep_args import add_sweep_arguments, sweep_config_from_args
from ..files import write_text
from ..options import default_of
from .plots import (
    GROWTH_COLUMNS,
    PlotStyle,
    ResultsError,
    SavedFigure,
    SweepTable,
    growth_medians,
    one_line,
    plot_error_heatmap,
    plot_growth,
    plot_mae_vs_depth,
    plot_pareto,
    require_columns,
)

SWEEP_FIX = "re-run the sweep that wrote it ('surrogate sweep --out {folder}')"
BENCH_FIX = "re-run the solve-time benchmark that wrote it"
SWEEP_TABLE_COLUMNS = ("arch", "source", "depth", "mae_best", "mae_median", "max_err_best", "solve_median_s")
SWEEP_NETS_COLUMNS = ("arch", "source", "depth", "seed", "file", "mae", "max_error", "val_mae")
CONFIG_KEYS = ("budget", "architectures", "protocol", "seeds", "formulation", "instances", "solver")
# Recorded by older sweeps: where the work ran, not what it computed.
RUN_ONLY_KEYS = ("workers",)


@dataclass(frozen=True)
class ReportOptions:
    """What goes into a report. Validated on construction.

    Parameters
    ----------
    heatmaps
        Draw the error heat map of every selected net (one per shape and source) of each sweep.
    max_rows
        Longest CSV table shown in full; longer ones show their first ``max_rows`` rows.
    style
        Look of every figure.
    """

    heatmaps: bool = True
    max_rows: int = 60
    style: PlotStyle = field(default_factory=PlotStyle)

    def __post_init__(self) -> None:
        if not isinstance(self.heatmaps, bool):
            raise ConfigError(f"ReportOptions: heatmaps={self.heatmaps!r} must be True or False")
        if isinstance(self.max_rows, bool) or not isinstance(self.max_rows, int) or self.max_rows < 1:
            raise ConfigError(f"ReportOptions: max_rows={self.max_rows!r} must be a positive integer, e.g. 60")
        if not isinstance(self.style, PlotStyle):
            raise ConfigError("ReportOptions: style must be a PlotStyle, e.g. PlotStyle(dpi=150)")


# ----------------------------------------------------------------------------- reading folders


def _read_csv(path: Path, *, fix: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise ResultsError(f"{path}: file is missing; {fix}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"{path}: not a readable CSV table ({one_line(exc)}); {fix}") from None


def _read_json(path: Path, *, fix: str) -> dict:
    try:
        payload = json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultsError(f"{path}: file is missing; {fix}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not valid JSON ({one_line(exc)}); {fix}") from None
    if not isinstance(payload, dict):
        raise ResultsError(f"{path}: expected a JSON object, found {type(payload).__name__}; {fix}")
    return payload


def detect(folder: str | os.PathLike) -> str:
    """What ``folder`` holds: ``'sweep'`` or ``'bench'``.

    Raises
    ------
    ResultsError
        If ``folder`` does not exist or is not a results folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such folder; pass a folder written by 'surrogate sweep --out DIR' or the solve-time benchmark")
    if (folder / "table.csv").is_file() and (folder / "config.json").is_file():
        return "sweep"
    if (folder / "growth.csv").is_file():
        return "bench"
    if (folder / "table.csv").is_file():
        raise ResultsError(f"{folder}: has table.csv but no config.json, so it is not a complete sweep; {SWEEP_FIX.format(folder=folder)}")
    raise ResultsError(
        f"{folder}: not a results folder: it has neither table.csv + config.json (written by 'surrogate sweep --out DIR') "
        "nor growth.csv (written by the solve-time benchmark); pass one of those folders"
    )


@dataclass(frozen=True, eq=False)
class SweepFolder:
    """A sweep's results as read from its folder."""

    folder: Path
    config: dict
    versions: dict
    wall_time_s: float | None
    table: pd.DataFrame
    nets: pd.DataFrame

    @property
    def budget(self) -> int:
        return int(self.config["budget"])

    @property
    def protocol(self) -> str:
        return str(self.config["protocol"].get("name", "?"))

    def selected_nets(self) -> pd.DataFrame:
        """The selected net (lowest validation MAE) of every shape and source, in table order."""
        best = self.nets.loc[self.nets.groupby(["arch", "source"], sort=False)["val_mae"].idxmin()]
        return best.reset_index(drop=True)


def load_sweep(folder: str | os.PathLike) -> SweepFolder:
    """Read and check a sweep folder (``config.json``, ``table.csv``, ``nets.csv``).

    Raises
    ------
    ResultsError
        If a file is missing, unreadable, or lacks what this version of surrogate writes.
    """
    folder = Path(folder)
    fix = SWEEP_FIX.format(folder=folder)
    payload = _read_json(folder / "config.json", fix=fix)
    if payload.get("complete") is False:
        raise ResultsError(f"{folder / 'config.json'}: the sweep did not finish (complete: false); run the same "
                           "'surrogate sweep' command again to finish it")
    config = payload.get("config")
    if not isinstance(config, dict) or any(k not in config for k in CONFIG_KEYS) or not isinstance(config["protocol"], dict):
        raise ResultsError(
            f"{folder / 'config.json'}: lacks a 'config' object with {', '.join(CONFIG_KEYS)}, so it is corrupted "
            f"or from another version of surrogate; {fix}"
        )
    if isinstance(config["budget"], bool) or not isinstance(config["budget"], int) or config["budget"] < 1:
        raise ResultsError(f"{folder / 'config.json'}: budget {config['budget']!r} is not a positive integer; {fix}")
    table = _read_csv(folder / "table.csv", fix=fix)
    require_columns(table, SWEEP_TABLE_COLUMNS, name=str(folder / "table.csv"), fix=fix)
    nets = _read_csv(folder / "nets.csv", fix=fix)
    require_columns(nets, SWEEP_NETS_COLUMNS, name=str(folder / "nets.csv"), fix=fix)
    for name, frame, cols in (("table.csv", table, ("mae_best", "solve_median_s")), ("nets.csv", nets, ("mae", "val_mae"))):
        for col in cols:
            if not pd.api.types.is_numeric_dtype(frame[col]):
                raise ResultsError(f"{folder / name}: column {col!r} holds values that are not numbers; {fix}")
    wall = payload.get("wall_time_s")
    return SweepFolder(
        folder, config, dict(payload.get("versions") or {}), float(wall) if isinstance(wall, (int, float)) else None, table, nets
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

    Raises
    ------
    ResultsError
        If ``growth.csv`` or another CSV is unreadable, or ``growth.csv`` lacks its columns.
    """
    folder = Path(folder)
    fix = f"{BENCH_FIX} into {folder}"
    tables = {p.name: _read_csv(p, fix=fix) for p in sorted(folder.glob("*.csv"))}
    growth = tables["growth.csv"] if "growth.csv" in tables else _read_csv(folder / "growth.csv", fix=fix)
    require_columns(growth, GROWTH_COLUMNS, name=str(folder / "growth.csv"), fix=fix)
    config = _read_json(folder / "config.json", fix=fix) if (folder / "config.json").is_file() else None
    return BenchFolder(folder, growth, tables, config)


# ----------------------------------------------------------------------------- the sweep command


@dataclass(frozen=True)
class SweepCommand:
    """The ``surrogate sweep`` command line that reproduces a sweep's config.

    ``exact`` is true when parsing ``argv`` with the CLI gives back the very
    config; otherwise ``differences`` says what the command cannot express.
    """

    argv: tuple[str, ...]
    exact: bool
    differences: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return shlex.join(self.argv)


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def _epochs_flag(protocol: dict) -> tuple[list[str], list[str]]:
    """``--protocol``/``--epochs`` flags for a recorded protocol, and what they cannot express."""
    from ..train.protocols import PROTOCOLS

    name = protocol.get("name")
    if name not in PROTOCOLS:
        return [], [f"protocol {name!r} is not a named protocol ({', '.join(sorted(PROTOCOLS))}); build it with the Python API"]
    flags = ["--protocol", name] if name != default_of(SweepConfig, "protocol").name else []
    base = PROTOCOLS[name]
    if _jsonable(base.to_dict()) == _jsonable(protocol):
        return flags, []
    total = sum(int(s.get("epochs", 0)) for s in protocol.get("stages", []))
    for epochs in sorted(range(1, max(total, base.epochs) * 2 + 2), key=lambda e: abs(e - total)):
        if _jsonable(base.with_epochs(epochs).to_dict()) == _jsonable(protocol):
            return flags + ["--epochs", str(epochs)], []
    return flags, [f"protocol {name!r} was customised beyond --epochs; see config.json and use the Python API"]


def sweep_command(config: Mapping, out_dir: str | os.PathLike) -> SweepCommand:
    """The ``surrogate sweep`` command for a sweep's recorded ``config`` (``config.json``'s ``config``).

    Options equal to :class:`SweepConfig`'s defaults are left out. The command
    is checked by parsing it with the sweep's options
    (:func:`~surrogate.experiments.sweep.add_sweep_arguments`) and comparing the resulting
    config with ``config``.
    """
    argv = ["surrogate", "sweep", *_shape_flags(config)]
    flags, differences = _epochs_flag(config["protocol"])
    argv += flags
    seeds = list(config["seeds"])
    if seeds != list(range(len(seeds))):
        differences.append(f"seeds {seeds} are not 0..N-1, which is all --seeds N can give; use the Python API")
    elif len(seeds) != len(default_of(SweepConfig, "seeds")):
        argv += ["--seeds", str(len(seeds))]
    for key, flag in (("formulation", "--formulation"), ("instances", "--instances"), ("instance_seed", "--instance-seed")):
        if config.get(key, default_of(SweepConfig, key)) != default_of(SweepConfig, key):
            argv += [flag, str(config[key])]
    if config.get("solve_all_seeds"):
        argv.append("--all-seeds")
    argv += _solver_flags(config.get("solver", {}), differences)
    if config.get("yardsticks") is False:
        argv.append("--no-yardsticks")
    argv += ["--out", str(out_dir)]
    return SweepCommand(tuple(argv), not differences and _reproduces(argv, config, differences), tuple(differences))


def _shape_flags(config: Mapping) -> list[str]:
    """``--budget`` and ``--arch`` flags for a recorded config's budget and shapes (none where they are the defaults)."""
    from ..nets.architecture import constant_width_shapes

    budget, flags = config["budget"], []
    if budget != default_of(SweepConfig, "budget"):
        flags += ["--budget", str(budget)]
    if list(config["architectures"]) != [a.name for a in constant_width_shapes(budget)]:
        for arch in config["architectures"]:
            flags += ["--arch", str(arch)]
    return flags


def _solver_flags(solver: Mapping, differences: list[str]) -> list[str]:
    """``--time-limit`` and ``--threads`` flags for recorded solver settings; appends what has no flag to ``differences``."""
    default, flags = default_of(SweepConfig, "solver"), []
    if solver.get("time_limit", default.time_limit) != default.time_limit:
        flags += ["--time-limit", f"{solver['time_limit']:g}"]
    if solver.get("threads", default.threads) != default.threads:
        flags += ["--threads", str(solver["threads"])]
    for key in ("rel_gap", "solver"):
        if key in solver and solver[key] != getattr(default, key):
            differences.append(f"solver {key}={solver[key]!r} has no command-line option; use the Python API")
    return flags


def _reproduces(argv: list[str], config: Mapping, differences: list[str]) -> bool:
    """Whether the sweep's options turn ``argv`` into ``config``; appends what differs to ``differences``."""
    parser = add_sweep_arguments(argparse.ArgumentParser(prog=" ".join(argv[:2])))
    try:
        rebuilt = _jsonable(sweep_config_from_args(parser.parse_args(argv[2:])).to_dict())
    except (SystemExit, SurrogateError, AttributeError, TypeError) as exc:
        differences.append(f"the CLI does not accept this command ({one_line(exc) or 'usage error'})")
        return False
    recorded = {k: v for k, v in _jsonable(dict(config)).items() if k not in RUN_ONLY_KEYS}
    differ = sorted(k for k in set(rebuilt) | set(recorded) if rebuilt.get(k) != recorded.get(k))
    if differ:
        differences.append(f"the command gives other values of {', '.join(differ)} than config.json")
    return not differ


# ----------------------------------------------------------------------------- Markdown


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, *, max_rows: int | None = None) -> str:
    """``frame`` as a GitHub Markdown table; floats to 3 significant digits, NaN as '–'."""
    shown = frame if max_rows is None else frame.head(max_rows)
    lines = ["| " + " | ".join(_cell(c) for c in shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    if max_rows is not None and len(frame) > max_rows:
        lines.append(f"\n*First {max_rows} of {len(frame)} rows.*")
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "results"


@dataclass
class _Writer:
    """Collects the report's lines and figures; links are relative to the report's folder."""

    out: Path
    options: ReportOptions
    lines: list[str] = field(default_factory=list)
    figures: list[SavedFigure] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def link(self, path: Path) -> str:
        return Path(os.path.relpath(Path(path).resolve(), self.out.parent.resolve())).as_posix()

    def figure(self, saved: SavedFigure, caption: str) -> None:
        self.figures.append(saved)
        self.add(f"![{saved.title.splitlines()[0]}]({self.link(saved.png)})", "", f"*{caption}* ([SVG]({self.link(saved.svg)}))", "")


def _sweep_section(w: _Writer, sweep: SweepFolder, fig_dir: Path) -> None:
    config = sweep.config
    command = sweep_command(config, sweep.folder)
    n_archs, n_seeds = len(config["architectures"]), len(config["seeds"])
    w.add(f"## Sweep `{sweep.folder}`", "",
          f"Budget {sweep.budget}, protocol `{sweep.protocol}`, {n_archs} shapes × {n_seeds} seeds, "
          f"formulation `{config['formulation']}`, {config['instances']} reference instances per net.", "")
    w.add("Regenerate with:" if command.exact else "Closest command (see the config below for what it cannot express):", "",
          "```bash", command.text, "```", "")
    w.add(*[f"- {d}" for d in command.differences])
    ran = f"Ran in {sweep.wall_time_s:.1f} s" if sweep.wall_time_s is not None else "Run time not recorded"
    versions = ", ".join(f"{k} {v}" for k, v in sweep.versions.items())
    w.add(f"{ran}{' with ' + versions if versions else ''}.", "",
          "<details><summary>config.json</summary>", "", "```json", json.dumps(config, indent=1), "```", "", "</details>", "")
    w.add(f"### Table ([table.csv]({w.link(sweep.folder / 'table.csv')}))", "", markdown_table(sweep.table), "")
    w.add("Errors are of N(x, y) against x·y on the 401×401 grid; `best` is the seed selected on validation points, "
          "`median` is over seeds. Solve times are HiGHS's on the reference problem, with the selected net. "
          f"Every net is in [nets.csv]({w.link(sweep.folder / 'nets.csv')}), every solve in "
          f"[solves.csv]({w.link(sweep.folder / 'solves.csv')}).", "")
    w.add("### MAE against depth", "")
    saved = plot_mae_vs_depth(sweep.nets, fig_dir / "mae-vs-depth", budget=sweep.budget, protocol=sweep.protocol, style=w.options.style)
    w.figure(saved, "Grid MAE per shape, deeper to the right (log scale): one dot per trained seed (hollow: collapsed to a "
                    "constant), the median over seeds, the 2021 blog's Keras nets, and the hand-built nets.")
    if w.options.heatmaps:
        _heatmaps(w, sweep, fig_dir)


def _heatmaps(w: _Writer, sweep: SweepFolder, fig_dir: Path) -> None:
    from ..nets.onnx_io import load_onnx

    w.add("### Error heat maps of the selected nets", "",
          "Signed error N(x, y) − x·y over [-1, 1]²: red where the net overestimates, blue where it underestimates; "
          f"colours saturate beyond the {100 * w.options.style.error_quantile:g}th percentile of |error|.", "")
    for _, row in sweep.selected_nets().iterrows():
        path = sweep.folder / "nets" / str(row["file"])
        if not path.is_file():
            raise ResultsError(f"{path}: net listed in nets.csv is missing; {SWEEP_FIX.format(folder=sweep.folder)}, "
                               "or pass ReportOptions(heatmaps=False) / --no-heatmaps")
        seed = int(row["seed"]) if row["source"] == "trained" else None
        saved = plot_error_heatmap(load_onnx(path), fig_dir / f"error-{_slug(row['arch'])}-{_slug(row['source'])}",
                                   source=row["source"], seed=seed if seed is not None else -1, style=w.options.style)
        w.figure(saved, f"{row['arch']} {row['source']}" + (f" (seed {seed})" if seed is not None else "") +
                 f": MAE {row['mae']:.3g}, max error {row['max_error']:.3g} (nets.csv).")


def _pareto_section(w: _Writer, sweeps: Sequence[SweepFolder], fig_dir: Path) -> None:
    tables = [SweepTable(s.table, s.budget, str(s.folder)) for s in sweeps]
    try:
        saved = plot_pareto(tables, fig_dir / "pareto", style=w.options.style)
    except ResultsError as exc:
        w.add("## Error against solve time", "", f"No figure: {exc}", "")
        return
    w.add("## Error against solve time", "",
          f"All {len(sweeps)} sweep(s): every shape and source, the selected net's grid MAE against its median solve time. "
          "Regenerate with the report command above.", "")
    w.figure(saved, "Each point is one shape and source of one sweep (colour: sweep; marker: source). Circled points are "
                    "non-dominated (no other net is both more accurate and faster); the staircase joins them.")
    front = saved.data[saved.data["on_front"]].sort_values("solve_median_s").drop(columns="on_front")
    w.add("Non-dominated nets, fastest first:", "", markdown_table(front), "")


def _bench_section(w: _Writer, bench: BenchFolder, fig_dir: Path) -> None:
    w.add(f"## Solve-time benchmark `{bench.folder}`", "")
    config = bench.config or {}
    command = config.get("command") or config.get("argv")
    if command:
        w.add("Regenerate with:", "", "```bash", command if isinstance(command, str) else shlex.join(map(str, command)), "```", "")
    else:
        w.add("The folder does not record the command that wrote it (no `command` in a config.json); "
              "re-run the solve-time benchmark with its `--out` set to this folder.", "")
    if bench.config is not None:
        w.add("<details><summary>config.json</summary>", "", "```json", json.dumps(bench.config, indent=1), "```", "", "</details>", "")
    limit = _config_time_limit(config) if "time_limit" not in bench.growth else None
    saved = plot_growth(bench.growth, fig_dir / "growth", time_limit=limit, style=w.options.style)
    w.add("### Solve time against surrogate copies", "")
    w.figure(saved, "Median wall time over instances against the number of surrogate copies, per net shape and encoding "
                    "(log-log), one panel per problem family. An X marks a point where at least one instance hit the "
                    "time limit, so its median is a lower bound; the dashed line is the time limit.")
    w.add(markdown_table(growth_medians(bench.growth), max_rows=w.options.max_rows), "")
    w.add("### CSV tables", "")
    for name, frame in bench.tables.items():
        w.add(f"#### [{name}]({w.link(bench.folder / name)})", "", markdown_table(frame, max_rows=w.options.max_rows), "")


def _config_time_limit(config: Mapping) -> float | None:
    for source in (config, config.get("config") if isinstance(config.get("config"), Mapping) else {}):
        value = source.get("time_limit")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Report:
    """A written report: its Markdown file and every figure file."""

    path: Path
    figures: tuple[Path, ...]


def write_report(
    folders: Sequence[str | os.PathLike], out: str | os.PathLike | None = None, *, options: ReportOptions = ReportOptions()
) -> Report:
    """Write a Markdown report of ``folders`` (sweeps and solve-time benchmarks).

    Parameters
    ----------
    folders
        Results folders; each must be a sweep or a solve-time benchmark folder.
    out
        The report file (default ``folders[0]/report.md``). Figures go to a ``figures/`` folder beside it.
    options
        Heat maps on or off, table lengths, figure style.

    Returns
    -------
    Report
        The report's path and the figure files written (PNG and SVG).

    Raises
    ------
    ResultsError
        If a folder is not a results folder, or one of its files is corrupted or from an incompatible version.
        Every folder is checked before anything is written.
    """
    if not folders:
        raise ConfigError("write_report: give at least one results folder")
    folders = [Path(f) for f in folders]
    kinds = [detect(f) for f in folders]
    loaded = [load_sweep(f) if kind == "sweep" else load_bench(f) for f, kind in zip(folders, kinds)]
    out = Path(out) if out is not None else folders[0] / "report.md"
    if out.is_dir():
        raise ResultsError(f"{out}: is a folder; give the report a file name, e.g. --out {out / 'report.md'}")
    w = _Writer(out, options)
    argv = ["surrogate", "report", *map(str, folders)] + (["--out", str(out)] if out != folders[0] / "report.md" else [])
    w.add("# surrogate report", "", "Regenerate this report with:", "", "```bash", shlex.join(argv), "```", "",
          "Contents: " + ", ".join(f"`{f}` ({'sweep' if k == 'sweep' else 'solve-time benchmark'})" for f, k in zip(folders, kinds)) + ".", "")
    used: set[str] = set()
    for item in loaded:
        slug = _slug(item.folder.resolve().name)
        while slug in used:
            slug += "-2"
        used.add(slug)
        fig_dir = out.parent / "figures" / slug
        (_sweep_section if isinstance(item, SweepFolder) else _bench_section)(w, item, fig_dir)
    sweeps = [item for item in loaded if isinstance(item, SweepFolder)]
    if sweeps:
        _pareto_section(w, sweeps, out.parent / "figures")
    write_text(out, "\n".join(w.lines).rstrip() + "\n")
    return Report(out, tuple(p for saved in w.figures for p in saved.paths))
