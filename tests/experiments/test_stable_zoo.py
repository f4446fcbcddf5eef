"""The zoo family trained for solve time (surrogate.experiments.stable_zoo).

A short run of the family (one shape, λ = 0 and 1) shows that the penalties
and pruning lower the unstable-neuron count and big-M width under ``milp``
bounds; every new net, those of that run and of the committed ``models/stable/``
folder, is encoded exactly: fixed inputs at 100 points reproduce its forward pass.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from surrogate import add_surrogate, solve
from surrogate.errors import ConfigError
from surrogate.experiments.stable_zoo import FAMILY_FILE, build_stable_zoo, family_table, main, merge_family, start_net
from surrogate.milp.bounds import net_bounds
from surrogate.milp.solver import make_solver
from surrogate.nets.onnx_io import load_onnx, read_metadata
from surrogate.nets.sources import parse_stable_label, parse_stable_source, stable_source
from surrogate.nets.zoo import check_entry_file, load_manifest, parse_zoo_name, resolve_surrogate, zoo_name
from surrogate.train.solve_time import SolveTimeConfig

pytestmark = [pytest.mark.solver, pytest.mark.training]

SHORT = SolveTimeConfig(steps=50, finetune_steps=50)
FAMILY = Path(__file__).resolve().parents[2] / "models" / "stable"
FAMILY_NETS = [m["name"] for m in load_manifest(FAMILY)["models"]] if (FAMILY / "manifest.json").is_file() else []
POINTS = 100


@pytest.fixture(scope="module")
def short_family(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stable")
    rows = build_stable_zoo(folder, shapes=["4x6"], lams=[0.0, 1.0], config=SHORT, max_mae=None)
    return folder, rows.set_index("lam")


def test_penalties_lower_unstable_neurons_and_bigm_width(short_family):
    folder, rows = short_family
    start = net_bounds(resolve_surrogate("b24-best-4x6"), "milp")
    for lam in (0.0, 1.0):
        net = load_onnx(folder / f"b24-{stable_source(lam)}-4x6.onnx")
        found = net_bounds(net, "milp")
        assert (found.unstable, found.bigm_width) == (rows.loc[lam, "unstable"], pytest.approx(rows.loc[lam, "bigm_width"]))
        assert (rows.loc[lam, "start_unstable"], rows.loc[lam, "start_bigm_width"]) == (start.unstable, start.bigm_width)
    plain, penalised = rows.loc[0.0], rows.loc[1.0]
    assert penalised["unstable"] < start.unstable and penalised["bigm_width"] < start.bigm_width
    assert penalised["unstable"] <= plain["unstable"] and penalised["bigm_width"] < plain["bigm_width"]
    assert penalised["mae"] <= 1e-3


def test_family_folder_is_a_zoo(short_family):
    folder, rows = short_family
    entries = load_manifest(folder)["models"]
    assert [e["name"] for e in entries] == ["b24-stable-l0-4x6", "b24-stable-l1-4x6"]
    for entry in entries:
        net = load_onnx(check_entry_file(folder, entry))  # the SHA-256 matches
        assert parse_zoo_name(entry["name"]).source == entry["source"] == stable_source(entry["lam"])
        meta = read_metadata(folder / entry["file"])
        assert float(meta["lam"]) == entry["lam"] and meta["penalties"] == '["stability", "bigm"]'
        assert meta["start"] == "b24-best-4x6" and "milp" in meta["bounds"]
        assert net_bounds(net, "milp").seconds > 0  # stored bounds come back without a solve
        assert entry["mae"] == pytest.approx(rows.loc[entry["lam"], "mae"])
    assert resolve_surrogate("4x6", zoo=folder).architecture.name == "4x6"
    table = pd.read_csv(folder / FAMILY_FILE)
    assert list(table["exported"]) == [True, True] and "b24-stable-l1-4x6" in family_table(table)


def _exact_at_fixed_points(net, solver_config) -> float:
    """Largest |MILP output - forward pass| of the pruned encoding over 100 fixed inputs."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    enc = add_surrogate(m, net, [m.x, m.y])
    m.obj = pyo.Objective(expr=enc.output)
    solver = make_solver(solver_config)
    points = np.random.default_rng(11).uniform(-1, 1, (POINTS, 2))
    got = []
    for x, y in points:
        m.x.fix(float(x))
        m.y.fix(float(y))
        assert solve(m, solver_config, solver=solver).optimal
        got.append(pyo.value(enc.output))
    return float(np.abs(np.array(got) - net.forward(points)).max())


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_short_family_encodings_are_exact(short_family, solver_config, lam):
    folder, _ = short_family
    assert _exact_at_fixed_points(load_onnx(folder / f"b24-{stable_source(lam)}-4x6.onnx"), solver_config) <= 1e-6


