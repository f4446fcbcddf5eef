"""Models others write: a component a solve would leave out is refused, and its fix solves right."""

import pyomo.environ as pyo
import pytest
from pyomo.dae import ContinuousSet, DerivativeVar
from pyomo.gdp import Disjunct, Disjunction
from pyomo.network import Arc, Port

from surrogate import SolverConfig, add_surrogate, bilinear, replace_products, solve
from surrogate.errors import ModelFormatError, UnsupportedComponentError
from surrogate.milp.model_components import check_components, left_out
from surrogate.milp.solver_backends import available_solvers
from tests.helpers import skip_unless_runnable

pytestmark = pytest.mark.solver

CONFIG = SolverConfig(time_limit=30, rel_gap=1e-6, threads=1)
NET = "models/b24-hand-shared-fixed-4-5-5-5-5.onnx"


def _either_or(product_in_disjunct: bool = True):
    """min x over x in [-1, 2], y in [0, 3] with x*y >= 1 or x >= 1.5: 1/3 at (1/3, 3); -1 without the disjunction."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2))
    m.y = pyo.Var(bounds=(0, 3))
    m.d1 = Disjunct()
    m.d1.c = pyo.Constraint(expr=(m.x * m.y if product_in_disjunct else 3 * m.x) >= 1)
    m.d2 = Disjunct()
    m.d2.c = pyo.Constraint(expr=m.x >= 1.5)
    m.dj = Disjunction(expr=[m.d1, m.d2])
    m.o = pyo.Objective(expr=m.x)
    return m


def _solvers():
    return [name for name in ("highs", "scip") if name in available_solvers()]


@pytest.mark.parametrize("name", _solvers())
def test_an_untransformed_disjunction_is_refused_by_every_solver_instead_of_dropped(name):
    # Pyomo's interfaces pass over a Disjunction: HiGHS and SCIP returned -1, the optimum without it
    with pytest.raises(
        UnsupportedComponentError, match=r"Disjunct d1, d2; Disjunction dj, which a solve would leave out.*gdp\.bigm"
    ):
        solve(_either_or(product_in_disjunct=False), SolverConfig(solver=name, time_limit=30, rel_gap=1e-6, threads=1))


def test_after_gdp_bigm_the_linear_disjunction_solves_to_its_optimum():
    m = _either_or(product_in_disjunct=False)
    pyo.TransformationFactory("gdp.bigm").apply_to(m)
    result = solve(m, CONFIG)
    assert result.optimal and result.objective == pytest.approx(1 / 3, abs=1e-7)


def test_replace_products_refuses_a_product_in_a_disjunct_and_leaves_the_model_as_it_was():
    m = _either_or()
    with pytest.raises(UnsupportedComponentError, match=r"gdp\.bigm, not gdp\.hull"):
        replace_products(m, NET)
    assert m.component("surrogate_replacement") is None
    assert m.d1.c.active and (m.x.bounds, m.y.bounds) == ((-1, 2), (0, 3))


def test_after_gdp_bigm_the_product_in_the_disjunct_is_replaced_and_the_optimum_is_right():
    m = _either_or()
    pyo.TransformationFactory("gdp.bigm").apply_to(m)
    report = replace_products(m, NET)
    result = solve(m, CONFIG)
    assert report.n_products == 1 and result.optimal
    # x*y >= 1 read through the net: x = (1 +- E ac) / 3 at y = 3, E ac = 1.5 * 1.5 * 9.77e-4 (its max error)
    assert result.objective == pytest.approx(1 / 3, abs=1.5 * 1.5 * 9.8e-4 / 3 + 1e-6)
    assert pyo.value(m.y) == pytest.approx(3, abs=1e-6)


def test_the_products_of_a_disjunct_replaced_before_gdp_bigm_solve_to_the_optimum():
    """probe52 #5: the replacement block always held an empty ObjectiveList, which gdp.bigm refuses in a disjunct."""
    m = _either_or()
    replace_products(m.d1, NET)
    assert m.d1.surrogate_replacement.component("objectives") is None
    pyo.TransformationFactory("gdp.bigm").apply_to(m)
    assert solve(m, CONFIG).objective == pytest.approx(1 / 3, abs=1.5 * 1.5 * 9.8e-4 / 3 + 1e-6)


