"""Ctrl-C during a SCIP or Gurobi solve meets the program's own SIGINT handler, and the main thread, as under HiGHS
(solve_interrupts.py's ctrl_c_stops_here and pass_on_ctrl_c; probe140).

SCIP is sent SIGINT from a thread that waits until SCIP is solving; Gurobi from its own incumbent callback (it catches
the signal then, whatever the machine's load). No test asserts a time: the limits only end the solves.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time

import pytest

from surrogate.milp import scip_direct, signal_watch
from surrogate.milp.backend_run import FirstSolution
from surrogate.milp.solver import solve
from surrogate.milp.solver_config import SolverConfig, Termination
from tests.helpers import market_split_model, skip_unless_runnable

#: A hang guard only, for Gurobi, which the signal stops: a SCIP solve here runs into :data:`SCIP_LIMIT`.
GUARD = 120.0
#: SCIP's limit: the signal lands before it (SCIP is solving), and SCIP, no longer catching it, runs on to it.
SCIP_LIMIT = 3.0


class Stop(Exception):
    """What a program's own raising handler raises."""


@pytest.fixture
def sigint():
    """SIGINT's handler put back after the test."""
    previous = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def sigterm():
    """SIGTERM's handler put back after the test."""
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


def _interrupting(monkeypatch, name: str, signum: int = signal.SIGINT) -> threading.Thread | None:
    """Have ``signum`` sent to the process once ``name`` is solving: from Gurobi's incumbent callback (the thread that
    waits for SCIP's solving stage is returned, to join; HiGHS's too is sent from its incumbent callback)."""
    if name in ("gurobi", "highs"):
        see = FirstSolution.see

        def seen(self, seconds, objective):
            see(self, seconds, objective)
            if not getattr(FirstSolution, "sent", False):
                monkeypatch.setattr(FirstSolution, "sent", True, raising=False)
                os.kill(os.getpid(), signum)

        monkeypatch.setattr(FirstSolution, "see", seen)
        return None
    import pyscipopt

    models, done, optimize = [], threading.Event(), scip_direct.GilFreeModel.optimize

    def recorded(self):
        models.append(self)
        try:
            optimize(self)
        finally:
            done.set()

    def send():
        while not done.is_set() and not (models and models[0].getStage() == pyscipopt.SCIP_STAGE.SOLVING):
            done.wait(0.01)
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(scip_direct.GilFreeModel, "optimize", recorded)
    sender = threading.Thread(target=send)
    sender.start()
    return sender


def _join(sender: threading.Thread | None) -> None:
    if sender is not None:
        sender.join()


def _config(name: str) -> SolverConfig:
    return SolverConfig(solver=name, time_limit=SCIP_LIMIT if name == "scip" else GUARD, threads=1)


@pytest.mark.parametrize("name", ["scip", "gurobi"])
def test_a_programs_own_sigint_handler_is_called_and_the_solve_returns(name, monkeypatch, sigint):
    """A handler that only notes the signal (for a graceful stop later) is called, and stops nothing more than the
    solver did: SCIP runs on to its limit, Gurobi (which caught the signal) returns its incumbent, ``interrupted``.
    It was a made-up ``KeyboardInterrupt``, and the handler never called."""
    skip_unless_runnable(name)
    seen = []
    signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    sender = _interrupting(monkeypatch, name)
    try:
        result = solve(market_split_model(), _config(name))
        _join(sender)
    except BaseException as exc:  # a KeyboardInterrupt let through would end the test session
        result = exc
    assert not isinstance(result, BaseException), repr(result)
    assert seen == [signal.SIGINT]
    if name == "gurobi":
        assert result.termination == Termination.INTERRUPTED and math.isfinite(result.objective)
    else:
        assert result.termination != Termination.INTERRUPTED


@pytest.mark.parametrize("name", ["scip", "gurobi"])
def test_a_programs_raising_sigint_handler_raises_its_own_exception(name, monkeypatch, sigint):
    skip_unless_runnable(name)

    def handler(signum, frame):
        raise Stop("stop, said the program")

    signal.signal(signal.SIGINT, handler)
    sender = _interrupting(monkeypatch, name)
    try:
        solve(market_split_model(), _config(name))
        _join(sender)  # a signal sent only once SCIP had returned (never seen solving) is handled here
    except BaseException as exc:  # a KeyboardInterrupt let through would end the test session
        raised = exc
    _join(sender)
    assert type(raised) is Stop


