"""A product with a binary factor, ``b*y``: exactly linear with four constraints, no surrogate.

:func:`~surrogate.milp.bilinear.bilinear` (and so
:func:`~surrogate.milp.bilinear.replace_products`) gives such a product a
:class:`BinaryProduct` instead of a net: a net would spend its binaries on a
product that McCormick's envelopes already give exactly, and would add its
approximation error to it.
"""

from __future__ import annotations

import pyomo.environ as pyo

from ..errors import ModelFormatError
from .interface import ExactProduct, ProductError, solved_values
from .model_components import check_extendable, check_model
from .model_size import ModelSize, model_size
from .products import bound_terms, check_variable, finite_bounds, has_symbolic_bounds
from .solve_arguments import check_block_name

__all__ = ["BinaryProduct", "check_exact_product", "is_binary_factor"]


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


def check_exact_product(where: str, model, x, y, name) -> None:
    """Refuse the arguments of an exact product class called directly (``where``: ``'BinaryProduct'``...) unless
    ``model`` is a built Pyomo model or block without a component ``name``, and ``x``, ``y`` are single variables
    with finite bounds; each refusal names the argument (:func:`~surrogate.milp.bilinear.bilinear` makes the same
    checks before it picks the product).

    Parameters
    ----------
    where
        The class called, named in the messages.
    model
        The model or block the product's block is added to.
    x, y
        The factors.
    name
        The name of the product's block.
    """
    check_model(where, model), check_block_name(where, name), check_variable(x, f"{where}: x"), check_variable(y, f"{where}: y")
    check_extendable(model), finite_bounds(x), finite_bounds(y)
    if model.component(name) is not None:
        raise ModelFormatError(f"{where}: model {model.name!r} already has a component {name!r}; pass another name")


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

    An :class:`~surrogate.milp.interface.ExactProduct`; ``binary`` is the binary factor. Neither factor binary
    (:func:`is_binary_factor`) is refused: the rows are exact only for a binary one, and would cut off the
    values of ``x*y`` between; :func:`~surrogate.milp.bilinear.bilinear` picks the exact product of a pair.

    Raises
    ------
    ModelFormatError
        Neither factor binary; a factor that is not one variable or has no finite bounds; ``name`` taken.
    ConfigError
        ``model`` not a Pyomo model or block; ``name`` not a non-empty string.
    """

    def __init__(self, model, x, y, name: str):
        check_exact_product("BinaryProduct", model, x, y, name)
        if not (is_binary_factor(x) or is_binary_factor(y)):
            raise ModelFormatError(
                f"BinaryProduct: neither factor is binary ({x.name!r} in [{x.lb}, {x.ub}], {y.name!r} in [{y.lb}, "
                f"{y.ub}]; binary: a Binary domain, or integers within constant bounds [0, 1]): its rows are exact only "
                "for a binary factor, and would cut off other values of the product; use bilinear(model, x, y), which "
                "picks the exact product of each pair (IntegerProduct for an integer factor of few values)"
            )
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
