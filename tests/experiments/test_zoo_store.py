"""Storing bounds in a zoo's ONNX files: every net, or the named ones only."""

import json
import shutil

import pytest

from surrogate import ConfigError, load_onnx
from surrogate.cli import main
from surrogate.experiments.zoo_store import store_bounds
from surrogate.files import sha256_file
from surrogate.nets.zoo import DEFAULT_ZOO, load_manifest

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
