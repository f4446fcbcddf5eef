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


class _Scip:
    """A pyscipopt.Model's face: each optimize() is one run of (status, seconds, solutions, objective, dual bound)."""

    def __init__(self, *runs, sense="minimize"):
        self.runs, self.sense, self.params, self.freed = list(runs), sense, {}, 0
        self.run = self.runs.pop(0)

    def getSolvingTime(self):  # pyscipopt's names
        return self.run[1]

    def getStatus(self):
        return self.run[0]

    def getNSols(self):
        return self.run[2]

    def getObjVal(self):
        return self.run[3]

    def getDualbound(self):
        return self.run[4]

    def isInfinity(self, value):
        return value >= 1e20

    def getObjectiveSense(self):
        return self.sense

    def freeTransform(self):
        self.freed += 1

    def setParam(self, name, value):
        self.params[name] = value

    def optimize(self):
        self.run = self.runs.pop(0)


def test_scip_is_resolved_without_dual_reductions_in_what_is_left_and_its_seconds_add_up():
    from surrogate.experiments.peer_status import scip_outcome

    model = _Scip(("inforunbd", 1.25, 0, None, 1e20), ("unbounded", 0.5, 1, -7.0, -1e20))
    termination, objective, bound, seconds = scip_outcome(model, time_limit=3.0)
    assert model.freed == 1 and model.params == {
        "misc/allowstrongdualreds": False,
        "misc/allowweakdualreds": False,
        "limits/time": 1.75,
    }
    assert termination == Termination.UNBOUNDED and math.isnan(objective) and bound == -math.inf and seconds == 1.75


def test_scip_with_no_time_left_is_not_resolved():
    from surrogate.experiments.peer_status import scip_outcome

    model = _Scip(("inforunbd", 3.0, 0, None, 1e20))  # optimize() again would find no run to pop
    termination, _, bound, seconds = scip_outcome(model, time_limit=3.0)
    assert termination == Termination.INFEASIBLE_OR_UNBOUNDED and bound == -math.inf and seconds == 3.0
    assert model.freed == 0 and model.params == {}


@pytest.mark.parametrize(("sense", "infinite"), [("minimize", -1e20), ("maximize", 1e20)])
def test_scip_infinite_dual_bound_at_a_time_limit_is_no_bound(sense, infinite):
    """A timed-out SCIP run with no dual bound gives SCIP's infinity (-1e20 minimising): reported as -inf, not a number."""
    from surrogate.experiments.peer_status import scip_outcome

    termination, objective, bound, seconds = scip_outcome(
        _Scip(("timelimit", 2.0, 1, 4.5, infinite), sense=sense), time_limit=2.0
    )
    assert (termination, objective, bound, seconds) == (Termination.TIME_LIMIT, 4.5, math.copysign(math.inf, infinite), 2.0)


@pytest.mark.parametrize(
    ("status", "termination"),
    [("optimal", Termination.OPTIMAL), ("gaplimit", Termination.OPTIMAL), ("timelimit", Termination.TIME_LIMIT)],
)
def test_scip_statuses_with_a_point_keep_its_objective_and_bound(status, termination):
    from surrogate.experiments.peer_status import scip_outcome

    assert scip_outcome(_Scip((status, 1.0, 2, -3.5, -3.75), sense="minimize"), time_limit=5.0) == (termination, -3.5, -3.75, 1.0)


@pytest.mark.parametrize(
    ("second", "solutions", "termination"),
    [
        (9, 0, Termination.INFEASIBLE_OR_UNBOUNDED),  # a time limit with no point tells nothing apart
        (7, 0, Termination.INFEASIBLE_OR_UNBOUNDED),  # nor an iteration limit
        (9, 1, Termination.TIME_LIMIT),  # a point found: the model is feasible, stopped at its limit
        (3, 0, Termination.INFEASIBLE),
        (5, 0, Termination.UNBOUNDED),
        (5, 1, Termination.UNBOUNDED),  # a point of an unbounded model is no objective
    ],
)
def test_a_gurobi_resolve_is_read_with_the_points_it_found(second, solutions, termination):
    from surrogate.experiments.peer_status import gurobi_outcome

    model = _StoppedResolve()
    model.ObjVal = 12.0

    def optimize():
        model.Status, model.Runtime, model.SolCount, model.ObjBound = second, 0.25, solutions, 10.0

    model.optimize = optimize
    outcome = gurobi_outcome(model, time_limit=1.5)
    assert outcome[0] == termination and outcome[3] == 1.25
    assert model.Params.DualReductions == 0 and model.Params.TimeLimit == 0.5
    if termination == Termination.TIME_LIMIT:
        assert outcome[1:3] == (12.0, 10.0)
    else:
        assert math.isnan(outcome[1])


def test_a_gurobi_lp_gives_its_objective_as_its_bound():
    """An LP has no ObjBound: its bound is its objective (a timed-out simplex's point)."""
    from surrogate.experiments.peer_status import gurobi_outcome

    model = _StoppedResolve()
    model.Status, model.SolCount, model.IsMIP, model.ObjVal, model.ObjBound = 9, 1, False, 2.5, -100.0
    assert gurobi_outcome(model, time_limit=5.0) == (Termination.TIME_LIMIT, 2.5, 2.5, 1.0)
