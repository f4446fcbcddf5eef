"""Differentiable pre-activation bounds of a ReLU MLP on a box, and the penalties that make its MILP cheap.

A hidden neuron with pre-activation ``zhat`` in ``[l, u]`` on the input box
costs the big-M encoding (:mod:`surrogate.milp.pruned`) a binary only when it
is **unstable**, ``l < 0 < u``; its big-M constants are ``l`` and ``u``.
The penalties below are functions of ``(l, u)``, zero (or constant) on stable
neurons, so adding them to a training loss pushes neurons towards stability
and narrows the big-M constants of the rest.

Bounds
------
:func:`interval_bounds` propagates the box through the layers with interval
arithmetic: with ``h`` in ``[h_l, h_u]``,

.. math::

    l = W_+^T h_l + W_-^T h_u + b, \\qquad u = W_+^T h_u + W_-^T h_l + b,
    \\qquad h \\leftarrow [\\mathrm{relu}(l), \\mathrm{relu}(u)]

(a *linear* neuron, one fixed as always active, keeps ``h = [l, u]``). Every
operation is a torch operation, so the bounds are differentiable in the
weights. Interval bounds of a deep net are loose; with ``splits = s`` the box
is cut into ``s x s ...`` sub-boxes, each propagated on its own, and each
neuron's bound is the min (max) over them. They stay **sound** (every reachable
pre-activation lies within them) and approach the exact range as ``s`` grows,
which for a two-input net is cheap. On a deep sawtooth-like net even fine
sub-boxes stay loose in the last layers (the slopes multiply), so the
penalties of :mod:`surrogate.train.solve_time` use :func:`sampled_bounds` by
default: the range of each pre-activation over a dense grid of the box, tight
but not sound (exact bounds come from :mod:`surrogate.milp.bounds`).

Penalties (per hidden neuron; :func:`penalty` sums them over the free neurons)
--------------------------------------------------------------------------------
``stability``
    The ReLU-stability loss of Xiao et al. (2019), :math:`-\\tanh(1 + l\\,u)`:
    near ``-1`` when ``l u > 0`` is large (stable), larger when the
    neuron is unstable (``l u < 0``).
``bigm``
    The big-M width, :math:`\\mathrm{relu}(u)\\,\\mathrm{relu}(-l) / (u - l)`:
    the height at ``zhat = 0`` of the triangle relaxation of the ReLU, the most
    the LP relaxation can overstate ``h``. Chosen over ``u - l`` of unstable
    neurons because it is continuous in ``(l, u)`` and exactly zero on a stable
    neuron, so its gradient leads a neuron out of instability instead of
    jumping; it lies between ``min(u, -l)/2`` and ``min(u, -l)``.
``triangle``
    The area of the triangle relaxation (the LP-relaxation gap),
    :math:`\\tfrac12 (u - l) \\cdot \\mathrm{relu}(u)\\,\\mathrm{relu}(-l)/(u - l) = \\tfrac12\\,\\mathrm{relu}(u)\\,\\mathrm{relu}(-l)`.

References
----------
K. Y. Xiao, V. Tjeng, N. M. Shafiullah, A. Madry, "Training for faster
adversarial robustness verification via inducing ReLU stability", ICLR 2019.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import numpy as np
import torch

from ..errors import ConfigError
from ..options import check_sequence


def stability_penalty(lower: torch.Tensor, upper: torch.Tensor) -> torch.Tensor:
    """Xiao et al.'s ReLU-stability loss :math:`-\\tanh(1 + l\\,u)`, elementwise.

    Examples
    --------
    >>> t = torch.tensor
    >>> [round(float(v), 3) for v in stability_penalty(t([-1.0, 0.5, -2.0]), t([1.0, 2.0, -1.0]))]
    [-0.0, -0.964, -0.995]
    """
    return -torch.tanh(1.0 + lower * upper)


def bigm_penalty(lower: torch.Tensor, upper: torch.Tensor) -> torch.Tensor:
    """Big-M width :math:`\\mathrm{relu}(u)\\,\\mathrm{relu}(-l)/(u - l)`, elementwise (0 on stable neurons).

    Examples
    --------
    >>> t = torch.tensor
    >>> [round(float(v), 3) for v in bigm_penalty(t([-1.0, 0.5, -3.0]), t([1.0, 2.0, 1.0]))]
    [0.5, 0.0, 0.75]
    """
    return torch.relu(upper) * torch.relu(-lower) / (upper - lower).clamp_min(1e-12)


def triangle_penalty(lower: torch.Tensor, upper: torch.Tensor) -> torch.Tensor:
    """Area of the triangle relaxation :math:`\\tfrac12\\,\\mathrm{relu}(u)\\,\\mathrm{relu}(-l)`, elementwise.

    Examples
    --------
    >>> t = torch.tensor
    >>> [float(v) for v in triangle_penalty(t([-1.0, 0.5, -3.0]), t([1.0, 2.0, 1.0]))]
    [0.5, 0.0, 1.5]
    """
    return 0.5 * torch.relu(upper) * torch.relu(-lower)


#: Name -> elementwise penalty of ``(lower, upper)``.
PENALTIES = MappingProxyType({"stability": stability_penalty, "bigm": bigm_penalty, "triangle": triangle_penalty})


def check_penalties(names: Sequence[str], where: str = "penalties") -> tuple[str, ...]:
    """``names`` as a tuple, each a key of :data:`PENALTIES`, no repeats; else :class:`ConfigError` led by ``where``
    (the config and the field, e.g. ``'SolveTimeConfig: penalties'``)."""
    names = check_sequence(where, names, example="('stability', 'bigm')")
    unknown = [n for n in names if n not in PENALTIES]
    if unknown or len(set(names)) != len(names):
        raise ConfigError(
            f"{where}={names!r}: each must be one of {', '.join(PENALTIES)}, named once; e.g. ('stability', 'bigm')"
        )
    return names


def _sub_boxes(box: Sequence[tuple[float, float]], splits: int, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Lower and upper corners, ``(splits**n, n)`` each, of the grid of ``splits`` cells per input of ``box``."""
    edges = [torch.linspace(lo, hi, splits + 1, dtype=dtype) for lo, hi in box]
    lows = torch.cartesian_prod(*[e[:-1] for e in edges]).reshape(-1, len(box))
    highs = torch.cartesian_prod(*[e[1:] for e in edges]).reshape(-1, len(box))
    return lows, highs


