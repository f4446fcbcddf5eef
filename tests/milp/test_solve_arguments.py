"""solve()'s own arguments: each of the wrong kind is a ConfigError naming it, before any solver runs."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, SolverConfig
from surrogate.milp.solve_arguments import check_block_name
from surrogate.milp.solver import make_solver, solve
from tests.helpers import skip_unless_runnable

from .test_solver_choice import _milp


def test_no_model_is_refused():
    with pytest.raises(
        ConfigError, match=r"solve: model=None must be a Pyomo model or block \(e\.g\. pyo\.ConcreteModel\(\)\) with one"
    ):
        solve(None, SolverConfig(time_limit=5))


@pytest.mark.parametrize("name", ["warm_start", "check"])
@pytest.mark.parametrize("value", ["no", 0, None])
def test_warm_start_and_check_must_be_bools(name, value):
    with pytest.raises(ConfigError, match=rf"solve: {name}={value!r} must be True or False"):
        solve(_milp(), SolverConfig(time_limit=5), **{name: value})


@pytest.mark.solver
@pytest.mark.parametrize(("made", "asked"), [("highs", "scip"), ("scip", "highs"), ("gurobi", "highs")])
def test_a_solver_object_of_another_solver_is_refused_naming_both(made, asked):
    for name in (made, asked):
        skip_unless_runnable(name)
    solver = make_solver(SolverConfig(solver=made))
    m = _milp()
    with pytest.raises(ConfigError, match=rf"solve: solver is a solver object of '{made}', but config.solver='{asked}'"):
        solve(m, SolverConfig(time_limit=5, threads=1, solver=asked), solver=solver)
    assert all(v.value is None for v in m.component_data_objects(pyo.Var))  # nothing ran
    if made == "gurobi":  # one solve, so Pyomo's Gurobi interface does not warn about its licence count when dropped
        solve(m, SolverConfig(time_limit=5, threads=1, solver=made), solver=solver)


def _box():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(-2, 3))
    return m


def _replaced():
    from surrogate import replace_products
    from surrogate.nets.construct import hand_built

    m = _box()
    m.c, m.o = pyo.Constraint(expr=m.x * m.y >= 1), pyo.Objective(expr=m.x)
    return m, replace_products(m, hand_built("1x8", "paired"))


@pytest.mark.parametrize("model", [None, "m"])
def test_every_entry_point_taking_a_model_refuses_what_is_not_one_naming_itself(model):
    """These raised a bare AttributeError from deep inside; solve's own check now serves them all."""
    from surrogate import StartConfig, activation_start, add_surrogate, bilinear, replace_products
    from surrogate.milp.polish import polish
    from surrogate.milp.warmstart import solve_with_start

    m, report = _replaced()
    calls = {
        "bilinear: model": lambda: bilinear(model, m.x, m.y, "1x8"),
        "replace_products: model": lambda: replace_products(model, "1x8"),
        "add_surrogate: parent": lambda: add_surrogate(model, "1x8", [m.x, m.y]),
        "activation_start: model": lambda: activation_start(model, report),
        "solve_with_start: model": lambda: solve_with_start(model, report, SolverConfig(time_limit=5), start=StartConfig()),
        "polish: model": lambda: polish(model, {}),
    }
    for where, call in calls.items():
        with pytest.raises(
            ConfigError, match=rf"{where}={model!r} must be a Pyomo model or block \(e\.g\. pyo\.ConcreteModel\(\)\)"
        ):
            call()


def test_a_search_names_the_function_called_for_surrogates_of_the_wrong_kind():
    from surrogate import StartConfig, activation_start
    from surrogate.milp.warmstart import solve_with_start

    m, _ = _replaced()
    with pytest.raises(ConfigError, match="activation_start: surrogates=5 must be the ReplacementReport"):
        activation_start(m, 5)
    with pytest.raises(ConfigError, match="solve_with_start: surrogates=5 must be the ReplacementReport"):
        solve_with_start(m, 5, SolverConfig(time_limit=5), start=StartConfig())


def test_block_names_are_checked_where_they_are_given():
    from surrogate import add_surrogate, bilinear

    m = _box()
    with pytest.raises(ConfigError, match=r"bilinear: name=3 must be a component name, a non-empty string such as 'z', or None"):
        bilinear(m, m.x, m.y, "1x8", name=3)
    with pytest.raises(ConfigError, match=r"add_surrogate: name=None must be a component name, a non-empty string such as 'z'$"):
        add_surrogate(m, "1x8", [m.x, m.y], name=None)
    for optional in (False, True):  # kills A06: an empty name taken (Pyomo would add a block named '')
        with pytest.raises(ConfigError, match=r"bilinear: name='' must be a component name, a non-empty string"):
            check_block_name("bilinear", "", optional=optional)
    assert not list(m.component_objects(pyo.Block))  # nothing was added


