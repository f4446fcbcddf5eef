"""Confirming a solver's "infeasible" without its presolve, and keeping it unless a true point turns up.

HiGHS's presolve (1.15.1, 1.16.0) calls some surrogate MILPs infeasible that hold a point
(``b24-hand-paired-2x12`` at (0, 0)), and SCIP's (6.3) some of nets with tiny weights. So
:func:`~surrogate.milp.solver.solve` solves an infeasible model again with presolve off. The second
answer replaces the first only when it is a point that meets every row and integrality within
:data:`CONFIRM_TOL`: without presolve a solver can also return a point of a truly infeasible model
that passes its own feasibility tolerance (a large integer equality missed by 7), or stop at its time
limit; the proven infeasibility then stands.

"Infeasible or unbounded", and an "unbounded" that does not prove a point (Gurobi's, even without
presolve: an infeasible LP with a free objective variable is "unbounded" there; SCIP's without presolve
of an integer equality with no integer point), are told apart by a feasibility solve, the objective
replaced by 0 (:func:`confirm_infeasible`), with presolve first: a true point makes the answer
unbounded, a proof of none infeasible; otherwise neither is claimed. A presolve's proven
infeasibility needs no such solve: it stands unless the solve without presolve holds a true point. SCIP's
infeasibility without presolve, after an "infeasible or unbounded" with it, is told apart that way too.

The user's own presolve option does not turn these checks off (SCIP without presolve calls a feasible MIP
infeasible, and Gurobi with ``Presolve=0`` an unbounded one optimal, with no objective value): the solve
again without presolve is left out, the feasibility solve is not (:func:`_as_configured`).

A HiGHS solve with presolve that stops early (time or node limit) with a bound and no point is not solved
again, but warned about: that bound is HiGHS's own and unconfirmed (:func:`unconfirmed_bound`).

HiGHS runs *without* presolve on a model with integer variables of the user's own
(:func:`user_integers`: a binary, an integer, a factor made integer after a
rewrite), unless ``SolverConfig.options`` set ``presolve`` (:func:`presolve_choice`; the result's ``warnings`` say
so). HiGHS 1.16.0 with presolve returned "optimal" -3.857, its bound equal to that objective, for a surrogate MILP
with a binary linked to a factor whose optimum is -6.868. In a review of random surrogate MILPs the wrong optima
came only on models with such integers, and none without presolve, at some cost in CPU time. Tightening
``mip_feasibility_tolerance`` instead made other models wrong. A model whose only integers are
its nets' own (every benchmark instance) keeps presolve.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace

import pyomo.environ as pyo
from pyomo.common.modeling import unique_component_name

from .built_marks import built_above
from .model_components import active_objective, check_constructed, seen_variables
from .polish_result import largest_coefficient, max_violation
from .solver_backends import backend_for
from .solver_config import SolverConfig, Termination

#: A point found without presolve overturns an infeasible answer only if no row (scaled by its largest
#: coefficient), variable bound or integrality is violated by more than this (:func:`point_miss`).
CONFIRM_TOL = 1e-6
#: The second solve gets what is left of the time limit; with less than this left, none is run.
MIN_CONFIRM_SECONDS = 0.01
#: Solvers whose "unbounded" says nothing of a feasible point (Gurobi's reference of its UNBOUNDED status: "It
#: says nothing about whether the model has a feasible solution"; SCIP 9 without presolve calls the integer-infeasible
#: ``3a + 3b - 3c == 2`` unbounded): :func:`needs_confirming` checks it too.
UNBOUNDED_WITHOUT_POINT = frozenset({"gurobi", "scip"})
_EITHER = (Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED)
#: The terminations that claim no point exists.
_NO_POINT = (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED)


def _presolve_option(config: SolverConfig) -> str | None:
    """``name=value`` of the solver's presolve option in ``config.options`` (Gurobi's parameter names ignore case),
    or ``None``."""
    name = backend_for(config.solver).presolve_off[0].lower()
    return next((f"{given}={value!r}" for given, value in config.options if str(given).lower() == name), None)


def _sets_presolve(config: SolverConfig) -> bool:
    """Whether ``config.options`` name the solver's presolve option."""
    return _presolve_option(config) is not None


