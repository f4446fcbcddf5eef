"""The shipped zoo: every listed model loads and reproduces its recorded metrics."""

import json
import os
from pathlib import Path

import pytest

from surrogate import ModelFormatError, load_manifest, load_onnx, score
from surrogate.milp.bounds import BOUND_METHODS, fingerprint, net_bounds
from surrogate.nets.metrics import grid

ZOO = Path(__file__).resolve().parents[2] / "models"
ENTRIES = load_manifest(ZOO)["models"]
GRID = grid(101)


def test_zoo_is_not_empty():
    assert ENTRIES, "models/manifest.json lists no models"
    assert sorted(p.name for p in ZOO.glob("*.onnx")) == sorted(e["file"] for e in ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_listed_model_reproduces_its_metrics(entry):
    net = load_onnx(ZOO / entry["file"])
    assert net.architecture.name == entry["architecture"]
    s = score(net)
    assert s.mae == pytest.approx(entry["mae"], rel=1e-6)
    assert s.max_error == pytest.approx(entry["max_error"], rel=1e-6)
    assert s.collapsed == entry["collapsed"]
    assert json.loads(net.metadata["metrics"])["mae"] == pytest.approx(entry["mae"], rel=1e-9)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_listed_model_carries_sound_bounds_for_its_own_weights(entry):
    """Every zoo net stores interval/LP/MILP bounds (so a model never pays for tightening); they must be
    for these weights, nested (tighter methods inside looser ones), hold at every grid activation, and
    not depend on machine load."""
    net = load_onnx(ZOO / entry["file"])
    stored = json.loads(net.metadata["bounds"])
    assert sorted(stored) == sorted(BOUND_METHODS)
    found = {m: net_bounds(net, m) for m in BOUND_METHODS}
    assert all(b.fingerprint == fingerprint(net) and b.seconds == stored[m]["seconds"] for m, b in found.items())
    assert found["interval"].bigm_width >= found["lp"].bigm_width - 1e-6 >= found["milp"].bigm_width - 2e-6
    assert found["milp"].unstable <= found["lp"].unstable <= found["interval"].unstable
    assert found["milp"].covers(net, GRID)
    # no bound came from a solve stopped by seconds, so none depends on the load of the machine that made it
    assert found["milp"].timed_out == 0


def test_bad_manifests_are_clear(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ModelFormatError, match="is not valid JSON.*restore it from git or delete it"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"version": 99, "models": []}')
    with pytest.raises(ModelFormatError, match="manifest version 99, expected 1"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").unlink()
    (tmp_path / "manifest.json").mkdir()  # a folder where the file should be
    with pytest.raises(
        ModelFormatError, match=r"manifest\.json cannot be read \(Is a directory\); check the zoo folder and its permissions"
    ):
        load_manifest(tmp_path)


def test_find_entry_takes_a_name_first_then_the_lowest_mae_net_of_a_shape():
    from surrogate.nets.zoo import DEFAULT_ZOO, find_entry, read_zoo

    models = read_zoo(DEFAULT_ZOO)["models"]
    assert find_entry(DEFAULT_ZOO, "b24-hand-shared-fixed-4-5-5-5-5")["name"] == "b24-hand-shared-fixed-4-5-5-5-5"
    of_shape = [m for m in models if m["architecture"] == "3x8"]
    assert len(of_shape) > 1 and find_entry(DEFAULT_ZOO, "3x8") == min(of_shape, key=lambda m: m["mae"])
    assert find_entry(DEFAULT_ZOO, "no-such-net") is None


def test_find_entry_takes_an_entry_of_that_name_over_a_lower_mae_net_of_the_shape_it_spells(tmp_path):
    """An entry named like a shape ('3x8', in a manifest written by hand) is the one named, not the shape's best net."""
    from surrogate.nets.zoo import find_entry

    entry = {"kind": "trained", "architecture": "3x8", "budget": 24}
    models = [
        {**entry, "name": "3x8", "file": "a.onnx", "mae": 0.5},
        {**entry, "name": "b24-x-3x8", "file": "b.onnx", "mae": 0.1},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"version": 1, "models": models}))
    assert find_entry(tmp_path, "3x8")["file"] == "a.onnx"
    assert find_entry(tmp_path, "8-8-8")["file"] == "b.onnx"  # another spelling of the shape names no entry


