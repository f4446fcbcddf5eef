"""The activation-pattern warm start: its point is a MILP solution, and HiGHS takes it."""

import math
import re
import time
from dataclasses import replace

import pytest

import problems
from surrogate import ConfigError, SolverConfig
from surrogate.errors import NonlinearModelError
from surrogate.milp import start_kept, warmstart
from surrogate.milp.baselines import Sawtooth, TriangulatedPWL
from surrogate.milp.bilinear import replace_products
from surrogate.milp.solver import make_solver, solve
from surrogate.milp.warmstart import StartConfig, activation_start, solve_with_start
from tests.helpers import assert_start_is_a_milp_solution

pytestmark = pytest.mark.solver


@pytest.mark.parametrize("instance", ["random4-s0", "random8-s0"])
def test_start_is_a_solution_of_the_milp_on_the_nets_own_graph(instance):
    model = problems.build(instance).model
    report = replace_products(model, "b24-best-3x8")
    found = activation_start(model, report)
    assert found.found and found.violation <= 1e-7 and found.rounds >= 2
    assert_start_is_a_milp_solution(model, report, found.objective)


def test_highs_starts_from_it_and_never_ends_worse():
    model = problems.build("random8-s0").model
    report = replace_products(model, "b24-best-3x8")
    found = activation_start(model, report)
    result = solve(model, SolverConfig(time_limit=0.5, rel_gap=1e-4, threads=1), warm_start=True)
    assert result.has_solution and result.objective <= found.objective + 1e-6


def test_a_reused_solver_times_each_solve_on_its_own():
    """highspy's run clock keeps counting across solves of one persistent instance; solve() reports each alone.

    No wall-clock threshold: HiGHS's time for one solve cannot exceed the wall time of the call that ran it,
    while a cumulative clock would report the earlier solves too.
    """
    model = problems.build("random16-s0").model
    replace_products(model, "b24-best-3x8")
    config = SolverConfig(time_limit=0.4, rel_gap=0.0, threads=1)
    solver = make_solver(config)
    for _ in range(3):
        started = time.perf_counter()
        reported = solve(model, config, solver=solver).wall_time
        assert 0 < reported <= time.perf_counter() - started


def test_bad_start_input_says_what_to_do():
    model = problems.build("random4-s0").model
    report = replace_products(model, "b24-best-3x8", formulation="bigm")
    with pytest.raises(ConfigError, match=r"activation_start needs nets encoded with formulation='pruned' .*\['bigm'\]"):
        activation_start(model, report)
    pwl = replace_products(problems.build("random4-s0").model, TriangulatedPWL(5))
    with pytest.raises(
        ConfigError, match=r"or a baseline that gives its binaries per point, such as sawtooth \(got \['pwl-5x5'\]\)"
    ):
        activation_start(model, pwl)
    with pytest.raises(ConfigError, match="rounds=0 must be a positive integer"):
        StartConfig(rounds=0)
    with pytest.raises(ConfigError, match=r"StartConfig: time_limit=-1 must be a positive number of seconds up to 1e\+09"):
        StartConfig(time_limit=-1)
    with pytest.raises(ConfigError, match=r"StartConfig: time_limit=inf must be a positive number of seconds up to 1e\+09"):
        StartConfig(time_limit=float("inf"))
    with pytest.raises(ConfigError, match=r"tol=inf must be a positive number up to 0.0001: a larger slack would count"):
        StartConfig(tol=float("inf"))
    with pytest.raises(ConfigError, match=r"tol=0.5 must be a positive number up to 0.0001"):
        StartConfig(tol=0.5)


def test_a_starts_largest_tol_is_the_solution_checks_own_tolerance():
    """MAX_TOL is TRUST_TOL (its comment said so, but they were two literals that could drift apart)."""
    from surrogate.milp.solution_check import TRUST_TOL
    from surrogate.milp.warmstart_config import MAX_TOL

    assert MAX_TOL is TRUST_TOL
    assert StartConfig(tol=TRUST_TOL).tol == TRUST_TOL
    with pytest.raises(ConfigError, match=rf"must be a positive number up to {TRUST_TOL:g}"):
        StartConfig(tol=2 * TRUST_TOL)


