"""The surrogate copies the warm start searches over: a ``pruned`` net's activations or a baseline's binaries, per point.

:func:`encoded_copies` takes the products of a model, :func:`clone_copy` finds
one in the search's clone, and :func:`fix_patterns` fixes every copy's binaries
to their values at its current inputs (see :mod:`surrogate.milp.warmstart`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from ..errors import ConfigError
from .encoding import EncodedSurrogate
from .integer_products import IntegerProduct
from .interface import ExactProduct
from .model_components import find_like, lies_within
from .output_scale import net_scaling
from .products import ReplacementReport
from .rewrite_record import RELAX_RECORD
from .scaled_products import BilinearSurrogate, EncodedBaseline
from .solution_check import readable_bounds

__all__ = ["BOUNDARY", "SearchCopy", "clone_copy", "encoded_copies", "fix_patterns", "relax_integers"]


def searchable(copy) -> bool:
    """Whether the search can fix ``copy``'s binaries: a ``pruned`` net, or a baseline that gives them per point."""
    if isinstance(copy, EncodedSurrogate):
        return copy.formulation == "pruned"
    return isinstance(copy, EncodedBaseline) and bool(copy.baseline.indicator_names)


def encoded_copies(surrogates) -> list:
    """The encoding of each product (:class:`EncodedSurrogate` or :class:`EncodedBaseline`; a report, products, or encodings).

    Parameters
    ----------
    surrogates
        A replacement report, its products, or encodings.
    """
    items = _items(surrogates)
    # an exact product (a zero-width or binary factor) has no encoding, and nothing to search over
    encodings = [s.encoded if isinstance(s, (BilinearSurrogate, ExactProduct)) else s for s in items]
    copies = [c for c in encodings if c is not None]
    if any(isinstance(c, ReplacementReport) for c in copies):  # [report]: the fix is not to encode otherwise
        raise ConfigError(
            "activation_start: surrogates holds a ReplacementReport inside a list; pass the report itself, "
            "activation_start(model, report) (or its products, report.products)"
        )
    bad = [copy_kind(c) for c in copies if not searchable(c)]
    if bad:
        raise ConfigError(
            f"activation_start needs nets encoded with formulation='pruned' or a baseline that gives its binaries "
            f"per point, such as sawtooth (got {sorted(set(bad))}); encode with replace_products(model, net) "
            "or skip the warm start"
        )
    return copies


def check_owned_copies(model, copies, digits=(), *, read=None) -> None:
    """Raise :class:`ConfigError` unless every encoding of ``copies`` is a block of ``model`` now, or of the
    model or block ``model`` was cloned from (the search finds a copy's parts by their place,
    :func:`~surrogate.milp.model_components.find_like`), and every factor and digit of the
    :class:`~surrogate.milp.integer_products.IntegerProduct` s ``digits`` is a variable of it.

    A report of another model, or of a replacement that was undone, names blocks that ``model``
    does not hold, or that hold other variables under that name. ``read``: ``model``'s
    :class:`~surrogate.milp.model_components.VariablesRead`, kept by the caller for its next lookups.
    """

    def names(block) -> list[str]:
        variables = block.component_data_objects(pyo.Var, descend_into=True)
        return [v.getname(fully_qualified=True, relative_to=block) for v in variables]

    def owned(copy) -> bool:
        found = find_like(model, copy.block, model, read=read)
        return found is copy.block or (found is not None and names(found) == names(copy.block))

    parts = [v for p in digits for v in (p.factor, *p.bits.values())]
    foreign = [c.block.name for c in copies if not owned(c)] + [
        v.name for v in parts if find_like(model, v, model, read=read) is None
    ]
    if foreign:
        raise ConfigError(
            f"activation_start: the surrogate {foreign[0]!r} is not part of model {model.name!r} (the report "
            "is of another model, or of a replacement undone since); pass the report that replace_products returned "
            "for this model"
        )


def integer_products(surrogates) -> list:
    """The :class:`~surrogate.milp.integer_products.IntegerProduct` s among ``surrogates`` (a report, products, or encodings)."""
    return [s for s in _items(surrogates) if isinstance(s, IntegerProduct)]


def _items(surrogates) -> Iterable:
    """The products of a report, or ``surrogates`` as they are (products or encodings)."""
    if isinstance(surrogates, ReplacementReport):
        return surrogates.products.values()
    return surrogates.values() if isinstance(surrogates, Mapping) else surrogates  # report.products, a dict


def copy_kind(copy) -> str:
    """What a refusal names ``copy`` by: a net's formulation, a baseline's name, or the type of anything else."""
    if isinstance(copy, EncodedSurrogate):
        return str(copy.formulation)
    return copy.baseline.name if isinstance(copy, EncodedBaseline) else type(copy).__name__


