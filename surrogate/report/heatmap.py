"""The error heat map: the signed error ``N(x, y) - x*y`` of one net on the evaluation grid of [-1, 1]^2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..nets.metrics import COLLAPSE_RANGE, GRID_POINTS, grid
from ..nets.network import ReluMLP
from ..nets.sources import HAND_BUILT_SOURCES
from .figure import PlotStyle, SavedFigure, new_figure, save_figure


def error_grid(net: ReluMLP, *, grid_points: int = GRID_POINTS) -> pd.DataFrame:
    """Signed error ``N(x, y) - x*y`` on a ``grid_points`` x ``grid_points`` grid of [-1, 1]^2.

    Parameters
    ----------
    net
        The net.
    grid_points
        Grid points per axis.

    Returns
    -------
    pandas.DataFrame
        Rows are ``y`` (ascending, index named ``y``), columns are ``x`` (ascending, named ``x``).
    """
    points = grid(grid_points)  # x-major: row i * n + j is (axis[i], axis[j])
    axis = points[::grid_points, 0]
    out = net.forward(points).reshape(grid_points, grid_points).T  # out[i, j] = N(axis[j], axis[i])
    return pd.DataFrame(out - np.outer(axis, axis), index=pd.Index(axis, name="y"), columns=pd.Index(axis, name="x"))


def symmetric_limit(values: np.ndarray, quantile: float = 1.0) -> float:
    """The colour limit of a signed error: the ``quantile`` of its magnitude.

    When that is within 10% of the maximum, the maximum is used, so that colours saturate only where
    rare spikes would otherwise wash out the map. A tiny positive number if the error is 0.

    Parameters
    ----------
    values
        The signed errors.
    quantile
        The quantile of their magnitude.
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

    Parameters
    ----------
    ax
        The Matplotlib axes to draw on.
    error
        The error grid (:func:`error_grid`).
    cmap
        A Matplotlib colour map's name.
    quantile
        The quantile of ``|error|`` the colour limits are at.
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

    Parameters
    ----------
    net
        The net.
    source
        Its source (``None``: from its metadata).
    seed
        Its seed (``None``: from its metadata).
    """
    meta = net.metadata
    if source is None:
        kind = meta.get("kind", "")
        variant = meta.get("variant")
        source = HAND_BUILT_SOURCES.get(variant, f"hand-{variant}") if kind == "hand-built" and variant else (kind or "net")
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
    fig, (ax,) = new_figure(style)
    image = draw_error_heatmap(ax, error, cmap=style.error_cmap, quantile=style.error_quantile)
    clipped = image.get_clim()[1] < np.abs(values).max() * (1 - 1e-9)
    label = "signed error N(x, y) − x·y"
    if clipped:
        label += f"\n(saturates beyond the {100 * style.error_quantile:g}th percentile of |error|)"
    fig.colorbar(image, ax=ax, label=label, extend="both" if clipped else "neither")
    ax.set_title(title, fontsize="medium")
    return save_figure(fig, stem, style, title=title, data=error)
