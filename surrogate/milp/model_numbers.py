"""Bounds and fixed values no solver reads as numbers, named before any is read.

A column read from a CSV without conversion gives text (``x.setub("2")``, a mutable Param holding ``"2"``); a NumPy
0-d array as a bound fails in Pyomo's own ``Var.ub``; a fixed ``Decimal`` fails in Pyomo's reading of a row with float
coefficients. Each crashed inside Pyomo or a solver's interface with a bare ``TypeError``; :func:`check_numbers` names
the variable, the bound and the fix. :func:`~surrogate.milp.solve_checks.check_fixed_values` (every solve) and the
product factors' checks (``bilinear``, ``replace_products``) call it.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal

import numpy as np
import pyomo.environ as pyo

from ..errors import ModelFormatError
from .model_components import first_names, python_path


def real_number(value) -> float | None:
    """``value`` as a finite float; ``None`` for none, text, a complex number, NaN or an infinity, which the checks of
    a solve's rows name (a side "is NaN ... give it a value"): the checks of constant inputs
    (:func:`~surrogate.milp.net_drift.check_constant_inputs`, :func:`~surrogate.milp.encoding_inputs.warn_beyond`) leave
    such a value to them."""
    if (
        value is None
        or isinstance(value, (str, bytes))
        or (isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real))
    ):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return value if math.isfinite(value) else None


def unset_fixed(variables) -> tuple[str, str] | None:
    """The fixed ``variables`` that have no value, named as messages list them, and the fix; ``None`` where none is
    (no solver can read such a variable: a solve's checks and an encoding's inputs refuse it)."""
    unset = [v.name for v in variables if v.fixed and v.value is None]
    return (first_names(map(repr, unset)), f"fix each at one, e.g. {unset[0]}.fix(0.3)") if unset else None


def check_numbers(variables) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError` naming the first of ``variables`` whose bound, or value while it
    is fixed, is no number: text (``x.setub("2")``, ``x.fix("a")``, a mutable Param holding ``"2"``: a column read from a
    CSV without conversion), which Pyomo keeps as given (``x.ub`` reads 2.0, but a solver's interface reads the text
    and fails), or a bound that is a NumPy array (``np.array(2.0)``, on which Pyomo's own reading of a bound fails); or whose fixed
    value is a ``decimal.Decimal``, which Pyomo's own reading of a row fails to combine with a float coefficient (a
    ``Decimal`` bound is read as a float). :func:`~surrogate.milp.solve_checks.check_fixed_values` hands it every variable of a model, even one
    that no row or objective reads, so such a number stops a solve wherever it is (as a fixed variable without a value
    does).

    Parameters
    ----------
    variables
        Pyomo variables.
    """
    for var in variables:
        fixed = var.value if var.fixed else None
        for what, given, fix in (
            ("lower bound", var.lower, "setlb"),
            ("upper bound", var.upper, "setub"),
            ("fixed value", fixed, "fix"),
        ):
            value = _held_value(var, what, given) if hasattr(given, "is_expression_type") else given  # a Param's
            kind = _no_number(value, bound=fix != "fix")
            if kind:
                raise ModelFormatError(
                    f"variable {var.name!r} has the {what} {value!r}, {kind} rather than a number (a solve refuses "
                    f"it on any variable of the model, even one no row reads); give it as a number, e.g. "
                    f"{python_path(var)}.{fix}({_as_number(value)})"
                )
        if _unsigned(fixed):  # a bare OverflowError before (probe132)
            raise ModelFormatError(
                f"variable {var.name!r} has the fixed value {fixed!r}, a NumPy unsigned integer, whose negative overflows "
                "in Pyomo's reading of a row (HiGHS's interface and this package's checks read rows so); give it as a "
                f"float, e.g. {python_path(var)}.fix({float(fixed)!r})"
            )
        if isinstance(fixed, Decimal):
            raise ModelFormatError(
                f"variable {var.name!r} has the fixed value {fixed!r}, a decimal.Decimal, which Pyomo's reading of a row "
                "with float coefficients fails on (HiGHS's interface and this package's checks read rows so; a solve "
                f"refuses it on any variable of the model); give it as a float, e.g. {python_path(var)}.fix({float(fixed)!r})"
            )


