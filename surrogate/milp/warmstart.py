"""A first incumbent for models with pruned surrogates: activation-pattern local search.

HiGHS often finds no feasible point at all for a model with a few dozen surrogate copies: every copy ties its
output to its inputs by an equality through a chain of big-M ReLUs, and rounding an LP solution almost never lands
on that graph. But with every binary fixed, the model is an LP in which each copy is the net's affine piece on one
linear region, and the region of a point is just the net's activation pattern there. So:

1. Solve the LP relaxation of the model; read every copy's inputs.
2. **Elastic phase.** Fix every copy's binaries to the net's activation pattern at its inputs, give every
   constraint of the problem (not of the encodings) a nonnegative slack and minimise the total slack. Re-fix the
   patterns at the new inputs and repeat until the slack is zero (a feasible point of the MILP), the patterns stop
   changing even when the neurons on a region boundary are switched the other way, or ``rounds`` run out.
3. **Objective phase.** Slacks at zero, the model's objective: re-fix and re-solve while the objective improves
   (switching the boundary neurons the other way once when it stalls).

With ``StartConfig(seed="exact")`` step 1 first reads the inputs off a feasible local optimum of the exact model
instead (:func:`~surrogate.milp.exact_seed.exact_point`, given at most :data:`EXACT_SEED_SHARE` of the time): every
variable of the exact model fixed there, one elastic LP places each copy's scaled inputs, and steps 2 and 3 run
from its patterns. If that ends without a feasible point, the search starts again from the LP relaxation with the
time left.

The best point found is loaded into the model's variables; ``solve(..., warm_start=True)``
(:func:`surrogate.milp.solver.solve`) hands it to HiGHS as its first incumbent (:func:`solve_with_start` does both
within one time budget). Every binary of the point is integral and every constraint holds up to LP tolerances, so
it is a MILP solution, not a guess. The model's own integer variables are relaxed for the seed's LP, then held at
its rounded values for the rest of the search (:meth:`_Search.hold_integers`).

The search's budget counts wall seconds, or with ``StartConfig(clock="cpu")`` its own CPU seconds, so that a
machine busy with other work slows it but does not cut it short (:mod:`surrogate.milp.search_clock`).
``StartResult.seconds`` is wall seconds either way: what the solve has left.

A classic approximation that gives its binaries per point
(:meth:`~surrogate.milp.baselines.Baseline.indicator_values`: the sawtooth) is searched the same way, its binaries
in place of a net's activations (:mod:`surrogate.milp.warmstart_copies`).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from ..errors import ConfigError
from .exact_seed import exact_point
from .highs_run import solver_runs
from .integer_products import held_integer
from .model_components import (
    VariablesRead,
    check_one_objective,
    find_like,
    fixed_as_constants,
    lies_within,
    seen_variables,
    standalone_clone,
)
from .rewrite_refresh import forget_rewrites, refresh_rewrites
from .search_clock import as_wall, counting, now
from .solution_check import readable_bounds
from .solve_checks import check_domains, check_fixed_values, check_linear, check_options
from .solver import SolverConfig, SolveResult, make_solver, solve
from .start_kept import solve_after_start
from .unseen_values import without_a_value
from .warmstart_config import EXACT_SEED_SHARE, SEEDS, StartConfig, StartResult, check_surrogates, start_config
from .warmstart_copies import check_owned_copies, clone_copy, encoded_copies, fix_patterns, integer_products, relax_integers

__all__ = ["EXACT_SEED_SHARE", "SEEDS", "StartConfig", "StartResult", "activation_start", "solve_with_start", "start_config"]


class _Search:
    """The clone of a model that the local search works on: relaxed, with elastic copies of the problem's constraints.

    The slacks are fixed at 0 outside the elastic phase, so one HiGHS model
    (built once; fixing variables only changes column bounds) serves every LP.
    """

    def __init__(self, model, copies, config: StartConfig, *, begin: float | None = None, digits=(), read=None):
        self.config, self.start = config, now() if begin is None else begin
        self.found = False  # a feasible point is loaded in the clone: no more patience (StartConfig.patience)
        self.model = m = standalone_clone(model)  # an indexed block's element: a model of its own
        # (original, clone) variable pairs, taken before the slacks are added (a clone keeps the order)
        self.pairs = list(zip(model.component_data_objects(pyo.Var), m.component_data_objects(pyo.Var)))
        blocks = [find_like(m, c.block, model) for c in copies]
        # each copy's inputs and indicators, found in the clone by their place in the model
        self.copies = [clone_copy(m, c, model, read=read) for c in copies]
        inside = {id(b) for b in blocks}
        # each IntegerProduct's factor and digits in the clone: the digits follow the factor (hold_integers)
        pair_of = ComponentMap(self.pairs)
        # v of model, or of what it was cloned from; one read from outside model (a parent's) is shared by the clone
        clone_of = lambda v: pair_of.get(find_like(model, v, model, read=read), v)  # noqa: E731
        self.digits = [(p, clone_of(p.factor), [clone_of(b) for b in p.bits.values()]) for p in digits]
        derived = {id(b) for _, _, bits in self.digits for b in bits}
        # the model's own integer variables (not another block's through a Reference), held at rounded values once a
        # seed has placed them (hold_integers)
        integers = [v for v in m.component_data_objects(pyo.Var) if v.is_integer() and not v.fixed and lies_within(v, m)]
        self.integers = [v for v in integers if not _within(v, inside) and id(v) not in derived and readable_bounds(v)]
        forget_rewrites(m)  # the search's copy is meant to differ: integers relaxed, constraints made elastic
        relax_integers(m)
        self.objective = next(m.component_data_objects(pyo.Objective, active=True))
        self.minimise = self.objective.sense == pyo.minimize
        problem = [c for c in m.component_data_objects(pyo.Constraint, active=True) if not _within(c, inside)]
        m._start_slack = pyo.VarList(domain=pyo.NonNegativeReals)
        m._start_elastic = pyo.ConstraintList()
        for c in problem:
            c.deactivate()
            body = fixed_as_constants(c.body)  # the search's HiGHS keeps fixed variables as columns
            if c.has_lb():
                m._start_elastic.add(body + m._start_slack.add() >= c.lower)
            if c.has_ub():
                m._start_elastic.add(body - m._start_slack.add() <= c.upper)
        self.objective.set_value(fixed_as_constants(self.objective.expr))
        m._start_violation = pyo.Objective(expr=sum(m._start_slack.values()))
        self.elastic(False)
        self.solver_config = SolverConfig(time_limit=config.time_limit, rel_gap=1e-9, threads=1)
        self.solver = make_solver(self.solver_config, fixed_as_bounds=True)

    def elapsed(self) -> float:
        """Seconds since the search began, on the search's clock (:mod:`surrogate.milp.search_clock`)."""
        return now() - self.start

    def left(self) -> float:
        """Seconds left: of ``time_limit``, plus ``patience`` while no feasible point is found."""
        return self.config.time_limit + (0.0 if self.found else self.config.patience) - self.elapsed()

    def lp(self) -> float:
        """Solve the current LP and load it; its objective (nan if it found no point)."""
        # check=False: an intermediate point; the MILP solve that takes the start checks its incumbent
        config = replace(self.solver_config, time_limit=max(as_wall(self.left()), 0.01))
        result = solve(self.model, config, solver=self.solver, check=False)
        return result.objective

    def seed(self, point: dict[str, float] | None) -> float:
        """Place the clone at ``point`` (name -> value; ``None``: the LP relaxation); the LP's objective (nan: none).

        With a point, its variables are fixed there for one elastic LP, which
        sets every copy's scaled inputs to match, and are free again after it.
        """
        for copy in self.copies:  # a new seed: no pattern fixed yet
            for layer in copy.indicators:
                layer.unfix()
        for v in [*self.integers, *(b for _, _, bits in self.digits for b in bits)]:
            v.unfix()
        if point is None:
            self.elastic(False)
            objective = self.lp()
        else:
            named = {v.name: v for v in seen_variables(self.model) if v.model() is not self.model}  # a parent's: shared
            named.update((original.name, v) for original, v in self.pairs)  # by the model's names, as exact_point's
            fixed = [(named[name], value) for name, value in point.items() if name in named and not named[name].fixed]
            for v, value in fixed:
                v.fix(value)
            self.elastic(True)
            try:
                objective = self.lp()
            finally:
                for v, _ in fixed:
                    v.unfix()
        self.hold_integers()
        return objective

    def hold_integers(self) -> None:
        """Fix the model's own integer variables at their rounded values (within their bounds).

        The search then moves the continuous variables only, so the point it
        ends on is integral in every integer variable of the model, not only in
        the copies' binaries. A rounding that makes the problem infeasible
        leaves a positive slack: the search reports no point rather than a wrong one.
        The digits of an :class:`~surrogate.milp.integer_products.IntegerProduct`
        are fixed at those of its factor's held value.
        """
        for v in self.integers:
            if v.value is not None:
                v.fix(held_integer(v, v.value))
        for product, factor, bits in self.digits:
            if factor.value is not None:
                for bit, value in zip(bits, product.digit_values(factor.value)):
                    bit.fix(value)

    def elastic(self, on: bool) -> None:
        """Minimise the total slack (``on``), or the model's objective with every slack at 0."""
        for s in self.model._start_slack.values():
            s.unfix() if on else s.fix(0.0)
        self.model._start_violation.activate() if on else self.model._start_violation.deactivate()
        self.objective.deactivate() if on else self.objective.activate()


