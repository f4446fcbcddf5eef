"""Factors of surrogates whose declared bounds are far wider than the model's constraints imply (FBBT).

:func:`~surrogate.milp.bilinear.replace_products` warns of them: a surrogate's error grows with its box.
"""

from __future__ import annotations

from ..errors import InfeasibleModelError
from .implied_bounds import product_factors, propagated_bounds
from .integer_products import is_exact_pair
from .model_components import first_names
from .products import has_symbolic_bounds

#: A factor whose declared box is this many times wider than the box its constraints imply is warned about.
LOOSE_BOX_FACTOR = 4.0


def loose_box_warnings(model) -> tuple[str, ...]:
    """A warning per factor of a surrogate (not of an exact product) whose declared bounds are far wider than implied (FBBT).

    A surrogate's error grows with its factors' box, so such bounds make every answer through it
    less accurate than the model allows; bounds are not tightened unasked (see ``implied_bounds``).
    """
    factors = product_factors(model, leave_out=is_exact_pair)  # a product written exactly has no box error to warn of
    factors = [v for v in factors if not v.fixed and None not in (v.lb, v.ub) and not has_symbolic_bounds(v)]
    try:
        implied = propagated_bounds(model, factors)
    except InfeasibleModelError:  # no box at all: the solve says so, as it did without this check
        return ()
    found = []
    for var, (lo, hi) in zip(factors, implied):
        lo, hi = max(var.lb, lo if lo is not None else var.lb), min(var.ub, hi if hi is not None else var.ub)
        if (var.ub - var.lb) > LOOSE_BOX_FACTOR * max(hi - lo, 0.0) + 1e-6 * max(1.0, abs(var.lb), abs(var.ub)):
            # + 0.0: a bound of -0.0 is told as 0 (FBBT gives -0 for x <= -0 * y)
            found.append(
                f"{var.name} in [{var.lb + 0.0:g}, {var.ub + 0.0:g}] (the constraints imply [{lo + 0.0:g}, {hi + 0.0:g}])"
            )
    if not found:
        return ()
    return (
        f"declared bounds far wider than the constraints imply: {first_names(found, sep='; ')}; "
        "a surrogate's error grows with its box: tighten them first, e.g. tighten_product_bounds(model, wide=1e-9) "
        "(surrogate.milp.implied_bounds), then replace the products",
    )
