"""The warm start's clock: wall seconds, or the search thread's CPU seconds with a wall-time cap."""

import time

import pytest

from surrogate import ConfigError
from surrogate.milp.search_clock import WALL, SearchClock, as_wall, counting, cpu_clock, now
from surrogate.milp.warmstart_config import CPU_WALL_FACTOR, StartConfig

# No wall-clock thresholds on speed: a sleeping thread uses no CPU time, and a sleep lasts at least as long as asked.


def test_outside_a_search_now_reads_wall_time():
    before = now()
    time.sleep(0.05)
    assert now() - before >= 0.05


def test_counting_sets_the_clock_for_the_block_only():
    with counting(SearchClock(lambda: -1.0)):
        assert now() == -1.0
    assert abs(now() - time.perf_counter()) < 1.0


def test_the_cpu_clock_does_not_count_a_sleep():
    with counting(cpu_clock(budget=1.0, wall_limit=1000.0)):
        before = now()
        time.sleep(0.2)
        slept = now() - before
    assert slept < 0.1  # the wall part: 0.2 s * 1/1000; the thread's CPU time: next to nothing


def test_the_cpu_clock_spends_its_budget_by_its_wall_limit():
    """However little CPU time the search gets, the clock reaches ``budget`` when ``wall_limit`` wall seconds pass."""
    with counting(cpu_clock(budget=0.5, wall_limit=1.0)):
        time.sleep(0.3)
        assert now() >= 0.3 * 0.5


def test_the_cpu_clock_counts_work():
    clock = cpu_clock(budget=1.0, wall_limit=1000.0)
    total = 0
    while clock() < 0.05:  # CPU seconds of this thread: reached by working, whatever else the machine runs
        total += sum(range(1000))
    assert total > 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"budget": 0, "wall_limit": 1.0}, r"cpu_clock: budget=0 must be a positive number of seconds"),
        ({"budget": 1.0, "wall_limit": float("inf")}, r"cpu_clock: wall_limit=inf must be a positive number of seconds"),
        ({"budget": 2.0, "wall_limit": 1.0}, r"cpu_clock: wall_limit=1.0 is shorter than budget=2.0; give the search"),
    ],
)
def test_a_bad_cpu_clock_says_what_to_pass(options, message):
    with pytest.raises(ConfigError, match=message):
        cpu_clock(**options)


def test_start_config_makes_the_clock_it_names():
    assert StartConfig().make_clock() is WALL
    patient = StartConfig(time_limit=0.5, patience=0.25, clock="cpu")
    assert patient.budget == 0.75
    clock = patient.make_clock()  # no wall_limit: CPU_WALL_FACTOR times the budget
    time.sleep(0.2)
    assert clock() >= 0.2 / CPU_WALL_FACTOR
    assert clock.stretch == CPU_WALL_FACTOR  # its wall limit counts the patience too: 2 * 0.75 s, not 2 * 0.5 s
    assert StartConfig(time_limit=0.5, patience=1.0, clock="cpu").make_clock().stretch == CPU_WALL_FACTOR


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"clock": "process"}, r"StartConfig: clock='process' is not one of 'wall', 'cpu'"),
        ({"clock": "wall", "wall_limit": 10.0}, r"wall_limit=10.0 is for clock='cpu'; with clock='wall' the budget"),
        (
            {"clock": "cpu", "time_limit": 5.0, "patience": 1.0, "wall_limit": 4.0},
            r"StartConfig: wall_limit=4.0 must be a number of seconds >= time_limit \+ patience \(6\)",
        ),
        ({"clock": "cpu", "wall_limit": float("nan")}, r"StartConfig: wall_limit=nan must be a number of seconds"),
    ],
)
def test_a_bad_start_clock_says_what_to_pass(options, message):
    with pytest.raises(ConfigError, match=message):
        StartConfig(**options)


def test_a_solver_inside_the_search_gets_its_share_in_wall_seconds():
    """On the CPU clock a second of budget may take ``wall_limit / budget`` wall seconds, and an LP gets that."""
    assert as_wall(2.0) == 2.0  # the wall clock
    with counting(cpu_clock(budget=5.0, wall_limit=30.0)):
        assert as_wall(2.0) == pytest.approx(12.0)
    assert StartConfig(time_limit=5.0, clock="cpu").make_clock().stretch == CPU_WALL_FACTOR
