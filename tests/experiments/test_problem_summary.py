"""The counts of a problems results table (surrogate.experiments.problem_summary)."""

import math

import pandas as pd

from problems.qcqp import family
from surrogate.experiments.problem_summary import summarize


def test_each_status_is_counted_and_a_point_of_a_model_scip_proves_infeasible_is_not_optimal():
    """probe103 #2, #3: 'infeasible-or-unbounded' gets its own count; a point feasible only within tolerance of a model
    SCIP proves infeasible was counted optimal against the recorded optimum."""
    table = pd.DataFrame(
        {
            "problem": ["a", "b", "c"],
            "feasible": [True, True, False],
            "rel_gap": [0.0, 0.0, math.nan],
            "status": ["ok", "ok", "infeasible-or-unbounded"],
            "scip_termination": ["provenInfeasible", "convergenceCriteriaSatisfied", "skipped"],
            "over_budget": [False] * 3,
        }
    )
    totals, _ = summarize(table, family)
    assert (totals["feasible"], totals["optimal"], totals["unbounded"], totals["infeasible_or_unbounded"]) == (2, 1, 0, 1)


def test_a_gap_just_past_the_optimal_gap_is_feasible_but_not_optimal():
    """probe113 PS2: a gap 100 times OPTIMAL_GAP (1e-4) counted optimal; only test_qcqp's family counts caught it."""
    table = pd.DataFrame(
        {
            "problem": ["a", "b", "c"],
            "feasible": [True] * 3,
            "rel_gap": [2e-4, 5e-5, 0.0],
            "status": ["ok"] * 3,
            "scip_termination": ["skipped"] * 3,
            "over_budget": [False] * 3,
        }
    )
    totals, _ = summarize(table, family)
    assert (totals["feasible"], totals["optimal"]) == (3, 2)
