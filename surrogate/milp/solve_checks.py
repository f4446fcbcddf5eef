"""Checks around a MILP solve: before it (the solver, its options, a linear model, numbers given as numbers) and after
it (warnings; Ctrl-C: :mod:`~surrogate.milp.solve_interrupts`).

:func:`check_solver` is what a benchmark or sweep calls before any work;
:func:`~surrogate.milp.solver.solve` calls the others on every solve.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet

from ..errors import ModelFormatError, NonlinearModelError
from .highs_run import solver_runs
from .model_components import find_named, first_names, seen_variables
from .model_numbers import check_numbers, unset_fixed
from .rewrite_record import RECORD
from .solve_interrupts import noting_interrupts, raise_noted, stop_if_interrupted  # noqa: F401 (re-exported: moved)
from .solver_backends import backend_for
from .solver_config import SolverConfig
from .solver_options import try_options

#: A nonzero |coefficient| of the constraint matrix or the objective above this is a warning.
COEFFICIENT_LIMIT = 1e9
#: A ratio of the largest to the smallest nonzero |coefficient| of the constraint matrix above this is a warning.
COEFFICIENT_RANGE_LIMIT = 1e9
#: Lines of a solver's log that are kept as warnings, matched case-insensitively: a HiGHS, SCIP or Gurobi warning or
#: error (``WARNING: ...``, ``[file.c:12] WARNING: ...``, ``Warning: ...``, Gurobi's ``Warning for adding
#: constraints: ...``, ``ERROR: ...``; not the summary's "P-D objective error"), or HiGHS's scaling advice. Another thread's output during a solve is captured with the
#: solver's (the process's fds 1 and 2 are redirected): Python's logging (``WARNING:root:...``, ``LOG WARNING ...``)
#: is not taken for the solver's.
LOG_WARNING_LINE = re.compile(
    r"^(\[[^\]]*\]\s*)?(warning|error)\s*:(\s|$)|^warning for adding \w+:|badly scaled|consider scaling", re.IGNORECASE
)


def log_warnings(log: str) -> list[str]:
    """The lines of a solver's log that warn (see :data:`LOG_WARNING_LINE`), stripped, in order, without repeats."""
    kept = [line for line in (line.strip() for line in log.splitlines()) if LOG_WARNING_LINE.search(line)]
    return list(dict.fromkeys(kept))


#: Per solver, the |coefficient| of a constraint and of the objective at which it fails, and the |value| of a
#: row's side, a variable's bound or the objective's constant it reads as infinite: HiGHS reads a matrix value
#: of 1e15 or more as an error and solves without the rows it could not load (its ``large_matrix_value``),
#: and a cost, side or bound of 1e20 as infinite; SCIP stops at its infinity, 1e20. Such a model is refused before a solve.
COEFFICIENT_LIMITS = {"highs": (1e15, 1e20, 1e20), "scip": (1e20, 1e20, 1e20)}


def _sides(lower, upper, constant: float) -> list[float]:
    """A row's sides (``None``: none) with its body's constant moved over; a lower side of ``-inf`` or an upper
    side of ``inf`` (a mutable Param set so: "no limit") is none, as Pyomo's ``has_lb()``/``has_ub()`` read it."""
    values = [(float(pyo.value(side)), absent) for side, absent in ((lower, -math.inf), (upper, math.inf)) if side is not None]
    return [value - constant for value, absent in values if value != absent]


def _bounds(variables) -> list[tuple[float, object]]:
    """``(bound, variable)`` of each of ``variables`` (``nan`` for a bound Pyomo refuses to read: a NaN Param)."""
    found = []
    from .solution_check import readable_bounds

    for var in variables:
        bounds = readable_bounds(var)
        found += [(float(b), var) for b in (_unreadable_bounds(var) if bounds is None else bounds) if b is not None]
    return found


def _unreadable_bounds(var) -> list:
    """The bounds of ``var`` that Pyomo refuses to read, by value: a lower one of ``inf`` or an upper one of ``-inf``
    (mutable Params set so: no point meets them), else ``[nan]`` (a NaN Param, or one without a value)."""
    try:
        lower, upper = (None if b is None else float(pyo.value(b)) for b in (var.lower, var.upper))
    except (ValueError, ZeroDivisionError):
        return [math.nan]
    impossible = [b for b, free in ((lower, -math.inf), (upper, math.inf)) if b is not None and b != free]
    return impossible if any(math.isinf(b) or math.isnan(b) for b in impossible) else [math.nan]


