import json

import pandas as pd
import pytest

from surrogate import load_manifest, load_onnx, score
from surrogate.cli import main
from surrogate.milp.bounds import net_bounds

pytestmark = [pytest.mark.training, pytest.mark.solver]

TABLE_COLUMNS = [
    "arch",
    "source",
    "depth",
    "params",
    "mae_best",
    "mae_median",
    "mse_best",
    "mse_median",
    "max_err_best",
    "max_err_median",
    "collapsed",
    "best_seed",
    "binaries",
    "solve_median_s",
    "solve_max_s",
    "time_limit_hits",
    "opt_err_median",
    "opt_err_max",
    "blog_mae",
]


def test_quick_sweep_writes_tables_nets_and_zoo(tmp_path, capsys):
    out, zoo = tmp_path / "run", tmp_path / "zoo"
    argv = "sweep --quick --arch 1x8 --arch 2x4 --seeds 2 --instances 3 --quiet --workers 1".split()
    argv += ["--out", str(out), "--save-models", str(zoo)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "1x8" in printed and "2x4" in printed and "blog_mae" in printed

    table = pd.read_csv(out / "table.csv")
    assert list(table.columns) == TABLE_COLUMNS
    # 1x8 has a hand-built yardstick (4 cells per square, max error 1/16); 2x4's would be no better than 0.
    assert list(zip(table["arch"], table["source"])) == [("1x8", "trained"), ("1x8", "hand-paired"), ("2x4", "trained")]
    nets = pd.read_csv(out / "nets.csv")
    for _, row in table.iterrows():  # the default pruned encoding: one binary per unstable neuron of the selected net
        best = nets[(nets["arch"] == row["arch"]) & (nets["source"] == row["source"])].sort_values("val_mae").iloc[0]
        assert row["binaries"] == net_bounds(load_onnx(out / "nets" / best["file"]), "milp").unstable <= 8
    assert table.loc[1, "max_err_best"] == pytest.approx(1 / 16, rel=1e-3)
    assert json.loads((out / "table.json").read_text())["rows"][0]["arch"] == "1x8"
    nets = pd.read_csv(out / "nets.csv")
    trained = nets[nets["source"] == "trained"]
    assert len(trained) == 4 and sorted(trained["seed"].unique()) == [0, 1]
    for arch, group in trained.groupby("arch"):  # the selected seed is the one with the lowest validation MAE
        assert (
            table[(table["arch"] == arch) & (table["source"] == "trained")]["best_seed"].item()
            == group.loc[group["val_mae"].idxmin(), "seed"]
        )
    solves = pd.read_csv(out / "solves.csv")
    assert len(solves) == 3 * 3  # selected net per shape and source x 3 instances
    assert set(solves["termination"]) == {"convergenceCriteriaSatisfied"}
    assert sorted(p.name for p in (out / "nets").iterdir()) == sorted(nets["file"])

    manifest = load_manifest(zoo)
    assert [(m["architecture"], m["kind"]) for m in manifest["models"]] == [
        ("1x8", "hand-built"),
        ("1x8", "trained"),
        ("2x4", "trained"),
    ]
    for entry in manifest["models"]:
        net = load_onnx(zoo / entry["file"])
        assert score(net).mae == pytest.approx(entry["mae"], rel=1e-6)
        meta = json.loads(net.metadata["metrics"])
        assert meta["mae"] == pytest.approx(entry["mae"])
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))


def test_plain_sweep_never_touches_a_zoo(tmp_path, capsys):
    zoo = tmp_path / "models"
    zoo.mkdir()
    (zoo / "manifest.json").write_text('{"version": 1, "models": []}\n')
    before = {p.name: p.read_bytes() for p in zoo.iterdir()}
    argv = "sweep --quick --arch 1x4 --instances 2 --quiet --json --workers 1".split()
    assert main([*argv, "--out", str(tmp_path / "r")]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["arch"] == "1x4"
    assert {p.name: p.read_bytes() for p in zoo.iterdir()} == before


def test_quiet_turns_off_progress_and_twice_the_table_and_units_line_reads_its_counts(tmp_path, monkeypatch, capsys):
    """Mutation round 7 (cli/sweep.py): -q must turn the progress bars off (it took two), -qq print nothing, and the
    units line give the computed and reused counts each in its place; read without running a sweep."""
    from types import SimpleNamespace

    from surrogate.experiments import sweep as sweep_module
    from surrogate.experiments.units import UnitCounts

    shown = []

    def fake_run_sweep(config, out, *, progress: bool, executor, fresh):
        shown.append(progress)
        return SimpleNamespace(render=lambda: "THE TABLE", units=UnitCounts(3, 1, 0), table=pd.DataFrame())

    monkeypatch.setattr(sweep_module, "run_sweep", fake_run_sweep)
    argv = ["sweep", "--arch", "1x2", "--workers", "1", "--out", str(tmp_path / "r")]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "THE TABLE" in printed and f"units: 3 computed, reused 1 units from {tmp_path / 'r' / 'cache'}" in printed
    assert main([*argv, "-q"]) == 0 and "THE TABLE" in capsys.readouterr().out
    assert main([*argv, "-qq"]) == 0 and capsys.readouterr().out == ""
    assert shown == [True, False, False]
