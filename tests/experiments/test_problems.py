"""Problem builders against recorded optima; polishing, bounds and statuses."""

import math
import re
from dataclasses import replace

import pyomo.environ as pyo
import pytest

from problems import POOLING_INSTANCES, boxqp, build, pooling, random_bilinear
from problems.boxqp import boxqp_optima
from surrogate import ConfigError, SolverConfig
from surrogate.experiments.problem_run_config import ProblemRunConfig
from surrogate.experiments.problem_runs import run_problem
from surrogate.experiments.scip_reference import scip_available, solve_exact_with_scip
from surrogate.milp.bounds import net_bounds
from surrogate.milp.polish import factor_sets, polish, product_pairs
from surrogate.milp.relaxation import mccormick_bound
from surrogate.milp.search_clock import CLOCKS
from surrogate.milp.solver_config import Termination
from surrogate.nets.construct import hand_built
from tests.helpers import SOLVER

pytestmark = pytest.mark.solver

SMALL = ["haverly1", "haverly2", "haverly3", "bental4", "foulds2", "bental5"]


def test_pooling_builders_have_the_published_sizes():
    sizes = {n: pooling(n).info["bilinear_terms"] for n in POOLING_INSTANCES}
    assert sizes == {
        "haverly1": 2,
        "haverly2": 2,
        "haverly3": 2,
        "foulds2": 8,
        "foulds3": 128,
        "foulds4": 128,
        "foulds5": 128,
        "bental4": 2,
        "bental5": 30,
        "adhya1": 32,
        "adhya2": 48,
        "adhya3": 72,
        "adhya4": 40,
        "rt2": 24,
    }
    assert len(product_pairs(pooling("foulds2").model)) == 8


@pytest.mark.skipif(not scip_available(), reason="pyscipopt is an optional dependency")
@pytest.mark.parametrize("name", SMALL)
def test_scip_on_the_exact_model_finds_the_recorded_optimum(name):
    problem = pooling(name)
    objective, _, termination = solve_exact_with_scip(problem.model, 60)
    assert termination == "convergenceCriteriaSatisfied"
    assert objective == pytest.approx(problem.optimum, rel=1e-6)


@pytest.mark.parametrize("name", SMALL)
def test_mccormick_is_a_valid_lower_bound(name):
    problem = pooling(name)
    result = mccormick_bound(problem.model, SolverConfig(solver=SOLVER, time_limit=30))
    assert result.optimal
    assert result.objective <= problem.optimum + 1e-6


@pytest.mark.parametrize("name", ["haverly1", "haverly2", "haverly3", "bental4"])
def test_surrogate_plus_polish_reaches_the_optimum(name):
    row = run_problem(
        pooling(name),
        hand_built("3x8", "shared"),
        arch="hand-3x8",
        config=ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=60), scip=False),
    )
    assert row["termination"] == "convergenceCriteriaSatisfied"
    assert row["binaries"] == 2 * net_bounds(hand_built("3x8", "shared"), "milp").unstable  # pruned: 20 of 24 neurons
    assert row["violation_after"] <= 1e-6 and row["feasible"]  # the exact model accepts the polished point
    assert row["rel_gap"] <= 1e-4
    assert row["mccormick_bound"] <= row["optimum"] + 1e-6 <= row["polished_objective"] + 2e-6
    assert row["optimum_source"] == "gams_pool"
    assert row["polish_start"] == "milp"


def test_polish_handles_products_that_do_not_split_in_two_factor_sets():
    problem = boxqp("spar020-100-1")
    assert factor_sets(product_pairs(problem.model)) is None  # squares: no split into two factor sets
    values = {v.name: 0.5 for v in problem.model.component_data_objects(pyo.Var)}
    config = SolverConfig(solver=SOLVER, time_limit=10)
    result = polish(problem.model.clone(), values, config=config, restarts=0)
    assert result.status == "polished" and result.method == "nlp" and result.violation_after <= 1e-6
    assert result.objective_after >= result.objective_before  # BoxQP maximises
    restarted = polish(problem.model.clone(), values, config=config)  # random starts may only add better points
    assert restarted.objective_after >= result.objective_after and restarted.violation_after <= 1e-6


