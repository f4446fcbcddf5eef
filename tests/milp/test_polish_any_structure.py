"""Polishing for any product structure: squares, odd cycles, complementarity; the time limit; method and status."""

import math

import numpy as np
import pyomo.environ as pyo
import pytest

from problems import pooling
from surrogate import SolverConfig
from surrogate.milp.local_nlp import QuadraticModel
from surrogate.milp.polish import METHODS, STATUSES, colour_classes, complementarity_pairs, polish, product_edges
from surrogate.milp.polish_graph import round_complementarity
from surrogate.milp.relaxation import solve_mccormick
from tests.helpers import SOLVER

pytestmark = pytest.mark.solver

CONFIG = SolverConfig(solver=SOLVER, time_limit=10)


def _square_model():
    """max x + y s.t. x^2 + y <= 4 on [0, 3]^2: the optimum is (1, 3) with 4 (convex, so the only local one)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.y = pyo.Var(bounds=(0, 3))
    m.c = pyo.Constraint(expr=m.x * m.x + m.y <= 4)
    m.obj = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    return m


def _triangle_model():
    """max xy + yz + zx s.t. x + y + z = 3 on [0, 2]^3: the optimum is (1, 1, 1) with 3 (the products form an odd cycle)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 2))
    m.y = pyo.Var(bounds=(0, 2))
    m.z = pyo.Var(bounds=(0, 2))
    m.total = pyo.Constraint(expr=m.x + m.y + m.z == 3)
    m.obj = pyo.Objective(expr=m.x * m.y + m.y * m.z + m.z * m.x, sense=pyo.maximize)
    return m


def _complementarity_model():
    """min 2x + y s.t. xy = 0, x + y >= 3 on [0, 4]^2: the optimum is (0, 3) with 3."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 4))
    m.y = pyo.Var(bounds=(0, 4))
    m.comp = pyo.Constraint(expr=m.x * m.y == 0)
    m.cover = pyo.Constraint(expr=m.x + m.y >= 3)
    m.obj = pyo.Objective(expr=2 * m.x + m.y)
    return m


def test_a_square_term_is_polished_to_the_optimum():
    m = _square_model()
    result = polish(m, {"x": 1.3, "y": 2.5}, config=CONFIG)  # x^2 + y = 4.19: infeasible
    assert result.violation_before > 0.1
    assert result.status == "polished" and result.method == "nlp"  # the cover LP cannot move x (it is squared)
    assert result.violation_after <= 1e-6
    assert result.objective_after == pytest.approx(4.0, abs=1e-6)
    assert (m.x.value, m.y.value) == pytest.approx((1.0, 3.0), abs=1e-5)


def test_an_odd_product_cycle_is_polished_to_the_optimum():
    m = _triangle_model()
    qm = QuadraticModel.from_pyomo(m)
    classes, bipartite = colour_classes(product_edges(qm, np.zeros(3, dtype=bool)))
    assert not bipartite and sorted(len(c) for c in classes) == [1, 1, 1]  # x, y, z each need their own class
    result = polish(m, {"x": 1.4, "y": 0.8, "z": 0.9}, config=CONFIG)
    assert result.status == "polished" and result.method in ("nlp", "cover-lp")
    assert result.violation_after <= 1e-6
    assert result.objective_after == pytest.approx(3.0, abs=1e-6)
    assert (m.x.value, m.y.value, m.z.value) == pytest.approx((1.0, 1.0, 1.0), abs=1e-3)


def test_a_complementarity_pair_is_rounded_and_polished_to_the_optimum():
    m = _complementarity_model()
    assert complementarity_pairs(QuadraticModel.from_pyomo(m)) == [(0, 1)]
    result = polish(m, {"x": 0.2, "y": 2.9}, config=CONFIG)  # xy = 0.58: both alternating LPs are infeasible
    assert result.status == "polished" and result.method == "complementarity"
    assert result.violation_after <= 1e-6
    assert result.objective_after == pytest.approx(3.0, abs=1e-6)
    assert (m.x.value, m.y.value) == pytest.approx((0.0, 3.0), abs=1e-6)


def test_complementarity_pairs_need_a_zero_bound_and_nonnegative_factors():
    m = _complementarity_model()
    m.comp.set_value(m.x * m.y <= 1)  # xy <= 1 does not force a zero
    assert complementarity_pairs(QuadraticModel.from_pyomo(m)) == []
    m.comp.set_value(-m.x * m.y >= 0)  # -xy >= 0 with x, y >= 0 does
    assert complementarity_pairs(QuadraticModel.from_pyomo(m)) == [(0, 1)]
    m.x.setlb(-1)
    assert complementarity_pairs(QuadraticModel.from_pyomo(m)) == []
    m.x.setlb(0)
    m.y.setlb(-1)  # either factor below 0: x*y <= 0 then holds with neither at 0
    assert complementarity_pairs(QuadraticModel.from_pyomo(m)) == []
    m.y.setlb(0)
    m.z = pyo.Var(bounds=(0, 4))
    m.comp.set_value(m.x * m.y - m.x * m.z == 0)  # two products: xy = xz holds with neither product 0
    assert complementarity_pairs(QuadraticModel.from_pyomo(m)) == []


def test_complementarity_rounding_zeroes_only_a_factor_whose_box_holds_zero():
    """x*y = 0 with x in [1, 4]: y is the factor that can be 0, even where x's value is the smaller."""
    m = _complementarity_model()
    m.x.setlb(1)
    qm = QuadraticModel.from_pyomo(m)
    x, y = ([id(w) for w in qm.variables].index(id(v)) for v in (m.x, m.y))
    point = np.zeros(2)
    point[x], point[y] = 1.0, 2.0
    rounded, pinned = round_complementarity(qm, point, complementarity_pairs(qm))
    assert rounded[x] == 1.0 and rounded[y] == 0.0 and pinned.tolist() == [i == y for i in range(2)]


