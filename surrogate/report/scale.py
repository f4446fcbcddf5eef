"""The answer as a front: approximation error against scale-benchmark solve time, one point per net.

Reads a folder written by ``surrogate bench scale --out DIR`` (``config.json`` with
``"kind": "scale"``, ``table.csv``, ``solves.csv``). Every net of the table is a point
(its grid MAE or max error, its shifted geometric mean of solve time); per budget,
encoding and solver, the non-dominated points (lower error *and* lower time) form the front.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..experiments.scale_bench_tables import (
    AGREEMENT_TOL,
    SOLVED,
    own_solves,
    route_agreement,
    route_names,
    same_as_labels,
    sgm_floor,
)
from ..nets.zoo import parse_zoo_name
from ..options import is_number
from .figure import MIN_TIME_S, PlotStyle, SavedFigure, agg_figure, save_figure
from .loading import read_csv, read_json
from .markdown import markdown_table
from .pareto import mark_front, pareto_front
from .tables import ResultsError, require_columns
from .writer import Writer

SCALE_FIX = "re-run the scale benchmark that wrote it ('surrogate bench scale --out {folder}')"
SCALE_TABLE_COLUMNS = ("net", "encoding", "solver", "instances", "solved", "timeouts", "sgm_s", "grid_mae", "grid_max_error")
#: The columns of :func:`scale_points`, in order.
POINT_COLUMNS = (
    "budget",
    "net",
    "encoding",
    "solver",
    "solved",
    "instances",
    "sgm_s",
    "grid_mae",
    "grid_max_error",
    "front_mae",
    "front_max",
)
#: The error measures a front is drawn for: column -> axis label.
ERRORS = {"grid_mae": "grid MAE", "grid_max_error": "grid max error"}


@dataclass(frozen=True, eq=False)
class ScaleFolder:
    """A scale benchmark's results as read from its folder."""

    folder: Path
    config: dict
    table: pd.DataFrame
    command: str | None = None

    @property
    def time_limit(self) -> float | None:
        """Seconds per solve recorded in the config (``solver.time_limit``); ``None`` if it records none."""
        limit = (self.config.get("solver") or {}).get("time_limit")
        return float(limit) if is_number(limit, low=0, low_open=True) else None


def load_scale(folder: str | os.PathLike) -> ScaleFolder:
    """Read and check a scale benchmark folder (``config.json`` and ``table.csv``).

    Raises
    ------
    ResultsError
        If a file is missing or unreadable, or the table lacks its columns or numbers.
    """
    folder = Path(folder)
    fix = SCALE_FIX.format(folder=folder)
    payload = read_json(folder / "config.json", fix=fix)
    if payload.get("kind") != "scale" or not isinstance(payload.get("config"), dict):
        raise ResultsError(f"{folder / 'config.json'}: not a scale benchmark's config (kind 'scale' with a config); {fix}")
    table = read_csv(folder / "table.csv", fix=fix)
    require_columns(table, SCALE_TABLE_COLUMNS, name=str(folder / "table.csv"), fix=fix)
    for col in ("sgm_s", "grid_mae", "grid_max_error"):
        if not pd.api.types.is_numeric_dtype(table[col]):
            raise ResultsError(f"{folder / 'table.csv'}: column {col!r} holds values that are not numbers; {fix}")
    if "same_as" in table:  # written by runs since the column came; empty for a net solved on its own
        table["same_as"] = same_as_labels(table)
    command = payload.get("command")
    return ScaleFolder(folder, payload["config"], table, command if isinstance(command, str) else None)


SOLVES_COLUMNS = ("net", "encoding", "solver", "instance", "status", "wall_time", "objective")


def load_solves(folder: str | os.PathLike) -> pd.DataFrame:
    """A scale benchmark's ``solves.csv`` (one row per solve), checked for the columns the report reads.

    Raises
    ------
    ResultsError
        If the file is missing or unreadable, or lacks one of :data:`SOLVES_COLUMNS`.
    """
    folder = Path(folder)
    fix = SCALE_FIX.format(folder=folder)
    solves = read_csv(folder / "solves.csv", fix=fix)
    require_columns(solves, SOLVES_COLUMNS, name=str(folder / "solves.csv"), fix=fix)
    return solves


def _route_labels(solves: pd.DataFrame) -> pd.Series:
    """The column label of each solve's route: the net alone when one encoding and solver were run, else all three."""
    routes = route_names(solves)
    if routes.nunique() == 1:
        return solves["net"].astype(str)
    return solves["net"].astype(str) + " " + routes


def instance_times(scale: ScaleFolder, solves: pd.DataFrame) -> pd.DataFrame:
    """Seconds of every solve proven optimal: one row per instance some route solved, one column per route.

    A net that repeats another's solves (``same_as``) gets no column of its own.
    An empty cell (``NaN``) is a solve that was not (a time-out, no incumbent,
    an error); instances that no route solved are left out (:func:`unsolved_everywhere`
    names them). Rows follow the suite's order in the folder's config.
    """
    solves = own_solves(solves)
    labels = _route_labels(solves)
    solved = solves[solves["status"] == SOLVED].assign(route=labels)
    order = [i for i in scale.config.get("instances") or [] if i in set(solved["instance"])]
    order += sorted(set(solved["instance"]) - set(order))
    wide = solved.pivot_table(index="instance", columns="route", values="wall_time", aggfunc="first")
    routes = list(dict.fromkeys(labels))
    return wide.reindex(index=order, columns=routes).rename_axis(index=None, columns=None).reset_index(names="instance")


