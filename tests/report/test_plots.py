"""Figures: what they draw, not just that files appear. No solver, no training."""

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from surrogate.errors import ConfigError, SurrogateError
from surrogate.nets.construct import hand_built
from surrogate.nets.metrics import score
from surrogate.report.plots import (
    PlotStyle,
    ResultsError,
    SweepTable,
    draw_error_heatmap,
    draw_growth,
    draw_mae_vs_depth,
    error_grid,
    growth_medians,
    mae_points,
    pareto_front,
    plot_error_heatmap,
    plot_growth,
    plot_mae_vs_depth,
    plot_pareto,
    symmetric_limit,
)
from tests.helpers import random_net

FAST = PlotStyle(grid_points=41, dpi=40, width_in=4, height_in=3)


def _axes():
    fig = Figure()
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _is_png_and_svg(saved):
    assert saved.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in saved.svg.read_text()[:2000]
    assert not any(p.name.endswith(".tmp") for p in saved.png.parent.iterdir())


# ----------------------------------------------------------------------------- heat map


def test_heatmap_data_is_signed_error_with_x_across_and_y_up(tmp_path):
    net = hand_built("1x24")
    saved = plot_error_heatmap(net, tmp_path / "hm", style=FAST)
    _is_png_and_svg(saved)
    axis = np.linspace(-1, 1, 41)
    err = saved.data
    assert err.shape == (41, 41) and np.allclose(err.index, axis) and np.allclose(err.columns, axis)
    for y in (0, 7, 40):
        for x in (0, 13, 40):
            want = net.forward(np.array([[axis[x], axis[y]]]))[0] - axis[x] * axis[y]
            assert err.iloc[y, x] == pytest.approx(want, abs=1e-12)
    # same points as the scoring grid, so the title's numbers are the scored ones
    s = score(net, n=41)
    assert np.abs(err.to_numpy()).mean() == pytest.approx(s.mae)
    assert f"MAE {s.mae:.3g}" in saved.title and f"max |error| {s.max_error:.3g}" in saved.title
    assert saved.title.startswith("1x24 · hand-paired · no seed")  # hand_built() records its variant


def test_heatmap_image_is_the_grid_with_symmetric_limits_and_orientation():
    net = random_net((6, 6), seed=3)
    err = error_grid(net, grid_points=21)
    fig, ax = _axes()
    image = draw_error_heatmap(ax, err, cmap="RdBu_r", quantile=1.0)
    assert np.array_equal(np.asarray(image.get_array()), err.to_numpy())
    lo, hi = image.get_clim()
    assert lo == -hi and hi == pytest.approx(np.abs(err.to_numpy()).max())
    assert image.origin == "lower" and tuple(image.get_extent()) == (-1, 1, -1, 1)
    assert image.get_cmap().name == "RdBu_r"


def test_heatmap_limits_saturate_only_rare_spikes():
    values = np.concatenate([np.linspace(-0.01, 0.01, 999), [1.0]])
    assert symmetric_limit(values, 0.99) == pytest.approx(np.quantile(np.abs(values), 0.99))
    assert symmetric_limit(values, 1.0) == 1.0
    smooth = np.linspace(-1, 1, 1001)
    assert symmetric_limit(smooth, 0.95) == 1.0  # the quantile is within 10% of the max: no saturation
    assert symmetric_limit(np.zeros(4)) > 0