def test_a_logical_constraint_is_refused_and_solves_once_made_linear():
    m = pyo.ConcreteModel()
    m.b = pyo.BooleanVar([1, 2])
    m.x = pyo.Var(bounds=(0, 1))
    m.y = pyo.Var(bounds=(0, 1))
    m.pick = pyo.LogicalConstraint(expr=pyo.exactly(1, m.b[1], m.b[2]))
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    with pytest.raises(UnsupportedComponentError, match=r"LogicalConstraint pick.*core\.logical_to_linear"):
        solve(m, CONFIG)
    pyo.TransformationFactory("core.logical_to_linear").apply_to(m)
    m.cx = pyo.Constraint(expr=m.x <= m.b[1].get_associated_binary())
    m.cy = pyo.Constraint(expr=m.y <= m.b[2].get_associated_binary())
    result = solve(m, CONFIG)
    assert result.optimal and result.objective == pytest.approx(1, abs=1e-7)  # 2 without the logical constraint


def _ports():
    m = pyo.ConcreteModel()
    for name in ("a", "b"):
        block = pyo.Block()
        m.add_component(name, block)
        block.x = pyo.Var(bounds=(0, 5))
        block.p = Port(initialize={"x": block.x})
    m.arc = Arc(source=m.a.p, destination=m.b.p)
    m.ca = pyo.Constraint(expr=m.a.x >= 2)
    m.o = pyo.Objective(expr=m.b.x)
    return m


def test_an_arc_is_refused_and_solves_once_expanded():
    with pytest.raises(UnsupportedComponentError, match=r"Arc arc.*network\.expand_arcs"):
        solve(_ports(), CONFIG)
    m = _ports()
    pyo.TransformationFactory("network.expand_arcs").apply_to(m)
    result = solve(m, CONFIG)
    assert result.optimal and result.objective == pytest.approx(2, abs=1e-7)  # 0 without the arc


def _ode():
    m = pyo.ConcreteModel()
    m.t = ContinuousSet(bounds=(0, 1))
    m.u = pyo.Var(m.t, bounds=(0, 5))
    m.du = DerivativeVar(m.u)
    m.ode = pyo.Constraint(m.t, rule=lambda m, t: m.du[t] == 1)
    m.start = pyo.Constraint(expr=m.u[0] == 0)
    m.o = pyo.Objective(expr=-m.u[1])
    return m


def test_a_derivative_is_refused_until_discretised():
    with pytest.raises(UnsupportedComponentError, match=r"DerivativeVar du.*dae\.finite_difference"):
        solve(_ode(), CONFIG)
    m = _ode()
    pyo.TransformationFactory("dae.finite_difference").apply_to(m, nfe=4)
    result = solve(m, CONFIG)
    assert result.optimal and result.objective == pytest.approx(-1, abs=1e-7)  # -5 with du free


def _sos():
    m = pyo.ConcreteModel()
    m.z = pyo.Var([1, 2], bounds=(0, 1))
    m.one = pyo.SOSConstraint(var=m.z, sos=1)
    m.o = pyo.Objective(expr=m.z[1] + 2 * m.z[2], sense=pyo.maximize)
    return m


def test_highs_refuses_an_sos_constraint_and_names_the_solvers_that_have_them():
    with pytest.raises(
        UnsupportedComponentError, match=r"SOSConstraint one, which highs does not have: solve with SolverConfig\(solver='scip'\)"
    ):
        solve(_sos(), CONFIG)


def test_scip_solves_an_sos_constraint():
    skip_unless_runnable("scip")
    result = solve(_sos(), SolverConfig(solver="scip", time_limit=30, rel_gap=1e-6, threads=1))
    assert result.optimal and result.objective == pytest.approx(2, abs=1e-7)  # 3 without the SOS constraint


def test_deactivated_components_take_no_part_and_are_not_refused():
    m = _either_or()
    m.dj.deactivate()
    m.d1.deactivate()
    m.d2.deactivate()
    m.extra = pyo.Block()
    m.extra.b = pyo.BooleanVar()
    m.extra.pick = pyo.LogicalConstraint(expr=m.extra.b)
    m.extra.deactivate()
    assert left_out(m) == {}
    result = solve(m, CONFIG)
    assert result.optimal and result.objective == pytest.approx(-1, abs=1e-7)


