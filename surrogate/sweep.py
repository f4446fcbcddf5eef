"""The depth/width sweep: train, score, export, encode, solve, tabulate.

:func:`run_sweep` is the whole job behind ``surrogate sweep``. It returns a
:class:`SweepResult` holding three tables (per shape, per net, per solve) and
writes them, with the exported nets, into the results folder.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ._atomic import write_text
from .architecture import Architecture, constant_width_shapes
from .construct import hand_built, useful_plans
from .encoding import check_formulation
from .errors import ConfigError
from .literature import blog_mae
from .metrics import GRID_POINTS, score, validation_mae
from .onnx_io import export_onnx, load_onnx, package_versions
from .protocols import TrainingProtocol, get_protocol
from .reference_problem import reference_instances, solve_reference_problems
from .solver import SolverConfig
from .training import run_packs, train_packed

DOMAIN = ((-1.0, 1.0), (-1.0, 1.0))


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
        MILP formulation of the nets (``bigm``, ``partition``, ``fullspace``).
    instances, instance_seed
        Number of reference instances per net and the seed drawing them.
    solve_all_seeds
        Solve with every seed's net, not only the selected one per shape.
    yardsticks
        Add the hand-built nets of every shape where the construction fits
        (scored, exported and solved like the trained ones).
    solver
        HiGHS settings.
    workers
        Training processes (default: one per core).
    """

    budget: int = 24
    architectures: tuple[Architecture, ...] = ()
    protocol: TrainingProtocol = field(default_factory=lambda: get_protocol("seed"))
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    formulation: str = "bigm"
    instances: int = 20
    instance_seed: int = 2021
    solve_all_seeds: bool = False
    solver: SolverConfig = field(default_factory=SolverConfig)
    workers: int | None = None
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
        """A smoke-test sweep: 5 epochs, 1 seed, 5 instances."""
        base = cls(**overrides)
        return replace(
            base,
            protocol=base.protocol.with_epochs(min(5, base.protocol.epochs)),
            seeds=overrides.get("seeds", (0,)),
            instances=overrides.get("instances", 5),
        )

    def to_dict(self) -> dict:
        out = asdict(self)
        out["architectures"] = [a.name for a in self.architectures]
        return out


TRAINED = "trained"
HAND_BUILT_SOURCES = {"paired": "hand-paired", "shared": "hand-shared"}


def net_filename(arch: Architecture, seed: int) -> str:
    return f"{arch.name}-seed{seed}.onnx"


def _export_row(net, arch: Architecture, path: Path, *, source: str, seed: int, metadata: dict, extra: dict) -> dict:
    """Score ``net`` on the grid, export it with its metrics, and return its row of ``nets.csv``.

    The net is scored as the ONNX file stores it (float32 weights), so the
    recorded metrics are those of the file.
    """
    net = net.rounded_to_float32()
    s = score(net)
    export_onnx(
        net,
        path,
        metadata={
            "architecture": arch.name,
            "domain": [list(b) for b in DOMAIN],
            "metrics": {**s.to_dict(), **extra, "grid_points": GRID_POINTS},
            **metadata,
        },
    )
    return {"arch": arch.name, "source": source, "depth": arch.depth, "seed": seed, "file": path.name, **s.to_dict(), **extra}


