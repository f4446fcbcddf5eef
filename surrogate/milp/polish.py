"""Recover an exactly feasible point of a bilinear model from a surrogate's answer.

:func:`polish` takes the surrogate MILP's point to a feasible local optimum of
the exact model (violation at most :data:`FEASIBILITY_TOL`) with whichever of
these methods does best, all run on the model read once as quadratic forms
(:class:`~surrogate.milp.local_nlp.QuadraticModel`):

``alternating-lp`` / ``cover-lp``
    Every product ``x*y`` is linear once one of its factors is fixed. Colour
    the product graph (a vertex per factor, an edge per product) so that no
    product joins two factors of one colour class :math:`C_1, \\dots, C_k`.
    Fixing every factor outside :math:`C_t` (a vertex cover) leaves the LP

    .. math::

        x^{t} = \\arg\\min_{x} f(x) \\;\\text{s.t. the exact constraints},\\;
        x_j = x^{t-1}_j \\text{ for every factor } j \\notin C_t,

    whose solution is exactly feasible. The LPs run for t = 1..k in turn, and
    rounds repeat until the objective stops improving (both orders are tried).
    A bipartite graph (pooling: qualities x flows) has k = 2, the classic
    alternating LP (``alternating-lp``), followed by a pattern search over the
    smaller side, each trial scored by the LP in the rest, since alternation
    stops at partial optima. Otherwise (odd cycles: ``cover-lp``) a greedy
    colouring gives the classes, and a factor of a square ``x*x`` stays fixed.
``complementarity``
    For pairs with :math:`x, y \\ge 0` and :math:`xy = 0` (or :math:`xy \\le 0`)
    every LP above is infeasible unless one factor is already 0. The smaller
    factor of each pair is fixed at 0 (the product vanishes) and the LPs and
    the NLP below run on the rest.
``nlp``
    A local solve of the whole exact model (SLSQP, or trust-constr when large:
    :func:`~surrogate.milp.local_nlp.solve_nlp`) from the start point, and again from
    the best point so far; each NLP point is then cleaned by a few cover-LP
    rounds, which make it exactly feasible when the LPs are. A point the NLP
    leaves just outside a constraint is first stepped back onto the rows it
    violates or meets (:func:`~surrogate.milp.local_nlp.restore_feasibility`), and an
    NLP that ends infeasible is started again from a feasibility phase
    (:func:`~surrogate.milp.local_nlp.feasibility_point`).
``multistart``
    Time allowing, NLPs (each after a feasibility phase) from ``restarts``
    points drawn uniformly in the variables' box (:func:`start_box`) by a
    seeded generator. These points owe nothing to the surrogate: a run whose
    final point came from here says so in its ``method``.

Each LP is a fresh ``highspy.Highs`` built from numpy arrays
(:func:`~surrogate.milp.local_nlp.solve_lp`), so LPs do not slow down as they are
re-solved, and the clock is checked between LPs and NLP iterations.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from ..errors import ConfigError, NonlinearModelError
from .local_nlp import QuadraticModel, feasibility_point, restore_feasibility, solve_lp, solve_nlp
from .solver import SolverConfig

#: A point whose largest constraint or bound violation is at most this is feasible.
FEASIBILITY_TOL = 1e-6
#: The values of :attr:`PolishResult.method`.
METHODS = ("alternating-lp", "cover-lp", "complementarity", "nlp", "multistart", "none")
#: NLPs from random points that :func:`polish` runs after its other methods, time allowing.
DEFAULT_RESTARTS = 8
#: The values of :attr:`PolishResult.status`.
STATUSES = ("polished", "start-kept", "infeasible", "not-quadratic")


def product_pairs(model) -> list[tuple]:
    """Every distinct pair of variables multiplied in the active objective and constraints."""
    pairs = {}
    exprs = [o.expr for o in model.component_data_objects(pyo.Objective, active=True)]
    exprs += [c.body for c in model.component_data_objects(pyo.Constraint, active=True)]
    for expr in exprs:
        repn = generate_standard_repn(expr, quadratic=True, compute_values=True)
        for v1, v2 in repn.quadratic_vars:
            pairs[tuple(sorted((v1.name, v2.name)))] = (v1, v2)
    return list(pairs.values())


def _two_colouring(neighbours: dict) -> dict | None:
    """Side (0 or 1) of every node of the graph ``neighbours`` (node -> set of nodes); ``None`` if not bipartite."""
    side: dict = {}
    for start in neighbours:
        if start in side:
            continue
        side[start] = 0
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in neighbours[node]:
                if other not in side:
                    side[other] = 1 - side[node]
                    queue.append(other)
                elif side[other] == side[node]:
                    return None
    return side


def factor_sets(pairs) -> tuple[list, list] | None:
    """Split the factors into two sets with one factor of every product in each; ``None`` if impossible."""
    if any(v1 is v2 for v1, v2 in pairs):
        return None  # a square cannot be split
    neighbours: dict = {}
    variables = {}
    for v1, v2 in pairs:
        variables[id(v1)], variables[id(v2)] = v1, v2
        neighbours.setdefault(id(v1), set()).add(id(v2))
        neighbours.setdefault(id(v2), set()).add(id(v1))
    side = _two_colouring(neighbours)
    if side is None:
        return None
    return [variables[k] for k, s in side.items() if s == 0], [variables[k] for k, s in side.items() if s == 1]


def colour_classes(edges) -> tuple[list[np.ndarray], bool]:
    """Colour classes of the product graph on variable indices, and whether it is bipartite without squares.

    ``edges`` are (i, j) index pairs (i == j: a square, whose factor joins no
    class and so is never freed by an LP). A bipartite graph gets its two
    sides; any other a greedy colouring, most-connected factor first.
    """
    neighbours: dict = {}
    squares = {i for i, j in edges if i == j}
    for i, j in edges:
        if i != j:
            neighbours.setdefault(i, set()).add(j)
            neighbours.setdefault(j, set()).add(i)
    side = _two_colouring(neighbours)
    if side is not None:
        colour = {node: s for node, s in side.items() if node not in squares}
    else:
        colour = {}
        for node in sorted(neighbours, key=lambda n: -len(neighbours[n])):
            if node not in squares:
                used = {colour[o] for o in neighbours[node] if o in colour}
                colour[node] = next(c for c in range(len(used) + 1) if c not in used)
    classes = [np.array(sorted(n for n, c in colour.items() if c == k), dtype=np.int64) for k in sorted(set(colour.values()))]
    return classes, side is not None and not squares


def complementarity_pairs(qm: QuadraticModel) -> list[tuple[int, int]]:
    """(i, j) of every row that says :math:`x_i x_j = 0` or :math:`x_i x_j \\le 0` with both factors non-negative.

    A row qualifies when its only term is :math:`q x_i x_j` (i != j, no linear
    part, constant c) and its bound on the product side is 0: ``q > 0`` with
    upper bound c, or ``q < 0`` with lower bound c.
    """
    rows = qm.rows
    out = []
    linear_terms = np.diff(rows.linear.indptr)
    terms = np.bincount(rows.qrow, minlength=len(rows.constant))
    for k in np.flatnonzero((rows.qi != rows.qj)):
        r, i, j, q = rows.qrow[k], rows.qi[k], rows.qj[k], rows.qval[k]
        if terms[r] != 1 or linear_terms[r] != 0 or qm.lower[i] < 0 or qm.lower[j] < 0:
            continue
        bound = qm.row_upper[r] if q > 0 else qm.row_lower[r]
        if bound == rows.constant[r]:
            out.append((int(i), int(j)))
    return out


def max_violation(model) -> float:
    """Largest violation of any active constraint or variable bound at the current values."""
    worst = 0.0
    for con in model.component_data_objects(pyo.Constraint, active=True):
        body = pyo.value(con.body, exception=False)
        if body is None:
            return math.inf
        if con.has_lb():
            worst = max(worst, pyo.value(con.lower) - body)
        if con.has_ub():
            worst = max(worst, body - pyo.value(con.upper))
    for var in model.component_data_objects(pyo.Var):
        if var.value is None:
            return math.inf
        if var.has_lb():
            worst = max(worst, var.lb - var.value)
        if var.has_ub():
            worst = max(worst, var.value - var.ub)
    return worst


def true_objective(model) -> float:
    (obj,) = list(model.component_data_objects(pyo.Objective, active=True))
    value = pyo.value(obj.expr, exception=False)
    return math.nan if value is None else float(value)


@dataclass(frozen=True)
class PolishResult:
    """The true objective and worst violation before and after polishing, and how it went.

    ``status`` is one of :data:`STATUSES`: ``polished`` (a method reached a
    feasible point at least as good as a feasible start), ``start-kept`` (the
    start was feasible and nothing beat it), ``infeasible`` (no feasible point
    found: the model is left at the least violated one) or ``not-quadratic``
    (a term of degree above 2: nothing was tried). ``method`` (one of
    :data:`METHODS`) names the method that gave the final point; ``rounds`` the
    most LP rounds one alternation ran; ``lp_solves`` the LPs solved;
    ``seconds`` the whole polish; ``timed_out`` whether ``time_limit`` cut it short.
    """

    objective_before: float
    violation_before: float
    objective_after: float
    violation_after: float
    rounds: int
    status: str
    method: str = "none"
    seconds: float = 0.0
    lp_solves: int = 0
    timed_out: bool = False


@dataclass
class _Search:
    """Candidate points of one polish, the LP counter and the deadline (``time.perf_counter()`` seconds)."""

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

    def expired(self) -> bool:
        if time.perf_counter() >= self.deadline:
            self.timed_out = True
        return self.timed_out

    def offer(self, method: str, x: np.ndarray) -> float:
        """Keep ``x`` if it beats the best point so far (feasible first, then objective); returns its score."""
        violation = self.qm.violation(x)
        value = self.qm.sense * self.qm.objective_value(x)
        score = (0.0, value) if violation <= FEASIBILITY_TOL else (violation, math.inf)
        better = score[0] < self.best[0] or (score[0] == self.best[0] == 0.0 and value < self.best[1] - self.tol * max(1.0, abs(value)))
        if self.best_point is None or better:
            self.best, self.best_point, self.best_method = score, x.copy(), method
        return value if score[0] == 0.0 else math.inf

    def lp(self, x: np.ndarray, fixed: np.ndarray) -> np.ndarray | None:
        """The LP with ``fixed`` held at ``x`` (``None`` if it has no optimum or time is up)."""
        if self.expired():
            return None
        self.lp_solves += 1
        remaining = self.deadline - time.perf_counter()
        return solve_lp(self.qm, x, fixed, threads=self.config.threads, time_limit=min(self.config.time_limit, remaining))

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
        self, x0: np.ndarray, classes: list, pinned: np.ndarray, method: str, *, maxiter: int, share: float = 1.0,
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
        now = time.perf_counter()
        deadline = now + share * (self.deadline - now) if math.isfinite(self.deadline) else math.inf
        qm = self.qm

        def phase():
            return feasibility_point(qm, x0, fixed=pinned, deadline=deadline)

        for start in [phase] if feasibility_first else [lambda: x0, phase]:
            x = solve_nlp(qm, start(), fixed=pinned, deadline=deadline, maxiter=maxiter)
            if qm.violation(x) > FEASIBILITY_TOL:  # stopped just outside a constraint: step back onto it
                x = restore_feasibility(qm, x)
            if self.offer(method, x) < math.inf or time.perf_counter() >= deadline:  # offer: finite when feasible
                break
        self.alternate(x, classes, pinned, method, max_rounds=2)
        self.expired()

    def multistart(self, starts: int, rng: np.random.Generator, *, maxiter: int) -> None:
        """NLPs from ``starts`` points drawn uniformly in the box (:func:`start_box`), each with an equal share of the time left."""
        lower, upper = start_box(self.qm, self.best_point)
        classes, _ = colour_classes(_edges(self.qm, np.zeros(len(lower), dtype=bool)))
        for k in range(starts):
            if self.expired():
                return
            x0 = np.where(self.qm.integer, self.best_point, rng.uniform(lower, upper))
            self.nlp(x0, classes, np.zeros(len(x0), dtype=bool), "multistart", maxiter=maxiter, share=1.0 / (starts - k),
                     feasibility_first=True)

    def pattern_search(self, small: np.ndarray, method: str, max_evals: int) -> None:
        """Coordinate pattern search over the factors ``small`` from the best point, each trial scored by the LP in the rest."""
        qm, fixed = self.qm, np.zeros(len(self.qm.variables), dtype=bool)
        fixed[small] = True
        steps = {int(i): 0.25 * (qm.upper[i] - qm.lower[i]) for i in small if np.isfinite(qm.upper[i] - qm.lower[i])}
        evals = 0
        while steps and evals < max_evals and max(steps.values()) > 1e-9 and not self.expired():
            improved = False
            for i, step in steps.items():
                for direction in (1, -1) if step > 1e-9 else ():
                    point = self.best_point.copy()
                    point[i] = min(max(point[i] + direction * step, qm.lower[i]), qm.upper[i])
                    trial = None if point[i] == self.best_point[i] else self.lp(point, fixed)
                    if trial is not None:
                        evals, before = evals + 1, self.best
                        self.offer(method, trial)
                        improved = self.best != before
                        if improved:
                            break
            if not improved:
                steps = {i: s / 2 for i, s in steps.items()}


def start_box(qm: QuadraticModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The box multistart draws from: the variable bounds, and ``x`` +- max(1, |x|) on a side without one."""
    span = np.maximum(1.0, np.abs(x))
    lower = np.where(np.isfinite(qm.lower), qm.lower, x - span)
    upper = np.where(np.isfinite(qm.upper), qm.upper, x + span)
    return lower, upper


