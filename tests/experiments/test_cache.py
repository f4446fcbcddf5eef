"""The unit cache, the results-folder guard, and the executor configs (no training, no solving)."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from surrogate.cli import main
from surrogate.errors import ConfigError, SurrogateError
from surrogate.executors import ExecutorConfig, InlineRunner, open_executor
from surrogate.experiments import cache as cache_mod
from surrogate.experiments.cache import (
    CACHE_DIR,
    DamagedEntryError,
    ResultsFolderError,
    UnitCache,
    adopt_units,
    open_results_folder,
    unit_key,
)
from surrogate.experiments.sweep import SweepConfig, net_units

SPEC = {"archs": ["1x8", "2x4"], "seeds": [0, 1], "protocol": {"name": "seed", "epochs": 5}}


def test_unit_key_depends_on_content_not_on_key_order(monkeypatch):
    key = unit_key("train", SPEC)
    assert key == unit_key("train", dict(reversed(list(SPEC.items()))))
    assert key != unit_key("train", {**SPEC, "seeds": [0, 2]})
    assert key != unit_key("solve", SPEC)
    monkeypatch.setattr(cache_mod, "FORMAT_VERSION", cache_mod.FORMAT_VERSION + 1)
    assert key != unit_key("train", SPEC)


def _train_keys(config):
    return {u.key for u in net_units(config) if u.kind == "train"}


def test_package_upgrades_change_every_key(monkeypatch):
    import surrogate.experiments.sweep_jobs as sweep_mod

    config = SweepConfig.quick(architectures=("1x8",))
    keys = {u.key for u in net_units(config)}
    versions = sweep_mod.package_versions()
    monkeypatch.setattr(sweep_mod, "package_versions", lambda: {**versions, "torch": "99.0"})
    assert keys.isdisjoint(u.key for u in net_units(config))


def test_training_units_are_keyed_by_their_whole_pack():
    archs = ("1x8", "2x4", "3x2")
    config = SweepConfig.quick(architectures=archs, seeds=(0, 1))
    units = net_units(config)
    assert len({u.key for u in units}) == len(units)
    assert [u.kind for u in units].count("yardstick") == 1  # 1x8 paired; 2x4 and 3x2 have no useful construction
    keys = _train_keys(config)
    assert keys and keys.isdisjoint(_train_keys(SweepConfig.quick(architectures=archs, seeds=(0, 2))))
    assert keys.isdisjoint(_train_keys(SweepConfig(architectures=archs, seeds=(0, 1), protocol=config.protocol.with_epochs(6))))
    assert keys.isdisjoint(_train_keys(SweepConfig.quick(architectures=archs[:2], seeds=(0, 1))))  # packs change
    # Where the work runs and the solver settings do not touch training keys.
    assert keys == _train_keys(SweepConfig.quick(architectures=archs, seeds=(0, 1), instances=3, formulation="partition"))


def test_solve_units_are_keyed_by_every_setting_that_changes_the_solves(tmp_path):
    """probe113 CA1: a key without instance_seed let another folder's solves of other instances be adopted."""
    import pandas as pd

    from surrogate import SolverConfig
    from surrogate.experiments.sweep_jobs import solve_units

    (tmp_path / "a.onnx").write_bytes(b"net bytes")
    chosen = pd.DataFrame({"arch": ["2x6"], "source": ["trained"], "file": ["a.onnx"]})

    def key(**changes):
        return solve_units(SweepConfig(**changes), chosen, tmp_path)[0].key

    base = key()
    others = [key(formulation="bigm"), key(solver=SolverConfig(time_limit=7)), key(instances=3), key(instance_seed=7)]
    assert base == key() and len({base, *others}) == 5
    (tmp_path / "a.onnx").write_bytes(b"another net's bytes")  # a net retrained under the same file name
    assert key() not in {base, *others}


