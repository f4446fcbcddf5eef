"""What a HiGHS run needs that Pyomo's ``contrib.solver`` interface does not do for it.

:func:`pass_highs_start` hands a MIP start to HiGHS (the interface has no
warm-start option), :func:`set_highs_options` sets a solve's options and reads
HiGHS's answer back, and :func:`use_highs_threads` keeps HiGHS's process-wide
scheduler at the thread count a run asks for. Every HiGHS run of this package
(:class:`~surrogate.milp.solver_backends.HighsBackend`, :mod:`surrogate.milp.local_nlp`)
goes through them.

:func:`solver_runs` holds :data:`SOLVER_LOCK`, which every solver run of this package (HiGHS, SCIP or Gurobi)
holds, so runs from several threads of one process go one after another: Pyomo keeps a solver's output out of the
caller's by redirecting the process's file descriptors, which two threads at once deadlock (Pyomo issues
#3456 and #3908), and HiGHS's scheduler is process-wide too. A run at a thread count the user never chose (an
``internal`` hold: OBBT, the implied-bound LPs, the warm start's search, all at 1 thread) leaves the scheduler
started at that count; when the outermost hold ends, it is then shut down, as a fresh process has it, so a later
HiGHS run of the user's own starts it again with the thread count it asks for. A run at the user's own count
(``SolverConfig.threads``) leaves it started, as a plain highspy run at that count does: shutting it down after
every solve made each small re-solve at 4 threads pay ~10 ms for the restart (3-5x slower). A process forked while
a thread holds the lock gets a fresh one; one forked after a HiGHS run on worker threads refuses HiGHS (they are
not in the child; its runs hung).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from ..errors import ConfigError, SolverUnavailableError
from .model_components import seen_variables
from .start_values import start_value

_highs_scheduler: list[int] = []  # the thread count HiGHS's scheduler was last started with here (empty: not yet)
_internal: list[None] = []  # the internal holds now open (their runs' thread count is not the user's)
_unchosen: list[bool] = []  # [True] while the scheduler runs at a count an internal run started it with
_forked_scheduler: list[int] = []  # in a forked child: the parent's scheduler's thread count (its workers are gone)
_banner_shown: list[bool] = []  # whether a Highs object was made in this process (its banner printed, or kept out)

#: The lock every solver run of this package holds (re-entrant: a search's solves run under its own hold).
SOLVER_LOCK = threading.RLock()
_holds: list[None] = []  # the holds of SOLVER_LOCK now open (changed only under it)


def _fresh_after_fork() -> None:
    """Give a forked child its own :data:`SOLVER_LOCK`, with no hold open: one a thread of the parent held while
    it forked (the child does not have that thread) was held forever there, and every solve of the child waited."""
    global SOLVER_LOCK
    SOLVER_LOCK = threading.RLock()
    _holds.clear()
    _internal.clear()
    if _highs_scheduler not in ([], [1]):  # HiGHS's worker threads are the parent's: the child's runs would hang
        _forked_scheduler[:] = _highs_scheduler


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_after_fork)


@contextmanager
def solver_runs(*, internal: bool = False) -> Iterator[None]:
    """Hold :data:`SOLVER_LOCK` for a block that runs solvers (also a decorator); see the module docstring.

    Threads are serialised: a solve from another thread waits for the one running, so each returns what
    it would alone. For solves in parallel use processes (:class:`~surrogate.executors.ExecutorConfig`,
    ``concurrent.futures.ProcessPoolExecutor``). ``internal``: the block's runs use a thread count the user
    did not choose; when the outermost hold ends, HiGHS's scheduler is shut down if such a run left it
    started (:func:`release_highs_scheduler`).
    """
    with SOLVER_LOCK:
        _holds.append(None)
        if internal:
            _internal.append(None)
        try:
            yield
        finally:
            if internal:
                _internal.pop()
            _holds.pop()
            if not _holds:
                release_highs_scheduler()


def release_highs_scheduler() -> None:
    """Shut down HiGHS's process-wide scheduler if an internal run of this package (``solver_runs(internal=True)``)
    started it at a thread count the user never chose, so that the process is left as a fresh one has it (the next
    HiGHS run, the user's own too, starts it with its own thread count). One started at the user's count is kept.

    Called when :func:`solver_runs`' outermost hold ends (with the lock held: no run of this package is going on).
    """
    if _highs_scheduler and _unchosen:
        import highspy

        if hasattr(highspy.Highs, "resetGlobalScheduler"):
            highspy.Highs.resetGlobalScheduler(True)
        _highs_scheduler.clear()
        _unchosen.clear()


def use_highs_threads(threads: int) -> None:
    """Restart HiGHS's process-wide scheduler when ``threads`` differs from the count it was started with.

    HiGHS starts one scheduler per process at its first run and keeps its
    thread count: a later run asking for another count logs "the scheduler has
    already been initialized" and ends with status unknown (measured with highspy
    1.15), so a warm start at 1 thread made every 2-thread solve after it fail.
    Every HiGHS run of this package calls this first, under :func:`solver_runs`; a run under an
    internal hold marks the scheduler's count as not the user's, and the outermost hold's end shuts it down.
    """
    import highspy

    if _forked_scheduler:
        raise SolverUnavailableError(
            f"HiGHS cannot run in this process: it was forked from one whose HiGHS scheduler ran "
            f"{_forked_scheduler[0]} threads, which a forked process does not have (its runs would hang); start worker "
            "processes with the 'spawn' method (multiprocessing.get_context('spawn')), or fork before the first HiGHS solve"
        )
    if _highs_scheduler != [threads] and hasattr(highspy.Highs, "resetGlobalScheduler"):
        highspy.Highs.resetGlobalScheduler(True)
    _highs_scheduler[:] = [threads]
    _unchosen[:] = [True] if _internal else []  # a run at the user's own count keeps it started


def quiet_highs():
    """A ``highspy.Highs`` with its output off. The first one of a process prints HiGHS's banner from C++
    (kept out of the caller's output here); later ones print nothing."""
    import highspy

    if not _banner_shown:
        from .fd_capture import capture_output

        with solver_runs(), capture_output(capture_fd=True):  # (fd capture: one thread at a time)
            highs = highspy.Highs()
        _banner_shown.append(True)
    else:
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


def highs_refusal(highs, name: str, value) -> str | None:
    """Set option ``name`` to ``value`` on ``highs`` (a ``highspy.Highs``); why HiGHS refuses it, or ``None``."""
    import highspy

    if highs.getOptionType(name)[0] != highspy.HighsStatus.kOk:
        return f"HiGHS has no option {name!r}"
    if highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
        return f"HiGHS refuses {name}={value!r}"
    return None


def set_highs_options(highs, options: dict) -> None:
    """Set ``options`` on ``highs`` (a ``highspy.Highs``; nothing when ``None``), or raise :class:`ConfigError`
    naming the first one HiGHS refuses.

    Pyomo's interface sets a run's options without reading HiGHS's status back: a value HiGHS refused
    (``mip_max_nodes`` of 2**31, beyond its 32-bit integer) was dropped, and a reused solver ran on
    with the value an earlier solve had set.
    """
    for name, value in options.items():
        if highs is not None and highs_refusal(highs, name, value) is not None:
            raise ConfigError(
                f"HiGHS refuses the option {name}={value!r} (nothing was solved); give a value of its type and range "
                "(https://ergo-code.github.io/HiGHS/stable/options/definitions/)"
            )


def pass_highs_start(solver, model) -> dict:
    """Hand the current values of ``model``'s variables to HiGHS as a MIP start (``Highs.setSolution``).

    Pyomo's ``contrib.solver`` HiGHS interface has no warm-start option, so
    this loads the model into the persistent interface and calls highspy on
    the column map it keeps; values are clipped into their bounds.

    Returns
    -------
    dict
        The keyword options the next ``solver.solve`` must get for the start to
        reach HiGHS: every ``auto_updates`` check off. The model was loaded just
        now, so there is nothing to update, but Pyomo's update re-reads every
        mutable Param and fixed variable anyway (``changeRowBounds``,
        ``changeCoeff``, ``changeColCost``), and HiGHS drops a start on any change
        to its model (measured with highspy 1.16: a row holding a mutable Param
        lost the start).
    """
    solver.set_instance(model)
    highs, columns = getattr(solver, "_solver_model", None), getattr(solver, "_pyomo_var_to_solver_var_map", None)
    if highs is None or columns is None or not hasattr(highs, "setSolution"):
        raise SolverUnavailableError(
            "warm_start=True needs Pyomo's contrib.solver HiGHS interface (pyomo>=6.9 with highspy>=1.7); "
            "upgrade them or solve with warm_start=False"
        )
    index, value = [], []
    for var in handed_variables(solver, model):
        if (given := start_value(var)) is not None:  # a NaN, infinite or text value skipped, as an unset one
            lo, hi = var.bounds
            index.append(columns[id(var)])
            value.append(min(max(given, -math.inf if lo is None else lo), math.inf if hi is None else hi))
    highs.setSolution(len(index), np.asarray(index, dtype=np.int32), np.asarray(value, dtype=np.float64))
    return {"auto_updates": dict.fromkeys(solver.config.auto_updates, False)}


#: The lines of HiGHS's log about a MIP start (highspy 1.16): it was assessed, completed by an LP or a sub-MIP (a partial
#: start: "... by solving LP for user-supplied values ..." or "... by solving MIP for user-supplied values of 15 / 30
#: ..."), and taken ("Assessing ...: feasible" or "MIP start solution is feasible").
START_ASSESSED, START_COMPLETED = "Assessing feasibility of MIP solution", "for user-supplied values"
START_TAKEN = "MIP start solution is feasible"


def highs_start_note(log: str | None, variables) -> str | None:
    """Why HiGHS did not take the start :func:`pass_highs_start` handed it, read from the run's ``log``; ``None`` if it took it.

    Only a MIP assesses a start: one of ``variables`` (those HiGHS was given, i.e. of the active rows and
    objective) a free integer. An LP has none to take, and an unread log says nothing. A start HiGHS never
    assessed, found infeasible to its tolerances, or could not complete, gets a note: the run's first
    incumbent is then HiGHS's own, even when it is as good as the start.
    """
    if not log or not any(v.is_integer() and not v.fixed for v in variables):
        return None
    assessed = [line.strip() for line in log.splitlines() if START_ASSESSED in line]
    if START_TAKEN in log or any(line.endswith(": feasible") for line in assessed):
        return None
    if START_COMPLETED in log:
        why = "could not complete it to a feasible point (an LP or a MIP in the variables it gave no value)"
    else:
        why = "found it infeasible to its tolerances" if assessed else "did not assess it (no MIP-start lines in its log)"
    return f"warm start not taken: HiGHS {why}; first_solution_time is its own first incumbent's"


def handed_variables(solver, model) -> list:
    """The variables that the persistent HiGHS ``solver`` holds as columns for ``model``: those of its active rows
    and objective (Pyomo gives HiGHS no other), wherever they are declared (a block solved alone reads the parent's)."""
    columns = getattr(solver, "_pyomo_var_to_solver_var_map", None) or {}
    return [v for v in seen_variables(model) if id(v) in columns]


def watch_highs_start(solver, model, first) -> tuple[list[str], Callable[[], None]]:
    """The run's notes, and what to call once the run after :func:`pass_highs_start` ends.

    The call reads the run's log (Pyomo keeps it in ``solver``'s last results) and, if HiGHS did not
    take the start, adds :func:`highs_start_note`'s note to the notes and sets ``first.start_refused``
    (the run's first incumbent is then HiGHS's own, not the start taken at 0 s).
    """
    notes: list[str] = []
    before = getattr(solver, "_last_results_object", None)

    def check() -> None:
        results = getattr(solver, "_last_results_object", None)
        log = None if results is before else getattr(results, "solver_log", None)
        note = highs_start_note(log, handed_variables(solver, model)) if log else None
        if note is not None:
            notes.append(note)
            first.start_refused = True

    return notes, check
