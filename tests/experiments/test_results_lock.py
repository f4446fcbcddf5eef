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
