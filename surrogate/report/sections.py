"""The sections of a report: one per sweep, one per solve-time benchmark, and the Pareto figure of all sweeps."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..nets.sources import TRAINED
from ..options import is_number
from .commands import sweep_command
from .growth import growth_medians, plot_growth
from .heatmap import plot_error_heatmap
from .loading import BenchFolder, SweepFolder, sweep_fix
from .mae_depth import plot_mae_vs_depth
from .markdown import markdown_table, slug
from .pareto import plot_pareto
from .recorded import regenerate
from .tables import ResultsError, SweepTable
from .writer import Writer


def sweep_section(w: Writer, sweep: SweepFolder, fig_dir: Path) -> None:
    """A sweep's section: its command, config, table, MAE against depth and (by option) heat maps; figures into ``fig_dir``."""
    config = sweep.config
    command = sweep_command(config, sweep.folder)
    n_archs, n_seeds = len(config["architectures"]), len(config["seeds"])
    w.add(
        f"## Sweep `{sweep.folder}`",
        "",
        f"Budget {sweep.budget}, protocol `{sweep.protocol}`, {n_archs} shapes × {n_seeds} seeds, "
        f"formulation `{config['formulation']}`, {config['instances']} reference instances per net.",
        "",
    )
    w.add(
        "Regenerate with:" if command.exact else "Closest command (see the config below for what it cannot express):",
        "",
        "```bash",
        command.text,
        "```",
        "",
    )
    w.add(*[f"- {d}" for d in command.differences])
    ran = f"Ran in {sweep.wall_time_s:.1f} s" if sweep.wall_time_s is not None else "Run time not recorded"
    if sweep.wall_time_s is not None and sweep.reused_units:
        ran += f" (its last run, which took {sweep.reused_units} units from its cache: their time is not counted)"
    versions = ", ".join(f"{k} {v}" for k, v in sweep.versions.items())
    w.add(
        f"{ran}{' with ' + versions if versions else ''}.",
        "",
        "<details><summary>config.json</summary>",
        "",
        "```json",
        json.dumps(config, indent=1),
        "```",
        "",
        "</details>",
        "",
    )
    table = markdown_table(sweep.table, max_rows=w.options.max_rows)
    w.add(f"### Table ([table.csv]({w.link(sweep.folder / 'table.csv')}))", "", table, "")
    w.add(
        "Errors are of N(x, y) against x·y on the 401×401 grid; `best` is the seed selected on validation points, "
        "`median` is over seeds. Solve times are HiGHS's on the reference problem, with the selected net. "
        f"Every net is in [nets.csv]({w.link(sweep.folder / 'nets.csv')}), every solve in "
        f"[solves.csv]({w.link(sweep.folder / 'solves.csv')}).",
        "",
    )
    w.add("### MAE against depth", "")
    saved = plot_mae_vs_depth(
        sweep.nets, fig_dir / "mae-vs-depth", budget=sweep.budget, protocol=sweep.protocol, style=w.options.style
    )
    w.figure(
        saved,
        "Grid MAE per shape, deeper to the right (log scale): one dot per trained seed (hollow: collapsed to a "
        "constant), the median over seeds, the 2021 blog's Keras nets, and the hand-built nets.",
    )
    if w.options.heatmaps:
        heatmaps(w, sweep, fig_dir)


def heatmaps(w: Writer, sweep: SweepFolder, fig_dir: Path) -> None:
    """The error heat map of every selected net of ``sweep`` (one per shape and source), each with its caption."""
    from ..nets.onnx_io import load_onnx

    w.add(
        "### Error heat maps of the selected nets",
        "",
        "Signed error N(x, y) − x·y over [-1, 1]²: red where the net overestimates, blue where it underestimates; "
        f"colours saturate beyond the {100 * w.options.style.error_quantile:g}th percentile of |error|.",
        "",
    )
    for _, row in sweep.selected_nets().iterrows():
        path = sweep.folder / "nets" / str(row["file"])
        if not path.is_file():
            raise ResultsError(
                f"{path}: net listed in nets.csv is missing; {sweep_fix(sweep.config, sweep.folder)}, "
                "or pass ReportOptions(heatmaps=False) / --no-heatmaps"
            )
        seed = int(row["seed"]) if row["source"] == TRAINED else None
        saved = plot_error_heatmap(
            load_onnx(path),
            fig_dir / f"error-{slug(row['arch'])}-{slug(row['source'])}",
            source=row["source"],
            seed=seed if seed is not None else -1,
            style=w.options.style,
        )
        w.figure(
            saved,
            f"{row['arch']} {row['source']}"
            + (f" (seed {seed})" if seed is not None else "")
            + f": MAE {row['mae']:.3g}, max error {row['max_error']:.3g} (nets.csv).",
        )


