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
* A term whose coefficient cancels to 0 (``2*x*y - 2*x*y``) gets nothing.
* Bounds given by mutable ``Param`` s make ``a, b, c, d`` Pyomo expressions of
  them, so every constraint stays linear and a changed bound holds at the next
  solve; mutable parameters and fixed variables elsewhere in a rewritten
  term stay symbolic too (see :func:`~surrogate.milp.products.rewrite_products`).
* Coefficients of ``z`` (``|ac|, |ad|, |bc|, |bd|``) above
  :data:`PRODUCT_SCALE_LIMIT` give a :class:`~surrogate.errors.NumericsWarning`
  (also kept in ``.warnings``): HiGHS's tolerances, scaled by them, no longer
  bound the solver's error.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from ..errors import ModelFormatError, NumericsWarning
from ..nets.network import ReluMLP, unit_box
from ..nets.zoo import DEFAULT_ZOO, resolve_surrogate  # noqa: F401 (resolve_surrogate: part of this module's API)
from .baselines import is_baseline
from .bounds import fingerprint
from .encoding import DEFAULT_FORMULATION, add_surrogate
from .implied_bounds import tighten_product_bounds
from .model_size import ModelSize, model_size
from .products import (  # noqa: F401 (re-exported: this module's API before they moved)
    ReplacementReport,
    UnboundedVariableError,
    UnsupportedTermError,
    check_factors,
    finite_bounds,
    has_symbolic_bounds,
    product_terms,
    quadratic_parts,
    rewrite_products,
)

#: Largest ``|ac|, |ad|, |bc|, |bd|`` of a product before it warns. The net's rows hold to HiGHS's
#: tolerances (1e-6 primal, 1e-7 dual); scaled by these coefficients into ``z`` they stop being small,
#: and HiGHS itself reports such a model as badly scaled. The products of the bundled problems stay
#: below 1e3.
PRODUCT_SCALE_LIMIT = 1e7


def has_zero_width(var) -> bool:
    """Whether ``var``'s bounds are constants with ``lb == ub`` (a product with it is linear)."""
    return not has_symbolic_bounds(var) and var.lb == var.ub


def factor_map(var, domain: tuple[float, float]):
    """``(a, b)`` with ``var = a*vh + b`` mapping ``vh`` in ``domain`` onto ``var``'s bounds (see the module docstring).

    Floats for constant bounds; Pyomo expressions of the bound parameters when
    a bound is a mutable ``Param`` (the mapping then follows a changed bound).
    """
    finite_bounds(var)
    lo, hi = (var.lower, var.upper) if has_symbolic_bounds(var) else (float(var.lb), float(var.ub))
    p, q = domain
    a = (hi - lo) / (q - p)
    return a, (hi + lo) / 2 - a * ((p + q) / 2)


def scale_warnings(x, y, coefficients) -> tuple[str, ...]:
    """A warning (one string) if a coefficient of ``z`` exceeds :data:`PRODUCT_SCALE_LIMIT`, else ``()``.

    ``coefficients`` are ``(ac, ad, bc, bd)`` at the current bound values.
    """
    big = max(abs(float(pyo.value(v))) for v in coefficients)
    if not big > PRODUCT_SCALE_LIMIT:
        return ()
    ac, ad, bc, bd = (float(pyo.value(v)) for v in coefficients)
    names = x.name if y is x else f"{x.name} and {y.name}"
    bounds = "; ".join(f"{v.name} in [{v.lb:g}, {v.ub:g}]" for v in ((x,) if y is x else (x, y)))
    return (
        f"product {x.name}*{y.name} is badly scaled: its surrogate's coefficients reach {big:.3g} "
        f"(scale |a*c| = {abs(ac):.3g}, offsets |a*d| = {abs(ad):.3g}, |b*c| = {abs(bc):.3g}, |b*d| = {abs(bd):.3g}) "
        f"> {PRODUCT_SCALE_LIMIT:g}, so the MILP is numerically unreliable ({bounds}); tighten the bounds of "
        f"{names}, or rescale them (e.g. measure in thousands)",
    )


