"""The checks around a solve: coefficient scales, fixed values, numbers no solver reads, a linear model, the solver."""

import gc
import math
import os
import subprocess
import sys
import threading

import pyomo.environ as pyo
import pytest

from surrogate.errors import ModelFormatError
from surrogate.milp.solve_checks import CoefficientScale, log_warnings
from surrogate.milp.solver import SolverConfig, solve
from surrogate.milp.solver_config import Termination
from tests.helpers import skip_unless_runnable


def _block_of_a_gone_model():
    """m.b, whose model is no longer referenced (Pyomo holds a parent by a weak reference), reading m.x[0] (bounds
    of 1e6, the largest side it reads)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var([0, 1], bounds=(-1e6, 1e6))
    m.b = pyo.Block()
    m.b.y = pyo.Var(bounds=(0, 1))
    m.b.c = pyo.Constraint(expr=m.b.y + m.x[0] <= 2)
    m.b.o = pyo.Objective(expr=m.b.y)
    return m.b


def test_a_variable_whose_component_is_gone_is_named_as_a_side_without_failing():
    """probe83: naming it crashed with AttributeError: 'NoneType' object has no attribute '_parent'."""
    block = _block_of_a_gone_model()
    gc.collect()
    scale = CoefficientScale.of(block)
    assert abs(scale.side) == 1e6 and scale.side_at.startswith("a bound of variable")


def _two_rows():
    """c1: 2x - 0.005y + 70 <= -60 (its side -130 once the constant moves over); c2: -50 <= 4e4 x + y <= 100;
    objective 300x - y + 12; x in [-3, 4], y in [0, 5]."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-3, 4)), pyo.Var(bounds=(0, 5))
    m.c1 = pyo.Constraint(expr=2 * m.x - 5e-3 * m.y + 70 <= -60)
    m.c2 = pyo.Constraint(expr=pyo.inequality(-50, 4e4 * m.x + m.y, 100))
    m.o = pyo.Objective(expr=300 * m.x - m.y + 12)
    return m


def test_coefficient_scale_reads_a_models_coefficients_sides_bounds_and_constant_by_hand():
    scale = CoefficientScale.of(_two_rows())
    assert (scale.matrix, scale.cost, scale.row, scale.spread) == (4e4, 300.0, "c2", 4e4 / 5e-3)
    assert (scale.side, scale.side_at, scale.nan) == (-130.0, "a side of constraint 'c1'", "")
    m = _two_rows()
    m.x.setlb(-7e3)  # a bound the largest
    assert (CoefficientScale.of(m).side, CoefficientScale.of(m).side_at) == (-7e3, "a bound of variable 'x'")
    m.o.expr = 300 * m.x - m.y + 9e3  # the objective's constant the largest
    assert (CoefficientScale.of(m).side, CoefficientScale.of(m).side_at) == (9e3, "the constant of objective 'o'")
    m.p = pyo.Param(mutable=True, initialize=-math.inf)  # a lower side of -inf: no side, as Pyomo reads it
    m.c3 = pyo.Constraint(expr=m.p <= m.x)
    assert CoefficientScale.of(m).side == 9e3


@pytest.mark.parametrize(
    ("rows", "warned"),
    [
        ({"c": (5e9, 5e9)}, "largest |coefficient| is 5e+09 (in the constraint matrix"),
        ({"c": (1e9, 1.0)}, None),  # at the limits: no warning
        ({"c": (1e-3, 1e7)}, "constraint coefficients span a ratio of 1e+10"),
    ],
)
def test_coefficient_warnings_above_either_limit_and_not_at_them(rows, warned):
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    a, b = rows["c"]
    m.c = pyo.Constraint(expr=a * m.x + b * m.y <= 1)
    m.o = pyo.Objective(expr=m.x)
    found = CoefficientScale.of(m).warnings()
    assert (found == []) if warned is None else (len(found) == 1 and warned in found[0])


