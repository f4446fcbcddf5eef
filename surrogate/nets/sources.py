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
from types import MappingProxyType

import numpy as np

from ..errors import ConfigError

TRAINED = "trained"
"""Label of a net trained by gradient descent (any protocol, any seed)."""

HAND_BUILT_SOURCES = MappingProxyType({"paired": "hand-paired", "shared": "hand-shared"})
"""Construction variant of :mod:`surrogate.nets.construct` -> the label its hand-built net carries."""

HAND_BUILT: tuple[str, ...] = tuple(HAND_BUILT_SOURCES.values())
"""Labels of every hand-built net, in the order of :data:`HAND_BUILT_SOURCES`."""

SOURCES: tuple[str, ...] = (TRAINED, *HAND_BUILT)
"""Every source label, trained first."""

STABLE_PREFIX = "stable"
"""Start of the label of a net fine-tuned for solve time (:func:`stable_source`)."""


def stable_source(lam: float) -> str:
    """The source label of a net fine-tuned for solve time with penalty weight ``lam``: ``'stable-l<lam>'``.

    ``lam`` is written in plain decimals (no exponent, so no ``-`` inside the
    label); :func:`parse_stable_source` reads it back.

    Examples
    --------
    >>> stable_source(0.03), stable_source(0), stable_source(1e-5)
    ('stable-l0.03', 'stable-l0', 'stable-l0.00001')
    """
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not math.isfinite(lam) or lam < 0:
        raise ConfigError(f"penalty weight lam={lam!r} must be a finite number >= 0, e.g. 0.03")
    return f"{STABLE_PREFIX}-l{np.format_float_positional(float(lam), trim='-')}"


def parse_stable_source(label: str) -> float | None:
    """The penalty weight of a label made by :func:`stable_source`; ``None`` if ``label`` is not one.

    Examples
    --------
    >>> parse_stable_source("stable-l0.03"), parse_stable_source("hand-paired")
    (0.03, None)
    """
    prefix = f"{STABLE_PREFIX}-l"
    if not isinstance(label, str) or not label.startswith(prefix):
        return None
    try:
        lam = float(label[len(prefix) :])
    except ValueError:
        return None
    return lam if math.isfinite(lam) and lam >= 0 and stable_source(lam) == label else None
