"""A product ``x*y`` on any box, through an approximation placed on its own domain.

:func:`~surrogate.milp.bilinear.bilinear` maps each factor onto the
approximation's domain, ``x = a*xh + b`` and ``y = c*yh + d`` (:func:`factor_map`),
and writes ``z = a c N(xh, yh) + a d xh + b c yh + b d``: a
:class:`BilinearSurrogate` over an :class:`~surrogate.milp.encoding.EncodedSurrogate`
(a net) or an :class:`EncodedBaseline` (a classic approximation). A product
with a zero-width factor is a :class:`LinearProduct`. All of them are
:class:`~surrogate.milp.interface.EncodedProduct` s.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo

from ..errors import ModelFormatError
from ..nets.network import unit_box
from .built_marks import mark_built
from .interface import EncodedProduct, ExactProduct, ProductError, no_values_error, solved_values
from .model_components import python_path
from .model_size import ModelSize
from .output_scale import output_scale
from .products import bound_terms, check_variable, finite_bounds, has_symbolic_bounds, has_zero_width

#: Largest ``|ac|, |ad|, |bc|, |bd|`` of a product before it warns. The net's rows hold to HiGHS's
#: tolerances (1e-6 primal, 1e-7 dual); scaled by these coefficients into ``z`` they stop being small,
#: and HiGHS itself reports such a model as badly scaled. The products of the bundled problems stay
#: below 1e3.
PRODUCT_SCALE_LIMIT = 1e7


def factor_map(var, domain: tuple[float, float]):
    """``(a, b)`` with ``var = a*vh + b`` mapping ``vh`` in ``domain`` onto ``var``'s bounds (see the module docstring).

    Floats for constant bounds; Pyomo expressions of the bound parameters when
    a bound is a mutable ``Param`` (the mapping then follows a changed bound).
    """
    finite_bounds(var)
    lo, hi = bound_terms(var)
    p, q = domain
    a = (hi - lo) / (q - p)
    return a, (hi + lo) / 2 - a * ((p + q) / 2)


def map_row(x, xh, a, b):
    """The row ``x == a*xh + b`` of a :func:`factor_map`; where ``a`` is tiny (a factor's box of 1e-6), written times the
    power of two ``s`` that takes ``a`` towards [0.5, 1) (exact; ``a``'s value now where it is an expression of mutable
    bounds), so that the solver's 1e-6 holds ``x`` to 1e-6 / s, not to its whole box (probe102: the net was read at the
    box's other corner, reported optimal)."""
    s = output_scale(-float(pyo.value(a)), float(pyo.value(a)))
    return x == a * xh + b if s == 1.0 else s * x == (s * a) * xh + s * b


def add_scaled(model, block_name: str, x, y, domain) -> tuple[pyo.Block, tuple]:
    """Add block ``<block_name>_scaled`` of ``xh, yh`` on ``domain``, tied to ``x, y`` by their maps (:func:`factor_map`);
    return it and the maps."""
    maps = (factor_map(x, domain[0]), factor_map(y, domain[1]))
    (a, b), (c, d) = maps
    scaled = pyo.Block()
    model.add_component(block_name + "_scaled", scaled)
    scaled.xh, scaled.yh = pyo.Var(bounds=domain[0]), pyo.Var(bounds=domain[1])
    scaled.map_x = pyo.Constraint(expr=map_row(x, scaled.xh, a, b))
    if y is x and domain[0] == domain[1]:
        scaled.map_y = pyo.Constraint(expr=scaled.yh == scaled.xh)
    else:
        scaled.map_y = pyo.Constraint(expr=map_row(y, scaled.yh, c, d))
    return scaled, maps


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


def exact_scale_warnings(x, y) -> tuple[str, ...]:
    """A warning (one string) if ``x*y`` written exactly with binary digits has big-M rows above
    :data:`PRODUCT_SCALE_LIMIT`, else ``()``: a digit within the solver's integrality tolerance
    (1e-6) then moves the product by up to 1e-6 of the rows' scale, and the answer with it."""
    big = max(abs(float(x.lb)), abs(float(x.ub))) * max(abs(float(y.lb)), abs(float(y.ub)))
    if not big > PRODUCT_SCALE_LIMIT:
        return ()
    names = x.name if y is x else f"{x.name} and {y.name}"
    return (
        f"product {x.name}*{y.name} is badly scaled: written exactly with binary digits, its big-M rows reach "
        f"{big:.3g} > {PRODUCT_SCALE_LIMIT:g}, so a digit within the solver's integrality tolerance (1e-6) moves the "
        f"product by up to {big * 1e-6:.3g}; tighten the bounds of {names}, or rescale them (e.g. measure in thousands)",
    )


class EncodedBaseline(EncodedProduct):
    """A classic approximation of ``x*y`` on [-1, 1]^2 added to a block (see :mod:`surrogate.milp.baselines`).

    Attributes
    ----------
    block
        The block holding the baseline's variables and constraints.
    baseline
        The :class:`~surrogate.milp.baselines.Baseline` encoded.
    inputs
        The two Pyomo variables (or expressions) it reads, in [-1, 1].
    output
        The Pyomo expression for ``w ≈ x*y``.
    """

    def __init__(self, block, baseline, inputs):
        self.block, self.baseline, self.inputs = block, baseline, tuple(inputs)
        mark_built(block)  # its binaries are the baseline's own
        self.output = baseline.add(block, *self.inputs)

    def evaluate(self, xh: float, yh: float) -> float:
        """The approximation at ``(xh, yh)`` (``nan`` for a relaxation)."""
        if self.baseline.evaluate is None:
            return math.nan
        return float(self.baseline.evaluate(np.array([xh]), np.array([yh]))[0])

    def get_error(self) -> ProductError:
        """Compare the output with the approximation and with x*y at the current values (after a solve)."""
        values = [pyo.value(v, exception=False) for v in self.inputs]
        out = pyo.value(self.output, exception=False)
        if out is None or any(v is None for v in values):
            raise ModelFormatError(
                f"baseline block {self.block.name!r} has no values yet; solve the model (and load the solution) first"
            )
        x, y = (float(v) for v in values)
        return ProductError(x, y, float(out), self.evaluate(x, y), x * y)


class ErrorSlack:
    """The error-aware slack ``s = w t`` added to ``z``, ``t`` in ``[-1, 1]`` (:attr:`unit`), ``w = E |ac|``.

    Written scaled, so that its column keeps a width of 2 however small ``w`` is: a
    column ``s`` in ``[-w, w]`` narrower than about 1e-6 is one HiGHS's presolve may
    leave at the wrong end, and the surrogate is then no relaxation. ``value``,
    ``bounds``, ``lb`` and ``ub`` are those of ``s``.
    """

    def __init__(self, unit, width):
        self.unit, self._width = unit, width
        self.expr = width * unit

    width = property(lambda self: float(pyo.value(self._width)), doc="``w = E |ac|`` at the current bound values.")
    bounds = property(lambda self: (-self.width, self.width), doc="``(-w, w)``.")
    lb = property(lambda self: -self.width, doc="``-w``.")
    ub = property(lambda self: self.width, doc="``w``.")

    @property
    def value(self) -> float | None:
        """``w t`` at ``t``'s value (``None`` while it has none)."""
        return None if self.unit.value is None else self.width * float(self.unit.value)


class BilinearSurrogate(EncodedProduct):
    """``z ≈ x*y`` added to a model by :func:`~surrogate.milp.bilinear.bilinear`.

    Its :attr:`inputs` are ``(x, y)``, its :attr:`output` is :attr:`expr`, its
    :attr:`block`, :meth:`size` and :attr:`binaries` those of :attr:`encoded`.

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
        ``E >= |N - xy|`` on the domain (see :func:`~surrogate.milp.certify.certified_error_bound`); else ``None``.
    slack
        In error-aware mode, the :class:`ErrorSlack` ``s`` in ``[-E*scale, E*scale]`` added to
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
            self.expr = self.expr + slack.expr
        self.warnings = scale_warnings(x, y, (a * c, a * d, b * c, b * d))

    a = property(lambda self: float(pyo.value(self._a)))
    b = property(lambda self: float(pyo.value(self._b)))
    c = property(lambda self: float(pyo.value(self._c)))
    d = property(lambda self: float(pyo.value(self._d)))
    inputs = property(lambda self: (self.x, self.y), doc="``(x, y)``: the model's variables.")
    output = property(lambda self: self.expr, doc="The expression for ``z`` (:attr:`expr`).")
    block = property(lambda self: self.encoded.block, doc="The block of the approximation (:attr:`encoded`).")

    @property
    def scale(self) -> float:
        """``a*c`` (see the class docstring)."""
        return self.a * self.c

    def size(self) -> ModelSize:
        """The size of :attr:`encoded` (the maps' block is not counted)."""
        return self.encoded.size()

    @property
    def binaries(self) -> tuple[dict, ...]:
        """The binaries of :attr:`encoded`."""
        return self.encoded.binaries

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
        """Errors at the current values; ``net_z`` is the approximation's own value mapped back to the box."""
        x, y, z = solved_values(self.x, self.y, self.expr)
        own = self.encoded.evaluate(*self.scaled(x, y))
        return ProductError(float(x), float(y), float(z), self.map_back(own, x, y), float(x * y))


def _refuse_param_width(x, y) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError` for a factor of ``x*y`` whose bounds are equal now but are mutable
    Params (:func:`~surrogate.milp.products.has_symbolic_bounds`): a Param may change, and the width with it."""
    for var in (x, y):
        if has_symbolic_bounds(var) and var.lb is not None and var.lb == var.ub:
            raise ModelFormatError(
                f"LinearProduct: {var.name!r} has the bounds [{var.lb}, {var.ub}] of mutable Params, which may change, so "
                f"its zero width is not constant and x*y may not stay linear; give it constant bounds (e.g. "
                f"{python_path(var)}.setlb({float(var.lb)!r}) and .setub({float(var.ub)!r})), or use bilinear(model, x, "
                "y), which picks the product for the pair"
            )


class LinearProduct(ExactProduct):
    """``x*y`` with a factor of zero width (``lb == ub``): exactly linear, ``lb*y``; no surrogate, no binary, and no
    bounds needed on ``y``. A zero-width factor gets its only value, ``lb`` (unless fixed), as no solver sees it.

    An :class:`~surrogate.milp.interface.ExactProduct`; ``block`` is ``None``.

    Raises
    ------
    ModelFormatError
        A factor that is not one variable, or neither of zero width (``x*y`` is then not linear), or one whose equal
        bounds are mutable Params (they may change).
    """

    block = None

    def __init__(self, x, y):
        check_variable(x, "LinearProduct: x"), check_variable(y, "LinearProduct: y")
        if not (has_zero_width(x) or has_zero_width(y)):
            _refuse_param_width(x, y)
            raise ModelFormatError(
                f"LinearProduct: neither factor has zero width ({x.name!r} in [{x.lb}, {x.ub}], {y.name!r} in "
                f"[{y.lb}, {y.ub}]), so x*y is not linear; use bilinear(model, x, y), which picks the product for the pair"
            )
        self.x, self.y = x, y
        for var in (x, y):  # no solver sees a zero-width factor (lb*y): give it its only value, so the model evaluates
            if has_zero_width(var) and not var.fixed and var.value != var.lb:  # (a value of a solve before: probe106 #2)
                var.set_value(float(var.lb))
        fx, fy = (float(v.lb) if has_zero_width(v) else v for v in (x, y))
        zero = any(isinstance(f, float) and f == 0.0 for f in (fx, fy))
        self.expr = 0.0 if zero else fx * fy  # Pyomo would keep 0*y as a term of y

    @property
    def box_factors(self) -> tuple:
        """The zero-width factors: ``lb * y`` is exact for ``y`` on any box."""
        factors = (self.x,) if self.y is self.x else (self.x, self.y)
        return tuple(v for v in factors if has_zero_width(v))

    def size(self) -> ModelSize:
        """Nothing: no variable, binary or constraint is added."""
        return ModelSize(0, 0, 0)

    @property
    def binaries(self) -> tuple[dict, ...]:
        """None: ``()``."""
        return ()

    def _value(self, var):
        return float(var.lb) if has_zero_width(var) else pyo.value(var, exception=False)

    def get_error(self) -> ProductError:
        """Zero errors at the current values (a zero-width factor is taken at its bound)."""
        x, y = self._value(self.x), self._value(self.y)
        z = pyo.value(self.expr, exception=False)
        if z is None:
            raise no_values_error(self.x, self.y)
        # a factor without a value can only be the other factor of a zero one: the product is 0
        true = float(x * y) if x is not None and y is not None else 0.0
        return ProductError(math.nan if x is None else float(x), math.nan if y is None else float(y), float(z), float(z), true)
