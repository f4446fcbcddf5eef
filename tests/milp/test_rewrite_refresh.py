"""Which blocks of products a solve reads: each brought up to date, or the solve refused (probe51's cases)."""

import copy
import re

import pyomo.environ as pyo
import pytest
from pyomo.gdp import Disjunct, Disjunction

import surrogate.milp.rewrite_refresh as rewrite_refresh
from surrogate import SolverConfig, solve
from surrogate.errors import ModelFormatError
from surrogate.milp.bilinear import bilinear, replace_products
from surrogate.milp.rewrite_refresh import refresh_rewrites
from surrogate.nets.construct import hand_built

NET = hand_built("3x8", "shared")
CONFIG = SolverConfig(time_limit=10, threads=1)


def _boxed(m):
    m.x, m.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(0, 2))
    return m


def test_pyomo_s_relaxation_record_is_read_once_per_check_not_once_per_product(monkeypatch):
    """It was read once per product block: 800 products took 6.3 s to check (0.03 s before)."""
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(20)
    m.b, m.y = pyo.Var(m.I, domain=pyo.Binary), pyo.Var(m.I, bounds=(0, 1))
    m.o = pyo.Objective(expr=sum(bilinear(m, m.b[i], m.y[i], NET).expr for i in m.I))
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    calls = []
    real = rewrite_refresh.relaxed_by_pyomo
    monkeypatch.setattr(rewrite_refresh, "relaxed_by_pyomo", lambda model: calls.append(1) or real(model))
    refresh_rewrites(m)
    assert len(calls) == 1


def test_a_product_inside_a_transformed_disjunct_is_checked():
    """gdp.bigm deactivates the disjunct; its product block was never checked: a widened x read 2.5 (the truth 5.2)."""
    m = _boxed(pyo.ConcreteModel())
    m.d1, m.d2 = Disjunct(), Disjunct()
    m.d1.c = pyo.Constraint(expr=bilinear(m.d1, m.x, m.y, NET).expr <= 1)
    m.d2.c = pyo.Constraint(expr=m.x <= 0.5)
    m.dj = Disjunction(expr=[m.d1, m.d2])
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    pyo.TransformationFactory("gdp.bigm").apply_to(m, bigM=100)
    refresh_rewrites(m)  # as built: nothing to refuse
    m.x.setub(5)
    with pytest.raises(ModelFormatError, match=r"block 'd1.surrogate_x_y',.* 'x' now has bounds \[0, 5\], wider"):
        solve(m, CONFIG)


@pytest.mark.parametrize("read_outside", [False, True])
def test_a_product_in_a_disjunct_fixed_false_before_bigm_is_off(read_outside):
    """probe52 #3: its big-M relaxed rows constrain nothing, yet a widened x was refused (the truth is 10.1 at
    x = 5, y = 0.1); its product read by a row outside the disjunct is still refused."""
    m = _boxed(pyo.ConcreteModel())
    m.d1, m.d2, m.d3 = Disjunct(), Disjunct(), Disjunct()
    product = bilinear(m.d1, m.x, m.y, NET).expr
    m.d1.c = pyo.Constraint(expr=product <= 1)
    m.d2.c, m.d3.c = pyo.Constraint(expr=m.x <= 0.5), pyo.Constraint(expr=m.y <= 0.1)
    m.dj = Disjunction(expr=[m.d1, m.d2, m.d3])
    m.o = pyo.Objective(expr=2 * m.x + m.y, sense=pyo.maximize)
    if read_outside:
        m.c = pyo.Constraint(expr=product <= 3)
    m.d1.indicator_var.fix(False)
    pyo.TransformationFactory("gdp.bigm").apply_to(m, bigM=100)
    m.x.setub(5)
    if read_outside:
        # probe63 #6: it said the block "is deactivated ... activate the block again"; nothing was deactivated
        said = r"block 'd1.surrogate_x_y' of products lies in disjunct 'd1', whose indicator is fixed False .* still read"
        with pytest.raises(ModelFormatError, match=said + r".*build the product outside the disjunct"):
            solve(m, CONFIG)
    else:
        assert solve(m, CONFIG).objective == pytest.approx(10.1, abs=1e-4)


