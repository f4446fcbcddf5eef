"""Whether a solver's point keeps every encoded net's output equal to the net.

An encoding is exact: at integral binaries its output variable equals the net at its inputs. A solver's point is
integral only to within its tolerances, though (HiGHS: ``mip_feasibility_tolerance``, 1e-6), and a binary that
far from 0 or 1 lets a ReLU's output stray by up to that tolerance times the neuron's big-M constant. On a wide
input box the big-M constants grow with the box, and the MILP's output can then differ from the net by whole
units while every row holds within tolerance (a 3x8 net on [-1e6, 1e6]^2: the MILP's optimum 2 below the net's).

:func:`~surrogate.milp.encoding.add_surrogate` marks each encoding block with its net, inputs and output
(:func:`mark_net`); after every checked solve, :func:`~surrogate.milp.solver.solve` compares the two at the loaded
point (:func:`drift_warnings`) and warns of an encoding whose output strays from its net; before a checked solve, it
refuses an encoding's constant input (a mutable Param) set outside the box its net is encoded on
(:func:`check_constant_inputs`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numvalue import is_fixed

from ..errors import ModelFormatError
from .built_marks import mark_of
from .model_components import seen_variables
from .model_numbers import real_number
from .output_scale import LP_TOLERANCE, ROW_TOLERANCE
from .solution_check import TRUST_TOL

#: The attribute of an encoding block that holds its :class:`NetRecord` (:func:`mark_net`); ``clone()``, ``deepcopy``
#: and pickle keep it, with its variables mapped onto the copy's. A component of the user's of this name is no record.
NET = "surrogate_net"


@dataclass(frozen=True)
class NetRecord:
    """What :func:`drift_warnings` reads of an encoding: ``output`` is ``net`` at ``inputs``; ``binaries`` are the
    block's integer variables when it was built."""

    net: object
    inputs: tuple
    output: object
    binaries: tuple
    given: tuple = ()  # the user's input expressions, tied to ``inputs`` by the block's rows
    box: tuple = ()  # the input box the net is encoded on, ``(lower, upper)`` per input
    maps: tuple = ()  # ``(scale, shift)`` per input: the block's input ``i`` is ``(given[i] - shift) * scale``


def mark_net(block, net, inputs, output, *, given=(), box=(), maps=()) -> None:
    """Record on ``block`` (:data:`NET`) that ``output`` is ``net`` at ``inputs``, for :func:`drift_warnings`, with
    the block's integer variables as they are now (an encoding whose binaries are later made continuous is a
    relaxation, whose output is not meant to equal the net: :func:`drift_warnings` leaves it out).

    Parameters
    ----------
    block
        The block of a net's encoding.
    net
        The :class:`~surrogate.nets.network.ReluMLP` encoded.
    inputs
        The Pyomo variables or expressions the net reads, in its inputs' order: :func:`~surrogate.milp.encoding.add_surrogate`
        gives the block's own input variables (mapped back from their scale), not the user's expressions tied to them,
        which a later rewrite (``replace_products`` of an input ``x*x``) may write only approximately.
    output
        The Pyomo variable that equals the net's output.
    given, box, maps
        The user's input expressions tied to ``inputs``, the input box the net is encoded on, and the ``(scale,
        shift)`` of each input's row ``block.input_links[i]`` (``block.inputs[i] == scale * given[i] - scale * shift``;
        ``(1.0, 0.0)`` by default): a solve refuses a constant one outside the box (:func:`check_constant_inputs`).
    """
    binaries = tuple(v for v in block.component_data_objects(pyo.Var, descend_into=True) if v.is_integer())
    box = tuple((float(lo), float(hi)) for lo, hi in box)
    maps = tuple((float(s), float(c)) for s, c in maps) or ((1.0, 0.0),) * len(box)
    setattr(block, NET, NetRecord(net, tuple(inputs), output, binaries, tuple(given), box, maps))


def _drift(block, record: NetRecord) -> str | None:
    """A message if ``block``'s output at the loaded point strays from its net (its ``record``) by more than
    :data:`TRUST_TOL` (relative to ``max(1, |net|)``); ``None`` if it does not, if a value is missing, or if its
    binaries were relaxed."""
    net, inputs, output = record.net, record.inputs, record.output
    if not all(v.is_integer() for v in record.binaries):  # relaxed (core.relax_integer_vars): a bound, not the net
        return None
    values = [pyo.value(v, exception=False) for v in (*inputs, output)]
    if any(v is None or not math.isfinite(v) for v in values):
        return None
    *point, z = (float(v) for v in values)
    expected = float(net.forward(np.array([point]))[0])
    off = abs(z - expected)
    if not off > TRUST_TOL * max(1.0, abs(expected)):
        return None
    at = ", ".join(f"{v:.6g}" for v in point)
    return (
        f"surrogate {block.name!r}: at its inputs ({at}){_given_at(record, point)} its output is {z:.6g} but the net gives {expected:.6g} "
        f"(off by {off:.3g}): the solver's integrality tolerance, times the big-M constants of the box its inputs are "
        "encoded on, lets the encoding stray from the net, so the objective and the point are not the net's; narrow "
        "the bounds of its inputs (or rescale them, as bilinear() and replace_products() do), and leave the solver's "
        "integrality tolerance (SolverConfig.options) at its default"
    )


def _given_at(record: NetRecord, point) -> str:
    """The values at the loaded point of the expressions an encoding was given (``record.given``) where they differ
    from its own inputs ``point`` (rows that a rewrite such as ``replace_products`` of an input ``x*y`` changed, or the
    user deactivated): ``record.inputs`` are the block's own (probe141 #5); ``''`` where they agree or lack a value."""
    try:
        given = [real_number(pyo.value(expr, exception=False)) for expr in record.given]
    except (TypeError, ValueError, ArithmeticError):
        return ""
    if len(given) != len(point) or None in given or all(abs(g - v) <= TRUST_TOL * max(1.0, abs(v)) for g, v in zip(given, point)):
        return ""
    names = ", ".join(str(expr) for expr in record.given)
    return f" (the expressions it was given, ({names}), are ({', '.join(f'{v:.6g}' for v in given)}) there)"


