"""A product with a binary factor, ``b*y``: exactly linear with four constraints, no surrogate.

:func:`~surrogate.milp.bilinear.bilinear` (and so
:func:`~surrogate.milp.bilinear.replace_products`) gives such a product a
:class:`BinaryProduct` instead of a net: a net would spend its binaries on a
product that McCormick's envelopes already give exactly, and would add its
approximation error to it.
"""

from __future__ import annotations

import pyomo.environ as pyo

from .interface import ExactProduct, ProductError, solved_values
from .model_size import ModelSize, model_size
from .products import bound_terms, has_symbolic_bounds

__all__ = ["BinaryProduct", "is_binary_factor"]


def is_binary_factor(var) -> bool:
    """Whether ``var`` takes only the values 0 and 1.

    True for a ``Binary`` domain, and for an integer domain whose bounds are
    constants within [0, 1]; bounds given by mutable ``Param`` s could later
    leave [0, 1], so such an integer variable is not taken as binary.

    Parameters
    ----------
    var
        A Pyomo variable.
    """
    if var.is_binary():
        return True
    if not var.is_integer() or has_symbolic_bounds(var):
        return False
    return var.lb is not None and var.ub is not None and var.lb >= 0 and var.ub <= 1


class BinaryProduct(ExactProduct):
    """``w = b*y`` for a binary ``b`` and a bounded ``y`` in ``[L, U]``: exact, with no new binary.

    The block holds a variable ``w`` and the McCormick envelopes of ``b*y``,

    .. math::

        L\\,b \\le w \\le U\\,b, \\qquad y - U (1 - b) \\le w \\le y - L (1 - b),

    which are exact because ``b`` only takes its bounds: ``b = 0`` gives
    ``w = 0`` (the second pair then holds for every ``y`` in its box), ``b = 1``
    gives ``w = y``. With ``y`` binary too, ``w = b AND y``. A square ``b*b``
    is ``b`` itself: no block, no constraint. ``L, U`` follow mutable ``Param``
    bounds of ``y``, as a surrogate's maps do.

    An :class:`~surrogate.milp.interface.ExactProduct`; ``binary`` is the binary factor.
    """

    def __init__(self, model, x, y, name: str):
        self.x, self.y = x, y
        self.binary, other = (x, y) if is_binary_factor(x) else (y, x)
        if other is self.binary:
            self.block, self.expr = None, self.binary
            return
        b, (low, high) = self.binary, bound_terms(other)
        self.block = block = pyo.Block()
        model.add_component(name, block)
        block.w = pyo.Var()
        block.lower_off = pyo.Constraint(expr=block.w >= low * b)
        block.upper_off = pyo.Constraint(expr=block.w <= high * b)
        block.lower_on = pyo.Constraint(expr=block.w >= other - high * (1 - b))
        block.upper_on = pyo.Constraint(expr=block.w <= other - low * (1 - b))
        self.expr = block.w

    @property
    def integer_factors(self) -> tuple:
        """The binary factor: the envelopes are exact only while it takes its bounds."""
        return (self.binary,)

    def size(self) -> ModelSize:
        """One variable and four constraints (nothing for ``b*b``)."""
        return ModelSize(0, 0, 0) if self.block is None else model_size(self.block)

    def get_error(self) -> ProductError:
        """Errors at the current values: ``net_z`` is ``x*y`` itself, so only solver tolerances show."""
        x, y, z = solved_values(self.x, self.y, self.expr)
        return ProductError(x, y, z, x * y, x * y)