def test_every_kind_is_listed_once_in_one_message_with_each_fix():
    m = _either_or()
    m.b = pyo.BooleanVar()
    m.pick = pyo.LogicalConstraint(expr=m.b)
    m.z = pyo.Var([1, 2], bounds=(0, 1))
    m.one = pyo.SOSConstraint(var=m.z, sos=1)
    assert left_out(m) == {Disjunct: ["d1", "d2"], Disjunction: ["dj"], pyo.LogicalConstraint: ["pick"]}
    assert list(left_out(m, sos=False)) == [Disjunct, Disjunction, pyo.LogicalConstraint, pyo.SOSConstraint]
    with pytest.raises(UnsupportedComponentError) as refused:
        check_components(m, solver="highs", sos=False)
    message = str(refused.value)
    assert message.count("gdp.bigm').apply_to") == 1 and "core.logical_to_linear" in message
    assert "SOSConstraint one, which highs does not have" in message


def test_the_exact_reference_solve_refuses_a_disjunction_too():
    from surrogate.experiments.scip_reference import solve_exact_with_scip

    with pytest.raises(UnsupportedComponentError, match=r"Disjunction dj"):
        solve_exact_with_scip(_either_or(), time_limit=10)


def test_two_active_objectives_are_refused_with_which_to_deactivate():
    m = _sos()
    m.second = pyo.Objective(expr=m.z[1])
    with pytest.raises(
        UnsupportedComponentError, match=r"2 active objectives \(o, second\); a MILP has one: .*model\.second\.deactivate\(\)"
    ):
        solve(
            m, SolverConfig(solver="scip" if "scip" in available_solvers() else "highs", time_limit=10, rel_gap=1e-6, threads=1)
        )


def _switched_objective(second):
    """probe85 #2: ``ol[1]`` replaced, then ``ol[2]`` switched on (a sweep over objectives)."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-2, 1))
    m.ol = pyo.ObjectiveList()
    m.ol.add(expr=-m.x * m.y + m.x, sense=pyo.maximize)
    m.ol.add(expr=second(m))
    m.ol[2].deactivate()
    m.c = pyo.Constraint(expr=m.x + m.y <= 0.5)
    replace_products(m, "3x8")
    m.ol[2].activate()
    return m


@pytest.mark.parametrize("kind", ["clone", "same"])
def test_an_objective_switched_on_after_the_rewrite_is_refused_with_undo_as_the_fix(kind):
    """Deactivating the copy, which the message advised alone, only led to a second refusal where ``ol[2]`` has products."""
    m = _switched_objective(lambda m: m.x * m.y - m.y)
    m = m.clone() if kind == "clone" else m
    with pytest.raises(
        UnsupportedComponentError,
        match=r"'surrogate_replacement.objectives\[1\]' is the copy replace_products made of the objective it replaced: "
        r"to switch objectives after the replacement, undo it \(report.undo\(model\)\)",
    ):
        solve(m, SolverConfig(time_limit=10, threads=1))


def test_an_objective_without_products_switched_on_is_told_to_deactivate_the_copy():
    """probe138 #2: after the replacement ``ol[1]`` off and ``ol[2]`` (no products) on, the message gave only
    ``model.ol[2].deactivate()`` as its example, the objective just switched on; the copy is the one to switch off."""
    m = _switched_objective(lambda m: m.x - m.y)
    m.ol[1].deactivate()
    with pytest.raises(UnsupportedComponentError) as refused:
        solve(m, SolverConfig(time_limit=10, threads=1))
    message = str(refused.value)
    assert (
        "deactivate the objectives not wanted ('surrogate_replacement.objectives[1]' is the copy replace_products made "
        "of the objective it replaced): to solve 'ol[2]' (no products, no replacement needed), call "
        "model.surrogate_replacement.objectives[1].deactivate(); to solve the replaced objective, call "
        "model.ol[2].deactivate()"
    ) in message
    assert "e.g. model.ol[2].deactivate()" not in message and "undo" not in message


def test_an_objective_without_products_switched_on_solves_once_the_copy_is_off():
    m = _switched_objective(lambda m: m.x - m.y)
    m.surrogate_replacement.objectives[1].deactivate()
    assert solve(m, SolverConfig(time_limit=10, threads=1)).objective == pytest.approx(-2.0, abs=1e-6)


def test_products_are_replaced_under_two_objectives_and_the_solve_takes_the_one_left():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.y = pyo.Var(bounds=(0, 3))
    m.low = pyo.Objective(expr=m.x * m.y - m.x)
    m.high = pyo.Objective(expr=m.x * m.y, sense=pyo.maximize)
    report = replace_products(m, NET)  # an epsilon-constraint user picks an objective afterwards
    m.surrogate_replacement.objectives[2].deactivate()
    result = solve(m, CONFIG)
    assert report.terms == 2 and result.optimal and result.objective == pytest.approx(-3, abs=1e-2)


def test_a_component_of_another_kind_is_refused_with_its_own_transformation_to_apply():
    from pyomo.mpec import Complementarity, complements

    m = _sos()
    m.pair = Complementarity(expr=complements(m.z[1] >= 0, m.z[2] >= 0))
    with pytest.raises(
        UnsupportedComponentError, match=r"Complementarity pair, which a solve would leave out.*own Pyomo transformation"
    ):
        solve(
            m, SolverConfig(solver="scip" if "scip" in available_solvers() else "highs", time_limit=10, rel_gap=1e-6, threads=1)
        )


def test_an_abstract_model_is_refused_before_anything_is_added_to_it():
    from surrogate import add_surrogate
    from surrogate.errors import ModelFormatError

    m = pyo.AbstractModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    m.o = pyo.Objective(rule=lambda m: m.x * m.y)
    match = r"model 'unknown' is not constructed \(an AbstractModel holds no data yet\).*create_instance"
    from surrogate import bilinear

    calls = (lambda: replace_products(m, NET), lambda: solve(m, CONFIG), lambda: add_surrogate(m, NET, [m.x, m.y]))
    for call in (*calls, lambda: bilinear(m, m.x, m.y)):
        with pytest.raises(ModelFormatError, match=match):
            call()
    assert [c.name for c in m.component_objects(descend_into=False)] == ["x", "y", "o"]
    instance = m.create_instance()
    assert replace_products(instance, NET).n_products == 1


def test_a_clone_of_an_indexed_block_s_element_counts_as_constructed():
    """probe52 #2: its parent component is None, which check_components read as an AttributeError."""
    m = pyo.ConcreteModel()
    m.s = pyo.Block([1, 2])
    m.s[1].x = pyo.Var(bounds=(0, 2))
    m.s[1].o = pyo.Objective(expr=m.s[1].x, sense=pyo.maximize)
    block = m.s[1].clone()
    check_components(block)
    assert solve(block, CONFIG).objective == pytest.approx(2)