def presolve_says_infeasible(result, config: SolverConfig) -> bool:
    """Whether ``result`` is an infeasibility found with presolve on (the user did not set the presolve option)."""
    return result.termination in _NO_POINT and not _sets_presolve(config)


def user_integers(model) -> list:
    """The free integer variables a solve of ``model`` hands the solver (:func:`seen_variables`) that lie in no
    block this package built (:data:`~surrogate.milp.built_marks.BUILT`): a binary or integer of the user's own, also a product's factor made
    integer after a rewrite. Empty for a model whose only integers are its nets' (or baselines') own (told first
    from the model's own variables, without reading its rows: a warm start's search solves many LPs)."""
    memo: dict = {}  # by a block's id: the built block it lies in, shared by the walks (built_above)

    def users(variables) -> list:
        return [v for v in variables if v.is_integer() and not v.fixed and built_above(v, memo=memo)[0] is None]

    if not users(model.component_data_objects(pyo.Var, descend_into=True)):
        return []  # (a variable of another model that a row reads is found only by the walk below)
    return users(seen_variables(model))


def presolve_choice(model, config: SolverConfig) -> tuple[SolverConfig, str]:
    """``(config, note)``: for HiGHS on a ``model`` with integer variables of the user's own
    (:func:`user_integers`) and no ``presolve`` in ``config.options``, ``config``
    with presolve off and a note saying why (see the module docstring); otherwise ``config`` as given and ``''``."""
    if config.solver != "highs" or _sets_presolve(config):
        return config, ""
    check_constructed(model)  # (an AbstractModel's variables hold no data: refused as solve() would)
    found = user_integers(model)
    if not found:
        return config, ""
    note = (
        f"HiGHS ran without presolve: the model has {len(found)} integer variable(s) of its own (e.g. "
        f"{found[0].name!r}), on which HiGHS 1.16.0's presolve has returned a wrong optimum with bound = objective; "
        "to run it anyway, pass SolverConfig(options={'presolve': 'on'})"
    )
    return replace(config, options=(*config.options, backend_for(config.solver).presolve_off)), note


#: Terminations that stop a search early: a bound then is the solver's own, and may stand alone without a point.
_STOPPED = (Termination.TIME_LIMIT, Termination.ITERATION_LIMIT, Termination.INTERRUPTED)


def unconfirmed_bound(result, config: SolverConfig):
    """``result``, with a warning where HiGHS with presolve stopped early with a finite bound and no incumbent.

    HiGHS's presolve (1.16.0) has given a dual bound that a point of the same MILP breaks; with no incumbent
    nothing here can check it, and it is not solved again (the note says how to check it).
    """
    stopped = result.termination in _STOPPED and math.isnan(result.objective) and math.isfinite(result.bound)
    if config.solver != "highs" or _sets_presolve(config) or not stopped:
        return result
    note = (
        f"HiGHS stopped ({result.termination.value}) with a bound of {result.bound:.10g} and no point: that bound is "
        "HiGHS's own, unconfirmed (its presolve has given bounds a point breaks); to check it, solve again with "
        "SolverConfig(options={'presolve': 'off'}), or with another solver"
    )
    return replace(result, warnings=(*result.warnings, note))


#: HiGHS's advice after its warning of excessively small costs: the exponent of an exact power-of-two objective scale.
_SCALE_ADVICE = re.compile(r"user_objective_scale option to (-?\d+)")