def _within(component, blocks: set) -> bool:
    block = component.parent_block()
    while block is not None:
        if id(block) in blocks:
            return True
        block = block.parent_block()
    return False


@solver_runs(internal=True)  # its ~110 solves at 1 thread under one hold (HiGHS's scheduler released at its end)
def activation_start(model, surrogates, *, config: StartConfig = StartConfig()) -> StartResult:
    """Look for a feasible point of ``model`` by activation-pattern local search (see the module docstring).

    Parameters
    ----------
    model
        The Pyomo model, with its products replaced by ``pruned`` surrogates
        (or by a baseline that gives its binaries per point, such as ``Sawtooth``).
    surrogates
        The :class:`~surrogate.milp.bilinear.ReplacementReport` of
        :func:`~surrogate.milp.bilinear.replace_products`, or the surrogates
        (:class:`~surrogate.milp.bilinear.BilinearSurrogate` or
        :class:`~surrogate.milp.encoding.EncodedSurrogate`) themselves
        (not with ``config.seed == 'exact'``, which needs the report).
    config
        Rounds, time budget and seed.

    Returns
    -------
    StartResult
        With ``found=True`` the point is loaded into ``model``'s variables;
        otherwise ``model`` is untouched.

    Raises
    ------
    ConfigError
        If a surrogate is neither ``pruned`` nor such a baseline, or ``config.seed == 'exact'`` without the report.
    """
    if not isinstance(config, StartConfig):
        raise ConfigError(f"activation_start: config={config!r} must be a StartConfig, e.g. StartConfig(time_limit=5)")
    check_surrogates("activation_start", model, surrogates)
    check_fixed_values(model)  # as solve() does (untimed there too), before the search's clone names its own rows
    refresh_rewrites(model)  # first, as in solve(): copies follow their blocks (objectives too), senses the model's
    check_one_objective(model)
    check_domains(model)
    check_linear(model)
    wall_begin = time.perf_counter()
    with counting(config.make_clock()):
        found = _search(model, surrogates, config)
    return replace(found, seconds=time.perf_counter() - wall_begin)


