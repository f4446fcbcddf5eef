"""The classic pooling instances in the P-formulation.

With flows ``f >= 0`` on the arcs source->pool, pool->product and
source->product, and pool qualities ``w[o, k]``::

    min  sum_c price_c out(c) - sum_p price_p in(p)
    s.t. lower_c <= out(c) <= upper_c
         in(o) = out(o) <= size_o,         f[c, o] <= fraction_co out(o)
         sum_p w[o, k] f[o, p] = sum_c q[c, k] f[c, o]                       (bilinear)
         sum_o w[o, k] f[o, p] + sum_c q[c, k] f[c, p]  <=  qu[p, k] in(p)   (bilinear; also >= ql)
         lower_p <= in(p) <= upper_p

``w[o, k]`` is bounded by the qualities of the sources feeding ``o``; every
flow by the smallest of the pool size, the product's upper bound, the arc
bound and the source's upper bound. Data: see ``data/pooling/README.md``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pyomo.environ as pyo

from .base import BilinearProblem

DATA = Path(__file__).resolve().parent / "data" / "pooling"
POOLING_INSTANCES = (
    "haverly1", "haverly2", "haverly3", "foulds2", "foulds3", "foulds4", "foulds5",
    "bental4", "bental5", "adhya1", "adhya2", "adhya3", "adhya4", "rt2",
)


@lru_cache(maxsize=1)
def _optima() -> dict:
    return json.loads((DATA / "optima.json").read_text())


def _load(name: str) -> dict:
    if name not in POOLING_INSTANCES:
        raise ValueError(f"unknown pooling instance {name!r}; choose one of {', '.join(POOLING_INSTANCES)}")
    return json.loads((DATA / f"{name}.json").read_text())


def pooling(name: str) -> BilinearProblem:
    """The exact P-formulation of pooling instance ``name`` and its best-known optimum."""
    data = _load(name)
    comps = {c["name"]: c for c in data["components"]}
    prods = {p["name"]: p for p in data["products"]}
    pools = dict(data["pool_size"])
    quals = sorted({k for c in comps.values() for k in c["quality"]})
    co = {(a["component"], a["pool"]): a["fraction"] for a in data["component_to_pool_fraction"] if a["fraction"] > 0}
    op = {(a["pool"], a["product"]): a["bound"] for a in data["pool_to_product_bound"] if a["bound"] > 0}
    cp = {(a["component"], a["product"]): a["bound"] for a in data.get("component_to_product_bound", []) if a["bound"] > 0}

    m = pyo.ConcreteModel(name=name)
    cap_o = {o: min(pools[o], sum(comps[c]["upper"] for c, oo in co if oo == o)) for o in pools}
    m.f_co = pyo.Var(list(co), bounds=lambda m, c, o: (0, min(cap_o[o], comps[c]["upper"])))
    m.f_op = pyo.Var(list(op), bounds=lambda m, o, p: (0, min(cap_o[o], prods[p]["upper"], op[o, p])))
    m.f_cp = pyo.Var(list(cp), bounds=lambda m, c, p: (0, min(comps[c]["upper"], prods[p]["upper"], cp[c, p])))
    feeding = {o: [c for c, oo in co if oo == o] for o in pools}

    def w_bounds(m, o, k):
        values = [comps[c]["quality"].get(k, 0.0) for c in feeding[o]] or [0.0]
        return (min(values), max(values))

    m.w = pyo.Var([(o, k) for o in pools for k in quals], bounds=w_bounds)

    def out_c(c):
        return sum(m.f_co[c, o] for cc, o in co if cc == c) + sum(m.f_cp[c, p] for cc, p in cp if cc == c)

    def out_o(o):
        return sum(m.f_op[o, p] for oo, p in op if oo == o)

    def in_p(p):
        return sum(m.f_op[o, p] for o, pp in op if pp == p) + sum(m.f_cp[c, p] for c, pp in cp if pp == p)

    m.supply = pyo.Constraint(list(comps), rule=lambda m, c: (comps[c]["lower"], out_c(c), comps[c]["upper"]))
    m.balance = pyo.Constraint(list(pools), rule=lambda m, o: sum(m.f_co[c, o] for c in feeding[o]) == out_o(o))
    m.capacity = pyo.Constraint(list(pools), rule=lambda m, o: out_o(o) <= pools[o])
    m.fraction = pyo.Constraint(
        [a for a in co if co[a] < 1], rule=lambda m, c, o: m.f_co[c, o] <= co[c, o] * out_o(o)
    )
    m.pool_quality = pyo.Constraint(
        [(o, k) for o in pools for k in quals],
        rule=lambda m, o, k: sum(m.w[o, k] * m.f_op[o, p] for oo, p in op if oo == o)
        == sum(comps[c]["quality"].get(k, 0.0) * m.f_co[c, o] for c in feeding[o]),
    )

    def blend(p, k):
        return sum(m.w[o, k] * m.f_op[o, p] for o, pp in op if pp == p) + sum(
            comps[c]["quality"].get(k, 0.0) * m.f_cp[c, p] for c, pp in cp if pp == p
        )

    upper = [(p, k) for p in prods for k, v in (prods[p]["quality_upper"] or {}).items() if v is not None]
    lower = [(p, k) for p in prods for k, v in (prods[p]["quality_lower"] or {}).items() if v is not None]
    m.quality_upper = pyo.Constraint(upper, rule=lambda m, p, k: blend(p, k) <= prods[p]["quality_upper"][k] * in_p(p))
    m.quality_lower = pyo.Constraint(lower, rule=lambda m, p, k: blend(p, k) >= prods[p]["quality_lower"][k] * in_p(p))
    m.demand = pyo.Constraint(list(prods), rule=lambda m, p: (prods[p]["lower"], in_p(p), prods[p]["upper"]))
    m.cost = pyo.Objective(
        expr=sum(comps[c]["price"] * out_c(c) for c in comps) - sum(prods[p]["price"] * in_p(p) for p in prods),
        sense=pyo.minimize,
    )
    entry = _optima()[name]
    n_products = len(op) * len(quals)
    return BilinearProblem(
        name, m, float(entry["optimum"]), entry["sense"], entry["source"],
        {"components": len(comps), "pools": len(pools), "products": len(prods), "qualities": len(quals),
         "bilinear_terms": n_products},
    )
