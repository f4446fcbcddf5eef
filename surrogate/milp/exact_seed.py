"""A feasible point of the exact model behind a surrogate MILP, to seed the warm start's activation patterns.

:func:`~surrogate.milp.warmstart.activation_start` fixes every surrogate copy's
binaries to the net's activation pattern at the copy's inputs, and by default
reads those inputs off the LP relaxation of the surrogate MILP. On pooling
problems that point lies far from any feasible one, and the elastic phase
often ends without a point at all. A local optimum of the exact model is a
better place to read patterns at: it satisfies every constraint with
``x*y`` itself, and the surrogate differs from ``x*y`` by its error only
(nothing at all where a hand-built net is exact, on its grid nodes), so the
patterns there usually give a feasible LP at once.

:func:`exact_point` finds one in two steps, on a clone of the exact model
(:func:`exact_view`):

1. the McCormick relaxation (:func:`~surrogate.milp.relaxation.solve_mccormick`):
   an LP, whose point is a guess for the factors;
2. :func:`~surrogate.milp.polish.polish` from that guess: alternating or
   cover LPs and local NLPs that end on an exactly feasible point (largest
   violation at most :data:`~surrogate.milp.polish_result.FEASIBILITY_TOL`),
   then local NLPs from :data:`SEED_RESTARTS` random points of the box
   (drawn with a fixed seed), keeping the best point of all. A point that
   reaches the McCormick bound is optimal, and the polish stops there
   (``bound``); with the view that leaves the surrogates out of its clone,
   that makes the warm starts on foulds3–5 1.7–3.0 times shorter
   (docs/three-times.md, "A cheaper start"). The work is
   capped (:data:`SEED_POLISH_EVALS` LPs of pattern search,
   :data:`SEED_NLP_ITERATIONS` iterations per NLP) rather than left to its
   time limit alone, so that the seed costs about the same on a loaded machine
   as on an idle one and leaves the search its time. (On the scale suite's
   pooling instances the cap found the same points as the uncapped polish, in
   a fifth of its time on foulds3.) The restarts matter where the McCormick
   point leads to a poor local optimum: with them the seed reaches the global
   optimum of random32-s0, random64-s0 (-31.47 against -29.56) and adhya2
   (-549.8 against -65), and comes within 1 % of adhya1's (-544.3 against
   -339.3). Over the scale suite they made the fixed net's start 0.6 s
   longer on average, 3.3 s at most (docs/three-times.md).

The point is only a seed: the search then fixes patterns, repairs, and
improves it under the surrogate's own constraints, so what HiGHS receives is
a solution of the surrogate MILP, never the exact model's point.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap, ComponentSet
from pyomo.core.expr.visitor import identify_variables

from ..errors import ConfigError
from ..options import is_number
from .model_components import copy_of, find_like, lies_within, seen_variables, standalone_clone
from .polish import FEASIBILITY_TOL, clip_to_bounds, polish
from .polish_search import BOUND_GAP
from .products import ReplacementReport
from .relaxation import solve_mccormick
from .rewrite_record import RECORD
from .search_clock import as_wall, now
from .solve_checks import check_fixed_values
from .solver_config import SolverConfig
from .warmstart_config import EXACT_SEED_SHARE

#: LPs of the polish's pattern search when it seeds a start (its default for polishing answers is 400).
SEED_POLISH_EVALS = 40
#: Iterations per local NLP when the polish seeds a start (its default for polishing answers is 300).
SEED_NLP_ITERATIONS = 100
#: Local NLPs from random points of the box after the polish's own methods (its ``restarts``; 0: none).
SEED_RESTARTS = 4


def seed_settings() -> dict:
    """What decides the exact seed besides the model: its share of the search's time and its work caps.

    Part of a benchmark's cache key for the encodings that use the seed, so a
    changed cap solves again instead of reusing a result the new code would not give.
    """
    return {
        "share": EXACT_SEED_SHARE,
        "polish_evals": SEED_POLISH_EVALS,
        "nlp_iterations": SEED_NLP_ITERATIONS,
        "restarts": SEED_RESTARTS,
        "stop_at_bound": BOUND_GAP,  # the polish stops at the McCormick bound (before: it ran its restarts regardless)
    }


def exact_view(model, report: ReplacementReport):
    """A clone of the exact model behind ``model``: without ``report.block``, the rewritten components active again.

    The block holds every replacement and nothing outside it refers to its
    components, so the view leaves it out rather than deactivating it: the
    McCormick step clones the view again, and that clone then has no
    surrogates to copy. The block is most of the model, so it is not cloned
    at all: it is taken off ``model`` for the clone and put back after, in its
    place when it is the last component (as :func:`~surrogate.milp.bilinear.replace_products`
    leaves it); any other block is cloned with the model and deleted from the clone.

    Where ``model`` is a block of a larger model, the view is a clone of that whole model with every row and
    objective outside ``model``'s place deactivated: the variables and named expressions ``model`` reads from its
    parents are the clone's own, under their own names (a point of the view names the variables as ``model``'s
    model does), and a variable that only a deactivated row reads is left unfixed. A model that reads variables
    of a model it is no part of (a clone of a block) gets a copy of each, named like it.

    Raises
    ------
    ConfigError
        If ``report`` does not come from :func:`~surrogate.milp.bilinear.replace_products` on ``model``.
    """
    return _view(model, report)[0]


def _view(model, report: ReplacementReport):
    """:func:`exact_view`, and the names of the view's variables by which :func:`exact_point` gives their values."""
    if not isinstance(report, ReplacementReport):
        raise ConfigError(
            "an exact seed needs the ReplacementReport that replace_products(model, net) returned for this model "
            f"(got {type(report).__name__}); pass the report, not the surrogates, or use seed='relaxation'"
        )
    block = report.replacement_block(model, "an exact seed")
    record = getattr(block, RECORD)
    originals = [item.original for item in record.rewritten if record.kept(item)]
    root = model.model()
    read = ComponentSet(seen_variables(model))
    for component in originals:  # the view reactivates them: the variables they read are read too
        read.update(identify_variables(component.expr, include_fixed=True))
    # a clone of a block shares its parents' variables: the view holds a copy of each
    copies = ComponentMap((v, copy_of(v)) for v in read if v.model() is not root)
    if any(v.fixed and v.value is None for v in copies):  # named as the user's variable, not as its copy
        check_fixed_values(model, unread=False)
    # a block that reads its parents' variables is viewed in a clone of its whole model (they are that clone's own);
    # any other block alone: the clone's cost then does not grow with the rest of the model
    base = root if any(v.model() is root and not lies_within(v, model) for v in read) else model
    view = _clone_without(base, block, copies)
    for component in originals:  # by their place: model may be a block, or a clone of one
        find_like(view, component, base).activate()
    if base is not model:
        _keep_rows_of(view, find_like(view, model, root))
    names = ComponentMap((c, v.name) for v, c in copies.items())
    if base is model and model is not root:  # the view's names are relative to the block; the point's are the model's
        names.update((v, f"{model.name}.{v.name}") for v in view.component_data_objects(pyo.Var) if v not in names)
    return view, names