def unsolved_everywhere(solves: pd.DataFrame) -> list[str]:
    """The instances that no route of the run proved optimal, in the order of ``solves``."""
    solved = set(solves.loc[solves["status"] == SOLVED, "instance"])
    return [i for i in dict.fromkeys(solves["instance"]) if i not in solved]


def floor_table(scale: ScaleFolder) -> pd.DataFrame:
    """Per route: solved, SGM, and the SGM its time-outs alone fix (:func:`~surrogate.experiments.scale_bench_tables.sgm_floor`).

    ``sgm_floor_s`` is the mean the route would have if every instance it solved
    took 0 s: a target below it needs more instances solved, not faster solves.
    """
    limit = scale.time_limit
    if limit is None or not math.isfinite(limit):
        raise ResultsError(f"{scale.folder / 'config.json'}: no solver time_limit; {SCALE_FIX.format(folder=scale.folder)}")
    table = scale.table[["net", "encoding", "solver", "instances", "solved", "sgm_s"]].copy()
    table["sgm_floor_s"] = [sgm_floor(int(n - k), int(n), limit) for n, k in zip(table["instances"], table["solved"])]
    return table.sort_values(["sgm_s", "net"]).reset_index(drop=True)


def net_budget(net: str) -> int | None:
    """The neuron budget of a zoo net's name (``zoo/b24-best-3x8`` -> 24); ``None`` if the name is not a zoo name."""
    parsed = parse_zoo_name(str(net).rsplit("/", 1)[-1])
    return None if parsed is None else parsed.budget


def folder_budgets(scale: ScaleFolder) -> set[int]:
    """The neuron budgets of the nets in a scale folder's table (nets without a zoo name have none)."""
    return {b for b in scale.table["net"].map(net_budget) if b is not None}


def of_budget(frame: pd.DataFrame, budget: int | None) -> pd.DataFrame:
    """The rows of a per-net table (``table.csv``, ``solves.csv``) whose net has ``budget`` neurons; all of them for ``None``."""
    if budget is None:
        return frame
    return frame[frame["net"].map(net_budget) == budget].reset_index(drop=True)


def budget_folder(scale: ScaleFolder, budget: int | None) -> ScaleFolder:
    """``scale`` with its table cut to the nets of ``budget`` neurons (``None``: as it is).

    Raises
    ------
    ResultsError
        If no net of the folder has that budget.
    """
    if budget is None:
        return scale
    if budget not in folder_budgets(scale):
        have = ", ".join(map(str, sorted(folder_budgets(scale)))) or "none"
        raise ResultsError(f"{scale.folder}: has no net of budget {budget} (its budgets: {have}); pass the folder of that run")
    return replace(scale, table=of_budget(scale.table, budget))


def scale_points(table: pd.DataFrame) -> pd.DataFrame:
    """One point per net of a scale table, with whether it is on the MAE front and on the max-error front.

    The fronts are taken per (budget, encoding, solver): only nets measured the same way are compared.
    Columns are :data:`POINT_COLUMNS`, sorted by budget, then solve time.
    """
    points = table.assign(budget=table["net"].map(net_budget))
    unknown = points[points["budget"].isna()]["net"].tolist()
    if unknown:
        raise ResultsError(f"scale table: nets {unknown} are not zoo names b<budget>-<source>-<shape>; name nets as the zoo does")
    points["budget"] = points["budget"].astype(int)
    points["front_mae"] = points["front_max"] = False
    for _, group in points.groupby(["budget", "encoding", "solver"], sort=True):
        for error, column in (("grid_mae", "front_mae"), ("grid_max_error", "front_max")):
            on = group.index[pareto_front(group[error].to_numpy(), group["sgm_s"].to_numpy())]
            points.loc[on, column] = True
    return points[list(POINT_COLUMNS)].sort_values(["budget", "sgm_s", "net"]).reset_index(drop=True)


def draw_front(ax, points: pd.DataFrame, error: str) -> None:
    """Draw one budget's points (error against SGM, log-log) with its front joined by steps and labelled."""
    flag = "front_mae" if error == "grid_mae" else "front_max"
    ax.scatter(points["sgm_s"].clip(lower=MIN_TIME_S), points[error].clip(lower=1e-12), s=30, alpha=0.7, color="C0")
    front = points[points[flag]].sort_values(["sgm_s", error])
    labels = [str(net).rsplit("/", 1)[-1] for net in front["net"]]
    mark_front(ax, front["sgm_s"].clip(lower=MIN_TIME_S), front[error].clip(lower=1e-12), labels, fontsize="xx-small")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="major", alpha=0.3)


