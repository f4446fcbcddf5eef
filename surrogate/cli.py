"""The ``surrogate`` command. It parses arguments, calls the API, and prints."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .errors import ConfigError, SurrogateError
from .experiments.solve_bench import QUICK_SETTINGS, SolveBenchConfig
from .experiments.sweep import SweepConfig
from .experiments.sweep_args import add_sweep_arguments, sweep_config_from_args
from .milp.encoding import DEFAULT_FORMULATION, FORMULATIONS
from .milp.polish import DEFAULT_RESTARTS
from .nets.architecture import all_shapes, constant_width_shapes, count_parameters
from .options import default_of, positive_float, positive_int, whole_number
from .train.protocols import PROTOCOLS, get_protocol

#: The sweep's defaults, shared by every command that lists, builds or trains the shapes of a budget.
DEFAULT_BUDGET: int = default_of(SweepConfig, "budget")
DEFAULT_PROTOCOL: str = default_of(SweepConfig, "protocol").name
DEFAULT_SEEDS: int = len(default_of(SweepConfig, "seeds"))


def writable_folder(path: Path, option: str) -> Path:
    """Check that folder ``path`` can be created (if missing) and written in; create nothing.

    Parameters
    ----------
    path
        The folder given on the command line.
    option
        Its option, e.g. ``'--out'``, named in the error.

    Raises
    ------
    ConfigError
        If ``path`` or a folder above it is a file, or nothing can be written
        in its nearest existing folder.
    """
    existing = next((p for p in (path, *path.absolute().parents) if p.exists() or p.is_symlink()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == path else f"is inside {existing}, which is a file"
        example = {"--save-models": "models", "--export": "nets"}.get(option, "results/run1")
        raise ConfigError(f"{option} {path} {where}, not a folder; pass a folder path, e.g. {option} {example}")
    try:
        fd, probe = tempfile.mkstemp(prefix=".surrogate-write-test-", dir=existing or Path.cwd())
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"{option} {path}: cannot write in {existing} ({exc.strerror or exc}); pass a folder you can write to, "
            "or fix its permissions"
        ) from None
    return path


def check_outputs(args) -> None:
    """Check every output folder of the command before any work starts (see :func:`writable_folder`)."""
    if args.command == "report":
        if args.out is not None:
            if args.out.is_dir():
                raise ConfigError(f"--out {args.out} is a folder; give the report's file name, e.g. --out {args.out / 'report.md'}")
            writable_folder(args.out.parent, "--out")
        return
    for attr, option in (("out", "--out"), ("save_models", "--save-models"), ("export", "--export")):
        if getattr(args, attr, None) is not None:
            writable_folder(getattr(args, attr), option)
    store = getattr(args, "store_zoo", None)
    if store is not None and not store.is_dir():
        raise ConfigError(f"--store-zoo {store} is not a folder; pass a zoo folder holding manifest.json, e.g. --store-zoo models")


def cmd_params(args) -> int:
    counts = count_parameters(args.sizes, bias=not args.no_bias)
    print(f"{'layer':>14} {'weights':>10} {'biases':>8} {'total':>10}")
    for layer in counts.layers:
        print(f"{f'{layer.n_in}->{layer.n_out}':>14} {layer.weights:>10} {layer.biases:>8} {layer.total:>10}")
    if args.no_bias:
        print(f"{counts.total} ({counts.weights} weights, biases not counted)")
    else:
        print(f"{counts.total} ({counts.weights} weights + {counts.biases} biases)")
    return 0


def cmd_architectures(args) -> int:
    shapes = list(all_shapes(args.budget, max_depth=args.max_depth)) if args.all else constant_width_shapes(args.budget)
    print(f"{'arch':>12} {'depth':>5} {'params':>7} {'weights':>7} {'biases':>6}")
    for arch in shapes:
        c = arch.parameter_count()
        print(f"{arch.name:>12} {arch.depth:>5} {c.total:>7} {c.weights:>7} {c.biases:>6}")
    print(f"{len(shapes)} shapes with {args.budget} hidden neurons")
    return 0


def cmd_hand_built(args) -> int:
    from .errors import ArchitectureError
    from .nets.construct import VARIANTS, hand_built, plan
    from .nets.metrics import score
    from .nets.onnx_io import export_onnx

    archs = args.arch or [a.name for a in constant_width_shapes(args.budget)]
    variants = [args.variant] if args.variant else list(VARIANTS)
    print(f"{'arch':>8} {'variant':>8} {'cells u/v':>10} {'bound':>10} {'max_err':>10} {'mae':>10}   (grid {args.grid}x{args.grid})")
    for name in archs:
        for variant in variants:
            try:
                p = plan(name, variant)
            except ArchitectureError as exc:
                if not args.fitting_only:
                    print(f"{name:>8} {variant:>8}   does not fit: {str(exc).split(': ', 1)[-1]}")
                continue
            net = hand_built(name, variant)
            s = score(net, n=args.grid)
            cells = f"{p.cells('u')}/{p.cells('v')}"
            print(f"{name:>8} {variant:>8} {cells:>10} {p.error_bound:>10.3e} {s.max_error:>10.3e} {s.mae:>10.3e}")
            if args.export:
                export_onnx(net, args.export / f"{name}-hand-built-{variant}.onnx", metadata={"error_bound": p.error_bound})
    if args.save_models:
        from .experiments.zoo_store import save_hand_built

        saved = save_hand_built(archs, args.save_models, variants=variants)
        print(f"saved {len(saved)} hand-built nets to {args.save_models}/ (manifest.json updated)")
    return 0


def _executor_config(args):
    from .executors import ExecutorConfig

    dask = bool(args.dask or args.scheduler)
    return ExecutorConfig(kind="dask" if dask else "local", workers=args.workers, scheduler=args.scheduler)


@contextlib.contextmanager
def _stdout_to_stderr():
    """Send everything written to stdout (this process's and its workers') to stderr for a while."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def _log_to_stderr(command: str, level: int):
    """Show the package's log records (unit reuse, damaged cache entries) on stderr while a command runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"surrogate {command}: %(message)s"))
    logger = logging.getLogger("surrogate")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM during a sweep."""


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """While a sweep runs, treat SIGTERM like Ctrl-C: stop the workers, unlock the folder, keep finished units."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _units_line(units, out: Path) -> str:
    damaged = f", {units.damaged} damaged cache entr{'y' if units.damaged == 1 else 'ies'} recomputed" if units.damaged else ""
    return f"units: {units.computed} computed, reused {units.reused} units from {out / 'cache'}{damaged}"


def cmd_sweep(args) -> int:
    from .experiments.sweep import run_sweep
    from .experiments.zoo_store import save_models

    config = sweep_config_from_args(args)
    executor = _executor_config(args)
    start = time.perf_counter()
    quiet = args.quiet > 0
    try:
        with _sigterm_as_interrupt(), _log_to_stderr("sweep", logging.WARNING if quiet else logging.INFO), (
            _stdout_to_stderr() if args.json else contextlib.nullcontext()
        ):
            result = run_sweep(config, args.out, progress=not quiet, executor=executor, fresh=args.fresh)
            saved = save_models(result, args.save_models) if args.save_models else None
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        print(
            f"surrogate sweep: {'terminated' if terminated else 'interrupted'}; finished units are kept in "
            f"{args.out / 'cache'}, so the same command resumes the sweep (add --fresh to start over)",
            file=sys.stderr,
        )
        return 128 + signal.SIGTERM if terminated else 130
    wall = time.perf_counter() - start
    if args.json:
        payload = {
            "out": str(args.out),
            "wall_time_s": wall,
            "units": result.units.to_dict(),
            "rows": json.loads(result.table.to_json(orient="records")),
        }
        print(json.dumps(payload))
        return 0
    if args.quiet > 1:
        return 0
    if saved is not None:
        print(f"saved {len(saved)} nets to {args.save_models}/ (manifest.json updated)")
    print(
        f"\nsweep: {len(config.architectures)} shapes x {len(config.seeds)} seeds, protocol "
        f"{config.protocol.describe()}, formulation {config.formulation}, "
        f"{config.instances} reference instances per net, HiGHS time limit {config.solver.time_limit:g} s, "
        f"{config.solver.threads} thread(s); ran on {executor.describe()}"
    )
    print(result.render())
    print(
        "source: trained, or hand-built yardstick (paired = one carry per square, shared = one carry). "
        "mae/mse/max_err: 401x401 grid of [-1,1]^2, for the seed selected on validation points (best) and the "
        "median over seeds; solve_*: HiGHS time on the reference problem min N(x,y)+ax+by with the selected net; "
        "opt_err: true regret of the surrogate's minimiser; blog_mae: 2021 blog, row labels corrected (its MSE "
        "column is not self-consistent and is not quoted)."
    )
    print(_units_line(result.units, args.out))
    print(f"results in {args.out}/ (table.csv, table.json, nets.csv, solves.csv, nets/*.onnx); wall time {wall:.1f} s")
    return 0


def cmd_bench_training(args) -> int:
    from .train.bench import bench_training

    archs = args.arch or [a.name for a in constant_width_shapes(args.budget)]
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
    print(f"naive loop (nn.Sequential + autograd + torch.optim.Adam, one net at a time, one process): {result.naive_s:.1f} s ({how})")
    print(f"surrogate trainer (packed, batched, {result.workers or 'all'} worker process(es)): {result.trainer_s:.1f} s (measured)")
    print(f"speed-up: {result.speedup:.1f}x")
    return 0


def cmd_bench_ablation(args) -> int:
    from .files import write_text
    from .literature import blog_mae
    from .train.bench import ablation_steps, ablation_table, bench_ablation

    archs = args.arch or [a.name for a in constant_width_shapes(args.budget)]
    steps = ablation_steps()
    if args.steps:
        bad = [k for k in args.steps if k > len(steps)]
        if bad:
            raise ConfigError(f"--steps {bad[0]} does not exist; the ablation has steps 1..{len(steps)}")
        steps = [steps[k - 1] for k in args.steps]
    log = (lambda label, s: print(f"  {label}: {s:.0f} s", file=sys.stderr)) if not args.quiet else None
    rows = bench_ablation(archs, list(range(args.seeds)), workers=args.workers, steps=steps, progress=log)
    fmt = lambda v: "-" if v != v else f"{v:.2e}"  # noqa: E731 (nan -> '-')
    best, median = ablation_table(rows, "mae_best"), ablation_table(rows, "mae_median")
    blog = {a: blog_mae(a) for a in best.columns}
    print(f"grid MAE of the seed selected on validation points ({args.seeds} seeds per shape):")
    print(best.to_string(float_format=fmt))
    print("blog (2021, labels corrected): " + ", ".join(f"{a} {v:.2g}" for a, v in blog.items() if v))
    print(f"\nmedian grid MAE over the {args.seeds} seeds:")
    print(median.to_string(float_format=fmt))
    if args.out:
        name = "ablation.csv" if not args.steps else "ablation-steps-" + "-".join(map(str, args.steps)) + ".csv"
        write_text(args.out / name, rows.to_csv(index=False))
        print(f"rows written to {args.out / name}")
    return 0


def _solve_bench_config(args):
    from .experiments.solve_bench import SolveBenchConfig
    from .milp.solver import SolverConfig

    options = {"workers": args.workers}
    for name in ("nets", "pooling", "baselines", "random_sizes"):
        if getattr(args, name) is not None:
            options[name] = tuple(getattr(args, name))
    if args.budget is not None:
        options["budget"] = args.budget
    if args.instances is not None:
        options["instances"] = args.instances
    if args.time_limit is not None or args.rel_gap is not None:
        base = SolveBenchConfig.quick() if args.quick else SolveBenchConfig()
        options["solver"] = SolverConfig(
            time_limit=args.time_limit or base.solver.time_limit,
            rel_gap=base.solver.rel_gap if args.rel_gap is None else args.rel_gap,
        )
    return SolveBenchConfig.quick(**options) if args.quick else SolveBenchConfig(**options)


def cmd_bench_solve_time(args) -> int:
    from .experiments.solve_bench import run_solve_bench

    config = _solve_bench_config(args)
    result = run_solve_bench(config, progress=not args.quiet)
    if args.out:
        result.write(args.out, command="surrogate " + " ".join(sys.argv[1:] if args.argv is None else args.argv))
    print(result.render())
    if args.out:
        print(f"tables in {args.out}/ (bounds, solves, growth, speedups, baselines, encodings .csv; config.json)")
    print(result.headline())
    return 0


def cmd_bounds(args) -> int:
    import pandas as pd

    from .experiments.zoo_store import store_bounds
    from .milp.bilinear import resolve_surrogate
    from .milp.bounds import BOUND_METHODS, compute_bounds

    if args.store_zoo:
        rows = store_bounds(args.store_zoo, time_limit=args.time_limit)
        print(f"bounds of {len({r['name'] for r in rows})} nets stored in their ONNX files in {args.store_zoo}/")
    else:
        rows = []
        for name in args.nets or ["3x8"]:
            net = resolve_surrogate(name)
            for method in BOUND_METHODS:
                rows.append({"name": name, **compute_bounds(net, method, time_limit=args.time_limit).summary()})
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print("stable_active: linear in the MILP; stable_inactive: removed; unstable: one binary each; "
          "bigm_width: sum of u - l over unstable neurons (seconds: computed fresh here)")
    return 0


def cmd_problems(args) -> int:
    """Run every named problem and ``--qcqp`` file through each surrogate and formulation; print and write the table.

    Returns 0, or 1 when a run crashed (its row says how; the others are still written).
    """
    from .experiments.problem_runs import BUDGET_FACTOR, ProblemRunConfig
    from .milp.solver import SolverConfig

    built = _problems_to_run(args.names, args.qcqp or [])
    config = ProblemRunConfig(
        solver=SolverConfig(time_limit=args.time_limit, rel_gap=1e-6, threads=args.threads),
        scip=not args.no_scip,
        scip_time_limit=args.time_limit,
        budget=args.budget if args.budget is not None else BUDGET_FACTOR * args.time_limit,
        error_aware=args.error_aware,
        polish_restarts=args.polish_restarts,
    )
    rows = _run_problems(built, args, config)
    table = _print_problems_table(rows, extended=bool(args.qcqp))
    summary = _print_problems_summary(table) if args.qcqp else None
    if args.out:
        _write_problem_results(args.out, table, summary)
    return 1 if any(r["status"] == "crashed" for r in rows) else 0


def _problems_to_run(names: list[str], qcqp_paths: list[Path]) -> list:
    """Build the named problems, then every ``qcqp-json-v1`` file given (a folder stands for its ``*.json``)."""
    try:
        from problems import POOLING_INSTANCES, build, qcqp
    except ImportError as exc:  # pragma: no cover - the package ships both
        raise ConfigError(f"the 'problems' package is missing ({exc}); reinstall with 'pip install -e .'") from None
    if not names and not qcqp_paths:
        raise ConfigError("no problems given; name some (e.g. 'pooling') or pass --qcqp FILE|FOLDER ...")
    files = []
    for path in qcqp_paths:
        found = sorted(path.glob("*.json")) if path.is_dir() else [path]
        if not found:
            raise ConfigError(f"--qcqp {path} is a folder without .json files; pass qcqp-json-v1 files or their folder")
        files += found
    try:
        built = [build(n) for name in names for n in (POOLING_INSTANCES if name == "pooling" else [name])]
        return built + [qcqp(path) for path in files]
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _run_problems(built: list, args, config) -> list[dict]:
    """One row per problem, surrogate and formulation; a run that raises becomes a ``crashed`` row."""
    import traceback

    from .experiments.problem_runs import empty_row, run_problem
    from .milp.bilinear import resolve_surrogate

    nets = {arch: resolve_surrogate(arch) for arch in args.arch or ["3x8"]}  # a bad name stops here, before any run
    rows = []
    for problem in built:
        for arch, net in nets.items():
            for formulation in args.formulation or [DEFAULT_FORMULATION]:
                try:
                    rows.append(run_problem(problem, net, arch=arch, formulation=formulation, config=config))
                except Exception as exc:  # one bad run must not lose the others: record it and go on
                    last = traceback.extract_tb(exc.__traceback__)[-1]
                    message = f"{type(exc).__name__}: {' '.join(str(exc).split())} ({Path(last.filename).name}:{last.lineno})"
                    rows.append(empty_row(problem.name, arch, formulation, status="crashed", message=message, budget=config.budget_s))
                if not args.quiet:
                    r = rows[-1]
                    print(
                        f"  {r['problem']} {arch} {formulation}: MILP {r['milp_time_s']:.2f} s {r['termination']}, "
                        f"polished {r['polished_objective']:.6g} (optimum {r['optimum']}), rel gap {r['rel_gap']:.2e}"
                        + (f", {r['status']}: {r['message']}" if r["status"] != "ok" else ""),
                        file=sys.stderr,
                    )
    return rows


def _print_problems_table(rows: list[dict], *, extended: bool):
    """Print the results table (``extended``: with status, stage times and budget), then any run's message."""
    import math

    import pandas as pd

    from .experiments.problem_runs import RUN_COLUMNS

    table = pd.DataFrame(rows)
    hidden = ["violation_before", "violation_after", "scip_termination", "polish_status", "optimum_source"]
    hidden += ["message", "implied_bounds", "polish_method", "tighten_s", "relax_s", "polish_s"] if extended else list(RUN_COLUMNS)
    shown = table.drop(columns=hidden)
    print(shown.to_string(index=False, float_format=lambda v: "-" if math.isnan(v) else f"{v:.6g}"))
    for row in rows:
        if extended and row["message"]:
            print(f"{row['problem']} ({row['arch']}, {row['formulation']}): {row['status']}: {row['message']}")
    return table


