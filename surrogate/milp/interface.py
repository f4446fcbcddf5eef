"""What every encoding of a product in a Pyomo model provides: :class:`EncodedProduct`.

Five classes stand in for ``x*y`` (or for a net ``N(x, y)``) in a model:

* :class:`~surrogate.milp.encoding.EncodedSurrogate`: a ReLU net on its own
  inputs (:func:`~surrogate.milp.encoding.add_surrogate`);
* :class:`~surrogate.milp.scaled_products.EncodedBaseline`: a classic
  approximation of :mod:`surrogate.milp.baselines` on its own inputs;
* :class:`~surrogate.milp.scaled_products.BilinearSurrogate`: one of the two
  above mapped onto the box of two model variables
  (:func:`~surrogate.milp.bilinear.bilinear`);
* :class:`~surrogate.milp.scaled_products.LinearProduct`: a product with a
  zero-width factor, exactly linear;
* :class:`~surrogate.milp.binary_products.BinaryProduct`: a product with a
  binary factor, exactly linear with four constraints.

They all implement :class:`EncodedProduct`, and after a solve report their
errors as one :class:`ProductError`; the two exact ones share :class:`ExactProduct`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import pyomo.environ as pyo

from ..errors import ModelFormatError
from .model_size import ModelSize, model_size


@dataclass(frozen=True)
class ProductError:
    """Errors of an encoded product at the current variable values (filled in by a solve).

    Attributes
    ----------
    x, y
        The values of the two inputs.
    z
        The value of the encoding's output: what the optimiser sees for ``x*y``.
    net_z
        What the approximation itself (a net, or a baseline) gives at ``(x, y)``
        (mapped back onto the box for a :class:`~surrogate.milp.scaled_products.BilinearSurrogate`;
        ``nan`` for a relaxation, whose ``z`` is not a function of ``(x, y)``).
    true_product
        ``x*y``.
    """

    x: float
    y: float
    z: float
    net_z: float
    true_product: float

    @property
    def milp_output(self) -> float:
        """The MILP's output ``z`` (the name :class:`~surrogate.milp.encoding.EncodedSurrogate` reports it by)."""
        return self.z

    @property
    def net_output(self) -> float:
        """The approximation's own value ``net_z`` (the name :class:`~surrogate.milp.encoding.EncodedSurrogate` uses)."""
        return self.net_z

    @property
    def vs_net(self) -> float:
        """|z - the approximation's own value|: the encoding's error, zero up to solver tolerances for an exact one."""
        return abs(self.z - self.net_z)

    @property
    def vs_product(self) -> float:
        """|z - x*y|: the approximation error the optimiser actually sees."""
        return abs(self.z - self.true_product)


def no_values_error(x, y) -> ModelFormatError:
    """The error for ``get_error`` on the product ``x*y`` before a solve has given its variables values."""
    return ModelFormatError(f"product {x.name}*{y.name} has no values yet; solve the model first")


def solved_values(x, y, z) -> tuple[float, float, float]:
    """The values of a product's factors ``x, y`` and of what stands for it, ``z``, after a solve.

    Raises :func:`no_values_error` while any of them has no value.
    """
    values = [pyo.value(v, exception=False) for v in (x, y, z)]
    if any(v is None for v in values):
        raise no_values_error(x, y)
    return tuple(float(v) for v in values)


def binary_groups(block) -> tuple[dict, ...]:
    """The binary variables declared on ``block`` (and its sub-blocks), one ``{index: VarData}`` per ``Var`` component.

    In declaration order; a ``Var`` component without a binary member gives no group.
    """
    groups = []
    for var in block.component_objects(pyo.Var, descend_into=True):
        group = {index: data for index, data in var.items() if data.is_binary()}
        if group:
            groups.append(group)
    return tuple(groups)


class EncodedProduct(ABC):
    """A thing that stands in for ``x*y`` (or for a net of two inputs) in a Pyomo model.

    Attributes
    ----------
    inputs : tuple
        The two Pyomo variables (or expressions) the encoding reads, ``(x, y)``.
    output
        The Pyomo variable or expression that stands for ``x*y`` (for a net:
        ``N(x, y)``); a model uses it where it used the product.
    block
        The Pyomo block holding the encoding's variables and constraints
        (``None`` when it adds none).
    """

    inputs: tuple
    output: object
    block: object

    def size(self) -> ModelSize:
        """Variables, binaries and constraints the encoding added to the model."""
        return model_size(self.block)

    @property
    def binaries(self) -> tuple[dict, ...]:
        """The binary variables the encoding added, in groups of ``{index: VarData}``.

        Each group is one indexed binary variable as the formulation declared
        it; for a net encoded with ``formulation='pruned'`` group ``k`` is the
        indicators of hidden layer ``k``, keyed by neuron (stable neurons have
        none). Their total count is ``size().binaries``.
        """
        return binary_groups(self.block)

    @property
    def box_factors(self) -> tuple:
        """The inputs whose bounds (and integrality) the encoding was built for, each once: a solve refuses
        one widened since (:mod:`~surrogate.milp.rewrite_record`). Both, unless a subclass relies on fewer."""
        x, y = self.inputs
        return (x,) if y is x else (x, y)

    @property
    def integer_factors(self) -> tuple:
        """The inputs whose integrality the encoding relies on (a binary factor of an exact product): none here."""
        return ()

    @abstractmethod
    def get_error(self) -> ProductError:
        """The encoding's errors at the current variable values; call after a solve has loaded a solution.

        Raises
        ------
        ModelFormatError
            When the variables have no values yet.
        """


class ExactProduct(EncodedProduct):
    """A product written exactly, with no approximation: the attributes its subclasses share.

    It has the interface of :class:`~surrogate.milp.scaled_products.BilinearSurrogate`
    (``expr``, ``x``, ``y``, ``size()``, ``get_error()``): ``encoded`` is
    ``None``, it adds no binary (but :class:`~surrogate.milp.integer_products.IntegerProduct`'s
    digits), error-aware mode adds no slack, and every error is zero up to solver
    tolerances. Subclasses set ``x``, ``y``, ``expr`` and ``block``.
    """

    encoded = None
    warnings: tuple[str, ...] = ()
    scale = 0.0
    slack = None  # exact: error-aware mode adds no slack
    error_bound = 0.0
    inputs = property(lambda self: (self.x, self.y), doc="``(x, y)``: the model's variables.")
    output = property(lambda self: self.expr, doc="What stands for ``x*y`` in the model (:attr:`expr`).")

    @property
    def binaries(self) -> tuple[dict, ...]:
        """None: ``()`` (a binary factor is the model's own)."""
        return ()
