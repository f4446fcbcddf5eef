"""A net whose values on its box are so large that its rows and big-M constants make any model badly scaled.

:func:`warn_large_values` warns of it when :func:`~surrogate.milp.encoding.add_surrogate` builds it;
:func:`check_below_infinity` refuses those whose values reach a solver's infinity (1e20), as the encoding and
:func:`~surrogate.milp.bounds_obbt.obbt_bounds` build them, naming what to rescale (:func:`rescaling_advice`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ModelFormatError, NumericsWarning, warn_caller
from .output_scale import largest_value

#: A net whose values (its layers' bounds on the box) pass this gets a warning at build time: its rows and big-M
#: constants then pass a solve's 'badly scaled' limit of 1e9 (``solve_checks.COEFFICIENT_LIMIT``) because of the net,
#: not of its factors' bounds (probe114 #3: random nets solved right up to values of 1e9, 41 of 156 wrong past it).
LARGE_VALUES = 1e9


def first_large_layer(lower: Sequence, upper: Sequence) -> int | None:
    """The first layer whose bounds ``lower``, ``upper`` pass :data:`LARGE_VALUES` (``None``: none does): divided by s
    there, with every later bias, the net's values from it on shrink by s."""
    return next((k for k, (lo, hi) in enumerate(zip(lower, upper)) if largest_value(lo, hi) > LARGE_VALUES), None)


def warn_large_values(name: str, lower: Sequence, upper: Sequence) -> None:
    """A :class:`~surrogate.errors.NumericsWarning` for surrogate ``name`` whose layers' bounds ``lower``, ``upper`` (those
    its encoding uses) pass :data:`LARGE_VALUES`, naming the first layer that does and what to do (the solve's note
    would blame its factors' bounds)."""
    k = first_large_layer(lower, upper)
    if k is None:
        return
    largest = max(largest_value(lo, hi) for lo, hi in zip(lower, upper))
    warn_caller(
        f"surrogate {name!r}: the bounds its encoding uses reach {largest:.3g} on its box, past {LARGE_VALUES:g} from "
        f"its {_layer_name(k, len(lower))} on: its rows and big-M constants make the model badly scaled whatever the "
        "bounds of its inputs, and a solver's answer may be wrong. Where these are interval bounds (OMLT's formulations, "
        "bounds='interval') that grow with depth, use formulation='pruned' with bounds='lp' or 'milp' (tighter); where "
        f"the net's values are that large, {rescaling_advice(lower, upper)}",
        NumericsWarning,
    )


def _layer_name(k: int, layers: int) -> str:
    return "output layer" if k == layers - 1 else f"hidden layer {k} (counted from 0)"


def rescaling_advice(lower: Sequence, upper: Sequence) -> str:
    """How to rescale a net whose layers' bounds ``lower``, ``upper`` are too large: from :func:`first_large_layer` on
    (the output layer where none passes :data:`LARGE_VALUES`)."""
    k = first_large_layer(lower, upper)
    what = _layer_name(len(lower) - 1 if k is None else k, len(lower))
    return (
        f"rescale it: divide the weights and bias of its {what} and the biases of every later layer by s (a power of ten: "
        "those layers' values shrink by s) and multiply its output by s in the model"
    )


def check_below_infinity(what: str, lower: Sequence, upper: Sequence, consequence: str) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError` if a layer's bound in ``lower``, ``upper`` is at or beyond
    HiGHS's infinity (``solve_checks.COEFFICIENT_LIMITS``: 1e20, SCIP's too), or not a number (an input box near
    float's limit overflows). Every solve refuses a model holding such a value, naming a row the package built and
    the user cannot change; ``what`` (``"surrogate 'z'"``) and ``consequence`` (what such values would do) word it.

    Raises
    ------
    ModelFormatError
        Naming the first neuron that reaches it, the bounds, and what to rescale (:func:`rescaling_advice`).
    """
    from .solve_checks import COEFFICIENT_LIMITS

    infinity, last = COEFFICIENT_LIMITS["highs"][2], len(lower) - 1
    for k, (lo, hi) in enumerate(zip(lower, upper)):
        for j in np.flatnonzero(~(np.maximum(np.abs(lo), np.abs(hi)) < infinity)):  # NaN too
            neuron = f"output {j}" if k == last else f"neuron {j} of hidden layer {k}"
            raise ModelFormatError(
                f"{what}: the net's {neuron} (counted from 0) reaches [{lo[j]:.3g}, {hi[j]:.3g}] on the box, at or "
                f"beyond HiGHS's infinity of {infinity:g}, {consequence}; {rescaling_advice(lower, upper)}, or narrow "
                "the box"
            )
