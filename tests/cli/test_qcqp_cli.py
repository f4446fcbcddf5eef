"""`surrogate problems --qcqp`: the per-run columns, the summary, the time budget and the infeasibility message."""

import json
import math
from dataclasses import replace

import pandas as pd
import pyomo.environ as pyo
import pytest

from problems import BilinearProblem, qcqp_instances, random_bilinear
from surrogate.cli import main
from surrogate.experiments.problem_run_config import ProblemRunConfig
from surrogate.experiments.problem_runs import BUDGET_MARGIN, RUN_COLUMNS, run_problem
from surrogate.milp.solver import SolverConfig

STAGES = ["tighten_s", "start_milp_s", "relax_s", "polish_s"]


@pytest.mark.solver
def test_qcqp_file_runs_through_the_cli_with_the_run_columns(tmp_path, capsys):
    out = tmp_path / "q"
    st_e23 = next(p for p in qcqp_instances() if p.stem == "st_e23")
    args = ["problems", "--qcqp", str(st_e23), "--time-limit", "10", "--budget", "15", "--no-scip", "--out", str(out), "--quiet"]
    assert main(args) == 0
    table = pd.read_csv(out / "results.csv")
    assert set(RUN_COLUMNS) <= set(table.columns)
    row = table.iloc[0]
    assert (row["problem"], row["status"], row["budget_s"], bool(row["over_budget"])) == ("st_e23", "ok", 15.0, False)
    assert row["feasible"] and row["rel_gap"] <= 1e-4  # the surrogate's point polishes to the proven optimum
    assert row["polish_status"] == "polished" and isinstance(row["polish_method"], str)
    assert sum(row[s] for s in STAGES) <= row["total_s"] <= 15.0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"] == {
        "runs": 1,
        "feasible": 1,
        "optimal": 1,
        "refused": 0,
        "crashed": 0,
        "infeasible": 0,
        "unbounded": 0,
        "infeasible_or_unbounded": 0,
        "surrogate_infeasible": 0,
        "over_budget": 0,
    }
    assert summary["by_family"] == [{"family": "st", **summary["totals"]}]
    printed = capsys.readouterr().out
    assert "1 runs: 1 feasible (violation <= 1e-06), 1 within 0.0001 of the optimum, 0 refused, 0 crashed" in printed
    (record,) = json.loads((out / "results.json").read_text())  # every digit the CSV has (pandas' JSON kept 10 places)
    for column in ("optimum", "polished_objective", "rel_gap", "violation_after", "total_s"):
        assert record[column] == pytest.approx(row[column], rel=1e-15, abs=0)
    assert record["optimum_source"] == row["optimum_source"] == "minlplib" and record["scip_objective"] is None


def test_a_hand_written_file_says_its_optimum_is_its_own(tmp_path):
    """Not MinLPLib's: the label was the same for every file."""
    from problems import qcqp

    data = json.loads(next(p for p in qcqp_instances() if p.stem == "st_e23").read_text())
    data.pop("minlplib"), data.pop("optimum_source", None)
    (tmp_path / "mine.json").write_text(json.dumps(data))
    assert qcqp(tmp_path / "mine.json").source == "the file mine.json"


def test_qcqp_given_twice_takes_the_files_of_both():
    from surrogate.cli import build_parser

    args = build_parser(["problems"]).parse_args(["problems", "--qcqp", "a.json", "b.json", "--qcqp", "c.json"])
    assert [p.name for p in args.qcqp] == ["a.json", "b.json", "c.json"]


def test_a_bad_qcqp_file_is_one_line_and_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "bad", "format": "qcqp-json-v1", "sense": "min", "optimum": 0}))
    assert main(["problems", "--qcqp", str(bad), "--no-scip"]) == 2
    assert "bad.json: key 'variables' is missing" in capsys.readouterr().err
    assert main(["problems", "--qcqp", str(tmp_path / "empty"), "--no-scip"]) == 2  # not a file, not a folder of files
    (tmp_path / "empty").mkdir()
    assert main(["problems", "--qcqp", str(tmp_path / "empty"), "--no-scip"]) == 2
    assert "is a folder without .json files" in capsys.readouterr().err


