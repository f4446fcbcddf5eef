"""Bilinear optimisation problems with known optima, for surrogate benchmarks.

Each builder returns a :class:`BilinearProblem`: the exact Pyomo model (with
its products of two variables written out) and its best-known optimum.
"""

from .base import BilinearProblem
from .boxqp import boxqp, boxqp_instances
from .pooling import POOLING_INSTANCES, pooling
from .qcqp import QCQPFormatError, qcqp, qcqp_instances
from .random_bilinear import random_bilinear


def build(name: str) -> BilinearProblem:
    """A problem by name: a pooling instance (``haverly1``), ``randomN`` or ``randomN-sS`` (N products, seed S),
    a BoxQP instance (``spar020-100-1``), a bundled QCQP instance (``st_e23``) or a ``qcqp-json-v1`` file."""
    import re

    if name in POOLING_INSTANCES:
        return pooling(name)
    match = re.fullmatch(r"random([0-9]+)(?:-s([0-9]+))?", name)  # ASCII digits: \d would take '٨' for 8
    if match:
        written = f"random{int(match.group(1))}" + ("" if match.group(2) is None else f"-s{int(match.group(2))}")
        if name != written:  # random0008 is random8: one name per problem, as the scale suite asks
            raise ValueError(f"problem {name!r}: write it {written!r}, without leading zeros")
        return random_bilinear(int(match.group(1)), int(match.group(2) or 0))
    if name.startswith("spar"):
        return boxqp(name)
    if name.endswith(".json") or name in {p.stem for p in qcqp_instances()}:
        return qcqp(name)
    raise ValueError(
        f"unknown problem {name!r}; use a pooling instance ({', '.join(POOLING_INSTANCES)}), "
        "'pooling' for all of them, randomN[-sS], a BoxQP name such as spar020-100-1, "
        f"a QCQP instance ({', '.join(p.stem for p in qcqp_instances())}) or a qcqp-json-v1 .json file "
        "(a pooling or BoxQP file of your own: convert it to qcqp-json-v1, see problems/data/qcqp/README.md)"
    )


__all__ = [
    "POOLING_INSTANCES", "BilinearProblem", "QCQPFormatError", "boxqp", "boxqp_instances", "build", "pooling", "qcqp",
    "qcqp_instances", "random_bilinear",
]