def test_solve_with_start_counts_the_search_within_one_time_budget(monkeypatch):
    model = problems.build("random8-s0").model
    report = replace_products(model, "b24-best-3x8")
    config = SolverConfig(time_limit=12.0, rel_gap=1e-4, threads=1)
    result, found = solve_with_start(model, report, config, start=StartConfig(time_limit=10.0))
    assert found.found and 0 < found.seconds <= result.wall_time  # the search counts in the solve time
    small = problems.build("random4-s0").model
    cold, nothing = solve_with_start(small, replace_products(small, "b24-best-3x8"), config)  # start=None: no search
    assert not nothing.found and nothing.seconds == 0.0 and cold.optimal
    # the budget split itself, without clocks: HiGHS gets what the search left of the limit
    given = []
    monkeypatch.setattr(warmstart, "activation_start", lambda *a, **k: replace(found, seconds=1.5))
    monkeypatch.setattr(start_kept, "solve", lambda m, c, **k: given.append(c.time_limit) or replace(cold, wall_time=0.25))
    timed, _ = solve_with_start(small, (), config, start=StartConfig(time_limit=2.0))
    assert given == [12.0 - 1.5] and timed.wall_time == 0.25 + 1.5
    # the search's patience is capped too: time_limit + patience never exceeds the solve's limit
    asked = []
    monkeypatch.setattr(warmstart, "activation_start", lambda m, s, config: asked.append(config) or replace(found, seconds=1.5))
    solve_with_start(small, (), replace(config, time_limit=1.0), start=StartConfig(time_limit=1.0, patience=6.0))
    assert (asked[0].time_limit, asked[0].patience) == (1.0, 0.0)


def test_start_reads_the_indicators_the_pruned_formulation_declared():
    """The search fixes each copy's binaries through its ``indicators`` attribute, also when given the encodings."""
    model = problems.build("random4-s0").model
    report = replace_products(model, "b24-best-3x8")
    encodings = [p.encoded for p in report.products.values() if p.encoded is not None]
    assert encodings and all(len(e.indicators) == len(e.net.weights) - 1 for e in encodings)
    found = activation_start(model, encodings)
    assert found.found and found.violation <= 1e-7
    for e in encodings:  # every declared indicator got an integral value, and the copy sits on the net's graph
        assert all(v.value in (0.0, 1.0) for group in e.binaries for v in group.values())
        assert e.get_error().vs_net <= 1e-6


@pytest.mark.parametrize("seed", ["relaxation", "exact"])
def test_a_sawtooth_start_fixes_its_binaries_like_a_nets_and_is_a_milp_solution(seed):
    model = problems.build("random8-s0").model
    report = replace_products(model, Sawtooth(10))
    found = activation_start(model, report, config=StartConfig(seed=seed))
    assert found.found and found.violation <= 1e-7 and found.seed == seed
    assert_start_is_a_milp_solution(model, report, found.objective)  # every copy on the sawtooth's own graph


def test_the_sawtooth_pattern_at_a_point_pins_its_value():
    """With the inputs and the binaries ``indicator_values`` gives fixed, the sawtooth's LP has one point: its value."""
    import numpy as np
    import pyomo.environ as pyo

    s, rng = Sawtooth(8), np.random.default_rng(0)
    points = [*rng.uniform(-1, 1, size=(12, 2)), (0.25, 0.25), (0.5, -0.5), (-1.0, 1.0)]  # the last three on boundaries
    for x, y in points:
        for threshold in (1e-9, -1e-9):
            m = pyo.ConcreteModel()
            m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
            m.x.fix(x), m.y.fix(y)
            m.b = pyo.Block()
            w = s.add(m.b, m.x, m.y)
            for name, values in zip(s.indicator_names, s.indicator_values(x, y, threshold=threshold)):
                for i, v in values.items():
                    m.b.component(name)[i].fix(v)
            for sense in (pyo.minimize, pyo.maximize):
                m.del_component("obj") if m.component("obj") is not None else None
                m.obj = pyo.Objective(expr=w, sense=sense)
                result = solve(m, SolverConfig(time_limit=10, rel_gap=0.0, threads=1))
                assert result.has_solution
                assert pyo.value(w) == pytest.approx(float(s.evaluate(np.array([x]), np.array([y]))[0]), abs=1e-9)


