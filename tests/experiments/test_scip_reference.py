"""The SCIP reference solve of a problem run (:mod:`surrogate.experiments.scip_reference`)."""

import math
import signal
from types import SimpleNamespace

import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.common.results import TerminationCondition

from surrogate.experiments import scip_reference
from surrogate.milp import scip_direct
from surrogate.milp.solver_config import Termination


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


class _Ended:
    """A SCIP that ends with ``condition`` and ``incumbent``, and keeps the options it was given."""

    def __init__(self, condition, incumbent):
        self.condition, self.incumbent, self.options = condition, incumbent, None

    def solve(self, model, **options):
        self.options = options
        return SimpleNamespace(termination_condition=self.condition, incumbent_objective=self.incumbent)


@pytest.mark.parametrize(
    ("condition", "incumbent", "objective"),
    [
        (TerminationCondition.unbounded, -1e20, -float("inf")),  # SCIP's infinity is its incumbent of an unbounded model
        (TerminationCondition.unbounded, 1e20, float("inf")),
        (TerminationCondition.unbounded, -3e25, -float("inf")),
        (TerminationCondition.convergenceCriteriaSatisfied, -9.99e19, -9.99e19),
        (TerminationCondition.convergenceCriteriaSatisfied, 755.14, 755.14),
    ],
)
def test_scips_infinity_is_an_infinite_objective_of_its_sign(monkeypatch, condition, incumbent, objective):
    scip = _Ended(condition, incumbent)
    monkeypatch.setattr(scip_reference, "scip_available", lambda: True)
    monkeypatch.setattr(scip_direct, "make_scip_direct", lambda: scip)
    got, seconds, termination = scip_reference.solve_exact_with_scip(_model(), time_limit=10)
    assert got == objective and termination == Termination.of(condition) and seconds >= 0


def test_a_scip_reference_without_an_incumbent_is_nan_and_solved_to_the_benchmarks_gap(monkeypatch):
    """The reference is solved to the relative gap the scale benchmark publishes with it (scale_suite.EXACT_REL_GAP)."""
    from surrogate.experiments.scale_suite import EXACT_REL_GAP

    scip = _Ended(TerminationCondition.maxTimeLimit, None)
    monkeypatch.setattr(scip_reference, "scip_available", lambda: True)
    monkeypatch.setattr(scip_direct, "make_scip_direct", lambda: scip)
    objective, _, termination = scip_reference.solve_exact_with_scip(_model(), time_limit=7.5)
    assert math.isnan(objective) and termination == Termination.TIME_LIMIT
    assert scip.options["rel_gap"] == EXACT_REL_GAP and scip.options["time_limit"] == 7.5


def test_without_pyscipopt_the_reference_is_nan_and_says_so(monkeypatch):
    monkeypatch.setattr(scip_reference, "scip_available", lambda: False)
    objective, seconds, termination = scip_reference.solve_exact_with_scip(_model(), time_limit=10)
    assert math.isnan(objective) and math.isnan(seconds) and termination == scip_reference.SCIP_MISSING


class _CaptureBroken:
    """A SCIP solve cut short while Pyomo's output capture closes: it comes out as a RuntimeError."""

    def __init__(self, signalled: bool, text: str):
        self.signalled, self.text = signalled, text

    def solve(self, model, **options):
        if self.signalled:
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                pass
        raise RuntimeError(self.text)


@pytest.mark.parametrize(
    ("signalled", "text"),
    [(True, "capture: I/O operation on closed file"), (False, "capture failed: KeyboardInterrupt")],
    ids=["noted-other-error", "said-in-the-error"],
)
def test_a_ctrl_c_that_comes_out_as_the_captures_runtime_error_stops_the_reference(monkeypatch, signalled, text):
    monkeypatch.setattr(scip_reference, "scip_available", lambda: True)
    monkeypatch.setattr(scip_direct, "make_scip_direct", lambda: _CaptureBroken(signalled, text))
    with pytest.raises(KeyboardInterrupt, match="SCIP was interrupted"):
        scip_reference.solve_exact_with_scip(_model(), time_limit=10)


def test_a_runtime_error_without_an_interrupt_is_raised_as_it_is(monkeypatch):
    monkeypatch.setattr(scip_reference, "scip_available", lambda: True)
    monkeypatch.setattr(scip_direct, "make_scip_direct", lambda: _CaptureBroken(False, "SCIP crashed"))
    with pytest.raises(RuntimeError, match="SCIP crashed"):
        scip_reference.solve_exact_with_scip(_model(), time_limit=10)
