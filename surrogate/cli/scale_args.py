"""The options of ``surrogate bench scale`` (:func:`add_bench_scale_arguments`), apart from the parser of every command."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..executor_args import add_executor_arguments
from ..options import (
    add_solver_option_argument,
    default_of,
    net_name,
    positive_float,
    positive_int,
    time_limit_seconds,
    user_path,
)
from .bench import cmd_bench_scale
from .start_args import add_start_arguments


def add_bench_scale_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``surrogate bench scale``: what to run, how each solve runs, and where."""
    from ..experiments import scale_bench_config as defaults
    from ..experiments.peers import PEERS
    from ..experiments.scale_suite import QUICK_SUITE
    from ..experiments.solve_bench_config import ENCODINGS

    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {len(QUICK_SUITE)} small instances, {defaults.QUICK_NETS[0]}, "
        f"{defaults.QUICK_TIME_LIMIT:g} s limit (about a minute)",
    )
    p.add_argument(
        "--net",
        action="append",
        type=net_name,
        help=f"zoo name or ONNX path (repeatable; default: every net of {defaults.BUDGET} neurons with "
        f"grid MAE <= {defaults.MAX_MAE:g} in the zoos)",
    )
    p.add_argument(
        "--budget",
        type=positive_int,
        help=f"without --net: the nets of this many hidden neurons (default {defaults.BUDGET}; e.g. 12 or 48 for their fronts)",
    )
    p.add_argument(
        "--max-mae",
        type=positive_float,
        help=f"without --net: only nets with grid MAE at most this (default {defaults.MAX_MAE:g}; 1 keeps every net)",
    )
    p.add_argument(
        "--zoo", action="append", type=user_path, metavar="DIR", help="another zoo folder to take nets from (repeatable)"
    )
    p.add_argument(
        "--baselines",
        nargs="+",
        metavar="NAME",
        help="classic MIP approximations of x*y run beside the nets, e.g. sawtooth-10 (default none; "
        "with a warm-started encoding: sawtooth-N only)",
    )
    p.add_argument(
        "--encoding",
        action="append",
        choices=[*ENCODINGS, *PEERS],
        help=f"repeatable; default {' '.join(defaults.DEFAULT_ENCODINGS)} (with its warm start); "
        f"{' and '.join(PEERS)} are the peer routes (extras 'gurobi', 'scipml')",
    )
    _solver_arguments(p)
    p.add_argument(
        "--instance",
        action="append",
        metavar="NAME",
        help="run only this instance of the suite, or another randomN-sS or pooling instance (repeatable; "
        "default: the suite); an SGM over a subset is not the suite's",
    )
    _run_arguments(p)
    p.set_defaults(func=cmd_bench_scale, argv=None)


def _solver_arguments(p: argparse.ArgumentParser) -> None:
    """How ``bench scale`` solves: the solver, its options and the time limit."""
    from ..experiments import scale_bench_config as defaults
    from ..milp.solver_config import SOLVERS, SolverConfig

    p.add_argument("--solver", choices=list(SOLVERS), help=f"MILP solver (default {default_of(SolverConfig, 'solver')})")
    settings = {
        "time_limit": "--time-limit",
        "rel_gap": f"solves to a relative gap of {defaults.REL_GAP:g}",
        "threads": "runs each solve on 1 thread",
    }
    add_solver_option_argument(p, settings=settings, chosen=True)
    p.add_argument(
        "--time-limit",
        type=time_limit_seconds,
        help=f"seconds per solve, warm start included (default {defaults.TIME_LIMIT:g}; "
        f"{defaults.QUICK_TIME_LIMIT:g} with --quick)",
    )
    add_start_arguments(p)


def _run_arguments(p: argparse.ArgumentParser) -> None:
    """Where ``bench scale`` writes, what it reuses, and where it runs."""
    from ..experiments import scale_bench_config as defaults

    p.add_argument(
        "--out",
        type=user_path,
        default=Path("results/scale"),
        help="results folder (default %(default)s); a run stopped early resumes there",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="discard the results and cache an earlier run of this command left in --out (any other folder is refused)",
    )
    p.add_argument(
        "--reuse",
        type=user_path,
        action="append",
        default=[],
        metavar="DIR",
        help="take every solve that the run in DIR already finished (same instance, net file, encoding and solver "
        "options) instead of solving it again; repeatable; DIR is named in config.json",
    )
    add_executor_arguments(
        p,
        workers_help=f"solver processes, one thread each, or LocalCluster workers with --dask (default {defaults.WORKERS})",
        run="benchmark",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
