"""Figures of sweep and benchmark results (matplotlib, Agg backend).

Every ``plot_*`` function draws one figure, saves it as PNG and SVG (each
written atomically) and returns a :class:`SavedFigure` holding both paths and
the numbers it drew. The matching ``draw_*`` function draws into an Axes the
caller gives, so figures can be composed and what is drawn can be inspected.

Figures:

* :func:`plot_error_heatmap`: signed error ``N(x, y) - x*y`` of one net on a grid of [-1, 1]^2.
* :func:`plot_mae_vs_depth`: grid MAE of every shape of one sweep, deepest to the right, with the
  2021 blog's values and the hand-built nets beside the trained ones.
* :func:`plot_pareto`: approximation error against median solve time over several sweeps, with
  the non-dominated points joined into a front.
* :func:`plot_growth`: median solve time against the number of surrogate copies (``growth.csv``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, SurrogateError
from ..files import atomic_path
from ..literature import BLOG_2021_MAE
from ..nets.metrics import COLLAPSE_RANGE, GRID_POINTS
from ..nets.network import ReluMLP

TRAINED = "trained"
HAND_BUILT = ("hand-paired", "hand-shared")
# Solve times are drawn on log axes; a time measured as 0 s is drawn at this floor.
MIN_TIME_S = 1e-4

NETS_COLUMNS = ("arch", "source", "depth", "seed", "mae")
TABLE_COLUMNS = ("arch", "source", "mae_best", "solve_median_s")
GROWTH_COLUMNS = ("family", "instance", "products", "arch", "encoding", "wall_time", "time_limit_hit")


class ResultsError(SurrogateError, ValueError):
    """A results folder or table is missing, corrupted, or from an incompatible version."""


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines included) collapsed to one space."""
    return " ".join(str(text).split())


@dataclass(frozen=True)
class PlotStyle:
    """How figures look. Validated on construction.

    Parameters
    ----------
    width_in, height_in
        Size of a one-panel figure in inches (figures with several panels widen).
    dpi
        Resolution of the PNG files.
    grid_points
        Grid points per axis of the error heat maps (the default is the grid the reported errors use).
    error_cmap
        Diverging colormap of the heat maps; it is centred at 0 with symmetric limits.
    error_quantile
        The heat maps' colour limits are ``±`` this quantile of ``|error|`` (1 = the maximum). Below 1,
        rare spikes (often in the corners) saturate instead of washing out the rest of the map; the
        colour bar then shows arrows, and the title still gives the maximum.
    """

    width_in: float = 6.4
    height_in: float = 4.4
    dpi: int = 150
    grid_points: int = GRID_POINTS
    error_cmap: str = "RdBu_r"
    error_quantile: float = 0.995

    def __post_init__(self) -> None:
        for name in ("width_in", "height_in"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 50:
                raise ConfigError(f"PlotStyle: {name}={value!r} must be a size in inches in (0, 50], e.g. 6.4")
        if isinstance(self.dpi, bool) or not isinstance(self.dpi, int) or not 30 <= self.dpi <= 1200:
            raise ConfigError(f"PlotStyle: dpi={self.dpi!r} must be a whole number in [30, 1200], e.g. 150")
        if isinstance(self.grid_points, bool) or not isinstance(self.grid_points, int) or not 3 <= self.grid_points <= 4001:
            raise ConfigError(f"PlotStyle: grid_points={self.grid_points!r} must be a whole number in [3, 4001], e.g. 401")
        import matplotlib

        if self.error_cmap not in matplotlib.colormaps:
            raise ConfigError(f"PlotStyle: error_cmap={self.error_cmap!r} is not a matplotlib colormap; use e.g. 'RdBu_r'")
        q = self.error_quantile
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0.5 <= q <= 1:
            raise ConfigError(f"PlotStyle: error_quantile={q!r} must lie in [0.5, 1] (1 = colour limits at the maximum error)")


@dataclass(frozen=True, eq=False)
class SavedFigure:
    """A figure written to disk: its PNG and SVG files, its title, and the numbers it drew."""

    png: Path
    svg: Path
    title: str
    data: pd.DataFrame

    @property
    def paths(self) -> tuple[Path, Path]:
        return (self.png, self.svg)


# ----------------------------------------------------------------------------- common


def _agg_figure(figsize: tuple[float, float]):
    """A constrained-layout figure of ``figsize`` inches on the Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _new_figure(style: PlotStyle, *, panels: int = 1, extra_width: float = 0.0):
    """A figure with ``panels`` axes side by side, on the Agg canvas (no pyplot, no global state)."""
    fig = _agg_figure((style.width_in * (1 + 0.6 * (panels - 1)) + extra_width, style.height_in))
    axes = fig.subplots(1, panels, squeeze=False, sharey=True)[0]
    return fig, list(axes)


def _save(fig, stem: str | Path, style: PlotStyle) -> tuple[Path, Path]:
    """Write ``fig`` to ``stem.png`` and ``stem.svg``, each atomically."""
    import matplotlib

    stem = Path(stem)
    paths = (stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg"))
    with matplotlib.rc_context({"svg.hashsalt": "surrogate", "svg.fonttype": "none"}):
        for path, fmt, meta in zip(paths, ("png", "svg"), ({"Software": None}, {"Date": None})):
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, dpi=style.dpi, metadata=meta)
    return paths


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, name: str, fix: str) -> None:
    """Raise :class:`ResultsError` naming ``name`` and ``fix`` if ``frame`` lacks any of ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise ResultsError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}; {fix}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ResultsError(
            f"{name}: missing column(s) {', '.join(missing)} (it has {', '.join(map(str, frame.columns)) or 'none'}), "
            f"so it is corrupted or from another version of surrogate; {fix}"
        )


