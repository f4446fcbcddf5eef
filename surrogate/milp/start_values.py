"""The values of a model's variables as a warm start takes them: finite numbers, whatever type Pyomo stores.

Pyomo only warns when a value that is no number is set (a NaN or text from a column with gaps); a start skips it as
unset (:func:`start_value`: HiGHS's start, the objective ``solve`` reads before a run) or is ignored with a note
(:func:`start_refusal`: Gurobi, which refuses a NaN and fails on text).
"""

from __future__ import annotations

import math

import pyomo.environ as pyo


def start_value(var) -> float | None:
    """``var``'s value as a warm start takes it: a finite float, or ``None`` where it has none a solver could take (unset,
    NaN, infinite, or not a number: Pyomo only warns when such a value is set, e.g. from a column with gaps), which a
    start skips as it skips an unset one.

    Parameters
    ----------
    var
        A Pyomo variable.
    """
    value = var.value
    if value is None or isinstance(value, (str, bytes)):  # text: float() would read '3', but no solver does
        return None
    try:
        number = float(value)  # True, numpy scalars, Decimal, Fraction: the numbers Pyomo takes
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def start_refusal(model) -> str | None:
    """Why a warm start of ``model`` is ignored by a solver that takes every set value of an integer variable (Gurobi:
    a NaN is refused, a str fails), naming the first free integer variable whose value is no start (:func:`start_value`);
    ``None`` where every one is a number or unset.

    Parameters
    ----------
    model
        The Pyomo model (or block) solved.
    """
    variables = model.component_data_objects(pyo.Var, active=True)
    bad = next((v for v in variables if v.is_integer() and not v.fixed and v.value is not None and start_value(v) is None), None)
    if bad is None:
        return None
    return f"warm start ignored: integer variable {bad.name!r} holds {bad.value!r}, not a finite number; set it to a number, or to None"
