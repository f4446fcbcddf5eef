"""A solve's capture of the process's output, undone in a process forked while it runs.

A solve keeps a solver's output out of the caller's by redirecting the process's file descriptors 1 and 2 into
pipes that a reader thread drains (``pyomo.common.tee.capture_output(capture_fd=True)``; Pyomo's own HiGHS and SCIP
interfaces do the same during their run). A process forked while another thread of it is inside a solve
(``os.fork``, a ``multiprocessing`` or ``ProcessPoolExecutor`` worker started with the ``fork`` method) would
inherit that capture: its output went into the parent's pipes and was lost, and its copies of the pipes' write
ends kept the parent's reader waiting, so the parent's solve did not return until the child exited.
:func:`capture_output` records what fds 1 and 2 were before the capture, and :func:`drop_captures`, run in every
forked child (``os.register_at_fork``), points them back there, gives ``sys.stdout`` and ``sys.stderr`` back,
and points every other descriptor the child holds on the capture's pipes at ``os.devnull``. Pyomo's lock around
a capture's start and end is given fresh to the child too (held by a thread the child does not have, it would
stop the child's first solve).
"""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The captures of this package open now, outermost first: the fds 1 and 2 had before (duplicates), the Pyomo
#: capture, and the (device, inode) of the pipes it put on fds 1 and 2.
_captures: list[tuple[tuple[int, int], object, set]] = []


def _pipe(fd: int) -> tuple[int, int] | None:
    """The (device, inode) of the pipe ``fd`` is on, or ``None`` (closed, or not a pipe)."""
    try:
        status = os.fstat(fd)
    except OSError:
        return None
    return (status.st_dev, status.st_ino) if stat.S_ISFIFO(status.st_mode) else None


@contextmanager
def capture_output(*, capture_fd: bool = True) -> Iterator:
    """``pyomo.common.tee.capture_output(capture_fd=capture_fd)`` (yields its stream), recorded for
    :func:`drop_captures` (a capture of ``sys.stdout`` and ``sys.stderr`` only, ``capture_fd=False``, needs nothing)."""
    from pyomo.common.tee import capture_output as pyomo_capture

    if not capture_fd:
        with pyomo_capture() as captured:
            yield captured
        return
    saved = (os.dup(1), os.dup(2))
    capture = pyomo_capture(capture_fd=True)
    entry = (saved, capture, set())
    try:
        with capture as captured:
            entry[2].update(p for p in (_pipe(1), _pipe(2)) if p is not None)
            _captures.append(entry)
            try:
                yield captured
            finally:
                _captures.remove(entry)
    finally:
        for fd in saved:
            os.close(fd)


def _open_fds() -> list[int]:
    """The file descriptors this process has open (from ``/proc/self/fd`` or ``/dev/fd``; else the first 1024)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        if os.path.isdir(folder):
            return sorted(int(name) for name in os.listdir(folder) if name.isdigit())
    return list(range(1024))


def drop_captures() -> None:
    """Undo, in a forked child, the captures its parent had open (see the module docstring); nothing if none."""
    _fresh_pyomo_lock()
    if not _captures:
        return
    pipes = {p for p in (_pipe(1), _pipe(2)) if p is not None}  # the innermost capture's (maybe Pyomo's own)
    for _, _, own in _captures:
        pipes |= own
    (out, err), capture, _ = _captures[0]
    os.dup2(out, 1)
    os.dup2(err, 2)
    old = getattr(capture, "old", None)
    if old is not None:
        sys.stdout, sys.stderr = old
    kept = {fd for saved, _, _ in _captures for fd in saved}
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in _open_fds():
            if fd not in kept and fd not in (1, 2, null) and _pipe(fd) in pipes:
                os.dup2(null, fd, inheritable=False)  # not closed: an object of the parent's may still name it
    finally:
        os.close(null)
    for fd in kept:
        os.close(fd)
    _captures.clear()


def _fresh_pyomo_lock() -> None:
    """Give Pyomo's lock around a capture's start and end (``pyomo.common.dependencies.capture_output_lock``) fresh,
    of its kind: Pyomo makes it a ``multiprocessing.Lock`` once multiprocessing is imported, else a ``threading.Lock``."""
    dependencies = sys.modules.get("pyomo.common.dependencies")
    if dependencies is None or not hasattr(dependencies, "capture_output_lock"):
        return
    multiprocessing = sys.modules.get("multiprocessing")
    shared = multiprocessing is not None and not isinstance(dependencies.capture_output_lock, type(threading.Lock()))
    dependencies.capture_output_lock = multiprocessing.Lock() if shared else threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=drop_captures)
