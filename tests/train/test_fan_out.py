"""Packs of nets spread over worker processes (fan_out.py), the training itself left out."""

from __future__ import annotations

import pytest

import surrogate.train.fan_out as fan_out
from surrogate import Architecture, TrainingProtocol
from surrogate.train.packing import pack_groups
from surrogate.train.protocols import Stage

SHORT = TrainingProtocol(n_points=64, stages=(Stage(epochs=1, batch_size=32),))


class _Started(Exception):
    pass


@pytest.mark.parametrize(("workers", "expected"), [(8, 2), (1, 1), (None, None)])
def test_run_packs_starts_no_more_workers_than_packs(workers, expected, monkeypatch):
    """Kills F01 (max for min: 8 workers for 2 packs)."""
    archs = [Architecture.parse("1x2"), Architecture.parse("2x3")]
    assert len(pack_groups(archs, [0], SHORT, pack=False)) == 2
    seen = []

    def started(executor):
        seen.append(executor.workers)
        raise _Started

    monkeypatch.setattr(fan_out, "open_executor", started)
    monkeypatch.setattr(fan_out, "default_workers", lambda: 5)
    with pytest.raises(_Started):
        fan_out.run_packs(archs, [0], SHORT, fan_out._train_only, workers=workers, pack=False)
    assert seen == [expected or 2]


@pytest.mark.parametrize("pack", [True, False])
def test_train_many_returns_the_shapes_in_the_order_asked_and_passes_pack_on(pack, monkeypatch):
    """The packs finish in any order; train_many gives the shapes in the order of ``archs``. Kills F03 (completion
    order kept) and F04 (pack=False dropped)."""
    calls = []

    def finished_backwards(archs, seeds, protocol, job, **options):
        calls.append(options["pack"])
        return [{a: [f"net of {a}"]} for a in reversed(archs)]

    monkeypatch.setattr(fan_out, "run_packs", finished_backwards)
    nets = fan_out.train_many(["1x2", "2x3", "1x4"], [0], SHORT, workers=1, pack=pack)
    assert [str(a) for a in nets] == ["1x2", "2x3", "1x4"] and nets[Architecture.parse("2x3")] == ["net of 2x3"]
    assert calls == [pack]
