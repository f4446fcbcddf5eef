"""The examples in the package's docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Every module of the package whose docstrings hold an example (``>>>``).
MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for path in (ROOT / "surrogate").rglob("*.py")
    if ">>>" in path.read_text(encoding="utf-8")
)


def test_some_modules_have_examples():
    assert "surrogate.nets.zoo" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples in {name} failed (run python -m pytest -s to see them)"
    )
