"""The jobs of ``surrogate bench solve-time`` (:mod:`~surrogate.experiments.solve_bench`): every net's bounds,
timed (:func:`bounds_table`), and every MILP of the run (:func:`plan_jobs`), solved on an executor
(:func:`run_jobs`, one :func:`run_job` each).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from ..executors import ExecutorConfig, open_executor
from ..milp.baselines import parse_baseline
from ..milp.bilinear import replace_products
from ..milp.bounds import BOUND_METHODS, attach_bounds, compute_bounds
from ..milp.solver import SolverConfig, Termination
from ..milp.warmstart import solve_with_start, start_config
from .problem_package import problems_package
from .solve_bench_config import ENCODINGS, SolveBenchConfig

# --- bounds ---------------------------------------------------------------------------------------


def bounds_table(nets: dict, *, obbt_time_limit: float, obbt_node_limit: int) -> tuple[pd.DataFrame, dict]:
    """Bounds of every net by every method, computed fresh (not read from the files) and timed.

    Returns the table and, per net, the net carrying its fresh MILP bounds
    (so the solves below use exactly what was timed here).

    Parameters
    ----------
    nets
        The run's nets by name.
    obbt_time_limit
        Seconds of each LP or MILP solve of the OBBT methods.
    obbt_node_limit
        Branch-and-bound nodes of each OBBT MILP.
    """
    rows, tightened = [], {}
    for name, net in nets.items():
        net = replace(net, metadata={k: v for k, v in net.metadata.items() if k != "bounds"})
        for method in BOUND_METHODS:
            b = compute_bounds(net, method, time_limit=obbt_time_limit, node_limit=obbt_node_limit)
            rows.append({"net": name, "arch": net.architecture.name, "depth": net.architecture.depth, **b.summary()})
            if method == "milp":
                tightened[name] = (attach_bounds(net, b), b.seconds)
    return pd.DataFrame(rows), tightened


# --- solving --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SolveJob:
    """One MILP: a problem, an approximation and (for nets) an encoding."""

    family: str
    problem: str
    approx: str
    encoding: str
    net: object = None  # the ReluMLP for nets, None for baselines


def _problem(name: str):
    problems = problems_package()

    return problems.build(name)


def run_job(job: SolveJob, config: SolverConfig, patience: float = 0.0, clock: str = "wall") -> dict:
    """Build the problem, replace its products, (warm-start and) solve; one row of ``solves.csv``.

    With a warm start (its ``patience`` and ``clock``: :func:`~surrogate.milp.warmstart.start_config`), its
    seconds count in ``wall_time`` and come off HiGHS's time limit, so every encoding gets the same wall-clock budget.

    Parameters
    ----------
    job
        The MILP to solve.
    config
        How it is solved (a :class:`~surrogate.milp.solver_config.SolverConfig`).
    patience
        The warm start's patience, seconds.
    clock
        The warm start's clock, ``'wall'`` or ``'cpu'``.
    """
    problem = _problem(job.problem)
    model = problem.model
    start = time.perf_counter()
    approx = parse_baseline(job.approx) if job.net is None else job.net
    formulation, seed = ENCODINGS.get(job.encoding, ("pruned", None))
    report = replace_products(model, approx, formulation=formulation)
    build_s = time.perf_counter() - start
    start = start_config(config, seed=seed, patience=patience, clock=clock) if seed else None
    result, found = solve_with_start(model, report, config, start=start)
    return {
        "family": job.family,
        "instance": job.problem,
        "products": report.n_products,
        "approx": job.approx,
        "encoding": job.encoding,
        "build_s": build_s,
        **result.to_dict(),
        **found.to_dict(),
        "time_limit_hit": result.termination == Termination.TIME_LIMIT,
    }


def run_jobs(
    jobs: Sequence[SolveJob],
    config: SolverConfig,
    executor: ExecutorConfig | None,
    progress: Callable | None,
    start: tuple[float, str] = (0.0, "wall"),
) -> list[dict]:
    """Run every job on ``executor`` (local workers exit with this process; no ``__main__`` guard needed).

    ``start`` is the warm start's ``(patience, clock)`` (see :func:`run_job`).

    Parameters
    ----------
    jobs
        The MILPs to solve (:func:`plan_jobs`).
    config
        How each is solved.
    executor
        Where they run (``None``: local workers).
    progress
        Optional callable, called with each finished job.
    start
        The warm start's ``(patience, clock)``.
    """
    rows = []
    with open_executor(executor) as runner:
        futures = {runner.submit(run_job, job, config, *start): job for job in jobs}
        for future in runner.as_completed(futures):
            rows.append(future.result())
            if progress:
                progress(futures[future])
    return rows


def plan_jobs(config: SolveBenchConfig, nets: dict) -> list[SolveJob]:
    """Every (problem, net, encoding) and (small problem, baseline) solve of the run.

    Parameters
    ----------
    config
        The run's :class:`~surrogate.experiments.solve_bench_config.SolveBenchConfig`.
    nets
        The run's nets by name.
    """
    problems = [("random", f"random{n}-s{config.random_seed}", n) for n in config.random_sizes]
    problems += [("pooling", name, _problem(name).info["bilinear_terms"]) for name in config.pooling]
    jobs = [
        SolveJob(family, name, net_name, encoding, net)
        for family, name, terms in problems
        for net_name, net in nets.items()
        for encoding in config.encodings
        if encoding != "omlt-partition" or terms <= config.partition_max_products
    ]
    jobs += [
        SolveJob(family, name, baseline, "baseline")
        for family, name, terms in problems
        if terms <= config.baseline_max_products
        for baseline in config.baselines
    ]
    # Longest first keeps both workers busy to the end: bigger problems first.
    terms = {name: t for _, name, t in problems}
    return sorted(jobs, key=lambda j: -terms[j.problem])
