"""``bench scale``: the shifted geometric mean, time-outs, the config, the nets, and one tiny real run."""

import json
import math
import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from surrogate import ConfigError, ModelFormatError, SolverConfig
from surrogate.executors import ExecutorConfig
from surrogate.experiments.cache import ResultsFolderError
from surrogate.experiments.scale_bench import (
    ScaleBenchResult,
    first_incumbent_s,
    resolve_nets,
    run_scale_bench,
    solve_unit,
)
from surrogate.experiments.scale_bench_config import QUICK_NETS, ScaleBenchConfig
from surrogate.experiments.scale_bench_tables import (
    AGREEMENT_COLUMNS,
    own_solves,
    penalised_times,
    primal_gaps,
    route_agreement,
    scale_table,
    sgm_floor,
    shifted_geometric_mean,
    short_starts,
    solve_status,
    uniform_speedup,
)
from surrogate.experiments.scale_suite import QUICK_SUITE, RANDOM_OPTIMA, SUITE, recorded_optimum, solve_exact
from surrogate.experiments.scip_reference import scip_available
from surrogate.nets.onnx_io import export_onnx
from surrogate.nets.zoo import DEFAULT_ZOO, load_manifest, resolve_surrogate

# --- the shifted geometric mean ---------------------------------------------------------------------


def test_primal_gaps_of_hand_made_numbers():
    """probe113 ST4: ``|objective - optimum| / max(1, |optimum|)``, not divided by the incumbent's objective."""
    solves = pd.DataFrame({"optimum": [10.0, -4.0, 0.5, 3.0, math.nan], "objective": [20.0, -2.0, 1.0, math.nan, 2.0]})
    gaps = primal_gaps(solves).tolist()
    assert gaps[:3] == [1.0, 0.5, 0.5] and math.isnan(gaps[3]) and math.isnan(gaps[4])


def test_sgm_of_hand_made_numbers():
    assert shifted_geometric_mean([0.0, 3.0]) == pytest.approx(1.0)  # sqrt(1 * 4) - 1
    assert shifted_geometric_mean([1.0, 7.0]) == pytest.approx(3.0)  # sqrt(2 * 8) - 1
    assert shifted_geometric_mean([2.0, 14.0], shift=2.0) == pytest.approx(6.0)  # sqrt(4 * 16) - 2
    assert shifted_geometric_mean([0.0, 3.0, 20.0]) == pytest.approx(84 ** (1 / 3) - 1)
    assert shifted_geometric_mean([5.0]) == pytest.approx(5.0)
    assert math.isnan(shifted_geometric_mean([]))


def test_sgm_floor_of_hand_made_numbers():
    assert sgm_floor(0, 4, 60.0) == 0.0
    assert sgm_floor(4, 4, 60.0) == pytest.approx(120.0)
    assert sgm_floor(2, 4, 60.0) == pytest.approx(10.0)  # sqrt(121 * 1) - 1
    assert sgm_floor(1, 3, 10.0) == pytest.approx(21 ** (1 / 3) - 1)
    assert sgm_floor(13, 22, 60.0) == pytest.approx(121 ** (13 / 22) - 1)
    for bad in ((5, 4, 60.0), (-1, 4, 60.0), (1, 0, 60.0), (1.5, 4, 60.0)):
        with pytest.raises(ConfigError, match=r"sgm_floor: unsolved=.* must be integers with 0 <= unsolved <= instances"):
            sgm_floor(*bad)
    with pytest.raises(ConfigError, match=r"sgm_floor: time_limit=0 must be a positive number of seconds"):
        sgm_floor(1, 4, 0)


def test_uniform_speedup_of_hand_made_numbers():
    # solved at 1 s and 7 s: sgm 3; for 1 the times must satisfy (1/s + 1)(7/s + 1) = 4, so 1/s = (-8 + sqrt(148)) / 14
    assert uniform_speedup([1.0, 7.0], 60.0, 1.0) == pytest.approx(14 / (math.sqrt(148) - 8))
    assert uniform_speedup([1.0, 7.0], 60.0, 3.0) == 1.0  # already there
    # one unsolved (90 s > 60 s): 120 until 90/s <= 60, then 90/s; 100 is reached by the jump at s = 1.5
    assert uniform_speedup([90.0], 60.0, 100.0) == pytest.approx(1.5)
    assert uniform_speedup([90.0], 60.0, 59.0) == pytest.approx(90 / 59)
    # unknown beyond the limit: taken as solved at 60 s once s > 1 (a lower bound)
    assert uniform_speedup([0.0, math.inf], 60.0, 3.0) == pytest.approx(4.0)  # sqrt(60/s + 1) - 1 = 3
    assert uniform_speedup([math.inf], 60.0, 119.0) == pytest.approx(1.0)
    assert uniform_speedup([math.inf], 60.0, 5.0) == pytest.approx(12.0)
    assert uniform_speedup([600.0], 60.0, 5.0) == pytest.approx(120.0)  # a time known from a longer run
    # the result meets the target and a little less does not
    times = [0.2, 1.3, 6.6, 16.2, 273.0, math.inf]

    def mean(factor):
        scaled = [(60.0 if t == math.inf else t) / factor for t in times]
        return shifted_geometric_mean([t if t <= 60.0 else 120.0 for t in scaled])

    s = uniform_speedup(times, 60.0, 4.0)
    assert mean(s) <= 4.0 + 1e-9 < mean(s * (1 - 1e-6))


def test_a_solve_past_the_limit_counts_as_the_table_counts_it():
    """Solved at 60.4 s under a 60 s limit (the warm start and hand-over are in wall_time): the table's SGM is met."""
    table = shifted_geometric_mean([60.4, 0.5])  # penalised_times keeps a solved time as it is
    assert uniform_speedup([60.4, 0.5], 60.0, table, solved=[True, True]) == 1.0
    assert uniform_speedup([60.4, 0.5], 60.0, table) > 1.0  # without statuses: unsolved in this run


