"""The table of ``surrogate bench scale``: per net and encoding, the shifted geometric mean of solve time and more.

Nothing is censored: every instance of the suite counts. A solve that did not
end ``solved`` (proven optimal, within the solver's gap, with an incumbent)
counts as :data:`TIMEOUT_FACTOR` times the time limit in the mean, whether it
hit the limit, ended without an incumbent, found the surrogate MILP
infeasible, or was refused by a size-limited licence (a peer route on Gurobi's
pip licence); ``status`` says which.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..milp.solver_config import Termination
from ..options import is_number

#: The shift of :func:`shifted_geometric_mean` in the table (seconds).
SGM_SHIFT = 1.0
#: An unsolved instance counts as this many times the time limit.
TIMEOUT_FACTOR = 2.0
#: The values of a solve's ``status``.
SOLVED, TIMEOUT, INFEASIBLE, ERROR, REFUSED = "solved", "timeout", "infeasible", "error", "refused"
_INFEASIBLE = frozenset({Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED})
#: The columns of :func:`scale_table`, in order.
TABLE_COLUMNS = (
    "net encoding solver instances solved timeouts infeasible errors refused sgm_s first_incumbent_median_s "
    "primal_gap_median primal_gap_max grid_mae grid_max_error same_as kind"
).split()


def _require_seconds(where: str, name: str, value, example: str) -> None:
    """Raise :class:`ConfigError` unless ``value`` (the argument ``name`` of ``where``) is a positive finite number of seconds."""
    if not is_number(value, low=0, low_open=True, finite=True):
        raise ConfigError(f"{where}: {name}={value!r} must be a positive number of seconds, e.g. {example}")


def shifted_geometric_mean(times: Iterable[float], *, shift: float = SGM_SHIFT) -> float:
    """``exp(mean(log(t + shift))) - shift``: a mean of times that neither tiny nor huge ones dominate.

    Parameters
    ----------
    times
        Non-negative seconds (a time-out already replaced by its penalty, see :func:`penalised_times`).
    shift
        Seconds added before the logarithm (and taken off after).

    Returns
    -------
    float
        The mean; ``nan`` for no times.

    Examples
    --------
    >>> round(shifted_geometric_mean([0.0, 3.0]), 12)
    1.0
    """
    values = np.asarray(list(times), dtype=float)
    _require_seconds("shifted_geometric_mean", "shift", shift, "1.0")
    if values.size and (not np.isfinite(values).all() or (values < 0).any()):
        raise ConfigError(
            f"shifted_geometric_mean: times must be finite and >= 0, got {values.tolist()}; "
            "replace a time-out by its penalty first (penalised_times)"
        )
    if values.size == 0:
        return math.nan
    return float(np.exp(np.mean(np.log(values + shift))) - shift)


def sgm_floor(unsolved: int, instances: int, time_limit: float, *, shift: float = SGM_SHIFT) -> float:
    """The lowest shifted geometric mean a net with ``unsolved`` of ``instances`` unsolved can reach.

    Every solved instance taken as 0 s, every other as :data:`TIMEOUT_FACTOR` x
    ``time_limit``: ``exp(unsolved/instances * log(2 T + shift)) - shift``. It shows
    how much of a net's mean the time-outs alone fix, and how many instances a
    net must solve before a target mean is within reach.

    Examples
    --------
    >>> [round(sgm_floor(n, 22, 60.0), 9) for n in (0, 11, 22)]  # 0, sqrt(121) - 1, 2 x 60
    [0.0, 10.0, 120.0]
    """
    if not (is_number(instances, integer=True, low=1) and is_number(unsolved, integer=True, low=0) and unsolved <= instances):
        raise ConfigError(
            f"sgm_floor: unsolved={unsolved!r} and instances={instances!r} must be integers with 0 <= unsolved <= instances >= 1"
        )
    _require_seconds("sgm_floor", "time_limit", time_limit, "60")
    return shifted_geometric_mean([TIMEOUT_FACTOR * time_limit] * unsolved + [0.0] * (instances - unsolved), shift=shift)


def solve_status(termination: str, has_incumbent: bool) -> str:
    """``solved`` (optimal with an incumbent), ``infeasible`` (the MILP is), ``refused`` (a size-limited
    licence refused the model), else ``timeout`` (limit hit, or no incumbent).

    >>> solve_status("convergenceCriteriaSatisfied", True), solve_status("maxTimeLimit", True)
    ('solved', 'timeout')
    >>> solve_status("convergenceCriteriaSatisfied", False), solve_status("provenInfeasible", False)
    ('timeout', 'infeasible')
    >>> solve_status("licensingProblems", False)
    'refused'
    """
    if termination in _INFEASIBLE:
        return INFEASIBLE
    if termination == Termination.LICENSING_PROBLEMS:
        return REFUSED
    if termination == Termination.OPTIMAL and has_incumbent:
        return SOLVED
    return TIMEOUT


def penalised_times(solves: pd.DataFrame) -> pd.Series:
    """Each solve's time for the mean: ``wall_time`` when solved, else :data:`TIMEOUT_FACTOR` x its ``time_limit``."""
    solved = solves["status"] == SOLVED
    return solves["wall_time"].where(solved, TIMEOUT_FACTOR * solves["time_limit"]).astype(float)


