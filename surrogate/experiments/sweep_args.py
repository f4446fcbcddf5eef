"""``surrogate sweep``'s options <-> :class:`~surrogate.experiments.sweep.SweepConfig`.

Below the command line, so that the report can rebuild a sweep's config from the
command it prints, without importing the CLI. Every default is read from
:class:`~surrogate.experiments.sweep.SweepConfig` (:func:`~surrogate.options.default_of`).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ..executor_args import add_executor_arguments
from ..milp.formulations import FORMULATIONS
from ..milp.solver_config import SolverConfig
from ..options import (
    add_solver_option_argument,
    default_of,
    positive_int,
    seed_count,
    time_limit_seconds,
    user_path,
)
from ..train.protocols import PROTOCOLS, get_protocol
from .sweep_config import QUICK_EPOCHS, QUICK_INSTANCES, QUICK_SEEDS, SweepConfig


def add_sweep_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of ``surrogate sweep`` to ``parser``, their defaults read from :class:`SweepConfig`.

    :func:`sweep_config_from_args` turns the parsed options into the sweep's config.

    Returns
    -------
    argparse.ArgumentParser
        ``parser``, for chaining.
    """
    solver = default_of(SweepConfig, "solver")
    p = parser
    p.add_argument("--budget", type=positive_int, default=default_of(SweepConfig, "budget"))
    p.add_argument("--arch", action="append", help="shape to sweep (repeatable), e.g. 3x8 or 8-6-6")
    p.add_argument("--protocol", default=default_of(SweepConfig, "protocol").name, choices=sorted(PROTOCOLS))
    p.add_argument("--epochs", type=positive_int, help="override the protocol's epochs")
    p.add_argument(
        "--seeds", type=seed_count, help=f"nets per shape, seeds 0..N-1 (default {len(default_of(SweepConfig, 'seeds'))})"
    )
    formulation = default_of(SweepConfig, "formulation")
    p.add_argument("--formulation", default=formulation, help=f"one of {', '.join(FORMULATIONS)} (default {formulation})")
    p.add_argument(
        "--instances", type=positive_int, help=f"reference instances per net (default {default_of(SweepConfig, 'instances')})"
    )
    p.add_argument("--instance-seed", type=int, default=default_of(SweepConfig, "instance_seed"))
    p.add_argument("--all-seeds", action="store_true", help="solve with every seed's net, not only the best")
    p.add_argument("--time-limit", type=time_limit_seconds, default=solver.time_limit, help="HiGHS time limit per solve, seconds")
    p.add_argument("--threads", type=positive_int, default=solver.threads, help="HiGHS threads")
    gap = f"solves to a relative gap of {default_of(SolverConfig, 'rel_gap'):g}"  # sweep_config_from_args's SolverConfig
    add_solver_option_argument(p, settings={"time_limit": "--time-limit", "threads": "--threads", "rel_gap": gap})
    add_executor_arguments(
        p,
        workers_help="local worker processes, or LocalCluster workers with --dask (default: one per core, at most 8)",
        run="sweep",
    )
    p.add_argument("--no-yardsticks", action="store_true", help="leave out the hand-built nets")
    quick = f"smoke test: {QUICK_EPOCHS} epochs, {len(QUICK_SEEDS)} seed, {QUICK_INSTANCES} instances"
    p.add_argument("--quick", action="store_true", help=quick)
    p.add_argument(
        "--out", type=user_path, default=Path("results/sweep"), help="results folder; a sweep stopped early resumes there"
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="discard the results and cache an earlier run of this command left in --out (any other folder is refused)",
    )
    p.add_argument("--save-models", type=user_path, metavar="DIR", help="copy the best net per shape into a zoo folder")
    p.add_argument("-q", "--quiet", action="count", default=0, help="no progress bars or log lines; twice (-qq): print nothing")
    p.add_argument(
        "--json", action="store_true", help="print one JSON document (rows, out, wall time, units) and nothing else on stdout"
    )
    return parser


def sweep_config_from_args(args: argparse.Namespace) -> SweepConfig:
    """The :class:`SweepConfig` of parsed ``surrogate sweep`` options (see :func:`add_sweep_arguments`).

    Options left unset keep the config's defaults (those of :meth:`SweepConfig.quick` with ``--quick``).

    Parameters
    ----------
    args
        The parsed options; where the work runs (``--workers``, ``--dask``...) is not read.

    Raises
    ------
    ConfigError
        If the options make an invalid sweep (e.g. an unknown shape or formulation).
    """
    protocol = get_protocol(args.protocol)
    if args.epochs:
        protocol = protocol.with_epochs(args.epochs)
    kwargs = dict(
        budget=args.budget,
        architectures=tuple(args.arch or ()),
        protocol=protocol,
        formulation=args.formulation,
        solve_all_seeds=args.all_seeds,
        solver=SolverConfig(time_limit=args.time_limit, threads=args.threads, options=tuple(args.solver_option)),
        instance_seed=args.instance_seed,
        yardsticks=not args.no_yardsticks,
    )
    if args.seeds is not None:
        kwargs["seeds"] = tuple(range(args.seeds))
    if args.instances is not None:
        kwargs["instances"] = args.instances
    config = SweepConfig.quick(**kwargs) if args.quick else SweepConfig(**kwargs)
    # an explicit --epochs wins over --quick's cap, as --seeds and --instances do: the protocol of --epochs itself
    # (the capped one stretched again splits its stages otherwise, e.g. best's 1+4+1 epochs for --epochs 7, not 1+4+2)
    return replace(config, protocol=protocol) if args.epochs else config
