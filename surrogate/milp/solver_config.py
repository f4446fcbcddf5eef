"""What a MILP solve is asked for and how it ended: :class:`SolverConfig` and :class:`Termination`.

Kept free of Pyomo, so that configs and command-line defaults built on them
import in milliseconds; :mod:`surrogate.milp.solver` runs the solves.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import partial

from ..errors import ConfigError
from ..options import MAX_CPU_THREADS, MAX_TIME_LIMIT, check_seconds, is_number, plain_number, plain_numbers  # noqa: F401 (MAX_TIME_LIMIT: re-exported)

#: The MILP solvers :class:`SolverConfig` can name: HiGHS (the default, always installed), SCIP and Gurobi
#: (optional: the ``scip`` / ``gurobi`` extras, :func:`~surrogate.install_hints.extra_hint`), each run through Pyomo's
#: ``contrib.solver`` interface by :mod:`surrogate.milp.solver_backends`.
SOLVERS = ("highs", "scip", "gurobi")
#: How tables and messages name each solver.
SOLVER_NAMES = {"highs": "HiGHS", "scip": "SCIP", "gurobi": "Gurobi"}

#: The settings that :class:`SolverConfig`'s fields, :func:`~surrogate.milp.solver.solve`'s ``node_limit``, the SCIP
#: log cut (:data:`~surrogate.milp.scip_direct.LOG_OPTIONS`) or SCIP's Ctrl-C choice
#: (:func:`~surrogate.milp.solve_interrupts.ctrl_c_stops_here`) own, each with how the API sets it instead (a command
#: line names its own flags: :func:`managed_reason`'s ``fixes``).
SETTINGS = {
    "time_limit": "set SolverConfig.time_limit instead",
    "rel_gap": "set SolverConfig.rel_gap instead",
    "threads": "set SolverConfig.threads instead",
    "node_limit": "pass solve(node_limit=...) instead",
    "log": "SCIP's log is cut so that it cannot block a solve (surrogate.milp.scip_direct.LOG_OPTIONS); leave it out",
    "ctrl_c": "the package sets it from the SIGINT handler in force: SCIP catches Ctrl-C itself only where it is "
    "Python's own KeyboardInterrupt, and leaves it to a handler of the program's own (docs/scip.md, 'Ctrl-C'); "
    "leave it out",
}
#: Each solver's own options that a :data:`SETTINGS` setting owns: option name -> the setting. ``SolverConfig.options``
#: may not name them. The absolute gaps too: the package asks for a relative gap only, and an absolute one ended a
#: solve "optimal" far from the optimum (:data:`OWNED_NOTES`).
OWNED_OPTIONS: dict[str, dict[str, str]] = {
    "highs": {
        "time_limit": "time_limit",
        "mip_rel_gap": "rel_gap",
        "mip_abs_gap": "rel_gap",
        "threads": "threads",
        "mip_max_nodes": "node_limit",
    },
    "scip": {
        "limits/time": "time_limit",
        "limits/gap": "rel_gap",
        "limits/absgap": "rel_gap",
        "lp/threads": "threads",
        "limits/totalnodes": "node_limit",
        "limits/nodes": "node_limit",
        "display/verblevel": "log",
        "misc/catchctrlc": "ctrl_c",
    },
    "gurobi": {
        "TimeLimit": "time_limit",
        "MIPGap": "rel_gap",
        "MIPGapAbs": "rel_gap",
        "Threads": "threads",
        "NodeLimit": "node_limit",
    },
}
_ABS_GAP = (
    "an absolute gap ends a solve 'optimal' with more than rel_gap left: {} gave 'optimal' at {} with bound {} on the "
    "{} surrogate MILP of a 3x8 net; the package leaves the solver's default absolute gap"
)
#: Why some :data:`OWNED_OPTIONS` are owned, where the setting's name does not say it: added to the refusal.
OWNED_NOTES = {
    "highs": {"mip_abs_gap": _ABS_GAP.format("mip_abs_gap=1e4", -412.6, -1102.4, "foulds2")},
    "scip": {
        "limits/nodes": "it caps the nodes after SCIP's last restart only",
        "limits/absgap": _ABS_GAP.format("limits/absgap=1e4", 347.3, -399.7, "haverly1"),
    },
    "gurobi": {"MIPGapAbs": _ABS_GAP.format("MIPGapAbs=1e4", -1096.8, -1102.4, "foulds2")},
}


def managed_reason(solver: str, name: str, fixes: Mapping[str, str] | None = None) -> str | None:
    """How to set what ``solver``'s option ``name`` sets, if a :data:`SETTINGS` setting owns it (:data:`OWNED_OPTIONS`,
    in any spelling ``solver`` reads as the same name: :func:`option_key`), else ``None``.

    ``fixes``: the way to set each setting, where it is not the API's (:data:`SETTINGS`): a command's own flags.

    >>> managed_reason("gurobi", "Mip_Gap")
    'set SolverConfig.rel_gap instead'
    >>> managed_reason("highs", "threads", {"threads": "use --threads instead"})
    'use --threads instead'
    >>> managed_reason("highs", "presolve") is None
    True
    """
    found = [owned for owned in OWNED_OPTIONS[solver] if option_key(solver, owned) == option_key(solver, name)]
    if not found:
        return None
    fix = {**SETTINGS, **(fixes or {})}[OWNED_OPTIONS[solver][found[0]]]
    note = OWNED_NOTES[solver].get(found[0])
    return f"{fix} ({note})" if note else fix


#: Each solver's own options that :class:`SolverConfig` refuses because the solver would then report a wrong answer:
#: option name -> why, and what to do instead. HiGHS takes ``objective_bound`` as a cut-off, and a cut-off below the
#: optimum (of a minimisation) made it answer "optimal" with a point that is not the optimum, or "infeasible" for a
#: model that has points (HiGHS 1.16). Its ``objective_target``, SCIP's ``limits/primal`` and ``limits/dual`` and
#: Gurobi's ``Cutoff``, ``BestObjStop`` and ``BestBdStop`` stop the solve honestly (termination ``objectiveLimit``, or
#: the optimum), so they are passed on.
UNSOUND_OPTIONS: dict[str, dict[str, str]] = {
    "highs": {
        "objective_bound": "HiGHS takes it as a cut-off and reports what is left as the model's answer: 'optimal' at a "
        "point that is not the optimum, or 'infeasible' for a model that has points; add the bound to the model as a "
        "constraint on the objective's expression, or drop results beyond it afterwards"
    },
    "scip": {},
    "gurobi": {},
}

#: Each solver's integrality tolerance: ``(option, default)``. An integer variable may sit that far from an integer at
#: the solver's point, and the big-M constants of an encoded net turn a loose one into a point off the net and a false
#: bound (Gurobi's ``IntFeasTol=0.1`` gave "optimal" at -0.499 with gap 0 where the MILP's optimum is 1.41). SCIP
#: and HiGHS have no option for integrality alone: their feasibility tolerance is it.
INTEGRALITY_OPTIONS = {
    "highs": ("mip_feasibility_tolerance", 1e-6),
    "scip": ("numerics/feastol", 1e-6),
    "gurobi": ("IntFeasTol", 1e-5),
}
#: The largest value :class:`SolverConfig` takes for an :data:`INTEGRALITY_OPTIONS` option, and how far from an integer
#: an integer variable of an incumbent may be before :func:`~surrogate.milp.solution_check.untrusted` refuses the point.
INTEGRALITY_TOL = 1e-4

#: An example for error messages: one option of each solver that :class:`SolverConfig` passes on.
OPTION_EXAMPLES = {"highs": "{'mip_heuristic_effort': 0.3}", "scip": "{'separating/maxrounds': 0}", "gurobi": "{'MIPFocus': 3}"}


class Termination(enum.StrEnum):
    """Why a solve stopped: the members of Pyomo's ``contrib.solver`` ``TerminationCondition``.

    A :class:`enum.StrEnum`, so a member is also its name as a string (what the
    result tables and JSON files hold): ``Termination.TIME_LIMIT == "maxTimeLimit"``.
    """

    OPTIMAL = "convergenceCriteriaSatisfied"
    TIME_LIMIT = "maxTimeLimit"
    ITERATION_LIMIT = "iterationLimit"
    OBJECTIVE_LIMIT = "objectiveLimit"
    MIN_STEP_LENGTH = "minStepLength"
    UNBOUNDED = "unbounded"
    INFEASIBLE = "provenInfeasible"
    LOCALLY_INFEASIBLE = "locallyInfeasible"
    INFEASIBLE_OR_UNBOUNDED = "infeasibleOrUnbounded"
    ERROR = "error"
    INTERRUPTED = "interrupted"
    LICENSING_PROBLEMS = "licensingProblems"
    EMPTY_MODEL = "emptyModel"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, condition) -> Termination:
        """The member for a Pyomo ``TerminationCondition`` (matched by name)."""
        return cls(condition.name)


#: Terminations after which no point is a solution of the model (an incumbent HiGHS reports anyway,
#: e.g. a warm start on an unbounded model, is dropped).
NO_SOLUTION = frozenset(
    {
        Termination.UNBOUNDED,
        Termination.INFEASIBLE,
        Termination.LOCALLY_INFEASIBLE,
        Termination.INFEASIBLE_OR_UNBOUNDED,
        Termination.ERROR,
    }
)


def bound_by_termination(termination: Termination, bound: float, *, minimise: bool) -> float:
    """``bound`` as every route reports it (:class:`~surrogate.milp.solve_result.SolveResult`, the peers'): ``-inf`` for a
    minimisation that may be unbounded (``unbounded``, ``infeasibleOrUnbounded``; ``+inf`` maximising), ``+inf`` for an
    infeasible one (``-inf`` maximising), else as the solver gave it (Gurobi gives ``+inf`` after either whatever the
    sense)."""
    far = -math.inf if minimise else math.inf
    if termination in (Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED):
        return far
    return -far if termination == Termination.INFEASIBLE else bound


#: The most threads each solver takes (SCIP's ``lp/threads`` and Gurobi's ``Threads`` ranges).
MAX_THREADS = {"highs": MAX_CPU_THREADS, "scip": 64, "gurobi": MAX_CPU_THREADS}


@dataclass(frozen=True, kw_only=True)
class SolverConfig:
    """How a MILP is solved.

    Parameters
    ----------
    time_limit
        Seconds before the solver stops (the result records ``maxTimeLimit``; a ``Fraction`` is kept as a float); at most
        :data:`MAX_TIME_LIMIT`, which is no practical limit. It holds for the whole of
        :func:`~surrogate.milp.solver.solve`: an infeasible answer confirmed without presolve
        (:mod:`~surrogate.milp.presolve_check`) gets what the first solve left.
    rel_gap
        Relative MIP gap at which the solver stops (each solver's own definition of the gap).
    threads
        Threads the solver may use (1 makes timings comparable; SCIP's search is
        single-threaded anyway and uses them for its LPs only); at most the solver's :data:`MAX_THREADS`.
    solver
        One of :data:`SOLVERS`: ``'highs'`` (default), ``'scip'`` or ``'gurobi'``. Nothing
        is imported here: a solver that is not installed is reported when a solve starts
        (see :func:`surrogate.milp.solver_backends.available_solvers`).
    options
        The solver's own options, by its own names (e.g. HiGHS ``{'mip_heuristic_effort': 0.3}``,
        SCIP ``{'separating/maxrounds': 0}``); values are bools, integers, finite floats or strings.
        Given as a mapping, kept as ``(name, value)`` pairs sorted by name (so a config hashes and
        keys a cache). Names that the other fields or :func:`~surrogate.milp.solver.solve` set
        (:data:`OWNED_OPTIONS`; Gurobi's in any case and without underscores, as Gurobi reads them:
        :func:`option_key`) are refused here, and so are those that make the solver report a wrong answer
        (:data:`UNSOUND_OPTIONS`: HiGHS's cut-off ``objective_bound``); whether the solver knows a name and takes its
        value is checked when a solve starts, before any is run
        (:func:`surrogate.milp.solve_checks.check_options`). Default: none. HiGHS's ``presolve``: unless given here,
        it is ``'off'`` on a model with integer variables of the user's own (a binary or integer outside the
        blocks this package built: :func:`~surrogate.milp.presolve_check.user_integers`), and the result's
        ``warnings`` say so; HiGHS 1.16.0's presolve returned a wrong "optimal" (bound = objective, -3.857
        against -6.868) on such a surrogate MILP, and presolve off gave no wrong one in a review of random ones
        (:func:`~surrogate.milp.presolve_check.presolve_choice`). Models
        whose only integers are their nets' own (every benchmark instance) keep HiGHS's default.
    """

    time_limit: float = 60.0
    rel_gap: float = 1e-6
    threads: int = 1
    solver: str = "highs"
    options: tuple[tuple[str, bool | int | float | str], ...] = ()

    def __post_init__(self) -> None:
        plain_numbers(self)  # NumPy scalars kept as Python numbers (JSON, cache keys)
        check_seconds("SolverConfig: time_limit", self.time_limit)
        if not is_number(self.rel_gap, low=0, high=1, high_open=True):
            raise ConfigError(f"SolverConfig: rel_gap={self.rel_gap!r} must lie in [0, 1), e.g. 1e-6")
        if not isinstance(self.solver, str) or self.solver not in SOLVERS:
            raise ConfigError(
                f"SolverConfig: solver={self.solver!r} is not supported; use one of {', '.join(SOLVERS)} "
                "(all three solve through Pyomo; 'scip' and 'gurobi' need their optional packages)"
            )
        most = MAX_THREADS[self.solver]
        if not is_number(self.threads, integer=True, low=1, high=most):
            raise ConfigError(
                f"SolverConfig: threads={self.threads!r} must be an integer from 1 to {most} ({self.solver}'s range)"
            )
        object.__setattr__(self, "options", _option_pairs(self.options, self.solver))
        for name in ("time_limit", "rel_gap"):  # a Fraction as a float: the config writes to JSON and keys a cache
            if not isinstance(getattr(self, name), int | float):
                object.__setattr__(self, name, float(getattr(self, name)))

    def cache_key(self) -> dict:
        """The fields as a dict for a cached result's key; ``options`` only when some are given.

        A config without options keys its results as before options existed, so earlier runs' caches stay valid.
        """
        key = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "options"}
        return {**key, "options": [list(pair) for pair in self.options]} if self.options else key

    def option_dict(self) -> dict[str, bool | int | float | str]:
        """:attr:`options` as a dict (what Pyomo's ``solver_options`` takes)."""
        return dict(self.options)


def _option_pairs(options, solver: str) -> tuple[tuple[str, bool | int | float | str], ...]:
    """``options`` (a mapping, or ``(name, value)`` pairs) as sorted pairs, each name and value checked."""
    example = OPTION_EXAMPLES[solver]
    if isinstance(options, Mapping):
        options = tuple(options.items())
    if not isinstance(options, tuple | list) or not all(isinstance(p, tuple | list) and len(p) == 2 for p in options):
        raise ConfigError(f"SolverConfig: options={options!r} must map option names to values, e.g. {example}")
    options = [(name, _plain(value)) for name, value in options]
    key = partial(option_key, solver)
    unsound = {key(name): why for name, why in UNSOUND_OPTIONS[solver].items()}
    names = [key(name) if isinstance(name, str) else name for name, _ in options]
    for name, value in options:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"SolverConfig: option name {name!r} must be a non-empty string, e.g. {example}")
        if why := managed_reason(solver, name):
            raise ConfigError(f"SolverConfig: option {name!r} of {solver} is managed by surrogate: {why}")
        if key(name) in unsound:
            raise ConfigError(f"SolverConfig: option {name!r} of {solver} is refused: {unsound[key(name)]}")
        if not isinstance(value, bool | int | float | str) or (isinstance(value, float) and not math.isfinite(value)):
            raise ConfigError(f"SolverConfig: option {name!r}={value!r} must be a bool, an integer, a finite float or a string")
        if key(name) == key(INTEGRALITY_OPTIONS[solver][0]) and is_number(value) and value > INTEGRALITY_TOL:
            raise ConfigError(f"SolverConfig: option {name}={value!r} of {solver} is refused: {loose_integrality(solver)}")
        if names.count(key(name)) > 1:
            same = " (Gurobi reads names in any case and without underscores)" if solver == "gurobi" else ""
            raise ConfigError(f"SolverConfig: option {name!r} is given twice{same}; give it once")
    return tuple(sorted(options))


