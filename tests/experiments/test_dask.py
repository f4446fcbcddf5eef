"""Sweeps on Dask give the same nets and tables as sweeps on local processes."""

import json
import logging

import pandas as pd
import pytest

from surrogate.cli import main
from surrogate.executors import DaskRunner, ExecutorConfig
from surrogate.experiments.sweep import SweepConfig, run_sweep

distributed = pytest.importorskip("distributed", reason="install the 'dask' extra: pip install -e '.[dask]'")

pytestmark = [pytest.mark.training, pytest.mark.solver]

ARGS = ["--quick", "--arch", "1x8", "--arch", "2x4", "--seeds", "2", "--instances", "2"]
CONFIG = SweepConfig.quick(architectures=("1x8", "2x4"), seeds=(0, 1), instances=2)
TIMES = ["solve_median_s", "solve_max_s"]


def _same_nets_and_table(got, want):
    for name in sorted(p.name for p in (want / "nets").iterdir()):
        assert (got / "nets" / name).read_bytes() == (want / "nets" / name).read_bytes(), name
    pd.testing.assert_frame_equal(pd.read_csv(got / "nets.csv"), pd.read_csv(want / "nets.csv"), check_exact=True)
    table = [pd.read_csv(d / "table.csv").drop(columns=TIMES) for d in (got, want)]
    pd.testing.assert_frame_equal(*table, check_exact=True)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    run_sweep(CONFIG, out, progress=False, executor=ExecutorConfig(workers=1))
    return out


def test_sweep_on_a_running_scheduler_matches_local_processes(tmp_path, local_run, capsys):
    # One worker thread in this process: cheap to start; the --dask test below covers worker processes.
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:
        out = tmp_path / "dask"
        assert main(["sweep", *ARGS, "--scheduler", cluster.scheduler_address, "--out", str(out), "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["units"] == {"computed": 5, "reused": 0, "damaged": 0}  # 1 pack, 1 yardstick, 3 solved nets
        assert {"train_unit", "yardstick_unit", "solve_unit"} <= set(cluster.scheduler.task_prefixes)  # ran there
    _same_nets_and_table(out, local_run)


@pytest.mark.slow  # starts a LocalCluster (15 s); CI runs the Dask path through test_sweep_on_a_running_scheduler_...
def test_dask_flag_starts_and_stops_a_local_cluster(tmp_path, local_run, monkeypatch, capsys):
    seen = {"submitted": 0, "workers": None, "status": None}
    submit, close = DaskRunner.submit, DaskRunner.close

    def spy_submit(self, fn, *args):
        seen["submitted"] += 1
        seen["workers"] = len(self.client.scheduler_info()["workers"])
        return submit(self, fn, *args)

    def spy_close(self, *, cancel=False):
        close(self, cancel=cancel)
        seen["status"] = self.cluster.status.name

    monkeypatch.setattr(DaskRunner, "submit", spy_submit)
    monkeypatch.setattr(DaskRunner, "close", spy_close)
    out = tmp_path / "dask"
    assert main(["sweep", *ARGS, "--dask", "--workers", "2", "--out", str(out), "-q"]) == 0
    assert "ran on Dask LocalCluster of 2 processes" in capsys.readouterr().out
    assert seen == {"submitted": 5, "workers": 2, "status": "closed"}
    _same_nets_and_table(out, local_run)
