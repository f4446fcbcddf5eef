"""A process forked while another thread of this one is inside a solve (fd_capture.py)."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading

import pyomo.environ as pyo
import pytest

from surrogate.milp import solver as solver_module
from surrogate.milp.solver import SolverConfig, solve
from surrogate.milp.solver_config import Termination

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _lp():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 4))
    m.c = pyo.Constraint(expr=m.x >= 1.5)
    m.o = pyo.Objective(expr=2 * m.x)
    return m


def _child(solved, may_exit) -> None:
    """Solve, write to stdout, then wait until told to exit."""
    assert solve(_lp(), SolverConfig(threads=1)).objective == pytest.approx(3.0)
    assert not type(sys.stdout).__module__.startswith("pyomo")  # the parent's sys.stdout, not the capture's
    os.write(1, b"child's fd write\n")
    solved.set()
    may_exit.wait(120)


def test_a_child_forked_mid_solve_solves_writes_to_stdout_and_does_not_hold_the_parents_solve(monkeypatch, capfd):
    """probe140 #1: the child inherited the solve's fd capture: its output went into the parent's pipe, and its copy of
    the pipe's write end kept the parent's solve waiting until the child exited (its own solves waited for the lock)."""
    solve(_lp(), SolverConfig(threads=1))  # HiGHS's scheduler at 1 thread: none of its workers to lose
    inside, go, results = threading.Event(), threading.Event(), []
    attempt, parent = solver_module._attempt, os.getpid()

    def paused(*args, **kwargs):  # the thread is inside the solve's capture (and holds the solver lock)
        if os.getpid() == parent:  # (the child's own solve goes straight on)
            inside.set()
            go.wait(120)
        return attempt(*args, **kwargs)

    monkeypatch.setattr(solver_module, "_attempt", paused)
    solving = threading.Thread(target=lambda: results.append(solve(_lp(), SolverConfig(threads=1))))
    solving.start()
    context = multiprocessing.get_context("fork")
    may_exit, solved = context.Event(), context.Event()
    inside.wait(120)
    child = context.Process(target=_child, args=(solved, may_exit))
    child.start()
    try:
        solved.wait(120)  # safety nets only: each wait ends as soon as the child or the thread is done
        go.set()
        solving.join(120)
        assert solved.is_set() and not solving.is_alive() and child.is_alive()  # the parent's solve did not wait for it
    finally:
        go.set()
        may_exit.set()
        child.join(120)
        if child.is_alive():  # (the old code's child waited for the solver lock forever)
            child.kill()
            child.join()
        solving.join(120)
    assert child.exitcode == 0
    assert results[0].termination == Termination.OPTIMAL and "child" not in " ".join(results[0].warnings)
    assert "child's fd write\n" in capfd.readouterr().out


def test_the_pyomo_names_a_forked_child_is_given_back_are_where_fd_capture_looks():
    """fd_capture gives a forked child Pyomo's capture lock fresh (``dependencies.capture_output_lock``) and
    ``sys.stdout``/``sys.stderr`` back from the capture's ``old``; it looks them up with ``getattr``, so a Pyomo release
    that renamed them would undo part of the fork fix without an error: this fails instead (``bash .ci/run --newest``)."""
    from pyomo.common import dependencies
    from pyomo.common.tee import capture_output

    lock = dependencies.capture_output_lock
    assert lock.acquire(timeout=1) and lock.release() is None  # a lock (Pyomo makes it a multiprocessing one)
    before = (sys.stdout, sys.stderr)
    capture = capture_output(capture_fd=True)
    with capture:
        assert capture.old == before
    assert (sys.stdout, sys.stderr) == before
