"""Error against solve time across shapes and budgets, with the non-dominated (Pareto) front joined."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..nets.sources import HAND_BUILT_SOURCES, TRAINED
from .figure import MIN_TIME_S, PlotStyle, SavedFigure, new_figure, save_figure
from .tables import ResultsError, SweepTable

#: Significant digits to which :func:`pareto_front` compares errors (what lies beyond them is float noise).
ERROR_DIGITS = 9


def pareto_front(error: Sequence[float], time: Sequence[float]) -> np.ndarray:
    """Indices of the non-dominated points when both ``error`` and ``time`` are minimised, by ascending time.

    A point is dominated when another is no worse in both and better in one. Errors are compared to
    :data:`ERROR_DIGITS` significant digits: two nets that compute one function score within float noise
    (9e-18 apart), and the faster one dominates (rounded, so that ties are transitive; an infinite error
    stays infinite). Points with a NaN are never on the front; identical points are both on it.

    Parameters
    ----------
    error
        Each point's error.
    time
        Each point's time.
    """
    e, t = np.asarray(error, float), np.asarray(time, float)
    if e.shape != t.shape or e.ndim != 1:
        raise ConfigError(f"pareto_front: error and time must be 1-d of one length, got shapes {e.shape} and {t.shape}")
    valid = ~(np.isnan(e) | np.isnan(t))
    e = np.array([float(f"{v:.{ERROR_DIGITS - 1}e}") if np.isfinite(v) else v for v in e])
    front = []
    for i in np.flatnonzero(valid):
        no_worse = valid & (e <= e[i]) & (t <= t[i])
        better = (e < e[i]) | (t < t[i])
        if not (no_worse & better).any():
            front.append(i)
    front = np.asarray(front, dtype=int)
    return front[np.lexsort((e[front], t[front]))]


def pareto_points(tables: Sequence[SweepTable]) -> pd.DataFrame:
    """Every (sweep, shape, source) with its error and median solve time, and whether it is on the front.

    Columns: ``label``, ``budget``, ``arch``, ``source``, ``mae_best``, ``solve_median_s``, ``time_limit_hits``
    (how many of the solves behind the median the time limit stopped; empty for a table without it), ``on_front``.
    Rows without a solve time (nets that were not solved) are left out.

    Parameters
    ----------
    tables
        The sweeps' tables.
    """
    if not tables:
        raise ConfigError("pareto_points: give at least one SweepTable")
    columns = ["label", "budget", "arch", "source", "mae_best", "solve_median_s", "time_limit_hits"]
    frames = [t.table.assign(label=t.label, budget=t.budget).reindex(columns=columns) for t in tables]
    points = pd.concat(frames, ignore_index=True).dropna(subset=["mae_best", "solve_median_s"]).reset_index(drop=True)
    points["on_front"] = False
    points.loc[pareto_front(points["mae_best"], points["solve_median_s"]), "on_front"] = True
    return points


def mark_front(ax, x, y, labels, *, fontsize: str = "x-small") -> None:
    """Join front points ``(x, y)`` (sorted by ``x``) by steps, ring them, and label each with ``labels``."""
    ax.plot(x, y, drawstyle="steps-post", color="black", linewidth=1.2, zorder=1)
    ax.scatter(x, y, s=130, facecolors="none", edgecolors="black", linewidths=1.4, zorder=3)
    for k, (xi, yi, label) in enumerate(zip(x, y, labels)):
        # alternate above-right and below-left so that neighbours on the front do not overlap
        offset, align = ((7, 5), "left") if k % 2 == 0 else ((-7, -11), "right")
        ax.annotate(label, (xi, yi), textcoords="offset points", xytext=offset, ha=align, fontsize=fontsize)


SOURCE_MARKERS = {TRAINED: "o", HAND_BUILT_SOURCES["paired"]: "s", HAND_BUILT_SOURCES["shared"]: "^"}


def draw_pareto(ax, points: pd.DataFrame) -> None:
    """Draw :func:`pareto_points`: every point by sweep (colour) and source (marker), the front joined by steps.

    Parameters
    ----------
    ax
        The Matplotlib axes to draw on.
    points
        The figure's points (:func:`pareto_points`).
    """
    from matplotlib.lines import Line2D

    colours = {label: f"C{i % 10}" for i, label in enumerate(dict.fromkeys(points["label"]))}
    for (label, source), part in points.groupby(["label", "source"], sort=False):
        ax.scatter(
            part["solve_median_s"].clip(lower=MIN_TIME_S),
            part["mae_best"].clip(lower=1e-12),
            marker=SOURCE_MARKERS.get(source, "o"),
            color=colours[label],
            alpha=0.75,
            s=36,
        )
    front = points[points["on_front"]].sort_values(["solve_median_s", "mae_best"])
    labels = [f"{r['arch']} b{r['budget']}" for _, r in front.iterrows()]
    mark_front(ax, front["solve_median_s"].clip(lower=MIN_TIME_S), front["mae_best"].clip(lower=1e-12), labels)
    handles = [Line2D([], [], marker="o", color=c, linestyle="none", label=label) for label, c in colours.items()]
    handles += [
        Line2D([], [], marker=SOURCE_MARKERS.get(s, "o"), color="0.45", linestyle="none", label=s)
        for s in dict.fromkeys(points["source"])
    ]
    handles += [
        Line2D([], [], color="black", linewidth=1.2, marker="o", mfc="none", markersize=10, label="Pareto front (non-dominated)")
    ]
    ax.legend(handles=handles, fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("median solve time of the reference problem (s, HiGHS)")
    ax.set_ylabel("grid MAE of the selected net")
    ax.grid(True, which="major", alpha=0.3)


def plot_pareto(tables: Sequence[SweepTable], stem: str | Path, *, style: PlotStyle = PlotStyle()) -> SavedFigure:
    """Approximation error against median solve time across shapes and budgets, front marked and joined.

    Parameters
    ----------
    tables
        One :class:`SweepTable` per sweep.
    stem
        Output path without extension.
    style
        Figure size and resolution.

    Returns
    -------
    SavedFigure
        ``data`` is :func:`pareto_points`.
    """
    points = pareto_points(tables)
    if points.empty:
        raise ResultsError(
            "sweep tables: no row has both mae_best and solve_median_s, so there is no front to draw; "
            "pass tables of sweeps that solved their nets"
        )
    budgets = ", ".join(str(b) for b in sorted(points["budget"].unique()))
    title = f"Error against solve time: {len(points)} nets, budget(s) {budgets}; {int(points['on_front'].sum())} on the front"
    fig, (ax,) = new_figure(style, extra_width=1.8)
    draw_pareto(ax, points)
    ax.set_title(title, fontsize="medium")
    return save_figure(fig, stem, style, title=title, data=points)
