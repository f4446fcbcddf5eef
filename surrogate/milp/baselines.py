"""Classic MIP approximations and relaxations of ``w = x*y`` on [-1, 1]^2, to compare with ReLU surrogates.

Each baseline is a frozen dataclass deriving from :class:`Baseline`, with ``add(block, x, y) -> expression``
(``x, y`` in [-1, 1]), its number of ``binaries`` per product and its
worst-case error ``max_error`` = the largest ``|w - x*y|`` any feasible point can have in exact
arithmetic (a solver meets rows within its tolerance: below about 1e-6, e.g. NMDT-24's 6e-8, a solve
gives more). :func:`~surrogate.milp.bilinear.bilinear` accepts one wherever it accepts a net (or its
name, ``'sawtooth-10'``), so the same problems are solved the same way with either.

*Approximations* make ``w`` a function of ``(x, y)`` (``evaluate`` gives it);
*relaxations* only confine ``w`` to a set around ``x*y`` (``evaluate`` is
``None``): the MILP optimum is then a bound, not a point estimate.

``Sawtooth(binaries=2L)`` (approximation; Beach, Hildebrand & Huchette 2022)
    ``x*y = u^2 - v^2`` with ``u = (x+y)/2``, ``v = (x-y)/2``. For ``t`` in
    [0, 1], ``g_0 = t`` and ``g_i = 2 min(g_{i-1}, 1 - g_{i-1})`` is written
    exactly with one binary ``a_i`` per level:

    .. math::

        g_i \\le 2 g_{i-1},\\; g_i \\le 2(1 - g_{i-1}),\\;
        g_i \\ge 2(g_{i-1} - a_i),\\; g_i \\ge 2(a_i - g_{i-1}),

    and ``F_L(t) = t - sum_i g_i / 4^i`` interpolates ``t^2`` at ``2^L + 1``
    points, error ``<= 2^(-2L-2)``. With ``t = (u+1)/2``, ``u^2 = 4 F_L(t) - 4t + 1``
    within ``2^(-2L)``; both squares overestimate, so ``|w - xy| <= 2^(-2L)``.
``NMDT(binaries=L)`` (relaxation; normalized multiparametric disaggregation)
    ``t = (x+1)/2 = sum_l 2^(-l) b_l + d`` with ``d`` in ``[0, 2^(-L)]``; each
    ``b_l y`` is linearised exactly, ``d y`` by its McCormick envelope, and
    ``w = 2 (sum_l 2^(-l) (b_l y) + (d y)) - y``: ``|w - xy| <= 2^(-L)``.
``PiecewiseMcCormick(pieces=K)`` (relaxation)
    ``x``'s range split into ``K`` equal pieces, one binary each (exactly one
    on), the McCormick envelope of the active piece in disaggregated (locally
    ideal) form: ``|w - xy| <= (2/K)(2)/4 = 1/K``.
``TriangulatedPWL(points=n)`` (approximation; ``pyomo.contrib.piecewise``)
    The piecewise-linear interpolant of ``x*y`` on an ``n x n`` grid with the
    J1 triangulation, written with the logarithmic disaggregated
    convex-combination transformation (``ceil(log2(2 (n-1)^2))`` binaries):
    ``|w - xy| <= h^2/4`` with ``h = 2/(n-1)``.

Sizes are capped where more only adds error below solver tolerances: ``Sawtooth`` takes 2 to 64 binaries,
``NMDT`` 1 to 64, ``TriangulatedPWL`` 3 to 1025 points per axis; ``PiecewiseMcCormick`` takes up to
:data:`~surrogate.options.MAX_COUNT` pieces, the cap of every size (a net's hidden neurons too). A larger
size, e.g. ``NMDT(10**6)``, is refused with a :class:`~surrogate.errors.ConfigError` naming the cap and its reason.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from ..errors import ConfigError
from ..nets.network import unit_box
from ..options import MAX_COUNT, check_count
from .sawtooth import sawtooth_arguments, sawtooth_square, sawtooth_square_value, sawtooth_switches

_BELOW_TOLERANCE = "more only adds binaries below solver tolerances"


class Baseline(ABC):
    """A classic MIP approximation or relaxation of ``w = x*y`` on [-1, 1]^2 (see the module docstring).

    A subclass is a frozen dataclass whose one field, ``size_field``, sets its size (``size_minimum`` to ``size_maximum``); it has

    * :meth:`add`: the constraints on a block, returning the expression for ``w``;
    * :attr:`binaries`: the binaries one product gets;
    * :attr:`max_error`: the worst ``|w - x*y|`` over every feasible point;
    * :meth:`evaluate`: ``w`` at given points for an approximation; ``None`` for a relaxation (``w`` no function of x, y).

    Attributes
    ----------
    domain
        The input box ``((-1, 1), (-1, 1))`` that a product's bounds are mapped onto.
    prefix
        The start of :attr:`name` (and of the text :func:`parse_baseline` reads).
    """

    domain = unit_box(2)
    prefix: str = ""
    size_field: str = "binaries"
    size_minimum: int = 1
    size_maximum: int = MAX_COUNT
    #: Why no larger size than ``size_maximum`` is taken, for the message of a refusal ("": the cap of every size).
    size_reason: str = ""
    evaluate = None

    def __post_init__(self) -> None:
        value = getattr(self, self.size_field)
        where, low, most = f"{type(self).__name__}: {self.size_field}", self.size_minimum, self.size_maximum
        value = check_count(where, value, low=low, high=most, why=self.size_reason)  # np.int64(24) as 24: JSON, names
        object.__setattr__(self, self.size_field, value)

    @property
    def kind(self) -> str:
        """``'approximation'`` (``w`` is a function of ``(x, y)``) or ``'relaxation'``."""
        return "relaxation" if self.evaluate is None else "approximation"

    @property
    def name(self) -> str:
        """The baseline as :func:`parse_baseline` reads it, e.g. ``'nmdt-24'``."""
        return f"{self.prefix}-{getattr(self, self.size_field)}"

    @classmethod
    def pattern(cls) -> str:
        """The regular expression of :attr:`name`, its one group the size."""
        return rf"{cls.prefix}-([0-9]+)"

    #: The block components (indexed binaries) whose values :meth:`indicator_values` gives; empty: it gives none.
    indicator_names: tuple[str, ...] = ()

    def indicator_values(self, x: float, y: float, *, threshold: float = 0.0) -> tuple[dict, ...]:
        """The binaries that hold ``w`` on the piece containing ``(x, y)``: one ``{index: 0 or 1}`` per :attr:`indicator_names`.

        A binary whose switching quantity (its neuron's pre-activation, as it
        were) is within ``threshold`` of 0 is on a boundary: it is 1 only above
        ``threshold`` (pass a negative one to put boundary points on the 1 side).
        The warm start (:func:`~surrogate.milp.warmstart.activation_start`) fixes
        them as it fixes a net's activation pattern.

        Raises
        ------
        ConfigError
            For a baseline without such values (every one but :class:`Sawtooth`).
        """
        raise ConfigError(
            f"{self.name}: its binaries are not given per point, so no warm start can fix them; "
            "solve it without a start (e.g. the 'pruned-cold' encoding of the benchmarks)"
        )

    @property
    @abstractmethod
    def binaries(self) -> int:
        """Binaries per product."""

    @property
    @abstractmethod
    def max_error(self) -> float:
        """The largest ``|w - x*y|`` any feasible point can have."""

    @abstractmethod
    def add(self, block, x, y):
        """Add the baseline's variables and constraints to ``block``; return the expression for ``w ≈ x*y``.

        ``x, y`` are Pyomo variables or expressions within [-1, 1].
        """


@dataclass(frozen=True)
class Sawtooth(Baseline):
    """Sawtooth approximation of ``x*y = u^2 - v^2`` with ``binaries/2`` levels per square (see module docstring)."""

    binaries: int = 24
    prefix = "sawtooth"
    size_minimum, size_maximum = 2, 64  # 32 levels: error 2^-64; 4^-i overflowed a float past 512 levels
    size_reason = _BELOW_TOLERANCE
    indicator_names = ("a_u", "a_v")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.binaries % 2:
            raise ConfigError(f"Sawtooth: binaries={self.binaries} must be even (two squares, binaries/2 levels each)")

    @property
    def levels(self) -> int:
        """Sawtooth levels per square."""
        return self.binaries // 2

    @property
    def max_error(self) -> float:
        return 2.0 ** (-2 * self.levels)

    def add(self, block, x, y):
        tu, tv = sawtooth_arguments(x, y)
        su, sv = sawtooth_square(block, tu, self.levels, "u"), sawtooth_square(block, tv, self.levels, "v")
        return (4 * su - 4 * tu + 1) - (4 * sv - 4 * tv + 1)

    def indicator_values(self, x: float, y: float, *, threshold: float = 0.0) -> tuple[dict, ...]:
        """``a_u`` and ``a_v`` at ``(x, y)``: ``a_i = 1`` where the level's ``g_{i-1}`` is above 1/2 (see the base class)."""
        tu, tv = sawtooth_arguments(x, y)
        return sawtooth_switches(tu, self.levels, threshold), sawtooth_switches(tv, self.levels, threshold)

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The approximation ``w`` at the points ``(x, y)``."""
        tu, tv = sawtooth_arguments(x, y)
        square = lambda t: 4 * sawtooth_square_value(t, self.levels) - 4 * t + 1  # noqa: E731
        return square(tu) - square(tv)


@dataclass(frozen=True)
class NMDT(Baseline):
    """Normalized multiparametric disaggregation of ``x`` with ``binaries`` digits (a relaxation)."""

    binaries: int = 24
    prefix = "nmdt"
    size_maximum, size_reason = 64, _BELOW_TOLERANCE  # error 2^-64; 2^-L is 0.0 in floating point past 1074 digits

    @property
    def max_error(self) -> float:
        return 2.0 ** (-self.binaries)

    def add(self, block, x, y):
        digits = range(1, self.binaries + 1)
        block.b = pyo.Var(digits, domain=pyo.Binary)
        block.by = pyo.Var(digits, bounds=(-1.0, 1.0))
        block.d = pyo.Var(bounds=(0.0, 2.0 ** (-self.binaries)))
        block.dy = pyo.Var()
        block.cons = pyo.ConstraintList()
        block.cons.add((x + 1) / 2 == sum(2.0 ** (-i) * block.b[i] for i in digits) + block.d)
        for i in digits:  # by = b*y exactly, y in [-1, 1]
            block.cons.add(block.by[i] >= -block.b[i])
            block.cons.add(block.by[i] <= block.b[i])
            block.cons.add(block.by[i] >= y - (1 - block.b[i]))
            block.cons.add(block.by[i] <= y + (1 - block.b[i]))
        du = 2.0 ** (-self.binaries)  # McCormick of d*y on [0, du] x [-1, 1]
        block.cons.add(block.dy >= -block.d)
        block.cons.add(block.dy >= du * y + block.d - du)
        block.cons.add(block.dy <= block.d)
        block.cons.add(block.dy <= du * y - block.d + du)
        return 2 * (sum(2.0 ** (-i) * block.by[i] for i in digits) + block.dy) - y


@dataclass(frozen=True)
class PiecewiseMcCormick(Baseline):
    """McCormick envelopes on ``pieces`` equal pieces of ``x``, one binary per piece (a relaxation)."""

    pieces: int = 24
    prefix = "pw-mccormick"
    size_field = "pieces"

    @property
    def binaries(self) -> int:
        return self.pieces

    @property
    def max_error(self) -> float:
        return 1.0 / self.pieces

    def add(self, block, x, y):
        pieces = range(self.pieces)
        edges = np.linspace(-1.0, 1.0, self.pieces + 1)
        block.on = pyo.Var(pieces, domain=pyo.Binary)
        block.xk = pyo.Var(pieces, bounds=(-1.0, 1.0))
        block.yk = pyo.Var(pieces, bounds=(-1.0, 1.0))
        block.wk = pyo.Var(pieces, bounds=(-1.0, 1.0))
        block.cons = pyo.ConstraintList()
        block.cons.add(sum(block.on[k] for k in pieces) == 1)
        block.cons.add(x == sum(block.xk[k] for k in pieces))
        block.cons.add(y == sum(block.yk[k] for k in pieces))
        for k in pieces:
            lo, hi, on, xk, yk, wk = float(edges[k]), float(edges[k + 1]), block.on[k], block.xk[k], block.yk[k], block.wk[k]
            block.cons.add(xk >= lo * on)
            block.cons.add(xk <= hi * on)
            block.cons.add(yk >= -on)
            block.cons.add(yk <= on)
            # McCormick of xk*yk on [lo, hi] x [-1, 1], each bound scaled by on.
            block.cons.add(wk >= lo * yk - xk + lo * on)
            block.cons.add(wk >= hi * yk + xk - hi * on)
            block.cons.add(wk <= hi * yk - xk + hi * on)
            block.cons.add(wk <= lo * yk + xk - lo * on)
        return sum(block.wk[k] for k in pieces)


#: The ``pyomo.contrib.piecewise`` transformations a :class:`TriangulatedPWL` takes, by how binaries grow with simplices.
PWL_TRANSFORMATIONS = {
    "contrib.piecewise.disaggregated_logarithmic": "log",
    "contrib.piecewise.disaggregated_convex_combination": "simplices",
    "contrib.piecewise.convex_combination": "simplices",
    "contrib.piecewise.multiple_choice": "simplices",
}


@dataclass(frozen=True)
class TriangulatedPWL(Baseline):
    """``pyomo.contrib.piecewise`` interpolant of ``x*y`` on an ``points x points`` J1-triangulated grid."""

    points: int = 17
    transformation: str = "contrib.piecewise.disaggregated_logarithmic"
    prefix = "pwl"
    size_field = "points"
    size_minimum = 3  # pyomo.contrib.piecewise takes an odd number of points per axis
    size_maximum, size_reason = 1025, "more only adds triangles whose error (1e-6 at 1025) is below solver tolerances"

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.points - 1) & (self.points - 2):
            raise ConfigError(f"TriangulatedPWL: points={self.points} must be 2^k + 1 (3, 5, 9, 17, 33, ...) for the J1 grid")
        if self.transformation not in PWL_TRANSFORMATIONS:
            raise ConfigError(
                f"TriangulatedPWL: transformation={self.transformation!r} is not one whose size is known; use one of "
                f"{', '.join(PWL_TRANSFORMATIONS)}"
            )

    @property
    def name(self) -> str:
        return f"pwl-{self.points}x{self.points}"

    @classmethod
    def pattern(cls) -> str:
        return r"pwl-([0-9]+)x\1"

    @property
    def simplices(self) -> int:
        """Triangles of the J1 grid."""
        return 2 * (self.points - 1) ** 2

    @property
    def binaries(self) -> int:
        """``ceil(log2(simplices))`` for a logarithmic transformation, else one per simplex."""
        log = PWL_TRANSFORMATIONS[self.transformation] == "log"
        return math.ceil(math.log2(self.simplices)) if log else self.simplices

    @property
    def max_error(self) -> float:
        return (2.0 / (self.points - 1)) ** 2 / 4

    def add(self, block, x, y):
        from pyomo.contrib.piecewise import PiecewiseLinearFunction, Triangulation

        grid = np.linspace(-1.0, 1.0, self.points)
        block.f = PiecewiseLinearFunction(
            points=[(float(a), float(b)) for a in grid for b in grid],
            function=lambda a, b: a * b,
            triangulation=Triangulation.J1,
        )
        block.w = pyo.Var(bounds=(-1.0, 1.0))
        block.link = pyo.Constraint(expr=block.w == block.f(x, y))
        pyo.TransformationFactory(self.transformation).apply_to(block.model(), targets=[block])
        return block.w

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The J1 interpolant: on each cell, the triangle split by the diagonal through the grid's even corner."""
        h = 2.0 / (self.points - 1)
        i = np.clip(np.floor((x + 1) / h), 0, self.points - 2)
        j = np.clip(np.floor((y + 1) / h), 0, self.points - 2)
        x0, y0 = -1 + i * h, -1 + j * h
        s, t = (x - x0) / h, (y - y0) / h
        f = lambda a, b: (x0 + a * h) * (y0 + b * h)  # noqa: E731
        even = (i + j) % 2 == 0  # J1: diagonal (0,0)-(1,1) on even cells, (1,0)-(0,1) on odd ones
        v_even = np.where(
            s >= t,
            f(0, 0) + s * (f(1, 0) - f(0, 0)) + t * (f(1, 1) - f(1, 0)),
            f(0, 0) + t * (f(0, 1) - f(0, 0)) + s * (f(1, 1) - f(0, 1)),
        )
        v_odd = np.where(
            s + t <= 1,  # the upper-left triangle
            f(0, 0) + s * (f(1, 0) - f(0, 0)) + t * (f(0, 1) - f(0, 0)),
            f(1, 1) + (1 - s) * (f(0, 1) - f(1, 1)) + (1 - t) * (f(1, 0) - f(1, 1)),
        )
        return np.where(even, v_even, v_odd)


BASELINES = (Sawtooth, NMDT, PiecewiseMcCormick, TriangulatedPWL)


def parse_baseline(text: str) -> Baseline:
    """``'sawtooth-24'``, ``'nmdt-24'``, ``'pw-mccormick-24'`` or ``'pwl-17x17'`` as a baseline object."""
    for cls in BASELINES:
        match = re.fullmatch(cls.pattern(), text)
        if match:
            return cls(**{cls.size_field: int(match.group(1))})
    raise ConfigError(
        f"unknown baseline {text!r}; use sawtooth-<binaries>, nmdt-<binaries>, pw-mccormick-<pieces> or pwl-<n>x<n>"
    )


def is_baseline(obj) -> bool:
    """Whether ``obj`` is a :class:`Baseline` (rather than a net)."""
    return isinstance(obj, Baseline)
