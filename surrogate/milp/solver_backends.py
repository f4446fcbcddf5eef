"""The MILP solvers :func:`~surrogate.milp.solver.solve` runs: one small class per solver behind :class:`Backend`.

Every backend drives a Pyomo ``contrib.solver`` interface (HiGHS: ``highs``, SCIP: ``scip_direct``,
Gurobi: ``gurobi_persistent``) and differs only where Pyomo leaves things to each solver: how a warm
start is handed over, how the first incumbent is seen (a HiGHS or Gurobi callback, SCIP's solution
statistics), where the run time and node count are reported, and which errors mean that a licence
refused the model. Pyomo and the solver packages are imported only when a solver is made.
"""

from __future__ import annotations

import importlib.util
import weakref
from contextlib import ExitStack
from typing import ClassVar

from ..errors import ConfigError, SolverUnavailableError
from ..install_hints import USE_HIGHS, extra_hint, import_failure
from .backend_run import SCIP_FAILURES, FirstSolution, Prepared  # noqa: F401 (re-exported)
from .highs_run import pass_highs_start, set_highs_options, use_highs_threads, watch_highs_start
from .signal_watch import halting_on_signals
from .solver_config import SOLVERS
from .solver_options import default_options
from .start_values import start_refusal, start_value


class Backend:
    """How one solver is made, started and read back through Pyomo (the base serves SCIP and Gurobi's common parts).

    Attributes
    ----------
    name, label, factory, package, install
        The name in :data:`~surrogate.milp.solver_config.SOLVERS`, as its makers write it (in messages),
        in Pyomo's ``contrib.solver`` factory; the Python package it needs, and the command that installs it.
    accepts_nonlinear
        Whether the solver would take nonlinear terms: :func:`~surrogate.milp.solver.solve`
        then checks that a model is linear before solving it.
    accepts_sos
        Whether the solver has SOS constraints (HiGHS has none: a model with one is refused).
    node_option, no_node_limit, most_nodes
        The solver's option that caps its nodes (``node_limit`` of :func:`~surrogate.milp.solver.solve`), its value
        for no cap, set on every solve without ``node_limit`` (a persistent solver would keep an earlier cap) or with
        one of ``most_nodes`` or more (the most the option holds, e.g. HiGHS's 32-bit integer: no practical cap).
    presolve_off
        The option (name, value) without presolve, where :func:`~surrogate.milp.solver.solve` confirms an infeasibility.
    persistent
        Whether one solver object keeps the options of its earlier solves (HiGHS, Gurobi):
        :meth:`solver_options` then sets those the next solve does not ask for back to their defaults.
    """

    name: ClassVar[str]
    node_option: ClassVar[str]
    no_node_limit: ClassVar[float]
    most_nodes: ClassVar[float]
    presolve_off: ClassVar[tuple[str, object]]
    label: ClassVar[str]
    factory: ClassVar[str]
    package: ClassVar[str]
    install: ClassVar[str]
    accepts_nonlinear: ClassVar[bool] = True
    accepts_sos: ClassVar[bool] = True
    persistent: ClassVar[bool] = False
    _probe: object = None  # the solver available() made, or False when it could not make one

    def __init__(self) -> None:
        self._set_before: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # solver -> option names it was given

    def installed(self) -> bool:
        """Whether :attr:`package` can be imported (without importing it)."""
        return importlib.util.find_spec(self.package) is not None

    def check_imports(self) -> None:
        """Raise :class:`SolverUnavailableError` if :attr:`package`, installed, does not import (a broken install)."""
        broken = import_failure(self.package)
        if broken:
            raise SolverUnavailableError(
                f"solver {self.name!r} is not available: {self.package} is installed but does not import ({broken}); "
                f"reinstall it with {self.install}, or use " + USE_HIGHS
            )

    def _new(self, *, fixed_as_bounds: bool):
        import pyomo.environ  # noqa: F401 (registers the contrib.solver plugins)
        from pyomo.contrib.solver.common.factory import SolverFactory

        return SolverFactory(self.factory)

    def make(self, *, fixed_as_bounds: bool = False):
        """A new Pyomo solver instance, or :class:`SolverUnavailableError` saying what to install.

        ``fixed_as_bounds`` (keep a fixed variable as a column with equal bounds) matters for HiGHS only.
        """
        if not self.installed():
            raise SolverUnavailableError(
                f"solver {self.name!r} is not available: {self.package} is not installed; install it with "
                f"{self.install}, or use " + USE_HIGHS
            )
        self.check_imports()
        solver = self._new(fixed_as_bounds=fixed_as_bounds)
        availability = solver.available()
        if not availability:
            raise SolverUnavailableError(self.unusable(availability))
        return solver

    def unusable(self, availability) -> str:
        """Why an installed solver cannot run (Pyomo's ``Availability``), and the fix."""
        return (
            f"solver {self.name!r} is installed but Pyomo cannot run it ({availability.name}); reinstall it with "
            f"{self.install}, or use " + USE_HIGHS
        )

    def check_object(self, solver) -> None:
        """Raise :class:`ConfigError` if ``solver``, a :attr:`factory` object a user passed, is one that solves wrong."""

    def available(self) -> bool:
        """Whether this solver can run here (installed, and for Gurobi licensed, if only for small models).

        The answer is kept, and so is the solver made to find it: Pyomo 6.10's Gurobi
        interface warns about its licence count when an instance that never solved is dropped.
        """
        if self._probe is None:
            try:
                self._probe = self.make()
            except Exception:  # an optional dependency: any import or licence failure means "not available"
                self._probe = False
        return self._probe is not False

    def solver_options(self, solver, options: tuple, node_limit: int | None) -> dict:
        """Pyomo ``solve``'s keyword ``solver_options``: ``options`` (a config's pairs) and the node cap.

        The cap is ``node_limit``, or the solver's value for no cap (``None``, or :attr:`most_nodes` or more). On a
        :attr:`persistent` solver, an option an earlier solve of ``solver`` set and this
        one does not ask for is set back to its default.
        """
        asked = dict(options)
        earlier = self._set_before.get(solver, ()) if self.persistent else ()
        reset = default_options(self.name, [name for name in earlier if name not in asked])
        if self.persistent:
            self._set_before[solver] = tuple(asked)
        cap = node_limit if node_limit is not None and node_limit < self.most_nodes else self.no_node_limit
        return {"solver_options": {**reset, **asked, self.node_option: cap}}

    def before_run(self, threads: int) -> None:
        """Make the process ready for a run with ``threads`` threads (nothing, for most solvers)."""

    def prepare(self, solver, model, *, warm_start: bool, first: FirstSolution) -> Prepared:
        """Hand over the warm start (the variables' current values) and start watching for ``first``."""
        return Prepared()

    def already(self, solver, model) -> float:
        """Seconds the solver's run clock already shows before this run (see :meth:`HighsBackend.already`)."""
        return 0.0

    def read(self, solver, results, first: FirstSolution) -> tuple[float | None, int | None]:
        """The solver's own run time and node count of ``results`` (``None`` when not reported)."""
        raise NotImplementedError

    def licence_problem(self, error: Exception) -> str | None:
        """A message when ``error`` means a licence refused the model (recorded, not raised); else ``None``."""
        return None

    def numerical_failure(self, error: Exception) -> str | None:
        """A message when ``error`` is the solver's own numerical failure on the model (recorded as termination
        ``error``, not raised); else ``None``."""
        return None

    def interrupted(self, results) -> bool:
        """Whether the solver reports that Ctrl-C stopped it (it caught the signal itself and returned).

        highspy catches it too, but HiGHS then reports a solve error:
        :func:`~surrogate.milp.solver.solve` notes the signal itself for that.
        """
        return results.termination_condition.name == "interrupted"