def test_an_out_folder_that_is_also_a_qcqp_folder_is_refused_before_any_run(tmp_path, capsys):
    """The second run stopped on the first's results.json ('the top level is a list')."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "st_e23.json").write_text(next(p for p in qcqp_instances() if p.stem == "st_e23").read_text())
    assert main(["problems", "--qcqp", str(folder), "--no-scip", "--out", str(tmp_path / "." / "mine")]) == 2
    assert "is also a --qcqp folder: the next run would read its results.json" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["st_e23.json"]


def test_an_out_folder_holding_a_qcqp_file_is_refused_and_its_outputs_are_named_as_such(tmp_path, capsys):
    """'--qcqp q3/*.json --out q3' ran; the next run stopped on its results.json ('the top level is a list')."""
    from problems import QCQPFormatError, qcqp

    folder = tmp_path / "q3"
    folder.mkdir()
    (folder / "st_e23.json").write_text(next(p for p in qcqp_instances() if p.stem == "st_e23").read_text())
    assert main(["problems", "--qcqp", str(folder / "st_e23.json"), "--no-scip", "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "is also the folder of the --qcqp file" in err and "pass another folder, e.g. --out results/qcqp" in err
    # the true reason: the same command reads only the file again, the folder or a glob of it would read the results
    assert f"a later --qcqp {folder}, or --qcqp {folder / '*.json'}, would read its results.json" in err
    assert "the next run would" not in err
    assert sorted(p.name for p in folder.iterdir()) == ["st_e23.json"]
    for name, data in (("results.json", []), ("summary.json", {"totals": {}})):
        (folder / name).write_text(json.dumps(data))
        with pytest.raises(QCQPFormatError, match=rf"{name}: this is the {name} an earlier 'surrogate problems --out' run"):
            qcqp(folder / name)


@pytest.mark.solver
def test_the_budget_is_honoured_on_a_slow_model():
    # 32 products and a 60 s MILP limit: the MILP cannot finish, so the 6 s budget must cut it short.
    budget = 6.0
    config = ProblemRunConfig(solver=SolverConfig(time_limit=60), scip=False, budget=budget)
    row = run_problem(random_bilinear(32, seed=1), "3x8", arch="3x8", config=config)
    assert row["termination"] in {"maxTimeLimit", "budget-spent"}  # the model was slow enough to need the budget
    assert row["budget_s"] == budget
    assert sum(row[s] for s in STAGES) <= row["total_s"]  # stages and total come from the same clock
    assert row["total_s"] <= (1 + BUDGET_MARGIN) * budget and not row["over_budget"]


@pytest.mark.solver
def test_an_infeasible_surrogate_milp_says_why_and_what_to_do():
    # x = 0.3, y = 0.7 and x*y = 0.21 is feasible, but the surrogate's value at (0.3, 0.7) is not exactly 0.21.
    m = pyo.ConcreteModel(name="pinned")
    m.x = pyo.Var(bounds=(0, 1))
    m.y = pyo.Var(bounds=(0, 1))
    m.fix_x = pyo.Constraint(expr=m.x == 0.3)
    m.fix_y = pyo.Constraint(expr=m.y == 0.7)
    m.product = pyo.Constraint(expr=m.x * m.y == 0.21)
    m.obj = pyo.Objective(expr=m.x + m.y)
    problem = BilinearProblem("pinned", m, 1.0, "min", "by construction")
    row = run_problem(problem, "3x8", arch="3x8", config=ProblemRunConfig(solver=SolverConfig(time_limit=10), scip=False))
    assert row["termination"] in {"provenInfeasible", "infeasibleOrUnbounded"}
    assert row["status"] == "surrogate-infeasible"
    assert "approximation error may cut off feasible points" in row["message"] and "--error-aware" in row["message"]


@pytest.mark.solver
def test_an_unbounded_model_is_reported_unbounded_not_surrogate_infeasible():
    """min -x + y*z with x >= 0 unbounded: not a fault of the surrogate, and SCIP's 1e20 is no objective."""
    pytest.importorskip("pyscipopt")
    m = pyo.ConcreteModel(name="unbounded")
    m.x = pyo.Var(bounds=(0, None))
    m.y = pyo.Var(bounds=(0, 1))
    m.z = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.y + m.y * m.z <= 5)
    m.obj = pyo.Objective(expr=-m.x + m.y * m.z)
    problem = BilinearProblem("unbounded", m, None, "min", "by construction")
    config = ProblemRunConfig(solver=SolverConfig(time_limit=5), scip=True, scip_time_limit=5)
    row = run_problem(problem, "3x8", arch="3x8", config=config)
    assert row["status"] == "unbounded" and row["scip_termination"] == "unbounded"
    assert "SCIP proves the exact model unbounded: give the variables of the objective finite bounds" in row["message"]
    assert row["scip_objective"] == -math.inf