@dataclass(frozen=True)
class ProductError:
    """Errors of a solved surrogate product at the current variable values.

    ``net_z`` is what the approximation itself gives at ``(x, y)``, mapped back
    to the box (``nan`` for a relaxation, whose ``z`` is not a function of ``(x, y)``).
    """

    x: float
    y: float
    z: float
    net_z: float
    true_product: float

    @property
    def vs_product(self) -> float:
        """|z - x*y|: what the optimiser is off by."""
        return abs(self.z - self.true_product)

    @property
    def vs_net(self) -> float:
        """|z - the real net mapped back|: the encoding's own error (solver tolerance)."""
        return abs(self.z - self.net_z)


class EncodedBaseline:
    """A classic approximation of ``x*y`` on [-1, 1]^2 added to a block (see :mod:`surrogate.milp.baselines`)."""

    def __init__(self, block, baseline, inputs):
        self.block, self.baseline, self.inputs = block, baseline, tuple(inputs)
        self.output = baseline.add(block, *self.inputs)

    def size(self) -> ModelSize:
        return model_size(self.block)

    def evaluate(self, xh: float, yh: float) -> float:
        """The approximation at ``(xh, yh)`` (``nan`` for a relaxation)."""
        if self.baseline.evaluate is None:
            return math.nan
        return float(self.baseline.evaluate(np.array([xh]), np.array([yh]))[0])


def _no_values(x, y):
    return ModelFormatError(f"product {x.name}*{y.name} has no values yet; solve the model first")


class BilinearSurrogate:
    """``z ≈ x*y`` added to a model by :func:`bilinear`.

    Attributes
    ----------
    expr
        The Pyomo expression for z (affine in the approximation's output).
    encoded
        The approximation on its domain: an :class:`~surrogate.milp.encoding.EncodedSurrogate`
        (a net) or an :class:`EncodedBaseline`.
    domain
        The approximation's input box ``((p, q), (r, s))`` that ``x, y``'s bounds are mapped onto.
    a, b, c, d
        The maps ``x = a*xh + b``, ``y = c*yh + d`` at the current bound values.
    scale
        ``a*c``: the approximation's error on its domain is multiplied by ``|scale|`` on the box.
    warnings
        Numerical warnings (see :func:`scale_warnings`); empty when the product is well scaled.
    error_bound
        In error-aware mode (``bilinear(..., error_aware=True)``), the certified
        ``E >= |N - xy|`` on the domain (see :func:`certified_error_bound`); else ``None``.
    slack
        In error-aware mode, the variable ``s`` in ``[-E*scale, E*scale]`` added to
        ``z`` (``None`` otherwise, and for a relaxation baseline, which already
        contains ``x*y``). :meth:`get_error`'s ``vs_net`` then includes ``|s|``.
    """

    def __init__(self, x, y, encoded, maps, *, domain=unit_box(2), slack=None, error_bound=None):
        self.x, self.y, self.encoded = x, y, encoded
        self.domain = tuple(tuple(map(float, d)) for d in domain)
        self.slack, self.error_bound = slack, error_bound
        (self._a, self._b), (self._c, self._d) = maps
        a, b, c, d = self._a, self._b, self._c, self._d
        xh, yh = encoded.inputs
        self.expr = a * c * encoded.output + a * d * xh + b * c * yh + b * d
        if slack is not None:
            self.expr = self.expr + slack
        self.warnings = scale_warnings(x, y, (a * c, a * d, b * c, b * d))

    a = property(lambda self: float(pyo.value(self._a)))
    b = property(lambda self: float(pyo.value(self._b)))
    c = property(lambda self: float(pyo.value(self._c)))
    d = property(lambda self: float(pyo.value(self._d)))

    @property
    def scale(self) -> float:
        return self.a * self.c

    def size(self) -> ModelSize:
        return self.encoded.size()

    def scaled(self, x: float, y: float) -> tuple[float, float]:
        """``(xh, yh)`` on the domain for ``(x, y)`` on the box (the domain's centre for a zero-width factor)."""
        (p, q), (r, s) = self.domain
        a, b, c, d = self.a, self.b, self.c, self.d
        return ((x - b) / a if a else (p + q) / 2, (y - d) / c if c else (r + s) / 2)

    def map_back(self, net_output: float, x: float, y: float) -> float:
        """``z`` for an approximation output at the scaled point of ``(x, y)``."""
        xh, yh = self.scaled(x, y)
        a, b, c, d = self.a, self.b, self.c, self.d
        return a * c * net_output + a * d * xh + b * c * yh + b * d

    def get_error(self) -> ProductError:
        x, y = pyo.value(self.x, exception=False), pyo.value(self.y, exception=False)
        z = pyo.value(self.expr, exception=False)
        if x is None or y is None or z is None:
            raise _no_values(self.x, self.y)
        own = self.encoded.evaluate(*self.scaled(x, y))
        return ProductError(float(x), float(y), float(z), self.map_back(own, x, y), float(x * y))


