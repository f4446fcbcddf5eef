"""The solve-time benchmark's tables from synthetic solve rows (no solver)."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from surrogate import ConfigError, SolverConfig
from surrogate.experiments.solve_bench import SolveBenchConfig, SolveJob, growth_table, plan_jobs, run_job, speedup_table
from surrogate.milp.bilinear import resolve_surrogate
from surrogate.milp.search_clock import CLOCKS


def _row(instance, approx, encoding, t, hit=False, products=8, family="random"):
    return {
        "family": family,
        "instance": instance,
        "products": products,
        "approx": approx,
        "encoding": encoding,
        "wall_time": t,
        "time_limit_hit": hit,
        "gap": 0.0,
        "binaries": 1,
        "nodes": 1,
    }


SOLVES = pd.DataFrame(
    [
        _row("p1", "b24-best-3x8", "omlt-bigm", 10.0, hit=True),
        _row("p1", "b24-best-3x8", "pruned", 1.0),
        _row("p1", "b24-best-3x8", "pruned-cold", 4.0),
        _row("p2", "b24-best-3x8", "omlt-bigm", 10.0, hit=True),
        _row("p2", "b24-best-3x8", "pruned", 10.0, hit=True),
        _row("p1", "b24-best-1x24", "omlt-bigm", 4.0),
        _row("p1", "b24-best-1x24", "pruned", 1.0),
        _row("p1", "sawtooth-24", "baseline", 0.5),
    ]
)


def test_speedup_charges_tightening_in_full_and_amortised_and_skips_shallow_nets():
    table = speedup_table(SOLVES, {"b24-best-3x8": 2.0, "b24-best-1x24": 0.1}, {"b24-best-3x8": 3, "b24-best-1x24": 1})
    assert list(table["instance"]) == ["p1", "p2"] and set(table["approx"]) == {"b24-best-3x8"}
    p1, p2 = table.iloc[0], table.iloc[1]
    assert p1["speedup"] == pytest.approx(10.0 / (1.0 + 2.0))  # whole tightening time on this problem
    assert p1["speedup_amortised"] == pytest.approx(10.0 / (1.0 + 2.0 / 2))  # shared by the net's 2 problems
    assert p1["anchor_hit"] and not p1["pruned_hit"]  # a lower bound on the true ratio
    assert p2["speedup"] == p2["speedup_amortised"] == 1.0  # both hit: no speed-up measurable
    assert p1["cold_speedup_amortised"] == pytest.approx(10.0 / (4.0 + 2.0 / 2))  # the ablation without warm start
    assert pd.isna(p2["cold_speedup_amortised"])  # not run there


def test_growth_table_marks_time_limit_hits():
    growth = growth_table(SOLVES)
    assert growth.loc[8, "3x8/omlt-bigm"] == "10.00*" and growth.loc[8, "3x8/pruned"] == "1.00"
    assert growth.loc[8, "sawtooth-24/baseline"] == "0.50"


def test_a_baselines_mae_is_the_mean_of_its_absolute_errors():
    """probe109 E3: the mean of the signed errors (-6e-20 for the sawtooth, whose errors cancel) was reported as its
    mae, and the table showed a baseline as exact."""
    from surrogate.experiments.solve_bench_tables import _approx_errors
    from surrogate.milp.baselines import Sawtooth
    from surrogate.nets.metrics import grid

    sawtooth = Sawtooth(binaries=8)
    x, y = grid(401).T
    errors = _approx_errors(sawtooth)
    assert errors["mae"] == pytest.approx(float(np.mean(np.abs(sawtooth.evaluate(x, y) - x * y))), rel=1e-12)
    assert 1e-4 < errors["mae"] < errors["max_error"] == sawtooth.max_error


def _anchor_and_candidate_solves():
    """omlt-bigm 50, 60*, 60* s and pruned 1, 2, 300* s of one net: the medians (60 vs 2) and means (56.7 vs 101) differ in order."""
    times = {"omlt-bigm": ((50.0, False), (60.0, True), (60.0, True)), "pruned": ((1.0, False), (2.0, False), (300.0, True))}
    rows = [
        _row(f"p{k}", "b12-best-1x12", encoding, t, hit=hit, products=2)
        for encoding, runs in times.items()
        for k, (t, hit) in enumerate(runs, start=1)
    ]
    return pd.DataFrame(rows)


def test_encoding_summary_gives_the_median_time_of_each_encoding():
    """probe113 SB6: the mean (56.67 and 101 s) reported as time_median_s reversed the encodings' order."""
    from surrogate.experiments.solve_bench_tables import encoding_summary

    summary = encoding_summary(_anchor_and_candidate_solves()).set_index("encoding")
    assert summary.loc["omlt-bigm", "time_median_s"] == 60.0 and summary.loc["pruned", "time_median_s"] == 2.0