def test_a_disjunct_fixed_false_whose_automatic_big_m_still_cuts_is_on():
    """probe58 #1: with the big-M Pyomo computed from the old box (x <= 2), d1's relaxed rows still cut x after it
    was widened to [0, 5]: it counted as off and the solve said 2.1 (the truth is 10.1); the widened factor is
    refused again."""
    m = _boxed(pyo.ConcreteModel())
    m.d1, m.d2, m.d3 = Disjunct(), Disjunct(), Disjunct()
    m.d1.c = pyo.Constraint(expr=bilinear(m.d1, m.x, m.y, NET).expr <= 0.1)
    m.d2.c, m.d3.c = pyo.Constraint(expr=m.x <= 0.5), pyo.Constraint(expr=m.y <= 0.1)
    m.dj = Disjunction(expr=[m.d1, m.d2, m.d3])
    m.o = pyo.Objective(expr=2 * m.x + m.y, sense=pyo.maximize)
    m.d1.indicator_var.fix(False)
    pyo.TransformationFactory("gdp.bigm").apply_to(m)
    m.x.setub(5)
    with pytest.raises(ModelFormatError, match=r"block 'd1.surrogate_x_y',.* 'x' now has bounds \[0, 5\], wider"):
        solve(m, CONFIG)


def _scenarios(*, each_replaced: bool) -> pyo.ConcreteModel:
    """Scenario blocks ``s[1]``, ``s[2]`` with a row ``x*y <= 1``, replaced in each block or once for the model."""
    m = pyo.ConcreteModel()
    m.s = pyo.Block([1, 2])
    for s in m.s.values():
        _boxed(s)
        s.c = pyo.Constraint(expr=s.x * s.y <= 1)
        s.o = pyo.Objective(expr=s.x + s.y, sense=pyo.maximize)
        if each_replaced:
            replace_products(s, NET)
    if not each_replaced:
        m.s[2].o.deactivate()
        replace_products(m, NET)
    return m


def test_a_block_solved_alone_whose_rows_a_replacement_outside_it_replaced_is_refused():
    """solve(m.s[1]) after replace_products(m) read neither s[1].c (deactivated) nor its copy (outside s[1])."""
    m = _scenarios(each_replaced=False)
    with pytest.raises(ModelFormatError, match=r"rows of block 's\[1\]' \(s\[1\].c\) were replaced by block "):
        solve(m.s[1], CONFIG)


@pytest.mark.parametrize("copy", [lambda b: b.clone(), copy.deepcopy], ids=["clone", "deepcopy"])
def test_a_copy_of_a_block_whose_rows_a_replacement_outside_it_replaced_is_refused(copy):
    """probe52 #1: the copy of s[1] held s[1].c off and no copy of the replacement block: x + y read 4.0 (x*y = 4 for
    x*y <= 1; the truth is 2.5). A copy of the whole model keeps the block and solves."""
    m = _scenarios(each_replaced=False)
    with pytest.raises(ModelFormatError, match=r"were replaced by block 'surrogate_replacement', which is not part"):
        solve(copy(m.s[1]), CONFIG)
    assert solve(copy(m), CONFIG).objective == pytest.approx(2.5, abs=1e-3)


def test_undo_drops_the_marks_of_the_rows_it_activates():
    from surrogate.milp.rewrite_record import MARK

    m = _boxed(pyo.ConcreteModel())
    m.c = pyo.Constraint(expr=m.x * m.y <= 1)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    report = replace_products(m, NET)
    assert [row for row, _ in getattr(m, MARK)] == [m.c]
    report.undo(m)
    assert getattr(m, MARK) == []


def test_a_scaled_block_deactivated_beside_its_active_product_is_refused():
    m = _boxed(pyo.ConcreteModel())
    m.o = pyo.Objective(expr=bilinear(m, m.x, m.y, NET, name="p").expr, sense=pyo.maximize)
    m.p_scaled.deactivate()
    with pytest.raises(ModelFormatError, match=r"block 'p_scaled' is deactivated, but the product of block 'p'"):
        solve(m, CONFIG)


def test_a_deactivated_replacement_block_whose_rows_are_still_off_is_refused():
    """The rows it replaced were in no model solved: max x + y read 4.0 with x*y = 4 for x*y <= 1."""
    m = _boxed(pyo.ConcreteModel())
    m.c = pyo.Constraint(expr=m.x * m.y <= 1)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    replace_products(m, NET)
    m.surrogate_replacement.deactivate()
    with pytest.raises(ModelFormatError, match=r"replacement block 'surrogate_replacement' is deactivated, so the rows"):
        solve(m, CONFIG)


def test_a_scenario_switched_off_with_its_own_replacement_is_left_out():
    m = _scenarios(each_replaced=True)
    m.s[2].deactivate()
    assert solve(m, CONFIG).objective == pytest.approx(2.5, abs=0.01)


