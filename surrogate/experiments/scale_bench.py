"""``surrogate bench scale``: solve time of the surrogate MILPs on a fixed suite, nothing censored.

Every (net, encoding, instance) of a :class:`ScaleBenchConfig` is one cached
unit (:mod:`~surrogate.experiments.units`): the instance's products are
replaced by the net (:func:`~surrogate.milp.bilinear.replace_products`), then
warm-started (with the ``pruned`` and ``pruned-exact-seed`` encodings) and solved within the time limit,
the search's seconds included (:func:`~surrogate.milp.warmstart.solve_with_start`).
A random instance without a recorded optimum gets one more unit: SCIP on its
exact model (:func:`~surrogate.experiments.scale_suite.solve_exact`).

The results folder is resumable like a sweep's: a run stopped at any point
and started again redoes only the unfinished units. It holds (each written
atomically) ``solves.csv`` (one row per solve), ``table.csv``
(:func:`~surrogate.experiments.scale_bench_tables.scale_table`) and ``config.json``.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from ..errors import SolverUnavailableError, SurrogateError
from ..executors import ExecutorConfig, open_executor
from ..files import write_text
from ..milp.exact_seed import seed_settings
from ..milp.solver import check_solver
from ..milp.solver_config import SolverConfig, Termination
from ..milp.warmstart_config import start_config
from ..options import check_flags, is_number
from .cache import CONFIG_FILE, FORMAT_VERSION, NETS_DIR, adopt_units, check_sources, open_results_folder, unit_key
from .peers import PEER_ROUTE_VERSION, PEERS, REFUSED_SIZE_LIMIT, check_peer
from .problem_package import problems_package
from .scale_bench_config import ScaleBenchConfig, solvers_text
from .scale_bench_nets import BASELINE, NET, NetRef, load_net, resolve_nets  # noqa: F401 (BASELINE, resolve_nets: API)
from .scale_bench_tables import (
    ERROR,
    INFEASIBLE,
    REFUSED,
    SGM_SHIFT,
    SOLVED,
    TIMEOUT,
    TIMEOUT_FACTOR,
    penalised_times,
    primal_gaps,
    scale_table,
    short_starts,
    solve_status,
)
from .scale_suite import EXACT_REL_GAP, EXACT_TIME_LIMIT, family, products, recorded_optimum, solve_exact
from .solve_bench_config import ENCODINGS
from .units import Unit, UnitCounts, run_units, well_formed


def first_incumbent_s(result, found, solved: dict) -> float:
    """Seconds to the first incumbent: the warm start's when it found one, else the search's plus the solver's own."""
    if not result.has_solution:
        return math.nan
    if found.found:
        return float(found.seconds)
    return float(found.seconds) + float(solved.get("first_solution_time", math.nan))


def whole_solve_row(row: dict) -> bool:
    """Whether a cached solve row holds what the tables read: a known ``status``, its ``termination``,
    and a time (``wall_time`` >= 0) unless the solve ended in an error or a refusal."""
    status, seconds = row.get("status"), row.get("wall_time")
    if status not in (SOLVED, TIMEOUT, INFEASIBLE, ERROR, REFUSED) or not isinstance(row.get("termination"), str):
        return False
    return status in (ERROR, REFUSED) or (is_number(seconds, low=0) and not math.isnan(seconds))


def whole_exact_row(row: dict) -> bool:
    """Whether a cached SCIP row holds its ``optimum`` (a number, NaN when unproved) and where it came from."""
    return is_number(row.get("optimum")) and isinstance(row.get("optimum_source"), str)


def _error_rows(row: dict, exc: Exception) -> dict:
    """The unit result of a model the net could not be put into: ``status`` ``error``, the reason in ``message``."""
    return {"rows": [{**row, "status": ERROR, "termination": "error", "message": " ".join(str(exc).split())}]}