def test_baseline_table_takes_a_nets_problem_times_from_its_candidate_route_and_bits_from_its_max_error():
    """probe113 SB7 (the net's problem times from the anchor's solves) and SB4 (bits_per_binary from the MAE)."""
    from surrogate.experiments.solve_bench_tables import baseline_table

    config = SolveBenchConfig(instances=0, baselines=("sawtooth-8",))
    net = resolve_surrogate("b12-best-1x12")
    table = baseline_table(config, {"b12-best-1x12": net}, _anchor_and_candidate_solves()).set_index("approx")
    row = table.loc["b12-best-1x12"]
    assert row["problems_time_median_s"] == 2.0 and row["problems_time_limit_hits"] == 1  # pruned: 1, 2, 300* s
    assert row["bits_per_binary"] == pytest.approx(-np.log2(row["max_error"]) / row["binaries_per_product"], rel=1e-12)
    assert table.loc["sawtooth-8", "max_error"] == 2.0**-8 and table.loc["sawtooth-8", "bits_per_binary"] == 1.0


def test_plan_runs_partition_and_baselines_only_on_small_problems():
    config = SolveBenchConfig(
        random_sizes=(4, 64),
        pooling=("haverly1",),
        baselines=("pwl-9x9",),
        instances=0,
        baseline_max_products=8,
        partition_max_products=8,
    )
    jobs = plan_jobs(config, {"n": object()})
    keys = {(j.problem, j.encoding) for j in jobs}
    assert ("random64-s0", "omlt-partition") not in keys and ("random4-s0", "omlt-partition") in keys
    assert ("random64-s0", "baseline") not in keys and ("haverly1", "baseline") in keys
    assert jobs[0].problem == "random64-s0"  # largest first


def test_bad_config_names_the_field():
    with pytest.raises(ConfigError, match="pooling=\\('haverly9',\\) has unknown \\['haverly9'\\]"):
        SolveBenchConfig(pooling=("haverly9",))
    with pytest.raises(ConfigError, match="encodings=\\('omlt-relu',\\) has unknown \\['omlt-relu'\\]"):
        SolveBenchConfig(encodings=("omlt-relu",))
    with pytest.raises(ConfigError, match="unknown baseline 'spline'"):
        SolveBenchConfig(baselines=("spline",))
    with pytest.raises(ConfigError, match="random_sizes=\\(0,\\) must be positive"):
        SolveBenchConfig(random_sizes=(0,))
    with pytest.raises(ConfigError, match="partition_max_products=0 must be a positive integer"):
        SolveBenchConfig(partition_max_products=0)
    with pytest.raises(ConfigError, match=r"instances=-1 must be an integer in \[0, "):
        SolveBenchConfig(instances=-1)
    with pytest.raises(ConfigError, match="obbt_time_limit=0 must be a positive number of seconds"):
        SolveBenchConfig(obbt_time_limit=0)
    with pytest.raises(ConfigError, match="solver must be a SolverConfig"):
        SolveBenchConfig(solver={"time_limit": 5})
    assert SolveBenchConfig.quick(solver=SolverConfig(time_limit=2.0)).solver.time_limit == 2.0
    with pytest.raises(ConfigError, match=r"^SolveBenchConfig: start_clock='process' is not one of 'wall', 'cpu'$"):
        SolveBenchConfig(start_clock="process")
    with pytest.raises(ConfigError, match=r"^SolveBenchConfig: start_patience=-1 must be a number of seconds >= 0"):
        SolveBenchConfig(start_patience=-1)


