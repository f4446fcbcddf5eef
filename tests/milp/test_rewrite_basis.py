"""Bounds derived from the constraints are refused once what they rest on changes, and only then (rewrite_basis.py)."""

import re

import pyomo.environ as pyo
import pytest

from surrogate.errors import ModelFormatError
from surrogate.milp.bilinear import replace_products
from surrogate.milp.rewrite_basis import Basis, rests_outside
from surrogate.milp.rewrite_refresh import refresh_rewrites
from surrogate.nets.construct import hand_built

NET = hand_built("3x8", "shared")


def _refused(m, match: str) -> None:
    with pytest.raises(ModelFormatError, match=match):
        refresh_rewrites(m)


def test_a_named_expression_changed_in_a_row_the_bounds_rest_on_is_refused():
    """probe78 #1: x in [-1, 2] was derived through ``e = x``; ``e := x/10`` made it [-10, 20], and the solve kept
    the old box silently (-3.99 for the truth -40)."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(), pyo.Var(bounds=(-2, 3))
    m.e = pyo.Expression(expr=m.x)
    m.c1, m.c2 = pyo.Constraint(expr=m.e <= 2), pyo.Constraint(expr=m.e >= -1)
    m.o = pyo.Objective(expr=m.x * m.y)
    replace_products(m, NET)
    refresh_rewrites(m)
    m.e.set_value(m.x / 10)
    _refused(m, r"derived for x from the constraints rest on it: the Expression 'e' in constraint 'c1' was given a new")


def _rounded():
    """x == w, with w integer and 2w <= 3: x's derived upper bound 1 rests on w's rounding."""
    m = pyo.ConcreteModel()
    m.w, m.x, m.y = pyo.Var(domain=pyo.Integers), pyo.Var(), pyo.Var(bounds=(-2, -1))
    m.c1, m.c2 = pyo.Constraint(expr=2 * m.w <= 3), pyo.Constraint(expr=m.w >= 0)
    m.link = pyo.Constraint(expr=m.x == m.w)
    m.o = pyo.Objective(expr=m.x * m.y)
    replace_products(m, NET)
    assert m.x.ub == pytest.approx(1, abs=1e-6)
    return m


def test_an_integer_the_bounds_were_derived_through_made_continuous_is_refused():
    """probe78 #2: ``w.domain = Reals`` allows x = 1.5 (truth -3); the solve kept x <= 1 silently (-2)."""
    m = _rounded()
    m.w.domain = pyo.Reals
    _refused(m, r"rest on it: 'w' \(read by constraint 'c1'\) was integer when they were derived .* now Reals")


def _through_w():
    """x has no bounds of its own: x <= 2.2 is derived from ``x - 0.5 <= w`` and w <= 1.7."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.w = pyo.Var(), pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-3, 1.7))
    m.c1, m.c2 = pyo.Constraint(expr=m.x >= -0.5), pyo.Constraint(expr=m.x - 0.5 <= m.w)
    m.o = pyo.Objective(expr=m.x * m.y - m.x)
    replace_products(m, NET)
    assert m.x.ub == pytest.approx(2.2, abs=1e-6)
    return m


def test_a_variable_the_bounds_rest_on_fixed_outside_its_bounds_is_refused():
    """probe85 #1: ``w.fix(5)`` (Pyomo only logs W1002) allows x = 5.5 (truth -11); the solve kept x <= 2.2 (-4.39)."""
    m = _through_w()
    m.w.fix(5)
    _refused(m, r"'w' \(read by constraint 'c2'\) is fixed at 5, outside its bounds \[-3, 1.7\] when they were derived")


def test_a_variable_the_bounds_rest_on_fixed_inside_them_keeps_the_derived_bounds():
    """A solver reads a fixed variable's value: within the old bounds the derived box still holds, even where the
    bounds themselves were widened since."""
    m = _through_w()
    m.w.fix(1.7)
    m.w.setlb(-10)
    refresh_rewrites(m)


