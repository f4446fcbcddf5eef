"""Per-instance tables of a scale benchmark: seconds of each solve, the floor its time-outs fix, bounds where none
solved, the seconds of each warm start, and the speed-up each route would need to be :data:`AHEAD_FACTOR` times ahead of another."""

from __future__ import annotations

import math

import pandas as pd

from ..experiments.scale_bench_tables import (
    SOLVED,
    own_solves,
    penalised_times,
    route_names,
    sgm_floor,
    shifted_geometric_mean,
    short_starts,
    uniform_speedup,
)
from ..milp.solver_config import SolverConfig
from ..milp.warmstart_config import start_config
from .scale import SCALE_FIX, ScaleFolder
from .tables import ResultsError, require_columns

#: How many times lower a route's SGM should be than another's: #14 asks this of a new net against the fastest existing one.
AHEAD_FACTOR = 3.0


def _route_labels(solves: pd.DataFrame) -> pd.Series:
    """The column label of each solve's route: the net alone when one encoding and solver were run, else all three."""
    routes = route_names(solves)
    if routes.nunique() == 1:
        return solves["net"].astype(str)
    return solves["net"].astype(str) + " " + routes


def _per_route(rows: pd.DataFrame, value: str, instances: list[str], routes: list[str]) -> pd.DataFrame:
    """``value`` of ``rows`` (with a ``route`` column) as one row per instance of ``instances``, one column per route."""
    wide = rows.pivot_table(index="instance", columns="route", values=value, aggfunc="first", dropna=False)
    return wide.reindex(index=instances, columns=routes).rename_axis(index=None, columns=None)


def _suite_order(scale: ScaleFolder, instances) -> list[str]:
    """The distinct ``instances`` in the order of the folder's suite (its config), any others after it, sorted."""
    present = set(instances)
    order = [i for i in scale.config.get("instances") or [] if i in present]
    return order + sorted(present - set(order))


def instance_times(scale: ScaleFolder, solves: pd.DataFrame) -> pd.DataFrame:
    """Seconds of every solve proven optimal: one row per instance some route solved, one column per route.

    A net that repeats another's solves (``same_as``) gets no column of its own.
    An empty cell (``NaN``) is a solve that was not (a time-out, no incumbent,
    an error); instances that no route solved are left out (:func:`unsolved_everywhere`
    names them). Rows follow the suite's order in the folder's config.
    """
    solves = own_solves(solves)
    labels = _route_labels(solves)
    solved = solves[solves["status"] == SOLVED].assign(route=labels)
    order = _suite_order(scale, solved["instance"])
    return _per_route(solved, "wall_time", order, list(dict.fromkeys(labels))).reset_index(names="instance")


def start_times(scale: ScaleFolder, solves: pd.DataFrame) -> pd.DataFrame:
    """Wall seconds of every warm start that found a point: one row per instance, one column per route.

    An empty cell (``NaN``) is a start that found none, or a solve without a warm start
    (``pruned-cold``, a peer). Rows follow the suite's order in the folder's config.

    Raises
    ------
    ResultsError
        If ``solves`` has no ``start_found`` and ``start_s`` columns (a run without warm starts).
    """
    fix = "it has no warm starts to show; run one with --encoding pruned-exact-seed"
    require_columns(solves, ["start_found", "start_s"], name=f"{scale.folder / 'solves.csv'}", fix=fix)
    solves = own_solves(solves)
    labels = _route_labels(solves)
    found = solves[solves["start_found"].astype("boolean").fillna(False)].assign(route=labels)
    order = _suite_order(scale, solves["instance"])
    return _per_route(found, "start_s", order, list(dict.fromkeys(labels))).reset_index(names="instance")


def unsolved_everywhere(solves: pd.DataFrame) -> list[str]:
    """The instances that no route of the run proved optimal, in the order of ``solves``."""
    solved = set(solves.loc[solves["status"] == SOLVED, "instance"])
    return [i for i in dict.fromkeys(solves["instance"]) if i not in solved]


def _time_limit(scale: ScaleFolder) -> float:
    """The folder's solver time limit, or :class:`ResultsError` with the fix when its config lacks one."""
    limit = scale.time_limit
    if limit is None or not math.isfinite(limit):
        raise ResultsError(f"{scale.folder / 'config.json'}: no solver time_limit; {SCALE_FIX.format(folder=scale.folder)}")
    return limit


