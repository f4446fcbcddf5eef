"""Storing bounds in a zoo's ONNX files: every net, or the named ones only."""

import json
import os
import shutil
import types
from pathlib import Path

import pandas as pd
import pytest

import surrogate.experiments.zoo_store as zoo_store
import surrogate.nets.zoo_pending as zoo_pending
from surrogate import ConfigError, ModelFormatError, load_onnx
from surrogate.cli import main
from surrogate.experiments.zoo_store import store_bounds
from surrogate.files import sha256_file
from surrogate.nets.zoo import DEFAULT_ZOO, load_manifest, resolve_surrogate

NAMES = ("b12-hand-paired-1x12", "b12-hand-shared-2x6")


@pytest.fixture
def zoo(tmp_path):
    """A zoo of two of the shipped 12-neuron nets, their files and manifest entries copied."""
    entries = [e for e in load_manifest(DEFAULT_ZOO)["models"] if e["name"] in NAMES]
    for entry in entries:
        shutil.copy(DEFAULT_ZOO / entry["file"], tmp_path / entry["file"])
    (tmp_path / "manifest.json").write_text(json.dumps({"version": 1, "models": entries}))
    return tmp_path


def test_named_nets_get_new_bounds_and_the_others_are_left_as_they_are(zoo):
    before = {n: (zoo / f"{n}.onnx").read_bytes() for n in NAMES}
    rows = store_bounds(zoo, ("interval",), names=[NAMES[0]])
    assert [(r["name"], r["method"]) for r in rows] == [(NAMES[0], "interval")]
    assert (zoo / f"{NAMES[1]}.onnx").read_bytes() == before[NAMES[1]]
    assert (zoo / f"{NAMES[0]}.onnx").read_bytes() != before[NAMES[0]]
    assert set(json.loads(load_onnx(zoo / f"{NAMES[0]}.onnx").metadata["bounds"])) == {"interval"}
    entries = {e["name"]: e for e in load_manifest(zoo)["models"]}
    assert all(entries[n]["sha256"] == sha256_file(zoo / f"{n}.onnx") for n in NAMES)


def test_a_name_not_in_the_zoo_is_refused_before_any_file_changes(zoo, capsys):
    before = {n: (zoo / f"{n}.onnx").read_bytes() for n in NAMES}
    with pytest.raises(ConfigError, match="store_bounds: b12-nope not in .*manifest.json; name nets of that zoo"):
        store_bounds(zoo, ("interval",), names=[NAMES[0], "b12-nope"])
    assert main(["bounds", "--store-zoo", str(zoo), "b12-nope"]) == 2
    assert "b12-nope not in" in capsys.readouterr().err
    assert {n: (zoo / f"{n}.onnx").read_bytes() for n in NAMES} == before


def test_bounds_from_solves_the_time_limit_stopped_are_refused_and_not_stored(zoo, capsys):
    """probe137 #4: --store-zoo with --time-limit 0.001 stored bounds from cut-short solves (load-dependent, looser)."""
    before = {n: (zoo / f"{n}.onnx").read_bytes() for n in NAMES}
    refusal = (
        rf"store_bounds: time_limit=1e-06 s \(--time-limit\) stopped \d+ of its milp solves for {NAMES[1]}, so its "
        r"bounds depend on the machine's load and it was not stored; rerun with a larger time limit, and cap the "
        r"solves by node_limit \(--node-limit\), which does not depend on load"
    )
    with pytest.raises(ConfigError, match=refusal):
        store_bounds(zoo, ("interval", "milp"), names=[NAMES[1]], time_limit=1e-6)
    assert main(["bounds", "--store-zoo", str(zoo), NAMES[1], "--time-limit", "1e-6"]) == 2
    assert "stopped" in capsys.readouterr().err
    assert {n: (zoo / f"{n}.onnx").read_bytes() for n in NAMES} == before
    check_zoo(zoo)


def test_one_method_or_one_name_as_a_string_is_one_item_and_no_methods_is_refused(zoo):
    """methods='interval' was split into 'i', 'n', ... ('unknown bound method 'i''), names='b12-...' likewise;
    methods=[] stored all three methods while names=[] stored none."""
    rows = store_bounds(zoo, "interval", names=NAMES[0])
    assert [(r["name"], r["method"]) for r in rows] == [(NAMES[0], "interval")]
    with pytest.raises(ConfigError, match=r"store_bounds: methods=\[\] names no bound method; pass some, e\.g\. \['interval'\]"):
        store_bounds(zoo, [], names=[NAMES[0]])
    assert store_bounds(zoo, ["interval"], names=[]) == []