def test_an_integer_the_bounds_rest_on_fixed_at_a_fraction_is_refused():
    """x <= 1 rests on w's rounding (2w <= 3); w fixed at 1.5 lets x be 1.5."""
    m = _rounded()
    m.w.fix(1.5)
    _refused(m, r"'w' \(read by constraint 'c1'\) is fixed at 1.5, not an integer, and it was integer when")


def test_an_lp_relaxation_by_pyomo_keeps_the_derived_bounds():
    """``core.relax_integer_vars`` relaxes the whole model: the answer is still a bound of the integer model."""
    m = _rounded()
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    refresh_rewrites(m)


def test_a_block_that_shares_no_variable_with_the_derived_ones_may_be_switched_off():
    """probe78 #5: x's box rests on c1 and c2 only, but turning off ``scenario`` (``y*z <= 2``) was refused as a
    row the derived bounds rest on; a row linked to x through another variable still counts, naming its block."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.z, m.t = pyo.Var(), pyo.Var(bounds=(-2, 3)), pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(0, 1))
    m.c1, m.c2 = pyo.Constraint(expr=m.x <= 2), pyo.Constraint(expr=m.x >= -1)
    m.scenario = pyo.Block()
    m.scenario.cap = pyo.Constraint(expr=m.y * m.z <= 2)
    m.linked = pyo.Block()
    m.linked.row = pyo.Constraint(expr=m.x + m.t >= -2)
    m.o = pyo.Objective(expr=m.x * m.y - m.z)
    replace_products(m, NET)
    m.scenario.deactivate()
    refresh_rewrites(m)
    m.linked.deactivate()
    _refused(m, r"derived for x from the constraints rest on it: block 'linked' above constraint 'linked.row' was deactivated")


def test_linked_walks_the_component_of_the_start_variables():
    from surrogate.milp.rewrite_basis import linked

    m = pyo.ConcreteModel()
    m.v = pyo.Var(range(5))
    rows = [[m.v[0], m.v[1]], [m.v[1], m.v[2]], [m.v[3], m.v[4]]]
    found, walked = linked(rows, [m.v[2]])
    assert {v.name for v in found} == {"v[0]", "v[1]", "v[2]"} and walked == {0, 1}


def test_the_sides_derived_are_kept_per_variable_and_side():
    """probe86 #3: which side of a variable was derived (its own upper bound is the user's) was not kept."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(None, 2)), pyo.Var(bounds=(-2, 3))
    m.c = pyo.Constraint(expr=m.x >= -1)
    m.o = pyo.Objective(expr=m.x * m.y)
    report = replace_products(m, NET)
    (var, lb, ub), *others = report.record.basis.sides
    assert var is m.x and lb == m.x.lb and lb == pytest.approx(-1, abs=1e-6) and ub is None and others == []


def test_a_variable_fixed_outside_its_bounds_is_told_to_unfix_it_first():
    """probe86 #7: the only fix given, undo and replace again, was refused again (a row reading a fixed w derives
    nothing)."""
    m = _through_w()
    m.w.fix(5)
    message = (
        r"unfix it \(model.w.unfix\(\)\) or fix it within those bounds; or undo the replacement .* give 'x' bounds of its own"
    )
    _refused(m, r"is fixed at 5, outside its bounds \[-3, 1.7\] when they were derived; " + message)
    with pytest.raises(ModelFormatError) as refused:
        refresh_rewrites(m)
    assert "replace the products again; undo" not in str(refused.value)  # no second, generic fix after it


def test_an_integer_fixed_a_hair_off_an_integer_is_refused_with_the_rounded_value_to_fix_it_at():
    """probe86 #8 / probe88 #2: w fixed at 1 + 1e-8 (a value a solve returns) was refused with no word of the fix; the
    1e-6 tolerance then allowed after it let a tiny offset through a big coefficient (next test). It is refused, and
    told to fix w at the rounded value; fixed at exactly that value, or at it up to rounding, it keeps the box."""
    m = _rounded()
    m.w.fix(1 + 1e-8)
    _refused(m, r"fixed at 1.00000001, not an integer.*fix it at the rounded value \(model.w.fix\(1\)\)")
    m.w.fix(1)
    refresh_rewrites(m)
    m.w.fix(1 + 1e-15)
    refresh_rewrites(m)
    m.w.fix(1 + 1e-5)
    _refused(m, r"fixed at 1.00001, not an integer.*model.w.fix\(1\)")


