"""The answer as a front: approximation error against scale-benchmark solve time, one point per net.

Reads a folder written by ``surrogate bench scale --out DIR`` (``config.json`` with
``"kind": "scale"``, ``table.csv``, ``solves.csv``). Every net of the table is a point
(its grid MAE or max error, its shifted geometric mean of solve time); per budget,
encoding and solver, the non-dominated points (lower error *and* lower time) form the front.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..experiments.scale_bench_tables import (
    AGREEMENT_TOL,
    same_as_labels,
)
from ..nets.zoo import parse_zoo_name
from ..options import is_number
from .checks import ROUTE, check_solves, check_unique
from .figure import MIN_TIME_S, PlotStyle, SavedFigure, agg_figure, save_figure
from .loading import SCALE_FIX, command_for, read_csv, read_json
from .markdown import markdown_table
from .pareto import mark_front, pareto_front
from .tables import ResultsError, check_counts, check_values, numeric, require_columns

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
    command: str | None = None  #: the recorded command with its ``--out`` set to the folder (:func:`.loading.command_for`)
    solves: pd.DataFrame | None = None  #: ``solves.csv``, checked against the config and the table
    recorded: str | None = None  #: the command as config.json records it

    @property
    def time_limit(self) -> float | None:
        """Seconds per solve recorded in the config (``solver.time_limit``); ``None`` if it records none."""
        limit = (self.config.get("solver") or {}).get("time_limit")
        return float(limit) if is_number(limit, low=0, low_open=True) else None


def _scale_fix(folder: Path, payload: dict | None = None) -> str:
    """What to do about a damaged or unfinished scale folder: run again the command its config.json records, where it has one.

    ``payload`` is that config.json where the caller has read it already.
    """
    if payload is None:
        try:
            payload = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            payload = {}
    command = payload.get("command") if isinstance(payload, dict) else None
    if isinstance(command, str) and command:
        return f"run its command again ('{command_for(command, folder)}')"
    return SCALE_FIX.format(folder=folder)


#: The outcomes of a net's instances that a scale table counts, which add up to ``instances``.
OUTCOMES = ("solved", "timeouts", "infeasible", "errors", "refused")


def _check_tally(table: pd.DataFrame, *, name: str, fix: str) -> None:
    """:class:`ResultsError` naming the first row whose outcome counts do not add up to its ``instances``
    (at most ``instances`` in a table written before some outcome columns came)."""
    parts = [c for c in OUTCOMES if c in table]
    check_counts(numeric(table, parts, name=name, fix=fix), parts, (), name=name, fix=fix)
    total = sum(pd.to_numeric(table[c]) for c in parts)
    instances = pd.to_numeric(table["instances"])
    bad = total != instances if len(parts) == len(OUTCOMES) else total > instances
    if bad.any():
        row = table[bad].iloc[0]
        raise ResultsError(
            f"{name}: the row of {row.get('net', '?')!r} counts {'+'.join(parts)} = {int(total[bad].iloc[0])} outcomes "
            f"for {int(row['instances'])} instances; {fix}"
        )


SOLVES_COLUMNS = ("net", "encoding", "solver", "instance", "status", "wall_time", "objective")


def load_scale(folder: str | os.PathLike) -> ScaleFolder:
    """Read and check a scale benchmark folder (``config.json``, ``table.csv`` and ``solves.csv``, each against the others).

    Raises
    ------
    ResultsError
        If a file is missing or unreadable, the table lacks its columns or numbers, or the files do not match
        (:func:`~surrogate.report.checks.check_solves`).
    """
    folder = Path(folder)
    payload = read_json(folder / "config.json", fix=SCALE_FIX.format(folder=folder))
    fix = _scale_fix(folder, payload)
    if payload.get("kind") != "scale" or not isinstance(payload.get("config"), dict):
        raise ResultsError(f"{folder / 'config.json'}: not a scale benchmark's config (kind 'scale' with a config); {fix}")
    if payload.get("complete") is False:
        raise ResultsError(f"{folder / 'config.json'}: the benchmark did not finish (complete: false); {fix} to finish it")
    table = read_csv(folder / "table.csv", fix=fix)
    require_columns(table, SCALE_TABLE_COLUMNS, name=str(folder / "table.csv"), fix=fix)
    if table.empty:
        raise ResultsError(f"{folder / 'table.csv'}: holds no rows; {fix}")
    numeric(table, ("instances", "solved", "timeouts"), name=str(folder / "table.csv"), fix=fix)  # checked, kept as written
    table = numeric(table, ("sgm_s", "grid_mae", "grid_max_error"), name=str(folder / "table.csv"), fix=fix)
    check_counts(table, ("instances", "solved", "timeouts"), ("sgm_s",), name=str(folder / "table.csv"), fix=fix)
    # no error is known for a net outside a zoo (empty), but none is negative or infinite
    check_values(table, ("grid_mae", "grid_max_error"), name=str(folder / "table.csv"), fix=fix, missing=True)
    _check_tally(table, name=str(folder / "table.csv"), fix=fix)
    check_unique(table, ROUTE, name=str(folder / "table.csv"), fix=fix)
    if "same_as" in table:  # written by runs since the column came; empty for a net solved on its own
        table["same_as"] = same_as_labels(table)
    solves = read_csv(folder / "solves.csv", fix=fix)
    require_columns(solves, SOLVES_COLUMNS, name=str(folder / "solves.csv"), fix=fix)
    solves = check_solves(payload, table, solves, folder=folder, fix=fix)
    recorded = payload.get("command") if isinstance(payload.get("command"), str) and payload.get("command") else None
    command = command_for(recorded, folder) if recorded else None
    return ScaleFolder(folder, payload["config"], table, command, solves, recorded)


def load_solves(folder: str | os.PathLike) -> pd.DataFrame:
    """A scale benchmark's ``solves.csv`` (one row per solve), checked as :func:`load_scale` checks it.

    Raises
    ------
    ResultsError
        If the folder is damaged (:func:`load_scale`), or ``solves.csv`` lacks one of :data:`SOLVES_COLUMNS`
        or does not match the config and the table.
    """
    return load_scale(folder).solves


#: The ``budget`` a classic approximation run beside the nets (``kind`` ``baseline``) shows: it has no neurons.
NO_BUDGET = "–"


def is_baseline_row(frame: pd.DataFrame) -> pd.Series:
    """Which rows of a per-net table (``table.csv``, ``solves.csv``) are a baseline's (``kind``; a folder without it has none)."""
    if "kind" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["kind"].astype(str) == "baseline"


