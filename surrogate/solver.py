"""Solving MILPs with HiGHS through Pyomo's ``contrib.solver`` interface.

Timing settings are always explicit (:class:`SolverConfig`), and a
time-limit hit is recorded in the returned :class:`SolveResult`, never raised.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

from .encoding import ModelSize, model_size
from .errors import ConfigError, SolverUnavailableError

SOLVERS = ("highs",)


@dataclass(frozen=True)
class SolverConfig:
    """How a MILP is solved.

    Parameters
    ----------
    time_limit
        Seconds before HiGHS stops (the result records ``maxTimeLimit``).
    rel_gap
        Relative MIP gap at which HiGHS stops.
    threads
        Threads HiGHS may use (1 makes timings comparable).
    solver
        Solver name in Pyomo's ``contrib.solver`` factory; only ``'highs'``.
    """

    time_limit: float = 60.0
    rel_gap: float = 1e-6
    threads: int = 1
    solver: str = "highs"

    def __post_init__(self) -> None:
        t = self.time_limit
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not t > 0:
            raise ConfigError(f"SolverConfig: time_limit={t!r} must be a positive number of seconds")
        if isinstance(self.rel_gap, bool) or not isinstance(self.rel_gap, (int, float)) or not 0 <= self.rel_gap < 1:
            raise ConfigError(f"SolverConfig: rel_gap={self.rel_gap!r} must lie in [0, 1), e.g. 1e-6")
        if isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1:
            raise ConfigError(f"SolverConfig: threads={self.threads!r} must be a positive integer")
        if self.solver not in SOLVERS:
            raise ConfigError(f"SolverConfig: solver={self.solver!r} is not supported; use one of {', '.join(SOLVERS)}")


@dataclass(frozen=True)
class SolveResult:
    """What one MILP solve did.

    ``objective`` is the incumbent (``nan`` without one), ``bound`` the dual
    bound, ``gap`` their relative gap, ``wall_time`` HiGHS's own run time in
    seconds, ``nodes`` the branch-and-bound nodes.
    """

    termination: str
    objective: float
    bound: float
    gap: float
    wall_time: float
    nodes: int
    size: ModelSize

    @property
    def optimal(self) -> bool:
        return self.termination == "convergenceCriteriaSatisfied"

    @property
    def has_solution(self) -> bool:
        return not math.isnan(self.objective)

    def to_dict(self) -> dict:
        out = asdict(self)
        out.update(out.pop("size"))
        return out


def make_solver(config: SolverConfig):
    """A ``contrib.solver`` HiGHS instance, or a clear error if highspy is missing."""
    from pyomo.contrib.solver.common.factory import SolverFactory

    solver = SolverFactory(config.solver)
    if not solver.available():
        raise SolverUnavailableError(
            f"solver {config.solver!r} is not available; install it with 'pip install highspy'"
        )
    return solver


def _nan(value) -> float:
    return float("nan") if value is None else float(value)


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(1, |objective|)`` (``nan`` if either is missing)."""
    if math.isnan(objective) or math.isnan(bound):
        return float("nan")
    return abs(objective - bound) / max(1.0, abs(objective))


def solve(model, config: SolverConfig = SolverConfig(), *, solver=None) -> SolveResult:
    """Solve ``model`` and load its incumbent, if any.

    Parameters
    ----------
    model
        A Pyomo model with one active objective.
    config
        Time limit, gap and threads (all passed to HiGHS explicitly).
    solver
        A solver object from :func:`make_solver` to reuse (persistent HiGHS
        re-solves a changed model faster than a fresh one).
    """
    from pyomo.common.tee import capture_output

    solver = solver or make_solver(config)
    start = time.perf_counter()
    # HiGHS writes to the process's stdout (e.g. warnings while a persistent model is
    # updated, outside Pyomo's own capture); keep it out of the caller's output.
    with capture_output(capture_fd=True):
        results = solver.solve(
            model,
            time_limit=config.time_limit,
            rel_gap=config.rel_gap,
            threads=config.threads,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
        )
    elapsed = time.perf_counter() - start
    objective = _nan(results.incumbent_objective)
    if not math.isnan(objective):
        results.solution_loader.load_vars()
    bound = _nan(results.objective_bound)
    timing = getattr(results.timing_info, "highs_time", None)
    nodes = getattr(results.extra_info, "mip_node_count", None)
    return SolveResult(
        termination=results.termination_condition.name,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        wall_time=float(timing) if timing is not None else elapsed,
        nodes=int(nodes) if nodes is not None and nodes >= 0 else 0,
        size=model_size(model),
    )