def test_an_integer_fixed_within_1e_6_of_zero_under_a_big_coefficient_is_refused():
    """probe88 #2: w integer with 2w <= 1 (so 0) and x <= 1e6 w gave x <= 1e-9; w.fix(5e-7), within HiGHS's 1e-6
    of 0, counted as 0, and max x solved to 1e-9 where the rows read x <= 0.5 (plain Pyomo with HiGHS: 0.5)."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.w = pyo.Var(), pyo.Var(bounds=(-2, 3)), pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.c1, m.c2 = pyo.Constraint(expr=m.x <= 1e6 * m.w), pyo.Constraint(expr=2 * m.w <= 1)
    m.c3, m.p = pyo.Constraint(expr=m.x >= -1), pyo.Constraint(expr=m.x * m.y >= -10)
    m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
    replace_products(m, NET)
    assert m.x.ub == pytest.approx(0, abs=1e-6)
    m.w.fix(5e-7)
    _refused(m, r"'w' .* is fixed at 5e-07, not an integer.*fix it at the rounded value \(model.w.fix\(0\)\)")


def test_each_derived_variable_rests_on_the_rows_of_its_own_component_only():
    """probe89 #1: every derived variable was registered with every row of the basis, so a solve of the block that
    holds all of x's rows was refused naming a row of another block's z (and an indexed block's B[1].x named B[2].c1)."""
    m = pyo.ConcreteModel()
    m.y, m.w = pyo.Var(bounds=(-2, 3)), pyo.Var(bounds=(0, 1))
    m.a, m.g = pyo.Block(), pyo.Block()
    m.a.x, m.g.z = pyo.Var(), pyo.Var()
    m.a.c1, m.a.c2 = pyo.Constraint(expr=m.a.x <= 2), pyo.Constraint(expr=m.a.x >= -1)
    m.g.c1, m.g.c2 = pyo.Constraint(expr=m.g.z <= 3), pyo.Constraint(expr=m.g.z >= 0)
    m.o = pyo.Objective(expr=m.a.x * m.y + m.g.z * m.w)
    replace_products(m, NET)
    assert m.a.x.ub == pytest.approx(2, abs=1e-6) and m.g.z.ub == pytest.approx(3, abs=1e-6)
    assert rests_outside(m.a.x, m.a, {}) is None
    assert rests_outside(m.g.z, m.a, {}) == ("g.c1", False)


def test_the_rows_of_each_component_are_found_with_one_readers_map(monkeypatch):
    """probe92 #2: registering a basis built the map of each variable's rows again for every connected component
    (2,000 products: 10.9 s for 0.35 s). The rows each derived variable rests on are still those of its own component
    (the walk from it alone), and the map is built once for the walk of Basis.of and once for the registration."""
    from pyomo.core.expr.visitor import identify_variables

    from surrogate.milp import rewrite_basis
    from surrogate.milp.rewrite_basis import RESTS, Basis, linked

    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, 39)
    m.x = pyo.Var(m.I, bounds=(-1, 2))
    m.c1 = pyo.Constraint(m.I, rule=lambda m, i: m.x[i] <= 2)
    m.c2 = pyo.Constraint(m.I, rule=lambda m, i: m.x[i] >= -1)
    m.pair = pyo.Constraint(range(0, 40, 5), rule=lambda m, i: m.x[i] + m.x[i + 1] <= 3)  # some of two variables
    built = []

    def counted(rows):
        built.append(len(rows))
        return readers_of(rows)

    readers_of = rewrite_basis.readers_of
    monkeypatch.setattr(rewrite_basis, "readers_of", counted)
    basis = Basis.of(m, [m.x[i].name for i in m.I], symbolic=lambda v: False)
    assert len(built) == 2
    reads = [list(identify_variables(expr)) for _, expr, _, _ in basis.constraints]
    for var, _, _ in basis.sides:
        (rows,) = [rows for ref, _, _, rows, _ in RESTS.get(var) if ref() is basis]
        walked = linked(reads, [var])[1]
        assert [name for _, name in rows] == [basis.constraints[i][2] for i in sorted(walked)]
    assert [name for _, name in next(rest[3] for rest in RESTS.get(m.x[5]))] == ["c1[5]", "c1[6]", "c2[5]", "c2[6]", "pair[5]"]