def _print_problems_summary(table) -> dict:
    """Print the counts of :func:`~surrogate.experiments.problem_runs.summarize`, overall and per family; return them."""
    from problems.qcqp import family

    from .experiments.problem_runs import BUDGET_MARGIN, FEASIBILITY_TOL, OPTIMAL_GAP, summarize

    totals, by_family = summarize(table, family)
    print(
        f"\n{totals['runs']} runs: {totals['feasible']} feasible (violation <= {FEASIBILITY_TOL:g}), "
        f"{totals['optimal']} within {OPTIMAL_GAP:g} of the optimum, {totals['refused']} refused, "
        f"{totals['crashed']} crashed, {totals['surrogate_infeasible']} surrogate-infeasible, "
        f"{totals['over_budget']} over budget + {BUDGET_MARGIN:.0%}"
    )
    print(by_family.to_string(index=False))
    return {"totals": totals, "by_family": by_family.to_dict(orient="records")}


def _write_problem_results(out: Path, table, summary: dict | None) -> None:
    """Write results.csv and results.json (and summary.json) into ``out``, each atomically."""
    from .files import write_text

    write_text(out / "results.csv", table.to_csv(index=False))
    write_text(out / "results.json", table.to_json(orient="records", indent=1))
    if summary is not None:
        write_text(out / "summary.json", json.dumps(summary, indent=1) + "\n")
    print(f"results in {out}/ (results.csv, results.json{', summary.json' if summary is not None else ''})")


