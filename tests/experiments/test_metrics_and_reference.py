import itertools
import re

import numpy as np
import pytest

from surrogate import ConfigError, ReluMLP, reference_instances, score
from surrogate.errors import ModelFormatError
from surrogate.experiments.reference_problem import ReferenceInstance
from surrogate.nets.metrics import grid


def constant_net(value: float) -> ReluMLP:
    return ReluMLP((np.zeros((2, 3)), np.zeros((3, 1))), (np.zeros(3), np.array([value])))


def test_grid_is_401_by_401_and_read_only():
    g = grid()
    assert g.shape == (401 * 401, 2)
    assert g.min() == -1 and g.max() == 1
    with pytest.raises(ValueError):
        g[0, 0] = 5


def test_constant_net_is_reported_collapsed_with_its_true_errors():
    s = score(constant_net(0.0))
    assert s.collapsed
    # E|xy| over the grid is close to its continuous value 1/4
    assert s.mae == pytest.approx(0.25, abs=2e-3)
    assert s.max_error == pytest.approx(1.0)


def test_score_of_a_known_net():
    # relu(x+y) - relu(-x-y) - ... : N(x,y) = x exactly -> error x - xy
    net = ReluMLP((np.array([[1.0, -1.0], [0.0, 0.0]]), np.array([[1.0], [-1.0]])), (np.zeros(2), np.zeros(1)))
    s = score(net, n=101)
    g = grid(101)
    err = g[:, 0] - g[:, 0] * g[:, 1]
    assert not s.collapsed
    assert s.mae == pytest.approx(np.abs(err).mean())
    assert s.mse == pytest.approx((err**2).mean())
    assert s.max_error == pytest.approx(2.0)


def test_a_net_is_scored_on_its_own_domain():
    """N(x, y) = x on [0, 4] x [-2, 3]: the errors are those of that box, not of [-1, 1]^2."""
    net = ReluMLP((np.array([[1.0], [0.0]]), np.array([[1.0]])), (np.zeros(1), np.zeros(1)))
    boxed = net.with_metadata(domain=[[0.0, 4.0], [-2.0, 3.0]])
    g = grid(51, boxed.domain)
    assert (g[:, 0].min(), g[:, 0].max(), g[:, 1].min(), g[:, 1].max()) == (0.0, 4.0, -2.0, 3.0)
    assert score(boxed, n=51).mae == pytest.approx(np.abs(g[:, 0] - g[:, 0] * g[:, 1]).mean())
    assert score(boxed, n=51).max_error == pytest.approx(12.0)  # |4 - 4 * (-2)|
    with pytest.raises(ModelFormatError, match="score: the net has 3 inputs"):
        score(ReluMLP((np.zeros((3, 2)), np.zeros((2, 1))), (np.zeros(2), np.zeros(1))))


def test_reference_optimum_is_the_best_corner():
    rng = np.random.default_rng(3)
    for inst in reference_instances(10, seed=5):
        pts = np.column_stack([rng.uniform(inst.lx, inst.ux, 20000), rng.uniform(inst.ly, inst.uy, 20000)])
        sampled = min(inst.true_objective(x, y) for x, y in pts)
        assert inst.true_optimum <= sampled + 1e-12
        corners = [inst.true_objective(x, y) for x, y in itertools.product((inst.lx, inst.ux), (inst.ly, inst.uy))]
        assert inst.true_optimum == min(corners)


def test_reference_instances_are_seeded():
    assert reference_instances(3, seed=1) == reference_instances(3, seed=1)
    assert reference_instances(3, seed=1) != reference_instances(3, seed=2)
    with pytest.raises(ConfigError, match="reference_instances: count=0 must be a positive integer up to 100000, e.g. 20"):
        reference_instances(0)
    with pytest.raises(ConfigError, match="must lie inside"):
        ReferenceInstance(0.0, 0.0, 0.5, 0.2, -1.0, 1.0)