def _keep_rows_of(view, place) -> None:
    """Deactivate the rows and objectives of ``view`` outside ``place``, and unfix the variables only they read."""
    for row in view.component_data_objects((pyo.Constraint, pyo.Objective), active=True, descend_into=True):
        if not lies_within(row, place):
            row.deactivate()
    read = ComponentSet(seen_variables(view))
    for v in view.component_data_objects(pyo.Var, descend_into=True):
        if v.fixed and v.value is None and v not in read:
            v.unfix()  # no solver reads it; solve() refuses a fixed variable without a value


def _clone_without(model, block, copies):
    """A clone of ``model`` without ``block`` (on ``model`` or a block below it), with ``copies``
    (:func:`~surrogate.milp.model_components.standalone_clone`); ``model`` ends as it began."""
    parent, name = block.parent_block(), block.local_name
    last = next(reversed(list(parent.component_objects(descend_into=False))))
    if block is not last:
        view = standalone_clone(model, copies=copies)
        find_like(view, block, model).parent_block().del_component(name)
        return view
    parent.del_component(block)
    try:
        return standalone_clone(model, copies=copies)
    finally:
        parent.add_component(name, block)


def exact_point(model, report: ReplacementReport, *, time_limit: float) -> dict[str, float] | None:
    """A feasible point of the exact model behind ``model`` (module docstring), as variable name -> value, or ``None``.

    Parameters
    ----------
    model, report
        A model whose products :func:`~surrogate.milp.bilinear.replace_products` replaced, and its report.
    time_limit
        Seconds for both steps together, on the search clock (:mod:`surrogate.milp.search_clock`); ``None``
        is returned when they find no feasible point within it.

    Returns
    -------
    dict or None
        The values of the exact model's variables (those outside ``report.block``; of a block, those its rows
        read), by their names in ``model``'s model, clipped into their bounds (the polish holds them to :data:`~surrogate.milp.polish_result.FEASIBILITY_TOL`).
    """
    if not is_number(time_limit, low=0, low_open=True, finite=True):
        raise ConfigError(f"exact_point: time_limit={time_limit!r} must be a positive, finite number of seconds")
    begin = now()
    view, names = _view(model, report)
    config = SolverConfig(time_limit=as_wall(time_limit), rel_gap=1e-9, threads=1)  # each LP's wall-clock cap
    relaxed, values = solve_mccormick(view, config)
    if not relaxed.has_solution:
        return None
    left = time_limit - (now() - begin)
    if left <= 0:
        return None
    polished = polish(
        view,
        values,
        config=config,
        time_limit=left,
        restarts=SEED_RESTARTS,
        max_evals=SEED_POLISH_EVALS,
        nlp_maxiter=SEED_NLP_ITERATIONS,
        bound=relaxed.bound if relaxed.optimal else None,  # a point at the McCormick bound is optimal: no restart can do better
    )
    if not polished.violation_after <= FEASIBILITY_TOL:
        return None
    read = view.component_data_objects(pyo.Var) if model.parent_block() is None else seen_variables(view)
    return {names.get(v, v.name): clip_to_bounds(v, v.value) for v in read if v.value is not None}
