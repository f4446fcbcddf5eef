"""The fixed instances of ``surrogate bench scale`` and their exact optima.

The suite is the random bilinear family (:func:`problems.random_bilinear`) at
:data:`RANDOM_SIZES` products x :data:`RANDOM_SEEDS`, plus the pooling
instances :data:`POOLING` (:func:`problems.pooling`); :data:`QUICK_SUITE` is the
smoke subset of ``--quick``. Instances are named as :func:`problems.build`
reads them (``random8-s0``, ``foulds2``).

Exact optima: a pooling instance's is its recorded best-known optimum; a
random instance's is :data:`RANDOM_OPTIMA` when recorded there, else SCIP's on
the exact model (:func:`solve_exact`, run once and cached in the results folder).
"""

from __future__ import annotations

import math

from .problem_package import problems_package
from .scip_reference import EXACT_REL_GAP  # noqa: F401 (re-exported: the relative gap of RANDOM_OPTIMA and of solve_exact)

#: Products of the random family in the suite.
RANDOM_SIZES = (8, 16, 32, 64)
#: Seeds of the random family in the suite.
RANDOM_SEEDS = (0, 1, 2)
#: Pooling instances in the suite (the haverly and bental4 ones are too small to tell encodings apart).
POOLING = ("bental5", "foulds2", "foulds3", "foulds4", "foulds5", "adhya1", "adhya2", "adhya3", "adhya4", "rt2")
#: The whole suite: the random family (by size, then seed), then the pooling instances.
SUITE = tuple(f"random{n}-s{s}" for n in RANDOM_SIZES for s in RANDOM_SEEDS) + POOLING
#: The ``--quick`` subset: one small random instance and the smallest pooling instances (about a minute).
QUICK_SUITE = ("random8-s0", "foulds2", "haverly1", "haverly2", "haverly3", "bental4")
#: Seconds SCIP gets for the exact optimum of an instance not in :data:`RANDOM_OPTIMA`.
EXACT_TIME_LIMIT = 600.0
#: Where :data:`RANDOM_OPTIMA` come from.
RANDOM_OPTIMA_SOURCE = (
    "SCIP 10.0 (pyscipopt 6.3.0) on the exact model, rel_gap 1e-6, every one proven optimal in under 1 s; "
    "computed once with surrogate.experiments.scale_suite.solve_exact"
)
#: The exact optima of the suite's random instances (minimisation), see :data:`RANDOM_OPTIMA_SOURCE`.
RANDOM_OPTIMA = {
    "random8-s0": -10.054888359971105,
    "random8-s1": -10.432545758167006,
    "random8-s2": -10.262772601030614,
    "random16-s0": -18.35660567450626,
    "random16-s1": -11.832253287159094,
    "random16-s2": -4.55939856706235,
    "random32-s0": -24.94921462545167,
    "random32-s1": -21.951490201579002,
    "random32-s2": -16.79492470999993,
    "random64-s0": -31.471653133106987,
    "random64-s1": -32.02940694952214,
    "random64-s2": -37.56940925450148,
}


def random_instance(instance: str) -> tuple[int, int] | None:
    """``(n_products, seed)`` of a random instance, ``None`` for another (:func:`problems.random_name`, whose
    :class:`ValueError` for a bad random name is a :class:`~surrogate.errors.ConfigError` here)."""
    from ..errors import ConfigError

    try:
        return problems_package().random_name(instance)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def family(instance: str) -> str:
    """``'random'`` or ``'pooling'``.

    >>> family("random8-s0"), family("foulds2")
    ('random', 'pooling')
    """
    return "pooling" if random_instance(instance) is None else "random"


def check_instance(instance: str) -> None:
    """Raise :class:`~surrogate.errors.ConfigError` unless ``instance`` is a pooling instance or ``randomN-sS``
    (:func:`random_instance`) written with its seed (one name per problem)."""
    problems = problems_package()

    from ..errors import ConfigError

    if instance in problems.POOLING_INSTANCES:
        return
    random = random_instance(instance) if isinstance(instance, str) else None
    if random is None:
        raise ConfigError(
            f"unknown instance {instance!r}; use randomN-sS (N products from 1 to {problems.RANDOM_MAX_PRODUCTS}, "
            f"seed S, e.g. random8-s0) or a pooling instance ({', '.join(problems.POOLING_INSTANCES)})"
        )
    if instance != f"random{random[0]}-s{random[1]}":  # random8 is random8-s0: it would run under two names
        raise ConfigError(f"instance {instance!r}: write it 'random{random[0]}-s{random[1]}', with its seed")


def products(instance: str) -> int:
    """How many products ``x*y`` the instance has (for ordering the work, largest first)."""
    problems = problems_package()

    random = random_instance(instance)
    return random[0] if random is not None else int(problems.build(instance).info["bilinear_terms"])


def recorded_optimum(instance: str) -> tuple[float, str] | None:
    """(optimum, source) of ``instance`` when it is recorded (pooling, :data:`RANDOM_OPTIMA`), else ``None``."""
    if instance in RANDOM_OPTIMA:
        return RANDOM_OPTIMA[instance], RANDOM_OPTIMA_SOURCE
    if family(instance) == "pooling":
        problems = problems_package()

        problem = problems.build(instance)
        return float(problem.optimum), problem.source
    return None


def solve_exact(instance: str, time_limit: float = EXACT_TIME_LIMIT) -> dict:
    """SCIP's optimum of the exact model of ``instance``: a unit of the benchmark (pure, returns ``{"rows": [row]}``).

    The row holds ``instance``, ``optimum`` (``nan`` unless SCIP proved it
    optimal), ``optimum_source``, ``scip_s`` and ``scip_termination``
    (``scip-not-installed`` without pyscipopt).
    """
    problems = problems_package()

    from ..milp.solver_config import Termination
    from .scip_reference import solve_exact_with_scip

    objective, seconds, termination = solve_exact_with_scip(problems.build(instance).model, time_limit)
    proven = termination == Termination.OPTIMAL
    source = f"SCIP on the exact model, rel_gap {EXACT_REL_GAP:g}, time limit {time_limit:g} s"
    row = {
        "instance": instance,
        "optimum": objective if proven else math.nan,
        "optimum_source": source if proven else f"unknown (SCIP: {termination})",
        "scip_s": seconds,
        "scip_termination": str(termination),
    }
    return {"rows": [row]}
