"""Named training protocols.

A protocol is an initialisation plus one or more *stages* (epochs, batch size,
learning-rate schedule, loss) run one after another with a fresh Adam state.

``seed`` reproduces the 2021 blog's Keras set-up: 10,000 uniform points on
[-1, 1]^2, Dense ReLU layers with Glorot-uniform weights and zero biases, a
linear output, Adam (lr 1e-3, epsilon 1e-7), batch 32 reshuffled every
epoch, MAE loss, 100 epochs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..errors import ConfigError
from ..options import MAX_COUNT, MAX_LEARNING_RATE, check_sequence, is_number, plain_numbers

LOSSES = ("mae", "mse")
SCHEDULES = ("constant", "cosine")
INITS = ("glorot", "data", "hand-built", "auto")
#: The most training points (and the largest batch) a protocol takes: 10**7 points are 80 MB of float32 inputs for
#: each net trained at once, far beyond the protocols here (50,000), so only a slip (``10**12``) meets it. Epochs and
#: restarts are capped at :data:`~surrogate.options.MAX_COUNT`, as every other count.
MAX_POINTS = 10_000_000


def _number(owner: str, name: str, value, *, integer: bool, low: float = 0.0, low_open: bool = True, high=None) -> None:
    if not is_number(value, integer=integer, low=low, low_open=low_open, high=high, finite=True):
        expected = "an integer" if integer else "a finite number"
        relation = ">" if low_open else ">="
        most = "" if high is None else f", at most {high} (a cap on slips such as 10**12)"
        raise ConfigError(f"{owner}: {name}={value!r} must be {expected} {relation} {low:g}{most}")


def _choice(owner: str, name: str, value, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{owner}: {name}={value!r} is unknown; choose one of {', '.join(choices)}")


def check_learning_rate(owner: str, value) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a number in (0, :data:`~surrogate.options.MAX_LEARNING_RATE`]."""
    if not is_number(value, low=0, high=MAX_LEARNING_RATE, low_open=True, finite=True):
        raise ConfigError(
            f"{owner}: learning_rate={value!r} must be a number in (0, {MAX_LEARNING_RATE:g}], e.g. 1e-3: Adam moves each "
            "weight by about the learning rate per step and a net of x*y on [-1, 1]^2 has weights of order 1, so a "
            "larger rate only diverges"
        )


def check_not_diverged(arrays, rates, where: str, *, causes=()) -> None:
    """Raise :class:`ConfigError` if training left a non-finite value in ``arrays``, naming the likely causes: the
    learning rates ``rates`` where one is above 1e-3, and ``causes`` (other settings that can, e.g. :func:`noise_cause`)."""
    if all(np.isfinite(np.asarray(a)).all() for a in arrays):
        return
    rate = ", ".join(f"{r:g}" for r in rates)
    likely = ["lower the learning rate (e.g. 1e-3)"] if max(rates) > 1e-3 else []
    likely += list(causes)
    raise ConfigError(
        f"{where}: training diverged (its weights became nan or inf) at learning rate {rate}"
        + ("; " if max(rates) > 1e-3 else ", not a high one; ")
        + ("; or ".join(likely) if likely else "lower it further (e.g. 1e-4)")
    )


