"""Reading the products of a model and rewriting them.

A model's active objective and constraints are read as ``constant + linear + sum q_ij x_i x_j``
(:func:`quadratic_parts`, :func:`product_terms`), the factors of the products are checked for finite bounds
(:func:`finite_bounds`, :func:`check_factors`, :func:`has_symbolic_bounds`; a factor of zero width,
:func:`has_zero_width`, makes the product linear, so its partner needs no bounds: :func:`bounded_factors`), and
:func:`rewrite_products` replaces every product by what a caller builds for it (a surrogate in
:mod:`surrogate.milp.bilinear`, a McCormick envelope in :mod:`surrogate.milp.relaxation`), reporting it in a
:class:`ReplacementReport`.

This module sits below :mod:`surrogate.milp.bilinear`, :mod:`surrogate.milp.relaxation` and
:mod:`surrogate.milp.implied_bounds`, which all read products, so none of them needs another for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    LinearExpression,
    MonomialTermExpression,
    NegationExpression,
    PowExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.core.expr.numvalue import is_constant, is_fixed, is_potentially_variable
from pyomo.core.expr.visitor import identify_mutable_parameters

from ..errors import ConfigError, InfeasibleModelError, ModelFormatError, SurrogateError
from .built_marks import mark_copies
from .model_components import check_components, check_extendable, find_like, lies_within, python_path
from .model_size import ModelSize
from .rewrite_record import RECORD, FactorBox, RewriteRecord, Rewritten, mark_replaced, unmark_replaced
from .solve_arguments import check_model


class UnboundedVariableError(SurrogateError, ValueError):
    """A factor of a product has no finite bounds, so no box can be mapped onto the net's domain."""


def check_variable(var, what: str) -> None:
    """Refuse ``var`` unless it is one Pyomo variable (a scalar ``Var`` or ``m.x[i]``); ``what`` names it (``'bilinear: x'``)."""
    from pyomo.core.base.var import VarData

    if isinstance(var, VarData):
        return
    if getattr(var, "is_indexed", lambda: False)():
        raise ModelFormatError(
            f"{what} is the indexed component {var.name!r}, not one variable: pass one element, e.g. {var.name}[i]"
        )
    raise ModelFormatError(
        f"{what} is a {type(var).__name__} ({var!s}), not one Pyomo variable; a surrogate replaces a product of two "
        "variables: for a product with an expression or a parameter, add a variable equal to it "
        "(model.e = pyo.Var(bounds=...); model.link = pyo.Constraint(expr=model.e == <expression>))"
    )


def finite_bounds(var) -> tuple[float, float]:
    """Finite ``(lb, ub)`` of ``var``, or :class:`UnboundedVariableError` naming it and the fix; an
    :class:`~surrogate.errors.InfeasibleModelError` where its bounds hold no point (``lb > ub``, or an integer's that
    hold no integer)."""
    lb, ub = var.lb, var.ub
    if lb is None or ub is None or not (math.isfinite(lb) and math.isfinite(ub)):
        raise UnboundedVariableError(
            f"variable {var.name!r} has bounds ({lb}, {ub}); a surrogate of a product needs finite bounds on "
            f"both factors: bound it, e.g. {python_path(var)}.setlb(...) and {python_path(var)}.setub(...)"
        )
    if lb > ub:  # no point: an answer (infeasible), not a missing bound (probe123 #3)
        raise InfeasibleModelError(
            f"variable {var.name!r} has lower bound {lb} above upper bound {ub}, so the model has no point; fix its bounds"
        )
    if _holds_no_integer(var):  # (2.5, 2.5) on an integer: written as 2.5*y, it was solved 'optimal' (probe106 #1)
        raise InfeasibleModelError(
            f"integer variable {var.name!r} has bounds [{lb}, {ub}], which hold no integer, so the model has no point; "
            "fix its bounds"
        )
    return float(lb), float(ub)