def _objective_scale_advised(model, result) -> int | None:
    """Where HiGHS warned of excessively small costs, the ``user_objective_scale`` that takes the objective's largest
    coefficient to [1, 2) (HiGHS's own advice, where larger; its advice of 2**7 still left a false bound); else ``None``."""
    if not any("excessively small" in line and "costs" in line for line in result.warnings):
        return None
    found = next((m for line in result.warnings if (m := _SCALE_ADVICE.search(line))), None)
    largest = max((cost for cost, _ in _costs(model)), default=0.0)
    own = 1 - math.frexp(largest)[1] if 0.0 < largest < 1.0 else 0
    return min(max(own, int(found.group(1)) if found else 0), _MAX_OBJECTIVE_POWER)


def _costs(model) -> list[tuple[float, str]]:
    """``(|cost|, what it multiplies)`` of each nonzero linear cost of ``model``'s active objective: a variable's name,
    or, for a variable of a block this package built (a product's surrogate), that block's name and what to rescale."""
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(active_objective(model).expr, quadratic=False)
    costs = [(abs(float(pyo.value(c))), _named(v)) for c, v in zip(repn.linear_coefs, repn.linear_vars)]
    return [(cost, name) for cost, name in costs if cost > 0.0]


def _scale_fix(model, power: int) -> str:
    """What to do about costs HiGHS called excessively small: scale the objective by ``2**power`` where that takes its
    largest cost to near 1; where it is near 1 already (``power`` 0), drop or rescale the tiny cost beside it."""
    costs = _costs(model)
    if power > 0 or not costs:
        return f"scale the objective yourself (e.g. times 2**{power}) so that its coefficients are near 1"
    (small, name), largest = min(costs), max(cost for cost, _ in costs)
    return (
        f"its largest cost is {largest:.3g} already, so scaling it changes nothing; the warning is of its smallest, that "
        f"of {name} ({small:.3g}): drop that term if it is negligible, or rescale it (a variable, or a product's "
        "factor, times s has its cost times as much) so that its cost is nearer the others"
    )


def _named(var) -> str:
    """``var``'s name, or where a block this package built holds it (a net's encoding), what the user can rescale."""
    built, _ = built_above(var)
    if built is None:
        return var.name
    return f"{var.name} (in the block {built.name} this package built: rescale the variables it reads, a product's factors)"


#: The largest objective scale tried, ``2**40`` (an objective of 1e-12 is taken to 1).
_MAX_OBJECTIVE_POWER = 40


def confirm_bound(model, config: SolverConfig, result, resolve: Callable, *, presolve_off: bool = False):
    """``result`` (not an infeasibility) checked: where HiGHS warned of excessively small costs, the result of a solve
    again with the objective scaled to coefficients near 1 (``user_objective_scale``, a power of two: exact); else, with
    presolve, :func:`unconfirmed_bound`'s (``presolve_off``: the solve ran without presolve, :func:`presolve_choice`).

    On an objective of costs near 1e-6 (max x*y through ``bilinear`` on [-1e-3, 1e-3]^2) HiGHS 1.16 proved "optimal" a
    bound of 2.1e-9 where 9.97e-7 is reachable, and on [2e-4, 1e-3] x [-1e-3, 3e-4] -1.1e-7 where 3e-7 is, with its
    presolve or without. Only a solve whose log has that warning pays for the second solve (in what is left of the time
    limit; the note says so, and how to avoid it). With no advice, no time left or no point found, the first result
    stays and the note names its bound unconfirmed.
    """
    power = _objective_scale_advised(model, result) if config.solver == "highs" else None
    if power is None:
        return result if presolve_off else unconfirmed_bound(result, config)
    fix = _scale_fix(model, power)
    bound = f"the bound {result.bound:.10g} is unconfirmed" if not math.isnan(result.bound) else "it gave no bound"
    said = "HiGHS warned that the objective's costs are excessively small (it has proved false bounds on such objectives)"
    if any(str(name) == "user_objective_scale" for name, _ in config.options):  # the user's own scale: kept, not confirmed
        note = f"{said}, with your own user_objective_scale: {bound}; {fix}"
        return replace(result, warnings=(*result.warnings, note))
    left, restore = config.time_limit - result.wall_time, kept_values(model)
    again = None
    if power > 0 and left >= MIN_CONFIRM_SECONDS:
        scaled = _without_presolve(config, left) if presolve_off else replace(config, time_limit=left)
        again = resolve(replace(scaled, options=(*scaled.options, ("user_objective_scale", power))))
    wall = result.wall_time + (again.wall_time if again is not None else 0.0)
    if again is None or not again.has_solution:
        restore()
        why = f"it gave {again.termination.value}" if again is not None else "no time was left" if power > 0 else "no scale helps"
        note = f"{said}; a solve with the objective scaled was not had ({why}): {bound}; {fix}"
        return replace(result, wall_time=wall, warnings=(*result.warnings, note))
    note = (
        f"{said}; this is the result of a second solve with the option user_objective_scale={power} (the objective times "
        f"2**{power}, exact; the first gave objective {result.objective:.10g}, bound {result.bound:.10g}); {fix} to avoid "
        "the second solve"
    )
    return replace(again, wall_time=wall, warnings=(*again.warnings, note))


