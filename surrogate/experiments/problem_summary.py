"""The counts of a ``surrogate problems`` results table (``summary.json``): feasible, optimal and each status, overall
and per family."""

from __future__ import annotations

import pandas as pd

from ..milp.solver_config import Termination
from .problem_notes import OPTIMAL_GAP


def summarize(table: pd.DataFrame, family) -> tuple[dict, pd.DataFrame]:
    """Counts over a results table: overall, and per family (``family(problem_name) -> str``).

    Returns
    -------
    (dict, DataFrame)
        ``runs``, ``feasible`` (violation <= :data:`~surrogate.milp.polish.FEASIBILITY_TOL`), ``optimal``
        (feasible and ``rel_gap`` <= :data:`~surrogate.experiments.problem_notes.OPTIMAL_GAP`, unless SCIP proves the
        model infeasible: the point is feasible only within tolerance), ``refused``, ``crashed``, ``infeasible`` and
        ``unbounded`` (proven, the exact model), ``infeasible_or_unbounded`` (one of the two is proven, not which),
        ``surrogate_infeasible`` and ``over_budget`` (more than budget +
        :data:`~surrogate.experiments.problem_runs.BUDGET_MARGIN`); the same counts by family.
    """
    scip_infeasible = table.get("scip_termination", pd.Series("", index=table.index)) == Termination.INFEASIBLE.value
    flags = pd.DataFrame(
        {
            "family": table["problem"].map(family),
            "runs": 1,
            "feasible": table["feasible"].astype(bool),
            "optimal": table["feasible"].astype(bool) & (table["rel_gap"] <= OPTIMAL_GAP) & ~scip_infeasible,
            **{status: table["status"] == status for status in ("refused", "crashed", "infeasible", "unbounded")},
            "infeasible_or_unbounded": table["status"] == "infeasible-or-unbounded",
            "surrogate_infeasible": table["status"] == "surrogate-infeasible",
            "over_budget": table["over_budget"].astype(bool),
        }
    )
    by_family = flags.groupby("family").sum().astype(int)
    totals = {column: int(flags[column].sum()) for column in flags.columns if column != "family"}
    return totals, by_family.reset_index()
