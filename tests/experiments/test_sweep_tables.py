"""The sweep's summary table on hand-made rows: time-outs are counted, never dropped."""

import math

import pandas as pd

from surrogate.experiments.sweep_config import SweepConfig
from surrogate.experiments.sweep_tables import summarise
from surrogate.report.pareto import pareto_points
from surrogate.report.tables import SweepTable


def _rows():
    nets = pd.DataFrame(
        [
            {
                "arch": "3x8",
                "source": "trained",
                "seed": 0,
                "mae": 1e-3,
                "mse": 1e-6,
                "max_error": 5e-3,
                "collapsed": False,
                "val_mae": 1e-3,
            }
        ]
    )
    solves = pd.DataFrame(
        {
            "arch": "3x8",
            "source": "trained",
            "seed": 0,
            "binaries": 22,
            "wall_time": [0.5, 10.0, 10.0],
            "termination": ["convergenceCriteriaSatisfied", "maxTimeLimit", "maxTimeLimit"],
            "opt_error": [0.0, 0.01, math.nan],  # the last time-out found no point
        }
    )
    return nets, solves


def test_a_solve_without_a_point_counts_as_an_infinite_regret_and_time_outs_are_counted():
    nets, solves = _rows()
    row = summarise(SweepConfig(architectures=("3x8",)), nets, solves).iloc[0]
    assert row["time_limit_hits"] == 2 and row["solve_median_s"] == 10.0
    assert row["opt_err_median"] == 0.01 and row["opt_err_max"] == math.inf  # not 0.005 and 0.01 over two solves


def test_the_pareto_points_say_how_many_solves_the_time_limit_stopped():
    nets, solves = _rows()
    table = summarise(SweepConfig(architectures=("3x8",)), nets, solves)
    points = pareto_points([SweepTable(label="s", budget=24, table=table)])
    assert points["time_limit_hits"].tolist() == [2]
