"""A sweep killed mid-run resumes where it stopped; damaged cache entries are recomputed."""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from surrogate.executors import ExecutorConfig
from surrogate.experiments.sweep import SweepConfig, run_sweep

pytestmark = [pytest.mark.training, pytest.mark.solver]

ARGS = ["--quick", "--arch", "1x8", "--arch", "2x4", "--seeds", "2", "--instances", "3", "--workers", "1"]
CONFIG = SweepConfig.quick(architectures=("1x8", "2x4"), seeds=(0, 1), instances=3)
#: Measured afresh by every solve, so never equal between two runs.
TIMES = {"table.csv": ["solve_median_s", "solve_max_s"], "solves.csv": ["wall_time", "first_solution_time"]}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of the same sweep, in this process."""
    out = tmp_path_factory.mktemp("reference")
    result = run_sweep(CONFIG, out, progress=False, executor=ExecutorConfig(workers=1))
    assert result.units.computed == 5 and result.units.reused == 0  # 1 pack, 1 yardstick, 3 solved nets
    return out


def assert_same_results(got, want):
    """Equal tables (solve times apart) and byte-equal nets; nothing half-written anywhere."""
    assert not [p for p in got.rglob("*") if p.name.endswith(".tmp")]
    for name in ("table.csv", "nets.csv", "solves.csv"):
        a, b = (pd.read_csv(d / name).drop(columns=TIMES.get(name, [])) for d in (got, want))
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    for name in ("table.json", "config.json"):
        json.loads((got / name).read_text())
    for entry in (got / "cache").iterdir():
        assert json.loads(entry.read_text())["result"]
    nets = sorted(p.name for p in (want / "nets").iterdir())
    assert sorted(p.name for p in (got / "nets").iterdir()) == nets
    for name in nets:
        assert (got / "nets" / name).read_bytes() == (want / "nets" / name).read_bytes()


def _finished_units(out) -> int:
    return len(list((out / "cache").glob("*.json"))) if (out / "cache").is_dir() else 0


def _sweep(out, *extra):
    return [sys.executable, "-m", "surrogate.cli", "sweep", *ARGS, "--out", str(out), *extra]


@pytest.mark.slow  # CI runs tests/experiments/test_faults.py's SIGKILL test, which also checks that no process remains
def test_a_killed_sweep_resumes_and_matches_an_uninterrupted_one(tmp_path, reference):
    out = tmp_path / "run"
    proc = subprocess.Popen(_sweep(out, "-qq"), start_new_session=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _finished_units(out):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no unit finished within 60 s"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and any worker it started, mid-run
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    finished = _finished_units(out)
    assert 1 <= finished < 5
    assert not (out / "table.csv").exists()
    # What a kill during an atomic write leaves behind: temporary files beside their targets.
    (out / ".table.csv.k1ll3d.tmp").write_text("arch,sou")
    (out / "cache" / ".solve-0123.json.k1ll3d.tmp").write_text('{"format": 1, "ki')

    resumed = subprocess.run(_sweep(out, "--json"), capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)  # stdout holds one JSON document and nothing else
    assert report["units"] == {"computed": 5 - finished, "reused": finished, "damaged": 0}
    assert f"reused from {out / 'cache'}" in resumed.stderr
    assert [(r["arch"], r["source"]) for r in report["rows"]] == [("1x8", "trained"), ("1x8", "hand-paired"), ("2x4", "trained")]
    assert_same_results(out, reference)


def test_damaged_cache_entries_and_nets_are_recomputed_with_a_warning(tmp_path, reference, caplog):
    out = tmp_path / "run"
    shutil.copytree(reference, out)
    entries = {p.name.split("-")[0]: p for p in (out / "cache").iterdir()}
    entries["train"].write_text(entries["train"].read_text()[:100])  # truncated
    (out / "nets" / "1x8-hand-built-paired.onnx").write_bytes(b"\x08\x07garbage")  # a net that cannot load
    with caplog.at_level(logging.WARNING, logger="surrogate"):
        result = run_sweep(CONFIG, out, progress=False, executor=ExecutorConfig(workers=1))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(entries["train"].name in w and "not valid JSON" in w for w in warnings)
    assert any("nets/1x8-hand-built-paired.onnx is missing or changed" in w for w in warnings)
    # The pack and the yardstick are recomputed; their nets come out byte-equal, so every solve is reused.
    assert (result.units.computed, result.units.reused, result.units.damaged) == (2, 3, 2)
    assert_same_results(out, reference)
