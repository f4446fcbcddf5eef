"""Write files so that a reader never sees half of one, or a set of files half of which is new."""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    The temporary file is ``.<8 random characters>.tmp``, whatever the length of ``path``'s name: a name of the
    longest length a file system takes (255 bytes on most) is written like any other.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    tmp_path = Path(tmp)
    try:  # from here on the temporary file goes, however this ends
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


#: A run of surrogate escapes: the bytes of a file name that Python could not decode (``surrogateescape``).
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")


def text_bytes(text: str) -> bytes:
    """``text`` as every text file surrogate writes holds it: UTF-8 whatever the locale, lines as given (no
    ``\\r\\n`` on Windows), so that every file written reads back as UTF-8.

    The bytes of a file name that Python could not decode (its surrogate escapes) are written as themselves where
    they are UTF-8 (a UTF-8 name read under an ASCII locale), else as backslash escapes (the byte ``\\xfc`` of a
    Latin-1 name), as is any other character UTF-8 cannot hold.

    >>> text_bytes("3×3 − 1 in st_\\udcfc.json and st_\\udcc3\\udcbc.json")
    b'3\\xc3\\x973 \\xe2\\x88\\x92 1 in st_\\\\xfc.json and st_\\xc3\\xbc.json'
    """

    def name_bytes(run: re.Match) -> str:
        return bytes(ord(c) - 0xDC00 for c in run.group()).decode("utf-8", errors="backslashreplace")

    return _ESCAPED_BYTES.sub(name_bytes, text).encode("utf-8", errors="backslashreplace")


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically, as :func:`text_bytes` encodes it; return ``path``."""
    return write_bytes(path, text_bytes(text))


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str | None:
    """SHA-256 of a file's content, or ``None`` if it cannot be read."""
    try:
        return sha256_bytes(Path(path).read_bytes())
    except OSError:
        return None


@contextmanager
def held_interrupts() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM off for a few file moves that belong together; deliver them once all are done.

    A signal that arrives meanwhile is raised again on leaving, through the handler that was in place (Ctrl-C
    then raises :class:`KeyboardInterrupt`), so a set of files is moved either wholly or not at all. A signal
    ignored when the block starts (``SIG_IGN``: Ctrl-C of a background job) is left ignored, so it cannot hide
    the other one; when both came, SIGTERM is raised first, then SIGINT (if SIGTERM's handler returned). Outside
    the main thread (where no handler can be set) it holds nothing; nothing holds off SIGKILL.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # no handler can be set here
        return
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}  # delivery order
    if None in handlers.values():
        yield  # a handler set outside Python could not be put back
        return
    held = [signum for signum, handler in handlers.items() if handler is not signal.SIG_IGN]
    received: set[int] = set()
    for signum in held:
        signal.signal(signum, lambda signum, frame: received.add(signum))
    try:
        yield
    finally:
        for signum in held:
            signal.signal(signum, handlers[signum])
        for signum in (s for s in held if s in received):
            signal.raise_signal(signum)


def write_texts(folder: str | os.PathLike, texts: Mapping[str, str | None]) -> list[Path]:
    """Write the files ``texts`` names in ``folder`` as one set; return the paths written.

    Every text is written to a temporary file first; then the files whose text is ``None`` are removed and the
    others moved into place, with interrupts held (:func:`held_interrupts`): an interruption leaves the
    folder's earlier set or the new one, never one file of each.
    """
    folder = Path(folder)
    with ExitStack() as stack:
        for name, text in texts.items():
            if text is not None:
                stack.enter_context(atomic_path(folder / name)).write_bytes(text_bytes(text))
        with held_interrupts():
            for name in (n for n, text in texts.items() if text is None):
                (folder / name).unlink(missing_ok=True)
            stack.close()  # each atomic_path moves its file into place
    return [folder / name for name, text in texts.items() if text is not None]


#: The lock file inside a staging folder: its user holds an ``flock`` on it while the folder is in use.
STAGING_LOCK = ".staging.lock"
#: A staging folder of a naming without :data:`STAGING_LOCK` (older versions: ``<random>``, then
#: ``<pid>-<random>``, with :func:`tempfile.mkdtemp`'s 8 characters) is removed once nothing in it changed for this
#: many seconds (a day: no report takes that long).
STALE_STAGING_S = 24 * 3600
_STAGING_NAME = re.compile(r"(?:[0-9]+-)?[a-z0-9_]{8}")


def _newest_change(folder: Path) -> float:
    """The latest modification time of ``folder`` or anything in it (symbolic links not followed)."""
    times = [folder.lstat().st_mtime]
    for root, dirs, names in os.walk(folder):
        times += [os.lstat(os.path.join(root, name)).st_mtime for name in dirs + names]
    return max(times)


def _remove_if_unused(path: Path, prefix: str) -> None:
    """Remove ``path`` if it is a staging folder of ``prefix`` that nobody uses (see :func:`staging_folder`)."""
    import fcntl

    if not path.is_dir() or path.is_symlink() or not _STAGING_NAME.fullmatch(path.name[len(prefix) :]):
        return  # a name that surrogate never gave: left alone
    try:
        fd = os.open(path / STAGING_LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:  # an older naming, no lock to ask: only once stale
        try:
            stale = time.time() - _newest_change(path) > STALE_STAGING_S
        except OSError:  # removed meanwhile, or unreadable: leave it
            return
        if stale:
            shutil.rmtree(path, ignore_errors=True)
        return
    except OSError:  # a link, or unreadable: leave it
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: a run (on any host, in any container) uses it
    except OSError:
        return
    else:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        os.close(fd)


@contextmanager
def _held_lock(staging: Path) -> Iterator[None]:
    """Hold the ``flock`` of :data:`STAGING_LOCK` in ``staging`` (POSIX only), taken before the file bears its name so
    that no other run ever finds it there unheld; remove ``staging`` on leaving, and only then release the lock."""
    fd = None
    try:
        if os.name == "posix":
            import fcntl

            fd, tmp = tempfile.mkstemp(prefix=f"{STAGING_LOCK}.", suffix=".tmp", dir=staging)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:  # no locks here (an NFS mount without them): no lock file, so only age removes it
                os.close(fd)
                fd = None
                os.unlink(tmp)
            else:
                os.replace(tmp, staging / STAGING_LOCK)
        yield
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if fd is not None:
            os.close(fd)


@contextmanager
def staging_folder(parent: str | os.PathLike, prefix: str) -> Iterator[Path]:
    """A new hidden folder ``<prefix><pid>-<random>`` in ``parent``, removed with everything in it on leaving.

    While it is in use, an ``flock`` on its :data:`STAGING_LOCK` is held. The staging folders of ``prefix`` whose
    lock can be taken (a run killed by SIGKILL, or the machine went down) are removed first; those whose lock is
    held are left alone, whatever process ids their names carry (a report on another host of a shared folder, or
    in another container, has a process id that means nothing here). A folder of the namings older versions used
    (``<prefix><random>`` or ``<prefix><pid>-<random>``, 8 characters of :func:`tempfile.mkdtemp`, no lock file)
    is removed only once neither it nor anything in it changed for :data:`STALE_STAGING_S` seconds (a day), far
    longer than any run stages its files, as is one made where ``flock`` fails (a file system without locks); any
    other name is left alone. On a system without POSIX ``flock`` none is removed.
    """
    parent = Path(parent)
    if os.name == "posix":
        for path in parent.glob(f"{glob.escape(prefix)}*"):
            _remove_if_unused(path, prefix)
    staging = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    with _held_lock(staging):
        yield staging