@pytest.mark.parametrize(
    ("seconds", "limit", "target", "message"),
    [
        ([], 60.0, 1.0, r"seconds must be one or more times >= 0 \(math.inf for an instance not solved\), got \[\]"),
        ([1.0, math.nan], 60.0, 1.0, r"seconds must be one or more times >= 0"),
        ([-1.0], 60.0, 1.0, r"seconds must be one or more times >= 0"),
        ([1.0], 0.0, 1.0, r"time_limit=0.0 must be a positive number of seconds"),
        ([1.0], 60.0, 0.0, r"target=0.0 must be a positive number of seconds"),
        ([1.0], 60.0, math.inf, r"target=inf must be a positive number of seconds"),
    ],
)
def test_uniform_speedup_refuses_bad_input(seconds, limit, target, message):
    with pytest.raises(ConfigError, match=message):
        uniform_speedup(seconds, limit, target)


@pytest.mark.parametrize("times", [[1.0, -0.5], [1.0, math.nan], [math.inf]])
def test_sgm_refuses_negative_or_missing_times(times):
    with pytest.raises(ConfigError, match="finite and >= 0.*penalised_times"):
        shifted_geometric_mean(times)


def test_sgm_refuses_a_shift_that_is_not_positive():
    with pytest.raises(ConfigError, match="shift=0 must be a positive number"):
        shifted_geometric_mean([1.0], shift=0)


# --- time-outs ----------------------------------------------------------------------------------------


def test_status_a_solve_without_incumbent_is_a_timeout():
    assert solve_status("convergenceCriteriaSatisfied", True) == "solved"
    assert solve_status("convergenceCriteriaSatisfied", False) == "timeout"
    assert solve_status("maxTimeLimit", True) == "timeout"
    assert solve_status("maxTimeLimit", False) == "timeout"
    assert solve_status("provenInfeasible", False) == "infeasible"


def _solve(net, status, wall, *, objective=math.nan, optimum=-10.0, first=math.nan, limit=10.0):
    gap = abs(objective - optimum) / max(1.0, abs(optimum))
    row = {"net": net, "encoding": "pruned", "solver": "highs", "status": status, "wall_time": wall}
    return {**row, "time_limit": limit, "first_incumbent_s": first, "primal_gap": gap}


def test_every_unsolved_instance_counts_twice_the_limit_and_none_is_dropped():
    solves = pd.DataFrame(
        [
            _solve("a", "solved", 0.0, objective=-10.0, first=0.5),
            _solve("a", "solved", 3.0, objective=-9.0, first=1.5),
            _solve("a", "timeout", 10.2, objective=-5.0, first=2.5),  # an incumbent, no proof
            _solve("b", "timeout", 10.0),  # no incumbent at the limit
            _solve("b", "infeasible", 0.1),
            _solve("b", "error", math.nan),
        ]
    )
    assert penalised_times(solves).tolist() == [0.0, 3.0, 20.0, 20.0, 20.0, 20.0]
    nets = pd.DataFrame({"net": ["a"], "mae": [1e-4], "max_error": [2e-3]})
    table = scale_table(solves, nets).set_index("net")
    a, b = table.loc["a"], table.loc["b"]
    assert (a["instances"], a["solved"], a["timeouts"]) == (3, 2, 1)
    assert a["sgm_s"] == pytest.approx(84 ** (1 / 3) - 1)
    assert a["first_incumbent_median_s"] == pytest.approx(1.5)
    assert (a["primal_gap_median"], a["primal_gap_max"]) == (pytest.approx(0.1), pytest.approx(0.5))
    assert (a["grid_mae"], a["grid_max_error"]) == (1e-4, 2e-3)
    assert (b["instances"], b["solved"], b["timeouts"], b["infeasible"], b["errors"]) == (3, 0, 1, 1, 1)
    assert b["sgm_s"] == pytest.approx(20.0)
    assert math.isnan(b["first_incumbent_median_s"]) and math.isnan(b["primal_gap_max"]) and math.isnan(b["grid_mae"])


def _route(encoding, solver, instance, status, objective, bound):
    return {"net": "a", "encoding": encoding, "solver": solver, "instance": instance, "status": status}, objective, bound


def test_routes_agree_where_both_proved_the_optimum_and_nowhere_else():
    rows = [
        _route("pruned", "highs", "p1", "solved", -100.0, -100.005),
        _route("gurobi-ml", "gurobi", "p1", "solved", -100.005, -100.006),  # 5e-5 apart: agree
        _route("pruned", "highs", "p2", "solved", 2.0, 1.9999),
        _route("gurobi-ml", "gurobi", "p2", "solved", 2.5, 2.4999),  # 0.25 apart: one of them is wrong
        _route("pruned", "highs", "p3", "timeout", -1.0, -3.0),
        _route("gurobi-ml", "gurobi", "p3", "solved", -2.0, -2.0),  # ours did not finish: no row
        _route("scip-ml", "scip", "p1", "solved", -100.012, -100.013),  # 1.2e-4 apart, ranges 0.7e-4 apart
    ]
    solves = pd.DataFrame([{**r, "objective": o, "bound": b} for r, o, b in rows])
    agreement = route_agreement(solves)
    assert list(agreement.columns) == AGREEMENT_COLUMNS
    assert agreement[["instance", "route"]].values.tolist() == [
        ["p1", "gurobi-ml gurobi"],
        ["p2", "gurobi-ml gurobi"],
        ["p1", "scip-ml scip"],
    ]
    assert (agreement["reference"] == "pruned highs").all()
    assert agreement["rel_diff"].tolist() == pytest.approx([5e-5, 0.25, 1.2e-4])
    assert agreement["agree"].tolist() == [True, False, False]
    assert agreement["intervals_overlap"].tolist() == [True, False, True]
    assert route_agreement(solves[solves["encoding"] == "pruned"]).empty  # one route: nothing to compare


def test_first_incumbent_is_the_warm_start_or_the_search_plus_the_solvers_own():
    has, none = SimpleNamespace(has_solution=True), SimpleNamespace(has_solution=False)
    started, missed = SimpleNamespace(found=True, seconds=0.7), SimpleNamespace(found=False, seconds=0.4)
    assert first_incumbent_s(has, started, {"first_solution_time": 0.0}) == 0.7
    assert first_incumbent_s(has, missed, {"first_solution_time": 2.0}) == pytest.approx(2.4)
    assert math.isnan(first_incumbent_s(has, missed, {}))  # the solver does not say
    assert math.isnan(first_incumbent_s(none, started, {"first_solution_time": 1.0}))


# --- the config, the suite and the nets ---------------------------------------------------------------


