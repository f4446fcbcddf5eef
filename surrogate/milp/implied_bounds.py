"""Bounds of product factors implied by a model's constraints, derived before a surrogate needs them.

A surrogate of ``x*y`` maps the box of ``x, y`` onto the net's domain, so
both factors need finite bounds. Models written by others often leave a
factor without an explicit bound although the constraints bound it (e.g.
``x + y <= 4`` with ``x, y >= 0`` gives ``x <= 4``).
:func:`tighten_product_bounds` derives such bounds in two steps:

1. **FBBT** (``pyomo.contrib.fbbt.fbbt.fbbt``): interval propagation through
   every constraint, forwards and backwards, until nothing improves.
2. **LP bound tightening** for the factors FBBT left unbounded (or wider
   than ``wide``): for each such variable ``v`` and side, solve

   .. math::

       \\min / \\max \\; v \\quad \\text{s.t.} \\quad
       l_k \\le c_k + a_k^\\top u + \\sum_{(i,j)} q_{kij} w_{ij} \\le h_k \\;\\; (k),
       \\qquad l \\le u \\le h,

   where ``u`` are the model's variables (integers relaxed), each product
   ``u_i u_j`` of a linear or quadratic constraint is a new variable
   ``w_ij`` and, when both factors have finite bounds, its McCormick
   envelope holds:

   .. math::

       w \\ge l_j u_i + l_i u_j - l_i l_j,\\quad w \\ge h_j u_i + h_i u_j - h_i h_j,\\quad
       w \\le h_j u_i + l_i u_j - l_i h_j,\\quad w \\le l_j u_i + h_i u_j - h_i l_j.

   A product with an unbounded factor keeps ``w_ij`` free (its envelope is
   dropped); constraints of another nonlinearity are dropped. The LP is a
   relaxation, so its optimum bounds ``v`` over every feasible point; an
   unbounded LP gives no bound on that side. Each round re-solves with the
   bounds found so far (tighter envelopes), for ``rounds`` rounds or until
   nothing improves, all within ``time_limit`` seconds.

Only what holds for every value of the model's parameters is used:
constraints that contain a mutable ``Param`` or a fixed ``Var`` are left out,
a variable whose bound is a ``Param`` expression counts as unbounded there and
is never tightened itself. A bound is changed only when the derived one is
strictly tighter, and it is first moved outwards by a safety margin
(``FBBT_MARGIN``, ``LP_MARGIN`` of :mod:`~surrogate.milp.bound_margins`, relative to
``max(1, |bound|)``) so no feasible point is cut by round-off or the LP solver's tolerances; an exact
side (an integer's rounded bound, or one that meets the variable's own bound) gets none.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.core.expr.numvalue import is_constant
from pyomo.core.expr.visitor import identify_mutable_parameters, identify_variables

from ..errors import ConfigError, InfeasibleModelError
from ..options import check_flags, check_seconds, is_number
from .bound_margins import LP_MARGIN, fbbt_side, outward, rounded_exactly
from .highs_run import solver_runs
from .implied_bounds_result import DerivedBound, ImpliedBounds, finite_bounds
from .model_numbers import check_numbers
from .products import check_owned, has_symbolic_bounds, product_terms, quadratic_parts
from .relaxation import mccormick_envelope
from .solver import SolverConfig, Termination, make_solver, solve

#: Each LP gets at least this many seconds (HiGHS refuses a time limit of 0).
_MIN_LP_SECONDS = 0.01
#: Seconds for the LP bound tightening of one model, all LPs together: a safety net, far above what it
#: takes (at most 1.6 s on the 61 QCQPs of ``qcqp-dev``), so that on a loaded machine it derives the
#: same bounds as on an idle one; the LPs are few (``rounds`` x 2 per factor) and each is solved exactly.
DEFAULT_LP_SECONDS = 30.0


def product_factors(model, *, leave_out=None) -> list:
    """The distinct variables of the degree-2 terms of ``model``'s active objectives and constraints, in order;
    ``leave_out(x, y)``: whether to leave out the terms of ``x*y`` (``None``: none)."""
    found = ComponentMap()
    comps = [(o.expr, f"objective {o.name!r}") for o in model.component_data_objects(pyo.Objective, active=True)]
    comps += [(c.body, f"constraint {c.name!r}") for c in model.component_data_objects(pyo.Constraint, active=True)]
    for expr, where in comps:
        for _, pair in product_terms(quadratic_parts(expr, where)):
            for var in () if leave_out is not None and leave_out(*pair) else pair:
                found[var] = None
    return list(found.keys())


def _wants(var, wide: float) -> tuple[bool, bool]:
    """Whether ``var``'s lower / upper bound should be tightened: missing, or the box is wider than ``wide``."""
    lb, ub = finite_bounds(var)
    too_wide = lb is not None and ub is not None and ub - lb > wide
    return lb is None or too_wide, ub is None or too_wide