def test_patience_lets_a_start_without_a_point_go_on_until_it_has_one():
    """With no time at all the search gives up; with patience it goes on to a point, then stops improving it."""
    model = problems.build("random8-s0").model
    report = replace_products(model, "b24-best-3x8")
    hurried = activation_start(model, report, config=StartConfig(time_limit=1e-6))
    assert not hurried.found and hurried.rounds == 0
    patient = activation_start(model, report, config=StartConfig(time_limit=1e-6, patience=60.0))
    assert patient.found and patient.seconds > 1e-6 and patient.violation <= 1e-7
    full_model = problems.build("random8-s0").model
    full = activation_start(full_model, replace_products(full_model, "b24-best-3x8"))
    assert patient.rounds <= full.rounds  # past its time limit it takes the first point and does not improve it


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), True, "5"])
def test_a_bad_patience_says_what_to_pass(bad):
    with pytest.raises(ConfigError, match=rf"StartConfig: patience={bad!r} must be a number of seconds >= 0 up to 1e\+09"):
        StartConfig(patience=bad)


def test_start_config_caps_patience_at_half_the_limit_in_all():
    assert warmstart.start_config(SolverConfig(time_limit=60.0), patience=100.0).patience == 25.0
    assert warmstart.start_config(SolverConfig(time_limit=60.0), patience=10.0).patience == 10.0
    assert warmstart.start_config(SolverConfig(time_limit=4.0), patience=10.0).patience == 0.0
    assert warmstart.start_config(SolverConfig(time_limit=60.0)) == StartConfig(time_limit=5.0)


@pytest.mark.parametrize("bad", [2e9, -1.0, float("nan"), "5"])
def test_start_config_names_its_own_patience_argument_and_the_fix(bad):
    """start_config(patience=2e9) was refused as 'StartConfig: patience=...', a class the caller never named; then by
    a check of its own beside options.check_seconds, in another message style: now by check_seconds, with its advice."""
    with pytest.raises(
        ConfigError,
        match=rf"^start_config: patience={re.escape(repr(bad))} must be a number of seconds >= 0 up to 1e\+09 "
        r"\(it is capped at half the solve's time limit anyway: for the most the search may take pass 1e\+09\)$",
    ):
        warmstart.start_config(SolverConfig(time_limit=60.0), patience=bad)
    assert warmstart.start_config(SolverConfig(time_limit=60.0), patience=1e9).patience == 25.0  # the fix it names


def test_start_config_gives_the_cpu_clock_half_the_limit_in_wall_seconds():
    cpu = warmstart.start_config(SolverConfig(time_limit=60.0), seed="exact", patience=10.0, clock="cpu")
    assert (cpu.clock, cpu.time_limit, cpu.patience, cpu.wall_limit) == ("cpu", 5.0, 10.0, 30.0)
    wall = warmstart.start_config(SolverConfig(time_limit=60.0))
    assert (wall.clock, wall.wall_limit) == ("wall", None)


def _slowed_search(monkeypatch, pause: float, config: StartConfig):
    """The search of random8-s0 with b12-best-3x4, each of its LPs made to wait ``pause`` wall seconds first (a busy
    machine)."""
    lp = warmstart._Search.lp

    def slow(search):
        time.sleep(pause)
        return lp(search)

    monkeypatch.setattr(warmstart._Search, "lp", slow)
    model = problems.build("random8-s0").model
    return activation_start(model, replace_products(model, "b12-best-3x4"), config=config)


