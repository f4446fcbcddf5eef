"""How the ``surrogate`` command talks to its terminal: stderr logging, signals, and one-line error messages."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool

from ..errors import SurrogateError
from ..milp.signal_watch import stops_solves


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout (this process's and its workers') to stderr for a while."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def encodable_output() -> Iterator[None]:
    """While the command runs, write what stdout and stderr cannot encode as escapes (``zoo-\\xfc``) instead of
    failing on it: a name or path echoed to an ASCII or Latin-1 console (``PYTHONIOENCODING=ascii``) raised
    ``UnicodeEncodeError`` after the work was done. Each stream's own setting is restored afterwards."""
    saved = []
    for stream in (sys.stdout, sys.stderr):
        if callable(getattr(stream, "reconfigure", None)) and getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(OSError, ValueError):  # a reader gone, a closed stream: keep it as it is
                stream.reconfigure(errors="backslashreplace")
                saved.append(stream)
    try:
        yield
    finally:
        for stream in saved:
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(errors="strict")


def stdout_to_devnull() -> None:
    """Point stdout's file descriptor at ``os.devnull`` once its reader went away (``| head``), so that flushing what
    is left (at exit) raises no second ``BrokenPipeError`` (Python's documented recipe; nothing where stdout has no
    descriptor)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@contextlib.contextmanager
def log_to_stderr(command: str, level: int) -> Iterator[None]:
    """Show the package's log records (unit reuse, damaged cache entries) on stderr while a command runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"surrogate {command}: %(message)s"))
    logger = logging.getLogger("surrogate")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM while a command runs."""


#: The exit codes of a command stopped by Ctrl-C (130) or SIGTERM (143), :func:`stopped`'s.
STOPPED_CODES = (130, 128 + signal.SIGTERM)


def stopped(exc: KeyboardInterrupt) -> tuple[str, int]:
    """How a command stopped by ``exc`` says so and exits: ``('terminated', 143)`` for SIGTERM (:class:`Terminated`),
    ``('interrupted', 130)`` for Ctrl-C."""
    return ("terminated", 128 + signal.SIGTERM) if isinstance(exc, Terminated) else ("interrupted", 130)


@stops_solves  # a SIGTERM halts a SCIP or Gurobi solve at once (they hold the main thread in C code)
def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, treat SIGTERM like Ctrl-C (:class:`Terminated`): stop the workers, unlock the folder,
    keep finished units; :func:`surrogate.cli.main` holds it around every command.

    A Ctrl-C or SIGTERM that Python swallowed and that is still waiting to be sent again (:func:`_interrupts_resent`)
    when the command ends is not left to land after :func:`surrogate.cli.main` returned (in the interpreter's
    shutdown, or in a library caller's code; probe92 #1): its resend is cancelled, and, where the command ended
    without an exception, it is raised here, so that the command stops with 130 (or 143); the resends are closed
    whatever else is raised meanwhile (a signal landing before :meth:`_Resends.cancel` closed them)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending = _Resends()
    previous, hook = signal.signal(signal.SIGTERM, _raise_terminated), sys.unraisablehook
    sys.unraisablehook = _interrupts_resent(hook, pending)
    try:
        yield
    finally:
        try:
            sys.unraisablehook = hook
            held = pending.cancel()  # before the handler is restored: a SIGTERM resent after that would kill the process
        finally:  # a resend already sent may land in cancel(), or a signal before it closed (probe93 #9): closed still
            pending.close()
            signal.signal(signal.SIGTERM, previous)
    if held is not None:  # only where no exception is propagating (one that is, e.g. a second Ctrl-C, goes on)
        raise held


#: Seconds after which a swallowed Ctrl-C or SIGTERM is sent again (:func:`_interrupts_resent`).
RESEND_AFTER = 0.01


class _Resends:
    """The swallowed interrupts :func:`_interrupts_resent` will send again, each with its :class:`threading.Timer`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[tuple[threading.Timer, KeyboardInterrupt]] = []
        self._closed = False

    def schedule(self, signum: int) -> None:
        """Send ``signum`` to this process again in :data:`RESEND_AFTER` seconds, unless :meth:`cancel` comes first."""
        held = Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
        timer = threading.Timer(RESEND_AFTER, self._send, (signum,))
        timer.daemon = True  # never one the interpreter's shutdown waits for
        with self._lock:
            if self._closed:
                return
            self._waiting.append((timer, held))
            timer.start()

    def _send(self, signum: int) -> None:
        with self._lock:  # sent, or cancelled, never both
            if self._closed:
                return
            self._waiting = [(t, held) for t, held in self._waiting if t is not threading.current_thread()]
            os.kill(os.getpid(), signum)

    def cancel(self) -> KeyboardInterrupt | None:
        """Cancel every resend still waiting; the interrupt of the first of them (``None`` where none waits)."""
        waiting = self.close()
        return waiting[0][1] if waiting else None

    def close(self) -> list[tuple[threading.Timer, KeyboardInterrupt]]:
        """Let no resend go from now on, and cancel those waiting (returned); :func:`sigterm_as_interrupt` closes
        again where a signal cut :meth:`cancel` short."""
        with self._lock:  # a resend being sent is sent first: it lands while SIGTERM is still handled
            self._closed = True
            waiting, self._waiting = self._waiting, []
        for timer, _ in waiting:
            timer.cancel()
        return waiting