@pytest.mark.solver
def test_a_point_that_beats_the_recorded_optimum_is_noted():
    """max 1 + x^2 - x*y on [-2, 1] x [-1, 2], x + y in [-5, 5]: 9 at (-2, 2), but the record says 7."""
    m = pyo.ConcreteModel(name="objsq")
    m.x = pyo.Var(bounds=(-2, 1))
    m.y = pyo.Var(bounds=(-1, 2))
    m.r = pyo.Constraint(expr=pyo.inequality(-5, m.x + m.y, 5))
    m.obj = pyo.Objective(expr=1 + m.x * m.x - m.x * m.y, sense=pyo.maximize)
    problem = BilinearProblem("objsq", m, 7.0, "max", "a wrong record")
    row = run_problem(problem, "3x8", arch="3x8", config=ProblemRunConfig(solver=SolverConfig(time_limit=5), scip=False))
    assert row["feasible"] and row["polished_objective"] == pytest.approx(9.0, abs=1e-6)
    assert "a feasible point (9) beats the recorded optimum 7 (a wrong record): the record is wrong" in row["message"]


@pytest.mark.solver
def test_a_record_the_run_disproves_is_noted():
    """min x*y on [-1, 1]^2 recorded as -2 (the proven McCormick bound is -1), and x*y >= 2 there (no point) recorded
    as 1: no feasible point beats either record, and neither was noted."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.obj = pyo.Objective(expr=m.x * m.y)
    config = ProblemRunConfig(solver=SolverConfig(time_limit=5, threads=1), scip=False)
    row = run_problem(BilinearProblem("toogood", m, -2.0, "min", "a wrong record"), "3x8", arch="3x8", config=config)
    assert row["mccormick_bound"] == pytest.approx(-1.0) and row["status"] == "ok"
    assert (
        "the McCormick relaxation proves every point's objective >= -1, so the recorded optimum -2 (a wrong record) "
        "is wrong; check the instance's optimum" in row["message"]
    )
    m.c = pyo.Constraint(expr=m.x * m.y >= 2)
    row = run_problem(BilinearProblem("none", m, 1.0, "min", "a wrong record"), "3x8", arch="3x8", config=config)
    assert row["status"] == "infeasible"
    assert "the exact model is proven infeasible, so the recorded optimum 1 (a wrong record) is wrong" in row["message"]


@pytest.mark.solver
def test_scips_proof_of_infeasibility_wins_over_an_unbounded_relaxation():
    """x + y = 0 makes x*y <= 0 < 0.5 (infeasible) while z, the objective, is free (the relaxation is unbounded)."""
    pytest.importorskip("pyscipopt")
    m = pyo.ConcreteModel(name="infunb")
    m.x, m.y, m.z = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1)), pyo.Var()
    m.c = pyo.Constraint(expr=m.x * m.y >= 0.5)
    m.d = pyo.Constraint(expr=m.x + m.y == 0)
    m.obj = pyo.Objective(expr=m.z)
    problem = BilinearProblem("infunb", m, None, "min", "by construction")
    config = ProblemRunConfig(solver=SolverConfig(time_limit=5), scip=True, scip_time_limit=5, polish_restarts=0)
    row = run_problem(problem, "3x8", arch="3x8", config=config)
    assert row["scip_termination"] == "provenInfeasible"
    assert row["status"] == "infeasible" and "SCIP proves the exact model infeasible" in row["message"]


@pytest.mark.solver
def test_a_budget_spent_before_the_milp_names_the_stage_that_spent_it():
    config = ProblemRunConfig(solver=SolverConfig(time_limit=10), scip=False, budget=1e-4)
    row = run_problem(random_bilinear(8, seed=1), "3x8", arch="3x8", config=config)
    assert row["termination"] == "budget-spent"
    assert "replacing the products (with bound tightening) took" in row["message"] and "raise --budget" in row["message"]


def test_results_json_is_strict_json_with_infinities_as_strings(tmp_path, monkeypatch):
    """json.dumps wrote an unbounded relaxation's bound as the bare token -Infinity, which JSON readers refuse."""
    from surrogate.experiments import problem_runs

    def unbounded(problem, net, *, arch, formulation, config):
        row = problem_runs.empty_row(problem.name, arch, formulation, status="unbounded", message="")
        return row | {"mccormick_bound": -math.inf, "violation_before": math.inf}

    monkeypatch.setattr(problem_runs, "run_problem", unbounded)
    st_e23 = next(p for p in qcqp_instances() if p.stem == "st_e23")
    assert main(["problems", "--qcqp", str(st_e23), "--no-scip", "--out", str(tmp_path), "--quiet"]) == 0

    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")

    (record,) = json.loads((tmp_path / "results.json").read_text(), parse_constant=refuse)
    assert (record["mccormick_bound"], record["violation_before"], record["optimum"]) == ("-Infinity", "Infinity", None)
    assert float(record["mccormick_bound"]) == -math.inf


