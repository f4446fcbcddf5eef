"""What one solver run keeps beside Pyomo's results: its first incumbent, and what a backend set up for it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


class FirstSolution:
    """The first incumbent of one run: seconds from the run's start and its objective (``nan`` until one is seen)."""

    def __init__(self) -> None:
        self.seconds = self.objective = math.nan
        self.start_refused = False  # set when the solver is known not to have taken its warm start

    def see(self, seconds: float, objective: float) -> None:
        """Record an incumbent; only the first one counts."""
        if math.isnan(self.seconds):
            self.seconds, self.objective = float(seconds), float(objective)


@dataclass
class Prepared:
    """What :meth:`Backend.prepare` set up for one run: ``options``, extra keyword options of Pyomo's ``solve``;
    ``notes``, warnings to record in the result; ``stop``, which detaches whatever watches the run (called once it
    ends, also after an error)."""

    options: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stop: Callable[[], None] = lambda: None


#: PySCIPOpt's messages of SCIP's own failures on a model (SCIP_LPERROR, SCIP_MAXDEPTHLEVEL, SCIP_ERROR), and why.
SCIP_FAILURES = {
    "SCIP: error in LP solver!": "its LPs broke down numerically, often on a badly scaled model",
    "SCIP: maximal branching depth level exceeded!": "its search tree grew past SCIP's depth limit, often on huge integer ranges",
    "SCIP: unspecified error!": "an internal error of SCIP, often on a badly scaled model",
}


class RunFailure(str):
    """The message of a run on which the solver failed on the model (:data:`SCIP_FAILURES`): recorded as
    termination ``error``, where a plain message is a licence's refusal (``licensingProblems``)."""