def _x_in_b():
    """x declared on the model, every row linked to it (its product's too) in block b, which replace_products ran on."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(), pyo.Var(bounds=(-2, 3))
    m.b = pyo.Block()
    m.b.p = pyo.Constraint(expr=m.x * m.y >= -10)
    m.b.c1, m.b.c2 = pyo.Constraint(expr=m.x <= 2), pyo.Constraint(expr=m.x >= -1)
    m.b.o = pyo.Objective(expr=-m.x - m.y)
    replace_products(m.b, NET)
    return m


def test_a_clone_of_the_block_replaced_rests_on_its_own_copies_of_the_rows():
    """probe92 #3: x keeps the box [-1, 2] derived from b's rows; a clone of b, which shares x and holds a copy of each
    of those rows, was refused naming the original's row (the refusal's own advice: "or a clone of it"). Each of the
    clone and the original is checked against its own rows: one deleted is refused for that one only."""
    m = _x_in_b()
    clone = m.b.clone()
    for model in (clone, m.b, m):
        refresh_rewrites(model)
    clone.del_component(clone.c1)
    _refused(clone, r"the bounds derived for x from the constraints rest on it: constraint 'b.c1' was deleted")
    refresh_rewrites(m.b)
    m = _x_in_b()
    clone = m.b.clone()
    m.b.del_component(m.b.c1)
    _refused(m.b, r"the bounds derived for x from the constraints rest on it: constraint 'b.c1' was deleted")
    refresh_rewrites(clone)
    refresh_rewrites(clone.clone())


def test_a_clone_whose_replacement_block_was_deleted_rests_on_the_original_rows():
    """The copies of the rows count only while the clone's replacement block, whose record checks them, is solved with
    it: deleted, with the replaced row switched on again and another given a new expression, nothing would see that
    the box no longer holds."""
    m = _x_in_b()
    clone = m.b.clone()
    clone.del_component(clone.surrogate_replacement)
    clone.p.activate()
    clone.c1.set_value(m.x <= 100)
    _refused(clone, r"reads 'x', whose bounds .* does not hold all of them \(constraint 'b.p', outside it\)")


def _rows_in_b(layout: str = "m.x"):
    """probe92 gap: x's rows (c1: x <= z, c2: x >= -1) in block b (``"B[1]"``: an element of an indexed block), its
    product in the model's objective, which replace_products ran on: its replacement block, whose record checks x's
    basis, lies outside b. x is declared on the model (``"m.x"``) or on b (``"b.x"``, ``"B[1].x"``)."""
    m = pyo.ConcreteModel()
    m.y, m.z = pyo.Var(bounds=(-2, 3)), pyo.Var(bounds=(0, 2))
    if layout == "B[1].x":
        m.B = pyo.Block([1, 2])
    else:
        m.b = pyo.Block()
    b = m.B[1] if layout == "B[1].x" else m.b
    b.x = pyo.Var()
    x = m.add_component("x", pyo.Var()) or m.x if layout == "m.x" else b.x
    b.c1, b.c2 = pyo.Constraint(expr=x <= m.z), pyo.Constraint(expr=x >= -1)
    m.o = pyo.Objective(expr=-x * m.y)
    replace_products(m, NET)
    b.o2 = pyo.Objective(expr=-x)
    m.o.deactivate()
    refresh_rewrites(b)
    return m, b, x


@pytest.mark.parametrize("layout", ["m.x", "b.x", "B[1].x"])
@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda b, x: b.c1.set_value(x <= 100), r"constraint '(b|B\[1\])\.c1' was given a new expression"),
        (lambda b, x: b.c1.deactivate(), r"constraint '(b|B\[1\])\.c1' was deactivated"),
        (lambda b, x: b.del_component(b.c1), r"constraint '(b|B\[1\])\.c1' was deleted"),
        (lambda b, x: b.model().z.setub(100), r"'z' \(read by constraint '(b|B\[1\])\.c1'\) now has wider bounds"),
    ],
    ids=["new-expression", "deactivated", "deleted", "widened"],
)
def test_a_block_solved_alone_whose_rows_changed_under_bounds_derived_outside_it_is_refused(edit, said, layout):
    """probe92 gap: solve(m.b) read x with the box [-1, 2] that b's rows gave when the products were replaced, after
    c1 became x <= 100 (-2 for the truth -100): the rows all lie in b, and the record that checks them lies in the
    replacement block, outside b. Each change is told with the fix; the whole model is refused too, and a clone of b
    made before the change, which holds its own x and the rows as they were, is not."""
    m, b, x = _rows_in_b(layout)
    clone = b.clone()
    edit(b, x)
    name = re.escape(x.name)
    fix = rf"undo the replacement \(report.undo\(model\)\) and replace the products again, or give '{name}' bounds of its own"
    _refused(
        b,
        rf"reads '{name}', whose bounds .* when it built replacement block 'surrogate_replacement', which is not solved with block .*{said}.*; {fix}",
    )
    _refused(m, said)
    if layout != "m.x" and "wider" not in said:  # a clone sharing m.x (or z, widened) is refused, as it should
        refresh_rewrites(clone)


def test_a_block_solved_alone_keeps_bounds_derived_outside_it_while_their_rows_stand():
    """The check of gap's basis passes while nothing changed, and a side the user bounded himself (x <= 100, so x's
    lower bound alone is derived) leaves the rest standing; with both sides his own nothing rests on the rows."""
    m, b, x = _rows_in_b()
    refresh_rewrites(b)
    x.setub(100)
    refresh_rewrites(b)
    b.c2.set_value(x >= -5)
    _refused(b, r"constraint 'b.c2' was given a new expression")
    x.setlb(-5)
    refresh_rewrites(b)


def test_each_basis_a_block_solved_alone_reads_is_checked_once_a_solve(monkeypatch):
    """The basis of bounds derived outside the block solved is checked once a solve, not once for each row that reads a
    variable resting on it (refresh runs before every solve)."""
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(5)
    m.x, m.y = pyo.Var(m.I), pyo.Var(m.I, bounds=(-2, 3))
    m.b = pyo.Block()
    m.b.c1 = pyo.Constraint(m.I, rule=lambda b, i: m.x[i] <= 2)
    m.b.c2 = pyo.Constraint(m.I, rule=lambda b, i: m.x[i] >= -1)
    m.b.s = pyo.Constraint(expr=sum(m.x[i] for i in m.I) <= 8)
    m.o = pyo.Objective(expr=sum(-m.x[i] * m.y[i] for i in m.I))
    replace_products(m, NET)
    m.o.deactivate()
    calls = []
    problem = Basis.problem
    monkeypatch.setattr(Basis, "problem", lambda self, *a, **k: calls.append(self) or problem(self, *a, **k))
    refresh_rewrites(m.b)
    assert len(calls) == 1


def _outcome(model) -> str | None:
    """What refresh (run before every solve) says of ``model``: ``None`` where it passes, else its refusal."""
    try:
        refresh_rewrites(model)
    except ModelFormatError as error:
        return str(error)
    return None


@pytest.mark.parametrize("where", ["m.b", "m"])
def test_a_pickled_block_or_model_is_checked_as_a_clone_of_it_is(where):
    """probe93 #6: pickle of m.b after replace_products raised AttributeError in Basis.__setstate__ (it walked rows
    pickle had not restored yet). A copy loaded registers its variables as a clone does: it passes or is refused as the
    clone is (replace_products(m), m.b copied: refused, the clone for x's rows outside it, which it shares, the copy,
    which holds its own x, for its replaced row), solves to the same value, and the deletion of its own row is
    refused."""
    import pickle

    from surrogate import SolverConfig, solve

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(), pyo.Var(bounds=(-2, 3))
    m.b = pyo.Block()
    m.b.c1, m.b.c2 = pyo.Constraint(expr=m.x <= 2), pyo.Constraint(expr=m.x >= -1)
    m.b.o = pyo.Objective(expr=-m.x * m.y)
    replace_products(m.b if where == "m.b" else m, NET)
    for original in (m, m.b):
        copy, clone = pickle.loads(pickle.dumps(original)), original.clone()
        assert (_outcome(copy) is None) == (_outcome(clone) is None) == (where == "m.b" or original is m)
        if _outcome(copy) is None:
            assert solve(copy, SolverConfig(time_limit=10, threads=1)).objective == pytest.approx(-6, abs=1e-6)
            rows = copy.b if original is m else copy
            rows.del_component(rows.c1)
            _refused(copy, r"constraint 'b.c1' was deleted")


def test_a_clone_of_the_block_replaced_keeps_its_box_once_the_original_block_is_deleted():
    """probe93 #5: the clone holds its own replacement block and an unchanged copy of every row x's box rests on, so
    the original block's deletion (its record's rows gone) does not spoil it; a change of the clone's own row does."""
    m = _x_in_b()
    clone = m.b.clone()
    m.del_component(m.b)
    refresh_rewrites(clone)
    clone.c1.set_value(m.x <= 100)
    _refused(clone, r"constraint 'b.c1' was given a new expression")