def test_on_the_cpu_clock_a_slowed_search_finds_what_an_unslowed_one_does(monkeypatch):
    """Waiting costs wall time, not CPU time: on the CPU clock the search ends where it ends unslowed.

    Unslowed, the search ends by itself (13 LPs, about 0.2 s of CPU time idle, up to twice that beside another
    test process); slowed, its waits alone (0.15 s an LP) outlast a 1 s budget of wall time, but not of CPU time.
    The same margins as with b24-best-3x8 (110 LPs, a second of CPU time, 0.05 s waits, a 4 s budget) in a third
    of the time.
    """
    model = problems.build("random8-s0").model
    unslowed = activation_start(model, replace_products(model, "b12-best-3x4"), config=StartConfig(time_limit=60.0))
    assert unslowed.found and unslowed.rounds * 0.15 > 1.0
    slowed = _slowed_search(monkeypatch, 0.15, StartConfig(time_limit=1.0, clock="cpu", wall_limit=600.0))
    assert (slowed.found, slowed.rounds) == (True, unslowed.rounds)
    assert slowed.objective == pytest.approx(unslowed.objective, rel=1e-9)
    assert slowed.seconds >= 0.15 * slowed.rounds  # reported in wall seconds, the waits included
    on_the_wall = _slowed_search(monkeypatch, 0.15, StartConfig(time_limit=1.0))
    assert on_the_wall.rounds < unslowed.rounds  # the same waits cut a wall-clock search short


@pytest.mark.parametrize("seed", ["relaxation", "exact"])
def test_a_fixed_factor_of_a_product_is_a_coefficient_in_the_start_too(seed):
    """x*y + p*y >= 1.2 with p fixed: a cold solve worked, the start's search called p*y nonlinear."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.x, m.y, m.p = pyo.Var(bounds=(0, 3)), pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 5))
    m.p.fix(1.7)
    m.c1 = pyo.Constraint(expr=m.x * m.y + m.p * m.y >= 1.2)
    m.obj = pyo.Objective(expr=m.x + m.y + m.p * m.x)
    report = replace_products(m, "3x8")
    config = SolverConfig(time_limit=10, threads=1)
    result, start = solve_with_start(m, report, config, start=StartConfig(time_limit=2, seed=seed))
    assert start.found and result.optimal
    assert m.p.fixed and m.p.value == 1.7


def _one_product(m):
    import pyomo.environ as pyo

    m.x, m.y = pyo.Var(bounds=(0, 3)), pyo.Var(bounds=(-1, 2))
    m.c = pyo.Constraint(expr=m.x * m.y >= 1)
    return m


@pytest.mark.parametrize("seed", ["relaxation", "exact"])
def test_a_report_of_another_model_or_an_undone_one_is_refused_by_name(seed):
    """Both ended in a bare AttributeError ('NoneType' object has no attribute 'inputs' / 'activate')."""
    import pyomo.environ as pyo

    other = problems.build("haverly1").model
    foreign = replace_products(other, "3x8")
    m = _one_product(pyo.ConcreteModel())
    m.obj = pyo.Objective(expr=m.x + m.y)
    replace_products(m, "3x8")
    config, start = SolverConfig(time_limit=5, threads=1), StartConfig(time_limit=1, seed=seed)
    with pytest.raises(ConfigError, match=r"is not part of model .* pass the report that replace_products returned"):
        solve_with_start(m, foreign, config, start=start)
    foreign.undo(other)  # the exact model again: its products are named, not an internal row of the search
    with pytest.raises(NonlinearModelError, match=r"degree above 1 in 'pool_quality\[o1,q1\]'"):
        solve_with_start(other, foreign, config, start=start)


def test_an_exact_seed_works_on_products_replaced_in_a_sub_block():
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.s = _one_product(pyo.Block())
    m.obj = pyo.Objective(expr=m.s.x + m.s.y)
    report = replace_products(m.s, "3x8")
    result, start = solve_with_start(
        m, report, SolverConfig(time_limit=5, threads=1), start=StartConfig(time_limit=2, seed="exact")
    )
    assert result.optimal and result.objective == pytest.approx(2.0, abs=1e-3)
    assert m.s.component("surrogate_replacement") is not None  # put back after the exact view's clone
    report.undo(m)
    assert m.s.c.active and m.s.component("surrogate_replacement") is None


@pytest.mark.parametrize("seed", ["relaxation", "exact"])
@pytest.mark.parametrize("cloned", [False, True])
def test_a_start_on_an_indexed_block_whose_products_were_replaced_in_it(seed, cloned):
    """probe58 #5: the report's blocks were looked up in m.s[1] by their full names (s[1].surrogate_replacement...),
    so the start was refused; the search's clone of m.s[1] (which belongs to no model) is a model of its own."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.s = pyo.Block([1, 2])
    b = m.s[1]
    b.x, b.y = pyo.Var(bounds=(0, 3)), pyo.Var(bounds=(-1, 2))
    b.c = pyo.Constraint(expr=b.x * b.y <= 1)
    b.obj = pyo.Objective(expr=b.x + b.y, sense=pyo.maximize)
    report = replace_products(b, "3x8")
    config, start = SolverConfig(time_limit=5, threads=1), StartConfig(time_limit=2, seed=seed)
    result, found = solve_with_start(b.clone() if cloned else b, report, config, start=start)
    assert found.found and result.optimal and result.objective == pytest.approx(solve(b, config).objective, abs=1e-6)


