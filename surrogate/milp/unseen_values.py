"""Values for the variables that no solver sees, and the variables that no value fits.

A solver is handed only the columns with a nonzero coefficient. A variable that a row replaced by
:func:`~surrogate.milp.bilinear.replace_products` reads with a zero one (``0.0*u``, or ``0*y``, the product of a factor
of zero width at 0) is in no row the solver sees: it gets no value, so the user's own objective could not be evaluated
at the answer (:func:`complete_point` gives it one), and bounds of it that hold no value left the model "optimal"
where it has no point (:func:`without_a_value` finds them, and :func:`~surrogate.milp.solver.solve` calls such a
model infeasible without a solve).
"""

from __future__ import annotations

import math

import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet
from pyomo.core.expr.visitor import identify_variables

from .built_marks import mark_of
from .model_components import seen_variables
from .rewrite_record import MARK, within
from .solution_check import readable_bounds

#: Continuous bounds crossed by more than this (absolute) hold no value: HiGHS's primal feasibility tolerance, which
#: takes ``(1 + 5e-8, 1)`` and ``lb = 0.1 + 0.2``, ``ub = 0.3`` (rounding) and calls ``(1 + 2e-7, 1)`` and
#: ``(1e12 + 1e-3, 1e12)`` infeasible at any size; an integer's take the integrality tolerance, 1e-6, and no more.
CROSSED_TOL = 1e-7


def value_nearest_zero(var):
    """The value of ``var``'s bounds and domain nearest 0 (an integer's: the integer nearest 0 within them; a finite
    domain's: its member nearest 0 within them), or ``None`` where they hold none (``lb > ub``, an integer's bounds
    without an integer, a finite domain without a member within them): a model that reads ``var`` has no point."""
    low, high = readable_bounds(var) or (None, None)
    if var.is_integer():  # within the solvers' integrality tolerance, as a factor's check (products._holds_no_integer)
        low = None if low is None else math.ceil(low - 1e-6)
        high = None if high is None else math.floor(high + 1e-6)
    crossed = low is not None and high is not None and low > high
    if crossed and (var.is_integer() or low - high > CROSSED_TOL):
        return None  # (an integer's bounds, rounded within the integrality tolerance already, take no other)
    if crossed:  # continuous bounds crossed by rounding only (0.1 + 0.2 > 0.3): a solver's tolerance takes them
        low = high
    value = min(max(0.0, -math.inf if low is None else low), math.inf if high is None else high)
    value = int(value) if var.is_integer() else float(value)
    domain = var.domain
    if value in domain or not domain.isfinite():
        return value
    inside = [v for v in domain if (low is None or v >= low) and (high is None or v <= high)]
    return min(inside, key=abs) if inside else None


def complete_point(variables) -> list[str]:
    """Give each free one of ``variables`` without a value :func:`value_nearest_zero`; return their names (one whose
    bounds hold no value keeps none: :func:`~surrogate.milp.solver.solve` refuses such a model first).

    A solver is handed only the columns with a nonzero coefficient: a variable that a replaced row reads with a zero
    one (``0.0*u``, or ``0*y``, the product of a factor of zero width at 0), or that a polish's quadratic form leaves
    out so, gets no value, and the model could not be evaluated at the answer. Any value within its bounds leaves the
    rows and the objective as the solver had them.

    Parameters
    ----------
    variables
        Pyomo variables (those a model's rows read with a zero coefficient only).
    """
    given = []
    for var in variables:
        value = None if var.fixed or var.value is not None else value_nearest_zero(var)
        if value is not None:
            var.set_value(value, skip_validation=True)
            given.append(var.name)
    return given


def replaced_variables(model) -> list:
    """The variables that the rows and objectives replacement blocks replaced within ``model`` read (the originals,
    deactivated: still what the model stands for), each once."""
    found = ComponentSet()
    for block in (model, *model.block_data_objects(active=True, descend_into=True)):
        for row, _ in mark_of(block, MARK, list, []):
            if within(row, model) and _active_up_to(row, model):
                found.update(identify_variables(row.expr, include_fixed=False))
    return list(found)


def _active_up_to(row, model) -> bool:
    """Whether no block between ``row`` and ``model`` is deactivated (a replaced row's copy is off while one is)."""
    block = row.parent_block()
    while block is not None and block is not model:
        if not block.active:
            return False
        block = block.parent_block()
    return True


def without_a_value(model, *, replaced=None) -> list:
    """The free variables of ``model`` whose bounds hold no value (:func:`value_nearest_zero` is ``None``) and that its
    active rows or objectives, or the rows its replacement blocks replaced, read: ``model`` has no point (``replaced``:
    :func:`replaced_variables` of ``model``, where the caller has them already)."""
    replaced = replaced_variables(model) if replaced is None else replaced  # (a parent's too, for a block solved alone)
    declared = ComponentSet([*model.component_data_objects(pyo.Var, descend_into=True), *replaced])
    empty = [v for v in declared if not v.fixed and value_nearest_zero(v) is None]
    if not empty:  # (the active rows are walked only if there is one)
        return []
    read = ComponentSet([*seen_variables(model), *replaced])
    return [v for v in empty if v in read]