@pytest.mark.parametrize("name", FAMILY_NETS)
def test_committed_family_encodings_are_exact(solver_config, name):
    entry = next(m for m in load_manifest(FAMILY)["models"] if m["name"] == name)
    net = load_onnx(check_entry_file(FAMILY, entry))
    assert net_bounds(net, "milp").unstable == entry["unstable"]
    assert _exact_at_fixed_points(net, solver_config) <= 1e-6


def test_stable_source_labels():
    assert [stable_source(v) for v in (0, 0.003, 1.0)] == ["stable-l0", "stable-l0.003", "stable-l1"]
    assert parse_stable_source("stable-l0.003") == 0.003
    assert [parse_stable_source(s) for s in ("stable-l1e-05", "stable-lx", "best", "stable-l0.30")] == [None] * 4
    with pytest.raises(ConfigError, match=r"lam=-1 must be a finite number >= 0"):
        stable_source(-1)


def test_stable_source_labels_name_a_start_other_than_best():
    assert stable_source(0.3, start="hand-shared") == "stable-hand-shared-l0.3"
    assert stable_source(0.3, start="best") == "stable-l0.3"
    assert parse_stable_label("stable-hand-paired-l1") == ("hand-paired", 1.0)
    assert parse_stable_label("stable-l0.01") == ("best", 0.01)
    assert parse_stable_source("stable-hand-shared-l0.3") == 0.3
    bad = ("stable-best-l1", "stable--l1", "stable-Hand-l1", "stable-hand-shared-l0.30", "hand-shared-l1")
    assert [parse_stable_label(s) for s in bad] == [None] * len(bad)
    assert parse_zoo_name("b24-stable-hand-shared-l1-4x6").source == "stable-hand-shared-l1"
    with pytest.raises(ConfigError, match=r"start source 'Hand shared' must be a zoo source label"):
        stable_source(1, start="Hand shared")


def test_family_rows_of_other_runs_are_kept(tmp_path):
    merge_family(tmp_path, [{"name": "a", "mae": 1.0}, {"name": "b", "mae": 2.0}])
    merged = merge_family(tmp_path, [{"name": "b", "mae": 3.0}, {"name": "c", "mae": 4.0}])
    table = pd.read_csv(tmp_path / FAMILY_FILE)
    assert list(table["name"]) == list(merged["name"]) == ["a", "b", "c"]
    assert list(table["mae"]) == [1.0, 3.0, 4.0]


def test_committed_family_has_nets_started_from_hand_built_ones():
    starts = {parse_stable_label(parse_zoo_name(n).source)[0] for n in FAMILY_NETS}
    assert {"best", "hand-shared", "hand-paired"} <= starts
    for entry in load_manifest(FAMILY)["models"]:
        start, lam = parse_stable_label(entry["source"])
        assert entry["start"] == zoo_name(parse_zoo_name(entry["name"]).architecture, start) and entry["lam"] == lam
        assert entry["mae"] <= 1e-3


def test_bad_requests_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"has no net 'b25-best-5x5' to start from"):
        start_net("5x5")
    with pytest.raises(ConfigError, match=r"has no net 'b24-nope-3x8' to start from"):
        start_net("3x8", start="nope")
    with pytest.raises(ConfigError, match=r"max_mae=0 must be a positive number"):
        build_stable_zoo(tmp_path, max_mae=0)
    with pytest.raises(SystemExit):
        main(["--help"])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--lams", "-1"], "SolveTimeConfig: lam=-1.0 must be a number >= 0"),
        (["--shapes", "3xx8"], "cannot parse architecture '3xx8'"),
        (["--max-mae", "0"], "max_mae=0.0 must be a positive number"),
        # probe98 #3: trained, then 'File name too long' (λ spelt in 302 decimals), leaving manifest.pending.json
        (["--lams", "1e-300"], "penalty weight lam=1e-300 must be 0 or from 1e-100 to 1e+100 to be named"),
        (["--lams", "0.1", "1e300"], "SolveTimeConfig: lam=1e+300 must be a number >= 0 and <= 1e+100"),
    ],
)
def test_the_module_command_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path, capsys, args, match):
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / "family"), *args])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m surrogate.experiments.stable_zoo: error: ") and match in err and "Traceback" not in err
    assert not (tmp_path / "family").exists()


