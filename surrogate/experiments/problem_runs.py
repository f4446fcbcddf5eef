"""Solve bilinear problems with NN surrogates and place each answer between a bound and the optimum.

For one problem, surrogate and formulation, :func:`run_problem`:

1. rewrites a copy of the exact model with :func:`~surrogate.milp.bilinear.replace_products` (the
   tightening stage: net bounds, pruning and, where offered, bounds implied by the constraints) and
   solves the MILP with HiGHS (``pruned`` encodings first get a warm start from
   :func:`~surrogate.milp.warmstart.activation_start`, timed within the same limit);
2. solves the McCormick relaxation (a valid bound) with HiGHS;
3. polishes the MILP's point on the exact model (:func:`~surrogate.milp.polish.polish`), or the
   relaxation's point when the MILP found none in its time limit (``polish_start`` says which);
4. solves the exact model with SCIP when pyscipopt is installed (the reference time).

Steps 1-3 share one time budget (:attr:`ProblemRunConfig.budget`; ``surrogate problems`` uses
:data:`BUDGET_FACTOR` times the MILP time limit unless ``--budget`` says otherwise): each stage gets what is left of it, the MILP at
most its own time limit and what is left less a reserve (:data:`RESERVE_FRACTION` of the budget) for
the later stages and the solver's untimed overheads, and a stage with nothing left is skipped. The row records the seconds of
each stage (``tighten_s``, ``start_milp_s``, ``relax_s``, ``polish_s``, ``total_s``, all from
:func:`time.perf_counter`) and ``over_budget`` when ``total_s`` exceeds the budget by more than
:data:`BUDGET_MARGIN`. SCIP's reference solve is outside the budget.

``status`` is ``ok``, ``refused`` (the model cannot be rewritten, e.g. a factor without finite
bounds, or the solver cannot take it, e.g. a side of 1e20: a ``ModelFormatError``; ``message`` says why), ``infeasible`` (the relaxation or SCIP proves the exact model
infeasible, or the MILP does when it writes every product exactly), ``unbounded`` (SCIP proves the exact model unbounded, or the MILP
does when it writes every product exactly), ``infeasible-or-unbounded`` (the surrogate MILP or the relaxation is unbounded, which proves
one of the two but not which) or ``surrogate-infeasible`` (the surrogate MILP is infeasible but the exact model is not
known to be: its approximation error may cut off feasible points; ``message`` suggests the
error-aware mode).
"""

from __future__ import annotations

import math
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pyomo.environ as pyo

from ..errors import InfeasibleModelError, ModelFormatError, NumericsWarning, SurrogateError
from ..milp.bilinear import UnboundedVariableError, replace_products, resolve_surrogate
from ..milp.formulations import DEFAULT_FORMULATION, check_formulation
from ..milp.interface import ExactProduct
from ..milp.polish import FEASIBILITY_TOL, polish
from ..milp.relaxation import solve_mccormick
from ..milp.solve_checks import COEFFICIENT_LIMITS, CoefficientScale
from ..milp.solve_interrupts import interruptible_clone
from ..milp.solver import Termination, relative_gap
from ..milp.solver_backends import backend_for
from ..milp.warmstart import solve_with_start, start_config
from .problem_notes import (  # noqa: F401 (OPTIMAL_GAP: API)
    INFEASIBLE,
    OPTIMAL_GAP,
    SKIP_TIGHTENING_ADVICE,
    choose_reference,
    doubt_disproved,
    doubt_optimum,
    explain,
    note,
    note_warnings,
)
from .problem_run_config import BUDGET_FACTOR as BUDGET_FACTOR  # its home since stop 37; still importable from here
from .problem_run_config import ProblemRunConfig as ProblemRunConfig
from .problem_summary import summarize as summarize  # its home since probe103; still importable from here
from .scip_reference import solve_exact_with_scip

#: A run is over budget when its stages took more than ``(1 + BUDGET_MARGIN) * budget`` seconds.
BUDGET_MARGIN = 0.10
#: A stage left with fewer seconds than this is skipped rather than started.
MIN_STAGE_S = 0.05
#: The share of the budget kept back from the MILP for the relaxation and the polish. With the default
#: budget (1.5 x the time limit) the MILP still gets its whole limit, less the reserve below.
RESERVE_FRACTION = 1 / 3
#: ... plus this many seconds per second the rewrite took, for the MILP's own overheads outside HiGHS's
#: time limit (Pyomo translates the MILP for the warm start and for the solve, and the solve checks it):
#: about twice the rewrite (qcqp-dev at 3946180: 5.2 s after pooling_foulds4tp's 2.5 s rewrite, 11.2 s
#: after pooling_foulds5stp's 5.4 s).
TRANSLATION_FACTOR = 2.0

