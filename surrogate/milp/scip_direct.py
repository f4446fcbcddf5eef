"""Pyomo's ``scip_direct`` with ranged constraints passed to SCIP as written.

Pyomo (6.10) hands a ranged constraint ``lo <= body <= up`` to PySCIPOpt (6.3) as
``lo <= (body <= up)``. PySCIPOpt moves the constant ``c`` of ``body`` into the
first bound it is given (``up - c``) but takes the second one as it comes, so
the row SCIP solves is ``lo + c <= body <= up`` instead, shifted by ``c`` on
one side. :func:`~surrogate.milp.bilinear.replace_products` keeps a range of
the original model a range, with the products' constants in its body (6 to 8
rows on each pooling instance of the scale suite), so under plain
``scip_direct`` such a row became a wider or an empty one, and SCIP reported an
"optimal" point that violates the model (on rt2 an objective of -6922.7, below
the surrogate's optimum near -4392). :class:`RangeSafeScipDirect` builds a ranged
constraint with both bounds at once, the one form in which PySCIPOpt shifts
both; every other constraint goes through Pyomo's own translation.

The three-line reproduction, for the upstream reports::

    from pyscipopt import Model
    m = Model(); x = m.addVar(lb=-100, ub=100)
    c = m.addCons(0 <= (x + 5 <= 0)); print(m.getLhs(c), m.getRhs(c))   # 0.0 -5.0, not -5.0 -5.0

:func:`make_scip_direct` also cuts SCIP's log to :data:`LOG_OPTIONS`. Pyomo captures
the solver's output through a pipe that a Python thread empties, while
PySCIPOpt's ``optimize`` holds the GIL: a log longer than the pipe's buffer (a
long solve at SCIP's default verbosity, or at its normal one) blocked SCIP in a
write that thread could never read, and the solve never returned.
"""

from __future__ import annotations

from functools import cache

from ..errors import ConfigError
from .signal_watch import halting_on_signals
from .solve_interrupts import ctrl_c_stops_here


@cache
def range_safe_scip_direct() -> type:
    """The class :class:`RangeSafeScipDirect` (made on first use: Pyomo's SCIP interface is imported then)."""
    import pyomo.environ as pyo
    from pyomo.contrib.solver.solvers.scip.scip_direct import ScipDirect
    from pyomo.core.expr.relational_expr import RangedExpression
    from pyscipopt.scip import Expr, ExprCons, GenExpr

    class RangeSafeScipDirect(ScipDirect):
        """Pyomo's ``scip_direct``, with ``lo <= body <= up`` built as one PySCIPOpt ``ExprCons(body, lhs=lo, rhs=up)``,
        and a row whose body holds no variable (mutable Params only) as an empty linear row of SCIP's, ``lo - c <= 0
        <= up - c``: Pyomo's translation gave PySCIPOpt a bool, a bare ``AssertionError`` where HiGHS solves."""

        def _add_constraint(self, con):  # Pyomo's own: addCons of the walked relation
            if type(con.expr) is RangedExpression:
                lower, body, upper = con.expr.args
                scip_body = self._expr_visitor.walk_expression(body)
                if isinstance(scip_body, Expr | GenExpr):
                    row = ExprCons(scip_body, lhs=float(pyo.value(lower)), rhs=float(pyo.value(upper)))
                else:
                    row = _constant_row(con)
            else:
                row = self._expr_visitor.walk_expression(con.expr)
                if not isinstance(row, ExprCons):  # no variable in the body: the relation was walked to a bool
                    row = _constant_row(con)
            self._pyomo_con_to_solver_con_map[con] = self._solver_model.addCons(row)

        def _create_solver_model(self, model, config):  # Pyomo's, its SCIP model handed out as one that frees the GIL
            scip_model, loader, has_objective = super()._create_solver_model(model, config)
            return GilFreeModel(scip_model), loader, has_objective

    def _constant_row(con):
        """``con``, whose body is a constant c, as SCIP's empty linear row ``lo - c <= 0 <= up - c``."""
        constant = float(pyo.value(con.body))
        lhs, rhs = (None if side is None else float(side) - constant for side in (con.lb, con.ub))
        return ExprCons(Expr(), lhs=lhs, rhs=rhs)

    RangeSafeScipDirect.__module__ = __name__
    return RangeSafeScipDirect


class GilFreeModel:
    """A PySCIPOpt model whose ``optimize()`` runs SCIP with Python's GIL released (PySCIPOpt's ``optimizeNogil``);
    every other attribute is the model's own.

    Pyomo's ``scip_direct`` runs ``optimize()`` inside a capture of the process's output through a pipe that a Python
    thread empties. SCIP's ``optimize`` holds the GIL, so that thread cannot run until the solve ends, and a solve that
    writes more than the pipe's 64 KiB blocks for good. ``display/verblevel`` (:data:`LOG_OPTIONS`) quiets SCIP's own
    log but not SoPlex, which writes "Cannot set feasibility tolerance to small value 1e-12 without GMP" to stderr
    itself at each hard LP (probe123: the SCIP reference solve of an unbounded 7-variable QCQP never returned).
    """

    def __init__(self, model) -> None:
        self._model = model

    def optimize(self) -> None:
        """Solve, the GIL released, so that the thread emptying the output pipe runs meanwhile, and a SIGTERM under the
        CLI's handler interrupts SCIP at once (:func:`~surrogate.milp.signal_watch.halting_on_signals`).

        SCIP catches Ctrl-C itself (``misc/catchctrlc``) only where it is Python's own ``KeyboardInterrupt`` in this
        thread (:func:`~surrogate.milp.solve_interrupts.ctrl_c_stops_here`): a SIGINT handler of the program's own is
        called (once SCIP returns, unless it is registered with :func:`~surrogate.milp.signal_watch.stops_solves`),
        and a Ctrl-C during a solve in a worker thread reaches the main thread, as under HiGHS (probe140)."""
        self._model.setBoolParam("misc/catchctrlc", ctrl_c_stops_here())
        with halting_on_signals(self._model.interruptSolve):
            self._model.optimizeNogil()

    def __getattr__(self, name: str):
        return getattr(self._model, name)


#: SCIP options of every solver :func:`make_scip_direct` makes: SCIP_VERBLEVEL_MINIMAL, no node table
#: (NORMAL, 3, already prints node lines). Options passed to a solve are added to these.
LOG_OPTIONS = {"display/verblevel": 2}


def make_scip_direct():
    """A new :class:`RangeSafeScipDirect` solver (needs ``pyscipopt``), its log cut to :data:`LOG_OPTIONS`."""
    solver = range_safe_scip_direct()()
    solver.config.solver_options.update(LOG_OPTIONS)
    return solver


def check_range_safe(solver) -> None:
    """Raise :class:`~surrogate.errors.ConfigError` if ``solver``, a ``scip_direct`` object, is Pyomo's own class, not
    :class:`RangeSafeScipDirect`: it hands SCIP a ranged row shifted on one side."""
    if not isinstance(solver, range_safe_scip_direct()):
        raise ConfigError(
            "solve: solver is Pyomo's plain scip_direct, which hands SCIP a ranged row lo <= body <= up with the body's "
            "constant moved into one bound only, so SCIP solves another model and its 'optimal' point can be far from "
            "the optimum; pass solver=make_solver(config) (surrogate's RangeSafeScipDirect), or no solver argument"
        )