@pytest.mark.parametrize("args", [["--lam", "-1"], ["--max", "0"], ["--shape", "3xx8"]])
def test_the_module_command_takes_no_abbreviated_option(tmp_path, capsys, args):
    """probe142 #3: an abbreviation was read as the option it starts (--lams, --max-mae, --shapes), which the
    surrogate command no longer does."""
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / "family"), *args])
    assert stop.value.code == 2
    assert (
        f"python -m surrogate.experiments.stable_zoo: error: unrecognized arguments: {' '.join(args)}" in capsys.readouterr().err
    )
    assert not (tmp_path / "family").exists()


def test_merging_an_entry_whose_file_is_missing_is_refused_not_recorded_as_a_null_hash(tmp_path):
    import json

    from surrogate.experiments.stable_zoo import merge_entries

    (tmp_path / "manifest.json").write_text(json.dumps({"version": 1, "models": []}))
    entry = {"name": "b24-x", "file": "b24-x.onnx", "budget": 24, "architecture": "3x8", "sha256": "0" * 64}
    match = r"b24-x\.onnx: the file of 'b24-x' cannot be read or is not the one this build wrote; train the family again"
    with pytest.raises(ConfigError, match=match):
        merge_entries(tmp_path, [entry])
    assert json.loads((tmp_path / "manifest.json").read_text()) == {"version": 1, "models": []}


def test_merging_an_entry_whose_file_was_replaced_since_is_refused_not_paired_with_that_file(tmp_path):
    """merge_entries took the hash of whatever file was on disk: an entry named a file its build never wrote."""
    import hashlib
    import json

    from surrogate.experiments.stable_zoo import merge_entries

    (tmp_path / "manifest.json").write_text(json.dumps({"version": 1, "models": []}))
    (tmp_path / "b24-x.onnx").write_bytes(b"written by the build")
    sha = hashlib.sha256(b"written by the build").hexdigest()
    entry = {"name": "b24-x", "file": "b24-x.onnx", "budget": 24, "architecture": "3x8", "sha256": sha}
    (tmp_path / "b24-x.onnx").write_bytes(b"replaced by someone else")
    with pytest.raises(ConfigError, match=r"b24-x\.onnx: the file of 'b24-x' cannot be read or is not the one this build wrote"):
        merge_entries(tmp_path, [entry])
    assert json.loads((tmp_path / "manifest.json").read_text()) == {"version": 1, "models": []}
    (tmp_path / "b24-x.onnx").write_bytes(b"written by the build")
    assert merge_entries(tmp_path, [entry])["models"] == [entry]


def test_a_build_interrupted_before_the_manifest_is_written_leaves_every_net_loadable(short_family, tmp_path, monkeypatch):
    """The member's entry is noted as pending before its file is replaced (the old entry named the new file: refused)."""
    import shutil

    from surrogate.experiments import stable_zoo

    folder, rows = short_family
    for file in folder.iterdir():
        shutil.copy(file, tmp_path)
    entry = load_manifest(tmp_path)["models"][0]
    net = load_onnx(tmp_path / entry["file"])
    row = {**rows.reset_index().set_index("name").loc[entry["name"]].to_dict(), "name": entry["name"]}

    def interrupted(zoo_dir, manifest):
        raise KeyboardInterrupt

    monkeypatch.setattr(stable_zoo, "write_manifest", interrupted)
    with pytest.raises(KeyboardInterrupt):
        stable_zoo.merge_entries(tmp_path, [stable_zoo.export_member(net.with_metadata(lam=9.0), row, tmp_path)])
    assert read_metadata(tmp_path / entry["file"])["lam"] == "9.0"  # the file was replaced
    for e in load_manifest(tmp_path)["models"]:
        load_onnx(check_entry_file(tmp_path, e))