class LinearProduct:
    """``x*y`` with a factor of zero width (``lb == ub``): exactly linear, ``lb*y``; no surrogate, no binary.

    It has the interface of :class:`BilinearSurrogate` (``expr``, ``size()``,
    ``get_error()``, ``x``, ``y``); ``encoded`` is ``None`` and every error is zero.
    """

    encoded = None
    warnings: tuple[str, ...] = ()
    scale = 0.0
    slack = None  # exact: error-aware mode adds no slack
    error_bound = 0.0

    def __init__(self, x, y):
        self.x, self.y = x, y
        fx, fy = (float(v.lb) if has_zero_width(v) else v for v in (x, y))
        zero = any(isinstance(f, float) and f == 0.0 for f in (fx, fy))
        self.expr = 0.0 if zero else fx * fy  # Pyomo would keep 0*y as a term of y

    def size(self) -> ModelSize:
        return ModelSize(0, 0, 0)

    def _value(self, var):
        return float(var.lb) if has_zero_width(var) else pyo.value(var, exception=False)

    def get_error(self) -> ProductError:
        """Zero errors at the current values (a zero-width factor is taken at its bound)."""
        x, y = self._value(self.x), self._value(self.y)
        z = pyo.value(self.expr, exception=False)
        if z is None:
            raise _no_values(self.x, self.y)
        # a factor without a value can only be the other factor of a zero one: the product is 0
        true = float(x * y) if x is not None and y is not None else 0.0
        return ProductError(math.nan if x is None else float(x), math.nan if y is None else float(y), float(z), float(z), true)


def _resolve(surrogate, zoo):
    """A baseline object as it is, else the net behind a net/path/zoo name (2 inputs, 1 output)."""
    if is_baseline(surrogate):
        return surrogate
    return resolve_surrogate(surrogate, zoo=zoo).check_product_net("surrogate of a product")


def _block_name(model, x, y, name: str | None) -> str:
    base = name or "surrogate_" + "_".join("".join(ch if ch.isalnum() else "_" for ch in v.name) for v in (x, y))
    block_name, k = base, 1
    while model.component(block_name) is not None or model.component(block_name + "_scaled") is not None:
        k += 1
        block_name = f"{base}_{k}"
    return block_name


def _add_scaled(model, block_name: str, x, y, domain) -> tuple[pyo.Block, tuple]:
    """The block of ``xh, yh`` on ``domain`` tied to ``x, y`` by their maps; returns it and the maps."""
    maps = (factor_map(x, domain[0]), factor_map(y, domain[1]))
    (a, b), (c, d) = maps
    scaled = pyo.Block()
    model.add_component(block_name + "_scaled", scaled)
    scaled.xh = pyo.Var(bounds=domain[0])
    scaled.yh = pyo.Var(bounds=domain[1])
    scaled.map_x = pyo.Constraint(expr=x == a * scaled.xh + b)
    if y is x and domain[0] == domain[1]:
        scaled.map_y = pyo.Constraint(expr=scaled.yh == scaled.xh)
    else:
        scaled.map_y = pyo.Constraint(expr=y == c * scaled.yh + d)
    return scaled, maps


#: Points per axis of the grid on which :func:`certified_error_bound` evaluates a net.
CERTIFY_POINTS = 1025
#: Added to a net's declared ``error_bound``: it holds for the exact construction, and an ONNX export
#: rounds the weights to float32 (the zoo's hand-built nets move by below 1e-8).
DECLARED_MARGIN = 1e-6
_CERTIFIED: dict = {}