def test_a_sense_given_to_the_copy_is_followed_in_a_clone_and_by_undo():
    """Keyed by id(item), a clone's record lost the agreed sense; undo without a solve lost the copy's."""
    m = _boxed(pyo.ConcreteModel())
    m.o = pyo.Objective(expr=m.x * m.y - m.x, sense=pyo.minimize)
    report = replace_products(m, NET)
    m.o.sense = pyo.maximize
    refresh_rewrites(m)
    clone = m.clone()
    copy = next(clone.surrogate_replacement.component_data_objects(pyo.Objective))
    copy.sense = pyo.minimize
    assert solve(clone, CONFIG).objective == pytest.approx(-2.0, abs=0.01) and clone.o.sense == pyo.minimize
    next(m.surrogate_replacement.component_data_objects(pyo.Objective)).sense = pyo.minimize
    report.undo(m)
    assert m.o.sense == pyo.minimize


def test_a_fixed_variable_of_another_model_with_an_odd_domain_is_refused_with_the_fix():
    other = pyo.ConcreteModel()
    other.s = pyo.Var(domain=pyo.RangeSet(0, 6, 2), bounds=(0, 6), initialize=2)
    other.s.fix(2)
    m = _boxed(pyo.ConcreteModel())
    m.c = pyo.Constraint(expr=m.x + m.y + other.s <= 3)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    with pytest.raises(ModelFormatError, match=r"domain step: 2 .*write such a variable as a multiple of a new integer"):
        solve(m, CONFIG)


@pytest.mark.parametrize(("name", "fix"), [("prod-1", "model.find_component('prod-1')"), ("p", "model.p")])
def test_the_fix_names_blocks_in_python_that_runs(name, fix):
    m = _boxed(pyo.ConcreteModel())
    m.o = pyo.Objective(expr=bilinear(m, m.x, m.y, NET, name=name).expr)
    m.x.setub(3)
    with pytest.raises(ModelFormatError, match="delete blocks " + re.escape(fix) + " and "):
        refresh_rewrites(m)
    eval(f"{fix}.deactivate()", {"model": m})


def test_a_variable_named_like_a_keyword_gets_a_fix_that_runs():
    from surrogate.milp.products import UnboundedVariableError

    m = pyo.ConcreteModel()
    m.add_component("lambda", pyo.Var(bounds=(0, None)))
    m.y = pyo.Var(bounds=(0, 1))
    m.o = pyo.Objective(expr=m.component("lambda") * m.y)
    with pytest.raises(UnboundedVariableError, match=r"model.find_component\('lambda'\).setlb"):
        replace_products(m, NET, implied_bounds=False)


def test_a_param_divisor_of_zero_is_refused_naming_the_row():
    m = _boxed(pyo.ConcreteModel())
    m.p = pyo.Param(mutable=True, initialize=0)
    m.c = pyo.Constraint(expr=m.x / m.p <= 1)
    m.o = pyo.Objective(expr=m.x)
    with pytest.raises(ModelFormatError, match=r"side or coefficient of constraint 'c' is NaN, has no value or divides by 0"):
        solve(m, CONFIG)


def test_refresh_rewrites_is_public_for_pyomo_solvers_and_writers():
    """Pyomo's own solvers and model.write read the block as written: an edited model goes through
    surrogate.refresh_rewrites first (docs/problems.md), which follows a new sense and refuses a wider box."""
    import surrogate

    m = _boxed(pyo.ConcreteModel())
    m.o = pyo.Objective(expr=m.x + m.y + 0.5 * m.x * m.y)
    replace_products(m, NET)
    m.o.sense = pyo.maximize
    surrogate.refresh_rewrites(m)
    (active,) = m.component_data_objects(pyo.Objective, active=True)
    assert active is not m.o and active.sense == pyo.maximize  # was still minimising under appsi_highs
    m.x.setub(4)
    with pytest.raises(ModelFormatError, match=r"'x' now has bounds \[0(\.0)?, 4(\.0)?\], wider than the box"):
        surrogate.refresh_rewrites(m)


def _product_min():
    """min x*y + x - y on [0, 4] x [-2, 3]: -3 at (0, 3); its product free, the solve gave -10.98 or -7.99."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(-2, 3))
    m.o = pyo.Objective(expr=m.x * m.y + m.x - m.y)
    return m


@pytest.mark.parametrize("part", ["surrogate_x_y_scaled", "surrogate_x_y"])
@pytest.mark.parametrize("edit", ["deactivate", "delete"])
def test_a_block_inside_a_replacement_block_switched_off_or_deleted_is_refused(part, edit):
    """probe75 #2: a product's ``_scaled`` block or net inside the replacement block, off or deleted, went unnoticed."""
    m = _product_min()
    replace_products(m, NET)
    block = m.surrogate_replacement.component(part)
    block.deactivate() if edit == "deactivate" else m.surrogate_replacement.del_component(block)
    why = "is deactivated" if edit == "deactivate" else "was deleted"
    with pytest.raises(ModelFormatError, match=rf"block '.*{part}' {why}, but replacement block 'surrogate_replacement'"):
        solve(m, CONFIG)