class HighsBackend(Backend):
    """HiGHS (the default) through Pyomo's persistent ``highs`` interface.

    The model is loaded before the run so that a ``cbMipImprovingSolution``
    callback can watch the very ``Highs`` object that solves it; the solve
    itself gets the options Pyomo's own ``solve`` would, plus ``mip_max_nodes``
    (at HiGHS's default unless a node limit is asked for).
    """

    name = factory = "highs"
    node_option, no_node_limit, most_nodes = "mip_max_nodes", 2147483647, 2147483647
    presolve_off, label = ("presolve", "off"), "HiGHS"
    package = "highspy"
    install = "'pip install highspy'"
    accepts_nonlinear = False  # Pyomo's HiGHS interface refuses a nonlinear model itself
    accepts_sos = False
    persistent = True

    def before_run(self, threads: int) -> None:  # HiGHS's scheduler restarted for another thread count
        use_highs_threads(threads)

    def solver_options(self, solver, options: tuple, node_limit: int | None) -> dict:
        chosen = super().solver_options(solver, options, node_limit)  # set here, read back: Pyomo does not read
        set_highs_options(getattr(solver, "_solver_model", None), chosen["solver_options"])  # a refusal
        return chosen

    def make(self, *, fixed_as_bounds: bool = False):
        """A ``contrib.solver`` HiGHS instance (a fixed variable a column with equal bounds with ``fixed_as_bounds``)."""
        from pyomo.contrib.solver.common.factory import SolverFactory

        solver = SolverFactory(self.factory, treat_fixed_vars_as_params=not fixed_as_bounds)
        if not solver.available():
            raise SolverUnavailableError(f"solver {self.name!r} is not available; install it with {self.install}")
        return solver

    def prepare(self, solver, model, *, warm_start: bool, first: FirstSolution) -> Prepared:
        options = pass_highs_start(solver, model) if warm_start else {}  # the start kept: no update before the run
        if not warm_start and getattr(solver, "_model", None) is not model:
            solver.set_instance(model)
        event = getattr(getattr(solver, "_solver_model", None), "cbMipImprovingSolution", None)
        if event is None:  # a highspy without the event API: no first-solution time
            return Prepared(options=options)

        def seen(e) -> None:
            first.see(e.data_out.running_time, e.data_out.objective_function_value)

        event.subscribe(seen)
        notes, check = watch_highs_start(solver, model, first) if warm_start else ([], lambda: None)
        return Prepared(options=options, notes=notes, stop=lambda: (event.unsubscribe(seen), check()))

    def already(self, solver, model) -> float:
        """Seconds HiGHS has already run on ``model`` in this persistent solver.

        A reused ``highspy.Highs`` keeps one run clock across solves: its reported
        run time counts from the clock's start, and so does its ``time_limit`` for
        an LP (a MIP's limit counts from the start of each run, and so do the
        callback's times; measured with highspy 1.15 and 1.16).
        :func:`~surrogate.milp.solver.solve` offsets both so each solve gets its own limit and time.
        """
        highs = getattr(solver, "_solver_model", None)
        if highs is None or getattr(solver, "_model", None) is not model:
            return 0.0  # the solve loads the model into a fresh Highs object, whose clock starts at 0
        return float(highs.getRunTime())

    def read(self, solver, results, first: FirstSolution) -> tuple[float | None, int | None]:
        return getattr(results.timing_info, "highs_time", None), getattr(results.extra_info, "mip_node_count", None)


