"""The source labels of :mod:`surrogate.nets.sources`: distinct, and the hand-built ones follow their variants."""

from surrogate.nets.construct import VARIANTS
from surrogate.nets.sources import HAND_BUILT, HAND_BUILT_SOURCES, SOURCES, TRAINED


def test_labels_are_distinct_and_trained_comes_first():
    assert len(set(SOURCES)) == len(SOURCES)
    assert SOURCES == (TRAINED, *HAND_BUILT)


def test_hand_built_follows_its_variants():
    assert HAND_BUILT == tuple(HAND_BUILT_SOURCES.values())
    assert tuple(HAND_BUILT_SOURCES) == VARIANTS  # every construction variant has its label