def test_a_scaled_block_deleted_beside_its_active_product_is_refused():
    """probe75 #2: deleting (not deactivating) ``p_scaled`` gave -10.98 for a minimum of -3."""
    m = _product_min()
    m.o.set_value(bilinear(m, m.x, m.y, NET, name="p").expr + m.x - m.y)
    m.del_component(m.p_scaled)
    with pytest.raises(ModelFormatError, match=r"block 'p_scaled' was deleted, but the product of block 'p'.*delete block"):
        solve(m, CONFIG)


def test_a_user_block_switched_off_switches_its_replaced_rows_off_and_on_again():
    """probe75 #3: ``m.scenario.deactivate()`` left the copy of ``scenario.cap`` in force: -4.5 for the truth -8."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(0, 4))
    m.scenario = pyo.Block()
    m.scenario.cap = pyo.Constraint(expr=m.x * m.y <= 2)
    m.o = pyo.Objective(expr=-(m.x + m.y))  # -4.5 at (4, 0.5) with the block, -8 without it
    replace_products(m, NET)
    m.scenario.deactivate()
    assert solve(m, CONFIG).objective == pytest.approx(-8.0, abs=1e-6)
    m.scenario.activate()
    assert solve(m, CONFIG).objective == pytest.approx(-4.5, abs=0.05)


def test_a_product_block_deleted_while_rows_still_read_it_is_refused():
    """Deleting ``p`` (its ``p_scaled`` left) freed the product's output the objective still read: -7.99 for -3."""
    m = _product_min()
    m.o.set_value(bilinear(m, m.x, m.y, NET, name="p").expr + m.x - m.y)
    m.del_component(m.p)
    with pytest.raises(
        ModelFormatError,
        match=r"block 'p' of products was deleted \(or lies in a standalone Block, which no model holds\), but .* is still read by an active row",
    ):
        solve(m, CONFIG)
    m.o.set_value(m.x - m.y)  # the product taken out of the rows: nothing reads the deleted block
    assert solve(m, CONFIG).objective == pytest.approx(-3.0)


def test_a_product_whose_blocks_are_both_deleted_is_refused_while_rows_read_it():
    """probe78 #3: with ``p`` and ``p_scaled`` both deleted nothing found the product (-12.99 for -3); the fix says to
    rebuild the rows from the new product's ``.expr``, and a user's own variable deleted is refused too."""
    m = _product_min()
    m.o.set_value(bilinear(m, m.x, m.y, NET, name="p").expr + m.x - m.y)
    m.del_component(m.p_scaled)
    m.del_component(m.p)
    rebuild = r"call bilinear again and rebuild those rows from the new product's \.expr"
    with pytest.raises(ModelFormatError, match=rf"block 'p' of products was deleted .*\(objective 'o'\).*; {rebuild}"):
        refresh_rewrites(m)
    m.o.set_value(bilinear(m, m.x, m.y, NET, name="q").expr + m.x - m.y)
    refresh_rewrites(m)
    m.s = pyo.Block()
    m.s.w = pyo.Var(bounds=(0, 1))
    w = m.s.w
    m.c = pyo.Constraint(expr=m.x <= w + 3)
    m.del_component(m.s)
    refresh_rewrites(m)  # a user's own variable in no model keeps its bounds: the row means what it says (probe80 #3)


def test_a_variable_whose_model_is_gone_or_a_standalone_blocks_clone_is_read_as_it_is():
    """probe80 #2, #3: a bounded variable of a garbage-collected model, and a clone of a sub-block of a
    ``Block(concrete=True)``, were refused as lying 'in no model'; HiGHS solves both (-3 and -5)."""
    import gc

    def dropped():
        t = pyo.ConcreteModel()
        t.u = pyo.Var(bounds=(0, 1))
        return t.u

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 4))
    u = dropped()
    gc.collect()
    m.c = pyo.Constraint(expr=m.x <= 2 + u)
    m.o = pyo.Objective(expr=-m.x)
    assert solve(m, SolverConfig(time_limit=10, threads=1)).objective == pytest.approx(-3)
    top = pyo.Block(concrete=True)
    top.x = pyo.Var(bounds=(0, 4))
    top.b = pyo.Block()
    top.b.y = pyo.Var(bounds=(0, 3))
    top.b.c = pyo.Constraint(expr=top.b.y + top.x <= 5)
    top.b.o = pyo.Objective(expr=-top.b.y - top.x)
    assert solve(top.b.clone(), SolverConfig(time_limit=10, threads=1)).objective == pytest.approx(-5)


