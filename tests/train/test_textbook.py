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
