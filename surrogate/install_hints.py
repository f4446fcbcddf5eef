"""How to install what a command needs, said one way everywhere.

The project is installed from its checkout (``pip install -e .``) or from a wheel built from it;
the name ``surrogate`` on PyPI belongs to another project, so no hint says ``pip install surrogate``.
An extra's packages are named with the ranges of the installed distribution's metadata
(``pyproject.toml``'s), so that ``pip install`` of them works however surrogate was installed.
"""

from __future__ import annotations

import importlib
import re

#: What a refusal of an optional solver offers instead, in Python's terms and the command line's.
USE_HIGHS = "solver='highs' (--solver highs on the command line)"


def extra_requirements(extra: str) -> list[str]:
    """The requirements of the optional extra ``extra`` as the installed metadata lists them (``[]`` if unknown)."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        listed = requires("surrogate") or []
    except PackageNotFoundError:
        return []
    return [r.split(";")[0].strip() for r in listed if f'extra == "{extra}"' in r.replace("'", '"')]


def extra_hint(extra: str, *, only: str | None = None) -> str:
    """How to install the optional extra ``extra`` (``'scip'``, ``'dask'``, ``'gurobi'``, ``'scipml'``); with ``only``,
    just its requirement of that distribution (the Gurobi solver needs ``gurobipy``, not the whole peer route)."""
    requirements = [r for r in extra_requirements(extra) if only is None or _name(r) == only.lower()]
    packages = " ".join(f"'{r}'" for r in requirements)
    if packages:
        return f"pip install {packages} (" + ("from " if only else "") + f"surrogate's '{extra}' extra)"
    return f"pip install {only!r}" if only else f"pip install -e '.[{extra}]' in the surrogate checkout"


def _name(requirement: str) -> str:
    """The distribution a requirement such as ``'gurobipy>=11,<13.1'`` names, lower case."""
    return re.match(r"[A-Za-z0-9._-]*", requirement).group().lower()


def reinstall_hint() -> str:
    """How to reinstall the project itself."""
    return (
        "reinstall surrogate: pip install -e . in its checkout, or pip install --force-reinstall the wheel built from "
        "it (the 'surrogate' on PyPI is another project)"
    )


def import_failure(package: str) -> str:
    """Why ``package`` (installed) does not import, as one line; ``''`` when it imports."""
    try:
        importlib.import_module(package)
    except Exception as error:  # a broken install fails in any way: a missing library, an ABI mismatch
        return f"{type(error).__name__}: {error}"
    return ""