def test_bounds_a_switched_off_block_derived_for_a_variable_read_outside_it_are_refused():
    """probe80 #1: replace_products(m.b1) derived x in [-1, 2] from b1's rows and set it on m.x; with b1 off, a solve
    of m still held x to that box (-2 where the model without b1 gives -50)."""
    m, report = _replaced_b1()
    m.b1.deactivate()
    with pytest.raises(
        ModelFormatError, match=r"the bounds of 'x' were derived from the rows of 'b1' .* constraint 'cap' still reads"
    ):
        refresh_rewrites(m)
    m.b1.activate()
    report.undo(m.b1)
    m.b1.deactivate()
    assert solve(m, SolverConfig(time_limit=10, threads=1)).objective == pytest.approx(-50)


def test_an_add_surrogate_block_deleted_while_rows_read_its_output_is_refused():
    """probe82 #1: after f06b561 an add_surrogate block deleted while the objective read its output solved silently
    (pruned -4.998, bigm unbounded, where x*y + 2x + 2y has -3)."""
    from surrogate import add_surrogate

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    encoded = add_surrogate(m, NET, [m.x, m.y])
    m.o = pyo.Objective(expr=encoded.output + 2 * m.x + 2 * m.y)
    m.del_component(encoded.block)
    with pytest.raises(ModelFormatError, match=r"was deleted .*\(objective 'o'\).*; call add_surrogate again"):
        refresh_rewrites(m)


def _sibling_product(kind: str):
    """m.e holds a product of m.x (integer for "integer") and m.y; the objective of m.b reads it (probe83)."""
    from surrogate import add_surrogate
    from surrogate.milp.baselines import Sawtooth

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1), domain=pyo.Integers if kind == "integer" else pyo.Reals)
    m.y = pyo.Var(bounds=(-1, 1))
    m.e, m.b = pyo.Block(), pyo.Block()
    if kind == "add_surrogate":
        m.b.o = pyo.Objective(expr=add_surrogate(m.e, NET, [m.x, m.y]).output + m.x)
    else:
        m.b.o = pyo.Objective(expr=bilinear(m.e, m.x, m.y, Sawtooth(binaries=4) if kind == "sawtooth" else NET).expr + m.x)
    return m


@pytest.mark.parametrize("kind", ["net", "sawtooth", "integer", "add_surrogate"])
@pytest.mark.parametrize("clone", [False, True])
def test_a_product_built_outside_the_block_solved_is_refused(kind, clone):
    """probe83: solve(m.b) and solve(m.b.clone()) left out the rows of a product built in m.e (3x8: -2.996 for the
    -1.997 of the whole model; sawtooth -3.49 for -2; an integer product 'unbounded')."""
    m = _sibling_product(kind)
    with pytest.raises(ModelFormatError, match=r"block 'e\.surrogate\w*' of products lies outside block 'b', the block "):
        refresh_rewrites(m.b.clone() if clone else m.b)
    refresh_rewrites(m)  # the model that holds both, and its clone, still solve
    refresh_rewrites(m.clone())


def test_a_block_that_holds_its_own_product_is_solved_alone():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-1, 1))
    m.b = pyo.Block()
    m.b.o = pyo.Objective(expr=bilinear(m.b, m.x, m.y, NET).expr + m.x)  # its factors outside it: read at their bounds
    alone = solve(m.b, CONFIG).objective
    assert alone == pytest.approx(solve(m, CONFIG).objective) == pytest.approx(solve(m.b.clone(), CONFIG).objective)
    m.b.o.deactivate()
    m.other = pyo.Block()  # one that reads nothing outside itself, beside a product it does not read
    m.other.z = pyo.Var(bounds=(0.5, 1))
    m.other.o = pyo.Objective(expr=m.other.z)
    assert solve(m.other, CONFIG).objective == solve(m.other.clone(), CONFIG).objective == pytest.approx(0.5)


