"""The clock that the warm start's time budget is counted on: wall time, or the search's own CPU time.

The warm start (:func:`~surrogate.milp.warmstart.activation_start`), its exact
seed (:func:`~surrogate.milp.exact_seed.exact_point`) and the polish behind
it (:mod:`surrogate.milp.polish`, :mod:`surrogate.milp.local_nlp`) check their
deadlines against :func:`now`. Outside a search, and inside one counted on
``'wall'`` (the default), that is :func:`time.perf_counter`.

On ``'cpu'`` the budget counts the CPU time of the thread that runs the
search (:func:`time.thread_time`; the LPs and NLPs it runs are single-threaded
and run in that thread). A machine shared with other work then slows the
search in wall time but does not cut it short: it does the same work and finds
the same point as on an idle machine. So that a starved search cannot hold the
solve up without end, wall time counts too, scaled so that the budget is spent
once ``wall_limit`` wall seconds have passed, whatever the CPU time:

.. math::

    \\text{elapsed} = \\max\\Big(t_\\text{cpu},\\; t_\\text{wall} \\cdot \\frac{\\text{budget}}{\\text{wall\\_limit}}\\Big).

On an idle machine the thread's CPU time keeps pace with wall time, and both
clocks end the search at the same moment. The solvers the search calls take
wall-clock limits: each gets its share of the search clock converted by
:func:`as_wall`, so an LP is not cut short by a busy machine while the budget
still has CPU time for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ..errors import ConfigError
from ..options import is_number

#: The clocks a search's budget can be counted on (see the module docstring).
CLOCKS = ("wall", "cpu")


def check_clock(clock, where: str) -> None:
    """Raise :class:`ConfigError` unless ``clock`` is one of :data:`CLOCKS`; ``where`` names the field (``'StartConfig: clock'``)."""
    if not isinstance(clock, str) or clock not in CLOCKS:
        raise ConfigError(f"{where}={clock!r} is not one of {', '.join(map(repr, CLOCKS))}")


@dataclass(frozen=True)
class SearchClock:
    """A clock for one search: :meth:`__call__` reads it; :attr:`stretch` converts its seconds into wall seconds.

    ``stretch`` is the most wall seconds one second of this clock can take: 1 for wall time,
    ``wall_limit / budget`` for :func:`cpu_clock`. A solver called inside the search gets its share of
    time as a wall-clock limit (:func:`as_wall`), so that on the CPU clock a busy machine does not cut
    an LP short that the budget still has CPU time for.
    """

    reading: Callable[[], float]
    stretch: float = 1.0

    def __call__(self) -> float:
        return self.reading()


#: The default clock: wall time.
WALL = SearchClock(time.perf_counter)

_NOW: ContextVar[SearchClock] = ContextVar("search_clock", default=WALL)


def now() -> float:
    """The current reading of the search clock, in seconds (only differences mean anything)."""
    return _NOW.get()()


def cpu_clock(*, budget: float, wall_limit: float) -> SearchClock:
    """A clock on the calling thread's CPU seconds that also reaches ``budget`` once ``wall_limit`` wall seconds pass.

    Both times are counted from the call. Its readings start at 0.
    """
    for name, value in (("budget", budget), ("wall_limit", wall_limit)):
        if not is_number(value, low=0, low_open=True, finite=True):
            raise ConfigError(f"cpu_clock: {name}={value!r} must be a positive number of seconds")
    if wall_limit < budget:
        raise ConfigError(
            f"cpu_clock: wall_limit={wall_limit!r} is shorter than budget={budget!r}; give the search at least "
            "as many wall seconds as CPU seconds"
        )
    scale = budget / wall_limit
    cpu0, wall0 = time.thread_time(), time.perf_counter()

    def reading() -> float:
        return max(time.thread_time() - cpu0, (time.perf_counter() - wall0) * scale)

    return SearchClock(reading, stretch=wall_limit / budget)


def as_wall(seconds: float) -> float:
    """The wall-clock limit for a solver given ``seconds`` of the search clock (:attr:`SearchClock.stretch` times them)."""
    return seconds * _NOW.get().stretch


@contextmanager
def counting(clock: SearchClock) -> Iterator[None]:
    """Make :func:`now` read ``clock`` in this thread (and context) until the block ends."""
    token = _NOW.set(clock)
    try:
        yield
    finally:
        _NOW.reset(token)
