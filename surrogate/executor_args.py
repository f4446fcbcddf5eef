"""Where a command's work runs: the ``--workers``, ``--dask`` and ``--scheduler`` options and their executor.

Every long command (``surrogate sweep``, ``surrogate bench solve-time``) adds them with
:func:`add_executor_arguments` and reads them with :func:`executor_config`, so they mean the same everywhere.
"""

from __future__ import annotations

import argparse

from .options import positive_int


def add_executor_arguments(parser: argparse.ArgumentParser, *, workers_help: str, run: str = "run") -> None:
    """Add ``--workers``, ``--dask`` and ``--scheduler`` to ``parser``; :func:`executor_config` reads them.

    Parameters
    ----------
    parser
        The command's parser.
    workers_help
        Help of ``--workers``: what one worker does, and its default (left unset, :func:`executor_config`
        gives its ``workers``).
    run
        What the command runs, in the help of ``--dask`` ("a Dask LocalCluster started for this <run>").
    """
    parser.add_argument("--workers", type=positive_int, help=workers_help)
    parser.add_argument(
        "--dask", action="store_true", help=f"run the work on a Dask LocalCluster started for this {run} (extra 'dask')"
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="run the work on the Dask scheduler at ADDRESS, e.g. tcp://10.0.0.5:8786"
    )


def executor_config(args: argparse.Namespace, *, workers: int | None = None):
    """The :class:`~surrogate.executors.ExecutorConfig` of the parsed ``--workers``, ``--dask`` and ``--scheduler``.

    ``--dask`` or ``--scheduler`` runs the work on Dask, anything else on local processes: ``--workers``
    of them, or ``workers`` if it was not given (``None``: one per core, at most 8). A scheduler's cluster has its own workers.
    """
    from .executors import ExecutorConfig

    dask = bool(args.dask or args.scheduler)
    count = args.workers if args.workers is not None or args.scheduler else workers
    return ExecutorConfig(kind="dask" if dask else "local", workers=count, scheduler=args.scheduler)