def _rounded(qm: QuadraticModel, x: np.ndarray, pairs: list) -> tuple[np.ndarray, np.ndarray]:
    """``x`` with the smaller factor of every complementarity pair (one that may be 0) set to 0, and the mask of those."""
    x, pinned = x.copy(), np.zeros(len(x), dtype=bool)
    for i, j in pairs:
        if pinned[i] or pinned[j]:
            continue
        zero_ok = [k for k in (i, j) if qm.lower[k] <= 0 <= qm.upper[k]]
        if zero_ok:
            k = min(zero_ok, key=lambda k: x[k])
            x[k], pinned[k] = 0.0, True
    return x, pinned


def _edges(qm: QuadraticModel, pinned: np.ndarray) -> set:
    """The product graph's edges (i, j) with no ``pinned`` factor (a pinned factor at 0 makes the product vanish)."""
    out = set()
    for rows in (qm.rows, qm.objective):
        for i, j in zip(rows.qi.tolist(), rows.qj.tolist()):
            if not (pinned[i] or pinned[j]):
                out.add((min(i, j), max(i, j)))
    return out


def check_restarts(restarts, what: str) -> int:
    """``restarts`` if it is a whole number >= 0; else a :class:`ConfigError` naming ``what``."""
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 0:
        raise ConfigError(f"{what}={restarts!r} must be a whole number >= 0 (0 turns multistart off)")
    return restarts


