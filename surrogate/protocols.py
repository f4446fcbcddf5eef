"""Named training protocols.

A protocol is an initialisation plus one or more *stages* (epochs, batch size,
learning-rate schedule, loss) run one after another with a fresh Adam state.

``seed`` reproduces the 2021 blog's Keras set-up: 10,000 uniform points on
[-1, 1]^2, Dense ReLU layers with Glorot-uniform weights and zero biases, a
linear output, Adam (lr 1e-3, epsilon 1e-7), batch 32 reshuffled every
epoch, MAE loss, 100 epochs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .errors import ConfigError

LOSSES = ("mae", "mse")
SCHEDULES = ("constant", "cosine")
INITS = ("glorot", "data", "hand-built")


def _number(owner: str, name: str, value, *, integer: bool, low: float = 0.0, low_open: bool = True) -> None:
    kind = int if integer else (int, float)
    bad = isinstance(value, bool) or not isinstance(value, kind) or (value <= low if low_open else value < low)
    if bad:
        expected = "an integer" if integer else "a number"
        relation = ">" if low_open else ">="
        raise ConfigError(f"{owner}: {name}={value!r} must be {expected} {relation} {low:g}")


def _choice(owner: str, name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{owner}: {name}={value!r} is unknown; choose one of {', '.join(choices)}")


@dataclass(frozen=True)
class Stage:
    """One training stage: Adam from a fresh state, over ``epochs`` passes of the data.

    ``schedule='cosine'`` decays the learning rate from ``learning_rate`` to
    ``learning_rate * final_lr_factor`` over the stage, step by step.
    """

    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 1e-3
    loss: str = "mae"
    schedule: str = "constant"
    final_lr_factor: float = 1e-2

    def __post_init__(self) -> None:
        owner = "training stage"
        _number(owner, "epochs", self.epochs, integer=True)
        _number(owner, "batch_size", self.batch_size, integer=True)
        _number(owner, "learning_rate", self.learning_rate, integer=False)
        _number(owner, "final_lr_factor", self.final_lr_factor, integer=False)
        _choice(owner, "loss", self.loss, LOSSES)
        _choice(owner, "schedule", self.schedule, SCHEDULES)


@dataclass(frozen=True)
class TrainingProtocol:
    """How a net is trained. Validated on construction; immutable.

    Parameters
    ----------
    name
        Protocol name recorded in every exported model.
    n_points
        Uniform training points drawn on [-1, 1]^2 from the net's seed.
    stages
        Training stages run in order (each with a fresh Adam state).
    init
        ``'glorot'`` (Keras default: Glorot-uniform weights, zero biases),
        ``'data'`` (Glorot weights, then every bias set so that its neuron
        is active on a random 20-80 % of the training points: no dead
        neurons at the start) or ``'hand-built'`` (start from
        :func:`surrogate.construct.hand_built` plus ``init_noise``).
    init_noise
        Standard deviation of the noise added to a hand-built start.
    adam_eps, beta1, beta2
        Adam settings shared by all stages.
    """

    name: str = "seed"
    n_points: int = 10_000
    stages: tuple[Stage, ...] = (Stage(),)
    init: str = "glorot"
    init_noise: float = 0.0
    adam_eps: float = 1e-7
    beta1: float = 0.9
    beta2: float = 0.999

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError("training protocol needs a non-empty name, e.g. 'seed'")
        owner = f"training protocol {self.name!r}"
        _number(owner, "n_points", self.n_points, integer=True)
        stages = tuple(self.stages)
        if not stages or not all(isinstance(s, Stage) for s in stages):
            raise ConfigError(f"{owner}: stages must be a non-empty sequence of Stage objects")
        object.__setattr__(self, "stages", stages)
        _choice(owner, "init", self.init, INITS)
        _number(owner, "init_noise", self.init_noise, integer=False, low_open=False)
        _number(owner, "adam_eps", self.adam_eps, integer=False)
        for field in ("beta1", "beta2"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ConfigError(f"{owner}: {field}={value!r} must lie in [0, 1)")

    @property
    def epochs(self) -> int:
        return sum(s.epochs for s in self.stages)

    def with_epochs(self, epochs: int) -> TrainingProtocol:
        """The same protocol shortened (or stretched) to about ``epochs`` in all (smoke tests)."""
        _number(f"training protocol {self.name!r}", "epochs", epochs, integer=True)
        total = self.epochs
        stages = tuple(replace(s, epochs=max(1, round(s.epochs * epochs / total))) for s in self.stages)
        return replace(self, stages=stages)

    def describe(self) -> str:
        parts = [
            f"{s.epochs} epochs x batch {s.batch_size}, {s.loss.upper()}, lr {s.learning_rate:g}"
            + (f" cosine to {s.learning_rate * s.final_lr_factor:g}" if s.schedule == "cosine" else "")
            for s in self.stages
        ]
        return f"{self.name} (init {self.init}; " + "; then ".join(parts) + ")"

    def to_dict(self) -> dict:
        return asdict(self)


PROTOCOLS: dict[str, TrainingProtocol] = {"seed": TrainingProtocol()}


def get_protocol(name: str | TrainingProtocol) -> TrainingProtocol:
    """Look up a named protocol (``'seed'``) or pass a protocol object through."""
    if isinstance(name, TrainingProtocol):
        return name
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ConfigError(
            f"unknown training protocol {name!r}; choose one of {', '.join(sorted(PROTOCOLS))}"
        ) from None
