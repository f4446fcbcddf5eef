"""The ``problems`` package that ships with surrogate, imported once and checked to be it.

The builders of the benchmark problems are a top-level package, ``problems`` (the repository's
layout). A module of the same name where a command runs (a user's own ``problems.py``) comes first
on ``sys.path`` and would stand in for it; :func:`problems_package` says so instead of failing with
an ``ImportError`` of a missing name.
"""

from __future__ import annotations

from ..errors import ConfigError

#: Names the shipped package defines, which a module that shadows it lacks.
_SIGNATURE = ("BilinearProblem", "POOLING_INSTANCES", "build", "qcqp_instances")


def problems_package():
    """The shipped ``problems`` package; :class:`~surrogate.errors.ConfigError` naming a module that shadows it,
    or saying how to reinstall where it is missing."""
    try:
        import problems
    except ImportError as exc:
        raise ConfigError(
            f"the 'problems' package that ships with surrogate cannot be imported ({exc}); reinstall surrogate "
            "(pip install --force-reinstall surrogate; in a checkout: pip install -e .)"
        ) from None
    if not all(hasattr(problems, name) for name in _SIGNATURE):
        where = getattr(problems, "__file__", None) or "an unknown place"
        raise ConfigError(
            f"a module named 'problems' at {where} stands in for surrogate's problems package (it comes first on "
            "sys.path, e.g. from the current folder); rename it, or run the command from another folder"
        )
    return problems
