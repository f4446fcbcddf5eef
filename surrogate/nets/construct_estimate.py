"""How accurate a hand-built net is before it is built (:func:`estimated_mae`), and which shapes make useful ones.

A hand-built net (:mod:`surrogate.nets.construct`) writes each square ``u^2``, ``v^2`` of
``x y = u^2 - v^2`` as a piecewise-linear interpolant of a number of cells; its error on a cell
is a bump ``h^2 tau (1 - tau)``. The estimate picks how to split neurons between the squares.
"""

from __future__ import annotations

import numpy as np

from ..errors import ArchitectureError, ConfigError
from ..options import check_count, is_number

_TAU = (np.arange(256) + 0.5) / 256
_BUMP = np.sort(_TAU * (1 - _TAU))
_BUMP_CUMSUM = np.concatenate([[0.0], np.cumsum(_BUMP)])


def estimated_mae(cells_u: int, cells_v: int) -> float:
    """Estimated grid MAE of a hand-built net with ``cells_u`` and ``cells_v`` cells per square.

    ``E|h_u^2 a_1 - h_v^2 a_2|`` with ``h_q = 2 / cells_q``, ``a = tau (1 - tau)`` and independent
    uniform phases ``tau``, computed exactly for the 256-point midpoint rule in ``O(n log n)``.

    >>> round(estimated_mae(32, 32), 7), round(estimated_mae(16, 16), 7)
    (0.0003255, 0.001302)
    """
    for name, cells in (("cells_u", cells_u), ("cells_v", cells_v)):
        if not is_number(cells, integer=True, low=1):
            raise ConfigError(f"{name}={cells!r} must be a whole number of cells >= 1, e.g. 32")
    su, sv = (2.0 / cells_u) ** 2, (2.0 / cells_v) ** 2
    a, b = su * _BUMP, sv * _BUMP  # both sorted
    n = len(a)
    below = np.searchsorted(b, a, side="right")  # b_j <= a_i
    sum_below = sv * _BUMP_CUMSUM[below]
    total_b = sv * _BUMP_CUMSUM[-1]
    return float((a * below - sum_below + (total_b - sum_below) - a * (n - below)).sum() / n**2)


#: A hand-built net counts as useful when its max error is below that of the constant 0 (1/4).
USEFUL_BOUND = 0.25


#: The ways a hand-built net carries its squares' values through later layers (:func:`~surrogate.nets.construct.plan`).
VARIANTS = ("paired", "shared")


def check_variant(variant, where: str) -> str:
    """``variant`` if it is one of :data:`VARIANTS`, else :class:`~surrogate.errors.ArchitectureError` naming ``where``."""
    if not isinstance(variant, str) or variant not in VARIANTS:
        raise ArchitectureError(f"{where}: unknown construction variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    return variant


def fits_variant(widths: tuple[int, ...], variant: str) -> bool:
    """Whether a ``variant`` net of hidden ``widths`` can be built (the rules :func:`plan` refuses by)."""
    check_variant(variant, "fits_variant")
    if variant == "paired":
        return all(x % 2 == 0 for x in widths) and all(x >= 4 for x in widths[1:])
    return widths[0] >= 2 and all(x >= 3 for x in widths[1:])


def useful_shape(depth: int, width: int, variant: str) -> bool:
    """Whether ``depth`` layers of ``width`` make a useful ``variant`` net (max error below :data:`USEFUL_BOUND`),
    without planning it (a wide ``shared`` plan takes seconds): more than two cells per square take a first layer
    of 6 (3 hinges per square), and a ``paired`` later layer of 6, a ``shared`` one of 4 (5 for a second of two).
    ``tests/nets/test_construct.py`` holds this against :func:`~surrogate.nets.construct.plan` for every budget up to 24."""
    check_variant(variant, "useful_shape")
    check_count("useful_shape: depth", depth), check_count("useful_shape: width", width)
    if not fits_variant((width,) * depth, variant) or width < 4:
        return False
    if depth == 1 or variant == "paired":
        return width >= 6
    return width >= (5 if depth == 2 else 4)


def fitting_hint(total: int, variant: str) -> str:
    """The uniform shapes of ``total`` hidden neurons that make a useful ``variant`` net (:func:`useful_shape`), as advice."""
    shapes = [f"{d}x{total // d}" for d in range(1, total + 1) if total % d == 0 and useful_shape(d, total // d, variant)]
    if not shapes:
        return f"no shape of {total} neurons in equal layers makes a useful {variant} net; give it more neurons"
    listed = ", ".join(shapes[:-1]) + (" or " if len(shapes) > 1 else "") + shapes[-1]
    return f"try {listed} (the useful shapes of the same {total} neurons in equal layers)"
