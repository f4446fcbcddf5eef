"""The units of a sweep: train a pack of shapes, build a yardstick, solve one net's reference instances.

Each unit job is a pure function of its arguments and writes nothing into the
results folder (nets come back as bytes), so it may run on another machine;
:func:`net_units` and :func:`solve_units` key them for the cache
(:mod:`surrogate.experiments.units`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..files import sha256_bytes
from ..milp.solver_config import SolverConfig
from ..nets.architecture import Architecture
from ..nets.construct import hand_built, useful_plans
from ..nets.metrics import GRID_POINTS, score, validation_mae
from ..nets.network import unit_box
from ..nets.onnx_io import export_onnx, load_onnx, package_versions
from ..nets.sources import HAND_BUILT_SOURCES, TRAINED
from ..options import is_number
from ..train.protocols import TrainingProtocol
from ..train.training import pack_groups, train_packed
from .reference_problem import reference_instances, solve_reference_problems
from .sweep_config import SweepConfig
from .units import Unit


def net_filename(arch: Architecture, seed: int) -> str:
    """The file name of the trained net of ``arch`` and ``seed`` in ``nets/``, e.g. ``3x8-seed0.onnx``.

    Parameters
    ----------
    arch
        The net's shape.
    seed
        The net's seed.
    """
    return f"{arch.name}-seed{seed}.onnx"


def plain(value):
    """A numpy scalar as the Python value JSON can hold; anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def net_record(net, arch: Architecture, filename: str, *, source: str, seed: int, metadata: dict, extra: dict) -> dict:
    """Score ``net`` on the grid and export it with its metrics: ``{"row": <row of nets.csv>, "onnx": bytes}``.

    The net is scored as the ONNX file stores it (float32 weights), so the
    recorded metrics are those of the file. The file goes to a private
    temporary folder and comes back as bytes: a worker writes nothing into
    the results folder, so it may run on another machine.
    """
    net = net.rounded_to_float32()
    s = score(net)
    with tempfile.TemporaryDirectory(prefix="surrogate-net-") as tmp:
        path = export_onnx(
            net,
            Path(tmp) / filename,
            metadata={
                "architecture": arch.name,
                "domain": [list(b) for b in unit_box(2)],
                "metrics": {**s.to_dict(), **extra, "grid_points": GRID_POINTS},
                **metadata,
            },
        )
        data = path.read_bytes()
    row = {"arch": arch.name, "source": source, "depth": arch.depth, "seed": seed, "file": filename, **s.to_dict(), **extra}
    return {"row": {k: plain(v) for k, v in row.items()}, "onnx": data}


def train_unit(archs: Sequence[str], seeds: Sequence[int], protocol: TrainingProtocol) -> dict:
    """Unit job: train a pack of shapes, then score and export every net; ``{"nets": [record, ...]}``.

    Parameters
    ----------
    archs
        The shapes of the pack.
    seeds
        The seeds, one net each per shape.
    protocol
        How the nets are trained.
    """
    nets = []
    for arch, trained_nets in train_packed(list(archs), list(seeds), protocol, threads=1).items():
        for t in trained_nets:
            nets.append(
                net_record(
                    t.net,
                    arch,
                    net_filename(arch, t.seed),
                    source=TRAINED,
                    seed=t.seed,
                    metadata={"kind": "trained", "protocol": t.protocol.to_dict(), "seed": str(t.seed)},
                    extra={
                        "val_mae": t.val_mae,
                        "train_mae": t.train_mae,
                        "final_loss": float(t.loss_history[-1]),
                        "candidate": t.candidate,
                    },
                )
            )
    return {"nets": nets}


