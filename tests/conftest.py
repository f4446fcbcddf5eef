"""Shared fixtures (helpers live in :mod:`tests.helpers`). The solver name is tests.helpers.SOLVER."""

from __future__ import annotations

import pytest

from surrogate import SolverConfig
from tests.helpers import SOLVER


@pytest.fixture
def solver_config() -> SolverConfig:
    return SolverConfig(solver=SOLVER, time_limit=30.0, rel_gap=1e-9, threads=1)


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_handled():
    """Ctrl-C handled as Python's default, for the tests that send one: a run started in the background without job
    control (``pytest ... &`` in a script) starts with SIGINT ignored, which ``files.held_interrupts`` rightly leaves
    ignored, so those tests saw no KeyboardInterrupt (fixAK's background runs)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
