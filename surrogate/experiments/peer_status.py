"""How a peer's solver ended (:mod:`surrogate.experiments.peers`), in the terms of this package's own routes.

Gurobi and SCIP say "infeasible or unbounded" where their presolve's dual
reductions cut the model short; Gurobi then gives the bound ``+inf`` whatever
the sense. :func:`gurobi_outcome` and :func:`scip_outcome` solve such a model
again with those reductions off, in what is left of the time limit (each solver
then tells the two apart), and give the bound as
:func:`~surrogate.milp.solver.solve` does
(:func:`~surrogate.milp.solver_config.bound_by_termination`): an unbounded
minimisation ``-inf``, an infeasible one ``+inf``. After a termination in
:data:`~surrogate.milp.solver_config.NO_SOLUTION` no objective is reported (SCIP
keeps a point of an unbounded model).
"""

from __future__ import annotations

import math

from ..milp.solver_config import NO_SOLUTION, Termination, bound_by_termination

#: Gurobi's status codes as terminations.
GUROBI_STATUS = {
    2: Termination.OPTIMAL,
    3: Termination.INFEASIBLE,
    4: Termination.INFEASIBLE_OR_UNBOUNDED,
    5: Termination.UNBOUNDED,
    7: Termination.ITERATION_LIMIT,
    8: Termination.ITERATION_LIMIT,
    9: Termination.TIME_LIMIT,
    11: Termination.INTERRUPTED,
}
#: SCIP's statuses as terminations.
SCIP_STATUS = {
    "optimal": Termination.OPTIMAL,
    "gaplimit": Termination.OPTIMAL,
    "timelimit": Termination.TIME_LIMIT,
    "infeasible": Termination.INFEASIBLE,
    "unbounded": Termination.UNBOUNDED,
    "inforunbd": Termination.INFEASIBLE_OR_UNBOUNDED,
    "userinterrupt": Termination.INTERRUPTED,
}
#: What :func:`gurobi_outcome` and :func:`scip_outcome` give: the termination, the objective (``nan`` without a
#: solution), the bound and the solver's seconds over all its runs.
Outcome = tuple[Termination, float, float, float]


def gurobi_outcome(model, *, time_limit: float) -> Outcome:
    """The :data:`Outcome` of a ``gurobipy.Model`` just optimised with ``time_limit`` seconds; an "infeasible or
    unbounded" is solved again with ``DualReductions=0`` in what is left of them."""
    seconds, termination = model.Runtime, GUROBI_STATUS.get(model.Status, Termination.UNKNOWN)
    if termination == Termination.INFEASIBLE_OR_UNBOUNDED and time_limit - seconds > 0:
        model.Params.DualReductions, model.Params.TimeLimit = 0, time_limit - seconds
        model.optimize()
        seconds += model.Runtime
        termination = _told_apart(GUROBI_STATUS.get(model.Status, Termination.UNKNOWN), model.SolCount)
    objective = model.ObjVal if model.SolCount and termination not in NO_SOLUTION else math.nan
    bound = model.ObjBound if model.IsMIP else objective
    return termination, objective, bound_by_termination(termination, bound, minimise=model.ModelSense == 1), seconds


def scip_outcome(model, *, time_limit: float) -> Outcome:
    """The :data:`Outcome` of a ``pyscipopt.Model`` just optimised with ``time_limit`` seconds; an "infeasible or
    unbounded" is solved again with SCIP's dual reductions off in what is left of them."""
    seconds, termination = model.getSolvingTime(), SCIP_STATUS.get(model.getStatus(), Termination.UNKNOWN)
    if termination == Termination.INFEASIBLE_OR_UNBOUNDED and time_limit - seconds > 0:
        model.freeTransform()
        model.setParam("misc/allowstrongdualreds", False)
        model.setParam("misc/allowweakdualreds", False)
        model.setParam("limits/time", time_limit - seconds)
        model.optimize()
        seconds += model.getSolvingTime()
        termination = _told_apart(SCIP_STATUS.get(model.getStatus(), Termination.UNKNOWN), model.getNSols())
    objective = model.getObjVal() if model.getNSols() and termination not in NO_SOLUTION else math.nan
    bound = model.getDualbound()
    if model.isInfinity(abs(bound)):  # SCIP's infinity (1e20) is no bound
        bound = math.copysign(math.inf, bound)
    minimise = model.getObjectiveSense() == "minimize"
    return termination, objective, bound_by_termination(termination, bound, minimise=minimise), seconds


def _told_apart(termination: Termination, solutions: int) -> Termination:
    """The termination of the re-solve of an "infeasible or unbounded" model: ``termination``, unless it stopped at a
    limit with no point (it told nothing apart, and the first run's answer stands: probe102 #5 read ``maxTimeLimit``)."""
    stopped = termination in (Termination.TIME_LIMIT, Termination.ITERATION_LIMIT)  # (an interrupt is said as one)
    return Termination.INFEASIBLE_OR_UNBOUNDED if stopped and not solutions else termination
