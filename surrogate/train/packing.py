"""Which shapes share one packed computation: a cost model and the packing plan.

Shapes of different depth and width can be trained in one computation (see
:mod:`surrogate.train.packed`); :func:`plan_packs` groups them only where the
cost model says the shared, padded computation is cheaper than separate ones,
and :func:`pack_groups` orders the packs for a pool of workers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..nets.architecture import Architecture
from .protocols import TrainingProtocol


def step_cost(depth: int, width: int, nets: int, batch: int) -> float:
    """Rough seconds per training step of a packed computation (overhead + arithmetic)."""
    macs = nets * batch * (2 * width + (depth - 1) * width * width + width)
    return (depth + 1) * 25e-6 + 3 * macs / 2e9


def plan_packs(archs: Sequence[Architecture], n_seeds: int, batch: int = 32) -> list[list[Architecture]]:
    """Group architectures (contiguous in depth order) where sharing a padded computation pays.

    Dynamic programming over the shapes sorted by depth: each group costs one
    computation of the group's largest depth and width for all its nets.

    Parameters
    ----------
    archs
        The shapes.
    n_seeds
        Nets per shape.
    batch
        Training points per net and step, for the cost estimate (:func:`step_cost`).
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
            cost = best[start] + step_cost(depth, width, n_seeds * len(group), batch)
            if cost < best[end]:
                best[end], cut[end] = cost, start
    groups, end = [], n
    while end:
        groups.append(order[cut[end] : end])
        end = cut[end]
    return groups[::-1]


def pack_seconds(group: list[Architecture], n_seeds: int, protocol: TrainingProtocol) -> float:
    """Estimated training time of one pack under its resolved protocol."""
    resolved = protocol.resolve(group[0])
    depth, width = max(a.depth for a in group), max(max(a.hidden) for a in group)
    return sum(
        step_cost(depth, width, n_seeds * len(group), s.batch_size) * s.epochs * math.ceil(resolved.n_points / s.batch_size)
        for s in resolved.stages
    )


def pack_groups(
    archs: Sequence[Architecture], seeds: Sequence[int], protocol: TrainingProtocol, *, pack: bool = True
) -> list[list[Architecture]]:
    """The packs that :func:`~surrogate.train.fan_out.run_packs` trains, longest first.

    Shapes are grouped by their resolved protocol, then by :func:`plan_packs`
    (or one shape per pack with ``pack=False``). Longest first keeps a pool
    of workers evenly loaded to the end.

    Parameters
    ----------
    archs
        The shapes.
    seeds
        The seeds.
    protocol
        How the nets are trained.
    pack
        Whether several shapes may share a pack.
    """
    by_protocol: dict[TrainingProtocol, list[Architecture]] = {}
    for a in archs:
        by_protocol.setdefault(protocol.resolve(a), []).append(a)
    groups = []
    for resolved, members in by_protocol.items():
        groups += plan_packs(members, len(seeds), resolved.stages[0].batch_size) if pack else [[a] for a in members]
    groups.sort(key=lambda g: pack_seconds(g, len(seeds), protocol), reverse=True)
    return groups
