"""Atomic writes leave nothing half-written behind (files.py)."""

import pytest

from surrogate import files


def test_a_write_that_fails_before_its_content_leaves_no_temporary_file(tmp_path, monkeypatch):
    """Between mkstemp and the try, a Ctrl-C (or chmod failing) left '.name.xxxx.tmp' for git to see."""

    def fail(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "chmod", fail)
    with pytest.raises(KeyboardInterrupt):
        files.write_text(tmp_path / "manifest.json", "{}")
    assert list(tmp_path.iterdir()) == []


def _signal_at_move(monkeypatch, signum, at: int = 1, counts=lambda dst: True):
    """Make the ``at``-th file move (``os.replace``) to a place that ``counts`` receive ``signum`` first."""
    import os
    import signal

    real, moves = os.replace, []

    def replace(src, dst):
        if counts(str(dst)):
            moves.append(dst)
            if len(moves) == at:
                signal.raise_signal(signum)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return moves


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_set_of_files_moves_wholly_when_a_signal_comes_between_two_moves(tmp_path, monkeypatch, signame):
    import signal

    class Stopped(Exception):
        pass

    def stop(signum, frame):
        raise Stopped(signum)

    for name in ("results.csv", "results.json", "summary.json"):
        (tmp_path / name).write_text("old")
    moves = _signal_at_move(monkeypatch, getattr(signal, signame))
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(KeyboardInterrupt if signame == "SIGINT" else Stopped):  # raised once every file moved
            files.write_texts(tmp_path, {"results.csv": "new", "results.json": "new", "summary.json": None})
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert len(moves) == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "results.json"]
    assert {p.read_text() for p in tmp_path.iterdir()} == {"new"}  # an earlier run's summary.json is gone too
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