def _search(model, surrogates, config: StartConfig) -> StartResult:
    """The body of :func:`activation_start`, timed on the search clock (its ``seconds`` are that clock's)."""
    begin = now()
    copies, read = encoded_copies(surrogates), VariablesRead(model)  # the rows model reads, walked once for both
    check_owned_copies(model, copies, integer_products(surrogates), read=read)
    seeds: list = [None]
    if config.seed == "exact":
        point = exact_point(model, surrogates, time_limit=EXACT_SEED_SHARE * config.time_limit)
        seeds = [point, None] if point is not None else seeds
    search = _Search(model, copies, config, begin=begin, digits=integer_products(surrogates), read=read)
    rounds, violation = 0, math.nan
    for point in seeds:
        if search.left() <= 0 or math.isnan(search.seed(point)):
            continue
        if point is not None and _in_seed_regions(search):
            done, violation, boundary_active = 1, 0.0, False
        else:
            done, violation, boundary_active = _elastic_phase(search)
            done += point is not None  # the LP in the seed's regions, which found no point
        rounds += done
        if violation <= config.tol:
            # A feasible point (in the seed's regions or from the elastic phase): keep it, improve it while time allows.
            search.found = True
            best, values, rounds = _objective_phase(search, rounds, boundary_active)
            _load_point(search.pairs, values)
            return StartResult(True, best, violation, rounds, search.elapsed(), "relaxation" if point is None else "exact")
    return StartResult(False, math.nan, violation, rounds, search.elapsed())


def _in_seed_regions(search: _Search) -> bool:
    """Fix the patterns at the seed and solve with the model's objective; whether that LP found a point.

    The exact model's point often lies where the surrogate's regions hold a
    feasible point too; this LP finds the best one there, close to the seed,
    where the elastic phase (which minimises the slack alone) might walk far
    from it. When it finds none, the elastic phase takes over.
    """
    fix_patterns(search.copies)
    search.elastic(False)
    return not math.isnan(search.lp())