def test_reference_settings_and_quick_run_have_one_home():
    import inspect
    import re

    import surrogate.experiments.solve_bench as bench
    from surrogate.experiments.sweep import SweepConfig
    from surrogate.options import default_of

    assert bench.REFERENCE_SEED == default_of(SweepConfig, "instance_seed") == 2021
    assert (bench.REFERENCE_SOLVER.time_limit, bench.REFERENCE_SOLVER.rel_gap) == (60.0, 1e-6)
    assert not re.search(r"\b2021\b|\b60\.0\b", inspect.getsource(bench.baseline_table))  # no literal of its own
    quick = SolveBenchConfig.quick()
    assert quick.nets == bench.QUICK_SETTINGS["nets"] and quick.solver == bench.QUICK_SETTINGS["solver"]
    with pytest.raises(TypeError, match="does not support item assignment"):
        bench.QUICK_SETTINGS["instances"] = 1  # read-only: quick() always gets the same settings


def test_where_the_solves_run_is_not_part_of_the_benchmark():
    import inspect

    import surrogate.experiments.solve_bench as bench

    assert "workers" not in SolveBenchConfig().to_dict()  # config.json records what was computed only
    with pytest.raises(TypeError, match="workers"):
        SolveBenchConfig(workers=2)
    params = inspect.signature(bench.run_solve_bench).parameters
    assert params["executor"].default is None and params["executor"].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.slow
def test_a_tiny_run_on_one_process_records_no_workers(tmp_path):
    import json

    from surrogate.executors import ExecutorConfig
    from surrogate.experiments.solve_bench import run_solve_bench

    config = SolveBenchConfig(
        nets=("b24-best-3x8",),
        random_sizes=(1,),
        pooling=("haverly1",),
        encodings=("omlt-bigm", "pruned"),
        baselines=("sawtooth-8",),
        instances=2,
        solver=SolverConfig(time_limit=5.0, rel_gap=1e-4, threads=1),
    )
    result = run_solve_bench(config, executor=ExecutorConfig(workers=1), progress=False)
    assert len(result.solves) == 6 and set(result.baselines["approx"]) == {"b24-best-3x8", "sawtooth-8"}
    result.write(tmp_path)
    assert "workers" not in json.loads((tmp_path / "config.json").read_text())["config"]
    assert (tmp_path / "speedups.csv").stat().st_size > 1
    # nets of depth < 3 only: no speed-up is measured, so no 1-byte speedups.csv that the report calls damaged
    from dataclasses import replace

    import pandas as pd

    shallow = replace(result, speedups=pd.DataFrame())
    shallow.write(tmp_path)
    assert not (tmp_path / "speedups.csv").exists()
    assert shallow.headline().startswith("no net of depth >= 3, so no speed-up over OMLT is measured")


@pytest.mark.solver
def test_a_warm_started_job_on_the_cpu_clock_solves_as_on_the_wall_clock():
    job = SolveJob("random", "random4-s0", "b24-best-3x8", "pruned", resolve_surrogate("b24-best-3x8"))
    config = SolverConfig(time_limit=10.0, rel_gap=1e-4, threads=1)
    rows = [run_job(job, config, 0.0, clock) for clock in CLOCKS]
    assert [r["start_found"] for r in rows] == [True, True]
    assert rows[0]["objective"] == pytest.approx(rows[1]["objective"], rel=1e-6)


def _small_result():
    import surrogate.experiments.solve_bench as solve_bench

    config = SolveBenchConfig(nets=("b24-best-3x8",), random_sizes=(8,), pooling=(), baselines=("sawtooth-24",))
    speedups = speedup_table(SOLVES, {"b24-best-3x8": 0.5, "b24-best-1x24": 0.1}, {"b24-best-3x8": 3, "b24-best-1x24": 1})
    bounds = pd.DataFrame({"net": ["b24-best-3x8"], "method": ["milp"], "seconds": [0.5]})
    return solve_bench.SolveBenchResult(config, bounds, SOLVES, speedups, pd.DataFrame({"approx": ["x"]}), 1.0)