def _no_optimum(result) -> bool:
    """Whether ``result`` is an "optimal" without an objective value: Gurobi with ``Presolve=0`` calls an unbounded
    MIP optimal, at an integer value of -1e100."""
    return result.termination is Termination.OPTIMAL and math.isnan(result.objective)


def needs_confirming(result, config: SolverConfig) -> bool:
    """Whether :func:`confirm_infeasible` checks ``result``: an infeasibility (also with the user's presolve option:
    SCIP without presolve calls a feasible MIP infeasible), an "unbounded" of a solver in
    :data:`UNBOUNDED_WITHOUT_POINT`, or an optimum without an objective value."""
    unproven = result.termination is Termination.UNBOUNDED and config.solver in UNBOUNDED_WITHOUT_POINT
    return unproven or result.termination in _NO_POINT or _no_optimum(result)


def _without_presolve(config: SolverConfig, left: float) -> SolverConfig:
    """``config`` with ``left`` seconds and the solver's presolve off (its callers never get here where the
    user's options set presolve: that solve is the user's to configure)."""
    return replace(config, time_limit=left, options=(*config.options, backend_for(config.solver).presolve_off))


def point_miss(model) -> float:
    """The largest violation at the loaded point (:func:`~surrogate.milp.polish_result.max_violation`), with a
    row's divided by ``max(1, its largest |coefficient|)``, not by its bound: an integer equality
    ``sum a_i x_i = 7,000,001`` missed by 7 is no point of it."""
    return max_violation(model, row_divisor=lambda con: max(1.0, largest_coefficient(con) or 0.0), skip_unset=True)


def kept_values(model) -> Callable[[], None]:
    """A function that sets ``model``'s variables back to the values they have now."""
    variables = list(model.component_data_objects(pyo.Var, descend_into=True))
    before = [v.value for v in variables]

    def restore() -> None:
        for var, value in zip(variables, before):
            var.set_value(value, skip_validation=True)

    return restore