def _holds_no_integer(var) -> bool:
    """Whether ``var`` is integer and its bounds (within the solvers' integrality tolerance, 1e-6) hold no integer."""
    return var.is_integer() and math.ceil(var.lb - 1e-6) > math.floor(var.ub + 1e-6)


def check_factors(variables, *, note: str = "") -> None:
    """Raise one :class:`UnboundedVariableError` naming every variable of ``variables`` without finite bounds.

    One such variable gets :func:`finite_bounds`' message; ``note`` (e.g. what
    bound tightening tried) is appended. A variable whose bounds hold no point is refused
    on its own, as :func:`finite_bounds` does (an :class:`~surrogate.errors.InfeasibleModelError`).
    """
    unbounded = {}
    for var in variables:
        try:
            finite_bounds(var)
        except UnboundedVariableError as exc:  # (no point at all, InfeasibleModelError, is raised at once)
            unbounded.setdefault(var.name, (var, str(exc)))
    if not unbounded:
        return
    if len(unbounded) == 1:
        raise UnboundedVariableError(next(iter(unbounded.values()))[1] + note)
    listed = ", ".join(f"{name!r} ({v.lb}, {v.ub})" for name, (v, _) in unbounded.items())
    first = python_path(next(iter(unbounded.values()))[0])
    raise UnboundedVariableError(
        f"{len(unbounded)} factors of products have no finite bounds: {listed}; a surrogate of a product needs "
        f"finite bounds on both factors: bound them all, e.g. {first}.setlb(...) and {first}.setub(...){note}"
    )


def check_owned(model, variables) -> None:
    """Refuse a factor that is not a variable of ``model``'s own model: products are keyed by their factors' names,
    which are unique within one model only, so a variable of another model named like one of this model's would share
    that variable's surrogate."""
    root = model.model()
    for var in variables:
        owner = var.model()
        if owner is not root:
            # local_name: a model's name is quoted where it holds brackets (a clone of m.s[1] is named 's[1]')
            where = "no model" if owner is None else f"another model, {owner.local_name!r}"
            if owner is not None and owner.local_name == root.local_name:  # two unnamed models are both 'unknown'
                where = f"another model: a different model object, also named {owner.local_name!r}"
            raise ModelFormatError(
                f"variable {var.name!r} in a product is not a component of model {root.local_name!r} (it belongs to {where}), "
                "so its products cannot be told apart from those of a variable of the same name; "
                "declare it on this model (e.g. model.add_component(name, pyo.Var(...)))"
            )


def has_zero_width(var) -> bool:
    """Whether ``var``'s bounds are finite constants with ``lb == ub`` (a product with it is linear)."""
    return not has_symbolic_bounds(var) and var.lb is not None and var.lb == var.ub


def bounded_factors(x, y) -> tuple:
    """The factors of ``x*y`` that need finite bounds: the one of zero width where a factor has ``lb == ub`` (the
    product is ``lb*y``, exact whatever the bounds of ``y``: :func:`has_zero_width`), else both."""
    return next(((v,) for v in (x, y) if has_zero_width(v)), (x, y))


def has_symbolic_bounds(var) -> bool:
    """Whether a bound of ``var`` is an expression of mutable parameters (not a constant).

    A domain's own bound counts as a constant: ``NonNegativeIntegers`` with
    bounds ``(0, 1)`` has the lower bound ``max(0, 0)``, an expression without a parameter.
    """
    return any(not is_constant(b) and next(identify_mutable_parameters(b), None) is not None for b in (var.lower, var.upper))


def bound_terms(var) -> tuple:
    """``var``'s ``(lower, upper)`` bounds: floats, or the expressions of their mutable ``Param`` s (constraints
    written with them stay linear and follow a changed bound at the next solve)."""
    if has_symbolic_bounds(var):
        return var.lower, var.upper
    return float(var.lb), float(var.ub)


class UnsupportedTermError(SurrogateError, ValueError):
    """A model term is neither linear nor a product of two variables."""