def polish(
    model, values: dict, *, config: SolverConfig = SolverConfig(), time_limit: float | None = None, max_rounds: int = 20,
    max_evals: int = 400, nlp_maxiter: int = 300, tol: float = 1e-9, restarts: int = DEFAULT_RESTARTS, seed: int = 0,
) -> PolishResult:
    """Polish ``values`` on the exact ``model``, which is changed in place and ends at the polished point.

    Parameters
    ----------
    model
        The exact (bilinear) model: its active objective and constraints.
    values
        Variable name -> value, the surrogate's point (clipped into the bounds; others keep their values).
    config
        Threads and the per-LP time limit of HiGHS.
    time_limit
        Seconds for the whole polish (``None``: no limit); checked between LPs and NLP iterations.
    max_rounds, max_evals, nlp_maxiter, tol
        Most LP rounds per alternation, LPs in the pattern search, NLP iterations per solve;
        the relative improvement below which an alternation stops.
    restarts, seed
        After the methods above, NLPs from up to ``restarts`` random points in the
        variables' box (``multistart``; drawn by ``numpy.random.default_rng(seed)``),
        each with an equal share of the time left; 0 turns it off.

    Returns
    -------
    PolishResult
        The objective and violation before and after, the method and status.
    """
    check_restarts(restarts, "polish: restarts")
    begin = time.perf_counter()
    start = _load_start(model, values)
    measured = time.perf_counter()
    before = (true_objective(model), max_violation(model))
    # the end repeats this measurement: keep twice its time, and 5 % of the limit for the last step, in reserve
    reserve = 2 * (time.perf_counter() - measured) + 0.05 * (time_limit or 0.0)
    try:
        qm = QuadraticModel.from_pyomo(model)
    except NonlinearModelError:
        return PolishResult(*before, *before, 0, "not-quadratic", seconds=time.perf_counter() - begin)
    deadline = math.inf if time_limit is None else begin + time_limit - reserve
    search = _Search(qm, config, deadline, tol)
    x0 = qm.point(start)
    search.offer("none", x0)
    _run_methods(search, x0, max_rounds=max_rounds, max_evals=max_evals, nlp_maxiter=nlp_maxiter)
    search.multistart(restarts, np.random.default_rng(seed), maxiter=nlp_maxiter)
    qm.load(search.best_point)
    after = (true_objective(model), max_violation(model))
    status = "infeasible" if after[1] > FEASIBILITY_TOL else ("start-kept" if search.best_method == "none" else "polished")
    return PolishResult(
        *before, *after, search.rounds, status, method=search.best_method, seconds=time.perf_counter() - begin,
        lp_solves=search.lp_solves, timed_out=search.timed_out,
    )


