"""Solving MILPs through Pyomo's ``contrib.solver`` interfaces: HiGHS (default), SCIP or Gurobi.

Timing settings are always explicit (:class:`SolverConfig`), and a time-limit hit, or a licence's refusal of a
model, is recorded in the returned :class:`SolveResult`, never raised. What differs between the
solvers lives in :mod:`surrogate.milp.solver_backends`; the checks before and
after a solve in :mod:`surrogate.milp.solve_checks`.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from functools import partial

import pyomo.environ as pyo

from ..errors import ModelFormatError, NumericsWarning, warn_caller
from ..options import check_flags
from .backend_run import RunFailure
from .highs_run import solver_runs
from .model_components import active_objective, check_components, check_constructed, check_one_objective, first_names
from .model_size import model_size
from .net_drift import check_constant_inputs, drift_warnings
from .presolve_check import confirm_bound, confirm_infeasible, kept_values, needs_confirming, presolve_choice
from .rewrite_refresh import refresh_rewrites
from .signal_watch import noting_halts
from .solution_check import TRUST_TOL, constant_model, untrusted, worst_violation
from .solve_arguments import check_arguments
from .solve_checks import (  # noqa: F401 (re-exported: this module's API before they moved)
    COEFFICIENT_LIMIT,
    COEFFICIENT_RANGE_LIMIT,
    DOMAIN_FIX,
    LOG_WARNING_LINE,
    CoefficientScale,
    check_domains,
    check_fixed_values,
    check_linear,
    check_options,
    check_solver,
    coefficient_warnings,
    log_warnings,
)
from .solve_interrupts import noting_interrupts, pass_on_ctrl_c, raise_noted
from .solve_result import SolveResult, relative_gap  # noqa: F401 (re-exported: this module's API before they moved)
from .solver_backends import Backend, FirstSolution, available_solvers, backend_for  # noqa: F401 (re-exported)
from .solver_config import NO_SOLUTION, SOLVERS, SolverConfig, Termination, bound_by_termination  # noqa: F401 (re-exported)
from .solver_options import options_failure
from .start_point import kept_start
from .start_values import start_value
from .unbounded_check import check_answer, checks_answers
from .unseen_values import complete_point, replaced_variables, without_a_value


def make_solver(config: SolverConfig, *, fixed_as_bounds: bool = False):
    """A ``contrib.solver`` instance of ``config.solver``, or a :class:`SolverUnavailableError` naming what to install.

    With ``fixed_as_bounds=True`` a fixed variable stays a column with equal
    bounds instead of a constant substituted into its constraints, so fixing
    and unfixing many variables between solves (a local search) updates
    column bounds rather than rebuilding every constraint that uses them
    (HiGHS only; SCIP and Gurobi ignore it).
    """
    check_flags("make_solver", fixed_as_bounds=fixed_as_bounds)
    return backend_for(config.solver).make(fixed_as_bounds=fixed_as_bounds)


def _nan(value) -> float:
    return float("nan") if value is None else float(value)


def _has_free_discrete(model) -> bool:
    return any(v.is_integer() and not v.fixed for v in model.component_data_objects(pyo.Var, active=True))


def _run(solver, model, config: SolverConfig, already: float, options: dict):
    """``solver.solve`` without loading a solution, with ``config``'s settings and a backend's ``options``."""
    return solver.solve(
        model,
        time_limit=config.time_limit + (0.0 if _has_free_discrete(model) else already),
        rel_gap=config.rel_gap,
        threads=config.threads,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        **options,
    )


def _attempt(
    backend: Backend, solver, model, config: SolverConfig, *, warm_start: bool, first: FirstSolution, node_limit: int | None
):
    """Prepare and run one solve: ``(results, already, notes)``, or a licence's refusal as a message.

    A nonlinear model raises :class:`NonlinearModelError` (Pyomo's HiGHS interface refuses it while loading it).
    """
    from pyomo.contrib.solver.common.util import IncompatibleModelError

    try:
        backend.before_run(config.threads)
        prepared = backend.prepare(solver, model, warm_start=warm_start, first=first)
        try:
            already = backend.already(solver, model)
            options = {**prepared.options, **backend.solver_options(solver, config.options, node_limit)}
            return _run(solver, model, config, already, options), already, prepared.notes
        finally:
            prepared.stop()
    except IncompatibleModelError:
        check_linear(model)
        raise
    except Exception as error:
        refusal = backend.licence_problem(error)
        if refusal is None:
            failed = options_failure(backend.name, backend.package, getattr(solver, "_solver_model", None), config.options, error)
            if failed is not None:  # the solver's own error under the user's options: theirs to fix
                raise failed from error
            if isinstance(error, ValueError) and "domain" in str(error):  # Pyomo's writer: a domain check_domains missed
                raise ModelFormatError(f"{error}; {DOMAIN_FIX}") from error
            broke = backend.numerical_failure(error)
            if broke is None:
                raise
            return RunFailure(broke)  # the solver's own numerical failure: the result records error
        return refusal


def _minimises(model) -> bool:
    """Whether ``model``'s active objective is minimised (``True`` without one)."""
    objective = active_objective(model)
    return objective is None or objective.sense == pyo.minimize


def _objective_now(model) -> tuple[float, bool]:
    """The active objective's value at the variables' current values, and whether it is minimised.

    The value is ``nan`` if unset, or if the point is no solution a solver could take as it is (a row
    or bound broken by more than :data:`~surrogate.milp.solution_check.TRUST_TOL`, a fractional integer, a value
    that is NaN, infinite or not a number: :func:`~surrogate.milp.start_values.start_value`).
    """
    objective = active_objective(model)
    if objective is None:
        return math.nan, True
    minimise, variables = objective.sense == pyo.minimize, list(model.component_data_objects(pyo.Var, active=True))
    starts = [(v, start_value(v)) for v in variables]  # floats: a binary may hold numpy.bool_ or Decimal
    if any(v.value is not None and s is None for v, s in starts):  # NaN, inf or text: no point to take
        return math.nan, minimise
    value = _nan(pyo.value(objective, exception=False))
    fractional = any(v.is_integer() and s is not None and abs(s - round(s)) > 1e-6 for v, s in starts)
    if math.isnan(value) or fractional or worst_violation(model)[0] > TRUST_TOL:
        return math.nan, minimise
    return value, minimise


def _first_solution_time(first: FirstSolution, result: SolveResult, *, discrete: bool, start: tuple[float, bool]) -> float:
    """:attr:`SolveResult.first_solution_time` from what the solver reported (see there)."""
    if not result.has_solution:
        return math.nan
    if not discrete:
        return result.wall_time  # an LP's one solution comes at its end
    value, minimise = start
    tol = 1e-6 * max(1.0, abs(value)) if not math.isnan(value) else math.nan
    # the solver's first incumbent at least as good as the start handed in: the start, taken
    taken = not first.start_refused and not math.isnan(first.objective)  # refused: HiGHS's log shows it
    if taken and (first.objective <= value + tol if minimise else first.objective >= value - tol):
        return 0.0
    return min(first.seconds, result.wall_time)


def _read_back(
    backend: Backend,
    solver,
    model,
    results,
    first: FirstSolution,
    *,
    already,
    elapsed,
    log,
    notes,
    scale,
    check: bool,
    replaced: list,
) -> SolveResult:
    """The :class:`SolveResult` of Pyomo's ``results``, its incumbent loaded into ``model``.

    ``already`` is the solver clock's time before the run, ``elapsed`` the
    run's wall-clock seconds (used when the solver reports none), ``log``
    the solver's output (its warning lines are kept), ``notes`` this package's own warnings,
    ``scale`` the model's :class:`~surrogate.milp.solve_checks.CoefficientScale` (warned if badly scaled; ``None``: unchecked).
    With ``check``, an incumbent that does not satisfy ``model`` (:func:`~surrogate.milp.solution_check.untrusted`)
    gives termination ``error`` with no objective or bound, a warning saying why, and a ``RuntimeWarning``.
    """
    termination = Termination.of(results.termination_condition)
    if termination == Termination.ERROR:
        check_linear(model)
    objective = math.nan if termination in NO_SOLUTION else _nan(results.incumbent_objective)
    timing, nodes = backend.read(solver, results, first)
    termination, objective, bound = constant_model(model, termination, objective, _nan(results.objective_bound))
    bound = bound_by_termination(termination, bound, minimise=_minimises(model))  # one side for every solver
    checked = scale.warnings() if scale is not None else []
    refusal = None
    if not math.isnan(objective) and results.incumbent_objective is not None:  # (a constant model: nothing to load)
        results.solution_loader.load_vars()
        complete_point(replaced)  # one a replaced row reads with coefficient 0 only: a value
        refusal = untrusted(model, backend.name, objective, extra=scale.variables if scale else ()) if check else None
        if refusal is not None:  # never a silent wrong answer: no objective, no bound, and say why
            warn_caller(refusal, RuntimeWarning)
            termination, objective, bound, checked = Termination.ERROR, math.nan, math.nan, [*checked, refusal]
        for drift in drift_warnings(model) if check and refusal is None else ():  # a net's output strayed from the net
            warn_caller(drift, NumericsWarning)
            checked.append(drift)
    return SolveResult(
        termination=termination,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        wall_time=float(timing) - already if timing is not None else elapsed,
        nodes=int(nodes) if nodes is not None and nodes >= 0 else 0,
        size=model_size(model),
        warnings=tuple(log_warnings(log) + checked + notes),
        reason=refusal or "",
    )


def _infeasible(model, empty: list) -> SolveResult:
    """The result of a solve of ``model``, whose variables ``empty`` (read by its rows) have bounds that hold no value."""
    var = empty[0]
    message = (
        f"variables {first_names(repr(v.name) for v in empty)} have bounds that hold no value ({var.name!r}: bounds "
        f"{var.bounds}, domain {var.domain}), so the model has no point: infeasible, without a solve; fix their bounds"
    )
    bound = bound_by_termination(Termination.INFEASIBLE, math.nan, minimise=_minimises(model))
    size = model_size(model)
    return SolveResult(Termination.INFEASIBLE, math.nan, bound, math.nan, 0.0, 0, size, (message,), reason=message)


def _refused(model, message: str, seconds: float) -> SolveResult:
    """The result of a solve whose model a licence refused, or (a :class:`RunFailure`) on which the solver failed
    numerically: termination ``licensingProblems`` or ``error`` (warned, not raised)."""
    warn_caller(message, RuntimeWarning)
    nan, size = math.nan, model_size(model)
    ended = Termination.ERROR if isinstance(message, RunFailure) else Termination.LICENSING_PROBLEMS
    return SolveResult(ended, nan, nan, nan, seconds, 0, size, (str(message),), reason=str(message))


def solve(
    model,
    config: SolverConfig = SolverConfig(),
    *,
    solver=None,
    warm_start: bool = False,
    node_limit: int | None = None,
    check: bool = True,
) -> SolveResult:
    """Solve ``model`` and load its incumbent, if any; without one (``result.has_solution`` false) nothing is loaded:
    the variables keep their values, e.g. an earlier solve's point. Solves from threads run one after another (:func:`~surrogate.milp.highs_run.solver_runs`; for
    parallel solves use processes, :class:`~surrogate.executors.ExecutorConfig`).

    Parameters
    ----------
    model
        A Pyomo model with one active objective.
    config
        Solver, time limit, gap and threads (all passed explicitly); :class:`SolverConfig` says when HiGHS's presolve is off.
    solver
        A solver object from :func:`make_solver` (of ``config.solver``) to reuse (HiGHS re-solves a changed model faster).
    warm_start
        Pass the variables' values to the solver as its first incumbent (SCIP and Gurobi take the integers' and complete
        them), kept as such if feasible where it stops at a limit before it takes them (:mod:`~surrogate.milp.start_point`).
    node_limit
        Branch-and-bound nodes before the solver stops (``None``, or one beyond the solver's option, e.g. 2**31 - 1
        for HiGHS: no limit); the result then records ``iterationLimit``. Work, not seconds: a single-threaded solve
        stopped by it ends the same way on a loaded machine (not in :class:`SolverConfig`, which keys cached results).
    check
        Check the loaded incumbent against ``model`` (the default): one that breaks a row or bound by more than
        :data:`~surrogate.milp.solution_check.TRUST_TOL` (relative) gives termination ``error``, no objective or
        bound, and a warning saying why; an encoded net whose output there strays from the net gives a
        :class:`~surrogate.errors.NumericsWarning` (:mod:`~surrogate.milp.net_drift`). ``False`` only where a solve's
        bound is used, or its point is a step that a checked solve follows (bound tightening, the warm start's LPs).

    Returns
    -------
    SolveResult
        Termination, objective, bound, gap, timing, nodes, model size and warnings.

    Raises
    ------
    ConfigError
        If ``model`` is no Pyomo model, ``solver`` is not one of ``config.solver``, ``node_limit`` is not a positive
        integer or ``None``, ``warm_start`` or ``check`` is not a bool, or the solver refuses an option of
        ``config.options`` (also one that makes the run fail, such as Gurobi's ``LogFile`` in a missing folder).
    NonlinearModelError
        If the model has a term of degree above 1, or one that is not polynomial.
    ModelFormatError
        If a coefficient is one the solver cannot take, the replacement block no longer stands for the model, or (checked)
        an ``add_surrogate`` input that is constant (a mutable Param) lies outside its net's box beyond the solver's tolerance.
    UnsupportedComponentError
        If the model holds a component the solve would leave out (an untransformed ``Disjunction``, ``LogicalConstraint``,
        ``Arc`` or ``DerivativeVar``; SOS for HiGHS; the message names the transformation), or not one active objective.
    SolverUnavailableError
        If ``config.solver`` is not installed here (the message names the pip extra).
    """
    check_arguments(model, config, solver, node_limit=node_limit, warm_start=warm_start, check=check)
    return _solve_chosen(model, config, solver, warm_start=warm_start, node_limit=node_limit, check=check)


@solver_runs()  # one run at a time in a process (Pyomo's output capture is process-wide)
def _solve_chosen(model, config: SolverConfig, solver, *, warm_start: bool, node_limit, check: bool) -> SolveResult:
    """:func:`solve` after its argument checks: presolve chosen (:func:`presolve_choice`), the run, its confirmation."""
    check_constructed(model)
    check_fixed_values(model)  # (before any bound is read: one given as text is named)
    chosen, note = presolve_choice(model, config)  # HiGHS without presolve on a model with integers of its own
    before = kept_values(model) if check and checks_answers(model, config) else None  # SCIP's answers HiGHS checks
    result = _solve_checked(model, chosen, solver, warm_start=warm_start, node_limit=node_limit, check=check)
    off = chosen is not config
    result = _confirmed(model, config, solver, result, warm_start=warm_start, node_limit=node_limit, off=off) if check else result
    if before is not None:  # an optimum or infeasibility on a model that may be unbounded: HiGHS checks it
        highs = partial(_solve_checked, model, solver=None, warm_start=False, node_limit=None, check=False)
        result = check_answer(model, config, result, highs, restore=before)
    if warm_start and check:  # a solver stopped at a limit before it took the start: the start's point, checked
        result = kept_start(model, result, solver=config.solver)
    return replace(result, warnings=(*result.warnings, note)) if note else result


def _confirmed(
    model, config: SolverConfig, solver, result: SolveResult, *, warm_start: bool, node_limit, off: bool
) -> SolveResult:
    """``result``, or where presolve called the model infeasible (or a solver's "unbounded" proves no point), that answer
    confirmed without presolve and told apart by a feasibility solve (:mod:`~surrogate.milp.presolve_check`; ``off``:
    ``result`` came without presolve already, :func:`presolve_choice`)."""
    if result.termination == Termination.INFEASIBLE and result.reason:  # no point, without a solve: nothing to confirm
        return result
    again = partial(_solve_checked, model, solver=solver, warm_start=warm_start, node_limit=node_limit, check=True)
    if not needs_confirming(result, config):  # a bound HiGHS gave without a point, or past excessively small costs
        return confirm_bound(model, config, result, again, presolve_off=off)
    return confirm_infeasible(model, config, result, again, presolve_off=off)


def _solve_checked(model, config: SolverConfig, solver, *, warm_start: bool, node_limit: int | None, check: bool) -> SolveResult:
    """:func:`solve` once its options are checked: the run, its output kept out of the caller's, and the result read back."""
    from .fd_capture import capture_output

    backend = backend_for(config.solver)
    check_constructed(model)
    refresh_rewrites(model)  # a replacement block that no longer stands for the model is brought up to date, or refused
    if check:  # a Param given as a net's input, set outside its box since: named, not 'infeasible' (searches fix points)
        check_constant_inputs(model, solver=backend.name, options=config.options)
    check_one_objective(model)
    check_components(model, solver=backend.name, sos=backend.accepts_sos)
    # SCIP and Gurobi would solve a nonlinear model, and HiGHS a quadratic objective: refuse both
    check_linear(model, constraints=backend.accepts_nonlinear)
    scale = CoefficientScale.of(model) if check else None  # unchecked: a step of a search, run many times
    check_domains(model, extra=scale.variables if scale else ())
    if scale is not None:
        scale.check_limits(backend.name, backend.label)
    check_options(config)
    replaced = replaced_variables(model)  # read by replaced rows, maybe with coefficient 0 only: no solver sees them
    empty = without_a_value(model, replaced=replaced)  # the model has no point
    if empty:
        check_linear(model)  # a nonlinear row (HiGHS refuses it as it loads the model) is refused all the same
        return _infeasible(model, empty)
    solver = solver or make_solver(config)
    first, begin = FirstSolution(), _objective_now(model) if warm_start else (math.nan, True)
    start = time.perf_counter()
    # A solver writes to the process's stdout (e.g. HiGHS's warnings while a persistent model is
    # updated, outside Pyomo's own capture); keep it out of the caller's output, and read its warnings.
    try:
        with noting_interrupts() as interrupts, noting_halts() as halts, capture_output(capture_fd=True) as captured:
            attempt = _attempt(backend, solver, model, config, warm_start=warm_start, first=first, node_limit=node_limit)
    except RuntimeError as error:  # Ctrl-C while Pyomo's capture closes comes out as its RuntimeError
        if "KeyboardInterrupt" in str(error) or interrupts:
            raise_noted(interrupts, f"{backend.name} was interrupted (Ctrl-C)")
        raise
    elapsed = time.perf_counter() - start
    if isinstance(attempt, str):
        return _refused(model, attempt, elapsed)
    results, already, notes = attempt
    # the solver caught Ctrl-C (or SIGTERM) and returned: stop, or pass it on to a handler of the program's own (not
    # where a stops_solves handler halted it: Python calls that one; if it returned, so does the interrupted result)
    if interrupts or (backend.interrupted(results) and not halts and not pass_on_ctrl_c()):
        raise_noted(interrupts, f"{backend.name} was interrupted (Ctrl-C)")
    log = captured.getvalue() + "\n" + (getattr(results, "solver_log", None) or "")
    result = _read_back(
        backend,
        solver,
        model,
        results,
        first,
        already=already,
        elapsed=elapsed,
        log=log,
        notes=notes,
        scale=scale,
        check=check,
        replaced=replaced,
    )
    seconds = _first_solution_time(first, result, discrete=_has_free_discrete(model), start=begin)
    return replace(result, first_solution_time=seconds)