@pytest.mark.parametrize("clone", [lambda m: m.s1.clone(), lambda m: m.clone().s1])
def test_an_exact_seed_and_undo_find_the_block_in_a_clone_of_a_block_above_the_one_replaced(clone):
    """probe63 #2: the report's block was looked up by its name (s1.t.surrogate_replacement) in the clone of s1, which
    holds it as t.surrogate_replacement: the exact seed and undo said it was not there."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.s1 = pyo.Block()
    m.s1.t = _one_product(pyo.Block())
    m.s1.o = pyo.Objective(expr=m.s1.t.x + m.s1.t.y)
    report = replace_products(m.s1.t, "3x8")
    config, start = SolverConfig(time_limit=5, threads=1), StartConfig(time_limit=2, seed="exact")
    c = clone(m)
    result, found = solve_with_start(c, report, config, start=start)
    assert found.found and result.optimal and result.objective == pytest.approx(solve(m.s1, config).objective, abs=1e-6)
    report.undo(c)
    assert c.t.c.active and c.t.component(report.block) is None


def test_a_missing_config_or_surrogates_is_named():
    import pyomo.environ as pyo

    from surrogate.milp.exact_seed import exact_point

    m = _one_product(pyo.ConcreteModel())
    m.obj = pyo.Objective(expr=m.x + m.y)
    report = replace_products(m, "3x8")
    with pytest.raises(ConfigError, match=r"solve_with_start: config=None must be a SolverConfig"):
        solve_with_start(m, report, None)
    with pytest.raises(ConfigError, match=r"activation_start: surrogates=None must be the ReplacementReport"):
        activation_start(m, None)
    with pytest.raises(ConfigError, match=r"exact_point: time_limit=-1 must be a positive, finite number of seconds"):
        exact_point(m, report, time_limit=-1)


def test_the_search_takes_report_products_names_a_valueless_fixed_variable_and_refuses_a_stale_undo():
    import pyomo.environ as pyo

    from surrogate.errors import ModelFormatError

    m = _one_product(pyo.ConcreteModel())
    m.obj = pyo.Objective(expr=m.x + m.y)
    report = replace_products(m, "3x8")
    assert activation_start(m, report.products, config=StartConfig(time_limit=1, rounds=5)).rounds > 0  # the dict: searched
    m.q = pyo.Var()
    m.q.fix()  # fixed, no value
    m.cq = pyo.Constraint(expr=m.q + m.x >= 0)
    with pytest.raises(ModelFormatError, match=r"variables 'q' are fixed but have no value"):
        activation_start(m, report, config=StartConfig(time_limit=2))  # was a bare TypeError
    m.del_component(m.cq)
    report.undo(m)
    again = replace_products(m, "3x8")
    with pytest.raises(ModelFormatError, match=r"has no block 'surrogate_replacement': it was undone already"):
        report.undo(m)  # the stale report undid the new replacement
    again.undo(m)


def test_a_misspelt_option_is_refused_before_the_search(monkeypatch):
    """It was refused by the solve, after the whole search had run and loaded its point."""
    model = problems.build("random4-s0").model
    report = replace_products(model, "b24-best-3x8")
    monkeypatch.setattr(warmstart, "activation_start", lambda *a, **k: pytest.fail("the search ran"))
    config = SolverConfig(time_limit=5, threads=1, options={"mip_heuristic_efort": 0.3})
    with pytest.raises(ConfigError, match=r"HiGHS has no option 'mip_heuristic_efort'"):
        solve_with_start(model, report, config, start=StartConfig(time_limit=1))


def test_a_start_violation_below_zero_by_rounding_is_zero():
    from surrogate.milp.warmstart_config import StartResult

    assert StartResult(True, 1.0, -5.8e-14, 2, 0.1).violation == 0.0
    assert math.isnan(StartResult(False, math.nan, math.nan, 0, 0.0).violation)


def test_a_deactivated_block_gets_no_deprecation_warning_and_its_integers_are_relaxed(caplog, capfd):
    """Relaxing the search's copy whole printed Pyomo's DEPRECATED transform_deactivated_blocks warning."""
    import pyomo.environ as pyo

    from surrogate.milp.warmstart_copies import relax_integers

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2))
    m.c = pyo.Constraint(expr=m.x * m.y >= 1)
    m.obj = pyo.Objective(expr=m.x + m.y)
    m.scenario = pyo.Block()
    m.scenario.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.scenario.deactivate()
    report = replace_products(m, "b24-best-3x8")
    solve_with_start(m, report, SolverConfig(time_limit=5, threads=1), start=StartConfig(time_limit=2))  # found or not
    clone = m.clone()
    relax_integers(clone)
    out, err = capfd.readouterr()
    assert "transform_deactivated_blocks" not in caplog.text + out + err
    assert not clone.scenario.n.is_integer() and m.scenario.n.is_integer()


@pytest.mark.parametrize(("integer", "seed"), [(True, "relaxation"), (False, "exact")])
def test_an_unused_variable_with_a_nan_bound_does_not_crash_the_start(integer, seed):
    """solve() leaves such a variable alone; the search relaxed (and held) its integrality and the exact seed's polish
    clipped it into its bounds, reading the NaN bound: Pyomo's bare ValueError."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2))
    m.p = pyo.Param(mutable=True, initialize=float("nan"), within=pyo.Any)  # data missing for an unused item
    m.spare = pyo.Var(bounds=(0, m.p), initialize=1, domain=pyo.Integers if integer else pyo.Reals)
    m.c = pyo.Constraint(expr=m.x * m.y <= 1)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    surrogates = replace_products(m, "3x8")
    config = SolverConfig(time_limit=5, threads=1)
    result, _ = solve_with_start(m, surrogates, config, start=StartConfig(time_limit=2, seed=seed))
    assert result.has_solution and result.objective == pytest.approx(2.5, abs=0.05)


