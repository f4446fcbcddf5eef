"""Checks of a results folder's files against each other: a sweep's table against its config and ``nets.csv``, a
scale benchmark's ``solves.csv`` against its config and ``table.csv``.

Each file can be whole and readable while the folder is not: rows lost at a line end, two runs' rows appended
into one folder, a cell edited by hand. Every such problem raises :class:`~surrogate.report.tables.ResultsError`
naming the file and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..experiments.scale_bench_tables import (
    ERROR,
    INFEASIBLE,
    REFUSED,
    SOLVED,
    TIMEOUT,
    TIMEOUT_FACTOR,
    penalised_times,
    shifted_geometric_mean,
)
from ..files import text_bytes
from .tables import ResultsError, check_values, numeric

#: The outcome columns of a scale table, and the ``status`` of ``solves.csv`` each counts.
OUTCOME_STATUS = {"solved": SOLVED, "timeouts": TIMEOUT, "infeasible": INFEASIBLE, "errors": ERROR, "refused": REFUSED}
#: What identifies a row of a scale table (a route of a net), and a row of its ``solves.csv``.
ROUTE = ("net", "encoding", "solver")
#: Seconds a solve's ``wall_time`` may take beyond :data:`TIMEOUT_FACTOR` x its limit: the work around the solver
#: (building and checking the model, a seed) is outside the solver's limit but inside the time.
SOLVE_OVERHEAD_S = 1.0


def _keys(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    return list(frame[list(columns)].astype(str).itertuples(index=False, name=None))


def check_unique(frame: pd.DataFrame, columns: Sequence[str], *, name: str, fix: str) -> None:
    """:class:`ResultsError` naming the first row of ``frame`` whose ``columns`` repeat an earlier row's
    (rows of two runs appended into one file)."""
    repeated = frame.duplicated(list(columns)).to_numpy()
    if repeated.any():
        row = int(np.flatnonzero(repeated)[0])
        key = ", ".join(_keys(frame.iloc[[row]], columns)[0])
        raise ResultsError(
            f"{name}: row {row + 1} repeats ({key}) of an earlier row, so two runs were merged into one folder; {fix}"
        )


def check_sweep_rows(config: dict, table: pd.DataFrame, nets: pd.DataFrame, *, folder: Path, fix: str) -> None:
    """:class:`ResultsError` unless ``table.csv`` has one row per shape and source, the config's shapes and no others,
    and the same shapes and sources as ``nets.csv`` (a table that lost rows would move the front in silence)."""
    name = str(folder / "table.csv")
    check_unique(table, ("arch", "source"), name=name, fix=fix)
    shapes, listed = set(table["arch"].astype(str)), [str(a) for a in config["architectures"]]
    lost, extra = [a for a in listed if a not in shapes], sorted(shapes - set(listed))
    if lost or extra:
        what = f"has no row of shape(s) {', '.join(lost)}" if lost else f"has shape(s) {', '.join(extra)}"
        raise ResultsError(f"{name}: {what} where config.json lists {', '.join(listed)}, so rows were lost or added; {fix}")
    rows, net_rows = set(_keys(table, ("arch", "source"))), set(_keys(nets, ("arch", "source")))
    if rows != net_rows:
        odd = sorted(rows ^ net_rows)[0]
        where = "table.csv" if odd in rows else "nets.csv"
        raise ResultsError(
            f"{name}: shape {odd[0]} source {odd[1]} is in {where} only, so table.csv and nets.csv do not match; {fix}"
        )


def check_solves(payload: dict, table: pd.DataFrame, solves: pd.DataFrame, *, folder: Path, fix: str) -> pd.DataFrame:
    """``solves.csv`` checked against its config (time limit, nets) and ``table.csv`` (one row per route, its counts);
    returned with ``wall_time`` as numbers.

    Raises
    ------
    ResultsError
        If it holds no rows, a time that is not a finite number >= 0, a repeated solve, a time limit other than the
        config's, a net the config does not list, counts other than the table's, a solved time past
        ``TIMEOUT_FACTOR`` x its limit plus ``SOLVE_OVERHEAD_S``, or an ``sgm_s`` its solves do not give.
    """
    name = str(folder / "solves.csv")
    if solves.empty:
        raise ResultsError(f"{name}: holds no rows; {fix}")
    solves = numeric(solves, ("wall_time",), name=name, fix=fix)
    check_values(solves, ("wall_time",), name=name, fix=fix, missing=True)  # a solve that failed may record no time
    check_values(solves[solves["status"].astype(str) == SOLVED], ("wall_time",), name=name, fix=fix)
    check_unique(solves, (*ROUTE, "instance"), name=name, fix=fix)
    limit = (payload["config"].get("solver") or {}).get("time_limit")
    if "time_limit" in solves and limit is not None:
        limits = pd.to_numeric(solves["time_limit"], errors="coerce")
        off = ~np.isclose(limits.to_numpy(dtype=float), float(limit), rtol=1e-9, atol=0.0)
        if off.any():
            row = int(np.flatnonzero(off)[0])
            raise ResultsError(
                f"{name}: row {row + 1} was solved with time_limit {solves['time_limit'].astype(str).iloc[row]}, where config.json "
                f"records {limit!r}, so runs with other limits were merged into one folder; {fix}"
            )
    _check_listed(payload, table, solves, folder=folder, fix=fix)
    _check_counts(table, solves, folder=folder, fix=fix)
    if "time_limit" in solves or limit is not None:
        limits = pd.to_numeric(solves["time_limit"], errors="coerce") if "time_limit" in solves else float(limit)
        _check_times(table, solves.assign(time_limit=limits), folder=folder, fix=fix)
    return solves


def _check_listed(payload: dict, table: pd.DataFrame, solves: pd.DataFrame, *, folder: Path, fix: str) -> None:
    """Every net of ``table.csv`` and ``solves.csv`` is one that config.json lists (where it lists them)."""
    nets = payload.get("nets")
    if not isinstance(nets, list) or not all(isinstance(n, dict) and "label" in n for n in nets):
        return  # a folder written before config.json listed its nets
    labels = {text_bytes(str(n["label"])).decode("utf-8") for n in nets}  # as a CSV holds a name of undecodable bytes
    for file, frame in (("table.csv", table), ("solves.csv", solves)):
        stray = [n for n in dict.fromkeys(frame["net"].astype(str)) if n not in labels]
        if stray:
            raise ResultsError(
                f"{folder / file}: net {stray[0]!r} is not one of the nets config.json lists ({', '.join(sorted(labels))}), "
                f"so another run's rows were merged into the folder; {fix}"
            )


def _check_counts(table: pd.DataFrame, solves: pd.DataFrame, *, folder: Path, fix: str) -> None:
    """Each route of ``table.csv`` counts the solves of ``solves.csv``: the same routes, instances and outcomes."""
    name = str(folder / "table.csv")
    groups = {key: group for key, group in solves.groupby(list(ROUTE), sort=False)}
    routes = {tuple(map(str, key)): group for key, group in groups.items()}
    table_routes = _keys(table, ROUTE)
    for key in set(routes) - set(table_routes):
        raise ResultsError(f"{folder / 'solves.csv'}: has solves of ({', '.join(key)}), which table.csv has no row of; {fix}")
    for number, (key, (_, row)) in enumerate(zip(table_routes, table.iterrows()), start=1):
        group = routes.get(key)
        counts = {"instances": 0 if group is None else len(group)}
        for column, status in OUTCOME_STATUS.items():
            if column in table:
                counts[column] = 0 if group is None else int((group["status"].astype(str) == status).sum())
        for column, count in counts.items():
            if float(row[column]) != count:
                raise ResultsError(
                    f"{name}: row {number} ({', '.join(key)}) says {column} {row[column]}, where solves.csv has {count}, "
                    f"so the two files do not match; {fix}"
                )


def _check_times(table: pd.DataFrame, solves: pd.DataFrame, *, folder: Path, fix: str) -> None:
    """No solved time is past :data:`TIMEOUT_FACTOR` x its limit (plus :data:`SOLVE_OVERHEAD_S`), and each route's
    ``sgm_s`` in ``table.csv`` is the shifted geometric mean of its solves (a time-out at that multiple of the limit),
    up to rounding."""
    solved = solves[solves["status"].astype(str) == SOLVED]
    late = solved[solved["wall_time"] > TIMEOUT_FACTOR * solved["time_limit"] + SOLVE_OVERHEAD_S]
    if not late.empty:
        row = late.iloc[0]
        raise ResultsError(
            f"{folder / 'solves.csv'}: {row['net']} solved {row['instance']} in {row['wall_time']:g} s, more than "
            f"{TIMEOUT_FACTOR:g} x its time limit {row['time_limit']:g} s (plus {SOLVE_OVERHEAD_S:g} s for the work "
            f"around the solver), so the file was changed; {fix}"
        )
    groups = {tuple(map(str, key)): group for key, group in solves.groupby(list(ROUTE), sort=False)}
    for key, (_, row) in zip(_keys(table, ROUTE), table.iterrows()):
        group = groups.get(key)
        if group is None or group["time_limit"].isna().any():
            continue  # no solves (already refused by the counts), or a limit not recorded: nothing to recompute
        sgm = shifted_geometric_mean(penalised_times(group))
        if not np.isclose(float(row["sgm_s"]), sgm, rtol=1e-6, atol=1e-9):
            raise ResultsError(
                f"{folder / 'table.csv'}: ({', '.join(key)}) says sgm_s {float(row['sgm_s']):g}, where the solves of "
                f"solves.csv give {sgm:g}, so the two files do not match; {fix}"
            )