def test_infeasible_model_and_time_limit_are_recorded_statuses():
    problem = pooling("haverly1")
    m = problem.model
    m.impossible = pyo.Constraint(expr=m.demand["p1"].body >= 1e6)  # more than any supply
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=10), scip=False)
    row = run_problem(problem, hand_built("3x8", "shared"), arch="hand-3x8", config=config)
    assert row["termination"] in {"provenInfeasible", "infeasibleOrUnbounded"}
    assert row["polish_status"] == "no-start-point" and math.isnan(row["polished_objective"])
    assert not row["feasible"] and math.isnan(row["rel_gap"])  # no gap is claimed for a point that does not exist
    assert math.isnan(row["mccormick_bound"])  # the relaxation is infeasible too: no bound, and no crash
    row = run_problem(
        random_bilinear(64, seed=1),
        hand_built("3x8", "shared"),
        arch="hand-3x8",
        config=ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=0.5), scip=False),
    )
    assert row["termination"] == "maxTimeLimit"
    assert row["binaries"] == 64 * net_bounds(hand_built("3x8", "shared"), "milp").unstable
    if row["polish_start"] == "mccormick":  # no MILP incumbent in 0.5 s: polished from the relaxation instead
        assert row["violation_after"] <= 1e-6
    assert row["optimum_source"] == "unknown" and math.isnan(row["optimum"])


def test_a_point_the_exact_model_refuses_gets_no_gap_and_one_it_takes_gets_its_gap():
    """probe109 E4: a polished point breaking the exact model by 0.5 got rel_gap 0 ('solved') instead of NaN."""
    from types import SimpleNamespace

    from surrogate.experiments.problem_runs import _with_reference, empty_row

    problem = SimpleNamespace(optimum=-4.0, source="record", sense="minimize", model=None)
    # probe113 PR1: a point past FEASIBILITY_TOL (1e-6) by a factor 2 was taken when the tolerance was 100 times looser
    cases = ((0.5, -4.0, math.nan), (2e-6, -4.0, math.nan), (0.0, -3.0, 0.25), (5e-7, -3.0, 0.25))
    for violation, polished, gap in cases:
        row = empty_row("toy", "3x8", "pruned", status="ok", message="")
        row.update(violation_after=violation, polished_objective=polished)
        out = _with_reference(row, problem, ProblemRunConfig(scip=False))
        assert out["feasible"] == (violation < 1e-6)
        assert out["rel_gap"] == pytest.approx(gap, nan_ok=True)  # |optimum - polished| / max(1, |optimum|)


def test_builders_refuse_unknown_names():
    with pytest.raises(ValueError, match="unknown problem 'haverly9'"):
        build("haverly9")
    with pytest.raises(ValueError, match="n_products=0 must be a positive integer"):
        random_bilinear(0)
    assert build("random8-s2").info["bilinear_terms"] == 8
    assert build("random8").name == "random8-s0"
    with pytest.raises(ValueError, match="problem 'random0008': write it 'random8', without leading zeros"):
        build("random0008")  # built random8 under a second name
    with pytest.raises(ValueError, match="problem 'random8-s02': write it 'random8-s2', without leading zeros"):
        build("random8-s02")
    # the cap of `surrogate problems` and `bench scale` was theirs alone: build() took a million products (minutes)
    with pytest.raises(ValueError, match=r"problem 'random1000000': 1000000 products is more than the 10000 .* N <= 10000"):
        build("random1000000")
    with pytest.raises(ValueError, match=r"problem 'random0-s1' has no products; use N from 1 to 10000"):
        build("random0-s1")
    # probe78 #6: over 4300 digits, int() refused first, with Python's advice to raise its limit
    with pytest.raises(
        ValueError, match=r"problem 'random9{24}\.\.\. \(4307 characters\)': N of 4301 digits is more than the 10000 products a"
    ):
        build("random" + "9" * 4301)
    with pytest.raises(
        ValueError, match=r"a seed of 4301 digits is more than the 4300 Python reads as an integer; use a shorter"
    ):
        build("random8-s" + "9" * 4301)
    own = r"it reads only its bundled instances; convert a model of your own to qcqp-json-v1"
    with pytest.raises(ValueError, match=rf"unknown pooling instance 'my/haverly1\.json'; .*\({own}"):
        pooling("my/haverly1.json")
    with pytest.raises(ValueError, match=rf"unknown BoxQP instance 'spar002-mine'; .*\({own}"):
        boxqp("spar002-mine")
    with pytest.raises(ValueError, match=r"a pooling or BoxQP file of your own: convert it to qcqp-json-v1"):
        build("mine/spar002.in")