def _train_score_export(archs: Sequence[Architecture], seeds: Sequence[int], protocol: TrainingProtocol, nets_dir: str) -> list[dict]:
    """Worker job: train a pack of shapes, score each net on the grid, export it."""
    rows = []
    for arch, trained_nets in train_packed(archs, seeds, protocol, threads=1).items():
        for t in trained_nets:
            rows.append(
                _export_row(
                    t.net,
                    arch,
                    Path(nets_dir) / net_filename(arch, t.seed),
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
    return rows


def _order_rows(config: SweepConfig, rows: list[dict]) -> pd.DataFrame:
    order = {a.name: i for i, a in enumerate(config.architectures)}
    sources = {TRAINED: 0, **{name: i + 1 for i, name in enumerate(HAND_BUILT_SOURCES.values())}}
    frame = pd.DataFrame(rows)
    keys = pd.DataFrame({"a": frame["arch"].map(order), "s": frame["source"].map(sources), "seed": frame["seed"]})
    return frame.loc[keys.sort_values(["a", "s", "seed"]).index].reset_index(drop=True)


def train_stage(config: SweepConfig, nets_dir: Path, progress: Callable[[list], None] | None = None) -> list[dict]:
    """Train, score and export every net: packed shapes spread over worker processes."""
    nets_dir.mkdir(parents=True, exist_ok=True)
    job = partial(_train_score_export, nets_dir=str(nets_dir))
    return [
        row
        for part in run_packs(config.architectures, config.seeds, config.protocol, job, workers=config.workers, progress=progress)
        for row in part
    ]


def hand_built_stage(config: SweepConfig, nets_dir: Path) -> list[dict]:
    """Score and export the hand-built yardstick of every shape where the construction fits usefully."""
    rows = []
    for arch in config.architectures:
        for variant, built in useful_plans(arch, tuple(HAND_BUILT_SOURCES)):
            source = HAND_BUILT_SOURCES[variant]
            net = hand_built(arch, variant).rounded_to_float32()  # validated as exported, like the trained nets
            rows.append(
                _export_row(
                    net,
                    arch,
                    nets_dir / f"{arch.name}-hand-built-{variant}.onnx",
                    source=source,
                    seed=-1,
                    metadata={"kind": "hand-built", "variant": variant, "error_bound": built.error_bound},
                    extra={"val_mae": validation_mae(net, 0), "error_bound": built.error_bound},
                )
            )
    return rows


def best_rows(nets: pd.DataFrame) -> pd.DataFrame:
    """The row with the lowest validation MAE for every (shape, source): the selected net."""
    return nets.loc[nets.groupby(["arch", "source"], sort=False)["val_mae"].idxmin()]


def solve_stage(
    config: SweepConfig, nets: pd.DataFrame, nets_dir: Path, progress: Callable[[str], None] | None = None
) -> pd.DataFrame:
    """Solve the reference instances with the selected net of every shape and source (or every net)."""
    instances = reference_instances(config.instances, seed=config.instance_seed)
    chosen = nets if config.solve_all_seeds else best_rows(nets)
    rows = []
    for _, net_row in chosen.iterrows():
        net = load_onnx(nets_dir / net_row["file"])
        for k, solved in enumerate(
            solve_reference_problems(net, instances, formulation=config.formulation, config=config.solver)
        ):
            rows.append(
                {"arch": net_row["arch"], "source": net_row["source"], "seed": net_row["seed"], "instance": k, **solved.to_dict()}
            )
        if progress:
            progress(f"{net_row['arch']} {net_row['source']}")
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
                "time_limit_hits": int((s["termination"] == "maxTimeLimit").sum()),
                "opt_err_median": s["opt_error"].median(),
                "opt_err_max": s["opt_error"].max(),
                "blog_mae": blog_mae(arch_name) if source == TRAINED else None,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The three tables of a sweep and where they were written."""

    config: SweepConfig
    table: pd.DataFrame
    nets: pd.DataFrame
    solves: pd.DataFrame
    out_dir: Path
    wall_time_s: float

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


def run_sweep(config: SweepConfig, out_dir: str | Path, *, progress: bool = True) -> SweepResult:
    """Run the whole sweep and write its results under ``out_dir``.

    Files written (each atomically): ``nets/*.onnx``, ``nets.csv``,
    ``solves.csv``, ``table.csv``, ``table.json``, ``config.json``.
    """
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    nets_dir = out_dir / "nets"
    start = time.perf_counter()
    with tqdm(total=len(config.architectures), desc="train+export", unit="shape", disable=not progress) as bar:
        rows = train_stage(
            config, nets_dir, progress=lambda archs: (bar.set_postfix_str(",".join(a.name for a in archs)), bar.update(len(archs)))
        )
    if config.yardsticks:
        rows += hand_built_stage(config, nets_dir)
    nets = _order_rows(config, rows)
    n_solved = len(nets) if config.solve_all_seeds else len(best_rows(nets))
    with tqdm(total=n_solved, desc="encode+solve", unit="net", disable=not progress) as bar:
        solves = solve_stage(config, nets, nets_dir, progress=lambda name: (bar.set_postfix_str(name), bar.update()))
    table = summarise(config, nets, solves)
    wall = time.perf_counter() - start
    _write_csv(out_dir / "nets.csv", nets)
    _write_csv(out_dir / "solves.csv", solves)
    _write_csv(out_dir / "table.csv", table)
    _write_json(out_dir / "table.json", {"rows": table.replace({np.nan: None}).to_dict(orient="records")})
    _write_json(
        out_dir / "config.json",
        {"config": config.to_dict(), "versions": package_versions(), "wall_time_s": wall},
    )
    return SweepResult(config, table, nets, solves, out_dir, wall)
