"""SolveTimeConfig's checks (solve_time_config.py)."""

from __future__ import annotations

import pytest

from surrogate.errors import ConfigError
from surrogate.options import MAX_SEED
from surrogate.train.solve_time_config import SolveTimeConfig


def test_a_seed_past_max_seed_is_refused():
    """Kills T07 (no upper end: a seed torch's generator cannot take)."""
    assert SolveTimeConfig(seed=MAX_SEED).seed == MAX_SEED
    with pytest.raises(ConfigError, match=rf"SolveTimeConfig: seed={MAX_SEED + 1} must be an integer in \[0, {MAX_SEED}\]"):
        SolveTimeConfig(seed=MAX_SEED + 1)