def cmd_report(args) -> int:
    from .report.build import ReportOptions, write_report

    rows = {} if args.max_rows is None else {"max_rows": args.max_rows}  # None: ReportOptions' default
    report = write_report(args.results, args.out, options=ReportOptions(heatmaps=not args.no_heatmaps, **rows))
    print(f"report written to {report.path} ({len(report.figures) // 2} figures, PNG and SVG, in {report.path.parent / 'figures'}/)")
    return 0


def _add_params_command(sub) -> None:
    p = sub.add_parser("params", help="parameter count of an MLP from its layer sizes")
    p.add_argument("sizes", nargs="+", type=int, help="all layer sizes, input first (e.g. 784 16 16 10)")
    p.add_argument("--no-bias", action="store_true", help="count weights only")
    p.set_defaults(func=cmd_params)


def _add_architectures_command(sub) -> None:
    p = sub.add_parser("architectures", help="list the shapes of a neuron budget")
    p.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET)
    p.add_argument("--all", action="store_true", help="add non-uniform shapes up to --max-depth")
    p.add_argument("--max-depth", type=positive_int, default=3)
    p.set_defaults(func=cmd_architectures)


def _add_hand_built_command(sub) -> None:
    p = sub.add_parser("hand-built", help="the hand-built nets: cells, closed-form bound and grid errors")
    p.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET)
    p.add_argument("--arch", action="append", help="shape (repeatable); default: constant-width shapes of --budget")
    p.add_argument("--variant", choices=["paired", "shared"], help="one construction only (default: both)")
    p.add_argument("--grid", type=positive_int, default=2001, help="grid points per axis for the errors")
    p.add_argument("--fitting-only", action="store_true", help="hide shapes the construction does not fit")
    p.add_argument("--export", type=Path, metavar="DIR", help="also export each net to DIR as ONNX")
    p.add_argument("--save-models", type=Path, metavar="DIR", help="add the useful nets (max error < 1/4) to a model zoo")
    p.set_defaults(func=cmd_hand_built)


