"""Optimisation-based bound tightening (OBBT) of a ReLU MLP: the ``lp`` and ``milp`` methods, and the envelope.

``lp``
    Each neuron's bounds are ``min/max zhat`` over the LP relaxation of the
    layers before it, with those layers' bounds already tightened (the
    triangle relaxation of each ReLU).
``milp``
    After the LP pass of a layer, the neurons it leaves unstable are bounded
    again with the binaries kept, each MILP capped at ``node_limit``
    branch-and-bound nodes; the solver's dual bound is used, so a cap or the
    1e-4 gap only loosens a bound, never invalidates it.

The cap is work, not time, so that the bounds of a net (and with them its
MILP) are the same on a loaded machine as on an idle one: single-threaded
HiGHS stops at the same node either way. ``time_limit`` seconds is only a
safety net against a single solve running away; a solve it stops is counted
in :attr:`~surrogate.milp.bounds_result.NetBounds.timed_out`, and only then
do the bounds depend on the machine's load.

The same solves give the **envelope** of a two-input, one-output net: planes
that hold for its output over the whole box (see :mod:`surrogate.milp.bounds`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..nets.network import ReluMLP
from ..options import check_seconds, is_number
from .bounds_interval import check_box, interval_bounds, interval_layer
from .bounds_result import NetBounds, Plane, fingerprint
from .highs_run import solver_runs
from .large_values import check_below_infinity
from .output_scale import net_scaling, unscaled_bounds
from .solver_config import SolverConfig, Termination

#: Bounds from an LP or MILP are loosened by this (absolute + relative) margin, so
#: solver tolerances can never cut off a point the net can reach.
OBBT_MARGIN = 1e-6
#: Branch-and-bound nodes of each OBBT MILP (no MILP of the zoo's nets reaches it: ``surrogate bounds`` prints capped 0).
DEFAULT_MILP_NODE_LIMIT = 2000
#: Seconds of each OBBT solve at most: a safety net, far above what ``DEFAULT_MILP_NODE_LIMIT`` nodes take.
DEFAULT_MILP_TIME_LIMIT = 30.0


def envelope_slopes(box: Sequence[tuple[float, float]]) -> tuple[tuple[tuple[float, float], str], ...]:
    """Slopes and sides of the McCormick facets of ``x*y`` on ``box`` (two inputs).

    Parameters
    ----------
    box
        The two inputs' ``(lower, upper)`` pairs.
    """
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


@dataclass
class _Caps:
    """What caps each OBBT solve (``config``'s seconds, nodes) and how many solves they stopped before proving optimality.

    ``capped`` counts both causes, ``timed_out`` those stopped by ``config.time_limit``.
    """

    config: SolverConfig
    node_limit: int
    capped: int = 0
    timed_out: int = 0


class _Extremes:
    """Dual bounds of ``min``/``max`` of expressions over one model, one HiGHS instance reused."""

    def __init__(self, model, caps: _Caps):
        from .solver import make_solver

        self.model, self.caps = model, caps
        self.solver = make_solver(caps.config)

    def bound(self, expr, direction: int) -> float:
        """A proven bound on ``min expr`` (``direction=-1``) or ``max expr`` (``+1``), widened by the margin; nan if none."""
        import pyomo.environ as pyo

        from .solver import solve

        if self.model.component("objective") is not None:
            self.model.del_component("objective")
        self.model.objective = pyo.Objective(expr=expr, sense=pyo.minimize if direction < 0 else pyo.maximize)
        result = solve(self.model, self.caps.config, solver=self.solver, node_limit=self.caps.node_limit, check=False)  # a bound
        self.caps.capped += int(not result.optimal)
        self.caps.timed_out += int(result.termination == Termination.TIME_LIMIT)
        return math.nan if math.isnan(result.bound) else _widen(result.bound, direction)


def _tighten_layer(
    net: ReluMLP, k: int, lower: list, upper: list, box, *, relax: bool, caps: _Caps, neurons: Sequence[int] | None = None
) -> None:
    """Tighten ``lower[k]``/``upper[k]`` to min/max of each neuron over the (relaxed) MILP of layers ``< k``.

    Only ``neurons`` (default: all) are optimised; solves stopped before
    proving optimality are counted in ``caps`` (their dual bound is still used).
    """
    m, _, zhat = _prefix_model(net, k, lower, upper, box, relax=relax)
    extremes = _Extremes(m, caps)
    for j in range(len(zhat)) if neurons is None else neurons:
        if isinstance(zhat[j], float):  # every input of this neuron was pruned: it is a constant
            lower[k][j] = upper[k][j] = zhat[j]
            continue
        lo, hi = extremes.bound(zhat[j], -1), extremes.bound(zhat[j], 1)
        lower[k][j] = lower[k][j] if math.isnan(lo) else max(lower[k][j], lo)
        upper[k][j] = upper[k][j] if math.isnan(hi) else min(upper[k][j], hi)
        lower[k][j] = min(lower[k][j], upper[k][j])


def _envelope(net: ReluMLP, lower: list, upper: list, box, *, relax: bool, caps: _Caps) -> tuple[Plane, ...]:
    """The envelope planes of a two-input, one-output net (see the module docstring)."""
    if net.weights[0].shape[0] != 2 or net.weights[-1].shape[1] != 1:
        return ()
    m, inputs, (out,) = _prefix_model(net, len(net.weights) - 1, lower, upper, box, relax=relax)
    extremes = _Extremes(m, caps)
    planes = []
    for slope, side in envelope_slopes(box):
        offset = extremes.bound(out - slope[0] * inputs[0] - slope[1] * inputs[1], -1 if side == "lower" else 1)
        if not math.isnan(offset):
            planes.append(Plane(slope, offset, side))
    return tuple(planes)


#: A net with more neurons after its first layer than this shows a progress bar (on stderr) while its bounds are
#: tightened: two LPs (and with ``milp`` two MILPs) per neuron take minutes for such a net.
PROGRESS_NEURONS = 64


def _progress(net: ReluMLP, method: str):
    """A tqdm bar over the neurons of ``net``'s layers after the first (shown only above :data:`PROGRESS_NEURONS`)."""
    from tqdm.auto import tqdm

    total = sum(w.shape[1] for w in net.weights[1:])
    return tqdm(total=total, desc=f"{method} bounds", unit="neuron", leave=False, disable=total <= PROGRESS_NEURONS)


def check_limits(where: str, time_limit, node_limit) -> None:
    """Raise :class:`ConfigError` naming ``where`` (the function called) unless ``time_limit`` is seconds as every
    solve's (:func:`~surrogate.options.check_seconds`) and ``node_limit`` a positive integer."""
    check_seconds(f"{where}: time_limit", time_limit)
    if not is_number(node_limit, integer=True, low=1):
        raise ConfigError(f"{where}: node_limit={node_limit!r} must be a positive integer (nodes per MILP)")


@solver_runs(internal=True)  # its solves under one hold at 1 thread (HiGHS's scheduler released at its end)
def obbt_bounds(
    net: ReluMLP,
    method: str,
    box: Sequence[tuple[float, float]] | None = None,
    *,
    time_limit: float = DEFAULT_MILP_TIME_LIMIT,
    node_limit: int = DEFAULT_MILP_NODE_LIMIT,
) -> NetBounds:
    """LP-based (``method='lp'``) or MILP-based (``'milp'``) OBBT, layer by layer, then the envelope.

    Each layer starts from interval bounds propagated from the already
    tightened layer before it. ``node_limit`` caps each MILP's
    branch-and-bound nodes, ``time_limit`` the seconds of each solve (LP or
    MILP; a safety net, see the module docstring). The output layer and the
    envelope planes are optimised over the relaxation (``lp``) or the MILP
    (``milp``) of all hidden layers.

    Parameters
    ----------
    net
        The net.
    method
        ``'lp'`` or ``'milp'``.
    box
        One ``(lower, upper)`` pair per input (``None``: the net's domain).
    time_limit
        Seconds of each LP or MILP solve.
    node_limit
        Branch-and-bound nodes of each MILP.

    Raises
    ------
    ModelFormatError
        An interval bound of a layer at or beyond HiGHS's infinity (:func:`~surrogate.milp.large_values.check_below_infinity`).
    """
    if method not in ("lp", "milp"):
        raise ConfigError(f"obbt_bounds: method={method!r} must be 'lp' or 'milp'")
    check_limits("obbt_bounds", time_limit, node_limit)
    box = check_box(box, net)
    first = interval_bounds(net, box)
    check_below_infinity(  # probe114 #2: 'milp' proved bounds that its own values break
        f"{method!r} bounds", first.lower, first.upper, "so its bound MILPs would be another model (by interval arithmetic)"
    )
    scaling = net_scaling(net, box, first.lower, first.upper)
    if not scaling.trivial:  # tiny inputs or layers: solved on the net and box scaled (exact), their bounds scaled back
        scaled = _obbt(scaling.net(net), method, scaling.box(box), time_limit, node_limit)
        return unscaled_bounds(scaled, scaling, fingerprint(net), box)
    return _obbt(net, method, box, time_limit, node_limit)


def _obbt(net: ReluMLP, method: str, box, time_limit: float, node_limit: int) -> NetBounds:
    """:func:`obbt_bounds` of ``net`` as it is (``box`` checked)."""
    config = SolverConfig(time_limit=time_limit, rel_gap=1e-4, threads=1)
    start, caps = time.perf_counter(), _Caps(config, node_limit)
    first = interval_bounds(net, box)
    lower, upper = [first.lower[0].copy()], [first.upper[0].copy()]
    last = len(net.weights) - 1
    with _progress(net, method) as bar:
        for k in range(1, len(net.weights)):
            lo, hi = interval_layer(net.weights[k], net.biases[k], np.maximum(lower[-1], 0.0), np.maximum(upper[-1], 0.0))
            lower.append(lo)
            upper.append(hi)
            _tighten_layer(net, k, lower, upper, box, relax=True, caps=caps)
            if method == "milp":
                # The MILP only where it can matter: unstable hidden neurons (a stable one needs no big-M) and the output.
                todo = range(len(lower[k])) if k == last else [j for j in range(len(lower[k])) if lower[k][j] < 0 < upper[k][j]]
                _tighten_layer(net, k, lower, upper, box, relax=False, caps=caps, neurons=todo)
            bar.update(len(lower[k]))
    envelope = _envelope(net, lower, upper, box, relax=method == "lp", caps=caps)
    seconds = time.perf_counter() - start
    return NetBounds(method, tuple(lower), tuple(upper), box, fingerprint(net), seconds, caps.capped, envelope, caps.timed_out)
