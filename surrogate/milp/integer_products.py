"""A product with an integer factor of few values, ``n*y``: exact through the binary digits of ``n``.

:func:`~surrogate.milp.bilinear.bilinear` (and so
:func:`~surrogate.milp.bilinear.replace_products`) gives such a product an
:class:`IntegerProduct` instead of a net when ``n`` has at most
``2**INTEGER_BITS`` values: a net of MAE <= 1e-3 spends 10 binaries or more on
a product (the fixed net of the zoo; ``3x8`` up to 24) and adds its error,
where ``ceil(log2(U - L + 1))`` binaries give the product exactly. A product
whose factor is binary is a :class:`~surrogate.milp.binary_products.BinaryProduct`
(no new binary at all).
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from ..errors import ModelFormatError
from .binary_products import check_exact_product, is_binary_factor
from .built_marks import mark_built, removed_on_failure
from .interface import ExactProduct, ProductError, binary_groups, solved_values
from .model_size import ModelSize, model_size
from .products import bound_terms, has_symbolic_bounds
from .scaled_products import has_zero_width

__all__ = ["INTEGER_BITS", "IntegerProduct", "held_integer", "integer_bits", "integer_bounds", "is_exact_pair"]

#: An integer factor of at most ``2**INTEGER_BITS`` values is written exactly by its binary digits.
INTEGER_BITS = 10


def integer_bounds(var) -> tuple[int | None, int | None]:
    """The least and the greatest integer within ``var``'s bounds (``None`` for a missing bound).

    Parameters
    ----------
    var
        A Pyomo variable.
    """
    return (
        None if var.lb is None else math.ceil(var.lb - 1e-9),
        None if var.ub is None else math.floor(var.ub + 1e-9),
    )


def held_integer(var, value: float) -> float:
    """``value`` rounded to an integer within ``var``'s bounds: where the warm start holds an integer variable.

    Parameters
    ----------
    var
        An integer Pyomo variable.
    value
        The value to hold it at.
    """
    low, high = integer_bounds(var)
    held = round(value)
    held = held if low is None else max(held, low)
    return float(held if high is None else min(held, high))


def integer_bits(var) -> int | None:
    """The binary digits an integer ``var`` of constant bounds ``[L, U]`` needs, ``ceil(log2(U - L + 1))``.

    ``None`` for a variable that is not integer, has a bound given by a mutable
    ``Param`` (its number of values may change) or a missing bound, or needs
    more than :data:`INTEGER_BITS` digits.

    Parameters
    ----------
    var
        A Pyomo variable.
    """
    if not var.is_integer() or has_symbolic_bounds(var) or var.lb is None or var.ub is None:
        return None
    low, high = integer_bounds(var)
    values = high - low + 1
    bits = max(1, math.ceil(math.log2(values))) if values >= 1 else None
    return bits if bits is not None and bits <= INTEGER_BITS else None


def is_exact_pair(x, y) -> bool:
    """Whether :func:`~surrogate.milp.bilinear.bilinear` writes ``x*y`` exactly, with no surrogate: a factor has
    ``lb == ub``, is binary, or is an integer of few values (:func:`integer_bits`).

    Parameters
    ----------
    x
        A Pyomo variable, the first factor.
    y
        A Pyomo variable, the second factor.
    """
    return any(has_zero_width(v) or is_binary_factor(v) or integer_bits(v) is not None for v in (x, y))


def _why_not_expanded(x, y) -> str:
    """Why neither ``x`` nor ``y`` is an integer factor :class:`IntegerProduct` writes by its digits (:func:`integer_bits`)."""
    integers = [v for v in (x, y) if v.is_integer()]
    if not integers:
        return f"neither factor is an integer variable ({x.name!r}, {y.name!r}): only an integer factor has digits"
    fixed = [v for v in integers if not has_symbolic_bounds(v)]
    if not fixed:
        return f"the bounds of {integers[0].name!r} are given by mutable Params, so its number of values may change"
    low, high = integer_bounds(fixed[0])
    return (
        f"{fixed[0].name!r} has {high - low + 1} values ([{low}, {high}]), more than the 2**INTEGER_BITS = "
        f"{2**INTEGER_BITS} that IntegerProduct expands"
    )


class IntegerProduct(ExactProduct):
    """``w = n*y`` for an integer ``n`` in ``[L, U]`` and a bounded ``y`` in ``[L_y, U_y]``: exact.

    With ``K = ceil(log2(U - L + 1))`` new binaries ``b_k`` (the digits of ``n - L``)
    and a variable ``w_k = b_k y`` per digit, written with McCormick's four envelopes
    (exact because ``b_k`` only takes its bounds),

    .. math::

        n = L + \\sum_{k<K} 2^k b_k, \\qquad w = L\\,y + \\sum_{k<K} 2^k w_k,

        L_y b_k \\le w_k \\le U_y b_k, \\qquad y - U_y (1 - b_k) \\le w_k \\le y - L_y (1 - b_k).

    ``n``'s own bounds keep ``n - L`` below ``2^K`` where ``U - L + 1`` is not a
    power of two. ``L_y, U_y`` follow mutable ``Param`` bounds of ``y``. A square
    ``n*n`` is the same with ``y = n``. ``factor`` is ``n``, ``low`` is ``L`` and
    ``bits`` the indexed digits; the warm start sets them from ``n``'s value
    (:mod:`surrogate.milp.warmstart`). A pair with no such factor (:func:`integer_bits`) is refused, naming why
    (:func:`~surrogate.milp.bilinear.bilinear` gives it a surrogate); a failure leaves no block behind.

    Raises
    ------
    ModelFormatError
        No factor an integer of constant bounds and at most ``2**INTEGER_BITS`` values; a factor that is not one
        variable or has no finite bounds; ``name`` taken.
    ConfigError
        ``model`` not a Pyomo model or block; ``name`` not a non-empty string.
    """

    def __init__(self, model, x, y, name: str):
        check_exact_product("IntegerProduct", model, x, y, name)
        self.x, self.y = x, y
        bits_x, bits_y = integer_bits(x), integer_bits(y)
        fewer_x = bits_x is not None and (bits_y is None or bits_x <= bits_y)
        self.factor, other, digits = (x, y, bits_x) if fewer_x else (y, x, bits_y)
        if digits is None:
            raise ModelFormatError(
                f"IntegerProduct: {_why_not_expanded(x, y)}; use bilinear(model, x, y), which gives such a product a surrogate"
            )
        self.low = integer_bounds(self.factor)[0]
        low_y, high_y = bound_terms(other)
        self.block = block = pyo.Block()
        with removed_on_failure(model, name):  # nothing half-built left to block a retry under the same name
            model.add_component(name, block)
            self._build(block, other, digits, low_y, high_y)

    def _build(self, block, other, digits: int, low_y, high_y) -> None:
        """The digits, their products with ``other`` (in ``[low_y, high_y]``) and ``expr``, in ``block``."""
        mark_built(block)  # its digits are the product's own (the integer factor is the user's)
        block.bits = pyo.Var(range(digits), domain=pyo.Binary)
        block.w = pyo.Var(range(digits))
        block.digits = pyo.Constraint(expr=self.factor == self.low + sum(2**k * block.bits[k] for k in range(digits)))
        block.envelopes = pyo.ConstraintList()
        for k in range(digits):
            b, w = block.bits[k], block.w[k]
            block.envelopes.add(w >= low_y * b)
            block.envelopes.add(w <= high_y * b)
            block.envelopes.add(w >= other - high_y * (1 - b))
            block.envelopes.add(w <= other - low_y * (1 - b))
        self.bits = block.bits
        self.expr = self.low * other + sum(2**k * block.w[k] for k in range(digits))

    @property
    def integer_factors(self) -> tuple:
        """The factor written by its digits (``n``): the digits make it integer, as it was."""
        return (self.factor,)

    def size(self) -> ModelSize:
        """``2K`` variables (``K`` of them binary) and ``4K + 1`` constraints."""
        return model_size(self.block)

    @property
    def binaries(self) -> tuple[dict, ...]:
        """The digits of ``n - L``: one group of ``K`` binaries."""
        return binary_groups(self.block)

    def digit_values(self, value: float) -> list[float]:
        """The digits ``b_k`` of an integer value of ``n`` (rounded, and clamped to ``n``'s bounds)."""
        steps = int(held_integer(self.factor, value)) - self.low
        return [float((steps >> k) & 1) for k in range(len(self.bits))]

    def get_error(self) -> ProductError:
        """Errors at the current values: ``net_z`` is ``x*y`` itself, so only solver tolerances show."""
        x, y, z = solved_values(self.x, self.y, self.expr)
        return ProductError(x, y, z, x * y, x * y)