def pareto_section(w: Writer, sweeps: Sequence[SweepFolder], fig_dir: Path) -> None:
    """Error against solve time over all ``sweeps``, and the table of the non-dominated nets (or why there is no figure)."""
    tables = [SweepTable(s.table, s.budget, str(s.folder)) for s in sweeps]
    try:
        saved = plot_pareto(tables, fig_dir / "pareto", style=w.options.style)
    except ResultsError as exc:
        w.add("## Error against solve time", "", f"No figure: {exc}", "")
        return
    w.add(
        "## Error against solve time",
        "",
        f"All {len(sweeps)} sweep(s): every shape and source, the selected net's grid MAE against its median solve time. "
        "Regenerate with the report command above.",
        "",
    )
    w.figure(
        saved,
        "Each point is one shape and source of one sweep (colour: sweep; marker: source). Circled points are "
        "non-dominated (no other net is both more accurate and faster); the staircase joins them.",
    )
    front = saved.data[saved.data["on_front"]].sort_values("solve_median_s").drop(columns="on_front")
    w.add(
        "Non-dominated nets, fastest first (a solve stopped by the time limit counts at its time in "
        "`solve_median_s`; `time_limit_hits` says how many were):",
        "",
        markdown_table(front),
        "",
    )


def bench_section(w: Writer, bench: BenchFolder, fig_dir: Path) -> None:
    """A solve-time benchmark's section: its command, config, growth figure, medians and every CSV table."""
    w.add(f"## Solve-time benchmark `{bench.folder}`", "")
    config = bench.config or {}
    command = config.get("command") or config.get("argv")
    if command:
        command = command if isinstance(command, str) else shlex.join(map(str, command))
        command = regenerate(command, bench.folder, option_strings=w.options.option_strings)
        w.add("Regenerate with:" if command.exact else "Closest command (the CLI refuses it as recorded):", "")
        w.add("```bash", command.text, "```", "", *[f"- {d}" for d in command.differences])
        w.add(*([""] if command.differences else []))
    else:
        w.add(
            "The folder does not record the command that wrote it (no `command` in a config.json); "
            "re-run the solve-time benchmark with its `--out` set to this folder.",
            "",
        )
    if bench.config is not None:
        w.add(
            "<details><summary>config.json</summary>",
            "",
            "```json",
            json.dumps(bench.config, indent=1),
            "```",
            "",
            "</details>",
            "",
        )
    limit = config_time_limit(config) if "time_limit" not in bench.growth else None
    saved = plot_growth(bench.growth, fig_dir / "growth", time_limit=limit, style=w.options.style)
    w.add("### Solve time against surrogate copies", "")
    w.figure(
        saved,
        "Median wall time over instances against the number of surrogate copies, per net shape and encoding "
        "(log-log), one panel per problem family. An X marks a point where at least one instance hit the "
        "time limit, so its median is a lower bound; the dashed line is the time limit.",
    )
    w.add(markdown_table(growth_medians(bench.growth), max_rows=w.options.max_rows), "")
    w.add("### CSV tables", "")
    for name, frame in bench.tables.items():
        w.add(f"#### [{name}]({w.link(bench.folder / name)})", "", markdown_table(frame, max_rows=w.options.max_rows), "")


def config_time_limit(config: Mapping) -> float | None:
    """The positive ``time_limit`` of a benchmark's ``config.json`` (top level or under ``config``), else ``None``."""
    for source in (config, config.get("config") if isinstance(config.get("config"), Mapping) else {}):
        value = source.get("time_limit")
        if is_number(value, low=0, low_open=True):
            return float(value)
    return None
