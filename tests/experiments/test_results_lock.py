"""The lock of a results folder (results_lock.py)."""

import threading

import pytest

from surrogate.experiments.results_lock import ResultsFolderError, folder_lock


def test_the_lock_holds_on_under_its_own_threads_hold_only_when_asked(tmp_path):
    """SolveBenchResult.write takes the lock inside the CLI's hold: reentrant=True holds on instead of refusing."""
    with folder_lock(tmp_path):
        with folder_lock(tmp_path, reentrant=True):
            pass
        with pytest.raises(ResultsFolderError, match="in use by another running command"):
            with folder_lock(tmp_path):  # a second command in this process
                pass
        refused = []

        def other():
            try:
                with folder_lock(tmp_path, reentrant=True):
                    pass
            except ResultsFolderError as exc:
                refused.append(exc)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert len(refused) == 1  # another thread's hold is not this one's
    with folder_lock(tmp_path, reentrant=True):  # released: taken afresh
        pass


def test_a_folder_where_locks_fail_is_refused_with_a_message(tmp_path, monkeypatch):
    """probe82 #3: where flock fails (an NFS mount without locks) every command died with a bare OSError."""
    import errno
    import fcntl

    def no_locks(handle, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(ResultsFolderError, match=r"cannot be locked \(No locks available: .*use an --out on a local disk"):
        with folder_lock(tmp_path / "out"):
            pass


def test_without_fcntl_the_folder_is_not_locked_and_that_is_said_once(tmp_path, monkeypatch):
    """On Windows (no fcntl) two runs into one folder both ran with no word: the lock was silently off (probe91 #7)."""
    import sys
    import warnings

    from surrogate.experiments import results_lock

    monkeypatch.setitem(sys.modules, "fcntl", None)  # import fcntl: ImportError
    monkeypatch.setattr(results_lock, "_UNLOCKED_WARNED", [])
    with pytest.warns(RuntimeWarning, match="is not locked: this platform has no fcntl.flock, so a second command"):
        with folder_lock(tmp_path / "a"):
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning would raise
        with folder_lock(tmp_path / "b"):
            pass


def test_another_users_lock_file_in_a_shared_folder_is_locked_read_only(tmp_path, monkeypatch):
    """A second user of a shared folder (mode 777) was refused 'Permission denied: .../.sweep.lock': the lock file,
    another user's, was opened for writing (probe91 #8)."""
    import builtins
    import errno

    from surrogate.experiments.results_lock import LOCK_FILE

    (tmp_path / LOCK_FILE).touch()
    (tmp_path / LOCK_FILE).chmod(0o444)
    real = builtins.open

    def as_another_user(path, mode="r", *args, **kwargs):  # root may write a 444 file: deny it as for another user
        if str(path).endswith(LOCK_FILE) and any(c in mode for c in "wa+"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", as_another_user)
    with folder_lock(tmp_path):
        with pytest.raises(ResultsFolderError, match="in use by another running command"):
            with folder_lock(tmp_path):
                pass
    (tmp_path / LOCK_FILE).unlink()
    (tmp_path / "sub").mkdir()
    with pytest.raises(PermissionError, match="Permission denied"):  # no lock file to read either: the denial
        with folder_lock(tmp_path / "sub"):
            pass


def test_one_folder_named_relatively_and_absolutely_is_one_hold(tmp_path, monkeypatch):
    """Mutation round 7: the hold is keyed by the resolved folder, so the writer inside the CLI's hold finds it
    whichever way the folder is spelled (and a second command is refused whichever way)."""
    monkeypatch.chdir(tmp_path)
    with folder_lock(tmp_path / "out"):
        with folder_lock("out", reentrant=True):
            pass
        with folder_lock("./sub/../out", reentrant=True):
            pass
        with pytest.raises(ResultsFolderError, match="in use by another running command"):
            with folder_lock("out"):
                pass


def test_a_results_folder_that_is_a_file_is_refused_as_one(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(ResultsFolderError, match=r"results folder .*out is a file; use another --out"):
        with folder_lock(tmp_path / "out"):
            pass
