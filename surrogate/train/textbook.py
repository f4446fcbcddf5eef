"""The textbook training loop: one ``nn.Sequential``, autograd, ``torch.optim.Adam``.

It draws the same random numbers as :func:`~surrogate.train.packed.train_packed`,
so it is both the reference that the packed trainer is tested against and the
baseline it is benchmarked against.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..nets.architecture import Architecture
from ..nets.metrics import validation_mae
from ..nets.network import ReluMLP
from .initialisation import candidate_seed, check_seeds, draw_data_and_init, target
from .packed import parse_architectures
from .protocols import Stage, TrainingProtocol, check_not_diverged, get_protocol, noise_cause
from .trained import TrainedNet, keep_start_if_better


def train_net_naive(arch: Architecture | str, seed: int, protocol: TrainingProtocol | str = "seed") -> TrainedNet:
    """The textbook loop: one ``nn.Sequential``, autograd, ``torch.optim.Adam``.

    It draws the same random numbers as :func:`~surrogate.train.packed.train_packed`, so it is both
    the reference that the batched trainer is tested against and the
    baseline it is benchmarked against.

    Parameters
    ----------
    arch
        The shape (an architecture or its name).
    seed
        The net's seed.
    protocol
        A :class:`~surrogate.train.protocols.TrainingProtocol` or its name.

    Returns
    -------
    TrainedNet
        The trained net with its training record.
    """
    (arch,) = parse_architectures([arch], "train_net_naive")
    protocol = get_protocol(protocol).resolve(arch)
    (seed,) = check_seeds([seed])
    candidates = [_train_one_naive(arch, seed, r, protocol) for r in range(protocol.restarts)]
    chosen, points = min(candidates, key=lambda pair: pair[0].val_mae)
    return keep_start_if_better(chosen, points)


def _run_stage_naive(model, activations, x, y, stage: Stage, protocol: TrainingProtocol, gen, history: list) -> None:
    """One stage of the textbook loop, from a fresh Adam state; appends the loss after every epoch to ``history``."""
    optimizer = torch.optim.Adam(
        model.parameters(), lr=stage.learning_rate, betas=(protocol.beta1, protocol.beta2), eps=protocol.adam_eps
    )
    loss_fn = torch.nn.L1Loss() if stage.loss == "mae" else torch.nn.MSELoss()
    total = stage.epochs * math.ceil(protocol.n_points / stage.batch_size)
    step = 0
    for _ in range(stage.epochs):
        perm = torch.randperm(protocol.n_points, generator=gen)
        for start in range(0, protocol.n_points, stage.batch_size):
            step += 1
            for group in optimizer.param_groups:
                group["lr"] = stage.learning_rate_at(step, total)
            for act in activations:
                act.negative_slope = stage.leak * (1 - step / total)
            idx = perm[start : start + stage.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            history.append(float(loss_fn(model(x), y)))
    for act in activations:
        act.negative_slope = 0.0


def _train_one_naive(arch: Architecture, seed: int, candidate: int, protocol: TrainingProtocol) -> tuple[TrainedNet, np.ndarray]:
    """One candidate trained by the textbook loop, with its training points."""
    gen = torch.Generator().manual_seed(candidate_seed(seed, candidate))
    x, layers = draw_data_and_init(arch, protocol, gen)
    y = target(x)
    model = ReluMLP(tuple(w.double().numpy() for w, _ in layers), tuple(b.double().numpy() for _, b in layers)).to_torch()
    activations = []
    for i, module in enumerate(model):
        if isinstance(module, torch.nn.ReLU):
            model[i] = torch.nn.LeakyReLU(0.0)  # equals ReLU at slope 0; a leaky stage raises the slope
            activations.append(model[i])
    model.train()
    history = []
    for stage in protocol.stages:
        _run_stage_naive(model, activations, x, y, stage, protocol, gen, history)
    check_not_diverged(
        [p.detach().numpy() for p in model.parameters()],
        [s.learning_rate for s in protocol.stages],
        "train_net_naive",
        causes=noise_cause(protocol),
    )
    with torch.no_grad():
        train_mae = float((model(x) - y).abs().mean())
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    net = ReluMLP(
        tuple(m.weight.detach().double().numpy().T.copy() for m in linears),
        tuple(m.bias.detach().double().numpy().copy() for m in linears),
    )
    trained = TrainedNet(arch, seed, protocol, net, np.array(history), train_mae, validation_mae(net, seed), candidate)
    return trained, x.numpy()
