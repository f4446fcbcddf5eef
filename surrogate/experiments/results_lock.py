"""The lock of a results folder (:func:`folder_lock`): one command writes there at a time.

The lock is an ``flock`` of :data:`LOCK_FILE` in the folder, held while a run writes
there; any other holder is refused while it is held, a second command in the same
process too. A writer that may run inside the command holding it (e.g.
:meth:`~surrogate.experiments.solve_bench.SolveBenchResult.write`, inside the CLI's
:func:`~surrogate.experiments.solve_bench.solve_time_folder`) takes it with
``reentrant=True``: held already by its own thread, it holds on under that hold.
A lock file that cannot be opened for writing (another user's, in a folder shared by
two users) is locked through a read-only descriptor. Without ``fcntl`` (Windows) there
is no lock: the first command to take one warns (:class:`RuntimeWarning`, once per process).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import SurrogateError, warn_caller

LOCK_FILE = ".sweep.lock"

#: The folders (resolved) whose lock this process holds, each with the (process id, thread id) holding it.
_HELD: dict[Path, tuple[int, int]] = {}
#: A folder once warned to be unlocked (no ``fcntl``): the warning is given once per process.
_UNLOCKED_WARNED: list[Path] = []


class ResultsFolderError(SurrogateError, ValueError):
    """A results folder cannot be used: another format version, another sweep, or in use."""


def _create(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ResultsFolderError(f"results folder {folder} is a file; use another --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsFolderError(
            f"cannot create results folder {folder} ({exc.strerror or exc}); use another --out, or fix its permissions"
        ) from None


def _warn_unlocked(folder: Path) -> None:
    """Warn, once per process, that results folders are not locked here (no ``fcntl``: Windows)."""
    if not _UNLOCKED_WARNED:
        _UNLOCKED_WARNED.append(folder)
        warn_caller(
            f"results folder {folder} is not locked: this platform has no fcntl.flock, so a second command writing "
            "into the same folder is not refused and the two could mix their files; run one command per results "
            "folder at a time",
            RuntimeWarning,
        )


def _open_lock(path: Path) -> IO:
    """The lock file ``path``, opened for writing (made if missing) or, where that is denied (a shared folder whose
    lock file another user made), read-only: ``flock`` takes either."""
    try:
        return open(path, "a+")
    except PermissionError as denied:
        try:
            return open(path, "rb")
        except OSError:
            raise denied from None


@contextmanager
def folder_lock(folder: str | os.PathLike, *, reentrant: bool = False) -> Iterator[None]:
    """Create ``folder`` and hold its lock (:data:`LOCK_FILE`) while a run writes there.

    Parameters
    ----------
    folder
        The results folder.
    reentrant
        Where this thread holds the lock already (an outer ``folder_lock``), hold on under it instead of refusing.

    Raises
    ------
    ResultsFolderError
        If ``folder`` is a file, cannot be created, or another running command holds the lock (every command that
        writes a results folder takes it).
    """
    folder = Path(folder)
    _create(folder)
    key, owner = folder.resolve(), (os.getpid(), threading.get_ident())
    if reentrant and _HELD.get(key) == owner:
        yield  # the outer hold releases it
        return
    try:
        import fcntl
    except ImportError:  # not POSIX (Windows): no lock, said once
        _warn_unlocked(folder)
        yield
        return
    with _open_lock(folder / LOCK_FILE) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ResultsFolderError(
                f"results folder {folder} is in use by another running command; wait for it, or use another --out"
            ) from None
        except OSError as error:  # no locks there (e.g. an NFS mount without them)
            raise ResultsFolderError(
                f"results folder {folder} cannot be locked ({error.strerror}: file locks do not work on that file "
                "system), so two runs could mix their files there; use an --out on a local disk"
            ) from None
        _HELD[key] = owner
        try:
            yield
        finally:
            del _HELD[key]
            fcntl.flock(handle, fcntl.LOCK_UN)
