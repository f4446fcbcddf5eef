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
from .rewrite_record import bound_slack
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


def mark_net(block, net, inputs, output, *, given=(), box=()) -> None:
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
    given, box
        The user's input expressions tied to ``inputs``, and the input box the net is encoded on: a solve refuses a
        constant one outside it (:func:`check_constant_inputs`).
    """
    binaries = tuple(v for v in block.component_data_objects(pyo.Var, descend_into=True) if v.is_integer())
    box = tuple((float(lo), float(hi)) for lo, hi in box)
    setattr(block, NET, NetRecord(net, tuple(inputs), output, binaries, tuple(given), box))


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
        f"surrogate {block.name!r}: at the solver's point ({at}) its output is {z:.6g} but the net gives {expected:.6g} "
        f"(off by {off:.3g}): the solver's integrality tolerance, times the big-M constants of the box its inputs are "
        "encoded on, lets the encoding stray from the net, so the objective and the point are not the net's; narrow "
        "the bounds of its inputs (or rescale them, as bilinear() and replace_products() do), and leave the solver's "
        "integrality tolerance (SolverConfig.options) at its default"
    )


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


def check_constant_inputs(model) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError` naming an input of an active encoding in ``model`` that is
    constant (a number, a mutable ``Param``, fixed variables) and lies outside the box its net is encoded on: no point
    meets the row that ties it to the encoding, and the solve said only "infeasible" (probe138 #3). A constant without
    a value is left to the checks that name it."""
    for block, record in _records(model):
        for k, (expr, (lo, hi)) in enumerate(zip(record.given, record.box)):
            value = pyo.value(expr, exception=False) if is_fixed(expr) else None
            if value is None or lo - bound_slack(lo) <= value <= hi + bound_slack(hi):
                continue
            raise ModelFormatError(
                f"surrogate {block.name!r}: its input {k} ({expr}) is constant at {value!r} (a mutable Param or fixed "
                f"variables), outside the box [{lo!r}, {hi!r}] its net is encoded on, so no point meets the row that ties "
                f"it to the net; set it within the box again, or build the surrogate again with input_bounds covering it "
                f"(add_surrogate(..., input_bounds=[...]))"
            )
