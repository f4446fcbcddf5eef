"""Install hints name packages with the installed metadata's ranges, never the unrelated 'surrogate' on PyPI."""

from surrogate.install_hints import extra_hint, extra_requirements, reinstall_hint


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