def test_defaults_are_the_suite_60_s_and_the_accurate_24_neuron_nets():
    config = ScaleBenchConfig()
    assert config.instances == SUITE and len(SUITE) == 22 and config.time_limit == 60.0
    assert config.encodings == ("pruned",) and config.solver.threads == 1
    shapes = ("2x12", "3x8", "4x6")
    names = [f"b24-hand-{v}-{s}" for v in ("paired", "shared") for s in shapes] + [f"b24-best-{s}" for s in shapes]
    names += ["b24-hand-shared-4-5-5-5-5", "b24-hand-shared-fixed-4-5-5-5-5"]  # the deep nets (docs/deep-nets.md)
    assert sorted(r.label for r in resolve_nets(config)) == sorted(names)
    quick = ScaleBenchConfig(quick=True)
    assert (quick.nets, quick.instances, quick.time_limit) == (QUICK_NETS, QUICK_SUITE, 10.0)


def test_every_instance_has_an_exact_optimum_recorded():
    assert all(recorded_optimum(i) is not None for i in SUITE)
    assert recorded_optimum("foulds2")[0] == -1100.0 and recorded_optimum("random3-s0") is None


@pytest.mark.skipif(not scip_available(), reason="needs pyscipopt")
@pytest.mark.parametrize("instance", sorted(RANDOM_OPTIMA))
def test_every_recorded_random_optimum_is_scips(instance):
    """Each published primal gap is measured from one of these numbers (every one solves in under 1.5 s)."""
    row = solve_exact(instance, 60.0)["rows"][0]
    assert row["optimum"] == pytest.approx(RANDOM_OPTIMA[instance], rel=1e-9)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"encodings": ("fast",)}, r"ScaleBenchConfig: encodings=\('fast',\) has unknown \['fast'\]; choose from omlt-bigm"),
        ({"encodings": ()}, r"encodings=\(\) is empty; choose from"),
        ({"instances": ("random0-s1",)}, "problem 'random0-s1' has no products; use N from 1 to 10000"),
        ({"instances": ("random8",)}, "instance 'random8': write it 'random8-s0', with its seed"),
        # random0008-s0 ran random8-s0 a second time, past the duplicate check; a million products built for minutes
        ({"instances": ("random8-s0", "random0008-s0")}, "problem 'random0008-s0': write it 'random8-s0', without leading"),
        ({"instances": ("random8-s00",)}, "problem 'random8-s00': write it 'random8-s0', without leading zeros"),
        ({"instances": ("random1000000-s0",)}, r"1000000 products is more than the 10000 .* N <= 10000, e.g. random64-s0"),
        ({"instances": ("nowhere",)}, "or a pooling instance"),
        ({"instances": ("random\u0668-s0",)}, "unknown instance 'random\u0668-s0'; use randomN-sS"),  # was 'leading zeros'
        (
            {"nets": "b24-best-3x8"},
            r"nets='b24-best-3x8' must be a sequence of names, not one string; for that one, pass \('b24-best-3x8',\)",
        ),
        ({"nets": ("a", "a")}, "lists a name twice"),
        ({"zoos": ()}, "zoos is empty; name at least one zoo folder"),
        ({"budget": 0}, "budget=0 must be a positive integer"),
        ({"max_mae": -1.0}, "max_mae=-1.0 must be a positive number"),
        ({"max_mae": 0}, "max_mae=0 must be a positive number"),  # mutation round 7: no net has a grid MAE of 0
        ({"solver": {"time_limit": 5}}, "solver must be a SolverConfig"),
        ({"quick": 1}, "quick=1 must be True or False"),
    ],
)
def test_config_says_how_to_fix_a_bad_field(options, match):
    with pytest.raises(ConfigError, match=match):
        ScaleBenchConfig(**options)


def test_unknown_net_and_empty_selection_say_how_to_fix_them():
    with pytest.raises(ConfigError, match="'b24-nope' is in none of the zoos .* add its zoo with --zoo DIR"):
        resolve_nets(ScaleBenchConfig(nets=("b24-nope",)))
    with pytest.raises(ConfigError, match="no net of 7 neurons .* name nets"):
        resolve_nets(ScaleBenchConfig(budget=7))
    with pytest.raises(ConfigError, match="no such ONNX file"):
        resolve_nets(ScaleBenchConfig(nets=("missing.onnx",)))


def test_a_folder_that_is_no_zoo_and_a_file_that_is_no_net_stop_the_run_before_any_solve(tmp_path):
    with pytest.raises(ModelFormatError, match=r"zoo folder .*nowhere does not exist; name a folder written by"):
        resolve_nets(ScaleBenchConfig(zoos=(str(DEFAULT_ZOO), str(tmp_path / "nowhere"))))
    with pytest.raises(ModelFormatError, match=r"zoo folder .* has no manifest.json, so it holds no nets"):
        resolve_nets(ScaleBenchConfig(nets=("b24-best-3x8",), zoos=(str(DEFAULT_ZOO), str(tmp_path))))
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a protobuf")
    with pytest.raises(ModelFormatError, match=r"garbage.onnx is not a readable ONNX model .*; re-export it"):
        resolve_nets(ScaleBenchConfig(nets=(str(garbage),)))


def test_an_onnx_net_is_scored_on_the_zoos_grid_where_it_is_made_for_the_unit_box(tmp_path):
    entry = next(e for e in load_manifest(DEFAULT_ZOO)["models"] if e["name"] == "b12-best-3x4")
    net = resolve_surrogate("b12-best-3x4")
    (ref,) = resolve_nets(ScaleBenchConfig(nets=(str(export_onnx(net, tmp_path / "copy.onnx")),)))
    assert (ref.label, ref.mae, ref.max_error) == (
        "copy",
        pytest.approx(entry["mae"], rel=1e-6),
        pytest.approx(entry["max_error"], rel=1e-6),
    )
    elsewhere = export_onnx(net.with_metadata(domain=[[0, 2], [0, 2]]), tmp_path / "other-box.onnx")
    (ref,) = resolve_nets(ScaleBenchConfig(nets=(str(elsewhere),)))
    assert math.isnan(ref.mae) and math.isnan(ref.max_error)  # not comparable with the unit box's errors
    shouted = tmp_path / "sub dir" / "My.ONNX"  # a path as resolve_surrogate takes it: any case, a folder, a space
    shouted.parent.mkdir()
    shutil.copy(tmp_path / "copy.onnx", shouted)
    (ref,) = resolve_nets(ScaleBenchConfig(nets=(str(shouted),)))
    assert ref.label == "My" and ref.mae == pytest.approx(entry["mae"], rel=1e-6)