def confirm_infeasible(model, config: SolverConfig, first, resolve: Callable, *, presolve_off: bool = False):
    """Solve again without presolve (``resolve(config)``); its :class:`~surrogate.milp.solve_result.SolveResult` if it
    holds a true point, else ``first`` (the infeasible one), or what a feasibility solve tells (:func:`_tell_apart`).

    The second solve gets what is left of ``config.time_limit`` (none with less than
    :data:`MIN_CONFIRM_SECONDS` left). Either way the result carries the time of all solves
    (``wall_time``: their sum; ``nodes`` and ``first_solution_time``: the last's) and a warning saying what they gave.
    Unless a point is the answer, the variables keep the values they had before (nothing is loaded).
    An "unbounded" (:func:`needs_confirming`) goes straight to the feasibility solve. A proven infeasibility
    stands unless the second solve holds a true point, whatever else it says (also "unbounded": without presolve
    no solver's proves a point): no feasibility solve is run for it. With ``presolve_off`` (``first`` came without
    presolve, chosen by :func:`presolve_choice`) it is checked as with the user's own presolve option
    (:func:`_as_configured`), its feasibility solve with presolve.
    """
    backend, restore = backend_for(config.solver), kept_values(model)
    if first.termination is Termination.UNBOUNDED or _no_optimum(first):
        said = f"{backend.label} reported {first.termination.value}"
        said += " (with no objective value: a variable at infinity)" if _no_optimum(first) else ""
        said += ", which does not prove that the model has a point;"
        return _tell_apart(model, config, first, resolve, said=said, restore=restore)
    if _sets_presolve(config) or presolve_off:
        return _as_configured(model, config, first, resolve, restore=restore)
    left = config.time_limit - first.wall_time  # the time limit is the whole solve's
    if not left >= MIN_CONFIRM_SECONDS:
        note = f"{backend.label} with presolve reported {first.termination.value}; no time was left to solve again without it"
        return replace(first, warnings=(*first.warnings, note))
    again = resolve(_without_presolve(config, left))
    said = f"{backend.label} with presolve reported {first.termination.value}; solved again without presolve, which gave"
    wall = first.wall_time + again.wall_time
    miss = point_miss(model) if again.has_solution else None
    if miss is not None and miss <= CONFIRM_TOL:
        note = f"{said} {again.termination.value} (this result: its point meets every row within {CONFIRM_TOL:g})"
        return replace(again, wall_time=wall, warnings=(*again.warnings, note))
    restore()
    unsure = first.termination is Termination.INFEASIBLE_OR_UNBOUNDED
    doubted = (Termination.INFEASIBLE,) if config.solver == "scip" else ()  # SCIP without presolve (probe128 #2)
    if unsure and again.termination in (*_EITHER, *doubted):
        last = replace(again, wall_time=wall)
        return _tell_apart(model, config, last, resolve, said=f"{said} {again.termination.value};", restore=restore)
    if unsure and again.termination is Termination.INFEASIBLE:
        note = f"{said} {again.termination.value} (this result: it tells the two apart)"
        return replace(again, wall_time=wall, warnings=(*again.warnings, note))
    found = "" if miss is None else f" with a point that misses a row or integrality by {miss:.3g} (relative)"
    stands = "the infeasibility stands" if not unsure else "that answer stands"
    note = f"{said} {again.termination.value}{found}; {stands}"
    return replace(first, wall_time=wall, warnings=(*first.warnings, note))


def _as_configured(model, config: SolverConfig, first, resolve: Callable, *, restore: Callable):
    """``first`` (an infeasibility) checked where the user's options set the solver's presolve: no second solve without
    presolve (it would be the same), but the feasibility solve (:func:`_feasibility`). A true point turns a proven
    infeasibility into termination ``error``: the model has a point, and nothing is known of its optimum. (Also where
    ``first`` came without presolve, chosen by :func:`presolve_choice`: the feasibility solve then has presolve, and
    its infeasibility needs no solve without it, ``first`` was one.)"""
    given = _presolve_option(config) or "presolve='off' (chosen for the model's own integers)"
    said = f"{backend_for(config.solver).label} reported {first.termination.value} with the option {given};"
    if first.termination is Termination.INFEASIBLE_OR_UNBOUNDED:
        return _tell_apart(model, config, first, resolve, said=said, restore=restore, unpresolved=False)
    found, seconds, gave = _feasibility(model, config, first.wall_time, resolve, unpresolved=False)
    restore()
    wall = first.wall_time + seconds
    if found:
        note = (
            f"{said} {gave} with a point that meets every row within {CONFIRM_TOL:g}: the infeasibility is wrong, "
            f"and no optimum is known (this result: error); solve without {given}"
        )
        unknown = dict(objective=math.nan, bound=math.nan, gap=math.nan, first_solution_time=math.nan)
        return replace(first, termination=Termination.ERROR, wall_time=wall, warnings=(*first.warnings, note), **unknown)
    note = f"{said} {gave}; the infeasibility stands"
    return replace(first, wall_time=wall, warnings=(*first.warnings, note))


