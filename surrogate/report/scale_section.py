"""The report's section for a scale benchmark folder: its command, table, front and per-instance tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..experiments.scale_bench_config import DEFAULT_ENCODINGS, solvers_text
from ..experiments.scale_bench_tables import route_agreement
from ..milp.solver_config import SOLVERS, SolverConfig
from ..options import default_of, is_number
from .markdown import markdown_table
from .recorded import regenerate
from .scale import NO_BUDGET, ScaleFolder, agreement_text, load_solves, plot_scale_front, scale_points, table_text
from .scale_instances import floor_table, instance_times, start_shortfalls, unsolved_bounds, unsolved_everywhere
from .writer import Writer


def scale_section(w: Writer, scale: ScaleFolder, fig_dir: Path) -> None:
    """A scale benchmark's section: its command, table, and the front per budget."""
    config = scale.config
    solver, encodings = config.get("solver") or {}, config.get("encodings") or DEFAULT_ENCODINGS
    limit = scale.time_limit
    w.add(f"## Scale benchmark `{scale.folder}`", "")
    refused = refused_options(solver)
    _command(w, scale, refused)
    w.add(
        f"{len(config.get('instances') or [])} instances, {solvers_text(solver.get('solver', 'highs'), encodings)}, "
        f"{solver.get('threads', 1)} thread(s), time limit {limit} s{_solver_text(solver)}; a time-out counts as "
        "twice the limit in `sgm_s`; `first_incumbent_median_s` and the primal gaps are over the solves that found "
        "an incumbent.",
        "",
    )
    if refused:
        w.add(
            f"Note: its solves ran under {', '.join(setting for setting, _ in refused)}, which surrogate now refuses, "
            "so its `solved` counts may not be optimal (such a solve could end 'optimal' short of the optimum).",
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


def _command(w: Writer, scale: ScaleFolder, refused: list[tuple[str, str]]) -> None:
    """The command that reran the folder: "Regenerate with" where the CLI runs it as recorded, else "Closest
    command" and why not (an option abbreviated, unknown or ambiguous, or a solver option now refused)."""
    recorded = scale.recorded or scale.command
    if not recorded:
        w.add("The folder does not record the command that wrote it (no `command` in its config.json).", "")
        return
    command = regenerate(recorded, scale.folder, option_strings=w.options.option_strings)
    now = (f"`--solver-option {setting}` is refused now: {why}; drop it to rerun" for setting, why in refused)
    differences = [*command.differences, *now]
    exact = command.exact and not differences
    w.add("Regenerate with:" if exact else "Closest command (the CLI refuses it as recorded):", "", "```bash")
    w.add(command.text, "```", "", *[f"- {d}" for d in differences], *([""] if differences else []))


def _recorded_options(solver: dict) -> list[tuple[str, object]]:
    """The solver options a scale folder's config records (``solver.options``: name-value pairs)."""
    options = solver.get("options") or []
    if not isinstance(options, list | tuple):
        return []
    return [(p[0], p[1]) for p in options if isinstance(p, list | tuple) and len(p) == 2 and isinstance(p[0], str)]


def _solver_text(solver: dict) -> str:
    """The recorded relative gap and solver options, as ``surrogate bench scale`` titles its table with them."""
    gap = solver.get("rel_gap")
    return (f", gap {gap:g}" if is_number(gap) else "") + "".join(f", {k}={v}" for k, v in _recorded_options(solver))


def refused_options(solver: dict) -> list[tuple[str, str]]:
    """The recorded solver options (a scale config's ``solver``) that :class:`~surrogate.milp.solver_config.SolverConfig`
    now refuses (an absolute gap, which older runs took: :func:`~surrogate.milp.solver_config.managed_reason`), each
    as ``('name=value', why)``."""
    name = solver.get("solver", default_of(SolverConfig, "solver"))
    if name not in SOLVERS:
        return []
    refused = []
    for option, value in _recorded_options(solver):
        try:
            SolverConfig(solver=name, options=((option, value),))
        except ConfigError as exc:
            refused.append((f"{option}={value}", str(exc).removeprefix("SolverConfig: ")))
    return refused


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
