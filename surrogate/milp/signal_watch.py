"""Stop a solver whose C code holds the main thread when a signal that ends the run arrives (the CLI's SIGTERM).

Python runs a signal's handler only in the main thread, between two bytecodes. While SCIP's ``optimize`` or
Gurobi's runs there, no bytecode runs, so a SIGTERM under the CLI's handler was acted on only when the solver
returned, at its time limit at the latest (a 60 s wait after ``kill PID``). Ctrl-C under Python's own handler never
waited: both solvers catch SIGINT themselves and stop (under a handler of the program's own SCIP leaves it to Python:
:func:`~surrogate.milp.solve_interrupts.ctrl_c_stops_here`). :func:`halting_on_signals` has Python's own C-level signal handler write the signal's
number to a socket (:func:`signal.set_wakeup_fd`), which a watcher thread reads, calling the solver's thread-safe stop
(SCIP's ``interruptSolve``, Gurobi's ``terminate``) at once; the handler itself still runs when the solver returns,
and :func:`~surrogate.milp.solve_interrupts.noting_interrupts` raises what it raised, as before.

Only a handler registered with :func:`stops_solves` halts a solver: a handler of the caller's own that only records
the signal and returns must leave the solve to its end, as it does under HiGHS.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator

#: The signal handlers (functions) that end the run they interrupt: a signal under one halts a running solver.
STOPPING_HANDLERS: set = set()
#: The lists :func:`noting_halts` yields, each told the signals that halted a solver while its block runs.
_HALTS: list[list[int]] = []


def stops_solves(handler: Callable) -> Callable:
    """Register ``handler``, a signal handler that raises (ends the run), so that a signal under it halts a solver
    running in :func:`halting_on_signals`; returns ``handler`` (usable as a decorator)."""
    STOPPING_HANDLERS.add(handler)
    return handler


@contextlib.contextmanager
def halting_on_signals(halt: Callable[[], None]) -> Iterator[None]:
    """While the block runs, call ``halt()`` from a watcher thread as soon as a signal arrives whose handler is one
    of :data:`STOPPING_HANDLERS`, or wraps one (``__wrapped__``, as :func:`functools.wraps` sets it).

    In the main thread only (the one where handlers run and where :func:`signal.set_wakeup_fd` may be called); the
    wakeup socket that was set before (asyncio's) is restored after, and still gets every signal's byte meanwhile.
    ``halt`` must be safe to call from another thread while the solver runs; an error it raises (the solver not yet,
    or no longer, solving) is ignored: the handler still runs once the solver returns.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(reader, halt, previous), name="surrogate-signal-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        writer.close()  # the watcher reads the end of the stream and returns
        watcher.join()
        reader.close()


@contextlib.contextmanager
def noting_halts() -> Iterator[list[int]]:
    """A list that gets the number of each signal under a :func:`stops_solves` handler that arrived while a solver ran
    in :func:`halting_on_signals` during the block (the solver halted, or about to be).

    Python itself calls that handler (once the solver returns): a run that ends ``interrupted`` then was not stopped
    by a Ctrl-C the solver caught, to be passed on (:func:`~surrogate.milp.solve_interrupts.pass_on_ctrl_c`: its
    handler was called twice, or a SIGINT handler for a SIGTERM; probe144 #3)."""
    seen: list[int] = []
    _HALTS.append(seen)
    try:
        yield seen
    finally:
        _HALTS.remove(seen)


def _watch(reader: socket.socket, halt: Callable[[], None], forward: int) -> None:
    """Read signal numbers from ``reader`` until it closes; halt on a stopping one (noted, :func:`noting_halts`),
    pass each on to ``forward``."""
    while data := reader.recv(64):
        if forward >= 0:
            with contextlib.suppress(OSError):
                os.write(forward, data)
        stopping = [signum for signum in data if inspect.unwrap(signal.getsignal(signum)) in STOPPING_HANDLERS]
        if stopping:
            for seen in list(_HALTS):
                seen.extend(stopping)
            with contextlib.suppress(Exception):
                halt()