def test_products_on_a_clone_of_an_indexed_block_s_element_are_refused():
    """probe58 #2: the components a product adds to it are never constructed: replace_products, bilinear and
    mccormick_bound crashed with bare Pyomo errors (FBBTException, 'has not been constructed')."""
    from surrogate.milp.relaxation import mccormick_bound

    m = pyo.ConcreteModel()
    m.s = pyo.Block([1, 2])
    m.s[1].x, m.s[1].y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2))
    m.s[1].o = pyo.Objective(expr=m.s[1].x * m.s[1].y, sense=pyo.maximize)
    calls = (replace_products, lambda b: replace_products(b, NET, implied_bounds=False), mccormick_bound)
    for call in (*calls, lambda b: bilinear(b, b.x, b.y), lambda b: add_surrogate(b, NET, [b.x, b.y])):
        with pytest.raises(ModelFormatError, match=r"copy of an element of an indexed block .*m\.clone\(\)\.s\[1\]"):
            call(m.s[1].clone())
    new = pyo.ConcreteModel()
    new.b = pyo.Block()
    new.b.transfer_attributes_from(m.s[1].clone())  # the fix the message gives
    assert replace_products(new.b, NET).n_products == 1


def test_replacing_many_products_never_walks_the_whole_model_per_product(monkeypatch):
    """Pyomo's recursive is_constructed, called for every product, made replace_products quadratic (400 products: 25 s)."""
    from pyomo.core.base.block import BlockData

    calls = []
    walk = BlockData.is_constructed
    monkeypatch.setattr(BlockData, "is_constructed", lambda self: calls.append(self) or walk(self))
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(30), bounds=(-1, 1))
    m.c = pyo.Constraint(range(29), rule=lambda m, i: m.x[i] * m.x[i + 1] <= 0.5)
    m.o = pyo.Objective(expr=sum(m.x.values()))
    replace_products(m, "3x8", implied_bounds=False)
    assert len(m.surrogate_replacement.component_map(pyo.Block)) >= 29 and calls == []