def test_heatmap_title_reads_source_and_seed_from_metadata(tmp_path):
    net = random_net((4,), seed=1).with_metadata(kind="trained", seed="7")
    assert plot_error_heatmap(net, tmp_path / "a", style=FAST).title.startswith("1x4 · trained · seed 7")
    built = hand_built("1x8").with_metadata(kind="hand-built", variant="paired")
    assert plot_error_heatmap(built, tmp_path / "b", style=FAST).title.startswith("1x8 · hand-paired · no seed")
    assert plot_error_heatmap(net, tmp_path / "c", source="mine", seed=2, style=FAST).title.startswith("1x4 · mine · seed 2")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dpi": 0}, "dpi=0"),
        ({"grid_points": 2}, "grid_points=2"),
        ({"error_cmap": "nope"}, "not a matplotlib colormap"),
        ({"error_quantile": 0.2}, "error_quantile=0.2"),
        ({"width_in": -1}, "width_in=-1"),
    ],
)
def test_plot_style_is_validated(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        PlotStyle(**kwargs)


# ----------------------------------------------------------------------------- MAE against depth


def _nets() -> pd.DataFrame:
    rows = [  # deliberately deepest first: the figure orders by depth
        ("2x2", "trained", 2, 0, 0.05, False),
        ("2x2", "trained", 2, 1, 0.25, True),
        ("2x2", "trained", 2, 2, 0.07, False),
        ("1x4", "trained", 1, 0, 0.02, False),
        ("1x4", "trained", 1, 1, 0.04, False),
        ("1x4", "trained", 1, 2, 0.03, False),
        ("1x4", "hand-paired", 1, -1, 0.011, False),
        ("2x2", "hand-shared", 2, -1, 0.2, False),
    ]
    return pd.DataFrame(rows, columns=["arch", "source", "depth", "seed", "mae", "collapsed"])


def test_mae_points_medians_blog_and_hand_built():
    points = mae_points(_nets(), blog={"1x4": 0.009, "9x9": 1.0})
    by = {(r.arch, r.series): r for r in points.itertuples() if r.series != "seed"}
    assert by[("1x4", "median")].mae == pytest.approx(0.03) and by[("2x2", "median")].mae == pytest.approx(0.07)
    assert by[("1x4", "blog 2021")].mae == 0.009 and ("2x2", "blog 2021") not in by
    assert by[("1x4", "hand-paired")].mae == 0.011 and by[("2x2", "hand-shared")].mae == 0.2
    assert dict(zip(points["arch"], points["position"])) == {"1x4": 0, "2x2": 1}
    seeds = points[points["series"] == "seed"]
    assert len(seeds) == 6 and seeds["collapsed"].sum() == 1


def test_shapes_are_placed_by_depth_not_by_name():
    """probe113 MD2: sorted by name, 12x2 came first on an axis that says 'deeper to the right'."""
    archs = ["12x2", "3x8", "1x24", "2x12"]
    nets = pd.DataFrame(
        {"arch": archs, "source": "trained", "depth": [12, 3, 1, 2], "seed": 0, "mae": [0.2, 0.003, 0.01, 0.005]}
    ).assign(collapsed=False)
    points = mae_points(nets, blog={})
    assert dict(zip(points["arch"], points["position"])) == {"1x24": 0, "2x12": 1, "3x8": 2, "12x2": 3}


def test_mae_vs_depth_axes_and_files(tmp_path):
    fig, ax = _axes()
    draw_mae_vs_depth(ax, mae_points(_nets()))
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1x4", "2x2"]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "trained seed, collapsed (constant output)" in labels and "hand-built, paired carry" in labels
    saved = plot_mae_vs_depth(_nets(), tmp_path / "mae", budget=4, protocol="seed", style=FAST)
    _is_png_and_svg(saved)
    assert saved.title == "Grid MAE against depth (budget 4, protocol seed, 3 seeds per shape)"


def test_mae_vs_depth_rejects_a_table_without_mae(tmp_path):
    with pytest.raises(ResultsError, match="nets table: missing column.s. mae .*nets.csv"):
        plot_mae_vs_depth(_nets().drop(columns="mae"), tmp_path / "x", style=FAST)
    bad = _nets().astype({"mae": object})
    bad.loc[0, "mae"] = "oops"
    with pytest.raises(ResultsError, match="column 'mae' holds a value that is not a number"):
        mae_points(bad)


# ----------------------------------------------------------------------------- Pareto


def test_pareto_front_keeps_exactly_the_non_dominated_points():
    error = [1.0, 2.0, 0.5, 2.0, 1.0, np.nan, 3.0]
    time = [1.0, 0.5, 3.0, 2.0, 1.0, 0.1, 0.5]
    # 3 is dominated by 0; 6 by 1 (same time, larger error); 5 has no error; 0 and 4 tie and both stay
    assert list(pareto_front(error, time)) == [1, 0, 4, 2]


def test_pareto_front_matches_the_definition_on_random_points():
    rng = np.random.default_rng(0)
    e, t = rng.uniform(size=60), rng.uniform(size=60)
    front = set(pareto_front(e, t))
    for i in range(60):
        dominated = any(e[j] <= e[i] and t[j] <= t[i] and (e[j] < e[i] or t[j] < t[i]) for j in range(60))
        assert (i in front) == (not dominated)


def test_errors_apart_by_float_noise_are_one_error_on_the_front():
    """probe94 #3: 2x12 hand-shared was on the front only through an MAE 9e-18 below hand-paired's (the same function),
    though hand-paired solved faster; errors apart by more than the tie still count."""
    from surrogate.report.pareto import ERROR_DIGITS

    error = [0.0003682976420564886, 0.0003682976420564796, 0.0003682976420564796 * (1 - 1e-6)]
    assert list(pareto_front(error[:2], [0.0154, 0.0204])) == [0]
    assert list(pareto_front(error[1:], [0.0204, 0.0300])) == [0, 1]
    assert list(pareto_front(error, [0.0154, 0.0204, 0.0300])) == [0, 2]
    # probe95 #2: ties are transitive (in a chain of near-ties each point tied only its neighbours, so the first
    # was dropped as dominated by the second, itself off the front) and an infinite error never wins
    for chain in ([1.0, 1.0 + 0.9e-9, 1.0 + 1.8e-9], [1.0, 1.0 + 4e-9, 1.0 + 8e-9], [1.0, 1.0 + 3e-9, 1.0 + 6e-9]):
        front = list(pareto_front(chain, [3.0, 2.0, 1.0]))
        rounded = [float(f"{v:.{ERROR_DIGITS - 1}e}") for v in chain]
        for i in set(range(3)) - set(front):  # each point left out is dominated by one on the front (times 3, 2, 1)
            assert any(rounded[j] <= rounded[i] and j > i for j in front)
    ladder = [1.0 + k * 0.9e-9 for k in range(11)]  # each within 1e-9 of the next: one tie chained kept the last only
    assert list(pareto_front(ladder, [11.0 - k for k in range(11)])) == [10, 5]  # 1.0 and 1.00000001 to 9 digits
    assert list(pareto_front([np.inf, 1.0], [1.0, 2.0])) == [0, 1]


def _table(rows):
    return pd.DataFrame(rows, columns=["arch", "source", "mae_best", "solve_median_s"])


def test_pareto_across_budgets(tmp_path):
    b12 = SweepTable(_table([("1x12", "trained", 7e-3, 0.1), ("2x6", "trained", 8e-3, 0.3)]), 12, "b12")
    b24 = SweepTable(
        _table([("1x24", "trained", 2e-3, 0.14), ("3x8", "hand-shared", 1.4e-4, 0.6), ("4x6", "trained", 5e-3, np.nan)]), 24
    )
    saved = plot_pareto([b12, b24], tmp_path / "pareto", style=FAST)
    _is_png_and_svg(saved)
    data = saved.data
    assert len(data) == 4  # the unsolved 4x6 is left out
    assert set(data.loc[data["on_front"], "arch"]) == {"1x12", "1x24", "3x8"}
    assert list(data["label"]) == ["b12", "b12", "budget 24", "budget 24"]
    assert "budget(s) 12, 24; 3 on the front" in saved.title


def test_sweep_table_is_validated():
    with pytest.raises(ResultsError, match="table of b: missing column.s. solve_median_s"):
        SweepTable(_table([("1x4", "trained", 1e-3, 0.1)]).drop(columns="solve_median_s"), 4, "b")
    with pytest.raises(ConfigError, match="budget=0"):
        SweepTable(_table([]), 0)


# ----------------------------------------------------------------------------- growth


def _growth(tmp_path, *, time_limit_column=True) -> pd.DataFrame:
    rows = []
    for family in ("random", "pooling"):
        for arch in ("1x8", "3x8"):
            for encoding in ("omlt-bigm", "pruned"):
                for products in (1, 2, 4, 8):
                    for k in range(3):
                        wall = 0.01 * products ** (2 if arch == "3x8" else 1) * (1 + k) * (0.5 if encoding == "pruned" else 1)
                        hit = wall >= 1.0
                        rows.append(
                            {
                                "family": family,
                                "instance": f"{family}{products}-{k}",
                                "products": products,
                                "arch": arch,
                                "encoding": encoding,
                                "wall_time": min(wall, 1.0),
                                "nodes": 10 * products,
                                "gap": 0.1 if hit else 0.0,
                                "termination": "maxTimeLimit" if hit else "optimal",
                                "time_limit_hit": hit,
                                "binaries": 8 * products,
                                "time_limit": 1.0,
                            }
                        )
    frame = pd.DataFrame(rows)
    if not time_limit_column:
        frame = frame.drop(columns="time_limit")
    frame.to_csv(tmp_path / "growth.csv", index=False)
    return pd.read_csv(tmp_path / "growth.csv")  # as a report reads it: booleans come back as the CSV has them


def test_growth_medians_and_hits(tmp_path):
    medians = growth_medians(_growth(tmp_path))
    assert len(medians) == 2 * 2 * 2 * 4
    row = medians[(medians["family"] == "random") & (medians["arch"] == "3x8") & (medians["encoding"] == "omlt-bigm")]
    assert list(row["products"]) == [1, 2, 4, 8]
    assert row["wall_time"].tolist() == pytest.approx([0.02, 0.08, 0.32, 1.0])  # median of k = 0, 1, 2 (capped at 1)
    assert row["time_limit_hits"].tolist() == [0, 0, 0, 2]  # 0.64, 1.28, 1.92 s at 8 products
    assert (row["instances"] == 3).all()
    damaged = _growth(tmp_path)
    damaged.loc[0, "wall_time"] = float("nan")  # dropped from the median but counted in instances before
    with pytest.raises(ResultsError, match=r"growth table: column 'wall_time' holds a value that is not a finite number >= 0"):
        growth_medians(damaged)


def test_growth_draws_log_log_hits_and_the_time_limit(tmp_path):
    medians = growth_medians(_growth(tmp_path))
    fig, ax = _axes()
    part = medians[medians["family"] == "random"]
    draw_growth(ax, part, limits=[1.0])
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert sorted(line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")) == [
        "1x8, omlt-bigm",
        "1x8, pruned",
        "3x8, omlt-bigm",
        "3x8, pruned",
    ]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_ydata()) == [1.0, 1.0]
    hit_points = sum(len(c.get_offsets()) for c in ax.collections)
    assert hit_points == int((part["time_limit_hits"] > 0).sum()) == 1  # 3x8 omlt-bigm at 8 products


