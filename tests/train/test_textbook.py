"""The textbook training loop (textbook.py): what it keeps of its restarts."""

from __future__ import annotations

import numpy as np
import pytest

from surrogate import TrainingProtocol, train_net_naive, train_nets
from surrogate.train.protocols import Stage


def test_the_textbook_loop_keeps_the_restart_with_the_lowest_validation_mae():
    """Its candidates are the packed trainer's (the same random numbers): it keeps the one the packed trainer keeps,
    the lowest validation MAE. Kills X01 (the highest kept)."""
    protocol = TrainingProtocol(name="r", n_points=128, restarts=3, stages=(Stage(epochs=1, batch_size=64),))
    naive = train_net_naive("1x4", 3, protocol)
    packed = train_nets("1x4", [3], protocol)[0]
    assert naive.candidate == packed.candidate and naive.val_mae == pytest.approx(packed.val_mae, rel=1e-4)
    for w_naive, w_packed in zip(naive.net.weights, packed.net.weights):
        np.testing.assert_allclose(w_naive, w_packed, rtol=1e-4, atol=1e-6)


def test_an_mse_stage_of_the_textbook_loop_trains_as_the_packed_trainers():
    """Kills X05 (an MSE stage trained on the MAE: another net than the packed trainer's)."""
    protocol = TrainingProtocol(name="m", n_points=128, stages=(Stage(epochs=2, batch_size=64, loss="mse"),))
    naive, packed = train_net_naive("1x4", 2, protocol), train_nets("1x4", [2], protocol)[0]
    np.testing.assert_allclose(naive.loss_history, packed.loss_history, rtol=1e-4)
    for w_naive, w_packed in zip(naive.net.weights, packed.net.weights):
        np.testing.assert_allclose(w_naive, w_packed, rtol=1e-4, atol=1e-6)
