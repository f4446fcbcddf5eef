"""The settings of one ``surrogate problems`` run (:func:`~surrogate.experiments.problem_runs.run_problem`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..milp.polish import DEFAULT_RESTARTS, check_restarts
from ..milp.solver_config import SolverConfig
from ..milp.warmstart_config import check_seed, check_start_options, start_config
from ..options import check_flags, check_seconds, is_number, plain_numbers

__all__ = ["BUDGET_FACTOR", "ProblemRunConfig"]

#: The CLI's default budget of a run (tightening, start, MILP, relaxation, polish), as a multiple of the MILP time limit.
BUDGET_FACTOR = 1.5


@dataclass(frozen=True, kw_only=True)
class ProblemRunConfig:
    """Settings of :func:`~surrogate.experiments.problem_runs.run_problem`.

    Parameters
    ----------
    solver
        HiGHS settings; ``solver.time_limit`` caps the warm start plus MILP.
    scip, scip_time_limit
        Whether to solve the exact model with SCIP for reference, and its limit (outside the budget).
    budget
        Seconds for tightening, start, MILP, relaxation and polish together; ``None`` (the default)
        sets no overall budget: each stage then has only its own limit (``solver.time_limit``), and the
        stage times are still recorded. ``surrogate problems`` passes :data:`BUDGET_FACTOR` times the time
        limit unless ``--budget`` is given.
    error_aware
        Pass ``error_aware=True`` to :func:`~surrogate.milp.bilinear.replace_products` (widen each product by its
        surrogate's error so that no feasible point is cut off); needs a version that offers it.
    implied_bounds
        Pass ``implied_bounds`` to :func:`~surrogate.milp.bilinear.replace_products` where it is offered.
    polish_restarts
        NLPs from random points after the other polish methods, time allowing
        (:func:`~surrogate.milp.polish.polish`'s ``restarts``; 0 turns multistart off). Rows say
        ``polish_method`` ``multistart`` when one of them gave the final point.
    start_patience, start_clock, start_seed
        The warm start's ``patience`` (default 0), ``clock`` (``'wall'``, default, or ``'cpu'``) and ``seed``
        (``'exact'``, default: its first patterns come from a local optimum of the exact model; or
        ``'relaxation'``); see :class:`~surrogate.milp.warmstart_config.StartConfig`.
    """

    solver: SolverConfig = field(default_factory=lambda: SolverConfig(time_limit=60.0, rel_gap=1e-6))
    scip: bool = True
    scip_time_limit: float = 60.0
    budget: float | None = None
    error_aware: bool = False
    implied_bounds: bool = True
    polish_restarts: int = DEFAULT_RESTARTS
    start_patience: float = 0.0
    start_clock: str = "wall"
    start_seed: str = "exact"

    def __post_init__(self) -> None:
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        if not isinstance(self.solver, SolverConfig):
            raise ConfigError(
                f"ProblemRunConfig: solver={self.solver!r} must be a SolverConfig, e.g. SolverConfig(time_limit=60)"
            )
        check_flags("ProblemRunConfig", scip=self.scip, error_aware=self.error_aware, implied_bounds=self.implied_bounds)
        check_seconds("ProblemRunConfig: scip_time_limit", self.scip_time_limit)
        check_restarts(self.polish_restarts, "ProblemRunConfig: polish_restarts")
        check_start_options("ProblemRunConfig", patience=self.start_patience, clock=self.start_clock)  # their own names
        check_seed(self.start_seed, "ProblemRunConfig: start_seed")  # not StartConfig's 'seed', which the caller never named
        start_config(self.solver, seed=self.start_seed, patience=self.start_patience, clock=self.start_clock)  # they combine
        b = self.budget
        if b is not None and not is_number(b, low=0, low_open=True, finite=True):
            raise ConfigError(
                f"ProblemRunConfig: budget={b!r} must be a positive number of seconds, or None for no "
                f"overall budget (the CLI's default is {BUDGET_FACTOR} x the MILP time limit)"
            )

    @property
    def budget_s(self) -> float:
        """The budget in seconds; ``inf`` when there is none."""
        return math.inf if self.budget is None else float(self.budget)
