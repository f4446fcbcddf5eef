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
