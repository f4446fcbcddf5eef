"""SCIP gets ranged constraints as written, and no solver's point that breaks the model is reported as an answer."""

from __future__ import annotations

import math

import pyomo.environ as pyo
import pytest

import problems
from surrogate.experiments.scip_reference import solve_exact_with_scip
from surrogate.milp import solver_backends
from surrogate.milp.bilinear import replace_products
from surrogate.milp.polish_result import max_violation
from surrogate.milp.solution_check import TRUST_TOL, untrusted, worst_violation
from surrogate.milp.solver import SolverConfig, Termination, solve

pytestmark = pytest.mark.solver


def _scip() -> None:
    pytest.importorskip("pyscipopt", reason="SCIP is optional: the 'scip' extra (pip install -e '.[scip]')")
    if "scip" not in solver_backends.available_solvers():
        pytest.skip("pyscipopt is installed but Pyomo cannot run it here")


def _ranged(constant: float, *, lower: float, upper: float, sense=pyo.minimize):
    """min/max x subject to lower <= x + 5·y + constant <= upper, x in [-100, 100], y in [0, 1]."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-100, 100))
    m.y = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=pyo.inequality(lower, m.x + 5 * m.y + constant, upper))
    m.o = pyo.Objective(expr=m.x, sense=sense)
    return m


@pytest.mark.parametrize(
    ("constant", "lower", "upper", "sense", "optimum"),
    [
        (5, 0, 0, pyo.minimize, -10),  # an equality written as a range: x = -5 - 5y
        (-5, 0, 0, pyo.minimize, 0),  # x = 5 - 5y (plain scip_direct solved 0 <= x + 5y <= 5 instead: x = -5)
        (5, 1, 2, pyo.minimize, -9),  # 1 <= x + 5y + 5 <= 2
        (5, 1, 2, pyo.maximize, -3),
        (-7.5, -1, 3, pyo.maximize, 10.5),
    ],
)
def test_scip_solves_a_ranged_row_with_a_constant_as_highs_does(constant, lower, upper, sense, optimum):
    _scip()
    results = {}
    for name in ("highs", "scip"):
        model = _ranged(constant, lower=lower, upper=upper, sense=sense)
        result = solve(model, SolverConfig(solver=name, rel_gap=1e-9))
        assert result.termination == Termination.OPTIMAL and max_violation(model) <= 1e-7
        results[name] = result.objective
    assert results["scip"] == pytest.approx(results["highs"], abs=1e-7) and results["scip"] == pytest.approx(optimum)


@pytest.mark.parametrize("named", [False, True])
@pytest.mark.parametrize("ranged", [False, True])
@pytest.mark.parametrize("p", [0, 1, 5, -1.5, -2.5])
def test_a_row_of_mutable_params_only_is_solved_by_scip_as_highs_does(ranged, p, named):
    """fixAL: a row whose body holds no variable (p + 1 <= 2, or -0.5 <= p + 1 <= 2) gave PySCIPOpt a bool, a bare
    AssertionError ('given constraint is not ExprCons but bool'), where HiGHS answers; SCIP gets it as an empty row.
    probe120 #2: so did a body that is a named Expression of Params (it may hold a variable, by its type)."""
    _scip()
    feasible = (-1.5 <= p <= 1) if ranged else p <= 1
    for name in ("highs", "scip"):
        m = pyo.ConcreteModel()
        m.p = pyo.Param(mutable=True, initialize=p)
        m.x = pyo.Var(bounds=(0, 1))
        m.e = pyo.Expression(expr=m.p + 1)
        body = m.e if named else m.p + 1
        m.c = pyo.Constraint(expr=pyo.inequality(-0.5, body, 2) if ranged else body <= 2)
        m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
        result = solve(m, SolverConfig(solver=name, rel_gap=1e-9))
        assert result.termination == (Termination.OPTIMAL if feasible else Termination.INFEASIBLE), name
        assert not feasible or result.objective == pytest.approx(1.0)


def test_every_range_of_a_surrogate_problem_reaches_scip_with_its_constant_moved_to_both_bounds():
    _scip()
    from pyomo.common.timing import HierarchicalTimer
    from pyomo.repn import generate_standard_repn

    model = problems.build("rt2").model
    replace_products(model, "b12-best-2x6")
    solver = solver_backends.backend_for("scip").make()
    solver._create_solver_model(model, solver.config(value={"timer": HierarchicalTimer()}, preserve_implicit=True))
    checked = 0
    for con, row in solver._pyomo_con_to_solver_con_map.items():
        if type(con.expr).__name__ != "RangedExpression":
            continue
        constant = generate_standard_repn(con.body, compute_values=True).constant
        scip = solver._solver_model
        assert (scip.getLhs(row), scip.getRhs(row)) == pytest.approx((con.lower - constant, con.upper - constant), abs=1e-9)
        checked += constant != 0
    assert checked == 8  # rt2's eight ranged rows, rewritten with the products' constants


