"""BoxQP: ``max 1/2 x'Qx + c'x`` over the unit box (squares and products of every pair).

Data and optima: ``data/boxqp/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pyomo.environ as pyo

from .base import OWN_FILE_HINT, BilinearProblem

DATA = Path(__file__).resolve().parent / "data" / "boxqp"


def boxqp_optima() -> Mapping[str, float]:
    """Instance name -> its published optimum (a read-only view of a table read once: every problem records it)."""
    return MappingProxyType(_optima())


@lru_cache(maxsize=1)
def _optima() -> dict[str, float]:
    text = (DATA / "README-upstream.txt").read_text()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(spar\S+)\s+([-+0-9.eE]+)\s*$", text, re.M)}


def boxqp_instances() -> list[str]:
    return sorted(p.stem for p in DATA.glob("spar*.in"))


def boxqp(name: str) -> BilinearProblem:
    """The BoxQP instance ``name`` (e.g. ``'spar020-100-1'``) and its optimum."""
    path = DATA / f"{name}.in"
    if not path.is_file():
        raise ValueError(
            f"unknown BoxQP instance {name!r}; choose one of {', '.join(boxqp_instances()[:4])}, ... ({OWN_FILE_HINT})"
        )
    numbers = np.array(path.read_text().split(), dtype=float)
    n = int(numbers[0])
    c = numbers[1 : n + 1]
    q = numbers[n + 1 : n + 1 + n * n].reshape(n, n)
    m = pyo.ConcreteModel(name=name)
    m.x = pyo.Var(range(n), bounds=(0, 1))
    quad = sum(0.5 * q[i, j] * m.x[i] * m.x[j] for i in range(n) for j in range(n) if q[i, j])
    m.value = pyo.Objective(expr=quad + sum(c[i] * m.x[i] for i in range(n) if c[i]), sense=pyo.maximize)
    pairs = sum(1 for i in range(n) for j in range(i, n) if q[i, j] or q[j, i])
    return BilinearProblem(name, m, boxqp_optima().get(name), "max", "burer_boxqp", {"n": n, "bilinear_terms": pairs})
