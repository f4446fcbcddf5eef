"""SolverConfig's checks and the bound every route reports after each termination (solver_config.py)."""

from __future__ import annotations

import math

import pytest

from surrogate.errors import ConfigError
from surrogate.milp.solver_config import NO_SOLUTION, SolverConfig, Termination, bound_by_termination


@pytest.mark.parametrize(
    ("termination", "minimise", "expected"),
    [
        (Termination.UNBOUNDED, True, -math.inf),
        (Termination.UNBOUNDED, False, math.inf),
        (Termination.INFEASIBLE_OR_UNBOUNDED, True, -math.inf),
        (Termination.INFEASIBLE_OR_UNBOUNDED, False, math.inf),
        (Termination.INFEASIBLE, True, math.inf),
        (Termination.INFEASIBLE, False, -math.inf),
        (Termination.OPTIMAL, True, 5.0),
        (Termination.TIME_LIMIT, False, 5.0),
    ],
)
def test_the_bound_after_each_termination_is_one_side_for_every_solver(termination, minimise, expected):
    """Kills C15 (infeasibleOrUnbounded's bound left as the solver gave it)."""
    assert bound_by_termination(termination, 5.0, minimise=minimise) == expected


def test_a_relative_gap_of_one_is_refused():
    """A gap of 1 stops at any incumbent: refused as [0, 1) says. Kills C01 (1 accepted)."""
    with pytest.raises(ConfigError, match=r"rel_gap=1 must lie in \[0, 1\)"):
        SolverConfig(rel_gap=1)
    assert SolverConfig(rel_gap=0).rel_gap == 0 and SolverConfig(rel_gap=0.999).rel_gap == 0.999


@pytest.mark.parametrize("termination", list(Termination), ids=str)
def test_no_point_is_a_solution_after_an_infeasible_unbounded_or_failed_solve(termination):
    """An incumbent a solver reports anyway after these (HiGHS's warm start on an unbounded model) is no solution.
    Kills C16, C17, C22 (a termination dropped from NO_SOLUTION)."""
    from surrogate.milp.model_size import ModelSize
    from surrogate.milp.solve_result import SolveResult

    result = SolveResult(termination, 5.0, 5.0, 0.0, 1.0, 0, ModelSize(1, 0, 1))
    dropped = {"unbounded", "provenInfeasible", "locallyInfeasible", "infeasibleOrUnbounded", "error"}
    assert result.has_solution is (termination not in dropped)
    assert (termination in NO_SOLUTION) is (termination in dropped)


@pytest.mark.parametrize(
    ("solver", "name", "fix"),
    [
        ("scip", "limits/nodes", r"node_limit=\.\.\.\) instead \(it caps the nodes after SCIP's last restart only\)"),
        ("scip", "limits/totalnodes", r"node_limit=\.\.\.\) instead"),
        ("scip", "display/verblevel", r"SCIP's log is cut"),
        ("highs", "mip_max_nodes", r"node_limit=\.\.\.\) instead"),
        ("gurobi", "node_limit", r"node_limit=\.\.\.\) instead"),
    ],
)
def test_a_node_cap_or_log_option_surrogate_sets_is_refused(solver, name, fix):
    """Kills C21 (SCIP's limits/nodes, which caps the nodes after the last restart only, let through)."""
    with pytest.raises(ConfigError, match=rf"option '{name}' of {solver} is managed by surrogate: .*{fix}"):
        SolverConfig(solver=solver, options={name: 10})


@pytest.mark.parametrize(
    ("solver", "name", "value"),
    [("gurobi", "IntFeasTol", 0.1), ("gurobi", "int_feas_tol", 0.001), ("highs", "mip_feasibility_tolerance", 0.05)]
    + [("scip", "numerics/feastol", 1e-3)],
)
def test_a_loose_integrality_tolerance_is_refused(solver, name, value):
    """probe128 #3: Gurobi's IntFeasTol=0.1 gave 'optimal' at -0.499 with bound -0.499 and gap 0, where the surrogate
    MILP's optimum is 1.41 (binaries 0.08 from an integer); it was passed on."""
    with pytest.raises(ConfigError, match=rf"option {name}={value!r} of {solver} is refused: .*leave .* at its default"):
        SolverConfig(solver=solver, options={name: value})
    assert SolverConfig(solver=solver, options={name: 1e-4}).options == ((name, 1e-4),)  # tighter than the check: kept
