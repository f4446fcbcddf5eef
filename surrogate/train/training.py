"""Training ReLU MLPs for x*y in PyTorch, many nets at once.

:func:`train_packed` trains every seed of several architectures in one batched
computation:

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
  as it would alone. :func:`plan_packs` groups shapes only where a cost model
  says the shared computation is cheaper.

Every random draw of a net comes from its own ``torch.Generator`` seeded with
the net's seed, in a fixed order (data, initial weights, one permutation per
epoch), so a net trained alone (:func:`train_net_naive`, the textbook loop)
or packed with others gets the same weights up to float rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ConfigError
from ..executors import ExecutorConfig, default_workers, open_executor
from ..nets.architecture import Architecture
from ..nets.metrics import validation_mae
from ..nets.network import ReluMLP
from ..reproducible import check_math_paths
from .protocols import Stage, TrainingProtocol, get_protocol


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


def target(points: torch.Tensor) -> torch.Tensor:
    """The function being approximated, f(x, y) = x*y; ``points[..., 0:2]``."""
    return points[..., 0:1] * points[..., 1:2]


def candidate_seed(seed: int, candidate: int) -> int:
    """The generator seed of restart ``candidate`` of ``seed`` (candidate 0 is ``seed`` itself)."""
    if candidate == 0:
        return seed
    return int(np.random.SeedSequence([seed, candidate]).generate_state(1, dtype=np.uint64)[0] >> 1)


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


# --------------------------------------------------------------------------- initialisation


def _glorot(arch: Architecture, gen: torch.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    layers = []
    for n_in, n_out in zip(arch.layer_sizes[:-1], arch.layer_sizes[1:]):
        limit = math.sqrt(6.0 / (n_in + n_out))
        layers.append(((torch.rand((n_in, n_out), generator=gen) * 2 - 1) * limit, torch.zeros(n_out)))
    return layers


def _data_aware(layers, points: torch.Tensor, gen: torch.Generator):
    """Set each hidden bias so its neuron is active on a random 20-80 % of ``points``."""
    h = points
    out = []
    for w, _ in layers[:-1]:
        pre = h @ w
        active = 0.2 + 0.6 * torch.rand(w.shape[1], generator=gen)
        bias = -torch.stack([torch.quantile(pre[:, j], 1 - active[j].item()) for j in range(w.shape[1])])
        out.append((w, bias))
        h = torch.relu(pre + bias)
    out.append(layers[-1])
    return out


def _hand_built_start(arch: Architecture, variant: str, noise: float, gen: torch.Generator):
    from ..nets.construct import hand_built

    net = hand_built(arch, variant)
    return [
        (
            torch.as_tensor(w, dtype=torch.float32) + noise * torch.randn(w.shape, generator=gen),
            torch.as_tensor(b, dtype=torch.float32) + noise * torch.randn(b.shape, generator=gen),
        )
        for w, b in zip(net.weights, net.biases)
    ]


def draw_data_and_init(arch: Architecture, protocol: TrainingProtocol, gen: torch.Generator):
    """Training points and initial ``(W, b)`` per layer, from ``gen`` in a fixed order."""
    points = torch.rand((protocol.n_points, arch.n_inputs), generator=gen) * 2 - 1
    if protocol.init == "hand-built":
        return points, _hand_built_start(arch, protocol.construction, protocol.init_noise, gen)
    layers = _glorot(arch, gen)
    if protocol.init == "data":
        layers = _data_aware(layers, points, gen)
    return points, layers


# --------------------------------------------------------------------------- packing


def _step_cost(depth: int, width: int, nets: int, batch: int) -> float:
    """Rough seconds per training step of a packed computation (overhead + arithmetic)."""
    macs = nets * batch * (2 * width + (depth - 1) * width * width + width)
    return (depth + 1) * 25e-6 + 3 * macs / 2e9


def plan_packs(archs: Sequence[Architecture], n_seeds: int, batch: int = 32) -> list[list[Architecture]]:
    """Group architectures (contiguous in depth order) where sharing a padded computation pays.

    Dynamic programming over the shapes sorted by depth: each group costs one
    computation of the group's largest depth and width for all its nets.
    """
    order = sorted(archs, key=lambda a: (a.depth, max(a.hidden)))
    n = len(order)
    best = [0.0] + [math.inf] * n
    cut = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(end):
            group = order[start:end]
            depth = max(a.depth for a in group)
            width = max(max(a.hidden) for a in group)
            cost = best[start] + _step_cost(depth, width, n_seeds * len(group), batch)
            if cost < best[end]:
                best[end], cut[end] = cost, start
    groups, end = [], n
    while end:
        groups.append(order[cut[end] : end])
        end = cut[end]
    return groups[::-1]


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
        self.real = [
            torch.tensor([[[1.0 if layer < arch.depth else 0.0]] for arch, _ in nets]) for layer in range(self.depth)
        ]
        self.x = torch.stack(data)
        self.y = target(self.x)

    def weights(self, flat: torch.Tensor):
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


def _learning_rate(stage: Stage, step: int, total: int) -> float:
    if stage.schedule == "constant":
        return stage.learning_rate
    f = stage.final_lr_factor
    return stage.learning_rate * (f + (1 - f) * 0.5 * (1 + math.cos(math.pi * (step - 1) / max(1, total - 1))))


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
            _forward_backward(
                xs[:, start : start + batch], ys[:, start : start + batch], ws, bs, gws, gbs, stage.loss, slopes
            )
            if pack.padded:
                grads.mul_(pack.mask)
            # Adam, in PyTorch's form: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
            m.lerp_(grads, 1 - b1)
            v.mul_(b2).addcmul_(grads, grads, value=1 - b2)
            denom = v.sqrt().div_(math.sqrt(1 - b2**step)).add_(eps)
            params.addcdiv_(m, denom, value=-_learning_rate(stage, step, total) / (1 - b1**step))
        history.append(_full_loss(pack, stage.loss, slopes))


def train_packed(
    archs: Sequence[Architecture | str],
    seeds: Sequence[int],
    protocol: TrainingProtocol | str = "seed",
    *,
    threads: int | None = None,
) -> dict[Architecture, list[TrainedNet]]:
    """Train every seed of every architecture in one packed computation.

    Returns the nets per architecture, in seed order.
    """
    archs = [Architecture.parse(a) for a in archs]
    protocol = get_protocol(protocol)
    seeds = _check_seeds(seeds)
    if not archs:
        raise ConfigError("no architectures given; pass at least one, e.g. ['3x8']")
    if len({(a.n_inputs, a.n_outputs) for a in archs}) != 1 or archs[0].n_outputs != 1:
        raise ConfigError("packed training needs nets with the same number of inputs and one output")
    resolved = {protocol.resolve(a) for a in archs}
    if len(resolved) != 1:
        raise ConfigError(
            f"protocol {protocol.name!r} resolves differently for {', '.join(a.name for a in archs)}; "
            "train them in separate packs (train_many does this)"
        )
    (protocol,) = resolved
    if threads is not None:
        torch.set_num_threads(threads)
    check_math_paths()
    slots = [(a, s, r) for a in archs for s in seeds for r in range(protocol.restarts)]
    with torch.no_grad():
        pack = _Pack([(a, candidate_seed(s, r)) for a, s, r in slots], protocol)
        history: list[torch.Tensor] = []
        for stage in protocol.stages:
            _run_stage(pack, stage, protocol, history)
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


def keep_start_if_better(trained: TrainedNet, train_points: np.ndarray) -> TrainedNet:
    """Fine-tuning may only help: return the exact hand-built start if it beats ``trained`` on validation points.

    The start is the construction itself (no ``init_noise``), rounded to float32 like every
    trained net; it comes back as candidate ``-1``. Other initialisations pass through.
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