def solve_unit(
    instance: str,
    net: str,
    zoo: str,
    encoding: str,
    solver: SolverConfig,
    kind: str = NET,
    patience: float = 0.0,
    clock: str = "wall",
    sha256: str = "",
) -> dict:
    """One unit: ``instance`` with its products replaced by ``net`` (of ``kind``) in ``encoding``, solved; ``{"rows": [row]}``.

    ``patience`` and ``clock`` are the warm start's (:func:`~surrogate.milp.warmstart.start_config`), for an encoding with one.

    A model the net cannot be put into (:class:`~surrogate.errors.SurrogateError`)
    gives a row with ``status`` ``error`` and the reason in ``message``; a net that cannot be loaded, or
    whose file is no longer the one of ``sha256``, raises (the unit fails and is not cached).
    """
    problems = problems_package()

    from ..milp.bilinear import replace_products
    from ..milp.warmstart import solve_with_start

    surrogate = load_net(net, zoo, kind, sha256)  # outside the try: a file gone or changed is no row to cache
    if encoding in PEERS:
        return peer_unit(instance, surrogate, encoding, solver)
    formulation, seed = ENCODINGS[encoding]
    row = {"instance": instance, "family": family(instance), "encoding": encoding, "formulation": formulation}
    model = problems.build(instance).model
    begin = time.perf_counter()
    try:
        report = replace_products(model, surrogate, formulation=formulation)
        row["build_s"] = time.perf_counter() - begin
        start = start_config(solver, seed=seed, patience=patience, clock=clock) if seed else None
        result, found = solve_with_start(model, report, solver, start=start)
    except SolverUnavailableError:
        raise  # not the instance's: check_solver stops a run before any solve
    except SurrogateError as exc:
        return _error_rows(row, exc)
    solved = result.to_dict()
    row.update(products=report.n_products, **solved, **found.to_dict())
    row["termination"] = str(result.termination)
    row["first_solution_time"] = float(solved.get("first_solution_time", math.nan))
    row["first_incumbent_s"] = first_incumbent_s(result, found, solved)
    row["status"] = solve_status(result.termination, result.has_solution)
    row["message"] = result.reason
    return {"rows": [row]}


def peer_unit(instance: str, net, peer: str, solver: SolverConfig) -> dict:
    """One unit of a peer route (:mod:`surrogate.experiments.peers`): the same problem and ``net`` (loaded by
    :func:`solve_unit`), built and solved by ``peer``.

    The row has the columns of :func:`solve_unit`'s; ``solver`` is the peer's own solver, ``first_incumbent_s``
    is not measured (``nan``), and a model a size-limited licence refuses has ``status`` ``refused``. A peer's
    failure (:class:`~surrogate.experiments.peers.PeerError`), or an incumbent that breaks a net or the model, gives
    ``status`` ``error`` and the reason in ``message``.
    """
    from .peers import PEER_SOLVERS, solve_with_peer

    row = {"instance": instance, "family": family(instance), "encoding": peer, "formulation": peer}
    row["solver"] = PEER_SOLVERS[peer]
    try:
        kwargs = {"time_limit": solver.time_limit, "threads": solver.threads, "rel_gap": solver.rel_gap}
        result = solve_with_peer(instance, net, peer=peer, **kwargs)
    except SolverUnavailableError:
        raise  # not the instance's: check_peer stops a run before any solve
    except SurrogateError as exc:
        return _error_rows(row, exc)
    solved = result.to_dict()
    reason = solved.pop("reason")
    row.update(solved, first_solution_time=math.nan, first_incumbent_s=math.nan, message=reason)
    has_incumbent = not math.isnan(result.objective)
    refused = result.termination == REFUSED_SIZE_LIMIT
    row["status"] = REFUSED if refused else solve_status(result.termination, has_incumbent)
    if result.termination == Termination.ERROR:
        row["status"] = ERROR
    return {"rows": [row]}


def _solve_spec(config: ScaleBenchConfig, instance: str, ref: NetRef, encoding: str) -> dict:
    """What decides a solve unit's result: the instance, the net (name and file), the encoding, the solver options.

    An encoding whose warm start is seeded from the exact model adds the seed's settings
    (:func:`~surrogate.milp.exact_seed.seed_settings`).
    """
    spec = {"task": "scale-solve", "instance": instance, "net": ref.name, "net_sha256": ref.sha256, "encoding": encoding}
    spec["solver"] = config.solver.cache_key()  # the keys are sorted before hashing (unit_key): their order is free
    seed = ENCODINGS.get(encoding, (None, None))[1]
    if seed == "exact":
        spec["exact_seed"] = seed_settings()
    if config.start_patience and seed:  # only then: earlier keys stay valid
        spec["start_patience"] = config.start_patience
    if config.start_clock != "wall" and seed:
        spec["start_clock"] = config.start_clock
    if encoding in PEERS:  # a peer's result of an older route (unchecked point, float32 net) is not reused
        spec["peer_route"] = PEER_ROUTE_VERSION
    if ref.kind != NET:  # only then: the keys of the nets' solves stay those of earlier runs
        spec["kind"] = ref.kind
    return spec


