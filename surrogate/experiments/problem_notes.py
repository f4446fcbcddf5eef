"""What a row of :func:`~surrogate.experiments.problem_runs.run_problem` says about its run: an infeasible or
unbounded MILP explained (the model's fault, or the surrogate's), and a recorded optimum that a run disproves."""

from __future__ import annotations

import math

from ..milp.polish import FEASIBILITY_TOL
from ..milp.solver_config import Termination
from .problem_run_config import ProblemRunConfig

#: The relative gap to the recorded optimum under which a feasible point counts as optimal in summaries.
OPTIMAL_GAP = 1e-4
#: The terminations of a MILP without a point because it has none (or is unbounded).
INFEASIBLE = frozenset({Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED})
#: The advice ending :class:`~surrogate.errors.InfeasibleModelError`'s message from bound tightening, dropped from a
#: run's row: the proof stands (skipping the tightening only loses it), and ``surrogate problems`` has no such option.
SKIP_TIGHTENING_ADVICE = ", or pass implied_bounds=False to skip bound tightening"
#: How the replacement's warning of declared bounds far wider than the constraints imply begins
#: (:func:`~surrogate.milp.loose_box.loose_box_warnings`).
LOOSE_BOX = "declared bounds far wider than the constraints imply"


def note(row: dict, text: str) -> None:
    """Append ``text`` to ``row``'s ``message`` (``'; '`` between notes)."""
    row["message"] = f"{row['message']}; {text}" if row.get("message") else text


def explain(row: dict, relax_termination: str, config: ProblemRunConfig, *, exact: bool = False) -> None:
    """Set ``status`` and ``message`` when the surrogate MILP is infeasible or unbounded: the model's fault, or the surrogate's.

    ``exact``: the MILP writes every product exactly (no surrogate approximates one), so its infeasibility (or
    unboundedness) is the exact model's. ``status`` is ``unbounded`` only where that is proven; an unbounded surrogate
    MILP or relaxation proves only ``infeasible-or-unbounded``.
    """
    if row["termination"] not in INFEASIBLE | {Termination.UNBOUNDED}:
        return
    if exact and _exact_status(row, relax_termination):
        return
    # proofs first (SCIP's, the relaxation's infeasibility), then what proves only "infeasible or unbounded"
    if row["scip_termination"] == Termination.UNBOUNDED:
        row["status"] = "unbounded"
        note(row, "SCIP proves the exact model unbounded: give the variables of the objective finite bounds")
    elif row["scip_termination"] == Termination.INFEASIBLE:
        row["status"] = "infeasible"
        note(row, "SCIP proves the exact model infeasible")
    elif relax_termination == Termination.INFEASIBLE:
        row["status"] = "infeasible"
        note(row, "the McCormick relaxation is infeasible, so the exact model is infeasible too")
    elif row["termination"] == Termination.UNBOUNDED or relax_termination == Termination.UNBOUNDED:
        _infeasible_or_unbounded(row, exact=exact)
    else:
        row["status"] = "surrogate-infeasible"
        hint = (
            "even the error-aware MILP is infeasible: check the surrogate's error bound and the model's bounds"
            if config.error_aware
            else "rerun with --error-aware (replace_products(..., error_aware=True)), which keeps every point "
            "within the surrogate's error feasible"
        )
        note(
            row,
            "the surrogate MILP is infeasible but the exact model is not known to be: the surrogate's "
            f"approximation error may cut off feasible points; {hint}",
        )


def _exact_status(row: dict, relax_termination: str) -> bool:
    """Whether a MILP of exact products proves the exact model infeasible or unbounded (and say so in ``row``), unless
    SCIP or the relaxation's infeasibility already proves its status."""
    if row["scip_termination"] in (Termination.UNBOUNDED, Termination.INFEASIBLE):
        return False
    if relax_termination == Termination.INFEASIBLE:
        return False
    if row["termination"] == Termination.UNBOUNDED:
        row["status"] = "unbounded"
        note(
            row,
            "the MILP is unbounded, and it writes every product exactly (no surrogate), so the exact model is unbounded: "
            "give the variables of the objective finite bounds",
        )
        return True
    if row["termination"] == Termination.INFEASIBLE:
        why = "the MILP is infeasible"
    elif row["termination"] == Termination.INFEASIBLE_OR_UNBOUNDED and relax_termination == Termination.OPTIMAL:
        why = "the MILP is infeasible or unbounded and the McCormick relaxation is bounded"
    else:
        return False
    row["status"] = "infeasible"
    note(row, f"{why}, and it writes every product exactly (no surrogate), so the exact model is infeasible")
    return True


def _infeasible_or_unbounded(row: dict, *, exact: bool) -> None:
    """``row`` of a MILP without a point (or unbounded) whose MILP or McCormick relaxation is unbounded, with neither
    status proven: each holds the exact model's rows in its unbounded variables (factors and products are bounded),
    so the exact model has the same unbounded direction, and is unbounded if it has a point at all."""
    row["status"] = "infeasible-or-unbounded"
    tell = {
        "skipped": "; SCIP's reference solve can tell which (drop --no-scip)",
        Termination.TIME_LIMIT: "; SCIP's reference solve can tell which, given more time (--time-limit, which it gets too)",
    }.get(row["scip_termination"], "")
    if row["termination"] == Termination.UNBOUNDED:
        note(
            row,
            "the surrogate MILP is unbounded, so the exact model is unbounded, or infeasible where the surrogate's "
            f"error admits points it has not: give the variables of the objective finite bounds{tell}",
        )
        return
    milp = "MILP" if exact else "surrogate MILP"
    error = "" if exact else " (the surrogate's error may cut off feasible points)"
    note(
        row,
        f"the {milp} found no point{error} and the McCormick relaxation is unbounded, so the exact model is "
        f"infeasible or unbounded, and this run does not tell which{tell}",
    )


