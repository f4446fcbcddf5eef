"""Grid MAE against depth: every trained seed, its median per shape, the 2021 blog's values and the hand-built nets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..literature import BLOG_2021_MAE
from ..nets.sources import HAND_BUILT, HAND_BUILT_SOURCES, TRAINED
from .figure import PlotStyle, SavedFigure, new_figure, save_figure
from .tables import NETS_COLUMNS, ResultsError, numeric, require_columns


def shape_order(nets: pd.DataFrame) -> list[str]:
    """Shape names ordered by depth, ties in order of first appearance.

    Parameters
    ----------
    nets
        Nets with an ``arch`` column.
    """
    first = nets.drop_duplicates("arch")
    return list(first.sort_values("depth", kind="stable")["arch"])


def mae_points(nets: pd.DataFrame, *, blog: Mapping[str, float] = BLOG_2021_MAE) -> pd.DataFrame:
    """The points of the MAE-against-depth figure, one row each.

    Columns: ``arch``, ``position`` (0, 1, ... by depth), ``series`` (``seed``,
    ``median``, ``blog 2021``, ``hand-paired``, ``hand-shared``), ``seed``,
    ``mae`` and ``collapsed``.

    Parameters
    ----------
    nets
        Every net of a sweep, one row each (``nets.csv``).
    blog
        The 2021 blog's MAE per shape.
    """
    fix = "pass the nets.csv that 'surrogate sweep' writes"
    require_columns(nets, NETS_COLUMNS, name="nets table", fix=fix)
    nets = numeric(nets, ("depth", "mae"), name="nets table", fix=fix)
    if nets.empty:
        raise ResultsError(f"nets table: has no rows; {fix}")
    order = shape_order(nets)
    position = {arch: i for i, arch in enumerate(order)}
    collapsed = nets["collapsed"].astype(str).str.lower().eq("true") if "collapsed" in nets else pd.Series(False, nets.index)
    rows = []
    trained = nets[nets["source"] == TRAINED]
    for _, r in trained.iterrows():
        rows.append(
            {"arch": r["arch"], "series": "seed", "seed": r["seed"], "mae": r["mae"], "collapsed": bool(collapsed[r.name])}
        )
    for arch, group in trained.groupby("arch", sort=False):
        rows.append({"arch": arch, "series": "median", "seed": None, "mae": group["mae"].median(), "collapsed": False})
    for arch in order:
        if blog.get(arch) is not None:
            rows.append({"arch": arch, "series": "blog 2021", "seed": None, "mae": float(blog[arch]), "collapsed": False})
    for _, r in nets[nets["source"].isin(HAND_BUILT)].iterrows():
        rows.append(
            {"arch": r["arch"], "series": r["source"], "seed": None, "mae": r["mae"], "collapsed": bool(collapsed[r.name])}
        )
    out = pd.DataFrame(rows, columns=["arch", "series", "seed", "mae", "collapsed"])
    out.insert(1, "position", out["arch"].map(position).astype(int))
    return out.sort_values(["position", "series"], kind="stable").reset_index(drop=True)


SERIES_STYLE = {
    "seed": dict(marker="o", color="tab:blue", alpha=0.55, markersize=5, linestyle="none", label="trained, one point per seed"),
    "median": dict(
        marker="_",
        color="tab:blue",
        markersize=16,
        markeredgewidth=2.5,
        linestyle="-",
        linewidth=1.2,
        label="trained, median over seeds",
    ),
    "blog 2021": dict(marker="D", color="tab:red", markersize=6, linestyle="--", linewidth=1, label="2021 blog (Keras)"),
    HAND_BUILT_SOURCES["paired"]: dict(
        marker="s", color="tab:green", markersize=7, linestyle="none", mfc="none", mew=1.6, label="hand-built, paired carry"
    ),
    HAND_BUILT_SOURCES["shared"]: dict(
        marker="^", color="tab:purple", markersize=7, linestyle="none", mfc="none", mew=1.6, label="hand-built, shared carry"
    ),
}


def draw_mae_vs_depth(ax, points: pd.DataFrame) -> None:
    """Draw :func:`mae_points` on ``ax``: log-scale MAE, one tick per shape.

    Parameters
    ----------
    ax
        The Matplotlib axes to draw on.
    points
        The figure's points (:func:`mae_points`).
    """
    order = points.drop_duplicates("arch").sort_values("position")
    for series, kw in SERIES_STYLE.items():
        part = points[points["series"] == series]
        if part.empty:
            continue
        x = part["position"].to_numpy(float)
        if series == "seed":  # spread the seeds of a shape so that they do not hide each other
            rank = part.groupby("arch").cumcount().to_numpy()
            size = part.groupby("arch")["arch"].transform("size").to_numpy()
            x = x + np.where(size > 1, (rank / np.maximum(size - 1, 1) - 0.5) * 0.3, 0.0)
            dead = part["collapsed"].to_numpy(bool)
            if dead.any():
                ax.plot(x[dead], part["mae"][dead], **{**kw, "mfc": "none", "label": "trained seed, collapsed (constant output)"})
            x, part = x[~dead], part[~dead]
        ax.plot(x, part["mae"].clip(lower=1e-12), **kw)
    ax.set_yscale("log")
    ax.set_xticks(order["position"].to_numpy(), order["arch"].tolist())
    ax.set_xlabel("shape (hidden layers × width), deeper to the right")
    ax.set_ylabel("grid MAE of N(x, y) against x·y")
    ax.grid(True, which="major", axis="y", alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.1)


def plot_mae_vs_depth(
    nets: pd.DataFrame,
    stem: str | Path,
    *,
    budget: int | None = None,
    protocol: str | None = None,
    blog: Mapping[str, float] = BLOG_2021_MAE,
    style: PlotStyle = PlotStyle(),
) -> SavedFigure:
    """MAE of every trained seed, its median per shape, the blog's MAE and the hand-built nets, against depth.

    Parameters
    ----------
    nets
        A sweep's ``nets.csv`` (columns ``arch``, ``source``, ``depth``, ``seed``, ``mae``).
    stem
        Output path without extension.
    budget, protocol
        Shown in the title.
    blog
        Published MAE per shape name (default: the 2021 blog, :mod:`surrogate.literature`).
    style
        Figure size and resolution.

    Returns
    -------
    SavedFigure
        ``data`` is :func:`mae_points`.
    """
    points = mae_points(nets, blog=blog)
    n_seeds = int((points["series"] == "seed").groupby(points["arch"]).sum().max())
    what = ", ".join(
        p
        for p in (
            f"budget {budget}" if budget else "",
            f"protocol {protocol}" if protocol else "",
            f"{n_seeds} seed{'s' if n_seeds > 1 else ''} per shape" if n_seeds else "",
        )
        if p
    )
    title = "Grid MAE against depth" + (f" ({what})" if what else "")
    fig, (ax,) = new_figure(style)
    draw_mae_vs_depth(ax, points)
    ax.legend(fontsize="small", loc="upper left")
    ax.set_title(title, fontsize="medium")
    return save_figure(fig, stem, style, title=title, data=points)
