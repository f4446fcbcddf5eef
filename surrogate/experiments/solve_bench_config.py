"""What ``surrogate bench solve-time`` runs: :class:`SolveBenchConfig`, its encodings and defaults."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..errors import ConfigError
from ..filled import check_filled, filled
from ..milp.baselines import parse_baseline
from ..milp.bilinear import DEFAULT_ZOO
from ..milp.bounds import DEFAULT_MILP_NODE_LIMIT, DEFAULT_MILP_TIME_LIMIT
from ..milp.solver_config import SolverConfig
from ..milp.warmstart_config import check_start_options
from ..nets.architecture import constant_width_shapes
from ..nets.zoo import zoo_name
from ..options import MAX_SEED, check_count, check_seconds, check_sequence, default_of, is_number, plain_numbers, refusal_of
from ..train.protocols import BEST
from .problem_package import problems_package
from .sweep_config import SweepConfig

#: Encodings compared, as (formulation, warm-start seed or ``None``): OMLT's defaults (interval
#: bounds, a binary per ReLU), and the pruned big-M with its envelope planes, started by
#: :func:`~surrogate.milp.warmstart.activation_start` from the LP relaxation (``pruned``), from a
#: local optimum of the exact model first (``pruned-exact-seed``), or not at all (``pruned-cold``).
ENCODINGS = {
    "omlt-bigm": ("bigm", None),
    "omlt-partition": ("partition", None),
    "pruned": ("pruned", "relaxation"),
    "pruned-cold": ("pruned", None),
    "pruned-exact-seed": ("pruned", "exact"),
}
ANCHOR, CANDIDATE, COLD = "omlt-bigm", "pruned", "pruned-cold"
#: What ``surrogate bench solve-time`` compares unless told otherwise (its published tables are these).
SOLVE_BENCH_ENCODINGS = (ANCHOR, "omlt-partition", CANDIDATE, COLD)
DEFAULT_BASELINES = ("sawtooth-24", "nmdt-24", "pw-mccormick-24", "pwl-17x17", "pwl-33x33")
#: Seed of the reference instances of every approximation: the sweep's default one.
REFERENCE_SEED: int = default_of(SweepConfig, "instance_seed")
#: Their solves use the sweep's default HiGHS gap, and its time limit at most.
REFERENCE_SOLVER: SolverConfig = default_of(SweepConfig, "solver")
#: Solver processes of ``surrogate bench solve-time`` unless ``--workers`` says otherwise (one HiGHS thread each).
WORKERS = 2
#: The tuple-valued fields of :class:`SolveBenchConfig`: (name, a valid value, the type of its items, what they are).
SEQUENCES = (
    ("nets", "('b24-best-3x8',)", str | Path, "net names or paths"),
    ("random_sizes", "(8, 16)", numbers.Real, "sizes"),
    ("pooling", "('haverly1',)", str, "names"),
    ("encodings", "('omlt-bigm', 'pruned')", str, "names"),
    ("baselines", "('sawtooth-24',)", str, "names"),
)
#: What :meth:`SolveBenchConfig.quick` changes: two shapes, three small problems, a 5 s limit.
QUICK_SETTINGS = MappingProxyType(
    {
        "nets": ("b24-best-3x8", "b24-best-6x4"),
        "random_sizes": (1, 4),
        "pooling": ("haverly1",),
        "baselines": ("sawtooth-24", "pwl-9x9"),
        "instances": 3,
        "solver": SolverConfig(time_limit=5.0, rel_gap=1e-4),
    }
)


@dataclass(frozen=True, kw_only=True)
class SolveBenchConfig:
    """What ``surrogate bench solve-time`` runs.

    Parameters
    ----------
    budget
        Hidden-neuron budget; its constant-width shapes are taken from the zoo
        as ``b<budget>-best-<shape>`` unless ``nets`` names others.
    nets
        Zoo names or ONNX paths to use instead.
    random_sizes
        Products in the random bilinear family (seed ``random_seed``).
    pooling
        Pooling instances; ``None`` (the default): all 14 of ``problems.POOLING_INSTANCES``, ``()``: none
        (as ``random_sizes=()`` runs no random problem).
    encodings
        Keys of :data:`ENCODINGS` (default :data:`SOLVE_BENCH_ENCODINGS`).
    baselines
        Classic approximations (``sawtooth-24``, ``pwl-17x17``...).
    baseline_max_products
        Baselines are solved on the problems with at most this many products.
    partition_max_products
        OMLT's partition formulation (the slowest to build and solve) only on
        problems with at most this many products, to keep a full run near 20 minutes.
    instances
        Reference instances (``min x*y + a x + b y`` on a box) per approximation.
    solver
        HiGHS settings of every problem solve (the time limit is explicit).
    obbt_time_limit, obbt_node_limit
        Caps per solve of the MILP-based bound tightening: seconds (a safety
        net) and branch-and-bound nodes (see :func:`surrogate.milp.bounds.compute_bounds`).
    start_patience, start_clock
        The warm start's ``patience`` (default 0) and ``clock`` (``'wall'``, default, or ``'cpu'``) for the
        warm-started encodings (:class:`~surrogate.milp.warmstart_config.StartConfig`); recorded in
        ``config.json`` only when set.

    Where the solves run is not part of the benchmark: pass an
    :class:`~surrogate.executors.ExecutorConfig` to
    :func:`~surrogate.experiments.solve_bench.run_solve_bench`
    (``surrogate bench solve-time`` uses :data:`WORKERS` local processes by default).
    """

    budget: int = 24
    nets: tuple[str, ...] = ()
    random_sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    random_seed: int = 0
    pooling: tuple[str, ...] | None = None
    encodings: tuple[str, ...] = SOLVE_BENCH_ENCODINGS
    baselines: tuple[str, ...] = DEFAULT_BASELINES
    baseline_max_products: int = 16
    partition_max_products: int = 32
    instances: int = 20
    solver: SolverConfig = field(default_factory=lambda: SolverConfig(time_limit=10.0, rel_gap=1e-4, threads=1))
    obbt_time_limit: float = DEFAULT_MILP_TIME_LIMIT
    obbt_node_limit: int = DEFAULT_MILP_NODE_LIMIT
    zoo: str = str(DEFAULT_ZOO)
    start_patience: float = 0.0
    start_clock: str = "wall"

    def __post_init__(self) -> None:
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        POOLING_INSTANCES = problems_package().POOLING_INSTANCES

        if self.pooling is None or check_filled(self.pooling, (), "SolveBenchConfig: pooling", ""):
            object.__setattr__(self, "pooling", filled(tuple(POOLING_INSTANCES)))
        self._check_names(POOLING_INSTANCES)
        self._check_numbers()
        if not isinstance(self.solver, SolverConfig):
            raise ConfigError("SolveBenchConfig: solver must be a SolverConfig, e.g. SolverConfig(time_limit=30)")
        check_start_options("SolveBenchConfig", patience=self.start_patience, clock=self.start_clock)

    def _check_names(self, pooling_names) -> None:
        for name, example, of, what in SEQUENCES:
            value = getattr(self, name)
            checked = check_sequence(f"SolveBenchConfig: {name}", value, example=example, of=of, what=what)
            object.__setattr__(self, name, value if isinstance(value, tuple) and checked == value else checked)  # filled kept
        if not isinstance(self.zoo, str | Path):
            raise ConfigError(f"SolveBenchConfig: zoo={self.zoo!r} must be a zoo folder, e.g. 'models'")
        unknown = [p for p in self.pooling if p not in pooling_names]
        if unknown:
            raise ConfigError(
                f"SolveBenchConfig: pooling={self.pooling!r} has unknown {unknown}; choose from {', '.join(pooling_names)}"
            )
        repeated = sorted({p for p in self.pooling if self.pooling.count(p) > 1})
        if repeated:
            raise ConfigError(
                f"SolveBenchConfig: pooling={self.pooling!r} repeats {', '.join(repeated)}; name each instance once"
            )
        bad = [e for e in self.encodings if e not in ENCODINGS]
        if bad or not self.encodings:
            which = f"has unknown {bad}" if bad else "is empty"
            raise ConfigError(f"SolveBenchConfig: encodings={self.encodings!r} {which}; choose from {', '.join(ENCODINGS)}")
        for b in self.baselines:
            with refusal_of("SolveBenchConfig", "baselines", self.baselines):
                parse_baseline(b)

    def _check_numbers(self) -> None:
        if not all(is_number(s, integer=True, low=1) for s in self.random_sizes):
            raise ConfigError(f"SolveBenchConfig: random_sizes={self.random_sizes!r} must be positive integers, e.g. (8, 16)")
        for name in ("budget", "baseline_max_products", "partition_max_products"):
            check_count(f"SolveBenchConfig: {name}", getattr(self, name))
        if not is_number(self.obbt_node_limit, integer=True, low=1):  # a node limit is no size: any is taken
            raise ConfigError(f"SolveBenchConfig: obbt_node_limit={self.obbt_node_limit!r} must be a positive integer")
        for name in ("instances", "random_seed"):
            if not is_number(getattr(self, name), integer=True, low=0, high=MAX_SEED):
                raise ConfigError(f"SolveBenchConfig: {name}={getattr(self, name)!r} must be an integer in [0, {MAX_SEED}]")
        check_seconds("SolveBenchConfig: obbt_time_limit", self.obbt_time_limit)
        for name in ("nets", "random_sizes"):
            repeated = sorted({str(v) for v in getattr(self, name) if getattr(self, name).count(v) > 1})
            if repeated:
                raise ConfigError(
                    f"SolveBenchConfig: {name}={getattr(self, name)!r} repeats {', '.join(repeated)}; give each once"
                )

    @classmethod
    def quick(cls, **overrides) -> SolveBenchConfig:
        """A smoke run (about a minute): two shapes, three small problems, 5 s limit.

        Its nets are 24-neuron ones: another ``budget`` needs its own ``nets`` (a budget's best net
        of each shape is ``b<budget>-best-<shape>``).
        """
        if overrides.get("budget", 24) != 24 and "nets" not in overrides:
            raise ConfigError(
                f"SolveBenchConfig.quick: its nets {', '.join(QUICK_SETTINGS['nets'])} have 24 neurons, not budget "
                f"{overrides['budget']}; pass nets of that budget too (--nets b{overrides['budget']}-best-SHAPE ...)"
            )
        return cls(**{**QUICK_SETTINGS, **overrides})

    @property
    def net_names(self) -> tuple[str, ...]:
        return self.nets or tuple(zoo_name(a, BEST.name) for a in constant_width_shapes(self.budget))

    def to_dict(self) -> dict:
        """Everything that defines the benchmark, as recorded in ``config.json`` (where it ran is not part of it).

        The solver's options and the warm start's patience and clock only when set, so a run without them
        records what runs recorded before they existed.
        """
        record = {**asdict(self), "solver": self.solver.cache_key()}
        if not self.start_patience:
            del record["start_patience"]
        if self.start_clock == "wall":
            del record["start_clock"]
        return record