def _where(component) -> str:
    """Which side, bound or constant ``component`` holds, in words (names are made only for what is reported)."""
    kind = {pyo.Constraint: "a side of constraint", pyo.Objective: "the constant of objective"}.get(component.ctype)
    return f"{kind or 'a bound of variable'} {component.name!r}{_rewrite_of(component)}"


def _rewrite_of(component) -> str:
    """`` (the rewrite of 'c')`` for a row or objective that replace_products rebuilt from the user's ``c``, else ``""``."""
    rows = component.ctype in (pyo.Constraint, pyo.Objective)  # not a variable (one whose component is gone has no ctype)
    record = getattr(component.parent_block(), RECORD, None) if rows else None
    rewritten = getattr(record, "rewritten", ())
    return next((f" (the rewrite of {item.name!r})" for item in rewritten if item.copy is component), "")


@dataclass(frozen=True)
class CoefficientScale:
    """The nonzero |coefficients| of a linear model's active constraints and objective (fixed variables as constants).

    ``matrix`` and ``cost`` are the largest |coefficient| of the constraints and of the objective (0 if
    none), ``spread`` the ratio of the constraints' largest to smallest nonzero |coefficient|, and
    ``row`` the constraint that holds the largest. ``side`` is the (signed) value of a row's side, a variable's
    bound or the objective's constant largest in magnitude, ``side_at`` what holds it; ``nan`` names
    the first NaN among all of these (a coefficient too: a Param set so), ``""`` if none. ``variables`` are the
    unfixed variables the rows and objective read (declared in the model or not).
    """

    matrix: float
    cost: float
    spread: float
    row: str
    side: float = 0.0
    side_at: str = ""
    nan: str = ""
    variables: ComponentSet = field(default_factory=ComponentSet, compare=False, repr=False)

    @classmethod
    def of(cls, model) -> CoefficientScale:
        """Read ``model`` (linear: :func:`check_linear` first) through Pyomo's standard representation; a fixed
        variable without a value that it reads (another model's, which :func:`check_fixed_values` of a model
        without a parent does not look for) is named as that check names it."""
        try:
            return cls._read(model)
        except TypeError:  # Pyomo adds the value None of such a variable to a constant
            check_fixed_values(model, unread=False)
            raise

    @classmethod
    def _read(cls, model) -> CoefficientScale:
        from pyomo.repn.standard_repn import generate_standard_repn

        largest, smallest, row, cost, edges, nan, seen = 0.0, math.inf, None, 0.0, [], [], ComponentSet()
        for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
            try:
                lower, body, upper = con.to_bounded_expression()
                repn = generate_standard_repn(body, compute_values=True)
                edges += [(v, con) for v in _sides(lower, upper, float(repn.constant))]
            except (ValueError, ZeroDivisionError, TypeError) as error:  # a NaN Param as a side, x/p with p 0, a complex Param
                if isinstance(error, TypeError):  # or Pyomo adding the None of a fixed variable without a value: named
                    check_fixed_values(model, unread=False)
                nan.append(f"a side or coefficient of constraint {con.name!r}{_rewrite_of(con)}")
                continue
            seen.update(repn.linear_vars)  # unfixed variables only: a fixed one is a constant, its bounds unread
            values = [abs(float(c)) for c in repn.linear_coefs]
            nan += [f"a coefficient of constraint {con.name!r}{_rewrite_of(con)}"] if any(math.isnan(v) for v in values) else []
            values = [v for v in values if v > 0]
            if values and max(values) > largest:
                largest, row = max(values), con
            smallest = min([smallest, *values])
        for obj in model.component_data_objects(pyo.Objective, active=True, descend_into=True):
            try:
                repn = generate_standard_repn(obj.expr, compute_values=True)
            except (ValueError, ZeroDivisionError):  # as for a row
                nan.append(f"a coefficient or constant of objective {obj.name!r}{_rewrite_of(obj)}")
                continue
            seen.update(repn.linear_vars)
            coefs = [abs(float(c)) for c in repn.linear_coefs]
            nan += [f"a coefficient of objective {obj.name!r}{_rewrite_of(obj)}"] if any(math.isnan(v) for v in coefs) else []
            cost = max([cost, *(c for c in coefs if not math.isnan(c))])
            edges.append((float(repn.constant), obj))
        edges += _bounds(seen)
        nan += [_where(at) for value, at in edges if math.isnan(value)]
        side, at = max(((v, c) for v, c in edges if not math.isnan(v)), key=lambda e: abs(e[0]), default=(0.0, None))
        spread = largest / smallest if largest > 0 else 1.0
        row_name, at_name = "" if row is None else row.name, "" if at is None else _where(at)
        return cls(largest, cost, spread, row_name, side, at_name, (nan + [""])[0], seen)

    def warnings(self) -> list[str]:
        """A warning naming the largest coefficient and the fix when it is above :data:`COEFFICIENT_LIMIT` or
        the constraints' range exceeds :data:`COEFFICIENT_RANGE_LIMIT`; nothing for a well-scaled model."""
        largest = max(self.matrix, self.cost)
        if largest <= COEFFICIENT_LIMIT and self.spread <= COEFFICIENT_RANGE_LIMIT:
            return []
        where = "objective" if self.cost >= self.matrix else "constraint matrix"
        return [
            f"the model is badly scaled: its largest |coefficient| is {largest:.3g} (in the {where}; limit "
            f"{COEFFICIENT_LIMIT:g}) and its constraint coefficients span a ratio of {self.spread:.3g} (limit "
            f"{COEFFICIENT_RANGE_LIMIT:g}), so the solver's answer may be wrong; tighten the bounds of the variables "
            "in products (a surrogate's coefficients grow with the product of its factors' ranges) or rescale the model"
        ]

    def check_limits(self, solver: str, label: str) -> None:
        """Raise :class:`~surrogate.errors.ModelFormatError` if a coefficient, side, bound or constant is one ``solver``
        (named ``label``) reads as infinite or cannot load (:data:`COEFFICIENT_LIMITS`: HiGHS drops such rows, or
        answers with an infinite objective; SCIP stops with a bare error), or is NaN (for any solver)."""
        if self.nan:
            raise ModelFormatError(
                f"{self.nan} is NaN, has no value or divides by 0 (a mutable Param set to NaN, never given a value or "
                "0 under a division, or data that was missing), which no solver reads as a number; give it a value"
            )
        matrix_limit, cost_limit, side_limit = COEFFICIENT_LIMITS.get(solver, (math.inf,) * 3)
        if math.isinf(self.side) and not self.side_at.startswith("the constant"):  # kept as a side: -inf as an upper one
            which, none = ("an upper", "a lower") if self.side < 0 else ("a lower", "an upper")
            kind, part = ("bound", "the bound") if self.side_at.startswith("a bound") else ("side", "the row")
            raise ModelFormatError(
                f"{self.side_at} is {self.side:g}, {which} {kind} that no point can meet, so the model has no point (do "
                f"not leave it out: that drops {part}); give it a finite value ({self.side:g} stands for no limit only "
                f"as {none} {kind})"
            )
        if abs(self.side) >= side_limit:
            raise ModelFormatError(
                f"{self.side_at} is {self.side:.3g}, at or beyond {label}'s infinity of {side_limit:g}, so {label} would "
                "solve another model; leave a missing side or bound out (None) instead of a huge number, drop a huge objective "
                "constant (it moves no optimum), or rescale the model"
            )
        for value, limit, where in (
            (self.matrix, matrix_limit, f"constraint {self.row!r}"),
            (self.cost, cost_limit, "the objective"),
        ):
            if value >= limit:
                raise ModelFormatError(
                    f"{where} has a coefficient of {value:.3g}, at or above {label}'s limit of {limit:g}; tighten "
                    "the bounds of the variables in products (a surrogate's coefficients grow with its factors' "
                    "ranges) or rescale the model"
                )


