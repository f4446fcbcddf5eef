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
lower bound is at least ``margin``: it is stable-active in any MILP.

Training runs in **normalised coordinates**, so that a config means the same on
every domain: the net's domain box is mapped onto [-1, 1]^2 (folded into the
first layer) and its output centred on the middle of x y's range on the box and
divided by half that range (x y's extremes on a box are at its corners; folded
into the last layer), so that the target spans [-1, 1] on every box, also one
far from the origin such as [100, 101]^2. The MAE above and ``lam`` are thus
relative to half the range of x y, and ``learning_rate`` is a step on the net of
the unit box (a net on [-1, 1]^2 trains exactly as without the map); the hidden layers,
and so the penalties and ``margin``, are the same in both coordinates. The
report's fits are in the domain's own units.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ..errors import ConfigError
from ..nets.network import ReluMLP, unit_box
from ..options import MAX_SEED, is_number, plain_numbers
from .protocols import check_learning_rate, check_not_diverged
from .stability import check_fixed, check_penalties, interval_bounds, penalty, sampled_bounds, stable_masks

#: Bound methods of the penalties: a dense grid's range (tight) or sub-box interval arithmetic (sound).
PENALTY_BOUNDS = ("sampled", "interval")
#: Sub-boxes per input of the sound bounds that place a linear neuron's shift.
SHIFT_SPLITS = 64

BoundsFn = Callable[[ReluMLP], Sequence[tuple[np.ndarray, np.ndarray]]]


#: Grid points per axis at most: the penalties' grid has ``resolution**2`` points (4,096**2 is 16.8 million).
MAX_RESOLUTION = 4096


@dataclass(frozen=True, kw_only=True)
class SolveTimeConfig:
    """How :func:`train_for_solve_time` fine-tunes (see the module docstring for the loss).

    Attributes
    ----------
    lam
        Weight ``λ`` of the penalty term (``0``: plain fine-tuning).
    penalties
        Names from :data:`~surrogate.train.stability.PENALTIES`.
    steps, finetune_steps
        Adam steps of the penalty phase, and of the fit-only phase after pruning.
    learning_rate
        Adam's initial learning rate; it decays by a cosine to 1 % in each phase.
    batch_size
        Uniform points of the domain per step (fresh every step).
    bounds, resolution
        Bounds of the penalties: ``'sampled'`` on a ``resolution x resolution``
        grid, or ``'interval'`` on ``resolution x resolution`` sub-boxes.
    prune
        Fix stable neurons (module docstring) and fine-tune the rest.
    tolerance
        A neuron within ``tolerance * (u - l)`` of stability counts as stable
        (:func:`~surrogate.train.stability.stable_masks`).
    margin
        Sound lower bound that every linear neuron is shifted to.
    seed
        Seed of the training points: the same seed, net and config give the same net.
    """

    lam: float = 0.01
    penalties: tuple[str, ...] = ("stability", "bigm")
    steps: int = 1000
    finetune_steps: int = 1000
    learning_rate: float = 1e-4
    batch_size: int = 2048
    bounds: str = "sampled"
    resolution: int = 65
    prune: bool = True
    tolerance: float = 0.02
    margin: float = 1e-2
    seed: int = 0

    def __post_init__(self) -> None:
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        object.__setattr__(self, "penalties", check_penalties(self.penalties, "SolveTimeConfig: penalties"))
        checks = (
            ("lam", is_number(self.lam, low=0, finite=True), "a number >= 0, e.g. 0.01"),
            ("steps", is_number(self.steps, integer=True, low=0), "an integer >= 0"),
            ("finetune_steps", is_number(self.finetune_steps, integer=True, low=0), "an integer >= 0"),
            ("batch_size", is_number(self.batch_size, integer=True, low=1), "an integer >= 1"),
            (
                "resolution",
                is_number(self.resolution, integer=True, low=2, high=MAX_RESOLUTION),
                f"an integer in [2, {MAX_RESOLUTION}] (points per axis of the grid), e.g. 65",
            ),
            ("tolerance", is_number(self.tolerance, low=0, high=0.5, high_open=True), "a number in [0, 0.5)"),
            ("margin", is_number(self.margin, low=0, low_open=True, finite=True), "a number > 0, e.g. 1e-2"),
            ("seed", is_number(self.seed, integer=True, low=0, high=MAX_SEED), f"an integer in [0, {MAX_SEED}]"),
            ("prune", isinstance(self.prune, bool), "True or False"),
        )
        for name, ok, expected in checks:
            if not ok:
                raise ConfigError(f"SolveTimeConfig: {name}={getattr(self, name)!r} must be {expected}")
        check_learning_rate("SolveTimeConfig", self.learning_rate)
        if self.bounds not in PENALTY_BOUNDS:
            raise ConfigError(f"SolveTimeConfig: bounds={self.bounds!r} is unknown; choose one of {', '.join(PENALTY_BOUNDS)}")

    def to_dict(self) -> dict:
        """The config as a plain dict (JSON-ready)."""
        return {**asdict(self), "penalties": list(self.penalties)}


