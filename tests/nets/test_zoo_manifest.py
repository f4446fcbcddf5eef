"""The zoo manifest is checked against its structure and its files; every fault is one clear line."""

import hashlib
import json
import shutil

import pytest

from surrogate import ConfigError, ModelFormatError, load_manifest
from surrogate.cli import main
from surrogate.nets.architecture import Architecture
from surrogate.nets.zoo import DEFAULT_ZOO, ZooName, check_entry_file, parse_zoo_name, resolve_surrogate, zoo_name

SHIPPED = load_manifest(DEFAULT_ZOO)["models"]
BEST = next(e for e in SHIPPED if e["name"] == "b24-best-3x8")
OTHER = next(e for e in SHIPPED if e["name"] == "b24-best-2x12")


@pytest.fixture
def zoo(tmp_path):
    """A copy of two shipped nets with their manifest entries."""
    for entry in (BEST, OTHER):
        shutil.copyfile(DEFAULT_ZOO / entry["file"], tmp_path / entry["file"])
    write(tmp_path, [dict(BEST), dict(OTHER)])
    return tmp_path


def write(folder, models, version=1):
    (folder / "manifest.json").write_text(json.dumps({"version": version, "models": models}))


def test_every_shipped_entry_records_the_sha256_of_its_file():
    assert SHIPPED
    for entry in SHIPPED:
        assert entry["sha256"] == hashlib.sha256((DEFAULT_ZOO / entry["file"]).read_bytes()).hexdigest(), entry["name"]
        assert check_entry_file(DEFAULT_ZOO, entry) == DEFAULT_ZOO / entry["file"]


def test_every_shipped_name_is_built_from_its_entry():
    for entry in SHIPPED:
        source = entry.get("protocol") if entry["kind"] == "trained" else entry["source"]
        assert entry["name"] == zoo_name(entry["architecture"], source)
        parsed = parse_zoo_name(entry["name"])
        assert parsed == ZooName(entry["budget"], source, Architecture.parse(entry["architecture"])), entry["name"]


def test_every_shipped_trained_entry_records_the_epochs_its_file_was_trained_for():
    """'best' starts a hand-built shape with fewer epochs than its data-aware stages: the manifest said 120, not 100."""
    from surrogate.nets.onnx_io import read_metadata

    for entry in (e for e in SHIPPED if e["kind"] == "trained"):
        stages = json.loads(read_metadata(DEFAULT_ZOO / entry["file"])["protocol"])["stages"]
        assert entry["epochs"] == sum(s["epochs"] for s in stages), entry["name"]


@pytest.mark.parametrize(
    ("arch", "source"), [("3x8", "best"), ("8-6-6", "hand-shared"), ("1x24", "seed"), ("8-6", "run-2"), ("2-3", "7-1x4")]
)
def test_a_zoo_name_parses_back_to_its_parts(arch, source):
    parsed = parse_zoo_name(zoo_name(arch, source))
    assert parsed == ZooName(Architecture.parse(arch).neurons, source, Architecture.parse(arch))


@pytest.mark.parametrize(
    "name", ["sawtooth-24", "b24-3x8", "b24--3x8", "b23-best-3x8", "b14-best-8-7", "x24-best-3x8", "b24-best-0x8"]
)
def test_a_name_that_is_no_zoo_name_parses_to_none(name):
    assert parse_zoo_name(name) is None


def test_a_zoo_name_needs_a_source():
    with pytest.raises(ConfigError, match="non-empty string"):
        zoo_name("3x8", "")


def test_a_zoo_name_resolves_after_its_checks(zoo):
    assert resolve_surrogate("3x8", zoo=zoo).architecture.name == "3x8"
    assert resolve_surrogate("b24-best-2x12", zoo=zoo).architecture.name == "2x12"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("file"), r"entry models\[0\] \('b24-best-3x8'\) has no 'file'; fix the entry"),
        (lambda e: e.pop("architecture"), r"models\[0\] \('b24-best-3x8'\) has no 'architecture'"),
        (lambda e: e.update(mae="small"), r"has mae='small', which is not a number; fix the entry"),
        (lambda e: e.update(budget=24.0), r"has budget=24.0, which is not an integer"),
        (lambda e: e.update(mae=True), r"has mae=True, which is not a number"),  # JSON true is no MAE
        (lambda e: e.update(collapsed="no"), r"has collapsed='no', which is not true or false"),
        (lambda e: e.update(name=7), r"models\[0\] has name=7, which is not a string"),
        (lambda e: e.update(file="../etc/passwd.onnx"), r"has file='../etc/passwd.onnx'; give the name of an .onnx file"),
        (lambda e: e.update(sha256="abc"), r"has sha256='abc', not 64 hex digits"),
        (lambda e: e.update(architecture="3y8"), r"has an invalid architecture .*cannot parse architecture '3y8'"),
        (lambda e: e.update(budget=12), r"has budget 12 but architecture 3x8 has 24 neurons"),
    ],
)
def test_a_malformed_entry_is_named_with_the_fix(zoo, change, message):
    entry = dict(BEST)
    change(entry)
    write(zoo, [entry, dict(OTHER)])
    with pytest.raises(ModelFormatError, match=message):
        load_manifest(zoo)


