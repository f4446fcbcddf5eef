"""Recover an exactly feasible point of a bilinear model from a surrogate's answer.

Every product ``x*y`` of the model is linear once one of its factors is fixed.
If the factors split into two sets A and B with every product having one
factor in each (the product graph is bipartite, as in pooling: qualities x
flows), then fixing A gives an LP in the rest, and so does fixing B.
:func:`polish` starts from the surrogate MILP's values and alternates the two
LPs (HiGHS) until the true objective stops improving. Alternation stops at
partial optima (with the flows fixed, a pool's quality is pinned), so a
pattern search over the smaller factor set follows: each trial point of that
set is scored by the LP in the rest, and the step halves until it is tiny.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from .solver import SolverConfig, make_solver, solve


def product_pairs(model) -> list[tuple]:
    """Every distinct pair of variables multiplied in the active objective and constraints."""
    pairs = {}
    exprs = [o.expr for o in model.component_data_objects(pyo.Objective, active=True)]
    exprs += [c.body for c in model.component_data_objects(pyo.Constraint, active=True)]
    for expr in exprs:
        repn = generate_standard_repn(expr, quadratic=True, compute_values=True)
        for v1, v2 in repn.quadratic_vars:
            pairs[tuple(sorted((v1.name, v2.name)))] = (v1, v2)
    return list(pairs.values())


def factor_sets(pairs) -> tuple[list, list] | None:
    """Split the factors into two sets with one factor of every product in each; ``None`` if impossible."""
    neighbours: dict = {}
    for v1, v2 in pairs:
        if v1 is v2:
            return None  # a square cannot be split
        neighbours.setdefault(id(v1), (v1, set()))[1].add(id(v2))
        neighbours.setdefault(id(v2), (v2, set()))[1].add(id(v1))
    side: dict = {}
    for start in neighbours:
        if start in side:
            continue
        side[start] = 0
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in neighbours[node][1]:
                if other not in side:
                    side[other] = 1 - side[node]
                    queue.append(other)
                elif side[other] == side[node]:
                    return None
    return (
        [neighbours[k][0] for k, s in side.items() if s == 0],
        [neighbours[k][0] for k, s in side.items() if s == 1],
    )


def max_violation(model) -> float:
    """Largest violation of any active constraint or variable bound at the current values."""
    worst = 0.0
    for con in model.component_data_objects(pyo.Constraint, active=True):
        body = pyo.value(con.body, exception=False)
        if body is None:
            return math.inf
        if con.has_lb():
            worst = max(worst, pyo.value(con.lower) - body)
        if con.has_ub():
            worst = max(worst, body - pyo.value(con.upper))
    for var in model.component_data_objects(pyo.Var):
        if var.value is None:
            return math.inf
        if var.has_lb():
            worst = max(worst, var.lb - var.value)
        if var.has_ub():
            worst = max(worst, var.value - var.ub)
    return worst


def true_objective(model) -> float:
    (obj,) = list(model.component_data_objects(pyo.Objective, active=True))
    value = pyo.value(obj.expr, exception=False)
    return math.nan if value is None else float(value)


@dataclass(frozen=True)
class PolishResult:
    """The true objective and worst violation before and after polishing."""

    objective_before: float
    violation_before: float
    objective_after: float
    violation_after: float
    rounds: int
    status: str  # "polished", "no-split" (products not bipartite) or "infeasible-lp"


def polish(
    model,
    values: dict,
    *,
    config: SolverConfig = SolverConfig(),
    max_rounds: int = 20,
    max_evals: int = 400,
    tol: float = 1e-9,
) -> PolishResult:
    """Polish ``values`` (variable name -> value) on the exact ``model`` (changed in place: it ends at the polished point)."""
    variables = {v.name: v for v in model.component_data_objects(pyo.Var)}
    # The start point, clipped into the variable bounds once; every pass starts from it.
    start = {
        name: min(max(value, variables[name].lb if variables[name].has_lb() else value),
                  variables[name].ub if variables[name].has_ub() else value)
        for name, value in values.items()
        if name in variables and value is not None
    }
    _restore(variables, start)
    before = (true_objective(model), max_violation(model))
    split = factor_sets(product_pairs(model))
    if split is None:
        return PolishResult(*before, *before, 0, "no-split")
    sense = 1 if list(model.component_data_objects(pyo.Objective, active=True))[0].sense == pyo.minimize else -1
    best_point = None
    best = math.inf
    solver = make_solver(config)
    rounds = 0
    for order in (split, split[::-1]):  # try both starting sets and keep the better outcome
        _restore(variables, start)
        previous = math.inf
        for rounds_here in range(1, max_rounds + 1):
            for fixed in order:
                objective = _lp_with_fixed(model, fixed, config, solver)
                if math.isnan(objective):
                    break
            if math.isnan(objective):
                break
            current = sense * objective
            rounds = max(rounds, rounds_here)
            if current < best - tol:
                best = current
                best_point = {n: v.value for n, v in variables.items()}
            if previous - current <= tol * max(1.0, abs(current)):
                break
            previous = current
    if best_point is None:
        _restore(variables, start)
        return PolishResult(*before, *before, rounds, "infeasible-lp")
    _restore(variables, best_point)
    small, _ = sorted(split, key=len)
    best_point = _pattern_search(model, small, variables, best_point, sense * best, sense, config, solver, max_evals)
    _restore(variables, best_point)
    return PolishResult(*before, true_objective(model), max_violation(model), rounds, "polished")


def _lp_with_fixed(model, fixed, config, solver) -> float:
    """Objective of the LP with ``fixed`` held at their values (``nan`` if it has no solution); loads its point."""
    for v in fixed:
        v.fix()
    result = solve(model, config, solver=solver)
    for v in fixed:
        v.unfix()
    return result.objective if result.has_solution else math.nan


def _pattern_search(model, fixed, variables, point, best, sense, config, solver, max_evals) -> dict:
    """Coordinate pattern search over ``fixed`` (scored by the LP in the other variables)."""
    steps = {v.name: 0.25 * (v.ub - v.lb) for v in fixed if v.has_lb() and v.has_ub() and v.ub > v.lb}
    evals = 0
    while steps and evals < max_evals and max(steps.values()) > 1e-9:
        improved = False
        for v in fixed:
            step = steps.get(v.name, 0.0)
            if step <= 1e-9:
                continue
            for direction in (1, -1):
                _restore(variables, point)
                trial = min(max(point[v.name] + direction * step, v.lb), v.ub)
                if trial == point[v.name]:
                    continue
                v.set_value(trial)
                value = _lp_with_fixed(model, fixed, config, solver)
                evals += 1
                if not math.isnan(value) and sense * value < best - 1e-12 * max(1.0, abs(best)):
                    best = sense * value
                    point = {n: var.value for n, var in variables.items()}
                    improved = True
                    break
        if not improved:
            steps = {n: s / 2 for n, s in steps.items()}
    return point


def _restore(variables: dict, values: dict) -> None:
    for name, value in values.items():
        if name in variables:
            variables[name].set_value(value, skip_validation=True)
