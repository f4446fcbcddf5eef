"""The options and the result of the activation-pattern warm start (:mod:`surrogate.milp.warmstart`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ConfigError
from ..options import MAX_TIME_LIMIT, check_seconds, is_number, plain_numbers
from .products import ReplacementReport
from .search_clock import WALL, SearchClock, check_clock, cpu_clock
from .solution_check import TRUST_TOL
from .solve_arguments import check_model
from .solver_config import SolverConfig

#: Where :func:`~surrogate.milp.warmstart.activation_start` reads its first patterns (see :class:`StartConfig`).
SEEDS = ("relaxation", "exact")
#: The share of the search's time that the exact seed (:func:`~surrogate.milp.exact_seed.exact_point`) may take.
EXACT_SEED_SHARE = 0.5
#: On the ``'cpu'`` clock without a ``wall_limit``: the most wall seconds a search takes, per second of its budget.
CPU_WALL_FACTOR = 2.0


#: The largest ``tol`` a start takes: :data:`~surrogate.milp.solution_check.TRUST_TOL` itself (1e-4), the tolerance
#: within which the solution check takes a point as a solution of the model.
MAX_TOL = TRUST_TOL


@dataclass(frozen=True, kw_only=True)
class StartConfig:
    """How hard :func:`~surrogate.milp.warmstart.activation_start` looks.

    Parameters
    ----------
    rounds
        Pattern re-fixes per phase at most.
    time_limit
        Seconds for the whole search (checked between LPs; each LP is capped by it too).
    patience
        Seconds the search may go on past ``time_limit`` while it has no feasible point yet
        (default 0: it stops at ``time_limit`` with or without one). Once it has a point it
        stops improving it at ``time_limit``. A start that runs out of time without a point
        leaves the solver with none, which on the larger pooling instances can cost the whole
        solve; patience trades some of the solver's time for the point.
    tol
        Total slack below which the elastic phase counts as feasible; at most :data:`MAX_TOL`
        (the solution check's own tolerance), so that a start is a point of the model.
    seed
        Where the first patterns are read (one of :data:`SEEDS`): ``'relaxation'``,
        the LP relaxation of the surrogate MILP; ``'exact'``, a local optimum of
        the exact model first, then the LP relaxation if that finds no point
        (module docstring). ``'exact'`` needs the
        :class:`~surrogate.milp.products.ReplacementReport`, not bare surrogates.
    clock
        What ``time_limit`` and ``patience`` count (one of :data:`~surrogate.milp.search_clock.CLOCKS`):
        ``'wall'`` (default) wall seconds; ``'cpu'`` the search thread's CPU seconds, so that a
        machine busy with other work slows the search but does not cut it short
        (:mod:`surrogate.milp.search_clock`).
    wall_limit
        With ``clock='cpu'``: the most wall seconds the search may take however little CPU time it
        gets, at least ``time_limit + patience``. Default (``None``): :data:`CPU_WALL_FACTOR` times that.
        Not taken with ``clock='wall'``, where the budget is wall seconds already.
    """

    rounds: int = 200
    time_limit: float = 5.0
    tol: float = 1e-7
    seed: str = "relaxation"
    patience: float = 0.0
    clock: str = "wall"
    wall_limit: float | None = None

    def __post_init__(self) -> None:
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        if not is_number(self.rounds, integer=True, low=1):
            raise ConfigError(f"StartConfig: rounds={self.rounds!r} must be a positive integer, e.g. 200")
        check_seed(self.seed, "StartConfig: seed")
        check_seconds("StartConfig: time_limit", self.time_limit)
        if not is_number(self.tol, low=0, low_open=True, high=MAX_TOL):
            raise ConfigError(
                f"StartConfig: tol={self.tol!r} must be a positive number up to {MAX_TOL:g}: a larger slack would "
                "count a point that breaks the model as a start"
            )
        check_seconds("StartConfig: patience", self.patience, zero=True)
        if self.budget > MAX_TIME_LIMIT:  # the solves of the search take it as their time limit
            raise ConfigError(
                f"StartConfig: time_limit + patience = {self.budget:g} seconds is more than {MAX_TIME_LIMIT:g}; "
                f"for no practical limit give time_limit={MAX_TIME_LIMIT:g} and patience=0"
            )
        self._check_clock()

    def _check_clock(self) -> None:
        check_clock(self.clock, "StartConfig: clock")
        if self.wall_limit is None:
            return
        if self.clock == "wall":
            raise ConfigError(
                f"StartConfig: wall_limit={self.wall_limit!r} is for clock='cpu'; with clock='wall' the budget "
                "is wall seconds already: drop wall_limit or pass clock='cpu'"
            )
        if not is_number(self.wall_limit, low=self.budget, high=MAX_TIME_LIMIT):
            raise ConfigError(
                f"StartConfig: wall_limit={self.wall_limit!r} must be a number of seconds >= time_limit + patience "
                f"({self.budget:g}) and up to {MAX_TIME_LIMIT:g}"
            )

    @property
    def budget(self) -> float:
        """The most seconds the search may take on its clock: ``time_limit + patience``."""
        return self.time_limit + self.patience

    def make_clock(self) -> SearchClock:
        """A new clock for one search, started now (see :mod:`surrogate.milp.search_clock`)."""
        if self.clock == "wall":
            return WALL
        wall = min(CPU_WALL_FACTOR * self.budget, MAX_TIME_LIMIT) if self.wall_limit is None else self.wall_limit
        return cpu_clock(budget=self.budget, wall_limit=wall)


@dataclass(frozen=True)
class StartResult:
    """What :func:`~surrogate.milp.warmstart.activation_start` found.

    ``found`` is whether a feasible point was loaded into the model;
    ``objective`` its objective (``nan`` if none); ``violation`` the total
    slack the elastic phase ended with (0 when feasible); ``seed`` the seed
    (one of :data:`SEEDS`) whose patterns led to the point (``''`` when none was found).
    """

    found: bool
    objective: float
    violation: float
    rounds: int
    seconds: float
    seed: str = ""

    def __post_init__(self) -> None:
        if self.violation < 0:  # an LP's total slack a rounding error below 0 (-5.8e-14): none
            object.__setattr__(self, "violation", 0.0)

    def to_dict(self) -> dict:
        return {
            "start_found": self.found,
            "start_objective": self.objective,
            "start_rounds": self.rounds,
            "start_violation": self.violation,
            "start_s": self.seconds,
            "start_seed": self.seed,
        }


def check_surrogates(where: str, model, surrogates, *, search: bool = True) -> None:
    """Raise :class:`ConfigError` naming ``where`` unless ``model`` is a Pyomo model and ``surrogates`` a
    :class:`~surrogate.milp.products.ReplacementReport` or a collection of products (or encodings): what a search reads
    (without a ``search``, ``None`` too)."""
    check_model(where, model)
    if not search and surrogates is None:
        return
    if isinstance(surrogates, (str, bytes)) or not isinstance(surrogates, ReplacementReport | Iterable):
        raise ConfigError(
            f"{where}: surrogates={surrogates!r} must be the ReplacementReport of replace_products, or its products"
        )


def check_seed(seed, where: str) -> None:
    """Raise :class:`ConfigError` unless ``seed`` is one of :data:`SEEDS`; ``where`` names the field the caller
    passed (``'StartConfig: seed'``, ``'ProblemRunConfig: start_seed'``), never another config's."""
    if not isinstance(seed, str) or seed not in SEEDS:
        raise ConfigError(
            f"{where}={seed!r} is not one of {', '.join(map(repr, SEEDS))}; pass 'exact' (patterns from a local optimum "
            "of the exact model first) or 'relaxation' (from the LP relaxation of the surrogate MILP)"
        )


def check_start_options(where: str, *, patience, clock) -> None:
    """The one check of a config's ``start_patience`` and ``start_clock`` (``where`` names the config, e.g.
    ``'ScaleBenchConfig'``): seconds >= 0 up to :data:`MAX_TIME_LIMIT` (:func:`~surrogate.options.check_seconds`,
    the cap of ``--start-patience`` too) and one of :data:`~surrogate.milp.search_clock.CLOCKS`.

    Raises
    ------
    ConfigError
        Naming ``<where>: start_patience`` or ``<where>: start_clock``, never a class the caller did not name.
    """
    check_seconds(f"{where}: start_patience", patience, zero=True)
    check_clock(clock, f"{where}: start_clock")


def start_config(config: SolverConfig, *, seed: str = "relaxation", patience: float = 0.0, clock: str = "wall") -> StartConfig:
    """The search used with a solve under ``config``: half its time limit, at most 5 s, from ``seed`` (see :data:`SEEDS`).

    ``patience`` (:class:`StartConfig`) is capped so that the search never takes more than half the time limit.
    On ``clock='cpu'`` the budget counts CPU seconds, and half the time limit is the most wall seconds it may take.

    Parameters
    ----------
    config
        The solve's :class:`~surrogate.milp.solver_config.SolverConfig`.
    seed
        Where the search starts: one of :data:`SEEDS`.
    patience
        Seconds more while no point is found (capped).
    clock
        ``'wall'`` or ``'cpu'``: the seconds the budget counts.
    """
    capped = f"it is capped at half the solve's time limit anyway: for the most the search may take pass {MAX_TIME_LIMIT:g}"
    check_seconds("start_config: patience", patience, zero=True, fix=capped)
    budget = min(5.0, config.time_limit / 2)
    patience = min(patience, config.time_limit / 2 - budget)
    wall_limit = config.time_limit / 2 if clock == "cpu" else None
    return StartConfig(time_limit=budget, seed=seed, patience=patience, clock=clock, wall_limit=wall_limit)
