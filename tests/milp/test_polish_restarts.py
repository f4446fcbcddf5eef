"""Polishing past a local solver's limits: stepping back onto constraints, a feasibility phase, multistart."""

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig
from surrogate.errors import ConfigError
from surrogate.milp.local_nlp import QuadraticModel, feasibility_point, restore_feasibility
from surrogate.milp.polish import polish, start_box
from tests.helpers import SOLVER

pytestmark = pytest.mark.solver

CONFIG = SolverConfig(solver=SOLVER, time_limit=10)


def _concave_model():
    """MINLPLib ex3_1_3 (Floudas' book, ex. 3.1.3): a concave QP whose optimum, -310 at (5, 1, 5, 0, 5, 10), is a vertex."""
    m = pyo.ConcreteModel()
    m.x1 = pyo.Var(bounds=(0, None))
    m.x2 = pyo.Var(bounds=(0, None))
    m.x3 = pyo.Var(bounds=(1, 5))
    m.x4 = pyo.Var(bounds=(0, 6))
    m.x5 = pyo.Var(bounds=(1, 5))
    m.x6 = pyo.Var(bounds=(0, 10))
    m.c2 = pyo.Constraint(expr=m.x3**2 - 6 * m.x3 + m.x4 >= -5)
    m.c3 = pyo.Constraint(expr=m.x5**2 - 6 * m.x5 + m.x6 >= -5)
    m.c4 = pyo.Constraint(expr=m.x1 - 3 * m.x2 <= 2)
    m.c5 = pyo.Constraint(expr=-m.x1 + m.x2 <= 2)
    m.c6 = pyo.Constraint(expr=m.x1 + m.x2 <= 6)
    m.c7 = pyo.Constraint(expr=m.x1 + m.x2 >= 2)
    m.obj = pyo.Objective(
        expr=-25 * m.x1**2
        - m.x2**2
        - m.x3**2
        - m.x4**2
        - m.x5**2
        - m.x6**2
        + 100 * m.x1
        + 4 * m.x2
        + 2 * m.x3
        + 8 * m.x4
        + 2 * m.x5
        + 8 * m.x6
        - 138
    )
    return m


