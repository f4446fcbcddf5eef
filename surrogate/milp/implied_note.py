"""What a refusal of :func:`~surrogate.milp.bilinear.replace_products` says about the bounds the constraints imply.

A factor of a product left without two finite bounds after bound tightening
(:func:`~surrogate.milp.implied_bounds.tighten_product_bounds`) is refused with an
:class:`~surrogate.milp.products.UnboundedVariableError`. :func:`implied_note` adds, for each
such factor, what the constraints do imply on each side (a side derived there is not kept: the
refusal leaves the model as it was), and why a bound may be missing: a constraint left out
because a mutable ``Param`` or a fixed ``Var`` in it can change, or a variable linked to the
factor through the constraints whose bound is a mutable ``Param`` (counted as no bound there).
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_mutable_parameters, identify_variables

from .implied_bounds import product_factors
from .model_components import first_names, python_path
from .products import has_symbolic_bounds
from .row_graph import linked


def put_back_partial(implied, model) -> None:
    """Put back the sides derived for the factors ``implied`` left unbounded (the refusal's message then shows the
    bounds the model keeps); bounds derived in full stay until the refusal puts them back (:meth:`restore`)."""
    factors = {v.name: v for v in product_factors(model)}
    for name in implied.unbounded:
        var, bound = factors.get(name), implied.derived.get(name)
        if var is None or bound is None:
            continue
        for side, setter in ((0, var.setlb), (1, var.setub)):
            if bound.sources[side] is not None and var.bounds[side] == bound.new[side]:
                setter(bound.old[side])


def implied_note(implied, model) -> str:
    """What an :class:`~surrogate.milp.products.UnboundedVariableError` of ``model`` adds after bound tightening was
    tried (``implied``, its :class:`~surrogate.milp.implied_bounds_result.ImpliedBounds`; nothing when it was off or left
    no factor unbounded); read after :func:`put_back_partial`."""
    if implied is None or not implied.unbounded:
        return ""
    factors = {v.name: v for v in product_factors(model)}
    unbounded = [factors[name] for name in implied.unbounded if name in factors]
    sides = [_sides(var, implied.derived.get(var.name)) for var in unbounded]
    within = " within the time limit" if implied.timed_out else ""
    note = f"; the constraints imply {', '.join(text for text, _ in sides)} (FBBT and LP bound tightening over them found no more{within})"
    kept = [fix for _, fixes in sides for fix in fixes]
    if kept:
        note += f"; a refusal keeps no derived bound: set what they imply by hand ({first_names(kept)})"
    if implied.left_out:
        note += (
            f"; {first_names(map(repr, implied.left_out))} took no part, because a mutable Param or a fixed Var in it can change: "
            "a bound implied through such a constraint must be set by hand"
        )
    held = _param_bounds(model, unbounded, set(implied.left_out))
    if held:
        note += (
            f"; the bounds of {first_names(held)} hold a mutable Param, which can change, so they counted as no bound: "
            "a bound implied through such a variable must be set by hand"
        )
    return note


def _sides(var, derived) -> tuple[str, list[str]]:
    """What the constraints imply for ``var`` on each side it has no bound (``derived``: its DerivedBound, or None),
    and the call that sets each implied side."""
    missing = [side for side, bound in enumerate(var.bounds) if bound is None]
    implied = {s: derived.new[s] for s in missing if derived is not None and derived.new[s] is not None}
    if not implied:
        which = "finite bound" if len(missing) == 2 else ("lower bound" if missing == [0] else "upper bound")
        return f"no {which} for {var.name!r}", []
    found = " and ".join(f"{var.name} {'>=' if s == 0 else '<='} {value!r}" for s, value in implied.items())
    none = [s for s in missing if s not in implied]
    rest = f" but no {'lower' if none == [0] else 'upper'} bound" if none else ""
    fixes = [f"{python_path(var)}.{'setlb' if s == 0 else 'setub'}({value!r})" for s, value in implied.items()]
    return f"{found}{rest}", fixes


def _param_bounds(model, start, left_out: set) -> list[str]:
    """``'w' (Param 'p')`` for each variable linked to ``start`` (them too) through the active constraints of
    ``model`` that bound tightening read (not ``left_out``), whose bounds hold a mutable Param."""
    rows = [
        list(identify_variables(con.body, include_fixed=False))
        for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True)
        if con.name not in left_out
    ]
    held = []
    for var in linked(rows, start)[0]:
        if has_symbolic_bounds(var):
            params = {p.name for b in (var.lower, var.upper) if b is not None for p in identify_mutable_parameters(b)}
            held.append(f"{var.name!r} (Param {first_names(map(repr, sorted(params)))})")
    return held