def test_check_limits_refuses_highs_matrix_values_from_1e15_and_sides_from_1e20_either_sign():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=9.99e14 * m.x <= 1)
    m.o = pyo.Objective(expr=m.x)
    CoefficientScale.of(m).check_limits("highs", "HiGHS")
    m.c.set_value(1e15 * m.x <= 1)
    with pytest.raises(
        ModelFormatError, match=r"constraint 'c' has a coefficient of 1e\+15, at or above HiGHS's limit of 1e\+15"
    ):
        CoefficientScale.of(m).check_limits("highs", "HiGHS")
    m.c.set_value(m.x <= 1)
    m.x.setlb(-1e20)
    with pytest.raises(ModelFormatError, match=r"a bound of variable 'x' is -1e\+20, at or beyond HiGHS's infinity of 1e\+20"):
        CoefficientScale.of(m).check_limits("highs", "HiGHS")
    m.x.setlb(0)
    m.p = pyo.Param(mutable=True, initialize=math.inf)
    m.o.expr = m.x + m.p  # an infinite objective constant: no side that no point meets, but one beyond infinity
    with pytest.raises(ModelFormatError, match=r"the constant of objective 'o' is inf, at or beyond HiGHS's infinity"):
        CoefficientScale.of(m).check_limits("highs", "HiGHS")


def test_check_linear_refuses_a_product_in_a_row_or_the_objective_and_only_the_objective_without_rows():
    from surrogate.errors import NonlinearModelError
    from surrogate.milp.solve_checks import check_linear

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x * m.y <= 0.5)
    m.o = pyo.Objective(expr=m.x + m.y)
    with pytest.raises(NonlinearModelError, match=r"has terms of degree above 1 in 'c', which a MILP solver refuses"):
        check_linear(m)
    check_linear(m, constraints=False)  # the objective is linear: HiGHS refuses the row itself
    m.o.expr = m.x * m.x
    with pytest.raises(NonlinearModelError, match=r"has terms of degree above 1 in 'o'"):
        check_linear(m, constraints=False)


def test_a_nan_bound_is_named_and_refused_for_any_solver():
    m = pyo.ConcreteModel()
    m.p = pyo.Param(mutable=True, initialize=math.nan)
    m.x = pyo.Var(bounds=(m.p, 1))
    m.c = pyo.Constraint(expr=m.x <= 0.5)
    m.o = pyo.Objective(expr=m.x)
    scale = CoefficientScale.of(m)
    assert scale.nan == "a bound of variable 'x'"
    with pytest.raises(ModelFormatError, match=r"a bound of variable 'x' is NaN, has no value or divides by 0"):
        scale.check_limits("scip", "SCIP")


def test_check_fixed_values_of_a_block_names_a_parents_fixed_variable_without_a_value():
    """A block's rows can read a parent's variable: one fixed without a value is named for the block too."""
    from surrogate.milp.solve_checks import check_fixed_values

    m = pyo.ConcreteModel()
    m.z = pyo.Var()
    m.z.fix()  # fixed at its value: None
    m.b = pyo.Block()
    m.b.y = pyo.Var(bounds=(0, 1))
    m.b.c = pyo.Constraint(expr=m.b.y + m.z <= 2)
    for model in (m, m.b):
        with pytest.raises(ModelFormatError, match=r"variables 'z' are fixed but have no value; fix each at one"):
            check_fixed_values(model)
    m.z.set_value(1.0)
    check_fixed_values(m.b)


def test_check_solver_refuses_a_solver_not_installed_before_any_work(monkeypatch):
    from surrogate import SolverConfig
    from surrogate.errors import SolverUnavailableError
    from surrogate.milp.solve_checks import check_solver
    from surrogate.milp.solver_backends import ScipBackend

    monkeypatch.setattr(ScipBackend, "package", "surrogate_no_such_package")
    with pytest.raises(SolverUnavailableError, match=r"pip install '.*' \((from )?surrogate's 'scip' extra\)"):
        check_solver(SolverConfig(solver="scip"))
    check_solver(SolverConfig(solver="highs"))


def _text_model():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3), within=pyo.Integers)
    m.c, m.o = pyo.Constraint(expr=m.x + m.y >= 0.5), pyo.Objective(expr=m.x + m.y)
    return m


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda m: m.x.setub("2"), r"variable 'x' has the upper bound '2', text rather than a number.*model\.x\.setub\(2\.0\)"),
        (lambda m: m.y.setlb(b"0"), r"variable 'y' has the lower bound b'0', text rather than a number.*model\.y\.setlb\(0\.0\)"),
        (lambda m: m.x.fix("a"), r"variable 'x' has the fixed value 'a', text rather than a number.*model\.x\.fix\(0\.0\)"),
    ],
)
def test_solve_names_a_bound_or_fixed_value_given_as_text(change, match):
    """Pyomo keeps the text (x.ub reads 2.0): HiGHS's interface failed with a bare TypeError (probe119 #9)."""
    import warnings

    from surrogate import SolverConfig, solve

    m = _text_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pyomo's W1001 about the text value
        change(m)
    with pytest.raises(ModelFormatError, match=match):
        solve(m, SolverConfig(time_limit=5, threads=1))