def interval_bounds(
    weights: Sequence[torch.Tensor],
    biases: Sequence[torch.Tensor],
    box: Sequence[tuple[float, float]],
    *,
    splits: int = 1,
    linear: Sequence[torch.Tensor] | None = None,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Sound, differentiable pre-activation bounds ``(l, u)`` of every hidden layer on ``box``.

    Parameters
    ----------
    weights, biases
        The layers, ``(n_in, n_out)`` and ``(n_out,)`` tensors (output layer last; it is not bounded).
    box
        One ``(lower, upper)`` pair per input.
    splits
        Cells per input: the box is cut into ``splits ** n_inputs`` sub-boxes,
        bounded one by one (interval arithmetic, formula in the module
        docstring) and combined by min/max. ``1`` is plain interval arithmetic.
    linear
        Per hidden layer, a boolean mask of neurons taken as linear (fixed
        always active): their output is ``zhat`` itself, not ``relu(zhat)``.

    Returns
    -------
    list of (torch.Tensor, torch.Tensor)
        ``(lower, upper)`` of each hidden layer's pre-activations.
    """
    if not isinstance(splits, int) or isinstance(splits, bool) or splits < 1:
        raise ConfigError(f"splits={splits!r} must be a positive integer (1: plain interval arithmetic)")
    hl, hu = _sub_boxes(box, splits, weights[0].dtype)
    out = []
    for k, (w, b) in enumerate(zip(weights[:-1], biases[:-1])):
        wp, wn = w.clamp_min(0.0), w.clamp_max(0.0)
        lo, hi = hl @ wp + hu @ wn + b, hu @ wp + hl @ wn + b
        out.append((lo.amin(dim=0), hi.amax(dim=0)))
        if linear is None:
            hl, hu = torch.relu(lo), torch.relu(hi)
        else:
            hl, hu = torch.where(linear[k], lo, torch.relu(lo)), torch.where(linear[k], hi, torch.relu(hi))
    return out


def sampled_bounds(
    weights: Sequence[torch.Tensor],
    biases: Sequence[torch.Tensor],
    points: torch.Tensor,
    *,
    linear: Sequence[torch.Tensor] | None = None,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Differentiable min and max of every hidden pre-activation over ``points`` (``(n, n_inputs)``).

    Not sound (a range between the points is missed) but, on a dense grid of a
    two-input box, far tighter than :func:`interval_bounds` for a deep net;
    the gradient flows to the point where each extreme is attained.
    ``linear`` is as in :func:`interval_bounds`.
    """
    h, out = points, []
    for k, (w, b) in enumerate(zip(weights[:-1], biases[:-1])):
        z = h @ w + b
        out.append((z.amin(dim=0), z.amax(dim=0)))
        h = torch.relu(z) if linear is None else torch.where(linear[k], z, torch.relu(z))
    return out


def penalty(
    bounds: Sequence[tuple[torch.Tensor, torch.Tensor]], names: Sequence[str], *, free: Sequence[torch.Tensor] | None = None
) -> torch.Tensor:
    """Mean over hidden neurons of the sum of the penalties ``names`` (see :data:`PENALTIES`).

    Neurons outside ``free`` (per layer boolean masks; default all) contribute
    nothing: fixed neurons are stable by construction. ``stability`` is
    shifted by ``+1`` so that every term is zero on a stable, far-from-zero neuron.

    Examples
    --------
    >>> t = torch.tensor
    >>> round(float(penalty([(t([-1.0, 1.0]), t([1.0, 2.0]))], ["bigm", "triangle"])), 3)
    0.5
    """
    names = check_penalties(names)
    total, count = 0.0, 0
    for k, (lo, hi) in enumerate(bounds):
        keep = torch.ones_like(lo, dtype=torch.bool) if free is None else free[k]
        for name in names:
            term = PENALTIES[name](lo, hi) + (1.0 if name == "stability" else 0.0)
            total = total + torch.where(keep, term, torch.zeros_like(term)).sum()
        count += lo.numel()
    return total / max(count, 1)


def stable_masks(
    lower: Sequence[np.ndarray], upper: Sequence[np.ndarray], *, tolerance: float = 0.0
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(active, inactive)`` boolean masks per hidden layer: neurons stable on the box up to ``tolerance``.

    A neuron is taken as stable-active when ``l >= -tolerance * (u - l)`` and
    stable-inactive when ``u <= tolerance * (u - l)`` (inactive wins if both):
    with ``tolerance = 0`` only truly stable neurons; a small positive one also
    takes the neurons that bend on a sliver of the box only (fixing them changes
    the net there by at most ``tolerance * (u - l)`` times their outgoing weights).

    Examples
    --------
    >>> a, i = stable_masks([np.array([0.0, -1.0, -2.0, -0.01])], [np.array([1.0, 1.0, -1.0, 1.0])], tolerance=0.02)
    >>> a[0].tolist(), i[0].tolist()
    ([True, False, False, True], [False, False, True, False])
    """
    if not (isinstance(tolerance, (int, float)) and 0.0 <= tolerance < 0.5):
        raise ConfigError(f"tolerance={tolerance!r} must be a number in [0, 0.5); 0 fixes only truly stable neurons")
    active, inactive = [], []
    for lo, hi in zip(lower, upper):
        lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
        slack = tolerance * (hi - lo)
        off = hi <= slack
        inactive.append(off)
        active.append((lo >= -slack) & ~off)
    return active, inactive


def check_fixed(fixed, shapes: Sequence[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``fixed`` as two lists ``(active, inactive)`` of boolean arrays of the hidden layers' sizes ``shapes``.

    Raises
    ------
    ConfigError
        If ``fixed`` is not two such lists, or it marks a neuron both active and inactive (named by layer and index).
    """
    shapes = list(shapes)
    try:
        active, inactive = ([np.asarray(m, dtype=bool) for m in masks] for masks in fixed)
    except (TypeError, ValueError):
        active = inactive = None
    expected = [(n,) for n in shapes]
    if active is None or [m.shape for m in active] != expected or [m.shape for m in inactive] != expected:
        got = "" if active is None else f" (got masks of shapes {[m.shape for m in active]} and {[m.shape for m in inactive]})"
        raise ConfigError(
            f"fixed must be (active, inactive): two lists of 1-D boolean masks of the hidden layers' sizes {shapes}{got}; "
            "e.g. surrogate.train.stability.stable_masks(lower, upper)"
        )
    both = [f"({layer}, {i})" for layer, (a, z) in enumerate(zip(active, inactive)) for i in np.flatnonzero(a & z)]
    if both:
        raise ConfigError(
            f"fixed marks {len(both)} neurons (hidden layer, index) both active and inactive: {', '.join(both[:10])}"
            f"{' ...' if len(both) > 10 else ''}; mark each neuron in at most one of the two masks"
        )
    return active, inactive


def check_bounds(found, shapes: Sequence[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``found`` (what a ``bounds_of`` returned: ``(lower, upper)`` per hidden layer) as two lists of float arrays of
    the hidden layers' sizes ``shapes``.

    Raises
    ------
    ConfigError
        If ``found`` is not such pairs, or a ``lower`` is above its ``upper`` (or nan; named by layer and index).
    """
    shapes, fix = list(shapes), "return (lower, upper) per hidden layer, e.g. net_bounds(net, 'milp').hidden"
    try:
        pairs = [tuple(np.asarray(side, dtype=np.float64) for side in pair) for pair in found]
    except (TypeError, ValueError):
        raise ConfigError(f"bounds_of returned {found!r:.80}, not pairs of arrays; {fix}") from None
    if len(pairs) != len(shapes):
        raise ConfigError(f"bounds_of returned bounds of {len(pairs)} layers for a net with {len(shapes)} hidden layers; {fix}")
    got = [tuple(side.shape for side in pair) for pair in pairs]
    if got != [((n,), (n,)) for n in shapes]:
        raise ConfigError(
            f"bounds_of returned (lower, upper) of shapes {got} for hidden layers of sizes {shapes}: each must be "
            f"a 1-D array of its layer's size; {fix}"
        )
    bad = [f"({k}, {i})" for k, (lo, hi) in enumerate(pairs) for i in np.flatnonzero(~(lo <= hi))]
    if bad:
        raise ConfigError(
            f"bounds_of returned lower > upper (or nan) for {len(bad)} neurons (hidden layer, index): {', '.join(bad[:10])}"
            f"{' ...' if len(bad) > 10 else ''}; {fix}, with lower <= upper"
        )
    return [lo for lo, _ in pairs], [hi for _, hi in pairs]
