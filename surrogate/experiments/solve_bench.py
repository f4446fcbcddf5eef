"""``surrogate bench solve-time``: encodings, bounds and classic baselines, side by side in one run.

One run produces four tables (each also written as CSV):

``bounds``
    Per net and bound method: stable/unstable neurons, total big-M width,
    seconds to compute.
``solves`` (the growth table's rows)
    Every (problem, approximation, encoding) MILP: size, HiGHS time, nodes,
    gap, termination, and whether the time limit was hit. Problems are the
    random bilinear family (1..64 products) and the pooling instances.
``speedups``
    Per problem and net of depth >= 3: OMLT's default big-M time over the
    ``pruned`` time (warm start and tightening time included, see
    :func:`speedup_table`), and the same ratio for ``pruned-cold``.
``baselines``
    Per approximation (the zoo nets and the classic MIP approximations of
    x*y): binaries per product, worst-case and mean error, error per binary,
    and solve times on the reference instances and the problems.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..files import write_text
from ..milp.baselines import is_baseline, parse_baseline
from ..milp.bilinear import DEFAULT_ZOO, bilinear, replace_products, resolve_surrogate
from ..milp.bounds import BOUND_METHODS, attach_bounds, compute_bounds, net_bounds
from ..milp.solver import SolverConfig, Termination, make_solver, solve
from ..milp.warmstart import solve_with_start, start_config
from ..nets.architecture import constant_width_shapes
from ..nets.metrics import score
from ..options import default_of
from .reference_problem import reference_instances
from .sweep import SweepConfig

#: Encodings compared, as (formulation, warm start): OMLT's defaults (interval bounds, a
#: binary per ReLU), and the pruned big-M with its envelope planes, started by
#: :func:`~surrogate.milp.warmstart.activation_start` (``pruned``) or not (``pruned-cold``).
ENCODINGS = {
    "omlt-bigm": ("bigm", False), "omlt-partition": ("partition", False),
    "pruned": ("pruned", True), "pruned-cold": ("pruned", False),
}
ANCHOR, CANDIDATE, COLD = "omlt-bigm", "pruned", "pruned-cold"
DEFAULT_BASELINES = ("sawtooth-24", "nmdt-24", "pw-mccormick-24", "pwl-17x17", "pwl-33x33")
#: Seed of the reference instances of every approximation: the sweep's default one.
REFERENCE_SEED: int = default_of(SweepConfig, "instance_seed")
#: Their solves use the sweep's default HiGHS gap, and its time limit at most.
REFERENCE_SOLVER: SolverConfig = default_of(SweepConfig, "solver")
#: What :meth:`SolveBenchConfig.quick` changes: two shapes, three small problems, a 5 s limit.
QUICK_SETTINGS = MappingProxyType({
    "nets": ("b24-best-3x8", "b24-best-6x4"), "random_sizes": (1, 4), "pooling": ("haverly1",),
    "baselines": ("sawtooth-24", "pwl-9x9"), "instances": 3, "solver": SolverConfig(time_limit=5.0, rel_gap=1e-4),
})


@dataclass(frozen=True)
class SolveBenchConfig:
    """What ``surrogate bench solve-time`` runs.

    Parameters
    ----------
    budget
        Hidden-neuron budget; its constant-width shapes are taken from the zoo
        as ``b<budget>-best-<shape>`` unless ``nets`` names others.
    nets
        Zoo names or ONNX paths to use instead.
    random_sizes
        Products in the random bilinear family (seed ``random_seed``).
    pooling
        Pooling instances.
    encodings
        Keys of :data:`ENCODINGS`.
    baselines
        Classic approximations (``sawtooth-24``, ``pwl-17x17``...).
    baseline_max_products
        Baselines are solved on the problems with at most this many products.
    partition_max_products
        OMLT's partition formulation (the slowest to build and solve) only on
        problems with at most this many products, to keep a full run near 20 minutes.
    instances
        Reference instances (``min x*y + a x + b y`` on a box) per approximation.
    solver
        HiGHS settings of every problem solve (the time limit is explicit).
    obbt_time_limit
        Cap per neuron of the MILP-based bound tightening.
    workers
        Solver processes (each solve uses ``solver.threads`` threads).
    """

    budget: int = 24
    nets: tuple[str, ...] = ()
    random_sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    random_seed: int = 0
    pooling: tuple[str, ...] = ()
    encodings: tuple[str, ...] = tuple(ENCODINGS)
    baselines: tuple[str, ...] = DEFAULT_BASELINES
    baseline_max_products: int = 16
    partition_max_products: int = 32
    instances: int = 20
    solver: SolverConfig = field(default_factory=lambda: SolverConfig(time_limit=10.0, rel_gap=1e-4, threads=1))
    obbt_time_limit: float = 1.0
    workers: int = 2
    zoo: str = str(DEFAULT_ZOO)

    def __post_init__(self) -> None:
        from problems import POOLING_INSTANCES

        if not self.pooling:
            object.__setattr__(self, "pooling", POOLING_INSTANCES)
        unknown = [p for p in self.pooling if p not in POOLING_INSTANCES]
        if unknown:
            raise ConfigError(f"SolveBenchConfig: unknown pooling instances {unknown}; choose from {', '.join(POOLING_INSTANCES)}")
        bad = [e for e in self.encodings if e not in ENCODINGS]
        if bad:
            raise ConfigError(f"SolveBenchConfig: unknown encodings {bad}; choose from {', '.join(ENCODINGS)}")
        for b in self.baselines:
            parse_baseline(b)
        if any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in self.random_sizes):
            raise ConfigError(f"SolveBenchConfig: random_sizes={self.random_sizes!r} must be positive integers, e.g. (8, 16)")
        for name in ("workers", "instances", "baseline_max_products", "partition_max_products"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "instances" else 1):
                raise ConfigError(f"SolveBenchConfig: {name}={value!r} must be a positive integer")
        if not isinstance(self.solver, SolverConfig):
            raise ConfigError("SolveBenchConfig: solver must be a SolverConfig, e.g. SolverConfig(time_limit=30)")
        if not (isinstance(self.obbt_time_limit, (int, float)) and self.obbt_time_limit > 0):
            raise ConfigError(f"SolveBenchConfig: obbt_time_limit={self.obbt_time_limit!r} must be positive seconds")

    @classmethod
    def quick(cls, **overrides) -> SolveBenchConfig:
        """A smoke run (about a minute): two shapes, three small problems, 5 s limit."""
        return cls(**{**QUICK_SETTINGS, **overrides})

    @property
    def net_names(self) -> tuple[str, ...]:
        return self.nets or tuple(f"b{self.budget}-best-{a.name}" for a in constant_width_shapes(self.budget))

    def to_dict(self) -> dict:
        return asdict(self)


# --- bounds ---------------------------------------------------------------------------------------


def bounds_table(nets: dict, *, obbt_time_limit: float) -> tuple[pd.DataFrame, dict]:
    """Bounds of every net by every method, computed fresh (not read from the files) and timed.

    Returns the table and, per net, the net carrying its fresh MILP bounds
    (so the solves below use exactly what was timed here).
    """
    rows, tightened = [], {}
    for name, net in nets.items():
        net = replace(net, metadata={k: v for k, v in net.metadata.items() if k != "bounds"})
        for method in BOUND_METHODS:
            b = compute_bounds(net, method, time_limit=obbt_time_limit)
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
    import problems

    return problems.build(name)


def run_job(job: SolveJob, config: SolverConfig) -> dict:
    """Build the problem, replace its products, (warm-start and) solve; one row of ``solves.csv``.

    With a warm start, its seconds count in ``wall_time`` and come off
    HiGHS's time limit, so every encoding gets the same wall-clock budget.
    """
    problem = _problem(job.problem)
    model = problem.model
    start = time.perf_counter()
    approx = parse_baseline(job.approx) if job.net is None else job.net
    formulation, warm = ENCODINGS.get(job.encoding, ("pruned", False))
    report = replace_products(model, approx, formulation=formulation)
    build_s = time.perf_counter() - start
    result, found = solve_with_start(model, report, config, start=start_config(config) if warm else None)
    return {
        "family": job.family, "instance": job.problem, "products": report.n_products, "approx": job.approx,
        "encoding": job.encoding, "build_s": build_s, **result.to_dict(), **found.to_dict(),
        "time_limit_hit": result.termination == Termination.TIME_LIMIT,
    }


def _run_jobs(jobs: Sequence[SolveJob], config: SolverConfig, workers: int, progress: Callable | None) -> list[dict]:
    """Run every job on the package's executor (workers exit with this process; no ``__main__`` guard needed)."""
    from ..executors import ExecutorConfig, open_executor

    rows = []
    with open_executor(ExecutorConfig(workers=workers)) as runner:
        futures = {runner.submit(run_job, job, config): job for job in jobs}
        for future in runner.as_completed(futures):
            rows.append(future.result())
            if progress:
                progress(futures[future])
    return rows


