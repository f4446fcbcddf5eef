"""Recover an exactly feasible point of a bilinear model from a surrogate's answer.

:func:`polish` takes the surrogate MILP's point to a feasible local optimum of
the exact model (violation at most :data:`FEASIBILITY_TOL`) with whichever of
these methods does best, all run on the model read once as quadratic forms
(:class:`~surrogate.milp.local_nlp.QuadraticModel`):

``alternating-lp`` / ``cover-lp``
    Every product ``x*y`` is linear once one of its factors is fixed. Colour
    the product graph (a vertex per factor, an edge per product) so that no
    product joins two factors of one colour class :math:`C_1, \\dots, C_k`.
    Fixing every factor outside :math:`C_t` (a vertex cover) leaves the LP

    .. math::

        x^{t} = \\arg\\min_{x} f(x) \\;\\text{s.t. the exact constraints},\\;
        x_j = x^{t-1}_j \\text{ for every factor } j \\notin C_t,

    whose solution is exactly feasible. The LPs run for t = 1..k in turn, and
    rounds repeat until the objective stops improving (both orders are tried).
    A bipartite graph (pooling: qualities x flows) has k = 2, the classic
    alternating LP (``alternating-lp``), followed by a pattern search over the
    smaller side, each trial scored by the LP in the rest, since alternation
    stops at partial optima; the pattern search runs too, last, when no method
    found a feasible point (an integer start whose integers admit no completion). Otherwise (odd cycles: ``cover-lp``) a greedy
    colouring gives the classes, and a factor of a square ``x*x`` stays fixed.
``complementarity``
    For pairs with :math:`x, y \\ge 0` and :math:`xy = 0` (or :math:`xy \\le 0`)
    every LP above is infeasible unless one factor is already 0. The smaller
    factor of each pair is fixed at 0 (the product vanishes) and the LPs and
    the NLP below run on the rest.
``nlp``
    A local solve of the whole exact model (SLSQP, or trust-constr when large:
    :func:`~surrogate.milp.local_nlp.solve_nlp`) from the start point, and again from
    the best point so far; each NLP point is then cleaned by a few cover-LP
    rounds, which make it exactly feasible when the LPs are. A point the NLP
    leaves just outside a constraint is first stepped back onto the rows it
    violates or meets (:func:`~surrogate.milp.local_nlp.restore_feasibility`), and an
    NLP that ends infeasible is started again from a feasibility phase
    (:func:`~surrogate.milp.local_nlp.feasibility_point`).
``multistart``
    Time allowing, NLPs (each after a feasibility phase) from ``restarts``
    points drawn uniformly in the variables' box (:func:`start_box`) by a
    seeded generator, an integer variable's draw rounded to a whole value. These points owe nothing to the surrogate: a run whose
    final point came from here says so in its ``method``.

Each LP is a fresh ``highspy.Highs`` built from numpy arrays
(:func:`~surrogate.milp.local_nlp.solve_lp`), so LPs do not slow down as they are
re-solved, and the clock is checked between LPs and NLP iterations.

The product graph lives in :mod:`surrogate.milp.polish_graph`, the search and
its methods in :mod:`surrogate.milp.polish_search`, the result type and the
measures in :mod:`surrogate.milp.polish_result`; every name is importable from here.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet

from ..errors import ConfigError, NonlinearModelError
from .highs_run import solver_runs
from .model_components import seen_variables
from .polish_graph import colour_classes, complementarity_pairs, factor_sets, product_edges, product_pairs, round_complementarity
from .polish_quadratic import QuadraticModel
from .polish_result import (
    DEFAULT_RESTARTS,
    FEASIBILITY_TOL,
    METHODS,
    STATUSES,
    PolishResult,
    check_polish_arguments,
    check_restarts,
    max_violation,
    true_objective,
)
from .polish_search import PolishSearch, start_box
from .search_clock import now
from .solution_check import readable_bounds
from .solve_checks import check_fixed_values
from .solver_config import SolverConfig
from .unseen_values import complete_point

__all__ = [
    "DEFAULT_RESTARTS",
    "FEASIBILITY_TOL",
    "METHODS",
    "STATUSES",
    "PolishResult",
    "check_restarts",
    "clip_to_bounds",
    "colour_classes",
    "complementarity_pairs",
    "factor_sets",
    "max_violation",
    "polish",
    "product_edges",
    "product_pairs",
    "start_box",
    "true_objective",
]


@solver_runs(internal=True)  # its LPs under one hold; the package's own runs (the scheduler released at its end, probe89 #2)
def polish(
    model,
    values: dict,
    *,
    config: SolverConfig = SolverConfig(),
    time_limit: float | None = None,
    max_rounds: int = 20,
    max_evals: int = 400,
    nlp_maxiter: int = 300,
    tol: float = 1e-9,
    restarts: int = DEFAULT_RESTARTS,
    seed: int = 0,
    bound: float | None = None,
) -> PolishResult:
    """Polish ``values`` on the exact ``model``, which is changed in place and ends at the polished point.

    Parameters
    ----------
    model
        The exact (bilinear) model: its active objective and constraints.
    values
        Variable name -> value, the surrogate's point (clipped into the bounds; others keep their values).
        A fixed variable keeps its value: one given another value is refused (:class:`ConfigError`).
    config
        Threads and the per-LP time limit of HiGHS.
    time_limit
        Seconds for the whole polish (``None``: no limit) on the search clock
        (:func:`~surrogate.milp.search_clock.now`); checked between LPs and NLP iterations.
    max_rounds, max_evals, nlp_maxiter, tol
        Most LP rounds per alternation, LPs in the pattern search, NLP iterations per solve;
        the relative improvement below which an alternation stops.
    restarts, seed
        After the methods above, NLPs from up to ``restarts`` random points in the
        variables' box (``multistart``; drawn by ``numpy.random.default_rng(seed)``),
        each with an equal share of the time left; 0 turns it off.
    bound
        A proven bound on the objective (a lower bound when minimising, an upper one when
        maximising), such as a relaxation's: once a feasible point is within
        :data:`~surrogate.milp.polish_search.BOUND_GAP` of it (relative), no point can be
        better, and the polish stops there, restarts included. ``None``: no bound.

    Returns
    -------
    PolishResult
        The objective and violation before and after, the method and status.
    """
    check_polish_arguments(model, config, values, time_limit, tol, restarts=restarts, bound=bound)
    begin = now()
    qm = _quadratic_form(model)
    start, before, reserve = _measure_start(model, values, time_limit, unseen=_left_out(model, qm))
    if qm is None:
        return PolishResult(*before, *before, 0, "not-quadratic", seconds=now() - begin)
    deadline = math.inf if time_limit is None else begin + time_limit - reserve
    search = PolishSearch(qm, config, deadline, tol, bound=-math.inf if bound is None else qm.sense * bound)
    x0 = qm.point(start)
    search.offer("none", x0)
    _run_methods(search, x0, max_rounds=max_rounds, max_evals=max_evals, nlp_maxiter=nlp_maxiter)
    search.multistart(restarts, np.random.default_rng(seed), maxiter=nlp_maxiter)
    return _finish(model, search, before, begin)


def _quadratic_form(model) -> QuadraticModel | None:
    """``model`` as a :class:`QuadraticModel`, or ``None`` where it is not quadratic (nothing to polish); a fixed
    variable without a value is named first (the form reads the rows)."""
    check_fixed_values(model, unread=False)
    try:
        return QuadraticModel.from_pyomo(model)
    except NonlinearModelError:
        return None


def _left_out(model, qm) -> list:
    """The variables ``model``'s rows read that the quadratic form ``qm`` leaves out (a zero coefficient only: ``0.0*u``;
    none where there is no form)."""
    kept = ComponentSet(qm.variables) if qm is not None else None
    return [] if kept is None else [v for v in seen_variables(model) if v not in kept]


def _measure_start(model, values: dict, time_limit: float | None, *, unseen) -> tuple[dict, tuple[float, float], float]:
    """Load ``values`` into ``model``: the values set, the objective and violation there, and the seconds to keep in
    reserve; ``unseen`` (variables the quadratic form leaves out) get a value where they have none."""
    start = _load_start(model, values)
    complete_point(unseen)  # read with a 0 coefficient only (0.0*u): no method sets them, and the model reads them
    measured = now()
    before = (true_objective(model), max_violation(model))
    # the end repeats this measurement: keep twice its time, and 5 % of the limit for the last step, in reserve
    return start, before, 2 * (now() - measured) + 0.05 * (time_limit or 0.0)


def _finish(model, search: PolishSearch, before: tuple[float, float], begin: float) -> PolishResult:
    """Load the best point of ``search`` into ``model``, measure it, and report (``begin``: when the polish began)."""
    search.qm.load(search.best_point)
    after = (true_objective(model), max_violation(model))
    status = "infeasible" if after[1] > FEASIBILITY_TOL else ("start-kept" if search.best_method == "none" else "polished")
    return PolishResult(
        *before,
        *after,
        search.rounds,
        status,
        method=search.best_method,
        seconds=now() - begin,
        lp_solves=search.lp_solves,
        timed_out=search.timed_out,
        reached_bound=search.reached_bound,
    )


def _run_methods(search: PolishSearch, x0: np.ndarray, *, max_rounds: int, max_evals: int, nlp_maxiter: int) -> None:
    """Run the methods while time lasts: LPs first on a bipartite graph, else complementarity and the NLP first.

    A bipartite graph's alternating LP is cheap and usually enough; a cover of
    another graph may need one LP per colour class each round, so there the
    NLP goes first. The best LP point is refined by a last NLP.
    """
    qm, none = search.qm, np.zeros(len(x0), dtype=bool)
    classes, bipartite = colour_classes(product_edges(qm, none))
    method = "alternating-lp" if bipartite else "cover-lp"

    def lps():
        search.alternate(x0, classes, none, method, max_rounds)
        if bipartite and classes and search.best_method == method and not search.expired():  # a linear model has none
            search.pattern_search(min(classes, key=len), method, max_evals)

    def complementarity():
        pairs = complementarity_pairs(qm)
        if pairs and not search.expired():
            rounded, pinned = round_complementarity(qm, x0, pairs)
            reduced, _ = colour_classes(product_edges(qm, pinned))
            search.alternate(rounded, reduced, pinned, "complementarity", max_rounds)
            search.nlp(rounded, reduced, pinned, "complementarity", maxiter=nlp_maxiter, share=0.5)

    def nlp():  # half the time left at most, so that the LPs after it get their turn
        search.nlp(x0, classes, none, "nlp", maxiter=nlp_maxiter, share=0.5)

    for step in (lps, complementarity, nlp) if bipartite else (complementarity, nlp, lps):
        step()
    if search.best_method not in ("nlp", "none"):  # refine the best LP point too
        search.nlp(search.best_point, classes, none, "nlp", maxiter=nlp_maxiter, share=0.5)
    if bipartite and search.best[0] > 0.0 and not search.expired():  # no feasible point: step the side the LPs hold
        search.pattern_search(min(classes, key=len), method, max_evals)


#: A fixed variable's value in ``values`` is its fixed value if within this, relative to ``max(1, |fixed value|)``:
#: float32 (about 6e-8) and a CSV's six digits (``'%.6g'``: at most 5e-6) round it.
FIXED_VALUE_RTOL = 1e-5


def clip_to_bounds(var, value: float) -> float:
    """``value`` clipped into the bounds of ``var`` (as it is where they cannot be read: :func:`readable_bounds`).

    Parameters
    ----------
    var
        A Pyomo variable.
    value
        The value to clip.
    """
    lower, upper = readable_bounds(var) or (None, None)
    return min(max(value, value if lower is None else lower), value if upper is None else upper)


def _load_start(model, values: dict) -> dict:
    """Set the free variables of ``model`` named in ``values`` (clipped into their bounds); the values set, by name.

    A fixed variable keeps its value (one given within :data:`FIXED_VALUE_RTOL` of it, and for an integer the same
    integer, is left out): one given at another value is refused (:class:`ConfigError`), before anything is set.
    A fixed variable without a value was refused before (:func:`_quadratic_form`).
    """
    variables = {v.name: v for v in model.component_data_objects(pyo.Var)}
    given = {name: value for name, value in values.items() if name in variables and value is not None}
    moved = [name for name, value in given.items() if variables[name].fixed and not _same(value, variables[name])]
    if moved:
        name = moved[0]
        raise ConfigError(
            f"polish: values sets {name!r} to {given[name]!r}, but it is fixed at {variables[name].value!r} "
            f"(off by {float(given[name]) - variables[name].value:.3g}, beyond {FIXED_VALUE_RTOL:g} relative{' or another integer' if variables[name].is_integer() else ''}; "
            f"{len(moved)} fixed variable(s) given another value); leave fixed variables out of values "
            "(or give their fixed values), or unfix them first to polish them too"
        )
    start = {name: clip_to_bounds(variables[name], value) for name, value in given.items() if not variables[name].fixed}
    _restore(variables, start)
    return start


def _same(value, var) -> bool:
    """Whether ``value`` is fixed ``var``'s value (up to rounding: :data:`FIXED_VALUE_RTOL`; for an integer, the same
    integer too: 200001 is no rounding of 200000)."""
    fixed = var.value
    if fixed is None or abs(float(value) - fixed) > FIXED_VALUE_RTOL * max(1.0, abs(fixed)):
        return False
    return not var.is_integer() or round(float(value)) == round(fixed)


def _restore(variables: dict, values: dict) -> None:
    for name, value in values.items():
        if name in variables:
            variables[name].set_value(value, skip_validation=True)
