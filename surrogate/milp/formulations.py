"""The MILP formulations' names and the defaults: which encoding, which bounds.

Kept free of Pyomo and OMLT, so that configs and command-line defaults built
on them import in milliseconds; :mod:`surrogate.milp.encoding` builds them.
"""

from __future__ import annotations

from ..errors import FormulationError

#: Bound method of the ``pruned`` formulation when none is given.
DEFAULT_BOUNDS = "milp"
#: The formulation used when none is given: the fastest in ``surrogate bench solve-time`` (see README).
DEFAULT_FORMULATION = "pruned"
#: Every formulation: OMLT's three, then this package's own.
FORMULATIONS: tuple[str, ...] = ("bigm", "partition", "fullspace", "pruned")
#: OMLT's formulations derive their own interval bounds; only ``pruned`` takes ``bounds=``.
OMLT_FORMULATIONS: tuple[str, ...] = ("bigm", "partition", "fullspace")


def check_formulation(name: str) -> str:
    """Return ``name`` if it is a known MILP formulation, else raise :class:`FormulationError`."""
    if name not in FORMULATIONS:
        hint = ""
        if isinstance(name, str) and "complementarity" in name.lower():
            hint = " (the complementarity formulation is an NLP, which HiGHS cannot solve)"
        raise FormulationError(f"unknown formulation {name!r}{hint}; choose one of {', '.join(FORMULATIONS)}")
    return name
