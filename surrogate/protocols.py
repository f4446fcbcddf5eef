"""Named training protocols.

``seed`` reproduces the 2021 blog's Keras set-up: 10,000 uniform points on
[-1, 1]^2, Dense ReLU layers with Glorot-uniform weights and zero biases, a
linear output, Adam (lr 1e-3, epsilon 1e-7), batch 32 reshuffled every
epoch, MAE loss, 100 epochs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .errors import ConfigError

LOSSES = ("mae", "mse")


def _positive(owner: str, name: str, value: float, *, integer: bool) -> None:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        expected = "a positive integer" if integer else "a positive number"
        raise ConfigError(f"{owner}: {name}={value!r} must be {expected}")


@dataclass(frozen=True)
class TrainingProtocol:
    """How a net is trained. Validated on construction; immutable.

    Parameters
    ----------
    name
        Protocol name recorded in every exported model.
    n_points
        Uniform training points drawn on [-1, 1]^2 from the net's seed.
    epochs, batch_size
        Passes over the data and mini-batch size (data reshuffled each epoch;
        the last batch of an epoch may be smaller, as in Keras).
    learning_rate, adam_eps, beta1, beta2
        Adam settings.
    loss
        ``"mae"`` or ``"mse"``.
    """

    name: str = "seed"
    n_points: int = 10_000
    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 1e-3
    adam_eps: float = 1e-7
    beta1: float = 0.9
    beta2: float = 0.999
    loss: str = "mae"

    def __post_init__(self) -> None:
        owner = f"training protocol {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError("training protocol needs a non-empty name, e.g. 'seed'")
        for field in ("n_points", "epochs", "batch_size"):
            _positive(owner, field, getattr(self, field), integer=True)
        for field in ("learning_rate", "adam_eps"):
            _positive(owner, field, getattr(self, field), integer=False)
        for field in ("beta1", "beta2"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ConfigError(f"{owner}: {field}={value!r} must lie in [0, 1)")
        if self.loss not in LOSSES:
            raise ConfigError(f"{owner}: loss={self.loss!r} is unknown; choose one of {', '.join(LOSSES)}")

    def with_epochs(self, epochs: int) -> TrainingProtocol:
        """The same protocol with another number of epochs (for smoke tests)."""
        return replace(self, epochs=epochs)

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
