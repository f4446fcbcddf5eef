"""Shared fixtures (helpers live in :mod:`tests.helpers`). The solver name is tests.helpers.SOLVER."""

from __future__ import annotations

import pytest

from surrogate import SolverConfig
from tests.helpers import SOLVER


@pytest.fixture
def solver_config() -> SolverConfig:
    return SolverConfig(solver=SOLVER, time_limit=30.0, rel_gap=1e-9, threads=1)
