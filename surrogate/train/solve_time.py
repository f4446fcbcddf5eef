"""Training for solve time: fine-tune a net so that its MILP has few unstable neurons and narrow big-M constants.

:func:`train_for_solve_time` fine-tunes a net of x*y (autograd, Adam) on

.. math::

    \\mathcal L = \\frac1B \\sum_{i=1}^{B} |N(x_i, y_i) - x_i y_i| + \\lambda\\, P(l, u),

where ``P`` is the mean over hidden neurons of the penalties chosen from
:data:`~surrogate.train.stability.PENALTIES` (ReLU stability, big-M width,
triangle area), evaluated on differentiable bounds ``(l, u)`` of every hidden
neuron on the net's domain (:func:`~surrogate.train.stability.sampled_bounds`
on a grid, or sound :func:`~surrogate.train.stability.interval_bounds`).

With ``prune=True`` neurons stable on the box are **fixed**, before the
penalty phase and again after it: a stable-inactive neuron is zeroed (its
weights in, bias and weights out; it stays a zero row, so the shape is kept)
and a stable-active one is made linear (trained without its ReLU). A fixed
neuron stays fixed; only the free ones are fine-tuned (``finetune_steps``, on
the fit term alone). Which neurons are stable comes from ``bounds_of``: pass
exact bounds (e.g. those of :func:`surrogate.milp.bounds.net_bounds` with
``'milp'``, which this package layer may not import); by default the sampled
range on the grid. At the end every linear neuron is shifted into the positive
range by a bias ``c`` (``b_j += c``, and ``c`` times its outgoing weights taken
off the next layer's biases: the same function) so that its sound interval
lower bound is at least ``margin``: it is stable-active in any MILP of the net
in float64. The net returned is rounded to float32 (as ONNX stores it), which
moves a weight by up to 6e-8 of its size: on a box far from the origin for its
width (first-layer biases of 2e5 on [1e5, 1e5 + 1]^2) that can take a linear
neuron's bound below 0; the report then counts it free, and says so in a warning.

Training runs in **normalised coordinates**, so that a config means the same on
every domain: the net's domain box is mapped onto [-1, 1]^2 (folded into the
first layer) and its output centred on the middle of x y's range on the box and
divided by half that range (x y's extremes on a box are at its corners; folded
into the last layer), so that the target spans [-1, 1] on every box, also one
far from the origin such as [100, 101]^2. The MAE above and ``lam`` are thus
relative to half the range of x y, and ``learning_rate`` is a step on the net of
the unit box (a net on [-1, 1]^2 trains exactly as without the map); the hidden layers,
and so the penalties and ``margin``, are the same in both coordinates. The
report's fits are in the domain's own units, and its fit and counts at the end are
those of the net returned, rounded to float32. That rounding keeps about 7
significant digits of x y's size, not of its range: on [100, 101]^2 (x y up to
1e4, spanning 201) the fit moves by about 1 %, but on [3000, 3001]^2 (9e6 spanning
6e3) a near-exact net's MAE of 8e-5 becomes 1. Where rounding worsens the fit by
more than :data:`ROUNDING_LOSS` (or unfixes a linear neuron), a
:class:`~surrogate.errors.PrecisionWarning` says so: centre the box on the origin
or rescale the factors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..errors import ConfigError, PrecisionWarning, warn_caller
from ..nets.network import ReluMLP, unit_box
from .protocols import check_not_diverged
from .solve_time_config import MAX_LAM, MAX_RESOLUTION, PENALTY_BOUNDS, SolveTimeConfig, SolveTimeReport  # noqa: F401 (re-exported)
from .stability import check_bounds, check_fixed, interval_bounds, penalty, sampled_bounds, stable_masks

#: Sub-boxes per input of the sound bounds that place a linear neuron's shift.
SHIFT_SPLITS = 64

BoundsFn = Callable[[ReluMLP], Sequence[tuple[np.ndarray, np.ndarray]]]


class _Model:
    """The net's layers as float64 tensors in normalised coordinates (module docstring), with masks of the fixed neurons."""

    def __init__(self, net: ReluMLP):
        lows, highs = (np.array(side, dtype=np.float64) for side in zip(*net.domain))
        self.centre, self.half, self.box = (lows + highs) / 2, (highs - lows) / 2, unit_box(2)
        corners = [x * y for x in map(float, (lows[0], highs[0])) for y in map(float, (lows[1], highs[1]))]  # x y's extremes
        self.offset = max(corners) / 2 + min(corners) / 2  # the middle of x y's range on the domain
        self.scale = max(corners) / 2 - min(corners) / 2  # half its range (0 and 1 on [-1, 1]^2)
        self.domain = [list(side) for side in net.domain]
        tiny, huge = float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max)
        if not tiny <= self.scale <= huge:  # (a subnormal 5e-321 on [0, 1e-160]^2 overflowed 1 / scale, and training)
            raise ConfigError(
                f"train_for_solve_time: half the range of x y on the net's domain {self.domain} is {self.scale} in "
                "float64; rescale the factors so that the domain is nearer unit scale (the net is returned in float32, "
                f"as ONNX stores it, whose normal numbers run from {tiny:.3g} to {huge:.3g})"
            )
        weights, biases = list(net.weights), list(net.biases)
        if np.any(self.centre):  # (skipped when centred, so a net on [-1, 1]^2 trains bitwise as before)
            biases[0] = biases[0] + self.centre @ weights[0]
        if self.offset:  # (likewise)
            biases[-1] = biases[-1] - self.offset
        weights[0], weights[-1], biases[-1] = self.half[:, None] * weights[0], weights[-1] / self.scale, biases[-1] / self.scale
        self.weights = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
        self.biases = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
        hidden = [w.shape[1] for w in net.weights[:-1]]
        self.linear = [torch.zeros(n, dtype=torch.bool) for n in hidden]
        self.zero = [torch.zeros(n, dtype=torch.bool) for n in hidden]

    def parameters(self) -> list[torch.Tensor]:
        return [*self.weights, *self.biases]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for k, (w, b) in enumerate(zip(self.weights[:-1], self.biases[:-1])):
            z = h @ w + b
            h = torch.where(self.linear[k], z, torch.relu(z))
        return (h @ self.weights[-1] + self.biases[-1])[:, 0]

    def free(self) -> list[torch.Tensor]:
        return [~(a | z) for a, z in zip(self.linear, self.zero)]

    def fix(self, active: Sequence[np.ndarray], inactive: Sequence[np.ndarray]) -> None:
        """Add neurons to the fixed ones (a neuron already fixed keeps its state) and zero the inactive ones."""
        for k, (a, z) in enumerate(zip(active, inactive)):
            free = ~(self.linear[k] | self.zero[k])
            self.zero[k] |= free & torch.as_tensor(np.asarray(z, dtype=bool))
            self.linear[k] |= free & torch.as_tensor(np.asarray(a, dtype=bool)) & ~self.zero[k]
        self.clamp()

    @torch.no_grad()
    def clamp(self) -> None:
        """Hold the zeroed neurons at zero (in weights, bias, out weights)."""
        for k, z in enumerate(self.zero):
            self.weights[k][:, z] = 0.0
            self.biases[k][z] = 0.0
            self.weights[k + 1][z, :] = 0.0

    def target(self, u: torch.Tensor) -> torch.Tensor:
        """``(x y - offset) / scale`` at the normalised points ``u`` (``x = centre + half * u``)."""
        x = torch.as_tensor(self.centre) + torch.as_tensor(self.half) * u
        xy = x[:, 0] * x[:, 1]
        return (xy - self.offset if self.offset else xy) / self.scale

    def net(self, metadata: dict) -> ReluMLP:
        """The net now, mapped back to its own domain and output units."""
        weights = [w.detach().numpy().copy() for w in self.weights]
        biases = [b.detach().numpy().copy() for b in self.biases]
        weights[0], weights[-1], biases[-1] = weights[0] / self.half[:, None], weights[-1] * self.scale, biases[-1] * self.scale
        if self.offset:
            biases[-1] = biases[-1] + self.offset
        if np.any(self.centre):
            biases[0] = biases[0] - self.centre @ weights[0]
        return ReluMLP(tuple(weights), tuple(biases), dict(metadata))