def _held_value(var, what: str, given):
    """The value of the bound expression ``given`` (a mutable Param, or an expression of them) of ``var``, or
    :class:`~surrogate.errors.ModelFormatError` naming a Param of it that holds no number (text, an array: ``2*p`` of
    ``p = '2'`` is ``'22'`` to Python), or the error that evaluating it raised (a division by a Param at 0)."""
    from pyomo.core.expr.visitor import identify_mutable_parameters

    for param in identify_mutable_parameters(given):
        if pyo.value(param, exception=False) is None:
            raise ModelFormatError(
                f"variable {var.name!r} has the {what} {given}, whose Param {param.name!r} has no value; give it one, "
                f"e.g. {python_path(param)}.set_value(1.0), or give the bound as a number"
            )
        kind = _no_number(param.value, bound=not given.is_expression_type() or not _one_number(param.value))
        kind = kind or ("a decimal.Decimal (Pyomo's solver interfaces fail on one)" if isinstance(param.value, Decimal) else "")
        if kind:
            raise ModelFormatError(
                f"variable {var.name!r} has the {what} {given}, whose Param {param.name!r} holds {param.value!r}, {kind} "
                f"rather than a number (a solve refuses it on any variable of the model, even one no row reads); make "
                f"it a number, e.g. {python_path(param)}.set_value({_as_number(param.value)})"
            )
    try:
        value = pyo.value(given, exception=False)
    except (ArithmeticError, AttributeError, TypeError, ValueError) as error:
        raise ModelFormatError(
            f"variable {var.name!r} has the {what} {given}, which cannot be evaluated ({type(error).__name__}: {error}); "
            "give its Params values that make it a number, or give the bound as one"
        ) from None
    if given.is_expression_type() and _one_number(value):
        return float(value.item())  # an expression of a Param holding a 0-d array: Pyomo reads it (not a bare one)
    return value


def _unsigned(value) -> bool:
    """Whether ``value`` is a NumPy unsigned integer: a scalar, an array of them, or a 0-d object array holding one
    (not a Python ``int``, which Pyomo reads whatever its size)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype == object:
        value = value.item()
    return isinstance(value, np.unsignedinteger) or (isinstance(value, np.ndarray) and value.dtype.kind == "u")


def _one_number(value) -> bool:
    """Whether ``value`` is a 0-d NumPy array of a real number (an object array's too; a ``longdouble`` one, whose item
    stays a NumPy scalar), which Pyomo and HiGHS read in an expression (a 1-d one of one element fails in HiGHS's
    interface; one of a ``Fraction``, in Pyomo's reading of a row)."""
    return isinstance(value, np.ndarray) and value.ndim == 0 and isinstance(value.item(), (int, float, np.integer, np.floating))


def _no_number(value, *, bound: bool) -> str:
    """What ``value`` (a ``bound``, or a fixed value) is where no solver reads it as a number: ``'text'``, or
    ``'a NumPy array'`` (for a bound a 0-d one too: Pyomo's ``Var.ub`` fails on it; a fixed value other than a 0-d
    array of a real number, which Pyomo reads in a row: a 1-d one fails there, and a complex one was read as its real
    part); ``''`` where it is a number or ``None``."""
    if isinstance(value, (str, bytes)):
        return "text"
    if type(value) is complex or (isinstance(value, np.complexfloating) and value.imag != 0):
        return "a complex number"  # (a NumPy complex with no imaginary part Pyomo reads as its real part)
    if isinstance(value, np.ndarray) and (bound or not _one_number(value)):
        return "a NumPy array"
    return ""  # a NumPy scalar is a number


def _as_number(text) -> str:
    """``text`` as the number it spells (``'2'``: ``2.0``; a one-value array: its value), for a message; ``0.0`` where
    it spells none."""
    if isinstance(text, np.ndarray) and text.size == 1:
        text = text.ravel()[0]  # (NumPy 2 takes no float() of a 1-d array)
    if isinstance(text, (complex, np.complexfloating)):
        text = text.real  # (its real part: the number meant, if any)
    try:
        return repr(float(text))
    except (ValueError, TypeError):
        return "0.0"
