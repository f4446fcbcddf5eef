"""The search behind :func:`surrogate.milp.polish.polish`: candidate points, alternating and cover LPs, NLPs, multistart.

:class:`PolishSearch` keeps the best point found so far (feasible first, then
by objective), counts LPs and watches the deadline; its methods are the
polishing methods described in :mod:`surrogate.milp.polish`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .local_nlp import feasibility_point, restore_feasibility, solve_lp, solve_nlp
from .polish_graph import colour_classes, product_edges
from .polish_quadratic import QuadraticModel
from .polish_result import FEASIBILITY_TOL
from .search_clock import as_wall, now
from .solver_config import SolverConfig

#: A feasible point within this relative gap of a proven bound ends the search: no other point can be better.
BOUND_GAP = 1e-6


@dataclass
class PolishSearch:
    """Candidate points of one polish, the LP counter and the deadline (:func:`~surrogate.milp.search_clock.now` seconds)."""

    qm: QuadraticModel
    config: SolverConfig
    deadline: float
    tol: float
    lp_solves: int = 0
    rounds: int = 0
    timed_out: bool = False
    best: tuple = (math.inf, math.inf)  # (violation if infeasible else 0, sense * objective)
    best_point: np.ndarray | None = None
    best_method: str = "none"
    bound: float = -math.inf  # a proven bound on sense * objective (a relaxation's): no point can do better
    reached_bound: bool = False

    def expired(self) -> bool:
        """Whether to stop: the deadline has passed (remembered in :attr:`timed_out`), or the best point reached :attr:`bound`."""
        if now() >= self.deadline:
            self.timed_out = True
        return self.timed_out or self.reached_bound

    def offer(self, method: str, x: np.ndarray) -> float:
        """Keep ``x`` if it beats the best point so far (feasible first, then objective); returns its score."""
        violation = self.qm.violation(x)
        value = self.qm.sense * self.qm.objective_value(x)
        score = (0.0, value) if violation <= FEASIBILITY_TOL else (violation, math.inf)
        better = score[0] < self.best[0] or (
            score[0] == self.best[0] == 0.0 and value < self.best[1] - self.tol * max(1.0, abs(value))
        )
        if self.best_point is None or better:
            self.best, self.best_point, self.best_method = score, x.copy(), method
            self.reached_bound = score[0] == 0.0 and value <= self.bound + BOUND_GAP * max(1.0, abs(self.bound))
        return value if score[0] == 0.0 else math.inf

    def lp(self, x: np.ndarray, fixed: np.ndarray) -> np.ndarray | None:
        """The LP with ``fixed`` held at ``x`` (``None`` if it has no optimum or time is up)."""
        if self.expired():
            return None
        self.lp_solves += 1
        remaining = self.deadline - now()
        return solve_lp(
            self.qm, x, fixed, threads=self.config.threads, time_limit=min(self.config.time_limit, as_wall(remaining))
        )

    def alternate(self, x0: np.ndarray, classes: list, pinned: np.ndarray, method: str, max_rounds: int) -> None:
        """Alternating / cover LPs from ``x0`` over ``classes`` (see the module docstring), both orders; offers every LP point."""
        factors = np.zeros(len(x0), dtype=bool)
        for cls in classes:
            factors[cls] = True
        factors |= self._square_factors()
        orders = [classes, classes[::-1]] if len(classes) > 1 else [classes or [np.zeros(0, dtype=np.int64)]]
        for order in orders:
            x, previous = x0.copy(), math.inf
            for round_ in range(1, max_rounds + 1):
                for cls in order:
                    fixed = factors | pinned
                    fixed[cls] = pinned[cls]
                    x = self.lp(x, fixed)
                    if x is None:
                        break
                    current = self.offer(method, x)
                if x is None:
                    break
                self.rounds = max(self.rounds, round_)
                if previous - current <= self.tol * max(1.0, abs(current)):
                    break
                previous = current

    def _square_factors(self) -> np.ndarray:
        squares = np.zeros(len(self.qm.variables), dtype=bool)
        for rows in (self.qm.rows, self.qm.objective):
            squares[rows.qi[rows.qi == rows.qj]] = True
        return squares

    def nlp(
        self,
        x0: np.ndarray,
        classes: list,
        pinned: np.ndarray,
        method: str,
        *,
        maxiter: int,
        share: float = 1.0,
        feasibility_first: bool = False,
    ) -> None:
        """NLP from ``x0`` (``pinned`` held) for at most ``share`` of the time left, then two rounds of cover LPs to clean its point.

        An NLP point just outside a constraint is stepped back onto it
        (:func:`~surrogate.milp.local_nlp.restore_feasibility`). If the NLP ends
        infeasible (SLSQP often does from a point far outside nonconvex
        constraints), a feasibility phase (:func:`~surrogate.milp.local_nlp.feasibility_point`)
        from ``x0`` gives it a second start; ``feasibility_first`` runs that phase first instead.
        """
        if self.expired():
            return
        moment = now()
        deadline = moment + share * (self.deadline - moment) if math.isfinite(self.deadline) else math.inf
        qm = self.qm

        def phase():
            return feasibility_point(qm, x0, fixed=pinned, deadline=deadline)

        for start in [phase] if feasibility_first else [lambda: x0, phase]:
            x = solve_nlp(qm, start(), fixed=pinned, deadline=deadline, maxiter=maxiter)
            if qm.violation(x) > FEASIBILITY_TOL:  # stopped just outside a constraint: step back onto it
                x = restore_feasibility(qm, x)
            if self.offer(method, x) < math.inf or now() >= deadline:  # offer: finite when feasible
                break
        self.alternate(x, classes, pinned, method, max_rounds=2)
        self.expired()

    def multistart(self, starts: int, rng: np.random.Generator, *, maxiter: int) -> None:
        """NLPs from ``starts`` points drawn uniformly in the box (:func:`start_box`), each with an equal share of the time left.

        An integer variable's draw is rounded to a whole value in its box (the NLP then holds it, the LPs after it move it).
        """
        lower, upper = start_box(self.qm, self.best_point)
        classes, _ = colour_classes(product_edges(self.qm, np.zeros(len(lower), dtype=bool)))
        for k in range(starts):
            if self.expired():
                return
            x0 = rng.uniform(lower, upper)
            whole = np.clip(np.round(x0), np.ceil(lower - 1e-9), np.floor(upper + 1e-9))  # an integer's draw, rounded
            x0 = np.where(self.qm.integer, whole, x0)
            self.nlp(
                x0,
                classes,
                np.zeros(len(x0), dtype=bool),
                "multistart",
                maxiter=maxiter,
                share=1.0 / (starts - k),
                feasibility_first=True,
            )

    def pattern_search(self, small: np.ndarray, method: str, max_evals: int) -> None:
        """Coordinate pattern search over the factors ``small`` from the best point, each trial scored by the LP in the rest
        (an integer factor steps to whole values only)."""
        qm, fixed = self.qm, np.zeros(len(self.qm.variables), dtype=bool)
        fixed[small] = True
        steps = {int(i): 0.25 * (qm.upper[i] - qm.lower[i]) for i in small if np.isfinite(qm.upper[i] - qm.lower[i])}
        steps = {i: max(s, 1.0) if qm.integer[i] else s for i, s in steps.items()}  # a binary moves by 1, not 0.25
        evals = 0
        while steps and evals < max_evals and max(steps.values()) > 1e-9 and not self.expired():
            improved = False
            for i, step in steps.items():
                for direction in (1, -1) if step > 1e-9 else ():
                    point = self.best_point.copy()
                    point[i] = qm.within(i, point[i] + direction * step)
                    trial = None if point[i] == self.best_point[i] else self.lp(point, fixed)
                    if trial is not None:
                        evals, before = evals + 1, self.best
                        self.offer(method, trial)
                        improved = self.best != before
                        if improved:
                            break
            if not improved:  # halve; an integer factor already tried at step 1 is done
                steps = {
                    i: max(s / 2, 1.0) if qm.integer[i] else s / 2 for i, s in steps.items() if not (qm.integer[i] and s <= 1)
                }


def start_box(qm: QuadraticModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The box multistart draws from: the variable bounds, and ``x`` +- max(1, |x|) on a side without one.

    Parameters
    ----------
    qm
        The model as a :class:`~surrogate.milp.polish_quadratic.QuadraticModel`.
    x
        The current point.
    """
    span = np.maximum(1.0, np.abs(x))
    lower = np.where(np.isfinite(qm.lower), qm.lower, x - span)
    upper = np.where(np.isfinite(qm.upper), qm.upper, x + span)
    return lower, upper