def test_a_name_ending_in_onnx_in_any_case_names_a_file_not_a_zoo_net(tmp_path, monkeypatch):
    """'net.ONNX' is a path wherever a net is named (scale-bench's --net takes it as a file, not a zoo name)."""
    from surrogate.nets.zoo import names_a_file, resolve_surrogate

    assert all(names_a_file(name) for name in ("net.onnx", "net.ONNX", "Net.Onnx", "dir/net", "./3x8"))
    assert not any(names_a_file(name) for name in ("3x8", "b24-best-3x8", "net.onnx.bak"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelFormatError, match="no ONNX file at missing.ONNX; check the path"):
        resolve_surrogate("missing.ONNX", zoo=ZOO)


def test_an_onnx_path_without_a_lowercase_suffix_is_read_as_a_path(tmp_path, monkeypatch):
    import shutil

    from surrogate.nets.zoo import DEFAULT_ZOO, find_entry, resolve_surrogate

    source = ZOO / find_entry(DEFAULT_ZOO, "3x8")["file"]
    want = load_onnx(source).forward(GRID)
    for name in ("net.ONNX", "mynet"):
        shutil.copy(source, tmp_path / name)
        assert (resolve_surrogate(str(tmp_path / name)).forward(GRID) == want).all()
    monkeypatch.chdir(tmp_path)  # a bare file name that no zoo net has
    assert (resolve_surrogate("mynet", zoo=ZOO).forward(GRID) == want).all()
    with pytest.raises(ModelFormatError, match="no zoo model named 'othernet'"):
        resolve_surrogate("othernet", zoo=ZOO)


def _zoo_copy(name: str, path: Path) -> Path:
    """The shipped zoo's file of ``name`` (a hand-built net exported) put at ``path`` by a rename, as
    ``export_onnx`` writes; torch's exporter takes seconds a net, and the cache under test reads files however made."""
    part = path.with_name(path.name + ".part")
    part.write_bytes((ZOO / f"{name}.onnx").read_bytes())
    os.replace(part, path)
    return path


def test_a_net_file_is_read_once_while_unchanged_and_no_caller_can_change_it(tmp_path, monkeypatch):
    from surrogate.nets import onnx_io, zoo

    reads = []
    load = onnx_io.load_onnx
    monkeypatch.setattr(onnx_io, "load_onnx", lambda path: reads.append(path) or load(path))
    path = tmp_path / "net.onnx"
    _zoo_copy("b12-hand-paired-2x6", path)
    first, second = zoo.resolve_surrogate(path), zoo.resolve_surrogate(str(path))
    assert len(reads) == 1 and (first.weights[0] == second.weights[0]).all()
    with pytest.raises(ValueError, match="read-only"):  # a caller cannot change the net another one holds
        first.weights[0][0, 0] = 99.0
    assert not any(a.flags.writeable for a in (*second.weights, *second.biases))
    _zoo_copy("b24-hand-paired-2x12", path)  # a new file under the same name is read again
    assert zoo.resolve_surrogate(path).architecture.hidden == (12, 12) and len(reads) == 2


def test_a_file_replaced_while_it_is_read_is_refused_not_cached(tmp_path, monkeypatch):
    """The net read and the hash taken could be of two files; the cache then served the wrong net for good."""
    from surrogate.nets import onnx_io, zoo

    path = _zoo_copy("b12-hand-paired-2x6", tmp_path / "net.onnx")
    other = (ZOO / "b24-hand-paired-2x12.onnx").read_bytes()
    load = onnx_io.load_onnx

    def swapped(p):
        net = load(p)
        path.write_bytes(other)  # another process replaces the file meanwhile
        return net

    monkeypatch.setattr(onnx_io, "load_onnx", swapped)
    with pytest.raises(ModelFormatError, match=r"net\.onnx changed while it was read .* load it again"):
        zoo.resolve_surrogate(path)
    monkeypatch.setattr(onnx_io, "load_onnx", load)
    assert zoo.resolve_surrogate(path).architecture.hidden == (12, 12)  # nothing stale was kept


def test_a_net_whose_external_data_file_changes_is_read_again(tmp_path):
    """With external data, new weights of the same shapes leave net.onnx byte-identical: the cache keyed on that
    file alone served the first net's weights for good."""
    import numpy as np

    from surrogate.nets import zoo
    from tests.helpers import external_data_net

    (path, save), point = external_data_net(tmp_path), np.array([[0.3, -0.4]])

    first = save(1.0)
    before = zoo.resolve_surrogate(path).forward(point)[0]
    assert save(2.0) == first  # only net.onnx.data changed
    after = load_onnx(path).forward(point)[0]
    assert after != pytest.approx(before) and zoo.resolve_surrogate(path).forward(point)[0] == pytest.approx(after)


def test_a_zoo_whose_manifest_lists_no_nets_says_so(tmp_path):
    """A manifest.json with no models said "use a shape (), a model name from manifest.json, or an ONNX path"."""
    from surrogate.nets.zoo import MANIFEST_VERSION, resolve_surrogate

    (tmp_path / "manifest.json").write_text(json.dumps({"version": MANIFEST_VERSION, "models": []}))
    with pytest.raises(
        ModelFormatError,
        match=r"no zoo model named '3x8' in .* \(the zoo holds no nets: its manifest.json lists none\); name a zoo "
        r"that holds nets, or an ONNX path$",
    ):
        resolve_surrogate("3x8", zoo=tmp_path)


@pytest.mark.parametrize("bad", [None, 3, b"models"])
def test_load_manifest_refuses_a_folder_that_is_no_path(bad):
    with pytest.raises(
        ModelFormatError, match=r"load_manifest: zoo_dir=.* must be a path \(a str or pathlib.Path\), e.g. 'models'"
    ):
        load_manifest(bad)


@pytest.mark.parametrize("zoo", [None, 3, b"models"])
def test_a_zoo_that_is_no_path_is_named_by_every_entry_point(zoo):
    """bilinear / replace_products / resolve_surrogate gave pathlib's bare TypeError (probe119 #5)."""
    import pyomo.environ as pyo

    from surrogate import bilinear, replace_products
    from surrogate.nets.zoo import resolve_surrogate

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3))
    m.c, m.o = pyo.Constraint(expr=m.x * m.y >= 0.5), pyo.Objective(expr=m.x + m.y)
    match = rf"read_zoo: zoo={zoo!r} must be a path \(a str or pathlib\.Path\), e\.g\. 'models'"
    for call in (
        lambda: resolve_surrogate("3x8", zoo=zoo),
        lambda: bilinear(m, m.x, m.y, zoo=zoo),
        lambda: replace_products(m, zoo=zoo),
    ):
        with pytest.raises(ModelFormatError, match=match):
            call()
    assert [c.name for c in m.component_objects(descend_into=False)] == ["x", "y", "c", "o"]  # nothing left behind