def test_a_problem_run_checks_its_start_options():
    assert ProblemRunConfig(start_clock="cpu", start_patience=5.0).start_clock == "cpu"
    with pytest.raises(ConfigError, match=r"^ProblemRunConfig: start_clock='process' is not one of 'wall', 'cpu'$"):
        ProblemRunConfig(start_clock="process")
    with pytest.raises(
        ConfigError, match=r"^ProblemRunConfig: start_seed='lp' is not one of 'relaxation', 'exact'; pass 'exact'"
    ):
        ProblemRunConfig(start_seed="lp")  # named the StartConfig's seed
    with pytest.raises(ConfigError, match=r"^ProblemRunConfig: start_patience=2000000000.0 must be a number of seconds >= 0"):
        ProblemRunConfig(start_patience=2e9)  # named the StartConfig's patience


@pytest.mark.parametrize("seed", ["exact", "relaxation"])
def test_a_problem_run_starts_from_its_seed(monkeypatch, seed):
    """The warm start of a ``pruned`` run reads its patterns where ``start_seed`` says (the exact model's by default)."""
    from surrogate.experiments import problem_runs

    starts = []
    real = problem_runs.solve_with_start
    monkeypatch.setattr(problem_runs, "solve_with_start", lambda *a, start: starts.append(start) or real(*a, start=start))
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=30), scip=False, start_seed=seed)
    row = run_problem(pooling("haverly1"), hand_built("3x8", "shared"), arch="hand-3x8", config=config)
    assert starts[0].seed == seed and row["termination"] == "convergenceCriteriaSatisfied"
    assert ProblemRunConfig().start_seed == "exact"


def test_a_problem_run_on_the_cpu_clock_solves_as_on_the_wall_clock():
    def run(clock):
        config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=60), scip=False, start_clock=clock)
        return run_problem(pooling("haverly3"), hand_built("3x8", "shared"), arch="hand-3x8", config=config)

    runs = [run(clock) for clock in CLOCKS]
    assert [r["termination"] for r in runs] == ["convergenceCriteriaSatisfied"] * 2
    assert runs[0]["surrogate_objective"] == pytest.approx(runs[1]["surrogate_objective"], rel=1e-6)


def test_the_polish_of_a_problem_run_stops_at_a_proven_mccormick_bound(monkeypatch):
    """foulds2's McCormick bound is its optimum: the polish is given it and stops there; without an optimal LP, no bound."""
    from surrogate.experiments import problem_runs

    polished = []
    monkeypatch.setattr(problem_runs, "polish", lambda *a, **k: polished.append((k["bound"], polish(*a, **k))) or polished[-1][1])
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=60), scip=False)
    row = run_problem(pooling("foulds2"), hand_built("3x8", "shared"), arch="hand-3x8", config=config)
    bound, result = polished[0]
    assert bound == row["mccormick_bound"] == pytest.approx(row["optimum"], rel=1e-6)
    assert result.reached_bound and result.method != "multistart" and row["feasible"]
    real = problem_runs.solve_mccormick

    def stopped(*args, **kwargs):  # the same LP, ended by its time limit: its objective is no proven bound
        result, values = real(*args, **kwargs)
        return replace(result, termination=Termination.TIME_LIMIT), values

    monkeypatch.setattr(problem_runs, "solve_mccormick", stopped)
    run_problem(pooling("foulds2"), hand_built("3x8", "shared"), arch="hand-3x8", config=config)
    assert polished[1][0] is None


def test_a_run_keeps_the_numerics_warnings_in_its_message_and_prints_none():
    """One warning per run would flood `surrogate problems` over a folder: each goes into the row instead."""
    import warnings

    from problems.base import BilinearProblem

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-100, 100))
    m.y = pyo.Var(bounds=(-100, 100))
    m.c = pyo.Constraint(expr=m.x + m.y <= 4)
    m.c2 = pyo.Constraint(expr=m.x >= -1)
    m.c3 = pyo.Constraint(expr=m.y >= -2)
    m.o = pyo.Objective(expr=m.x * m.y + 0.3 * m.x)
    problem = BilinearProblem("loose", m, -10.2, "min", "by hand")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = run_problem(problem, "3x8", arch="3x8", config=ProblemRunConfig(solver=SolverConfig(time_limit=10), scip=False))
    assert "declared bounds far wider than the constraints imply: x in [-100, 100]" in row["message"]


def test_variables_whose_names_differ_by_blanks_keep_their_own_bounds():
    """Pyomo reads the name ``x[a ]`` back as ``x[a]``: a lookup by name gave ``a `` the bounds [0, 1] of ``a``, and so a
    McCormick "bound" of 0 above the optimum -5 and a polish that lost the MILP's point."""
    from problems.base import BilinearProblem

    m = pyo.ConcreteModel()
    m.x = pyo.Var(["a", "a ", "y"])
    m.x["a"].setlb(0), m.x["a"].setub(1), m.x["y"].setlb(0), m.x["y"].setub(1)
    m.box = pyo.Constraint(expr=pyo.inequality(-5, m.x["a "], 5))
    m.obj = pyo.Objective(expr=m.x["a"] + m.x["a "] * m.x["y"])  # optimum -5 at a = 0, a' = -5, y = 1
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=10, threads=1), scip=False)
    row = run_problem(BilinearProblem("blanks", m, -5.0, "min", "by hand"), hand_built("3x8", "shared"), arch="h", config=config)
    assert row["mccormick_bound"] <= -5 + 1e-6
    assert row["feasible"] and row["polished_objective"] == pytest.approx(-5, abs=1e-6)


