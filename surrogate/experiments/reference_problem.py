"""The reference solve-time problem, whose true answer is known exactly.

Each instance asks for ``min N(x, y) + a*x + b*y`` over a box
``[lx, ux] x [ly, uy]`` inside [-1, 1]^2. The true objective
``x*y + a*x + b*y`` is bilinear, so its minimum over a box sits at one of the
four corners: the exact optimum is known, and the surrogate's answer can be
scored against it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pyomo.environ as pyo

from ..errors import ConfigError
from ..milp.bilinear import bilinear
from ..milp.encoding import DEFAULT_FORMULATION, add_surrogate, check_formulation
from ..milp.solver import SolverConfig, SolveResult, Termination, make_solver, solve
from ..nets.network import ReluMLP
from ..options import MAX_SEED, check_count, check_sequence, is_number, plain_numbers


@dataclass(frozen=True)
class ReferenceInstance:
    """``min x*y + a*x + b*y`` over ``[lx, ux] x [ly, uy]``."""

    a: float
    b: float
    lx: float
    ux: float
    ly: float
    uy: float

    def __post_init__(self) -> None:
        for name in ("a", "b", "lx", "ux", "ly", "uy"):
            if not is_number(getattr(self, name), finite=True):
                raise ConfigError(f"ReferenceInstance: {name}={getattr(self, name)!r} must be a finite number, e.g. 0.5")
        plain_numbers(self)  # np.float64 kept as a Python float: JSON, cache keys
        if not (-1 <= self.lx <= self.ux <= 1 and -1 <= self.ly <= self.uy <= 1):
            raise ConfigError(f"reference instance box {self.box} must lie inside [-1, 1]^2 with lower <= upper")

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.lx, self.ux, self.ly, self.uy)

    def true_objective(self, x: float, y: float) -> float:
        return x * y + self.a * x + self.b * y

    def regret(self, x: float, y: float) -> float:
        """``f(x, y) - f*``, at least 0: a solver's point may lie outside the box by its feasibility tolerance
        (4e-16 was seen), where ``f`` can dip below the box's minimum ``f*``; regret is never negative.
        A point with a NaN coordinate has a NaN regret (not 0: no answer is not a perfect one)."""
        gap = self.true_objective(x, y) - self.true_optimum
        return gap if math.isnan(gap) else max(0.0, gap)

    @property
    def true_minimizer(self) -> tuple[float, float]:
        corners = itertools.product((self.lx, self.ux), (self.ly, self.uy))
        return min(corners, key=lambda c: self.true_objective(*c))

    @property
    def true_optimum(self) -> float:
        return self.true_objective(*self.true_minimizer)


def reference_instances(count: int, *, seed: int = 0) -> list[ReferenceInstance]:
    """``count`` seeded instances: ``a, b ~ U[-1, 1]`` and a random sub-box of [-1, 1]^2.

    Parameters
    ----------
    count
        How many instances, a positive integer up to :data:`~surrogate.options.MAX_COUNT`.
    seed
        Seed of NumPy's generator that draws them, in ``[0, MAX_SEED]``.

    Returns
    -------
    list of ReferenceInstance
        ``count`` instances, the same for the same ``seed``.
    """
    check_count("reference_instances: count", count, example=20)
    if not is_number(seed, integer=True, low=0, high=MAX_SEED):
        raise ConfigError(f"reference_instances: seed={seed!r} must be an integer in [0, {MAX_SEED}], e.g. 0")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        a, b = rng.uniform(-1, 1, 2)
        lx, ux = np.sort(rng.uniform(-1, 1, 2))
        ly, uy = np.sort(rng.uniform(-1, 1, 2))
        out.append(ReferenceInstance(float(a), float(b), float(lx), float(ux), float(ly), float(uy)))
    return out


@dataclass(frozen=True)
class ReferenceSolve:
    """One instance solved with a surrogate.

    ``opt_error`` is the regret ``f(x_hat, y_hat) - f*`` of the surrogate's
    minimiser under the true objective; ``objective_error`` is
    ``|surrogate objective - f*|``.
    """

    instance: ReferenceInstance
    result: SolveResult
    x: float
    y: float
    true_optimum: float
    opt_error: float
    objective_error: float

    def to_dict(self) -> dict:
        return {
            **asdict(self.instance),
            **self.result.to_dict(),
            "x": self.x,
            "y": self.y,
            "true_optimum": self.true_optimum,
            "opt_error": self.opt_error,
            "objective_error": self.objective_error,
        }


def reference_model(name: str = "reference") -> pyo.ConcreteModel:
    """The variables and parameters every reference model shares: ``x``, ``y`` in [-1, 1] and mutable ``a``, ``b``."""
    m = pyo.ConcreteModel(name=name)
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    m.a = pyo.Param(mutable=True, initialize=0.0)
    m.b = pyo.Param(mutable=True, initialize=0.0)
    return m


def build_reference_model(net: ReluMLP, *, formulation: str = DEFAULT_FORMULATION):
    """The reference model with mutable ``a``, ``b`` and box, ready for re-solves."""
    check_formulation(formulation)
    m = reference_model()
    encoded = add_surrogate(m, net, [m.x, m.y], formulation=formulation, name="surrogate")
    m.objective = pyo.Objective(expr=encoded.output + m.a * m.x + m.b * m.y, sense=pyo.minimize)
    return m, encoded


def solve_reference_model(model, instances: Sequence[ReferenceInstance], config: SolverConfig) -> list[ReferenceSolve]:
    """Solve ``model`` (built on :func:`reference_model`, with its objective) once per instance.

    Each solve sets ``a``, ``b`` and the box of the instance and re-uses one
    solver, then scores the answer against the instance's exact optimum.
    """
    solver = make_solver(config)
    out = []
    for inst in instances:
        model.a.set_value(inst.a)
        model.b.set_value(inst.b)
        model.x.setlb(inst.lx)
        model.x.setub(inst.ux)
        model.y.setlb(inst.ly)
        model.y.setub(inst.uy)
        result = solve(model, config, solver=solver)
        optimum = inst.true_optimum
        if result.has_solution:
            x, y = float(pyo.value(model.x)), float(pyo.value(model.y))
            regret = inst.regret(x, y)
            obj_err = abs(result.objective - optimum)
        else:
            x = y = regret = obj_err = float("nan")
        out.append(ReferenceSolve(inst, result, x, y, optimum, regret, obj_err))
    return out


def solve_reference_problems(
    net: ReluMLP,
    instances: Sequence[ReferenceInstance],
    *,
    formulation: str = DEFAULT_FORMULATION,
    config: SolverConfig = SolverConfig(),
) -> list[ReferenceSolve]:
    """Solve every instance with ``net`` as the surrogate of x*y.

    Parameters
    ----------
    net
        The surrogate of x*y (a :class:`~surrogate.nets.network.ReluMLP`).
    instances
        The instances to solve (:func:`reference_instances`).
    formulation
        How the net is encoded: one of :data:`~surrogate.milp.formulations.FORMULATIONS`.
    config
        How each instance is solved (a :class:`~surrogate.milp.solver_config.SolverConfig`).

    Returns
    -------
    list of ReferenceSolve
        One per instance, in order: the solve's result, the surrogate's minimiser and its regret under
        the true objective.
    """
    if not isinstance(config, SolverConfig):
        raise ConfigError(f"solve_reference_problems: config={config!r} must be a SolverConfig, e.g. SolverConfig(time_limit=10)")
    instances = check_sequence(
        "solve_reference_problems: instances",
        instances,
        example="reference_instances(20)",
        of=ReferenceInstance,
        what="ReferenceInstances",
    )
    model, _ = build_reference_model(net, formulation=formulation)
    return solve_reference_model(model, instances, config)


def reference_regret(approx, instances: Sequence[ReferenceInstance], config: SolverConfig) -> dict:
    """Median solve time and regret of ``approx`` (a net or a classic baseline) on the reference instances.

    The product is modelled by :func:`surrogate.milp.bilinear.bilinear`, so
    nets and baselines are solved the same way.

    Parameters
    ----------
    approx
        A net, or a classic baseline (:class:`~surrogate.milp.baselines.Baseline`) or its name.
    instances
        The instances to solve (:func:`reference_instances`).
    config
        How each instance is solved (a :class:`~surrogate.milp.solver_config.SolverConfig`).
    """
    model = reference_model()
    product = bilinear(model, model.x, model.y, approx)
    model.objective = pyo.Objective(expr=product.expr + model.a * model.x + model.b * model.y, sense=pyo.minimize)
    solved = solve_reference_model(model, instances, config)
    regrets = [s.opt_error for s in solved if s.result.has_solution]
    return {
        "ref_time_median_s": float(np.median([s.result.wall_time for s in solved])) if solved else math.nan,
        "ref_regret_median": float(np.median(regrets)) if regrets else math.nan,
        "ref_regret_max": float(np.max(regrets)) if regrets else math.nan,
        "ref_time_limit_hits": sum(s.result.termination == Termination.TIME_LIMIT for s in solved),
    }