def _solve_units(config: ScaleBenchConfig, nets: list[NetRef]) -> dict[tuple, Unit]:
    """(instance, net label, encoding) -> its unit, largest instances first (keeps every worker busy to the end).

    A net's unit has the keys of its twins' units (``same_as`` it) as aliases, so a solve
    cached under a twin's name (an earlier run that listed the twin first) is found.
    """
    size = {instance: products(instance) for instance in config.instances}
    twins = {ref.label: [r for r in nets if r.same_as == ref.label] for ref in nets if not ref.same_as}
    units = {}
    for instance in sorted(config.instances, key=lambda i: -size[i]):
        for ref in (r for r in nets if not r.same_as):
            for encoding in config.encodings:
                spec = _solve_spec(config, instance, ref, encoding)
                aliases = tuple(unit_key("solve", _solve_spec(config, instance, t, encoding)) for t in twins[ref.label])
                start = (config.start_patience, config.start_clock)
                args = (instance, ref.name, ref.zoo, encoding, config.solver, ref.kind, *start, ref.sha256)
                label = f"{instance} {ref.label}"
                units[instance, ref.label, encoding] = Unit(
                    "solve", spec, solve_unit, args, label, aliases=aliases, check_row=whole_solve_row
                )
    return units


def _exact_units(config: ScaleBenchConfig) -> dict[str, Unit]:
    """instance -> the SCIP unit of every instance without a recorded optimum."""
    from .scip_reference import scip_available

    units = {}
    for instance in config.instances:
        if recorded_optimum(instance) is None:
            spec = {"task": "exact", "instance": instance, "time_limit": EXACT_TIME_LIMIT, "rel_gap": EXACT_REL_GAP}
            spec["scip"] = scip_available()  # installing SCIP later recomputes a 'not installed'
            args, label = (instance, EXACT_TIME_LIMIT), f"{instance} exact"
            units[instance] = Unit("solve", spec, solve_exact, args, label, check_row=whole_exact_row)
    return units


def solves_frame(config: ScaleBenchConfig, nets: list[NetRef], units: dict, exact: dict, done: dict) -> pd.DataFrame:
    """``solves.csv``: one row per (net, encoding, instance) in that order, with its optimum and primal gap.

    A net marked ``same_as`` another gets that net's solves, with ``same_as`` naming it.
    """
    optima = {}
    for instance in config.instances:
        known = recorded_optimum(instance)
        if known is None:
            row = done[exact[instance].key]["rows"][0]
            known = (row["optimum"], row["optimum_source"])
        optima[instance] = known
    rows = []
    for ref in nets:
        for encoding in config.encodings:
            for instance in config.instances:
                row = done[units[instance, ref.same_as or ref.label, encoding].key]["rows"][0]
                optimum, source = optima[instance]
                head = {"net": ref.label, "same_as": ref.same_as, "kind": ref.kind, "solver": config.solver.solver}
                head["time_limit"] = config.time_limit
                rows.append({**head, **row, "optimum": optimum, "optimum_source": source})
    solves = pd.DataFrame(rows)
    for column in ("objective", "wall_time", "first_incumbent_s", "products"):
        if column not in solves:
            solves[column] = math.nan
    solves["primal_gap"] = primal_gaps(solves)
    solves["penalised_s"] = penalised_times(solves)
    return solves


@dataclass(frozen=True, eq=False)
class ScaleBenchResult:
    """The results of one ``bench scale`` run, as written in ``out_dir``."""

    config: ScaleBenchConfig
    nets: tuple[NetRef, ...]
    solves: pd.DataFrame
    table: pd.DataFrame
    out_dir: Path
    wall_time_s: float
    units: UnitCounts

    def render(self) -> str:
        """The table as ``surrogate bench scale`` prints it, under a line saying how it was measured."""
        s, solvers = self.config.solver, solvers_text(self.config.solver.solver, self.config.encodings)
        title = (
            f"{len(self.config.instances)} instances, {solvers} ({s.threads} thread), time limit {s.time_limit:g} s, "
            f"gap {s.rel_gap:g}{''.join(f', {k}={v}' for k, v in s.options)}{self.config.start_note()}; "
            f"sgm_s: shifted geometric mean of seconds (shift {SGM_SHIFT:g} s), "
            f"an unsolved instance counted as {TIMEOUT_FACTOR:g} x the limit"
        )
        return f"{title}\n{self.table.to_string(index=False, float_format=lambda v: f'{v:.3g}')}"

    @property
    def short_starts(self) -> pd.DataFrame:
        """The solves whose warm start ran out of its budget without a point (:func:`~.scale_bench_tables.short_starts`)."""
        budget = start_config(self.config.solver, patience=self.config.start_patience).budget
        return short_starts(self.solves, budget)

    def short_start_note(self) -> str:
        """A line saying which warm starts ran out without a point and what to rerun with; ``''`` when none did."""
        short = self.short_starts
        if short.empty:
            return ""
        where = "; ".join(f"{net} on {', '.join(group['instance'])}" for net, group in short.groupby("net", sort=False))
        fix = "" if self.config.start_clock == "cpu" else "on a machine busy with other work rerun with --start-clock cpu; "
        return (
            f"note: {len(short)} warm start(s) ran out of time without a point ({where}), and a solve left without "
            f"a first point often times out; {fix}where the start needs more time, give it --start-patience SECONDS "
            "(either into another --out)"
        )