def test_an_infeasible_milp_of_exact_products_proves_the_exact_model_infeasible():
    """n * k == 2.5 over integers in [0, 3] has no point; its product is an exact IntegerProduct, not a surrogate, so the
    row is 'infeasible', not 'surrogate-infeasible' with advice to rerun error-aware."""
    from problems.base import BilinearProblem

    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.e = pyo.Constraint(expr=m.n * m.k == 2.5)
    m.obj = pyo.Objective(expr=m.n)
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=10, threads=1), scip=False)
    row = run_problem(BilinearProblem("nk", m, None, "min", "by hand"), hand_built("3x8", "shared"), arch="h", config=config)
    assert row["termination"] == Termination.INFEASIBLE and row["status"] == "infeasible"
    assert "writes every product exactly (no surrogate), so the exact model is infeasible" in row["message"]
    assert "error-aware" not in row["message"]


def test_a_model_bound_propagation_proves_infeasible_is_infeasible_and_its_record_disproved():
    """It was 'refused' (counted as such) and its recorded optimum got no note."""
    from problems.base import BilinearProblem

    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.x = pyo.Var()
    m.lo, m.hi = pyo.Constraint(expr=m.x >= 0.26), pyo.Constraint(expr=m.x <= 0.3)
    m.c = pyo.Constraint(expr=m.n * m.x == 0.5)
    m.obj = pyo.Objective(expr=m.n)
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=10, threads=1), scip=False)
    row = run_problem(BilinearProblem("fbbt", m, 2.0, "min", "by hand"), hand_built("3x8", "shared"), arch="h", config=config)
    assert row["status"] == "infeasible" and "bound propagation (FBBT)" in row["message"]
    assert "implied_bounds=False" not in row["message"]  # no fix for a proof, and the CLI has no such option
    assert "the exact model is proven infeasible, so the recorded optimum 2 (by hand) is wrong" in row["message"]


@pytest.mark.parametrize("box", [(0.2, 0.9), (2.0, 1.0)], ids=["no integer", "lb above ub"])
def test_a_factor_whose_bounds_hold_no_point_makes_the_run_infeasible_not_refused(box):
    """probe123 #3: an integer factor with bounds [0.2, 0.9] (or bounds 2 > 1) has no point, but the run was 'refused'
    with the advice to give the variable finite bounds, which it has."""
    from problems.base import BilinearProblem

    m = pyo.ConcreteModel()
    m.n, m.y = pyo.Var(domain=pyo.Integers, bounds=box), pyo.Var(bounds=(-1, 2))
    m.c = pyo.Constraint(expr=m.n * m.y + m.y <= 3)
    m.obj = pyo.Objective(expr=m.n * m.y + m.y)
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=10, threads=1), scip=False)
    row = run_problem(BilinearProblem("nopoint", m, None, "min", "by hand"), hand_built("3x8", "shared"), arch="h", config=config)
    assert row["status"] == "infeasible" and "so the model has no point; fix its bounds" in row["message"]
    assert "finite 'lb' and 'ub'" not in row["message"]


