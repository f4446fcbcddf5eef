"""Which math code paths a process asks for: SURROGATE_NATIVE_MATH read in any spelling, a typo warned about."""

import pytest

from surrogate.reproducible import OPT_OUT, ReproducibilityWarning, pinned


@pytest.mark.parametrize(
    ("value", "expected"), [("", True), ("0", True), ("Off", True), ("1", False), ("TRUE", False), (" on ", False)]
)
def test_the_opt_out_is_read_in_any_case(monkeypatch, value, expected):
    monkeypatch.setenv(OPT_OUT, value)
    assert pinned() is expected


def test_a_value_that_is_neither_keeps_the_pinned_paths_and_says_so(monkeypatch):
    monkeypatch.setenv(OPT_OUT, "maybe")
    with pytest.warns(
        ReproducibilityWarning, match=r"SURROGATE_NATIVE_MATH='maybe' is neither on .* the math code paths stay pinned"
    ):
        assert pinned() is True