def _bounds(model: _Model, config: SolveTimeConfig, grid: torch.Tensor):
    if config.bounds == "sampled":
        return sampled_bounds(model.weights, model.biases, grid, linear=model.linear)
    return interval_bounds(model.weights, model.biases, model.box, splits=config.resolution, linear=model.linear)


def _grid(box, resolution: int) -> torch.Tensor:
    axes = [torch.linspace(lo, hi, resolution, dtype=torch.float64) for lo, hi in box]
    return torch.cartesian_prod(*axes).reshape(-1, len(box))


@torch.no_grad()
def _fit(model: _Model, grid: torch.Tensor) -> float:
    """The model's MAE on the grid now, in the domain's own units."""
    return float((model.forward(grid) - model.target(grid)).abs().mean()) * model.scale


@torch.no_grad()
def _losses(model: _Model, config: SolveTimeConfig, grid: torch.Tensor) -> tuple[float, float]:
    """``(fit MAE on the grid, penalty)`` of the model now."""
    return _fit(model, grid), float(penalty(_bounds(model, config, grid), config.penalties, free=model.free()))


def _run_phase(model: _Model, config: SolveTimeConfig, steps: int, lam: float, gen, grid, history: list) -> None:
    """``steps`` Adam steps on MAE + ``lam`` times the penalty, from a fresh Adam state, cosine-decayed."""
    if steps == 0:
        return
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    lows = torch.tensor([lo for lo, _ in model.box], dtype=torch.float64)
    spans = torch.tensor([hi - lo for lo, hi in model.box], dtype=torch.float64)
    for step in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        x = lows + spans * torch.rand((config.batch_size, len(model.box)), generator=gen, dtype=torch.float64)
        optimizer.zero_grad()
        loss = (model.forward(x) - model.target(x)).abs().mean()
        if lam > 0:
            loss = loss + lam * penalty(_bounds(model, config, grid), config.penalties, free=model.free())
        loss.backward()
        optimizer.step()
        model.clamp()
        history.append(float(loss.detach()))
    domain = (
        f"rescale the factors: on the net's domain {model.domain} x y spans {2 * model.scale:.3g}, and training divides "
        "the net's output by half that, so a span far from 1 (tiny or huge) scales its last layer out of float64's range"
    )
    check_not_diverged(
        [p.detach().numpy() for p in model.parameters()], [config.learning_rate], "train_for_solve_time", causes=(domain,)
    )


