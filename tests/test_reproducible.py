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


@pytest.mark.parametrize("opt_out", ["", "1"])
def test_pin_math_paths_sets_the_pinned_environment_unless_opted_out(monkeypatch, opt_out):
    """Kills P02 (the pinning inverted: set only when opted out)."""
    import os

    from surrogate.reproducible import PINNED_ENVIRONMENT, pin_math_paths

    monkeypatch.setenv(OPT_OUT, opt_out)
    for name in PINNED_ENVIRONMENT:  # set first, so that what pin_math_paths sets is undone after the test
        monkeypatch.setenv(name, "unpinned")
        monkeypatch.delenv(name)
    pin_math_paths()
    assert {name: os.environ.get(name) for name in PINNED_ENVIRONMENT} == (
        PINNED_ENVIRONMENT if opt_out == "" else dict.fromkeys(PINNED_ENVIRONMENT)
    )


@pytest.mark.parametrize(("opt_out", "warned"), [("", True), ("1", False)])
def test_other_kernels_are_warned_of_only_where_pinning_was_asked_for(monkeypatch, opt_out, warned):
    """Kills P03 (a warning after the user opted out of pinning)."""
    import warnings

    import torch

    from surrogate.reproducible import check_math_paths

    monkeypatch.setenv(OPT_OUT, opt_out)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert check_math_paths() == "AVX512"
    said = [w for w in caught if issubclass(w.category, ReproducibilityWarning)]
    assert bool(said) is warned
    assert not said or "PyTorch already runs AVX512 kernels in this process" in str(said[0].message)
