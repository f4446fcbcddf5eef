"""Architectures of fully connected ReLU nets and their parameter counts.

Notation: ``LxW`` is ``L`` hidden layers of ``W`` neurons each (``3x8``);
``8-6-6`` lists the hidden widths of a non-uniform net. The input size is 2
(``x`` and ``y``) and the output size 1, unless stated otherwise.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..errors import ArchitectureError, ConfigError
from ..options import check_count, check_flags, is_number

#: The most digits of a number in a shape written as text (its hidden neurons are at most :data:`~surrogate.options.MAX_COUNT`).
MAX_DIGITS = 6
_UNIFORM = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")
_LIST = re.compile(r"^\s*\d+(\s*-\s*\d+)*\s*$")


@dataclass(frozen=True)
class LayerCount:
    """Parameters of one dense layer ``n_in -> n_out``."""

    n_in: int
    n_out: int
    weights: int
    biases: int

    @property
    def total(self) -> int:
        """Weights plus biases."""
        return self.weights + self.biases


@dataclass(frozen=True)
class ParameterCount:
    """Parameter count of an MLP with a per-layer breakdown.

    For layer sizes ``n0..nL`` there are ``sum n(i-1)*n(i)`` weights and
    ``sum n(i)`` biases for ``i >= 1`` (inputs carry no bias).
    """

    layers: tuple[LayerCount, ...]

    @property
    def weights(self) -> int:
        """Weights of all layers."""
        return sum(layer.weights for layer in self.layers)

    @property
    def biases(self) -> int:
        """Biases of all layers."""
        return sum(layer.biases for layer in self.layers)

    @property
    def total(self) -> int:
        """Weights plus biases."""
        return self.weights + self.biases


def _check_sizes(sizes: Sequence[int], what: str) -> tuple[int, ...]:
    out = []
    for size in sizes:
        if not is_number(size, integer=True):
            raise ArchitectureError(f"{what}: layer size {size!r} is not an integer; give whole numbers such as 2 8 8 1")
        if size < 1:
            raise ArchitectureError(f"{what}: layer size {size} must be at least 1; remove the layer or give it neurons")
        out.append(check_count(f"{what}: layer size", size, error=ArchitectureError))
    return tuple(out)


def count_parameters(layer_sizes: Sequence[int], *, bias: bool = True) -> ParameterCount:
    """Count the parameters of an MLP given all its layer sizes ``n0..nL``.

    Parameters
    ----------
    layer_sizes
        Every layer's size, inputs first and outputs last (at least two).
    bias
        Whether each layer but the inputs has a bias per neuron.

    Returns
    -------
    ParameterCount
        Weights and biases per layer; ``.total`` is their sum.

    Examples
    --------
    >>> count_parameters([784, 16, 16, 10]).total
    13002
    >>> count_parameters([784, 16, 16, 10], bias=False).total
    12960
    >>> count_parameters([2, 2, 2]).total
    12
    """
    check_flags("count_parameters", bias=bias)
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__iter__"):
        raise ArchitectureError(f"count_parameters: layer_sizes={layer_sizes!r} must be a sequence of sizes, e.g. [2, 8, 1]")
    sizes = _check_sizes(layer_sizes, f"layer sizes {list(layer_sizes)!r}")
    if len(sizes) < 2:
        raise ArchitectureError(f"layer sizes {list(sizes)!r}: need at least an input and an output size, e.g. 2 1")
    return ParameterCount(
        tuple(LayerCount(n_in, n_out, n_in * n_out, n_out if bias else 0) for n_in, n_out in itertools.pairwise(sizes))
    )


@dataclass(frozen=True)
class Architecture:
    """A fully connected ReLU MLP: ``n_inputs -> hidden... -> n_outputs``.

    Hidden layers use ReLU; the output layer is linear. Every layer size, and the hidden neurons in all, is
    a positive integer up to :data:`~surrogate.options.MAX_COUNT` (the cap of every size: beyond any net that
    trains or solves), else :class:`~surrogate.errors.ArchitectureError`; a classic baseline's binaries are
    capped lower, where more only adds error below solver tolerances (:mod:`surrogate.milp.baselines`).

    Examples
    --------
    >>> Architecture((10**30,))
    Traceback (most recent call last):
    surrogate.errors.ArchitectureError: architecture (1000000000000000000000000000000,): layer size=1000000000000000000000000000000 must be a positive integer up to 100000
    """

    hidden: tuple[int, ...]
    n_inputs: int = 2
    n_outputs: int = 1

    def __post_init__(self) -> None:
        try:
            hidden = None if isinstance(self.hidden, str) else tuple(self.hidden)
        except TypeError:  # not iterable, or a 0-d tensor or array (it has __iter__ but refuses it)
            hidden = None
        if hidden is None:
            raise ArchitectureError(
                f"architecture hidden={self.hidden!r} must be a sequence of widths, e.g. Architecture((8, 8, 8)); "
                "for a text shape use Architecture.parse('3x8')"
            )
        object.__setattr__(self, "hidden", hidden)
        if not self.hidden:
            raise ArchitectureError("architecture has no hidden layer; give at least one width, e.g. '1x24'")
        object.__setattr__(self, "hidden", _check_sizes(self.hidden, f"architecture {self.hidden!r}"))
        check_count(f"architecture {self.hidden!r}: hidden neurons", sum(self.hidden), why="in all", error=ArchitectureError)
        sizes = _check_sizes((self.n_inputs, self.n_outputs), f"architecture {self.hidden!r} inputs/outputs")
        object.__setattr__(self, "n_inputs", sizes[0])
        object.__setattr__(self, "n_outputs", sizes[1])

    @classmethod
    def parse(cls, text: str | Architecture) -> Architecture:
        """Parse ``'3x8'`` (3 hidden layers of 8) or ``'8-6-6'`` (widths)."""
        if isinstance(text, Architecture):
            return text
        if not isinstance(text, str):
            raise ArchitectureError(f"architecture {text!r} is not a string; write it as 'LxW' (e.g. '3x8') or '8-6-6'")
        if any(len(number) > MAX_DIGITS for number in re.findall(r"\d+", text)):
            raise ArchitectureError(
                f"architecture {text[:40]!r}...: a depth or width above {10**MAX_DIGITS - 1} neurons; pass a smaller shape"
            )
        match = _UNIFORM.match(text)
        if match:
            depth, width = int(match.group(1)), int(match.group(2))
            if depth < 1 or width < 1:
                raise ArchitectureError(f"architecture {text!r}: depth and width must be at least 1, e.g. '3x8'")
            check_count(f"architecture {text!r}: hidden neurons", depth * width, why="in all", error=ArchitectureError)
            return cls((width,) * depth)
        if _LIST.match(text):
            widths = tuple(int(part) for part in text.split("-"))
            if min(widths) < 1:
                raise ArchitectureError(f"architecture {text!r}: every width must be at least 1, e.g. '8-6-6'")
            return cls(widths)
        raise ArchitectureError(
            f"cannot parse architecture {text!r}; write 'LxW' for L hidden layers of W "
            "neurons (e.g. '3x8') or hidden widths joined by '-' (e.g. '8-6-6')"
        )

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.hidden)

    @property
    def neurons(self) -> int:
        """Hidden neurons in all (the budget a shape spends)."""
        return sum(self.hidden)

    @property
    def is_uniform(self) -> bool:
        """Whether every hidden layer has the same width."""
        return len(set(self.hidden)) == 1

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """All layer sizes: inputs, hidden widths, outputs."""
        return (self.n_inputs, *self.hidden, self.n_outputs)

    def parameter_count(self, *, bias: bool = True) -> ParameterCount:
        """Parameter count of the net (see :func:`count_parameters`)."""
        check_flags("Architecture.parameter_count", bias=bias)
        return count_parameters(self.layer_sizes, bias=bias)

    @property
    def name(self) -> str:
        """``'LxW'`` for a uniform net, else the hidden widths joined by ``'-'``."""
        if self.is_uniform:
            return f"{self.depth}x{self.hidden[0]}"
        return "-".join(str(w) for w in self.hidden)

    def __str__(self) -> str:
        return self.name


def check_budget(archs: Sequence[Architecture], budget: int, who: str) -> None:
    """Refuse (:class:`~surrogate.errors.ConfigError` starting ``who``) the shapes with more hidden neurons than ``budget``.

    The one rule of ``sweep`` and ``hand-built`` for ``--arch`` beside ``--budget``.
    """
    over = [f"{a.name} ({a.neurons})" for a in archs if a.neurons > budget]
    if over:
        raise ConfigError(
            f"{who}: {', '.join(over)} {'has' if len(over) == 1 else 'have'} more hidden neurons than the budget "
            f"{budget}; raise the budget (--budget) or pass shapes within it"
        )


def check_product_shapes(archs: Sequence[Architecture], lead: str, trains: str) -> None:
    """Raise :class:`ConfigError` unless every shape of ``archs`` has 2 inputs and 1 output, as a surrogate of ``x*y``
    has: the one check of the sweep's shapes and of every training entry point.

    Parameters
    ----------
    archs
        The shapes.
    lead
        What the message starts with (the function and argument, e.g. ``'train_many: '``).
    trains
        Who trains them, in the message (``'a sweep'``, ``'train_many'``).
    """
    other = [f"{a.n_inputs}-{'-'.join(map(str, a.hidden))}-{a.n_outputs}" for a in archs if (a.n_inputs, a.n_outputs) != (2, 1)]
    if other:
        raise ConfigError(
            f"{lead}{', '.join(other)} {'is' if len(other) == 1 else 'are'} not 2 inputs -> 1 output; {trains} "
            "trains surrogates of x*y: give hidden widths only, e.g. '3x8' or Architecture((8, 8, 8))"
        )


def check_distinct(archs: Sequence[Architecture], lead: str = "") -> None:
    """Refuse (:class:`~surrogate.errors.ConfigError`, its message led by ``lead``) shapes given more than once
    (``3x8`` and ``3×8`` parse to one): the one rule of ``sweep``, ``hand-built`` and the benchmarks for ``--arch``.

    Parameters
    ----------
    archs
        The parsed shapes, in the order given.
    lead
        What the message starts with, e.g. ``'hand-built: --arch '``.
    """
    repeated = sorted({a.name for a in archs if archs.count(a) > 1})
    if repeated:
        raise ConfigError(f"{lead}{', '.join(repeated)} given twice; give each shape once")


def constant_width_shapes(budget: int) -> list[Architecture]:
    """Every ``LxW`` with ``L*W == budget``, shallowest first.

    Parameters
    ----------
    budget
        Hidden neurons in all, a positive integer up to :data:`~surrogate.options.MAX_COUNT`.

    Returns
    -------
    list of Architecture
        One shape per divisor ``L`` of ``budget``, by depth.
    """
    check_count("constant_width_shapes: budget", budget, example=24, error=ArchitectureError)
    return [Architecture((budget // depth,) * depth) for depth in range(1, budget + 1) if budget % depth == 0]


def all_shapes(budget: int, *, max_depth: int = 3) -> Iterator[Architecture]:
    """Every architecture whose hidden widths sum to ``budget``: the constant-width ones of any depth,
    and the others of depth <= ``max_depth``.

    Constant-width shapes of any depth come first, then the non-uniform
    compositions of ``budget`` into at most ``max_depth`` parts.

    Parameters
    ----------
    budget
        Hidden neurons in all, at most :data:`~surrogate.options.MAX_COUNT`.
    max_depth
        The most hidden layers of a non-uniform shape (a positive integer).

    Yields
    ------
    Architecture
        Each shape once, in the order above.
    """
    check_count("all_shapes: budget", budget, example=24, error=ArchitectureError)  # named as this function's own
    if not is_number(max_depth, integer=True, low=1):
        raise ArchitectureError(f"max depth {max_depth!r} must be a positive integer, e.g. 3")
    uniform = constant_width_shapes(budget)
    yield from uniform
    seen = set(uniform)
    for depth in range(2, min(max_depth, budget) + 1):
        for cuts in itertools.combinations(range(1, budget), depth - 1):
            bounds = (0, *cuts, budget)
            arch = Architecture(tuple(b - a for a, b in itertools.pairwise(bounds)))
            if arch not in seen:
                seen.add(arch)
                yield arch
