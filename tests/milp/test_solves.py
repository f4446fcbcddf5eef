import math

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig, add_surrogate, reference_instances, solve, solve_reference_problems
from surrogate.milp.bounds import net_bounds
from tests.helpers import SOLVER, random_net

pytestmark = pytest.mark.solver


def test_reference_problem_finds_the_surrogate_minimum(solver_config):
    net = random_net((8, 8, 8), seed=4)
    instances = reference_instances(4, seed=9)
    for solved in solve_reference_problems(net, instances, config=solver_config):
        inst = solved.instance
        assert solved.result.optimal
        xs = np.linspace(inst.lx, inst.ux, 201)
        ys = np.linspace(inst.ly, inst.uy, 201)
        pts = np.array([(x, y) for x in xs for y in ys])
        sampled = (net.forward(pts) + inst.a * pts[:, 0] + inst.b * pts[:, 1]).min()
        # The MILP is exact: its optimum is at or below every sampled point, and close to the best one.
        assert solved.result.objective <= sampled + 1e-6
        assert solved.result.objective >= sampled - 0.05
        assert solved.opt_error >= -1e-12
        assert solved.result.size.binaries == net_bounds(net, "milp").unstable <= 24  # the default pruned encoding
        assert solved.objective_error == pytest.approx(abs(solved.result.objective - inst.true_optimum))


def test_time_limit_hit_is_recorded_not_raised():
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, 11)
    m.x = pyo.Var(m.I, bounds=(-1, 1))
    m.y = pyo.Var(m.I, bounds=(-1, 1))
    outs = [
        add_surrogate(m, random_net((16, 16, 16), seed=i), [m.x[i], m.y[(i + 1) % 12]], name=f"s{i}", formulation="bigm").output
        for i in m.I
    ]
    m.obj = pyo.Objective(expr=sum(outs))
    result = solve(m, SolverConfig(solver=SOLVER, time_limit=0.05))
    assert result.termination == "maxTimeLimit"
    assert not result.optimal
    assert math.isnan(result.gap) or result.gap > 0
    assert result.size.binaries == 12 * 48


def test_relative_gap_is_measured_against_the_objective():
    """probe109 E2: the scale taken from the bound (max(1, |bound|)) gave relative_gap(10, 20) = 0.5."""
    from surrogate.milp.solver import relative_gap

    assert relative_gap(10.0, 20.0) == 1.0  # |10 - 20| / max(1, |10|)
    assert relative_gap(-4.0, -2.0) == 0.5
    assert relative_gap(0.5, -0.5) == 1.0  # the scale is at least 1
    assert math.isnan(relative_gap(math.nan, 1.0)) and math.isnan(relative_gap(1.0, math.nan))


def test_beyond_bound_measures_how_far_a_point_passes_the_bound_in_the_objectives_direction():
    from surrogate.milp.solve_result import beyond_bound

    assert beyond_bound(-7.005, -7.0, minimise=True, tol=1e-4) and not beyond_bound(-7.0005, -7.0, minimise=True, tol=1e-4)
    assert beyond_bound(7.005, 7.0, minimise=False, tol=1e-4) and not beyond_bound(-7.005, -7.0, minimise=False, tol=1e-4)
    assert not beyond_bound(-1e9, -math.inf, minimise=True, tol=1e-4)  # no finite bound: nothing is beyond it
    assert not beyond_bound(0.0, math.nan, minimise=True, tol=1e-4)


def test_solve_result_reports_size_and_nodes(solver_config):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    enc = add_surrogate(m, random_net((6, 6), seed=2), [m.x, m.y], formulation="bigm")  # a binary per ReLU
    m.obj = pyo.Objective(expr=enc.output + 0.1 * m.x)
    result = solve(m, solver_config)
    assert result.optimal and result.gap <= 1e-6
    assert result.wall_time > 0 and result.nodes >= 0
    assert result.size.binaries == 12
    assert result.to_dict()["binaries"] == 12
    err = enc.get_error()
    assert err.vs_net <= 1e-6
    assert err.vs_product == pytest.approx(abs(err.milp_output - err.x * err.y))


def test_a_result_read_back_by_name_holds_the_member_and_has_no_point_after_an_infeasible_end():
    """A termination read back from a table (its name) becomes the member; an objective left beside a termination of
    NO_SOLUTION (a table row, a solver that reports one) is no point loaded."""
    from surrogate.milp.model_size import ModelSize
    from surrogate.milp.solve_result import SolveResult
    from surrogate.milp.solver_config import Termination

    size = ModelSize(variables=3, binaries=1, constraints=2)
    result = SolveResult("convergenceCriteriaSatisfied", 1.0, 1.0, 0.0, 0.1, 0, size)
    assert result.termination is Termination.OPTIMAL and result.optimal and result.has_solution
    infeasible = SolveResult("provenInfeasible", 1.0, math.inf, math.nan, 0.1, 0, size)
    assert infeasible.termination is Termination.INFEASIBLE and not infeasible.has_solution
    assert not SolveResult("maxTimeLimit", math.nan, 0.5, math.nan, 0.1, 3, size).has_solution  # no incumbent