def loose_integrality(solver: str) -> str:
    """Why an integrality tolerance above :data:`INTEGRALITY_TOL` is no option of ``solver``, and what to give instead."""
    name, default = INTEGRALITY_OPTIONS[solver]
    return (
        f"{SOLVER_NAMES[solver]}'s {name} bounds how far an integer variable may sit from an integer at its point "
        "(and, but for Gurobi's, how far a row may be missed), and big-M rows (an encoded net's, or the model's own) "
        "turn a fractional binary into a point off the model with a false bound ('optimal', gap 0); every incumbent "
        f"more than {INTEGRALITY_TOL:g} off an integer is refused anyway; leave {name} at its default ({default:g}) or "
        f"give at most {INTEGRALITY_TOL:g}"
    )


def option_key(solver: str, name: str) -> str:
    """The name ``solver`` reads ``name`` as: Gurobi's in lower case without underscores (``'Time_Limit'`` is
    ``TimeLimit``), HiGHS's and SCIP's as given (each knows one spelling of every name)."""
    return name.lower().replace("_", "") if solver == "gurobi" else name


def _plain(value):
    """A NumPy or other ``numbers`` scalar as the Python ``bool``, ``int``, ``float`` or ``str`` a solver's option setter takes."""
    value = plain_number(value)  # np.True_ -> True, np.str_ -> str
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value) if isinstance(value, numbers.Real) else value
