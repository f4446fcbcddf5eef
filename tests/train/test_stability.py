"""Differentiable bounds and MILP-cost penalties (surrogate.train.stability): formulas, soundness, gradients."""

import numpy as np
import pytest
import torch

from surrogate.errors import ConfigError
from surrogate.milp.bounds import compute_bounds
from surrogate.train.stability import (
    PENALTIES,
    bigm_penalty,
    check_penalties,
    interval_bounds,
    penalty,
    sampled_bounds,
    stability_penalty,
    stable_masks,
    triangle_penalty,
)
from tests.helpers import random_net

BOX = ((-1.0, 1.0), (-1.0, 1.0))


def _tensors(net, grad=False):
    ws = [torch.tensor(w, requires_grad=grad) for w in net.weights]
    bs = [torch.tensor(b, requires_grad=grad) for b in net.biases]
    return ws, bs


def _preactivations(net, points, linear=None):
    """Every hidden layer's pre-activations at ``points`` (numpy), linear neurons unclipped."""
    h, out = points, []
    for k, (w, b) in enumerate(zip(net.weights[:-1], net.biases[:-1])):
        z = h @ w + b
        out.append(z)
        h = np.where(linear[k], z, np.maximum(z, 0)) if linear is not None else np.maximum(z, 0)
    return out


def test_penalty_formulas():
    lo, hi = torch.tensor([-1.0, -3.0, 0.5, -2.0]), torch.tensor([1.0, 1.0, 2.0, -1.0])
    assert torch.allclose(stability_penalty(lo, hi), -torch.tanh(1 + lo * hi))
    assert torch.allclose(bigm_penalty(lo, hi), torch.tensor([0.5, 0.75, 0.0, 0.0]))
    assert torch.allclose(triangle_penalty(lo, hi), torch.tensor([0.5, 1.5, 0.0, 0.0]))
    # the big-M width lies between min(u, -l)/2 and min(u, -l) on unstable neurons
    m = torch.minimum(hi, -lo)[:2]
    assert torch.all(bigm_penalty(lo, hi)[:2] >= m / 2) and torch.all(bigm_penalty(lo, hi)[:2] <= m)


def test_penalty_is_a_mean_over_neurons_of_free_ones():
    bounds = [(torch.tensor([-1.0, 1.0]), torch.tensor([1.0, 2.0])), (torch.tensor([-3.0]), torch.tensor([1.0]))]
    assert float(penalty(bounds, ["triangle"])) == pytest.approx((0.5 + 0 + 1.5) / 3)
    free = [torch.tensor([False, True]), torch.tensor([True])]
    assert float(penalty(bounds, ["triangle"], free=free)) == pytest.approx(1.5 / 3)
    # stability is shifted by +1: a stable neuron far from zero costs about nothing
    far = [(torch.tensor([5.0]), torch.tensor([6.0]))]
    assert float(penalty(far, ["stability", "bigm"])) == pytest.approx(0.0, abs=1e-12)


def test_interval_bounds_with_one_cell_are_the_milp_interval_method():
    net = random_net((6, 6, 6), seed=3)
    ws, bs = _tensors(net)
    ours = interval_bounds(ws, bs, BOX)
    theirs = compute_bounds(net, "interval").hidden
    for (lo, hi), (tlo, thi) in zip(ours, theirs):
        np.testing.assert_allclose(lo.numpy(), tlo, atol=1e-12)
        np.testing.assert_allclose(hi.numpy(), thi, atol=1e-12)


@pytest.mark.parametrize("linear", [False, True])
def test_interval_bounds_are_sound_and_tighten_with_splits(linear):
    net = random_net((6, 6, 6), seed=4)
    masks = [np.arange(6) % 3 == 0 for _ in range(3)] if linear else None
    torch_masks = [torch.tensor(m) for m in masks] if linear else None
    ws, bs = _tensors(net)
    points = np.random.default_rng(0).uniform(-1, 1, (20_000, 2))
    reached = _preactivations(net, points, masks)
    coarse = interval_bounds(ws, bs, BOX, linear=torch_masks)
    fine = interval_bounds(ws, bs, BOX, splits=16, linear=torch_masks)
    for z, (clo, chi), (flo, fhi) in zip(reached, coarse, fine):
        assert np.all(z.min(axis=0) >= flo.numpy() - 1e-12) and np.all(z.max(axis=0) <= fhi.numpy() + 1e-12)
        assert np.all(flo.numpy() >= clo.numpy() - 1e-12) and np.all(fhi.numpy() <= chi.numpy() + 1e-12)
    assert sum(float((c[1] - c[0]).sum()) for c in coarse) > sum(float((f[1] - f[0]).sum()) for f in fine)


def test_sampled_bounds_are_the_range_at_the_points():
    net = random_net((5, 5), seed=5)
    ws, bs = _tensors(net)
    points = np.random.default_rng(1).uniform(-1, 1, (500, 2))
    masks = [np.array([True, False, False, True, False])] * 2
    found = sampled_bounds(ws, bs, torch.tensor(points), linear=[torch.tensor(m) for m in masks])
    for z, (lo, hi) in zip(_preactivations(net, points, masks), found):
        np.testing.assert_allclose(lo.numpy(), z.min(axis=0), atol=1e-12)
        np.testing.assert_allclose(hi.numpy(), z.max(axis=0), atol=1e-12)


@pytest.mark.parametrize("name", list(PENALTIES))
@pytest.mark.parametrize("bounds", ["interval", "sampled"])
def test_penalties_are_differentiable_in_the_weights(name, bounds):
    net = random_net((6, 6), seed=6)
    ws, bs = _tensors(net, grad=True)
    if bounds == "interval":
        found = interval_bounds(ws, bs, BOX, splits=4)
    else:
        found = sampled_bounds(ws, bs, torch.tensor(np.random.default_rng(2).uniform(-1, 1, (400, 2))))
    penalty(found, [name]).backward()
    assert all(torch.isfinite(p.grad).all() for p in ws[:-1] + bs[:-1])
    assert sum(float(p.grad.abs().sum()) for p in ws[:-1] + bs[:-1]) > 0


def test_stable_masks_with_and_without_tolerance():
    lower = [np.array([0.0, -1.0, -2.0, -0.01, -0.01])]
    upper = [np.array([1.0, 1.0, -1.0, 1.0, 0.0])]
    active, inactive = stable_masks(lower, upper)
    assert active[0].tolist() == [True, False, False, False, False]
    assert inactive[0].tolist() == [False, False, True, False, True]
    active, inactive = stable_masks(lower, upper, tolerance=0.02)
    assert active[0].tolist() == [True, False, False, True, False]
    assert inactive[0].tolist() == [False, False, True, False, True]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: check_penalties(["stability", "size"]), "each must be one of stability, bigm, triangle"),
        (lambda: check_penalties(["bigm", "bigm"]), "named once"),
        (
            lambda: check_penalties("bigm"),
            r"penalties='bigm' must be a sequence of names, not one string; for that one, pass \('bigm',\)",
        ),
        (lambda: stable_masks([np.zeros(2)], [np.ones(2)], tolerance=0.5), r"tolerance=0.5 must be a number in \[0, 0.5\)"),
        (
            lambda: interval_bounds([torch.ones(2, 1)] * 2, [torch.ones(1)] * 2, BOX, splits=0),
            "splits=0 must be a positive integer",
        ),
    ],
)
def test_bad_input_is_refused_with_a_fix(call, match):
    with pytest.raises(ConfigError, match=match):
        call()
