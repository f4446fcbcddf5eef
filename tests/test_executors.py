"""Worker processes of :mod:`surrogate.executors`: stopped on Ctrl-C without a word from the resource tracker."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: A script whose two workers each make a semaphore (as importing Pyomo or using tqdm does), and are stopped
#: mid-job (as on Ctrl-C: ProcessRunner.close(cancel=True)).
STOPPED_MID_JOB = """
import multiprocessing, sys, time
from pathlib import Path

from surrogate.executors import ProcessRunner


def job(folder):
    lock = multiprocessing.Lock()  # Pyomo's capture lock and tqdm's write lock are made so, in every worker
    (Path(folder) / str(multiprocessing.current_process().pid)).touch()
    time.sleep(120)


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    runner = ProcessRunner(2)
    futures = [runner.submit(job, str(folder)) for _ in range(2)]
    while len(list(folder.iterdir())) < 2:  # both workers hold their semaphore
        time.sleep(0.05)
    runner.close(cancel=True)
"""


def test_workers_stopped_mid_job_leave_no_resource_tracker_warning(tmp_path):
    """Ctrl-C or SIGTERM of a command with workers printed "resource_tracker: There appear to be 2 leaked semaphore
    objects to clean up at shutdown" under the command's one line."""
    script = tmp_path / "stop.py"
    script.write_text(textwrap.dedent(STOPPED_MID_JOB))
    (tmp_path / "marks").mkdir()
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "marks")], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "leaked semaphore" not in done.stderr and "resource_tracker" not in done.stderr, done.stderr


def test_the_default_worker_count_needs_no_sched_getaffinity(monkeypatch):
    """On macOS and Windows (no os.sched_getaffinity) every sweep without --workers crashed with an
    AttributeError (probe91 #4)."""
    import os

    from surrogate.executors import default_workers

    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert default_workers() == 8  # one per core, at most 8
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown
    assert default_workers() == 1
    monkeypatch.setattr(os, "process_cpu_count", lambda: 3, raising=False)  # Python 3.13: the cores it may use
    assert default_workers() == 3


def test_the_inline_runner_runs_jobs_in_the_order_given_and_reraises_a_jobs_error():
    """With one worker the jobs run in this process, one by one in the order they were submitted (a run's log
    and its cache entries then come in that order), and a job's exception reaches the caller of ``result()``:
    swallowed, its result would read as ``None`` (a unit "finished" with no result)."""
    from surrogate.executors import InlineRunner

    ran = []

    def job(i):
        ran.append(i)
        if i == 2:
            raise ValueError("job 2 failed")
        return 10 * i

    runner = InlineRunner()
    futures = [runner.submit(job, i) for i in range(4)]
    assert ran == []  # nothing runs before as_completed reaches it
    done = list(runner.as_completed(futures))
    assert done == futures and ran == [0, 1, 2, 3]
    assert [f.result() for f in (futures[0], futures[1], futures[3])] == [0, 10, 30]
    with pytest.raises(ValueError, match="job 2 failed"):
        futures[2].result()
    assert ran == [0, 1, 2, 3]  # result() does not run a finished job again