def test_the_yardsticks_of_one_shape_are_keyed_by_their_variant():
    """3x8 has a paired and a shared construction: a key without the variant made them one unit, and the second
    adopted the first's result."""
    units = [u for u in net_units(SweepConfig.quick(architectures=("3x8",), seeds=(0,))) if u.kind == "yardstick"]
    assert [u.spec["variant"] for u in units] == ["paired", "shared"] and units[0].key != units[1].key


def test_entries_round_trip_and_damage_is_detected(tmp_path):
    store = UnitCache(tmp_path / "cache")
    key = unit_key("solve", SPEC)
    assert store.read("solve", key) is None
    path = store.write("solve", key, SPEC, {"rows": [{"x": 0.25, "y": float("nan")}]})
    rows = store.read("solve", key)["rows"]
    assert rows[0]["x"] == 0.25 and rows[0]["y"] != rows[0]["y"]
    assert not list(path.parent.glob("*.tmp"))

    other = unit_key("solve", {**SPEC, "seeds": [7]})
    store.path("solve", other).write_text(path.read_text())  # an entry filed under the wrong key
    with pytest.raises(DamagedEntryError, match="another unit"):
        store.read("solve", other)
    path.write_text(path.read_text()[:40])  # truncated by a crash of some other writer
    with pytest.raises(DamagedEntryError, match="not valid JSON"):
        store.read("solve", key)
    path.write_bytes(b"\x00\xff garbage")
    with pytest.raises(DamagedEntryError, match=r"cannot be read \('utf-8' codec can't decode byte 0xff"):
        store.read("solve", key)
    path.write_text(json.dumps({"format": 1, "kind": "solve", "key": key}))  # a record without its result
    with pytest.raises(DamagedEntryError, match=rf"{path.name} has no result"):
        store.read("solve", key)
    store.discard("solve", key, "test")
    assert store.read("solve", key) is None


CONFIG = SweepConfig.quick(architectures=("1x4",)).to_dict()


def test_folder_of_another_format_or_sweep_is_refused(tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "config.json").write_text(json.dumps({"format": 1, "config": CONFIG}))  # a sweep of an older format
    with pytest.raises(ResultsFolderError, match=r"legacy was written by an incompatible version .*--fresh.*--out"):
        with open_results_folder(legacy, CONFIG, kind="sweep"):
            pass

    other = tmp_path / "other"
    with open_results_folder(other, CONFIG, kind="sweep"):
        (other / "config.json").write_text(json.dumps({"format": cache_mod.FORMAT_VERSION, "config": CONFIG}))
    with open_results_folder(other, CONFIG, kind="sweep"):  # the same sweep: resumable
        pass
    changed = {**CONFIG, "budget": 12, "instances": 3}
    with pytest.raises(ResultsFolderError, match=r"holds a different run \(it differs in budget, instances\); pass --fresh"):
        with open_results_folder(other, changed, kind="sweep"):
            pass
    assert issubclass(ResultsFolderError, SurrogateError)


def test_fresh_discards_results_and_stale_temporary_files_go(tmp_path):
    folder = tmp_path / "run"
    (folder / "nets").mkdir(parents=True)
    (folder / "config.json").write_text('{"format": 0, "config": {}}')  # a sweep's record of an older format
    store = UnitCache(folder / "cache")
    store.write("train", "ab" * 16, {}, {"nets": [{"row": {"file": "1x4-seed0.onnx"}, "sha256": "0"}]})
    (folder / "cache" / "notes.txt").write_text("mine")
    (folder / "nets" / "1x4-seed0.onnx").write_bytes(b"net")
    (folder / "nets" / "my_net.onnx").write_bytes(b"mine")
    (folder / "notes.txt").write_text("mine")
    with open_results_folder(folder, CONFIG, kind="sweep", fresh=True) as store:
        assert len(store) == 0
        assert sorted(p.name for p in folder.iterdir()) == [".sweep.lock", "cache", "nets", "notes.txt"]
        (folder / "config.json").write_text(json.dumps({"format": cache_mod.FORMAT_VERSION, "config": CONFIG}))
    assert [p.name for p in (folder / "cache").iterdir()] == ["notes.txt"]  # only the run's entries went
    assert [p.name for p in (folder / "nets").iterdir()] == ["my_net.onnx"]  # only the nets its entries name

    (folder / ".table.csv.x1y2.tmp").write_text("half")
    (folder / "nets" / ".1x4-seed0.onnx.z.tmp").write_text("half")
    with open_results_folder(folder, CONFIG, kind="sweep"):
        assert not list(folder.rglob("*.tmp"))