def test_find_like_never_takes_a_parent_s_variable_for_a_block_s_own_of_the_same_name():
    """probe63 #3: find_like(m.s, m.n, m.s) looked m.n up by its name inside m.s and found m.s.n."""
    from surrogate.milp.model_components import find_like

    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 5))
    m.s = pyo.Block()
    m.s.n, m.s.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.s.c = pyo.Constraint(expr=m.n * m.s.y <= 1)
    assert find_like(m.s, m.n, m.s) is m.n  # read from the parent: itself
    clone = m.s.clone()  # shares m.n
    assert find_like(clone, m.n, clone) is m.n
    whole = m.clone()  # its s reads its own parent's n
    assert find_like(whole.s, m.n, whole.s) is whole.n
    assert find_like(clone, m.s.n, clone) is clone.n and find_like(clone, m.s, clone) is None


def test_a_clone_of_an_indexed_element_is_named_without_doubled_quotes():
    """probe63 #3: the message named the model "'s[1]'" (a model's name is quoted where it holds brackets)."""
    from pyomo.common.collections import ComponentMap
    from pyomo.core.expr.visitor import identify_variables

    from surrogate.milp.model_components import copy_of, standalone_clone
    from surrogate.milp.products import check_owned

    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.s = pyo.Block([1])
    m.s[1].y = pyo.Var()
    m.s[1].c = pyo.Constraint(expr=m.x * m.s[1].y <= 1)
    with pytest.raises(ModelFormatError, match=r"not a component of model 's\[1\]' \(it belongs to another model, 'unknown'\)"):
        check_owned(standalone_clone(m.s[1]), [m.x])
    own = standalone_clone(m.s[1], copies=ComponentMap([(m.x, copy_of(m.x))]))  # with a copy of x of its own
    assert {v.name for v in identify_variables(own.c.body)} == {"outside", "y"}
    check_owned(own, list(identify_variables(own.c.body)))


def test_find_like_finds_a_component_in_a_clone_that_lost_or_gained_another():
    """probe69 #1: a clone was matched only to blocks it held every component of (a deleted row: not found)."""
    from surrogate.milp.model_components import find_like

    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.s = pyo.Block()
    m.s.y, m.s.extra = pyo.Var(), pyo.Constraint(expr=m.x <= 1)
    m.s.c = pyo.Constraint(expr=m.x * m.s.y <= 1)
    clone = m.s.clone()
    clone.del_component(clone.extra)
    clone.added = pyo.Var()
    assert find_like(clone, m.s.c, clone) is clone.c and find_like(clone, m.x, clone) is m.x
    whole = m.clone()
    whole.del_component(whole.s.extra)
    assert find_like(whole.s, m.s.c, whole.s) is whole.s.c and find_like(whole.s, m.x, whole.s) is whole.x


def test_two_objectives_active_before_the_replacement_are_told_to_deactivate_the_user_s_own():
    """probe86 #6: the message said the user switched objectives after the replacement (he never did) and left out
    ``model.o2.deactivate()``, the fix that works (-1.0)."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.o, m.o2 = pyo.Objective(expr=m.x * m.y), pyo.Objective(expr=m.x + m.y)
    replace_products(m, NET)
    with pytest.raises(
        UnsupportedComponentError, match=r"to solve the replaced objective, call model\.o2\.deactivate\(\)"
    ) as refused:
        solve(m, CONFIG)
    assert "switch objectives" not in str(refused.value)
    m.o2.deactivate()
    assert solve(m, CONFIG).objective == pytest.approx(-1.0, abs=1e-6)


def test_an_element_of_an_indexed_block_whose_model_is_gone_is_refused_not_a_bare_attribute_error():
    """probe88 #6: solve(m.B[1]) once m was garbage-collected raised Pyomo's 'NoneType' object has no attribute
    '_parent' (the element holds its indexed component by a weak reference only)."""
    import gc

    from surrogate.milp.rewrite_refresh import refresh_rewrites

    def build():
        m = pyo.ConcreteModel()
        m.B = pyo.Block([1, 2])
        m.B[1].x = pyo.Var(bounds=(-1, 1))
        m.B[1].o = pyo.Objective(expr=m.B[1].x)
        return m.B[1]

    block = build()
    gc.collect()
    assert block.parent_component() is None
    message = r"an element of an indexed block \(such as m.B\[1\]\) whose model was garbage-collected.*keep a reference"
    with pytest.raises(ModelFormatError, match=message):
        solve(block, SolverConfig(time_limit=10, threads=1))
    with pytest.raises(ModelFormatError, match=message):
        refresh_rewrites(block)


@pytest.mark.parametrize("block", [None, 5, "m", pyo.Var()])
def test_model_of_a_non_block_is_refused_as_such_not_as_a_garbage_collected_model(block):
    """probe110 #2: model_of turned every AttributeError into the garbage-collection message, so model_of(None) said
    the model was garbage-collected; the message is kept for a real block's element whose model is gone."""
    from surrogate.errors import ConfigError
    from surrogate.milp.model_components import model_of

    with pytest.raises(ConfigError, match=r"model=.* must be a Pyomo model or block \(e\.g\. pyo\.ConcreteModel\(\)\)"):
        model_of(block)
    m = pyo.ConcreteModel()
    m.b = pyo.Block()
    assert model_of(m.b) is m