def _interrupts_resent(hook, pending: _Resends):
    """``sys.unraisablehook`` that sends a Ctrl-C or SIGTERM again where Python swallowed its exception: one raised
    inside a weakref callback or ``__del__`` (a model's variables collected) was printed as "Exception ignored" and the
    run went on to exit 0 (probe89 #3); sent again a moment later, from another thread (sent from the hook, its
    handler would run inside the hook, where Python swallows it again), it lands in the command and stops it (a resend
    swallowed again is resent again). ``pending`` holds the resends still to come (:func:`sigterm_as_interrupt`
    cancels them when the command ends). Any other unraisable exception goes to ``hook``."""

    def resend(unraisable) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            pending.schedule(signal.SIGTERM if isinstance(unraisable.exc_value, Terminated) else signal.SIGINT)
            return
        hook(unraisable)

    return resend


def os_error_message(exc: OSError) -> str:
    """One line for a failed file operation: what failed, on which path, and what to check."""
    paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    what = exc.strerror or str(exc)
    return f"{what}{': ' + paths if paths else ''}; check that the path exists, is of the right kind and that you may use it"


def error_message(exc: BaseException) -> str | None:
    """The one-line message for an expected failure, or ``None`` for a bug (which keeps its traceback)."""
    if isinstance(exc, SurrogateError):
        return str(exc)
    if isinstance(exc, OSError):
        return os_error_message(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"an input file is not UTF-8 text ({exc}); check the files you passed"
    if isinstance(exc, BrokenProcessPool):
        return (
            "a worker process died (out of memory, or killed); run the command again (a sweep resumes from its "
            "finished units), with fewer --workers if memory is short"
        )
    return None


def show_defaults(parser: argparse.ArgumentParser) -> None:
    """End each option's help with its default (``--help``), where the help does not name one already.

    Its subcommands' parsers too. An option without a default (``None``) or a flag (``False``) is left as it is.
    """
    for action in parser._actions:  # argparse has no public list of a parser's actions
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                show_defaults(sub)
        elif action.option_strings and action.default not in (None, False, argparse.SUPPRESS, []):
            text = action.help or ""
            if "default" not in text.lower() and text != argparse.SUPPRESS:
                action.help = f"{text} (default: %(default)s)".strip()


#: What argparse should read as a negative number, a value and not an option: its own ``-1`` and ``-0.5``, and also
#: ``-1e-3``, ``-1.``, ``-1_000`` and ``-inf`` (which it took for options: "expected one argument"), so that each reaches the
#: option's own check and message.
NEGATIVE_NUMBER = re.compile(r"^-(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[-+]?\d[\d_]*)?$|^-(inf|infinity|nan)$", re.IGNORECASE)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every other error of the command is (no usage block), which
    reads every negative number (:data:`NEGATIVE_NUMBER`) as a value, and which takes no abbreviated option (argparse's
    ``allow_abbrev``: ``sweep --solver scip`` was read as ``--solver-option scip``); its subcommands' parsers are of
    its class, so none of them does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})
        self._negative_number_matcher = NEGATIVE_NUMBER  # argparse has no public setting for it

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")
