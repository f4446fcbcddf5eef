"""What a MILP solve is asked for and how it ended: :class:`SolverConfig` and :class:`Termination`.

Kept free of Pyomo, so that configs and command-line defaults built on them
import in milliseconds; :mod:`surrogate.milp.solver` runs the solves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..errors import ConfigError
from ..options import is_number

#: The MILP solvers :class:`SolverConfig` can name: HiGHS (the default, always installed), SCIP and Gurobi
#: (optional: ``pip install 'surrogate[scip]'`` / ``'surrogate[gurobi]'``), each run through Pyomo's
#: ``contrib.solver`` interface by :mod:`surrogate.milp.solver_backends`.
SOLVERS = ("highs", "scip", "gurobi")


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


@dataclass(frozen=True)
class SolverConfig:
    """How a MILP is solved.

    Parameters
    ----------
    time_limit
        Seconds before the solver stops (the result records ``maxTimeLimit``).
    rel_gap
        Relative MIP gap at which the solver stops (each solver's own definition of the gap).
    threads
        Threads the solver may use (1 makes timings comparable; SCIP's search is
        single-threaded anyway and uses them for its LPs only).
    solver
        One of :data:`SOLVERS`: ``'highs'`` (default), ``'scip'`` or ``'gurobi'``. Nothing
        is imported here: a solver that is not installed is reported when a solve starts
        (see :func:`surrogate.milp.solver_backends.available_solvers`).
    """

    time_limit: float = 60.0
    rel_gap: float = 1e-6
    threads: int = 1
    solver: str = "highs"

    def __post_init__(self) -> None:
        t = self.time_limit
        if not is_number(t, low=0, low_open=True):
            raise ConfigError(f"SolverConfig: time_limit={t!r} must be a positive number of seconds")
        if not is_number(self.rel_gap, low=0, high=1, high_open=True):
            raise ConfigError(f"SolverConfig: rel_gap={self.rel_gap!r} must lie in [0, 1), e.g. 1e-6")
        if not is_number(self.threads, integer=True, low=1):
            raise ConfigError(f"SolverConfig: threads={self.threads!r} must be a positive integer")
        if not isinstance(self.solver, str) or self.solver not in SOLVERS:
            raise ConfigError(
                f"SolverConfig: solver={self.solver!r} is not supported; use one of {', '.join(SOLVERS)} "
                "(all three solve through Pyomo; 'scip' and 'gurobi' need their optional packages)"
            )