KILLED_IN_STAGING = """
import os, signal, sys
from surrogate import files
held = files.staging_folder(sys.argv[1], ".report-staging-")
staging = held.__enter__()
(staging / "figures").mkdir()
print(staging.name, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_staging_folder_removes_those_whose_lock_is_free_whatever_their_pid(tmp_path):
    """A pid in the name was trusted: a report on another host or in another container (a pid that means nothing
    here) had its staging folder removed while it ran (probe79 F3)."""
    import fcntl
    import os
    import subprocess
    import sys

    killed = subprocess.run([sys.executable, "-c", KILLED_IN_STAGING, str(tmp_path)], capture_output=True, text=True)
    left = {
        "killed": tmp_path / killed.stdout.strip(),  # a report killed by SIGKILL: its lock went with it
        "elsewhere": tmp_path / ".report-staging-999999-abcdefgh",  # runs in another pid namespace: no such pid here
        "free": tmp_path / f".report-staging-{os.getppid()}-abcdefgh",  # a live pid, but nobody holds the lock
        "older": tmp_path / ".report-staging-999999-kax1dxz1",  # no lock file (an older version's), and new
        "other": tmp_path / ".other-999999-abcdefgh",
    }
    for path in left.values():
        (path / "figures").mkdir(parents=True, exist_ok=True)
    for key in ("elsewhere", "free"):
        (left[key] / ".staging.lock").touch()
    assert killed.returncode == -9
    with open(left["elsewhere"] / ".staging.lock") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the running report's hold
        with files.staging_folder(tmp_path, ".report-staging-") as staging:
            assert staging.name.startswith(f".report-staging-{os.getpid()}-") and staging.is_dir()
            assert all(left[k].is_dir() for k in ("elsewhere", "older", "other"))
            assert (staging / ".staging.lock").is_file() and not left["killed"].exists() and not left["free"].exists()
            with files.staging_folder(tmp_path, ".report-staging-") as second:  # a second report: it leaves ours
                assert staging.is_dir() and second != staging
    assert not staging.exists() and left["elsewhere"].is_dir()


class _Stopped(Exception):
    pass


def _stop(signum, frame):
    raise _Stopped(signum)


@pytest.fixture
def handlers():
    """Put SIGINT's and SIGTERM's handlers back after the test."""
    import signal

    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield signal
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_a_sigterm_after_an_ignored_sigint_is_not_lost(handlers):
    """A background job ignores SIGINT: that SIGINT was held first, raised again (ignored) and the SIGTERM lost."""
    signal = handlers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    with pytest.raises(_Stopped):
        with files.held_interrupts():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGTERM)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_every_held_signal_takes_effect_sigterm_first(handlers):
    """Only the first signal held was raised again: a SIGTERM after a Ctrl-C was lost, and it is the stronger one."""
    signal = handlers
    seen = []
    signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))  # a handler that returns
    with pytest.raises(KeyboardInterrupt):
        with files.held_interrupts():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGTERM)
            assert seen == []  # held
    assert seen == [signal.SIGTERM]
    signal.signal(signal.SIGTERM, _stop)
    with pytest.raises(_Stopped):  # both came: SIGTERM is raised first
        with files.held_interrupts():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGTERM)


def test_a_staging_folder_of_the_old_naming_is_removed_once_stale(tmp_path):
    """Folders named the old way (.report-staging-<mkdtemp's 8 characters>, no pid) were never removed."""
    import os

    old = 3 * 24 * 3600
    left = {
        "stale": tmp_path / ".report-staging-kax1dxz1",
        "recent": tmp_path / ".report-staging-k4x1dxz2",  # a run of an older version may be using it
        "touched": tmp_path / ".report-staging-k4x1dxz3",  # old, but a figure was written into it lately
        "other": tmp_path / ".report-staging-My-notes",  # not a name that surrogate gave
        "short": tmp_path / ".report-staging-notes",
        "pid": tmp_path / ".report-staging-999999-k4x1dxz4",  # the pid naming, no lock file: by age too
        "mine": tmp_path / ".report-staging-999999-mine",
        "longer": tmp_path / ".report-staging-k4x1dxz5.bak",  # a surrogate name and more: not one
    }
    for path in left.values():
        (path / "figures").mkdir(parents=True)
        (path / "figures" / "pareto.png").write_bytes(b"half")
    for key in ("stale", "touched", "other", "short", "pid", "mine", "longer"):
        for path in (left[key], left[key] / "figures", left[key] / "figures" / "pareto.png"):
            stamp = path.stat().st_mtime - old
            os.utime(path, (stamp, stamp))
    (left["touched"] / "figures" / "heatmap.png").write_bytes(b"new")
    with files.staging_folder(tmp_path, ".report-staging-"):
        assert not left["stale"].exists() and not left["pid"].exists()
        assert all(left[k].is_dir() for k in ("recent", "touched", "other", "short", "mine", "longer"))


def test_a_staging_folder_works_where_flock_fails(tmp_path, monkeypatch):
    """Where file locks fail (an NFS mount without them) a report died with 'No locks available' (probe81 #2): the
    staging folder then has no lock file, so only the age rule may remove it."""
    import errno
    import fcntl

    from surrogate.files import STAGING_LOCK, staging_folder

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with staging_folder(tmp_path, ".report-staging-") as staging:
        (staging / "figure.png").write_bytes(b"png")
        assert [p.name for p in staging.iterdir()] == ["figure.png"] and not (staging / STAGING_LOCK).exists()
    assert list(tmp_path.iterdir()) == []


def _write_under(env: dict, code: str, tmp_path):
    """Run ``code`` (with ``files`` and ``out``, a folder) in a fresh Python whose environment adds ``env``."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(files.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), **env}
    script = f"from pathlib import Path\nfrom surrogate import files\nout = Path({str(tmp_path)!r})\n{code}"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


TEXT = "3×3 · x² − 1 ≥ 0\n"


@pytest.mark.parametrize("env", [{"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}, {"PYTHONUTF8": "1"}])
def test_text_files_are_utf8_whatever_the_locale(tmp_path, env):
    """write_text and write_texts wrote the locale's encoding (cp1252 turned a UTF-8 docs page into cp1252;
    under LC_ALL=C a report with '×' crashed), while every reader reads UTF-8 (probe91 #1)."""
    _write_under(env, f"files.write_text(out / 'a.md', {TEXT!a})\nfiles.write_texts(out, {{'b.csv': {TEXT!a}}})", tmp_path)
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.csv").read_bytes() == TEXT.encode("utf-8")


def test_an_undecodable_byte_of_a_file_name_is_written_as_an_escape(tmp_path):
    """`problems --qcqp st_\\xfc2.json` lost its results after every solve: its name holds '\\udcfc' (Python's
    surrogate escape of the byte), which no encoding writes (probe91 #3)."""
    name = "file\nst_\udcfc2.json\nst_\udcc3\udcbc.json\n"  # the second: 'st_ü.json' read under LC_ALL=C
    files.write_texts(tmp_path, {"results.csv": name, "summary.json": None})
    files.write_text(tmp_path / "page.md", name)
    for path in (tmp_path / "results.csv", tmp_path / "page.md"):
        assert path.read_text(encoding="utf-8") == "file\nst_\\xfc2.json\nst_ü.json\n"


def test_a_file_name_of_the_longest_length_is_written(tmp_path):
    """A 243-character report name was refused naming a hidden temporary file 14 characters longer (probe91 #6)."""
    path = tmp_path / ("r" * 252 + ".md")  # 255 characters: the longest name most file systems take
    files.write_text(path, "x\n")
    files.write_texts(tmp_path, {path.name: "y\n"})
    assert path.read_text(encoding="utf-8") == "y\n" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_written_file_has_the_usual_permissions_not_mkstemps(tmp_path):
    """mkstemp makes 0600 files: a results file others could not read. It gets 0666 less the umask, as open() gives."""
    import os
    import stat

    mask = os.umask(0o022)
    try:
        path = files.write_text(tmp_path / "results.csv", "a\n")
        os.umask(0o077)
        private = files.write_text(tmp_path / "private.csv", "a\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 and stat.S_IMODE(private.stat().st_mode) == 0o600
