"""Figures of sweep and benchmark results (matplotlib, Agg backend): one import for all of them.

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

The figures live in one module each (:mod:`.heatmap`, :mod:`.mae_depth`, :mod:`.pareto`,
:mod:`.growth`), what they share in :mod:`.figure`, and the checks of the tables they
read in :mod:`.tables`; this module gathers their public names.
"""

from __future__ import annotations

from ..nets.sources import HAND_BUILT, TRAINED
from .figure import MIN_TIME_S, PlotStyle, SavedFigure
from .growth import draw_growth, growth_medians, plot_growth, time_limits
from .heatmap import draw_error_heatmap, error_grid, net_label, plot_error_heatmap, symmetric_limit
from .mae_depth import draw_mae_vs_depth, mae_points, plot_mae_vs_depth, shape_order
from .pareto import draw_pareto, pareto_front, pareto_points, plot_pareto
from .tables import (
    GROWTH_COLUMNS,
    NETS_COLUMNS,
    TABLE_COLUMNS,
    ResultsError,
    SweepTable,
    as_bool,
    numeric,
    one_line,
    require_columns,
)

__all__ = [
    "GROWTH_COLUMNS",
    "HAND_BUILT",
    "MIN_TIME_S",
    "NETS_COLUMNS",
    "TABLE_COLUMNS",
    "TRAINED",
    "PlotStyle",
    "ResultsError",
    "SavedFigure",
    "SweepTable",
    "as_bool",
    "draw_error_heatmap",
    "draw_growth",
    "draw_mae_vs_depth",
    "draw_pareto",
    "error_grid",
    "growth_medians",
    "mae_points",
    "net_label",
    "numeric",
    "one_line",
    "pareto_front",
    "pareto_points",
    "plot_error_heatmap",
    "plot_growth",
    "plot_mae_vs_depth",
    "plot_pareto",
    "require_columns",
    "shape_order",
    "symmetric_limit",
    "time_limits",
]