def test_a_manifest_that_is_not_an_object_or_has_no_list_is_refused(zoo):
    (zoo / "manifest.json").write_text("[1, 2]")
    with pytest.raises(ModelFormatError, match="holds a JSON list, not an object with 'version' and 'models'"):
        load_manifest(zoo)
    (zoo / "manifest.json").write_text('{"version": 1, "models": {"a": 1}}')
    with pytest.raises(ModelFormatError, match="'models' is dict, not a list of entries"):
        load_manifest(zoo)
    (zoo / "manifest.json").write_text('{"version": 1, "models": ["b24-best-3x8"]}')
    with pytest.raises(ModelFormatError, match=r"models\[0\] is str, not an object"):
        load_manifest(zoo)


def test_wrong_version_and_repeated_names_are_refused(zoo):
    write(zoo, [dict(BEST)], version="1")
    with pytest.raises(ModelFormatError, match="manifest version '1', expected 1; regenerate the zoo"):
        load_manifest(zoo)
    write(zoo, [dict(BEST), dict(BEST)])
    with pytest.raises(ModelFormatError, match=r"models\[1\] repeats the name 'b24-best-3x8'; rename or remove"):
        load_manifest(zoo)


def test_a_manifest_that_is_not_utf8_is_refused(zoo):
    (zoo / "manifest.json").write_bytes(b'{"version": 1, "models": [], "note": "\xff\xfe"}')
    with pytest.raises(ModelFormatError, match=r"is not UTF-8 text \(byte 0xff at offset 38\); restore it from git"):
        load_manifest(zoo)


def test_an_entry_pointing_at_the_wrong_file_is_caught_by_its_hash(zoo):
    write(zoo, [{**BEST, "file": OTHER["file"]}, dict(OTHER)])
    with pytest.raises(
        ModelFormatError,
        match=r"zoo entry 'b24-best-3x8' .*b24-best-2x12.onnx has SHA-256 .*the entry points at the wrong file.*set the "
        r"entry's sha256 to [0-9a-f]{64}",
    ):
        resolve_surrogate("3x8", zoo=zoo)


def test_an_entry_pointing_at_the_wrong_file_is_caught_by_its_shape_without_a_hash(zoo):
    entry = {k: v for k, v in BEST.items() if k != "sha256"}
    write(zoo, [{**entry, "file": OTHER["file"]}, dict(OTHER)])
    with pytest.raises(
        ModelFormatError,
        match=r"zoo entry 'b24-best-3x8' has architecture 3x8 but b24-best-2x12.onnx is not \(its metadata declares 2x12\)"
        r"; the entry points at the wrong file",
    ):
        resolve_surrogate("b24-best-3x8", zoo=zoo)


def test_an_entry_pointing_at_a_net_of_another_shape_is_caught_by_its_weights_without_metadata_or_hash(zoo):
    """A file whose metadata declares no architecture (a net exported from code) is checked by its weights' shape."""
    from surrogate.nets.onnx_io import export_onnx, read_metadata
    from tests.helpers import random_net

    export_onnx(random_net((4,)), zoo / "plain.onnx")
    assert "architecture" not in read_metadata(zoo / "plain.onnx")
    entry = {k: v for k, v in BEST.items() if k != "sha256"}
    write(zoo, [{**entry, "file": "plain.onnx"}])
    with pytest.raises(
        ModelFormatError,
        match=r"zoo entry 'b24-best-3x8' has architecture 3x8 but plain.onnx is not \(its weights have 1x4\)",
    ):
        resolve_surrogate("b24-best-3x8", zoo=zoo)


def test_a_replaced_file_fails_its_hash(zoo):
    (zoo / BEST["file"]).write_bytes((zoo / BEST["file"]).read_bytes() + b"\0")
    with pytest.raises(ModelFormatError, match="the file was replaced: restore the file"):
        resolve_surrogate("3x8", zoo=zoo)


def test_a_missing_file_is_named(zoo):
    (zoo / BEST["file"]).unlink()
    with pytest.raises(ModelFormatError, match=r"lists 'b24-best-3x8.onnx', but .* is missing or unreadable; restore it"):
        resolve_surrogate("3x8", zoo=zoo)