def primal_gaps(solves: pd.DataFrame) -> pd.Series:
    """``|objective - optimum| / max(1, |optimum|)`` of each solve's incumbent (``nan`` without one, or without an optimum)."""
    optimum, objective = solves["optimum"].astype(float), solves["objective"].astype(float)
    return (objective - optimum).abs() / optimum.abs().clip(lower=1.0)


def _median(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.median()) if len(values) else math.nan


def _summary(group: pd.DataFrame) -> dict:
    status = group["status"]
    gaps = group["primal_gap"].dropna()
    return {
        "instances": len(group),
        "solved": int((status == SOLVED).sum()),
        "timeouts": int((status == TIMEOUT).sum()),
        "infeasible": int((status == INFEASIBLE).sum()),
        "errors": int((status == ERROR).sum()),
        "refused": int((status == REFUSED).sum()),
        "sgm_s": shifted_geometric_mean(penalised_times(group)),
        "first_incumbent_median_s": _median(group["first_incumbent_s"]),
        "primal_gap_median": float(gaps.median()) if len(gaps) else math.nan,
        "primal_gap_max": float(gaps.max()) if len(gaps) else math.nan,
    }


def scale_table(solves: pd.DataFrame, nets: pd.DataFrame) -> pd.DataFrame:
    """Per net and encoding (in the order of ``solves``): the columns of :data:`TABLE_COLUMNS`.

    ``sgm_s`` counts every instance (a time-out at :data:`TIMEOUT_FACTOR` x its limit);
    ``first_incumbent_median_s`` and ``primal_gap_*`` are over the solves that found an incumbent.

    Parameters
    ----------
    solves
        One row per solve with ``net``, ``encoding``, ``solver``, ``status``,
        ``wall_time``, ``time_limit``, ``first_incumbent_s`` and ``primal_gap``.
    nets
        One row per net: ``net`` (its label), ``mae`` and ``max_error`` (from its zoo's manifest),
        and optionally ``same_as`` (the net whose solves it shares, see
        :func:`~surrogate.experiments.scale_bench_nets.resolve_nets`) and ``kind``
        (``'net'``, or ``'baseline'`` for a classic approximation; ``'net'`` when absent).
    """
    errors = nets.set_index("net")
    rows = []
    for (net, encoding, solver), group in solves.groupby(["net", "encoding", "solver"], sort=False):
        known = net in errors.index
        mae, max_error = (errors.at[net, "mae"], errors.at[net, "max_error"]) if known else (math.nan, math.nan)
        same_as = errors.at[net, "same_as"] if known and "same_as" in errors else ""
        kind = errors.at[net, "kind"] if known and "kind" in errors else "net"
        head = {"net": net, "encoding": encoding, "solver": solver}
        errs = {"grid_mae": mae, "grid_max_error": max_error}
        rows.append({**head, **_summary(group), **errs, "same_as": same_as, "kind": kind})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


#: Routes agree on an instance when their optima differ by at most this, relative (#14's acceptance for the peers).
AGREEMENT_TOL = 1e-4
#: The columns of :func:`route_agreement`, in order.
AGREEMENT_COLUMNS = ("net instance route reference objective reference_objective rel_diff agree intervals_overlap").split()


def _overlap(row: pd.Series) -> bool:
    """Whether the proven intervals ``[bound, objective]`` of a route and of its reference meet (a solver's gap allows it)."""
    pairs = ((row["bound"], row["objective"]), (row["reference_bound"], row["reference_objective"]))
    # a route that records no bound (nan) stands for its objective alone
    (lo1, hi1), (lo2, hi2) = (sorted((float(b), float(b if math.isnan(a) else a))) for a, b in pairs)
    slack = AGREEMENT_TOL * max(1.0, abs(float(row["reference_objective"])))
    return lo1 <= hi2 + slack and lo2 <= hi1 + slack