def test_nets_and_baselines_share_one_reference_solve_loop():
    from surrogate.experiments.reference_problem import reference_regret, solve_reference_problems
    from surrogate.milp.baselines import parse_baseline
    from surrogate.milp.solver import SolverConfig
    from surrogate.nets.construct import hand_built

    instances, config = reference_instances(3, seed=2021), SolverConfig(time_limit=10.0)
    net = hand_built("3x8", "paired")
    solved = solve_reference_problems(net, instances, config=config)
    regret = reference_regret(net, instances, config)
    assert regret["ref_regret_max"] == pytest.approx(max(s.opt_error for s in solved), abs=1e-9)
    assert regret["ref_time_limit_hits"] == 0 and regret["ref_time_median_s"] > 0
    exact = reference_regret(parse_baseline("pwl-9x9"), instances, config)  # a classic baseline, same loop
    assert exact["ref_regret_max"] >= -1e-9 and exact["ref_time_limit_hits"] == 0


def test_regret_is_never_negative_at_a_point_just_outside_the_box():
    """A solver's x 4.4e-16 past ux gave opt_error -1.1e-16 in a sweep's table."""
    inst = ReferenceInstance(-0.5, 0.0, 0.0, 0.5, 0.0, 0.5)  # f = xy - x/2, least at the corner (0.5, 0): -0.25
    outside = 0.5 + 1e-12
    assert inst.true_objective(outside, 0.0) - inst.true_optimum < 0
    assert inst.regret(outside, 0.0) == 0.0
    assert inst.regret(0.0, 0.0) == pytest.approx(0.25)


@pytest.mark.parametrize("field", ["a", "b", "lx"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), None, "abc", [1.0]])
def test_a_reference_instance_refuses_a_coefficient_or_bound_that_is_not_a_finite_number(field, bad):
    values = {"a": 0.5, "b": -0.5, "lx": -1.0, "ux": 1.0, "ly": -1.0, "uy": 1.0, field: bad}
    with pytest.raises(ConfigError, match=rf"ReferenceInstance: {field}={re.escape(repr(bad))} must be a finite number"):
        ReferenceInstance(**values)


def test_regret_of_a_nan_point_is_nan_not_perfect():
    inst = ReferenceInstance(0.5, -0.5, -1.0, 1.0, -1.0, 1.0)
    assert np.isnan(inst.regret(float("nan"), 0.0)) and np.isnan(inst.regret(0.0, float("nan")))
    assert inst.regret(*inst.true_minimizer) == 0.0
    assert type(ReferenceInstance(np.float64(0.5), 0.0, -1.0, 1.0, -1.0, 1.0).a) is float


@pytest.mark.parametrize("seed", [-1, 1.5, None, True])
def test_reference_instances_refuse_a_seed_that_is_not_a_non_negative_integer(seed):
    with pytest.raises(ConfigError, match=rf"reference_instances: seed={seed!r} must be an integer in \[0, "):
        reference_instances(2, seed=seed)


def test_solve_reference_problems_needs_a_solver_config():
    from surrogate import solve_reference_problems

    with pytest.raises(ConfigError, match=r"solve_reference_problems: config=None must be a SolverConfig"):
        solve_reference_problems(constant_net(0.0), reference_instances(1), config=None)


def test_score_takes_a_zoo_name_as_net_bounds_does():
    from surrogate.nets.zoo import resolve_surrogate

    assert score("3x8") == score(resolve_surrogate("3x8"))
    with pytest.raises(ConfigError, match=r"score: got NoneType, not a net"):
        score(None)


@pytest.mark.parametrize(
    ("instances", "message"),
    [
        (
            None,
            r"solve_reference_problems: instances=None must be a sequence of ReferenceInstances \(a tuple or list\), e\.g\. reference_instances\(20\)",
        ),
        (
            [1, 2],
            r"solve_reference_problems: instances=\[1, 2\] must hold only ReferenceInstances, not 1; e\.g\. reference_instances\(20\)",
        ),
    ],
)
def test_solve_reference_problems_checks_its_instances(instances, message):
    """probe110 #3: None gave a bare TypeError, a list of numbers a bare AttributeError."""
    from surrogate.experiments.reference_problem import solve_reference_problems
    from surrogate.nets.construct import hand_built

    with pytest.raises(ConfigError, match=message):
        solve_reference_problems(hand_built("3x8", "paired"), instances)
