"""Counting the size of a Pyomo model: :class:`ModelSize` and :func:`model_size`.

It sits below every module that builds or solves models (:mod:`surrogate.milp.encoding`,
:mod:`surrogate.milp.solver`, :mod:`surrogate.milp.bilinear`...) and imports only the check of a model
argument (:func:`~surrogate.milp.solve_arguments.check_model`), so any of them can report sizes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pyomo.environ as pyo

from .model_components import check_constructed
from .solve_arguments import check_model


@dataclass(frozen=True)
class ModelSize:
    """Counts of active variables, binaries and constraints in a Pyomo component."""

    variables: int
    binaries: int
    constraints: int

    def to_dict(self) -> dict:
        """The counts as a plain dict (``variables``, ``binaries``, ``constraints``)."""
        return asdict(self)


def model_size(component) -> ModelSize:
    """Count the variables (binaries too) and active constraints under ``component``, leaving out deactivated blocks.

    Parameters
    ----------
    component
        A Pyomo model or block; sub-blocks are included.

    Returns
    -------
    ModelSize
        Every variable, the binaries among them, and the active constraints.

    Raises
    ------
    ConfigError
        If ``component`` is not a Pyomo model or block.
    ModelFormatError
        If it is not constructed (an ``AbstractModel``, a ``pyo.Block()`` of no model).
    """
    check_model("model_size", component, name="component")
    check_constructed(component, where="model_size")  # an AbstractModel's counted 0 of everything
    variables = list(component.component_data_objects(pyo.Var, active=True, descend_into=True))  # not a deactivated block's
    constraints = sum(1 for _ in component.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    return ModelSize(len(variables), sum(1 for v in variables if v.is_binary()), constraints)