def test_product_edges_leave_out_every_product_of_a_pinned_factor():
    m = pyo.ConcreteModel()
    m.x, m.y, m.z = (pyo.Var(bounds=(0, 1)) for _ in range(3))
    m.c = pyo.Constraint(expr=m.x * m.y + m.y * m.z <= 1)
    m.o = pyo.Objective(expr=m.x * m.z)
    qm = QuadraticModel.from_pyomo(m)
    x, y, z = ([id(w) for w in qm.variables].index(id(v)) for v in (m.x, m.y, m.z))
    pinned = np.zeros(3, dtype=bool)
    assert product_edges(qm, pinned) == {tuple(sorted(e)) for e in ((x, y), (y, z), (x, z))}
    pinned[y] = True  # y held at 0: its products vanish, whichever side the other factor lies on
    assert product_edges(qm, pinned) == {tuple(sorted((x, z)))}


def _slow_model(n=1001, seed=0):
    """An indefinite QP on an odd ring with chords (x_i x_{i+1}, x_i x_{i+2}): trust-constr and the cover LPs run for many seconds."""
    rng = np.random.default_rng(seed)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), bounds=(0, 1))
    q = rng.normal(size=(n, 3))
    m.budget = pyo.Constraint(expr=sum(m.x[i] for i in range(n)) == n / 4)
    m.link = pyo.Constraint(range(n), rule=lambda m, i: m.x[i] * m.x[(i + 1) % n] + m.x[i] * m.x[(i + 2) % n] <= 0.5)
    m.obj = pyo.Objective(
        expr=sum(q[i, 0] * m.x[i] * m.x[(i + 1) % n] + q[i, 1] * m.x[i] * m.x[(i + 2) % n] + q[i, 2] * m.x[i] for i in range(n))
    )
    return m, {f"x[{i}]": 0.25 for i in range(n)}