def _run_methods(search: _Search, x0: np.ndarray, *, max_rounds: int, max_evals: int, nlp_maxiter: int) -> None:
    """Run the methods while time lasts: LPs first on a bipartite graph, else complementarity and the NLP first.

    A bipartite graph's alternating LP is cheap and usually enough; a cover of
    another graph may need one LP per colour class each round, so there the
    NLP goes first. The best LP point is refined by a last NLP.
    """
    qm, none = search.qm, np.zeros(len(x0), dtype=bool)
    classes, bipartite = colour_classes(_edges(qm, none))
    method = "alternating-lp" if bipartite else "cover-lp"

    def lps():
        search.alternate(x0, classes, none, method, max_rounds)
        if bipartite and search.best_method == method and not search.expired():
            search.pattern_search(min(classes, key=len), method, max_evals)

    def complementarity():
        pairs = complementarity_pairs(qm)
        if pairs and not search.expired():
            rounded, pinned = _rounded(qm, x0, pairs)
            reduced, _ = colour_classes(_edges(qm, pinned))
            search.alternate(rounded, reduced, pinned, "complementarity", max_rounds)
            search.nlp(rounded, reduced, pinned, "complementarity", maxiter=nlp_maxiter, share=0.5)

    def nlp():  # half the time left at most, so that the LPs after it get their turn
        search.nlp(x0, classes, none, "nlp", maxiter=nlp_maxiter, share=0.5)

    for step in (lps, complementarity, nlp) if bipartite else (complementarity, nlp, lps):
        step()
    if search.best_method not in ("nlp", "none"):  # refine the best LP point too
        search.nlp(search.best_point, classes, none, "nlp", maxiter=nlp_maxiter, share=0.5)


def _clipped(var, value: float) -> float:
    """``value`` clipped into the bounds of ``var``."""
    return min(max(value, var.lb if var.has_lb() else value), var.ub if var.has_ub() else value)


def _load_start(model, values: dict) -> dict:
    """Set the variables of ``model`` named in ``values`` (clipped into their bounds); the values set, by name."""
    variables = {v.name: v for v in model.component_data_objects(pyo.Var)}
    start = {name: _clipped(variables[name], value) for name, value in values.items() if name in variables and value is not None}
    _restore(variables, start)
    return start


def _restore(variables: dict, values: dict) -> None:
    for name, value in values.items():
        if name in variables:
            variables[name].set_value(value, skip_validation=True)