def _parametric(con) -> bool:
    """Whether a constraint holds a mutable ``Param`` or a fixed ``Var`` (its implications depend on their values)."""
    parts = [e for e in (con.lower, con.body, con.upper) if e is not None]
    return any(
        next(identify_mutable_parameters(e), None) is not None or any(v.fixed for v in identify_variables(e, include_fixed=True))
        for e in parts
    )


@contextmanager
def _relaxed_view(model):
    """``model`` without its parametric constraints and bounds, yielding their names; every bound and activity
    restored on exit (of a variable its rows read from outside a block too: FBBT tightens it)."""
    read = (v for c in model.component_data_objects(pyo.Constraint, active=True) for v in identify_variables(c.body))
    variables = ComponentMap((v, 0) for vs in (model.component_data_objects(pyo.Var, descend_into=True), read) for v in vs)
    saved = [(v, v.lower, v.upper) for v in variables]
    parked = [c for c in model.component_data_objects(pyo.Constraint, active=True) if _parametric(c)]
    try:
        for con in parked:
            con.deactivate()
        for var, lower, upper in saved:  # a bound that is a Param expression counts as missing
            None if is_constant(lower) else var.setlb(None)
            None if is_constant(upper) else var.setub(None)
        yield tuple(con.name for con in parked)
    finally:
        for var, lower, upper in saved:
            var.setlb(lower), var.setub(upper)
        for con in parked:
            con.activate()


def _run_fbbt(model) -> None:
    """FBBT on ``model`` in place, or :class:`InfeasibleModelError` if it finds the constraints infeasible."""
    from pyomo.common.errors import InfeasibleConstraintException
    from pyomo.contrib.fbbt.fbbt import fbbt

    try:
        fbbt(model, deactivate_satisfied_constraints=False)
    except InfeasibleConstraintException as exc:
        raise InfeasibleModelError(
            f"model {model.name!r} is infeasible: bound propagation (FBBT) through its constraints found no point "
            f"within its variables' bounds ({exc}); check the constraints and bounds it names, or pass "
            "implied_bounds=False to skip bound tightening"
        ) from None


def propagated_bounds(model, variables) -> list[tuple[float | None, float | None]]:
    """The bounds FBBT derives for ``variables`` from ``model``'s constraints and bounds, the model left as it was."""
    with _relaxed_view(model):
        _run_fbbt(model)
        return [finite_bounds(v) for v in variables]


def _tighter(value: float | None, current: float | None, side: int) -> bool:
    return value is not None and (current is None or (value > current if side == 0 else value < current))


def _set_side(var, side: int, value: float) -> None:
    var.setlb(value) if side == 0 else var.setub(value)


def _product_column(lp, x, y):
    """A new LP column ``w`` for ``x*y`` with its McCormick envelope when both factors are bounded (else free)."""
    w = lp.w.add()
    (lx, ux), (ly, uy) = finite_bounds(x), finite_bounds(y)
    if None in (lx, ux, ly, uy):
        return w
    for row in mccormick_envelope(w, x, y, (lx, ux, ly, uy)):
        lp.rows.add(row)
    return w


