"""The options and the result of the activation-pattern warm start (:mod:`surrogate.milp.warmstart`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..options import is_number

#: Where :func:`~surrogate.milp.warmstart.activation_start` reads its first patterns (see :class:`StartConfig`).
SEEDS = ("relaxation", "exact")
#: The share of the search's time that the exact seed (:func:`~surrogate.milp.exact_seed.exact_point`) may take.
EXACT_SEED_SHARE = 0.5


@dataclass(frozen=True)
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
        Total slack below which the elastic phase counts as feasible.
    seed
        Where the first patterns are read (one of :data:`SEEDS`): ``'relaxation'``,
        the LP relaxation of the surrogate MILP; ``'exact'``, a local optimum of
        the exact model first, then the LP relaxation if that finds no point
        (module docstring). ``'exact'`` needs the
        :class:`~surrogate.milp.products.ReplacementReport`, not bare surrogates.
    """

    rounds: int = 200
    time_limit: float = 5.0
    tol: float = 1e-7
    seed: str = "relaxation"
    patience: float = 0.0

    def __post_init__(self) -> None:
        if not is_number(self.rounds, integer=True, low=1):
            raise ConfigError(f"StartConfig: rounds={self.rounds!r} must be a positive integer, e.g. 200")
        if not isinstance(self.seed, str) or self.seed not in SEEDS:
            raise ConfigError(f"StartConfig: seed={self.seed!r} is not one of {', '.join(map(repr, SEEDS))}")
        for name in ("time_limit", "tol"):
            value = getattr(self, name)
            if not is_number(value, low=0, low_open=True):
                raise ConfigError(f"StartConfig: {name}={value!r} must be a positive number")
        if not is_number(self.patience, low=0, finite=True):
            raise ConfigError(f"StartConfig: patience={self.patience!r} must be a number of seconds >= 0, e.g. 25")


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

    def to_dict(self) -> dict:
        return {
            "start_found": self.found,
            "start_objective": self.objective,
            "start_rounds": self.rounds,
            "start_violation": self.violation,
            "start_s": self.seconds,
            "start_seed": self.seed,
        }