def _add_sweep_command(sub) -> None:
    p = sub.add_parser("sweep", help="train, export, encode and solve every shape of a budget")
    add_sweep_arguments(p)
    p.set_defaults(func=cmd_sweep)


def _add_problems_command(sub) -> None:
    p = sub.add_parser("problems", help="bilinear problems solved through surrogates, polished, and bounded")
    p.add_argument("names", nargs="*", help="pooling instances (or 'pooling' for all 14), randomN[-sS], spar... BoxQP")
    p.add_argument("--qcqp", nargs="+", type=Path, metavar="FILE", help="qcqp-json-v1 files or folders of them; adds status, stage times and per-family counts")
    p.add_argument("--arch", action="append", help="zoo shape or model name (repeatable; default 3x8)")
    p.add_argument("--formulation", action="append", choices=list(FORMULATIONS), help="repeatable; default pruned (tightened bounds, stable neurons removed)")
    p.add_argument("--time-limit", type=positive_float, default=60.0, help="seconds per MILP (warm start included) / SCIP solve")
    p.add_argument("--budget", type=positive_float, help="seconds for tightening + start + MILP + relaxation + polish of one run (default 1.5 x --time-limit; SCIP not included)")
    p.add_argument("--error-aware", action="store_true", help="widen each product by its surrogate's error (replace_products(error_aware=True))")
    p.add_argument("--polish-restarts", type=whole_number, default=DEFAULT_RESTARTS,
                   help=f"NLPs from random points after the other polish methods, time allowing (default {DEFAULT_RESTARTS}; 0: off)")
    p.add_argument("--threads", type=positive_int, default=1)
    p.add_argument("--no-scip", action="store_true", help="skip the SCIP reference solve")
    p.add_argument("--out", type=Path, help="folder for results.csv and results.json (and summary.json with --qcqp)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_problems)


def _add_bounds_command(sub) -> None:
    p = sub.add_parser("bounds", help="stable/unstable neurons and big-M width of nets by bound method (interval, lp, milp)")
    p.add_argument("nets", nargs="*", help="zoo names or ONNX paths (default 3x8)")
    p.add_argument("--time-limit", type=positive_float, default=1.0, help="seconds per MILP of the bound tightening")
    p.add_argument("--store-zoo", type=Path, metavar="ZOO_DIR", help="compute and store the bounds of every net in a zoo")
    p.set_defaults(func=cmd_bounds)


def _add_report_command(sub) -> None:
    p = sub.add_parser("report", help="a Markdown report with figures of sweep and solve-time benchmark folders")
    p.add_argument("results", nargs="+", type=Path, metavar="RESULTS_DIR", help="a sweep (--out) or solve-time benchmark folder")
    p.add_argument("--out", type=Path, metavar="FILE", help="report file (default RESULTS_DIR/report.md); figures go beside it")
    p.add_argument("--no-heatmaps", action="store_true", help="leave out the error heat map of every selected net")
    # no default here: ReportOptions holds it (and importing the report's plotting would slow every command)
    p.add_argument("--max-rows", type=positive_int, help="longest CSV table shown in full")
    p.set_defaults(func=cmd_report)


def _add_bench_training_command(bench) -> None:
    p = bench.add_parser("training", help="the project's trainer vs the textbook one-net-at-a-time loop, side by side")
    p.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET)
    p.add_argument("--arch", action="append", help="shape (repeatable); default: constant-width shapes of --budget")
    p.add_argument("--protocol", default=DEFAULT_PROTOCOL, choices=sorted(PROTOCOLS))
    p.add_argument("--epochs", type=positive_int, help="override the protocol's epochs")
    p.add_argument("--seeds", type=positive_int, default=DEFAULT_SEEDS)
    p.add_argument("--naive-epochs", type=positive_int, default=2, help="epochs of the naive loop timed per net")
    p.add_argument("--naive-seeds", type=positive_int, default=1, help="nets per shape timed with the naive loop")
    p.add_argument("--naive-full", action="store_true", help="time the naive loop on the whole work (slow)")
    p.add_argument("--workers", type=positive_int, help="trainer processes (default: one per core)")
    p.set_defaults(func=cmd_bench_training)


