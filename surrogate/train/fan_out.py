"""Training many shapes: packs of nets spread over worker processes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import ConfigError
from ..executors import ExecutorConfig, default_workers, open_executor
from ..nets.architecture import Architecture
from ..options import check_count, check_flags
from .initialisation import check_seeds
from .packed import parse_architectures, train_packed
from .packing import pack_groups
from .protocols import TrainingProtocol, get_protocol
from .trained import TrainedNet


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
    where: str = "run_packs",
) -> list:
    """Run ``job(archs, seeds, protocol)`` for every pack of :func:`~surrogate.train.packing.pack_groups`.

    Parameters
    ----------
    job
        An importable top-level function (it may run in another process).
    workers
        Local worker processes (default: one per core, at most 8); ``1``, or a single
        pack, runs the jobs in this process. Ignored if ``executor`` is given.
    pack
        Let :func:`~surrogate.train.packing.plan_packs` put several shapes in one computation.
    progress
        Optional callable, called with each finished pack's architectures.
    executor
        Where the jobs run (:class:`~surrogate.executors.ExecutorConfig`).
    where
        The function a refused argument is named under (the caller's).

    Returns
    -------
    list
        The jobs' results in completion order.
    """
    if workers is not None:
        check_count(f"{where}: workers", workers, example=2)
    check_flags(where, pack=pack)
    if progress is not None and not callable(progress):
        raise ConfigError(
            f"{where}: progress={progress!r} must be a function, called with each finished pack's architectures, or None"
        )
    groups = pack_groups(archs, seeds, protocol, pack=pack)
    if executor is None:
        executor = ExecutorConfig(workers=1 if len(groups) == 1 else min(workers or default_workers(), len(groups)))
    results = []
    with open_executor(executor) as runner:
        futures = {runner.submit(job, g, list(seeds), protocol): g for g in groups}
        for future in runner.as_completed(futures):
            results.append(future.result())
            if progress is not None:
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
    archs
        The shapes (architectures or their names, e.g. ``'3x8'``).
    seeds
        Distinct seeds in ``[0, MAX_SEED]``, one net each per shape.
    protocol
        A :class:`~surrogate.train.protocols.TrainingProtocol` or its name (:func:`~surrogate.train.protocols.get_protocol`).
    workers
        Processes to use (default: one per available core); ``1`` trains here.
    pack
        Let :func:`~surrogate.train.packing.plan_packs` put several shapes in one computation.
    progress
        Optional callable, called with each finished pack's architectures.

    Returns
    -------
    dict of Architecture to list of TrainedNet
        Each architecture's nets, in the order of ``seeds``.
    """
    archs = parse_architectures(archs, "train_many")
    protocol = get_protocol(protocol)
    seeds = check_seeds(seeds)
    merged: dict[Architecture, list[TrainedNet]] = {}
    for part in run_packs(archs, seeds, protocol, _train_only, workers=workers, pack=pack, progress=progress, where="train_many"):
        merged.update(part)
    return {a: merged[a] for a in archs}