@dataclass(frozen=True)
class ReplacementReport:
    """What :func:`rewrite_products` did (and so :func:`~surrogate.milp.bilinear.replace_products`).

    ``products`` maps each distinct variable pair (by name) to what replaced it (a surrogate, or a McCormick
    envelope); ``terms`` counts the product terms replaced across the objective and constraints; ``components`` names
    the objective and constraints rewritten; ``warnings`` collects the products' numerical warnings (empty when all
    are well scaled); ``implied_bounds`` is what :func:`~surrogate.milp.implied_bounds.tighten_product_bounds` derived
    before (an :class:`~surrogate.milp.implied_bounds_result.ImpliedBounds`; ``None`` when it was off); ``block`` names
    the block of ``model`` that holds every replacement (so the exact model is the one with it deleted and
    ``components`` active again: :meth:`undo`). Before each solve,
    :func:`~surrogate.milp.rewrite_refresh.refresh_rewrites` checks that the block still stands for the model (an
    objective's new sense is followed; a new expression, or a factor's bounds widened, is refused).
    """

    products: dict
    terms: int
    components: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    implied_bounds: object = None
    block: str = ""
    record: object = field(default=None, compare=False, repr=False)  # the block's RewriteRecord: which block it is

    def _block_in(self, model):
        """This report's block in ``model`` (the model replaced, one above it, or a clone of either); ``None`` if absent."""
        block = getattr(self.record, "block", None)
        if block is not None and lies_within(block, model):
            return block
        if block is not None and self.record.root is model.model():  # undone on this very model: gone, even if
            return None  # the products were replaced again (the new block has the old name, and its own report)
        # a clone holds a copy of the block in its place (found as a search finds it), with its own record
        like = [find_like(model, block, model)] if block is not None else []
        for found in (*like, model.find_component(self.block)):
            if found is not None and isinstance(getattr(found, RECORD, None), RewriteRecord):
                return found
        return None

    def replacement_block(self, model, where: str):
        """This report's block in ``model`` (see :meth:`undo`); else :class:`~surrogate.errors.ConfigError`
        naming ``where`` and the fix."""
        check_model(where, model)
        block = self._block_in(model)
        if block is None:
            raise ConfigError(
                f"{where}: this ReplacementReport's block {self.block!r} is not part of model {model.name!r} (the report "
                "is of another model, or of a replacement undone since); pass the report that replace_products "
                "returned for this model"
            )
        return block

    def undo(self, model) -> None:
        """Give ``model`` back as it was before the replacement: the block deleted, the components
        active again and the bounds that bound tightening derived put back (those not changed since by hand).

        Then the model can be solved exactly, edited, and have its products replaced again.

        Raises
        ------
        ConfigError
            If ``model`` is not a Pyomo model or block.
        ModelFormatError
            If ``model`` holds no block of this report (undone already, or another model).
        """
        check_model("ReplacementReport.undo", model)
        block = self._block_in(model)
        if block is None:
            raise ModelFormatError(f"{model.name!r} has no block {self.block!r}: it was undone already, or is another model")
        getattr(block, RECORD).undo()
        if self.implied_bounds is not None:  # on model's own counterparts (a clone's: its own variables)
            self.implied_bounds.restore(model)

    @property
    def n_products(self) -> int:
        """The number of distinct products replaced."""
        return len(self.products)

    def size(self) -> ModelSize:
        """Variables, binaries and constraints that all the replacements added together."""
        sizes = [p.size() for p in self.products.values()]
        return ModelSize(sum(s.variables for s in sizes), sum(s.binaries for s in sizes), sum(s.constraints for s in sizes))


def _zero(expr) -> bool:
    """Whether ``expr`` is 0 whatever its variables and parameters: a product with a literal 0 factor, a sum
    of such, ... Pyomo's symbolic repn leaves ``p*(p*0)*x`` behind for ``x*y*p`` with a mutable ``p``."""
    if not getattr(expr, "is_expression_type", lambda: False)():
        return is_constant(expr) and pyo.value(expr) == 0
    if isinstance(expr, (ProductExpression, MonomialTermExpression)):
        return any(_zero(arg) for arg in expr.args)
    if isinstance(expr, (SumExpression, NegationExpression)):
        return all(_zero(arg) for arg in expr.args)
    if isinstance(expr, DivisionExpression):
        return _zero(expr.args[0])
    return False


