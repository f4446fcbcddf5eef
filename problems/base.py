"""The value every problem builder returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)
class BilinearProblem:
    """An exact bilinear model and what is known about it.

    ``optimum`` is the best-known global optimum (``None`` where unknown),
    in the model's own sense; ``source`` says where it comes from.
    """

    name: str
    model: object
    optimum: float | None
    sense: str
    source: str
    info: dict = field(default_factory=dict)


#: What a builder of bundled instances (``pooling``, ``boxqp``) says to a file of one's own.
OWN_FILE_HINT = (
    "it reads only its bundled instances; convert a model of your own to qcqp-json-v1 as "
    "problems/data/qcqp/README.md describes, and pass it to qcqp(path) or `surrogate problems --qcqp`"
)