def test_the_time_limit_holds_on_a_slow_model():
    m, start = _slow_model()
    unlimited = polish(m.clone(), start, config=CONFIG, max_rounds=1, nlp_maxiter=2)
    assert unlimited.lp_solves >= 3 and not unlimited.timed_out  # cover LPs: the ring is odd, so 3 classes or more
    limit = 2.0
    result = polish(m, start, config=CONFIG, time_limit=limit, max_rounds=10**6, max_evals=10**6, nlp_maxiter=10**6)
    assert result.timed_out
    assert result.seconds <= 5 * limit  # stopped by its own clock (it may stop early; loose: CI may be loaded)
    assert result.status in STATUSES and result.method in METHODS


def test_method_and_status_fields():
    problem = pooling("haverly1")
    _, flows = solve_mccormick(problem.model, CONFIG)  # the relaxation's point: -500, violation 100
    result = polish(problem.model.clone(), flows, config=CONFIG)
    assert (result.status, result.method) == ("polished", "alternating-lp")  # pooling: qualities x flows
    assert result.objective_after == pytest.approx(-400.0, abs=1e-6) and result.lp_solves > 0
    assert not result.timed_out and result.seconds > 0
    m = problem.model.clone()
    polish(m, flows, config=CONFIG)
    optimum = {v.name: v.value for v in m.component_data_objects(pyo.Var)}
    kept = polish(problem.model.clone(), optimum, config=CONFIG)
    assert (kept.status, kept.method) == ("start-kept", "none")  # nothing beats a feasible optimum
    m = _square_model()
    m.impossible = pyo.Constraint(expr=m.x * m.x + m.y >= 20)  # at most 9 + 3
    hopeless = polish(m, {"x": 1.0, "y": 1.0}, config=CONFIG)
    assert hopeless.status == "infeasible" and hopeless.violation_after > 1e-6
    assert hopeless.violation_after <= hopeless.violation_before  # left at the least violated point found
    m = _square_model()
    m.c.set_value(m.x**3 + m.y <= 4)
    cubic = polish(m, {"x": 1.0, "y": 1.0}, config=CONFIG)
    assert (cubic.status, cubic.method) == ("not-quadratic", "none")
    assert math.isclose(cubic.objective_after, cubic.objective_before)


def test_a_row_of_small_coefficients_is_held_to_its_own_scale():
    """1e-8 x y >= 2e-8 is x y >= 2: the point (0.5, 0.5) breaks it by 1.75e-8, under an absolute 1e-6."""
    from surrogate.milp.polish import max_violation

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0.5, 4)), pyo.Var(bounds=(0.5, 4))
    m.c = pyo.Constraint(expr=1e-8 * m.x * m.y >= 2e-8)
    m.obj = pyo.Objective(expr=m.x + m.y)
    m.x.value, m.y.value = 0.5, 0.5
    assert max_violation(m) == pytest.approx(1.75)  # the violation over the row's largest coefficient
    assert QuadraticModel.from_pyomo(m).violation(np.array([0.5, 0.5])) == pytest.approx(1.75)
    result = polish(m, {"x": 0.5, "y": 0.5}, config=CONFIG)  # it kept this point, 'feasible', objective 1
    assert result.violation_before == pytest.approx(1.75) and result.violation_after <= 1e-6
    assert result.objective_after == pytest.approx(2 * math.sqrt(2), abs=1e-5)
    m.big = pyo.Constraint(expr=1e3 * m.x <= 1e3 * 4 + 5e-4)  # a row of large coefficients is measured as it is
    m.x.value = 4 + 1e-6
    assert max_violation(m) == pytest.approx(5e-4, rel=1e-3)


def test_an_integer_factor_stays_whole_and_a_fractional_one_counts_as_infeasible():
    """min n + y + w, n integer in [0, 5000], n*y + 0.01 w >= 7.5: the optimum is 5.875 (n = 4, y = 1.875);
    n = 3.26 would give 5.56, below it."""
    from surrogate.milp.polish import max_violation

    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 5000))
    m.y = pyo.Var(bounds=(0, 2.3))
    m.w = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.n * m.y + 0.01 * m.w >= 7.5)
    m.obj = pyo.Objective(expr=m.n + m.y + m.w)
    result = polish(m, {"n": 1.0, "y": 2.2997, "w": 0.0}, config=CONFIG, restarts=0)
    assert m.n.value == round(m.n.value) and result.violation_after <= 1e-6
    assert result.objective_after == pytest.approx(5.875, abs=1e-6)
    m.n.set_value(3.2609, skip_validation=True)
    m.y.set_value(2.3)
    assert max_violation(m) == pytest.approx(0.2609)
    qm = QuadraticModel.from_pyomo(m)
    assert qm.violation(qm.point({})) == pytest.approx(0.2609)


