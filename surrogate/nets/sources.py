"""How a net was made: the source labels that sweep tables, zoo manifests and plots carry.

One home for these strings, so that a table written by :mod:`surrogate.experiments`
is read back by :mod:`surrogate.report` with the same names.

>>> TRAINED, HAND_BUILT
('trained', ('hand-paired', 'hand-shared'))
>>> HAND_BUILT_SOURCES["paired"]
'hand-paired'
"""

from __future__ import annotations

import math
import re
from types import MappingProxyType

import numpy as np

from ..errors import ConfigError
from ..options import plain_number

TRAINED = "trained"
"""Label of a net trained by gradient descent (any protocol, any seed)."""

HAND_BUILT_SOURCES = MappingProxyType({"paired": "hand-paired", "shared": "hand-shared"})
"""Construction variant of :mod:`surrogate.nets.construct` -> the label its hand-built net carries."""

HAND_BUILT: tuple[str, ...] = tuple(HAND_BUILT_SOURCES.values())
"""Labels of every hand-built net, in the order of :data:`HAND_BUILT_SOURCES`."""

SOURCES: tuple[str, ...] = (TRAINED, *HAND_BUILT)
"""Every source label, trained first."""

FIXED_SUFFIX = "fixed"
"""End of the label of a hand-built net whose always-active units are shifted to be provably active."""


def hand_built_source(variant: str, *, active_margin: float = 0.0) -> str:
    """The source label of the hand-built net of construction ``variant`` built with ``active_margin``.

    Examples
    --------
    >>> hand_built_source("shared"), hand_built_source("paired", active_margin=1 / 64)
    ('hand-shared', 'hand-paired-fixed')
    """
    if variant not in HAND_BUILT_SOURCES:
        raise ConfigError(f"unknown construction variant {variant!r}; choose one of {', '.join(HAND_BUILT_SOURCES)}")
    label = HAND_BUILT_SOURCES[variant]
    return f"{label}-{FIXED_SUFFIX}" if active_margin > 0 else label


STABLE_PREFIX = "stable"
"""Start of the label of a net fine-tuned for solve time (:func:`stable_source`)."""


#: The start source whose fine-tuned nets keep the short label ``stable-l<lam>`` (the first family).
DEFAULT_STABLE_START = "best"

#: The positive penalty weights a label spells, ``(least, most)``: in plain decimals 1e-100 takes 102 characters and
#: 1e100 101, so a net's file name stays within the 255 bytes a file system allows (1e-300 would take 302).
STABLE_LAM_RANGE = (1e-100, 1e100)


def stable_source(lam: float, start: str = DEFAULT_STABLE_START) -> str:
    """The source label of a net fine-tuned for solve time from a ``start`` net with penalty weight ``lam``.

    ``'stable-l<lam>'`` for a net started from a ``best`` zoo net,
    ``'stable-<start>-l<lam>'`` for any other start (e.g. a hand-built net).
    ``lam`` is written in plain decimals (no exponent, so no ``-`` inside it), so
    it must be 0 or within :data:`STABLE_LAM_RANGE`;
    :func:`parse_stable_source` reads the label back.

    Examples
    --------
    >>> stable_source(0.03), stable_source(0), stable_source(1e-5)
    ('stable-l0.03', 'stable-l0', 'stable-l0.00001')
    >>> stable_source(1, start="hand-shared")
    'stable-hand-shared-l1'
    """
    lam = plain_number(lam)  # a NumPy or float32 or Fraction weight, as SolveTimeConfig takes it (probe104 #3)
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not math.isfinite(lam) or lam < 0:
        raise ConfigError(f"penalty weight lam={lam!r} must be a finite number >= 0, e.g. 0.03")
    least, most = STABLE_LAM_RANGE
    if lam and not least <= lam <= most:
        spelt = np.format_float_positional(float(lam), trim="-")
        raise ConfigError(
            f"penalty weight lam={lam!r} must be 0 or from {least:g} to {most:g} to be named: a label spells it in plain "
            f"decimals ({spelt[:12]}..., {len(spelt)} characters), and that range keeps every label, and a net's file "
            "name with it, well within the 255 bytes a file system allows"
        )
    if not isinstance(start, str) or not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*", start):
        raise ConfigError(
            f"start source {start!r} must be a zoo source label of lower-case words joined by '-', e.g. 'best' or 'hand-shared'"
        )
    return _label(start, lam)


def _label(start: str, lam: float) -> str:
    """The label of :func:`stable_source`, unchecked (:func:`parse_stable_label` reads a weight an older version named)."""
    head = STABLE_PREFIX if start == DEFAULT_STABLE_START else f"{STABLE_PREFIX}-{start}"
    return f"{head}-l{np.format_float_positional(float(lam), trim='-')}"


def parse_stable_source(label: str) -> float | None:
    """The penalty weight of a label made by :func:`stable_source`; ``None`` if ``label`` is not one.

    Examples
    --------
    >>> parse_stable_source("stable-l0.03"), parse_stable_source("stable-hand-shared-l1"), parse_stable_source("hand-paired")
    (0.03, 1.0, None)
    """
    parsed = parse_stable_label(label)
    return None if parsed is None else parsed[1]


def parse_stable_label(label: str) -> tuple[str, float] | None:
    """``(start, lam)`` of a label made by :func:`stable_source`; ``None`` if ``label`` is not one.

    Examples
    --------
    >>> parse_stable_label("stable-l0.03"), parse_stable_label("stable-hand-paired-l0.3")
    (('best', 0.03), ('hand-paired', 0.3))
    """
    match = re.fullmatch(rf"{STABLE_PREFIX}(?:-(.+))?-l([0-9.]+)", label) if isinstance(label, str) else None
    if match is None:
        return None
    start = match.group(1) or DEFAULT_STABLE_START
    try:
        lam = float(match.group(2))
        stable_source(0.0, start=start)  # the start's spelling checked; any weight an older version named is read
    except (ValueError, ConfigError):
        return None
    return (start, lam) if math.isfinite(lam) and _label(start, lam) == label else None
