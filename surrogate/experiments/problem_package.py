"""The ``problems`` package that ships with surrogate, found where it was installed and checked to be it.

The builders of the benchmark problems are a top-level package, ``problems`` (the repository's
layout), installed beside ``surrogate`` itself. A module of the same name where a command runs (a
user's own ``problems.py``) comes first on ``sys.path`` and would stand in for it: it is named,
without being run. A plain folder named ``problems`` there (a namespace package: data, say) is
passed over and the shipped package loaded from its own place.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ..errors import ConfigError
from ..install_hints import reinstall_hint

#: Where the shipped package lives: beside the ``surrogate`` package (a checkout, or site-packages).
SHIPPED = Path(__file__).resolve().parents[2] / "problems"


def _shipped():
    """The shipped package, imported from :data:`SHIPPED` under its own name."""
    spec = importlib.util.spec_from_file_location("problems", SHIPPED / "__init__.py", submodule_search_locations=[str(SHIPPED)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["problems"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["problems"]
        raise
    return module


def problems_package():
    """The shipped ``problems`` package; :class:`~surrogate.errors.ConfigError` naming a module that stands in
    for it (found, not run), or saying how to reinstall where it is missing or fails to import."""
    loaded = sys.modules.get("problems")
    where = getattr(loaded, "__file__", None)
    if where is not None and Path(where).resolve().parent == SHIPPED:
        return loaded
    if loaded is not None:  # imported already, by the user's code: never replaced under its feet
        paths = list(getattr(loaded, "__path__", []))
        raise ConfigError(
            f"the module 'problems' imported here ({where or paths or 'no file'}) is not surrogate's problems package, "
            "which has the same name; rename the other one, or import surrogate's before it"
        )
    spec = importlib.util.find_spec("problems")  # found, not run: a user's module must not run
    origin = None if spec is None else spec.origin
    if origin not in (None, "namespace") and Path(origin).resolve().parent != SHIPPED:  # a module, not a plain folder
        raise ConfigError(
            f"a module named 'problems' at {origin} stands in for surrogate's problems package (it comes first on "
            "sys.path, e.g. from the current folder); rename it, or run the command from another folder"
        )
    if not (SHIPPED / "__init__.py").is_file():
        raise ConfigError(f"surrogate's problems package is missing (no {SHIPPED}); {reinstall_hint()}")
    try:  # the first one found is the shipped package: import it as usual; else a namespace stands in for it
        return importlib.import_module("problems") if origin not in (None, "namespace") else _shipped()
    except ImportError as exc:
        raise ConfigError(f"surrogate's problems package at {SHIPPED} cannot be imported ({exc}); {reinstall_hint()}") from None
