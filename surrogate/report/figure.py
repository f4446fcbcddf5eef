"""What every figure shares: its style, the saved result, an Agg figure, and saving it as PNG and SVG."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..files import atomic_path
from ..nets.metrics import GRID_POINTS, MAX_GRID_POINTS
from ..options import is_number, plain_numbers

# Solve times are drawn on log axes; a time measured as 0 s is drawn at this floor.
MIN_TIME_S = 1e-4


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
            if not is_number(value, low=0, low_open=True, high=50):
                raise ConfigError(f"PlotStyle: {name}={value!r} must be a size in inches in (0, 50], e.g. 6.4")
        if not is_number(self.dpi, integer=True, low=30, high=1200):
            raise ConfigError(f"PlotStyle: dpi={self.dpi!r} must be a whole number in [30, 1200], e.g. 150")
        if not is_number(self.grid_points, integer=True, low=3, high=MAX_GRID_POINTS):
            raise ConfigError(
                f"PlotStyle: grid_points={self.grid_points!r} must be a whole number in [3, {MAX_GRID_POINTS}], e.g. {GRID_POINTS}"
            )
        import matplotlib

        if self.error_cmap not in matplotlib.colormaps:
            raise ConfigError(f"PlotStyle: error_cmap={self.error_cmap!r} is not a matplotlib colormap; use e.g. 'RdBu_r'")
        q = self.error_quantile
        if not is_number(q, low=0.5, high=1):
            raise ConfigError(f"PlotStyle: error_quantile={q!r} must lie in [0.5, 1] (1 = colour limits at the maximum error)")
        plain_numbers(self)  # NumPy scalars kept as Python numbers, as every config keeps them


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


def agg_figure(figsize: tuple[float, float]):
    """A constrained-layout figure of ``figsize`` inches on the Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def new_figure(style: PlotStyle, *, panels: int = 1, extra_width: float = 0.0):
    """A figure with ``panels`` axes side by side, on the Agg canvas (no pyplot, no global state)."""
    fig = agg_figure((style.width_in * (1 + 0.6 * (panels - 1)) + extra_width, style.height_in))
    axes = fig.subplots(1, panels, squeeze=False, sharey=True)[0]
    return fig, list(axes)


def save_paths(fig, stem: str | Path, style: PlotStyle) -> tuple[Path, Path]:
    """Write ``fig`` to ``stem.png`` and ``stem.svg``, each atomically."""
    import matplotlib

    stem = Path(stem)
    paths = (stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg"))
    with matplotlib.rc_context({"svg.hashsalt": "surrogate", "svg.fonttype": "none"}):
        for path, fmt, meta in zip(paths, ("png", "svg"), ({"Software": None}, {"Date": None})):
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, dpi=style.dpi, metadata=meta)
    return paths


def save_figure(fig, stem: str | Path, style: PlotStyle, *, title: str, data: pd.DataFrame) -> SavedFigure:
    """Write ``fig`` to ``stem.png`` and ``stem.svg`` (each atomically) and return them with ``title`` and ``data``."""
    png, svg = save_paths(fig, stem, style)
    return SavedFigure(png, svg, title, data)