def scip_contradicted(row: dict, relax_termination: str) -> str:
    """Why SCIP's "optimal" on the exact model cannot be its optimum (``''``: no reason): the surrogate MILP or the
    McCormick relaxation is unbounded, which proves the exact model infeasible or unbounded (see
    :func:`_infeasible_or_unbounded`), so it has no finite optimum."""
    if row["scip_termination"] != Termination.OPTIMAL:
        return ""
    if row["termination"] == Termination.UNBOUNDED:
        return "the surrogate MILP"
    return "the McCormick relaxation" if relax_termination == Termination.UNBOUNDED else ""


def choose_reference(row: dict, problem, relax_termination: str) -> None:
    """Set ``optimum`` and ``optimum_source``: the recorded optimum of ``problem``, else SCIP's when SCIP proved it and
    the run does not contradict it (:func:`scip_contradicted`: noted), else none (NaN, ``unknown``)."""
    contradicted = scip_contradicted(row, relax_termination)
    if contradicted:
        note(
            row,
            f"SCIP calls the exact model optimal at {row['scip_objective']:.8g}, but {contradicted} is unbounded, so the "
            "exact model is infeasible or unbounded (SCIP's answer rests on its tolerances): it is no reference optimum",
        )
    if problem.optimum is not None:
        row["optimum"], row["optimum_source"] = problem.optimum, problem.source
    elif row["scip_termination"] == Termination.OPTIMAL and not contradicted:
        row["optimum"], row["optimum_source"] = row["scip_objective"], "scip"
    else:
        row["optimum"], row["optimum_source"] = math.nan, "unknown"


def note_warnings(row: dict, messages, *, in_file: bool) -> None:
    """Note each of ``messages`` (the replacement's warnings) in ``row``; ``in_file`` (a qcqp-json-v1 file's run): with
    the file's form of the advice to tighten declared bounds (a file's user has no model to call a function on)."""
    for message in messages:
        if in_file and message.startswith(LOOSE_BOX):
            message += "; in the file: write the bounds the constraints imply as those variables' 'lb' and 'ub' in 'variables'"
        note(row, message)


def doubt_optimum(row: dict, sense: str, relax_termination: str = "not-run") -> None:
    """Note a point feasible only within tolerance, as SCIP's proof of infeasibility shows; and where a feasible point,
    or SCIP's proven optimum (unless :func:`scip_contradicted`), beats the recorded optimum by more than
    :data:`OPTIMAL_GAP`: the record is wrong (or the point's feasibility is only within tolerance)."""
    if row["feasible"] and row["scip_termination"] == Termination.INFEASIBLE:
        note(
            row,
            f"SCIP proves the exact model infeasible: this point is feasible only within the {FEASIBILITY_TOL:g} "
            "tolerance (not counted as optimal)",
        )
    if row["optimum_source"] in ("scip", "unknown"):
        return
    sign, slack = (1.0 if sense == "min" else -1.0), OPTIMAL_GAP * max(1.0, abs(row["optimum"]))
    better = {"a feasible point": row["polished_objective"] if row["feasible"] else math.nan}
    if row["scip_termination"] == Termination.OPTIMAL and not scip_contradicted(row, relax_termination):
        better["SCIP's proven optimum"] = row["scip_objective"]
    beaten = [f"{what} ({value:.8g})" for what, value in better.items() if sign * (row["optimum"] - value) > slack]
    if beaten:
        note(
            row,
            f"{' and '.join(beaten)} beat{'s' if len(beaten) == 1 else ''} the recorded optimum {row['optimum']:.8g} "
            f"({row['optimum_source']}): the record is wrong, or the point is feasible only within tolerance; "
            "check the instance's optimum",
        )


def doubt_disproved(row: dict, sense: str, bound: float | None, relax_termination: str = "not-run") -> None:
    """Note where the run disproves the recorded optimum: the model is proven infeasible (``status``, or SCIP's
    proof), or the relaxation's proven ``bound`` (``None``: none) or SCIP's proven optimum (unless
    :func:`scip_contradicted`) lies beyond it by more than :data:`OPTIMAL_GAP`."""
    if row["optimum_source"] in ("scip", "unknown") or not math.isfinite(row["optimum"]):
        return
    record = f"the recorded optimum {row['optimum']:.8g} ({row['optimum_source']})"
    if row["status"] == "infeasible" or row["scip_termination"] == Termination.INFEASIBLE:
        note(row, f"the exact model is proven infeasible, so {record} is wrong; check the instance")
        return
    sign, slack = (1.0 if sense == "min" else -1.0), OPTIMAL_GAP * max(1.0, abs(row["optimum"]))
    beyond = "every point's objective " + (">=" if sense == "min" else "<=")
    if bound is not None and sign * (bound - row["optimum"]) > slack:
        note(row, f"the McCormick relaxation proves {beyond} {bound:.8g}, so {record} is wrong; check the instance's optimum")
    scip = row["scip_objective"]
    if row["scip_termination"] == Termination.OPTIMAL and not scip_contradicted(row, relax_termination):
        if sign * (scip - row["optimum"]) > slack:
            note(row, f"SCIP proves {beyond} {scip:.8g} (its optimum), so {record} is wrong; check the instance's optimum")
