"""The source labels of :mod:`surrogate.nets.sources`: distinct, and the hand-built ones follow their variants."""

import re
from pathlib import Path

import pytest

from surrogate.errors import ConfigError
from surrogate.nets.construct import VARIANTS
from surrogate.nets.sources import HAND_BUILT, HAND_BUILT_SOURCES, SOURCES, TRAINED, parse_stable_label, stable_source
from surrogate.nets.zoo import parse_zoo_name

STABLE = Path(__file__).resolve().parents[2] / "models" / "stable"


def test_labels_are_distinct_and_trained_comes_first():
    assert len(set(SOURCES)) == len(SOURCES)
    assert SOURCES == (TRAINED, *HAND_BUILT)


def test_hand_built_follows_its_variants():
    assert HAND_BUILT == tuple(HAND_BUILT_SOURCES.values())
    assert tuple(HAND_BUILT_SOURCES) == VARIANTS  # every construction variant has its label


def test_every_shipped_stable_net_keeps_its_name():
    """The spelling of λ bounded (probe98 #3) names every shipped net as before."""
    names = sorted(p.stem for p in STABLE.glob("*.onnx"))
    assert len(names) >= 31
    for name in names:
        source = parse_zoo_name(name).source
        start, lam = parse_stable_label(source)
        assert stable_source(lam, start=start) == source, name


@pytest.mark.parametrize("lam", [1e-300, 1e-101, 1e101, 1e300])
def test_a_penalty_weight_too_long_to_spell_in_a_file_name_is_refused(lam):
    """probe98 #3: 1e-300 was spelt in 302 decimals, and the export after training failed with 'File name too long'."""
    with pytest.raises(
        ConfigError, match=re.escape(f"lam={lam!r}") + r" must be 0 or from 1e-100 to 1e\+100 to be named: .* would take \d+ char"
    ):
        stable_source(lam)
    for edge in (1e-100, 1.2345678901234567e-100, 1e100):  # the longest spellings within the range leave room in 255 bytes
        assert len(stable_source(edge, start="hand-shared")) < 150