@dataclass(frozen=True)
class SolveTimeReport:
    """What :func:`train_for_solve_time` did: fixed neurons, losses before and after.

    ``fixed_active``/``fixed_inactive`` count the neurons fixed linear/zero;
    ``free`` the rest. ``fit_before``/``fit_after`` are the MAE on the
    training grid, ``penalty_before``/``penalty_after`` the penalty ``P``, before
    the penalty phase (after the first fixing) and at the end.
    """

    config: SolveTimeConfig
    fixed_active: int
    fixed_inactive: int
    free: int
    fit_before: float
    fit_after: float
    penalty_before: float
    penalty_after: float
    history: tuple[float, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict:
        """The report as a plain dict (JSON-ready; the loss history left out)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("config", "history")}
        return {**out, "config": self.config.to_dict()}


class _Model:
    """The net's layers as float64 tensors in normalised coordinates (module docstring), with masks of the fixed neurons."""

    def __init__(self, net: ReluMLP):
        lows, highs = (np.array(side, dtype=np.float64) for side in zip(*net.domain))
        self.centre, self.half, self.box = (lows + highs) / 2, (highs - lows) / 2, unit_box(2)
        corners = [x * y for x in map(float, (lows[0], highs[0])) for y in map(float, (lows[1], highs[1]))]  # x y's extremes
        self.offset = max(corners) / 2 + min(corners) / 2  # the middle of x y's range on the domain
        self.scale = max(corners) / 2 - min(corners) / 2  # half its range (0 and 1 on [-1, 1]^2)
        if not 0 < self.scale < math.inf:
            raise ConfigError(
                f"train_for_solve_time: half the range of x y on the net's domain {net.domain} is {self.scale} in "
                "float64; rescale the factors so that the domain is nearer unit scale"
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


def _losses(model: _Model, config: SolveTimeConfig, grid: torch.Tensor) -> tuple[float, float]:
    """``(fit MAE on the grid, penalty)`` of the model now."""
    with torch.no_grad():
        fit = float((model.forward(grid) - model.target(grid)).abs().mean()) * model.scale
        pen = float(penalty(_bounds(model, config, grid), config.penalties, free=model.free()))
    return fit, pen


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
    check_not_diverged([p.detach().numpy() for p in model.parameters()], [config.learning_rate], "train_for_solve_time")


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
        found = list(bounds_of(net))
    if len(found) != len(model.linear):
        raise ConfigError(
            f"bounds_of returned bounds of {len(found)} layers for a net with {len(model.linear)} hidden layers; "
            "return (lower, upper) per hidden layer, e.g. net_bounds(net, 'milp').hidden"
        )
    return stable_masks([lo for lo, _ in found], [hi for _, hi in found], tolerance=config.tolerance)


def _report(model: _Model, config: SolveTimeConfig, before: tuple, after: tuple, history: list) -> SolveTimeReport:
    """The report of a finished training: fixed and free neurons, ``(fit, penalty)`` before and after."""
    count = lambda masks: int(sum(int(m.sum()) for m in masks))  # noqa: E731
    return SolveTimeReport(
        config,
        count(model.linear),
        count(model.zero),
        count(model.free()),
        before[0],
        after[0],
        before[1],
        after[1],
        tuple(history),
    )


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
        ``domain`` metadata kept and no other; and what was done.

    Raises
    ------
    ConfigError
        If ``net`` is not a :class:`ReluMLP` or ``config`` not a :class:`SolveTimeConfig`.
    """
    config = SolveTimeConfig() if config is None else config
    if not isinstance(net, ReluMLP) or not isinstance(config, SolveTimeConfig):
        raise ConfigError(
            f"train_for_solve_time takes a ReluMLP and a SolveTimeConfig, not {type(net).__name__} and "
            f"{type(config).__name__}; load a zoo net with surrogate.nets.zoo.resolve_surrogate('3x8')"
        )
    net.check_product_net("train_for_solve_time")
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
    return out, _report(model, config, (fit_before, pen_before), _losses(model, config, grid), history)