RESULT_COLUMNS: tuple[str, ...] = tuple(
    "problem arch formulation products binaries milp_time_s termination surrogate_objective "
    "violation_before polish_start polished_objective violation_after feasible polish_status optimum "
    "optimum_source rel_gap mccormick_bound scip_objective scip_time_s scip_termination status message "
    "implied_bounds polish_method budget_s total_s over_budget tighten_s start_milp_s relax_s polish_s path".split()
)
#: The columns that describe how a run went beyond the solution itself (added for ``--qcqp`` runs).
RUN_COLUMNS = RESULT_COLUMNS[RESULT_COLUMNS.index("status") :]


class _Clock:
    """The run's budget on :func:`time.perf_counter`, and the seconds of each stage."""

    def __init__(self, budget: float):
        self.budget = budget
        self.start = time.perf_counter()
        self.stages = {"tighten_s": 0.0, "start_milp_s": 0.0, "relax_s": 0.0, "polish_s": 0.0}

    def left(self) -> float:
        return self.budget - (time.perf_counter() - self.start)

    @contextmanager
    def stage(self, column: str):
        begin = time.perf_counter()
        try:
            yield
        finally:
            self.stages[column] = time.perf_counter() - begin

    def columns(self) -> dict:
        total = time.perf_counter() - self.start
        budget = self.budget if math.isfinite(self.budget) else math.nan  # no budget: recorded as NaN
        return {
            "budget_s": budget,
            "total_s": total,
            "over_budget": bool(total > (1 + BUDGET_MARGIN) * self.budget),
            **self.stages,
        }


def empty_row(
    problem: str, arch: str, formulation: str, *, status: str, message: str, budget: float = math.nan, path: str = ""
) -> dict:
    """A row of :data:`RESULT_COLUMNS` for a run that produced nothing (refused, crashed); ``path``: the problem's file."""
    row = {column: math.nan for column in RESULT_COLUMNS}
    row.update(
        problem=problem,
        path=path,
        arch=arch,
        formulation=formulation,
        status=status,
        message=message,
        budget_s=budget,
        feasible=False,
        polish_status="not-run",
        polish_start="none",
        termination="not-run",
        over_budget=False,
    )
    return row


def run_problem(
    problem, surrogate, *, arch: str, formulation: str = DEFAULT_FORMULATION, config: ProblemRunConfig = ProblemRunConfig()
) -> dict:
    """One row of ``results.csv`` for ``problem`` solved through ``surrogate`` (see the module docstring).

    Parameters
    ----------
    problem
        A :class:`problems.BilinearProblem` (its ``model`` is not changed).
    surrogate
        A :class:`~surrogate.nets.network.ReluMLP`, a zoo name or an ONNX path.
    arch, formulation
        The label of the surrogate in the row, and the MILP encoding.
    config
        Solver settings, budget and options (:class:`ProblemRunConfig`).

    Returns
    -------
    dict
        The values of :data:`RESULT_COLUMNS`, in that order.
    """
    check_formulation(formulation)
    net = resolve_surrogate(surrogate)
    clock = _Clock(config.budget_s)
    row = empty_row(problem.name, arch, formulation, status="ok", message="", path=problem.info.get("path", ""))
    try:
        with clock.stage("tighten_s"):
            check_solver_limits(problem.model, config.solver.solver)  # named as the user wrote them, not as copies
            milp, report = _rewrite(problem.model, net, formulation, config)
    except SurrogateError as exc:  # the model cannot be rewritten: an answer about the model, not a crash
        return _refused(row, exc, problem, config, clock)
    row.update(products=report.n_products, implied_bounds=_implied_count(report), tighten_s=clock.stages["tighten_s"])
    note_warnings(row, report.warnings, in_file=bool(problem.info.get("path")))  # a file's user gets the file's advice
    try:
        with clock.stage("start_milp_s"):
            values = _solve_milp(row, milp, report, formulation, config, clock.left() - _reserve(clock))
        with clock.stage("relax_s"):
            exact = _tightened_copy(problem.model, milp)  # what the relaxation and the polish both work on
            relaxed = _relax(row, exact, config, clock.left())
        with clock.stage("polish_s"):
            _polish(row, exact, values, relaxed, config, clock.left())
    except ModelFormatError as exc:  # a model the solver cannot take (as a seed's or the relaxation's copy says)
        return _refused(row, exc, problem, config, clock)
    row.update(clock.columns())
    row = _with_reference(row, problem, config, relaxed.termination)
    explain(row, relaxed.termination, config, exact=all(isinstance(p, ExactProduct) for p in report.products.values()))
    doubt_disproved(row, problem.sense, relaxed.proven_bound, relaxed.termination)
    return row


