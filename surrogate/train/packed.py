"""Many nets trained as one computation: stacked weights, a hand-written backward pass, flat Adam.

* **Stacking.** The weights of ``S`` nets live in one flat ``(S, P)`` buffer;
  each layer is a ``(S, n_in, n_out)`` view of it, each step is a handful of
  batched matmuls with a hand-written backward pass that writes the
  gradients straight into a flat gradient buffer, and Adam is a few
  element-wise operations on the flat buffers, so every net keeps its own,
  independent Adam state.
* **Packing.** Shapes of different depth and width share one computation: a
  shallower net is padded with identity layers (``relu(h) = h`` for the
  non-negative activations ``h``) and a narrower one with zero units; a
  fixed 0/1 mask keeps every padded entry frozen, so each net trains exactly
  as it would alone (:mod:`surrogate.train.packing` decides which shapes share).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch

from ..errors import ConfigError
from ..nets.architecture import Architecture, check_product_shapes
from ..nets.metrics import validation_mae
from ..nets.network import ReluMLP
from ..options import MAX_CPU_THREADS, check_count
from ..reproducible import check_math_paths
from .initialisation import candidate_seed, check_seeds, draw_data_and_init, target
from .protocols import Stage, TrainingProtocol, check_not_diverged, get_protocol, noise_cause
from .trained import TrainedNet, keep_start_if_better


class _Pack:
    """Flat-buffer layout of several nets padded to one depth and width."""

    def __init__(self, nets: Sequence[tuple[Architecture, int]], protocol: TrainingProtocol):
        self.nets = list(nets)
        self.depth = max(a.depth for a, _ in nets)
        self.width = max(max(a.hidden) for a, _ in nets)
        n_inputs = nets[0][0].n_inputs
        self.sizes = (n_inputs, *([self.width] * self.depth), 1)
        self.offsets = []
        total = 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            self.offsets.append((total, total + n_in * n_out, n_in, n_out))
            total += n_in * n_out + n_out
        count = len(nets)
        self.params = torch.zeros(count, total)
        self.mask = torch.zeros(count, total)
        self.gens = []
        data = []
        for k, (arch, seed) in enumerate(nets):
            gen = torch.Generator().manual_seed(seed)
            points, layers = draw_data_and_init(arch, protocol, gen)
            self.gens.append(gen)
            data.append(points)
            self._embed(k, arch, layers)
        self.padded = bool((self.mask == 0).any())
        # real[l][k] = 1 where hidden layer l of net k is a real layer, 0 for a frozen identity layer
        self.real = [torch.tensor([[[1.0 if layer < arch.depth else 0.0]] for arch, _ in nets]) for layer in range(self.depth)]
        self.x = torch.stack(data)
        self.y = target(self.x)

    def weights(self, flat: torch.Tensor):
        """Per-layer ``(S, n_in, n_out)`` weight and ``(S, 1, n_out)`` bias views of a flat ``(S, P)`` buffer."""
        ws = [flat[:, w0:b0].view(-1, n_in, n_out) for w0, b0, n_in, n_out in self.offsets]
        bs = [flat[:, b0 : b0 + n_out].view(-1, 1, n_out) for w0, b0, n_in, n_out in self.offsets]
        return ws, bs

    def _embed(self, k: int, arch: Architecture, layers) -> None:
        ws, bs = self.weights(self.params)
        mw, mb = self.weights(self.mask)
        last = arch.depth
        for i, (w, b) in enumerate(layers):
            slot = i if i < last else self.depth  # the output layer always sits last
            ws[slot][k, : w.shape[0], : w.shape[1]] = w
            bs[slot][k, 0, : b.shape[0]] = b
            mw[slot][k, : w.shape[0], : w.shape[1]] = 1
            mb[slot][k, 0, : b.shape[0]] = 1
        width_last = arch.hidden[-1]
        for slot in range(last, self.depth):  # frozen identity layers
            ws[slot][k, :width_last, :width_last] = torch.eye(width_last)

    def extract(self, k: int) -> ReluMLP:
        """Net ``k`` alone, without its padding, in float64."""
        arch = self.nets[k][0]
        ws, bs = self.weights(self.params.detach())
        sizes = arch.layer_sizes
        slots = [*range(arch.depth), self.depth]
        return ReluMLP(
            tuple(ws[s][k, : sizes[i], : sizes[i + 1]].double().numpy().copy() for i, s in enumerate(slots)),
            tuple(bs[s][k, 0, : sizes[i + 1]].double().numpy().copy() for i, s in enumerate(slots)),
        )


def _forward(x, ws, bs, slopes=None, acts: list | None = None):
    """Output of every packed net at ``x``; hidden activations are appended to ``acts`` if given.

    ``slopes`` (one ``(S, 1, 1)`` tensor per hidden layer) makes the hidden
    activations leaky ReLUs with those negative slopes; ``None`` means ReLU.
    """
    h = x
    for i, (w, b) in enumerate(zip(ws[:-1], bs[:-1])):
        z = torch.baddbmm(b, h, w)
        h = z.clamp_(min=0) if slopes is None else torch.where(z > 0, z, z * slopes[i])
        if acts is not None:
            acts.append(h)
    return torch.baddbmm(bs[-1], h, ws[-1])


def _forward_backward(xb, yb, ws, bs, gws, gbs, loss: str, slopes=None) -> None:
    """One batch: forward, loss gradient, and backward into the flat gradient views."""
    acts = [xb]
    diff = _forward(xb, ws, bs, slopes, acts).sub_(yb)
    n = xb.shape[1]
    g = torch.sign(diff).mul_(1.0 / n) if loss == "mae" else diff.mul_(2.0 / n)
    for i in range(len(ws) - 1, -1, -1):
        torch.bmm(acts[i].transpose(1, 2), g, out=gws[i])
        torch.sum(g, dim=1, keepdim=True, out=gbs[i])
        if i:
            g = torch.bmm(g, ws[i].transpose(1, 2))
            if slopes is None:
                g = torch.ops.aten.threshold_backward(g, acts[i], 0)
            else:
                g = torch.where(acts[i] > 0, g, g * slopes[i - 1])


def _full_loss(pack: _Pack, loss: str, slopes=None) -> torch.Tensor:
    """Loss of every net on its whole training set (with the leaky slopes in force, if any)."""
    ws, bs = pack.weights(pack.params)
    diff = _forward(pack.x, ws, bs, slopes) - pack.y
    return (diff.abs() if loss == "mae" else diff * diff).mean(dim=(1, 2))


def _run_stage(pack: _Pack, stage: Stage, protocol: TrainingProtocol, history: list) -> None:
    params = pack.params
    grads = torch.zeros_like(params)
    m, v = torch.zeros_like(params), torch.zeros_like(params)
    ws, bs = pack.weights(params)
    gws, gbs = pack.weights(grads)
    n = protocol.n_points
    batch = stage.batch_size
    total = stage.epochs * math.ceil(n / batch)
    b1, b2, eps = protocol.beta1, protocol.beta2, protocol.adam_eps
    step = 0
    slopes = None
    for _ in range(stage.epochs):
        perms = torch.stack([torch.randperm(n, generator=g) for g in pack.gens]).unsqueeze(-1)
        xs = torch.take_along_dim(pack.x, perms, dim=1)
        ys = torch.take_along_dim(pack.y, perms, dim=1)
        for start in range(0, n, batch):
            step += 1
            slopes = None
            if stage.leak:
                alpha = stage.leak * (1 - step / total)
                # real layers leak with alpha; a padded identity layer must pass negatives unchanged (slope 1)
                slopes = [alpha * r + (1 - r) for r in pack.real]
            _forward_backward(xs[:, start : start + batch], ys[:, start : start + batch], ws, bs, gws, gbs, stage.loss, slopes)
            if pack.padded:
                grads.mul_(pack.mask)
            # Adam, in PyTorch's form: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
            m.lerp_(grads, 1 - b1)
            v.mul_(b2).addcmul_(grads, grads, value=1 - b2)
            denom = v.sqrt().div_(math.sqrt(1 - b2**step)).add_(eps)
            params.addcdiv_(m, denom, value=-stage.learning_rate_at(step, total) / (1 - b1**step))
        history.append(_full_loss(pack, stage.loss, slopes))


def parse_architectures(archs: Sequence[Architecture | str], where: str = "train_packed") -> list[Architecture]:
    """``archs`` parsed, refused when there are none or one is not 2 inputs -> 1 output (what every training entry point
    takes; ``where``: the one called, named in that refusal)."""
    if isinstance(archs, (str, Architecture)):
        archs = [archs]  # one shape, as train_nets takes it
    if not isinstance(archs, Iterable):
        raise ConfigError(f"archs={archs!r} must be a list of architectures, e.g. ['3x8', '2x12'] (or one, e.g. '3x8')")
    parsed = [Architecture.parse(a) for a in archs]
    if not parsed:
        raise ConfigError("no architectures given; pass at least one, e.g. ['3x8']")
    check_product_shapes(parsed, f"{where}: ", where)  # before any training (a 3-input net failed once trained)
    return parsed


def _check_packable(archs: list[Architecture], protocol: TrainingProtocol) -> TrainingProtocol:
    """The one protocol that ``protocol`` resolves to for every shape of ``archs``."""
    if len({(a.n_inputs, a.n_outputs) for a in archs}) != 1 or archs[0].n_outputs != 1:
        raise ConfigError("packed training needs nets with the same number of inputs and one output")
    resolved = {protocol.resolve(a) for a in archs}
    if len(resolved) != 1:
        raise ConfigError(
            f"protocol {protocol.name!r} resolves differently for {', '.join(a.name for a in archs)}; "
            "train them in separate packs (train_many does this)"
        )
    (protocol,) = resolved
    return protocol


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the ``with`` block on ``threads`` PyTorch threads (``None``: as they are), then give back the caller's count.

    ``torch.set_num_threads`` is process-wide: training in the caller's process must not leave it changed.
    """
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def train_packed(
    archs: Sequence[Architecture | str],
    seeds: Sequence[int],
    protocol: TrainingProtocol | str = "seed",
    *,
    threads: int | None = None,
) -> dict[Architecture, list[TrainedNet]]:
    """Train every seed of every architecture in one packed computation.

    Returns the nets per architecture, in seed order.

    Parameters
    ----------
    archs
        The shapes (architectures or their names).
    seeds
        Distinct seeds in ``[0, MAX_SEED]``, one net each per shape.
    protocol
        A :class:`~surrogate.train.protocols.TrainingProtocol` or its name.
    threads
        PyTorch's threads, at most :data:`~surrogate.options.MAX_CPU_THREADS` (``None``: PyTorch's default).
    """
    archs = parse_architectures(archs)
    protocol = get_protocol(protocol)
    seeds = check_seeds(seeds)
    protocol = _check_packable(archs, protocol)
    if threads is not None:
        check_count("threads", threads, high=MAX_CPU_THREADS, why="or None for PyTorch's default")
    check_math_paths()
    with torch_threads(threads):  # the caller's thread count is theirs again after
        return _train_slots(archs, seeds, protocol)


