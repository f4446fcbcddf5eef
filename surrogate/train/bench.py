"""Benchmarks (commands, not timed tests): the project's trainer against the textbook loop."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..errors import ConfigError
from ..nets.architecture import Architecture
from ..nets.sources import HAND_BUILT_SOURCES
from ..options import check_count, check_seeds, check_sequence, refusal_of
from .fan_out import train_many
from .protocols import TrainingProtocol, get_protocol
from .textbook import train_net_naive


@dataclass(frozen=True, eq=False)
class TrainingBenchmark:
    """Side-by-side timing of :func:`train_many` and :func:`train_net_naive` on the same work.

    ``naive_s`` is the textbook loop's time for the whole work: measured when
    ``naive_scaled`` is false, else scaled from ``naive_epochs`` timed epochs
    of ``naive_seeds`` nets per shape (time per net-epoch x seeds x epochs).
    """

    table: pd.DataFrame
    trainer_s: float
    naive_s: float
    naive_scaled: bool
    naive_epochs: int
    naive_seeds: int
    workers: int | None

    @property
    def speedup(self) -> float:
        """How many times faster the project's trainer was than the textbook loop."""
        return self.naive_s / self.trainer_s


def bench_training(
    archs: Sequence[Architecture | str],
    seeds: Sequence[int],
    protocol: TrainingProtocol | str = "seed",
    *,
    naive_epochs: int | None = 2,
    naive_seeds: int = 1,
    workers: int | None = None,
) -> TrainingBenchmark:
    """Time the full work with the project's trainer, then the naive loop on it or a subset.

    Parameters
    ----------
    naive_epochs
        Epochs of the naive loop actually timed per net (``None``: the full
        protocol, i.e. the whole work, no scaling).
    naive_seeds
        Nets per shape timed with the naive loop (when scaling).
    """
    archs = [Architecture.parse(a) for a in check_sequence("bench_training: archs", archs, example="['3x8']", what="shapes")]
    if not archs:
        raise ConfigError("bench_training: archs=[] names no shape; pass at least one, e.g. ['3x8']")
    protocol = get_protocol(protocol)
    with refusal_of("bench_training", "seeds", seeds):
        seeds = check_seeds(seeds)
    if naive_epochs is not None:
        why = f"the epochs of protocol {protocol.name!r}; None times the full run"
        naive_epochs = check_count("bench_training: naive_epochs", naive_epochs, high=protocol.epochs, why=why, example=2)
    why = f"the number of seeds given, {len(seeds)}: the nets per shape timed with the naive loop"
    naive_seeds = check_count("bench_training: naive_seeds", naive_seeds, high=len(seeds), why=why, example=1)
    start = time.perf_counter()
    train_many(archs, seeds, protocol, workers=workers)
    trainer_s = time.perf_counter() - start

    timed_protocol = protocol.with_epochs(naive_epochs) if naive_epochs is not None else protocol
    # each shape's own epochs: 'best' fine-tunes a hand-built start for another count than its from-scratch stages
    fewer = any(timed_protocol.resolve(a).epochs != protocol.resolve(a).epochs for a in archs)
    scaled = naive_epochs is not None and (fewer or naive_seeds < len(seeds))
    timed_seeds = seeds[:naive_seeds] if scaled else seeds
    train_net_naive(archs[0], seeds[0], protocol.with_epochs(1))  # warm-up, untimed
    rows = []
    for arch in archs:  # 'best' trains a shape with a hand-built start for fewer epochs: count each shape's own
        timed, full = timed_protocol.resolve(arch).epochs, protocol.resolve(arch).epochs
        t0 = time.perf_counter()
        for seed in timed_seeds:
            train_net_naive(arch, seed, timed_protocol)
        per_net_epoch = (time.perf_counter() - t0) / (len(timed_seeds) * timed)
        rows.append(
            {"arch": arch.name, "naive_ms_per_net_epoch": 1e3 * per_net_epoch, "naive_total_s": per_net_epoch * len(seeds) * full}
        )
    table = pd.DataFrame(rows)
    return TrainingBenchmark(
        table, trainer_s, float(table["naive_total_s"].sum()), scaled, timed_protocol.epochs, len(timed_seeds), workers
    )