def drift_warnings(model) -> list[str]:
    """A warning for every active encoding in ``model`` (marked by :func:`mark_net`) whose output at the loaded
    point strays from its net by more than :data:`~surrogate.milp.solution_check.TRUST_TOL`, relative to
    ``max(1, |net|)``; an encoding whose binaries were made continuous (a relaxation) is left out.

    Parameters
    ----------
    model
        A Pyomo model or block whose point has been loaded.

    Returns
    -------
    list of str
        One message per straying encoding, naming its block, the point, both values and the fix; empty if none.
    """
    found = (_drift(block, record) for block, record in _records(model))
    return [message for message in found if message is not None]


def _records(model):
    """``(block, record)`` of every active encoding in ``model`` (``model`` itself included) marked by :func:`mark_net`."""
    blocks = [model, *model.component_data_objects(pyo.Block, active=True, descend_into=True)]
    return [(block, record) for block in blocks if (record := mark_of(block, NET, NetRecord)) is not None]


def _outside(block, record: NetRecord, k: int, tolerance: float) -> tuple[float, float, float, float] | None:
    """``(value, excess, scale, shift)`` if ``block``'s input ``k`` (:class:`NetRecord`) is a constant whose active row
    ``block.input_links[k]`` puts ``block.inputs[k]`` more than ``tolerance`` outside its bounds, ``excess`` in the
    encoding's units (the input less its shift, times its scale); else ``None``."""
    links, inputs, expr = block.component("input_links"), block.component("inputs"), record.given[k]
    if links is None or inputs is None or k not in links or not links[k].active or not is_fixed(expr):
        return None  # a row the user deactivated ties nothing
    try:
        value = real_number(pyo.value(expr, exception=False))
    except (TypeError, ValueError, ArithmeticError):  # text under an operation ('abc' * 2.0), 0 under a division
        value = None
    if value is None:
        return None
    scale, shift = record.maps[k] if k < len(record.maps) else (1.0, 0.0)
    encoded = value if scale == 1.0 and not shift else scale * value - scale * shift  # as the row's side is written
    lower, upper = inputs[k].lb, inputs[k].ub
    excess = max(0.0 if lower is None else lower - encoded, 0.0 if upper is None else encoded - upper)
    return (value, excess, scale, shift) if excess > tolerance else None


def _tolerance(model, solver: str, options) -> tuple[float, str]:
    """What ``solver`` holds the row that ties a constant input to in ``model``, and how it is called: HiGHS holds a
    model without integer variables (an LP) to its ``primal_feasibility_tolerance`` (:data:`~surrogate.milp.output_scale.LP_TOLERANCE`,
    1e-7: probe144 measured 1e-7 past the box solved, 1.01e-7 'infeasible'), a MIP (a fixed integer variable is one) to
    ``mip_feasibility_tolerance`` (:data:`~surrogate.milp.output_scale.ROW_TOLERANCE`, 1e-6; 9.99e-7 solved), either
    as ``options`` (:attr:`~surrogate.milp.solver_config.SolverConfig.options`) set it; SCIP and Gurobi, 1e-6."""
    given = dict(options or ())
    if solver == "highs" and not any(v.is_integer() for v in seen_variables(model)):
        return real_number(
            given.get("primal_feasibility_tolerance", LP_TOLERANCE)
        ) or LP_TOLERANCE, "the rows of an LP (a model without integer variables)"
    if solver == "highs":
        return real_number(given.get("mip_feasibility_tolerance", ROW_TOLERANCE)) or ROW_TOLERANCE, "the row that ties it"
    return ROW_TOLERANCE, "the row that ties it"


def check_constant_inputs(model, *, solver: str = "highs", options=()) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError` naming an input of an active encoding in ``model`` that is
    constant (a number, a mutable ``Param``, fixed variables) and lies outside the box its net is encoded on by more
    than ``solver`` (with its ``options``) holds the row that ties it to (:func:`_tolerance`: 1e-6 in a MIP, 1e-7 in
    HiGHS's LP, in the encoding's units: on a tiny or narrow box, the input less its shift times its scale): no point
    meets that row, and the solve said only "infeasible" (probe138 #3, probe144 #1). A constant without a real finite value (NaN, text) is left to the
    checks that name it, and an input whose row the user deactivated is not checked."""
    held = None  # the solver's tolerance, found once a constant lies past the least of them (it walks the rows)
    for block, record in _records(model):
        for k, (expr, (lo, hi)) in enumerate(zip(record.given, record.box)):
            found = _outside(block, record, k, min(LP_TOLERANCE, ROW_TOLERANCE))
            if found is None:
                continue
            held = held or _tolerance(model, solver, options)
            if found[1] <= held[0]:
                continue
            value, excess, scale, shift = found
            scaled = "" if scale == 1.0 and not shift else f", the input less {shift!r}, times {scale!r}"
            raise ModelFormatError(
                f"surrogate {block.name!r}: its input {k} ({expr}) is constant at {value!r} (a mutable Param or fixed "
                f"variables), outside the box [{lo!r}, {hi!r}] its net is encoded on by {excess:.3g} in the encoding's "
                f"units (beyond the solver's tolerance of {held[0]:g} on {held[1]}{scaled}), so no point "
                f"meets that row; set it within the box again, or build the surrogate again with input_bounds covering "
                f"it (add_surrogate(..., input_bounds=[...]))"
            )
