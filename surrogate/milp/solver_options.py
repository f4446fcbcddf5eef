"""The MILP solvers' own options (``SolverConfig.options``): tried on each solver before a solve, and their defaults.

One small class per solver says how a fresh holder of its options is made
(a ``highspy.Highs``, a ``pyscipopt.Model``, a ``gurobipy.Env`` that is not
started and needs no licence), how an option is set on it and read back.
:func:`try_options` tries a config's options there: Pyomo passes them on
without reading the status back, so a name HiGHS does not know, or a value of
the wrong type, would otherwise be ignored in silence. The solver packages
are imported only when an option is tried.
"""

from __future__ import annotations

import os
from typing import ClassVar

from ..errors import ConfigError
from .solver_config import OPTION_EXAMPLES, SOLVER_NAMES


class SolverOptions:
    """How one solver's options are tried and read: :meth:`fresh`, :meth:`set` and :meth:`get`.

    Attributes
    ----------
    name
        The solver's name in :data:`~surrogate.milp.solver_config.SOLVERS`.
    docs
        Where the solver lists its options (named in errors).
    """

    name: ClassVar[str]
    docs: ClassVar[str]

    def fresh(self):
        """A new object that holds the solver's options at their defaults."""
        raise NotImplementedError

    def set(self, holder, name: str, value) -> str | None:
        """Set ``name`` to ``value`` on ``holder``: ``None``, or why the solver refused it."""
        raise NotImplementedError

    def get(self, holder, name: str):
        """The value of option ``name`` on ``holder``."""
        raise NotImplementedError


class HighsOptions(SolverOptions):
    name, docs = "highs", "https://ergo-code.github.io/HiGHS/stable/options/definitions/"

    def fresh(self):
        from .highs_run import quiet_highs

        return quiet_highs()

    def set(self, holder, name: str, value) -> str | None:
        from .highs_run import highs_refusal

        return highs_refusal(holder, name, value)

    def get(self, holder, name: str):
        found = holder.getOptionValue(name)
        return found[1] if isinstance(found, tuple) else found  # (status, value) in highspy 1.16


class ScipOptions(SolverOptions):
    name, docs = "scip", "https://www.scipopt.org/doc/html/PARAMETERS.php"

    def fresh(self):
        import pyscipopt

        holder = pyscipopt.Model()
        holder.hideOutput()
        return holder

    def set(self, holder, name: str, value) -> str | None:
        try:
            holder.setParam(name, value)
        except KeyError:
            return f"SCIP has no parameter {name!r}"
        except (TypeError, ValueError) as error:
            return f"SCIP refuses {name}={value!r} ({error})"
        return None

    def get(self, holder, name: str):
        return holder.getParam(name)


class GurobiOptions(SolverOptions):
    name, docs = "gurobi", "https://docs.gurobi.com/projects/optimizer/en/current/reference/parameters.html"

    def fresh(self):
        import gurobipy

        return gurobipy.Env(empty=True)  # not started: needs no licence

    def set(self, holder, name: str, value) -> str | None:
        import gurobipy

        try:
            holder.setParam(name, value)
        except (gurobipy.GurobiError, TypeError, ValueError) as error:
            return f"Gurobi refuses {name}={value!r} ({error})"
        return None

    def get(self, holder, name: str):
        return holder.getParam(name)


#: The :class:`SolverOptions` of each solver.
OPTIONS: dict[str, SolverOptions] = {o.name: o for o in (HighsOptions(), ScipOptions(), GurobiOptions())}

_checked: set[tuple] = set()  # (solver, options with each value's type) already checked in this process


def try_options(solver: str, options: tuple) -> None:
    """Raise :class:`~surrogate.errors.ConfigError` unless ``solver`` knows each option and keeps its value as given.

    ``options`` are a :class:`~surrogate.milp.solver_config.SolverConfig`'s pairs, tried on a
    fresh holder of the solver's options (the solver's package must be installed); a value the
    solver would change (e.g. SCIP's integer parameter given 2.5) is refused too. Each set is
    tried once per process.
    """
    check_folders(solver, options)  # each time: a folder may go between solves
    key = (solver, tuple((name, type(value), value) for name, value in options))  # 10 == 10.0 == True, as values
    if not options or key in _checked:
        return
    kind = OPTIONS[solver]
    holder = kind.fresh()
    for name, value in options:
        problem = kind.set(holder, name, value)
        if problem is None and (kept := kind.get(holder, name)) != value:
            problem = f"{solver} would take {name}={kept!r}, not {value!r}"
        if problem is not None:
            raise ConfigError(
                f"SolverConfig.options: {problem}; give an option that {solver} knows, with a value of its type "
                f"(e.g. {OPTION_EXAMPLES[solver]}; list: {kind.docs})"
            )
    _checked.add(key)


def check_folders(solver: str, options: tuple) -> None:
    """Raise :class:`ConfigError` for an option of ``solver`` that names a file (``file`` in its name: HiGHS's
    ``log_file``, SCIP's ``visual/vbcfilename``, Gurobi's ``LogFile``) in a folder that does not exist: SCIP failed
    with a bare ``OSError``, HiGHS wrote no file and said nothing (``log_file``), Gurobi refused it mid-solve."""
    for name, value in options:
        folder = os.path.dirname(value) if _names_a_file(name, value) else ""
        if folder and not os.path.isdir(folder):
            raise ConfigError(
                f"SolverConfig.options: {name}={value!r} names a file in the folder {folder!r}, which does not exist, "
                f"so {SOLVER_NAMES[solver]} cannot open it; create the folder first or give a path in one that exists"
            )


def _names_a_file(name: str, value) -> bool:
    """Whether the option ``name`` holds a file's path ``value``: ``file`` in its name, but not a folder's option
    (Gurobi's ``NodefileDir``, which it creates and uses only when node memory runs out)."""
    lowered = name.lower()
    return isinstance(value, str) and "file" in lowered and not lowered.endswith("dir")


def default_options(solver: str, names) -> dict:
    """The default values of the options ``names`` of ``solver``."""
    kind = OPTIONS[solver]
    holder = kind.fresh() if names else None
    return {name: kind.get(holder, name) for name in names}


def options_failure(solver: str, package: str, holder, options: tuple, error: Exception) -> ConfigError | None:
    """The :class:`ConfigError` for ``error``, raised by ``solver``'s ``package`` during a run with ``options`` (a
    config's pairs, e.g. Gurobi's ``LogFile`` in a missing folder, or a ``MemLimit`` too small to start): naming the
    option that ``holder`` (the run's live solver model, or ``None``) refuses, else all of them. ``None`` without
    options, or for an error from elsewhere (it is not theirs to explain); an ``OSError`` (PySCIPOpt's for a file it
    cannot create, e.g. ``visual/vbcfilename`` in a folder it may not write) is theirs where an option names a file."""
    named_file = isinstance(error, OSError) and any(_names_a_file(name, value) for name, value in options)
    if not options or (type(error).__module__.split(".")[0] != package and not named_file):
        return None
    kind = OPTIONS[solver]
    refused = next((p for name, value in options if holder is not None and (p := kind.set(holder, name, value))), None)
    given = ", ".join(f"{name}={value!r}" for name, value in options)
    what = refused if refused else f"{SOLVER_NAMES[solver]} failed ({type(error).__name__}: {error}) with options {given}"
    return ConfigError(f"SolverConfig.options: {what}; change the option's value or leave it out (list: {kind.docs})")
