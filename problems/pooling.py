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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyomo.environ as pyo

from .base import OWN_FILE_HINT, BilinearProblem

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
        raise ValueError(
            f"unknown pooling instance {name!r}; choose one of {', '.join(POOLING_INSTANCES)} ({OWN_FILE_HINT})"
        )
    return json.loads((DATA / f"{name}.json").read_text())


def _arcs(records: list, tail: str, head: str, key: str) -> dict:
    """``{(tail, head): value}`` of the ``records`` whose ``key`` value is positive (an arc that exists)."""
    return {(a[tail], a[head]): a[key] for a in records if a[key] > 0}


@dataclass(frozen=True)
class _Network:
    """A pooling instance's data by name: components, products, pool sizes, qualities and the arcs with their bounds."""

    comps: dict
    prods: dict
    pools: dict
    quals: list
    co: dict
    op: dict
    cp: dict

    @classmethod
    def read(cls, data: dict) -> _Network:
        """Index the instance file's ``data``."""
        comps = {c["name"]: c for c in data["components"]}
        return cls(
            comps,
            {p["name"]: p for p in data["products"]},
            dict(data["pool_size"]),
            sorted({k for c in comps.values() for k in c["quality"]}),
            _arcs(data["component_to_pool_fraction"], "component", "pool", "fraction"),
            _arcs(data["pool_to_product_bound"], "pool", "product", "bound"),
            _arcs(data.get("component_to_product_bound", []), "component", "product", "bound"),
        )

    def feeding(self, o) -> list:
        """The components with an arc into pool ``o``."""
        return [c for c, oo in self.co if oo == o]

    def quality(self, c, k) -> float:
        """Quality ``k`` of component ``c`` (0 where the data give none)."""
        return self.comps[c]["quality"].get(k, 0.0)

    def pool_qualities(self) -> list:
        """Every ``(pool, quality)`` pair."""
        return [(o, k) for o in self.pools for k in self.quals]

    def out_c(self, m, c):
        """Flow out of component ``c``."""
        return sum(m.f_co[c, o] for cc, o in self.co if cc == c) + sum(m.f_cp[c, p] for cc, p in self.cp if cc == c)

    def out_o(self, m, o):
        """Flow out of pool ``o``."""
        return sum(m.f_op[o, p] for oo, p in self.op if oo == o)

    def in_p(self, m, p):
        """Flow into product ``p``."""
        return sum(m.f_op[o, p] for o, pp in self.op if pp == p) + sum(m.f_cp[c, p] for c, pp in self.cp if pp == p)

    def blend(self, m, p, k):
        """Amount of quality ``k`` flowing into product ``p`` (bilinear in the pool qualities)."""
        return sum(m.w[o, k] * m.f_op[o, p] for o, pp in self.op if pp == p) + sum(
            self.quality(c, k) * m.f_cp[c, p] for c, pp in self.cp if pp == p
        )


def _add_flows_and_qualities(m, net: _Network) -> None:
    """The flow variables, bounded as the module docstring says, and the pool qualities ``w``."""
    comps, prods, op, cp = net.comps, net.prods, net.op, net.cp
    cap_o = {o: min(net.pools[o], sum(comps[c]["upper"] for c in net.feeding(o))) for o in net.pools}
    m.f_co = pyo.Var(list(net.co), bounds=lambda m, c, o: (0, min(cap_o[o], comps[c]["upper"])))
    m.f_op = pyo.Var(list(op), bounds=lambda m, o, p: (0, min(cap_o[o], prods[p]["upper"], op[o, p])))
    m.f_cp = pyo.Var(list(cp), bounds=lambda m, c, p: (0, min(comps[c]["upper"], prods[p]["upper"], cp[c, p])))

    def w_bounds(m, o, k):
        values = [net.quality(c, k) for c in net.feeding(o)] or [0.0]
        return (min(values), max(values))

    m.w = pyo.Var(net.pool_qualities(), bounds=w_bounds)


def _add_supply_and_pools(m, net: _Network) -> None:
    """Supply bounds, pool balance, capacity and fractions, and the pool quality balances (bilinear)."""
    comps, pools, co = net.comps, net.pools, net.co
    m.supply = pyo.Constraint(list(comps), rule=lambda m, c: (comps[c]["lower"], net.out_c(m, c), comps[c]["upper"]))
    m.balance = pyo.Constraint(list(pools), rule=lambda m, o: sum(m.f_co[c, o] for c in net.feeding(o)) == net.out_o(m, o))
    m.capacity = pyo.Constraint(list(pools), rule=lambda m, o: net.out_o(m, o) <= pools[o])
    m.fraction = pyo.Constraint(
        [a for a in co if co[a] < 1], rule=lambda m, c, o: m.f_co[c, o] <= co[c, o] * net.out_o(m, o)
    )
    m.pool_quality = pyo.Constraint(
        net.pool_qualities(),
        rule=lambda m, o, k: sum(m.w[o, k] * m.f_op[o, p] for oo, p in net.op if oo == o)
        == sum(net.quality(c, k) * m.f_co[c, o] for c in net.feeding(o)),
    )


def _add_quality_spec(m, net: _Network, side: str) -> None:
    """The products' quality bounds on ``side`` (``'upper'`` or ``'lower'``) as ``m.quality_<side>`` (bilinear)."""
    key = f"quality_{side}"
    index = [(p, k) for p in net.prods for k, v in (net.prods[p][key] or {}).items() if v is not None]

    def rule(m, p, k):
        blend = net.blend(m, p, k)
        bound = net.prods[p][key][k] * net.in_p(m, p)
        return blend <= bound if side == "upper" else blend >= bound

    m.add_component(key, pyo.Constraint(index, rule=rule))


def pooling(name: str) -> BilinearProblem:
    """The exact P-formulation of pooling instance ``name`` and its best-known optimum."""
    net = _Network.read(_load(name))
    comps, prods = net.comps, net.prods
    m = pyo.ConcreteModel(name=name)
    _add_flows_and_qualities(m, net)
    _add_supply_and_pools(m, net)
    _add_quality_spec(m, net, "upper")
    _add_quality_spec(m, net, "lower")
    m.demand = pyo.Constraint(list(prods), rule=lambda m, p: (prods[p]["lower"], net.in_p(m, p), prods[p]["upper"]))
    m.cost = pyo.Objective(
        expr=sum(comps[c]["price"] * net.out_c(m, c) for c in comps) - sum(prods[p]["price"] * net.in_p(m, p) for p in prods),
        sense=pyo.minimize,
    )
    entry = _optima()[name]
    n_products = len(net.op) * len(net.quals)
    return BilinearProblem(
        name, m, float(entry["optimum"]), entry["sense"], entry["source"],
        {"components": len(comps), "pools": len(net.pools), "products": len(prods), "qualities": len(net.quals),
         "bilinear_terms": n_products},
    )