def _add_bench_ablation_command(bench) -> None:
    p = bench.add_parser("ablation", help="which ingredients of the 'best' protocol matter, shape by shape")
    p.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET)
    p.add_argument("--arch", action="append", help="shape (repeatable); default: constant-width shapes of --budget")
    p.add_argument("--seeds", type=positive_int, default=DEFAULT_SEEDS)
    p.add_argument("--workers", type=positive_int, help="trainer processes (default: one per core)")
    p.add_argument("--steps", type=positive_int, nargs="+", help="run only these steps (1-based, in the listed order)")
    p.add_argument("--out", type=Path, help="folder for ablation.csv (ablation-steps-....csv with --steps)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_bench_ablation)


def _scientific(value: float) -> str:
    """``value`` in short scientific notation: ``1e-4`` for 0.0001."""
    mantissa, exponent = f"{value:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


def _add_bench_solve_time_command(bench) -> None:
    default, quick = default_of(SolveBenchConfig, "solver"), QUICK_SETTINGS
    sizes = default_of(SolveBenchConfig, "random_sizes")
    p = bench.add_parser(
        "solve-time", help="OMLT default vs tightened+pruned encodings, classic baselines, cost growth; one run"
    )
    problems = len(quick["random_sizes"]) + len(quick["pooling"])
    p.add_argument("--quick", action="store_true", help=f"a smoke run: {len(quick['nets'])} nets, {problems} small problems, "
                                                        f"{quick['solver'].time_limit:g} s limit (about 30 s)")
    p.add_argument("--out", type=Path, help="folder for the tables (CSV) and config.json")
    p.add_argument("--budget", type=positive_int, help=f"zoo nets b<budget>-best-<shape> (default {default_of(SolveBenchConfig, 'budget')})")
    p.add_argument("--nets", nargs="+", help="zoo names or ONNX paths instead of the budget's best nets")
    p.add_argument("--random-sizes", type=positive_int, nargs="+",
                   help=f"products in the random family (default {' '.join(map(str, sizes[:3]))} ... {sizes[-1]})")
    p.add_argument("--pooling", nargs="+", help="pooling instances (default: all 14)")
    p.add_argument("--baselines", nargs="*", help="sawtooth-N, nmdt-N, pw-mccormick-N, pwl-NxN (default: 24-binary ones)")
    p.add_argument("--instances", type=int, help="reference instances per approximation (0 to skip)")
    p.add_argument("--time-limit", type=positive_float,
                   help=f"HiGHS seconds per problem (default {default.time_limit:g}; {quick['solver'].time_limit:g} with --quick)")
    p.add_argument("--rel-gap", type=float, help=f"HiGHS relative gap (default {_scientific(default.rel_gap)})")
    p.add_argument("--workers", type=positive_int, default=default_of(SolveBenchConfig, "workers"),
                   help="solver processes, one HiGHS thread each")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_bench_solve_time, argv=None)


