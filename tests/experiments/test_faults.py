"""A sweep killed (SIGKILL) or terminated (SIGTERM) at any moment leaves no process behind and resumes exactly.

The sweep runs with two spawned worker processes, so every kill also tests
that the workers exit with their parent (surrogate.executors.watch_parent);
the resumed tables must equal those of an uninterrupted run.
"""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from surrogate.executors import ExecutorConfig
from surrogate.experiments.sweep import SweepConfig, run_sweep

from .test_resume import assert_same_results

pytestmark = [pytest.mark.training, pytest.mark.solver]

#: 5 units: 1 training pack, 1 yardstick, 3 solved nets (12 instances each, so that solves take a while).
ARGS = ["--quick", "--arch", "1x8", "--arch", "2x4", "--seeds", "2", "--instances", "12"]
CONFIG = SweepConfig.quick(architectures=("1x8", "2x4"), seeds=(0, 1), instances=12)
UNITS = 5
#: Seconds the processes of a killed sweep get to exit.
EXIT_DEADLINE_S = 10


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of the same sweep, in this process."""
    out = tmp_path_factory.mktemp("reference")
    result = run_sweep(CONFIG, out, progress=False, executor=ExecutorConfig(workers=1))
    assert result.units.computed == UNITS
    return out


def _finished_units(out) -> int:
    return len(list((out / "cache").glob("*.json"))) if (out / "cache").is_dir() else 0


def _session(sid: int) -> list[psutil.Process]:
    """The live (not zombie) processes of session ``sid``: the sweep and everything it started."""
    found = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getsid(proc.pid) == sid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


def _start_and_wait(out, units: int, *extra: str):
    """Start the sweep with 2 workers in its own session; return it once ``units`` units are finished and both workers run."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "surrogate.cli", "sweep", *ARGS, "--workers", "2", *extra, "-qq", "--out", str(out)],
        start_new_session=True,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while _finished_units(out) < units or len(_session(proc.pid)) < 3:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, f"{units} units did not finish within 120 s"
        time.sleep(0.01)
    return proc


def _stop(proc, sig) -> list[psutil.Process]:
    """Send ``sig`` to the sweep alone (not its group); return what of its session is still alive after the deadline."""
    started = _session(proc.pid)
    assert len(started) >= 3, "the sweep should run with its 2 worker processes"
    try:
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
        gone, alive = psutil.wait_procs([p for p in started if p.pid != proc.pid], timeout=EXIT_DEADLINE_S)
        return [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] + _session(proc.pid)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # clean up after a failure; nothing is left when the test passes
        except ProcessLookupError:
            pass


def _resume_and_compare(out, reference, finished: int) -> None:
    resumed = subprocess.run(
        [sys.executable, "-m", "surrogate.cli", "sweep", *ARGS, "--workers", "1", "--out", str(out), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["units"] == {"computed": UNITS - finished, "reused": finished, "damaged": 0}
    assert_same_results(out, reference)


def _kill_at(tmp_path, reference, units: int) -> None:
    out = tmp_path / f"killed-after-{units}"
    proc = _start_and_wait(out, units)
    left = _stop(proc, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert not left, f"still running {EXIT_DEADLINE_S} s after SIGKILL: {[p.cmdline() for p in left]}"
    finished = _finished_units(out)
    assert units <= finished < UNITS and not (out / "table.csv").exists()
    _resume_and_compare(out, reference, finished)


def test_a_sigkilled_sweep_leaves_no_worker_and_resumes(tmp_path, reference):
    _kill_at(tmp_path, reference, 1)


@pytest.mark.slow
@pytest.mark.parametrize("units", [0, 1, 2, 3, 4])
def test_a_sweep_sigkilled_at_five_moments_leaves_no_worker_and_resumes(tmp_path, reference, units):
    _kill_at(tmp_path, reference, units)


@pytest.mark.slow
def test_a_sigkilled_sweep_on_a_dask_local_cluster_leaves_no_process(tmp_path):
    pytest.importorskip("distributed")
    proc = _start_and_wait(tmp_path / "dask", 1, "--dask")
    left = _stop(proc, signal.SIGKILL)
    assert not left, f"still running {EXIT_DEADLINE_S} s after SIGKILL: {[p.cmdline() for p in left]}"


def test_a_ctrl_c_to_a_dask_sweeps_process_group_prints_the_one_line_message_alone(tmp_path):
    """probe140 #3: a terminal's Ctrl-C (SIGINT to the whole group) printed 30-75 lines of the Dask workers' and nannies'
    tracebacks under the message; the local cluster's workers now block it and leave it to the sweep."""
    pytest.importorskip("distributed")
    proc = _start_and_wait(tmp_path / "dask", 1, "--dask")
    try:
        os.killpg(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=120)[1].decode()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # clean up after a failure
        except ProcessLookupError:
            pass
    assert proc.returncode == 130, err
    assert [line for line in err.splitlines() if line.strip()] == [
        f"surrogate sweep: interrupted; finished units are kept in {tmp_path / 'dask' / 'cache'}, so the same command "
        "resumes the sweep (add --fresh to start over)"
    ]


@pytest.mark.slow  # a second full kill-and-resume cycle; CI runs the SIGKILL one
def test_a_sigterm_stops_the_workers_unlocks_the_folder_and_resumes(tmp_path, reference):
    out = tmp_path / "terminated"
    proc = _start_and_wait(out, 1)
    left = _stop(proc, signal.SIGTERM)
    assert proc.returncode == 128 + signal.SIGTERM
    assert not left, f"still running {EXIT_DEADLINE_S} s after SIGTERM: {[p.cmdline() for p in left]}"
    err = proc.stderr.read().decode()
    assert "surrogate sweep: terminated; finished units are kept in" in err and "Traceback" not in err
    finished = _finished_units(out)
    assert 1 <= finished < UNITS
    _resume_and_compare(out, reference, finished)


SCRIPT = """\
import sys
from pathlib import Path

from surrogate import get_protocol, train_many

with Path(sys.argv[1]).open("a") as marker:  # top level, no __main__ guard: must run once, in this process only
    marker.write("ran\\n")
nets = train_many(["1x2", "2x2"], seeds=[0, 1], protocol=get_protocol("seed").with_epochs(1), workers=2, pack=False)
print(sorted(arch.name for arch in nets), sorted(len(n) for n in nets.values()))
"""


def test_a_plain_script_without_a_main_guard_can_use_worker_processes(tmp_path):
    script, marker = tmp_path / "plain.py", tmp_path / "marker.txt"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(marker)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['1x2', '2x2'] [2, 2]"
    assert marker.read_text() == "ran\n"


def test_run_sweep_under_a_file_names_the_folder_and_the_fix(tmp_path):
    from surrogate.experiments.cache import ResultsFolderError

    (tmp_path / "afile").write_text("x")
    with pytest.raises(
        ResultsFolderError, match=r"cannot create results folder .*afile/run \(Not a directory\); use another --out"
    ):
        run_sweep(CONFIG, tmp_path / "afile" / "run", progress=False, executor=ExecutorConfig(workers=1))
