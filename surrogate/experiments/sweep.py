"""The depth/width sweep: train, score, export, encode, solve, tabulate.

:func:`run_sweep` is the whole job behind ``surrogate sweep``. It returns a
:class:`SweepResult` holding three tables (per shape, per net, per solve) and
writes them, with the exported nets, into the results folder.

The work is split into *units*: a pack of shapes trained together (see
:func:`surrogate.train.training.pack_groups`), one hand-built yardstick, and the
solves of one net on the reference instances. Each unit is a pure function
of its configuration, so it can run in this process, in local worker
processes or on a Dask cluster (:mod:`surrogate.executors`), and each
finished unit is cached in ``<out>/cache/`` under a hash of that
configuration (:mod:`surrogate.experiments.cache`). A sweep that is stopped and started
again with the same command redoes only the unfinished units; training is
deterministic, so its tables equal those of an uninterrupted run (solve
times apart, which are measured afresh for recomputed solves).
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..executors import ExecutorConfig, open_executor
from ..files import sha256_bytes, sha256_file, write_bytes, write_text
from ..literature import blog_mae
from ..milp.encoding import DEFAULT_FORMULATION, check_formulation
from ..milp.solver import SolverConfig, Termination
from ..nets.architecture import Architecture, constant_width_shapes
from ..nets.construct import hand_built, useful_plans
from ..nets.metrics import GRID_POINTS, score, validation_mae
from ..nets.onnx_io import export_onnx, load_onnx, package_versions
from ..train.protocols import TrainingProtocol, get_protocol
from ..train.training import pack_groups, train_packed
from .cache import (
    CONFIG_FILE,
    FORMAT_VERSION,
    NETS_DIR,
    DamagedEntryError,
    UnitCache,
    open_results_folder,
    unit_key,
)
from .reference_problem import reference_instances, solve_reference_problems

log = logging.getLogger(__name__)

DOMAIN = ((-1.0, 1.0), (-1.0, 1.0))
#: What :meth:`SweepConfig.quick` changes: at most this many epochs, these seeds, this many instances.
QUICK_EPOCHS = 5
QUICK_SEEDS: tuple[int, ...] = (0,)
QUICK_INSTANCES = 5


@dataclass(frozen=True)
class SweepConfig:
    """Everything that defines a sweep. Validated on construction.

    Parameters
    ----------
    budget
        Hidden-neuron budget; the default shapes are its constant-width ones.
    architectures
        Shapes to sweep instead of the constant-width ones (text or objects).
    protocol
        Training protocol (name or object).
    seeds
        One net per seed and shape.
    formulation
        MILP formulation of the nets (``pruned``, the default, ``bigm``, ``partition``, ``fullspace``).
    instances, instance_seed
        Number of reference instances per net and the seed drawing them.
    solve_all_seeds
        Solve with every seed's net, not only the selected one per shape.
    yardsticks
        Add the hand-built nets of every shape where the construction fits
        (scored, exported and solved like the trained ones).
    solver
        HiGHS settings.

    Where the work runs is not part of the sweep: pass an
    :class:`~surrogate.executors.ExecutorConfig` to :func:`run_sweep`.
    """

    budget: int = 24
    architectures: tuple[Architecture, ...] = ()
    protocol: TrainingProtocol = field(default_factory=lambda: get_protocol("seed"))
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    formulation: str = DEFAULT_FORMULATION
    instances: int = 20
    instance_seed: int = 2021
    solve_all_seeds: bool = False
    solver: SolverConfig = field(default_factory=SolverConfig)
    yardsticks: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget < 1:
            raise ConfigError(f"SweepConfig: budget={self.budget!r} must be a positive integer, e.g. 24")
        archs = tuple(Architecture.parse(a) for a in self.architectures) or tuple(constant_width_shapes(self.budget))
        object.__setattr__(self, "architectures", archs)
        object.__setattr__(self, "protocol", get_protocol(self.protocol))
        seeds = tuple(self.seeds)
        if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds):
            raise ConfigError(f"SweepConfig: seeds={self.seeds!r} must be non-negative integers, e.g. (0, 1, 2)")
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"SweepConfig: seeds={self.seeds!r} repeat; give each net its own seed")
        object.__setattr__(self, "seeds", seeds)
        check_formulation(self.formulation)
        if isinstance(self.instances, bool) or not isinstance(self.instances, int) or self.instances < 1:
            raise ConfigError(f"SweepConfig: instances={self.instances!r} must be a positive integer, e.g. 20")
        if not isinstance(self.solver, SolverConfig):
            raise ConfigError("SweepConfig: solver must be a SolverConfig, e.g. SolverConfig(time_limit=60)")

    @classmethod
    def quick(cls, **overrides) -> SweepConfig:
        """A smoke-test sweep: :data:`QUICK_EPOCHS` epochs, :data:`QUICK_SEEDS`, :data:`QUICK_INSTANCES` instances."""
        base = cls(**overrides)
        return replace(
            base,
            protocol=base.protocol.with_epochs(min(QUICK_EPOCHS, base.protocol.epochs)),
            seeds=overrides.get("seeds", QUICK_SEEDS),
            instances=overrides.get("instances", QUICK_INSTANCES),
        )

    def to_dict(self) -> dict:
        """Everything that defines the sweep, as JSON-able values (recorded in ``config.json``)."""
        out = asdict(self)
        out["architectures"] = [a.name for a in self.architectures]
        out["seeds"] = list(self.seeds)
        return out


TRAINED = "trained"
HAND_BUILT_SOURCES = {"paired": "hand-paired", "shared": "hand-shared"}


def net_filename(arch: Architecture, seed: int) -> str:
    return f"{arch.name}-seed{seed}.onnx"


def _plain(value):
    """A numpy scalar as the Python value JSON can hold; anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def _net_record(net, arch: Architecture, filename: str, *, source: str, seed: int, metadata: dict, extra: dict) -> dict:
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
                "domain": [list(b) for b in DOMAIN],
                "metrics": {**s.to_dict(), **extra, "grid_points": GRID_POINTS},
                **metadata,
            },
        )
        data = path.read_bytes()
    row = {"arch": arch.name, "source": source, "depth": arch.depth, "seed": seed, "file": filename, **s.to_dict(), **extra}
    return {"row": {k: _plain(v) for k, v in row.items()}, "onnx": data}