def _reads_its_parent(integer: bool, *, indexed: bool = False):
    """max x + y over a block that reads x (or an integer n, beside a local s.n of its own) from its parent."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.x, m.n = pyo.Var(bounds=(-1, 3)), pyo.Var(bounds=(0, 5), domain=pyo.Integers)
    m.s = pyo.Block([1]) if indexed else pyo.Block()
    s = m.s[1] if indexed else m.s
    s.y, s.n = pyo.Var(bounds=(-2, 2)), pyo.Var(bounds=(0, 1), domain=pyo.Integers)
    factor = m.n if integer else m.x
    s.c = pyo.Constraint(expr=factor * s.y <= 0.5)
    s.o = pyo.Objective(expr=factor + s.y, sense=pyo.maximize)
    return m, s


@pytest.mark.parametrize("seed", ["relaxation", "exact"])
@pytest.mark.parametrize(("integer", "indexed"), [(False, False), (False, True), (True, False)])
def test_a_start_on_a_block_whose_products_read_a_parent_s_variable(seed, integer, indexed):
    """probe63 #3: the exact seed's clone of the block lacked the parent's x ('not a component of model'), and an
    integer factor of the parent was looked up in the block by its name ('not part of model', or its s.n)."""
    m, s = _reads_its_parent(integer, indexed=indexed)
    report = replace_products(s, "3x8")
    config, start = SolverConfig(time_limit=5, threads=1), StartConfig(time_limit=2, seed=seed)
    for target in (s, s.clone()):
        result, found = solve_with_start(target, report, config, start=start)
        assert found.found and result.optimal and result.objective == pytest.approx(solve(s, config).objective, abs=1e-6)


def _with_an_integer(rhs: float):
    """min x + 3y + n over x*y + n >= rhs, x in [0, 4], y in [0, 1], n integer in [0, 3]."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(0, 1))
    m.n = pyo.Var(bounds=(0, 3), domain=pyo.Integers)
    m.c = pyo.Constraint(expr=m.x * m.y + m.n >= rhs)
    m.o = pyo.Objective(expr=m.x + 3 * m.y + m.n)
    return m