def test_a_name_in_a_second_zoo_is_benchmarked_from_both(tmp_path):
    zoo = tmp_path / "models_stable"
    zoo.mkdir()
    entry = next(e for e in load_manifest(DEFAULT_ZOO)["models"] if e["name"] == "b12-best-3x4")
    shutil.copy(DEFAULT_ZOO / entry["file"], zoo / entry["file"])
    (zoo / "manifest.json").write_text(json.dumps({"version": 1, "models": [entry]}))
    config = ScaleBenchConfig(nets=("b12-best-3x4",), zoos=(str(DEFAULT_ZOO), str(zoo)))
    assert [r.label for r in resolve_nets(config)] == ["b12-best-3x4", "models_stable/b12-best-3x4"]
    selected = resolve_nets(ScaleBenchConfig(budget=12, max_mae=1.0, zoos=(str(zoo),)))
    assert [(r.label, r.zoo) for r in selected] == [("b12-best-3x4", str(zoo))]


def test_a_net_with_the_milp_of_an_earlier_one_is_marked_same_as_it():
    # the zoo's b48-best-2x24 is the hand-built shared net, metadata aside
    refs = resolve_nets(ScaleBenchConfig(nets=("b48-best-2x24", "b48-hand-shared-2x24", "b48-hand-paired-2x24")))
    assert [(r.label, r.same_as) for r in refs] == [
        ("b48-best-2x24", ""),
        ("b48-hand-shared-2x24", "b48-best-2x24"),
        ("b48-hand-paired-2x24", ""),
    ]
    assert refs[0].sha256 != refs[1].sha256  # the files differ, the MILPs do not


def test_a_net_that_repeats_anothers_solves_is_left_out_of_the_agreement():
    row = {"instance": "i", "solver": "highs", "status": "solved", "objective": -1.0, "bound": -1.0}
    solves = pd.DataFrame(
        [
            {**row, "net": "a", "encoding": "pruned", "same_as": ""},
            {**row, "net": "a", "encoding": "omlt-bigm", "same_as": ""},
            {**row, "net": "b", "encoding": "pruned", "same_as": "a"},
            {**row, "net": "b", "encoding": "omlt-bigm", "same_as": "a"},
        ]
    )
    assert own_solves(solves)["net"].tolist() == ["a", "a"]
    assert route_agreement(solves)["net"].tolist() == ["a"]
    assert own_solves(solves.drop(columns="same_as")).equals(solves.drop(columns="same_as"))


# --- one tiny real run --------------------------------------------------------------------------------


@pytest.mark.solver
def test_a_tiny_run_writes_its_tables_and_resumes(tmp_path):
    config = ScaleBenchConfig(
        nets=("b12-best-3x4",), instances=("random1-s0", "haverly1"), solver=SolverConfig(time_limit=5.0, rel_gap=1e-4)
    )
    inline = ExecutorConfig(workers=1)
    result = run_scale_bench(config, tmp_path, executor=inline, progress=False)
    solves = pd.read_csv(tmp_path / "solves.csv")
    assert solves["instance"].tolist() == ["random1-s0", "haverly1"] and set(solves["net"]) == {"b12-best-3x4"}
    assert set(solves["status"]) <= {"solved", "timeout"} and (solves["time_limit"] == 5.0).all()
    incumbent = solves["objective"].notna()
    assert (solves.loc[incumbent, "first_incumbent_s"] <= solves.loc[incumbent, "wall_time"] + 1e-9).all()
    assert (solves["wall_time"] >= solves["start_s"]).all()  # the warm start counts in the solve time
    assert solves.loc[1, "optimum"] == -400.0
    if scip_available():  # random1-s0 has no recorded optimum: SCIP's, cached in the folder
        assert solves.loc[0, "optimum_source"].startswith("SCIP") and math.isfinite(solves.loc[0, "optimum"])
    table = pd.read_csv(tmp_path / "table.csv")
    assert table[["net", "encoding", "solver", "instances"]].values.tolist() == [["b12-best-3x4", "pruned", "highs", 2]]
    assert table["solved"].iloc[0] + table["timeouts"].iloc[0] == 2
    record = json.loads((tmp_path / "config.json").read_text())
    assert record["complete"] and record["config"]["instances"] == ["random1-s0", "haverly1"]
    assert not list(tmp_path.glob(".*.tmp")) and result.units.computed == 3  # 2 solves and 1 exact optimum
    again = run_scale_bench(config, tmp_path, executor=inline, progress=False)
    assert (again.units.computed, again.units.reused) == (0, 3)
    pd.testing.assert_frame_equal(again.table, result.table)
    wider = replace(config, nets=("b12-best-3x4", "b12-best-2x6"), instances=("haverly1",))
    extended = run_scale_bench(wider, tmp_path / "wider", executor=inline, progress=False, reuse=[tmp_path])
    assert (extended.units.computed, extended.units.reused) == (1, 1)  # only b12-best-2x6 on haverly1 is solved
    old = solves.set_index(["net", "instance"]).loc[("b12-best-3x4", "haverly1")]
    new = pd.read_csv(tmp_path / "wider" / "solves.csv").set_index(["net", "instance"]).loc[("b12-best-3x4", "haverly1")]
    assert (new["wall_time"], new["objective"]) == (old["wall_time"], old["objective"])  # taken, not solved again
    record = json.loads((tmp_path / "wider" / "config.json").read_text())
    assert record["reused_from"] == [str(tmp_path.resolve())] and record["adopted_units"] == 1


