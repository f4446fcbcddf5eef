"""What a problem run's row says of it (surrogate.experiments.problem_notes), on rows written by hand: no solve."""

import math

from surrogate.experiments.problem_notes import choose_reference, doubt_disproved, doubt_optimum, explain, note_warnings
from surrogate.experiments.problem_run_config import ProblemRunConfig
from surrogate.milp.solver_config import Termination

CONFIG = ProblemRunConfig(scip=False)


def _row(**values) -> dict:
    row = {
        "termination": Termination.OPTIMAL,
        "scip_termination": "skipped",
        "scip_objective": math.nan,
        "status": "ok",
        "message": "",
        "feasible": False,
        "polished_objective": math.nan,
        "optimum": math.nan,
        "optimum_source": "unknown",
    }
    return row | values


class _Problem:
    def __init__(self, optimum=None, source="a file"):
        self.optimum, self.source = optimum, source


def test_a_record_that_scip_proves_unattainable_is_noted():
    """probe103 #1: min x^2 - x on [-1, 2] recorded as -1; SCIP proves -0.25, and the row said nothing."""
    for sense, record, scip in (("min", -1.0, -0.25000001), ("max", 1.0, 0.25)):
        row = _row(
            feasible=True,
            polished_objective=scip,
            optimum=record,
            optimum_source="the file optbetter.json",
            scip_termination=Termination.OPTIMAL,
            scip_objective=scip,
        )
        doubt_disproved(row, sense, None, Termination.OPTIMAL)
        side = ">=" if sense == "min" else "<="
        assert f"SCIP proves every point's objective {side} {scip:.8g} (its optimum), so the recorded optimum" in row["message"]
        assert "is wrong" in row["message"]
    within = _row(optimum=-0.25, optimum_source="a file", scip_termination=Termination.OPTIMAL, scip_objective=-0.2500001)
    doubt_disproved(within, "min", None, Termination.OPTIMAL)
    assert within["message"] == ""  # within 1e-4 of the record: no proof of anything


def test_an_unbounded_relaxation_without_a_milp_point_is_infeasible_or_unbounded_not_unbounded():
    """probe103 #2: x*y >= 1, x + y <= 1.9 on [0, 2]^2, min -z (z free) has no point; its surrogate MILP was proven
    infeasible and its relaxation unbounded, and the row said 'unbounded' (counted as proven) and 'give bounds'."""
    row = _row(termination=Termination.INFEASIBLE)
    explain(row, Termination.UNBOUNDED, CONFIG)
    assert row["status"] == "infeasible-or-unbounded"
    assert "the exact model is infeasible or unbounded, and this run does not tell which" in row["message"]
    assert "drop --no-scip" in row["message"] and "finite bounds" not in row["message"]
    exact = _row(termination=Termination.INFEASIBLE)  # a MILP of exact products proves infeasibility whatever the LP
    explain(exact, Termination.UNBOUNDED, CONFIG, exact=True)
    assert exact["status"] == "infeasible" and "so the exact model is infeasible" in exact["message"]


def test_only_a_proof_makes_a_row_unbounded():
    surrogate = _row(termination=Termination.UNBOUNDED, scip_termination=Termination.TIME_LIMIT)
    explain(surrogate, Termination.UNBOUNDED, CONFIG)
    assert (
        surrogate["status"] == "infeasible-or-unbounded"
        and "give the variables of the objective finite bounds" in (surrogate["message"])
    )
    assert "given more time (--time-limit" in surrogate["message"]
    exact = _row(termination=Termination.UNBOUNDED)
    explain(exact, Termination.UNBOUNDED, CONFIG, exact=True)
    assert exact["status"] == "unbounded" and "so the exact model is unbounded" in exact["message"]
    scip = _row(termination=Termination.INFEASIBLE, scip_termination=Termination.UNBOUNDED)
    explain(scip, Termination.UNBOUNDED, CONFIG)
    assert scip["status"] == "unbounded" and "SCIP proves the exact model unbounded" in scip["message"]