def test_a_model_highs_cannot_take_is_refused_naming_its_own_rows(tmp_path, monkeypatch):
    """A side of 1e20 (or a constant of 1e25, a box of 1e300) was refused by the warm start's copy of the model: the run
    'crashed', naming 'mccormick.constraints[1]' and the Python fix '(None)' for a JSON file."""
    import json

    from problems import qcqp
    from surrogate.errors import ModelFormatError
    from surrogate.experiments import problem_runs

    box = [{"name": "x", "lb": -1, "ub": 1}, {"name": "y", "lb": -1, "ub": 1}]
    data = {"name": "big", "format": "qcqp-json-v1", "sense": "min", "optimum": -1, "variables": box}
    data |= {"objective": {"quadratic": [["x", "y", 1]]}, "constraints": [{"name": "cap", "lb": None, "ub": 1e20}]}
    data["constraints"][0]["quadratic"] = [["x", "y", 1e20]]
    (tmp_path / "big.json").write_text(json.dumps(data))
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=10, threads=1), scip=False)
    row = run_problem(qcqp(tmp_path / "big.json"), hand_built("3x8", "shared"), arch="h", config=config)
    assert row["status"] == "refused"
    assert row["message"].startswith("a side of constraint 'c[cap]' is 1e+20, at or beyond HiGHS's infinity")
    assert "leave a missing side or bound out (null in the file)" in row["message"]
    data["constraints"], box[0]["lb"] = [], -1e300
    (tmp_path / "big.json").write_text(json.dumps(data))
    row = run_problem(qcqp(tmp_path / "big.json"), hand_built("3x8", "shared"), arch="h", config=config)
    assert row["message"].startswith("a bound of variable 'x[x]' is 1e+300 in magnitude, at or beyond HiGHS's infinity")

    def refuse(*args, **kwargs):
        raise ModelFormatError("the relaxation's copy cannot be solved")

    monkeypatch.setattr(problem_runs, "solve_mccormick", refuse)  # any later stage's refusal is a refusal, not a crash
    row = run_problem(pooling("haverly1"), hand_built("3x8", "shared"), arch="h", config=config)
    assert (row["status"], row["message"]) == ("refused", "the relaxation's copy cannot be solved")


def test_a_factor_without_bounds_in_a_file_is_refused_in_the_files_terms(tmp_path):
    import json

    from problems import qcqp

    box = [{"name": "x", "lb": None, "ub": None}, {"name": "y", "lb": -1, "ub": 1}]
    data = {"name": "free", "format": "qcqp-json-v1", "sense": "min", "optimum": None, "variables": box}
    (tmp_path / "free.json").write_text(json.dumps(data | {"objective": {"quadratic": [["x", "y", 1]]}, "constraints": []}))
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=10, threads=1), scip=False)
    row = run_problem(qcqp(tmp_path / "free.json"), hand_built("3x8", "shared"), arch="h", config=config)
    assert row["status"] == "refused" and row["message"].startswith("variable 'x[x]' has bounds (None, None)")
    assert row["message"].endswith("in the file: give that variable a finite 'lb' and 'ub' in 'variables', or rows that bound it")


def test_an_infeasible_model_with_an_unbounded_relaxation_is_infeasible_or_unbounded_in_a_run():
    """probe103 #2: x*y >= 1, x + y <= 1.9 on [0, 2]^2, min -z (z free) has no point; without SCIP its row said
    'unbounded' (summary.json: proven) and advised bounding the objective's variables."""
    from problems.base import BilinearProblem

    m = pyo.ConcreteModel()
    m.x, m.y, m.z = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2)), pyo.Var()
    m.p, m.s = pyo.Constraint(expr=m.x * m.y >= 1), pyo.Constraint(expr=m.x + m.y <= 1.9)
    m.obj = pyo.Objective(expr=-m.z)
    config = ProblemRunConfig(solver=SolverConfig(solver=SOLVER, time_limit=5, threads=1), scip=False, budget=10)
    row = run_problem(BilinearProblem("infunb", m, None, "min", "by hand"), hand_built("3x8", "shared"), arch="h", config=config)
    assert row["mccormick_bound"] == -math.inf and row["status"] == "infeasible-or-unbounded"
    assert "infeasible or unbounded" in row["message"] and "finite bounds" not in row["message"]


@pytest.mark.parametrize("name", ["random8", "random8-s2", "random08", "random8-s02", "random0", "random10001-s0", "haverly1"])
def test_build_the_problems_command_and_the_scale_suite_read_a_random_name_alike(name):
    """Three parsers read these names, the size cap in the CLI and the scale suite only: now one (random_name)."""
    from problems import random_name
    from surrogate.cli.problems import _named_once
    from surrogate.experiments.scale_suite import random_instance

    try:
        expected = random_name(name)
    except ValueError as exc:
        for read in (build, lambda n: _named_once([(n, n)]), random_instance):
            with pytest.raises((ValueError, ConfigError), match=re.escape(str(exc))):
                read(name)
        return
    assert random_instance(name) == expected and _named_once([(name, name)]) == [name]
    assert expected is None or build(name).name == f"random{expected[0]}-s{expected[1]}"


def test_the_boxqp_optima_returned_cannot_be_edited():
    """probe84 #8: boxqp_optima() returned its cached dict: an edit changed every later problem's recorded optimum."""
    optima = boxqp_optima()
    with pytest.raises(TypeError):
        optima["spar020-100-1"] = 0.0
    assert boxqp("spar020-100-1").optimum == 706.5 == boxqp_optima()["spar020-100-1"]