def floor_table(scale: ScaleFolder) -> pd.DataFrame:
    """Per route: solved, SGM, and the SGM its time-outs alone fix (:func:`~surrogate.experiments.scale_bench_tables.sgm_floor`).

    ``sgm_floor_s`` is the mean the route would have if every instance it solved
    took 0 s: a target below it needs more instances solved, not faster solves.
    """
    limit = _time_limit(scale)
    table = scale.table[["net", "encoding", "solver", "instances", "solved", "sgm_s"]].copy()
    table["sgm_floor_s"] = [sgm_floor(int(n - k), int(n), limit) for n, k in zip(table["instances"], table["solved"])]
    return table.sort_values(["sgm_s", "net"]).reset_index(drop=True)


def unsolved_bounds(scale: ScaleFolder, solves: pd.DataFrame) -> pd.DataFrame:
    """Where no route proved the optimum: the exact optimum, then each route's dual bound at the time limit.

    One row per instance of :func:`unsolved_everywhere`; one column per route (its ``bound``
    in ``solves.csv``; empty where the solve recorded none, e.g. an error). The gap between
    the best bound and the optimum is what keeps every route from solving the instance.

    Raises
    ------
    ResultsError
        If ``solves`` lacks ``bound`` or ``optimum`` (a folder written before they were recorded).
    """
    require_columns(
        solves, ("bound", "optimum"), name=str(scale.folder / "solves.csv"), fix=SCALE_FIX.format(folder=scale.folder)
    )
    solves = own_solves(solves)
    labels = _route_labels(solves)
    unsolved = unsolved_everywhere(solves)
    rows = solves.assign(route=labels)[solves["instance"].isin(unsolved)]
    table = _per_route(rows, "bound", unsolved, list(dict.fromkeys(labels)))
    table.insert(0, "optimum", rows.groupby("instance")["optimum"].first().reindex(unsolved).to_numpy())
    return table.reset_index(names="instance")


def speedup_table(scale: ScaleFolder, solves: pd.DataFrame) -> pd.DataFrame:
    """How much faster each route would have to be to reach a third (:data:`AHEAD_FACTOR`) of each other route's SGM.

    One row per route with its ``solved`` and ``sgm_s``; one column per route:
    the least factor by which every solve of the row's route would have to be
    faster for its SGM to reach the column route's divided by
    :data:`AHEAD_FACTOR` (:func:`~surrogate.experiments.scale_bench_tables.uniform_speedup`;
    1.0: already there; the diagonal is empty). An instance the route did not
    solve is taken as solved at the limit itself once faster, so each cell is a
    lower bound: its true time is longer.
    """
    limit = _time_limit(scale)
    solves = own_solves(solves)
    labels = _route_labels(solves)
    routes = list(dict.fromkeys(labels))
    groups = {route: solves[labels == route] for route in routes}
    seconds = {route: group["wall_time"].where(group["status"] == SOLVED, math.inf) for route, group in groups.items()}
    means = {route: shifted_geometric_mean(penalised_times(group)) for route, group in groups.items()}
    rows = []
    for route in routes:
        row = {"route": route, "solved": int(seconds[route].lt(math.inf).sum()), "sgm_s": means[route]}
        for other in routes:
            target = means[other] / AHEAD_FACTOR
            done = groups[route]["status"] == SOLVED  # a solve past the limit counts as solved, as in its sgm_s
            row[other] = math.nan if other == route else uniform_speedup(seconds[route], limit, target, solved=done)
        rows.append(row)
    return pd.DataFrame(rows, columns=["route", "solved", "sgm_s", *routes])


def start_shortfalls(scale: ScaleFolder, solves: pd.DataFrame) -> pd.DataFrame:
    """The warm starts of the folder that ran out of their budget without a point: net, instance, seconds, status.

    The budget is the one the run's starts had (:func:`~surrogate.milp.warmstart_config.start_config` under its
    time limit and ``start_patience``); see :func:`~surrogate.experiments.scale_bench_tables.short_starts`.
    """
    patience = float(scale.config.get("start_patience") or 0.0)
    budget = start_config(SolverConfig(time_limit=_time_limit(scale)), patience=patience).budget
    short = short_starts(own_solves(solves), budget)
    return short.reindex(columns=["net", "instance", "start_s", "status"]).reset_index(drop=True)