def test_an_lp_relaxation_may_fix_a_relaxed_integer_at_a_fraction():
    """After ``core.relax_integer_vars`` w is continuous: w fixed at 0.5 is a point of the relaxation, not refused."""
    m = _rounded()
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    m.w.fix(0.5)
    refresh_rewrites(m)


def test_a_variable_fixed_without_a_value_is_left_to_the_solve():
    """A fixed variable with no value has no value to check against the derived box: no TypeError from the check."""
    m = _rounded()
    m.w.fix()
    m.w.value = None
    refresh_rewrites(m)


def test_a_block_whose_replacement_was_deleted_rests_on_its_own_rows_not_a_clones():
    """b's replacement deleted, a clone of b made before: b holds every row x's box rests on, unchanged, so it is not
    refused for the clone's copies of them (those count only with the clone's record, marked shared)."""
    m = _x_in_b()
    clone = m.b.clone()
    m.b.del_component(m.b.surrogate_replacement)
    m.b.p.activate()
    refresh_rewrites(m.b)
    refresh_rewrites(clone)


def test_a_bound_given_by_a_mutable_param_may_change_under_derived_bounds():
    """y <= p (a mutable Param) takes no part in deriving x's box: p raised from 3 to 5 is no change to refuse."""
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=3.0, mutable=True)
    m.x, m.y, m.z = pyo.Var(), pyo.Var(bounds=(-2, m.p)), pyo.Var(bounds=(-2, 3))
    m.c1, m.c2, m.c3 = pyo.Constraint(expr=m.x <= 2), pyo.Constraint(expr=m.x >= -1), pyo.Constraint(expr=m.x + m.y <= 10)
    m.o = pyo.Objective(expr=m.x * m.z + m.y)
    replace_products(m, NET)
    assert (m.x.lb, m.x.ub) == pytest.approx((-1, 2), abs=1e-6)
    m.p = 5.0
    refresh_rewrites(m)


def test_a_variable_whose_block_was_deleted_is_checked_in_the_model_solved():
    """x declared on block d, its rows in b, the replacement block outside b: d deleted (x in no model now, still read
    by b's rows, unchanged), b solved alone keeps x's box; the check reads the rows in b's model, not in d."""
    m = pyo.ConcreteModel()
    m.d, m.b = pyo.Block(), pyo.Block()
    m.d.x, m.y = pyo.Var(), pyo.Var(bounds=(-2, 3))
    x = m.d.x
    m.b.c1, m.b.c2 = pyo.Constraint(expr=x <= 2), pyo.Constraint(expr=x >= -1)
    m.o = pyo.Objective(expr=-x * m.y)
    replace_products(m, NET)
    m.b.o2 = pyo.Objective(expr=-x)
    m.o.deactivate()
    m.del_component(m.d)
    refresh_rewrites(m.b)
    refresh_rewrites(m)
    m.b.c1.set_value(x <= 100)
    _refused(m.b, r"constraint 'b.c1' was given a new expression")