@pytest.mark.solver
def test_a_net_with_an_earlier_nets_milp_is_solved_once_and_its_rows_say_so(tmp_path):
    net = resolve_surrogate("b12-best-3x4")
    copy = export_onnx(net.with_metadata(kind="copied", seed=11), tmp_path / "copy-3x4.onnx")
    config = ScaleBenchConfig(nets=("b12-best-3x4", str(copy)), instances=("haverly1",), solver=SolverConfig(time_limit=5.0))
    result = run_scale_bench(config, tmp_path / "run", executor=ExecutorConfig(workers=1), progress=False)
    assert result.units.computed == 1  # one solve: haverly1 has a recorded optimum
    solves = pd.read_csv(tmp_path / "run" / "solves.csv", keep_default_na=False)
    assert solves["net"].tolist() == ["b12-best-3x4", "copy-3x4"] and solves["same_as"].tolist() == ["", "b12-best-3x4"]
    assert solves.loc[0, "wall_time"] == solves.loc[1, "wall_time"]
    assert result.table["same_as"].tolist() == ["", "b12-best-3x4"]
    assert result.table.loc[0, "sgm_s"] == result.table.loc[1, "sgm_s"]
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert [n["same_as"] for n in record["nets"]] == ["", "b12-best-3x4"]
    inline = ExecutorConfig(workers=1)
    alone = run_scale_bench(replace(config, nets=(str(copy),)), tmp_path / "alone", executor=inline, progress=False)
    joined = run_scale_bench(config, tmp_path / "joined", executor=inline, progress=False, reuse=[tmp_path / "alone"])
    assert (joined.units.computed, joined.units.reused) == (0, 1)  # the copy's solve serves the zoo net, its twin
    assert joined.table["sgm_s"].tolist() == [alone.table.loc[0, "sgm_s"]] * 2


@pytest.mark.solver
@pytest.mark.parametrize("peer", ["gurobi-ml", "scip-ml"])
def test_a_peer_route_runs_in_the_benchmark_and_agrees_with_ours(tmp_path, peer):
    from surrogate.experiments.peers import PEERS

    for module in PEERS[peer][1]:
        pytest.importorskip(module, reason=f"peer {peer!r} needs the '{PEERS[peer][0]}' extra")
    config = ScaleBenchConfig(
        nets=("b12-best-3x4",), encodings=("pruned", peer), instances=("haverly1",), solver=SolverConfig(time_limit=60.0)
    )
    run_scale_bench(config, tmp_path, executor=ExecutorConfig(workers=1), progress=False)
    solves = pd.read_csv(tmp_path / "solves.csv").set_index("encoding")
    assert solves.loc[peer, "solver"] == ("gurobi" if peer == "gurobi-ml" else "scip")
    assert solves.loc[peer, "status"] == "solved" and solves.loc["pruned", "status"] == "solved"
    ours, theirs = solves.loc["pruned", "objective"], solves.loc[peer, "objective"]
    assert abs(ours - theirs) <= 1e-4 * max(1.0, abs(ours))
    agreement = route_agreement(pd.read_csv(tmp_path / "solves.csv"))
    assert len(agreement) == 1 and agreement.loc[0, "agree"] and agreement.loc[0, "intervals_overlap"]
    table = pd.read_csv(tmp_path / "table.csv")
    assert table["encoding"].tolist() == ["pruned", peer] and table["refused"].tolist() == [0, 0]


def test_a_peer_is_a_known_encoding_and_a_typo_is_not():
    assert ScaleBenchConfig(encodings=("gurobi-ml", "scip-ml")).encodings == ("gurobi-ml", "scip-ml")
    with pytest.raises(ConfigError, match=r"encodings=\('gurobi',\) has unknown \['gurobi'\]; choose from .*gurobi-ml, scip-ml"):
        ScaleBenchConfig(encodings=("gurobi",))


@pytest.mark.solver
def test_the_exact_seed_encoding_asks_the_exact_model_for_a_seed(monkeypatch):
    """``pruned-exact-seed`` runs the exact seed, ``pruned`` does not (a spy, so no time budget decides the test).

    On haverly1 with b12-best-3x4 (each solve under a second idle; foulds2 with b24-best-3x8 took 10 s each).
    """
    from surrogate.milp import warmstart

    asked = []
    monkeypatch.setattr(warmstart, "exact_point", lambda model, report, **kw: asked.append(report.n_products))
    solver = SolverConfig(time_limit=20.0, rel_gap=1e-4)
    rows = {e: solve_unit("haverly1", "b12-best-3x4", "", e, solver)["rows"][0] for e in ("pruned-exact-seed", "pruned")}
    assert asked == [2]  # once, for pruned-exact-seed, with the replacement report of haverly1's 2 products
    seeded = rows["pruned-exact-seed"]
    assert (seeded["encoding"], seeded["formulation"]) == ("pruned-exact-seed", "pruned")
    assert seeded["status"] in ("solved", "timeout")  # which one depends on the machine's load, not on the seed
    for row in rows.values():  # without an exact point both start from the relaxation, and record it
        assert row["start_seed"] == ("relaxation" if row["start_found"] else "")
    if all(row["status"] == "solved" for row in rows.values()):  # under load either may stop at its limit
        assert seeded["objective"] == pytest.approx(rows["pruned"]["objective"], rel=1e-4)
    assert ScaleBenchConfig(encodings=("pruned", "pruned-exact-seed")).encodings == ("pruned", "pruned-exact-seed")


def test_an_error_row_gives_the_reason_this_package_set_and_no_unrelated_warning(monkeypatch):
    """``message`` is the result's ``reason`` (a refused incumbent), not whatever warning came last."""
    from surrogate.milp import warmstart
    from surrogate.milp.model_size import ModelSize
    from surrogate.milp.solver import SolveResult

    def fake(model, report, solver, *, start=None, reason="", warning="HiGHS: a warning of the log"):
        size = ModelSize(1, 0, 0)
        found = SimpleNamespace(to_dict=lambda: {"start_found": False})
        return SolveResult("error", math.nan, math.nan, math.nan, 1.0, 0, size, (warning,), reason=reason), found

    solver = SolverConfig(time_limit=5.0)
    monkeypatch.setattr(warmstart, "solve_with_start", fake)
    row = solve_unit("random8-s0", "b24-best-3x8", "", "pruned", solver)["rows"][0]
    assert (row["status"], row["message"]) == ("timeout", "")  # an error of the solver's own: no reason to give
    refusal = "highs reported a solution that violates the model: c by 5"
    monkeypatch.setattr(warmstart, "solve_with_start", lambda *a, **kw: fake(*a, **kw, reason=refusal))
    row = solve_unit("random8-s0", "b24-best-3x8", "", "pruned", solver)["rows"][0]
    assert (row["termination"], row["message"]) == ("error", refusal)


def _haverly1_run(encodings):
    """A one-net, one-instance benchmark in ``encodings`` (5 s limit) and an inline executor."""
    config = ScaleBenchConfig(
        nets=("b12-best-3x4",), instances=("haverly1",), encodings=encodings, solver=SolverConfig(time_limit=5.0, rel_gap=1e-4)
    )
    return config, ExecutorConfig(workers=1)


