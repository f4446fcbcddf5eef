"""Training ReLU MLPs for x*y in PyTorch.

:func:`train_nets` trains all seeds of one architecture in a single batched
computation: the weights of ``S`` nets are stacked into ``(S, n_in, n_out)``
tensors, each step is a handful of batched matmuls with a hand-written
backward pass, and Adam updates the stacked tensors element-wise (so every net
has its own, independent Adam state). Every random draw of a net comes from
its own ``torch.Generator`` seeded with the net's seed, in a fixed order
(data, initial weights, one permutation per epoch), so a net trained alone
(:func:`train_net_naive`) or in a batch gets the same weights.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
import multiprocessing
from typing import Sequence

import numpy as np
import torch

from .architecture import Architecture
from .errors import ConfigError
from .network import ReluMLP
from .protocols import TrainingProtocol, get_protocol


@dataclass(frozen=True, eq=False)
class TrainedNet:
    """One trained net with how it was made."""

    architecture: Architecture
    seed: int
    protocol: TrainingProtocol
    net: ReluMLP
    loss_history: np.ndarray  # mean training loss per epoch
    train_mae: float  # MAE on the net's own training set after training


def target(points: torch.Tensor) -> torch.Tensor:
    """The function being approximated, f(x, y) = x*y; ``points[..., 0:2]``."""
    return points[..., 0:1] * points[..., 1:2]


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    seeds = list(seeds)
    if not seeds:
        raise ConfigError("no seeds given; pass at least one integer seed, e.g. seeds=[0]")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise ConfigError(f"seed {s!r} must be a non-negative integer")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seeds {seeds} contain duplicates; give each net its own seed")
    return seeds


def _draw_data_and_init(arch: Architecture, protocol: TrainingProtocol, gen: torch.Generator):
    """Training points and Glorot-uniform weights / zero biases (Keras defaults)."""
    points = torch.rand((protocol.n_points, arch.n_inputs), generator=gen) * 2 - 1
    layers = []
    for n_in, n_out in zip(arch.layer_sizes[:-1], arch.layer_sizes[1:]):
        limit = math.sqrt(6.0 / (n_in + n_out))
        w = (torch.rand((n_in, n_out), generator=gen) * 2 - 1) * limit
        layers.append((w, torch.zeros(n_out)))
    return points, layers


def _loss_and_grad(out: torch.Tensor, y: torch.Tensor, loss: str):
    """Per-net mean loss over the batch and its gradient w.r.t. ``out``."""
    diff = out - y
    n = diff.shape[-2]
    if loss == "mae":
        return diff.abs().mean(dim=(-2, -1)), torch.sign(diff) / n
    return (diff * diff).mean(dim=(-2, -1)), diff * (2.0 / n)


def train_nets(
    arch: Architecture | str,
    seeds: Sequence[int],
    protocol: TrainingProtocol | str = "seed",
    *,
    threads: int | None = None,
) -> list[TrainedNet]:
    """Train one net per seed, all at once, and return them in seed order.

    Parameters
    ----------
    arch
        The architecture (``Architecture`` or text such as ``'3x8'``).
    seeds
        One seed per net; the seed fixes data, initial weights and shuffles.
    protocol
        A :class:`TrainingProtocol` or a protocol name.
    threads
        Torch intra-op threads for this call (default: leave as set).
    """
    arch = Architecture.parse(arch)
    protocol = get_protocol(protocol)
    seeds = _check_seeds(seeds)
    if threads is not None:
        torch.set_num_threads(threads)
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    drawn = [_draw_data_and_init(arch, protocol, g) for g in gens]
    x_all = torch.stack([d[0] for d in drawn])  # (S, N, 2)
    y_all = target(x_all)
    n_layers = len(arch.layer_sizes) - 1
    weights = [torch.stack([d[1][i][0] for d in drawn]).requires_grad_() for i in range(n_layers)]
    biases = [torch.stack([d[1][i][1] for d in drawn]).unsqueeze(1).requires_grad_() for i in range(n_layers)]
    params = [p for pair in zip(weights, biases) for p in pair]
    optimizer = torch.optim.Adam(
        params,
        lr=protocol.learning_rate,
        betas=(protocol.beta1, protocol.beta2),
        eps=protocol.adam_eps,
        foreach=True,
    )
    history = np.zeros((len(seeds), protocol.epochs))
    batch = protocol.batch_size
    n_batches = math.ceil(protocol.n_points / batch)
    with torch.no_grad():
        for epoch in range(protocol.epochs):
            perms = torch.stack([torch.randperm(protocol.n_points, generator=g) for g in gens])
            xs = torch.take_along_dim(x_all, perms.unsqueeze(-1), dim=1)
            ys = torch.take_along_dim(y_all, perms.unsqueeze(-1), dim=1)
            epoch_loss = torch.zeros(len(seeds))
            for start in range(0, protocol.n_points, batch):
                xb, yb = xs[:, start : start + batch], ys[:, start : start + batch]
                loss, grad = _step(xb, yb, weights, biases, protocol.loss)
                epoch_loss += loss
                optimizer.step()
            history[:, epoch] = (epoch_loss / n_batches).numpy()
        out = _forward(x_all, weights, biases)
        train_mae = (out - y_all).abs().mean(dim=(1, 2)).numpy()
    results = []
    for k, seed in enumerate(seeds):
        net = ReluMLP(
            tuple(w[k].detach().double().numpy() for w in weights),
            tuple(b[k, 0].detach().double().numpy() for b in biases),
        )
        results.append(TrainedNet(arch, seed, protocol, net, history[k].copy(), float(train_mae[k])))
    return results


def _forward(x, weights, biases):
    h = x
    for w, b in zip(weights[:-1], biases[:-1]):
        h = torch.baddbmm(b, h, w).clamp_(min=0)
    return torch.baddbmm(biases[-1], h, weights[-1])


def _step(xb, yb, weights, biases, loss_name):
    """Forward, loss, and a hand-written backward pass; sets ``.grad`` on every parameter."""
    acts = [xb]
    h = xb
    for w, b in zip(weights[:-1], biases[:-1]):
        h = torch.baddbmm(b, h, w).clamp_(min=0)
        acts.append(h)
    out = torch.baddbmm(biases[-1], h, weights[-1])
    loss, g = _loss_and_grad(out, yb, loss_name)
    for i in range(len(weights) - 1, -1, -1):
        weights[i].grad = torch.bmm(acts[i].transpose(1, 2), g)
        biases[i].grad = g.sum(dim=1, keepdim=True)
        if i:
            g = torch.bmm(g, weights[i].transpose(1, 2)) * (acts[i] > 0)
    return loss, g


def train_net_naive(
    arch: Architecture | str, seed: int, protocol: TrainingProtocol | str = "seed"
) -> TrainedNet:
    """The textbook loop: one ``nn.Sequential``, ``torch.optim.Adam`` and autograd.

    It draws the same random numbers as :func:`train_nets`, so it is both the
    reference that the batched trainer is tested against and the baseline it
    is benchmarked against.
    """
    arch = Architecture.parse(arch)
    protocol = get_protocol(protocol)
    (seed,) = _check_seeds([seed])
    gen = torch.Generator().manual_seed(seed)
    x, layers = _draw_data_and_init(arch, protocol, gen)
    y = target(x)
    model = ReluMLP(tuple(w.double().numpy() for w, _ in layers), tuple(b.double().numpy() for _, b in layers)).to_torch()
    model.train()
    optimizer = torch.optim.Adam(
        model.parameters(), lr=protocol.learning_rate, betas=(protocol.beta1, protocol.beta2), eps=protocol.adam_eps
    )
    loss_fn = torch.nn.L1Loss() if protocol.loss == "mae" else torch.nn.MSELoss()
    history = np.zeros(protocol.epochs)
    n_batches = math.ceil(protocol.n_points / protocol.batch_size)
    for epoch in range(protocol.epochs):
        perm = torch.randperm(protocol.n_points, generator=gen)
        total = 0.0
        for start in range(0, protocol.n_points, protocol.batch_size):
            idx = perm[start : start + protocol.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
        history[epoch] = total / n_batches
    with torch.no_grad():
        train_mae = float((model(x) - y).abs().mean())
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    net = ReluMLP(
        tuple(m.weight.detach().double().numpy().T.copy() for m in linears),
        tuple(m.bias.detach().double().numpy().copy() for m in linears),
    )
    return TrainedNet(arch, seed, protocol, net, history, train_mae)


def _train_job(job):
    arch, seeds, protocol = job
    return train_nets(arch, seeds, protocol, threads=1)


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def train_many(
    archs: Sequence[Architecture | str],
    seeds: Sequence[int],
    protocol: TrainingProtocol | str = "seed",
    *,
    workers: int | None = None,
    progress=None,
) -> dict[Architecture, list[TrainedNet]]:
    """Train every seed of every architecture, spreading architectures over processes.

    Parameters
    ----------
    workers
        Processes to use (default: one per available core). ``1`` trains in
        this process.
    progress
        Optional callable ``progress(arch)`` called as each architecture finishes.
    """
    archs = [Architecture.parse(a) for a in archs]
    protocol = get_protocol(protocol)
    seeds = _check_seeds(seeds)
    workers = default_workers() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers={workers!r} must be a positive integer")
    # Deep nets cost the most per step: start them first so the pool stays busy.
    order = sorted(archs, key=lambda a: -a.depth)
    jobs = [(a, seeds, protocol) for a in order]
    results: dict[Architecture, list[TrainedNet]] = {}
    if workers == 1 or len(jobs) == 1:
        for job in jobs:
            results[job[0]] = train_nets(*job)
            if progress:
                progress(job[0])
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
            futures = {pool.submit(_train_job, job): job[0] for job in jobs}
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(futures[fut])
    return {a: results[a] for a in archs}