def yardstick_unit(arch: str, variant: str) -> dict:
    """Unit job: score and export the hand-built net of ``arch`` (validated as exported, like the trained nets).

    Parameters
    ----------
    arch
        The shape.
    variant
        The construction variant (``'paired'`` or ``'shared'``).
    """
    arch = Architecture.parse(arch)
    (built,) = (b for v, b in useful_plans(arch, (variant,)) if v == variant)
    net = hand_built(arch, variant).rounded_to_float32()
    record = net_record(
        net,
        arch,
        f"{arch.name}-hand-built-{variant}.onnx",
        source=HAND_BUILT_SOURCES[variant],
        seed=-1,
        metadata={"kind": "hand-built", "variant": variant, "error_bound": built.error_bound},
        extra={"val_mae": validation_mae(net, 0), "error_bound": built.error_bound},
    )
    return {"nets": [record]}


def whole_solve_row(row: dict) -> bool:
    """Whether a cached row of :func:`solve_unit` holds what the tables read: its termination and a time >= 0."""
    return isinstance(row.get("termination"), str) and is_number(row.get("wall_time"), low=0)


def solve_unit(onnx: bytes, formulation: str, solver: SolverConfig, instances: int, instance_seed: int) -> dict:
    """Unit job: encode the net in ``onnx`` and solve the reference instances; ``{"rows": [...]}``.

    Parameters
    ----------
    onnx
        The net's ONNX file, as bytes.
    formulation
        How the net is encoded (:data:`~surrogate.milp.formulations.FORMULATIONS`).
    solver
        How each instance is solved.
    instances
        How many reference instances.
    instance_seed
        Their seed.
    """
    with tempfile.TemporaryDirectory(prefix="surrogate-net-") as tmp:
        path = Path(tmp) / "net.onnx"
        path.write_bytes(onnx)
        net = load_onnx(path)
    solved = solve_reference_problems(
        net, reference_instances(instances, seed=instance_seed), formulation=formulation, config=solver
    )
    return {"rows": [{"instance": k, **{key: plain(v) for key, v in s.to_dict().items()}} for k, s in enumerate(solved)]}


def net_units(config: SweepConfig) -> list[Unit]:
    """The training packs (longest first), then the hand-built yardsticks.

    Keys hold the package versions too (torch, onnx, ...): an upgrade recomputes.

    Parameters
    ----------
    config
        The sweep's :class:`~surrogate.experiments.sweep_config.SweepConfig`.
    """
    protocol, versions = config.protocol.to_dict(), package_versions()
    units = [
        Unit(
            "train",
            {"archs": [a.name for a in group], "seeds": list(config.seeds), "protocol": protocol, "versions": versions},
            train_unit,
            ([a.name for a in group], list(config.seeds), config.protocol),
            label=",".join(a.name for a in group),
            size=len(group) * len(config.seeds),
        )
        for group in pack_groups(config.architectures, config.seeds, config.protocol)
    ]
    if config.yardsticks:
        units += [
            Unit(
                "yardstick",
                {"arch": arch.name, "variant": variant, "versions": versions},
                yardstick_unit,
                (arch.name, variant),
                f"{arch.name} {variant}",
            )
            for arch in config.architectures
            for variant, _ in useful_plans(arch, tuple(HAND_BUILT_SOURCES))
        ]
    return units


def solve_units(config: SweepConfig, chosen: pd.DataFrame, nets_dir: Path) -> list[Unit]:
    """One unit per chosen net: its reference solves, keyed by the net file's content (and package versions).

    Parameters
    ----------
    config
        The sweep's :class:`~surrogate.experiments.sweep_config.SweepConfig`.
    chosen
        The selected nets, one row each.
    nets_dir
        The folder of the nets' ONNX files.
    """
    units, versions = [], package_versions()
    for _, row in chosen.iterrows():
        data = (nets_dir / row["file"]).read_bytes()
        spec = {
            "net_sha256": sha256_bytes(data),
            "formulation": config.formulation,
            "solver": config.solver.cache_key(),
            "instances": config.instances,
            "instance_seed": config.instance_seed,
            "versions": versions,
        }
        args = (data, config.formulation, config.solver, config.instances, config.instance_seed)
        label = f"{row['arch']} {row['source']}"
        units.append(Unit("solve", spec, solve_unit, args, label, size=config.instances, check_row=whole_solve_row))
    return units
