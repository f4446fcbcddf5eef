"""What ``surrogate bench scale`` runs: :class:`ScaleBenchConfig` and every default of the benchmark."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import ConfigError
from ..filled import check_filled, filled
from ..milp.baselines import parse_baseline
from ..milp.solver_config import SolverConfig
from ..milp.warmstart_config import check_start_options
from ..nets.zoo import DEFAULT_ZOO
from ..options import check_count, check_flags, check_sequence, is_number, plain_numbers, refusal_of
from .peers import PEER_SOLVERS, PEERS
from .scale_suite import QUICK_SUITE, SUITE, check_instance
from .solve_bench_config import ENCODINGS
from .solve_bench_config import WORKERS as SOLVE_BENCH_WORKERS

#: Seconds per solve (warm start included) of a full run, and of a ``quick`` one.
TIME_LIMIT = 60.0
QUICK_TIME_LIMIT = 10.0
#: HiGHS's relative gap at which a solve counts as solved.
REL_GAP = 1e-4
#: Nets of a full run unless named: every zoo net of ``BUDGET`` hidden neurons whose grid MAE is at most ``MAX_MAE``
#: (in the shipped zoo, 11: b24-hand-{paired,shared}-{2x12,3x8,4x6}, b24-hand-shared{,-fixed}-4-5-5-5-5 and
#: b24-best-{2x12,3x8,4x6}).
BUDGET = 24
MAX_MAE = 1e-3
#: The net of a ``quick`` run unless named.
QUICK_NETS = ("b24-best-3x8",)
#: Encodings unless named: the pruned big-M with its warm start.
DEFAULT_ENCODINGS = ("pruned",)
#: Solver processes of ``surrogate bench scale`` unless ``--workers`` says otherwise (one solver thread each): the
#: solve-time benchmark's own (:data:`~surrogate.experiments.solve_bench_config.WORKERS`), one default for both.
WORKERS = SOLVE_BENCH_WORKERS
#: A valid value of each tuple-valued field of :class:`ScaleBenchConfig`, for the message of a refusal.
EXAMPLES = {
    "nets": "('b24-best-3x8',)",
    "zoos": "('models',)",
    "encodings": "('pruned', 'omlt-bigm')",
    "instances": "('random8-s0', 'haverly1')",
    "baselines": "('sawtooth-10',)",
}


@dataclass(frozen=True, kw_only=True)
class ScaleBenchConfig:
    """What ``surrogate bench scale`` runs. Validated on construction.

    Parameters
    ----------
    nets
        Zoo names (looked up in every zoo of ``zoos``) or ONNX paths. Empty:
        :data:`QUICK_NETS` with ``quick``, else every zoo net with ``budget``
        hidden neurons and grid MAE <= ``max_mae``.
    budget, max_mae
        The selection of nets when ``nets`` is empty and ``quick`` is off.
    zoos
        Zoo folders (each with a ``manifest.json``); a net name found in more
        than one is benchmarked from each, labelled ``<folder>/<name>`` after the first.
    encodings
        Keys of :data:`~surrogate.experiments.solve_bench_config.ENCODINGS`.
    solver
        Settings of every solve; ``None``: :data:`TIME_LIMIT` (:data:`QUICK_TIME_LIMIT`
        with ``quick``), gap :data:`REL_GAP`, one thread, HiGHS.
    quick
        Run :data:`~surrogate.experiments.scale_suite.QUICK_SUITE` instead of the suite.
    instances
        Instances to run instead (``randomN-sS`` or pooling names); empty: the suite
        (or its quick subset).
    baselines
        Classic MIP approximations of x*y (:func:`~surrogate.milp.baselines.parse_baseline`
        names, e.g. ``'sawtooth-10'``) run beside the nets, each in every encoding
        (the warm start fixes their binaries as it fixes a net's activations), so a
        net can be compared with the classic way of spending the same binaries.
        Not with a peer route (those embed ONNX nets).

    start_patience
        Seconds the warm start of a warm-started encoding may go on past its budget while it has
        no feasible point (:class:`~surrogate.milp.warmstart_config.StartConfig` ``patience``, capped
        at half the time limit in all); 0 (default): it stops at its budget. Part of a solve's key only when set.
    start_clock
        What the warm start's budget counts (:data:`~surrogate.milp.search_clock.CLOCKS`): ``'wall'``
        (default) wall seconds; ``'cpu'`` the search's CPU seconds, at most half the time limit in wall
        seconds, so that a machine busy with other work does not cut the start short
        (:mod:`surrogate.milp.search_clock`). Part of a solve's key only when ``'cpu'``.

    Where the solves run is not part of the benchmark: pass an
    :class:`~surrogate.executors.ExecutorConfig` to
    :func:`~surrogate.experiments.scale_bench.run_scale_bench`.
    """

    nets: tuple[str, ...] = ()
    budget: int = BUDGET
    max_mae: float = MAX_MAE
    zoos: tuple[str, ...] = (str(DEFAULT_ZOO),)
    encodings: tuple[str, ...] = DEFAULT_ENCODINGS
    solver: SolverConfig | None = None
    quick: bool = False
    instances: tuple[str, ...] = ()
    baselines: tuple[str, ...] = ()
    start_patience: float = 0.0
    start_clock: str = "wall"

    def __post_init__(self) -> None:
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        for name in ("nets", "zoos", "encodings", "instances", "baselines", "solver"):  # replace(): filled again
            fix = f"pass {name}={'None' if name == 'solver' else '()'} for quick={self.quick}'s, or a value to keep"
            if check_filled(getattr(self, name), (self.quick,), f"ScaleBenchConfig: {name} (quick,)", fix):
                object.__setattr__(self, name, None if name == "solver" else ())
        for name, example in EXAMPLES.items():
            value = check_sequence(f"ScaleBenchConfig: {name}", getattr(self, name), example=example, of=str | Path)
            object.__setattr__(self, name, tuple(str(v) for v in value))
        if self.quick and not self.nets:
            object.__setattr__(self, "nets", filled(QUICK_NETS, (True,)))
        if not self.instances:
            object.__setattr__(self, "instances", filled(QUICK_SUITE if self.quick else SUITE, (self.quick,)))
        if self.solver is None:
            limit = QUICK_TIME_LIMIT if self.quick else TIME_LIMIT
            object.__setattr__(self, "solver", filled(SolverConfig(time_limit=limit, rel_gap=REL_GAP, threads=1), (self.quick,)))
        self._check()

    def _check(self) -> None:
        bad = [e for e in self.encodings if e not in ENCODINGS and e not in PEERS]
        if bad or not self.encodings:
            known = ", ".join([*ENCODINGS, *PEERS])
            which = f"has unknown {bad}" if bad else "is empty"
            raise ConfigError(f"ScaleBenchConfig: encodings={self.encodings!r} {which}; choose from {known}")
        for instance in self.instances:
            with refusal_of("ScaleBenchConfig", "instances", self.instances):
                check_instance(instance)
        self._check_baselines()
        if not self.zoos:
            raise ConfigError(f"ScaleBenchConfig: zoos is empty; name at least one zoo folder, e.g. ({str(DEFAULT_ZOO)!r},)")
        if not isinstance(self.solver, SolverConfig):
            raise ConfigError("ScaleBenchConfig: solver must be a SolverConfig, e.g. SolverConfig(time_limit=60)")
        peers = self.peer_encodings
        if self.solver.options and peers:
            raise ConfigError(
                f"ScaleBenchConfig: solver options {self.solver.option_dict()} are given, but the peer routes {peers} run "
                "their own solvers at their defaults; run the peers in a benchmark without options"
            )
        check_count("ScaleBenchConfig: budget", self.budget, example=24)
        if not is_number(self.max_mae, low=0, low_open=True, finite=True):
            raise ConfigError(f"ScaleBenchConfig: max_mae={self.max_mae!r} must be a positive number, e.g. 1e-3")
        check_start_options("ScaleBenchConfig", patience=self.start_patience, clock=self.start_clock)
        check_flags("ScaleBenchConfig", quick=self.quick)
        for name in ("nets", "encodings", "instances", "zoos", "baselines"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ConfigError(f"ScaleBenchConfig: {name}={values!r} lists a name twice; list each once")

    def _check_baselines(self) -> None:
        """Every baseline a known approximation (a relaxation's optimum is a bound, not a surrogate's optimum), no peer route."""
        started = self.started_encodings
        for name in self.baselines:
            with refusal_of("ScaleBenchConfig", "baselines", self.baselines):
                baseline = parse_baseline(name)
            if baseline.kind != "approximation":
                raise ConfigError(
                    f"ScaleBenchConfig: baseline {name!r} is a relaxation, whose optimum bounds the problem rather than "
                    "solving it; run an approximation (sawtooth-<binaries> or pwl-<n>x<n>)"
                )
            if started and not baseline.indicator_names:
                raise ConfigError(
                    f"ScaleBenchConfig: baseline {name!r} gives no binaries per point, so the warm start of the "
                    f"encodings {started} cannot fix them; run it with the 'pruned-cold' encoding, or run sawtooth-<binaries>"
                )
        peers = self.peer_encodings
        if self.baselines and peers:
            raise ConfigError(
                f"ScaleBenchConfig: the peer routes {peers} embed ONNX nets and cannot run the baselines "
                f"{list(self.baselines)}; run the baselines in a separate run without the peer encodings"
            )

    @property
    def peer_encodings(self) -> list[str]:
        """The peer routes among :attr:`encodings` (:data:`~surrogate.experiments.peers.PEERS`)."""
        return [e for e in self.encodings if e in PEERS]

    @property
    def started_encodings(self) -> list[str]:
        """The encodings among :attr:`encodings` with a warm start: the ones ``start_patience`` and ``start_clock`` apply to."""
        return [e for e in self.encodings if ENCODINGS.get(e, (None, None))[1]]

    def start_note(self) -> str:
        """The warm start's settings for a title line, where they are not the defaults and some encoding has a warm start.

        >>> ScaleBenchConfig(quick=True, start_patience=3.0, start_clock="cpu").start_note()
        ', warm start with patience 3 s and CPU clock'
        >>> ScaleBenchConfig(quick=True, encodings=("omlt-bigm",), start_patience=3.0).start_note()  # nothing it applies to
        ''
        """
        notes = [f"patience {self.start_patience:g} s"] if self.start_patience else []
        notes += ["CPU clock"] if self.start_clock == "cpu" else []
        return f", warm start with {' and '.join(notes)}" if notes and self.started_encodings else ""

    @property
    def time_limit(self) -> float:
        """Seconds per solve (the solver's limit); a time-out counts as twice this."""
        return float(self.solver.time_limit)

    def to_dict(self) -> dict:
        """Everything that defines the benchmark, as recorded in ``config.json`` (where it ran is not part of it).

        ``baselines`` and ``start_patience`` only when set, ``start_clock`` only when ``'cpu'``, and the solver's ``options`` likewise
        (:meth:`~surrogate.milp.solver_config.SolverConfig.cache_key`): a run without them is the run
        that folders written before the fields existed hold, and those folders stay resumable.
        """
        record = {**asdict(self), "solver": self.solver.cache_key()}
        if not self.baselines:
            del record["baselines"]
        if not self.start_patience:
            del record["start_patience"]
        if self.start_clock == "wall":
            del record["start_clock"]
        return record


def solvers_text(solver: str, encodings) -> str:
    """The solvers a run's ``encodings`` use, for a title: ``solver`` for ours, a peer route's own for a peer's.

    Where the run has several, a solver only peer routes use is followed by the routes it solves for.

    >>> solvers_text("highs", ("pruned", "omlt-bigm"))
    'highs'
    >>> solvers_text("highs", ("gurobi-ml",))
    'gurobi'
    >>> solvers_text("highs", ("pruned", "gurobi-ml", "scip-ml"))
    'highs, gurobi for gurobi-ml and scip for scip-ml'
    >>> solvers_text("gurobi", ("pruned", "gurobi-ml"))
    'gurobi'
    """
    groups: dict[str, list[str]] = {}
    for encoding in encodings:
        groups.setdefault(PEER_SOLVERS.get(encoding, solver), []).append(encoding)
    names = [name if set(group) - set(PEERS) else f"{name} for {', '.join(group)}" for name, group in groups.items()]
    return list(groups)[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
