"""A trained net with how it was made, and the rule that fine-tuning may only help."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nets.architecture import Architecture
from ..nets.metrics import validation_mae
from ..nets.network import ReluMLP
from .protocols import TrainingProtocol


@dataclass(frozen=True, eq=False)
class TrainedNet:
    """One trained net with how it was made.

    ``loss_history`` holds, after every epoch, the loss of the stage being
    run (MAE or MSE) on the net's whole training set. ``val_mae`` is the MAE
    on the seed's validation points (used to pick among restarts);
    ``candidate`` says which restart was kept (0 is the seed itself; -1 is
    the exact hand-built start, kept because fine-tuning did not beat it).
    """

    architecture: Architecture
    seed: int
    protocol: TrainingProtocol
    net: ReluMLP
    loss_history: np.ndarray
    train_mae: float
    val_mae: float = float("nan")
    candidate: int = 0


def keep_start_if_better(trained: TrainedNet, train_points: np.ndarray) -> TrainedNet:
    """Fine-tuning may only help: return the exact hand-built start if it beats ``trained`` on validation points.

    The start is the construction itself (no ``init_noise``), rounded to float32 like every
    trained net; it comes back as candidate ``-1``. Other initialisations pass through.

    Parameters
    ----------
    trained
        The trained net.
    train_points
        The points it was trained on.
    """
    if trained.protocol.init != "hand-built":
        return trained
    from ..nets.construct import hand_built

    start = hand_built(trained.architecture, trained.protocol.construction).rounded_to_float32()
    start = ReluMLP(start.weights, start.biases)  # plain net, like the trained ones
    val = validation_mae(start, trained.seed)
    if val >= trained.val_mae:
        return trained
    truth = train_points[:, 0] * train_points[:, 1]
    train_mae = float(np.abs(start.forward(train_points) - truth).mean())
    return TrainedNet(trained.architecture, trained.seed, trained.protocol, start, trained.loss_history, train_mae, val, -1)