@pytest.mark.parametrize(("domain", "ub", "optimum"), [(pyo.Binary, 1, -14.0), (pyo.Integers, 2, -29.0)])
def test_a_binary_or_small_integer_factor_moves_by_whole_steps(domain, ub, optimum):
    """A first step of a quarter of the range rounded back to the start: a binary never moved (objective 0)."""
    m = pyo.ConcreteModel()
    m.b = pyo.Var(domain=domain, bounds=(0, ub))
    m.y1, m.y2 = pyo.Var(bounds=(0, 10)), pyo.Var(bounds=(0, 10))
    m.obj = pyo.Objective(expr=5 * m.b - m.b * m.y1 - m.b * m.y2 + 0.1 * m.y1)
    result = polish(m, {"b": 0, "y1": 3, "y2": 0}, config=CONFIG, time_limit=5, restarts=0)
    assert result.objective_after == pytest.approx(optimum) and m.b.value == ub


def test_a_large_fixed_integer_given_another_integer_is_refused():
    """probe52 #8: 200001 was within 1e-5 of 200000, taken as the same value and ignored."""
    from surrogate.errors import ConfigError

    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 10**6))
    m.n.fix(200000)
    m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x * m.y <= 0.25 + 1e-6 * m.n)
    m.obj = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    with pytest.raises(ConfigError, match=r"values sets 'n' to 200001, but it is fixed at 200000 .*another integer"):
        polish(m, {"n": 200001, "x": 0.5, "y": 0.5}, config=CONFIG, restarts=0)
    assert m.n.value == 200000 and m.x.value is None


def test_a_fixed_variable_keeps_its_value_and_another_one_is_refused():
    """values giving a fixed p another value wrote it into p: the polish solved another model (0.3, not 1.2/1.7)."""
    from surrogate.errors import ConfigError

    m = pyo.ConcreteModel()
    m.x, m.y, m.p = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 5))
    m.p.fix(1.7)
    m.c = pyo.Constraint(expr=m.x * m.y + m.p * m.y >= 1.2)
    m.obj = pyo.Objective(expr=m.x + m.y)
    with pytest.raises(ConfigError, match=r"values sets 'p' to 4\.0, but it is fixed at 1\.7 .*unfix them first"):
        polish(m, {"x": 0.5, "y": 0.5, "p": 4.0}, config=CONFIG, restarts=0)
    assert m.p.fixed and m.p.value == 1.7 and m.x.value is None
    result = polish(m, {"x": 0.5, "y": 0.5, "p": 1.7}, config=CONFIG, restarts=0)
    assert m.p.value == 1.7 and result.objective_after == pytest.approx(1.2 / 1.7, abs=1e-6)


def test_a_fixed_variables_value_rounded_to_float32_or_six_digits_is_its_fixed_value():
    """A float32 array of every variable (or a '%.6g' CSV) gives p = 1.7 or 4/3 rounded: refused as 'another value'."""
    import numpy as np

    from surrogate.errors import ConfigError

    m = pyo.ConcreteModel()
    m.x, m.y, m.p = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 5))
    m.c = pyo.Constraint(expr=m.x * m.y + m.p * m.y >= 1.2)
    m.obj = pyo.Objective(expr=m.x + m.y)
    for fixed, given in ((1.7, np.float32(1.7)), (4 / 3, float("%.6g" % (4 / 3)))):
        m.p.fix(fixed)
        result = polish(m, {"x": 0.5, "y": 0.5, "p": given}, config=CONFIG, restarts=0)
        assert m.p.value == fixed and result.objective_after == pytest.approx(1.2 / fixed, abs=1e-6)
    with pytest.raises(ConfigError, match=r"fixed at 1\.333.* \(off by 0\.001, beyond 1e-05 relative; 1 fixed"):
        polish(m, {"x": 0.5, "y": 0.5, "p": 1.334333}, config=CONFIG, restarts=0)