def test_a_model_the_user_relaxed_and_restored_starts_without_pyomo_s_replacing_warning(caplog):
    """The search's clone kept the copy of the user's reversed relax_integer_vars record, and relaxing it again
    logged Pyomo's 'Implicitly replacing the Component attribute _relaxed_integer_vars' on every start (probe66 #7)."""
    import pyomo.environ as pyo

    from surrogate.nets.construct import hand_built

    m = _with_an_integer(1.5)
    report = replace_products(m, hand_built("3x8", "shared"))
    relax = pyo.TransformationFactory("core.relax_integer_vars")
    relax.apply_to(m, reverse=relax.apply_to(m))
    res, _ = solve_with_start(m, report, SolverConfig(time_limit=10, threads=1), start=StartConfig())
    assert res.optimal and res.objective == pytest.approx(2.0, abs=1e-4)
    assert "Implicitly replacing" not in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_limit": 2e9}, r"StartConfig: time_limit=2000000000.0 must be a positive number of seconds up to 1e\+09"),
        ({"patience": 2e9}, r"StartConfig: patience=2000000000.0 must be a number of seconds >= 0 up to 1e\+09"),
        ({"time_limit": 6e8, "patience": 6e8}, r"StartConfig: time_limit \+ patience = 1.2e\+09 seconds is more than 1e\+09"),
        ({"clock": "cpu", "wall_limit": 2e9}, r"StartConfig: wall_limit=2000000000.0 must be .* and up to 1e\+09"),
    ],
)
def test_start_config_refuses_limits_a_solve_cannot_take_at_construction(kwargs, message):
    """StartConfig took them; activation_start then refused them as 'SolverConfig: time_limit=...'."""
    with pytest.raises(ConfigError, match=message):
        StartConfig(**kwargs)
    assert StartConfig(time_limit=1e9, clock="cpu").make_clock().stretch == 1.0  # the default wall cap stays within 1e9