def test_write_marks_the_folder_unfinished_until_its_last_table_is_written(tmp_path, monkeypatch):
    import json

    import surrogate.experiments.solve_bench as solve_bench

    result = _small_result()
    result.write(tmp_path, command="surrogate bench solve-time --out first")
    assert json.loads((tmp_path / "config.json").read_text())["complete"] is True
    written = solve_bench.write_text

    def stop_after_solves(path, text):
        written(path, text)
        if path.name == "solves.csv":
            raise KeyboardInterrupt

    monkeypatch.setattr(solve_bench, "write_text", stop_after_solves)
    with pytest.raises(KeyboardInterrupt):
        result.write(tmp_path, command="surrogate bench solve-time --out second")
    record = json.loads((tmp_path / "config.json").read_text())  # the first run's record no longer vouches for the tables
    assert record["complete"] is False and record["command"] == "surrogate bench solve-time --out second"


def test_write_takes_the_folder_lock_itself_and_holds_on_under_the_commands(tmp_path):
    """write took no lock (only the CLI held solve_time_folder): a write while another command held the folder mixed
    their files."""
    import fcntl
    import json

    from surrogate.experiments.cache import ResultsFolderError
    from surrogate.experiments.solve_bench import solve_time_folder

    result, out = _small_result(), tmp_path / "st"
    with solve_time_folder(out):  # as the CLI holds it around the run: no deadlock, no refusal
        result.write(out)
    assert json.loads((out / "config.json").read_text())["complete"] is True
    (out / "config.json").unlink()
    with open(out / ".sweep.lock", "a+") as other:  # another running command's hold
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ResultsFolderError, match=r"st is in use by another running command; wait for it"):
            result.write(out)
    assert not (out / "config.json").exists()


@pytest.mark.parametrize(
    "record, message",
    [
        ({"format": 2, "config": {"budget": 24}}, r"sweep is the results folder of surrogate sweep, not of surrogate "),
        ({"kind": "scale", "format": 2, "config": {}}, r"sweep is the results folder of surrogate bench scale, not of "),
        ({"name": "my project"}, r"sweep is not a results folder of surrogate bench solve-time: its config.json is not"),
    ],
)
def test_write_refuses_another_commands_folder_and_writes_nothing(tmp_path, record, message):
    """write replaced a sweep's config.json and solves.csv: the sweep could no longer be resumed (probe79 F2)."""
    import json

    from surrogate.experiments.cache import ResultsFolderError

    out = tmp_path / "sweep"
    out.mkdir()
    (out / "config.json").write_text(json.dumps(record))
    (out / "solves.csv").write_text("the sweep's solves\n")
    with pytest.raises(ResultsFolderError, match=message):
        _small_result().write(out)
    assert json.loads((out / "config.json").read_text()) == record
    assert sorted(p.name for p in out.iterdir()) == [".sweep.lock", "config.json", "solves.csv"]
    assert (out / "solves.csv").read_text() == "the sweep's solves\n"


@pytest.mark.parametrize(
    "record, message",
    [
        (None, r"^\S+ holds solves.csv but no config.json, .*; use another --out, or move those files away yourself$"),
        (
            {"format": 2, "config": {}},
            r"is the results folder of surrogate sweep, not of surrogate bench solve-time; use another --out$",
        ),
        ({"name": "my project"}, r"its config.json is not a surrogate results record; use another --out$"),
    ],
)
def test_a_solve_time_refusal_never_advises_fresh_which_the_command_lacks(tmp_path, record, message):
    """bench solve-time has no --fresh, but refusing another command's folder said '(--fresh empties only a folder
    that surrogate bench solve-time wrote)': its folder check is now the sweep's, told the command has no --fresh."""
    import json

    from surrogate.experiments.cache import ResultsFolderError
    from surrogate.experiments.solve_bench import solve_time_folder

    out = tmp_path / "out"
    out.mkdir()
    (out / "cache").mkdir()  # a sweep's cache entry vouches for no solve-time run
    (out / "cache" / f"train-{'ab' * 16}.json").write_text('{"kind": "train", "key": "' + "ab" * 32 + '", "result": {}}')
    (out / "solves.csv").write_text("mine\n")
    if record is not None:
        (out / "config.json").write_text(json.dumps(record))
    with pytest.raises(ResultsFolderError, match=message) as caught:
        with solve_time_folder(out):
            pass
    assert "--fresh" not in str(caught.value)


