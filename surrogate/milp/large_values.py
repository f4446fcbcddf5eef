"""A net whose values on its box are so large that its rows and big-M constants make any model badly scaled.

:func:`warn_large_values` warns of it when :func:`~surrogate.milp.encoding.add_surrogate` builds it;
:func:`~surrogate.milp.bounds_obbt.obbt_bounds` refuses such nets past 1e20 naming :func:`first_large_layer`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import NumericsWarning, warn_caller
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
    what = "output layer" if k == len(lower) - 1 else f"hidden layer {k} (counted from 0)"
    largest = max(largest_value(lo, hi) for lo, hi in zip(lower, upper))
    warn_caller(
        f"surrogate {name!r}: the bounds its encoding uses reach {largest:.3g} on its box, past {LARGE_VALUES:g} from "
        f"its {what} on: its rows and big-M constants make the model badly scaled whatever the bounds of its inputs, and "
        "a solver's answer may be wrong. Where these are interval bounds (OMLT's formulations, bounds='interval') that "
        "grow with depth, use formulation='pruned' with bounds='lp' or 'milp' (tighter); where the net's values are that "
        f"large, rescale it: divide the weights and bias of its {what} and the biases of every later layer by s (a power "
        "of ten: those layers' values shrink by s) and multiply its output by s in the model",
        NumericsWarning,
    )