@torch.no_grad()
def _shift_linear(model: _Model, margin: float) -> None:
    """Raise every linear neuron's bias until its sound lower bound is ``margin``; the next layer takes the shift off."""
    for k in range(len(model.linear)):
        lower, _ = interval_bounds(model.weights, model.biases, model.box, splits=SHIFT_SPLITS, linear=model.linear)[k]
        shift = torch.where(model.linear[k], (margin - lower).clamp_min(0.0), torch.zeros_like(lower))
        model.biases[k] += shift
        model.biases[k + 1] -= shift @ model.weights[k + 1]


def _masks(net: ReluMLP, model: _Model, config: SolveTimeConfig, bounds_of: BoundsFn | None, grid) -> tuple:
    """Stable neurons of ``net`` by ``bounds_of`` (default: the sampled range on the grid)."""
    if bounds_of is None:
        with torch.no_grad():
            found = [
                (lo.numpy(), hi.numpy()) for lo, hi in sampled_bounds(model.weights, model.biases, grid, linear=model.linear)
            ]
    else:
        found = bounds_of(net)
    return stable_masks(*check_bounds(found, [len(m) for m in model.linear]), tolerance=config.tolerance)


#: How much worse (relative) the grid MAE of the net rounded to float32 may be than in float64 without a warning.
ROUNDING_LOSS = 0.1
#: ... and by how much in absolute terms, as a share of half x y's range: a near-exact net on [-1, 1]^2 (MAE 2.4e-9,
#: 4.7e-8 rounded: probe104 #1) loses nothing a float32 net could keep, and centring the box would not help.
ROUNDING_FLOOR = 1e-6


def _warn_of_rounding(domain, fit64: float, fit32: float, lost: int, scale: float) -> None:
    """A :class:`~surrogate.errors.PrecisionWarning` if rounding to float32 raised the fit by over :data:`ROUNDING_LOSS`
    and over :data:`ROUNDING_FLOOR` of half x y's range ``scale``, or left ``lost`` neurons fixed linear no longer
    provably active."""
    if (fit32 <= (1 + ROUNDING_LOSS) * fit64 or fit32 - fit64 <= ROUNDING_FLOOR * scale) and not lost:
        return
    largest = max(abs(x * y) for x in domain[0] for y in domain[1])
    (a, b), (c, d) = domain
    p, q = a / 2 + b / 2, c / 2 + d / 2
    unstable = f" and left {lost} neurons fixed linear no longer provably active (counted free)" if lost else ""
    advice = (  # a box already about the origin: only the factors' scale is left to change (probe105 #3)
        "rescale the factors so that x y spans nearer 1"
        if p == q == 0
        else f"centre the box on the origin or rescale the factors (with x = {p!r} + u and y = {q!r} + v, x y = u v + "
        f"{q!r} u + {p!r} v + {p * q!r}: a net of u v on a box about 0 keeps its fit)"
    )
    warn_caller(
        f"train_for_solve_time: rounding the trained net to float32 (as ONNX stores it) raised its grid MAE from "
        f"{fit64:.3g} to {fit32:.3g}{unstable}; the report describes the rounded net. float32 keeps about 7 "
        f"significant digits (of magnitudes from 1.2e-38 to 3.4e38), and on the domain {[list(side) for side in domain]} "
        f"x y is up to {largest:.3g} and spans {2 * scale:.3g}: {advice}",
        PrecisionWarning,
    )


