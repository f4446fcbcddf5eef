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
