"""Solve bilinear problems with NN surrogates and place each answer between a bound and the optimum.

For one problem, surrogate and formulation, :func:`run_problem`:

1. rewrites a copy of the exact model with :func:`~surrogate.bilinear.replace_products` and solves
   the MILP with HiGHS (``pruned`` encodings first get a warm start from
   :func:`~surrogate.warmstart.activation_start`, timed within the same limit);
2. solves the McCormick relaxation (a valid bound) with HiGHS;
3. polishes the MILP's point on the exact model (:func:`~surrogate.polish.polish`), or the
   relaxation's point when the MILP found none in its time limit (``polish_start`` says which);
4. solves the exact model with SCIP when pyscipopt is installed (the reference time).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pyomo.environ as pyo

from .bilinear import replace_products, resolve_surrogate
from .encoding import DEFAULT_FORMULATION, check_formulation
from .polish import polish
from .relaxation import solve_mccormick
from .solver import SolverConfig
from .warmstart import solve_with_start, start_config

FEASIBILITY_TOL = 1e-6

RESULT_COLUMNS = (
    "problem", "arch", "formulation", "products", "binaries", "milp_time_s", "termination", "surrogate_objective",
    "violation_before", "polish_start", "polished_objective", "violation_after", "feasible", "polish_status", "optimum", "optimum_source", "rel_gap",
    "mccormick_bound", "scip_objective", "scip_time_s", "scip_termination",
)


@dataclass(frozen=True)
class ProblemRunConfig:
    """Settings of :func:`run_problem` (validated by the configs they hold)."""

    solver: SolverConfig = field(default_factory=lambda: SolverConfig(time_limit=60.0, rel_gap=1e-6))
    scip: bool = True
    scip_time_limit: float = 60.0


def scip_available() -> bool:
    try:
        from pyomo.contrib.solver.common.factory import SolverFactory

        return bool(SolverFactory("scip_direct").available())
    except Exception:  # an optional dependency: any import or licence failure means "not available"
        return False


def solve_exact_with_scip(model, time_limit: float) -> tuple[float, float, str]:
    """(objective, seconds, termination) of SCIP on the exact model; NaNs if SCIP is missing."""
    if not scip_available():
        return math.nan, math.nan, "scip-not-installed"
    from pyomo.common.tee import capture_output
    from pyomo.contrib.solver.common.factory import SolverFactory

    start = time.perf_counter()
    with capture_output(capture_fd=True):
        result = SolverFactory("scip_direct").solve(
            model.clone(), time_limit=time_limit, rel_gap=1e-6, load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
        )
    seconds = time.perf_counter() - start
    objective = math.nan if result.incumbent_objective is None else float(result.incumbent_objective)
    return objective, seconds, result.termination_condition.name


def run_problem(problem, surrogate, *, arch: str, formulation: str = DEFAULT_FORMULATION, config: ProblemRunConfig = ProblemRunConfig()) -> dict:
    """One row of ``results.csv`` for ``problem`` solved through ``surrogate`` (see the module docstring)."""
    check_formulation(formulation)
    net = resolve_surrogate(surrogate)
    milp = problem.model.clone()
    report = replace_products(milp, net, formulation=formulation)
    start = start_config(config.solver) if formulation == "pruned" else None
    result, found = solve_with_start(milp, report, config.solver, start=start)
    values = {v.name: v.value for v in milp.component_data_objects(pyo.Var) if not v.name.startswith("surrogate_replacement")}
    row = {
        "problem": problem.name, "arch": arch, "formulation": formulation, "products": report.n_products,
        "binaries": result.size.binaries, "milp_time_s": result.wall_time, "termination": result.termination,
        "surrogate_objective": result.objective, "start_found": found.found, "start_s": found.seconds,
    }
    relaxation, relaxed_values = solve_mccormick(problem.model, config.solver)
    row["mccormick_bound"] = relaxation.bound
    start = "milp" if result.has_solution else ("mccormick" if relaxation.has_solution else "none")
    if start == "none":
        row.update(violation_before=math.nan, polished_objective=math.nan, violation_after=math.nan, polish_status="no-start-point")
    else:
        polished = polish(problem.model.clone(), values if start == "milp" else relaxed_values, config=config.solver)
        row.update(
            violation_before=polished.violation_before, polished_objective=polished.objective_after,
            violation_after=polished.violation_after, polish_status=polished.status,
        )
    row["polish_start"] = start
    if config.scip:
        row["scip_objective"], row["scip_time_s"], row["scip_termination"] = solve_exact_with_scip(problem.model, config.scip_time_limit)
    else:
        row["scip_objective"], row["scip_time_s"], row["scip_termination"] = math.nan, math.nan, "skipped"
    # The reference: the recorded best-known optimum, else SCIP's optimum when SCIP proved it.
    if problem.optimum is not None:
        row["optimum"], row["optimum_source"] = problem.optimum, problem.source
    elif row["scip_termination"] == "convergenceCriteriaSatisfied":
        row["optimum"], row["optimum_source"] = row["scip_objective"], "scip"
    else:
        row["optimum"], row["optimum_source"] = math.nan, "unknown"
    # A gap is only meaningful for a point the exact model accepts.
    row["feasible"] = bool(row["violation_after"] <= FEASIBILITY_TOL)
    optimum = row["optimum"]
    row["rel_gap"] = (
        abs(row["polished_objective"] - optimum) / max(1.0, abs(optimum))
        if row["feasible"] and not math.isnan(optimum)
        else math.nan
    )
    return {column: row[column] for column in RESULT_COLUMNS}