@pytest.mark.solver
def test_a_changed_seed_cap_solves_again_instead_of_reusing(tmp_path, monkeypatch):
    from surrogate.milp import exact_seed

    config, inline = _haverly1_run(("pruned", "pruned-exact-seed"))
    first = run_scale_bench(config, tmp_path, executor=inline, progress=False)
    assert first.units.computed == 2
    monkeypatch.setattr(exact_seed, "SEED_POLISH_EVALS", exact_seed.SEED_POLISH_EVALS + 1)
    assert exact_seed.seed_settings()["polish_evals"] == exact_seed.SEED_POLISH_EVALS
    again = run_scale_bench(config, tmp_path, executor=inline, progress=False)
    assert (again.units.computed, again.units.reused) == (1, 1)  # the seeded solve again, the plain one reused


@pytest.mark.solver
def test_start_patience_keys_the_warm_started_solves_only(tmp_path):
    config, inline = _haverly1_run(("pruned", "pruned-cold"))
    first = run_scale_bench(config, tmp_path / "a", executor=inline, progress=False)
    assert first.units.computed == 2 and "start_patience" not in config.to_dict()
    patient = replace(config, start_patience=2.0)
    assert patient.to_dict()["start_patience"] == 2.0
    again = run_scale_bench(patient, tmp_path / "b", executor=inline, progress=False, reuse=[tmp_path / "a"])
    assert (again.units.computed, again.units.reused) == (1, 1)  # the warm-started solve again, the cold one reused
    with pytest.raises(ConfigError, match=r"ScaleBenchConfig: start_patience=-1 must be a number of seconds >= 0 up to 1e\+09"):
        replace(config, start_patience=-1)


@pytest.mark.solver
def test_the_cpu_start_clock_keys_the_warm_started_solves_only(tmp_path):
    config, inline = _haverly1_run(("pruned", "pruned-cold"))
    first = run_scale_bench(config, tmp_path / "a", executor=inline, progress=False)
    assert first.units.computed == 2 and "start_clock" not in config.to_dict()
    on_cpu = replace(config, start_clock="cpu")
    assert on_cpu.to_dict()["start_clock"] == "cpu"
    again = run_scale_bench(on_cpu, tmp_path / "b", executor=inline, progress=False, reuse=[tmp_path / "a"])
    assert (again.units.computed, again.units.reused) == (1, 1)  # the warm-started solve again, the cold one reused
    assert again.solves["status"].tolist() == first.solves["status"].tolist()
    assert ", gap 0.0001, warm start with CPU clock; " in again.render() and "warm start" not in first.render()
    patient = run_scale_bench(replace(on_cpu, start_patience=2.0), tmp_path / "c", executor=inline, progress=False)
    assert ", warm start with patience 2 s and CPU clock; " in patient.render()
    with pytest.raises(ConfigError, match=r"ScaleBenchConfig: start_clock='process' is not one of 'wall', 'cpu'"):
        replace(config, start_clock="process")


@pytest.mark.parametrize(
    ("solver", "encodings", "named"),
    [
        ("highs", ("gurobi-ml",), "gurobi"),
        ("highs", ("pruned", "gurobi-ml"), "highs and gurobi for gurobi-ml"),
        ("scip", ("omlt-bigm", "pruned"), "scip"),
        ("gurobi", ("pruned", "gurobi-ml"), "gurobi"),
    ],
)
def test_the_title_names_the_solvers_of_the_run_s_encodings(solver, encodings, named):
    """probe137 #2: a run of the gurobi-ml peer route alone was titled "highs (1 thread)", --solver's default."""
    config = ScaleBenchConfig(
        nets=("b12-best-3x4",), instances=("haverly1",), encodings=encodings, solver=SolverConfig(time_limit=5.0, solver=solver)
    )
    title = ScaleBenchResult(config, (), pd.DataFrame(), pd.DataFrame(), Path("."), 0.0, None).render().splitlines()[0]
    assert title.startswith(f"1 instances, {named} (1 thread), time limit 5 s")


def test_the_title_names_no_warm_start_settings_where_no_encoding_has_a_warm_start():
    """probe137 #3: --start-patience/--start-clock showed as applied to a run of omlt-bigm, which has no warm start."""
    config = ScaleBenchConfig(nets=("b12-best-3x4",), instances=("haverly1",), start_patience=3.0, start_clock="cpu")
    render = ScaleBenchResult(
        replace(config, encodings=("omlt-bigm", "pruned-cold")), (), _starts(), pd.DataFrame(), Path("."), 0.0, None
    ).render()
    assert "warm start" not in render
    started = ScaleBenchResult(config, (), _starts(), pd.DataFrame(), Path("."), 0.0, None).render()
    assert ", warm start with patience 3 s and CPU clock; " in started


def _starts():
    """Five solves by hand: a start out of time, one that stopped early, one with a point, a cold solve, a 2nd net's."""
    return pd.DataFrame(
        {
            "net": ["a", "a", "a", "a", "b"],
            "instance": ["foulds3", "foulds4", "foulds5", "adhya1", "foulds3"],
            "start_found": [False, False, True, None, False],
            "start_s": [5.3, 1.2, 5.6, 0.0, 4.95],
        }
    )


def test_short_starts_are_those_without_a_point_at_the_end_of_their_budget():
    assert short_starts(_starts(), 5.0)[["net", "instance"]].values.tolist() == [["a", "foulds3"], ["b", "foulds3"]]
    assert short_starts(_starts(), 30.0).empty  # a patience of 25 s: none used all of it
    assert short_starts(pd.DataFrame({"net": ["a"], "instance": ["x"]}), 5.0).empty  # no warm start at all
    with pytest.raises(ConfigError, match=r"short_starts: budget=0 must be a positive number of seconds, e.g. 5.0"):
        short_starts(_starts(), 0)