def feasibility_solve(model, config: SolverConfig, resolve: Callable):
    """``resolve(config)`` with ``model``'s active objective replaced by the constant 0 (of the same sense)."""
    objective = active_objective(model)
    name = unique_component_name(model, "surrogate_feasibility")
    added = pyo.Objective(expr=0, sense=objective.sense)
    model.add_component(name, added)
    if not added.is_constructed():  # a copy of an indexed block's element (m.s[1].clone()) builds nothing added to it
        added.construct()
    objective.deactivate()
    try:
        return resolve(config)
    finally:
        model.del_component(name)
        objective.activate()


def _feasibility(model, config: SolverConfig, spent: float, resolve: Callable, *, unpresolved: bool = True):
    """Whether ``model`` has a point, by :func:`feasibility_solve` in what is left after ``spent`` seconds:
    ``(answer, seconds, said)``, ``answer`` True (a true point, left loaded), False (none) or None (not known).

    The first solve keeps the solver's presolve (with objective 0 its "infeasible or unbounded" is an
    infeasibility, and often proven at once). A presolve's infeasibility is then confirmed without presolve, as the
    model's own (:func:`confirm_infeasible`): it stands unless that solve holds a true point (not with
    ``unpresolved`` false, nor where the user's options set presolve).
    """
    left = config.time_limit - spent
    if not left >= MIN_CONFIRM_SECONDS:
        return None, 0.0, "no time was left for a feasibility solve (objective 0)"
    presolved = feasibility_solve(model, replace(config, time_limit=left), resolve)
    said = f"a feasibility solve (objective 0) gave {presolved.termination.value}"
    if presolved.has_solution and point_miss(model) <= CONFIRM_TOL:
        return True, presolved.wall_time, said
    if presolved.termination not in _NO_POINT:
        return None, presolved.wall_time, said
    left -= presolved.wall_time
    if _sets_presolve(config) or not unpresolved or not left >= MIN_CONFIRM_SECONDS:
        return False, presolved.wall_time, said  # no other solve to confirm it with
    again = feasibility_solve(model, _without_presolve(config, left), resolve)
    said = f"{said}, and without presolve {again.termination.value}"
    found = again.has_solution and point_miss(model) <= CONFIRM_TOL
    return found, presolved.wall_time + again.wall_time, said


def _tell_apart(model, config: SolverConfig, last, resolve: Callable, *, said: str, restore: Callable, unpresolved: bool = True):
    """Infeasible or unbounded (``last``, an answer that proves neither), told apart by :func:`_feasibility`.

    ``last`` made infeasible where that proves the model has no point, unbounded where it finds a true point,
    and otherwise infeasibleOrUnbounded: neither is claimed without proof. ``said`` opens the note.
    """
    found, seconds, gave = _feasibility(model, config, last.wall_time, resolve, unpresolved=unpresolved)
    restore()
    objective = active_objective(model)
    far = -math.inf if objective.sense == pyo.minimize else math.inf
    either = dict(objective=math.nan, gap=math.nan, wall_time=last.wall_time + seconds, first_solution_time=math.nan)
    if found is False:
        note = f"{said} {gave} (this result: the model has no point)"
        return replace(last, termination=Termination.INFEASIBLE, bound=-far, warnings=(*last.warnings, note), **either)
    if found:
        note = f"{said} {gave} with a point that meets every row within {CONFIRM_TOL:g} (this result: unbounded)"
        return replace(last, termination=Termination.UNBOUNDED, bound=far, warnings=(*last.warnings, note), **either)
    note = f"{said} {gave}; neither infeasibility nor unboundedness is proven"
    return replace(last, termination=Termination.INFEASIBLE_OR_UNBOUNDED, bound=far, warnings=(*last.warnings, note), **either)
