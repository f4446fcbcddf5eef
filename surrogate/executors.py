"""Where independent jobs run: in this process, in local worker processes, or on a Dask cluster.

:func:`open_executor` turns an :class:`ExecutorConfig` into a *runner* with two methods, ``submit(fn, *args)``
(returns a future) and ``as_completed(futures)`` (yields the futures as they finish); every future has ``result()``.
Jobs must be importable top-level functions of picklable arguments, and they should be pure (compute, return data,
write no files), so that they can run anywhere:

* ``local`` with ``workers=1``: in this process, one job at a time, each run when :meth:`as_completed` reaches it;
* ``local``: a pool of spawned (never forked) processes, one per core (at most 8) by default;
* ``dask``: a ``distributed.Client`` on the scheduler at ``scheduler``, or on a ``distributed.LocalCluster`` of
  ``workers`` single-threaded processes started for the run (and shut down after it).

The executor never changes what a job computes, only where it runs.

Three guarantees hold for the processes a runner starts:

* they exit when the process that started them dies, even by ``SIGKILL`` (:func:`watch_parent`; a Dask
  ``LocalCluster``'s workers watch their nanny's pipe themselves);
* they never run the caller's script: while they are spawned, ``__main__`` is hidden from :mod:`multiprocessing`
  (:func:`main_module_hidden`), so a plain script without an ``if __name__ == "__main__":`` guard may call
  :func:`surrogate.run_sweep` or :func:`surrogate.train_many` with workers;
* a ``LocalCluster``'s workers leave a terminal's Ctrl-C to this process (:func:`sigint_blocked`).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import as_completed as _futures_as_completed
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import ConfigError
from .install_hints import extra_hint
from .options import check_count, plain_numbers

EXECUTORS = ("local", "dask")
#: Seconds between two checks of a worker process that its parent is still alive.
PARENT_POLL_S = 0.5
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT_S = 10


def default_workers() -> int:
    """Worker processes used when none are asked for: one per core this process may use, at most 8.

    The cores are those of ``os.sched_getaffinity`` (Linux), else ``os.process_cpu_count`` (Python 3.13), else
    ``os.cpu_count`` (macOS, Windows); 1 where none of them knows.
    """
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = getattr(os, "process_cpu_count", os.cpu_count)() or 1
    return max(1, min(cores, 8))


@dataclass(frozen=True, kw_only=True)
class ExecutorConfig:
    """Where the jobs of a run go. Validated on construction.

    Parameters
    ----------
    kind
        ``'local'`` (processes on this machine) or ``'dask'`` (a Dask cluster).
    workers
        ``local``: processes (default one per core, at most 8; ``1`` runs the jobs in this process). ``dask``
        without ``scheduler``: processes of the ``LocalCluster`` started for the run (default one per core, at most
        8). Not allowed with ``scheduler``, whose cluster has its own workers.
    scheduler
        Address of a running Dask scheduler, e.g. ``'tcp://10.0.0.5:8786'`` (``kind='dask'`` only); ``None`` starts
        a ``LocalCluster``.
    """

    kind: str = "local"
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ConfigError(f"ExecutorConfig: kind={self.kind!r} is unknown; choose one of {', '.join(EXECUTORS)}")
        w = self.workers
        if w is not None:
            check_count("ExecutorConfig: workers", w, example=2)
        plain_numbers(self)  # np.int64(2) is kept as 2, as every config keeps Python numbers
        if self.scheduler is not None:
            if not isinstance(self.scheduler, str) or not self.scheduler.strip():
                raise ConfigError(f"ExecutorConfig: scheduler={self.scheduler!r} must be an address, e.g. 'tcp://127.0.0.1:8786'")
            if self.kind != "dask":
                raise ConfigError("ExecutorConfig: a scheduler address needs kind='dask' (the CLI's --scheduler sets it)")
            if w is not None:
                raise ConfigError(
                    "ExecutorConfig: workers cannot be set with a scheduler address; the cluster at "
                    f"{self.scheduler} has its own workers (drop --workers, or use --dask for a local cluster)"
                )

    def describe(self) -> str:
        """A few words for logs, e.g. ``'2 local processes'``."""
        n = self.workers or default_workers()
        if self.kind == "dask":
            return f"Dask scheduler {self.scheduler}" if self.scheduler else f"Dask LocalCluster of {n} processes"
        return "this process" if n == 1 else f"{n} local processes"


class Deferred:
    """The future of an :class:`InlineRunner`: the job runs on the first :meth:`result` call."""

    def __init__(self, fn: Callable, args: tuple):
        self.fn, self.args = fn, args
        self._done, self._value, self._error = False, None, None

    def done(self) -> bool:
        return self._done

    def result(self):
        if not self._done:
            try:
                self._value = self.fn(*self.args)
            except Exception as exc:
                self._error = exc
            self._done = True
        if self._error is not None:
            raise self._error
        return self._value


class InlineRunner:
    """Runs each job in this process when :meth:`as_completed` reaches it, so results arrive one by one."""

    def submit(self, fn: Callable, /, *args) -> Deferred:
        return Deferred(fn, args)

    def as_completed(self, futures: Iterable[Deferred]) -> Iterator[Deferred]:
        for future in futures:
            try:
                future.result()
            except Exception:
                pass  # the caller sees the error when it asks for the result
            yield future

    def close(self, *, cancel: bool = False) -> None:
        """Nothing to release."""


def _exit_with_parent_linux() -> None:
    """Ask the kernel to SIGKILL this process when the thread that started it dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: the polling thread still works
        pass