@pytest.mark.parametrize("check", ["check_components", "check_constructed", "check_extendable"])
def test_a_non_model_given_to_a_model_check_is_refused_in_its_name(check):
    """probe112 #3: check_components(None) and check_constructed(None) were refused as 'model_of: model=None ...',
    naming an internal helper instead of the function called."""
    from surrogate.errors import ConfigError
    from surrogate.milp import model_components

    with pytest.raises(ConfigError, match=rf"^{check}: model=None must be a Pyomo model or block"):
        getattr(model_components, check)(None)


def test_a_ranged_row_is_refused_for_a_variable_upper_end_and_kept_for_a_fixed_one():
    """``inequality(0, x*y, y)``: the upper end is a variable (refused); ``inequality(x, x*y, 5)`` with x fixed: a
    constant to a solver (kept)."""
    from surrogate.milp.model_components import check_rows

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-2, 3))
    m.c = pyo.Constraint(expr=pyo.inequality(0, m.x * m.y, m.y))
    with pytest.raises(ModelFormatError, match=r"constraint 'c' is a ranged inequality with a variable end"):
        check_rows(m)
    m.del_component(m.c)
    m.x.fix(0.5)
    m.d = pyo.Constraint(expr=pyo.inequality(m.x, m.x * m.y, 5))
    check_rows(m)


def test_lies_within_a_block_and_its_model():
    from surrogate.milp.model_components import lies_within

    m = pyo.ConcreteModel()
    m.x, m.b = pyo.Var(), pyo.Block()
    m.b.y = pyo.Var()
    assert lies_within(m.x, m) and lies_within(m, m) and lies_within(m.b.y, m.b) and lies_within(m.b.y, m)
    assert not lies_within(m.x, m.b) and not lies_within(m, m.b)


def test_copy_of_a_variable_keeps_its_bounds_domain_value_and_fixing():
    from surrogate.milp.model_components import copy_of

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(None, 3.0), domain=pyo.Integers, initialize=2)
    m.x.fix()
    copy = copy_of(m.x)
    assert (copy.lb, copy.ub, copy.value, copy.fixed, copy.is_integer()) == (None, 3.0, 2, True, True)


def test_fixed_variables_become_constants_whatever_their_domain():
    """p*y with p fixed at 2 (continuous) and n*y with n fixed at 3 (integer): both written as numbers, 2y and 3y."""
    from surrogate.milp.model_components import fixed_as_constants

    m = pyo.ConcreteModel()
    m.p, m.n, m.y = pyo.Var(initialize=2.0), pyo.Var(domain=pyo.Integers, initialize=3), pyo.Var(initialize=5.0)
    m.p.fix(), m.n.fix()
    expr = fixed_as_constants(m.p * m.y + m.n * m.y)
    from pyomo.core.expr.visitor import identify_variables

    assert [v.name for v in identify_variables(expr, include_fixed=True)] == ["y"] and pyo.value(expr) == 25.0


def test_seen_variables_of_inactive_rows_only_when_asked():
    from surrogate.milp.model_components import seen_variables

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(), pyo.Var()
    m.c, m.off = pyo.Constraint(expr=m.x >= 0), pyo.Constraint(expr=m.y >= 0)
    m.off.deactivate()
    assert [v.name for v in seen_variables(m)] == ["x"]
    assert [v.name for v in seen_variables(m, inactive=True)] == ["x", "y"]


def test_a_block_of_no_model_is_told_to_attach_it_not_to_create_an_instance():
    """A pyo.Block() made outside a model was called an AbstractModel, and told create_instance (probe119 #12)."""
    from surrogate import add_surrogate
    from surrogate.errors import ModelFormatError
    from surrogate.nets.construct import hand_built

    block = pyo.Block()
    with pytest.raises(
        ModelFormatError, match=r"is not constructed \(a pyo\.Block\(\) made outside a model holds no data yet\); attach it"
    ):
        add_surrogate(block, hand_built("1x8", "paired"), [0.0, 0.0])