def test_a_point_feasible_only_within_tolerance_of_a_model_scip_proves_infeasible_is_noted():
    """probe103 #3: x*y >= 0.2500002, x + y <= 1 on [0, 1]^2: 'ok', feasible, and no word of SCIP's proof."""
    row = _row(feasible=True, polished_objective=0.4991277, scip_termination=Termination.INFEASIBLE)
    doubt_optimum(row, "min")
    assert row["status"] == "ok"
    assert "SCIP proves the exact model infeasible: this point is feasible only within the 1e-06 tolerance" in row["message"]
    recorded = _row(feasible=True, polished_objective=0.4991277, scip_termination=Termination.INFEASIBLE, optimum=0.5)
    recorded["optimum_source"] = "the file tb.json"
    doubt_disproved(recorded, "min", None)
    assert (
        "the exact model is proven infeasible, so the recorded optimum 0.5 (the file tb.json) is wrong" in (recorded["message"])
    )


def test_scips_optimal_is_no_reference_where_the_runs_own_milp_or_relaxation_is_unbounded():
    """probe103 #4: SCIP called an infeasible-by-1e-6 model optimal at 1e5, taken as the reference optimum in a row whose
    surrogate MILP and relaxation were unbounded."""
    for milp, relax, which in (
        (Termination.UNBOUNDED, Termination.UNBOUNDED, "the surrogate MILP"),
        (Termination.INFEASIBLE, Termination.UNBOUNDED, "the McCormick relaxation"),
    ):
        row = _row(termination=milp, scip_termination=Termination.OPTIMAL, scip_objective=1e5)
        choose_reference(row, _Problem(), relax)
        assert math.isnan(row["optimum"]) and row["optimum_source"] == "unknown"
        assert f"SCIP calls the exact model optimal at 100000, but {which} is unbounded" in row["message"]
    trusted = _row(scip_termination=Termination.OPTIMAL, scip_objective=2.0)
    choose_reference(trusted, _Problem(), Termination.OPTIMAL)
    assert (trusted["optimum"], trusted["optimum_source"], trusted["message"]) == (2.0, "scip", "")
    recorded = _row(termination=Termination.UNBOUNDED, scip_termination=Termination.OPTIMAL, scip_objective=1e5)
    choose_reference(recorded, _Problem(-3.0), Termination.UNBOUNDED)
    assert recorded["optimum"] == -3.0
    doubt_disproved(recorded, "min", None, Termination.UNBOUNDED)  # a refuted SCIP optimum disproves no record
    assert "SCIP proves every point" not in recorded["message"]


def test_a_files_loose_box_note_gives_the_files_form_of_the_advice():
    """probe103 #6b: a --qcqp row told the file's user to call tighten_product_bounds(model, ...)."""
    loose = "declared bounds far wider than the constraints imply: x[x] in [0, 1] (the constraints imply [1, 1]); ..."
    row, plain = _row(), _row()
    note_warnings(row, [loose, "another warning"], in_file=True)
    note_warnings(plain, [loose], in_file=False)
    assert (
        "in the file: write the bounds the constraints imply as those variables' 'lb' and 'ub' in 'variables'" in (row["message"])
    )
    assert row["message"].endswith("; another warning") and "in the file" not in plain["message"]


def test_a_relaxation_bound_on_the_right_side_of_the_record_says_nothing_and_one_past_it_disproves_it():
    """probe113 PN2: with the comparison reversed, every row's ordinary bound (below a minimum) called the record wrong."""
    for sense, record, usual, past in (("min", -1.0, -3.0, 0.0), ("max", 1.0, 3.0, 0.0)):
        row = _row(feasible=True, polished_objective=record, optimum=record, optimum_source="record")
        doubt_disproved(row, sense, usual)
        assert row["message"] == ""
        doubt_disproved(row, sense, past)
        side = ">=" if sense == "min" else "<="
        assert row["message"] == (
            f"the McCormick relaxation proves every point's objective {side} 0, so the recorded optimum {record:g} (record)"
            " is wrong; check the instance's optimum"
        )


def test_only_a_feasible_point_that_beats_the_record_casts_doubt_on_it():
    """probe113 PN1: an infeasible point's objective (-5, below the record -1) was taken as a feasible one's."""
    row = _row(feasible=False, polished_objective=-5.0, optimum=-1.0, optimum_source="record")
    doubt_optimum(row, "min")
    assert row["message"] == ""
    row = _row(feasible=True, polished_objective=-5.0, optimum=-1.0, optimum_source="record")
    doubt_optimum(row, "min")
    assert row["message"].startswith("a feasible point (-5) beats the recorded optimum -1 (record): the record is wrong")
