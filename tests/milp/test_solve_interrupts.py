"""Ctrl-C and SIGTERM during a solver run, noted and raised again (solve_interrupts.py)."""

import threading

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


class _SignalledOnCopy:
    """An attribute of a block whose deep copy runs SIGINT's handler, as a Ctrl-C landing mid-copy does."""

    def __deepcopy__(self, memo):
        import signal

        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        return _SignalledOnCopy()


def test_a_ctrl_c_during_a_models_copy_is_raised_once_the_copy_returns():
    """probe124 #2: Pyomo's deep copy catches every exception of a field (a bare except) and copies it another way, so
    a Ctrl-C (or the CLI's SIGTERM) landing in clone() was lost and the command went on to its end."""
    import signal

    import pyomo.environ as pyo

    from surrogate.milp.solve_interrupts import interruptible_clone

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.b = pyo.Block()
    m.b.note = _SignalledOnCopy()
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert m.clone().x.ub == 1  # Pyomo's own clone: the KeyboardInterrupt is swallowed
        with pytest.raises(KeyboardInterrupt, match="interrupted \\(Ctrl-C\\) while a model was copied"):
            interruptible_clone(m)
        del m.b.note
        assert interruptible_clone(m).x.ub == 1
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_noted_interruption_stops_whatever_the_solver_reported():
    """A signal noted during the run (highspy caught it and returned a solve error, or even 'optimal') stops the run:
    what the handler raised, not the termination the solver gave."""
    from surrogate.milp.solve_interrupts import stop_if_interrupted
    from surrogate.milp.solver_config import Termination

    try:
        stop_if_interrupted([SystemExit(4)], Termination.OPTIMAL, "solve interrupted")
    except BaseException as exc:  # a KeyboardInterrupt let through would end the test session
        raised = exc
    assert type(raised) is SystemExit and raised.code == 4
    with pytest.raises(KeyboardInterrupt, match="solve interrupted"):
        stop_if_interrupted([KeyboardInterrupt()], Termination.ERROR, "solve interrupted")


def test_sigterms_default_action_and_an_ignored_signal_are_left_as_they_are():
    """SIGTERM's default action ends the process (no KeyboardInterrupt to note in its place), and an ignored SIGINT
    (a background job) stays ignored: noting_interrupts wraps neither."""
    import signal

    from surrogate.milp.solve_interrupts import noting_interrupts

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with noting_interrupts() as seen:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert seen == []
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _in_a_worker(function):
    out = []
    worker = threading.Thread(target=lambda: out.append(function()))
    worker.start()
    worker.join()
    return out[0]


@pytest.fixture
def sigint():
    """SIGINT's handler put back after the test."""
    import signal

    previous = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize(
    ("handler", "stops"), [("python's", True), ("SIG_DFL", True), ("the program's", False), ("SIG_IGN", False)]
)
def test_ctrl_c_stops_here_only_in_the_main_thread_under_pythons_own_handler(handler, stops, sigint):
    """Where it does, a solver may catch Ctrl-C and stop; a program's own handler is to be called instead, and a Ctrl-C
    during a solve in a worker thread is the main thread's (probe140)."""
    import signal

    from surrogate.milp.solve_interrupts import ctrl_c_stops_here, noting_interrupts

    handlers = {"python's": signal.default_int_handler, "SIG_DFL": signal.SIG_DFL, "SIG_IGN": signal.SIG_IGN}
    signal.signal(signal.SIGINT, handlers.get(handler, lambda signum, frame: None))
    assert ctrl_c_stops_here() is stops
    with noting_interrupts():  # its wrapper is told apart as the handler it wraps
        assert ctrl_c_stops_here() is stops
    assert _in_a_worker(ctrl_c_stops_here) is False


@pytest.mark.parametrize("where", ["main", "worker"])
def test_scip_catches_ctrl_c_only_where_it_is_pythons_own(where, sigint):
    import signal

    pyscipopt = pytest.importorskip("pyscipopt")
    from surrogate.milp.scip_direct import GilFreeModel

    def caught(handler) -> bool:
        signal.signal(signal.SIGINT, handler)
        model = pyscipopt.Model()
        model.hideOutput()
        model.addVar(ub=1.0, obj=-1.0)
        GilFreeModel(model).optimize() if where == "main" else _in_a_worker(GilFreeModel(model).optimize)
        assert model.getStatus() == "optimal"
        return model.getParam("misc/catchctrlc")

    assert caught(signal.default_int_handler) is (where == "main")
    assert caught(lambda signum, frame: None) is False
    assert caught(signal.SIG_IGN) is False


@pytest.mark.parametrize("where", ["main", "worker"])
def test_a_caught_ctrl_c_is_not_passed_on_where_sigint_is_ignored(where, sigint):
    """Under ``SIG_IGN`` (a background job) a solver that caught SIGINT stopped all the same: the run has no answer,
    and the caller raises (``False``); it was sent on, to nobody, and the interrupted result kept (probe144 #1)."""
    import signal

    from surrogate.milp.solve_interrupts import pass_on_ctrl_c

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    assert (pass_on_ctrl_c() if where == "main" else _in_a_worker(pass_on_ctrl_c)) is False


def test_ctrl_c_stops_here_inside_asyncio_run(sigint):
    """asyncio.run's runner puts its own SIGINT handler in place of Python's, to deliver a KeyboardInterrupt: a
    solver may catch Ctrl-C there as under Python's (probe144 #2)."""
    import asyncio
    import signal

    from surrogate.milp.solve_interrupts import ctrl_c_stops_here, noting_interrupts

    async def inside():
        with noting_interrupts():
            return signal.getsignal(signal.SIGINT) is not signal.default_int_handler, ctrl_c_stops_here()

    signal.signal(signal.SIGINT, signal.default_int_handler)
    assert asyncio.run(inside()) == (True, True)