def test_a_solve_a_licence_refused_or_that_failed_is_not_a_start_that_ran_out_of_time():
    """probe137 #1: a licence-refused row was noted as a short start, with --start-patience as its cure."""
    ended = _starts().assign(status=["refused", "timeout", "solved", "solved", "error"])
    assert short_starts(ended, 5.0)[["net", "instance"]].values.tolist() == []
    assert short_starts(ended.assign(status="infeasible"), 5.0).empty  # no start finds a point there
    config = ScaleBenchConfig(nets=("b12-best-3x4",), instances=("haverly1",))
    assert ScaleBenchResult(config, (), ended, pd.DataFrame(), Path("."), 0.0, None).short_start_note() == ""
    timed_out = ended.assign(status="timeout")  # what counts as one is unchanged
    assert short_starts(timed_out, 5.0)[["net", "instance"]].values.tolist() == [["a", "foulds3"], ["b", "foulds3"]]


@pytest.mark.parametrize(("clock", "advice"), [("wall", True), ("cpu", False)])
def test_the_short_start_note_names_them_and_what_to_rerun_with(clock, advice):
    config = ScaleBenchConfig(nets=("b12-best-3x4",), instances=("haverly1",), start_clock=clock)
    result = ScaleBenchResult(config, (), _starts(), pd.DataFrame(), Path("."), 0.0, None)
    note = result.short_start_note()
    assert note.startswith("note: 2 warm start(s) ran out of time without a point (a on foulds3; b on foulds3)")
    assert ("rerun with --start-clock cpu" in note) is advice and "--start-patience SECONDS" in note
    quiet = ScaleBenchResult(config, (), _starts().iloc[1:4], pd.DataFrame(), Path("."), 0.0, None)
    assert quiet.short_start_note() == "" and quiet.short_starts.empty


def test_a_solver_or_peer_that_is_not_installed_stops_the_run_before_any_solve(tmp_path, monkeypatch):
    """It used to become an error row per solve, cached as such: a rerun with the solver installed reused them."""
    import importlib.util

    from surrogate.errors import SolverUnavailableError

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name.startswith("gurobi") else find_spec(name, *a))
    config = ScaleBenchConfig(
        nets=("b12-best-3x4",), instances=("random1-s0",), solver=SolverConfig(time_limit=5.0, solver="gurobi")
    )
    with pytest.raises(SolverUnavailableError, match=r"solver 'gurobi' is not available: gurobipy is not installed; install"):
        run_scale_bench(config, tmp_path / "solver", executor=ExecutorConfig(workers=1), progress=False)
    peer = ScaleBenchConfig(nets=("b12-best-3x4",), instances=("random1-s0",), encodings=("gurobi-ml",))
    with pytest.raises(SolverUnavailableError, match=r"peer 'gurobi-ml' needs gurobipy and gurobi_ml; install them"):
        run_scale_bench(peer, tmp_path / "peer", executor=ExecutorConfig(workers=1), progress=False)
    assert not (tmp_path / "solver").exists() and not (tmp_path / "peer").exists()


def test_a_cached_row_without_what_the_tables_read_is_damaged_and_solved_again(tmp_path):
    """Valid JSON under the right key but without its status or time: it crashed the SGM, and --reuse spread it."""
    from surrogate.experiments.cache import CACHE_DIR

    config = ScaleBenchConfig(nets=("b12-best-3x4",), instances=("haverly1",), solver=SolverConfig(time_limit=5.0))
    inline = ExecutorConfig(workers=1)
    first = run_scale_bench(config, tmp_path / "a", executor=inline, progress=False)
    entries = [p for p in (tmp_path / "a" / CACHE_DIR).glob("solve-*.json") if '"status"' in p.read_text()]
    assert len(entries) == 1
    entry = json.loads(entries[0].read_text())
    for key in ("termination", "wall_time"):
        entry["result"]["rows"][0].pop(key)
    entries[0].write_text(json.dumps(entry))
    reused = run_scale_bench(config, tmp_path / "b", executor=inline, progress=False, reuse=[tmp_path / "a"])
    assert (reused.units.computed, reused.units.reused) == (1, 0)  # the damaged entry was not adopted
    again = run_scale_bench(config, tmp_path / "a", executor=inline, progress=False)
    assert (again.units.computed, again.units.damaged) == (1, 1)
    assert again.table["solved"].tolist() == first.table["solved"].tolist()


def _finished_looking_folder(folder: Path) -> dict:
    """A folder holding results files (their contents do not matter: nothing may touch them)."""
    (folder / "cache").mkdir(parents=True)
    for name in ("config.json", "solves.csv", "table.csv", "cache/unit.json"):
        (folder / name).write_text(name)
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()}