def _project_folder(folder, config_json):
    """A user's folder that is no results folder: its own config.json, table.csv, cache/ and nets/*.onnx."""
    (folder / "nets").mkdir(parents=True)
    (folder / "cache").mkdir()
    if config_json is not None:
        (folder / "config.json").write_text(config_json)
    (folder / "table.csv").write_text("a,b\n")
    (folder / "nets" / "my_trained_net.onnx").write_bytes(b"net")
    (folder / "cache" / "notes.txt").write_text("important")
    return sorted(p.relative_to(folder) for p in folder.rglob("*"))


def test_a_fresh_stopped_part_way_leaves_a_folder_that_fresh_empties(tmp_path, monkeypatch):
    """discard_results removed config.json first: stopped before the cache entries, --fresh refused the folder."""
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"format": cache_mod.FORMAT_VERSION, "kind": "sweep", "config": CONFIG}))
    UnitCache(folder / "cache").write("train", "ab" * 16, {}, {"nets": []})
    unlink = Path.unlink

    def stopped(path, *args, **kwargs):
        if path.parent.name == "cache":
            raise KeyboardInterrupt
        unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", stopped)
    with pytest.raises(KeyboardInterrupt):
        cache_mod.discard_results(folder)
    monkeypatch.setattr(Path, "unlink", unlink)
    with open_results_folder(folder, CONFIG, kind="sweep", fresh=True) as store:
        assert len(store) == 0 and not (folder / "config.json").exists()


@pytest.mark.parametrize(
    ("config_json", "message"),
    [
        ('{"my": "project settings"}', r"proj is not a results folder of surrogate sweep: its config.json is not a "),
        ("{not json", r"proj: config.json is unreadable .*; use another --out$"),
        (None, r"proj is not a results folder of surrogate sweep \(it has table.csv, cache/notes.txt, nets/my_trained"),
        ('{"kind": "scale", "format": 2, "config": {}}', r"proj is the results folder of surrogate bench scale, not "),
        # a Keras model's config: a "config" object, but no format or kind that surrogate writes
        ('{"class_name": "Sequential", "config": {"layers": []}}', r"proj is not a results folder of surrogate sweep: its "),
        ('{"kind": "model", "format": 2, "config": {}}', r"proj is not a results folder of surrogate sweep: its "),
        ('{"format": true, "config": {}}', r"proj is not a results folder of surrogate sweep: its "),
    ],
)
def test_fresh_refuses_a_folder_that_is_not_this_commands_and_deletes_nothing(tmp_path, config_json, message):
    """--fresh deleted a user's nets/*.onnx, cache/, config.json and table.csv in any folder."""
    folder = tmp_path / "proj"
    before = _project_folder(folder, config_json)
    for fresh in (True, False):
        with pytest.raises(ResultsFolderError, match=message) as caught:
            with open_results_folder(folder, CONFIG, kind="sweep", fresh=fresh):
                pass
        assert "pass --fresh" not in str(caught.value)
    assert sorted(p.relative_to(folder) for p in folder.rglob("*") if p.name != ".sweep.lock") == before


def test_a_sweeps_folder_given_to_bench_scale_is_named_as_such(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"format": cache_mod.FORMAT_VERSION, "config": CONFIG}))
    with pytest.raises(ResultsFolderError, match=r"is the results folder of surrogate sweep, not of surrogate bench scale"):
        with open_results_folder(tmp_path, {"budget": 24}, kind="scale", fresh=True):
            pass
    assert (tmp_path / "config.json").exists()


