"""What :func:`~surrogate.train.solve_time.train_for_solve_time` is asked (:class:`SolveTimeConfig`) and what it did
(:class:`SolveTimeReport`); both are re-exported by :mod:`surrogate.train.solve_time`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..errors import ConfigError
from ..options import MAX_SEED, is_number, plain_numbers
from .protocols import check_learning_rate
from .stability import check_penalties

#: Bound methods of the penalties: a dense grid's range (tight) or sub-box interval arithmetic (sound).
PENALTY_BOUNDS = ("sampled", "interval")

#: Grid points per axis at most: the penalties' grid has ``resolution**2`` points (4,096**2 is 16.8 million).
MAX_RESOLUTION = 4096

#: The largest penalty weight ``λ``: the fit term is the MAE relative to half the range of x y (about 1e-3 for a
#: good net) and the penalty is of order 1, so a useful ``λ`` is far below 1; above about 1e154 the square of the
#: gradient overflows Adam's second moment to inf in float64, and then no step moves any weight.
MAX_LAM = 1e100


@dataclass(frozen=True, kw_only=True)
class SolveTimeConfig:
    """How :func:`~surrogate.train.solve_time.train_for_solve_time` fine-tunes (see its module docstring for the loss).

    Attributes
    ----------
    lam
        Weight ``λ`` of the penalty term (``0``: plain fine-tuning; at most :data:`MAX_LAM`).
    penalties
        Names from :data:`~surrogate.train.stability.PENALTIES`.
    steps, finetune_steps
        Adam steps of the penalty phase, and of the fit-only phase after pruning.
    learning_rate
        Adam's initial learning rate; it decays by a cosine to 1 % in each phase.
    batch_size
        Uniform points of the domain per step (fresh every step).
    bounds, resolution
        Bounds of the penalties: ``'sampled'`` on a ``resolution x resolution``
        grid, or ``'interval'`` on ``resolution x resolution`` sub-boxes.
    prune
        Fix stable neurons (module docstring) and fine-tune the rest.
    tolerance
        A neuron within ``tolerance * (u - l)`` of stability counts as stable
        (:func:`~surrogate.train.stability.stable_masks`).
    margin
        Sound lower bound that every linear neuron is shifted to.
    seed
        Seed of the training points: the same seed, net and config give the same net.
    """

    lam: float = 0.01
    penalties: tuple[str, ...] = ("stability", "bigm")
    steps: int = 1000
    finetune_steps: int = 1000
    learning_rate: float = 1e-4
    batch_size: int = 2048
    bounds: str = "sampled"
    resolution: int = 65
    prune: bool = True
    tolerance: float = 0.02
    margin: float = 1e-2
    seed: int = 0

    def __post_init__(self) -> None:
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        object.__setattr__(self, "penalties", check_penalties(self.penalties, "SolveTimeConfig: penalties"))
        checks = (
            (
                "lam",
                is_number(self.lam, low=0, high=MAX_LAM),
                f"a number >= 0 and <= {MAX_LAM:g}, e.g. 0.01 (the fit is relative to half the range of x y and the "
                f"penalty of order 1, so a useful weight is far below 1; above about 1e154 Adam's squared gradient "
                "overflows and no weight moves)",
            ),
            ("steps", is_number(self.steps, integer=True, low=0), "an integer >= 0"),
            ("finetune_steps", is_number(self.finetune_steps, integer=True, low=0), "an integer >= 0"),
            ("batch_size", is_number(self.batch_size, integer=True, low=1), "an integer >= 1"),
            (
                "resolution",
                is_number(self.resolution, integer=True, low=2, high=MAX_RESOLUTION),
                f"an integer in [2, {MAX_RESOLUTION}] (points per axis of the grid), e.g. 65",
            ),
            ("tolerance", is_number(self.tolerance, low=0, high=0.5, high_open=True), "a number in [0, 0.5)"),
            ("margin", is_number(self.margin, low=0, low_open=True, finite=True), "a number > 0, e.g. 1e-2"),
            ("seed", is_number(self.seed, integer=True, low=0, high=MAX_SEED), f"an integer in [0, {MAX_SEED}]"),
            ("prune", isinstance(self.prune, bool), "True or False"),
        )
        for name, ok, expected in checks:
            if not ok:
                raise ConfigError(f"SolveTimeConfig: {name}={getattr(self, name)!r} must be {expected}")
        check_learning_rate("SolveTimeConfig", self.learning_rate)
        if self.bounds not in PENALTY_BOUNDS:
            raise ConfigError(f"SolveTimeConfig: bounds={self.bounds!r} is unknown; choose one of {', '.join(PENALTY_BOUNDS)}")

    def to_dict(self) -> dict:
        """The config as a plain dict (JSON-ready)."""
        return {**asdict(self), "penalties": list(self.penalties)}


@dataclass(frozen=True)
class SolveTimeReport:
    """What :func:`~surrogate.train.solve_time.train_for_solve_time` did: fixed neurons, losses before and after.

    ``fixed_active``/``fixed_inactive`` count the neurons fixed linear/zero in the
    net returned (rounded to float32): a neuron fixed linear counts only while its
    sound lower bound there stays >= 0, else it is ``free``, with the rest.
    ``fit_before``/``fit_after`` are the MAE on the training grid,
    ``penalty_before``/``penalty_after`` the penalty ``P``, before the penalty phase
    (after the first fixing, of the float64 start) and at the end (of the net returned).
    """

    config: SolveTimeConfig
    fixed_active: int
    fixed_inactive: int
    free: int
    fit_before: float
    fit_after: float
    penalty_before: float
    penalty_after: float
    history: tuple[float, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict:
        """The report as a plain dict (JSON-ready; the loss history left out)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("config", "history")}
        return {**out, "config": self.config.to_dict()}