def test_fresh_with_a_bad_reuse_or_an_executor_that_cannot_start_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    """--fresh emptied the folder first, then refused a missing --reuse folder or an unreachable scheduler."""
    from surrogate.experiments import scale_bench

    out = tmp_path / "run"
    before = _finished_looking_folder(out)
    config = ScaleBenchConfig(quick=True, instances=("haverly1",))
    with pytest.raises(ResultsFolderError, match="no_such_dir: no cache/ folder to reuse units from"):
        run_scale_bench(config, out, reuse=[tmp_path / "no_such_dir"], fresh=True)
    with pytest.raises(ResultsFolderError, match="is both the folder to reuse and the --out folder that --fresh empties"):
        run_scale_bench(config, out, reuse=[out], fresh=True)

    def unreachable(executor):
        raise ConfigError("cannot reach the Dask scheduler")

    monkeypatch.setattr(scale_bench, "open_executor", unreachable)
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        run_scale_bench(config, out, fresh=True)
    assert {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*") if p.is_file()} == before


def test_a_net_file_changed_or_broken_during_a_run_fails_its_unit_rather_than_caching_a_row(tmp_path):
    """A file swapped mid-run had its solves cached under the first file's key; an emptied one cached 'error'."""
    from surrogate.files import sha256_file

    path = export_onnx(resolve_surrogate("b12-best-3x4"), tmp_path / "net.onnx")
    began = sha256_file(path)
    export_onnx(resolve_surrogate("b12-best-1x12"), path)  # another net under the same path
    with pytest.raises(ModelFormatError, match=r"net\.onnx: the net's file changed while the run was going"):
        solve_unit("haverly1", str(path), "", "pruned", SolverConfig(time_limit=5), sha256=began)
    path.write_bytes(b"")
    with pytest.raises(ModelFormatError, match=r"net\.onnx is empty"):
        solve_unit("haverly1", str(path), "", "pruned", SolverConfig(time_limit=5))


def test_a_run_stopped_while_adopting_units_leaves_a_folder_that_fresh_empties(tmp_path, monkeypatch):
    """config.json was written after --reuse's entries were copied: stopped there, --fresh refused the folder."""
    from surrogate.experiments import scale_bench
    from surrogate.experiments.cache import UnitCache, open_results_folder

    def stopped(cache, units, sources, *, accept=None):
        cache.write("solve", "ab" * 16, {}, {"rows": []})
        raise KeyboardInterrupt

    monkeypatch.setattr(scale_bench, "adopt_units", stopped)
    config = ScaleBenchConfig(nets=("b12-best-3x4",), instances=("haverly1",))
    with pytest.raises(KeyboardInterrupt):
        run_scale_bench(config, tmp_path, executor=ExecutorConfig(workers=1), progress=False)
    with open_results_folder(tmp_path, config.to_dict(), kind="scale", fresh=True) as cache:
        assert len(cache) == 0 and not (tmp_path / "config.json").exists()
    assert isinstance(cache, UnitCache)


def test_config_json_is_written_once_before_the_units_run(tmp_path, monkeypatch):
    """It was written before --reuse's units were adopted, then again (the same record, or with reused_from) after."""
    from surrogate.experiments import scale_bench

    written, real = [], scale_bench.write_text
    monkeypatch.setattr(scale_bench, "write_text", lambda path, text: written.append((path.name, text)) or real(path, text))

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(scale_bench, "run_units", stopped)
    (tmp_path / "old" / "cache").mkdir(parents=True)
    config = ScaleBenchConfig(nets=("b12-best-3x4",), instances=("haverly1",))
    with pytest.raises(KeyboardInterrupt):
        run_scale_bench(config, tmp_path / "run", executor=ExecutorConfig(workers=1), progress=False, reuse=[tmp_path / "old"])
    assert [name for name, _ in written] == ["config.json"]
    record = json.loads(written[0][1])
    assert not record["complete"] and record["reused_from"] == [str((tmp_path / "old").resolve())]


@pytest.mark.parametrize("name", ["nets", "encodings", "instances", "baselines", "zoos"])
@pytest.mark.parametrize("value", [3, None])
def test_a_field_of_names_given_one_value_is_refused_by_name(name, value):
    """These raised a bare TypeError ('int' object is not iterable) from deep in the config's checks."""
    with pytest.raises(
        ConfigError, match=rf"ScaleBenchConfig: {name}={value} must be a sequence of names \(a tuple or list\), e.g. \("
    ):
        ScaleBenchConfig(**{name: value})


def test_names_in_a_generator_are_kept():
    """A generator was consumed by the check of its items and the field left empty: the suite ran, not the instance."""
    assert ScaleBenchConfig(instances=(n for n in ["haverly1"])).instances == ("haverly1",)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"instances": ("nowhere",)}, r"ScaleBenchConfig: instances=\('nowhere',\): unknown instance 'nowhere'"),
        ({"baselines": ("spline-3",)}, r"ScaleBenchConfig: baselines=\('spline-3',\): unknown baseline 'spline-3'"),
        ({"baselines": ("sawtooth-100",)}, r"ScaleBenchConfig: baselines=\('sawtooth-100',\): Sawtooth: binaries=100 must be"),
    ],
)
def test_an_unknown_name_is_refused_under_the_config_and_field(options, match):
    with pytest.raises(ConfigError, match=match):
        ScaleBenchConfig(**options)


def test_both_timing_benchmarks_share_one_default_number_of_workers():
    """bench scale's WORKERS is bench solve-time's, not a second literal 2 that could drift from it."""
    from surrogate.experiments import scale_bench_config, solve_bench_config

    assert scale_bench_config.WORKERS is solve_bench_config.WORKERS


@pytest.mark.parametrize("solved", [[True], [True, "yes"], [1, 0]])
def test_uniform_speedup_takes_one_true_or_false_per_time(solved):
    message = r"uniform_speedup: solved must be one True/False per time \(2\), e\.g\. status == 'solved'; got "
    with pytest.raises(ConfigError, match=message):
        uniform_speedup([1.0, 7.0], 60.0, 1.0, solved=solved)


def test_a_solve_unit_is_keyed_by_its_nets_content_its_kind_and_a_peers_route():
    """A net retrained under the same name (another file hash), a baseline of a net's name, and a peer's solve of an
    older route are each another unit: a key without them let a resumed run adopt solves of another net or route."""
    from surrogate.experiments import scale_bench
    from surrogate.experiments.cache import unit_key
    from surrogate.experiments.peers import PEER_ROUTE_VERSION
    from surrogate.experiments.scale_bench_nets import BASELINE, NetRef

    config = ScaleBenchConfig(quick=True)
    ref = NetRef("n", "n", "zoo", 0.1, 0.2, "a" * 64)

    def spec(r=ref, encoding="omlt-bigm"):
        return scale_bench._solve_spec(config, "random4-s0", r, encoding)

    base = unit_key("solve", spec())
    assert unit_key("solve", spec()) == base
    assert unit_key("solve", spec(replace(ref, sha256="b" * 64))) != base
    assert unit_key("solve", spec(replace(ref, kind=BASELINE))) != base
    assert spec(encoding="gurobi-ml")["peer_route"] == PEER_ROUTE_VERSION and "peer_route" not in spec()


def test_an_optimum_scip_did_not_prove_is_recorded_as_unknown(monkeypatch):
    from surrogate.experiments import scip_reference
    from surrogate.milp.solver_config import Termination

    monkeypatch.setattr(scip_reference, "solve_exact_with_scip", lambda model, limit: (-9.5, 60.0, Termination.TIME_LIMIT))
    row = solve_exact("random8-s0", 60.0)["rows"][0]
    assert math.isnan(row["optimum"]) and row["optimum_source"] == f"unknown (SCIP: {Termination.TIME_LIMIT})"
    monkeypatch.setattr(scip_reference, "solve_exact_with_scip", lambda model, limit: (-9.5, 1.0, Termination.OPTIMAL))
    row = solve_exact("random8-s0", 60.0)["rows"][0]
    assert row["optimum"] == -9.5 and row["optimum_source"].startswith("SCIP on the exact model, rel_gap 1e-06")


def test_an_instances_products_are_its_n_not_its_seed():
    from surrogate.experiments.scale_suite import products

    assert products("random8-s3") == 8 and products("random1-s5") == 1
    from surrogate.experiments.problem_package import problems_package

    assert products("foulds2") == problems_package().build("foulds2").info["bilinear_terms"]