@dataclass(frozen=True)
class SearchCopy:
    """One product's encoding in the search's clone: its input variables, its indicators, and what sets them.

    ``indicators`` holds one indexed binary per hidden layer (a net) or per
    :attr:`~surrogate.milp.baselines.Baseline.indicator_names` (a baseline);
    ``values(h, threshold)`` gives their ``{index: 0 or 1}`` at the input values ``h``.
    """

    inputs: tuple
    indicators: tuple
    values: Callable[[np.ndarray, float], list]


def net_values(net) -> Callable[[np.ndarray, float], list]:
    """The activation pattern of ``net`` at ``h``: per hidden layer, ``{neuron: 1}`` where ``zhat > threshold``."""

    def values(h: np.ndarray, threshold: float) -> list:
        pattern = []
        for k in range(len(net.weights) - 1):
            zhat = h @ net.weights[k] + net.biases[k]
            pattern.append({j: 1.0 if z > threshold else 0.0 for j, z in enumerate(zhat)})
            h = np.maximum(zhat, 0.0)
        return pattern

    return values


def clone_copy(m, copy, model, *, read=None) -> SearchCopy:
    """``copy`` (of ``model``, or of the model or block it was cloned from) as a :class:`SearchCopy` of ``model``'s
    clone ``m``, found there by its place (:func:`~surrogate.milp.model_components.find_like`, with ``read``).

    Parameters
    ----------
    m
        The clone of ``model``.
    copy
        An encoded product of ``model`` (or of what it was cloned from).
    model
        The model cloned.
    read
        The variables each row of ``m`` reads (:class:`~surrogate.milp.model_components.VariablesRead`), shared
        between the lookups of one start; ``None``: walked here.
    """
    if isinstance(copy, EncodedSurrogate):
        block = find_like(m, copy.block, model)
        layers = tuple(find_like(m, layer, model) for layer in copy.indicators)
        bounds = copy.bounds  # its inputs and layers as encoded: tiny ones times powers of two (output_scale)
        scaled = net_scaling(copy.net, bounds.box, bounds.lower, bounds.upper).net(copy.net)
        return SearchCopy(tuple(block.inputs.values()), layers, net_values(scaled))
    baseline, block = copy.baseline, find_like(m, copy.block, model)
    inputs = tuple(find_like(m, v, model, read=read) for v in copy.inputs)  # by ComponentUID: an index may hold None
    if any(v is None for v in inputs):
        raise ConfigError(f"baseline block {copy.block.name!r}: its inputs must be variables of the model for a warm start")
    indicators = tuple(block.component(name) for name in baseline.indicator_names)
    return SearchCopy(inputs, indicators, lambda h, threshold: baseline.indicator_values(*h, threshold=threshold))


#: A neuron with ``|zhat|`` below this is on its region's boundary: both patterns contain the point.
BOUNDARY = 1e-9


def fix_patterns(copies, *, boundary_active: bool = False) -> int:
    """Fix every copy's binaries to its pattern at its inputs (a net's activation pattern); return how many changed.

    Neurons on a boundary (``|zhat| <= BOUNDARY``) are inactive, or active
    with ``boundary_active``: the point lies in both regions, and the LP can
    only move on into the one it is given.

    Parameters
    ----------
    copies
        The search copies of the products.
    boundary_active
        Whether a neuron on a boundary is taken as active.
    """
    threshold = -BOUNDARY if boundary_active else BOUNDARY
    changed = 0
    for copy in copies:
        h = np.array([pyo.value(v) for v in copy.inputs], dtype=np.float64)
        for indicator, values in zip(copy.indicators, copy.values(h, threshold)):
            for j, s in indicator.items():
                value = values[j]
                changed += not (s.fixed and s.value == value)
                s.fix(value)
    return changed


def relax_integers(model) -> None:
    """Make every integer variable of ``model`` continuous (Pyomo's ``core.relax_integer_vars``), those of deactivated blocks too.

    Each variable is a target of its own: relaxing the whole model printed Pyomo's DEPRECATED
    ``transform_deactivated_blocks`` warning for every deactivated block it holds. One whose bounds cannot be read
    (a NaN bound: :func:`~surrogate.milp.solution_check.readable_bounds`) is in no active row: it is left as it is.

    Parameters
    ----------
    model
        A Pyomo model, changed in place.
    """
    variables = model.component_data_objects(pyo.Var, active=None)
    # its own only: a Reference to another block's (the user's) variable is shared by a clone, and stays as it is
    relaxed = [v for v in variables if v.is_integer() and readable_bounds(v) is not None and lies_within(v, model)]
    if model.component(RELAX_RECORD) is not None:  # the user's own relaxation's record, kept after its reverse: Pyomo
        model.del_component(RELAX_RECORD)  # replaces it anyway, with a warning printed on every warm start
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(model, targets=relaxed)