def numeric(frame: pd.DataFrame, columns: Sequence[str], *, name: str, fix: str) -> pd.DataFrame:
    """A copy of ``frame`` with ``columns`` as floats; :class:`ResultsError` if a value is not a number."""
    out = frame.copy()
    for col in columns:
        try:
            out[col] = pd.to_numeric(out[col], errors="raise").astype(float)
        except (ValueError, TypeError) as exc:
            raise ResultsError(f"{name}: column {col!r} holds a value that is not a number ({one_line(exc)}); {fix}") from None
    return out


def as_bool(series: pd.Series, *, name: str, fix: str) -> pd.Series:
    """``series`` as booleans; accepts bools, 0/1 and 'true'/'false' in any case."""
    if series.dtype == bool:
        return series
    words = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False, "yes": True, "no": False}
    out = series.astype(str).str.strip().str.lower().map(words)
    if out.isna().any():
        bad = series[out.isna()].iloc[0]
        raise ResultsError(f"{name}: column {series.name!r} holds {bad!r}, which is not true or false; {fix}")
    return out.astype(bool)


# ----------------------------------------------------------------------------- heat map


def error_grid(net: ReluMLP, *, grid_points: int = GRID_POINTS) -> pd.DataFrame:
    """Signed error ``N(x, y) - x*y`` on a ``grid_points`` x ``grid_points`` grid of [-1, 1]^2.

    Returns
    -------
    pandas.DataFrame
        Rows are ``y`` (ascending, index named ``y``), columns are ``x`` (ascending, named ``x``).
    """
    axis = np.linspace(-1.0, 1.0, grid_points)
    xx, yy = np.meshgrid(axis, axis)  # xx[i, j] = axis[j], yy[i, j] = axis[i]
    out = net.forward(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    return pd.DataFrame(out - xx * yy, index=pd.Index(axis, name="y"), columns=pd.Index(axis, name="x"))


def symmetric_limit(values: np.ndarray, quantile: float = 1.0) -> float:
    """The colour limit of a signed error: the ``quantile`` of its magnitude.

    When that is within 10% of the maximum, the maximum is used, so that colours saturate only where
    rare spikes would otherwise wash out the map. A tiny positive number if the error is 0.
    """
    magnitude = np.abs(np.asarray(values, float))
    if not magnitude.size:
        return 1e-12
    peak = float(np.nanmax(magnitude))
    limit = float(np.nanquantile(magnitude, quantile))
    limit = peak if limit >= 0.9 * peak else limit
    return limit if limit > 0 else 1e-12


def draw_error_heatmap(ax, error: pd.DataFrame, *, cmap: str = "RdBu_r", quantile: float = 1.0):
    """Draw ``error`` (from :func:`error_grid`) as an image, x to the right and y up; returns the AxesImage.

    The colour scale is centred at 0 with limits ``±`` the ``quantile`` of ``|error|``.
    """
    limit = symmetric_limit(error.to_numpy(), quantile)
    x, y = error.columns.to_numpy(float), error.index.to_numpy(float)
    image = ax.imshow(
        error.to_numpy(),
        origin="lower",
        extent=(x[0], x[-1], y[0], y[-1]),
        cmap=cmap,
        vmin=-limit,
        vmax=limit,
        interpolation="nearest",
        aspect="equal",
    )
    ticks = [-1, -0.5, 0, 0.5, 1]
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return image


def net_label(net: ReluMLP, *, source: str | None = None, seed: int | None = None) -> tuple[str, str, int | None]:
    """``(arch, source, seed)`` of ``net``, from its ONNX metadata unless given.

    A net exported by a sweep records ``kind`` (``trained`` or ``hand-built``),
    ``variant`` and ``seed``; a net without metadata is labelled ``net``.
    """
    meta = net.metadata
    if source is None:
        kind = meta.get("kind", "")
        source = f"hand-{meta['variant']}" if kind == "hand-built" and meta.get("variant") else (kind or "net")
    if seed is None and str(meta.get("seed", "")).lstrip("-").isdigit():
        seed = int(meta["seed"])
    return net.architecture.name, source, seed


def plot_error_heatmap(
    net: ReluMLP,
    stem: str | Path,
    *,
    source: str | None = None,
    seed: int | None = None,
    style: PlotStyle = PlotStyle(),
) -> SavedFigure:
    """Heat map of ``N(x, y) - x*y`` over [-1, 1]^2, saved as ``stem.png`` and ``stem.svg``.

    Parameters
    ----------
    net
        The net (e.g. from :func:`surrogate.nets.onnx_io.load_onnx` or :func:`surrogate.nets.construct.hand_built`).
    stem
        Output path without extension.
    source, seed
        Shown in the title; read from the net's metadata when not given.
    style
        Figure size, resolution, grid and colormap.

    Returns
    -------
    SavedFigure
        ``data`` is the error grid drawn (:func:`error_grid`).
    """
    error = error_grid(net, grid_points=style.grid_points)
    arch, source, seed = net_label(net, source=source, seed=seed)
    values = error.to_numpy()
    n = style.grid_points
    seed_text = f"seed {seed}" if seed is not None and seed >= 0 else "no seed"
    collapsed = np.ptp(values + error.index.to_numpy()[:, None] * error.columns.to_numpy()[None, :]) < COLLAPSE_RANGE
    title = (
        f"{arch} · {source} · {seed_text}" + (" · collapsed (constant output)" if collapsed else "") + "\n"
        f"MAE {np.abs(values).mean():.3g}, max |error| {np.abs(values).max():.3g} ({n}×{n} grid)"
    )
    fig, (ax,) = _new_figure(style)
    image = draw_error_heatmap(ax, error, cmap=style.error_cmap, quantile=style.error_quantile)
    clipped = image.get_clim()[1] < np.abs(values).max() * (1 - 1e-9)
    label = "signed error N(x, y) − x·y"
    if clipped:
        label += f"\n(saturates beyond the {100 * style.error_quantile:g}th percentile of |error|)"
    fig.colorbar(image, ax=ax, label=label, extend="both" if clipped else "neither")
    ax.set_title(title, fontsize="medium")
    png, svg = _save(fig, stem, style)
    return SavedFigure(png, svg, title, error)


# ----------------------------------------------------------------------------- MAE against depth


def shape_order(nets: pd.DataFrame) -> list[str]:
    """Shape names ordered by depth, ties in order of first appearance."""
    first = nets.drop_duplicates("arch")
    return list(first.sort_values("depth", kind="stable")["arch"])


def mae_points(nets: pd.DataFrame, *, blog: Mapping[str, float] = BLOG_2021_MAE) -> pd.DataFrame:
    """The points of the MAE-against-depth figure, one row each.

    Columns: ``arch``, ``position`` (0, 1, ... by depth), ``series`` (``seed``,
    ``median``, ``blog 2021``, ``hand-paired``, ``hand-shared``), ``seed``,
    ``mae`` and ``collapsed``.
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
        rows.append({"arch": r["arch"], "series": "seed", "seed": r["seed"], "mae": r["mae"], "collapsed": bool(collapsed[r.name])})
    for arch, group in trained.groupby("arch", sort=False):
        rows.append({"arch": arch, "series": "median", "seed": None, "mae": group["mae"].median(), "collapsed": False})
    for arch in order:
        if blog.get(arch) is not None:
            rows.append({"arch": arch, "series": "blog 2021", "seed": None, "mae": float(blog[arch]), "collapsed": False})
    for _, r in nets[nets["source"].isin(HAND_BUILT)].iterrows():
        rows.append({"arch": r["arch"], "series": r["source"], "seed": None, "mae": r["mae"], "collapsed": bool(collapsed[r.name])})
    out = pd.DataFrame(rows, columns=["arch", "series", "seed", "mae", "collapsed"])
    out.insert(1, "position", out["arch"].map(position).astype(int))
    return out.sort_values(["position", "series"], kind="stable").reset_index(drop=True)


_SERIES_STYLE = {
    "seed": dict(marker="o", color="tab:blue", alpha=0.55, markersize=5, linestyle="none", label="trained, one point per seed"),
    "median": dict(marker="_", color="tab:blue", markersize=16, markeredgewidth=2.5, linestyle="-", linewidth=1.2,
                   label="trained, median over seeds"),
    "blog 2021": dict(marker="D", color="tab:red", markersize=6, linestyle="--", linewidth=1, label="2021 blog (Keras)"),
    "hand-paired": dict(marker="s", color="tab:green", markersize=7, linestyle="none", mfc="none", mew=1.6,
                        label="hand-built, paired carry"),
    "hand-shared": dict(marker="^", color="tab:purple", markersize=7, linestyle="none", mfc="none", mew=1.6,
                        label="hand-built, shared carry"),
}


def draw_mae_vs_depth(ax, points: pd.DataFrame) -> None:
    """Draw :func:`mae_points` on ``ax``: log-scale MAE, one tick per shape."""
    order = points.drop_duplicates("arch").sort_values("position")
    for series, kw in _SERIES_STYLE.items():
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
    what = ", ".join(p for p in (f"budget {budget}" if budget else "", f"protocol {protocol}" if protocol else "",
                                 f"{n_seeds} seed{'s' if n_seeds > 1 else ''} per shape" if n_seeds else "") if p)
    title = "Grid MAE against depth" + (f" ({what})" if what else "")
    fig, (ax,) = _new_figure(style)
    draw_mae_vs_depth(ax, points)
    ax.legend(fontsize="small", loc="upper left")
    ax.set_title(title, fontsize="medium")
    png, svg = _save(fig, stem, style)
    return SavedFigure(png, svg, title, points)


# ----------------------------------------------------------------------------- Pareto front


def pareto_front(error: Sequence[float], time: Sequence[float]) -> np.ndarray:
    """Indices of the non-dominated points when both ``error`` and ``time`` are minimised, by ascending time.

    A point is dominated when another is no worse in both and better in one.
    Points with a NaN are never on the front; identical points are both on it.
    """
    e, t = np.asarray(error, float), np.asarray(time, float)
    if e.shape != t.shape or e.ndim != 1:
        raise ConfigError(f"pareto_front: error and time must be 1-d of one length, got shapes {e.shape} and {t.shape}")
    valid = ~(np.isnan(e) | np.isnan(t))
    front = []
    for i in np.flatnonzero(valid):
        no_worse = valid & (e <= e[i]) & (t <= t[i])
        better = (e < e[i]) | (t < t[i])
        if not (no_worse & better).any():
            front.append(i)
    front = np.asarray(front, dtype=int)
    return front[np.lexsort((e[front], t[front]))]


@dataclass(frozen=True, eq=False)
class SweepTable:
    """One sweep's ``table.csv`` with its neuron budget and a label for legends. Validated on construction."""

    table: pd.DataFrame
    budget: int
    label: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget < 1:
            raise ConfigError(f"SweepTable: budget={self.budget!r} must be a positive integer, e.g. 24")
        name = f"table of {self.label or f'budget {self.budget}'}"
        fix = "pass the table.csv that 'surrogate sweep' writes"
        require_columns(self.table, TABLE_COLUMNS, name=name, fix=fix)
        object.__setattr__(self, "table", numeric(self.table, ("mae_best", "solve_median_s"), name=name, fix=fix))
        object.__setattr__(self, "label", self.label or f"budget {self.budget}")


def pareto_points(tables: Sequence[SweepTable]) -> pd.DataFrame:
    """Every (sweep, shape, source) with its error and median solve time, and whether it is on the front.

    Columns: ``label``, ``budget``, ``arch``, ``source``, ``mae_best``, ``solve_median_s``, ``on_front``.
    Rows without a solve time (nets that were not solved) are left out.
    """
    if not tables:
        raise ConfigError("pareto_points: give at least one SweepTable")
    frames = [
        t.table.assign(label=t.label, budget=t.budget)[["label", "budget", "arch", "source", "mae_best", "solve_median_s"]]
        for t in tables
    ]
    points = pd.concat(frames, ignore_index=True).dropna(subset=["mae_best", "solve_median_s"]).reset_index(drop=True)
    points["on_front"] = False
    points.loc[pareto_front(points["mae_best"], points["solve_median_s"]), "on_front"] = True
    return points


_SOURCE_MARKERS = {TRAINED: "o", "hand-paired": "s", "hand-shared": "^"}


def draw_pareto(ax, points: pd.DataFrame) -> None:
    """Draw :func:`pareto_points`: every point by sweep (colour) and source (marker), the front joined by steps."""
    from matplotlib.lines import Line2D

    colours = {label: f"C{i % 10}" for i, label in enumerate(dict.fromkeys(points["label"]))}
    for (label, source), part in points.groupby(["label", "source"], sort=False):
        ax.scatter(
            part["solve_median_s"].clip(lower=MIN_TIME_S), part["mae_best"].clip(lower=1e-12),
            marker=_SOURCE_MARKERS.get(source, "o"), color=colours[label], alpha=0.75, s=36,
        )
    front = points[points["on_front"]].sort_values(["solve_median_s", "mae_best"])
    fx, fy = front["solve_median_s"].clip(lower=MIN_TIME_S), front["mae_best"].clip(lower=1e-12)
    ax.plot(fx, fy, drawstyle="steps-post", color="black", linewidth=1.2, zorder=1)
    ax.scatter(fx, fy, s=130, facecolors="none", edgecolors="black", linewidths=1.4, zorder=3)
    for k, (x, y, (_, r)) in enumerate(zip(fx, fy, front.iterrows())):
        # alternate above-right and below-left so that neighbours on the front do not overlap
        offset, align = ((7, 5), "left") if k % 2 == 0 else ((-7, -11), "right")
        ax.annotate(f"{r['arch']} b{r['budget']}", (x, y), textcoords="offset points", xytext=offset, ha=align, fontsize="x-small")
    handles = [Line2D([], [], marker="o", color=c, linestyle="none", label=label) for label, c in colours.items()]
    handles += [
        Line2D([], [], marker=_SOURCE_MARKERS.get(s, "o"), color="0.45", linestyle="none", label=s)
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
        raise ResultsError("sweep tables: no row has both mae_best and solve_median_s, so there is no front to draw; "
                           "pass tables of sweeps that solved their nets")
    budgets = ", ".join(str(b) for b in sorted(points["budget"].unique()))
    title = f"Error against solve time: {len(points)} nets, budget(s) {budgets}; {int(points['on_front'].sum())} on the front"
    fig, (ax,) = _new_figure(style, extra_width=1.8)
    draw_pareto(ax, points)
    ax.set_title(title, fontsize="medium")
    png, svg = _save(fig, stem, style)
    return SavedFigure(png, svg, title, points)


# ----------------------------------------------------------------------------- growth


def growth_medians(growth: pd.DataFrame) -> pd.DataFrame:
    """Median wall time per family, arch, encoding and number of surrogate copies.

    Columns: ``family``, ``arch``, ``encoding``, ``products``, ``wall_time`` (median, s),
    ``instances``, ``time_limit_hits``.
    """
    fix = "pass the growth.csv that the solve-time benchmark writes"
    require_columns(growth, GROWTH_COLUMNS, name="growth table", fix=fix)
    if growth.empty:
        raise ResultsError(f"growth table: has no rows; {fix}")
    frame = numeric(growth, ("products", "wall_time"), name="growth table", fix=fix)
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
    """The time limit(s) to draw: ``time_limit`` if given, else the distinct values of a ``time_limit`` column."""
    if time_limit is not None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
            raise ConfigError(f"plot_growth: time_limit={time_limit!r} must be a positive number of seconds, e.g. 60")
        return [float(time_limit)]
    if "time_limit" not in growth:
        return []
    values = numeric(growth, ("time_limit",), name="growth table", fix="write time limits in seconds")["time_limit"]
    return sorted(float(v) for v in values.dropna().unique() if v > 0)


def _spread_ticks(values: Sequence[float], ratio: float = 1.3) -> list[float]:
    """``values`` thinned so that labelled neighbours on a log axis are at least ``ratio`` apart (no overlapping labels)."""
    kept: list[float] = []
    for v in values:
        if not kept or v >= kept[-1] * ratio:
            kept.append(v)
    return kept


def draw_growth(
    ax, medians: pd.DataFrame, *, limits: Sequence[float] = (), colours: Mapping[str, str] | None = None
) -> None:
    """Draw :func:`growth_medians` of one family on log-log axes; points with a time-limit hit get an ``X``.

    Lines are labelled ``"arch, encoding"`` and coloured in turn; with ``colours`` (arch -> colour, for
    a panel holding one encoding) they are labelled by arch and keep each arch's colour across panels.
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
    products = _spread_ticks(sorted(medians["products"].unique()))
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
    colours = _arch_colours(arches)
    fig = _agg_figure((style.width_in * 0.5 * len(encodings) + 2.2, style.height_in * 0.62 * len(families)))
    grid = fig.subplots(len(families), len(encodings), squeeze=False, sharey=True)
    for row, family in zip(grid, families):
        for ax, encoding in zip(row, encodings):
            part = medians[(medians["family"] == family) & (medians["encoding"] == encoding)]
            draw_growth(ax, part, limits=limits, colours=colours)
            ax.set_title(f"family {family}: {encoding}", fontsize="small")
            ax.set_xlabel("surrogate copies" if family == families[-1] else "")
        row[0].set_ylabel("median seconds")
    fig.legend(*_growth_legend(colours, (medians["time_limit_hits"] > 0).any(), limits), fontsize="x-small",
               loc="outside right center")
    title = "Solve time against surrogate copies (median over instances)"
    fig.suptitle(title, fontsize="medium")
    png, svg = _save(fig, stem, style)
    return SavedFigure(png, svg, title, medians)


def _arch_colours(arches: Sequence[str]) -> dict:
    """A colour per arch, in turn from ``tab10`` (``tab20`` beyond 10 arches), kept across panels."""
    import matplotlib

    palette = matplotlib.colormaps["tab10" if len(arches) <= 10 else "tab20"].colors
    return {arch: palette[i % len(palette)] for i, arch in enumerate(arches)}


def _growth_legend(colours: Mapping[str, object], any_hit: bool, limits: Sequence[float]) -> tuple[list, list[str]]:
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
