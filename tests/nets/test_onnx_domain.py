"""Warnings about a file's domain metadata: a file made elsewhere that declares none is taken as [-1, 1]^2."""

import warnings
from pathlib import Path

import onnx
import pytest

from surrogate import load_manifest, load_onnx
from surrogate.errors import DomainWarning, ModelFormatError
from surrogate.nets.zoo import resolve_surrogate
from tests.helpers import write_onnx_graph

ZOO = Path(__file__).resolve().parents[2] / "models"


def test_a_foreign_file_without_a_domain_is_warned_of_once_naming_the_box_and_both_fixes(tmp_path):
    """It was silently taken as made for [-1, 1]^2, though a net trained on [1, 3]^2 is far from x*y there."""
    path = write_onnx_graph(tmp_path / "elsewhere.onnx")
    with pytest.warns(
        DomainWarning,
        match=r"elsewhere\.onnx declares no domain \(no 'surrogate\.domain' metadata\), so the net is taken as made "
        r"for x, y in \[\[-1\.0, 1\.0\], \[-1\.0, 1\.0\]\] .*load_onnx\(path\)\.with_metadata\(domain=\[\[x_lo, x_hi\], "
        r"\[y_lo, y_hi\]\]\) for the net, or add_surrogate\(\.\.\., input_bounds=\[\(x_lo, x_hi\), \(y_lo, y_hi\)\]\)",
    ):
        assert load_onnx(path).domain == ((-1.0, 1.0), (-1.0, 1.0))
    with warnings.catch_warnings():  # once per file in a session
        warnings.simplefilter("error", DomainWarning)
        load_onnx(path)
        resolve_surrogate(path)


def test_files_with_a_domain_or_written_by_surrogate_are_not_warned_of(tmp_path):
    model = onnx.load(write_onnx_graph(tmp_path / "net.onnx"))
    model.metadata_props.add(key="surrogate.domain", value="[[1, 3], [1, 3]]")
    onnx.save(model, tmp_path / "with_domain.onnx")
    domainless = [e["file"] for e in load_manifest(ZOO)["models"] if "surrogate.domain" not in _keys(ZOO / e["file"])]
    assert domainless  # the zoo's nets made for [-1, 1]^2 declare no domain
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        assert load_onnx(tmp_path / "with_domain.onnx").domain == ((1.0, 3.0), (1.0, 3.0))
        load_onnx(ZOO / domainless[0])


def _keys(path) -> set[str]:
    return {p.key for p in onnx.load(path).metadata_props}


def test_the_warning_is_given_once_the_net_loads_and_points_at_the_callers_line(tmp_path):
    """A refused load used up the one warning, so the corrected file loaded in silence; through the zoo's
    resolve_surrogate it pointed at surrogate's own code."""
    path = write_onnx_graph(tmp_path / "elsewhere.onnx", activation="Sigmoid")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ModelFormatError, match="Sigmoid"):
            load_onnx(path)
    assert not [w for w in caught if issubclass(w.category, DomainWarning)]
    write_onnx_graph(path)
    for _ in range(2):  # raised as an error, it is not used up either
        with warnings.catch_warnings(), pytest.raises(DomainWarning, match="declares no domain"):
            warnings.simplefilter("error", DomainWarning)
            load_onnx(path)
    with pytest.warns(DomainWarning, match="declares no domain") as caught:
        resolve_surrogate(path)
    assert [Path(w.filename).resolve() for w in caught] == [Path(__file__).resolve()]


def _added_with_a_box(tmp_path) -> Path:
    """A file without a domain, added to a model by add_surrogate(..., input_bounds=...): no DomainWarning (an error)."""
    import pyomo.environ as pyo

    from surrogate import add_surrogate

    path = write_onnx_graph(tmp_path / "elsewhere.onnx")
    model = pyo.ConcreteModel()
    model.x, model.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        add_surrogate(model, str(path), [model.x, model.y], input_bounds=[(0, 2), (0, 2)], bounds="interval")
    return path


def test_no_warning_where_the_caller_gives_the_box_as_the_warning_says(tmp_path):
    """add_surrogate(..., input_bounds=...) is the fix the warning names, yet it warned at that very line."""
    path = _added_with_a_box(tmp_path)
    with pytest.warns(DomainWarning, match="declares no domain"):  # not used up: a load without a box warns
        load_onnx(path)


def test_a_later_load_without_a_box_warns_though_the_net_was_read_with_one(tmp_path):
    """probe69 #5: the net read under add_surrogate(..., input_bounds=...) was cached, and a later load of the file
    without a box (replace_products, resolve_surrogate) came from the cache without the warning."""
    path = _added_with_a_box(tmp_path)
    with pytest.warns(DomainWarning, match="declares no domain") as caught:
        resolve_surrogate(path)
    assert [Path(w.filename).resolve() for w in caught] == [Path(__file__).resolve()]
    with warnings.catch_warnings():  # once per file, as before
        warnings.simplefilter("error", DomainWarning)
        resolve_surrogate(path)


def test_another_net_written_later_to_the_same_path_is_warned_of_too(tmp_path):
    """probe84 #6: the warning was given once per path, so a different net written there later loaded in silence."""
    path = write_onnx_graph(tmp_path / "elsewhere.onnx")
    with pytest.warns(DomainWarning, match="declares no domain"):
        load_onnx(path)
    write_onnx_graph(path, hidden=5)
    with pytest.warns(DomainWarning, match="declares no domain"):
        assert load_onnx(path).weights[0].shape == (2, 5)
    with warnings.catch_warnings():  # still once per file
        warnings.simplefilter("error", DomainWarning)
        load_onnx(path)


def test_on_the_command_line_the_warning_names_how_to_write_the_domain_into_the_file(tmp_path):
    """probe90 #6: from 'surrogate bounds FILE' (or problems --arch, bench scale --net) the warning named only
    Python's fixes (with_metadata, input_bounds); it now gives a command that writes surrogate.domain into the file."""
    import re

    from surrogate.nets.onnx_domain import on_command_line

    path = write_onnx_graph(tmp_path / "cli.onnx")
    with (
        on_command_line(),
        pytest.warns(DomainWarning, match=r"from the command line, write it into the file: python -c") as caught,
    ):
        load_onnx(path)
    command = re.search(r'python -c "(.*)"$', str(caught[0].message)).group(1)
    exec(command.replace("[[x_lo, x_hi], [y_lo, y_hi]]", "[[1, 3], [0, 2]]"))  # the command, with a box filled in
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        assert load_onnx(path).domain == ((1.0, 3.0), (0.0, 2.0))
    with pytest.warns(DomainWarning, match="declares no domain") as caught:  # from Python: Python's fixes only
        load_onnx(write_onnx_graph(tmp_path / "python.onnx"))
    assert "command line" not in str(caught[0].message)


def test_a_file_warned_of_for_a_misspelt_domain_key_is_not_called_domainless_when_read_again(tmp_path):
    """A misspelt key ('surrogate.domian') is warned of as such on the first load, and the net read again from the
    zoo's cache gives no second, "declares no domain" warning (the first load gave none either)."""
    path = tmp_path / "misspelt.onnx"
    model = onnx.load(write_onnx_graph(path))
    model.metadata_props.add(key="surrogate.domian", value="[[1, 3], [1, 3]]")
    onnx.save(model, path)
    with pytest.warns(DomainWarning) as caught:
        resolve_surrogate(path)
    assert len(caught) == 1 and "metadata key 'surrogate.domian' is not read" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        assert resolve_surrogate(path).domain == ((-1.0, 1.0), (-1.0, 1.0))
