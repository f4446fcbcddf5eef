"""The installed package's version, read once from its distribution's metadata."""

from __future__ import annotations


def package_version() -> str:
    """The installed distribution's version (``pyproject.toml``'s), or ``"unknown"`` when run from an uninstalled tree."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("surrogate")
    except PackageNotFoundError:
        return "unknown"