def test_the_exact_reference_solve_uses_the_same_translation():
    _scip()
    objective, seconds, termination = solve_exact_with_scip(_ranged(-5, lower=0, upper=0), time_limit=10)
    assert termination == Termination.OPTIMAL and objective == pytest.approx(0) and seconds >= 0


def test_a_point_that_breaks_the_model_is_refused_not_reported(monkeypatch):
    """Pyomo's plain scip_direct (the translation before the fix) returns x = -5 for x = 5 - 5y; solve refuses it."""
    _scip()
    from pyomo.contrib.solver.common.factory import SolverFactory

    monkeypatch.setattr(solver_backends.ScipBackend, "_new", lambda self, *, fixed_as_bounds: SolverFactory("scip_direct"))
    model = _ranged(-5, lower=0, upper=0)
    with pytest.warns(RuntimeWarning, match=r"scip reported a solution that violates the model: c by 5 .*not trusted"):
        result = solve(model, SolverConfig(solver="scip"))
    assert result.termination == Termination.ERROR and not result.has_solution
    assert math.isnan(result.objective) and math.isnan(result.bound)
    assert "solve it with another solver" in result.reason and result.reason in result.warnings
    assert "reason" not in result.to_dict()  # a table column would repeat the warning in every row
    unchecked = solve(_ranged(-5, lower=0, upper=0), SolverConfig(solver="scip"), check=False)  # for bound-only callers
    assert unchecked.termination == Termination.OPTIMAL and unchecked.objective == pytest.approx(-5)


def test_the_check_measures_rows_and_bounds_relative_to_their_size():
    model = _ranged(0, lower=0, upper=50)
    model.y.set_value(0)
    model.x.set_value(50.004)  # the row 0.004 over 50: 8e-5 relative, within the tolerance
    assert worst_violation(model) == (pytest.approx(8e-5), "c") and untrusted(model, "highs") is None
    model.x.set_value(50.01)
    assert worst_violation(model) == (pytest.approx(2e-4), "c") and "c by 0.0002 " in untrusted(model, "highs")
    model.c.set_value(pyo.inequality(0, model.x + 5 * model.y, 1000))
    model.x.set_value(100.05)  # now the bound: 0.05 over 100
    assert worst_violation(model) == (pytest.approx(5e-4), "x") and "x by 0.0005 " in untrusted(model, "gurobi")
    assert 0 < TRUST_TOL < 5e-4
    model.y.set_value(None)
    assert worst_violation(model) == (math.inf, "c")  # a row that cannot be evaluated is no solution


def test_every_scip_solve_runs_with_the_log_cut_short():
    """Pyomo drains SCIP's output through a pipe in a Python thread while ``optimize`` holds the GIL; at SCIP's
    default verbosity a long solve's log once filled the pipe and SCIP waited on a write for good (a9c9a70: a 600 s
    solve of adhya1 never returned). With the pinned pyscipopt and Pyomo a 12 s solve at one log line a node no longer
    blocks, so no solve here can show the hang; this checks that the guard is in place on every solver the package
    makes for SCIP, the user's own display options (``display/freq``) left to them."""
    _scip()
    from surrogate.milp.scip_direct import LOG_OPTIONS, make_scip_direct
    from surrogate.milp.solver import make_solver

    assert LOG_OPTIONS == {"display/verblevel": 2}
    for solver in (make_scip_direct(), make_solver(SolverConfig(solver="scip"))):
        assert dict(solver.config.solver_options.items()) | LOG_OPTIONS == dict(solver.config.solver_options.items())


