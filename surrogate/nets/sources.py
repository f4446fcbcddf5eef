"""How a net was made: the source labels that sweep tables, zoo manifests and plots carry.

One home for these strings, so that a table written by :mod:`surrogate.experiments`
is read back by :mod:`surrogate.report` with the same names.

>>> TRAINED, HAND_BUILT
('trained', ('hand-paired', 'hand-shared'))
>>> HAND_BUILT_SOURCES["paired"]
'hand-paired'
"""

from __future__ import annotations

from types import MappingProxyType

TRAINED = "trained"
"""Label of a net trained by gradient descent (any protocol, any seed)."""

HAND_BUILT_SOURCES = MappingProxyType({"paired": "hand-paired", "shared": "hand-shared"})
"""Construction variant of :mod:`surrogate.nets.construct` -> the label its hand-built net carries."""

HAND_BUILT: tuple[str, ...] = tuple(HAND_BUILT_SOURCES.values())
"""Labels of every hand-built net, in the order of :data:`HAND_BUILT_SOURCES`."""

SOURCES: tuple[str, ...] = (TRAINED, *HAND_BUILT)
"""Every source label, trained first."""