def ablation_steps() -> list[tuple[str, TrainingProtocol]]:
    """The ingredients of the ``best`` protocol, added one at a time (labels say what changed)."""
    from dataclasses import replace

    from .protocols import BEST, FINETUNE_STAGES, LEAKY_WARM_UP, SCRATCH_STAGES

    seed = get_protocol("seed")
    data = replace(seed, name="abl-data-init", init="data")
    staged = replace(BEST, name="abl-staged", init="data", restarts=1, stages=SCRATCH_STAGES, finetune_stages=())
    restarts = replace(staged, name="abl-restarts", restarts=BEST.restarts)
    leaky = replace(restarts, name="abl-leaky", stages=(LEAKY_WARM_UP, *SCRATCH_STAGES))
    finetune = dict(stages=FINETUNE_STAGES, finetune_stages=(), restarts=1)
    paired, shared = (
        replace(BEST, name=f"abl-{HAND_BUILT_SOURCES[v]}", init="hand-built", construction=v, **finetune)
        for v in ("paired", "shared")
    )
    return [
        ("seed protocol (Keras init, Adam 1e-3, MAE, batch 32, 100 epochs)", seed),
        ("+ data-aware init", data),
        ("+ 50k points, MSE then MAE stages, cosine lr", staged),
        ("+ best of 8 restarts on validation points", restarts),
        ("+ leaky warm-up stage (slope 0.05 -> 0)", leaky),
        ("hand-built start (paired) + fine-tune", paired),
        ("hand-built start (shared) + fine-tune", shared),
        ("best (auto: shared start where it fits, else the line above 'hand-built')", BEST),
    ]


def ablation_shapes(protocol: TrainingProtocol, archs: Sequence[Architecture | str]) -> list[Architecture]:
    """The shapes of ``archs`` an ablation step's ``protocol`` applies to (a hand-built start needs a construction)."""
    from ..nets.construct import hand_built_mae_estimate

    archs = [Architecture.parse(a) for a in archs]
    return [a for a in archs if protocol.init != "hand-built" or hand_built_mae_estimate(a, protocol.construction) is not None]


def bench_ablation(
    archs: Sequence[Architecture | str], seeds: Sequence[int], *, workers: int | None = None, steps=None, progress=None
) -> pd.DataFrame:
    """Train every ablation step on every shape it applies to; one row per (step, shape).

    ``mae_best`` is the grid MAE of the seed selected on validation points,
    ``mae_median`` the median over seeds; ``seconds`` is the step's wall time.
    """
    from ..nets.metrics import score

    archs = [Architecture.parse(a) for a in archs]
    rows = []
    for label, protocol in steps or ablation_steps():
        usable = ablation_shapes(protocol, archs)
        if not usable:
            continue
        start = time.perf_counter()
        trained = train_many(usable, seeds, protocol, workers=workers)
        seconds = time.perf_counter() - start
        for arch, nets in trained.items():
            scores = [score(t.net) for t in nets]
            chosen = min(range(len(nets)), key=lambda k: nets[k].val_mae)
            rows.append(
                {
                    "step": label,
                    "protocol": protocol.name,
                    "arch": arch.name,
                    "mae_best": scores[chosen].mae,
                    "mae_median": float(pd.Series([s.mae for s in scores]).median()),
                    "collapsed": sum(s.collapsed for s in scores),
                    "seeds": len(nets),
                    "seconds": seconds,
                }
            )
        if progress:
            progress(label, seconds)
    return pd.DataFrame(rows)


def ablation_table(rows: pd.DataFrame, value: str = "mae_best") -> pd.DataFrame:
    """Steps as rows, shapes as columns, in the order they were run."""
    table = rows.pivot(index="step", columns="arch", values=value)
    table = table.loc[list(dict.fromkeys(rows["step"])), list(dict.fromkeys(rows["arch"]))]
    return table