@pytest.mark.parametrize("name", ["scip", "gurobi"])
def test_a_ctrl_c_during_a_solve_in_a_worker_thread_reaches_the_main_thread(name, monkeypatch, sigint):
    """As under HiGHS: the main thread gets the ``KeyboardInterrupt``, the worker a result (Gurobi's ``interrupted``:
    it caught the signal and passed it on). It was the worker's solve that raised, and the main thread saw nothing."""
    skip_unless_runnable(name)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sender, out, main_saw, finished = _interrupting(monkeypatch, name), [], [], threading.Event()
    worker = threading.Thread(target=lambda: (out.append(_solved(name)), finished.set()))
    try:
        worker.start()
        while not finished.is_set():
            time.sleep(0.01)  # not worker.join(): a KeyboardInterrupt in it leaves the thread marked stopped (3.11)
        _join(sender)
        for _ in range(100):  # the signal is sent: its handler runs at one of these bytecodes
            pass
    except KeyboardInterrupt:
        main_saw.append(True)
    finished.wait()
    worker.join()
    _join(sender)
    assert main_saw == [True]
    assert not isinstance(out[0], BaseException), repr(out[0])
    expected = Termination.INTERRUPTED if name == "gurobi" else Termination.TIME_LIMIT
    assert out[0].termination == expected


def _solved(name: str):
    try:
        return solve(market_split_model(), _config(name))
    except BaseException as exc:
        return exc


def test_a_gurobi_solve_stopped_by_an_ignored_sigint_raises(monkeypatch, sigint):
    """A program that ignores SIGINT (a background job) still has Gurobi stop at one: the run has no answer, and
    ``KeyboardInterrupt`` is raised, as before probe140's change; it returned the ``interrupted`` result, which the
    benchmarks stored and cached (probe144 #1)."""
    skip_unless_runnable("gurobi")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _interrupting(monkeypatch, "gurobi")
    try:
        result = solve(market_split_model(), _config("gurobi"))
    except BaseException as exc:  # a KeyboardInterrupt let through would end the test session
        result = exc
    assert type(result) is KeyboardInterrupt, repr(result)


@pytest.mark.parametrize("name", ["scip", "gurobi"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_solve_halted_for_a_stops_solves_handler_calls_that_handler_once(name, signum, monkeypatch, sigint, sigterm):
    """A handler registered with ``stops_solves`` halts the solve, and Python calls it once the solver returns; one
    that returns gets the ``interrupted`` result. The result was taken for a Ctrl-C the solver caught and SIGINT sent
    on: the SIGINT handler was called twice for one Ctrl-C, or for a SIGTERM (probe144 #3)."""
    skip_unless_runnable(name)
    monkeypatch.setattr(signal_watch, "STOPPING_HANDLERS", set())
    seen = []
    signal.signal(signum, signal_watch.stops_solves(lambda number, frame: seen.append(("stopping", number))))
    if signum == signal.SIGTERM:
        signal.signal(signal.SIGINT, lambda number, frame: seen.append(("sigint", number)))
    sender = _interrupting(monkeypatch, name, signum)
    try:
        result = solve(market_split_model(), _config(name))
        _join(sender)
    except BaseException as exc:  # a KeyboardInterrupt let through would end the test session
        result = exc
    _join(sender)
    assert not isinstance(result, BaseException), repr(result)
    assert seen == [("stopping", signum)]
    assert result.termination == Termination.INTERRUPTED


@pytest.mark.parametrize("name", ["scip", "gurobi", "highs"])
def test_a_ctrl_c_stops_a_solve_inside_asyncio_run(name, monkeypatch, sigint):
    """asyncio.run's SIGINT handler stands for Python's: the solver catches Ctrl-C and the solve raises
    ``KeyboardInterrupt``. SCIP ran on to its limit (asyncio's handler taken for a program's own), Gurobi returned
    its ``interrupted`` result (probe144 #2), HiGHS ran on to its limit (asyncio's first call returns; probe147 #1)."""
    import asyncio

    skip_unless_runnable(name)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sender, raised = _interrupting(monkeypatch, name), []

    async def main():
        try:
            return solve(market_split_model(), _config(name))
        except KeyboardInterrupt:
            raised.append(True)
            raise

    try:
        asyncio.run(main())
        _join(sender)
    except BaseException:  # a KeyboardInterrupt let through would end the test session
        pass
    _join(sender)
    assert raised == [True]
