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