def _gone_model_block(*, own: bool):
    """m.b of a model no longer referenced (Pyomo parents are weak references): it reads an add_surrogate output
    of m.e, or (``own``) one of its own block."""
    from surrogate import add_surrogate

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.e, m.b = pyo.Block(), pyo.Block()
    if own:
        m.b.x, m.b.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
        m.b.o = pyo.Objective(expr=add_surrogate(m.b, NET, [m.b.x, m.b.y]).output)
    else:
        m.b.o = pyo.Objective(expr=add_surrogate(m.e, NET, [m.x, m.y]).output)
    return m.b


def test_a_block_whose_model_is_gone_is_refused_where_it_reads_that_model():
    """probe83: it crashed with AttributeError: 'NoneType' object has no attribute '_parent' (solve_checks)."""
    import gc

    block = _gone_model_block(own=False)
    gc.collect()
    assert block.parent_block() is None
    with pytest.raises(
        ModelFormatError,
        match=r"its product block no longer exists: it lay outside block 'b', in a model that was garbage-collected .* keep a reference",
    ):
        solve(block, CONFIG)
    block = _gone_model_block(own=True)
    gc.collect()
    assert solve(block, CONFIG).objective == pytest.approx(-1, abs=0.01)


def _replaced_b1():
    """probe82's model: replace_products(m.b1) derives x in [-1, 2] from b1's rows and sets it on m.x."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.cap = pyo.Constraint(expr=m.x <= 50)
    m.b1 = pyo.Block()
    m.b1.y = pyo.Var(bounds=(-2, 3))
    m.b1.c1, m.b1.c2 = pyo.Constraint(expr=m.x <= 2), pyo.Constraint(expr=m.x >= -1)
    m.b1.prod = pyo.Constraint(expr=m.x * m.b1.y >= -10)
    report = replace_products(m.b1, NET)
    m.o = pyo.Objective(expr=-m.x)
    return m, report


def test_bounds_a_deleted_block_derived_for_a_variable_read_outside_it_are_refused():
    """probe82 #2: m.del_component(m.b1) left x in [-1, 2], derived from b1's rows: -2 where the model left gives -50."""
    m, report = _replaced_b1()
    m.del_component(m.b1)
    match = r"'x' were derived from the rows of 'b1' when replacement block 'b1.surrogate_replacement' was built, but it"
    deleted = r" \(or a block above it\) was deleted \(constraint 'b1.c1' was deleted\).*implied_bounds.restore"
    with pytest.raises(ModelFormatError, match=match + deleted):
        solve(m, CONFIG)
    with pytest.raises(ModelFormatError, match=match):
        solve(m.clone(), CONFIG)
    report.implied_bounds.restore()
    assert solve(m, CONFIG).objective == pytest.approx(-50)


def test_a_derived_bounds_refusal_names_the_block_switched_off():
    """probe82 #5a: it named 'b1.surrogate_replacement' as deactivated when the user switched off 'b1'."""
    m, _ = _replaced_b1()
    m.b1.deactivate()
    with pytest.raises(ModelFormatError, match=r"but block 'b1' is deactivated \(it holds replacement block 'b1.surr"):
        refresh_rewrites(m)


def test_a_deleted_replacement_block_is_named_deleted_not_outside_the_block_solved():
    """probe82 #5b: the message blamed a block 'unknown' outside the block solved, and said to solve the whole model."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2))
    m.b1 = pyo.Block()
    m.b1.y = pyo.Var(bounds=(-2, 3))
    m.b1.prod = pyo.Constraint(expr=m.x * m.b1.y >= -10)
    replace_products(m.b1, NET)
    m.o = pyo.Objective(expr=-m.x)
    m.b1.del_component(m.b1.surrogate_replacement)
    match = r"replacement block 'b1.surrogate_replacement' was deleted, but the rows it replaced \(b1.prod\) .*\(model.b1.prod.activate\(\)"
    for solved in (m, m.clone()):
        with pytest.raises(ModelFormatError, match=match):
            refresh_rewrites(solved)
    m2 = pyo.ConcreteModel()  # one outside the block solved is still said so
    m2.x = pyo.Var(bounds=(-1, 2))
    m2.b = pyo.Block()
    m2.b.c = pyo.Constraint(expr=m2.x * m2.x >= 0.5)
    m2.b.o = pyo.Objective(expr=m2.x)
    replace_products(m2, NET)
    with pytest.raises(ModelFormatError, match=r"rows of block 'b' \(b.c\) were replaced by block 'surrogate_replacement', wh"):
        refresh_rewrites(m2.b)


def _gone_product_reader(kind: str):
    """probe86 #1: m.b's objective reads a bilinear product built in m.e; ``kind`` ``"clone"`` returns a clone of
    m.b, ``"deleted"`` m.b deleted from m; m is then garbage-collected. Whole model: -2 (x = -1); the output free: -4."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.e, m.b = pyo.Block(), pyo.Block()
    m.b.o = pyo.Objective(expr=bilinear(m.e, m.x, m.y, NET).expr + 2 * m.x + m.y)
    if kind == "clone":
        return m.b.clone()
    block = m.b
    m.del_component(block)
    return block


