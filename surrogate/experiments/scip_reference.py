"""The exact model solved by SCIP: the reference time and optimum of a problem run (optional, ``pyscipopt``)."""

from __future__ import annotations

import math
import time

from ..milp.model_components import check_components
from ..milp.solver_config import Termination


def scip_available() -> bool:
    """Whether Pyomo can run SCIP here (``pyscipopt`` installed and working)."""
    try:
        from pyomo.contrib.solver.common.factory import SolverFactory

        return bool(SolverFactory("scip_direct").available())
    except Exception:  # an optional dependency: any import or licence failure means "not available"
        return False


#: SCIP's default ``numerics/infinity``: an objective this large is an infinite one.
SCIP_INFINITY = 1e20
#: Relative gap of SCIP's exact solves (the reference of ``surrogate problems`` and the scale suite's exact optima).
EXACT_REL_GAP = 1e-6


#: The termination recorded for a reference solve that did not run: pyscipopt is not installed.
SCIP_MISSING = "scip-not-installed"


def solve_exact_with_scip(model, time_limit: float) -> tuple[float, float, str]:
    """(objective, seconds, termination) of SCIP on the exact model; NaNs if SCIP is missing.

    A model with a component SCIP would leave out is refused
    (:func:`~surrogate.milp.model_components.check_components`). Ctrl-C (or SIGTERM) during the solve raises
    ``KeyboardInterrupt`` (the CLI's ``Terminated``), though SCIP catches Ctrl-C and returns: an interrupted
    objective is never returned as a reference.
    """
    check_components(model, solver="scip")
    if not scip_available():
        return math.nan, math.nan, SCIP_MISSING
    from ..milp.fd_capture import capture_output
    from ..milp.highs_run import solver_runs
    from ..milp.scip_direct import make_scip_direct
    from ..milp.solve_interrupts import interruptible_clone, noting_interrupts, stop_if_interrupted

    start = time.perf_counter()
    result = None
    with solver_runs(), noting_interrupts() as interrupts:  # one solver run at a time in a process
        try:
            with capture_output(capture_fd=True):
                result = make_scip_direct().solve(
                    interruptible_clone(model),
                    time_limit=time_limit,
                    rel_gap=EXACT_REL_GAP,
                    load_solutions=False,
                    raise_exception_on_nonoptimal_result=False,
                )
        except RuntimeError as error:  # Ctrl-C while Pyomo's capture closes comes out as its RuntimeError
            if "KeyboardInterrupt" not in str(error) and not interrupts:
                raise
    seconds = time.perf_counter() - start
    termination = Termination.INTERRUPTED if result is None else Termination.of(result.termination_condition)
    # SCIP catches Ctrl-C itself and returns its incumbent so far: stop, never keep that as a reference
    stop_if_interrupted(interrupts, termination, "SCIP was interrupted (Ctrl-C)")
    objective = math.nan if result.incumbent_objective is None else float(result.incumbent_objective)
    if abs(objective) >= SCIP_INFINITY:  # SCIP's infinity, as an unbounded model's incumbent: not a value
        objective = math.copysign(math.inf, objective)
    return objective, seconds, termination