def test_the_cli_prints_a_corrupt_manifest_as_one_line(zoo, capsys):
    entry = dict(BEST)
    del entry["mae"]
    write(zoo, [entry])
    assert main(["bounds", "--store-zoo", str(zoo)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("surrogate bounds: error: ") and "has no 'mae'; fix the entry" in err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda tmp: tmp / "nowhere",
            r"zoo folder .*nowhere does not exist; name a folder written by 'surrogate sweep --save-models DIR' "
            r"\(the shipped zoos: .*models and, of the nets trained for solve time, .*models/stable\)",
        ),
        (lambda tmp: tmp / BEST["file"], r"zoo folder .*\.onnx is a file, not a folder; name a folder"),
        (lambda tmp: tmp, r"zoo folder .* has no manifest.json, so it holds no nets; name a folder"),
    ],
)
def test_a_zoo_to_take_nets_from_must_be_a_folder_with_a_manifest(tmp_path, make, message):
    """Reading a net from a folder that is no zoo says so, rather than finding an empty zoo."""
    shutil.copyfile(DEFAULT_ZOO / BEST["file"], tmp_path / BEST["file"])
    folder = make(tmp_path)
    with pytest.raises(ModelFormatError, match=message):
        resolve_surrogate("3x8", zoo=folder)
    if folder.is_file():  # no writer can put a manifest in a file: refused too (probe119 #11)
        with pytest.raises(ModelFormatError, match=r"load_manifest: zoo_dir .* is a file, not a folder"):
            load_manifest(folder)
    else:
        assert load_manifest(folder)["models"] == []  # a writer still starts from an empty manifest there


def test_a_null_sha256_refuses_that_net_only_with_the_fix(zoo):
    """An older save interrupted over an entry whose file was missing wrote sha256: null, and then every net of
    the zoo was refused ('has sha256=None, which is not a string')."""
    write(zoo, [{**BEST, "sha256": None}, dict(OTHER)])
    assert [e["name"] for e in load_manifest(zoo)["models"]] == [BEST["name"], OTHER["name"]]
    assert resolve_surrogate("b24-best-2x12", zoo=zoo).architecture.name == "2x12"
    with pytest.raises(
        ModelFormatError,
        match=r"zoo entry 'b24-best-3x8' .* has sha256=null, so .*b24-best-3x8.onnx cannot be checked .*save that net "
        r"again, restore the file .* set the entry's sha256 to [0-9a-f]{64}",
    ):
        resolve_surrogate("b24-best-3x8", zoo=zoo)


def test_a_first_save_killed_before_its_manifest_write_is_a_zoo_to_take_nets_from(tmp_path, monkeypatch):
    """load_manifest listed the net of the pending file, while read_zoo and resolve_surrogate said the folder
    'has no manifest.json, so it holds no nets'."""
    import surrogate.experiments.zoo_store as zoo_store

    def killed(*args):
        raise SystemExit("killed before the manifest write")

    monkeypatch.setattr(zoo_store, "write_manifest", killed)
    with pytest.raises(SystemExit):
        zoo_store.save_hand_built(["3x4"], tmp_path, variants=("shared",))
    assert not (tmp_path / "manifest.json").exists()
    assert [e["name"] for e in load_manifest(tmp_path)["models"]] == ["b12-hand-shared-3x4"]
    assert resolve_surrogate("b12-hand-shared-3x4", zoo=tmp_path).architecture.name == "3x4"


def test_a_pending_file_naming_no_net_in_place_is_no_zoo_and_a_bad_pending_entry_names_that_file(tmp_path):
    """A folder holding only a pending entry whose file never replaced anything read as an empty zoo ('use a shape
    ()'); a malformed pending entry was 'entry models[0]', with the advice to restore the file from git."""
    entry = json.loads((DEFAULT_ZOO / "manifest.json").read_text())["models"][0]
    (tmp_path / "manifest.pending.json").write_text(json.dumps([entry]))  # its .onnx file is not in the folder
    with pytest.raises(ModelFormatError, match=r"has no manifest.json, so it holds no nets \(its manifest.pending.json"):
        resolve_surrogate("3x8", zoo=tmp_path)
    (tmp_path / "manifest.pending.json").write_text(json.dumps([{"name": "n", "file": "n.onnx", "sha256": "0" * 64}]))
    with pytest.raises(
        ModelFormatError, match=r"manifest.pending.json: entry \[0\] \('n'\) has no 'kind'.*; delete manifest.pending.json and"
    ):
        resolve_surrogate("3x8", zoo=tmp_path)


def test_load_manifest_of_a_file_is_refused_and_of_an_absent_folder_is_empty(tmp_path):
    """The manifest file itself read as an empty zoo, silently (probe119 #11); read_zoo already refused it. An absent
    folder stays an empty manifest: a zoo before its first save."""
    (tmp_path / "manifest.json").write_text('{"version": 1, "models": []}')
    with pytest.raises(
        ModelFormatError, match=r"load_manifest: zoo_dir '.*manifest\.json' is a file, not a folder; pass the zoo's folder"
    ):
        load_manifest(tmp_path / "manifest.json")
    assert load_manifest(tmp_path / "absent") == {"version": 1, "models": []}