def test_every_scip_solve_runs_with_the_gil_released(monkeypatch):
    """SoPlex writes "Cannot set feasibility tolerance ... without GMP" to stderr itself, past display/verblevel; under
    Pyomo's capture (a pipe a Python thread empties) a solve holding the GIL blocked in that write for good (probe123
    #1). Every solve of the package's SCIP solver and of the exact reference goes through GilFreeModel.optimize, which
    runs PySCIPOpt's optimizeNogil, and its answer is the model's own."""
    _scip()
    from surrogate.milp import scip_direct

    called = []
    monkeypatch.setattr(scip_direct.GilFreeModel, "optimize", lambda self: called.append(self._model.optimizeNogil()))
    m = _ranged(2.0, lower=-3.0, upper=4.0)
    result = solve(m, SolverConfig(solver="scip", time_limit=10, threads=1))
    assert result.termination == Termination.OPTIMAL and result.objective == pytest.approx(-10.0)
    assert solve_exact_with_scip(_ranged(2.0, lower=-3.0, upper=4.0), 10.0)[0] == pytest.approx(-10.0)
    assert called == [None, None]


class _Recorder:
    def __init__(self) -> None:
        self.calls = []

    def optimizeNogil(self):  # noqa: N802 (PySCIPOpt's name)
        self.calls.append("optimizeNogil")

    def getStatus(self):  # noqa: N802
        return "optimal"

    def interruptSolve(self):  # noqa: N802 (what a SIGTERM under the CLI's handler calls)
        self.calls.append("interruptSolve")

    def setBoolParam(self, name, value):  # noqa: N802 (misc/catchctrlc: whether SCIP catches Ctrl-C itself)
        self.calls.append(f"{name}={value}")


def test_a_gil_free_model_runs_optimize_without_the_gil_and_passes_everything_else_through():
    _scip()
    from surrogate.milp.scip_direct import GilFreeModel

    model = _Recorder()
    wrapped = GilFreeModel(model)
    wrapped.optimize()
    assert model.calls[-1] == "optimizeNogil" and wrapped.getStatus() == "optimal"


#: probe123's unbounded 7-variable QCQP (max ... - 0.5 f, f free below) whose exact SCIP solve never returned.
UNBOUNDED_QCQP = {
    "name": "r2002",
    "format": "qcqp-json-v1",
    "sense": "max",
    "optimum": None,
    "optimum_source": "unbounded (f free below)",
    "variables": [
        {"name": "v0", "lb": -0.96, "ub": -0.37, "domain": "continuous"},
        {"name": "f", "lb": None, "ub": None, "domain": "continuous"},
        {"name": "w0", "lb": -2.32, "ub": -2.27, "domain": "continuous"},
        {"name": "w1", "lb": 0, "ub": 1, "domain": "binary"},
        {"name": "w2", "lb": -3.4, "ub": 0.43, "domain": "continuous"},
        {"name": "w3", "lb": 0, "ub": 1, "domain": "binary"},
        {"name": "w5", "lb": -2.62, "ub": 0.26, "domain": "continuous"},
    ],
    "objective": {
        "constant": -0.12,
        "linear": {"w0": 1.78, "w3": 1.02, "v0": -1.14, "w5": 1.19, "f": -0.5},
        "quadratic": [["w5", "w5", -0.83], ["w3", "w2", 0.89], ["w2", "w1", -0.86]],
    },
    "constraints": [
        {
            "name": "c0",
            "lb": 5.636419889505385,
            "ub": None,
            "linear": {"w1": -1.48, "w2": -1.81, "w5": -1.07},
            "quadratic": [["w3", "v0", -2.76], ["w3", "w2", -0.14]],
        },
        {"name": "c1", "lb": None, "ub": 10.0, "linear": {"f": 1, "w0": -1}, "quadratic": []},
        {
            "name": "c2",
            "lb": -2.4080358247472295,
            "ub": 1.69196417525277,
            "linear": {"w2": 0.54, "v0": -1.86},
            "quadratic": [["w2", "v0", -0.47], ["v0", "v0", 1.38]],
        },
    ],
}


@pytest.mark.slow
def test_the_exact_solve_of_a_model_whose_lps_make_soplex_write_returns(tmp_path):
    """probe123 #1 itself: the reference solve of UNBOUNDED_QCQP, 5 s limit, in a child process (a hang would stop
    the test session, so the child is stopped after 300 s, 60 times what it takes when it works)."""
    import json
    import subprocess
    import sys

    _scip()
    path = tmp_path / "r2002.json"
    path.write_text(json.dumps(UNBOUNDED_QCQP))
    code = (
        "from problems.qcqp import qcqp; from surrogate.experiments.scip_reference import solve_exact_with_scip; "
        f"print(solve_exact_with_scip(qcqp({str(path)!r}).model, 5.0)[2].value)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.split()[-1] in {"convergenceCriteriaSatisfied", "unbounded", "infeasibleOrUnbounded", "maxTimeLimit"}