def _relaxation_lp(model):
    """The LP relaxation of ``model``'s active constraints (module docstring); returns it and its column map."""
    from pyomo.repn import generate_standard_repn

    lp = pyo.ConcreteModel(name="implied_bounds_lp")
    lp.u, lp.w, lp.rows = pyo.VarList(), pyo.VarList(), pyo.ConstraintList()
    lp.obj = pyo.Objective(expr=0.0)
    columns, products = ComponentMap(), {}

    def column(var):
        if var not in columns:
            columns[var] = lp.u.add()
            columns[var].setlb(finite_bounds(var)[0]), columns[var].setub(finite_bounds(var)[1])
        return columns[var]

    for con in model.component_data_objects(pyo.Constraint, active=True):
        repn = generate_standard_repn(con.body, quadratic=True)
        if repn.nonlinear_expr is not None or repn.is_constant():
            continue
        expr = repn.constant + sum(c * column(v) for c, v in zip(repn.linear_coefs, repn.linear_vars))
        for coef, (v1, v2) in zip(repn.quadratic_coefs, repn.quadratic_vars):
            key = tuple(sorted((id(v1), id(v2))))
            if key not in products:
                products[key] = _product_column(lp, column(v1), column(v2))
            expr = expr + coef * products[key]
        lower, upper = (None if b is None else pyo.value(b) for b in (con.lower, con.upper))
        lp.rows.add((lower, expr, upper))
    return lp, columns


def _lp_optimum(lp, column, side: int, seconds: float, solver) -> float | None:
    """``min`` (side 0) or ``max`` (side 1) of ``column`` over ``lp``; ``None`` if unbounded or not solved in time.

    Raises :class:`InfeasibleModelError` if the relaxation, hence the model, is infeasible.
    """
    if column is None:
        return None
    lp.obj.expr = column
    lp.obj.sense = pyo.minimize if side == 0 else pyo.maximize
    config = SolverConfig(time_limit=max(seconds, _MIN_LP_SECONDS), rel_gap=1e-9, threads=1)
    result = solve(lp, config, solver=solver, check=False)  # only its bound is used
    if result.termination == Termination.INFEASIBLE:
        raise InfeasibleModelError(
            "the model is infeasible: the LP relaxation of its linear and quadratic constraints (McCormick envelopes "
            "of its products) has no point within its variables' bounds; check the constraints and bounds, or pass "
            "implied_bounds=False to skip bound tightening"
        )
    return result.objective if result.optimal else None


def _lp_rounds(model, wanted, found, *, deadline: float, rounds: int, wide: float) -> tuple[int, bool]:
    """LP bound tightening of ``wanted`` in place (``found`` records each new side); returns ``(rounds run, timed out)``."""
    for done in range(rounds):
        sides = [(v, s) for v in wanted if not v.is_integer() for s in (0, 1) if _wants(v, wide)[s]]
        if not sides:
            return done, False
        lp, columns = _relaxation_lp(model)
        solver, improved = make_solver(SolverConfig()), False
        for var, side in sides:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return done + 1, True
            value = _lp_optimum(lp, columns.get(var), side, remaining, solver)
            value = None if value is None else outward(value, side, LP_MARGIN)
            if _tighter(value, finite_bounds(var)[side], side):
                _set_side(var, side, value)
                found[var][side], improved = (value, "lp"), True
        if not improved:
            return done + 1, False
    return rounds, False


def _check_options(time_limit, rounds, wide, lp) -> None:
    check_seconds("tighten_product_bounds: time_limit", time_limit)  # the same check of a time limit as every solve
    check_flags("tighten_product_bounds", lp=lp)
    if not is_number(rounds, integer=True, low=0):
        raise ConfigError(f"tighten_product_bounds: rounds={rounds!r} must be an integer >= 0 (0: FBBT only)")
    if not is_number(wide, low=0, low_open=True):
        raise ConfigError(f"tighten_product_bounds: wide={wide!r} must be a positive width (math.inf: only missing bounds)")


