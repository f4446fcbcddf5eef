"""The SCIP reference solve of a problem run (:mod:`surrogate.experiments.scip_reference`)."""

import signal
from types import SimpleNamespace

import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.common.results import TerminationCondition

from surrogate.experiments import scip_reference
from surrogate.milp import scip_direct


def _model():
    model = pyo.ConcreteModel()
    model.x = pyo.Var(bounds=(0, 1))
    model.obj = pyo.Objective(expr=model.x)
    return model


class _Interrupted:
    """A SCIP that stops on Ctrl-C as SCIP does: it catches the signal itself and returns its incumbent so far."""

    def __init__(self, signalled: bool):
        self.signalled = signalled

    def solve(self, model, **options):
        condition = TerminationCondition.interrupted
        if self.signalled:  # the signal reached Python's handler, and the solver swallowed what it raised
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                condition = TerminationCondition.unknown
        return SimpleNamespace(termination_condition=condition, incumbent_objective=755.14)


@pytest.mark.parametrize("signalled", [False, True], ids=["scip-caught", "python-noted"])
def test_an_interrupted_scip_reference_stops_and_records_nothing(monkeypatch, signalled):
    monkeypatch.setattr(scip_reference, "scip_available", lambda: True)
    monkeypatch.setattr(scip_direct, "make_scip_direct", lambda: _Interrupted(signalled))
    with pytest.raises(KeyboardInterrupt, match="SCIP was interrupted"):
        scip_reference.solve_exact_with_scip(_model(), time_limit=10)
