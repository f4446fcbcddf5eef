"""``bench scale`` with classic approximations beside the nets: their config, their errors, one tiny run."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from surrogate import ConfigError, SolverConfig
from surrogate.executors import ExecutorConfig
from surrogate.experiments.cache import FORMAT_VERSION, open_results_folder
from surrogate.experiments.scale_bench import run_scale_bench
from surrogate.experiments.scale_bench_config import ScaleBenchConfig
from surrogate.experiments.scale_bench_nets import BASELINE, NET, resolve_nets
from surrogate.milp.baselines import Sawtooth
from surrogate.nets.metrics import grid


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"baselines": ("spline-3",)}, "unknown baseline 'spline-3'; use sawtooth-<binaries>"),
        ({"baselines": ("nmdt-8",)}, "baseline 'nmdt-8' is a relaxation, whose optimum bounds the problem"),
        ({"baselines": ("pwl-5x5",)}, r"'pwl-5x5' gives no binaries per point, .* encodings \['pruned'\] cannot fix them"),
        ({"baselines": ("sawtooth-10", "sawtooth-10")}, "baselines=.* lists a name twice"),
        ({"baselines": "sawtooth-10"}, "baselines='sawtooth-10' must be a sequence of names, not one string"),
        (
            {"baselines": ("sawtooth-10",), "encodings": ("pruned", "scip-ml")},
            r"the peer routes \['scip-ml'\] embed ONNX nets and cannot run the baselines \['sawtooth-10'\]",
        ),
    ],
)
def test_a_bad_baseline_says_how_to_fix_it(options, match):
    with pytest.raises(ConfigError, match=match):
        ScaleBenchConfig(**options)


def test_a_run_without_baselines_or_solver_options_records_the_config_of_older_folders(tmp_path):
    config = ScaleBenchConfig(nets=("b12-best-3x4",))
    assert "baselines" not in config.to_dict()
    assert ScaleBenchConfig(baselines=("sawtooth-10",)).to_dict()["baselines"] == ("sawtooth-10",)
    newer = ("baselines", "start_patience", "start_clock")  # fields that older folders do not record
    fields = {k: v for k, v in dataclasses.asdict(config).items() if k not in newer}
    fields["solver"] = {k: v for k, v in fields["solver"].items() if k != "options"}  # and before solver options
    older = {"kind": "scale", "format": FORMAT_VERSION, "config": json.loads(json.dumps(fields, default=str))}
    (tmp_path / "config.json").write_text(json.dumps(older))
    with open_results_folder(tmp_path, config.to_dict(), kind="scale"):  # no "holds a different run"
        pass


def test_a_baseline_without_a_warm_start_may_be_any_approximation():
    assert ScaleBenchConfig(baselines=("pwl-5x5",), encodings=("pruned-cold",)).baselines == ("pwl-5x5",)


def test_a_baseline_is_scored_on_the_grid_of_the_zoo_nets():
    refs = resolve_nets(ScaleBenchConfig(nets=("b12-best-3x4",), baselines=("sawtooth-10",)))
    assert [(r.label, r.kind) for r in refs] == [("b12-best-3x4", NET), ("sawtooth-10", BASELINE)]
    points = grid()
    error = np.abs(Sawtooth(10).evaluate(points[:, 0], points[:, 1]) - points[:, 0] * points[:, 1])
    assert (refs[1].mae, refs[1].max_error) == (error.mean(), error.max())
    assert refs[1].mae < refs[1].max_error <= Sawtooth(10).max_error
    assert (refs[1].zoo, refs[1].sha256, refs[1].same_as) == ("", "", "")


@pytest.mark.solver
def test_a_baseline_runs_beside_a_net_and_leaves_the_nets_cached_solves_valid(tmp_path):
    config = ScaleBenchConfig(
        nets=("b12-best-3x4",),
        instances=("haverly1",),
        encodings=("pruned-exact-seed",),
        solver=SolverConfig(time_limit=5.0, rel_gap=1e-4),
    )
    inline = ExecutorConfig(workers=1)
    run_scale_bench(config, tmp_path / "nets", executor=inline, progress=False)
    both = ScaleBenchConfig(**{**config.to_dict(), "solver": config.solver, "baselines": ("sawtooth-4",)})
    result = run_scale_bench(both, tmp_path / "both", executor=inline, progress=False, reuse=[tmp_path / "nets"])
    assert (result.units.computed, result.units.reused) == (1, 1)  # only the baseline is solved
    solves = pd.read_csv(tmp_path / "both" / "solves.csv")
    assert solves["net"].tolist() == ["b12-best-3x4", "sawtooth-4"]
    row = solves.set_index("net").loc["sawtooth-4"]
    assert row["start_found"] and row["start_seed"] == "exact"  # its binaries fixed like a net's activations
    assert row["binaries"] == 4 * row["products"] and row["status"] == "solved"
    table = result.table.set_index("net")
    assert table.loc["sawtooth-4", "grid_mae"] == resolve_nets(both)[1].mae


def test_an_onnx_net_whose_external_data_file_changes_gets_a_new_key_and_is_refused_mid_run(tmp_path):
    """New weights of the same shapes leave net.onnx byte-identical: its hash alone kept the old net's key
    (its cached solves were served for the new net) and load_net took the new weights for the old ones."""
    from surrogate import ModelFormatError
    from surrogate.experiments.scale_bench_nets import load_net
    from tests.helpers import external_data_net

    path, write = external_data_net(tmp_path)

    def save(scale):
        return write(scale), resolve_nets(ScaleBenchConfig(nets=(str(path),)))[0].sha256

    (first, before), (second, after) = save(1.0), save(2.0)
    assert first == second and before != after  # only net.onnx.data changed, and the key with it
    with pytest.raises(ModelFormatError, match=r"net\.onnx: the net's file changed while the run was going"):
        load_net(str(path), "", NET, before)
    assert load_net(str(path), "", NET, after).architecture.hidden == (6, 6)


def test_two_onnx_files_of_one_name_are_refused_as_sharing_a_label(tmp_path):
    """bench scale --net a/x.onnx --net b/x.onnx: both rows would be labelled 'x'."""
    from surrogate import export_onnx
    from tests.helpers import random_net

    paths = []
    for folder, seed in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        paths.append(str(tmp_path / folder / "x.onnx"))
        export_onnx(random_net((3,), seed=seed), paths[-1])
    with pytest.raises(ConfigError, match=r"two nets share a label \(x, x\); rename an ONNX file"):
        resolve_nets(ScaleBenchConfig(nets=tuple(paths)))


def test_a_zoo_net_whose_mae_is_exactly_max_mae_is_in_the_run():
    from surrogate.nets.zoo import DEFAULT_ZOO, read_zoo

    entries = [e for e in read_zoo(DEFAULT_ZOO)["models"] if e["budget"] == 12]
    worst = max(entries, key=lambda e: e["mae"])
    labels = {ref.label for ref in resolve_nets(ScaleBenchConfig(budget=12, max_mae=worst["mae"]))}
    assert labels == {e["name"] for e in entries}  # the worst net is the bound itself: <=, not <


def test_a_zoo_net_whose_file_is_not_the_one_the_run_began_with_is_refused():
    from surrogate.errors import ModelFormatError
    from surrogate.experiments.scale_bench_nets import load_net
    from surrogate.nets.zoo import DEFAULT_ZOO, find_entry

    entry = find_entry(DEFAULT_ZOO, "b12-best-3x4")
    assert load_net("b12-best-3x4", str(DEFAULT_ZOO), sha256=entry["sha256"]).architecture.name == "3x4"
    with pytest.raises(ModelFormatError, match=r"b12-best-3x4\.onnx: the net's file changed while the run was going"):
        load_net("b12-best-3x4", str(DEFAULT_ZOO), sha256="0" * 64)