def _record_fbbt(wanted, old, found) -> None:
    """Keep (also in the model) each side FBBT made strictly tighter than ``old``, with the margin where it rounds
    (:func:`~surrogate.milp.bound_margins.fbbt_side`); a side the margin puts back to ``old`` is not kept."""
    for var in wanted:
        values = finite_bounds(var)
        exact = [v == o or rounded_exactly(v, integer=var.is_integer()) for v, o in zip(values, old[var])]
        for side in (0, 1):
            value, before = values[side], old[var][side]
            if not _tighter(value, before, side):
                continue
            kept = fbbt_side(value, side, old=before, opposite=values[1 - side], exact=exact[1 - side], integer=var.is_integer())
            tighter = _tighter(kept, before, side)
            found[var][side] = (kept, "fbbt") if tighter else None
            _set_side(var, side, kept if tighter else before)


def _apply(wanted, old, found) -> dict:
    """Set the derived bounds of ``wanted`` and return their :class:`DerivedBound` s by name."""
    derived = {}
    for var in wanted:
        new, sources = list(old[var]), [None, None]
        for side in (0, 1):
            if found[var][side] is not None:
                new[side], sources[side] = found[var][side]
                _set_side(var, side, new[side])
        if sources != [None, None]:
            derived[var.name] = DerivedBound(old[var], tuple(new), tuple(sources))
    return derived


@solver_runs(internal=True)  # its LPs under one hold at 1 thread (HiGHS's scheduler released at its end)
def tighten_product_bounds(
    model, *, time_limit: float = DEFAULT_LP_SECONDS, rounds: int = 3, lp: bool = True, wide: float = math.inf
) -> ImpliedBounds:
    """Derive finite bounds for the factors of ``model``'s products from its constraints (in place).

    FBBT first, then LP bound tightening (see the module docstring for the LP).

    Parameters
    ----------
    model
        A Pyomo model; the factors are the variables of the degree-2 terms of
        its active objectives and constraints.
    time_limit
        Seconds for the LPs, all together (FBBT runs to its end first); see
        :data:`DEFAULT_LP_SECONDS`. Bounds left underived when it ends depend on
        the machine's load, and the result says so (``timed_out``).
    rounds
        LP rounds at most (0: FBBT only).
    lp
        Whether to run the LPs at all.
    wide
        Factors whose box is wider than this are tightened too; the default
        ``inf`` touches only factors with a missing bound, so a model whose
        factors are all bounded is left exactly as it is.

    Returns
    -------
    ImpliedBounds
        The derived bounds (old, new, source) and what stays unbounded.

    Raises
    ------
    InfeasibleModelError
        FBBT or the LP relaxation proves the constraints infeasible.
    ModelFormatError
        A factor is a variable of another model.
    """
    _check_options(time_limit, rounds, wide, lp)
    start = time.perf_counter()
    factors = product_factors(model)
    check_owned(model, factors), check_numbers(factors)  # another model's variable; a bound no solver reads
    wanted = [v for v in factors if not v.fixed and not has_symbolic_bounds(v) and any(_wants(v, wide))]
    old, found = ComponentMap((v, finite_bounds(v)) for v in wanted), ComponentMap((v, [None, None]) for v in wanted)
    lp_rounds, timed_out, left_out = 0, False, ()
    if wanted:
        with _relaxed_view(model) as left_out:
            _run_fbbt(model)
            _record_fbbt(wanted, old, found)
            if lp:
                deadline = start + time_limit
                lp_rounds, timed_out = _lp_rounds(model, wanted, found, deadline=deadline, rounds=rounds, wide=wide)
    derived = _apply(wanted, old, found)
    unbounded = tuple(v.name for v in factors if None in finite_bounds(v))
    variables = {v.name: v for v in wanted}
    seconds = time.perf_counter() - start
    return ImpliedBounds(derived, unbounded, seconds, lp_rounds, timed_out, left_out=left_out, _variables=variables)
