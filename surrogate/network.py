"""A framework-free ReLU MLP: numpy weights, a forward pass, and nothing else.

This is what every other part of the package exchanges: the trainer produces
it, the ONNX exporter writes it, the ONNX loader returns it, and the MILP
encoding reads its weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .architecture import Architecture
from .errors import ArchitectureError


@dataclass(frozen=True, eq=False)
class ReluMLP:
    """``y = W_L^T relu(... relu(W_1^T x + b_1) ...) + b_L``.

    Parameters
    ----------
    weights
        One ``(n_in, n_out)`` array per layer (note: inputs along rows).
    biases
        One ``(n_out,)`` array per layer.
    metadata
        Free-form string metadata (architecture, protocol, seed, metrics...).
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        weights = tuple(np.asarray(w, dtype=np.float64) for w in self.weights)
        biases = tuple(np.asarray(b, dtype=np.float64).reshape(-1) for b in self.biases)
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
            if i and weights[i - 1].shape[1] != w.shape[0]:
                raise ArchitectureError(
                    f"ReluMLP layer {i}: takes {w.shape[0]} inputs but layer {i - 1} gives "
                    f"{weights[i - 1].shape[1]} outputs"
                )

    @property
    def architecture(self) -> Architecture:
        return Architecture(
            tuple(w.shape[1] for w in self.weights[:-1]),
            n_inputs=self.weights[0].shape[0],
            n_outputs=self.weights[-1].shape[1],
        )

    def forward(self, points: np.ndarray) -> np.ndarray:
        """Evaluate at ``points`` of shape ``(n, n_inputs)``; returns ``(n,)`` for one output."""
        h = np.asarray(points, dtype=np.float64)
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            h = np.maximum(h @ w + b, 0.0)
        out = h @ self.weights[-1] + self.biases[-1]
        return out[:, 0] if out.shape[1] == 1 else out

    __call__ = forward

    def to_torch(self):
        """The same net as a ``torch.nn.Sequential`` of Linear/ReLU layers (float32)."""
        import torch

        layers: list = []
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            linear = torch.nn.Linear(w.shape[0], w.shape[1])
            with torch.no_grad():
                linear.weight.copy_(torch.as_tensor(w.T, dtype=torch.float32))
                linear.bias.copy_(torch.as_tensor(b, dtype=torch.float32))
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

    def with_metadata(self, **items: str) -> ReluMLP:
        return ReluMLP(self.weights, self.biases, {**self.metadata, **{k: str(v) for k, v in items.items()}})

    @classmethod
    def from_layers(cls, layers: Sequence[tuple[np.ndarray, np.ndarray]], **metadata: str) -> ReluMLP:
        return cls(tuple(w for w, _ in layers), tuple(b for _, b in layers), dict(metadata))