class ScipBackend(Backend):
    """SCIP through Pyomo's ``scip_direct`` (PySCIPOpt; a fresh SCIP model each solve).

    The solver is :class:`~surrogate.milp.scip_direct.RangeSafeScipDirect`:
    plain ``scip_direct`` shifts one bound of a ranged constraint whose body
    has a constant, which every surrogate problem has.

    Its node count is every node of the solve, SCIP's ``getNTotalNodes``: Pyomo
    reports ``getNNodes``, which counts only those after SCIP's last restart
    (1 on a solve that restarted late, where SCIP's statistics gave 27,205 in
    all), and the node cap is ``limits/totalnodes`` for the same reason.

    A warm start is SCIP's partial solution of the integer variables (Pyomo's
    ``warmstart_discrete_vars``), which SCIP completes after presolving; the
    first incumbent's time is the earliest ``getSolTime`` of the solutions SCIP
    kept, often a trivial heuristic's found before the start is completed.
    Its log is cut short (:data:`~surrogate.milp.scip_direct.LOG_OPTIONS`): a long one blocked SCIP.
    """

    name = "scip"
    factory = "scip_direct"
    node_option, no_node_limit, most_nodes = "limits/totalnodes", -1, 2**63 - 1  # a SCIP_Longint
    presolve_off, label = ("presolving/maxrounds", 0), "SCIP"
    package = "pyscipopt"
    install = property(lambda self: extra_hint("scip"))

    def _new(self, *, fixed_as_bounds: bool):
        from .scip_direct import make_scip_direct

        return make_scip_direct()  # Pyomo's scip_direct, with its ranged constraints translated right

    def check_object(self, solver) -> None:
        from .scip_direct import check_range_safe

        check_range_safe(solver)  # Pyomo's own scip_direct solves a ranged row shifted on one side

    def prepare(self, solver, model, *, warm_start: bool, first: FirstSolution) -> Prepared:
        import pyomo.environ as pyo

        if not warm_start:
            return Prepared()
        free = [v for v in model.component_data_objects(pyo.Var, active=True) if v.is_integer() and not v.fixed]
        unset = [v.name for v in free if start_value(v) is None]  # NaN, inf or text: none a start can take
        if unset:
            note = "warm start ignored: SCIP takes one only when every free integer variable has a finite value, and "
            return Prepared(notes=[f"{note}{len(unset)} have none (e.g. {unset[0]!r}); load a complete point first"])
        return Prepared(options={"warmstart_discrete_vars": True})

    def read(self, solver, results, first: FirstSolution) -> tuple[float | None, int | None]:
        seconds = getattr(results.timing_info, "scip_time", None)
        scip = getattr(solver, "_solver_model", None)
        if scip is None:  # no SCIP model left to ask: Pyomo's own count
            return seconds, getattr(results.extra_info, "NNodes", None)
        solutions = scip.getSols()
        if solutions:
            earliest = min(solutions, key=scip.getSolTime)
            first.see(scip.getSolTime(earliest), scip.getSolObjVal(earliest))
        return seconds, scip.getNTotalNodes()

    def numerical_failure(self, error: Exception) -> str | None:
        why = SCIP_FAILURES.get(str(error)) if type(error) is Exception else None  # PySCIPOpt's bare Exceptions
        if why is None:
            return None
        fix = f"the result records error. Rescale the model's rows and variables, or {USE_HIGHS}"
        return f"SCIP failed on the model ({error}): {why}; {fix}"


