"""Defaults that a frozen config fills in from its other fields, marked so that ``dataclasses.replace`` can tell them from a caller's value.

A config that fills a default in from its other fields (``SweepConfig``'s shapes from its ``budget``) marks it
with :func:`filled`; :func:`check_filled` then tells such a default, passed back by ``dataclasses.replace``, from
a value the caller gave. This module imports nothing else from the package but :mod:`surrogate.errors`.
"""

from __future__ import annotations

from .errors import ConfigError


class FilledTuple(tuple):
    """A tuple that a config filled in, and ``source``: the values of the fields it was filled from (see :func:`filled`)."""

    def __new__(cls, items, source: tuple = ()):  # () where a copy is made without one (dataclasses.asdict)
        made = super().__new__(cls, items)
        made.source = source
        return made

    def __getnewargs__(self):  # pickle and deepcopy keep the source
        return tuple(self), self.source


def filled(value, source: tuple = ()):
    """``value`` marked as a default a config filled in from the values ``source`` of its other fields.

    ``dataclasses.replace(config, budget=48)`` passes every field again, the filled ones too. A
    config given a filled value fills it again when its own fields match ``source`` (the same
    value), and refuses it when they do not (:func:`check_filled`): neither keeping it nor filling
    it anew can be what was meant, so the caller says which. A tuple becomes a :class:`FilledTuple`;
    another object (a frozen dataclass too) gets an attribute.
    """
    if isinstance(value, tuple):
        return FilledTuple(value, source)
    object.__setattr__(value, "_filled_from", source)
    return value


def filled_from(value) -> tuple | None:
    """The ``source`` a config filled ``value`` in from (:func:`filled`), or ``None`` for a value a caller gave."""
    return value.source if isinstance(value, FilledTuple) else getattr(value, "_filled_from", None)


def check_filled(value, source: tuple, where: str, fix: str) -> bool:
    """Whether ``value`` is a default filled in from ``source`` (to be filled again); a caller's value: ``False``.

    Raises
    ------
    ConfigError
        If ``value`` was filled in from other values than ``source`` (``where`` names the field and those
        values, ``fix`` says what to pass).
    """
    earlier = filled_from(value)
    if earlier is not None and earlier != source:
        raise ConfigError(f"{where} was filled in for {earlier}, not for {source}; {fix}")
    return earlier is not None