def _add_bench_commands(sub) -> None:
    bench = sub.add_parser("bench", help="benchmarks (not timed tests)").add_subparsers(dest="benchmark", required=True)
    _add_bench_training_command(bench)
    _add_bench_ablation_command(bench)
    _add_bench_solve_time_command(bench)


#: Every subcommand, in the order ``surrogate --help`` lists them.
_COMMANDS = (
    _add_params_command, _add_architectures_command, _add_hand_built_command, _add_sweep_command,
    _add_problems_command, _add_bounds_command, _add_report_command, _add_bench_commands,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``surrogate`` command's parser: one subcommand per ``_add_*_command`` function."""
    parser = argparse.ArgumentParser(
        prog="surrogate",
        description="Shape budget-sized ReLU nets for x*y: approximation error vs MILP solve time.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for add_command in _COMMANDS:
        add_command(sub)
    return parser


def _os_error_message(exc: OSError) -> str:
    """One line for a failed file operation: what failed, on which path, and what to check."""
    paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    what = exc.strerror or str(exc)
    return f"{what}{': ' + paths if paths else ''}; check that the path exists, is of the right kind and that you may use it"


def _error_message(exc: BaseException) -> str | None:
    """The one-line message for an expected failure, or ``None`` for a bug (which keeps its traceback)."""
    if isinstance(exc, SurrogateError):
        return str(exc)
    if isinstance(exc, OSError):
        return _os_error_message(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"an input file is not UTF-8 text ({exc}); check the files you passed"
    if isinstance(exc, BrokenProcessPool):
        return (
            "a worker process died (out of memory, or killed); run the command again (a sweep resumes from its "
            "finished units), with fewer --workers if memory is short"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the ``surrogate`` command; every expected failure is one line ``surrogate CMD: error: ...`` and exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "argv"):
        args.argv = argv
    try:
        check_outputs(args)
        return args.func(args)
    except KeyboardInterrupt:
        print(f"surrogate {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        message = _error_message(exc)
        if message is None:
            raise
        print(f"surrogate {args.command}: error: {' '.join(message.split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