@pytest.mark.parametrize("seed", ["relaxation", "exact"])
@pytest.mark.parametrize("whole", [True, False])
def test_a_start_on_a_clone_that_lost_an_unrelated_row(seed, whole):
    """probe69 #1: a clone matched only blocks it held every component of: one with a row deleted was refused as
    'not part of model ... (the report is of another model'."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.s1 = pyo.Block()
    m.s1.t = pyo.Block()
    t = m.s1.t
    t.x, t.y = pyo.Var(bounds=(-1, 3)), pyo.Var(bounds=(-2, 2))
    t.c = pyo.Constraint(expr=t.x * t.y <= 0.5)
    m.s1.extra = pyo.Constraint(expr=t.x <= 2.5)
    m.s1.o = pyo.Objective(expr=t.x + t.y, sense=pyo.maximize)
    report = replace_products(m.s1.t, "3x8")
    target = m.clone().s1 if whole else m.s1.clone()
    target.del_component(target.extra)
    config, start = SolverConfig(time_limit=5, threads=1), StartConfig(time_limit=2, seed=seed)
    result, found = solve_with_start(target, report, config, start=start)
    assert found.found and result.optimal and result.objective == pytest.approx(solve(target, config).objective, abs=1e-6)
    report.undo(target)
    assert target.t.c.active


@pytest.mark.parametrize("seed", ["relaxation", "exact"])
def test_a_start_leaves_an_integer_a_block_reads_through_a_reference_as_the_user_left_it(seed):
    """The search's clone shares a variable another block holds (m.s.rn = Reference(m.t.n)): it made the user's
    integer continuous and fixed it, so the start was refused and a later solve of the model was wrong (probe71 #1)."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.t = pyo.Block()
    m.t.x, m.t.n = pyo.Var(bounds=(-1, 3)), pyo.Var(bounds=(0, 5), domain=pyo.Integers)
    m.s = pyo.Block()
    m.s.rn, m.s.y = pyo.Reference(m.t.n), pyo.Var(bounds=(-2, 2))
    m.s.c = pyo.Constraint(expr=m.t.x * m.s.y + m.s.rn[None] * m.s.y <= 0.5)
    m.s.c2 = pyo.Constraint(expr=m.t.x + m.s.rn[None] >= 2.5)
    m.s.o = pyo.Objective(expr=m.t.x + m.s.y + 0.1 * m.s.rn[None], sense=pyo.maximize)
    report = replace_products(m.s, "3x8")
    config = SolverConfig(time_limit=10, threads=1)
    result, found = solve_with_start(m.s, report, config, start=StartConfig(time_limit=3, seed=seed))
    assert found.found and result.optimal and result.objective == pytest.approx(3.5625, abs=1e-3)  # SCIP: 3.5625
    assert m.t.n.domain is pyo.Integers and not m.t.n.fixed


def test_a_start_on_a_clone_walks_its_rows_once_for_every_variable_of_the_report(monkeypatch):
    """find_like walked the clone's rows once per variable of the report's model (an integer factor's digits), and
    the start asked it twice for each: the rows are walked once, into a lookup both ask."""
    from surrogate.milp import model_components

    m, s = _reads_its_parent(True)
    report = replace_products(s, "3x8")
    walks = []
    seen = model_components.seen_variables
    monkeypatch.setattr(model_components, "seen_variables", lambda *a, **k: walks.append(a) or seen(*a, **k))
    found = activation_start(s.clone(), report, config=StartConfig(time_limit=2))
    assert found.found and len(walks) == 1


def test_a_start_lets_the_copies_follow_their_blocks_before_it_counts_the_objectives():
    """probe78 #4: with a scenario objective's block off and another objective on, ``solve()`` gave -4.5 (the truth),
    but ``activation_start`` counted the objectives before the copy followed its block: 'has 2 active objectives'."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(0, 4))
    m.cap = pyo.Constraint(expr=m.x * m.y <= 2)
    m.s = pyo.Block()
    m.s.o = pyo.Objective(expr=m.x * m.y - m.x)
    m.o2 = pyo.Objective(expr=-(m.x + m.y))
    m.o2.deactivate()
    report = replace_products(m, "3x8")
    m.s.deactivate()
    m.o2.activate()
    found = activation_start(m, report, config=StartConfig(time_limit=2.0))
    assert found.found and pyo.value(m.o2) >= -4.5 - 0.05  # a point of the MILP, where the model solved refused


def test_a_start_holds_the_models_integers_at_integer_values():
    """min x + 3y + n over x*y + n >= 1.4, n integer in [0, 3]: the relaxation's seed has n = 1.4, which the search
    holds at round(1.4) = 1 (then x*y >= 0.4). Held at 1.4 itself, its point (n put back as 1) missed the row by 0.4:
    a start that is no solution of the model."""

    from surrogate.nets.construct import hand_built

    m = _with_an_integer(1.4)
    report = replace_products(m, hand_built("2x6", "shared"))
    found = activation_start(m, report, config=StartConfig(time_limit=5, seed="relaxation"))
    assert found.found and m.n.value in (0.0, 1.0, 2.0, 3.0)
    assert_start_is_a_milp_solution(m, report, found.objective)