def test_a_folder_with_a_users_table_and_no_record_is_refused_by_write_and_by_the_run(tmp_path):
    """bench solve-time and write replaced a user's own solves.csv in a folder without config.json (probe81 #1)."""
    from surrogate.experiments.cache import ResultsFolderError
    from surrogate.experiments.solve_bench import solve_time_folder

    out = tmp_path / "mine"
    out.mkdir()
    (out / "solves.csv").write_text("my own\n")
    refused = r"mine holds solves.csv but no config.json, so no bench solve-time run wrote them"
    with pytest.raises(ResultsFolderError, match=refused):
        _small_result().write(out)
    with pytest.raises(ResultsFolderError, match=refused):
        with solve_time_folder(out):
            pass
    assert (out / "solves.csv").read_text() == "my own\n" and not (out / "config.json").exists()


def test_the_headline_numbers_are_medians_of_their_own_columns_and_hits_are_counted():
    import surrogate.experiments.solve_bench as solve_bench

    speedups = pd.DataFrame(
        {
            "speedup": [1.0, 2.0, 9.0],
            "speedup_amortised": [1.0, 3.0, 20.0],
            "cold_speedup_amortised": [np.nan, 5.0, 7.0],
            "anchor_hit": [True, False, True],
        }
    )
    result = replace(_small_result(), speedups=speedups)
    assert (result.median_speedup, result.median_speedup_amortised, result.median_speedup_cold) == (2.0, 3.0, 6.0)
    assert "OMLT default hit the time limit in 2 (" in result.headline()
    assert isinstance(result, solve_bench.SolveBenchResult)


def test_each_csv_holds_its_own_table_and_growth_labels_best_nets_by_shape(tmp_path):
    result = replace(_small_result(), baselines=pd.DataFrame({"approx": ["sawtooth-24"], "binaries": [3]}))
    result.write(tmp_path)
    speedups = pd.read_csv(tmp_path / "speedups.csv")
    assert list(speedups.columns) == list(result.speedups.columns) and len(speedups) == len(result.speedups)
    assert pd.read_csv(tmp_path / "baselines.csv").to_dict("list") == {"approx": ["sawtooth-24"], "binaries": [3]}
    growth = pd.read_csv(tmp_path / "growth.csv")
    assert list(growth["arch"]) == ["3x8"] * 5 + ["1x24"] * 2 + ["sawtooth-24"]
    assert list(growth["approx"]) == list(SOLVES["approx"])


def test_the_solves_use_the_nets_with_the_bounds_that_were_timed_and_charge_that_time(monkeypatch):
    """run_solve_bench hands plan_jobs the nets bounds_table tightened, and speedup_table their tightening seconds."""
    from types import SimpleNamespace

    import surrogate.experiments.solve_bench as solve_bench

    loaded, tight = (SimpleNamespace(bounds=which, architecture=SimpleNamespace(depth=3)) for which in ("stored", "timed"))
    bounds = pd.DataFrame({"net": ["b24-best-3x8"], "method": ["milp"], "seconds": [2.0]})
    planned = []
    monkeypatch.setattr(solve_bench, "load_nets", lambda config: {"b24-best-3x8": loaded})
    monkeypatch.setattr(solve_bench, "bounds_table", lambda nets, **kw: (bounds, {"b24-best-3x8": (tight, 2.0)}))
    monkeypatch.setattr(solve_bench, "plan_jobs", lambda config, nets: planned.append(nets) or [])
    rows = SOLVES[SOLVES["approx"] == "b24-best-3x8"].to_dict("records")
    monkeypatch.setattr(solve_bench, "run_jobs", lambda *args: rows)
    monkeypatch.setattr(solve_bench, "baseline_table", lambda config, nets, solves, progress: pd.DataFrame())
    config = SolveBenchConfig(nets=("b24-best-3x8",), random_sizes=(8,), pooling=(), baselines=())
    result = solve_bench.run_solve_bench(config, progress=False)
    assert len(planned) == 1 and planned[0]["b24-best-3x8"] is tight
    assert list(result.speedups["speedup"]) == pytest.approx([10.0 / (1.0 + 2.0), 1.0])  # p1: 2 s charged in full


