"""The ``surrogate`` command's argument parser: one subcommand per entry of :data:`COMMANDS`.

A subcommand's options read their defaults from their one home (a configuration
dataclass, or the keyword default of the function they feed), and those homes
import PyTorch, Pyomo or pandas. So :func:`build_parser` can fill in the options
of one subcommand only: ``surrogate --help`` and the quick commands (``params``,
``architectures``) then import none of them.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Sequence

from ..executor_args import add_executor_arguments
from ..options import (
    add_solver_option_argument,
    default_of,
    net_name,
    positive_float,
    positive_int,
    seed_count,
    time_limit_seconds,
    user_path,
    whole_number,
)
from ..version import package_version
from .bench import cmd_bench_ablation, cmd_bench_solve_time, cmd_bench_training
from .bounds import cmd_bounds
from .console import OneLineParser, show_defaults
from .defaults import default_surrogate, keyword_default, report_rows, sweep_default
from .problems import cmd_problems
from .report import cmd_report
from .scale_args import add_bench_scale_arguments
from .shapes import cmd_architectures, cmd_hand_built, cmd_params, grid_points
from .start_args import add_start_arguments
from .sweep import cmd_sweep


def _scientific(value: float) -> str:
    """``value`` in short scientific notation: ``1e-4`` for 0.0001."""
    mantissa, exponent = f"{value:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


def _add_shape_arguments(p: argparse.ArgumentParser) -> None:
    """The shapes a command runs: those of ``--arch``, or the constant-width ones of ``--budget``
    (:func:`~surrogate.cli.shapes.chosen_shapes`: beside ``--arch``, only a given budget is checked)."""
    budget = f"hidden neurons per net (default {sweep_default('budget')}); beside --arch, a given one must hold every shape"
    p.add_argument("--budget", type=positive_int, help=budget)
    p.add_argument("--arch", action="append", help="shape (repeatable); default: constant-width shapes of --budget")


def _add_params_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sizes", nargs="+", type=int, help="all layer sizes, input first (e.g. 784 16 16 10)")
    p.add_argument("--no-bias", action="store_true", help="count weights only")
    p.set_defaults(func=cmd_params)


def _add_architectures_arguments(p: argparse.ArgumentParser) -> None:
    from ..nets.architecture import all_shapes

    p.add_argument("--budget", type=positive_int, default=sweep_default("budget"))
    p.add_argument("--all", action="store_true", help="add non-uniform shapes up to --max-depth")
    p.add_argument("--max-depth", type=positive_int, default=keyword_default(all_shapes, "max_depth"))
    p.set_defaults(func=cmd_architectures)


def _add_hand_built_arguments(p: argparse.ArgumentParser) -> None:
    _add_shape_arguments(p)
    p.add_argument("--variant", choices=["paired", "shared"], help="one construction only (default: both)")
    p.add_argument("--grid", type=grid_points, default=2001, help="grid points per axis for the errors (at least 2)")
    p.add_argument("--fitting-only", action="store_true", help="hide shapes the construction does not fit")
    p.add_argument("--export", type=user_path, metavar="DIR", help="also export each net to DIR as ONNX")
    p.add_argument("--save-models", type=user_path, metavar="DIR", help="add the useful nets (max error < 1/4) to a model zoo")
    p.add_argument(
        "--active-margin",
        type=float,
        metavar="M",
        help="shift the always-active units' biases by M (e.g. 0.015625) so bound tightening proves them active: "
        "the same function, fewer binaries; saved as b<N>-hand-<variant>-fixed-<shape> (0 or omitted: as published)",
    )
    p.set_defaults(func=cmd_hand_built)


def _add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    from ..experiments.sweep_args import add_sweep_arguments

    add_sweep_arguments(p)
    p.set_defaults(func=cmd_sweep)


def _add_problems_arguments(p: argparse.ArgumentParser) -> None:
    from ..experiments.problem_run_config import BUDGET_FACTOR, ProblemRunConfig
    from ..milp.formulations import DEFAULT_FORMULATION, FORMULATIONS

    solver, restarts = default_of(ProblemRunConfig, "solver"), default_of(ProblemRunConfig, "polish_restarts")
    p.add_argument("names", nargs="*", help="pooling instances (or 'pooling' for all 14), randomN[-sS], spar... BoxQP")
    p.add_argument(
        "--qcqp",
        nargs="+",
        action="extend",
        type=user_path,
        metavar="FILE",
        help="qcqp-json-v1 files or folders of them; adds status, stage times and per-family counts",
    )
    p.add_argument(
        "--arch",
        action="append",
        type=net_name,
        help=f"zoo shape, model name or ONNX path (repeatable; default {default_surrogate()})",
    )
    p.add_argument(
        "--formulation",
        action="append",
        choices=list(FORMULATIONS),
        help=f"repeatable; default {DEFAULT_FORMULATION} (tightened bounds, stable neurons removed)",
    )
    p.add_argument(
        "--time-limit",
        type=time_limit_seconds,
        default=solver.time_limit,
        help="seconds per MILP (warm start included) / SCIP solve",
    )
    p.add_argument(
        "--budget",
        type=positive_float,
        help=f"seconds for tightening + start + MILP + relaxation + polish of one run (default {BUDGET_FACTOR:g} x --time-limit; SCIP not included)",
    )
    p.add_argument(
        "--error-aware",
        action="store_true",
        help="widen each product by its surrogate's error (replace_products(error_aware=True))",
    )
    p.add_argument(
        "--polish-restarts",
        type=whole_number,
        default=restarts,
        help=f"NLPs from random points after the other polish methods, time allowing (default {restarts}; 0: off)",
    )
    p.add_argument("--threads", type=positive_int, default=solver.threads)
    gap = f"solves each MILP to a relative gap of {solver.rel_gap:g}"
    add_solver_option_argument(p, settings={"time_limit": "--time-limit", "threads": "--threads", "rel_gap": gap})
    add_start_arguments(p, seed=default_of(ProblemRunConfig, "start_seed"))
    p.add_argument("--no-scip", action="store_true", help="skip the SCIP reference solve")
    p.add_argument("--out", type=user_path, help="folder for results.csv and results.json (and summary.json with --qcqp)")
    p.add_argument("-q", "--quiet", action="store_true", help="no line per instance while it runs")
    p.set_defaults(func=cmd_problems)


def _add_bounds_arguments(p: argparse.ArgumentParser) -> None:
    from ..milp.bounds import compute_bounds

    p.add_argument(
        "nets",
        nargs="*",
        type=net_name,
        help=f"zoo names or ONNX paths (default {default_surrogate()}); with --store-zoo, names in that zoo",
    )
    p.add_argument(
        "--node-limit",
        type=positive_int,
        default=keyword_default(compute_bounds, "node_limit"),
        help="branch-and-bound nodes per MILP of the bound tightening (default %(default)s)",
    )
    p.add_argument(
        "--time-limit",
        type=time_limit_seconds,
        default=keyword_default(compute_bounds, "time_limit"),
        help="seconds per solve of the bound tightening, a safety net (default %(default)s; a solve it stops makes "
        "the bounds depend on the machine's load)",
    )
    p.add_argument(
        "--store-zoo", type=user_path, metavar="ZOO_DIR", help="compute and store the bounds of the zoo's nets (all unless named)"
    )
    p.set_defaults(func=cmd_bounds)


def _add_report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "results", nargs="+", type=user_path, metavar="RESULTS_DIR", help="a sweep, solve-time or scale benchmark folder (--out)"
    )
    p.add_argument(
        "--out", type=user_path, metavar="FILE", help="report file (default RESULTS_DIR/report.md); figures go beside it"
    )
    p.add_argument("--no-heatmaps", action="store_true", help="leave out the error heat map of every selected net")
    # no default here: ReportOptions holds it (and importing the report's plotting would slow every command)
    p.add_argument("--max-rows", type=positive_int, help=f"longest CSV table shown in full (default {report_rows()})")
    p.add_argument(
        "--docs",
        metavar="MARKDOWN",
        type=user_path,
        action="append",
        help="refresh the tables marked <!-- table: NAME source=KIND --> in this docs page from the result folders, "
        "instead of writing a report (repeatable); with several scale folders, a scale marker adds budget=N (the nets "
        "of that budget, from the folder that has them) or folder=NAME (the folder's last path component)",
    )
    # the recorded commands it shows get their abbreviated options in full from this parser's options
    p.set_defaults(func=cmd_report, option_strings=option_strings)


def _add_bench_training_arguments(p: argparse.ArgumentParser) -> None:
    from ..train.bench import bench_training
    from ..train.protocols import PROTOCOLS

    _add_shape_arguments(p)
    p.add_argument("--protocol", default=sweep_default("protocol").name, choices=sorted(PROTOCOLS))
    p.add_argument("--epochs", type=positive_int, help="override the protocol's epochs")
    p.add_argument("--seeds", type=seed_count, default=len(sweep_default("seeds")))
    p.add_argument(
        "--naive-epochs",
        type=positive_int,
        default=keyword_default(bench_training, "naive_epochs"),
        help="epochs of the naive loop timed per net",
    )
    p.add_argument(
        "--naive-seeds",
        type=positive_int,
        default=keyword_default(bench_training, "naive_seeds"),
        help="nets per shape timed with the naive loop",
    )
    p.add_argument("--naive-full", action="store_true", help="time the naive loop on the whole work (slow)")
    p.add_argument("--workers", type=positive_int, help="trainer processes (default: one per core, at most 8)")
    p.set_defaults(func=cmd_bench_training)


def _add_bench_ablation_arguments(p: argparse.ArgumentParser) -> None:
    _add_shape_arguments(p)
    p.add_argument("--seeds", type=seed_count, default=len(sweep_default("seeds")))
    p.add_argument("--workers", type=positive_int, help="trainer processes (default: one per core, at most 8)")
    p.add_argument("--steps", type=positive_int, nargs="+", help="run only these steps (1-based, in the listed order)")
    p.add_argument("--out", type=user_path, help="folder for ablation.csv (ablation-steps-....csv with --steps)")
    p.add_argument("-q", "--quiet", action="store_true", help="no line per step's time")
    p.set_defaults(func=cmd_bench_ablation)


def _add_bench_solve_time_arguments(p: argparse.ArgumentParser) -> None:
    from ..experiments.solve_bench import QUICK_SETTINGS, WORKERS, SolveBenchConfig

    default, quick = default_of(SolveBenchConfig, "solver"), QUICK_SETTINGS
    sizes, problems = default_of(SolveBenchConfig, "random_sizes"), len(quick["random_sizes"]) + len(quick["pooling"])
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {len(quick['nets'])} nets, {problems} small problems, "
        f"{quick['solver'].time_limit:g} s limit (about 25 s)",
    )
    p.add_argument("--out", type=user_path, help="folder for the tables (CSV) and config.json")
    p.add_argument(
        "--budget", type=positive_int, help=f"zoo nets b<budget>-best-<shape> (default {default_of(SolveBenchConfig, 'budget')})"
    )
    p.add_argument("--nets", nargs="+", type=net_name, help="zoo names or ONNX paths instead of the budget's best nets")
    p.add_argument(
        "--random-sizes",
        type=positive_int,
        nargs="+",
        help=f"products in the random family (default {' '.join(map(str, sizes[:3]))} ... {sizes[-1]})",
    )
    p.add_argument("--pooling", nargs="+", help="pooling instances (default: all 14)")
    p.add_argument("--baselines", nargs="*", help="sawtooth-N, nmdt-N, pw-mccormick-N, pwl-NxN (default: 24-binary ones)")
    p.add_argument("--instances", type=int, help="reference instances per approximation (0 to skip)")
    p.add_argument(
        "--time-limit",
        type=time_limit_seconds,
        help=f"HiGHS seconds per problem (default {default.time_limit:g}; {quick['solver'].time_limit:g} with --quick)",
    )
    p.add_argument("--rel-gap", type=float, help=f"HiGHS relative gap (default {_scientific(default.rel_gap)})")
    threads = f"runs each solve on {default.threads} HiGHS thread{'s' if default.threads > 1 else ''}"
    add_solver_option_argument(p, settings={"time_limit": "--time-limit", "rel_gap": "--rel-gap", "threads": threads})
    add_start_arguments(p)
    add_executor_arguments(
        p,
        workers_help=f"solver processes, one HiGHS thread each, or LocalCluster workers with --dask (default {WORKERS})",
        run="benchmark",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_bench_solve_time, argv=None)


#: ``surrogate bench``'s benchmarks: name -> (help, the function adding its options).
BENCHMARKS = {
    "training": ("the project's trainer vs the textbook one-net-at-a-time loop, side by side", _add_bench_training_arguments),
    "ablation": ("which ingredients of the 'best' protocol matter, shape by shape", _add_bench_ablation_arguments),
    "solve-time": (
        "OMLT default vs tightened+pruned encodings, classic baselines, cost growth; one run",
        _add_bench_solve_time_arguments,
    ),
    "scale": (
        "solve time of the surrogate MILPs on a fixed suite (random 8-64 products, pooling): SGM, nothing censored",
        add_bench_scale_arguments,
    ),
}


def _add_bench_arguments(p: argparse.ArgumentParser, benchmarks: Collection[str] | None = None) -> None:
    """``surrogate bench``'s benchmarks; only those named in ``benchmarks`` (default: all) get their options
    (``bench scale --help`` then imports neither PyTorch nor the solve-time benchmark's warm start)."""
    bench = p.add_subparsers(dest="benchmark", required=True)
    for name, (text, add_arguments) in BENCHMARKS.items():  # none of them: 'bench' keeps its name and help only
        q = bench.add_parser(name, help=text)
        if benchmarks is None or name in benchmarks:
            add_arguments(q)


#: Every subcommand, in the order ``surrogate --help`` lists them: name -> (help, the function adding its options).
COMMANDS = {
    "params": ("parameter count of an MLP from its layer sizes", _add_params_arguments),
    "architectures": ("list the shapes of a neuron budget", _add_architectures_arguments),
    "hand-built": ("the hand-built nets: cells, closed-form bound and grid errors", _add_hand_built_arguments),
    "sweep": ("train, export, encode and solve every shape of a budget", _add_sweep_arguments),
    "problems": ("bilinear problems solved through surrogates, polished, and bounded", _add_problems_arguments),
    "bounds": ("stable/unstable neurons and big-M width of nets by bound method (interval, lp, milp)", _add_bounds_arguments),
    "report": ("a Markdown report with figures of sweep, solve-time and scale benchmark folders", _add_report_arguments),
    "bench": ("benchmarks (not timed tests)", _add_bench_arguments),
}


#: ``surrogate --help``'s first line.
DESCRIPTION = "Shape budget-sized ReLU nets for x*y: approximation error vs MILP solve time."


def _add_commands(parser: argparse.ArgumentParser, commands: Collection[str] | None) -> None:
    """Every subcommand of :data:`COMMANDS` on ``parser``, with its options if ``commands`` names it (see :func:`build_parser`)."""
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (text, add_arguments) in COMMANDS.items():
        p = sub.add_parser(name, help=text)
        if commands is None or name in commands:
            add_arguments(p)
        elif name == "bench":
            _add_bench_arguments(p, [c.removeprefix("bench ") for c in commands if c.startswith("bench ")])


def build_parser(commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The ``surrogate`` parser.

    Parameters
    ----------
    commands
        The subcommands that get their options (``None``: all); the others keep their name and help, so
        ``surrogate --help`` is the same whatever ``commands`` is. ``'bench scale'`` names one benchmark of ``bench``.
    """
    parser = OneLineParser(prog="surrogate", description=DESCRIPTION)  # its subcommands' parsers are of its class
    parser.add_argument("--version", action="version", version=f"surrogate {package_version()}")
    _add_commands(parser, commands)
    show_defaults(parser)
    return parser


def option_strings(words: Sequence[str]) -> tuple[str, ...] | None:
    """The option strings of the subcommand that ``words`` (a command line's words after ``surrogate``) runs, e.g. those
    of ``bench scale`` for ``bench scale --quick``; ``None`` where they name none. ``surrogate report`` writes the
    options that older runs recorded abbreviated in full with them (:func:`surrogate.report.recorded.regenerate`)."""
    names = [word for word in words if not word.startswith("-")][:2]
    if not names or names[0] not in COMMANDS or (names[0] == "bench" and (len(names) < 2 or names[1] not in BENCHMARKS)):
        return None
    parser = build_parser([" ".join(names) if names[0] == "bench" else names[0]])
    for name in names[: 2 if names[0] == "bench" else 1]:  # argparse has no public way to a subcommand's parser
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    return tuple(option for action in parser._actions for option in action.option_strings)
