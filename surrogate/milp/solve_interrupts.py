"""Ctrl-C (SIGINT) and SIGTERM during a solver run: noted even where the solver catches them, then raised again.

highspy catches the ``KeyboardInterrupt`` a handler raises and returns a solve error; SCIP and Gurobi catch
Ctrl-C and return "interrupted". :func:`noting_interrupts` notes the signal as it arrives, and
:func:`raise_noted` / :func:`stop_if_interrupted` raise it again after the run, so that an interrupted solve is
never recorded as an answer (used by :func:`~surrogate.milp.solver.solve`, the SCIP reference and the peers).

Only where a Ctrl-C is Python's own ``KeyboardInterrupt`` in the solving thread (:func:`ctrl_c_stops_here`) is
SCIP left to catch it; elsewhere (a handler of the program's own, a worker thread) SCIP leaves SIGINT to Python,
and a Gurobi run that caught it passes it on (:func:`pass_on_ctrl_c`), as HiGHS leaves it (probe140).
"""

from __future__ import annotations

import functools
import inspect
import os
import signal
import sys
import threading
from contextlib import contextmanager

from .solver_config import Termination


@contextmanager
def noting_interrupts():
    """A list that gets the exception each SIGINT (Ctrl-C), or SIGTERM under a handler of Python's (the CLI's),
    raised through its handler while the block runs, whatever catches it (:func:`raise_noted` raises it again).

    highspy catches the ``KeyboardInterrupt`` that either handler raises, stops HiGHS and returns a solve error,
    so a run would go on as if the solve had failed (and cache it so). The signal still reaches Python's handler
    first; this wraps it (in the main thread only, where handlers live, and not where the signal is ignored, or
    is SIGTERM's default, which ends the process). A handler that returns (a user's, which only records the
    signal) is called once and stops nothing.
    """
    seen: list = []
    wrapped = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(signum)
            if callable(previous) or (signum == signal.SIGINT and previous == signal.SIG_DFL):
                wrapped[signum] = previous
                signal.signal(signum, _noting(seen, previous))
    try:
        yield seen
    finally:
        for signum, previous in wrapped.items():
            signal.signal(signum, previous)


def _noting(seen: list, previous):
    handler = previous if callable(previous) else signal.default_int_handler  # SIGINT's SIG_DFL: a KeyboardInterrupt

    @functools.wraps(handler)  # its ``__wrapped__``: a stopping handler still stops solvers, Python's is still told
    def note(signum, frame):
        try:
            handler(signum, frame)
            if _asyncio_runners(handler):  # its first call cancels the main task and returns: stop the run, as
                raise KeyboardInterrupt  # Python's own handler does (HiGHS ran on to its time limit; probe147 #1)
        except BaseException as exc:  # what the handler raised: the solver may catch it
            seen.append(exc)
            raise

    return note


def ctrl_c_stops_here() -> bool:
    """Whether a Ctrl-C now is Python's own ``KeyboardInterrupt`` in this thread: it is the main thread, and SIGINT's
    handler is Python's default one (``signal.default_int_handler``, or ``SIG_DFL``) or asyncio's runner's, which
    stands for it in :func:`asyncio.run` (:func:`_asyncio_runners`), maybe wrapped by :func:`noting_interrupts`.

    Only then may a solver catch Ctrl-C itself and stop (SCIP's ``misc/catchctrlc``,
    :class:`~surrogate.milp.scip_direct.GilFreeModel`): a handler of the program's own (one that notes the signal
    for a graceful stop later) is to be called, and a Ctrl-C during a solve in a worker thread is the main thread's.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    handler = inspect.unwrap(signal.getsignal(signal.SIGINT))
    return handler is signal.default_int_handler or handler == signal.SIG_DFL or _asyncio_runners(handler)


def _asyncio_runners(handler) -> bool:
    """Whether ``handler`` is the one :class:`asyncio.Runner` puts in place of Python's default one while it runs
    (``Runner._on_sigint``, bound, in a :func:`functools.partial`): it is there to deliver a ``KeyboardInterrupt``
    (its first call cancels the main task, which then raises it), so a solver may catch Ctrl-C itself as under
    Python's own (probe144 #2: SCIP ran on to its time limit inside :func:`asyncio.run`)."""
    runners = sys.modules.get("asyncio.runners")  # not imported: not asyncio's
    on_sigint = getattr(getattr(runners, "Runner", None), "_on_sigint", None)
    function = handler.func if isinstance(handler, functools.partial) else handler
    return on_sigint is not None and getattr(function, "__func__", None) is on_sigint


def pass_on_ctrl_c() -> bool:
    """After a run a solver says Ctrl-C interrupted, though nothing was noted (Gurobi caught SIGINT itself, with no
    way to stop it): ``False`` where Ctrl-C stops the run here (:func:`ctrl_c_stops_here`), or where SIGINT's
    handler is no function (``SIG_IGN``, as a background job has it, or ``SIG_DFL``: the solver stopped all the
    same, and the run has no answer): the caller raises ``KeyboardInterrupt``; else SIGINT is sent to the process
    again, so that the handler in force meets it, and ``True`` (the run's result, its termination ``interrupted``,
    is the caller's to return).

    In the main thread the program's handler runs at once: what it raises propagates, one that returns lets the
    result be returned. From a worker thread the signal goes to the main thread, as a Ctrl-C would have without
    the solver: the main thread gets its ``KeyboardInterrupt`` (or its handler's call), the worker its result.
    """
    if ctrl_c_stops_here() or not callable(signal.getsignal(signal.SIGINT)):
        return False
    os.kill(os.getpid(), signal.SIGINT)  # process-directed: the main thread takes it (it blocks no signal)
    return True


def raise_noted(noted: list, what: str):
    """Raise the interruption :func:`noting_interrupts` noted: what a handler raised (the CLI's ``Terminated``, a
    ``SystemExit``), or ``KeyboardInterrupt(what)`` for Ctrl-C's and where none was noted (the solver says it was
    interrupted)."""
    for exc in noted:
        if type(exc) is not KeyboardInterrupt:
            raise exc
    raise KeyboardInterrupt(what)


def stop_if_interrupted(noted: list, termination: str, what: str) -> None:
    """Raise the interruption :func:`noting_interrupts` noted, or ``KeyboardInterrupt(what)`` where the solver
    reports ``termination`` ``interrupted`` (SCIP and Gurobi catch Ctrl-C themselves and return): an interrupted
    solve's value is no answer to keep or record."""
    if noted or termination == Termination.INTERRUPTED:
        raise_noted(noted, what)


def interruptible_clone(block, **kwargs):
    """``block.clone(**kwargs)``, with a Ctrl-C (or SIGTERM under the CLI's handler) that lands during it raised once
    it returns (:func:`raise_noted`).

    Pyomo's deep copy catches every exception raised while a field is copied (a bare ``except:`` in
    ``pyomo.common.autoslots`` and ``Component.__deepcopy_field__``) and copies the field another way, so the
    ``KeyboardInterrupt`` of a signal that lands there was lost: a command told to stop went on to its end (probe124).
    """
    with noting_interrupts() as noted:
        copy = block.clone(**kwargs)
    if noted:
        raise_noted(noted, "interrupted (Ctrl-C) while a model was copied")
    return copy