def _refused(row: dict, exc: SurrogateError, problem, config: ProblemRunConfig, clock: _Clock) -> dict:
    """``row`` as a refusal: ``status`` ``refused`` and ``exc``'s message (``null`` for a missing bound of a JSON file);
    ``infeasible`` where bound propagation proved the model infeasible (:class:`InfeasibleModelError`)."""
    message = " ".join(str(exc).split()).replace(SKIP_TIGHTENING_ADVICE, "")  # a proof has no fix; the CLI no such option
    if problem.info.get("path"):  # a qcqp-json-v1 file: its missing bound is null, not Python's None
        message = message.replace("(None)", "(null in the file)")
        if isinstance(exc, UnboundedVariableError):
            message += "; in the file: give that variable a finite 'lb' and 'ub' in 'variables', or rows that bound it"
    infeasible = isinstance(exc, InfeasibleModelError)  # bound propagation's proof: an answer, not a refusal
    row.update(status="infeasible" if infeasible else "refused", message=message, **clock.columns())
    row = _with_reference(row, problem, config)
    if infeasible:
        doubt_disproved(row, problem.sense, None)
    return row


def check_solver_limits(model, solver: str) -> None:
    """Refuse a side, bound or constant of ``model`` that ``solver`` reads as infinite, naming the model's own component.

    Raises
    ------
    ModelFormatError
        As :meth:`~surrogate.milp.solve_checks.CoefficientScale.check_limits` does on the linear copies the run
        solves later (which would name the copy's rows, e.g. ``mccormick.constraints[1]``); bounds of factors too.
    """
    backend = backend_for(solver)
    CoefficientScale.of(model).check_limits(backend.name, backend.label)
    limit = COEFFICIENT_LIMITS.get(backend.name, (math.inf,) * 3)[2]
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        bound = max((abs(b) for b in (var.lb, var.ub) if b is not None), default=0.0)
        if bound >= limit:
            raise ModelFormatError(
                f"a bound of variable {var.name!r} is {bound:.3g} in magnitude, at or beyond {backend.label}'s infinity "
                f"of {limit:g}, so {backend.label} would solve another model; leave a missing bound out (None) instead "
                "of a huge number, or rescale the model"
            )


def _reserve(clock: _Clock) -> float:
    """Seconds of the budget the MILP must leave: :data:`RESERVE_FRACTION` of it for the later stages, plus its
    own overheads (:data:`TRANSLATION_FACTOR` times the rewrite's seconds)."""
    if not math.isfinite(clock.budget):
        return 0.0
    return RESERVE_FRACTION * clock.budget + TRANSLATION_FACTOR * clock.stages["tighten_s"]


def _rewrite(model, net, formulation: str, config: ProblemRunConfig):
    """The surrogate MILP (a rewritten copy of ``model``) and the replacement report."""
    milp = interruptible_clone(model)
    with warnings.catch_warnings():  # kept in the report, and so in the row's message: not printed once per run
        warnings.simplefilter("ignore", NumericsWarning)
        report = replace_products(
            milp, net, formulation=formulation, implied_bounds=config.implied_bounds, error_aware=config.error_aware
        )
    return milp, report


def _implied_count(report) -> float:
    """How many variables got bounds implied by the constraints (``nan`` when the tightening was off)."""
    return math.nan if report.implied_bounds is None else len(report.implied_bounds.derived)


def _solve_milp(row: dict, milp, report, formulation: str, config: ProblemRunConfig, left: float) -> dict:
    """Warm-start and solve the MILP within ``min(time limit, left)``; fills ``row``, returns its point.

    ``left`` is the budget left less :func:`_reserve`; with less
    than :data:`MIN_STAGE_S` of it the MILP is not solved (``termination`` ``budget-spent``).
    """
    row["binaries"] = report.size().binaries
    if left < MIN_STAGE_S:
        row.update(termination="budget-spent", milp_time_s=0.0, surrogate_objective=math.nan)
        spent = "replacing the products (with bound tightening" + (
            ", certifying the surrogate's error bound)" if config.error_aware else ")"
        )
        note(
            row,
            f"no time left in the budget for the MILP: {spent} took {row['tighten_s']:.2f} s of it; raise --budget",
        )
        return {}
    solver = replace(config.solver, time_limit=min(config.solver.time_limit, left))
    options = {"seed": config.start_seed, "patience": config.start_patience, "clock": config.start_clock}
    start = start_config(solver, **options) if formulation == "pruned" else None
    result, _found = solve_with_start(milp, report, solver, start=start)
    row.update(
        binaries=result.size.binaries,
        milp_time_s=result.wall_time,
        termination=result.termination,
        surrogate_objective=result.objective,
    )
    if not result.has_solution:
        return {}
    return {v.name: v.value for v in milp.component_data_objects(pyo.Var) if not v.name.startswith("surrogate_replacement")}


