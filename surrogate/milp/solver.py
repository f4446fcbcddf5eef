"""Solving MILPs with HiGHS through Pyomo's ``contrib.solver`` interface.

Timing settings are always explicit (:class:`SolverConfig`), and a
time-limit hit is recorded in the returned :class:`SolveResult`, never raised.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import pyomo.environ as pyo

from ..errors import ConfigError, NonlinearModelError, SolverUnavailableError
from .model_size import ModelSize, model_size
from .solver_config import NO_SOLUTION, SOLVERS, SolverConfig, Termination  # noqa: F401 (re-exported)

#: A nonzero |coefficient| of the constraint matrix or the objective above this is a warning.
COEFFICIENT_LIMIT = 1e9
#: A ratio of the largest to the smallest nonzero |coefficient| of the constraint matrix above this is a warning.
COEFFICIENT_RANGE_LIMIT = 1e9
#: Lines of HiGHS's log that are kept as warnings (matched case-insensitively).
LOG_WARNING_MARKERS = ("warning", "badly scaled", "consider scaling")


@dataclass(frozen=True)
class SolveResult:
    """What one MILP solve did.

    ``objective`` is the incumbent (``nan`` without one, and after a
    termination in :data:`NO_SOLUTION`), ``bound`` the dual bound, ``gap``
    their relative gap, ``wall_time`` HiGHS's own run time in seconds,
    ``nodes`` the branch-and-bound nodes. ``warnings`` holds HiGHS's warning
    lines and this package's check of the model's coefficient range (empty
    for a well-scaled model); it is left out of :meth:`to_dict`, whose keys
    are the columns of the result tables.
    """

    termination: Termination
    objective: float
    bound: float
    gap: float
    wall_time: float
    nodes: int
    size: ModelSize
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:  # a name read back from a table or a JSON file becomes the member
            object.__setattr__(self, "termination", Termination(self.termination))
        except ValueError:
            names = ", ".join(t.value for t in Termination)
            raise ConfigError(f"SolveResult: termination={self.termination!r} is not one of {names}") from None

    @property
    def optimal(self) -> bool:
        return self.termination == Termination.OPTIMAL

    @property
    def has_solution(self) -> bool:
        """Whether a point was found and loaded: an incumbent, and a termination not in :data:`NO_SOLUTION`."""
        return not math.isnan(self.objective) and self.termination not in NO_SOLUTION

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("warnings")
        out.update(out.pop("size"))
        return out


def make_solver(config: SolverConfig, *, fixed_as_bounds: bool = False):
    """A ``contrib.solver`` HiGHS instance, or a clear error if highspy is missing.

    With ``fixed_as_bounds=True`` a fixed variable stays a column with equal
    bounds instead of a constant substituted into its constraints, so fixing
    and unfixing many variables between solves (a local search) updates
    column bounds rather than rebuilding every constraint that uses them.
    """
    from pyomo.contrib.solver.common.factory import SolverFactory

    solver = SolverFactory(config.solver, treat_fixed_vars_as_params=not fixed_as_bounds)
    if not solver.available():
        raise SolverUnavailableError(f"solver {config.solver!r} is not available; install it with 'pip install highspy'")
    return solver


def _nan(value) -> float:
    return float("nan") if value is None else float(value)


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(1, |objective|)`` (``nan`` if either is missing)."""
    if math.isnan(objective) or math.isnan(bound):
        return float("nan")
    return abs(objective - bound) / max(1.0, abs(objective))


def _pass_start(solver, model) -> None:
    """Hand the current values of ``model``'s variables to HiGHS as a MIP start (``Highs.setSolution``).

    Pyomo's ``contrib.solver`` HiGHS interface has no warm-start option, so
    this loads the model into the persistent interface and calls highspy on
    the column map it keeps; values are clipped into their bounds.
    """
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


def _run_time_so_far(solver, model) -> float:
    """Seconds HiGHS has already run on ``model`` in this persistent solver.

    A reused ``highspy.Highs`` keeps one run clock across solves: its reported
    run time counts from the clock's start, and so does its ``time_limit`` for
    an LP (a MIP's limit counts from the start of each run; both measured with
    highspy 1.15). :func:`solve` offsets both so each solve gets its own limit and time.
    """
    highs = getattr(solver, "_solver_model", None)
    if highs is None or getattr(solver, "_model", None) is not model:
        return 0.0  # the solve loads the model into a fresh Highs object, whose clock starts at 0
    return float(highs.getRunTime())


def _has_free_discrete(model) -> bool:
    return any(v.is_integer() and not v.fixed for v in model.component_data_objects(pyo.Var, active=True))


def _log_warnings(log: str) -> list[str]:
    """The lines of a HiGHS log that warn (see :data:`LOG_WARNING_MARKERS`), stripped, in order, without repeats."""
    lines = (line.strip() for line in log.splitlines())
    kept = [line for line in lines if any(m in line.lower() for m in LOG_WARNING_MARKERS)]
    return list(dict.fromkeys(kept))


