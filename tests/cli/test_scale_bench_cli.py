"""``surrogate bench scale``: its options, and a quick run shrunk to one tiny instance (timings are not asserted)."""

import json

import pandas as pd
import pytest

from surrogate.cli import build_parser, main
from surrogate.cli.bench import scale_bench_config
from surrogate.errors import ConfigError
from surrogate.executor_args import executor_config
from surrogate.experiments.scale_bench_config import WORKERS, ScaleBenchConfig
from surrogate.nets.zoo import DEFAULT_ZOO


def _parse(argv):
    return build_parser(["bench"]).parse_args(["bench", "scale", *argv])


def test_no_option_is_the_default_benchmark_on_two_workers():
    args = _parse([])
    assert scale_bench_config(args) == ScaleBenchConfig()
    assert executor_config(args, workers=WORKERS).workers == 2 and str(args.out) == "results/scale"


def test_options_reach_the_config(tmp_path):
    argv = ["--net", "b24-best-3x8", "--net", "b24-hand-shared-3x8", "--zoo", str(tmp_path), "--encoding", "pruned"]
    argv += ["--encoding", "omlt-bigm", "--solver", "highs", "--time-limit", "7", "--quick", "--fresh"]
    config = scale_bench_config(_parse(argv))
    assert config.nets == ("b24-best-3x8", "b24-hand-shared-3x8") and config.zoos == (
        str(DEFAULT_ZOO.resolve()),
        str(tmp_path.resolve()),
    )
    assert config.encodings == ("pruned", "omlt-bigm") and config.quick and config.baselines == ()
    assert scale_bench_config(_parse(["--baselines", "sawtooth-10", "sawtooth-12"])).baselines == ("sawtooth-10", "sawtooth-12")
    assert scale_bench_config(_parse(["--instance", "adhya1", "--instance", "random8-s0"])).instances == ("adhya1", "random8-s0")
    with pytest.raises(ConfigError, match="unknown instance 'adhya9'"):
        scale_bench_config(_parse(["--instance", "adhya9"]))
    assert (config.solver.solver, config.solver.time_limit, config.solver.threads) == ("highs", 7.0, 1)


def test_budget_and_max_mae_select_the_nets_of_a_full_run():
    config = scale_bench_config(_parse(["--budget", "12", "--max-mae", "1"]))
    assert (config.budget, config.max_mae, config.nets) == (12, 1.0, ())
    assert scale_bench_config(_parse(["--budget", "48"])).max_mae == ScaleBenchConfig().max_mae


@pytest.mark.parametrize("argv", [["--net", "b24-best-3x8", "--budget", "12"], ["--quick", "--max-mae", "1"]])
def test_budget_or_max_mae_with_named_nets_is_refused(argv):
    with pytest.raises(ConfigError, match=r"--budget and --max-mae select the nets of a full run without --net; drop them"):
        scale_bench_config(_parse(argv))


def test_naming_the_shipped_zoo_again_does_not_run_its_nets_twice(tmp_path):
    config = scale_bench_config(_parse(["--zoo", str(DEFAULT_ZOO), "--zoo", str(tmp_path), "--zoo", str(tmp_path / ".")]))
    assert config.zoos == (str(DEFAULT_ZOO.resolve()), str(tmp_path.resolve()))


def test_a_bad_option_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        _parse(["--encoding", "fast"])
    assert "invalid choice: 'fast'" in capsys.readouterr().err


@pytest.mark.solver
def test_quick_run_prints_the_table_and_writes_the_folder(tmp_path, monkeypatch, capsys):
    import surrogate.experiments.scale_bench_config as defaults

    monkeypatch.setattr(defaults, "QUICK_SUITE", ("haverly1",))
    out = tmp_path / "scale"
    argv = ["bench", "scale", "--quick", "--net", "b12-best-3x4", "--time-limit", "5", "--workers", "1", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("1 instances, highs (1 thread), time limit 5 s") and "b12-best-3x4" in lines[2]
    assert lines[-1].startswith("1 solves in ") and lines[-1].endswith(f"in {out}/")
    assert pd.read_csv(out / "table.csv")["instances"].tolist() == [1]
    record = json.loads((out / "config.json").read_text())
    assert record["command"].startswith("surrogate bench scale --quick") and record["config"]["quick"] is True
    again = tmp_path / "again"
    assert main([*argv, "--out", str(again), "--reuse", str(out)]) == 0  # the one solve is taken, not run again
    assert (
        capsys.readouterr()
        .out.strip()
        .splitlines()[-1]
        .endswith(f"(1 reused from the cache); solves.csv, table.csv, config.json in {again}/")
    )
    assert json.loads((again / "config.json").read_text())["reused_from"] == [str(out.resolve())]


def test_solver_options_reach_the_config_and_peers_refuse_them():
    config = scale_bench_config(_parse(["--solver-option", "presolve=off", "--solver-option", "mip_heuristic_effort=0.3"]))
    assert config.solver.options == (("mip_heuristic_effort", 0.3), ("presolve", "off"))
    with pytest.raises(ConfigError, match=r"option 'limits/time' of scip is managed by surrogate: set SolverConfig.time_limit"):
        scale_bench_config(_parse(["--solver", "scip", "--solver-option", "limits/time=5"]))
    with pytest.raises(ConfigError, match=r"the peer routes \['gurobi-ml'\] run their own solvers at their defaults"):
        scale_bench_config(_parse(["--encoding", "pruned", "--encoding", "gurobi-ml", "--solver-option", "presolve=off"]))


@pytest.mark.solver
def test_an_option_the_solver_does_not_know_stops_the_run_before_any_solve(tmp_path, capsys):
    out = tmp_path / "scale"
    assert main(["bench", "scale", "--quick", "--solver-option", "no_such_option=1", "--out", str(out), "--quiet"]) == 2
    assert "HiGHS has no option 'no_such_option'" in capsys.readouterr().err and not out.exists()


@pytest.mark.solver
def test_a_run_with_an_option_says_so_and_records_it(tmp_path, monkeypatch, capsys):
    import surrogate.experiments.scale_bench_config as defaults

    monkeypatch.setattr(defaults, "QUICK_SUITE", ("haverly1",))
    out = tmp_path / "scale"
    argv = ["bench", "scale", "--quick", "--net", "b12-best-3x4", "--time-limit", "5", "--workers", "1", "--quiet"]
    assert main([*argv, "--solver-option", "mip_heuristic_effort=0.3", "--out", str(out)]) == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[0]
        .startswith("1 instances, highs (1 thread), time limit 5 s, gap 0.0001, mip_heuristic_effort=0.3;")
    )
    assert json.loads((out / "config.json").read_text())["config"]["solver"]["options"] == [["mip_heuristic_effort", 0.3]]
    assert pd.read_csv(out / "solves.csv")["status"].tolist() == ["solved"]


def test_start_patience_reaches_the_config():
    assert scale_bench_config(_parse(["--start-patience", "25"])).start_patience == 25.0
    assert scale_bench_config(_parse([])).start_patience == 0.0
    with pytest.raises(SystemExit):  # refused under the option's name (argument --start-patience: -2 must be 0 or more)
        _parse(["--start-patience", "-2"])


def test_start_clock_reaches_the_config(capsys):
    assert scale_bench_config(_parse(["--start-clock", "cpu"])).start_clock == "cpu"
    assert scale_bench_config(_parse([])).start_clock == "wall"
    with pytest.raises(SystemExit):
        _parse(["--start-clock", "process"])
    assert "invalid choice: 'process' (choose from 'wall', 'cpu')" in capsys.readouterr().err