def coefficient_warnings(model) -> list[str]:
    """Our own check of the coefficients of the linear ``model`` (:meth:`CoefficientScale.warnings`)."""
    return CoefficientScale.of(model).warnings()


def _degree(component):
    """The polynomial degree of an objective's expression or a constraint's body (``None``: not polynomial)."""
    return (component.expr if component.ctype is pyo.Objective else component.body).polynomial_degree()


def nonlinear_components(model, *, constraints: bool = True) -> list[str]:
    """Names of the active objectives (and, with ``constraints``, constraints) of ``model`` that are not linear."""
    comps = [
        *model.component_data_objects(pyo.Objective, active=True),
        *(model.component_data_objects(pyo.Constraint, active=True) if constraints else ()),
    ]
    return [c.name for c in comps if _degree(c) not in (0, 1)]


def check_fixed_values(model, *, unread: bool = True) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError` naming the fixed variables without a value (no solver can read
    them), or a bound or fixed value given as text or a fixed ``Decimal`` (:func:`~surrogate.milp.model_numbers.check_numbers`):
    those ``model``'s active rows and objectives read, and with ``unread`` every other one of ``model``'s own, even one
    that no row or objective reads (a solve passes ``unread``: such a variable is refused too).

    Only a block's rows can read variables from outside it (a parent's): a root model's are never walked for them
    (a walk over every row) unless ``unread`` is false."""
    if not unread:
        every = seen_variables(model)
    else:
        every = ComponentSet(model.component_data_objects(pyo.Var, active=True, descend_into=True))
        if model.parent_block() is not None:
            every.update(seen_variables(model))
    unset = unset_fixed(every)
    if unset:
        raise ModelFormatError(f"variables {unset[0]} are fixed but have no value; {unset[1]}")
    check_numbers(every)  # a bound or fixed value given as text: HiGHS's interface failed on it (probe119 #9)


#: What to do with a variable whose domain no MILP solver reads (the end of :func:`check_domains`' message).
DOMAIN_FIX = (
    "a MILP solver reads only continuous variables and integers of step 1; write such a variable as a multiple of a "
    "new integer variable (for RangeSet(0, 6, 2): 2 times an integer in [0, 3]), or with one binary per value of a "
    "finite set"
)


def check_domains(model, *, extra=()) -> None:
    """Raise :class:`~surrogate.errors.ModelFormatError` naming the variables of active rows and objectives whose
    domain no MILP solver reads: a step other than 0 (continuous) or 1 (integer), such as ``RangeSet(0, 6, 2)``,
    or a finite set of values (``extra``: variables the rows read that ``model`` does not declare, as
    :attr:`CoefficientScale.variables` finds them)."""
    from .solution_check import candidates, seen_among

    every = candidates(model, extra)
    odd = seen_among(model, [v for v in every if v.domain.get_interval()[2] not in (0, 1)])  # fixed too: Pyomo reads it
    if odd:
        first = odd[0]
        raise ModelFormatError(
            f"variables {first_names(repr(v.name) for v in odd)} have a domain no MILP solver reads "
            f"({first.domain}); {DOMAIN_FIX}"
        )


def check_linear(model, *, constraints: bool = True) -> None:
    """Raise :class:`NonlinearModelError` naming the nonlinear components of ``model``, if any.

    ``constraints=False`` checks the objective only: HiGHS takes a quadratic objective
    (and then fails on a MIQP or a nonconvex QP without saying why), but refuses a
    nonlinear constraint itself while loading the model.
    """
    names = nonlinear_components(model, constraints=constraints)
    other = [n for n, c in zip(names, find_named(model, names)) if _degree(c) is None]
    if other:
        raise NonlinearModelError(
            f"model {model.name!r} has terms that are not polynomial (such as exp, log, or a division by a variable) "
            f"in {first_names(map(repr, other))}, which a MILP solver refuses and no x*y surrogate replaces; "
            "write them with linear constraints (e.g. a piecewise-linear function: pyomo.environ.Piecewise) first"
        )
    if names:
        raise NonlinearModelError(
            f"model {model.name!r} has terms of degree above 1 in {first_names(map(repr, names))}, which a MILP solver refuses; "
            "replace its products first (surrogate.replace_products(model); where they were replaced before "
            "these were added, undo that first: report.undo(model)); if a variable was fixed when its products were replaced "
            "(replace_products keeps it as a coefficient) and is unfixed now, fix it again, or replace the "
            "products of the exact model with it unfixed; solve() takes MILPs only: to solve the exact model, use a "
            "global solver (SCIP: surrogate.milp.scip_direct.make_scip_direct().solve(model, time_limit=60))"
        )


def check_options(config: SolverConfig) -> None:
    """Check ``config.options`` against ``config.solver`` before any solve (each set once per process).

    Nothing is checked without options, or where the solver is not installed (a solve then says so).

    Raises
    ------
    ConfigError
        If the solver does not know an option, or would not keep its value as given (e.g. HiGHS's
        ``mip_heuristic_effort='x'``, SCIP's integer ``separating/maxrounds=2.5``).
    """
    from .fd_capture import capture_output

    backend = backend_for(config.solver)
    if config.options and backend.installed():
        backend.check_imports()
        with solver_runs(), capture_output(capture_fd=True):  # a new highspy.Highs prints its banner
            try_options(config.solver, config.options)


def check_solver(config: SolverConfig) -> None:
    """Check, before any work, that ``config.solver`` can run here and knows ``config.options``.

    A benchmark or sweep calls this first, so that a missing solver stops it at
    once instead of turning each of its solves into an error row.

    Raises
    ------
    SolverUnavailableError
        If the solver is not installed or cannot run (the message names what to install).
    ConfigError
        As :func:`check_options`.
    """
    backend = backend_for(config.solver)
    if not (backend.installed() and backend.available()):  # available() keeps the solver it made: one made here and
        backend.make()  # dropped unsolved warned of -1 Gurobi licence clients (Pyomo 6.10); this raises saying why
    check_options(config)