def route_names(solves: pd.DataFrame) -> pd.Series:
    """Each solve's route, ``'<encoding> <solver>'`` (e.g. ``'pruned highs'``)."""
    return solves["encoding"].astype(str) + " " + solves["solver"].astype(str)


def same_as_labels(frame: pd.DataFrame) -> pd.Series:
    """Each row's ``same_as`` as text: the net whose solves it repeats, ``""`` for none (also when read back as NaN, or absent)."""
    if "same_as" not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    column = frame["same_as"].astype(object)
    return column.where(column.notna(), "").astype(str)


def own_solves(solves: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``solves`` solved for their own net: a net run ``same_as`` another repeats that net's rows, left out."""
    return solves[same_as_labels(solves) == ""]


def route_agreement(solves: pd.DataFrame) -> pd.DataFrame:
    """Where two routes (encoding and solver) both proved a net's instance optimal: do their optima agree?

    The reference route is the first of ``solves`` (``pruned`` on HiGHS in a
    default run); every other route that solved the same (net, instance) is a row.

    Columns are :data:`AGREEMENT_COLUMNS`: ``rel_diff`` is ``|objective - reference| /
    max(1e-9, |reference|)``, ``agree`` whether it is at most :data:`AGREEMENT_TOL`,
    ``intervals_overlap`` whether the two proven ranges ``[bound, objective]`` meet
    (within :data:`AGREEMENT_TOL`; two solvers that stop at a relative gap may
    differ by up to that gap and still both be right; a route without a recorded
    bound counts as its objective alone). Empty when one route ran. Nets that
    repeat another's solves (:func:`own_solves`) are left out.
    """
    solves = own_solves(solves)
    names = route_names(solves)
    solved = solves.assign(route=names)[solves["status"] == SOLVED]
    if "bound" not in solved:
        solved = solved.assign(bound=math.nan)
    routes = list(dict.fromkeys(names))
    if len(routes) < 2 or solved.empty:
        return pd.DataFrame(columns=AGREEMENT_COLUMNS)
    keys = ["net", "instance"]
    ref = solved[solved["route"] == routes[0]][[*keys, "objective", "bound"]]
    pairs = solved[solved["route"] != routes[0]].merge(ref, on=keys, suffixes=("", "_ref"))
    pairs = pairs.rename(columns={"objective_ref": "reference_objective", "bound_ref": "reference_bound"})
    pairs["reference"] = routes[0]
    reference = pairs["reference_objective"].astype(float)
    pairs["rel_diff"] = (pairs["objective"].astype(float) - reference).abs() / reference.abs().clip(lower=1e-9)
    pairs["agree"] = pairs["rel_diff"] <= AGREEMENT_TOL
    pairs["intervals_overlap"] = [bool(_overlap(row)) for _, row in pairs.iterrows()] if len(pairs) else []
    return pairs[AGREEMENT_COLUMNS].reset_index(drop=True)


def _check_speedup_args(values: np.ndarray, time_limit: float, target: float) -> None:
    if values.size == 0 or np.isnan(values).any() or (values < 0).any():
        raise ConfigError(
            f"uniform_speedup: seconds must be one or more times >= 0 (math.inf for an instance not solved), got {values.tolist()}"
        )
    _require_seconds("uniform_speedup", "time_limit", time_limit, "60")
    _require_seconds("uniform_speedup", "target", target, "4.5")


def _solved_flags(solved, count: int) -> np.ndarray:
    """``solved`` as one boolean per instance, or :class:`~surrogate.errors.ConfigError` naming what to pass."""
    flags = list(solved)
    if len(flags) != count or not all(isinstance(f, (bool, np.bool_)) for f in flags):
        raise ConfigError(
            f"uniform_speedup: solved must be one True/False per time ({count}), e.g. status == 'solved'; got {flags!r}"
        )
    return np.asarray(flags, dtype=bool)


def uniform_speedup(
    seconds: Iterable[float], time_limit: float, target: float, *, shift: float = SGM_SHIFT, solved: Iterable[bool] | None = None
) -> float:
    """The least factor ``s >= 1`` by which every solve would have to be faster for the table's mean to reach ``target``.

    Each instance's time ``t`` becomes ``t / s`` and counts as in the table:
    itself when ``t / s <= time_limit``, else :data:`TIMEOUT_FACTOR` x
    ``time_limit``. The result is the least ``s`` with

    .. math::

        \\exp\\Big(\\frac{1}{n} \\sum_i \\log\\big(p_i(s) + \\text{shift}\\big)\\Big) - \\text{shift} \\le \\text{target}.

    Parameters
    ----------
    seconds
        Each instance's solve time. ``math.inf`` marks one not solved within
        the limit: it is taken as solved at the limit itself as soon as
        ``s > 1``. Its true time is longer, so with any ``inf`` the result is
        a lower bound on the speed-up needed. A time beyond the limit known
        from a longer run may be given instead; one known only to exceed a
        longer limit may be given as that limit, and the result stays a
        lower bound.
    time_limit
        The limit of the mean's run (seconds).
    target
        The mean wanted (seconds).
    solved
        Per instance, whether the run solved it: such a time counts as itself even past
        ``time_limit`` (a solve's ``wall_time`` includes the warm start and the hand-over, as
        :func:`penalised_times` counts it). ``None``: a finite time past the limit is unsolved.

    Returns
    -------
    float
        ``s`` (to a relative 1e-9); 1.0 when the mean already meets ``target``.

    Examples
    --------
    Two instances, one unsolved at a 60 s limit: the mean is sqrt(121) - 1 = 10.
    Solving the first in 0 s needs it to be solved at all (``s > 1``); the
    second then stays at 0 s after any speed-up:

    >>> round(uniform_speedup([0.0, math.inf], 60.0, 10.0), 6)
    1.0
    >>> round(uniform_speedup([0.0, math.inf], 60.0, 3.0), 6)  # 60/s + 1 = 16
    4.0
    """
    values = np.asarray(list(seconds), dtype=float)
    _check_speedup_args(values, time_limit, target)
    unknown = np.isinf(values)
    known = np.where(unknown, time_limit, values)
    done = np.zeros(len(values), dtype=bool) if solved is None else _solved_flags(solved, len(values)) & ~unknown

    def mean(s: float) -> float:
        scaled = known / s
        counted = ((scaled <= time_limit) | done) & ~(unknown & (s <= 1.0))
        return shifted_geometric_mean(np.where(counted, scaled, TIMEOUT_FACTOR * time_limit), shift=shift)

    return _least_factor(mean, target)


def _least_factor(mean, target: float) -> float:
    """The least ``s >= 1`` with ``mean(s) <= target`` (to a relative 1e-9), ``mean`` non-increasing and tending to 0."""
    if mean(1.0) <= target:
        return 1.0
    low, high = 1.0, 2.0
    while mean(high) > target:
        low, high = high, 2.0 * high
    while high - low > 1e-9 * high:
        middle = 0.5 * (low + high)
        low, high = (low, middle) if mean(middle) <= target else (middle, high)
    return high


#: A start that ended without a point after this share of its budget counts as run out of time.
SHORT_START_SHARE = 0.98


def short_starts(solves: pd.DataFrame, budget: float) -> pd.DataFrame:
    """The warm starts that ended without a point after (nearly) all of their ``budget`` seconds.

    Such a solve likely timed out for want of a first incumbent rather than for its MILP; on a machine
    busy with other work the wall-clock budget runs out sooner than on an idle one. Solves without a
    warm start (no ``start_found`` column, or ``NaN``), starts that stopped early, and solves whose
    ``status`` says something else ended them (``refused`` by a licence, an ``error``, or an
    ``infeasible`` MILP, where no start finds a point) are left out.

    >>> frame = pd.DataFrame({"net": ["a", "b"], "instance": ["foulds3"] * 2, "start_found": [False, True],
    ...                       "start_s": [5.3, 4.9], "status": ["timeout", "solved"]})
    >>> short_starts(frame, 5.0)[["net", "instance"]].to_dict("records")
    [{'net': 'a', 'instance': 'foulds3'}]
    """
    _require_seconds("short_starts", "budget", budget, "5.0")
    if "start_found" not in solves or "start_s" not in solves:
        return solves.iloc[0:0]
    found = solves["start_found"].astype("boolean")
    short = solves[(found == False) & (solves["start_s"] >= SHORT_START_SHARE * budget)]  # noqa: E712 (NA stays out)
    return short[~short["status"].isin((REFUSED, ERROR, INFEASIBLE))] if "status" in short else short