def test_a_text_bound_on_a_variable_no_row_reads_is_refused_saying_so():
    """probe120 #8: the rule (every variable of the model, as for a fixed one without a value) is now said."""
    import warnings

    from surrogate import SolverConfig, solve
    from surrogate.milp.solve_checks import check_fixed_values

    m = _text_model()
    m.notes = pyo.Var()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pyomo's W1001 about the text value
        m.notes.setub("2")
    match = r"variable 'notes' has the upper bound '2', text rather than a number .*even one no row reads.*notes\.setub\(2\.0\)"
    with pytest.raises(ModelFormatError, match=match):
        solve(m, SolverConfig(time_limit=5, threads=1))
    assert "even one that no row or objective reads" in " ".join(check_fixed_values.__doc__.split())


@pytest.mark.parametrize("options", [{}, {"MIPFocus": 1}])
def test_checking_gurobi_leaves_pyomo_s_licence_count_alone(options):
    """probe137 #5: every Gurobi run printed Pyomo's "release_license() with -1 remaining environment clients": the
    check made a solver and dropped it unsolved, which Pyomo 6.10 counts as one licence client given back too many.
    In a fresh process, as a run starts: one where a Gurobi solver already ran (or was probed) prints nothing."""
    skip_unless_runnable("gurobi")
    code = (
        "from surrogate.milp.solve_checks import check_solver; from surrogate.milp.solver_config import SolverConfig; "
        f"check_solver(SolverConfig(solver='gurobi', options={options!r})); import gc; gc.collect(); print('checked')"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip().endswith("checked") and "release_license" not in run.stdout + run.stderr


def test_log_warnings_keeps_the_solvers_lines_and_not_pythons_logging():
    """probe140 #2: any line holding 'warning' was kept, so another thread's log lines became a solve's warnings."""
    log = (
        "LOG WARNING disk almost full, tick 8\nWARNING:root:disk almost full\ntick 9\n"
        "WARNING: Problem is badly scaled, particularly relative to tolerances\n  Consider scaling the bounds by 1e-3\n"
        "ERROR:   Option 'threads' is set to 2\nP-D objective error  :  1.2e-03\n"
        "[src/scip/lp.c:123] WARNING: an LP solve failed\nWarning: Gurobi's own\n"
        "Warning for adding constraints: zero or small (< 1e-13) coefficients, ignored\nWarning for the disk\n"
    )
    assert log_warnings(log) == [
        "WARNING: Problem is badly scaled, particularly relative to tolerances",
        "Consider scaling the bounds by 1e-3",
        "ERROR:   Option 'threads' is set to 2",
        "[src/scip/lp.c:123] WARNING: an LP solve failed",
        "Warning: Gurobi's own",
        "Warning for adding constraints: zero or small (< 1e-13) coefficients, ignored",  # probe146: a dropped row
    ]


def test_another_threads_logging_during_a_solve_is_not_the_solves_warning(monkeypatch):
    """probe140 #2: a thread's ``logging.warning`` lines written while another solved came back in its SolveResult.warnings."""
    from surrogate.milp import solver as solver_module

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 4))
    m.o = pyo.Objective(expr=m.x)
    inside, go, results = threading.Event(), threading.Event(), []
    attempt = solver_module._attempt

    def paused(*args, **kwargs):  # the solve's output capture is on: what the main thread writes now is captured
        inside.set()
        go.wait(120)
        return attempt(*args, **kwargs)

    monkeypatch.setattr(solver_module, "_attempt", paused)
    solving = threading.Thread(target=lambda: results.append(solve(m, SolverConfig(threads=1))))
    solving.start()
    try:
        inside.wait(120)
        for line in ("LOG WARNING disk almost full, tick 8", "WARNING:root:disk almost full", "tick 9"):
            print(line, file=sys.stderr, flush=True)
            os.write(2, f"{line}\n".encode())
    finally:
        go.set()
        solving.join(120)
    assert results[0].termination == Termination.OPTIMAL and not any("disk" in w for w in results[0].warnings)
