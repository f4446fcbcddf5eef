"""A framework-free ReLU MLP: numpy weights, a forward pass, and nothing else.

This is what every other part of the package exchanges: the trainer produces
it, the ONNX exporter writes it, the ONNX loader returns it, and the MILP
encoding reads its weights.

Every net has a **domain**, the input box it was trained (or built) for, read
from its ``domain`` metadata (a JSON list of ``[lower, upper]`` pairs, one per
input, as every export writes it, e.g. ``'[[0.0, 2.0], [0.0, 2.0]]'``). **A net
without one is taken as trained on [-1, 1] in every input.** The encodings
place a net on its domain, and :func:`~surrogate.milp.bilinear.bilinear` maps each
factor's box onto it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..errors import ArchitectureError, ConfigError, ModelFormatError
from ..options import check_sequence
from .architecture import Architecture

#: Metadata key of a net's input domain.
DOMAIN_KEY = "domain"


def unit_box(n_inputs: int) -> tuple[tuple[float, float], ...]:
    """[-1, 1] in each of ``n_inputs`` inputs: the domain of a net whose metadata declares none."""
    return ((-1.0, 1.0),) * n_inputs


def plain_json(value):
    """``value`` with numpy numbers and arrays as plain Python numbers and lists (tuples as lists), for JSON.

    ``json.dumps`` refuses numpy numbers, and ``str`` of an array is no JSON: metadata is stored through this.
    """
    if isinstance(value, np.ndarray | np.generic):
        return plain_json(value.tolist()) if isinstance(value, np.ndarray) else value.item()
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    return value


def parse_domain(value, n_inputs: int) -> tuple[tuple[float, float], ...]:
    """The domain declared by ``value`` (a JSON string or a sequence of pairs; ``None``: [-1, 1]^n).

    Raises
    ------
    ModelFormatError
        Unless ``value`` gives one finite ``(lower, upper)`` pair with
        ``lower < upper`` per input.
    """
    if value is None:
        return unit_box(n_inputs)
    try:
        pairs = json.loads(value) if isinstance(value, str) else value
        box = tuple((float(lo), float(hi)) for lo, hi in pairs)
    except (ValueError, TypeError) as exc:
        raise ModelFormatError(
            f"domain metadata {value!r} is not a list of [lower, upper] pairs ({exc}); write it as e.g. "
            f"'{json.dumps([list(b) for b in unit_box(n_inputs)])}', or drop it to mean [-1, 1] per input"
        ) from None
    if len(box) != n_inputs or not all(math.isfinite(lo) and math.isfinite(hi) and lo < hi for lo, hi in box):
        raise ModelFormatError(
            f"domain metadata {value!r} must give {n_inputs} finite [lower, upper] pairs with lower < upper "
            "(one per input); fix the net's domain metadata (the ONNX key 'surrogate.domain'; net.with_metadata(domain=...))"
        )
    return box


def check_net(net, where: str, *, names: bool = False) -> None:
    """Raise :class:`ConfigError` naming ``where`` unless ``net`` is a :class:`ReluMLP` (``names``: or an ONNX path
    or a zoo name, which the caller resolves)."""
    if isinstance(net, ReluMLP) or (names and isinstance(net, (str, os.PathLike))):
        return
    also = ", an ONNX path or a zoo name such as '3x8'" if names else " (a zoo name or an ONNX path read first)"
    raise ConfigError(
        f"{where}: got {type(net).__name__}, not a net; pass a ReluMLP (e.g. resolve_surrogate('3x8') or load_onnx(path)){also}"
    )


def _check_finite(arrays: Sequence[np.ndarray], kind: str) -> None:
    for i, a in enumerate(arrays):
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        if bad:
            raise ModelFormatError(
                f"ReluMLP layer {i} has {bad} non-finite {kind} (nan or inf); a MILP cannot encode them: retrain the net "
                "(a diverged training run gives such weights) or re-export it with finite weights"
            )


def _frozen(value, *, flat: bool = False) -> np.ndarray:
    """A read-only float64 copy of ``value`` (flattened if ``flat``) that no caller holds.

    It is a view of a read-only array, so its writes cannot be turned back on (``setflags(write=True)`` is refused).
    """
    array = np.array(value, dtype=np.float64)  # a copy, even of a float64 array
    array.setflags(write=False)
    return array.reshape(-1) if flat else array.view()


def _arrays(name: str, value, *, example: str, flat: bool = False) -> tuple[np.ndarray, ...]:
    """``value`` (one array per layer) as read-only float64 copies (:func:`_frozen`), or :class:`ConfigError` naming
    ``name`` and ``example`` (a value of the right kind) where it is no sequence of arrays of numbers."""
    if isinstance(value, str | bytes):  # check_sequence would advise (value,), a sequence of one string
        raise ConfigError(
            f"ReluMLP: {name}={value!r} must be a sequence of arrays, one per layer, not one string; e.g. {example}"
        )
    items = check_sequence(f"ReluMLP: {name}", value, example=example, what="arrays, one per layer")
    missing = [k for k, item in enumerate(items) if item is None]  # np.asarray(None, float) is a NaN of shape ()
    if missing:
        raise ConfigError(f"ReluMLP: {name}[{missing[0]}] is None; give an array of numbers for every layer, e.g. {example}")
    try:
        return tuple(_frozen(item, flat=flat) for item in items)
    except (TypeError, ValueError, OverflowError) as error:  # OverflowError: an int past float's range
        raise ConfigError(f"ReluMLP: {name} must be arrays of numbers, one per layer ({error}); e.g. {example}") from None


def _metadata_text(value) -> str:
    """A metadata value as text: lists, tuples, dicts and numpy arrays as JSON of plain numbers, the rest as ``str``."""
    return json.dumps(plain_json(value)) if isinstance(value, (list, tuple, dict, np.ndarray)) else str(value)


def check_metadata_keys(where: str, metadata: Mapping) -> None:
    """Raise :class:`ConfigError` naming ``where`` unless every key of ``metadata`` is a string (a net's metadata, and
    an ONNX file's, is keyed by text).

    Parameters
    ----------
    where
        The function called, named in the message.
    metadata
        A mapping of metadata.
    """
    for key in metadata:
        if not isinstance(key, str):
            raise ConfigError(f"{where}: metadata key {key!r} must be a string, e.g. {str(key)!r}")


def _check_metadata(metadata) -> Mapping[str, str]:
    """``metadata`` as a read-only view of a new dict of its values as text (:func:`_metadata_text`), after checking
    it is a mapping with string keys; else :class:`ConfigError`."""
    if not isinstance(metadata, Mapping):
        raise ConfigError(f"ReluMLP: metadata={metadata!r} must be a dict, e.g. {{'source': 'trained'}} ({{}} for none)")
    check_metadata_keys("ReluMLP", metadata)
    return MappingProxyType({key: value if isinstance(value, str) else _metadata_text(value) for key, value in metadata.items()})


@dataclass(frozen=True, eq=False)
class ReluMLP:
    """``y = W_L^T relu(... relu(W_1^T x + b_1) ...) + b_L``.

    A net is immutable: it keeps read-only float64 copies of the arrays it is given and a read-only view of a copy
    of its metadata, so a net's weights, metadata and :attr:`domain` cannot drift apart from what was encoded or
    exported from it; :meth:`with_metadata` (or ``ReluMLP(new_weights, net.biases, net.metadata)``) makes a changed one.

    Parameters
    ----------
    weights
        One ``(n_in, n_out)`` array per layer (note: inputs along rows); kept as a read-only copy.
    biases
        One ``(n_out,)`` array per layer; kept as a read-only copy.
    metadata
        Free-form metadata by name (architecture, protocol, seed, metrics...), kept as a read-only mapping
        (``types.MappingProxyType``; ``dict(net.metadata)`` for a dict) of a new dict of text (lists,
        tuples, dicts and arrays as JSON of plain numbers, the rest as ``str``, as :meth:`with_metadata` writes them);
        ``domain`` declares the input box the net is meant for (see :attr:`domain`).

    Raises
    ------
    ArchitectureError
        Shapes that do not chain into an MLP.
    ModelFormatError
        Non-finite weights or biases, or malformed ``domain`` metadata.
    ConfigError
        ``weights`` or ``biases`` that are no sequence of arrays of numbers, ``metadata`` that is not a mapping, or a
        key of it that is not a string.
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", _check_metadata(self.metadata))
        weights = _arrays("weights", self.weights, example="[np.ones((2, 8)), np.ones((8, 1))]")
        biases = _arrays("biases", self.biases, example="[np.zeros(8), np.zeros(1)]", flat=True)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "biases", biases)
        if len(weights) != len(biases) or len(weights) < 2:
            raise ArchitectureError(
                f"ReluMLP needs one bias per weight matrix and at least one hidden layer; "
                f"got {len(weights)} weight matrices and {len(biases)} bias vectors"
            )
        for i, (w, b) in enumerate(zip(weights, biases)):
            if w.ndim != 2 or w.shape[1] != b.shape[0]:
                raise ArchitectureError(
                    f"ReluMLP layer {i}: weight shape {w.shape} does not match bias shape {b.shape}; "
                    "weights are (n_in, n_out) and biases (n_out,)"
                )
            if 0 in w.shape:
                raise ArchitectureError(
                    f"ReluMLP layer {i}: weight shape {w.shape} has no {'inputs' if w.shape[0] == 0 else 'neurons'}; "
                    "every layer needs at least one input and one neuron (remove the empty layer)"
                )
            if i and weights[i - 1].shape[1] != w.shape[0]:
                raise ArchitectureError(
                    f"ReluMLP layer {i}: takes {w.shape[0]} inputs but layer {i - 1} gives {weights[i - 1].shape[1]} outputs"
                )
        _check_finite(weights, "weights")
        _check_finite(biases, "biases")
        object.__setattr__(self, "_domain", parse_domain(self.metadata.get(DOMAIN_KEY), weights[0].shape[0]))
        object.__setattr__(self, "_import_check", None)  # :meth:`with_import_check`

    def __reduce__(self):
        # pickle and copy.deepcopy: a mappingproxy pickles not, so the net is rebuilt from its arrays and a plain dict
        return type(self), (self.weights, self.biases, dict(self.metadata))

    @property
    def domain(self) -> tuple[tuple[float, float], ...]:
        """The input box the net is meant for: its ``domain`` metadata, else [-1, 1] per input."""
        return self._domain

    def check_product_net(self, where: str = "surrogate") -> ReluMLP:
        """Return the net if it has 2 inputs and 1 output, else raise :class:`ModelFormatError`."""
        n_in, n_out = self.weights[0].shape[0], self.weights[-1].shape[1]
        if (n_in, n_out) != (2, 1):
            raise ModelFormatError(
                f"{where}: the net has {n_in} inputs and {n_out} outputs, but a surrogate of x*y has 2 inputs and "
                "1 output; use a 2 -> ... -> 1 ReLU MLP (e.g. a zoo net such as '3x8')"
            )
        return self

    @property
    def architecture(self) -> Architecture:
        """The shape of the net, read from its weights."""
        return Architecture(
            tuple(w.shape[1] for w in self.weights[:-1]),
            n_inputs=self.weights[0].shape[0],
            n_outputs=self.weights[-1].shape[1],
        )

    def forward(self, points: np.ndarray) -> np.ndarray:
        """Evaluate at ``points`` of shape ``(n, n_inputs)``; returns ``(n,)`` for one output. One point of shape
        ``(n_inputs,)`` gives its output alone (a 0-d array for one output)."""
        h, n_in = np.asarray(points, dtype=np.float64), self.weights[0].shape[0]
        if h.shape == (n_in,):
            return self.forward(h[None, :])[0]
        if h.ndim != 2 or h.shape[1] != n_in:
            raise ConfigError(
                f"ReluMLP.forward: points of shape {h.shape} must be of shape (n, {n_in}), one row per point, "
                f"or one point of shape ({n_in},)"
            )
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            h = np.maximum(h @ w + b, 0.0)
        out = h @ self.weights[-1] + self.biases[-1]
        return out[:, 0] if out.shape[1] == 1 else out

    __call__ = forward

    def forward_with_magnitude(self, points: np.ndarray) -> tuple[np.ndarray, float]:
        """:meth:`forward` at ``points`` and :meth:`magnitude` there, from one pass through the layers."""
        h, largest = np.asarray(points, dtype=np.float64), 0.0
        for w, b in zip(self.weights, self.biases):
            z = h @ w + b
            largest = max(largest, float(np.abs(z).max(initial=0.0)))
            h = np.maximum(z, 0.0)
        return (z[:, 0] if z.shape[1] == 1 else z), largest

    def magnitude(self, points: np.ndarray) -> float:
        """The largest ``|value|`` any layer (before its ReLU, the output included) takes at ``points``.

        Float32 rounding, in an export or in a solver's rows, is relative to it: a net whose
        outputs are 1e-6 but whose hidden values are 1 rounds as one of outputs near 1.
        """
        return self.forward_with_magnitude(points)[1]

    def value_bound(self) -> float:
        """A bound on ``|value|`` of every sum a layer forms on the net's domain, partial sums included.

        Interval arithmetic on the float32-rounded weights (as an export stores them): a layer's sums are at most
        ``|h| @ |W| + |b|`` with ``h`` the previous layer's interval. It is widened by float32's rounding, at most
        ``(fan-in + 1) * 2**-23`` relative per layer, so a float32 evaluation on the domain passes float32's largest
        value only where this bound does; ``inf`` where a weight itself rounds past float32's largest value.
        """
        with np.errstate(over="ignore"):  # a weight past float32's largest rounds to inf: the bound below is then inf
            weights = [w.astype(np.float32).astype(np.float64) for w in self.weights]
            biases = [b.astype(np.float32).astype(np.float64) for b in self.biases]
        lo, hi = (np.array(side) for side in zip(*self.domain))
        largest, slack = 0.0, 1.0
        with np.errstate(over="ignore", invalid="ignore"):  # inf: no bound, which the caller refuses
            for w, b in zip(weights, biases):
                reach = np.maximum(-lo, hi) @ np.abs(w) + np.abs(b)
                if not np.isfinite(reach).all():
                    return math.inf
                largest = max(largest, float(reach.max()))
                slack += (w.shape[0] + 1) * 2.0**-23
                wp, wn = np.maximum(w, 0.0), np.minimum(w, 0.0)
                lo, hi = np.maximum(lo @ wp + hi @ wn + b, 0.0), np.maximum(hi @ wp + lo @ wn + b, 0.0)
        return largest * slack

    def to_torch(self, *, dtype: str = "float32"):
        """The same net as a ``torch.nn.Sequential`` of Linear/ReLU layers.

        ``dtype`` is the torch precision of its weights: ``'float32'`` (as an ONNX export stores them) or
        ``'float64'``, which keeps every weight as this net holds it (a float32 net's weights too, exactly).
        """
        import torch

        kind = {"float32": torch.float32, "float64": torch.float64}.get(dtype)
        if kind is None:
            raise ConfigError(f"to_torch(dtype={dtype!r}): use 'float32' or 'float64'")
        layers: list = []
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            # skip_init: no default initialisation, which would draw from torch's global generator (the user's stream)
            linear = torch.nn.utils.skip_init(torch.nn.Linear, w.shape[0], w.shape[1], dtype=kind)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(w.T, dtype=kind))
                linear.bias.copy_(torch.tensor(b, dtype=kind))
            layers.append(linear)
            if i < len(self.weights) - 1:
                layers.append(torch.nn.ReLU())
        return torch.nn.Sequential(*layers).eval()

    def rounded_to_float32(self) -> ReluMLP:
        """The net with every weight rounded to float32, as an ONNX export stores it."""
        return ReluMLP(
            tuple(w.astype(np.float32).astype(np.float64) for w in self.weights),
            tuple(b.astype(np.float32).astype(np.float64) for b in self.biases),
            dict(self.metadata),
        )

    def with_metadata(self, **items) -> ReluMLP:
        """The net with ``items`` added to its metadata (lists, tuples, dicts and numpy arrays stored as JSON of plain
        numbers (:func:`plain_json`), the rest as ``str``).

        E.g. ``net.with_metadata(domain=[[0, 2], [0, 2]])`` declares the net's domain. A net read from an ONNX
        file (:func:`~surrogate.nets.onnx_io.load_onnx`) is checked against onnxruntime again on a new domain
        (:meth:`check_import_on`), as a domain in the file is: a file that is refused with its box in it is refused so.

        Raises
        ------
        ModelFormatError
            If the net was read from an ONNX file and differs from what onnxruntime computes from it on the new domain.
        """
        net = ReluMLP(self.weights, self.biases, {**self.metadata, **items})  # the values as text (_metadata_text)
        if self._import_check is None:
            return net
        net = net.with_import_check(self._import_check)
        if DOMAIN_KEY in items and net.domain != self.domain:
            try:
                net.check_import_on(net.domain)
            except ModelFormatError as exc:
                raise ModelFormatError(f"with_metadata(domain={items[DOMAIN_KEY]!r}): {exc}") from None
        return net

    def with_import_check(self, check) -> ReluMLP:
        """The net, carrying ``check(net, box)``, which raises :class:`ModelFormatError` unless ``net`` computes what
        the file it was read from computes on ``box`` (``None``: none). :func:`~surrogate.nets.onnx_io.load_onnx`
        gives its nets the import check of their file; :meth:`with_metadata` passes it on (a pickled or copied net
        does not carry it)."""
        net = ReluMLP(self.weights, self.biases, self.metadata)
        object.__setattr__(net, "_import_check", check)
        return net

    def check_import_on(self, box: Sequence[tuple[float, float]]) -> None:
        """Run the import check the net carries (:meth:`with_import_check`) on ``box``, ``(lower, upper)`` per input;
        nothing for a net that carries none (one not read from an ONNX file).

        Raises
        ------
        ModelFormatError
            If the net differs from what onnxruntime computes from its file on ``box``.
        """
        if self._import_check is not None:
            self._import_check(self, box)

    @classmethod
    def from_layers(cls, layers: Sequence[tuple[np.ndarray, np.ndarray]], **metadata: str) -> ReluMLP:
        """A net from its ``(W, b)`` pairs, first layer first, with string metadata."""
        return cls(tuple(w for w, _ in layers), tuple(b for _, b in layers), dict(metadata))