def test_growth_ticks_are_thinned_so_labels_never_overlap():
    """The pooling instances have 2, 8, 24, 30, 32, 40, 128 products: 30 and 32 would print on top of each other."""
    from surrogate.report.growth import spread_ticks

    assert spread_ticks([2, 8, 24, 30, 32, 40, 128]) == [2, 8, 24, 32, 128]
    assert spread_ticks([1, 2, 4, 8, 16, 32, 64]) == [1, 2, 4, 8, 16, 32, 64]


def test_plot_growth_panels_per_family_and_time_limit_sources(tmp_path):
    saved = plot_growth(_growth(tmp_path), tmp_path / "growth", style=FAST)
    _is_png_and_svg(saved)
    assert set(saved.data["family"]) == {"random", "pooling"}
    svg = saved.svg.read_text()
    assert "family random" in svg and "family pooling" in svg and "time limit 1 s" in svg
    # one panel per family and encoding, so no legend of every (arch, encoding) pair squeezes the plots
    assert all(f"family {f}: {e}" in svg for f in ("random", "pooling") for e in ("omlt-bigm", "pruned"))
    no_column = _growth(tmp_path, time_limit_column=False)
    assert not re.search(r"time limit \d", plot_growth(no_column, tmp_path / "g2", style=FAST).svg.read_text())
    assert "time limit 30 s" in plot_growth(no_column, tmp_path / "g3", time_limit=30, style=FAST).svg.read_text()