def train_unit(archs: Sequence[str], seeds: Sequence[int], protocol: TrainingProtocol) -> dict:
    """Unit job: train a pack of shapes, then score and export every net; ``{"nets": [record, ...]}``."""
    nets = []
    for arch, trained_nets in train_packed(list(archs), list(seeds), protocol, threads=1).items():
        for t in trained_nets:
            nets.append(
                _net_record(
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
    """Unit job: score and export the hand-built net of ``arch`` (validated as exported, like the trained nets)."""
    arch = Architecture.parse(arch)
    (built,) = (b for v, b in useful_plans(arch, (variant,)) if v == variant)
    net = hand_built(arch, variant).rounded_to_float32()
    record = _net_record(
        net,
        arch,
        f"{arch.name}-hand-built-{variant}.onnx",
        source=HAND_BUILT_SOURCES[variant],
        seed=-1,
        metadata={"kind": "hand-built", "variant": variant, "error_bound": built.error_bound},
        extra={"val_mae": validation_mae(net, 0), "error_bound": built.error_bound},
    )
    return {"nets": [record]}


def solve_unit(onnx: bytes, formulation: str, solver: SolverConfig, instances: int, instance_seed: int) -> dict:
    """Unit job: encode the net in ``onnx`` and solve the reference instances; ``{"rows": [...]}``."""
    with tempfile.TemporaryDirectory(prefix="surrogate-net-") as tmp:
        path = Path(tmp) / "net.onnx"
        path.write_bytes(onnx)
        net = load_onnx(path)
    solved = solve_reference_problems(
        net, reference_instances(instances, seed=instance_seed), formulation=formulation, config=solver
    )
    return {"rows": [{"instance": k, **{key: _plain(v) for key, v in s.to_dict().items()}} for k, s in enumerate(solved)]}


@dataclass(frozen=True, eq=False)
class Unit:
    """One cacheable piece of a sweep: ``fn(*args)``, keyed by ``kind`` and its full configuration ``spec``.

    ``size`` is its weight on the progress bar (nets or solves), ``label`` its name there.
    """

    kind: str
    spec: dict
    fn: Callable
    args: tuple
    label: str
    size: int = 1
    key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", unit_key(self.kind, self.spec))


def net_units(config: SweepConfig) -> list[Unit]:
    """The training packs (longest first), then the hand-built yardsticks.

    Keys hold the package versions too (torch, onnx, ...): an upgrade recomputes.
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
            Unit("yardstick", {"arch": arch.name, "variant": variant, "versions": versions}, yardstick_unit, (arch.name, variant), f"{arch.name} {variant}")
            for arch in config.architectures
            for variant, _ in useful_plans(arch, tuple(HAND_BUILT_SOURCES))
        ]
    return units


def solve_units(config: SweepConfig, chosen: pd.DataFrame, nets_dir: Path) -> list[Unit]:
    """One unit per chosen net: its reference solves, keyed by the net file's content (and package versions)."""
    units, versions = [], package_versions()
    for _, row in chosen.iterrows():
        data = (nets_dir / row["file"]).read_bytes()
        spec = {
            "net_sha256": sha256_bytes(data),
            "formulation": config.formulation,
            "solver": asdict(config.solver),
            "instances": config.instances,
            "instance_seed": config.instance_seed,
            "versions": versions,
        }
        args = (data, config.formulation, config.solver, config.instances, config.instance_seed)
        units.append(Unit("solve", spec, solve_unit, args, f"{row['arch']} {row['source']}", size=config.instances))
    return units


@dataclass(frozen=True)
class UnitCounts:
    """How many units a sweep computed, took from its cache, and found damaged (and recomputed)."""

    computed: int = 0
    reused: int = 0
    damaged: int = 0

    @property
    def total(self) -> int:
        return self.computed + self.reused

    def to_dict(self) -> dict:
        return asdict(self)


def _store(cache: UnitCache, unit: Unit, result: dict, nets_dir: Path):
    """Write a finished unit's nets (atomically), then its cache entry; return the result as read back."""
    stored = dict(result)
    if "nets" in result:
        stored["nets"] = []
        for record in result["nets"]:
            write_bytes(nets_dir / record["row"]["file"], record["onnx"])
            stored["nets"].append({"row": record["row"], "sha256": sha256_bytes(record["onnx"])})
    cache.write(unit.kind, unit.key, unit.spec, stored)
    return json.loads(json.dumps(stored, allow_nan=True))  # what a later run would read: same types either way


def _well_formed(unit: Unit, result) -> bool:
    """Whether a cached ``result`` has the shape of ``unit``'s: ``size`` nets (with file and hash) or ``size`` solves."""
    if not isinstance(result, dict):
        return False
    if unit.kind == "solve":
        rows = result.get("rows")
        return isinstance(rows, list) and len(rows) == unit.size and all(isinstance(r, dict) for r in rows)
    nets = result.get("nets")
    return (
        isinstance(nets, list)
        and len(nets) == unit.size
        and all(
            isinstance(n, dict) and isinstance(n.get("row"), dict) and isinstance(n["row"].get("file"), str)
            and isinstance(n.get("sha256"), str)
            for n in nets
        )
    )


def _lookup(cache: UnitCache, unit: Unit, nets_dir: Path, counts: Counter):
    """The cached result of ``unit`` if it is whole (entry readable, net files unchanged), else ``None``."""
    try:
        result = cache.read(unit.kind, unit.key)
    except DamagedEntryError as exc:
        cache.discard(unit.kind, unit.key, str(exc))
        counts["damaged"] += 1
        return None
    if result is None:
        return None
    if not _well_formed(unit, result):
        cache.discard(unit.kind, unit.key, f"it does not hold the {unit.size} results of a {unit.kind} unit")
        counts["damaged"] += 1
        return None
    for record in result.get("nets", ()):
        file = record["row"]["file"]
        if sha256_file(nets_dir / file) != record["sha256"]:
            cache.discard(unit.kind, unit.key, f"its net {NETS_DIR}/{file} is missing or changed")
            counts["damaged"] += 1
            return None
    return result


def run_units(
    units: Sequence[Unit], runner, cache: UnitCache, nets_dir: Path, *, counts: Counter, desc: str, unit_name: str, progress: bool
) -> dict[str, dict]:
    """Results of ``units`` by key: cached ones read back, the others run on ``runner`` and cached as they finish."""
    from tqdm.auto import tqdm

    results, todo = {}, {}
    for unit in units:
        if unit.key in results or unit.key in todo:
            continue
        cached = _lookup(cache, unit, nets_dir, counts)
        if cached is None:
            todo[unit.key] = unit
        else:
            results[unit.key] = cached
    done = sum(u.size for u in units if u.key in results)
    counts["reused"] += len(results)
    if results:
        log.info("%s: %d of %d units reused from %s", desc, len(results), len(results) + len(todo), cache.root)
    with tqdm(total=sum(u.size for u in units), initial=done, desc=desc, unit=unit_name, disable=not progress) as bar:
        futures = {runner.submit(u.fn, *u.args): u for u in todo.values()}
        for future in runner.as_completed(futures):
            unit = futures[future]
            results[unit.key] = _store(cache, unit, future.result(), nets_dir)
            counts["computed"] += 1
            bar.set_postfix_str(unit.label, refresh=False)
            bar.update(unit.size)
    return results


def _order_rows(config: SweepConfig, rows: list[dict]) -> pd.DataFrame:
    order = {a.name: i for i, a in enumerate(config.architectures)}
    sources = {TRAINED: 0, **{name: i + 1 for i, name in enumerate(HAND_BUILT_SOURCES.values())}}
    frame = pd.DataFrame(rows)
    keys = pd.DataFrame({"a": frame["arch"].map(order), "s": frame["source"].map(sources), "seed": frame["seed"]})
    return frame.loc[keys.sort_values(["a", "s", "seed"]).index].reset_index(drop=True)


def best_rows(nets: pd.DataFrame) -> pd.DataFrame:
    """The row with the lowest validation MAE for every (shape, source): the selected net."""
    return nets.loc[nets.groupby(["arch", "source"], sort=False)["val_mae"].idxmin()]


def solves_frame(chosen: pd.DataFrame, units: Sequence[Unit], results: dict[str, dict]) -> pd.DataFrame:
    """The rows of ``solves.csv``: every solve of every chosen net, in the order of ``chosen``."""
    rows = []
    for (_, net_row), unit in zip(chosen.iterrows(), units):
        for solved in results[unit.key]["rows"]:
            rows.append({"arch": net_row["arch"], "source": net_row["source"], "seed": net_row["seed"], **solved})
    return pd.DataFrame(rows)


def summarise(config: SweepConfig, nets: pd.DataFrame, solves: pd.DataFrame) -> pd.DataFrame:
    """One row per shape and source: errors (selected net and median over seeds), MILP size, solve times.

    The selected ("best") net of a shape is the seed with the lowest
    validation MAE; its grid errors are reported, and the medians over all
    seeds sit beside them so that luck is visible.
    """
    rows = []
    for (arch_name, source), n in nets.groupby(["arch", "source"], sort=False):
        arch = Architecture.parse(arch_name)
        best = n.loc[n["val_mae"].idxmin()]
        s = solves[(solves["arch"] == arch_name) & (solves["source"] == source) & (solves["seed"] == best["seed"])]
        rows.append(
            {
                "arch": arch_name,
                "source": source,
                "depth": arch.depth,
                "params": arch.parameter_count().total,
                "mae_best": best["mae"],
                "mae_median": n["mae"].median(),
                "mse_best": best["mse"],
                "mse_median": n["mse"].median(),
                "max_err_best": best["max_error"],
                "max_err_median": n["max_error"].median(),
                "collapsed": f"{int(n['collapsed'].sum())}/{len(n)}",
                "best_seed": int(best["seed"]),
                "binaries": int(s["binaries"].iloc[0]) if len(s) else 0,
                "solve_median_s": s["wall_time"].median(),
                "solve_max_s": s["wall_time"].max(),
                "time_limit_hits": int((s["termination"] == Termination.TIME_LIMIT).sum()),
                "opt_err_median": s["opt_error"].median(),
                "opt_err_max": s["opt_error"].max(),
                "blog_mae": blog_mae(arch_name) if source == TRAINED else None,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The three tables of a sweep, where they were written, and how many units it computed or reused."""

    config: SweepConfig
    table: pd.DataFrame
    nets: pd.DataFrame
    solves: pd.DataFrame
    out_dir: Path
    wall_time_s: float
    units: UnitCounts = field(default_factory=UnitCounts)

    def best_net_path(self, arch: str, source: str = TRAINED) -> Path:
        """The ONNX file of the selected net of ``arch`` from ``source``."""
        n = self.nets[(self.nets["arch"] == arch) & (self.nets["source"] == source)]
        if n.empty:
            raise ConfigError(f"this sweep has no {source} net of shape {arch!r}")
        return self.out_dir / "nets" / n.loc[n["val_mae"].idxmin(), "file"]

    def render(self) -> str:
        """The table as printed by ``surrogate sweep``."""
        return format_table(self.table)


_FORMATS = {
    "mae_best": "{:.2e}", "mae_median": "{:.2e}", "mse_best": "{:.2e}", "mse_median": "{:.2e}",
    "max_err_best": "{:.2e}", "max_err_median": "{:.2e}",
    "solve_median_s": "{:.3f}", "solve_max_s": "{:.3f}", "opt_err_median": "{:.1e}", "opt_err_max": "{:.1e}",
    "blog_mae": "{:.2g}",
}


def format_table(table: pd.DataFrame) -> str:
    shown = table.copy()
    for col, fmt in _FORMATS.items():
        if col in shown:
            shown[col] = [("-" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)) for v in shown[col]]
    return shown.to_string(index=False)


def _write_json(path: Path, payload) -> None:
    write_text(path, json.dumps(payload, indent=2, sort_keys=False, default=str, allow_nan=True) + "\n")


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_text(path, frame.to_csv(index=False))


def _config_record(config: SweepConfig, **extra) -> dict:
    """The content of ``config.json``: format version, sweep configuration, package versions, and ``extra``."""
    return {"format": FORMAT_VERSION, "config": config.to_dict(), "versions": package_versions(), **extra}


def run_sweep(
    config: SweepConfig,
    out_dir: str | Path,
    *,
    progress: bool = True,
    executor: ExecutorConfig | None = None,
    fresh: bool = False,
) -> SweepResult:
    """Run the whole sweep (or finish an interrupted one) and write its results under ``out_dir``.

    Parameters
    ----------
    config
        The sweep.
    out_dir
        Results folder. Files written (each atomically): ``nets/*.onnx``,
        ``nets.csv``, ``solves.csv``, ``table.csv``, ``table.json``,
        ``config.json``, and one ``cache/*.json`` per finished unit.
    progress
        Show progress bars (on stderr).
    executor
        Where the units run (default: local processes, one per core).
    fresh
        Discard the folder's old results and cache first.

    Raises
    ------
    surrogate.experiments.cache.ResultsFolderError
        If ``out_dir`` holds results of another format version or of a
        different sweep (pass ``fresh=True`` or use another folder), or
        another sweep is writing to it.
    """
    out_dir = Path(out_dir)
    nets_dir = out_dir / NETS_DIR
    start = time.perf_counter()
    counts: Counter = Counter()
    with open_results_folder(out_dir, config.to_dict(), fresh=fresh) as cache:
        _write_json(out_dir / CONFIG_FILE, _config_record(config, complete=False))
        nets_dir.mkdir(parents=True, exist_ok=True)
        with open_executor(executor) as runner:
            units = net_units(config)
            done = run_units(units, runner, cache, nets_dir, counts=counts, desc="train+export", unit_name="net", progress=progress)
            nets = _order_rows(config, [record["row"] for u in units for record in done[u.key]["nets"]])
            chosen = nets if config.solve_all_seeds else best_rows(nets)
            units = solve_units(config, chosen, nets_dir)
            done = run_units(units, runner, cache, nets_dir, counts=counts, desc="encode+solve", unit_name="solve", progress=progress)
        solves = solves_frame(chosen, units, done)
        table = summarise(config, nets, solves)
        wall = time.perf_counter() - start
        unit_counts = UnitCounts(counts["computed"], counts["reused"], counts["damaged"])
        _write_csv(out_dir / "nets.csv", nets)
        _write_csv(out_dir / "solves.csv", solves)
        _write_csv(out_dir / "table.csv", table)
        _write_json(out_dir / "table.json", {"rows": table.replace({np.nan: None}).to_dict(orient="records")})
        _write_json(out_dir / CONFIG_FILE, _config_record(config, wall_time_s=wall, units=unit_counts.to_dict(), complete=True))
    return SweepResult(config, table, nets, solves, out_dir, wall, unit_counts)