def plan_jobs(config: SolveBenchConfig, nets: dict) -> list[SolveJob]:
    """Every (problem, net, encoding) and (small problem, baseline) solve of the run."""
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


# --- the reference instances and errors of every approximation -----------------------------------


def reference_regret(approx, instances, config: SolverConfig) -> dict:
    """Median solve time and regret of ``approx`` on the reference instances (``min xy + ax + by`` on a box)."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.a, m.b = pyo.Param(mutable=True, initialize=0.0), pyo.Param(mutable=True, initialize=0.0)
    product = bilinear(m, m.x, m.y, approx)
    m.objective = pyo.Objective(expr=product.expr + m.a * m.x + m.b * m.y)
    solver = make_solver(config)
    times, regrets, hits = [], [], 0
    for inst in instances:
        m.a.set_value(inst.a)
        m.b.set_value(inst.b)
        for var, lo, hi in ((m.x, inst.lx, inst.ux), (m.y, inst.ly, inst.uy)):
            var.setlb(lo)
            var.setub(hi)
        result = solve(m, config, solver=solver)
        times.append(result.wall_time)
        hits += result.termination == Termination.TIME_LIMIT
        if result.has_solution:
            regrets.append(inst.true_objective(pyo.value(m.x), pyo.value(m.y)) - inst.true_optimum)
    return {
        "ref_time_median_s": float(np.median(times)) if times else math.nan,
        "ref_regret_median": float(np.median(regrets)) if regrets else math.nan,
        "ref_regret_max": float(np.max(regrets)) if regrets else math.nan,
        "ref_time_limit_hits": hits,
    }


def _approx_errors(approx) -> dict:
    """Worst-case and mean |w - xy| on [-1, 1]^2 (a 401^2 grid for nets; exact worst case for baselines)."""
    if is_baseline(approx):
        grid = np.linspace(-1, 1, 401)
        x, y = (a.ravel() for a in np.meshgrid(grid, grid))
        mae = float(np.mean(np.abs(approx.evaluate(x, y) - x * y))) if approx.evaluate is not None else math.nan
        return {"kind": approx.kind, "binaries_per_product": approx.binaries, "max_error": approx.max_error, "mae": mae}
    s = score(approx)
    unstable = net_bounds(approx, "milp").unstable
    return {"kind": "relu-net", "binaries_per_product": unstable, "max_error": s.max_error, "mae": s.mae}


def baseline_table(config: SolveBenchConfig, nets: dict, solves: pd.DataFrame, progress: Callable | None = None) -> pd.DataFrame:
    """Error per binary and solve times of every net (``pruned``) and every baseline."""
    instances = reference_instances(config.instances, seed=REFERENCE_SEED) if config.instances else []
    time_limit = min(config.solver.time_limit, REFERENCE_SOLVER.time_limit)
    ref_config = replace(config.solver, time_limit=time_limit, rel_gap=REFERENCE_SOLVER.rel_gap)
    approximations = {**nets, **{b: parse_baseline(b) for b in config.baselines}}
    small = solves[solves["products"] <= config.baseline_max_products]
    rows = []
    for name, approx in approximations.items():
        row = {"approx": name, **_approx_errors(approx)}
        row["bits_per_binary"] = -math.log2(row["max_error"]) / row["binaries_per_product"] if row["binaries_per_product"] else math.nan
        if instances:
            row.update(reference_regret(approx, instances, ref_config))
        mine = small[(small["approx"] == name) & small["encoding"].isin(["baseline", CANDIDATE])]
        row["problems_time_median_s"] = float(mine["wall_time"].median()) if len(mine) else math.nan
        row["problems_time_limit_hits"] = int(mine["time_limit_hit"].sum())
        rows.append(row)
        if progress:
            progress(name)
    return pd.DataFrame(rows)


# --- tables ---------------------------------------------------------------------------------------


def _ratio(anchor, candidate, overhead: float) -> float:
    """Anchor time over candidate time plus ``overhead``; 1 when both hit the time limit (no speed-up measurable)."""
    if anchor["time_limit_hit"] and candidate["time_limit_hit"]:
        return 1.0
    return anchor["wall_time"] / (candidate["wall_time"] + overhead)


def speedup_table(solves: pd.DataFrame, tighten_s: dict, depths: dict, *, min_depth: int = 3) -> pd.DataFrame:
    """OMLT default time over pruned time, per problem and net of depth >= ``min_depth``.

    ``speedup`` charges the net's whole tightening time to *every* problem
    (as if bounds were recomputed for each model: the conservative figure);
    ``speedup_amortised`` divides it over the problems of this run that use
    the net. ``pruned_s`` includes the warm start. A time-limit hit of OMLT
    makes a ratio a lower bound (``anchor_hit``); when both hit, the ratio is
    1 (no speed-up measurable). ``cold_speedup_amortised`` is the same ratio
    for ``pruned-cold`` (no warm start), when the run has it.
    """
    nets = solves[solves["encoding"] != "baseline"]
    rows = []
    for (instance, approx), group in nets.groupby(["instance", "approx"], sort=False):
        by = group.set_index("encoding")
        depth = depths.get(approx, 0)
        if ANCHOR not in by.index or CANDIDATE not in by.index or depth < min_depth:
            continue
        per_net = tighten_s.get(approx, 0.0)
        share = per_net / max(nets[(nets["approx"] == approx) & (nets["encoding"] == CANDIDATE)].shape[0], 1)
        anchor, cand = by.loc[ANCHOR], by.loc[CANDIDATE]
        rows.append({
            "instance": instance, "family": group["family"].iloc[0], "products": int(group["products"].iloc[0]),
            "approx": approx, "depth": depth, "omlt_s": anchor["wall_time"], "pruned_s": cand["wall_time"],
            "tighten_s": per_net, "anchor_hit": bool(anchor["time_limit_hit"]), "pruned_hit": bool(cand["time_limit_hit"]),
            "speedup": _ratio(anchor, cand, per_net), "speedup_amortised": _ratio(anchor, cand, share),
            "cold_speedup_amortised": _ratio(anchor, by.loc[COLD], share) if COLD in by.index else math.nan,
            "omlt_gap": anchor["gap"], "pruned_gap": cand["gap"],
        })
    return pd.DataFrame(rows)


def growth_table(solves: pd.DataFrame) -> pd.DataFrame:
    """Solve time by number of products (rows) and approximation/encoding (columns); ``*`` marks a time-limit hit."""
    frame = solves[solves["family"] == "random"].copy()
    frame["cell"] = [
        f"{t:.2f}{'*' if hit else ''}" for t, hit in zip(frame["wall_time"], frame["time_limit_hit"])
    ]
    frame["column"] = frame["approx"].str.replace(r"^b\d+-best-", "", regex=True) + "/" + frame["encoding"]
    return frame.pivot_table(index="products", columns="column", values="cell", aggfunc="first").sort_index()


def encoding_summary(solves: pd.DataFrame) -> pd.DataFrame:
    """Per net and encoding over all problems: median time, nodes, gap and time-limit hits."""
    nets = solves[solves["encoding"] != "baseline"]
    return (
        nets.groupby(["approx", "encoding"], sort=False)
        .agg(problems=("instance", "size"), binaries_median=("binaries", "median"), time_median_s=("wall_time", "median"),
             nodes_median=("nodes", "median"), gap_median=("gap", "median"), time_limit_hits=("time_limit_hit", "sum"))
        .reset_index()
    )


# --- the whole benchmark ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SolveBenchResult:
    """The tables of one ``bench solve-time`` run (see the module docstring)."""

    config: SolveBenchConfig
    bounds: pd.DataFrame
    solves: pd.DataFrame
    speedups: pd.DataFrame
    baselines: pd.DataFrame
    wall_time_s: float

    @property
    def median_speedup(self) -> float:
        return float(self.speedups["speedup"].median()) if len(self.speedups) else math.nan

    @property
    def median_speedup_amortised(self) -> float:
        return float(self.speedups["speedup_amortised"].median()) if len(self.speedups) else math.nan

    @property
    def median_speedup_cold(self) -> float:
        column = self.speedups.get("cold_speedup_amortised")
        return float(column.median()) if column is not None and column.notna().any() else math.nan

    @property
    def growth(self) -> pd.DataFrame:
        return growth_table(self.solves)

    @property
    def encodings(self) -> pd.DataFrame:
        return encoding_summary(self.solves)

    def render(self) -> str:
        """The tables as ``surrogate bench solve-time`` prints them."""
        fmt = lambda v: f"{v:.3g}"  # noqa: E731
        limit = self.config.solver
        sections = [
            ("bounds per net (stable neurons need no binary; bigm_width = sum of u - l over unstable neurons)", self.bounds),
            (f"encodings over all problems (HiGHS, {limit.threads} thread, time limit {limit.time_limit:g} s, gap {limit.rel_gap:g})",
             self.encodings),
            ("speed-up per problem, nets of depth >= 3 (omlt-bigm time / (pruned time + tightening))", self.speedups),
            (f"growth: HiGHS seconds by number of products, random family ('*' = hit the {limit.time_limit:g} s limit)", self.growth),
            ("approximations of x*y: error per binary, and solve times (nets use the pruned encoding)", self.baselines),
        ]
        return "\n\n".join(f"{title}\n{frame.to_string(float_format=fmt)}" for title, frame in sections if len(frame))

    def headline(self) -> str:
        """The closing lines: both ways of charging tightening, the amortised one last."""
        pairs = len(self.speedups)
        hits = int(self.speedups["anchor_hit"].sum()) if pairs else 0
        return (
            f"{pairs} problem x net pairs with depth >= 3; OMLT default hit the time limit in {hits} "
            f"(its ratio is then a lower bound; 1.0 when both hit)\n"
            f"median speed-up without the warm start ({COLD}, tightening amortised): {self.median_speedup_cold:.2f}x\n"
            f"median speed-up with each net's tightening time charged in full to every problem: {self.median_speedup:.2f}x\n"
            f"median speed-up vs OMLT default: {self.median_speedup_amortised:.2f}x"
        )

    def write(self, out_dir: str | Path, *, command: str | None = None) -> None:
        """Write every table as CSV (atomically), ``growth.csv`` for plots and ``config.json``."""
        import json

        from ..nets.onnx_io import package_versions

        out = Path(out_dir)
        growth = self.solves.assign(arch=self.solves["approx"].str.replace(r"^b\d+-best-", "", regex=True))
        tables = {
            "bounds.csv": self.bounds, "solves.csv": self.solves, "growth.csv": growth, "speedups.csv": self.speedups,
            "baselines.csv": self.baselines, "encodings.csv": self.encodings,
        }
        for name, frame in tables.items():
            write_text(out / name, frame.to_csv(index=False))
        payload = {"kind": "solve-time", "command": command, "time_limit": self.config.solver.time_limit,
                   "config": self.config.to_dict(), "versions": package_versions(),
                   "wall_time_s": self.wall_time_s, "median_speedup": self.median_speedup,
                   "median_speedup_amortised": self.median_speedup_amortised,
                   "median_speedup_cold": self.median_speedup_cold}
        write_text(out / "config.json", json.dumps(payload, indent=2, default=str) + "\n")


def load_nets(config: SolveBenchConfig) -> dict:
    return {name: resolve_surrogate(name, zoo=config.zoo) for name in config.net_names}


def run_solve_bench(config: SolveBenchConfig, *, progress: bool = True) -> SolveBenchResult:
    """Run the whole benchmark (see the module docstring)."""
    from tqdm.auto import tqdm

    start = time.perf_counter()
    nets = load_nets(config)
    bounds, tightened = bounds_table(nets, obbt_time_limit=config.obbt_time_limit)
    nets = {name: net for name, (net, _) in tightened.items()}
    jobs = plan_jobs(config, nets)
    with tqdm(total=len(jobs), desc="solve", unit="milp", disable=not progress) as bar:
        solves = pd.DataFrame(
            _run_jobs(jobs, config.solver, config.workers, lambda j: (bar.set_postfix_str(f"{j.problem} {j.approx}"), bar.update()))
        )
    solves = solves.sort_values(["family", "products", "instance", "approx", "encoding"], kind="stable").reset_index(drop=True)
    depths = {name: net.architecture.depth for name, net in nets.items()}
    speedups = speedup_table(solves, {name: s for name, (_, s) in tightened.items()}, depths)
    with tqdm(total=len(nets) + len(config.baselines), desc="baselines", unit="approx", disable=not progress) as bar:
        baselines = baseline_table(config, nets, solves, progress=lambda _: bar.update())
    return SolveBenchResult(config, bounds, solves, speedups, baselines, time.perf_counter() - start)