def _elastic_phase(search: _Search) -> tuple[int, float, bool]:
    """Re-fix the patterns and minimise the total slack until it is 0, the patterns are stuck, or rounds or time run out.

    Returns
    -------
    (rounds, violation, boundary_active)
        LPs solved, the total slack of the last one (``nan`` if none), and the side boundary neurons were put on.
    """
    config = search.config
    rounds, violation = 0, math.nan
    search.elastic(True)
    boundary_active = False
    for _ in range(config.rounds):
        changed = fix_patterns(search.copies, boundary_active=boundary_active)
        if rounds and not changed:  # stuck on a boundary: cross it the other way
            boundary_active = not boundary_active
            if not fix_patterns(search.copies, boundary_active=boundary_active):
                break
        rounds += 1
        violation = search.lp()
        if math.isnan(violation) or violation <= config.tol or search.left() <= 0:
            break
    return rounds, violation, boundary_active


def _objective_phase(search: _Search, rounds: int, boundary_active: bool) -> tuple[float, list, int]:
    """From the feasible point loaded, re-fix and re-solve with the model's objective while it improves.

    Parameters
    ----------
    search
        The search, its clone holding the feasible point the elastic phase ended on.
    rounds
        LPs solved so far (counted on).
    boundary_active
        The side boundary neurons were last put on; switched once when the objective stalls.

    Returns
    -------
    (best, values, rounds)
        The best objective, the clone's variable values there (in the order of ``search.pairs``), and the LPs solved.
    """
    search.elastic(False)
    best, values = pyo.value(search.objective), _clone_values(search.pairs)
    flips = 0
    for _ in range(search.config.rounds):
        if search.left() <= 0:
            break
        fix_patterns(search.copies, boundary_active=boundary_active)
        rounds += 1
        objective = search.lp()
        better = not math.isnan(objective) and (objective < best if search.minimise else objective > best)
        if better and abs(objective - best) > 1e-9 * max(1.0, abs(best)):
            best, values, flips = objective, _clone_values(search.pairs), 0
        elif flips == 0:  # no progress in these regions: cross the boundaries the other way once
            boundary_active, flips = not boundary_active, 1
        else:
            break
    return best, values, rounds


def _clone_values(pairs) -> list:
    """The values of the clone's variables, in the order of the ``(original, clone)`` ``pairs``."""
    return [c.value for _, c in pairs]


def _load_point(pairs, values) -> None:
    """Set each original variable of ``pairs`` to its value in ``values``."""
    for (original, _), value in zip(pairs, values):
        # HiGHS reports a fixed column's value to within its tolerance: integers are put back exactly
        original.set_value(float(round(value)) if original.is_integer() and value is not None else value, skip_validation=True)


@solver_runs()  # the search and the solve under one hold
def solve_with_start(
    model, surrogates, config: SolverConfig, *, start: StartConfig | None = None
) -> tuple[SolveResult, StartResult]:
    """Warm-start (when ``start`` is given) and solve ``model`` within one time budget.

    The search gets at most ``start.time_limit`` seconds (plus ``start.patience`` while it has no
    point), and never more than ``config.time_limit`` in all, on its clock: with ``clock='cpu'`` those are
    CPU seconds, and its wall seconds are capped by ``start.wall_limit`` instead. Its setup (the input checks, the
    model's clone, the LP) runs before its clock checks and grows with the model: seconds for hundreds of products,
    by which such a call can pass ``config.time_limit``. The solver gets what is left of ``config.time_limit``, and the
    returned ``wall_time`` counts both, so a warm-started solve is compared with a cold one on the same clock.

    Parameters
    ----------
    model
        The Pyomo model, its products replaced.
    surrogates
        Its replacement report, products, or encodings (as :func:`activation_start` takes them).
    config
        How the model is solved; its time limit is the whole budget.
    start
        The search (``None``: none).

    Returns
    -------
    (SolveResult, StartResult)
        The solve, and the search (``found=False, seconds=0`` when not run). A solver stopped at its limit before it
        took the search's point keeps that point as its incumbent (:mod:`~surrogate.milp.start_kept`); none after an
        unbounded or infeasible termination (the search finds none then either: it starts from the LP relaxation).
    """
    if start is not None and not isinstance(start, StartConfig):
        raise ConfigError(f"solve_with_start: start={start!r} must be a StartConfig, or None for no search")
    if not isinstance(config, SolverConfig):
        raise ConfigError(f"solve_with_start: config={config!r} must be a SolverConfig, e.g. SolverConfig(time_limit=60)")
    check_surrogates("solve_with_start", model, surrogates, search=start is not None)
    check_options(config)  # a misspelt option refused before the search, not after it (its point loaded)
    found = StartResult(False, math.nan, math.nan, 0, 0.0)
    if start is not None and not without_a_value(model):  # (none: infeasible) no more than the budget, patience too
        limit = min(start.time_limit, config.time_limit)
        capped = replace(start, time_limit=limit, patience=min(start.patience, config.time_limit - limit))
        found = activation_start(model, surrogates, config=capped)
    return solve_after_start(model, config, found), found
