"""Nets: architectures, the ReLU MLP, hand-built nets, scoring, ONNX and the model zoo (read side)."""

from ..reproducible import pin_math_paths

# Before any module of this package runs a torch operation: the same training numbers on every x86-64 CPU.
pin_math_paths()
