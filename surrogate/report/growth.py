"""Solve time against the number of surrogate copies, from a solve-time benchmark's ``growth.csv``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..options import is_number
from .figure import MIN_TIME_S, PlotStyle, SavedFigure, agg_figure, save_figure
from .tables import GROWTH_COLUMNS, GROWTH_KEYS, ResultsError, as_bool, check_counts, check_keys, numeric, require_columns


def growth_medians(growth: pd.DataFrame) -> pd.DataFrame:
    """Median wall time per family, arch, encoding and number of surrogate copies.

    Columns: ``family``, ``arch``, ``encoding``, ``products``, ``wall_time`` (median, s),
    ``instances``, ``time_limit_hits``.

    Parameters
    ----------
    growth
        The benchmark's ``growth.csv``.
    """
    fix = "pass the growth.csv that the solve-time benchmark writes"
    require_columns(growth, GROWTH_COLUMNS, name="growth table", fix=fix)
    if growth.empty:
        raise ResultsError(f"growth table: has no rows; {fix}")
    check_keys(growth, GROWTH_KEYS, name="growth table", fix=fix)  # groupby drops a row with an empty key
    frame = numeric(growth, ("products", "wall_time"), name="growth table", fix=fix)
    check_counts(frame, ("products",), ("wall_time",), name="growth table", fix=fix)  # an empty time is no median
    frame["time_limit_hit"] = as_bool(frame["time_limit_hit"], name="growth table", fix=fix)
    keys = ["family", "arch", "encoding", "products"]
    out = frame.groupby(keys, sort=True).agg(
        wall_time=("wall_time", "median"), instances=("wall_time", "size"), time_limit_hits=("time_limit_hit", "sum")
    )
    out = out.reset_index()
    out["products"] = out["products"].astype(int) if (out["products"] % 1 == 0).all() else out["products"]
    out["time_limit_hits"] = out["time_limit_hits"].astype(int)
    return out


def time_limits(growth: pd.DataFrame, time_limit: float | None = None) -> list[float]:
    """The time limit(s) to draw: ``time_limit`` if given, else the distinct values of a ``time_limit`` column.

    Parameters
    ----------
    growth
        The benchmark's ``growth.csv``.
    time_limit
        The time limit to draw (``None``: the table's).
    """
    if time_limit is not None:
        if not is_number(time_limit, low=0, low_open=True):
            raise ConfigError(f"plot_growth: time_limit={time_limit!r} must be a positive number of seconds, e.g. 60")
        return [float(time_limit)]
    if "time_limit" not in growth:
        return []
    values = numeric(growth, ("time_limit",), name="growth table", fix="write time limits in seconds")["time_limit"]
    return sorted(float(v) for v in values.dropna().unique() if v > 0)


def spread_ticks(values: Sequence[float], ratio: float = 1.3) -> list[float]:
    """``values`` thinned so that labelled neighbours on a log axis are at least ``ratio`` apart (no overlapping labels)."""
    kept: list[float] = []
    for v in values:
        if not kept or v >= kept[-1] * ratio:
            kept.append(v)
    return kept


def draw_growth(ax, medians: pd.DataFrame, *, limits: Sequence[float] = (), colours: Mapping[str, str] | None = None) -> None:
    """Draw :func:`growth_medians` of one family on log-log axes; points with a time-limit hit get an ``X``.

    Lines are labelled ``"arch, encoding"`` and coloured in turn; with ``colours`` (arch -> colour, for
    a panel holding one encoding) they are labelled by arch and keep each arch's colour across panels.

    Parameters
    ----------
    ax
        The Matplotlib axes to draw on.
    medians
        One family's :func:`growth_medians`.
    limits
        Time limits to draw as horizontal lines.
    colours
        A colour per arch (``None``: colours in turn).
    """
    for i, ((arch, encoding), part) in enumerate(medians.groupby(["arch", "encoding"], sort=True)):
        part = part.sort_values("products")
        colour = colours[arch] if colours is not None else f"C{i % 10}"
        y = part["wall_time"].clip(lower=MIN_TIME_S)
        ax.plot(part["products"], y, marker="o", color=colour, label=arch if colours is not None else f"{arch}, {encoding}")
        hit = part["time_limit_hits"] > 0
        ax.scatter(part["products"][hit], y[hit], marker="X", s=110, color=colour, edgecolors="black", linewidths=0.8, zorder=3)
    for limit in limits:
        ax.axhline(limit, linestyle="--", color="0.3", linewidth=1)
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    products = spread_ticks(sorted(medians["products"].unique()))
    if len(products) <= 12:  # label the measured counts as plain numbers
        ax.set_xticks(products)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("surrogate copies (products replaced)")
    ax.grid(True, which="major", alpha=0.3)


def plot_growth(
    growth: pd.DataFrame,
    stem: str | Path,
    *,
    time_limit: float | None = None,
    style: PlotStyle = PlotStyle(),
) -> SavedFigure:
    """Median solve time against the number of surrogate copies: one panel per family and encoding, a line per arch.

    Parameters
    ----------
    growth
        The benchmark's ``growth.csv`` (columns ``family``, ``instance``, ``products``, ``arch``,
        ``encoding``, ``wall_time``, ``time_limit_hit``; others are ignored).
    stem
        Output path without extension.
    time_limit
        Drawn as a dashed line; when not given, the values of a ``time_limit`` column are drawn.
    style
        Figure size and resolution.

    Returns
    -------
    SavedFigure
        ``data`` is :func:`growth_medians`.
    """
    medians = growth_medians(growth)
    limits = time_limits(growth, time_limit)
    families = list(dict.fromkeys(medians["family"]))
    encodings = list(dict.fromkeys(medians["encoding"]))
    arches = sorted(set(medians["arch"]))
    colours = arch_colours(arches)
    fig = agg_figure((style.width_in * 0.5 * len(encodings) + 2.2, style.height_in * 0.62 * len(families)))
    grid = fig.subplots(len(families), len(encodings), squeeze=False, sharey=True)
    for row, family in zip(grid, families):
        for ax, encoding in zip(row, encodings):
            part = medians[(medians["family"] == family) & (medians["encoding"] == encoding)]
            draw_growth(ax, part, limits=limits, colours=colours)
            ax.set_title(f"family {family}: {encoding}", fontsize="small")
            ax.set_xlabel("surrogate copies" if family == families[-1] else "")
        row[0].set_ylabel("median seconds")
    fig.legend(
        *growth_legend(colours, (medians["time_limit_hits"] > 0).any(), limits), fontsize="x-small", loc="outside right center"
    )
    title = "Solve time against surrogate copies (median over instances)"
    fig.suptitle(title, fontsize="medium")
    return save_figure(fig, stem, style, title=title, data=medians)


def arch_colours(arches: Sequence[str]) -> dict:
    """A colour per arch, in turn from ``tab10`` (``tab20`` beyond 10 arches), kept across panels."""
    import matplotlib

    palette = matplotlib.colormaps["tab10" if len(arches) <= 10 else "tab20"].colors
    return {arch: palette[i % len(palette)] for i, arch in enumerate(arches)}


def growth_legend(colours: Mapping[str, object], any_hit: bool, limits: Sequence[float]) -> tuple[list, list[str]]:
    """Handles and labels of the growth figure's legend.

    Parameters
    ----------
    colours
        Colour per arch, in legend order: a line each.
    any_hit
        Whether some point had a time-limit hit: explains the ``X`` marker.
    limits
        The time limits drawn as dashed lines (none: no entry).
    """
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", color=colour) for colour in colours.values()]
    labels = list(colours)
    if any_hit:
        handles.append(Line2D([], [], marker="X", color="0.5", markeredgecolor="black", linestyle="none", markersize=9))
        labels.append("≥1 instance hit the time limit\n(median is a lower bound)")
    if limits:
        handles.append(Line2D([], [], linestyle="--", color="0.3"))
        labels.append("time limit " + ", ".join(f"{v:g} s" for v in limits))
    return handles, labels
