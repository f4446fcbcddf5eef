"""``surrogate sweep``: train, export, encode and solve every shape of a budget, then print or dump the table."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from pathlib import Path

from ..executor_args import executor_config
from .console import log_to_stderr, stdout_to_stderr, stopped

#: What the sweep's table columns mean, printed under it.
TABLE_LEGEND = (
    "source: trained, or hand-built yardstick (paired = one carry per square, shared = one carry). "
    "mae/mse/max_err: 401x401 grid of [-1,1]^2, for the seed selected on validation points (best) and the "
    "median over seeds; solve_*: HiGHS time on the reference problem min N(x,y)+ax+by with the selected net; "
    "opt_err: true regret of the surrogate's minimiser; blog_mae: 2021 blog, row labels corrected (its MSE "
    "column is not self-consistent and is not quoted)."
)


def units_line(units, out: Path) -> str:
    """One line on the sweep's units: computed, reused from ``out``'s cache, damaged entries recomputed."""
    damaged = f", {units.damaged} damaged cache entr{'y' if units.damaged == 1 else 'ies'} recomputed" if units.damaged else ""
    return f"units: {units.computed} computed, reused {units.reused} units from {out / 'cache'}{damaged}"


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the sweep of the parsed options and print its table (or one JSON document with ``--json``).

    Returns 0, or 130 (Ctrl-C) / 143 (SIGTERM) when stopped early; finished units stay in the cache.
    """
    from ..experiments.sweep import run_sweep
    from ..experiments.sweep_args import sweep_config_from_args
    from ..experiments.zoo_store import save_models

    config = sweep_config_from_args(args)
    executor = executor_config(args)
    start = time.perf_counter()
    quiet = args.quiet > 0
    try:
        with (  # SIGTERM raises Terminated here: main() holds sigterm_as_interrupt around every command
            log_to_stderr("sweep", logging.WARNING if quiet else logging.INFO),
            stdout_to_stderr() if args.json else contextlib.nullcontext(),
        ):
            result = run_sweep(config, args.out, progress=not quiet, executor=executor, fresh=args.fresh)
            saved = save_models(result, args.save_models) if args.save_models else None
    except KeyboardInterrupt as exc:
        how, code = stopped(exc)
        print(
            f"surrogate sweep: {how}; finished units are kept in "
            f"{args.out / 'cache'}, so the same command{' without --fresh' if args.fresh else ''} resumes the sweep"
            f"{'' if args.fresh else ' (add --fresh to start over)'}",
            file=sys.stderr,
        )
        return code
    wall = time.perf_counter() - start
    if args.json:
        payload = {"out": str(args.out), "wall_time_s": wall, "units": result.units.to_dict()}
        print(json.dumps({**payload, "rows": json.loads(result.table.to_json(orient="records"))}))
    elif args.quiet <= 1:
        print(_sweep_summary(args, config, executor, result, saved, wall))
    return 0


def _sweep_summary(args: argparse.Namespace, config, executor, result, saved: list | None, wall: float) -> str:
    """What was saved, what ran where, the table with its legend, the units and where the results are."""
    lines = [f"saved {len(saved)} nets to {args.save_models}/ (manifest.json updated)"] if saved is not None else []
    lines.append(
        f"\nsweep: {len(config.architectures)} shapes x {len(config.seeds)} seeds, protocol "
        f"{config.protocol.describe()}, formulation {config.formulation}, "
        f"{config.instances} reference instances per net, HiGHS time limit {config.solver.time_limit:g} s, "
        f"{config.solver.threads} thread(s); ran on {executor.describe()}"
    )
    lines += [result.render(), TABLE_LEGEND, units_line(result.units, args.out)]
    lines.append(f"results in {args.out}/ (table.csv, table.json, nets.csv, solves.csv, nets/*.onnx); wall time {wall:.1f} s")
    return "\n".join(lines)
