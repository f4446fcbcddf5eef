"""A seeded family of random bilinear programs whose number of products scales.

``random_bilinear(n_products, seed)`` draws ``x`` in ``[0, u_x]^m`` and ``y``
in ``[l_y, u_y]^m`` (``m = ceil(sqrt(n_products)) + 1``) and ``n_products``
distinct pairs ``(i, j)``::

    min  sum_k q_k x_i y_j + c'x + d'y
    s.t. sum_i x_i >= 1,   sum_k r_k x_i y_j <= b      (b keeps x = e_1, y = l_y feasible)

Every product pairs an ``x`` with a ``y``, so the model is bipartite and can be
polished. The optimum is not known in closed form: SCIP provides it.
"""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pyomo.environ as pyo

from .base import BilinearProblem

#: The most products a random problem built by name (``randomN-sS``) may have: the scale suite's largest has 64,
#: and one of a million products builds for minutes.
RANDOM_MAX_PRODUCTS = 10_000
_NAME = re.compile(r"random([0-9]+)(?:-s([0-9]+))?")  # ASCII digits: \d would take '٨' for 8


def random_name(name: str) -> tuple[int, int] | None:
    """``(n_products, seed)`` of the random problem named ``name`` (``randomN-sS``, or ``randomN`` for seed 0), or
    ``None`` where ``name`` names no random problem: the one reading of these names, by :func:`problems.build`, the
    ``surrogate problems`` command and the scale benchmark.

    >>> random_name("random8-s2"), random_name("random8"), random_name("haverly1")
    ((8, 2), (8, 0), None)

    Raises
    ------
    ValueError
        For leading zeros (``random08`` would build ``random8`` under a second name), ``N`` outside 1 to
        :data:`RANDOM_MAX_PRODUCTS`, or a seed of more digits than Python reads as an integer.
    """
    match = _NAME.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        return None
    n_digits, seed_digits = match.group(1), match.group(2)
    written = f"random{n_digits.lstrip('0') or 0}" + ("" if seed_digits is None else f"-s{seed_digits.lstrip('0') or 0}")
    if name != written:
        raise ValueError(f"problem {name!r}: write it {written!r}, without leading zeros")
    _check_digits(name, n_digits, seed_digits or "")  # before int(), which refuses over 4300 digits in its own words
    n_products, seed = int(n_digits), int(seed_digits or 0)
    if n_products < 1:
        raise ValueError(f"problem {name!r} has no products; use N from 1 to {RANDOM_MAX_PRODUCTS}, e.g. random8-s0")
    return n_products, seed


def _check_digits(name: str, n_digits: str, seed_digits: str) -> None:
    """Refuse ``N`` over :data:`RANDOM_MAX_PRODUCTS`, or a seed of more digits than Python turns
    into an integer (``sys.get_int_max_str_digits()``), in the package's words (``name`` shortened when long)."""
    shown = name if len(name) <= 40 else f"{name[:30]}... ({len(name)} characters)"
    cap = str(RANDOM_MAX_PRODUCTS)
    if (len(n_digits), n_digits) > (len(cap), cap):  # no leading zeros: the longer is the larger
        many = (
            f"{n_digits} products is more than the {cap}"
            if len(n_digits) <= 30
            else f"N of {len(n_digits)} digits is more than the {cap} products"
        )
        raise ValueError(f"problem {shown!r}: {many} a random problem may have; use N <= {cap}, e.g. random64-s0")
    limit = sys.get_int_max_str_digits()
    if limit and len(seed_digits) > limit:
        raise ValueError(
            f"problem {shown!r}: a seed of {len(seed_digits)} digits is more than the {limit} Python reads as an "
            "integer; use a shorter seed, e.g. random8-s1"
        )


def random_bilinear(n_products: int, seed: int = 0) -> BilinearProblem:
    if isinstance(n_products, bool) or not isinstance(n_products, int) or n_products < 1:
        raise ValueError(f"n_products={n_products!r} must be a positive integer, e.g. 8")
    rng = np.random.default_rng(np.random.SeedSequence([n_products, seed]))
    m_vars = math.isqrt(n_products - 1) + 2
    pairs = [(int(k // m_vars), int(k % m_vars)) for k in rng.choice(m_vars * m_vars, size=n_products, replace=False)]
    ux = rng.uniform(1, 3, m_vars)
    ly, uy = rng.uniform(-2, 0, m_vars), rng.uniform(1, 3, m_vars)
    q, r = rng.uniform(-1, 1, n_products), rng.uniform(0, 1, n_products)
    c, d = rng.uniform(-1, 1, m_vars), rng.uniform(-1, 1, m_vars)
    m = pyo.ConcreteModel(name=f"random{n_products}-s{seed}")
    m.x = pyo.Var(range(m_vars), bounds=lambda m, i: (0, ux[i]))
    m.y = pyo.Var(range(m_vars), bounds=lambda m, j: (ly[j], uy[j]))
    m.cost = pyo.Objective(
        expr=sum(q[k] * m.x[i] * m.y[j] for k, (i, j) in enumerate(pairs))
        + sum(c[i] * m.x[i] for i in range(m_vars)) + sum(d[j] * m.y[j] for j in range(m_vars))
    )
    m.cover = pyo.Constraint(expr=sum(m.x[i] for i in range(m_vars)) >= 1)
    slack = sum(r[k] * (1.0 if i == 0 else 0.0) * ly[j] for k, (i, j) in enumerate(pairs))
    m.budget = pyo.Constraint(expr=sum(r[k] * m.x[i] * m.y[j] for k, (i, j) in enumerate(pairs)) <= slack + 1.0)
    return BilinearProblem(m.name, m, None, "min", "unknown (solve with SCIP)", {"bilinear_terms": n_products})
