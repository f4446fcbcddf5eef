"""A peer's infeasible or unbounded model reported as our routes report it; skipped without the peers' extras."""

import math
import warnings

import pyomo.environ as pyo
import pytest

from surrogate.experiments import peers
from surrogate.milp.solver_config import Termination, bound_by_termination
from tests.experiments.test_peers import needs

NET = "b24-hand-shared-3x8"


def edge_model(kind: str, sense=pyo.minimize):
    """x*y on a box with a row: infeasible (a row the box cannot meet), or unbounded (a free w in the objective)."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.u = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(-2, 3)), pyo.Var(bounds=(-1, 2))
    m.c1 = pyo.Constraint(expr=m.x * m.y + m.u * m.y >= -3)
    if kind == "infeasible":
        m.c2 = pyo.Constraint(expr=m.x + m.y + m.u >= 20)  # at most 9 on the box
        m.obj = pyo.Objective(expr=m.x * m.y + m.x - m.y, sense=sense)
    else:
        m.w = pyo.Var()
        m.obj = pyo.Objective(expr=m.x * m.y + (m.w if sense == pyo.maximize else -m.w), sense=sense)
    return m


def peer_result(peer: str, kind: str, sense):
    needs(peer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peers.solve_with_peer(edge_model(kind, sense), NET, peer=peer, time_limit=10.0)


@pytest.mark.solver
@pytest.mark.parametrize("peer", list(peers.PEERS))
@pytest.mark.parametrize("sense", [pyo.minimize, pyo.maximize])
def test_a_peer_calls_an_unbounded_model_unbounded_with_no_bound(peer, sense):
    """gurobi-ml said infeasibleOrUnbounded with bound +inf for a minimisation (scip-ml infeasibleOrUnbounded): Gurobi's
    ObjBound after INF_OR_UNBD; solved again without dual reductions, both say unbounded, bound -inf minimising."""
    result = peer_result(peer, "unbounded", sense)
    assert result.termination == Termination.UNBOUNDED and math.isnan(result.objective)
    assert result.bound == (-math.inf if sense == pyo.minimize else math.inf)


@pytest.mark.solver
@pytest.mark.parametrize("peer", list(peers.PEERS))
@pytest.mark.parametrize("sense", [pyo.minimize, pyo.maximize])
def test_a_peer_calls_an_infeasible_model_infeasible(peer, sense):
    """gurobi-ml said infeasibleOrUnbounded (Gurobi's presolve) where scip-ml and our routes say provenInfeasible."""
    result = peer_result(peer, "infeasible", sense)
    assert result.termination == Termination.INFEASIBLE and math.isnan(result.objective)
    assert result.bound == (math.inf if sense == pyo.minimize else -math.inf)


@pytest.mark.parametrize(
    ("termination", "minimise", "bound"),
    [
        (Termination.UNBOUNDED, True, -math.inf),
        (Termination.INFEASIBLE_OR_UNBOUNDED, False, math.inf),
        (Termination.INFEASIBLE, True, math.inf),
        (Termination.INFEASIBLE, False, -math.inf),
        (Termination.TIME_LIMIT, True, 3.5),
    ],
)
def test_bound_by_termination_puts_every_route_on_one_side(termination, minimise, bound):
    assert (
        bound_by_termination(termination, 3.5 if termination == Termination.TIME_LIMIT else math.inf, minimise=minimise) == bound
    )


class _StoppedResolve:
    """A gurobipy.Model's face after an "infeasible or unbounded" whose re-solve stops at its time limit with no point."""

    def __init__(self):
        self.Runtime, self.Status, self.SolCount, self.IsMIP, self.ModelSense = 1.0, 4, 0, True, 1
        self.ObjBound, self.Params = math.inf, type("Params", (), {})()

    def optimize(self):
        self.Status, self.Runtime = 9, 0.5  # TIME_LIMIT, nothing found


def test_a_resolve_that_tells_nothing_apart_keeps_infeasible_or_unbounded():
    """probe102 #5: with a sliver of the limit left, the re-solve with dual reductions off ran out of time and the row
    read maxTimeLimit, where the first run had proven "infeasible or unbounded"."""
    from surrogate.experiments.peer_status import gurobi_outcome

    termination, objective, bound, seconds = gurobi_outcome(_StoppedResolve(), time_limit=1.5)
    assert termination == Termination.INFEASIBLE_OR_UNBOUNDED and math.isnan(objective)
    assert bound == -math.inf and seconds == 1.5
