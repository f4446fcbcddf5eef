import numpy as np
import pytest

from surrogate import TrainingProtocol, score, train_many, train_net_naive, train_nets
from surrogate.training import _draw_data_and_init
from surrogate import Architecture, ReluMLP
import torch

pytestmark = pytest.mark.training

SHORT = TrainingProtocol(name="short", epochs=3)


def _initial_net(arch: str, seed: int) -> ReluMLP:
    _, layers = _draw_data_and_init(Architecture.parse(arch), SHORT, torch.Generator().manual_seed(seed))
    return ReluMLP(tuple(w.double().numpy() for w, _ in layers), tuple(b.double().numpy() for _, b in layers))


def test_short_training_lowers_the_loss():
    (trained,) = train_nets("2x12", [0], SHORT)
    assert trained.loss_history[-1] < trained.loss_history[0]
    assert score(trained.net).mae < score(_initial_net("2x12", 0)).mae
    assert trained.train_mae < 0.05


@pytest.mark.parametrize("arch", ["3x8", "6x4"])
def test_batched_trainer_matches_one_net_at_a_time(arch):
    protocol = TrainingProtocol(name="short", epochs=2)
    batched = train_nets(arch, [3, 4], protocol)
    for net in batched:
        alone = train_net_naive(arch, net.seed, protocol)
        for a, b in zip(net.net.weights + net.net.biases, alone.net.weights + alone.net.biases):
            assert np.allclose(a, b, atol=1e-5)
        assert np.allclose(net.loss_history, alone.loss_history, rtol=1e-4)


def test_training_is_reproducible_across_processes():
    protocol = TrainingProtocol(name="short", epochs=1)
    one = train_many(["1x8", "2x4"], [0, 1], protocol, workers=1)
    two = train_many(["1x8", "2x4"], [0, 1], protocol, workers=2)
    for arch in one:
        for a, b in zip(one[arch], two[arch]):
            assert all(np.array_equal(x, y) for x, y in zip(a.net.weights, b.net.weights))


def test_deep_narrow_nets_collapse_and_are_flagged():
    # Under the blog's protocol the 24x1 net dies (as in the blog): it must be reported, not hidden.
    nets = train_nets("24x1", [0, 1], TrainingProtocol(name="short", epochs=2))
    scores = [score(t.net) for t in nets]
    assert all(s.collapsed for s in scores)
    assert all(s.mae == pytest.approx(0.25, abs=5e-3) for s in scores)