def noise_cause(protocol: TrainingProtocol) -> tuple[str, ...]:
    """The noise of ``protocol``'s hand-built start as a cause of divergence for :func:`check_not_diverged` (if any)."""
    if protocol.init not in ("hand-built", "auto") or not protocol.init_noise:
        return ()
    return (
        f"lower init_noise={protocol.init_noise:g}, the noise added to the hand-built start's weights of order 1 (e.g. 1e-3)",
    )


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One training stage: Adam from a fresh state, over ``epochs`` passes of the data.

    ``schedule='cosine'`` decays the learning rate from ``learning_rate`` to
    ``learning_rate * final_lr_factor`` over the stage, step by step.
    ``leak > 0`` trains with leaky ReLUs whose negative slope starts at
    ``leak`` and falls linearly to 0 by the stage's last step, so the net
    that leaves the stage is a plain ReLU net (this keeps deep, narrow nets
    from dying early). ``epochs`` is at most :data:`~surrogate.options.MAX_COUNT`, ``batch_size`` at most
    :data:`MAX_POINTS`.
    """

    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 1e-3
    loss: str = "mae"
    schedule: str = "constant"
    final_lr_factor: float = 1e-2
    leak: float = 0.0

    def __post_init__(self) -> None:
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        owner = "training stage"
        if not is_number(self.leak, low=0, high=1, high_open=True):
            raise ConfigError(f"{owner}: leak={self.leak!r} must lie in [0, 1)")
        _number(owner, "epochs", self.epochs, integer=True, high=MAX_COUNT)
        _number(owner, "batch_size", self.batch_size, integer=True, high=MAX_POINTS)
        check_learning_rate(owner, self.learning_rate)
        if not is_number(self.final_lr_factor, low=0, high=1, low_open=True):
            raise ConfigError(
                f"{owner}: final_lr_factor={self.final_lr_factor!r} must lie in (0, 1]: the cosine schedule decays "
                "the learning rate to learning_rate * final_lr_factor"
            )
        _choice(owner, "loss", self.loss, LOSSES)
        _choice(owner, "schedule", self.schedule, SCHEDULES)

    def learning_rate_at(self, step: int, total: int) -> float:
        """The learning rate of step ``step`` (1-based) of the stage's ``total`` steps.

        Examples
        --------
        >>> Stage(learning_rate=0.1, schedule="cosine", final_lr_factor=0.5).learning_rate_at(3, 3)
        0.05
        """
        if self.schedule == "constant":
            return self.learning_rate
        f = self.final_lr_factor
        return self.learning_rate * (f + (1 - f) * 0.5 * (1 + math.cos(math.pi * (step - 1) / max(1, total - 1))))


@dataclass(frozen=True, kw_only=True)
class TrainingProtocol:
    """How a net is trained. Validated on construction; immutable.

    Parameters
    ----------
    name
        Protocol name recorded in every exported model.
    n_points
        Uniform training points drawn on [-1, 1]^2 from the net's seed, at most :data:`MAX_POINTS`.
    stages
        Training stages run in order (each with a fresh Adam state).
    init
        ``'glorot'`` (Keras default: Glorot-uniform weights, zero biases),
        ``'data'`` (Glorot weights, then every bias set so that its neuron
        is active on a random 20-80 % of the training points: no dead
        neurons at the start), ``'hand-built'`` (start from the shared-carry
        :func:`surrogate.nets.construct.hand_built` net plus ``init_noise``) or
        ``'auto'`` (see :meth:`resolve`).
    init_noise
        Standard deviation of the noise added to a hand-built start.
    construction
        Variant of the hand-built start: ``'shared'`` (default) or ``'paired'``.
    finetune_stages
        With ``init='auto'``: the stages run from a hand-built start.
    auto_threshold
        With ``init='auto'``: use the hand-built start when the construction
        fits the shape and its estimated MAE is at most this.
    restarts
        Candidates trained per seed (each from its own derived seed); the one
        with the lowest MAE on the seed's validation points is kept; at most :data:`~surrogate.options.MAX_COUNT`.
    adam_eps, beta1, beta2
        Adam settings shared by all stages.
    """

    name: str = "seed"
    n_points: int = 10_000
    stages: tuple[Stage, ...] = (Stage(),)
    init: str = "glorot"
    init_noise: float = 0.0
    construction: str = "shared"
    finetune_stages: tuple[Stage, ...] = ()
    auto_threshold: float = 1e-2
    restarts: int = 1
    adam_eps: float = 1e-7
    beta1: float = 0.9
    beta2: float = 0.999

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError("training protocol needs a non-empty name, e.g. 'seed'")
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys), as in Stage
        owner = f"training protocol {self.name!r}"
        _number(owner, "n_points", self.n_points, integer=True, high=MAX_POINTS)
        for name in ("stages", "finetune_stages"):
            value = check_sequence(
                f"{owner}: {name}", getattr(self, name), example="(Stage(epochs=100),)", of=Stage, what="Stage objects"
            )
            object.__setattr__(self, name, value)
        if not self.stages:
            raise ConfigError(f"{owner}: stages=() must be a non-empty sequence of Stage objects, e.g. (Stage(epochs=100),)")
        _choice(owner, "init", self.init, INITS)
        _choice(owner, "construction", self.construction, ("paired", "shared"))
        _number(owner, "auto_threshold", self.auto_threshold, integer=False)
        _number(owner, "restarts", self.restarts, integer=True, high=MAX_COUNT)
        _number(owner, "init_noise", self.init_noise, integer=False, low_open=False)
        _number(owner, "adam_eps", self.adam_eps, integer=False)
        for field in ("beta1", "beta2"):
            value = getattr(self, field)
            if not is_number(value, low=0, high=1, high_open=True):
                raise ConfigError(f"{owner}: {field}={value!r} must lie in [0, 1)")

    @property
    def epochs(self) -> int:
        """Epochs of all stages together."""
        return sum(s.epochs for s in self.stages)

    def with_epochs(self, epochs: int) -> TrainingProtocol:
        """The same protocol shortened (or stretched) to about ``epochs`` in all (smoke tests)."""
        _number(f"training protocol {self.name!r}", "epochs", epochs, integer=True, high=MAX_COUNT)

        def scaled(stages):
            total = sum(s.epochs for s in stages)
            return tuple(replace(s, epochs=max(1, round(s.epochs * epochs / total))) for s in stages)

        return replace(
            self, stages=scaled(self.stages), finetune_stages=scaled(self.finetune_stages) if self.finetune_stages else ()
        )

    def resolve(self, arch) -> TrainingProtocol:
        """The concrete protocol for ``arch``: ``init='auto'`` becomes a real choice.

        ``auto`` starts from the hand-built (shared-carry) net and runs
        ``finetune_stages`` when the construction fits ``arch`` with an
        estimated MAE of at most ``auto_threshold``; otherwise it uses the
        data-aware init and ``stages``. Other protocols are returned as they are.
        """
        if self.init != "auto":
            return self
        from ..nets.construct import hand_built_mae_estimate

        estimate = hand_built_mae_estimate(arch, self.construction)
        if estimate is not None and estimate <= self.auto_threshold:
            # Restarts from one construction differ only by init_noise: one is enough.
            return replace(self, init="hand-built", stages=self.finetune_stages or self.stages, finetune_stages=(), restarts=1)
        return replace(self, init="data", finetune_stages=())

    def describe(self) -> str:
        """One line saying how the protocol trains (stages, init, restarts)."""
        parts = [
            f"{s.epochs} epochs x batch {s.batch_size}, {s.loss.upper()}, lr {s.learning_rate:g}"
            + (f" cosine to {s.learning_rate * s.final_lr_factor:g}" if s.schedule == "cosine" else "")
            + (f", leak {s.leak:g}->0" if s.leak else "")
            for s in self.stages
        ]
        restarts = f", best of {self.restarts} restarts per seed" if self.restarts > 1 else ""
        return f"{self.name} (init {self.init}{restarts}; " + "; then ".join(parts) + ")"

    def to_dict(self) -> dict:
        """The protocol as a plain dict (JSON-ready), stages included."""
        return asdict(self)


#: From scratch: MSE with a cosine schedule, then MAE at a larger batch.
SCRATCH_STAGES = (
    Stage(epochs=60, batch_size=128, learning_rate=3e-3, loss="mse", schedule="cosine", final_lr_factor=0.03),
    Stage(epochs=40, batch_size=512, learning_rate=1e-3, loss="mae", schedule="cosine", final_lr_factor=0.01),
)
#: A warm-up with leaky ReLUs (slope 0.05 -> 0) that keeps deep, narrow nets alive.
LEAKY_WARM_UP = Stage(epochs=20, batch_size=128, learning_rate=3e-3, loss="mse", leak=0.05)
#: From a hand-built start: gentle MSE, then MAE at a small learning rate.
FINETUNE_STAGES = (
    Stage(epochs=60, batch_size=128, learning_rate=1e-3, loss="mse", schedule="cosine", final_lr_factor=0.003),
    Stage(epochs=40, batch_size=256, learning_rate=1e-4, loss="mae", schedule="cosine", final_lr_factor=0.01),
)

#: The project's best protocol (see ``surrogate bench ablation`` for what each ingredient brings).
BEST = TrainingProtocol(
    name="best",
    n_points=50_000,
    init="auto",
    init_noise=1e-3,
    restarts=8,
    stages=(LEAKY_WARM_UP, *SCRATCH_STAGES),
    finetune_stages=FINETUNE_STAGES,
)

PROTOCOLS: dict[str, TrainingProtocol] = {"seed": TrainingProtocol(), "best": BEST}


def get_protocol(name: str | TrainingProtocol) -> TrainingProtocol:
    """Look up a named protocol (``'seed'``) or pass a protocol object through.

    Parameters
    ----------
    name
        A key of :data:`PROTOCOLS` (``'seed'`` or ``'best'``), or a :class:`TrainingProtocol`.

    Returns
    -------
    TrainingProtocol
        The protocol named, or ``name`` itself.
    """
    if isinstance(name, TrainingProtocol):
        return name
    if not isinstance(name, str):
        raise ConfigError(
            f"training protocol {name!r} is neither a name nor a TrainingProtocol; choose one of {', '.join(sorted(PROTOCOLS))}"
        )
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ConfigError(f"unknown training protocol {name!r}; choose one of {', '.join(sorted(PROTOCOLS))}") from None
