"""The shipped problems package is found, and a module that shadows it is named (problem_package.py)."""

import sys
import types

import pytest

from surrogate.errors import ConfigError
from surrogate.experiments.problem_package import problems_package


def test_the_shipped_package_is_returned():
    assert problems_package().build("haverly1").optimum == pytest.approx(-400.0)


def test_a_module_named_problems_that_shadows_it_is_named_with_the_fix(monkeypatch, tmp_path):
    shadow = types.ModuleType("problems")
    shadow.__file__ = str(tmp_path / "problems.py")
    monkeypatch.setitem(sys.modules, "problems", shadow)
    with pytest.raises(
        ConfigError, match=r"the module 'problems' imported here \(.*problems\.py\) is not surrogate's .* rename the other"
    ):
        problems_package()
    namespace = types.ModuleType("problems")  # a folder of the user's, imported as a namespace package: left alone
    namespace.__path__ = [str(tmp_path)]
    monkeypatch.setitem(sys.modules, "problems", namespace)
    with pytest.raises(ConfigError, match=r"the module 'problems' imported here"):
        problems_package()
    assert sys.modules["problems"] is namespace


def test_a_command_run_beside_a_users_problems_py_says_so(tmp_path):
    import subprocess

    (tmp_path / "problems.py").write_text("X = 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "surrogate", "problems", "haverly1", "--no-scip"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2 and "stands in for surrogate's problems package" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_users_problems_py_is_named_without_running_it(tmp_path):
    import subprocess

    (tmp_path / "problems.py").write_text("open('ran', 'w').close()\nimport no_such_module\n")
    done = subprocess.run(
        [sys.executable, "-m", "surrogate", "problems", "haverly1", "--no-scip"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2 and f"{tmp_path / 'problems.py'} stands in for" in done.stderr
    assert not (tmp_path / "ran").exists()  # found by its spec, not imported


def test_a_plain_folder_named_problems_does_not_stand_in_for_the_package(tmp_path):
    import subprocess

    (tmp_path / "problems").mkdir()  # a folder of data: a namespace package to Python
    done = subprocess.run(
        [sys.executable, "-m", "surrogate", "problems", "haverly1", "--no-scip", "--time-limit", "20", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "haverly1" in done.stdout


def test_a_shipped_package_that_fails_to_import_is_said_with_the_fix_and_not_left_half_loaded(monkeypatch, tmp_path):
    """Loaded from its own place (a namespace stood in for it on sys.path): a failed import is a ConfigError, every time,
    and no half-run module is left in sys.modules for the next call to take for the package."""
    import importlib.util

    from surrogate.experiments import problem_package

    broken = tmp_path / "problems"
    broken.mkdir()
    (broken / "__init__.py").write_text("from json import no_such_name\n")  # an ImportError, not ModuleNotFoundError
    monkeypatch.setattr(problem_package, "SHIPPED", broken)
    monkeypatch.delitem(sys.modules, "problems", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"problems package at .* cannot be imported \(cannot import name"):
            problems_package()
        assert "problems" not in sys.modules


def test_the_shipped_package_loaded_from_its_own_place_imports_its_modules(monkeypatch):
    """Where no ``problems`` is found on sys.path (a namespace stands in), the package is loaded from SHIPPED with
    its own folder as its path, so that its relative imports (``from .pooling import ...``) work."""
    import importlib.util

    monkeypatch.delitem(sys.modules, "problems", raising=False)
    for name in [m for m in sys.modules if m.startswith("problems.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert problems_package().build("haverly1").optimum == pytest.approx(-400.0)