def _grid_error(net: ReluMLP, points: int) -> tuple[float, float]:
    """``(max |N - xy|`` on a ``points x points`` grid of the domain, the Lipschitz term of :func:`certified_error_bound`)."""
    (p, q), (r, s) = net.domain
    xs, ys = np.linspace(p, q, points), np.linspace(r, s, points)
    worst = 0.0
    for chunk in np.array_split(xs, max(1, points // 128)):
        gx, gy = np.meshgrid(chunk, ys, indexing="ij")
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        worst = max(worst, float(np.max(np.abs(net.forward(grid) - grid[:, 0] * grid[:, 1]))))
    gain = np.abs(net.weights[0])
    for w in net.weights[1:]:
        gain = gain @ np.abs(w)
    (gx_, gy_), half = gain[:, 0], ((q - p) / (points - 1) / 2, (s - r) / (points - 1) / 2)
    return worst, half[0] * (gx_ + max(abs(r), abs(s))) + half[1] * (gy_ + max(abs(p), abs(q)))


def certified_error_bound(net: ReluMLP, *, points: int = CERTIFY_POINTS) -> float:
    """A certified ``E >= max |N(x, y) - x y|`` over the net's domain ``[p, q] x [r, s]`` (cached per net).

    With ``e = N - xy``, a grid of ``points`` per axis (spacings ``h_x, h_y``)
    puts every point within ``h_x/2, h_y/2`` of a grid point ``g``, and

    .. math::

        |e(x, y) - e(g)| \\le \\tfrac{h_x}{2} (G_x + Y) + \\tfrac{h_y}{2} (G_y + X),
        \\qquad (G_x, G_y)^\\top = |W_1| |W_2| \\cdots |W_L|,

    with ``X = max(|p|, |q|)``, ``Y = max(|r|, |s|)``: ``G`` bounds ``|dN/dx|, |dN/dy|``
    (each ReLU's slope lies in [0, 1]) and ``|xy - g_x g_y| <= |dx| Y + |dy| X``. So

    .. math::

        E = \\max_g |e(g)| + \\tfrac{h_x}{2} (G_x + Y) + \\tfrac{h_y}{2} (G_y + X).

    A net whose metadata declares ``error_bound`` (the hand-built nets of
    :mod:`surrogate.nets.construct`) gets ``min(E, error_bound + DECLARED_MARGIN)``,
    unless the grid shows the declaration false for these weights. The result
    is cached by the weights' :func:`~surrogate.milp.bounds.fingerprint` and domain.
    """
    key = (fingerprint(net), net.domain, points)
    if key not in _CERTIFIED:
        worst, lipschitz = _grid_error(net, points)
        bound = worst + lipschitz
        declared = net.metadata.get("error_bound")
        if declared is not None and worst <= float(declared) + DECLARED_MARGIN:
            bound = min(bound, float(declared) + DECLARED_MARGIN)
        _CERTIFIED[key] = bound
    return _CERTIFIED[key]


def _error_slack(scaled, approx, maps) -> tuple[float, object]:
    """``(E, s)``: the certified error of ``approx`` on its domain and a slack ``s`` in ``[-E ac, E ac]`` on ``scaled``.

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
    scaled.slack = pyo.Var(bounds=(-width, width))
    return bound, scaled.slack


def _encode(model, approx, inputs: list, formulation: str, block_name: str):
    """The encoding of ``approx`` (a net, or a baseline in a new block) on the scaled ``inputs``, as block ``block_name``."""
    if is_baseline(approx):
        block = pyo.Block()
        model.add_component(block_name, block)
        return EncodedBaseline(block, approx, inputs)
    return add_surrogate(model, approx, inputs, formulation=formulation, name=block_name)


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
) -> BilinearSurrogate | LinearProduct:
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
        How a net is encoded: ``'pruned'`` (default), ``'bigm'``,
        ``'partition'`` or ``'fullspace'``; ignored for baselines.
    name
        Name of the new block (default: ``surrogate_<x>_<y>``, made unique).
    error_aware
        Add a slack ``s`` in ``[-E |ac|, E |ac|]`` to ``z`` (``z = ac N + ad xh + bc yh + bd + s``),
        ``E`` the net's :func:`certified_error_bound` on its domain (a baseline's
        ``max_error``), so ``z = x*y`` is feasible at every ``(x, y)`` and the
        surrogate's error cuts off no feasible point of the exact model. The
        bound is kept in ``.error_bound``, the slack in ``.slack``.

    Returns
    -------
    BilinearSurrogate or LinearProduct
        A :class:`LinearProduct` (no surrogate) when a factor has ``lb == ub``.

    Warns
    -----
    NumericsWarning
        When the product is badly scaled (see :func:`scale_warnings`).
    """
    finite_bounds(x), finite_bounds(y)
    approx = _resolve(surrogate, zoo)
    if has_zero_width(x) or has_zero_width(y):
        return LinearProduct(x, y)
    domain = unit_box(2) if is_baseline(approx) else approx.domain
    block_name = _block_name(model, x, y, name)
    scaled, maps = _add_scaled(model, block_name, x, y, domain)
    encoded = _encode(model, approx, [scaled.xh, scaled.yh], formulation, block_name)
    bound, slack = _error_slack(scaled, approx, maps) if error_aware else (None, None)
    product = BilinearSurrogate(x, y, encoded, maps, domain=domain, slack=slack, error_bound=bound)
    for message in product.warnings:
        warnings.warn(message, NumericsWarning, stacklevel=2)
    return product


def _implied_note(implied) -> str:
    """What an :class:`UnboundedVariableError` adds after bound tightening was tried (nothing when it was off)."""
    if implied is None:
        return ""
    return (
        "; the constraints imply no finite bound for it either (FBBT and LP bound tightening over them found "
        f"none{' within the time limit' if implied.timed_out else ''})"
    )


def replace_products(
    model,
    surrogate: ReluMLP | str | os.PathLike = "3x8",
    *,
    formulation: str = DEFAULT_FORMULATION,
    zoo: str | os.PathLike = DEFAULT_ZOO,
    implied_bounds: bool = True,
    bounds_time_limit: float = 5.0,
    error_aware: bool = False,
) -> ReplacementReport:
    """Replace every product of two variables in ``model`` by a surrogate (in place).

    The active objective and constraints are read as
    ``constant + linear + sum q_ij x_i x_j``; each distinct pair ``(x_i, x_j)``
    gets one :func:`bilinear` surrogate, shared by every term that uses it
    (a :class:`LinearProduct` when a factor has ``lb == ub``; nothing when
    ``q_ij`` cancels to 0). Rewritten components are deactivated and replaced
    by linear ones in the block ``model.surrogate_replacement``.

    Parameters
    ----------
    implied_bounds
        First give a factor with a missing bound the bound its constraints
        imply (:func:`~surrogate.milp.implied_bounds.tighten_product_bounds`: FBBT,
        then LP bound tightening; a model whose factors are all bounded is left
        as it is). What was derived is in the report's ``implied_bounds``; on a
        refusal the derived bounds are put back. ``False``: refuse at once.
    bounds_time_limit
        Seconds for the LP bound tightening, all together.
    error_aware
        Give each surrogate a slack of its certified error (see :func:`bilinear`).

    Raises
    ------
    UnsupportedTermError
        A term of degree above 2 or another nonlinearity.
    UnboundedVariableError
        Factors of products without finite bounds, all named in one message.
    InfeasibleModelError
        Bound tightening proved the constraints infeasible.

    Warns
    -----
    NumericsWarning
        For each badly scaled product (also in the report's ``warnings``).
    """
    approx = _resolve(surrogate, zoo)
    implied = tighten_product_bounds(model, time_limit=bounds_time_limit) if implied_bounds else None
    try:
        report = rewrite_products(model, "surrogate_replacement", lambda block, x, y: bilinear(
            block, x, y, approx, formulation=formulation, error_aware=error_aware), note=_implied_note(implied))
    except Exception:
        if implied is not None:
            implied.restore()  # a refusal leaves the model as it was
        raise
    return dataclasses.replace(report, implied_bounds=implied)