class GurobiBackend(Backend):
    """Gurobi through Pyomo's ``gurobi_persistent`` (gurobipy).

    A warm start sets the integer variables' ``Start`` (Pyomo's
    ``warmstart_discrete_vars``); a ``MIPSOL`` callback times the first
    incumbent. A reused solver's model is reset before each run (after a ``Cutoff`` it came back
    optimal at a wrong value). A size-limited licence's refusal of a model is recorded as
    ``licensingProblems``, so a benchmark can note it and go on.
    """

    name = "gurobi"
    factory = "gurobi_persistent"
    node_option, no_node_limit, most_nodes = "NodeLimit", 1e100, 1e100  # GRB.INFINITY
    presolve_off, label = ("Presolve", 0), "Gurobi"
    package = "gurobipy"
    install = property(lambda self: extra_hint("gurobi", only="gurobipy"))
    persistent = True

    def unusable(self, availability) -> str:
        return (
            f"solver 'gurobi' is installed but Pyomo cannot run it ({availability.name}): gurobipy finds no valid "
            "licence; install one (see https://www.gurobi.com/features/academic-named-user-license/ or your "
            "gurobi.lic), or use " + USE_HIGHS
        )

    def prepare(self, solver, model, *, warm_start: bool, first: FirstSolution) -> Prepared:
        from gurobipy import GRB

        def seen(_model, opt, where) -> None:
            if where == GRB.Callback.MIPSOL:
                first.see(opt.cbGet(GRB.Callback.RUNTIME), opt.cbGet(GRB.Callback.MIPSOL_OBJ))

        if getattr(solver, "_solver_model", None) is not None:  # reused: drop what the last run left
            solver._solver_model.reset()
        solver.set_callback(seen)
        refused = start_refusal(model) if warm_start else None  # Pyomo hands Gurobi a NaN or str value too: it fails
        options = {"warmstart_discrete_vars": True} if warm_start and refused is None else {}
        watch = ExitStack()  # a SIGTERM under the CLI's handler stops Gurobi at once, not when it returns
        watch.enter_context(halting_on_signals(lambda: solver._solver_model.terminate()))
        return Prepared(options=options, notes=[refused] if refused else [], stop=lambda: _detach(solver, watch))

    def read(self, solver, results, first: FirstSolution) -> tuple[float | None, int | None]:
        nodes = getattr(results.extra_info, "NodeCount", None)
        return getattr(results.timing_info, "gurobi_time", None), None if nodes is None else int(nodes)

    def licence_problem(self, error: Exception) -> str | None:
        import gurobipy

        refusals = (gurobipy.GRB.Error.SIZE_LIMIT_EXCEEDED, gurobipy.GRB.Error.NO_LICENSE)
        if not (isinstance(error, gurobipy.GurobiError) and error.errno in refusals):
            return None
        return (
            f"Gurobi's licence refused the model ({error}); the result records licensingProblems. Use a full "
            "licence for models this size, or " + USE_HIGHS
        )


def _detach(solver, watch: ExitStack) -> None:
    """Take the ``MIPSOL`` callback off ``solver`` and close ``watch`` (the signal watcher of one Gurobi run)."""
    try:
        solver.set_callback(None)
    finally:
        watch.close()


#: The backend of each name in :data:`~surrogate.milp.solver_config.SOLVERS`.
BACKENDS: dict[str, Backend] = {b.name: b for b in (HighsBackend(), ScipBackend(), GurobiBackend())}


def backend_for(name: str) -> Backend:
    """The :class:`Backend` of the solver ``name`` (one of :data:`~surrogate.milp.solver_config.SOLVERS`)."""
    try:
        return BACKENDS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"solver={name!r} is not supported; use one of {', '.join(SOLVERS)}") from None


def available_solvers() -> tuple[str, ...]:
    """The solvers of :data:`~surrogate.milp.solver_config.SOLVERS` that can run here, in that order.

    A solver counts when its package imports and Pyomo can run it; a
    size-limited Gurobi licence counts (larger models are then recorded as
    ``licensingProblems`` by :func:`~surrogate.milp.solver.solve`).
    """
    return tuple(name for name, backend in BACKENDS.items() if backend.available())
