"""What defines a sweep: :class:`SweepConfig` and the settings of its smoke-test run.

Where the work runs is not part of it (:class:`~surrogate.executors.ExecutorConfig`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from ..errors import ConfigError
from ..filled import check_filled, filled
from ..milp.formulations import DEFAULT_FORMULATION, check_formulation
from ..milp.solver_config import SolverConfig
from ..nets.architecture import Architecture, check_budget, check_distinct, check_product_shapes, constant_width_shapes
from ..options import MAX_SEED, check_count, check_flags, check_seeds, check_sequence, is_number, plain_numbers, refusal_of
from ..train.protocols import TrainingProtocol, get_protocol

#: What :meth:`SweepConfig.quick` changes: at most this many epochs, these seeds, this many instances.
QUICK_EPOCHS = 5
QUICK_SEEDS: tuple[int, ...] = (0,)
QUICK_INSTANCES = 5


def _architectures(given, budget: int) -> tuple[Architecture, ...]:
    """The shapes of a sweep: ``given`` parsed (each once, none above ``budget`` neurons), or the constant-width ones."""
    given = check_sequence("SweepConfig: architectures", given, example="('3x8', '8-6-6')", what="shapes")
    with refusal_of("SweepConfig", "architectures", given):  # each refusal below led by the field and its value
        archs = tuple(Architecture.parse(a) for a in given)
        check_product_shapes(archs, "", "a sweep")
        check_distinct(archs)
    check_budget(archs, budget, f"SweepConfig: architectures={given!r}")
    return archs or filled(tuple(constant_width_shapes(budget)), (budget,))


@dataclass(frozen=True, kw_only=True)
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
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        check_count("SweepConfig: budget", self.budget, example=24)
        fix = "pass architectures=() for this budget's shapes, or a tuple of shapes to keep these"
        again = check_filled(self.architectures, (self.budget,), "SweepConfig: architectures (budget,)", fix)
        given = () if again else self.architectures  # replace(config, budget=...) with the shapes filled in
        object.__setattr__(self, "architectures", _architectures(given, self.budget))
        with refusal_of("SweepConfig", "protocol", self.protocol):
            object.__setattr__(self, "protocol", get_protocol(self.protocol))
        try:
            seeds = tuple(check_seeds(self.seeds))
        except ConfigError as exc:
            raise ConfigError(f"SweepConfig: {exc}") from None
        object.__setattr__(self, "seeds", seeds)
        with refusal_of("SweepConfig", "formulation", self.formulation):
            check_formulation(self.formulation)
        check_count("SweepConfig: instances", self.instances, example=20)
        if not is_number(self.instance_seed, integer=True, low=0, high=MAX_SEED):
            raise ConfigError(f"SweepConfig: instance_seed={self.instance_seed!r} must be a non-negative integer, e.g. 2021")
        check_flags("SweepConfig", solve_all_seeds=self.solve_all_seeds, yardsticks=self.yardsticks)
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
        """Everything that defines the sweep, as JSON-able values (recorded in ``config.json``; solver options only when set)."""
        out = {**asdict(self), "solver": self.solver.cache_key()}
        out["architectures"] = [a.name for a in self.architectures]
        out["seeds"] = list(self.seeds)
        return out
