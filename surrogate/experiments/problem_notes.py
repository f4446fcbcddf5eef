"""What a row of :func:`~surrogate.experiments.problem_runs.run_problem` says about its run: an infeasible or
unbounded MILP explained (the model's fault, or the surrogate's), and a recorded optimum that a run disproves."""

from __future__ import annotations

import math

from ..milp.solver_config import Termination
from .problem_run_config import ProblemRunConfig

#: The relative gap to the recorded optimum under which a feasible point counts as optimal in summaries.
OPTIMAL_GAP = 1e-4
#: The terminations of a MILP without a point because it has none (or is unbounded).
INFEASIBLE = frozenset({Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED})
#: The advice ending :class:`~surrogate.errors.InfeasibleModelError`'s message from bound tightening, dropped from a
#: run's row: the proof stands (skipping the tightening only loses it), and ``surrogate problems`` has no such option.
SKIP_TIGHTENING_ADVICE = ", or pass implied_bounds=False to skip bound tightening"


def note(row: dict, text: str) -> None:
    """Append ``text`` to ``row``'s ``message`` (``'; '`` between notes)."""
    row["message"] = f"{row['message']}; {text}" if row.get("message") else text


def explain(row: dict, relax_termination: str, config: ProblemRunConfig, *, exact: bool = False) -> None:
    """Set ``status`` and ``message`` when the surrogate MILP is infeasible: the model's fault, or the surrogate's.

    ``exact``: the MILP writes every product exactly (no surrogate approximates one), so its infeasibility is the
    exact model's.
    """
    if row["termination"] not in INFEASIBLE | {Termination.UNBOUNDED}:
        return
    if exact and _exact_infeasible(row, relax_termination):
        return
    # proofs first (SCIP's, the relaxation's infeasibility), then what only suggests unboundedness
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
        row["status"] = "unbounded"
        note(
            row,
            f"the {'surrogate MILP' if row['termination'] == Termination.UNBOUNDED else 'McCormick relaxation'} is "
            "unbounded, so the exact model may be too: give the variables of the objective finite bounds",
        )
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


def _exact_infeasible(row: dict, relax_termination: str) -> bool:
    """Whether a MILP of exact products proves the exact model infeasible (and say so in ``row``), unless SCIP or
    the relaxation already proves its status."""
    if row["scip_termination"] in (Termination.UNBOUNDED, Termination.INFEASIBLE):
        return False
    if relax_termination in (Termination.INFEASIBLE, Termination.UNBOUNDED):
        return False
    if row["termination"] == Termination.INFEASIBLE:
        why = "the MILP is infeasible"
    elif row["termination"] == Termination.INFEASIBLE_OR_UNBOUNDED and relax_termination == Termination.OPTIMAL:
        why = "the MILP is infeasible or unbounded and the McCormick relaxation is bounded"
    else:
        return False
    row["status"] = "infeasible"
    note(row, f"{why}, and it writes every product exactly (no surrogate), so the exact model is infeasible")
    return True


def doubt_optimum(row: dict, sense: str) -> None:
    """Note where a feasible point, or SCIP's proven optimum, beats the recorded optimum by more than
    :data:`OPTIMAL_GAP`: the record is wrong (or the point's feasibility is only within tolerance)."""
    if row["optimum_source"] in ("scip", "unknown"):
        return
    sign, slack = (1.0 if sense == "min" else -1.0), OPTIMAL_GAP * max(1.0, abs(row["optimum"]))
    better = {"a feasible point": row["polished_objective"] if row["feasible"] else math.nan}
    if row["scip_termination"] == Termination.OPTIMAL:
        better["SCIP's proven optimum"] = row["scip_objective"]
    beaten = [f"{what} ({value:.8g})" for what, value in better.items() if sign * (row["optimum"] - value) > slack]
    if beaten:
        note(
            row,
            f"{' and '.join(beaten)} beat{'s' if len(beaten) == 1 else ''} the recorded optimum {row['optimum']:.8g} "
            f"({row['optimum_source']}): the record is wrong, or the point is feasible only within tolerance; "
            "check the instance's optimum",
        )


def doubt_disproved(row: dict, sense: str, bound: float | None) -> None:
    """Note where the run disproves the recorded optimum: the model is proven infeasible (``status``), or the
    relaxation's proven ``bound`` (``None``: none) lies beyond it by more than :data:`OPTIMAL_GAP`."""
    if row["optimum_source"] in ("scip", "unknown") or not math.isfinite(row["optimum"]):
        return
    record = f"the recorded optimum {row['optimum']:.8g} ({row['optimum_source']})"
    if row["status"] == "infeasible":
        note(row, f"the exact model is proven infeasible, so {record} is wrong; check the instance")
        return
    sign, slack = (1.0 if sense == "min" else -1.0), OPTIMAL_GAP * max(1.0, abs(row["optimum"]))
    if bound is not None and sign * (bound - row["optimum"]) > slack:
        note(
            row,
            f"the McCormick relaxation proves every point's objective {'>=' if sense == 'min' else '<='} {bound:.8g}, "
            f"so {record} is wrong; check the instance's optimum",
        )