def _circles_model(n=3, width=6.0, height=2.0):
    """n unit circles (centres (x_i, y_i)) inside a width x height box, pairwise apart: (x_i - x_j)^2 + (y_i - y_j)^2 >= 4."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), bounds=(1, width - 1))
    m.y = pyo.Var(range(n), bounds=(1, height - 1))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    m.apart = pyo.Constraint(pairs, rule=lambda m, i, j: (m.x[i] - m.x[j]) ** 2 + (m.y[i] - m.y[j]) ** 2 >= 4)
    m.obj = pyo.Objective(expr=sum(m.x[i] for i in range(n)))
    return m


def test_a_point_just_outside_linear_constraints_is_stepped_back_onto_them():
    qm = QuadraticModel.from_pyomo(_concave_model())
    x = np.array([5.0 + 7.3e-6, 1.0, 5.0, 0.0, 5.0, 10.0])  # where SLSQP stopped on ex3_1_3: c4 and c6 off by 7.3e-6
    assert qm.violation(x) == pytest.approx(7.3e-6, rel=1e-3)
    restored = restore_feasibility(qm, x)
    assert qm.violation(restored) <= 1e-12
    assert restored == pytest.approx([5.0, 1.0, 5.0, 0.0, 5.0, 10.0], abs=1e-12)
    inside = np.array([3.0, 1.5, 3.0, 4.0, 3.0, 4.0])  # feasible with no active row: left alone
    assert np.array_equal(restore_feasibility(qm, inside), inside)


def test_a_concave_qp_is_polished_to_its_vertex_optimum():
    m = _concave_model()
    start = {"x1": 5.0, "x2": 1.0, "x3": 5.0, "x4": 0.0105, "x5": 5.0, "x6": 10.0}  # the 3x8 MILP's point: -309.916, feasible
    result = polish(m, start, config=CONFIG, restarts=0)
    assert result.violation_before <= 1e-12 and result.objective_before == pytest.approx(-309.916, abs=1e-3)
    assert result.status == "polished" and result.method == "nlp"
    assert result.violation_after <= 1e-6
    assert result.objective_after == pytest.approx(-310.0, abs=1e-6)


def test_the_feasibility_phase_separates_overlapping_circles():
    m = _circles_model()
    qm = QuadraticModel.from_pyomo(m)
    x0 = qm.point({"x[0]": 2.0, "x[1]": 2.2, "x[2]": 2.4, "y[0]": 1.0, "y[1]": 1.0, "y[2]": 1.0})  # all three overlap
    assert qm.violation(x0) > 3.0
    x = feasibility_point(qm, x0)
    assert qm.violation(x) <= 1e-6
    assert np.all(x >= qm.lower) and np.all(x <= qm.upper)
    held = np.zeros(len(x0), dtype=bool)
    held[[v.name for v in qm.variables].index("x[1]")] = True
    x = feasibility_point(qm, x0, fixed=held)
    assert x[held] == pytest.approx(x0[held])  # a fixed variable stays where it was


def test_the_feasibility_phase_moves_a_single_free_variable():
    """min x s.t. x*x >= 2 on [0, 3]: one free column (SciPy's trf failed on it as a sparse Jacobian)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.c = pyo.Constraint(expr=m.x * m.x >= 2)
    m.obj = pyo.Objective(expr=m.x)
    qm = QuadraticModel.from_pyomo(m)
    x = feasibility_point(qm, qm.point({"x": 0.5}))
    assert qm.violation(x) <= 1e-6 and x[0] == pytest.approx(2**0.5, abs=1e-6)


def test_polish_from_a_degenerate_point_reaches_a_packing():
    m = _circles_model()
    centre = {f"{c}[{i}]": 3.0 if c == "x" else 1.0 for c in "xy" for i in range(3)}  # all at one point: no gradient apart
    result = polish(m, centre, config=CONFIG)
    assert result.violation_before == pytest.approx(4.0)
    assert result.status == "polished" and result.violation_after <= 1e-6
    assert result.objective_after == pytest.approx(9.0, abs=1e-5)  # centres at x = 1, 3, 5


def test_multistart_finds_a_better_local_optimum():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2))
    m.obj = pyo.Objective(expr=-m.x * m.x)  # local minima at x = -1 (-1) and x = 2 (-4)
    local = polish(m.clone(), {"x": -0.9}, config=CONFIG, restarts=0)
    assert local.objective_after == pytest.approx(-1.0)
    result = polish(m, {"x": -0.9}, config=CONFIG, restarts=8, seed=0)
    assert (result.status, result.method) == ("polished", "multistart")
    assert result.objective_after == pytest.approx(-4.0) and m.x.value == pytest.approx(2.0)
    again = polish(m.clone(), {"x": -0.9}, config=CONFIG, restarts=8, seed=0)
    assert again.objective_after == result.objective_after  # one seed, one answer


def test_the_start_box_is_the_bounds_or_the_point_plus_minus_its_size():
    m = pyo.ConcreteModel()
    m.a = pyo.Var(bounds=(0, 4))
    m.b = pyo.Var(bounds=(None, 3))
    m.c = pyo.Var()
    m.obj = pyo.Objective(expr=m.a * m.b + m.c)
    qm = QuadraticModel.from_pyomo(m)
    names = [v.name for v in qm.variables]
    order = [names.index(name) for name in "abc"]
    lower, upper = start_box(qm, qm.point({"a": 1.0, "b": -5.0, "c": 0.5}))
    assert lower[order].tolist() == [0.0, -10.0, -0.5] and upper[order].tolist() == [4.0, 3.0, 1.5]