def test_an_integer_start_with_no_completion_is_stepped_to_a_feasible_optimum():
    """min N + 10y, N*y == 1000.5: from N = 1000, y = 1 both LPs are infeasible, and polish said 'infeasible'
    with its time left; the pattern search now steps N (the optimum is N = 1001)."""
    m = pyo.ConcreteModel()
    m.N = pyo.Var(domain=pyo.Integers, bounds=(0, 5000))
    m.y = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.N * m.y == 1000.5)
    m.obj = pyo.Objective(expr=m.N + 10 * m.y)
    result = polish(m, {"N": 1000, "y": 1.0}, config=CONFIG, time_limit=10, restarts=0)
    assert result.status == "polished" and m.N.value == 1001
    assert result.objective_after == pytest.approx(1001 + 10 * 1000.5 / 1001, abs=1e-6)


def test_a_fixed_variable_without_a_value_is_named():
    """probe63 #5: polish crashed with a bare TypeError while writing its own 'fixed at' message."""
    from surrogate.errors import ModelFormatError

    m = pyo.ConcreteModel()
    m.x, m.y, m.z = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 1))
    m.z.fix()  # no value
    m.c = pyo.Constraint(expr=m.x * m.y + m.z <= 1.5)
    m.obj = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    with pytest.raises(ModelFormatError, match=r"variables 'z' are fixed but have no value; fix each at one, e\.g\. z\.fix"):
        polish(m, {"x": 0.5, "y": 0.5, "z": 0.5}, config=CONFIG, restarts=0)
    m.c.set_value(m.x * m.y <= 1.5)  # z is read by no row now: polish reads no value of it
    assert polish(m, {"x": 0.5, "y": 0.5}, config=CONFIG, restarts=0).objective_after == pytest.approx(2.75, abs=1e-4)


def test_the_local_solve_keeps_scipys_singular_jacobian_note_to_itself():
    """qcqp-dev under 'problems -q' printed scipy's 'Singular Jacobian matrix. Using dense SVD decomposition' (rows
    that depend on each other) to stderr: a note of trust-constr's own, the point it returns checked as every one is."""
    import warnings

    import numpy as np
    from scipy.optimize import LinearConstraint
    from scipy.sparse import csr_matrix

    from surrogate.milp.local_nlp import _quiet_minimize

    rows = LinearConstraint(csr_matrix(np.array([[1.0, 1.0], [2.0, 2.0]])), [1, 2], [1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = _quiet_minimize(
            lambda z: z @ z,
            np.zeros(2),
            jac=lambda z: 2 * z,
            hess=lambda z: 2 * np.eye(2),
            method="trust-constr",
            constraints=[rows],
        )
    assert np.allclose(found.x, [0.5, 0.5], atol=1e-6)


def test_a_row_neither_linear_nor_quadratic_is_named_and_polish_leaves_such_a_model_alone():
    from surrogate.errors import NonlinearModelError

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0.5, 2), initialize=1), pyo.Var(bounds=(-1, 3), initialize=1)
    m.o = pyo.Objective(expr=m.x * m.y)
    m.c = pyo.Constraint(expr=pyo.exp(m.x) <= 5)
    with pytest.raises(NonlinearModelError, match=r"'c' has a term that is neither linear nor a product of two variables"):
        QuadraticModel.from_pyomo(m)
    assert polish(m, {"x": 1.0, "y": 1.0}).status == "not-quadratic"


