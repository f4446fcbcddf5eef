"""What every figure shares (:mod:`surrogate.report.figure`): its style's limits, where a 0 s time is drawn, and
saving a figure as PNG and SVG that do not change from one run to the next."""

import numpy as np
import pandas as pd
import pytest

from surrogate.errors import ConfigError
from surrogate.report.figure import MIN_TIME_S, PlotStyle, agg_figure, save_figure
from surrogate.report.growth import draw_growth


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width_in": 0}, r"width_in=0 must be a size in inches in \(0, 50\]"),
        ({"height_in": 50.5}, r"height_in=50\.5 must be a size in inches in \(0, 50\]"),
        ({"dpi": 29}, r"dpi=29 must be a whole number in \[30, 1200\]"),
        ({"dpi": 1201}, r"dpi=1201"),
        ({"error_quantile": 1.01}, r"error_quantile=1\.01 must lie in \[0\.5, 1\]"),
        ({"error_quantile": 0.49}, r"error_quantile=0\.49"),
    ],
)
def test_plot_style_refuses_values_just_past_its_limits(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        PlotStyle(**kwargs)


def test_plot_style_takes_its_limits_and_keeps_numpy_scalars_as_python_numbers():
    edge = PlotStyle(width_in=50, height_in=0.1, dpi=30, grid_points=3, error_quantile=0.5)
    assert (edge.width_in, edge.dpi, edge.error_quantile) == (50, 30, 0.5)
    style = PlotStyle(dpi=np.int64(150), width_in=np.float64(6.4), error_quantile=np.float64(1.0))
    assert type(style.dpi) is int and type(style.width_in) is float and type(style.error_quantile) is float


def test_a_time_below_the_floor_is_drawn_at_it_and_one_above_where_it_is():
    fig = agg_figure((4, 3))
    ax = fig.subplots()
    medians = pd.DataFrame(
        {
            "arch": "3x8",
            "encoding": "pruned",
            "products": [1, 2, 4],
            "wall_time": [0.0, 5e-4, 2.0],
            "time_limit_hits": 0,
        }
    )
    draw_growth(ax, medians, limits=[])
    assert list(ax.get_lines()[0].get_ydata()) == [MIN_TIME_S, 5e-4, 2.0] and MIN_TIME_S == 1e-4


def _saved(tmp_path, name):
    fig = agg_figure((2, 2))
    fig.subplots().plot([0, 1], [1, 0], label="a")
    return save_figure(fig, tmp_path / name, PlotStyle(dpi=30), title="t", data=pd.DataFrame())


def test_a_figure_saved_twice_gives_the_same_bytes_with_no_date(tmp_path):
    first, second = _saved(tmp_path, "a"), _saved(tmp_path, "b")
    assert first.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and second.svg.read_text().lstrip().startswith("<?xml")
    assert first.svg.read_bytes() == second.svg.read_bytes() and first.png.read_bytes() == second.png.read_bytes()
    assert "<dc:date>" not in first.svg.read_text() and b"Software" not in first.png.read_bytes()
