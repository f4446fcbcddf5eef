"""Replace a product x*y in a Pyomo model by a ReLU surrogate, on any box.

A net serves every box exactly. It is trained (or built) on its domain
``[p, q] x [r, s]`` (:attr:`~surrogate.nets.network.ReluMLP.domain`: the ``domain``
metadata every export writes; [-1, 1]^2 for a net that declares none, and for
every baseline of :mod:`surrogate.milp.baselines`). With ``x = a*xh + b`` mapping
``xh`` in [p, q] onto ``x``'s bounds [lx, ux], and ``y = c*yh + d`` mapping
``yh`` in [r, s] onto [ly, uy],

.. math::

    a = \\frac{u_x - l_x}{q - p},\\quad b = \\frac{u_x + l_x}{2} - a \\frac{p + q}{2},\\qquad
    c = \\frac{u_y - l_y}{s - r},\\quad d = \\frac{u_y + l_y}{2} - c \\frac{r + s}{2},

    x y = a c \\, \\hat x \\hat y + a d \\, \\hat x + b c \\, \\hat y + b d,

so ``z = a c N(xh, yh) + a d xh + b c yh + b d`` and the surrogate's error on
the box is ``|a c|`` times its error on its domain. A square ``x*x`` is the
same with ``y = x``.

Special cases:

* A factor with ``lb == ub`` makes the product linear (``x*y = lb*y``): it gets
  a :class:`LinearProduct`, no surrogate and no binary.
* A binary factor (a ``Binary`` domain, or integers within [0, 1]) makes the
  product exactly linear with four constraints: it gets a :class:`BinaryProduct`,
  no surrogate and no new binary.
* An integer factor of at most ``2**INTEGER_BITS`` values (constant bounds) is
  written by its binary digits, each digit's product exact as a binary factor's:
  it gets an :class:`IntegerProduct`, no surrogate, ``ceil(log2(U - L + 1))`` binaries.
* A term whose coefficient cancels to 0 (``2*x*y - 2*x*y``) gets nothing.
* Bounds given by mutable ``Param`` s make ``a, b, c, d`` Pyomo expressions of
  them, so every constraint stays linear and a changed bound holds at the next
  solve; mutable parameters and fixed variables elsewhere in a rewritten
  term stay symbolic too (see :func:`~surrogate.milp.products.rewrite_products`).
* Coefficients of ``z`` (``|ac|, |ad|, |bc|, |bd|``) above
  :data:`PRODUCT_SCALE_LIMIT` give a :class:`~surrogate.errors.NumericsWarning`
  (also kept in ``.warnings``): HiGHS's tolerances, scaled by them, no longer
  bound the solver's error.
* Units (``Var(units=...)``) are not carried into the rewritten rows: their new variables (scaled factors, a net's
  output) and coefficients are dimensionless, so Pyomo's ``assert_units_consistent`` fails on a replaced model while
  the solve, which reads numbers only, is unchanged: check units before replacing (or after ``report.undo(model)``).
"""

from __future__ import annotations

import dataclasses
import os
import re

import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from ..errors import ConfigError, ModelFormatError, NumericsWarning, warn_caller
from ..nets.network import ReluMLP
from ..nets.zoo import DEFAULT_ZOO, names_a_file, resolve_surrogate  # noqa: F401 (resolve_surrogate: part of this module's API)
from ..options import check_flags, check_seconds
from .baselines import is_baseline, parse_baseline
from .binary_products import BinaryProduct, is_binary_factor
from .built_marks import mark_defines, removed_on_failure
from .certify import CERTIFY_POINTS, DECLARED_MARGIN, certified_error_bound  # noqa: F401 (re-exported)
from .encoding import add_surrogate
from .formulations import DEFAULT_FORMULATION, check_formulation
from .implied_bounds import DEFAULT_LP_SECONDS, tighten_product_bounds
from .implied_note import implied_note, put_back_partial
from .integer_products import IntegerProduct, is_exact_pair
from .interface import ProductError  # noqa: F401 (re-exported: this module's API before it moved)
from .loose_box import LOOSE_BOX_FACTOR, loose_box_warnings  # noqa: F401 (re-exported: this module's API before they moved)
from .model_components import check_extendable, check_rows, lies_within, python_path
from .model_numbers import check_numbers
from .products import (  # noqa: F401 (re-exported: this module's API before they moved)
    ReplacementReport,
    UnboundedVariableError,
    UnsupportedTermError,
    bounded_factors,
    check_factors,
    check_variable,
    factor_boxes,
    finite_bounds,
    has_symbolic_bounds,
    product_terms,
    quadratic_parts,
    rewrite_products,
)
from .rewrite_basis import Basis
from .rewrite_record import PRODUCT, RECORD, FactorRecord, RewriteRecord, bound_slack
from .scaled_products import (  # noqa: F401 (re-exported: this module's API before they moved)
    PRODUCT_SCALE_LIMIT,
    BilinearSurrogate,
    EncodedBaseline,
    ErrorSlack,
    LinearProduct,
    add_scaled,
    exact_scale_warnings,
    factor_map,
    has_zero_width,
    map_row,
    scale_warnings,
)
from .solve_arguments import check_block_name, check_model