def test_plan_takes_the_configs_seed_and_a_problem_of_exactly_the_cap_of_products():
    config = SolveBenchConfig(
        random_sizes=(8, 9),
        random_seed=3,
        pooling=(),
        baselines=("pwl-9x9",),
        baseline_max_products=8,
        partition_max_products=8,
    )
    keys = {(j.problem, j.encoding) for j in plan_jobs(config, {"n": object()})}
    assert ("random8-s3", "omlt-partition") in keys and ("random9-s3", "omlt-partition") not in keys
    assert ("random8-s3", "baseline") in keys and ("random9-s3", "baseline") not in keys
    assert {p for p, _ in keys} == {"random8-s3", "random9-s3"}


def test_run_jobs_hands_every_job_the_warm_starts_patience_and_clock(monkeypatch):
    from surrogate.executors import ExecutorConfig
    from surrogate.experiments import solve_bench_jobs

    calls = []
    monkeypatch.setattr(solve_bench_jobs, "run_job", lambda job, config, *start: calls.append(start) or {"job": job})
    jobs = [SolveJob("random", "random4-s0", "sawtooth-8", "baseline")]
    config = SolverConfig(time_limit=10.0)
    rows = solve_bench_jobs.run_jobs(jobs, config, ExecutorConfig(workers=1), None, (2.5, "cpu"))
    assert rows == [{"job": jobs[0]}] and calls == [(2.5, "cpu")]


@pytest.mark.parametrize("termination, hit", [("TIME_LIMIT", True), ("OPTIMAL", False)])
def test_a_jobs_row_names_its_instance_and_whether_it_hit_the_time_limit(monkeypatch, termination, hit):
    from types import SimpleNamespace

    from surrogate.experiments import solve_bench_jobs
    from surrogate.milp.solver_config import Termination

    result = SimpleNamespace(termination=Termination[termination], to_dict=lambda: {"wall_time": 1.0})
    found = SimpleNamespace(to_dict=lambda: {"start_found": False})
    monkeypatch.setattr(solve_bench_jobs, "solve_with_start", lambda *args, **kw: (result, found))
    row = run_job(SolveJob("random", "random2-s0", "sawtooth-8", "baseline"), SolverConfig(time_limit=10.0))
    assert (row["family"], row["instance"], row["products"], row["approx"]) == ("random", "random2-s0", 2, "sawtooth-8")
    assert row["time_limit_hit"] is hit


def test_bounds_table_hands_on_the_milp_bounds_it_timed():
    import json

    from surrogate.experiments.solve_bench_jobs import bounds_table
    from tests.helpers import random_net

    table, tightened = bounds_table({"n": random_net((4, 4), seed=1)}, obbt_time_limit=5.0, obbt_node_limit=100)
    net, seconds = tightened["n"]
    assert list(table["method"]) == ["interval", "lp", "milp"]
    assert seconds == table.set_index("method").loc["milp", "seconds"]
    assert set(json.loads(net.metadata["bounds"])) == {"milp"}


def test_the_record_names_the_solvers_time_limit_not_obbts(tmp_path):
    import json

    config = SolveBenchConfig(nets=("b24-best-3x8",), random_sizes=(8,), pooling=(), baselines=(), obbt_time_limit=7.0)
    replace(_small_result(), config=config).write(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["time_limit"] == 10.0


@pytest.mark.parametrize(
    ("encoding", "formulation", "seeded"),
    [
        ("omlt-bigm", "bigm", False),
        ("omlt-partition", "partition", False),
        ("pruned", "pruned", True),
        ("pruned-cold", "pruned", False),
    ],
)
def test_a_job_is_encoded_and_warm_started_as_its_encoding_says(monkeypatch, encoding, formulation, seeded):
    from types import SimpleNamespace

    from surrogate.experiments import solve_bench_jobs
    from surrogate.milp.solver_config import Termination

    seen = {}
    result = SimpleNamespace(termination=Termination.OPTIMAL, to_dict=lambda: {})
    found = SimpleNamespace(to_dict=lambda: {})

    def replace_products(model, approx, *, formulation):
        seen["formulation"] = formulation
        return SimpleNamespace(n_products=1)

    monkeypatch.setattr(solve_bench_jobs, "replace_products", replace_products)
    monkeypatch.setattr(solve_bench_jobs, "solve_with_start", lambda *args, start: seen.update(start=start) or (result, found))
    run_job(SolveJob("random", "random1-s0", "n", encoding, object()), SolverConfig(time_limit=10.0))
    assert seen["formulation"] == formulation and (seen["start"] is not None) is seeded