def quadratic_parts(expr, where: str):
    """``expr`` as constant + linear + quadratic terms, coefficients kept symbolic (mutable Params, fixed Vars)."""
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(expr, quadratic=True, compute_values=False)
    if repn.nonlinear_expr is not None and not _zero(repn.nonlinear_expr):
        raise UnsupportedTermError(
            f"{where} has a term that is not linear or a product of two variables ({repn.nonlinear_expr}); "
            "only degree-2 polynomial terms can be replaced by x*y surrogates: rewrite it with auxiliary variables"
            + _param_power(repn.nonlinear_expr)
        )
    return repn


def _param_power(expr) -> str:
    """What to write for ``x**p`` in ``expr``, ``p`` a mutable Param or fixed variable (probe138), ``x`` bracketed if compound."""
    nodes = [expr]
    for node in nodes:  # every node, parents first
        nodes += node.args if getattr(node, "is_expression_type", lambda: False)() else ()
        if isinstance(node, PowExpression) and is_fixed(node.args[1]) and not is_constant(node.args[1]):
            (x, p), at = node.args, pyo.value(node.args[1], exception=False)
            b = f"({x})" if getattr(x, "is_expression_type", lambda: False)() or str(x).startswith("-") else str(x)
            fix = {2: f"write {b}*{b}, or give the exponent as a constant: {b}**2", 1: f"write {x}", None: f"give {p} a value"}
            return (
                f" (or, for {node}: its exponent {p} is a mutable Param or fixed variable at {at!r}, whose value a replacement "
                f"does not read; {fix.get(at, f'{b}**{at!r} is no product of two variables, which no x*y surrogate writes')})"
            )
    return ""


def product_terms(repn) -> list:
    """``(coefficient, (v1, v2))`` of the quadratic terms whose coefficient is not the constant 0."""
    return [
        (coef, pair)
        for coef, pair in zip(repn.quadratic_coefs, repn.quadratic_vars)
        if not (is_constant(coef) and pyo.value(coef) == 0)
    ]


def rewrite_products(model, block_name: str, make_product, *, note: str = "", follows_params: bool = True) -> ReplacementReport:
    """Rewrite every degree-2 term of ``model``'s active objective and constraints (in place).

    ``make_product(block, x, y)`` returns an object whose ``.expr`` stands for
    ``x*y``; it is called once per distinct pair. Rewritten components are
    deactivated and replaced by new ones in the block ``model.<block_name>``.
    A term whose coefficient cancels to 0 is dropped (no product). Coefficients
    and constants stay symbolic: a mutable ``Param`` or a fixed ``Var`` in them
    is read at each solve (a fixed ``Var`` that is later unfixed makes the
    model nonlinear, which :func:`~surrogate.milp.solver.solve` refuses).
    A model with a component a solve would leave out (an untransformed
    ``Disjunction``, whose constraints may hold products) is refused with
    :class:`~surrogate.errors.UnsupportedComponentError` (see
    :func:`~surrogate.milp.model_components.check_components`).
    Nothing is changed if any term cannot be handled, or a product fails while
    it is built (its block is removed and every component it deactivated is
    active again); ``note`` is appended to
    the message of an :class:`UnboundedVariableError` (see :func:`check_factors`; the partner of a zero-width factor
    is not checked, :func:`bounded_factors`, so ``make_product`` must write that product as ``lb*y``). ``follows_params=False``:
    ``make_product`` reads bounds of mutable ``Param`` s once, so a changed one is refused at the next solve.
    """
    if model.component(block_name) is not None:
        raise ModelFormatError(
            f"{model.name!r} already has a block {block_name!r}: its products were replaced before; start from the exact "
            "model, which report.undo(model) gives back (the report the earlier replacement returned)"
        )
    check_extendable(model)
    check_components(model)  # a product in an untransformed Disjunct would be missed
    targets = []
    for obj in model.component_data_objects(pyo.Objective, active=True, descend_into=True):
        targets.append(("objective", obj, quadratic_parts(obj.expr, f"objective {obj.name!r}")))
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        targets.append(("constraint", con, quadratic_parts(con.body, f"constraint {con.name!r}")))
    # check every factor before changing anything; the partner of a zero-width factor needs no bounds (lb*y)
    pairs = [pair for _, _, repn in targets for _, pair in product_terms(repn)]
    check_owned(model, [v for pair in pairs for v in pair])
    factors = [v for pair in pairs for v in bounded_factors(*pair)]
    check_factors(factors, note=note)
    block = pyo.Block()
    model.add_component(block_name, block)
    touched: list = []
    try:
        products, terms = _rewrite(block, targets, make_product, touched)
    except BaseException:  # a product that fails part-way (or a warning turned into an error): undo it all
        for comp in touched:
            comp.activate()
        unmark_replaced(touched)
        model.del_component(block)
        raise
    getattr(block, RECORD).built(factor_boxes(products.values(), factors, follows_params=follows_params))
    found = tuple(w for p in products.values() for w in getattr(p, "warnings", ()))
    return ReplacementReport(
        products, terms, tuple(c.name for c in touched), found, block=block_name, record=getattr(block, RECORD)
    )


