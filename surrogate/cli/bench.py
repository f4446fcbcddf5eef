"""``surrogate bench training``, ``ablation``, ``solve-time`` and ``scale``: the benchmarks, run once and printed."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
from pathlib import Path

from ..errors import ConfigError
from ..executor_args import executor_config
from ..train.protocols import get_protocol
from .shapes import chosen_shapes
from .start_args import start_options


def cmd_bench_training(args: argparse.Namespace) -> int:
    """Time the project's trainer against the textbook loop on the same work and print both; return 0."""
    from ..train.bench import bench_training

    archs = [a.name for a in chosen_shapes(args, "bench training")]
    protocol = get_protocol(args.protocol)
    if args.epochs:
        protocol = protocol.with_epochs(args.epochs)
    result = bench_training(
        archs,
        list(range(args.seeds)),
        protocol,
        naive_epochs=None if args.naive_full else args.naive_epochs,
        naive_seeds=args.naive_seeds,
        workers=args.workers,
    )
    print(f"work: {len(archs)} shapes x {args.seeds} seeds, protocol {protocol.describe()}")
    print(result.table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    how = (
        f"scaled from {result.naive_epochs} epoch(s) x {result.naive_seeds} seed(s) per shape"
        if result.naive_scaled
        else "measured on the whole work"
    )
    print(
        f"naive loop (nn.Sequential + autograd + torch.optim.Adam, one net at a time, one process): {result.naive_s:.1f} s ({how})"
    )
    print(
        f"surrogate trainer (packed, batched, {result.workers or 'all'} worker process(es)): {result.trainer_s:.1f} s (measured)"
    )
    print(f"speed-up: {result.speedup:.1f}x")
    return 0


def cmd_bench_ablation(args: argparse.Namespace) -> int:
    """Train every step of the ablation of the 'best' protocol and print its grid MAE tables; return 0."""
    from ..files import write_text
    from ..literature import blog_mae
    from ..train.bench import ablation_table, bench_ablation

    archs = [a.name for a in chosen_shapes(args, "bench ablation")]
    steps = _ablation_steps(args.steps, archs)
    log = (lambda label, s: print(f"  {label}: {s:.0f} s", file=sys.stderr)) if not args.quiet else None
    rows = bench_ablation(archs, list(range(args.seeds)), workers=args.workers, steps=steps, progress=log)
    if args.out:  # first: the hours of training are kept whatever the printing does
        name = "ablation.csv" if not args.steps else "ablation-steps-" + "-".join(map(str, args.steps)) + ".csv"
        write_text(args.out / name, rows.to_csv(index=False, lineterminator="\n"))
        print(f"rows written to {args.out / name}", file=sys.stderr)
    fmt = lambda v: "-" if v != v else f"{v:.2e}"  # noqa: E731 (nan -> '-')
    best, median = ablation_table(rows, "mae_best"), ablation_table(rows, "mae_median")
    blog = {a: blog_mae(a) for a in best.columns}
    print(f"grid MAE of the seed selected on validation points ({args.seeds} seeds per shape):")
    print(best.to_string(float_format=fmt))
    print("blog (2021, labels corrected): " + ", ".join(f"{a} {v:.2g}" for a, v in blog.items() if v))
    print(f"\nmedian grid MAE over the {args.seeds} seeds:")
    print(median.to_string(float_format=fmt))
    return 0


def _ablation_steps(chosen: list[int] | None, archs: list[str]) -> list:
    """The ablation steps ``--steps`` names (all without it), each once; :class:`ConfigError` for an unknown or
    repeated step, or when none applies to ``archs``."""
    from ..train.bench import ablation_shapes, ablation_steps

    steps = ablation_steps()
    if chosen:
        bad = [k for k in chosen if k > len(steps)]
        if bad:
            raise ConfigError(f"--steps {bad[0]} does not exist; the ablation has steps 1..{len(steps)}")
        repeated = [k for k in dict.fromkeys(chosen) if chosen.count(k) > 1]
        if repeated:
            raise ConfigError(f"--steps {repeated[0]} is given twice; list each step once")
        steps = [steps[k - 1] for k in chosen]
    if not any(ablation_shapes(protocol, archs) for _, protocol in steps):
        raise ConfigError(
            f"no chosen step applies to {', '.join(archs)}: a hand-built start needs a shape with a hand-built "
            "construction (e.g. 3x8); add such a shape with --arch, or choose other --steps"
        )
    return steps


def solve_bench_config(args: argparse.Namespace):
    """The :class:`~surrogate.experiments.solve_bench.SolveBenchConfig` of the parsed ``bench solve-time`` options.

    Options left unset keep the config's defaults (those of ``SolveBenchConfig.quick`` with ``--quick``);
    where the solves run (``--workers``, ``--dask``...) is not read.
    """
    from ..experiments.solve_bench import SolveBenchConfig
    from ..milp.solver_config import SolverConfig

    options = {}
    for name in ("nets", "pooling", "baselines", "random_sizes"):
        if getattr(args, name) is not None:
            options[name] = tuple(getattr(args, name))
    if args.budget is not None:
        options["budget"] = args.budget
    if args.instances is not None:
        options["instances"] = args.instances
    options.update(start_options(args))
    if args.time_limit is not None or args.rel_gap is not None or args.solver_option:
        base = SolveBenchConfig.quick() if args.quick else SolveBenchConfig()
        options["solver"] = SolverConfig(
            time_limit=args.time_limit or base.solver.time_limit,
            rel_gap=base.solver.rel_gap if args.rel_gap is None else args.rel_gap,
            options=tuple(args.solver_option),
        )
    return SolveBenchConfig.quick(**options) if args.quick else SolveBenchConfig(**options)


def _command_line(args: argparse.Namespace) -> str:
    """The command as typed, quoted so that it runs again as written (a path with a space stays one argument)."""
    return shlex.join(["surrogate", *(sys.argv[1:] if args.argv is None else args.argv)])


def cmd_bench_solve_time(args: argparse.Namespace) -> int:
    """Run the solve-time benchmark on the executor of the options, print its tables and headline; return 0."""
    from ..experiments.results_files import refuse_other_commands
    from ..experiments.solve_bench import WORKERS, run_solve_bench, solve_time_folder

    config = solve_bench_config(args)
    if args.out:  # before the folder is locked: nothing is written into another command's folder
        refuse_other_commands(args.out, "solve-time", "surrogate bench solve-time")
    with solve_time_folder(args.out) if args.out else contextlib.nullcontext():  # locked: one run at a time
        result = run_solve_bench(config, executor=executor_config(args, workers=WORKERS), progress=not args.quiet)
        if args.out:
            result.write(args.out, command=_command_line(args))
    print(result.render())
    if args.out:
        written = sorted(p.stem for p in args.out.glob("*.csv"))
        print(f"tables in {args.out}/ ({', '.join(written)} .csv; config.json)")
    print(result.headline())
    return 0


def scale_bench_config(args: argparse.Namespace):
    """The :class:`~surrogate.experiments.scale_bench_config.ScaleBenchConfig` of the parsed ``bench scale`` options.

    Options left unset keep the config's defaults; ``--zoo`` adds folders after the shipped zoo.
    """
    from dataclasses import replace

    from ..experiments.scale_bench_config import ScaleBenchConfig
    from ..options import default_of

    options = {"quick": args.quick}
    if args.net:
        options["nets"] = tuple(args.net)
    if args.zoo:
        zoos = default_of(ScaleBenchConfig, "zoos") + tuple(str(z) for z in args.zoo)
        options["zoos"] = tuple(dict.fromkeys(str(Path(z).resolve()) for z in zoos))  # the shipped zoo named again: once
    if args.encoding:
        options["encodings"] = tuple(args.encoding)
    if args.baselines:
        options["baselines"] = tuple(args.baselines)
    if args.instance:
        options["instances"] = tuple(args.instance)
    if (args.net or args.quick) and (args.budget is not None or args.max_mae is not None):
        raise ConfigError(
            "bench scale: --budget and --max-mae select the nets of a full run without --net; "
            "drop them, or drop --net and --quick"
        )
    named = {
        "budget": args.budget,
        "max_mae": args.max_mae,
        "start_patience": args.start_patience,
        "start_clock": args.start_clock,
    }
    options.update({k: v for k, v in named.items() if v is not None})
    config = ScaleBenchConfig(**options)
    changes = {k: v for k, v in {"time_limit": args.time_limit, "solver": args.solver}.items() if v is not None}
    if args.solver_option:
        changes["options"] = tuple(args.solver_option)
    return replace(config, solver=replace(config.solver, **changes)) if changes else config


def cmd_bench_scale(args: argparse.Namespace) -> int:
    """Run the scale benchmark on the executor of the options, print its table; return 0."""
    from ..experiments.scale_bench import run_scale_bench
    from ..experiments.scale_bench_config import WORKERS

    config = scale_bench_config(args)
    command = _command_line(args)
    executor = executor_config(args, workers=WORKERS)
    result = run_scale_bench(
        config, args.out, executor=executor, progress=not args.quiet, fresh=args.fresh, command=command, reuse=args.reuse
    )
    print(result.render())
    if note := result.short_start_note():
        print(note)
    reused = f" ({result.units.reused} reused from the cache)" if result.units.reused else ""
    print(f"{len(result.solves)} solves in {result.wall_time_s:.0f} s{reused}; solves.csv, table.csv, config.json in {args.out}/")
    return 0
