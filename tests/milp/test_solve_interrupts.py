"""Ctrl-C and SIGTERM during a solver run, noted and raised again (solve_interrupts.py)."""

import pytest


def test_a_noted_handlers_exception_is_raised_again_and_an_interrupted_termination_stops():
    from surrogate.milp.solve_interrupts import raise_noted, stop_if_interrupted
    from surrogate.milp.solver_config import Termination

    try:
        raise_noted([KeyboardInterrupt(), SystemExit(3)], "solve interrupted")
    except BaseException as exc:  # a KeyboardInterrupt let through would end the test session
        raised = exc
    assert type(raised) is SystemExit and raised.code == 3  # the CLI's own (a Terminated, a SystemExit), not a Ctrl-C
    with pytest.raises(KeyboardInterrupt, match="solve interrupted"):
        raise_noted([KeyboardInterrupt()], "solve interrupted")
    with pytest.raises(KeyboardInterrupt, match="SCIP stopped"):
        stop_if_interrupted([], Termination.INTERRUPTED, "SCIP stopped")  # SCIP and Gurobi catch Ctrl-C and return
    stop_if_interrupted([], Termination.OPTIMAL, "not raised")


@pytest.mark.parametrize("handler", ["python's", "SIG_DFL"])
def test_a_ctrl_c_is_noted_under_pythons_handler_or_the_default_one_and_the_handler_is_put_back(handler):
    """The handler noting_interrupts installs notes the KeyboardInterrupt it raises (highspy may catch it), also where
    SIGINT's handler was the default action (SIG_DFL), which it turns into a KeyboardInterrupt; the old one is put back
    after. (The handler is called here directly: no signal is sent.)"""
    import signal

    from surrogate.milp.solve_interrupts import noting_interrupts

    previous = signal.getsignal(signal.SIGINT)
    before = signal.default_int_handler if handler == "python's" else signal.SIG_DFL
    signal.signal(signal.SIGINT, before)
    try:
        with noting_interrupts() as seen:
            installed = signal.getsignal(signal.SIGINT)
            assert callable(installed) and installed is not before
            try:
                installed(signal.SIGINT, None)
            except BaseException as exc:  # a KeyboardInterrupt let through would end the test session
                raised = exc
            assert type(raised) is KeyboardInterrupt and seen == [raised]
        assert signal.getsignal(signal.SIGINT) == before
    finally:
        signal.signal(signal.SIGINT, previous)