def plot_scale_front(
    points: pd.DataFrame, stem: str | Path, *, time_limit: float | None = None, style: PlotStyle = PlotStyle()
) -> SavedFigure:
    """Grid MAE and max error against scale-suite SGM: one row of two panels per budget, each front joined.

    Parameters
    ----------
    points
        :func:`scale_points`.
    stem
        Output path without extension.
    time_limit
        Drawn as a dashed line at twice the limit (the SGM of a net that solves nothing), if given.
    style
        Figure size and resolution.
    """
    if points.empty:
        raise ResultsError("scale table: no nets, so there is no front to draw; pass a scale benchmark that ran")
    budgets = sorted(points["budget"].unique())
    title = f"Error against scale-suite solve time: {len(points)} nets, budget(s) {', '.join(map(str, budgets))}"
    fig = agg_figure((style.width_in * 1.8, style.height_in * len(budgets)))
    axes = fig.subplots(len(budgets), 2, squeeze=False).ravel()
    for row, budget in enumerate(budgets):
        mine = points[points["budget"] == budget]
        for col, (error, label) in enumerate(ERRORS.items()):
            ax = axes[2 * row + col]
            draw_front(ax, mine, error)
            if time_limit is not None:
                ax.axvline(2 * time_limit, color="0.5", linestyle="--", linewidth=0.8)
            ax.set_xlabel("shifted geometric mean of solve time (s, shift 1 s, time-out = 2 x limit)")
            ax.set_ylabel(f"{label}, budget {budget}")
    return save_figure(fig, stem, style, title=title, data=points)


def scale_section(w: Writer, scale: ScaleFolder, fig_dir: Path) -> None:
    """A scale benchmark's section: its command, table, and the front per budget."""
    config = scale.config
    solver = config.get("solver") or {}
    limit = scale.time_limit
    w.add(f"## Scale benchmark `{scale.folder}`", "")
    if scale.command:
        w.add("Regenerate with:", "", "```bash", scale.command, "```", "")
    else:
        w.add("The folder does not record the command that wrote it (no `command` in its config.json).", "")
    w.add(
        f"{len(config.get('instances') or [])} instances, {solver.get('solver', 'highs')}, "
        f"{solver.get('threads', 1)} thread(s), time limit {limit} s; a time-out counts as twice the limit.",
        "",
    )
    w.add(f"### Table ([table.csv]({w.link(scale.folder / 'table.csv')}))", "", table_text(scale.table), "")
    points = scale_points(scale.table)
    saved = plot_scale_front(points, fig_dir / "scale-front", time_limit=limit, style=w.options.style)
    w.add("### Error against solve time", "")
    w.figure(
        saved,
        "One point per net; the non-dominated front (lower error and lower SGM) joined, per budget. "
        "The dashed line is twice the time limit: a net that solves nothing sits on it.",
    )
    w.add(markdown_table(points, max_rows=w.options.max_rows), "")
    solves = load_solves(scale.folder)
    w.add(
        "### Seconds per instance",
        "",
        "Instances some net proved optimal (an empty cell: not solved within the limit).",
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
    agreement = route_agreement(solves)
    if not agreement.empty:
        w.add("### Routes side by side", "", agreement_text(agreement), "")


def twins_text(table: pd.DataFrame) -> str:
    """A sentence naming the nets of ``table`` that repeat another net's solves (``same_as``); empty if none do."""
    labels = same_as_labels(table)
    twins = table.assign(same_as=labels)[labels != ""].drop_duplicates("net")
    if twins.empty:
        return ""
    pairs = "; ".join(f"`{net}` = `{same}`" for net, same in zip(twins["net"], twins["same_as"]))
    return (
        f"Same MILP as an earlier net (same weights, domain and stored bounds; their metadata aside), so solved once "
        f"and repeated: {pairs}."
    )


def table_text(table: pd.DataFrame, *, shown: pd.DataFrame | None = None) -> str:
    """``shown`` (default: the scale table ``table`` itself) in Markdown, then :func:`twins_text` of ``table``.

    The sentence comes only when some net repeats another's solves; the report and the docs use this for
    every table with one row per net (the table itself, the front's points).
    """
    twins = twins_text(table)
    return markdown_table(table if shown is None else shown) + (f"\n\n{twins}" if twins else "")


def agreement_summary(agreement: pd.DataFrame) -> str:
    """One sentence on :func:`~surrogate.experiments.scale_bench_tables.route_agreement`: how many pairs agree, the worst."""
    if agreement.empty:
        return "No instance was proven optimal by two routes, so there is nothing to compare."
    agree, overlap = int(agreement["agree"].sum()), int(agreement["intervals_overlap"].sum())
    return (
        f"Where two routes both proved an instance optimal ({len(agreement)} pairs), {agree} agree on the optimum within "
        f"{AGREEMENT_TOL:g} relative (largest difference {agreement['rel_diff'].max():.2g}) and {overlap} have proven ranges "
        "[bound, objective] that meet."
    )


def agreement_text(agreement: pd.DataFrame) -> str:
    """:func:`agreement_summary`, then the agreement table when there is one (the report's section and the docs table)."""
    summary = agreement_summary(agreement)
    return summary if agreement.empty else f"{summary}\n\n{markdown_table(agreement)}"
