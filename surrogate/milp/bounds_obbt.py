"""Optimisation-based bound tightening (OBBT) of a ReLU MLP: the ``lp`` and ``milp`` methods, and the envelope.

``lp``
    Each neuron's bounds are ``min/max zhat`` over the LP relaxation of the
    layers before it, with those layers' bounds already tightened (the
    triangle relaxation of each ReLU).
``milp``
    After the LP pass of a layer, the neurons it leaves unstable are bounded
    again with the binaries kept, each MILP capped at ``time_limit`` seconds;
    the solver's dual bound is used, so a cap or the 1e-4 gap only loosens a
    bound, never invalidates it.

The same solves give the **envelope** of a two-input, one-output net: planes
that hold for its output over the whole box (see :mod:`surrogate.milp.bounds`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError
from ..nets.network import ReluMLP
from .bounds_interval import check_box, interval_bounds, interval_layer
from .bounds_result import NetBounds, Plane, fingerprint

#: Bounds from an LP or MILP are loosened by this (absolute + relative) margin, so
#: solver tolerances can never cut off a point the net can reach.
OBBT_MARGIN = 1e-6
DEFAULT_MILP_TIME_LIMIT = 1.0


def envelope_slopes(box: Sequence[tuple[float, float]]) -> tuple[tuple[tuple[float, float], str], ...]:
    """Slopes and sides of the McCormick facets of ``x*y`` on ``box`` (two inputs)."""
    (lx, ux), (ly, uy) = box
    return (((ly, lx), "lower"), ((uy, ux), "lower"), ((uy, lx), "upper"), ((ly, ux), "upper"))


def _widen(value: float, direction: int) -> float:
    return value + direction * OBBT_MARGIN * (1.0 + abs(value))


def _prefix_model(net: ReluMLP, k: int, lower: list, upper: list, box, *, relax: bool):
    """The (relaxed) MILP of the layers before ``k`` on ``box``: the model, its inputs and layer ``k``'s pre-activations."""
    import pyomo.environ as pyo

    from .pruned import encode_layers

    m = pyo.ConcreteModel(name=f"obbt-layer{k}")
    m.x = pyo.Var(range(len(box)), bounds=lambda _, i: box[i])
    inputs = [m.x[i] for i in range(len(box))]
    return m, inputs, encode_layers(m, net, lower, upper, inputs, layers=k, relax=relax)


class _Extremes:
    """Dual bounds of ``min``/``max`` of expressions over one model, one HiGHS instance reused."""

    def __init__(self, model, time_limit: float):
        from .solver import SolverConfig, make_solver

        self.model, self.config = model, SolverConfig(time_limit=time_limit, rel_gap=1e-4, threads=1)
        self.solver = make_solver(self.config)
        self.capped = 0  # solves stopped before proving optimality (their dual bound is still valid)

    def bound(self, expr, direction: int) -> float:
        """A proven bound on ``min expr`` (``direction=-1``) or ``max expr`` (``+1``), widened by the margin; nan if none."""
        import pyomo.environ as pyo

        from .solver import solve

        if self.model.component("objective") is not None:
            self.model.del_component("objective")
        self.model.objective = pyo.Objective(expr=expr, sense=pyo.minimize if direction < 0 else pyo.maximize)
        result = solve(self.model, self.config, solver=self.solver)
        self.capped += int(not result.optimal)
        return math.nan if math.isnan(result.bound) else _widen(result.bound, direction)


def _tighten_layer(
    net: ReluMLP, k: int, lower: list, upper: list, box, *, relax: bool, time_limit: float, neurons: Sequence[int] | None = None
) -> int:
    """Tighten ``lower[k]``/``upper[k]`` to min/max of each neuron over the (relaxed) MILP of layers ``< k``.

    Only ``neurons`` (default: all) are optimised; returns how many solves
    stopped before proving optimality (their dual bound is still used).
    """
    m, _, zhat = _prefix_model(net, k, lower, upper, box, relax=relax)
    extremes = _Extremes(m, time_limit)
    for j in range(len(zhat)) if neurons is None else neurons:
        if isinstance(zhat[j], float):  # every input of this neuron was pruned: it is a constant
            lower[k][j] = upper[k][j] = zhat[j]
            continue
        lo, hi = extremes.bound(zhat[j], -1), extremes.bound(zhat[j], 1)
        lower[k][j] = lower[k][j] if math.isnan(lo) else max(lower[k][j], lo)
        upper[k][j] = upper[k][j] if math.isnan(hi) else min(upper[k][j], hi)
        lower[k][j] = min(lower[k][j], upper[k][j])
    return extremes.capped


def _envelope(net: ReluMLP, lower: list, upper: list, box, *, relax: bool, time_limit: float) -> tuple[tuple[Plane, ...], int]:
    """The envelope planes of a two-input, one-output net (see the module docstring) and the capped solves."""
    if net.weights[0].shape[0] != 2 or net.weights[-1].shape[1] != 1:
        return (), 0
    m, inputs, (out,) = _prefix_model(net, len(net.weights) - 1, lower, upper, box, relax=relax)
    extremes = _Extremes(m, time_limit)
    planes = []
    for slope, side in envelope_slopes(box):
        offset = extremes.bound(out - slope[0] * inputs[0] - slope[1] * inputs[1], -1 if side == "lower" else 1)
        if not math.isnan(offset):
            planes.append(Plane(slope, offset, side))
    return tuple(planes), extremes.capped


def obbt_bounds(
    net: ReluMLP, method: str, box: Sequence[tuple[float, float]] | None = None, *, time_limit: float = DEFAULT_MILP_TIME_LIMIT
) -> NetBounds:
    """LP-based (``method='lp'``) or MILP-based (``'milp'``) OBBT, layer by layer, then the envelope.

    Each layer starts from interval bounds propagated from the already
    tightened layer before it; ``time_limit`` caps each MILP (and LP). The
    output layer and the envelope planes are optimised over the relaxation
    (``lp``) or the MILP (``milp``) of all hidden layers.
    """
    if method not in ("lp", "milp"):
        raise ConfigError(f"obbt_bounds: method={method!r} must be 'lp' or 'milp'")
    start = time.perf_counter()
    box = check_box(box, net)
    first = interval_bounds(net, box)
    lower, upper = [first.lower[0].copy()], [first.upper[0].copy()]
    capped = 0
    last = len(net.weights) - 1
    for k in range(1, len(net.weights)):
        lo, hi = interval_layer(net.weights[k], net.biases[k], np.maximum(lower[-1], 0.0), np.maximum(upper[-1], 0.0))
        lower.append(lo)
        upper.append(hi)
        capped += _tighten_layer(net, k, lower, upper, box, relax=True, time_limit=time_limit)
        if method == "milp":
            # The MILP only where it can matter: unstable hidden neurons (a stable one needs no big-M) and the output.
            todo = range(len(lower[k])) if k == last else [j for j in range(len(lower[k])) if lower[k][j] < 0 < upper[k][j]]
            capped += _tighten_layer(net, k, lower, upper, box, relax=False, time_limit=time_limit, neurons=todo)
    envelope, envelope_capped = _envelope(net, lower, upper, box, relax=method == "lp", time_limit=time_limit)
    return NetBounds(
        method, tuple(lower), tuple(upper), box, fingerprint(net), time.perf_counter() - start, capped + envelope_capped, envelope
    )