def test_an_infeasible_relaxation_has_no_bound(monkeypatch):
    """One infeasible relaxation read NaN, another -inf (HiGHS's dual bound of an infeasible MILP relaxation)."""
    from surrogate.experiments import problem_runs
    from surrogate.milp.solver_config import Termination

    real = problem_runs.solve_mccormick

    def infeasible(*args, **kwargs):
        result, _values = real(*args, **kwargs)
        return replace(result, termination=Termination.INFEASIBLE, bound=-math.inf), {}

    monkeypatch.setattr(problem_runs, "solve_mccormick", infeasible)
    config = ProblemRunConfig(solver=SolverConfig(time_limit=10, threads=1), scip=False)
    row = run_problem(random_bilinear(2, seed=0), "3x8", arch="3x8", config=config)
    assert math.isnan(row["mccormick_bound"])


def test_rows_of_two_files_of_one_name_tell_their_files_apart(tmp_path, monkeypatch):
    """Two files named st_e23 gave two rows that could not be told apart; an edited copy kept 'minlplib' as its source."""
    from problems import qcqp
    from surrogate.experiments import problem_runs

    data = json.loads(next(p for p in qcqp_instances() if p.stem == "st_e23").read_text())
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    (tmp_path / "a" / "st_e23.json").write_text(json.dumps(data))
    (tmp_path / "b" / "st_e23.json").write_text(json.dumps(data | {"optimum": -100}))
    assert [qcqp(tmp_path / d / "st_e23.json").source for d in "ab"] == ["minlplib", "the file st_e23.json"]

    def refused(problem, net, *, arch, formulation, config):
        raise RuntimeError("no run here")  # a crashed row carries the path too

    monkeypatch.setattr(problem_runs, "run_problem", refused)
    args = ["problems", "--qcqp", str(tmp_path / "a"), str(tmp_path / "b"), "--no-scip", "--out", str(tmp_path), "-q"]
    assert main(args) == 1
    table = pd.read_csv(tmp_path / "results.csv")
    assert table["path"].tolist() == [str(tmp_path / d / "st_e23.json") for d in "ab"]
    assert "path" in RUN_COLUMNS