def _check_factors(model, x, y, name, error_aware) -> None:
    """Refuse ``x, y`` unless each is one variable with the bounds it needs (:func:`bounded_factors`), on a built ``model``."""
    check_model("bilinear", model), check_block_name("bilinear", name, optional=True)
    check_flags("bilinear", error_aware=error_aware), check_variable(x, "bilinear: x"), check_variable(y, "bilinear: y")
    check_extendable(model), check_numbers([x, y])  # a text bound or fixed value named, as solve names it
    [_check_fixed_inside(finite_bounds(v), v) for v in bounded_factors(x, y)]


def _check_fixed_inside(bounds: tuple[float, float], var) -> None:
    """Refuse a factor fixed at a value outside its ``bounds``, the box its product would be built for (every solve
    refuses it then, as if the model had changed after the build)."""
    (low, high), value = bounds, var.value
    if var.fixed and value is not None and not low - bound_slack(low) <= value <= high + bound_slack(high):
        raise ModelFormatError(
            f"bilinear: {var.name!r} is fixed at {value!r}, outside its bounds [{low!r}, {high!r}], the box its product "
            f"would be built for; fix it within them, or widen them first ({python_path(var)}.setlb(...) / .setub(...))"
        )


def _resolve(surrogate, zoo, formulation: str):
    """A baseline object as it is (or named: ``'sawtooth-10'``), else the net behind a net/path/zoo name (2 inputs,
    1 output); ``formulation`` is checked either way (a baseline has its own, but a misspelt one is still refused)."""
    check_formulation(formulation)
    if isinstance(surrogate, str) and not names_a_file(surrogate) and not os.path.isfile(surrogate):
        try:
            return parse_baseline(surrogate)
        except ConfigError:
            if _baseline_name(surrogate):
                raise  # a baseline's name with a size it cannot take: its own reason, not the zoo's
            # no baseline's name: a zoo net's
    if is_baseline(surrogate):
        return surrogate
    try:
        return resolve_surrogate(surrogate, zoo=zoo).check_product_net("surrogate of a product")
    except ModelFormatError as error:
        if isinstance(surrogate, str) and os.path.isfile(surrogate) and _baseline_name(surrogate):
            try:
                parse_baseline(surrogate)
                instead = f"or pass the baseline itself (parse_baseline({surrogate!r}))"
            except ConfigError as bad:  # no baseline either: say why
                instead = f"though no baseline has that name either ({bad})"
            raise ModelFormatError(
                f"{error}; the file {surrogate!r} in the current folder is read as a net before the baseline of that "
                f"name: rename or move the file, {instead}"
            ) from None
        raise


def _baseline_name(name: str) -> bool:  # a baseline's form (sawtooth-10, pwl-4x4), whatever its size
    return re.fullmatch(r"(sawtooth|nmdt|pw-mccormick|pwl)-[0-9x]+", name) is not None