def _count(masks) -> int:
    return int(sum(int(m.sum()) for m in masks))


def _report(model: _Model, out: ReluMLP, config: SolveTimeConfig, before: tuple, grid, history: list) -> SolveTimeReport:
    """The report of the net returned, ``out`` (``model`` rounded to float32): its fixed and free neurons, its
    ``(fit, penalty)`` after, and ``before``; a :class:`~surrogate.errors.PrecisionWarning` where the rounding lost
    the fit or a linear neuron's stability."""
    rounded = _Model(out)
    with torch.no_grad():  # a linear neuron of the returned (all-ReLU) net is one only while its sound bound is >= 0
        lower = interval_bounds(rounded.weights, rounded.biases, rounded.box, splits=SHIFT_SPLITS)
    rounded.zero = model.zero  # zero rows stay exactly zero in float32
    rounded.linear = [lin & (lo >= 0) for lin, (lo, _) in zip(model.linear, lower)]
    after = _losses(rounded, config, grid)
    _warn_of_rounding(out.domain, _fit(model, grid), after[0], _count(model.linear) - _count(rounded.linear), model.scale)
    counts = (_count(rounded.linear), _count(rounded.zero), _count(rounded.free()))
    return SolveTimeReport(config, *counts, before[0], after[0], before[1], after[1], tuple(history))


def _checked(net, config) -> SolveTimeConfig:
    """``config``, after checking it and ``net`` are what :func:`train_for_solve_time` takes."""
    if not isinstance(net, ReluMLP) or not isinstance(config, SolveTimeConfig):
        raise ConfigError(
            f"train_for_solve_time takes a ReluMLP and a SolveTimeConfig, not {type(net).__name__} and "
            f"{type(config).__name__}; load a zoo net with surrogate.nets.zoo.resolve_surrogate('3x8')"
        )
    net.check_product_net("train_for_solve_time")
    return config


def train_for_solve_time(
    net: ReluMLP,
    config: SolveTimeConfig | None = None,
    *,
    bounds_of: BoundsFn | None = None,
    fixed: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
) -> tuple[ReluMLP, SolveTimeReport]:
    """Fine-tune ``net`` for a cheap MILP: MAE + ``λ`` penalty, then (``prune``) fix stable neurons and fine-tune the rest.

    Parameters
    ----------
    net
        The start, a net of x*y (e.g. a zoo net); its shape is kept.
    config
        How to train (:class:`SolveTimeConfig`; default ``SolveTimeConfig()``).
    bounds_of
        ``net -> [(lower, upper), ...]`` per hidden layer: the bounds that say
        which neurons are stable when pruning (e.g.
        ``lambda n: net_bounds(n, 'milp').hidden``); default the range on the grid.
    fixed
        ``(active, inactive)`` boolean masks per hidden layer of neurons to fix
        linear/zero from the start, whatever their bounds (with ``prune`` only):
        e.g. exact stable masks, or a nearly stable neuron forced out.

    Returns
    -------
    (ReluMLP, SolveTimeReport)
        The fine-tuned net, rounded to float32 (as ONNX stores it), with its
        ``domain`` metadata kept and no other; and what was done, to that net.

    Warns
    -----
    PrecisionWarning
        If rounding to float32 worsens the fit by over :data:`ROUNDING_LOSS` or unfixes a linear neuron.

    Raises
    ------
    ConfigError
        If ``net`` is not a :class:`ReluMLP` or ``config`` not a :class:`SolveTimeConfig`.
    """
    config = _checked(net, SolveTimeConfig() if config is None else config)
    gen = torch.Generator().manual_seed(config.seed)
    kept = {k: v for k, v in net.metadata.items() if k == "domain"}  # what the trained net keeps, and bounds_of sees
    model = _Model(net)
    grid = _grid(model.box, config.resolution)
    if config.prune:
        if fixed is not None:
            model.fix(*check_fixed(fixed, [len(m) for m in model.linear]))
        model.fix(*_masks(net, model, config, bounds_of, grid))
    fit_before, pen_before = _losses(model, config, grid)
    history: list[float] = []
    _run_phase(model, config, config.steps, config.lam, gen, grid, history)
    if config.prune:
        _shift_linear(model, config.margin)
        model.fix(*_masks(model.net(kept), model, config, bounds_of, grid))
        _run_phase(model, config, config.finetune_steps, 0.0, gen, grid, history)
    _shift_linear(model, config.margin)
    out = model.net(kept).rounded_to_float32()
    return out, _report(model, out, config, (fit_before, pen_before), grid, history)
