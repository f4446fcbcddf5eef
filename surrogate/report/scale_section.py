"""The report's section for a scale benchmark folder: its command, table, front and per-instance tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..experiments.scale_bench_config import DEFAULT_ENCODINGS, solvers_text
from ..experiments.scale_bench_tables import route_agreement
from .markdown import markdown_table
from .scale import NO_BUDGET, ScaleFolder, agreement_text, load_solves, plot_scale_front, scale_points, table_text
from .scale_instances import floor_table, instance_times, start_shortfalls, unsolved_bounds, unsolved_everywhere
from .writer import Writer


def scale_section(w: Writer, scale: ScaleFolder, fig_dir: Path) -> None:
    """A scale benchmark's section: its command, table, and the front per budget."""
    config = scale.config
    solver, encodings = config.get("solver") or {}, config.get("encodings") or DEFAULT_ENCODINGS
    limit = scale.time_limit
    w.add(f"## Scale benchmark `{scale.folder}`", "")
    if scale.command:
        w.add("Regenerate with:", "", "```bash", scale.command, "```", "")
    else:
        w.add("The folder does not record the command that wrote it (no `command` in its config.json).", "")
    w.add(
        f"{len(config.get('instances') or [])} instances, {solvers_text(solver.get('solver', 'highs'), encodings)}, "
        f"{solver.get('threads', 1)} thread(s), time limit {limit} s; a time-out counts as twice the limit in "
        "`sgm_s`; `first_incumbent_median_s` and the primal gaps are over the solves that found an incumbent.",
        "",
    )
    w.add(f"### Table ([table.csv]({w.link(scale.folder / 'table.csv')}))", "", table_text(scale.table), "")
    points = scale_points(scale.table)
    w.add("### Error against solve time", "")
    if (points["budget"].astype(str) == NO_BUDGET).all():
        w.add("No net has a zoo name (b<budget>-<source>-<shape>), so no budget and no front: the table above is all.", "")
    else:
        saved = plot_scale_front(points, fig_dir / "scale-front", time_limit=limit, style=w.options.style)
        w.figure(
            saved,
            "One point per net; the non-dominated front (lower error and lower SGM) joined, per budget. "
            "The dashed line is twice the time limit: a net that solves nothing sits on it. Crosses, if any, are "
            "classic approximations, or nets without a zoo name (no budget), run beside the nets, on no front.",
        )
    w.add(markdown_table(points, max_rows=w.options.max_rows), "")
    solves = scale.solves if scale.solves is not None else load_solves(scale.folder)
    w.add(
        "### Seconds per instance",
        "",
        "Instances some net proved optimal (a cell with '–': not solved within the limit).",
        "",
        markdown_table(instance_times(scale, solves)),
        "",
        f"Solved by no net: {', '.join(unsolved_everywhere(solves)) or 'none'}.",
        "",
        "### What the time-outs alone fix",
        "",
        "`sgm_floor_s`: the mean each net would have if every instance it solved took 0 s.",
        "",
        markdown_table(floor_table(scale)),
        "",
    )
    _why_unsolved(w, scale, solves)


def _why_unsolved(w: Writer, scale: ScaleFolder, solves: pd.DataFrame) -> None:
    """The sections that explain time-outs and compare routes: bounds, starts without a point, agreement."""
    if unsolved_everywhere(solves) and {"bound", "optimum"} <= set(solves.columns):
        w.add(
            "### Bounds where no net solved",
            "",
            "Each route's dual bound at the time limit beside the exact optimum.",
            "",
            markdown_table(unsolved_bounds(scale, solves)),
            "",
        )
    short = start_shortfalls(scale, solves)
    if not short.empty:
        w.add(
            "### Warm starts that ran out of time",
            "",
            "These starts ended without a point after their whole budget, so their solves likely timed out for "
            "want of a first incumbent rather than for their MILP. On a machine busy with other work, rerun them "
            "with `--start-clock cpu`; where a start needs more time, with `--start-patience SECONDS`.",
            "",
            markdown_table(short),
            "",
        )
    agreement = route_agreement(solves)
    if not agreement.empty:
        w.add("### Routes side by side", "", agreement_text(agreement), "")
