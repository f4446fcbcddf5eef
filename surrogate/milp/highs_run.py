"""What a HiGHS run needs that Pyomo's ``contrib.solver`` interface does not do for it.

:func:`pass_highs_start` hands a MIP start to HiGHS (the interface has no
warm-start option), :func:`set_highs_options` sets a solve's options and reads
HiGHS's answer back, and :func:`use_highs_threads` keeps HiGHS's process-wide
scheduler at the thread count a run asks for. Every HiGHS run of this package
(:class:`~surrogate.milp.solver_backends.HighsBackend`, :mod:`surrogate.milp.local_nlp`)
goes through them.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, SolverUnavailableError

_highs_scheduler: list[int] = []  # the thread count HiGHS's scheduler was last started with here (empty: not yet)
_banner_shown: list[bool] = []  # whether a Highs object was made in this process (its banner printed, or kept out)


def use_highs_threads(threads: int) -> None:
    """Restart HiGHS's process-wide scheduler when ``threads`` differs from the count it was started with.

    HiGHS starts one scheduler per process at its first run and keeps its
    thread count: a later run asking for another count logs "the scheduler has
    already been initialized" and ends with status unknown (measured with highspy
    1.15), so a warm start at 1 thread made every 2-thread solve after it fail.
    Every HiGHS run of this package calls this first.
    """
    import highspy

    if _highs_scheduler != [threads] and hasattr(highspy.Highs, "resetGlobalScheduler"):
        highspy.Highs.resetGlobalScheduler(True)
    _highs_scheduler[:] = [threads]


def quiet_highs():
    """A ``highspy.Highs`` with its output off. The first one of a process prints HiGHS's banner from C++
    (kept out of the caller's output here); later ones print nothing."""
    import highspy

    if not _banner_shown:
        from pyomo.common.tee import capture_output

        with capture_output(capture_fd=True):
            highs = highspy.Highs()
        _banner_shown.append(True)
    else:
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


def set_highs_options(highs, options: dict) -> None:
    """Set ``options`` on ``highs`` (a ``highspy.Highs``; nothing when ``None``), or raise :class:`ConfigError`
    naming the first one HiGHS refuses.

    Pyomo's interface sets a run's options without reading HiGHS's status back: a value HiGHS refused
    (``mip_max_nodes`` of 2**31, beyond its 32-bit integer) was dropped, and a reused solver ran on
    with the value an earlier solve had set.
    """
    import highspy

    for name, value in options.items():
        if highs is not None and highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise ConfigError(
                f"HiGHS refuses the option {name}={value!r} (nothing was solved); give a value of its type and range "
                "(https://ergo-code.github.io/HiGHS/stable/options/definitions/)"
            )


def pass_highs_start(solver, model) -> None:
    """Hand the current values of ``model``'s variables to HiGHS as a MIP start (``Highs.setSolution``).

    Pyomo's ``contrib.solver`` HiGHS interface has no warm-start option, so
    this loads the model into the persistent interface and calls highspy on
    the column map it keeps; values are clipped into their bounds.
    """
    import pyomo.environ as pyo

    solver.set_instance(model)
    highs, columns = getattr(solver, "_solver_model", None), getattr(solver, "_pyomo_var_to_solver_var_map", None)
    if highs is None or columns is None or not hasattr(highs, "setSolution"):
        raise SolverUnavailableError(
            "warm_start=True needs Pyomo's contrib.solver HiGHS interface (pyomo>=6.9 with highspy>=1.7); "
            "upgrade them or solve with warm_start=False"
        )
    index, value = [], []
    for var in model.component_data_objects(pyo.Var, active=True):
        if id(var) in columns and var.value is not None:
            lo, hi = var.bounds
            index.append(columns[id(var)])
            value.append(min(max(float(var.value), -math.inf if lo is None else lo), math.inf if hi is None else hi))
    highs.setSolution(len(index), np.asarray(index, dtype=np.int32), np.asarray(value, dtype=np.float64))