def test_an_interrupted_run_leaves_every_rewritten_file_recorded(zoo, monkeypatch):
    """Ctrl-C after the first net: that file is rewritten and recorded, so the zoo loads and a rerun resumes."""
    import surrogate.experiments.zoo_store as zoo_store
    from surrogate.nets.zoo import resolve_surrogate

    real, calls = zoo_store.export_onnx, []

    def export_then_interrupt(net, path):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(net, path)

    monkeypatch.setattr(zoo_store, "export_onnx", export_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        store_bounds(zoo, ("interval",))
    entries = {e["name"]: e for e in load_manifest(zoo)["models"]}
    assert all(entries[n]["sha256"] == sha256_file(zoo / f"{n}.onnx") for n in NAMES)
    for name in NAMES:
        resolve_surrogate(name, zoo=zoo)  # every net loads: none is "a replaced file"


def test_one_shape_given_twice_is_saved_once_and_an_interrupted_save_is_recorded(zoo, monkeypatch):
    """'--arch 2x6 --arch 6-6' listed b12-hand-paired-2x6 twice, and every later read of the zoo refused it;
    Ctrl-C part-way left replaced files whose manifest entries had the old SHA-256."""
    import surrogate.experiments.zoo_store as zoo_store
    from surrogate.nets.zoo import resolve_surrogate

    zoo_store.save_hand_built(["2x6", "6-6"], zoo, variants=("paired",))
    names = [e["name"] for e in load_manifest(zoo)["models"]]
    assert names.count("b12-hand-paired-2x6") == 1
    real, calls = zoo_store.export_onnx, []

    def export_then_interrupt(net, path, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(net, path, **kwargs)

    monkeypatch.setattr(zoo_store, "export_onnx", export_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        zoo_store.save_hand_built(["1x12", "2x6"], zoo, active_margin=0.05)
    for entry in load_manifest(zoo)["models"]:
        assert entry["sha256"] == sha256_file(zoo / entry["file"]), entry["name"]
        resolve_surrogate(entry["name"], zoo=zoo)  # every net loads


def interrupt_after_replacing(monkeypatch, file_name: str, *, before: bool = False) -> None:
    """Ctrl-C right after ``file_name`` is moved into place (before the save can note it), or right ``before``."""
    real = os.replace

    def replace_then_interrupt(src, dst):
        if before and Path(dst).name == file_name:
            raise KeyboardInterrupt
        real(src, dst)
        if Path(dst).name == file_name:
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace_then_interrupt)


def check_zoo(zoo, refused: str = "", match: str = "") -> dict:
    """Every entry records a hash; every net but ``refused`` loads, its file the entry's; ``refused`` raises ``match``."""
    entries = {e["name"]: e for e in load_manifest(zoo)["models"]}
    for name, entry in entries.items():
        assert isinstance(entry.get("sha256"), str), name
        if name == refused:
            with pytest.raises(ModelFormatError, match=match):
                resolve_surrogate(name, zoo=zoo)
        else:
            assert entry["sha256"] == sha256_file(zoo / entry["file"]), name
            resolve_surrogate(name, zoo=zoo)
    return entries


@pytest.mark.parametrize("where", ["export", "after replace"])
def test_a_save_over_an_entry_whose_file_is_missing_records_no_null_hash(zoo, monkeypatch, where):
    """A save of that name that failed before writing recorded sha256=null, and every net of the zoo was refused."""
    lost = "b12-hand-shared-2x6"
    (zoo / f"{lost}.onnx").unlink()
    if where == "export":
        monkeypatch.setattr(zoo_store, "export_onnx", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    else:
        interrupt_after_replacing(monkeypatch, f"{lost}.onnx")
    with pytest.raises(KeyboardInterrupt):
        zoo_store.save_hand_built(["2x6"], zoo, variants=("shared",))
    assert "null" not in (zoo / "manifest.json").read_text()
    if where == "export":  # nothing written: only the lost net is refused, naming its file and the fix
        check_zoo(zoo, lost, r"lists 'b12-hand-shared-2x6.onnx', but .* is missing or unreadable; restore it")
    else:  # the new file is in place and recorded with its own entry
        assert set(check_zoo(zoo)) == set(NAMES)


def sweep_result(out, net_file: str, seed: int, protocol=None):
    """A sweep's result of one trained 3x8 net (a copy of the zoo's ``net_file``), scored as the sweep scores."""
    from surrogate.experiments.sweep import SweepConfig
    from surrogate.nets.metrics import score

    shutil.copy(DEFAULT_ZOO / net_file, out / "nets" / f"n{seed}.onnx")
    s = score(load_onnx(out / "nets" / f"n{seed}.onnx"))
    row = dict(arch="3x8", source="trained", file=f"n{seed}.onnx", collapsed=False, seed=seed)
    nets = pd.DataFrame([{**row, "val_mae": s.mae, "mae": s.mae, "mse": s.mse, "max_error": s.max_error}])
    config = SweepConfig(budget=24, architectures=("3x8",))
    return types.SimpleNamespace(config=protocol or config, nets=nets, out_dir=out)


@pytest.mark.parametrize("where", ["resolve", "before replace", "after replace"])
def test_an_interrupted_save_models_never_pairs_an_entry_with_another_file(zoo, tmp_path_factory, monkeypatch, where):
    """Ctrl-C after the copy recorded the new file's SHA-256 under the old entry's seed and errors: every read
    accepted a net whose scores differ from its entry."""
    out = tmp_path_factory.mktemp("sweep")
    (out / "nets").mkdir()
    first = sweep_result(out, "b24-seed-3x8.onnx", 1)
    (old,) = zoo_store.save_models(first, zoo)
    protocol = first.config.protocol
    if where == "resolve":  # Ctrl-C while the entry is made

        class Interrupting:
            name = protocol.name

            def resolve(self, arch):
                raise KeyboardInterrupt

        protocol = Interrupting()
    else:
        interrupt_after_replacing(monkeypatch, old["file"], before=where == "before replace")
    second = sweep_result(out, "b24-best-3x8.onnx", 2, types.SimpleNamespace(protocol=protocol))
    with pytest.raises(KeyboardInterrupt):
        zoo_store.save_models(second, zoo)
    entries = check_zoo(zoo)
    assert set(entries) == {*NAMES, old["name"]}
    entry, net = entries[old["name"]], resolve_surrogate(old["name"], zoo=zoo)
    expected = (1, old["sha256"]) if where != "after replace" else (2, sha256_file(DEFAULT_ZOO / "b24-best-3x8.onnx"))
    assert (entry["seed"], entry["sha256"]) == expected
    from surrogate.nets.metrics import score

    assert entry["mae"] == pytest.approx(score(net).mae)


@pytest.mark.parametrize("where", ["export", "after replace"])
def test_an_interrupted_store_bounds_leaves_old_or_new_pairs_and_a_rerun_resumes(zoo, monkeypatch, where):
    """Ctrl-C after a file was replaced left the old SHA-256: that net and a rerun of store_bounds were refused."""
    real, before = zoo_store.export_onnx, (zoo / f"{NAMES[0]}.onnx").read_bytes()

    def export_then_interrupt(net, path, **kwargs):
        real(net, path, **kwargs)
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        if where == "export":
            patch.setattr(zoo_store, "export_onnx", export_then_interrupt)
        else:
            interrupt_after_replacing(patch, f"{NAMES[0]}.onnx")
        with pytest.raises(KeyboardInterrupt):
            store_bounds(zoo, ("interval",))
    check_zoo(zoo)
    assert ((zoo / f"{NAMES[0]}.onnx").read_bytes() == before) == (where == "export")  # old pair, or new pair
    assert [r["name"] for r in store_bounds(zoo, ("interval",))] == list(NAMES)  # the rerun resumes
    check_zoo(zoo)


def test_a_file_that_is_not_the_one_just_written_fails_the_save_instead_of_a_silent_success(tmp_path, monkeypatch):
    """_merge kept the old entry of a file it could not confirm, and the command still said it saved."""
    import surrogate.nets.zoo_pending as zoo_pending

    monkeypatch.setattr(zoo_pending, "sha256_file", lambda path: None)  # the file read back is not what was written
    with pytest.raises(
        ModelFormatError, match=r"the files of b12-hand-shared-3x4 are not the ones just written, .* save them again"
    ):
        zoo_store.save_hand_built(["3x4"], tmp_path, variants=("shared",))


@pytest.mark.parametrize("fault", [KeyboardInterrupt(), OSError(28, "No space left on device")], ids=["ctrl-c", "enospc"])
def test_a_store_bounds_interrupted_in_its_manifest_write_loses_no_entry_and_a_rerun_resumes(zoo, monkeypatch, fault):
    """Every file was replaced before the one manifest write: a fault there left every net paired with its old
    entry (all refused) and a rerun stopped at the first. The pending entries are read back until written."""
    with monkeypatch.context() as patch:
        patch.setattr(zoo_store, "write_manifest", lambda *a: (_ for _ in ()).throw(fault))
        with pytest.raises(type(fault)):
            store_bounds(zoo, ("interval",))
    assert (zoo / "manifest.pending.json").is_file()
    entries = check_zoo(zoo)  # the new files, with their new entries
    assert all(set(json.loads(load_onnx(zoo / entries[n]["file"]).metadata["bounds"])) == {"interval"} for n in NAMES)
    assert list(dict.fromkeys(r["name"] for r in store_bounds(zoo, ("interval", "lp")))) == list(NAMES)  # it resumes
    assert not (zoo / "manifest.pending.json").exists()
    check_zoo(zoo)


def test_a_fault_while_noting_the_pending_entry_leaves_the_old_pair(zoo, monkeypatch):
    before = (zoo / f"{NAMES[0]}.onnx").read_bytes()
    with monkeypatch.context() as patch:
        patch.setattr(zoo_pending, "note_pending", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left")))
        with pytest.raises(OSError, match="No space left"):
            store_bounds(zoo, ("interval",))
    assert (zoo / f"{NAMES[0]}.onnx").read_bytes() == before
    check_zoo(zoo)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[{", r"manifest.pending.json is not valid JSON .*delete manifest.pending.json and save the nets of that save"),
        ('{"a": 1}', r"manifest.pending.json is not a list of zoo entries .*delete manifest.pending.json and save the nets"),
        ('[{"name": "n", "file": "../n.onnx", "sha256": "0"}]', r"manifest.pending.json: entry \[0\] \('n'\) has no"),
    ],
)
def test_a_damaged_pending_file_is_named_with_the_fix(zoo, text, match):
    (zoo / "manifest.pending.json").write_text(text)
    with pytest.raises(ModelFormatError, match=match):
        load_manifest(zoo)


def test_a_pending_entry_whose_file_was_not_replaced_is_not_taken(zoo):
    """A pending entry is taken only with its own file: one whose replace never happened leaves the old entry."""
    old = {e["name"]: e for e in load_manifest(zoo)["models"]}
    (zoo / "manifest.pending.json").write_text(json.dumps([{**old[NAMES[0]], "mae": 9.0, "sha256": "0" * 64}]))
    assert {e["name"]: e for e in load_manifest(zoo)["models"]} == old
    check_zoo(zoo)


def test_storing_the_bounds_of_no_net_leaves_the_manifest_as_it_is(zoo):
    """names=[] rewrote the manifest (a read-only installed zoo then raised) though nothing was computed."""
    before = (zoo / "manifest.json").stat().st_mtime_ns, (zoo / "manifest.json").read_bytes()
    (zoo / "manifest.json").chmod(0o444)
    assert store_bounds(zoo, ("interval",), names=[]) == []
    assert ((zoo / "manifest.json").stat().st_mtime_ns, (zoo / "manifest.json").read_bytes()) == before


def killed_before_the_manifest_write(*args):
    raise SystemExit("killed before the manifest write")


@pytest.mark.parametrize("second", ["store_bounds", "save_hand_built"])
def test_a_second_interrupted_save_keeps_the_first_saves_pending_entries(zoo, monkeypatch, second):
    """Each save noted only its own entries as pending: a second save killed before its manifest write dropped
    the first one's, so the first save's new file was paired with its old entry (refused, and a rerun stopped)."""
    with monkeypatch.context() as patch:
        patch.setattr(zoo_store, "write_manifest", killed_before_the_manifest_write)
        with pytest.raises(SystemExit):
            store_bounds(zoo, ("interval",), names=[NAMES[0]])
        with pytest.raises(SystemExit):
            if second == "store_bounds":
                store_bounds(zoo, ("interval",), names=[NAMES[1]])
            else:
                zoo_store.save_hand_built(["3x4"], zoo, variants=("shared",))
    pending = [e["name"] for e in zoo_pending.read_pending(zoo)]
    assert NAMES[0] in pending and len(pending) == 2
    entries = check_zoo(zoo)  # every net loads, the first save's with its new file
    assert set(json.loads(load_onnx(zoo / entries[NAMES[0]]["file"]).metadata["bounds"])) == {"interval"}
    assert [r["name"] for r in store_bounds(zoo, ("interval",))] == list(entries)  # a rerun goes through
    assert not (zoo / "manifest.pending.json").exists()
    check_zoo(zoo)


def test_a_reader_racing_the_manifest_write_takes_the_new_pair(zoo, monkeypatch):
    """load_manifest read manifest.json before the pending file: a save's manifest write (which removes the pending
    file) in between paired the old entry with the new file, and the net was refused."""
    import surrogate.nets.zoo_manifest as zoo_module

    with monkeypatch.context() as patch:
        patch.setattr(zoo_store, "write_manifest", killed_before_the_manifest_write)
        with pytest.raises(SystemExit):
            store_bounds(zoo, ("interval",), names=[NAMES[0]])
    final, real = load_manifest(zoo), zoo_module.read_json

    def writer_finishes_after_the_manifest_is_read(path, **kwargs):
        out = real(path, **kwargs)
        if path.name == "manifest.json":
            zoo_pending.write_manifest(zoo, final)
        return out

    monkeypatch.setattr(zoo_module, "read_json", writer_finishes_after_the_manifest_is_read)
    entry = next(e for e in load_manifest(zoo)["models"] if e["name"] == NAMES[0])
    assert entry["sha256"] == sha256_file(zoo / entry["file"])


def test_a_pending_file_removed_just_before_its_read_counts_as_none(zoo, monkeypatch):
    """A pending file removed between the exists-check and the read was said to be unreadable ('check permissions')."""
    (zoo / "manifest.pending.json").write_text("[]")
    real = Path.read_bytes

    def removed_first(path):
        if path.name == "manifest.pending.json":
            path.unlink()
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", removed_first)
    assert zoo_pending.read_pending(zoo) == []


def test_save_models_refuses_an_empty_zoo_folder_and_what_is_not_a_sweep_result(tmp_path, monkeypatch):
    """save_models(result, '') wrote the zoo into the current folder; export_onnx(net, '') is refused."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nets").mkdir()
    result = sweep_result(tmp_path, "b24-seed-3x8.onnx", 1)
    with pytest.raises(ConfigError, match=r"save_models: zoo_dir='' must be the path of the zoo folder to write"):
        zoo_store.save_models(result, "")
    with pytest.raises(ConfigError, match=r"save_models: result=None must be a SweepResult"):
        zoo_store.save_models(None, "zoo")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nets"]


def test_a_sweep_result_keeps_its_folder_as_an_absolute_path(tmp_path, monkeypatch):
    """A relative out_dir broke save_models after an os.chdir (FileNotFoundError)."""
    from surrogate import SolverConfig, SweepConfig, TrainingProtocol, run_sweep
    from surrogate.executors import ExecutorConfig
    from surrogate.train.protocols import Stage

    monkeypatch.chdir(tmp_path)
    protocol = TrainingProtocol(n_points=64, stages=(Stage(epochs=1, batch_size=32),))
    solver = SolverConfig(time_limit=2, threads=1)
    config = SweepConfig(architectures=("1x2",), seeds=(0,), protocol=protocol, instances=1, yardsticks=False, solver=solver)
    result = run_sweep(config, "out", progress=False, executor=ExecutorConfig(workers=1))
    assert result.out_dir == tmp_path / "out" and result.out_dir.is_absolute()
    monkeypatch.chdir(tmp_path / "out")
    assert zoo_store.save_models(result, tmp_path / "zoo")


def test_save_hand_built_keeps_the_nets_useful_plans_counts_useful():
    """Its defaults are useful_plans' own (USEFUL_BOUND, VARIANTS), not copies of their values."""
    import inspect

    from surrogate.nets.construct import useful_plans

    saved, planned = inspect.signature(zoo_store.save_hand_built).parameters, inspect.signature(useful_plans).parameters
    assert saved["max_bound"].default is planned["max_bound"].default
    assert saved["variants"].default is planned["variants"].default


def test_a_saved_entry_carries_the_rows_own_scores_and_seed(zoo, tmp_path_factory):
    """probe113 ZS1/ZS2: the manifest's max_error and val_mae were written from the MAE and no test noticed."""
    out = tmp_path_factory.mktemp("sweep")
    (out / "nets").mkdir()
    result = sweep_result(out, "b24-seed-3x8.onnx", 5)
    row = result.nets.iloc[0]
    result.nets["val_mae"] = 1.5 * row["mae"]  # a validation MAE of its own, apart from the grid's
    (entry,) = zoo_store.save_models(result, zoo)
    saved = {e["name"]: e for e in load_manifest(zoo)["models"]}[entry["name"]]
    want = {"mae": row["mae"], "mse": row["mse"], "max_error": row["max_error"], "val_mae": 1.5 * row["mae"], "seed": 5}
    assert {key: saved[key] for key in want} == want
    assert len({row["mae"], row["mse"], row["max_error"], 1.5 * row["mae"]}) == 4  # each value tells its column apart
