"""A SIGTERM under a stopping handler halts SCIP and Gurobi at once (:mod:`surrogate.milp.signal_watch`)."""

from __future__ import annotations

import os
import signal
import socket
import threading

import numpy as np
import pytest

from surrogate.cli import console
from surrogate.milp import signal_watch
from surrogate.milp.scip_direct import GilFreeModel
from surrogate.milp.solver import make_solver, solve
from surrogate.milp.solver_config import SolverConfig
from tests.helpers import market_split_model, skip_unless_runnable

#: A hang guard only: every test here stops the solve long before (or runs into a much smaller limit of its own).
GUARD = 120.0


class Stop(BaseException):
    """What the tests' stopping handler raises (as the CLI's raises ``Terminated``)."""


@pytest.fixture
def sigterm():
    """Restore SIGTERM's handler and the wakeup fd after the test; yields a list of the signals handled."""
    previous, seen = signal.getsignal(signal.SIGTERM), []
    yield seen
    signal.signal(signal.SIGTERM, previous)


def _recording(seen):
    def handler(signum, frame):  # returns: the run goes on
        seen.append(signum)

    return handler


def _raising(seen):
    def handler(signum, frame):
        seen.append(signum)
        raise Stop

    return handler


def _terminate_soon(after: float = 0.5) -> threading.Timer:
    timer = threading.Timer(after, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    return timer


def _split_rows(seed: int = 0) -> np.ndarray:
    """A market-split instance (4 rows, 30 binaries): far beyond any solver's first seconds."""
    return np.random.default_rng(seed).integers(0, 100, size=(4, 30))


def _scip_market_split(time_limit: float):
    import pyscipopt

    a, model = _split_rows(), pyscipopt.Model()
    model.hideOutput()
    model.setParam("limits/time", time_limit)
    x = [model.addVar(vtype="B") for _ in range(a.shape[1])]
    slack = []
    for row in a:
        up, down = model.addVar(ub=1000), model.addVar(ub=1000)
        model.addCons(pyscipopt.quicksum(int(c) * v for c, v in zip(row, x, strict=True)) + up - down == int(row.sum()) // 2)
        slack += [up, down]
    model.setObjective(pyscipopt.quicksum(slack))
    return model


def test_a_sigterm_under_a_stopping_handler_interrupts_scip(monkeypatch, sigterm):
    pytest.importorskip("pyscipopt")
    handler = _recording(sigterm)
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", {handler})
    signal.signal(signal.SIGTERM, handler)
    model = _scip_market_split(GUARD)
    _terminate_soon()
    GilFreeModel(model).optimize()
    assert model.getStatus() == "userinterrupt"
    assert sigterm == [signal.SIGTERM]  # and the handler itself still ran, once SCIP returned


def test_a_handler_of_the_callers_own_leaves_scip_to_its_limit(monkeypatch, sigterm):
    pytest.importorskip("pyscipopt")
    handler = _recording(sigterm)  # not registered: it only records the signal
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", set())
    signal.signal(signal.SIGTERM, handler)
    model = _scip_market_split(1.5)
    _terminate_soon(0.3)
    GilFreeModel(model).optimize()
    assert model.getStatus() == "timelimit"
    assert sigterm == [signal.SIGTERM]


@pytest.mark.parametrize("name", ["scip", "gurobi"])
def test_solve_under_a_stopping_handler_halts_the_solver_and_raises(monkeypatch, sigterm, name):
    skip_unless_runnable(name)
    handler = _raising(sigterm)  # reached through noting_interrupts' wrapper (its __wrapped__)
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", {handler})
    signal.signal(signal.SIGTERM, handler)
    config = SolverConfig(time_limit=GUARD, solver=name)
    solver = make_solver(config)
    _terminate_soon()
    with pytest.raises(Stop):
        solve(market_split_model(), config, solver=solver)
    if name == "scip":
        assert solver._solver_model.getStatus() == "userinterrupt"
    else:
        from gurobipy import GRB

        assert solver._solver_model.Status == GRB.INTERRUPTED


def test_the_clis_sigterm_handler_stops_solves():
    assert console._raise_terminated in signal_watch.STOPPING_HANDLERS


def test_the_wakeup_fd_set_before_is_restored_and_still_told(monkeypatch, sigterm):
    handler, halted = _recording(sigterm), []
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", {handler})
    signal.signal(signal.SIGTERM, handler)
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    outer = signal.set_wakeup_fd(writer.fileno())
    try:
        with signal_watch.halting_on_signals(lambda: halted.append(True)):
            signal.raise_signal(signal.SIGTERM)
        assert signal.set_wakeup_fd(outer) == writer.fileno()
    finally:
        signal.set_wakeup_fd(outer)
    assert reader.recv(64) == bytes([signal.SIGTERM])
    assert halted == [True] and sigterm == [signal.SIGTERM]
    reader.close()
    writer.close()


def test_an_error_of_halt_is_ignored(monkeypatch, sigterm):
    handler = _recording(sigterm)
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", {handler})
    signal.signal(signal.SIGTERM, handler)

    def halt():
        raise RuntimeError("SCIP is not solving yet")

    with signal_watch.halting_on_signals(halt):
        signal.raise_signal(signal.SIGTERM)
    assert sigterm == [signal.SIGTERM]


def test_the_watch_goes_on_after_an_error_of_halt(monkeypatch, sigterm):
    """A halt that fails (SCIP not solving yet) leaves the watcher reading: a second SIGTERM halts again."""
    handler = _recording(sigterm)
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", {handler})
    signal.signal(signal.SIGTERM, handler)
    calls, first = [], threading.Event()

    def halt():
        calls.append(len(calls))
        first.set()
        if len(calls) == 1:
            raise RuntimeError("SCIP is not solving yet")

    with signal_watch.halting_on_signals(halt):
        signal.raise_signal(signal.SIGTERM)
        assert first.wait(GUARD)
        signal.raise_signal(signal.SIGTERM)
    assert calls == [0, 1] and sigterm == [signal.SIGTERM, signal.SIGTERM]


def test_outside_the_main_thread_nothing_is_watched():
    seen = []

    def run():
        with signal_watch.halting_on_signals(lambda: None):
            seen.append("ran")  # set_wakeup_fd would have raised ValueError in this thread

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert seen == ["ran"]


def test_a_halt_is_noted_with_its_signal_and_a_callers_own_signal_is_not(monkeypatch, sigterm):
    """noting_halts tells solve that a stopping handler halted the run (Python calls it: no Ctrl-C to pass on)."""
    handler = _recording(sigterm)
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", {handler})
    signal.signal(signal.SIGTERM, handler)
    with signal_watch.noting_halts() as halts, signal_watch.halting_on_signals(lambda: None):
        signal.raise_signal(signal.SIGTERM)
    assert halts == [signal.SIGTERM]
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", set())
    with signal_watch.noting_halts() as halts, signal_watch.halting_on_signals(lambda: None):
        signal.raise_signal(signal.SIGTERM)
    assert halts == [] and sigterm == [signal.SIGTERM, signal.SIGTERM]
