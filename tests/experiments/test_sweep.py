"""SweepResult (surrogate.experiments.sweep) read back without running a sweep."""

from pathlib import Path

import pandas as pd
import pytest

from surrogate import ConfigError, SweepConfig
from surrogate.experiments.sweep import SweepResult


def test_best_net_path_of_a_shape_the_sweep_did_not_train_names_what_it_lacks(tmp_path):
    nets = pd.DataFrame({"arch": ["3x8"], "source": ["trained"], "mae": [0.01], "seed": [0], "file": ["3x8-s0.onnx"]})
    empty = pd.DataFrame()
    result = SweepResult(SweepConfig(), empty, nets, empty, Path(tmp_path), 0.0)
    with pytest.raises(ConfigError, match=r"this sweep has no trained net of shape '2x12'"):
        result.best_net_path("2x12")
    with pytest.raises(ConfigError, match=r"this sweep has no hand-shared net of shape '3x8'"):
        result.best_net_path("3x8", source="hand-shared")


@pytest.mark.parametrize("out_dir", [None, 3, b"results"])
def test_run_sweep_names_an_out_dir_that_is_no_path(out_dir):
    """pathlib's bare TypeError before (probe119 #5)."""
    from surrogate import ModelFormatError, run_sweep

    with pytest.raises(ModelFormatError, match=rf"run_sweep: out_dir={out_dir!r} must be a path \(a str or pathlib\.Path\)"):
        run_sweep(SweepConfig(architectures=("1x2",), seeds=(0,), instances=1), out_dir, progress=False)


@pytest.mark.training
@pytest.mark.solver
def test_a_sweep_solves_the_selected_net_only_unless_all_seeds_and_records_that_it_finished(tmp_path):
    """Mutation round 7 (sweep.py): which nets are solved (the selected seed per shape, or every seed with
    solve_all_seeds), the unit counts and config.json's ``complete`` went unchecked by any fast test."""
    import json

    from surrogate import run_sweep
    from surrogate.executors import ExecutorConfig

    config = SweepConfig.quick(architectures=("1x2",), seeds=(0, 1), instances=2, yardsticks=False)
    best = run_sweep(config, tmp_path / "best", progress=False, executor=ExecutorConfig(workers=1))
    chosen = best.nets[best.nets["file"] == best.best_net_path("1x2").name]
    assert len(best.nets) == 2 and len(chosen) == 1
    assert len(best.solves) == 2 and set(best.solves["seed"]) == set(chosen["seed"])
    assert (best.units.computed, best.units.reused) == (2, 0)  # one pack trained, one net's solves (one unit)
    record = json.loads((tmp_path / "best" / "config.json").read_text())
    assert record["complete"] is True and record["units"]["computed"] == 2
    every = run_sweep(
        SweepConfig.quick(architectures=("1x2",), seeds=(0, 1), instances=2, yardsticks=False, solve_all_seeds=True),
        tmp_path / "best",
        progress=False,
        executor=ExecutorConfig(workers=1),
        fresh=True,
    )
    assert len(every.solves) == 4 and set(every.solves["seed"]) == {0, 1}