def test_growth_bad_input_names_the_problem(tmp_path):
    growth = _growth(tmp_path)
    with pytest.raises(ResultsError, match="growth table: missing column.s. wall_time"):
        growth_medians(growth.drop(columns="wall_time"))
    growth["time_limit_hit"] = growth["time_limit_hit"].astype(str).replace({"True": "maybe"})
    with pytest.raises(ResultsError, match="'time_limit_hit' holds 'maybe', which is not true or false"):
        growth_medians(growth)
    with pytest.raises(ConfigError, match="time_limit=-1"):
        plot_growth(_growth(tmp_path), tmp_path / "g", time_limit=-1, style=FAST)
    assert issubclass(ResultsError, SurrogateError)


def test_empty_or_mis_shaped_tables_are_refused_naming_the_table_and_the_fix():
    """The report's own refusals, before a figure is drawn from nothing (probe110 #4)."""
    from surrogate.report.growth import growth_medians
    from surrogate.report.mae_depth import mae_points
    from surrogate.report.pareto import pareto_front, pareto_points
    from surrogate.report.plots import ResultsError
    from surrogate.report.tables import GROWTH_COLUMNS, NETS_COLUMNS

    with pytest.raises(
        ResultsError, match=r"growth table: has no rows; pass the growth\.csv that the solve-time benchmark writes"
    ):
        growth_medians(pd.DataFrame(columns=list(GROWTH_COLUMNS)))
    with pytest.raises(ResultsError, match=r"nets table: has no rows; pass the nets\.csv that 'surrogate sweep' writes"):
        mae_points(pd.DataFrame(columns=list(NETS_COLUMNS)))
    with pytest.raises(ResultsError, match=r"growth table: expected a pandas DataFrame, got list; pass the growth\.csv"):
        growth_medians([{"family": "random"}])
    with pytest.raises(
        ConfigError, match=r"pareto_front: error and time must be 1-d of one length, got shapes \(2,\) and \(3,\)"
    ):
        pareto_front([0.1, 0.2], [1.0, 2.0, 3.0])
    with pytest.raises(ConfigError, match=r"pareto_points: give at least one SweepTable"):
        pareto_points([])