def net_budget(net: str) -> int | None:
    """The neuron budget of a zoo net's name (``zoo/b24-best-3x8`` -> 24); ``None`` if the name is not a zoo name."""
    parsed = parse_zoo_name(str(net).rsplit("/", 1)[-1])
    return None if parsed is None else parsed.budget


def folder_budgets(scale: ScaleFolder) -> set[int]:
    """The neuron budgets of the nets in a scale folder's table (nets without a zoo name, and baselines, have none)."""
    nets = scale.table[~is_baseline_row(scale.table)]
    return {b for b in nets["net"].map(net_budget) if b is not None}


def of_budget(frame: pd.DataFrame, budget: int | None) -> pd.DataFrame:
    """The rows of a per-net table (``table.csv``, ``solves.csv``) whose net has ``budget`` neurons, and the baselines'.

    All of them for ``None``. A baseline has no neurons; it stays beside the nets of every budget as a reference.
    """
    if budget is None:
        return frame
    return frame[(frame["net"].map(net_budget) == budget) | is_baseline_row(frame)].reset_index(drop=True)


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
    A baseline (``kind`` ``baseline``), or a net without a zoo name (``--net PATH.onnx``: its budget is
    unknown), is a reference point: budget :data:`NO_BUDGET`, on no front, and no net's place on a
    front depends on it. Columns are :data:`POINT_COLUMNS`, sorted by budget
    (baselines last), then solve time.
    """
    points = table.assign(budget=table["net"].map(net_budget))
    baseline = is_baseline_row(table) | points["budget"].isna()  # a net given as an ONNX path has no budget either
    points["front_mae"] = points["front_max"] = False
    for _, group in points[~baseline].groupby(["budget", "encoding", "solver"], sort=True):
        for error, column in (("grid_mae", "front_mae"), ("grid_max_error", "front_max")):
            on = group.index[pareto_front(group[error].to_numpy(), group["sgm_s"].to_numpy())]
            points.loc[on, column] = True
    points["order"] = points["budget"].where(~baseline, math.inf)
    points["budget"] = [NO_BUDGET if b else int(n) for b, n in zip(baseline, points["budget"].fillna(0))]
    return points.sort_values(["order", "sgm_s", "net"])[list(POINT_COLUMNS)].reset_index(drop=True)


def draw_front(ax, points: pd.DataFrame, error: str) -> None:
    """Draw one budget's points (error against SGM, log-log) with its front joined by steps and labelled.

    A net without a known ``error`` (an ONNX file made for a box other than [-1, 1]^2 is not scored) has no point; a
    panel with no such point says so in its middle instead of drawing empty log axes, which matplotlib refuses.
    """
    points = points[points[error].notna()]
    if points.empty:
        ax.text(0.5, 0.5, f"no net of this budget has a known {error}", ha="center", va="center", transform=ax.transAxes)
        return
    flag = "front_mae" if error == "grid_mae" else "front_max"
    ax.scatter(points["sgm_s"].clip(lower=MIN_TIME_S), points[error].clip(lower=1e-12), s=30, alpha=0.7, color="C0")
    front = points[points[flag]].sort_values(["sgm_s", error])
    labels = [str(net).rsplit("/", 1)[-1] for net in front["net"]]
    mark_front(ax, front["sgm_s"].clip(lower=MIN_TIME_S), front[error].clip(lower=1e-12), labels, fontsize="xx-small")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="major", alpha=0.3)


def draw_baselines(ax, baselines: pd.DataFrame, error: str) -> None:
    """Draw the baselines' points (error against SGM) as labelled crosses: references beside a budget's nets."""
    x, y = baselines["sgm_s"].clip(lower=MIN_TIME_S), baselines[error].clip(lower=1e-12)
    ax.scatter(x, y, s=40, marker="x", color="C3")
    for xi, yi, name in zip(x, y, baselines["net"]):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, -8), fontsize="xx-small", color="C3")


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
    base = points["budget"].astype(str) == NO_BUDGET
    nets, baselines = points[~base], points[base]
    if nets.empty:
        raise ResultsError("scale table: no nets, so there is no front to draw; pass a scale benchmark that ran")
    budgets = sorted(nets["budget"].unique())
    title = f"Error against scale-suite solve time: {len(nets)} nets, budget(s) {', '.join(map(str, budgets))}"
    if not baselines.empty:
        title += f"; crosses: {', '.join(map(str, baselines['net']))}"
    fig = agg_figure((style.width_in * 1.8, style.height_in * len(budgets)))
    axes = fig.subplots(len(budgets), 2, squeeze=False).ravel()
    for row, budget in enumerate(budgets):
        mine = nets[nets["budget"] == budget]
        for col, (error, label) in enumerate(ERRORS.items()):
            ax = axes[2 * row + col]
            draw_front(ax, mine, error)
            draw_baselines(ax, baselines, error)
            if time_limit is not None:
                ax.axvline(2 * time_limit, color="0.5", linestyle="--", linewidth=0.8)
            ax.set_xlabel("shifted geometric mean of solve time (s, shift 1 s, time-out = 2 x limit)")
            ax.set_ylabel(f"{label}, budget {budget}")
    return save_figure(fig, stem, style, title=title, data=points)


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