def test_a_folder_in_use_is_refused(tmp_path):
    with open_results_folder(tmp_path / "run", CONFIG, kind="sweep"):
        with pytest.raises(ResultsFolderError, match="in use by another running command"):
            with open_results_folder(tmp_path / "run", CONFIG, kind="sweep"):
                pass


def test_cli_names_the_folder_and_the_fix_without_a_traceback(tmp_path, capsys):
    out = tmp_path / "old"
    out.mkdir()
    (out / "config.json").write_text(json.dumps({"format": 1, "config": CONFIG, "versions": {}}))
    assert main(["sweep", "--quick", "--arch", "1x4", "--out", str(out), "-qq"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert str(out) in err and "--fresh" in err and "incompatible version" in err


def test_executor_configs_are_validated():
    with pytest.raises(ConfigError, match="kind='threads' is unknown"):
        ExecutorConfig(kind="threads")
    with pytest.raises(ConfigError, match="workers=0"):
        ExecutorConfig(workers=0)
    with pytest.raises(ConfigError, match="needs kind='dask'"):
        ExecutorConfig(scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ConfigError, match="has its own workers"):
        ExecutorConfig(kind="dask", scheduler="tcp://127.0.0.1:8786", workers=2)
    assert ExecutorConfig(workers=1).describe() == "this process"
    assert ExecutorConfig(kind="dask", workers=3).describe() == "Dask LocalCluster of 3 processes"


def _fail(x):
    raise ValueError(f"bad {x}")


def test_inline_runner_runs_jobs_one_by_one_and_keeps_their_errors():
    with open_executor(ExecutorConfig(workers=1)) as runner:
        assert isinstance(runner, InlineRunner)
        futures = [runner.submit(pow, 2, 3), runner.submit(_fail, 1)]
        assert not futures[0].done()
        finished = list(runner.as_completed(futures))
        assert finished[0].result() == 8
        with pytest.raises(ValueError, match="bad 1"):
            finished[1].result()


def test_an_entry_of_the_wrong_shape_is_discarded_with_a_warning(tmp_path, caplog):
    from collections import Counter

    from surrogate.experiments.units import lookup

    (unit,) = [u for u in net_units(SweepConfig.quick(architectures=("1x8",), seeds=(0, 1))) if u.kind == "train"]
    store = UnitCache(tmp_path / "cache")
    store.write(unit.kind, unit.key, unit.spec, {"nets": [{"row": {"file": "1x8-seed0.onnx"}, "sha256": "0" * 64}]})
    counts = Counter()
    assert lookup(store, unit, tmp_path / "nets", counts) is None  # one net where the pack has two
    assert counts["damaged"] == 1 and not store.path(unit.kind, unit.key).exists()
    assert "is damaged (it does not hold the 2 results of a train unit); recomputing it" in caplog.text


def test_adopt_units_copies_what_another_run_finished_and_skips_the_rest(tmp_path):
    def unit(n):
        spec = {"task": "t", "n": n}
        return SimpleNamespace(kind="solve", spec=spec, key=unit_key("solve", spec), aliases=())

    a, b, c = unit(1), unit(2), unit(3)
    source = UnitCache(tmp_path / "old" / CACHE_DIR)
    source.write(a.kind, a.key, a.spec, {"rows": [{"x": 1}]})
    source.write(b.kind, b.key, b.spec, {"rows": [{"x": 2}]})
    source.path(b.kind, b.key).write_text("{not json")  # damaged: skipped, so computed again
    mine = UnitCache(tmp_path / "new" / CACHE_DIR)
    mine.write(c.kind, c.key, c.spec, {"rows": [{"x": 30}]})
    assert adopt_units(mine, [a, b, c], [tmp_path / "old"]) == 1
    assert mine.read(a.kind, a.key) == {"rows": [{"x": 1}]} and mine.read(b.kind, b.key) is None
    assert mine.read(c.kind, c.key) == {"rows": [{"x": 30}]}  # its own entry is kept
    assert adopt_units(mine, [a, b, c], [tmp_path / "old"]) == 0
    with pytest.raises(
        ResultsFolderError, match=r"nowhere: no cache/ folder to reuse units from; pass the --out folder of a run"
    ):
        adopt_units(mine, [a], [tmp_path / "nowhere"])


def test_adopt_units_takes_a_result_cached_under_an_alias_from_a_source_or_its_own_cache(tmp_path):
    def unit(n, aliases=()):
        spec = {"task": "t", "n": n}
        return SimpleNamespace(kind="solve", spec=spec, key=unit_key("solve", spec), aliases=aliases)

    twin, other_twin = unit("twin"), unit("other-twin")
    source = UnitCache(tmp_path / "old" / CACHE_DIR)
    source.write(twin.kind, twin.key, twin.spec, {"rows": [{"x": 1}]})
    mine = UnitCache(tmp_path / "new" / CACHE_DIR)
    mine.write(other_twin.kind, other_twin.key, other_twin.spec, {"rows": [{"x": 2}]})
    a, b, c = unit(1, (twin.key,)), unit(2, (other_twin.key,)), unit(3, (unit("never-run").key,))
    assert adopt_units(mine, [a, b, c], [tmp_path / "old"]) == 2
    assert mine.read(a.kind, a.key) == {"rows": [{"x": 1}]}  # from the source, under its own key now
    assert mine.read(b.kind, b.key) == {"rows": [{"x": 2}]}  # from this folder's own cache
    assert mine.read(c.kind, c.key) is None


def test_a_solve_time_folder_is_named_as_such_not_as_an_old_version(tmp_path):
    from surrogate.experiments.cache import ResultsFolderError, check_folder

    (tmp_path / "config.json").write_text('{"budget": 24, "command": "surrogate bench solve-time"}')
    (tmp_path / "growth.csv").write_text("products\n1\n")
    with pytest.raises(
        ResultsFolderError, match=r"is the results folder of surrogate bench solve-time, not of surrogate sweep; use another"
    ):
        check_folder(tmp_path, {"budget": 24}, kind="sweep")


def _recordless_folder(folder):
    """A sweep's folder of an older version: result files, cache entries and the nets they name, no config.json."""
    store = UnitCache(folder / "cache")
    store.write("train", "ab" * 16, {}, {"nets": [{"row": {"file": "1x4-seed0.onnx"}, "sha256": "0"}]})
    (folder / "nets").mkdir()
    (folder / "nets" / "1x4-seed0.onnx").write_bytes(b"net")
    (folder / "table.csv").write_text("a,b\n")
    (folder / ".table.csv.x1y2.tmp").write_text("half")


def test_fresh_clears_a_folder_an_older_version_left_without_its_record(tmp_path):
    """--fresh refused a folder with cache entries but no config.json: the user had to empty it by hand."""
    folder = tmp_path / "old"
    _recordless_folder(folder)
    with pytest.raises(ResultsFolderError, match=r"old holds a run's files without its record \(it has table.csv, "):
        with open_results_folder(folder, CONFIG, kind="sweep"):
            pass
    with pytest.raises(ResultsFolderError, match=r"an older version's run\?\); pass --fresh to discard them"):
        with open_results_folder(folder, CONFIG, kind="scale"):
            pass
    with open_results_folder(folder, CONFIG, kind="sweep", fresh=True) as store:
        assert len(store) == 0
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == [".sweep.lock", "nets"]


def test_fresh_refuses_a_recordless_folder_with_foreign_files_and_names_them(tmp_path):
    folder = tmp_path / "old"
    _recordless_folder(folder)
    (folder / "nets" / "my_net.onnx").write_bytes(b"mine")
    (folder / "notes.txt").write_text("mine")
    (folder / "cache" / "link.json").symlink_to(folder / "notes.txt")
    before = sorted(folder.rglob("*"))
    with pytest.raises(
        ResultsFolderError,
        match=r"old is not a results folder of surrogate sweep \(it has table.csv, .* but no config.json; "
        r"no run writes notes.txt, cache/link.json, nets/my_net.onnx\); use another --out, or empty it yourself$",
    ):
        with open_results_folder(folder, CONFIG, kind="sweep", fresh=True):
            pass
    assert sorted(folder.rglob("*")) == sorted({*before, folder / ".sweep.lock"})  # nothing deleted


@pytest.mark.parametrize("name", ["table.csv", "solves.csv", "nets.csv", "table.json"])
@pytest.mark.parametrize("kind", ["sweep", "scale"])
def test_fresh_never_clears_a_users_result_named_file_alone(tmp_path, name, kind):
    """--fresh overwrote a user's own table.csv in a folder without config.json (no cache entry vouched for it),
    and the refusal without --fresh told the user to pass --fresh (probe79 F1)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / name).write_text("id,value\n1,my precious data\n")
    for fresh in (False, True):
        with pytest.raises(
            ResultsFolderError,
            match=rf"mine is not a results folder of surrogate .*\(it has {name} but no config.json and no cache/ "
            r"entry of a run\); use another --out, or empty it yourself$",
        ) as caught:
            with open_results_folder(folder, CONFIG, kind=kind, fresh=fresh):
                pass
        assert "pass --fresh" not in str(caught.value)
    assert (folder / name).read_text() == "id,value\n1,my precious data\n"


@pytest.mark.parametrize(
    "entry", ["{not json", '{"kind": "train", "key": "' + "cd" * 32 + '", "result": {}}', '{"kind": "train"}', "[1]"]
)
def test_a_cache_entry_that_is_not_a_runs_is_no_evidence_for_fresh(tmp_path, entry):
    """Only a well-formed entry (its kind and key those of its name, a result) shows that a run wrote the folder."""
    folder = tmp_path / "mine"
    (folder / "cache").mkdir(parents=True)
    (folder / "cache" / f"train-{'ab' * 16}.json").write_text(entry)
    (folder / "table.csv").write_text("mine\n")
    with pytest.raises(ResultsFolderError, match=r"no cache/ entry of a run\); use another --out"):
        with open_results_folder(folder, CONFIG, kind="sweep", fresh=True):
            pass
    assert (folder / "table.csv").read_text() == "mine\n"


def test_fresh_stopped_part_way_leaves_a_folder_that_still_shows_its_run(tmp_path, monkeypatch):
    """A --fresh killed after the cache entries went but before the result files left a folder that --fresh then
    refused (probe81 #4): the entries, the evidence of a run, now go after the result files and nets."""
    folder = tmp_path / "old"
    _recordless_folder(folder)
    order = []
    unlink = Path.unlink
    monkeypatch.setattr(Path, "unlink", lambda self, *a, **k: (order.append(self), unlink(self, *a, **k)))
    cache_mod.discard_results(folder)
    entries = [i for i, path in enumerate(order) if path.parent.name == "cache"]
    others = [i for i, path in enumerate(order) if path.parent.name != "cache" and path.name != "config.json"]
    assert entries and others and min(entries) > max(others)


def test_the_one_recordless_rule_advises_fresh_only_to_a_command_that_has_it(tmp_path):
    """bench solve-time kept its own copy of this rule; one rule now serves every command, told its result files and
    whether it has --fresh: a sweep's folder left without its record is named as a run's for a command with --fresh,
    as files the run would overwrite for one without (whatever cache entries vouch for)."""
    from surrogate.experiments.cache import refuse_recordless

    folder = tmp_path / "old"
    _recordless_folder(folder)
    with pytest.raises(ResultsFolderError, match=r"old holds a run's files without its record .*; pass --fresh to discard"):
        refuse_recordless(folder, "surrogate sweep")
    refuse_recordless(folder, "surrogate sweep", fresh=True)  # --fresh may discard them
    for fresh in (False, True):
        with pytest.raises(
            ResultsFolderError,
            match=r"^\S+old holds table.csv but no config.json, so no bench solve-time run wrote them and a run would "
            r"overwrite them; use another --out, or move those files away yourself$",
        ) as caught:
            refuse_recordless(folder, "surrogate bench solve-time", result_files=("table.csv",), fresh_option=False, fresh=fresh)
        assert "--fresh" not in str(caught.value)
    refuse_recordless(folder, "surrogate bench solve-time", result_files=("solves.csv",), fresh_option=False)  # none of its


@pytest.mark.parametrize("fresh", [False, True])
@pytest.mark.parametrize(("kind", "command"), [("sweep", "surrogate sweep"), ("scale", "surrogate bench scale")])
def test_a_problems_folder_is_refused_by_a_recorded_run(tmp_path, kind, command, fresh):
    """sweep --out (--fresh too) wrote its table beside a problems run's results.csv, which keeps no record."""
    for name in ("results.csv", "results.json"):
        (tmp_path / name).write_text("problem\nhaverly1\n")
    with pytest.raises(
        ResultsFolderError, match=rf"holds another command's results \(results.csv, results.json\); {command} would mix"
    ):
        cache_mod.stored_record(tmp_path, kind, fresh=fresh)
    with pytest.raises(ResultsFolderError, match="another command's results"):  # the sweep's own way in
        with cache_mod.open_results_folder(tmp_path, {"budget": 1}, kind=kind, fresh=fresh):
            pass
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["results.csv", "results.json"]


def test_an_entry_of_another_kind_filed_under_this_kinds_name_is_damaged(tmp_path):
    store = UnitCache(tmp_path / "cache")
    key = unit_key("solve", SPEC)
    path = store.write("train", key, SPEC, {"nets": []})  # the same key, written as another kind's entry
    store.path("solve", key).write_text(path.read_text())  # then filed under the solve entry's name
    with pytest.raises(DamagedEntryError, match="belongs to another unit or format"):
        store.read("solve", key)


def _unit(n, aliases=()):
    spec = {"task": "t", "n": n}
    return SimpleNamespace(kind="solve", spec=spec, key=unit_key("solve", spec), aliases=aliases)


def test_adopt_units_takes_a_units_own_entry_before_an_aliases(tmp_path):
    twin = _unit("twin")
    unit = _unit(1, (twin.key,))
    source = UnitCache(tmp_path / "old" / CACHE_DIR)
    source.write(twin.kind, twin.key, twin.spec, {"rows": [{"x": "twin's"}]})
    source.write(unit.kind, unit.key, unit.spec, {"rows": [{"x": "own"}]})
    mine = UnitCache(tmp_path / "new" / CACHE_DIR)
    assert adopt_units(mine, [unit], [tmp_path / "old"]) == 1
    assert mine.read(unit.kind, unit.key) == {"rows": [{"x": "own"}]}


def test_adopt_units_leaves_a_result_that_accept_refuses_and_takes_the_next_place(tmp_path):
    twin = _unit("twin")
    a, b = _unit(1, (twin.key,)), _unit(2)
    source = UnitCache(tmp_path / "old" / CACHE_DIR)
    source.write(a.kind, a.key, a.spec, {"rows": []})  # refused below: not whole
    source.write(twin.kind, twin.key, twin.spec, {"rows": [{"x": 1}]})
    source.write(b.kind, b.key, b.spec, {"rows": []})
    mine = UnitCache(tmp_path / "new" / CACHE_DIR)
    seen = []

    def whole(unit, result):
        seen.append(unit.key)
        return bool(result["rows"])

    assert adopt_units(mine, [a, b], [tmp_path / "old"], accept=whole) == 1
    assert mine.read(a.kind, a.key) == {"rows": [{"x": 1}]}  # the alias's whole result, not a's own empty one
    assert mine.read(b.kind, b.key) is None and seen == [a.key, a.key, b.key]


def test_a_run_whose_config_has_a_key_its_record_lacks_is_a_different_run(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    old = {k: v for k, v in CONFIG.items() if k != "instances"}  # a record written without one of the fields
    (folder / "config.json").write_text(json.dumps({"format": cache_mod.FORMAT_VERSION, "config": old}))
    with pytest.raises(ResultsFolderError, match=r"holds a different run \(it differs in instances\)"):
        with open_results_folder(folder, CONFIG, kind="sweep"):
            pass


def test_fresh_removes_only_onnx_files_in_nets_that_an_entry_names(tmp_path):
    folder = tmp_path / "run"
    (folder / "nets").mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"format": cache_mod.FORMAT_VERSION, "config": CONFIG}))
    files = [{"row": {"file": name}, "sha256": "0"} for name in ("../keep.txt", "notes.txt", "1x4-seed0.onnx")]
    UnitCache(folder / "cache").write("train", "ab" * 16, {}, {"nets": files})  # an entry edited by hand
    for path in (folder / "keep.txt", folder / "nets" / "notes.txt", folder / "nets" / "1x4-seed0.onnx"):
        path.write_text("x")
    with open_results_folder(folder, CONFIG, kind="sweep", fresh=True):
        pass
    assert (folder / "keep.txt").is_file() and (folder / "nets" / "notes.txt").is_file()
    assert not (folder / "nets" / "1x4-seed0.onnx").exists()


def test_a_reused_folder_that_fresh_would_empty_is_refused_before_anything_is_touched(tmp_path):
    from surrogate.experiments.cache import check_sources

    run = tmp_path / "run"
    (run / CACHE_DIR).mkdir(parents=True)
    check_sources([run], out=tmp_path / "other", fresh=True)
    check_sources([run], out=run, fresh=False)  # resuming the run that is reused is fine
    with pytest.raises(ResultsFolderError, match=r"run is both the folder to reuse and the --out folder that --fresh empties"):
        check_sources([run], out=tmp_path / "." / "run", fresh=True)


def test_a_users_tmp_file_without_the_leading_dot_is_no_temporary_file_of_a_run(tmp_path):
    folder = tmp_path / "run"
    (folder / "cache").mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"format": cache_mod.FORMAT_VERSION, "config": CONFIG}))
    (folder / "draft.tmp").write_text("mine")
    (folder / "cache" / "notes.tmp").write_text("mine")
    (folder / ".table.csv.x1y2.tmp").write_text("half")
    with open_results_folder(folder, CONFIG, kind="sweep"):
        pass
    assert (folder / "draft.tmp").is_file() and (folder / "cache" / "notes.tmp").is_file()
    assert not (folder / ".table.csv.x1y2.tmp").exists()


