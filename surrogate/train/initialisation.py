"""What a net starts from: its seeds, its training points and its initial weights.

Every random draw of a net comes from its own ``torch.Generator`` seeded with
the net's seed, in a fixed order (data, initial weights, then one permutation
per epoch in the training loop), so a net trained alone or packed with others
gets the same weights up to float rounding.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..nets.architecture import Architecture
from ..options import MAX_SEED, check_seeds, is_number  # noqa: F401 (check_seeds, MAX_SEED: this module's API before they moved)
from .protocols import TrainingProtocol


def target(points: torch.Tensor) -> torch.Tensor:
    """The function being approximated, f(x, y) = x*y; ``points[..., 0:2]``.

    Parameters
    ----------
    points
        Points with ``x`` and ``y`` in their last axis's first two entries.
    """
    return points[..., 0:1] * points[..., 1:2]


def candidate_seed(seed: int, candidate: int) -> int:
    """The generator seed of restart ``candidate`` of ``seed`` (candidate 0 is ``seed`` itself).

    Parameters
    ----------
    seed
        The net's seed.
    candidate
        The restart's number (0: the first).
    """
    if candidate == 0:
        return seed
    return int(np.random.SeedSequence([seed, candidate]).generate_state(1, dtype=np.uint64)[0] >> 1)


def _glorot(arch: Architecture, gen: torch.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    layers = []
    for n_in, n_out in zip(arch.layer_sizes[:-1], arch.layer_sizes[1:]):
        limit = math.sqrt(6.0 / (n_in + n_out))
        layers.append(((torch.rand((n_in, n_out), generator=gen) * 2 - 1) * limit, torch.zeros(n_out)))
    return layers


#: The most values :func:`torch.quantile` takes (16,777,216); :func:`quantile` takes any number.
QUANTILE_LIMIT = 2**24


def quantile(values: torch.Tensor, q: float) -> torch.Tensor:
    """The ``q`` quantile of the 1-D ``values``, as :func:`torch.quantile` gives it (linear interpolation), for any size.

    Up to :data:`QUANTILE_LIMIT` values it is :func:`torch.quantile`'s; above, where that raises, the same
    interpolation between the two order statistics around rank ``q * (n - 1)`` (by :func:`torch.kthvalue`).

    Examples
    --------
    >>> float(quantile(torch.tensor([3.0, 1.0, 2.0, 4.0]), 0.5))
    2.5
    """
    n = values.numel()
    if n <= QUANTILE_LIMIT:
        return torch.quantile(values, q)
    rank = torch.tensor(q, dtype=values.dtype) * (n - 1)  # in the values' precision, as torch.quantile's
    # (float32's q * (n - 1) can round past n - 1 above 2**24: probe104 #2 read a value beyond the last)
    below, above = (min(int(r), n - 1) for r in (rank.floor(), rank.ceil()))
    low = torch.kthvalue(values, below + 1).values
    if above == below:
        return low
    return torch.lerp(low, torch.kthvalue(values, above + 1).values, rank - rank.floor())


def _data_aware(layers, points: torch.Tensor, gen: torch.Generator):
    """Set each hidden bias so its neuron is active on a random 20-80 % of ``points``."""
    h = points
    out = []
    for w, _ in layers[:-1]:
        pre = h @ w
        active = 0.2 + 0.6 * torch.rand(w.shape[1], generator=gen)
        bias = -torch.stack([quantile(pre[:, j], 1 - active[j].item()) for j in range(w.shape[1])])
        out.append((w, bias))
        h = torch.relu(pre + bias)
    out.append(layers[-1])
    return out


def _hand_built_start(arch: Architecture, variant: str, noise: float, gen: torch.Generator):
    from ..nets.construct import hand_built

    net = hand_built(arch, variant)
    return [
        (
            torch.tensor(w, dtype=torch.float32) + noise * torch.randn(w.shape, generator=gen),
            torch.tensor(b, dtype=torch.float32) + noise * torch.randn(b.shape, generator=gen),
        )
        for w, b in zip(net.weights, net.biases)
    ]


def draw_data_and_init(arch: Architecture, protocol: TrainingProtocol, gen: torch.Generator):
    """Training points and initial ``(W, b)`` per layer, from ``gen`` in a fixed order.

    Parameters
    ----------
    arch
        The net's shape.
    protocol
        How it is trained.
    gen
        The PyTorch generator to draw from.
    """
    points = torch.rand((protocol.n_points, arch.n_inputs), generator=gen) * 2 - 1
    if protocol.init == "hand-built":
        return points, _hand_built_start(arch, protocol.construction, protocol.init_noise, gen)
    layers = _glorot(arch, gen)
    if protocol.init == "data":
        layers = _data_aware(layers, points, gen)
    return points, layers
