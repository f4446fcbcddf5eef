"""``surrogate bench solve-time`` end to end on a tiny run (timings are not asserted)."""

import json

import pandas as pd
import pytest

from surrogate.cli import main

pytestmark = pytest.mark.solver


def test_tiny_solve_time_bench_prints_tables_and_the_ratio_last(tmp_path, capsys):
    out = tmp_path / "bench"
    argv = ["bench", "solve-time", "--quick", "--nets", "b24-best-3x8", "--random-sizes", "2", "--pooling", "haverly1",
            "--baselines", "pwl-5x5", "nmdt-8", "--instances", "2", "--time-limit", "5", "--workers", "1", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("median speed-up vs OMLT default: ") and lines[-1].endswith("x")
    assert any(line.startswith("growth: HiGHS seconds") for line in lines)
    solves = pd.read_csv(out / "solves.csv")
    assert set(solves["encoding"]) == {"omlt-bigm", "omlt-partition", "pruned", "pruned-cold", "baseline"}
    assert any(line.startswith("median speed-up without the warm start (pruned-cold") for line in lines)
    warm, cold = (solves[solves["encoding"] == e] for e in ("pruned", "pruned-cold"))
    assert warm["start_found"].any() and not cold["start_found"].any() and (cold["start_s"] == 0).all()
    assert (warm["wall_time"] >= warm["start_s"]).all()  # the search counts in the solve time
    assert set(solves["instance"]) == {"random2-s0", "haverly1"}
    bounds = pd.read_csv(out / "bounds.csv")
    width = bounds.set_index("method")["bigm_width"]
    assert width["milp"] <= width["lp"] <= width["interval"]
    pruned = solves[solves["encoding"] == "pruned"]["binaries"]
    assert (pruned <= solves[solves["encoding"] == "omlt-bigm"]["binaries"].to_numpy()).all()
    baselines = pd.read_csv(out / "baselines.csv").set_index("approx")
    assert baselines.loc["pwl-5x5", "max_error"] == pytest.approx(0.0625)
    assert baselines.loc["b24-best-3x8", "kind"] == "relu-net"
    config = json.loads((out / "config.json").read_text())
    assert config["command"].startswith("surrogate bench solve-time --quick") and config["time_limit"] == 5.0
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
