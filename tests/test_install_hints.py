"""Install hints name packages with the installed metadata's ranges, never the unrelated 'surrogate' on PyPI."""

from surrogate.install_hints import extra_hint, extra_requirements, import_failure, reinstall_hint


def test_an_extra_is_named_by_its_packages_and_ranges():
    assert any(r.startswith("pyscipopt") for r in extra_requirements("scip"))
    hint = extra_hint("scip")
    assert hint.startswith("pip install 'pyscipopt") and hint.endswith("(surrogate's 'scip' extra)")
    assert "surrogate[" not in hint and "pip install surrogate" not in reinstall_hint()


def test_an_unknown_extra_falls_back_to_the_checkout():
    assert extra_requirements("no-such-extra") == []
    assert extra_hint("no-such-extra") == "pip install -e '.[no-such-extra]' in the surrogate checkout"


def test_a_hint_for_one_package_of_an_extra_names_only_that_package():
    """The Gurobi solver needs gurobipy; its hint asked for gurobi-machinelearning too (the peer route's)."""
    hint = extra_hint("gurobi", only="gurobipy")
    assert hint.startswith("pip install 'gurobipy") and "machinelearning" not in hint
    assert hint.endswith("(from surrogate's 'gurobi' extra)")
    assert extra_hint("no-such-extra", only="pkg") == "pip install 'pkg'"


REQUIRES = [
    "numpy<2.5,>=1.26",
    "pyscipopt<7,>=5.5; extra == 'scip'",  # single quotes, as some build backends write the marker
    'gurobipy<13.1,>=11; extra == "gurobi"',
    'gurobi-machinelearning<1.8,>=1.5; extra == "gurobi"',
    'dask[distributed]<2027,>=2024.1; extra == "dask" and python_version >= "3.10"',
]


def test_an_extras_requirements_are_read_without_their_markers_whatever_the_quotes(monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "requires", lambda name: REQUIRES)
    assert extra_requirements("scip") == ["pyscipopt<7,>=5.5"]
    assert extra_requirements("gurobi") == ["gurobipy<13.1,>=11", "gurobi-machinelearning<1.8,>=1.5"]
    assert extra_requirements("dask") == ["dask[distributed]<2027,>=2024.1"]


def test_one_package_of_an_extra_is_matched_by_its_whole_name_in_any_case(monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "requires", lambda name: REQUIRES)
    assert extra_hint("gurobi", only="gurobi-machinelearning") == (
        "pip install 'gurobi-machinelearning<1.8,>=1.5' (from surrogate's 'gurobi' extra)"
    )
    assert extra_hint("gurobi", only="GurobiPy") == "pip install 'gurobipy<13.1,>=11' (from surrogate's 'gurobi' extra)"
    assert extra_hint("gurobi", only="gurobi") == "pip install 'gurobi'"  # a prefix of a name is not that name


def test_a_package_that_fails_to_import_in_any_way_is_said_in_one_line(tmp_path, monkeypatch):
    (tmp_path / "broken_abi_pkg.py").write_text("raise OSError('libscip.so.9: cannot open shared object file')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_failure("broken_abi_pkg") == "OSError: libscip.so.9: cannot open shared object file"
    assert import_failure("json") == ""


def test_an_uninstalled_tree_says_its_version_is_unknown(monkeypatch):
    import importlib.metadata

    from surrogate.version import package_version

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert package_version() == "unknown"