@pytest.mark.parametrize("config", [{"time_limit": 5}, None, "highs", 60])
def test_solve_refuses_a_config_that_is_no_solver_config(config):
    """Kills A07 (no check: a dict failed later with an AttributeError)."""
    with pytest.raises(
        ConfigError, match=r"solve: config=.* must be a SolverConfig, e\.g\. solve\(model, SolverConfig\(time_limit=60\)\)"
    ):
        solve(_milp(), config)


@pytest.mark.parametrize("bad", ["no", "False", 0, None])
def test_model_building_flags_must_be_bools(bad):
    """error_aware='no' switched error-aware mode on; implied_bounds='no' ran the tightening."""
    from surrogate import bilinear, replace_products
    from surrogate.milp.implied_bounds import tighten_product_bounds

    m = _box()
    m.c, m.o = pyo.Constraint(expr=m.x * m.y >= 1), pyo.Objective(expr=m.x)
    with pytest.raises(ConfigError, match=rf"bilinear: error_aware={bad!r} must be True or False"):
        bilinear(m, m.x, m.y, "1x8", error_aware=bad)
    for flag in ("implied_bounds", "error_aware"):
        with pytest.raises(ConfigError, match=rf"replace_products: {flag}={bad!r} must be True or False"):
            replace_products(m, "1x8", **{flag: bad})
    with pytest.raises(ConfigError, match=rf"tighten_product_bounds: lp={bad!r} must be True or False"):
        tighten_product_bounds(m, lp=bad)
    with pytest.raises(ConfigError, match=rf"make_solver: fixed_as_bounds={bad!r} must be True or False"):
        make_solver(SolverConfig(), fixed_as_bounds=bad)
    assert not list(m.component_objects(pyo.Block))  # nothing was added


def test_time_limits_are_refused_under_the_name_of_the_argument_passed():
    from surrogate import replace_products
    from surrogate.milp.implied_bounds import tighten_product_bounds

    m = _box()
    with pytest.raises(ConfigError, match=r"replace_products: bounds_time_limit=-1 must be a positive number of seconds"):
        replace_products(m, "1x8", bounds_time_limit=-1)
    with pytest.raises(
        ConfigError, match=r"tighten_product_bounds: time_limit=2e\+09|tighten_product_bounds: time_limit=2000000000"
    ):
        tighten_product_bounds(m, time_limit=2e9)


@pytest.mark.solver
@pytest.mark.parametrize("factory", ["highs", "appsi_highs"])
def test_a_legacy_pyomo_solver_object_is_refused_naming_make_solver(factory):
    """pyo.SolverFactory('highs') is named 'highs' too: it passed the name check, then failed with a bare TypeError
    (time_limit=...); appsi_highs was called "Pyomo's None" of a config that was already right (probe119 #2)."""
    skip_unless_runnable("highs")
    solver = pyo.SolverFactory(factory)
    m = _milp()
    with pytest.raises(
        ConfigError,
        match=r"solve: solver is a .*not a solver object of pyomo.contrib.solver.*make_solver\(config\), or no solver argument",
    ):
        solve(m, SolverConfig(time_limit=5, threads=1), solver=solver)
    assert all(v.value is None for v in m.component_data_objects(pyo.Var))  # nothing ran


@pytest.mark.solver
def test_pyomos_plain_scip_direct_is_refused_and_make_solvers_taken():
    """probe120 #1: contrib SolverFactory('scip_direct') passed the name check and gave 'optimal' 1.0 for min x subject
    to 1 <= x + 2 <= 3 (the optimum is -1): it moves the body's constant into one bound of a range only."""
    skip_unless_runnable("scip")
    from pyomo.contrib.solver.common.factory import SolverFactory

    def model():
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(-10, 10))
        m.c = pyo.Constraint(expr=pyo.inequality(1, m.x + 2, 3))
        m.o = pyo.Objective(expr=m.x)
        return m

    config = SolverConfig(solver="scip", time_limit=5, threads=1)
    with pytest.raises(ConfigError, match=r"solve: solver is Pyomo's plain scip_direct, .* pass solver=make_solver\(config\)"):
        solve(model(), config, solver=SolverFactory("scip_direct"))
    assert solve(model(), config, solver=make_solver(config)).objective == pytest.approx(-1.0)


@pytest.mark.solver
def test_a_pyomo_interface_solve_does_not_drive_is_named_without_advising_another_config():
    """probe121 #3: Pyomo's scip_persistent with SolverConfig(solver='scip') was told to use SolverConfig(solver='highs')."""
    skip_unless_runnable("scip")
    from pyomo.contrib.solver.common.factory import SolverFactory

    solver = SolverFactory("scip_persistent")
    with pytest.raises(
        ConfigError, match=r"\(Pyomo's 'scip_persistent'\), which solve does not drive \(it drives 'highs'"
    ) as refused:
        solve(_milp(), SolverConfig(solver="scip", time_limit=5, threads=1), solver=solver)
    assert "solver='highs'" not in str(refused.value) and "make_solver(config)" in str(refused.value)
