"""Bilinear optimisation problems with known optima, for surrogate benchmarks.

Each builder returns a :class:`BilinearProblem`: the exact Pyomo model (with
its products of two variables written out) and its best-known optimum.
"""

from .base import BilinearProblem
from .boxqp import boxqp, boxqp_instances
from .pooling import POOLING_INSTANCES, pooling
from .qcqp import QCQPFormatError, qcqp, qcqp_instances
from .random_bilinear import RANDOM_MAX_PRODUCTS, random_bilinear, random_name


def build(name: str) -> BilinearProblem:
    """A problem by name: a pooling instance (``haverly1``), ``randomN`` or ``randomN-sS`` (N products up to
    :data:`RANDOM_MAX_PRODUCTS`, seed S: :func:`random_name`),
    a BoxQP instance (``spar020-100-1``), a bundled QCQP instance (``st_e23``) or a ``qcqp-json-v1`` file."""
    if name in POOLING_INSTANCES:
        return pooling(name)
    parsed = random_name(name)  # N up to RANDOM_MAX_PRODUCTS, without leading zeros: one name per problem
    if parsed is not None:
        return random_bilinear(*parsed)
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
    "POOLING_INSTANCES", "RANDOM_MAX_PRODUCTS", "BilinearProblem", "QCQPFormatError", "boxqp", "boxqp_instances", "build",
    "pooling", "qcqp", "qcqp_instances", "random_bilinear", "random_name",
]