def factor_boxes(products, factors=(), *, follows_params: bool = True) -> list:
    """The :class:`FactorBox` of every factor a product relies on (``box_factors``), integer where one relies on its
    integrality (``integer_factors``); every factor of ``factors``, as it is, for products that do not say."""
    products = list(products)
    if any(not hasattr(p, "box_factors") for p in products):  # e.g. McCormick envelopes
        return [FactorBox.of(v, symbolic=follows_params and has_symbolic_bounds(v)) for v in ComponentSet(factors)]
    relied = ComponentSet(v for p in products for v in p.integer_factors)
    distinct = ComponentSet(v for p in products for v in p.box_factors)
    return [FactorBox.of(v, symbolic=follows_params and has_symbolic_bounds(v), integer=v in relied) for v in distinct]


def _rewrite(block, targets, make_product, touched: list) -> tuple[dict, int]:
    """Rewrite ``targets`` into ``block`` (see :func:`rewrite_products`): ``(products, terms)``.

    Each component is appended to ``touched`` as it is deactivated, so that a caller can undo a failure part-way.
    """
    block.constraints = pyo.ConstraintList()
    setattr(block, RECORD, RewriteRecord(block))
    products: dict = {}
    terms = 0
    for kind, comp, repn in targets:
        if not repn.quadratic_vars:
            continue
        expr = repn.constant + sum(c * v for c, v in zip(repn.linear_coefs, repn.linear_vars))
        for coef, (v1, v2) in product_terms(repn):
            key = tuple(sorted((v1.name, v2.name)))
            if key not in products:
                products[key] = make_product(block, v1, v2)
            expr = expr + coef * products[key].expr
            terms += 1
        comp.deactivate()
        touched.append(comp)
        mark_replaced(comp, block.name)
        if kind == "objective":  # the list made only when needed: gdp.bigm refuses an objective in a disjunct
            if block.component("objectives") is None:
                block.objectives = pyo.ObjectiveList()
                mark_copies(block.objectives)
            copy = block.objectives.add(expr=expr, sense=comp.sense)
        else:
            if not is_potentially_variable(expr):  # every product cancels (x*y - y*x): Pyomo refuses a row of constants
                expr = LinearExpression(constant=expr, linear_coefs=[0], linear_vars=[repn.quadratic_vars[0][0]])
            copy = block.constraints.add((comp.lower, expr, comp.upper))
        getattr(block, RECORD).rewritten.append(Rewritten.of(comp, copy))
    return products, terms
