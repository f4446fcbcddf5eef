"""``surrogate bench solve-time`` end to end on a tiny run (timings are not asserted)."""

import contextlib
import json

import pandas as pd
import pytest

from surrogate.cli import main

pytestmark = pytest.mark.solver


def test_tiny_solve_time_bench_prints_tables_and_the_ratio_last(tmp_path, capsys):
    out = tmp_path / "my bench"  # a space: the recorded command quotes it
    argv = [
        "bench",
        "solve-time",
        "--quick",
        "--nets",
        "b12-best-3x4",  # every encoding solves in about a second (b24-best-3x8: up to the 5 s limit, its MILP-OBBT 5 s)
        "--random-sizes",
        "2",
        "--pooling",
        "haverly1",
        "--baselines",
        "pwl-5x5",
        "nmdt-8",
        "--instances",
        "2",
        "--time-limit",
        "5",
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(out),
    ]
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
    assert baselines.loc["b12-best-3x4", "kind"] == "relu-net"
    config = json.loads((out / "config.json").read_text())
    assert config["command"].startswith("surrogate bench solve-time --quick") and config["time_limit"] == 5.0
    assert config["command"].endswith(f"--out '{out}'")
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("options", "kind", "workers", "scheduler"),
    [
        ([], "local", 2, None),
        (["--workers", "3"], "local", 3, None),
        (["--dask", "--workers", "2"], "dask", 2, None),
        (["--scheduler", "tcp://10.0.0.5:8786"], "dask", None, "tcp://10.0.0.5:8786"),
    ],
)
def test_solve_time_runs_on_the_executor_of_its_options(monkeypatch, capsys, options, kind, workers, scheduler):
    """Like ``sweep``: ``--workers`` local processes (default WORKERS), or Dask with ``--dask``/``--scheduler``."""
    import surrogate.experiments.solve_bench as solve_bench

    seen = {}

    class Result:
        def render(self):
            return "tables"

        def headline(self):
            return "median speed-up vs OMLT default: 1.0x"

    def fake_run(config, *, executor=None, progress=True):
        seen.update(config=config, executor=executor, progress=progress)
        return Result()

    monkeypatch.setattr(solve_bench, "run_solve_bench", fake_run)
    assert main(["bench", "solve-time", "--quick", "--quiet", *options]) == 0
    executor = seen["executor"]
    assert (executor.kind, executor.workers, executor.scheduler) == (kind, workers, scheduler)
    assert seen["config"] == solve_bench.SolveBenchConfig.quick() and seen["progress"] is False
    assert capsys.readouterr().out.splitlines() == ["tables", "median speed-up vs OMLT default: 1.0x"]


def test_solve_time_takes_solver_options_and_checks_them_before_any_solve(capsys):
    from surrogate.cli import build_parser
    from surrogate.cli.bench import solve_bench_config

    args = build_parser(["bench"]).parse_args(["bench", "solve-time", "--quick", "--solver-option", "presolve=off"])
    config = solve_bench_config(args)
    assert config.solver.options == (("presolve", "off"),) and config.solver.time_limit == 5.0
    assert main(["bench", "solve-time", "--quick", "--quiet", "--solver-option", "no_such_option=1"]) == 2
    assert "HiGHS has no option 'no_such_option'" in capsys.readouterr().err


def test_solve_time_takes_the_start_options():
    from surrogate.cli import build_parser
    from surrogate.cli.bench import solve_bench_config

    def parsed(*extra):
        return solve_bench_config(build_parser(["bench"]).parse_args(["bench", "solve-time", "--quick", *extra]))

    config = parsed("--start-clock", "cpu", "--start-patience", "3")
    assert (config.start_clock, config.start_patience) == ("cpu", 3.0)
    assert config.to_dict()["start_clock"] == "cpu" and config.to_dict()["start_patience"] == 3.0
    default = parsed()
    assert (default.start_clock, default.start_patience) == ("wall", 0.0)
    assert "start_clock" not in default.to_dict() and "start_patience" not in default.to_dict()  # as before they existed


@pytest.mark.parametrize("other", ["table.csv", "cache", "results.csv"])
def test_a_folder_of_another_commands_run_is_refused_before_any_work(tmp_path, capsys, other):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / other).write_text("")
    assert main(["bench", "solve-time", "--quick", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--out {out} holds another command's results ({other}); surrogate bench solve-time would mix its" in err
    assert sorted(p.name for p in out.iterdir()) == [other]


@pytest.mark.parametrize("held", [True, False])
def test_a_folder_in_use_or_with_a_foreign_config_is_refused_before_any_work(tmp_path, capsys, monkeypatch, held):
    import surrogate.experiments.solve_bench as solve_bench
    from surrogate.experiments.cache import folder_lock

    def never(*args, **kwargs):
        raise AssertionError("the benchmark ran")

    monkeypatch.setattr(solve_bench, "run_solve_bench", never)
    out = tmp_path / "st"
    out.mkdir()
    if not held:
        (out / "config.json").write_text('{"model": "a user\'s own settings"}')
    with folder_lock(out) if held else contextlib.nullcontext():
        assert main(["bench", "solve-time", "--quick", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    if held:  # a second run while the first holds the folder
        assert f"results folder {out} is in use by another running command; wait for it, or use another --out" in err
    else:
        assert "its config.json is not a surrogate results record; use another --out" in err
        assert (out / "config.json").read_text() == '{"model": "a user\'s own settings"}'
