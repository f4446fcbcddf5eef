"""A net's output too small for a solver's tolerances, encoded times an exact power of two.

A solver meets each row to an absolute tolerance (HiGHS: 1e-7) and drops coefficients below 1e-9, so the rows that
define an output of 1e-8 (a net scaled down, or made for a tiny box) hold it to no digit: at fixed inputs the MILP
gave such an output with the wrong sign. :func:`output_scale` gives the power of two ``2**k`` that takes the output
to [0.5, 1); the encodings write those rows times ``2**k``, which is exact in binary floating point, so the rows hold
the output to ``1e-7 * 2**-k``. A net of ordinary outputs (every zoo net's) is encoded as it was.
:func:`warn_tiny_output` says how to optimise such an output: HiGHS's absolute MIP gap of 1e-6 stops a solve whose
objective is that small at its first solution.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..errors import NumericsWarning

#: An output whose bounds stay within this (in absolute value) is encoded scaled: :func:`output_scale`. At 1.2e-4,
#: HiGHS's 1e-7 is 1e-3 of the output; the zoo's smallest outputs (collapsed nets, constant near -3.4e-4) stay above it.
SMALL_OUTPUT = 2.0**-13


def _largest(lower, upper) -> float:
    return float(max(np.max(np.abs(lower), initial=0.0), np.max(np.abs(upper), initial=0.0)))


def output_scale(lower, upper) -> float:
    """The power of two ``2**k`` that takes an output whose bounds ``lower``, ``upper`` reach at most ``M``
    (``0 < M <`` :data:`SMALL_OUTPUT`) into [0.5, 1); 1.0 for any other output."""
    largest = _largest(lower, upper)
    if not 0.0 < largest < SMALL_OUTPUT:
        return 1.0
    return math.ldexp(1.0, -math.frexp(largest)[1])


def warn_tiny_output(name: str, lower, upper, *, stacklevel: int = 3) -> None:
    """A :class:`~surrogate.errors.NumericsWarning` for surrogate ``name`` when its output (bounds ``lower``,
    ``upper``) is encoded scaled (:func:`output_scale`), naming the scale to optimise it with; nothing otherwise."""
    scale = output_scale(lower, upper)
    if scale == 1.0:
        return
    warnings.warn(
        f"surrogate {name!r}: the net's outputs reach at most {_largest(lower, upper):.3g} on its box; they are encoded "
        f"exactly (the rows that define them written times 2**{round(math.log2(scale))}), but a solver stops optimising an "
        "objective this small at its first solution (HiGHS's absolute MIP gap is 1e-6): optimise it times "
        f"{scale:.17g}, e.g. Objective(expr={scale:.17g} * z.output), or rescale the net's last layer and divide its "
        "output by as much in the model",
        NumericsWarning,
        stacklevel=stacklevel,
    )