def _block_name(model, x, y, name: str | None) -> str:
    base = name or "surrogate_" + "_".join("".join(ch if ch.isalnum() else "_" for ch in v.name) for v in (x, y))
    block_name, k = base, 1
    while model.component(block_name) is not None or model.component(block_name + "_scaled") is not None:
        k += 1
        block_name = f"{base}_{k}"
    return block_name


def _error_slack(scaled, approx, maps) -> tuple[float, object]:
    """``(E, s)``: the certified error of ``approx`` on its domain and an :class:`ErrorSlack` ``s`` in ``[-E ac, E ac]``.

    A relaxation baseline already contains ``x*y`` (no slack, ``s`` is ``None``); an
    approximation baseline's ``max_error`` is its certified bound.
    """
    if is_baseline(approx):
        if approx.evaluate is None:
            return approx.max_error, None
        bound = approx.max_error
    else:
        bound = certified_error_bound(approx)
    (a, _), (c, _) = maps
    width = bound * a * c  # a, c >= 0: they map an interval onto a box side of non-negative width
    scaled.slack = pyo.Var(bounds=(-1, 1))  # scaled: a column of width 2E|ac| ~1e-6 is left at the wrong end
    return bound, ErrorSlack(scaled.slack, width)


def _exact_product(model, x, y, block_name: str) -> LinearProduct | BinaryProduct | IntegerProduct | None:
    """``x*y`` written exactly without a surrogate, or ``None``: a :class:`LinearProduct` when a factor
    has ``lb == ub``, else a :class:`BinaryProduct` (in block ``block_name``) when a factor is binary,
    else an :class:`IntegerProduct` when a factor is an integer of few values (:func:`is_exact_pair`)."""
    if not is_exact_pair(x, y):
        return None
    if has_zero_width(x) or has_zero_width(y):
        return LinearProduct(x, y)
    exact = (BinaryProduct if is_binary_factor(x) or is_binary_factor(y) else IntegerProduct)(model, x, y, block_name)
    exact.warnings = exact_scale_warnings(x, y)  # digits and big-M rows: as badly scaled as a surrogate can be
    return exact


def _encode(model, approx, inputs: list, formulation: str, block_name: str):
    """The encoding of ``approx`` (a net, or a baseline in a new block) on the scaled ``inputs``, as block ``block_name``."""
    if is_baseline(approx):
        block = pyo.Block()
        model.add_component(block_name, block)
        return EncodedBaseline(block, approx, inputs)
    return add_surrogate(model, approx, inputs, formulation=formulation, name=block_name)


def _surrogate_product(model, x, y, approx, formulation: str, block_name: str, error_aware: bool) -> BilinearSurrogate:
    """``x*y`` through ``approx`` in blocks ``block_name`` and ``<block_name>_scaled``; neither is left on a failure."""
    domain = approx.domain  # a baseline's: [-1, 1]^2
    with removed_on_failure(model, block_name, block_name + "_scaled"):  # nor does a failure rename the next product
        scaled, maps = add_scaled(model, block_name, x, y, domain)
        encoded = _encode(model, approx, [scaled.xh, scaled.yh], formulation, block_name)
        bound, slack = _error_slack(scaled, approx, maps) if error_aware else (None, None)
        return BilinearSurrogate(x, y, encoded, maps, domain=domain, slack=slack, error_bound=bound)


def _guard(model, product, block_name: str) -> None:
    """Give ``product``'s block (an empty block ``block_name`` where it has none) a :class:`FactorRecord` of its
    factors' boxes, which every solve checks: the product is wrong once a factor's bounds widen past them.
    A product made inside a replacement block is left to that block's :class:`RewriteRecord`."""
    if isinstance(getattr(model, RECORD, None), RewriteRecord):
        return
    block = product.block
    if block is None:  # x*y with a zero-width factor, b*b: exact only while the bounds (integrality) hold
        model.add_component(block_name, block := pyo.Block())
    names = [n for n in (block.local_name, block.local_name + "_scaled") if model.component(n) is not None]
    owner = python_path(model)
    listed = " and ".join(python_path(model.component(n)) for n in names)
    fix = (
        f"delete {'blocks' if len(names) > 1 else 'block'} {listed} ({owner}.del_component(...)) and call bilinear again, "
        "then rebuild the rows that read the old product from the new product's .expr"
    )
    record = FactorRecord(block, fix=fix)
    record.built(factor_boxes([product]))
    record.companions = [model.component(n) for n in names if n != block.local_name]  # <name>_scaled: xh, yh
    setattr(block, RECORD, record)
    for companion in record.companions:  # block deleted, rows still reading it: refused (refresh_rewrites)
        setattr(companion, PRODUCT, record)
    blocks = (block, *record.companions)
    own = [v for v in identify_variables(product.expr) if any(lies_within(v, b) for b in blocks)]
    mark_defines(block, own)  # its output: known as a product's once the block is gone (its model garbage-collected)


