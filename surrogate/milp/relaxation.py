"""The McCormick relaxation of a bilinear model: an LP whose optimum bounds the true one.

Each distinct product ``x*y`` with ``x in [lx, ux]``, ``y in [ly, uy]`` becomes
a variable ``z`` with the four McCormick inequalities

.. math::

    z \\ge l_x y + l_y x - l_x l_y,\\quad z \\ge u_x y + u_y x - u_x u_y,\\\\
    z \\le u_x y + l_y x - u_x l_y,\\quad z \\le l_x y + u_y x - l_x u_y,

the convex and concave envelopes of ``xy`` on the box. For a minimisation the
LP optimum is a valid lower bound on the global optimum (an upper bound for a
maximisation).
A coefficient below :data:`SMALL_COEFFICIENT` (a bound of about 0) is not
written: its term is replaced by its extreme over the box, which keeps the row
valid (solvers drop such an entry but keep the row's constant). A product with a factor of zero width is written
exactly, ``lb*y`` (no envelope; ``y`` needs no bounds), and a factor whose bound a solver cannot load as a
coefficient is refused by name (:func:`check_envelope_limits`).
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from ..errors import ConfigError, ModelFormatError
from .model_components import lies_within
from .products import finite_bounds, has_zero_width, product_terms, quadratic_parts, rewrite_products
from .rewrite_record import RECORD, RewriteRecord
from .rewrite_refresh import refresh_rewrites
from .scaled_products import LinearProduct
from .solve_arguments import check_model
from .solve_checks import COEFFICIENT_LIMITS
from .solve_interrupts import interruptible_clone
from .solver import SolverConfig, SolveResult, solve
from .solver_backends import backend_for

#: A factor's coefficient in a McCormick row below this (a bound of ~0) is moved into the row's constant: solvers
#: drop a matrix entry of 1e-9 (HiGHS's ``small_matrix_value``) but keep the constant, which makes another, tighter row.
SMALL_COEFFICIENT = 1e-8


def _term(coef: float, var, low: float, high: float, sense: int) -> tuple[object, float]:
    """``(coef * var, 0)``, or ``(0, its min over [low, high])`` for ``sense`` 1 (``z >=``), its max for -1, when
    ``|coef|`` is below :data:`SMALL_COEFFICIENT`: the row is relaxed by at most ``|coef| (high - low)``."""
    if abs(coef) >= SMALL_COEFFICIENT:
        return coef * var, 0.0
    ends = (coef * low, coef * high)
    return 0, min(ends) if sense == 1 else max(ends)


def mccormick_envelope(z, x, y, box: tuple[float, float, float, float]) -> list:
    """The four McCormick inequalities (module docstring) tying ``z`` to ``x*y`` on ``box = (lx, ux, ly, uy)``;
    a coefficient below :data:`SMALL_COEFFICIENT` is replaced by its term's extreme over the box (still valid)."""
    lx, ux, ly, uy = box
    rows = []
    for sense, a, b in ((1, lx, ly), (1, ux, uy), (-1, ux, ly), (-1, lx, uy)):  # z >=/<= a y + b x - a b
        (on_y, off_y), (on_x, off_x) = _term(a, y, ly, uy, sense), _term(b, x, lx, ux, sense)
        rhs = on_y + on_x + (off_y + off_x - a * b)
        rows.append(z >= rhs if sense == 1 else z <= rhs)
    return rows


class _Envelope:
    def __init__(self, block, x, y):
        self.x, self.y = x, y
        if has_zero_width(x) or has_zero_width(y):  # exactly lb*y, whatever y's bounds (none needed: bounded_factors)
            self.expr = LinearProduct(x, y).expr
            return
        lx, ux = finite_bounds(x)
        ly, uy = finite_bounds(y)
        k = len(block.component_map(pyo.Var))
        z = pyo.Var(bounds=(min(lx * ly, lx * uy, ux * ly, ux * uy), max(lx * ly, lx * uy, ux * ly, ux * uy)))
        block.add_component(f"z{k}", z)
        cons = pyo.ConstraintList()
        block.add_component(f"envelope{k}", cons)
        for row in mccormick_envelope(z, x, y, (lx, ux, ly, uy)):
            cons.add(row)
        self.expr = z


def check_envelope_limits(products, solver: str) -> None:
    """Refuse a factor of ``products`` (the :func:`mccormick` report's) whose bound ``solver`` cannot load as the
    coefficient the McCormick rows give it (:data:`~surrogate.milp.solve_checks.COEFFICIENT_LIMITS`), naming the
    variable and its product rather than the relaxation's own rows (``mccormick.envelope0[2]``).

    Raises
    ------
    ModelFormatError
        A factor with a bound at or beyond the solver's limit on a matrix coefficient (HiGHS: 1e15).
    """
    backend = backend_for(solver)
    limit, _, side_limit = COEFFICIENT_LIMITS.get(backend.name, (math.inf,) * 3)
    for product in products:
        factors = [v for v in (product.x, product.y) if has_zero_width(v)] or [product.x, product.y]  # lb*y: lb only
        for var in factors:
            bound = max(abs(var.lb), abs(var.ub))
            if bound >= limit:
                _refuse_envelope(
                    product, var, f"a bound of {bound:.3g}", f"{backend.label}'s limit of {limit:g} on a coefficient", limit
                )
        if len(factors) == 1:
            continue
        corners = max(abs(a * b) for a in (product.x.lb, product.x.ub) for b in (product.y.lb, product.y.ub))
        if corners >= side_limit:  # the rows' sides (lx*ly, ...): past it, read as infinite
            var = max(factors, key=lambda v: max(abs(v.lb), abs(v.ub)))
            what = f"bounds whose products with the other factor's reach {corners:.3g}"
            _refuse_envelope(product, var, what, f"{backend.label}'s limit of {side_limit:g} on a row's side", side_limit**0.5)