def train_nets(
    arch: Architecture | str,
    seeds: Sequence[int],
    protocol: TrainingProtocol | str = "seed",
    *,
    threads: int | None = None,
) -> list[TrainedNet]:
    """Train one net per seed of a single architecture, all at once; seed order."""
    arch = Architecture.parse(arch)
    return train_packed([arch], seeds, protocol, threads=threads)[arch]


def train_net_naive(arch: Architecture | str, seed: int, protocol: TrainingProtocol | str = "seed") -> TrainedNet:
    """The textbook loop: one ``nn.Sequential``, autograd, ``torch.optim.Adam``.

    It draws the same random numbers as :func:`train_packed`, so it is both
    the reference that the batched trainer is tested against and the
    baseline it is benchmarked against.
    """
    arch = Architecture.parse(arch)
    protocol = get_protocol(protocol).resolve(arch)
    (seed,) = _check_seeds([seed])
    candidates = [_train_one_naive(arch, seed, r, protocol) for r in range(protocol.restarts)]
    chosen, points = min(candidates, key=lambda pair: pair[0].val_mae)
    return keep_start_if_better(chosen, points)


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
                    group["lr"] = _learning_rate(stage, step, total)
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
    with torch.no_grad():
        train_mae = float((model(x) - y).abs().mean())
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    net = ReluMLP(
        tuple(m.weight.detach().double().numpy().T.copy() for m in linears),
        tuple(m.bias.detach().double().numpy().copy() for m in linears),
    )
    trained = TrainedNet(arch, seed, protocol, net, np.array(history), train_mae, validation_mae(net, seed), candidate)
    return trained, x.numpy()


