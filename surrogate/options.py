"""Defaults and option values, shared by every configuration and the command line.

:func:`default_of` reads a default from its one home, the field of a frozen
configuration dataclass; the ``argparse`` types (:func:`whole_number`,
:func:`positive_int`, :func:`positive_float`) turn option text into values
with one-line errors. This module imports nothing else from the package.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields

from .errors import ConfigError


def default_of(cls, name: str):
    """The default value of field ``name`` of the dataclass ``cls`` (its default factory called if it has one).

    The configuration dataclasses are the one home of every default: the
    command line and the report read theirs from here.

    Parameters
    ----------
    cls
        A dataclass, e.g. :class:`SweepConfig`.
    name
        One of its fields, e.g. ``'budget'``.

    Raises
    ------
    ConfigError
        If ``cls`` has no field ``name``, or the field has no default.
    """
    found = {f.name: f for f in fields(cls)}
    if name not in found:
        raise ConfigError(f"{cls.__name__} has no field {name!r}; choose one of {', '.join(found)}")
    f = found[name]
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    raise ConfigError(f"{cls.__name__}.{name} has no default; pass it explicitly")


def whole_number(text: str, *, minimum: int = 0) -> int:
    """``text`` as an integer of at least ``minimum`` (an :mod:`argparse` type).

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not a whole number, or is below ``minimum``.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} must be at least {minimum}")
    return value


def positive_int(text: str) -> int:
    """``text`` as a positive integer (an :mod:`argparse` type; see :func:`whole_number`)."""
    return whole_number(text, minimum=1)


def positive_float(text: str) -> float:
    """``text`` as a positive number (an :mod:`argparse` type).

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not a number, or is not above 0.
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} must be positive")
    return value
