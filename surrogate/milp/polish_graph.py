"""The product graph of a quadratic model, as polishing sees it: which factors an LP may free together.

A vertex per factor, an edge per product ``x*y``: fixing one colour class's
complement leaves an LP (see :mod:`surrogate.milp.polish`). Complementarity
rows (``x*y = 0`` with ``x, y >= 0``) get their own treatment.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from .polish_quadratic import QuadraticModel


def product_pairs(model) -> list[tuple]:
    """Every distinct pair of variables multiplied in the active objective and constraints.

    Parameters
    ----------
    model
        A Pyomo model.
    """
    pairs = {}
    exprs = [o.expr for o in model.component_data_objects(pyo.Objective, active=True)]
    exprs += [c.body for c in model.component_data_objects(pyo.Constraint, active=True)]
    for expr in exprs:
        repn = generate_standard_repn(expr, quadratic=True, compute_values=True)
        for v1, v2 in repn.quadratic_vars:
            pairs[tuple(sorted((v1.name, v2.name)))] = (v1, v2)
    return list(pairs.values())


def _two_colouring(neighbours: dict) -> dict | None:
    """Side (0 or 1) of every node of the graph ``neighbours`` (node -> set of nodes); ``None`` if not bipartite."""
    side: dict = {}
    for start in neighbours:
        if start in side:
            continue
        side[start] = 0
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in neighbours[node]:
                if other not in side:
                    side[other] = 1 - side[node]
                    queue.append(other)
                elif side[other] == side[node]:
                    return None
    return side


def factor_sets(pairs) -> tuple[list, list] | None:
    """Split the factors into two sets with one factor of every product in each; ``None`` if impossible.

    Parameters
    ----------
    pairs
        The products' pairs of factors.
    """
    if any(v1 is v2 for v1, v2 in pairs):
        return None  # a square cannot be split
    neighbours: dict = {}
    variables = {}
    for v1, v2 in pairs:
        variables[id(v1)], variables[id(v2)] = v1, v2
        neighbours.setdefault(id(v1), set()).add(id(v2))
        neighbours.setdefault(id(v2), set()).add(id(v1))
    side = _two_colouring(neighbours)
    if side is None:
        return None
    return [variables[k] for k, s in side.items() if s == 0], [variables[k] for k, s in side.items() if s == 1]


def colour_classes(edges) -> tuple[list[np.ndarray], bool]:
    """Colour classes of the product graph on variable indices, and whether it is bipartite without squares.

    ``edges`` are (i, j) index pairs (i == j: a square, whose factor joins no
    class and so is never freed by an LP). A bipartite graph gets its two
    sides; any other a greedy colouring, most-connected factor first.

    Parameters
    ----------
    edges
        The product graph's ``(i, j)`` index pairs.
    """
    neighbours: dict = {}
    squares = {i for i, j in edges if i == j}
    for i, j in edges:
        if i != j:
            neighbours.setdefault(i, set()).add(j)
            neighbours.setdefault(j, set()).add(i)
    side = _two_colouring(neighbours)
    if side is not None:
        colour = {node: s for node, s in side.items() if node not in squares}
    else:
        colour = {}
        for node in sorted(neighbours, key=lambda n: -len(neighbours[n])):
            if node not in squares:
                used = {colour[o] for o in neighbours[node] if o in colour}
                colour[node] = next(c for c in range(len(used) + 1) if c not in used)
    classes = [np.array(sorted(n for n, c in colour.items() if c == k), dtype=np.int64) for k in sorted(set(colour.values()))]
    return classes, side is not None and not squares


def complementarity_pairs(qm: QuadraticModel) -> list[tuple[int, int]]:
    """(i, j) of every row that says :math:`x_i x_j = 0` or :math:`x_i x_j \\le 0` with both factors non-negative.

    A row qualifies when its only term is :math:`q x_i x_j` (i != j, no linear
    part, constant c) and its bound on the product side is 0: ``q > 0`` with
    upper bound c, or ``q < 0`` with lower bound c.

    Parameters
    ----------
    qm
        The model as a :class:`~surrogate.milp.polish_quadratic.QuadraticModel`.
    """
    rows = qm.rows
    out = []
    linear_terms = np.diff(rows.linear.indptr)
    terms = np.bincount(rows.qrow, minlength=len(rows.constant))
    for k in np.flatnonzero((rows.qi != rows.qj)):
        r, i, j, q = rows.qrow[k], rows.qi[k], rows.qj[k], rows.qval[k]
        if terms[r] != 1 or linear_terms[r] != 0 or qm.lower[i] < 0 or qm.lower[j] < 0:
            continue
        bound = qm.row_upper[r] if q > 0 else qm.row_lower[r]
        if bound == rows.constant[r]:
            out.append((int(i), int(j)))
    return out


def product_edges(qm: QuadraticModel, pinned: np.ndarray) -> set:
    """The product graph's edges (i, j) with no ``pinned`` factor (a pinned factor at 0 makes the product vanish).

    Parameters
    ----------
    qm
        The model as a :class:`~surrogate.milp.polish_quadratic.QuadraticModel`.
    pinned
        Which variables are pinned (a boolean mask).
    """
    out = set()
    for rows in (qm.rows, qm.objective):
        for i, j in zip(rows.qi.tolist(), rows.qj.tolist()):
            if not (pinned[i] or pinned[j]):
                out.add((min(i, j), max(i, j)))
    return out


def round_complementarity(qm: QuadraticModel, x: np.ndarray, pairs: list) -> tuple[np.ndarray, np.ndarray]:
    """``x`` with the smaller factor of every complementarity pair (one that may be 0) set to 0, and the mask of those."""
    x, pinned = x.copy(), np.zeros(len(x), dtype=bool)
    for i, j in pairs:
        if pinned[i] or pinned[j]:
            continue
        zero_ok = [k for k in (i, j) if qm.lower[k] <= 0 <= qm.upper[k]]
        if zero_ok:
            k = min(zero_ok, key=lambda k: x[k])
            x[k], pinned[k] = 0.0, True
    return x, pinned