@pytest.mark.parametrize("kind", ["clone", "deleted"])
def test_a_block_reading_a_product_whose_model_is_gone_is_refused_when_cloned_or_deleted(kind):
    """probe86 #1: it solved with the product's output free (-4 for the -2 of the model)."""
    import gc

    block = _gone_product_reader(kind)
    gc.collect()
    with pytest.raises(
        ModelFormatError,
        match=r"objective 'o' reads a variable that a block of products defined .* its product block no longer exists",
    ):
        solve(block, CONFIG)


def test_a_block_of_a_gone_model_that_reads_its_plain_variables_solves():
    """probe86 #4: refused once its model was gone (-1.75 as plain Pyomo solves it); only products' outputs are."""
    import gc

    def build():
        m = pyo.ConcreteModel()
        m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
        m.b = pyo.Block()
        m.b.c = pyo.Constraint(expr=m.x + 2 * m.y >= -2.5)
        m.b.o = pyo.Objective(expr=m.x + m.y)
        return m.b

    block = build()
    gc.collect()
    assert block.parent_block() is None
    assert solve(block, CONFIG).objective == pytest.approx(-1.75)


def _fill_b1(p):
    """probe86 #2: b1's rows derive x in [-1, 2]; once b1 is gone the truth of min -x s.t. x <= 50 is -50."""
    p.x = pyo.Var()
    p.cap = pyo.Constraint(expr=p.x <= 50)
    p.b1 = pyo.Block()
    p.b1.y = pyo.Var(bounds=(-2, 3))
    p.b1.c1, p.b1.c2 = pyo.Constraint(expr=p.x <= 2), pyo.Constraint(expr=p.x >= -1)
    p.b1.prod = pyo.Constraint(expr=p.x * p.b1.y >= -10)
    p.o = pyo.Objective(expr=-p.x)


@pytest.mark.parametrize("how", ["block_clone", "embedded", "moved"])
def test_bounds_of_a_deleted_block_are_refused_after_their_block_is_cloned_moved_or_embedded(how):
    """probe86 #2: the record of b1's replacement lay on the top of the model it was built in only: -2 for -50."""
    m = pyo.ConcreteModel()
    m.p = pyo.Block() if how != "embedded" else pyo.ConcreteModel()
    _fill_b1(m.p)
    replace_products(m.p.b1, NET)
    if how == "block_clone":
        solved = p = m.p.clone()
    else:
        p = m.p
        m.del_component(p)
        solved = pyo.ConcreteModel()
        solved.p = p
    p.del_component(p.b1)
    with pytest.raises(ModelFormatError, match=r"'(p\.)?x' were derived from the rows of '(p\.)?b1' .* was deleted"):
        solve(solved, CONFIG)


def test_a_side_the_user_bounded_himself_is_not_held_as_derived_after_the_block_is_deleted():
    """probe86 #3: x's own upper bound 2 equals the products' box, and only its lower side was derived from b1: after
    b1 was deleted and x given a lower bound of its own, the solve was refused (old: -50, the truth)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(None, 2))
    m.b1 = pyo.Block()
    m.b1.y = pyo.Var(bounds=(-2, 3))
    m.b1.c2 = pyo.Constraint(expr=m.x >= -1)
    m.b1.prod = pyo.Constraint(expr=m.x * m.b1.y >= -10)
    replace_products(m.b1, NET)
    m.o = pyo.Objective(expr=m.x)
    m.del_component(m.b1)
    with pytest.raises(ModelFormatError, match=r"bounds of 'x' were derived from the rows of 'b1'"):
        solve(m, CONFIG)  # its derived lower bound is still there
    m.x.setlb(-50)
    assert solve(m, CONFIG).objective == pytest.approx(-50)


def _derived_outside_b():
    """x derived in [-1, 2] by replace_products(m) from m's rows; m.b's own rows give min -x = -50."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(), pyo.Var(bounds=(-2, 3))
    m.c1, m.c2 = pyo.Constraint(expr=m.x <= 2), pyo.Constraint(expr=m.x >= -1)
    m.prod = pyo.Constraint(expr=m.x * m.y >= -10)
    m.b = pyo.Block()
    m.b.cap, m.b.o = pyo.Constraint(expr=m.x <= 50), pyo.Objective(expr=-m.x)
    report = replace_products(m, NET)
    assert m.x.bounds == pytest.approx((-1, 2), abs=1e-6)
    return m, report