def _config_record(config: ScaleBenchConfig, nets: list[NetRef], command: str | None, **extra) -> str:
    from ..nets.onnx_io import package_versions

    record = {
        "kind": "scale",
        "format": FORMAT_VERSION,
        "config": config.to_dict(),
        "nets": [asdict(r) for r in nets],
        "command": command,
        "versions": package_versions(),
        **extra,
    }
    return json.dumps(record, indent=2, default=str) + "\n"


def _adopt(cache, todo, reuse, *, record) -> dict:
    """Write ``config.json`` (``record(**extra)``, naming the folders ``reuse``), once, before copying into ``cache``
    the units they finished (a run stopped while copying leaves a folder it resumes, or --fresh empties); return the
    final record's keys for them (``adopted_units`` too)."""
    sources = {"reused_from": [str(Path(r).resolve()) for r in reuse]} if reuse else {}
    write_text(cache.root.parent / CONFIG_FILE, record(complete=False, **sources))
    adopted = adopt_units(cache, todo, reuse, accept=well_formed)
    return {**sources, "adopted_units": adopted} if reuse else sources


def _check_routes(config: ScaleBenchConfig) -> None:
    """Stop before any solve if the run's solver or a peer route's packages are missing (:func:`check_solver`, :func:`check_peer`)."""
    check_solver(config.solver)
    for peer in (e for e in config.encodings if e in PEERS):
        check_peer(peer)


def run_scale_bench(
    config: ScaleBenchConfig,
    out_dir: str | Path,
    *,
    executor: ExecutorConfig | None = None,
    progress: bool = True,
    fresh: bool = False,
    command: str | None = None,
    reuse: Sequence[str | os.PathLike] = (),
) -> ScaleBenchResult:
    """Run the benchmark (or finish an interrupted run) and write its results in ``out_dir``.

    Parameters
    ----------
    config
        The benchmark.
    out_dir
        Results folder: ``solves.csv``, ``table.csv``, ``config.json`` and ``cache/``.
    executor
        Where the units run (default: local processes, one per core, at most 8), e.g. a Dask cluster.
    progress
        Show a progress bar (on stderr).
    fresh
        Discard the folder's old results and cache first.
    command
        The command line, recorded in ``config.json``.
    reuse
        Results folders of earlier runs: every unit of this run that one of them finished is
        taken from it instead of solved again (:func:`~surrogate.experiments.cache.adopt_units`);
        they are named in ``config.json`` (``reused_from``). Times then come from different runs.

    Raises
    ------
    surrogate.experiments.cache.ResultsFolderError
        If ``out_dir`` holds another run (pass ``fresh=True`` or use another folder) or is in use.
    """
    out_dir, start, counts = Path(out_dir), time.perf_counter(), Counter()
    check_flags("run_scale_bench", progress=progress, fresh=fresh), _check_routes(config)
    nets = resolve_nets(config)
    units, exact = _solve_units(config, nets), _exact_units(config)
    todo = [*exact.values(), *units.values()]
    check_sources(reuse, out=out_dir, fresh=fresh)  # before --fresh empties the folder
    # the executor first: one that cannot start (a Dask scheduler out of reach) leaves the folder as it was
    with open_executor(executor) as runner, open_results_folder(out_dir, config.to_dict(), kind="scale", fresh=fresh) as cache:
        sources = _adopt(cache, todo, reuse, record=lambda **extra: _config_record(config, nets, command, **extra))
        done = run_units(
            todo, runner, cache, out_dir / NETS_DIR, counts=counts, desc="scale", unit_name="solve", progress=progress
        )
        solves = solves_frame(config, nets, units, exact, done)
        frame = pd.DataFrame([asdict(r) for r in nets]).rename(columns={"label": "net"})
        table = scale_table(solves, frame)
        wall = time.perf_counter() - start
        unit_counts = UnitCounts(counts["computed"], counts["reused"], counts["damaged"])
        write_text(out_dir / "solves.csv", solves.to_csv(index=False, lineterminator="\n"))
        write_text(out_dir / "table.csv", table.to_csv(index=False, lineterminator="\n"))
        extra = {"complete": True, "wall_time_s": wall, "units": unit_counts.to_dict(), **sources}
        write_text(out_dir / CONFIG_FILE, _config_record(config, nets, command, **extra))
    return ScaleBenchResult(config, tuple(nets), solves, table, out_dir, wall, unit_counts)