def _train_slots(archs: list[Architecture], seeds: list[int], protocol: TrainingProtocol) -> dict[Architecture, list[TrainedNet]]:
    """:func:`train_packed` of checked arguments."""
    slots = [(a, s, r) for a in archs for s in seeds for r in range(protocol.restarts)]
    with torch.no_grad():
        pack = _Pack([(a, candidate_seed(s, r)) for a, s, r in slots], protocol)
        history: list[torch.Tensor] = []
        for stage in protocol.stages:
            _run_stage(pack, stage, protocol, history)
        rates = [s.learning_rate for s in protocol.stages]
        check_not_diverged([pack.params.numpy()], rates, "train_packed", causes=noise_cause(protocol))
        ws, bs = pack.weights(pack.params)
        train_mae = (_forward(pack.x, ws, bs) - pack.y).abs().mean(dim=(1, 2))
    hist = torch.stack(history, dim=1).numpy()
    best: dict[tuple[Architecture, int], TrainedNet] = {}
    points: dict[tuple[Architecture, int], np.ndarray] = {}
    for k, (arch, seed, r) in enumerate(slots):
        net = pack.extract(k)
        trained = TrainedNet(arch, seed, protocol, net, hist[k].copy(), float(train_mae[k]), validation_mae(net, seed), r)
        if (arch, seed) not in best or trained.val_mae < best[arch, seed].val_mae:
            best[arch, seed] = trained
            points[arch, seed] = pack.x[k].numpy()
    return {a: [keep_start_if_better(best[a, s], points[a, s]) for s in seeds] for a in archs}


def train_nets(
    arch: Architecture | str,
    seeds: Sequence[int],
    protocol: TrainingProtocol | str = "seed",
    *,
    threads: int | None = None,
) -> list[TrainedNet]:
    """Train one net per seed of a single architecture, all at once; seed order.

    Parameters
    ----------
    arch
        The shape (an :class:`~surrogate.nets.architecture.Architecture` or its name, e.g. ``'3x8'``).
    seeds
        Distinct seeds in ``[0, MAX_SEED]``, one net each.
    protocol
        A :class:`~surrogate.train.protocols.TrainingProtocol` or its name
        (:func:`~surrogate.train.protocols.get_protocol`).
    threads
        PyTorch's threads, at most :data:`~surrogate.options.MAX_CPU_THREADS` (``None``: PyTorch's default).

    Returns
    -------
    list of TrainedNet
        One trained net per seed, in the order of ``seeds``.
    """
    (arch,) = parse_architectures([arch], "train_nets")
    return train_packed([arch], seeds, protocol, threads=threads)[arch]