def test_a_block_of_a_gone_model_reading_bounds_derived_from_its_rows_is_refused():
    """probe88 #1: once m was garbage-collected, solve(m.b) solved with x in [-1, 2], derived from rows that no longer
    exist: -2 where b's own rows give -50 (refused before e002924)."""
    import gc

    block = _derived_outside_b()[0].b
    gc.collect()
    assert block.parent_block() is None
    with pytest.raises(
        ModelFormatError,
        match=r"constraint 'cap' reads 'x', whose bounds .*constraint 'c[12]', which no longer exists.*keep a reference",
    ):
        solve(block, CONFIG)


def test_a_sub_block_reading_bounds_derived_from_rows_outside_it_is_refused_with_fixes_that_work():
    """probe80 / probe88 #1: solve(m.b) after replace_products(m) kept x in [-1, 2] from rows outside m.b (-2 where
    b's rows give -50). Refused, naming a row outside; both fixes it gives solve."""
    m, report = _derived_outside_b()
    fixes = r"solve the whole model .* give 'x' bounds of its own .*report.implied_bounds.restore\(model"
    with pytest.raises(ModelFormatError, match=r"'b.cap' reads 'x', whose bounds .*constraint 'c[12]', outside it.*" + fixes):
        refresh_rewrites(m.b)
    with pytest.raises(ModelFormatError, match="reads 'x'"):
        refresh_rewrites(m.b.clone())
    refresh_rewrites(m)  # the whole model holds them
    report.implied_bounds.restore(m.b)  # the block solved: its model's x
    assert solve(m.b, CONFIG).objective == pytest.approx(-50)
    m2, _ = _derived_outside_b()
    m2.x.setub(60)
    with pytest.raises(ModelFormatError, match="reads 'x'"):
        refresh_rewrites(m2.b)  # its lower bound, -1, is still the one derived
    m2.x.setlb(-60)
    assert solve(m2.b, CONFIG).objective == pytest.approx(-50)


def test_the_refusal_of_a_clone_whose_b1_was_deleted_gives_fixes_that_work_on_the_clone():
    """probe88 #4: the refusal told a clone of m.p to run report.implied_bounds.restore(), which changed the original
    (the clone stayed refused), and named the original's paths without saying so. It now says restore(model) (on
    a copy, its own variables), which makes the clone solve -50, and that the names are the original's."""
    m = pyo.ConcreteModel()
    m.p = pyo.Block()
    _fill_b1(m.p)
    report = replace_products(m.p.b1, NET)
    c = m.p.clone()
    c.del_component(c.b1)
    message = r"report.implied_bounds.restore\(model\), model the one solved: on a copy.*names are those of the model"
    with pytest.raises(ModelFormatError, match=message):
        refresh_rewrites(c)
    report.implied_bounds.restore(c)
    assert c.x.bounds == (None, None) and m.p.x.bounds == pytest.approx((-1, 2), abs=1e-6)
    assert solve(c, CONFIG).objective == pytest.approx(-50)


@pytest.mark.parametrize("model", [None, 5, "m", pyo.Var()])
def test_refresh_rewrites_of_a_non_model_is_refused_as_solve_refuses_it(model):
    """probe110 #2: refresh_rewrites(None) said the model was garbage-collected; it takes solve()'s model check."""
    from surrogate.errors import ConfigError

    with pytest.raises(
        ConfigError, match=r"refresh_rewrites: model=.* must be a Pyomo model or block \(e\.g\. pyo\.ConcreteModel\(\)\)"
    ):
        refresh_rewrites(model)


def test_a_deactivated_scaled_block_of_an_active_replacement_is_refused():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-1, 3))
    m.o = pyo.Objective(expr=m.x * m.y + m.x)
    replace_products(m, NET)
    m.surrogate_replacement.surrogate_x_y_scaled.deactivate()
    message = (
        r"block 'surrogate_replacement\.surrogate_x_y_scaled' is deactivated, but replacement block 'surrogate_replacement', "
        r"which is active, reads its variables, which nothing then defines; activate .* again, or undo the replacement"
    )
    with pytest.raises(ModelFormatError, match=message):
        refresh_rewrites(m)
    m.surrogate_replacement.surrogate_x_y_scaled.activate()
    refresh_rewrites(m)