def _hyperbola_model():
    """min x + y s.t. xy >= 1 on [0, 4]^2: the optimum is (1, 1) with 2."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 4))
    m.y = pyo.Var(bounds=(0, 4))
    m.c = pyo.Constraint(expr=m.x * m.y >= 1)
    m.obj = pyo.Objective(expr=m.x + m.y)
    return m


def test_a_slightly_infeasible_better_start_is_not_kept_over_the_feasible_optimum():
    """probe113 PO2: a start violating by 5e-4 (objective 1.9995) was offered as feasible and beat the optimum 2."""
    result = polish(_hyperbola_model(), {"x": 0.9995, "y": 1.0}, config=CONFIG, restarts=0)
    assert result.status == "polished" and result.violation_after <= 1e-6
    assert result.objective_after == pytest.approx(2.0, abs=1e-6)


def test_polish_stops_at_the_bound_only_once_it_is_within_a_millionth():
    """probe113 PO6: a feasible start 4.4e-4 above the proven bound 2 was kept as 'at the bound'."""
    result = polish(_hyperbola_model(), {"x": 1.03, "y": 1 / 1.03}, config=CONFIG, bound=2.0)
    assert result.status == "polished" and result.reached_bound
    assert result.objective_after == pytest.approx(2.0, abs=1e-6)


def test_a_model_infeasible_by_a_ten_thousandth_is_reported_infeasible():
    """probe113 PO3: x*y >= 1 with y = 1 and x <= 1 - 1e-4: the best point still violates by 5e-5, 50 times the tolerance."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 4))
    m.y = pyo.Var(bounds=(1, 1))
    m.lo = pyo.Constraint(expr=m.x * m.y >= 1)
    m.hi = pyo.Constraint(expr=m.x <= 1 - 1e-4)
    m.obj = pyo.Objective(expr=m.x)
    result = polish(m, {"x": 1.0, "y": 1.0}, config=CONFIG, restarts=0)
    assert result.status == "infeasible" and result.violation_after > 1e-6


def test_a_linear_model_without_products_is_polished_not_crashed():
    """probe122 (found on the way): polish on a model with no products raised min() of an empty sequence (no classes
    of product factors for its pattern search)."""
    from surrogate.milp.polish import polish

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4), initialize=0.5), pyo.Var(bounds=(0, 4), initialize=0.2)
    m.c, m.o = pyo.Constraint(expr=m.x + m.y >= 1), pyo.Objective(expr=m.x + m.y)
    result = polish(m, {}, time_limit=5)
    assert result.violation_after <= 1e-6 and result.objective_after == pytest.approx(1.0)


def test_a_variable_the_objective_reads_with_a_zero_coefficient_does_not_make_the_optimum_infeasible():
    """probe123 #2: max x*y + 0.0*u - 0.5*y, x + y <= 2 (optimum 0.5625 at (1.25, 0.75), any u): the quadratic form
    leaves u out, so u kept no value and polish called the optimum 'infeasible' (objective NaN, violation inf)."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.u = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x + m.y <= 2)
    m.o = pyo.Objective(expr=m.x * m.y + (0.0 * m.u - 0.5 * m.y), sense=pyo.maximize)
    result = polish(m, {"x": 1.2495, "y": 0.7505, "u": None}, config=CONFIG, time_limit=5)
    assert result.status == "polished" and result.violation_before == 0.0 and result.violation_after <= 1e-9
    assert result.objective_after == pytest.approx(0.5625, abs=1e-7) and m.u.value == 0.0


def test_a_start_missing_a_variable_the_rows_read_is_measured_as_no_point_not_completed():
    """probe124 #5: the fix above filled every variable the start left without a value, so a start missing y (or naming
    it 'yy') was measured as a feasible point with objective 0; only variables read with a zero coefficient (u) are
    given one, and the start is measured as given (no point: objective NaN, violation inf)."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.u = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x + m.y <= 2)
    m.o = pyo.Objective(expr=m.x * m.y + (0.0 * m.u - 0.5 * m.y), sense=pyo.maximize)
    result = polish(m, {"x": 1.25, "yy": 0.75}, config=CONFIG, time_limit=5)
    assert math.isnan(result.objective_before) and result.violation_before == math.inf
    assert result.status == "polished" and result.objective_after == pytest.approx(0.5625, abs=1e-7) and m.u.value == 0.0
