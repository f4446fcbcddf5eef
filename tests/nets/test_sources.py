"""The source labels of :mod:`surrogate.nets.sources`: distinct, and the hand-built ones follow their variants."""

import re
from pathlib import Path

import numpy as np
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
        ConfigError,
        match=re.escape(f"lam={lam!r}")
        + r" must be 0 or from 1e-100 to 1e\+100 to be named: .*, \d+ characters\), and that range keeps every label",
    ):
        stable_source(lam)
    for edge in (1e-100, 1.2345678901234567e-100, 1e100):  # the longest spellings within the range leave room in 255 bytes
        assert len(stable_source(edge, start="hand-shared")) < 150


def test_a_numpy_or_fraction_weight_is_named_as_its_float():
    """probe104 #3: stable_source refused NumPy, float32 and Fraction weights that SolveTimeConfig takes, saying 'must
    be a finite number >= 0' of a 0."""
    from fractions import Fraction

    assert stable_source(np.int64(0)) == "stable-l0" and stable_source(np.float64(0.03)) == "stable-l0.03"
    assert stable_source(Fraction(1, 100)) == "stable-l0.01"


def test_a_label_an_older_version_wrote_is_read_back():
    """probe104 #4: a weight of 1e-150 (named by the version before the range was checked) is read back, not dropped;
    the refusal of naming it says why without contradicting itself."""
    assert parse_stable_label("stable-l" + np.format_float_positional(1e-150, trim="-")) == ("best", 1e-150)
    with pytest.raises(ConfigError, match=r"lam=1e-101 must be 0 or from 1e-100 to 1e\+100 to be named: .*103 characters"):
        stable_source(1e-101)


@pytest.mark.parametrize(
    "label", ["stable-l0.030", "stable-l00.03", "stable-l.5", "stable-l1.", "stable-Hand_Shared-l1", "stable-hand--shared-l1"]
)
def test_a_label_stable_source_never_makes_is_no_label(label):
    """Only stable_source's own spelling is read back: another spelling of a weight, or a start no zoo source has,
    would give two labels (two files) one net's weight."""
    assert parse_stable_label(label) is None