@pytest.mark.parametrize("threads", [10**30, 0, 1.5])
def test_build_stable_zoo_refuses_a_thread_count_out_of_range_before_any_work(tmp_path, threads):
    with pytest.raises(ConfigError, match=r"build_stable_zoo: threads=.* must be a positive integer up to 1024"):
        build_stable_zoo(tmp_path / "family", threads=threads)
    assert not (tmp_path / "family").exists()


def test_every_default_start_is_the_stable_familys_default(monkeypatch, tmp_path):
    """The start of start_net, build_stable_zoo and the script's --start is sources.DEFAULT_STABLE_START (the start
    whose fine-tuned nets keep the short label), not three more literals 'best'."""
    import inspect

    import surrogate.experiments.stable_zoo as stable_zoo
    from surrogate.nets.sources import DEFAULT_STABLE_START

    for function in (start_net, build_stable_zoo):
        assert inspect.signature(function).parameters["start"].default == DEFAULT_STABLE_START
    given = {}
    monkeypatch.setattr(stable_zoo, "build_stable_zoo", lambda out_dir, **kwargs: given.update(kwargs) or pd.DataFrame())
    monkeypatch.setattr(stable_zoo, "family_table", lambda rows: "")
    main([str(tmp_path / "family")])
    assert given["start"] == DEFAULT_STABLE_START


def test_a_net_whose_mae_is_exactly_max_mae_is_exported(tmp_path, monkeypatch):
    """The threshold is inclusive (grid MAE <= max_mae), as --max-mae's help says: train_one and the export are
    stand-ins here, so only the choice of build_stable_zoo is checked."""
    from surrogate.experiments import stable_zoo

    exported = []
    rows = {0.0: 1e-3, 0.1: 1e-3 * (1 + 1e-12)}  # lam -> grid MAE: at the threshold, then just past it
    monkeypatch.setattr(stable_zoo, "start_net", lambda shape, start, zoo: ("net", {"name": f"b24-best-{shape}"}))
    monkeypatch.setattr(stable_zoo, "train_one", lambda net, entry, lam, config: ("net", {"name": f"l{lam}", "mae": rows[lam]}))
    monkeypatch.setattr(stable_zoo, "export_member", lambda net, row, out_dir: exported.append(row["name"]) or {})
    monkeypatch.setattr(stable_zoo, "merge_entries", lambda out_dir, added: None)
    table = stable_zoo.build_stable_zoo(tmp_path / "family", shapes=("3x8",), lams=(0.0, 0.1), max_mae=1e-3)
    assert exported == ["l0.0"] and list(table["exported"]) == [True, False]


def test_a_net_started_from_a_hand_built_one_is_named_and_labelled_by_that_start(monkeypatch):
    """train_one's name and source come from the start entry's source (training, scoring and bounds stand-ins)."""
    from types import SimpleNamespace

    from surrogate.experiments import stable_zoo

    report = SimpleNamespace(fixed_active=0, fixed_inactive=0, to_dict=lambda: {})
    monkeypatch.setattr(stable_zoo, "train_for_solve_time", lambda start, config, bounds_of: (start, report))
    sizes = dict.fromkeys(("unstable", "bigm_width", "stable_active", "stable_inactive"), 0)
    monkeypatch.setattr(stable_zoo, "_measure", lambda net, prefix="": {prefix + k: v for k, v in sizes.items()})
    monkeypatch.setattr(stable_zoo, "score", lambda net: SimpleNamespace(to_dict=lambda: {}))
    monkeypatch.setattr(stable_zoo, "net_bounds", None)  # never reached: _measure is the stand-in
    start = resolve_surrogate("b24-hand-shared-3x8")
    net, row = stable_zoo.train_one(start, {"name": "b24-hand-shared-3x8"}, 0.3, SolveTimeConfig())
    assert row["name"] == "b24-stable-hand-shared-l0.3-3x8" and net.metadata["source"] == "stable-hand-shared-l0.3"
    assert row["start"] == net.metadata["start"] == "b24-hand-shared-3x8"
