"""How to install what a command needs, said one way everywhere.

The project is installed from its checkout (``pip install -e .``) or from a wheel built from it;
the name ``surrogate`` on PyPI belongs to another project, so no hint says ``pip install surrogate``.
An extra's packages are named with the ranges of the installed distribution's metadata
(``pyproject.toml``'s), so that ``pip install`` of them works however surrogate was installed.
"""

from __future__ import annotations


def extra_requirements(extra: str) -> list[str]:
    """The requirements of the optional extra ``extra`` as the installed metadata lists them (``[]`` if unknown)."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        listed = requires("surrogate") or []
    except PackageNotFoundError:
        return []
    return [r.split(";")[0].strip() for r in listed if f'extra == "{extra}"' in r.replace("'", '"')]


def extra_hint(extra: str) -> str:
    """How to install the optional extra ``extra`` (``'scip'``, ``'dask'``, ``'gurobi'``, ``'scipml'``)."""
    packages = " ".join(f"'{r}'" for r in extra_requirements(extra))
    if packages:
        return f"pip install {packages} (surrogate's '{extra}' extra)"
    return f"pip install -e '.[{extra}]' in the surrogate checkout"


def reinstall_hint() -> str:
    """How to reinstall the project itself."""
    return (
        "reinstall surrogate: pip install -e . in its checkout, or pip install --force-reinstall the wheel built from "
        "it (the 'surrogate' on PyPI is another project)"
    )
