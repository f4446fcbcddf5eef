"""Which shapes share a packed computation (surrogate.train.packing): every shape once, at the least estimated cost."""

import itertools

import pytest

from surrogate.nets.architecture import Architecture
from surrogate.train.packing import pack_groups, pack_seconds, plan_packs, step_cost
from surrogate.train.protocols import get_protocol

SHAPES = [Architecture.parse(s) for s in ("4x6", "1x24", "2x12", "3x8", "2x4", "1x2", "6x4", "3x3")]


def _cost(groups, n_seeds, batch):
    return sum(step_cost(max(a.depth for a in g), max(max(a.hidden) for a in g), n_seeds * len(g), batch) for g in groups)


def _partitions(order):
    """Every split of ``order`` into contiguous groups."""
    for cuts in itertools.product((False, True), repeat=len(order) - 1):
        groups, start = [], 0
        for k, cut in enumerate(cuts, start=1):
            if cut:
                groups.append(order[start:k])
                start = k
        yield [*groups, order[start:]]


@pytest.mark.parametrize(("n_seeds", "batch"), [(1, 32), (8, 32), (64, 512)])
def test_plan_packs_keeps_every_shape_once_in_depth_order_at_the_least_cost(n_seeds, batch):
    groups = plan_packs(SHAPES, n_seeds, batch)
    order = sorted(SHAPES, key=lambda a: (a.depth, max(a.hidden)))
    assert [a for g in groups for a in g] == order  # contiguous in depth order, no shape lost or repeated
    best = min(_cost(p, n_seeds, batch) for p in _partitions(order))  # brute force over all 128 splits
    assert _cost(groups, n_seeds, batch) == pytest.approx(best, rel=1e-12)


def test_pack_groups_puts_the_longest_pack_first():
    protocol = get_protocol("seed")
    groups = pack_groups(SHAPES, range(4), protocol, pack=False)
    seconds = [pack_seconds(g, 4, protocol) for g in groups]
    assert sorted(a.name for g in groups for a in g) == sorted(a.name for a in SHAPES)
    assert seconds == sorted(seconds, reverse=True) and seconds[0] > seconds[-1]