def bilinear(
    model,
    x,
    y,
    surrogate: ReluMLP | str | os.PathLike = "3x8",
    *,
    formulation: str = DEFAULT_FORMULATION,
    name: str | None = None,
    zoo: str | os.PathLike = DEFAULT_ZOO,
    error_aware: bool = False,
) -> BilinearSurrogate | LinearProduct | BinaryProduct | IntegerProduct:
    """Add ``z ≈ x*y`` to ``model`` through a ReLU surrogate (or a classic baseline) and return it.

    Parameters
    ----------
    model
        A Pyomo model or block; the encoding is added as a sub-block.
    x, y
        Pyomo variables with finite bounds (``y`` may be ``x`` for a square);
        bounds may be mutable ``Param`` s (the mapping follows them).
    surrogate
        A :class:`ReluMLP` (2 inputs, 1 output; placed on its
        :attr:`~surrogate.nets.network.ReluMLP.domain`), an ONNX path, a zoo name
        (``'3x8'``), or a baseline from :mod:`surrogate.milp.baselines` (e.g.
        ``Sawtooth(24)``, on [-1, 1]^2).
    formulation
        How a net is encoded: ``'pruned'`` (default), ``'bigm'``, ``'partition'`` or ``'fullspace'``; not a baseline.
    name, zoo
        Name of the new block (default: ``surrogate_<x>_<y>``, made unique); the folder a zoo name is
        looked up in (default: the shipped ``models/``).
    error_aware
        Add a slack ``s = E |ac| t``, ``t`` in ``[-1, 1]``, to ``z`` (``z = ac N + ad xh + bc yh + bd + s``),
        ``E`` the net's :func:`certified_error_bound` on its domain (a baseline's ``max_error``), so
        ``z = x*y`` is feasible at every ``(x, y)`` and the surrogate's error cuts off no feasible point
        of the exact model. The bound is kept in ``.error_bound``, the slack in ``.slack`` (an ``ErrorSlack``).

    Returns
    -------
    BilinearSurrogate, LinearProduct, BinaryProduct or IntegerProduct
        Exact and with no surrogate for a factor of ``lb == ub``, binary, or integer of few values (:func:`_exact_product`).
        Its block records the factors' boxes (:func:`_guard`): a solve refuses a factor widened past them.

    Warns
    -----
    NumericsWarning
        When the product is badly scaled (see :func:`scale_warnings`).
    """
    _check_factors(model, x, y, name, error_aware)
    approx = _resolve(surrogate, zoo, formulation)
    block_name = _block_name(model, x, y, name)
    if (product := _exact_product(model, x, y, block_name)) is None:
        product = _surrogate_product(model, x, y, approx, formulation, block_name, error_aware)
    _guard(model, product, block_name)
    for message in product.warnings:
        warn_caller(message, NumericsWarning)
    return product