def _refuse_envelope(product, var, what: str, limit: str, below: float) -> None:
    """The refusal of :func:`check_envelope_limits`: ``var`` of ``product`` has ``what``, beyond ``limit``."""
    raise ModelFormatError(
        f"variable {var.name!r}, a factor of the product {product.x.name}*{product.y.name}, has {what}, at or above "
        f"{limit}: the McCormick relaxation writes the factors' bounds into its rows, which the solver cannot load; "
        f"give {var.name} bounds below {below:.3g} in magnitude (as tight as the model allows: a surrogate's error "
        "grows with its box too), or rescale the model"
    )


def mccormick(model) -> object:
    """Rewrite ``model`` in place into its McCormick relaxation; returns the replacement report."""
    check_model("mccormick", model)
    return rewrite_products(model, "mccormick", _Envelope, follows_params=False)  # envelopes of the bounds' values


def exact_copy(model):
    """A clone of ``model`` with each replacement of its products undone on it (``replace_products``: its
    :class:`~surrogate.milp.rewrite_record.RewriteRecord`), so the clone is the exact bilinear model the replacement
    stands for (bounds the replacement derived from the constraints kept: they hold wherever the constraints do).

    Raises
    ------
    ModelFormatError
        If a replacement no longer stands for the model (as :func:`~surrogate.milp.solver.solve` refuses it).
    """
    copy = interruptible_clone(model)
    refresh_rewrites(copy)  # a replacement that no longer stands for the model is refused, as a solve refuses it
    for block in reversed(list(copy.component_data_objects(pyo.Block, descend_into=True))):
        record = getattr(block, RECORD, None)
        if isinstance(record, RewriteRecord):
            record.undo()
    return copy


def _check_factors_inside(relaxed, model) -> None:
    """Refuse a product of the block ``model`` (``relaxed``: its copy) whose factor lies outside it, in its model: the
    copy shares that variable, whose McCormick rows a relaxation of the block alone cannot name apart from its own."""
    if model.parent_block() is None:
        return
    top = model.model()
    for row in relaxed.component_data_objects((pyo.Objective, pyo.Constraint), active=True, descend_into=True):
        repn = quadratic_parts(row.expr if row.ctype is pyo.Objective else row.body, f"{row.ctype.__name__} {row.name!r}")
        for var in (v for _, pair in product_terms(repn) for v in pair):
            if not lies_within(var, relaxed) and lies_within(var, top):
                raise ModelFormatError(
                    f"variable {var.name!r} in a product of block {model.name!r} lies outside that block (in its model), "
                    "so a relaxation of the block alone cannot hold that product's McCormick rows; relax the model that "
                    "holds it (mccormick_bound(model), a bound of the whole model), or declare the variable in the block"
                )


def solve_mccormick(model, config: SolverConfig = SolverConfig()) -> tuple[SolveResult, dict]:
    """Solve the McCormick relaxation of a copy of ``model`` (of the exact model where ``replace_products`` replaced
    its products: :func:`exact_copy`); also return its point (name -> value)."""
    _check_arguments("solve_mccormick", model, config)
    relaxed = exact_copy(model)
    _check_factors_inside(relaxed, model)
    check_envelope_limits(mccormick(relaxed).products.values(), config.solver)
    result = solve(relaxed, config)
    values = {}
    if result.has_solution:
        values = {v.name: v.value for v in relaxed.component_data_objects(pyo.Var) if not v.name.startswith("mccormick")}
    return result, values


def mccormick_bound(model, config: SolverConfig = SolverConfig()) -> SolveResult:
    """Solve the McCormick relaxation of a copy of ``model`` with HiGHS (its bound is ``.bound``).

    A model whose products :func:`~surrogate.milp.bilinear.replace_products` replaced is relaxed as the exact
    model it stands for (:func:`exact_copy`): the bound is one of the original bilinear problem, not the
    surrogate MILP's optimum (which is no bound of it). Products built with ``bilinear`` or ``add_surrogate``
    by hand stay as they are (their rows are linear already).
    """
    _check_arguments("mccormick_bound", model, config)
    return solve_mccormick(model, config)[0]


def _check_arguments(where: str, model, config) -> None:
    """Raise :class:`ConfigError` naming ``where`` unless ``model`` is a Pyomo model or block and ``config`` a
    :class:`SolverConfig` (``None`` or a dict of its fields was a bare ``AttributeError``)."""
    check_model(where, model)
    if not isinstance(config, SolverConfig):
        raise ConfigError(
            f"{where}: config={config!r} must be a SolverConfig, e.g. {where}(model, SolverConfig(time_limit=60)) "
            "(or leave it out for the default)"
        )