def coefficient_warnings(solver) -> list[str]:
    """Our own check of the coefficients of the model last loaded into ``solver`` (HiGHS's matrix and costs).

    Returns a warning naming the largest coefficient and the fix when it is
    above :data:`COEFFICIENT_LIMIT` or the matrix's range exceeds
    :data:`COEFFICIENT_RANGE_LIMIT`; nothing for a well-scaled model.
    """
    highs = getattr(solver, "_solver_model", None)
    if highs is None or not hasattr(highs, "getLp"):
        return []
    lp = highs.getLp()
    matrix, cost = np.abs(np.asarray(lp.a_matrix_.value_, dtype=float)), np.abs(np.asarray(lp.col_cost_, dtype=float))
    matrix, cost = matrix[matrix > 0], cost[cost > 0]
    largest = max(matrix.max(initial=0.0), cost.max(initial=0.0))
    spread = matrix.max() / matrix.min() if matrix.size else 1.0
    if largest <= COEFFICIENT_LIMIT and spread <= COEFFICIENT_RANGE_LIMIT:
        return []
    where = "objective" if cost.max(initial=0.0) >= matrix.max(initial=0.0) else "constraint matrix"
    return [
        f"the model is badly scaled: its largest |coefficient| is {largest:.3g} (in the {where}; limit "
        f"{COEFFICIENT_LIMIT:g}) and its constraint coefficients span a ratio of {spread:.3g} (limit "
        f"{COEFFICIENT_RANGE_LIMIT:g}), so the solver's answer may be wrong; tighten the bounds of the variables "
        "in products (a surrogate's coefficients grow with the product of its factors' ranges) or rescale the model"
    ]


def _nonlinear(model) -> list[str]:
    """Names of the active objectives and constraints of ``model`` that are not linear."""
    comps = [
        *model.component_data_objects(pyo.Objective, active=True),
        *model.component_data_objects(pyo.Constraint, active=True),
    ]
    return [c.name for c in comps if (c.expr if c.ctype is pyo.Objective else c.body).polynomial_degree() not in (0, 1)]


def _check_linear(model) -> None:
    """Raise :class:`NonlinearModelError` naming the nonlinear components of ``model``, if any."""
    names = _nonlinear(model)
    if names:
        listed = ", ".join(repr(n) for n in names[:5]) + (" ..." if len(names) > 5 else "")
        raise NonlinearModelError(
            f"model {model.name!r} has terms of degree above 1 in {listed}, which a MILP solver refuses; "
            "if a variable was fixed when its products were replaced "
            "(replace_products keeps it as a coefficient) and is unfixed now, fix it again, or replace the "
            "products of the exact model with it unfixed"
        )


def _run(solver, model, config: SolverConfig, already: float):
    """``solver.solve`` without loading a solution; a nonlinear model raises :class:`NonlinearModelError`."""
    from pyomo.contrib.solver.common.util import IncompatibleModelError

    try:
        return solver.solve(
            model,
            time_limit=config.time_limit + (0.0 if _has_free_discrete(model) else already),
            rel_gap=config.rel_gap,
            threads=config.threads,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
        )
    except IncompatibleModelError:
        _check_linear(model)
        raise


def solve(model, config: SolverConfig = SolverConfig(), *, solver=None, warm_start: bool = False) -> SolveResult:
    """Solve ``model`` and load its incumbent, if any.

    Parameters
    ----------
    model
        A Pyomo model with one active objective.
    config
        Time limit, gap and threads (all passed to HiGHS explicitly).
    solver
        A solver object from :func:`make_solver` to reuse (persistent HiGHS
        re-solves a changed model faster than a fresh one).
    warm_start
        Pass the variables' current values to HiGHS as its first incumbent
        (e.g. the point :func:`surrogate.milp.warmstart.activation_start` loaded).

    Raises
    ------
    NonlinearModelError
        If the model has a term of degree above 1.
    """
    from pyomo.common.tee import capture_output

    solver = solver or make_solver(config)
    start = time.perf_counter()
    # HiGHS writes to the process's stdout (e.g. warnings while a persistent model is
    # updated, outside Pyomo's own capture); keep it out of the caller's output, and read its warnings.
    with capture_output(capture_fd=True) as captured:
        if warm_start:
            _pass_start(solver, model)
        already = _run_time_so_far(solver, model)
        results = _run(solver, model, config, already)
    elapsed = time.perf_counter() - start
    termination = Termination.of(results.termination_condition)
    if termination == Termination.ERROR:
        _check_linear(model)
    objective = math.nan if termination in NO_SOLUTION else _nan(results.incumbent_objective)
    if not math.isnan(objective):
        results.solution_loader.load_vars()
    bound = _nan(results.objective_bound)
    timing = getattr(results.timing_info, "highs_time", None)
    nodes = getattr(results.extra_info, "mip_node_count", None)
    log = captured.getvalue() + "\n" + (getattr(results, "solver_log", None) or "")
    return SolveResult(
        termination=termination,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        wall_time=float(timing) - already if timing is not None else elapsed,
        nodes=int(nodes) if nodes is not None and nodes >= 0 else 0,
        size=model_size(model),
        warnings=tuple(_log_warnings(log) + coefficient_warnings(solver)),
    )