# --------------------------------------------------------------------------- processes


def _pack_seconds(group: list[Architecture], n_seeds: int, protocol: TrainingProtocol) -> float:
    """Estimated training time of one pack under its resolved protocol."""
    resolved = protocol.resolve(group[0])
    depth, width = max(a.depth for a in group), max(max(a.hidden) for a in group)
    return sum(
        _step_cost(depth, width, n_seeds * len(group), s.batch_size) * s.epochs * math.ceil(resolved.n_points / s.batch_size)
        for s in resolved.stages
    )


def pack_groups(
    archs: Sequence[Architecture], seeds: Sequence[int], protocol: TrainingProtocol, *, pack: bool = True
) -> list[list[Architecture]]:
    """The packs that :func:`run_packs` trains, longest first.

    Shapes are grouped by their resolved protocol, then by :func:`plan_packs`
    (or one shape per pack with ``pack=False``). Longest first keeps a pool
    of workers evenly loaded to the end.
    """
    by_protocol: dict[TrainingProtocol, list[Architecture]] = {}
    for a in archs:
        by_protocol.setdefault(protocol.resolve(a), []).append(a)
    groups = []
    for resolved, members in by_protocol.items():
        groups += plan_packs(members, len(seeds), resolved.stages[0].batch_size) if pack else [[a] for a in members]
    groups.sort(key=lambda g: _pack_seconds(g, len(seeds), protocol), reverse=True)
    return groups


def _train_only(archs, seeds, protocol):
    return train_packed(archs, seeds, protocol, threads=1)


def run_packs(
    archs: Sequence[Architecture],
    seeds: Sequence[int],
    protocol: TrainingProtocol,
    job: Callable,
    *,
    workers: int | None = None,
    pack: bool = True,
    progress: Callable[[list[Architecture]], None] | None = None,
    executor: ExecutorConfig | None = None,
) -> list:
    """Run ``job(archs, seeds, protocol)`` for every pack of :func:`pack_groups`.

    Parameters
    ----------
    job
        An importable top-level function (it may run in another process).
    workers
        Local worker processes (default: one per core); ``1``, or a single
        pack, runs the jobs in this process. Ignored if ``executor`` is given.
    pack
        Let :func:`plan_packs` put several shapes in one computation.
    progress
        Optional callable, called with each finished pack's architectures.
    executor
        Where the jobs run (:class:`~surrogate.executors.ExecutorConfig`).

    Returns
    -------
    list
        The jobs' results in completion order.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"workers={workers!r} must be a positive integer")
    groups = pack_groups(archs, seeds, protocol, pack=pack)
    if executor is None:
        executor = ExecutorConfig(workers=1 if len(groups) == 1 else min(workers or default_workers(), len(groups)))
    results = []
    with open_executor(executor) as runner:
        futures = {runner.submit(job, g, list(seeds), protocol): g for g in groups}
        for future in runner.as_completed(futures):
            results.append(future.result())
            if progress:
                progress(futures[future])
    return results


def train_many(
    archs: Sequence[Architecture | str],
    seeds: Sequence[int],
    protocol: TrainingProtocol | str = "seed",
    *,
    workers: int | None = None,
    pack: bool = True,
    progress: Callable[[list[Architecture]], None] | None = None,
) -> dict[Architecture, list[TrainedNet]]:
    """Train every seed of every architecture: packed computations spread over processes.

    Parameters
    ----------
    workers
        Processes to use (default: one per available core); ``1`` trains here.
    pack
        Let :func:`plan_packs` put several shapes in one computation.
    progress
        Optional callable, called with each finished pack's architectures.
    """
    archs = [Architecture.parse(a) for a in archs]
    protocol = get_protocol(protocol)
    seeds = _check_seeds(seeds)
    merged: dict[Architecture, list[TrainedNet]] = {}
    for part in run_packs(archs, seeds, protocol, _train_only, workers=workers, pack=pack, progress=progress):
        merged.update(part)
    return {a: merged[a] for a in archs}