def replace_products(
    model,
    surrogate: ReluMLP | str | os.PathLike = "3x8",
    *,
    formulation: str = DEFAULT_FORMULATION,
    zoo: str | os.PathLike = DEFAULT_ZOO,
    implied_bounds: bool = True,
    bounds_time_limit: float = DEFAULT_LP_SECONDS,
    error_aware: bool = False,
) -> ReplacementReport:
    """Replace every product of two variables in ``model`` by a surrogate (in place).

    The active objective and constraints are read as ``constant + linear + sum q_ij x_i x_j``; each distinct pair
    ``(x_i, x_j)`` gets one :func:`bilinear` surrogate, shared by every term that uses it (a :class:`LinearProduct`
    when a factor has ``lb == ub``, a :class:`BinaryProduct` when one is binary, an :class:`IntegerProduct` when one
    is an integer of few values; nothing when ``q_ij`` cancels to 0). Rewritten components are deactivated and
    replaced by linear ones in the block ``model.surrogate_replacement``.

    Parameters
    ----------
    model, surrogate, formulation, zoo, error_aware
        A constructed Pyomo model (or block) whose products are replaced; the rest as for :func:`bilinear` (``error_aware``:
        each surrogate gets a slack of its certified error).
    implied_bounds
        First give a factor with a missing bound the bound its constraints imply (FBBT, then LP bound tightening:
        :func:`~surrogate.milp.implied_bounds.tighten_product_bounds`; factors all bounded are left as they are), kept
        in the report's ``implied_bounds`` (put back on a refusal). ``False``: refuse at once.
    bounds_time_limit
        Seconds for the LP bound tightening (a safety net: ``DEFAULT_LP_SECONDS``).

    Returns
    -------
    ReplacementReport
        What was replaced and where (``undo()`` gives the exact model back), with the products' warnings.

    Raises
    ------
    ConfigError, FormulationError, ModelFormatError
        No Pyomo model, or an option of the wrong type or value; an unknown ``formulation``; an unknown net (no zoo
        name, no ONNX file), or ``model``'s products already replaced (a second call).
    UnsupportedTermError
        A term of degree above 2 or another nonlinearity.
    UnboundedVariableError
        Factors of products without finite bounds, all named in one message.
    InfeasibleModelError
        Bound tightening proved the constraints infeasible, or a factor's bounds hold no point (``lb > ub``, no integer).
    UnsupportedComponentError
        A component a solve would leave out (an untransformed ``Disjunction``: apply ``gdp.bigm``).

    Warns
    -----
    NumericsWarning
        For each badly scaled product, and (with ``implied_bounds``) for factors whose declared bounds
        are far wider than the constraints imply (:func:`loose_box_warnings`); all also in the report's ``warnings``.
    """
    _check_replace(model, bounds_time_limit, implied_bounds=implied_bounds, error_aware=error_aware)
    approx = _resolve(surrogate, zoo, formulation)
    implied = tighten_product_bounds(model, time_limit=bounds_time_limit) if implied_bounds else None
    make = lambda block, x, y: bilinear(block, x, y, approx, formulation=formulation, error_aware=error_aware)  # noqa: E731
    return _rewrite_with(model, make, implied, loose_check=implied_bounds)


def _check_replace(model, bounds_time_limit, *, implied_bounds, error_aware) -> None:
    """:func:`replace_products`' checks of its arguments, and of ``model``'s rows before their bounds are read."""
    check_model("replace_products", model), check_seconds("replace_products: bounds_time_limit", bounds_time_limit)
    check_flags("replace_products", implied_bounds=implied_bounds, error_aware=error_aware), check_extendable(model)
    check_rows(model)


def _rewrite_with(model, make, implied, *, loose_check: bool) -> ReplacementReport:
    """:func:`replace_products`' report of :func:`rewrite_products` with ``make``, recording what ``implied`` (derived
    bounds) rests on, its loose-box warnings warned (to :func:`replace_products`' caller) and kept; a refusal puts the
    derived bounds back."""
    try:
        if implied is not None and implied.unbounded:  # refused below: the message shows the bounds the model keeps
            put_back_partial(implied, model)
        loose = loose_box_warnings(model) if loose_check else ()
        derived = implied is not None and implied.derived
        basis = Basis.of(model, implied.derived, symbolic=has_symbolic_bounds) if derived else None
        report = rewrite_products(model, "surrogate_replacement", make, note=implied_note(implied, model))
        getattr(model.component(report.block), RECORD).derive(basis)  # what the derived bounds rest on
    except Exception:
        if implied is not None:
            implied.restore()  # a refusal leaves the model as it was
        raise
    for message in loose:
        warn_caller(message, NumericsWarning)
    return dataclasses.replace(report, implied_bounds=implied, warnings=loose + report.warnings)
