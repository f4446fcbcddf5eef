"""The inputs :func:`~surrogate.milp.encoding.add_surrogate` ties a net to: checked (:func:`check_inputs`), and
warned of where their own bounds reach beyond the box the net is encoded on (:func:`warn_beyond`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pyomo.environ as pyo
from pyomo.core.expr.numvalue import NumericValue, is_fixed, native_numeric_types
from pyomo.core.expr.visitor import identify_variables

from ..errors import DomainWarning, ModelFormatError, warn_caller
from .model_numbers import real_number, unset_fixed


def check_inputs(inputs, count: int, what: str) -> list:
    """``inputs`` as a list of ``count`` scalar Pyomo expressions or numbers, or :class:`ModelFormatError`.

    ``what`` names the surrogate in the message. A whole indexed component
    (``m.x`` for ``Var([1, 2])``) or a string is refused with how to pass its elements.
    """
    example = "e.g. [m.x, m.y] or [m.v[1], m.v[2]]"
    if isinstance(inputs, Mapping):
        raise ModelFormatError(
            f"{what}: inputs is a mapping ({type(inputs).__name__}); pass a list of {count} variables, {example}"
        )
    if isinstance(inputs, str) or getattr(inputs, "is_indexed", lambda: False)():
        shown = repr(inputs) if isinstance(inputs, str) else f"the indexed component {inputs.name!r}"
        raise ModelFormatError(f"{what}: inputs is {shown}; pass a list of {count} scalar variables or expressions, {example}")
    try:
        inputs = list(inputs)
    except TypeError:
        raise ModelFormatError(
            f"{what}: inputs is a {type(inputs).__name__}, not a list; pass a list of {count} variables or expressions, {example}"
        ) from None
    if len(inputs) != count:
        raise ModelFormatError(f"{what}: {len(inputs)} inputs given but the net takes {count}; pass {example}")
    for k, item in enumerate(inputs):
        scalar = type(item) in native_numeric_types or (isinstance(item, NumericValue) and not item.is_indexed())
        if not scalar:
            shown = f"the indexed component {item.name!r}" if getattr(item, "is_indexed", lambda: False)() else repr(item)
            raise ModelFormatError(f"{what}: input {k} is {shown}, not a scalar variable, expression or number; pass {example}")
    return inputs


def warn_beyond(name: str, inputs: Sequence, input_bounds) -> None:
    """A :class:`DomainWarning` naming every input whose own bounds reach beyond ``input_bounds``; a
    :class:`ModelFormatError` naming a fixed variable of an input that has no value. A constant input without a real
    finite value (a complex Param, NaN, text) is left to a solve's checks, which name it."""
    beyond = []
    for k, (expr, (lo, hi)) in enumerate(zip(inputs, input_bounds)):
        held = _bounds_of(f"surrogate {name!r}: its input {k} ({expr})", expr)
        if held is None:
            continue
        lb, ub = held
        slack = 1e-9 * max(1.0, abs(lo), abs(hi))
        if lb is None or ub is None or lb < lo - slack or ub > hi + slack:
            beyond.append(
                f"{expr} in [{-math.inf if lb is None else lb:g}, {math.inf if ub is None else ub:g}], box [{lo:g}, {hi:g}]"
            )
    if beyond:
        warn_caller(
            f"surrogate {name!r}: the bounds of its inputs reach beyond the box the net is encoded on ({'; '.join(beyond)}), "
            "so the encoding keeps them within it and the model loses the rest of their range; to replace a product x*y on any box "
            "use bilinear() or replace_products(), which scale the box onto the net's domain, or bound the inputs",
            DomainWarning,
        )


def _bounds_of(what: str, expr) -> tuple[float | None, float | None] | None:
    """``(lb, ub)`` of the input ``expr`` (``None`` for a side without one; a constant's value twice), or ``None`` where
    it has no real finite value or bounds (probe144 #3: a bool or complex Param crashed the build with Pyomo's error);
    :class:`ModelFormatError` naming its fixed variables without a value, as a solve does (``what`` names the input)."""
    from pyomo.contrib.fbbt.fbbt import compute_bounds_on_expr

    unset = unset_fixed(identify_variables(expr, include_fixed=True))
    if unset:
        raise ModelFormatError(f"{what} reads variables {unset[0]}, which are fixed but have no value; {unset[1]}")
    try:
        if is_fixed(expr):
            value = real_number(pyo.value(expr, exception=False))
            return None if value is None else (value, value)
        lb, ub = compute_bounds_on_expr(expr)
        return (None if lb is None else real_number(lb), None if ub is None else real_number(ub))
    except (TypeError, ValueError, ArithmeticError):  # text under an operation ('abc' * 2.0), a complex Param
        return None
