"""Option values and their one-line refusals (options.py)."""

import argparse

import pytest

from surrogate import options


def test_the_longest_time_limit_is_taken_and_one_beyond_is_refused():
    """MAX_TIME_LIMIT (1e9 s) itself is what the advice says to pass for no practical limit: the options take it."""
    assert options.time_limit_seconds("1e9") == 1e9 and options.seconds_from_0("1e9") == 1e9
    options.check_seconds("SolverConfig: time_limit", 1e9)
    for parse in (options.time_limit_seconds, options.seconds_from_0):
        with pytest.raises(
            argparse.ArgumentTypeError, match=r"1e\+09 seconds is more than 1e\+09; for no practical limit give 1e\+09"
        ):
            parse("1.0000001e9")


def test_the_largest_seed_count_and_seed_are_taken_and_one_beyond_is_refused():
    """--seeds MAX_SEED_COUNT and the seed MAX_SEED (PyTorch's generator takes a signed 64-bit integer) are taken."""
    assert options.seed_count(str(options.MAX_SEED_COUNT)) == options.MAX_SEED_COUNT
    with pytest.raises(argparse.ArgumentTypeError, match=r"100001 seeds is more than 100,000; ask for fewer"):
        options.seed_count("100001")
    assert options.check_seeds([0, options.MAX_SEED]) == [0, 2**63 - 1]
    with pytest.raises(options.ConfigError, match=r"seed 9223372036854775808 must be an integer in \[0, 9223372036854775807\]"):
        options.check_seeds([2**63])