def _poll_parent(parent_pid: int, interval: float) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        threading.Event().wait(interval)


def watch_parent(parent_pid: int, *, interval: float = PARENT_POLL_S) -> None:
    """Make this worker process exit as soon as the process ``parent_pid`` (its parent) is gone.

    Runs as the initializer of every worker process. On Linux the kernel
    kills the worker with its parent (``PR_SET_PDEATHSIG``), even while the
    worker is deep in C code that holds the GIL; everywhere, a daemon thread
    compares :func:`os.getppid` with ``parent_pid`` every ``interval``
    seconds and ends the process with :func:`os._exit` once they differ (a
    dead parent's children are adopted by another process).

    Parameters
    ----------
    parent_pid
        Process id of the process that started the pool.
    interval
        Seconds between two checks of the polling thread.
    """
    _exit_with_parent_linux()
    if os.getppid() != parent_pid:  # the parent died before the watch was set up
        os._exit(1)
    threading.Thread(target=_poll_parent, args=(parent_pid, interval), name="surrogate-watch-parent", daemon=True).start()


@contextmanager
def main_module_hidden() -> Iterator[None]:
    """Hide the caller's ``__main__`` from :mod:`multiprocessing` while worker processes are spawned.

    The spawn start method re-runs the parent's main script (or module) in every child, so a script without an
    ``if __name__ == "__main__":`` guard would start its work again in each worker. The jobs of this package are
    importable functions of ``surrogate``, so workers never need the caller's main module: it is treated like an
    interactive session's.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _from_main(fn: Callable) -> bool:
    """Whether ``fn`` lives in ``__main__`` (then the workers need the caller's main module)."""
    return getattr(fn, "__module__", None) == "__main__"


#: The ``-W`` filter of multiprocessing's resource tracker: no report, at its exit, of what it removed for processes
#: that did not ("There appear to be 2 leaked semaphore objects"): here the module-level semaphores (Pyomo's capture
#: lock, tqdm's write lock) of workers stopped with SIGTERM. (A ``-W`` message cannot hold a colon: its first word.)
TRACKER_LEAK_FILTER = "ignore:resource_tracker:UserWarning:multiprocessing.resource_tracker"


def start_tracker_quietly() -> None:
    """Start multiprocessing's resource tracker, if this process has none running, told to ignore its leak report.

    Worker processes busy in a solver's C code can only be terminated on Ctrl-C or SIGTERM (:meth:`ProcessRunner.close`),
    so the semaphores their imported libraries made are removed by the tracker instead, which then warned of "leaked
    semaphore objects" under the command's one-line message. A tracker already running (started by the caller's own
    processes) is left as it is.
    """
    from multiprocessing import resource_tracker

    added = TRACKER_LEAK_FILTER not in sys.warnoptions
    if added:  # the tracker is a fresh interpreter, started with this process's -W options
        sys.warnoptions.append(TRACKER_LEAK_FILTER)
    try:
        resource_tracker.ensure_running()
    finally:
        if added:
            sys.warnoptions.remove(TRACKER_LEAK_FILTER)


def spawn_pool(workers: int) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` of ``workers`` spawned processes that exit with this process.

    The processes start on the pool's first ``submit``; call it inside :func:`main_module_hidden` (as
    :class:`ProcessRunner` does).
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=watch_parent,
        initargs=(os.getpid(),),
    )


class ProcessRunner:
    """A pool of spawned worker processes, started on the first :meth:`submit`.

    The workers exit when this process dies (:func:`watch_parent`) and never
    run the caller's main script (:func:`main_module_hidden`), unless a job
    itself is defined in ``__main__``.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable, /, *args) -> Future:
        if self._pool is None:
            start_tracker_quietly()  # before the workers: they share this process's tracker
            self._pool = spawn_pool(self.workers)
        # ProcessPoolExecutor spawns its workers inside submit (Python >= 3.9 with spawn).
        with contextlib.nullcontext() if _from_main(fn) else main_module_hidden():
            return self._pool.submit(fn, *args)

    def as_completed(self, futures: Iterable[Future]) -> Iterator[Future]:
        return _futures_as_completed(list(futures))

    def close(self, *, cancel: bool = False) -> None:
        """Shut the pool down: wait for its jobs, or with ``cancel`` drop pending ones and stop the workers."""
        if self._pool is None:
            return
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
        if cancel:
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(timeout=5)


class DaskRunner:
    """A ``distributed.Client``; closes the ``LocalCluster`` it started, if any."""

    def __init__(self, client, cluster=None):
        self.client = client
        self.cluster = cluster

    def submit(self, fn: Callable, /, *args):
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures: Iterable) -> Iterator:
        from distributed import as_completed

        return iter(as_completed(list(futures)))

    def close(self, *, cancel: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            "the Dask executor needs the 'distributed' package; install it with " + extra_hint("dask") + ", "
            "or use local processes (drop --dask/--scheduler; ExecutorConfig(kind='local') in Python)"
        ) from None
    return distributed


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread for the block: the threads it starts, and the processes they start, block it too.

    A terminal's Ctrl-C goes to the process group: Dask workers printed their ``KeyboardInterrupt`` tracebacks under
    the command's message. A signal mask is inherited through ``exec``: the workers the cluster's threads start never
    take Ctrl-C, and stop as this process, which still takes it, closes the cluster.
    """
    blocks = hasattr(signal, "pthread_sigmask")  # (not on Windows: nothing to do)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if blocks else None
    try:
        yield
    finally:
        if blocks:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _dask_runner(config: ExecutorConfig) -> DaskRunner:
    distributed = _import_distributed()
    if config.scheduler:
        try:
            client = distributed.Client(config.scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(
                f"cannot reach the Dask scheduler at {config.scheduler!r} ({exc}); check the address, start one "
                "with 'dask scheduler', or use --dask for a local cluster"
            ) from None
        return DaskRunner(client)
    start_tracker_quietly()
    with main_module_hidden(), sigint_blocked():  # its worker processes are spawned too, and leave Ctrl-C to us
        cluster = distributed.LocalCluster(
            n_workers=config.workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # a worker that lost the scheduler as a Ctrl-C closes it logged tracebacks
        )
    return DaskRunner(distributed.Client(cluster), cluster)


def make_runner(config: ExecutorConfig) -> InlineRunner | ProcessRunner | DaskRunner:
    """A runner for ``config``; release it with its ``close()`` (or use :func:`open_executor`)."""
    if config.kind == "dask":
        return _dask_runner(config)
    workers = config.workers or default_workers()
    return InlineRunner() if workers == 1 else ProcessRunner(workers)


@contextmanager
def open_executor(config: ExecutorConfig | None = None) -> Iterator[InlineRunner | ProcessRunner | DaskRunner]:
    """A runner for the length of a ``with`` block; pending jobs are cancelled if the block fails.

    Examples
    --------
    >>> with open_executor(ExecutorConfig(workers=1)) as runner:
    ...     futures = [runner.submit(pow, 2, k) for k in range(3)]
    ...     sorted(f.result() for f in runner.as_completed(futures))
    [1, 2, 4]
    """
    if config is not None and not isinstance(config, ExecutorConfig):
        raise ConfigError(
            f"executor={config!r} must be an ExecutorConfig, e.g. ExecutorConfig(workers=2), or None for local processes"
        )
    runner = make_runner(config or ExecutorConfig())
    try:
        yield runner
    except BaseException:
        runner.close(cancel=True)
        raise
    runner.close()