def _tightened_copy(exact, milp):
    """A copy of ``exact`` with the variable bounds the rewrite of ``milp`` derived (implied by the constraints, so valid).

    Each variable is found in ``milp`` by its component and index (a ``ComponentUID``), not by its printed name:
    Pyomo reads the name ``x[a ]`` back as ``x[a]``, which would give one variable another's bounds.
    """
    copy = interruptible_clone(exact)
    for var in copy.component_data_objects(pyo.Var):
        tightened = milp.find_component(var)
        if tightened is not None:
            if tightened.has_lb() and (not var.has_lb() or tightened.lb > var.lb):
                var.setlb(tightened.lb)
            if tightened.has_ub() and (not var.has_ub() or tightened.ub < var.ub):
                var.setub(tightened.ub)
    return copy


@dataclass(frozen=True)
class _Relaxed:
    """The McCormick relaxation of one run: its point (empty without one), its termination and its bound."""

    point: dict
    termination: str
    bound: float = math.nan

    @property
    def proven_bound(self) -> float | None:
        """The bound when the relaxation was solved to optimality (a polished point there is optimal), else ``None``."""
        return self.bound if self.termination == Termination.OPTIMAL else None


def _relax(row: dict, exact, config: ProblemRunConfig, left: float) -> _Relaxed:
    """Solve the McCormick relaxation of ``exact`` within ``left`` seconds; fills ``mccormick_bound``."""
    row["mccormick_bound"] = math.nan
    if left < MIN_STAGE_S:
        note(row, "no time left in the budget for the McCormick relaxation")
        return _Relaxed({}, "budget-spent")
    try:
        result, values = solve_mccormick(exact, replace(config.solver, time_limit=min(config.solver.time_limit, left)))
    except UnboundedVariableError as exc:
        note(row, f"no McCormick bound: {exc}")
        return _Relaxed({}, "refused")
    # infeasible: no bound (NaN), whatever the solver's dual bound read (NaN for one model, -inf for another)
    row["mccormick_bound"] = math.nan if result.termination in INFEASIBLE else result.bound
    return _Relaxed(values if result.has_solution else {}, result.termination, result.bound)


def _polish(row: dict, exact, values: dict, relaxed: _Relaxed, config: ProblemRunConfig, left: float) -> None:
    """Polish the MILP's point ``values`` (else the relaxation's) on ``exact`` in ``left`` s; fills ``row``.

    The polish stops at the relaxation's bound where that bound is proven.
    """
    start = "milp" if values else ("mccormick" if relaxed.point else "none")
    row["polish_start"] = start
    if start == "none" or left < MIN_STAGE_S:
        status = "no-start-point" if start == "none" else "budget-spent"
        row.update(violation_before=math.nan, polished_objective=math.nan, violation_after=math.nan, polish_status=status)
        return
    polished = polish(
        exact,
        values if start == "milp" else relaxed.point,
        config=replace(config.solver, time_limit=min(config.solver.time_limit, left)),
        time_limit=left if math.isfinite(left) else None,
        restarts=config.polish_restarts,
        bound=relaxed.proven_bound,
    )
    row.update(
        violation_before=polished.violation_before,
        polished_objective=polished.objective_after,
        violation_after=polished.violation_after,
        polish_status=polished.status,
        polish_method=polished.method,
    )


def _with_reference(row: dict, problem, config: ProblemRunConfig, relax_termination: str = "not-run") -> dict:
    """Add SCIP's solve (outside the budget), the reference optimum, feasibility and the gap; order the columns.
    ``relax_termination``: how the McCormick relaxation ended (an unbounded one refutes SCIP's "optimal")."""
    if config.scip:
        row["scip_objective"], row["scip_time_s"], row["scip_termination"] = solve_exact_with_scip(
            problem.model, config.scip_time_limit
        )
    else:
        row["scip_objective"], row["scip_time_s"], row["scip_termination"] = math.nan, math.nan, "skipped"
    choose_reference(row, problem, relax_termination)  # the record, else SCIP's proven optimum, unless the run refutes it
    # A gap is only meaningful for a point the exact model accepts.
    row["feasible"] = bool(row["violation_after"] <= FEASIBILITY_TOL)
    optimum = row["optimum"]
    row["rel_gap"] = relative_gap(optimum, row["polished_objective"]) if row["feasible"] else math.nan
    doubt_optimum(row, problem.sense, relax_termination)
    return {column: row[column] for column in RESULT_COLUMNS}