def test_a_scale_run_resumes_its_own_folder_and_a_sweep_is_not_taken_for_it(tmp_path):
    folder = tmp_path / "scale"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"kind": "scale", "format": cache_mod.FORMAT_VERSION, "config": CONFIG}))
    with open_results_folder(folder, CONFIG, kind="scale"):  # the same run: resumed
        pass
    with pytest.raises(ResultsFolderError, match=r"scale is the results folder of surrogate bench scale, not of surrogate sweep"):
        with open_results_folder(folder, CONFIG, kind="sweep"):
            pass


def test_fresh_leaves_a_net_that_only_a_users_json_in_cache_names(tmp_path):
    folder = tmp_path / "run"
    (folder / "nets").mkdir(parents=True)
    (folder / "cache").mkdir()
    (folder / "config.json").write_text(json.dumps({"format": cache_mod.FORMAT_VERSION, "config": CONFIG}))
    (folder / "cache" / "notes.json").write_text(json.dumps({"result": {"nets": [{"row": {"file": "mine.onnx"}}]}}))
    (folder / "nets" / "mine.onnx").write_bytes(b"mine")
    with open_results_folder(folder, CONFIG, kind="sweep", fresh=True):
        pass
    assert (folder / "nets" / "mine.onnx").is_file() and (folder / "cache" / "notes.json").is_file()