@pytest.mark.parametrize("restarts", [-1, 1.5, True])
def test_bad_restarts_are_refused(restarts):
    with pytest.raises(ConfigError, match=r"restarts=.* must be a whole number >= 0"):
        polish(_concave_model(), {}, config=CONFIG, restarts=restarts)


def _two_minima(sense=pyo.minimize):
    """x in [-1, 2], objective -x^2 (or x^2 maximised): a local optimum at x = -1 (1 in size), the global one at x = 2 (4)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2))
    m.obj = pyo.Objective(expr=(-1 if sense == pyo.minimize else 1) * m.x * m.x, sense=sense)
    return m


@pytest.mark.parametrize(("sense", "local", "best"), [(pyo.minimize, -1.0, -4.0), (pyo.maximize, 1.0, 4.0)])
def test_a_point_at_the_bound_ends_the_polish_before_its_restarts(sense, local, best):
    """Told that the local optimum's value is a bound, the polish stops there; told the true bound, it goes on to it."""
    stopped = polish(_two_minima(sense), {"x": -0.9}, config=CONFIG, restarts=8, seed=0, bound=local)
    assert stopped.objective_after == pytest.approx(local) and stopped.method != "multistart"
    assert stopped.reached_bound and not stopped.timed_out
    onward = polish(_two_minima(sense), {"x": -0.9}, config=CONFIG, restarts=8, seed=0, bound=best)
    assert (onward.objective_after, onward.method) == (pytest.approx(best), "multistart") and onward.reached_bound
    unbounded = polish(_two_minima(sense), {"x": -0.9}, config=CONFIG, restarts=8, seed=0)
    assert unbounded.objective_after == pytest.approx(best) and not unbounded.reached_bound


@pytest.mark.parametrize("bound", [float("nan"), float("inf"), "low", True])
def test_a_bad_bound_is_refused(bound):
    with pytest.raises(ConfigError, match=r"polish: bound=.* must be a finite number \(a proven bound on the objective"):
        polish(_two_minima(), {"x": -0.9}, config=CONFIG, bound=bound)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_limit": float("nan")}, r"polish: time_limit=nan must be a positive, finite number of seconds, or None"),
        ({"time_limit": -1}, r"polish: time_limit=-1 must be a positive"),
        ({"time_limit": "5"}, r"polish: time_limit='5' must be a positive"),
        ({"tol": float("nan")}, r"polish: tol=nan must be a finite number >= 0"),
        ({"config": {"time_limit": 1}}, r"polish: config=\{'time_limit': 1\} must be a SolverConfig"),
        ({"values": {"x": float("nan")}}, r"polish: values must map variable names to finite numbers"),
    ],
)
def test_bad_polish_arguments_are_named(kwargs, match):
    """nan and -1 kept the start in silence; '5', a dict config and a NaN value raised bare errors."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.c = pyo.Constraint(expr=m.x * m.x >= 2)
    m.obj = pyo.Objective(expr=m.x)
    arguments = {"values": {"x": 0.5}, **kwargs}
    with pytest.raises(ConfigError, match=match):
        polish(m, **arguments)


def test_multistart_draws_integers_too():
    """Every restart kept the start's integers (np.where(integer, best point, draw)), unlike its docstring's box."""
    import math

    from surrogate.milp.polish_search import PolishSearch

    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(-3.5, 40))
    m.y = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.n * m.y <= 10)
    m.obj = pyo.Objective(expr=m.n + m.y)
    search = PolishSearch(QuadraticModel.from_pyomo(m), CONFIG, math.inf, 1e-9)
    search.offer("none", np.array([5.0, 0.5]))
    drawn = []
    search.nlp = lambda x0, *args, **kwargs: drawn.append(x0[0])
    search.multistart(6, np.random.default_rng(0), maxiter=10)
    assert all(n == round(n) and -3 <= n <= 40 for n in drawn) and len(set(drawn)) > 1
