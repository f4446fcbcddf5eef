"""Training: protocols, the packed trainer and the textbook loop, training benchmarks."""

from ..reproducible import pin_math_paths

# Before any module of this package runs a torch operation: the same training numbers on every x86-64 CPU.
pin_math_paths()
