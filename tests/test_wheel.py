"""A wheel of the package carries the model zoo: zoo names resolve outside the repository."""

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.solver]

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """\
import pyomo.environ as pyo

import surrogate
from surrogate import bilinear
from surrogate.nets.zoo import DEFAULT_ZOO

m = pyo.ConcreteModel()
m.x = pyo.Var(bounds=(-1, 1))
m.y = pyo.Var(bounds=(0, 3))
z = bilinear(m, m.x, m.y, "3x8")
m.obj = pyo.Objective(expr=z.expr + 0.1 * m.x)
surrogate.solve(m, surrogate.SolverConfig(time_limit=30, rel_gap=1e-6, threads=1))
x, y = pyo.value(m.x), pyo.value(m.y)
print(surrogate.__file__)
print(DEFAULT_ZOO)
print(x, y, pyo.value(z.expr), z.get_error().vs_product)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package built as a wheel from a copy of the repository and installed (no dependencies) into a folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("surrogate", "models", "problems"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", str(src), "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist")], check=True, timeout=300
    )
    (wheel,) = (tmp / "dist").glob("surrogate-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(tmp / "site"), str(wheel)], check=True, timeout=300)
    return tmp / "site"


def test_the_wheel_holds_the_zoo(installed):
    zoo = installed / "surrogate" / "models"
    assert (zoo / "manifest.json").is_file() and (zoo / "__init__.py").is_file()
    assert sorted(p.name for p in zoo.glob("*.onnx")) == sorted(p.name for p in (ROOT / "models").glob("*.onnx"))


def test_the_wheel_holds_every_data_file_of_the_zoo_and_the_problems(installed):
    """The stable zoo and the bundled problem files are listed as packages (setuptools warned 'Package would be
    ignored' for data folders given only as package data, and a later setuptools may drop them)."""
    pairs = [(ROOT / "models", installed / "surrogate" / "models"), (ROOT / "problems" / "data", installed / "problems" / "data")]
    for source, target in pairs:
        files = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        assert files and [f for f in files if not (target / f).is_file()] == []


def test_a_zoo_name_resolves_and_solves_from_the_installed_wheel(installed, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,  # not the repository: only the installed copy can be found
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    package, zoo, values = done.stdout.strip().splitlines()
    assert Path(package).is_relative_to(installed) and Path(zoo) == installed / "surrogate" / "models"
    x, y, z, error = map(float, values.split())
    assert (x, y) == (pytest.approx(-1.0), pytest.approx(3.0))  # min x*y + 0.1 x on [-1, 1] x [0, 3]
    models = json.loads((installed / "surrogate" / "models" / "manifest.json").read_text())["models"]
    net = min((e for e in models if e["architecture"] == "3x8"), key=lambda e: e["mae"])
    # x = 1 * xh, y = 1.5 * yh + 1.5: the net's error on [-1, 1]^2 scales by |a c| = 1.5 on this box
    assert error == pytest.approx(abs(z - x * y)) and error <= 1.5 * net["max_error"] + 1e-6


def test_the_wheel_carries_its_licence_and_type_marker(installed):
    assert (installed / "surrogate" / "py.typed").is_file()
    (info,) = installed.glob("surrogate-*.dist-info")
    assert (
        any(p.name == "LICENSE" for p in info.rglob("LICENSE")) and "License-Expression: MIT" in (info / "METADATA").read_text()
    )


def _tracked_files() -> list[str]:
    """The files git tracks in the checkout (that are on disk), or none where git or the repository is missing."""
    try:
        done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return []
    return [n for n in done.stdout.split("\0") if n and (ROOT / n).is_file()] if done.returncode == 0 else []


def test_the_sdist_carries_the_tests_and_what_they_read(tmp_path):
    """An sdist's tests can run: every test module (subfolders too), the docs they check and the CI files; with
    git, every tracked file but .gitignore (problems/README.md was left out)."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy(ROOT / name, src / name)
    for name in ("surrogate", "models", "problems", "tests", "docs", ".ci"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    tracked = set(_tracked_files()) - {".gitignore"}
    for name in tracked:  # a tracked file outside those folders is copied too, so a missing one is seen
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, src / name)
    build = "from setuptools import build_meta; print(build_meta.build_sdist({out!r}))"
    done = subprocess.run(
        [sys.executable, "-c", build.format(out=str(tmp_path))], cwd=src, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with tarfile.open(tmp_path / done.stdout.split()[-1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    wanted = {p.relative_to(src).as_posix() for folder in ("tests", "docs", ".ci") for p in (src / folder).rglob("*")}
    assert {"tests/helpers.py", "docs/api.md", ".ci/run", "LICENSE"} <= names
    assert {p for p in wanted if (src / p).is_file()} <= names
    assert sorted(tracked - names) == []
