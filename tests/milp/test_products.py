"""ReplacementReport (surrogate.milp.products): what a replacement did, and its undo."""

import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, InfeasibleModelError, ModelFormatError, SolverConfig, solve
from surrogate.milp.bilinear import replace_products
from surrogate.nets.construct import hand_built


def _replaced():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    m.obj = pyo.Objective(expr=m.x * m.y)
    return m, replace_products(m, "sawtooth-4", implied_bounds=False)


@pytest.mark.parametrize("bad", [None, "model", 5])
def test_undo_refuses_what_is_no_model_and_leaves_the_replacement(bad):
    m, report = _replaced()
    with pytest.raises(ConfigError, match=r"ReplacementReport.undo: model=.* must be a Pyomo model or block"):
        report.undo(bad)
    report.undo(m)  # the model is as the replacement left it: undone as usual
    assert m.obj.active and m.find_component(report.block) is None


def test_undo_on_a_clone_of_a_block_puts_the_clones_own_derived_bounds_back():
    """probe88 #3: report.undo(c) on c = m.p.clone() looked for 'p.x' in c, found nothing and left the derived
    x in [-1, 2] on c.x; deleting c.b1 then solved -2 unrefused where c's rows (x <= 50, min -x) give -50."""
    m = pyo.ConcreteModel()
    m.p = p = pyo.Block()
    p.x = pyo.Var()
    p.cap = pyo.Constraint(expr=p.x <= 50)
    p.b1 = pyo.Block()
    p.b1.y = pyo.Var(bounds=(-2, 3))
    p.b1.c1, p.b1.c2 = pyo.Constraint(expr=p.x <= 2), pyo.Constraint(expr=p.x >= -1)
    p.b1.prod, p.o = pyo.Constraint(expr=p.x * p.b1.y >= -10), pyo.Objective(expr=-p.x)
    report = replace_products(p.b1, hand_built("3x8", "shared"))
    c = p.clone()
    report.undo(c)
    assert c.x.bounds == (None, None) and c.b1.prod.active
    assert p.x.bounds == pytest.approx((-1, 2), abs=1e-6)  # the original is left as it was
    c.del_component(c.b1)
    assert solve(c, SolverConfig(time_limit=10, threads=1)).objective == pytest.approx(-50)


def _maximise_product_on_a_line(m):
    m.c = pyo.Constraint(expr=m.x + m.y == 0.5)
    m.o = pyo.Objective(expr=m.x * m.y, sense=pyo.maximize)


def _constants_in_row_and_objective(m):
    m.c = pyo.Constraint(expr=m.x * m.y + 3 >= 2.5)
    m.o = pyo.Objective(expr=m.x * m.y + 10)


def _constant_in_objective(m):
    m.o = pyo.Objective(expr=m.x * m.y + 10)


def _maximise_on_a_product_equality(m):
    m.x.setlb(0), m.y.setlb(0)
    m.c = pyo.Constraint(expr=m.x * m.y == 0.25)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)


@pytest.mark.parametrize(
    ("build", "optimum"),
    [
        (_maximise_product_on_a_line, 0.0625),  # x = y = 1/4: a maximisation stays one
        (_constants_in_row_and_objective, 9.5),  # x*y >= -1/2 binds; both constants kept
        (_constant_in_objective, 9.0),  # x*y = -1 at a corner, plus the constant 10
        (_maximise_on_a_product_equality, 1.25),  # x = 1, y = 1/4: both sides of x*y == 1/4 kept
    ],
)
def test_rewritten_rows_and_objectives_keep_constants_sense_and_both_sides(build, optimum):
    """probe109 PR2-PR4: the rewrite dropped constants (9.0 read -1.0; x*y + 3 >= 2.5 read infeasible), or a
    maximisation's sense (0.0625 read -0.5), or an equality's upper side (1.25 read 2.0), and no test noticed."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    build(m)
    replace_products(m, "3x8")
    result = solve(m, SolverConfig(time_limit=20, threads=1))
    assert result.objective == pytest.approx(optimum, abs=0.01)  # within the 3x8 net's error of the exact optimum


def _zero_width_times_free(lb: float):
    """min x*y + y with x in [lb, lb] and y free but for y >= -1 (a row): (lb + 1) y, optimum -(lb + 1)."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(lb, lb)), pyo.Var()
    m.c = pyo.Constraint(expr=m.y >= -1)
    m.obj = pyo.Objective(expr=m.x * m.y + m.y)
    return m


@pytest.mark.parametrize("lb", [2.0, 0.0])
def test_a_zero_width_factor_needs_no_bounds_on_its_partner_and_gets_its_value(lb):
    """probe103 #5, #7: x in [2, 2] times a free y is lb*y, yet it was refused ('variable y has bounds (None, None)');
    and after the solve x had no value (no solver sees it), so the user's objective did not evaluate."""
    m = _zero_width_times_free(lb)
    exact = m.obj.expr
    report = replace_products(m, "3x8")
    assert [type(p).__name__ for p in report.products.values()] == ["LinearProduct"]
    result = solve(m, SolverConfig(time_limit=5, threads=1))
    assert result.objective == pytest.approx(-(lb + 1))
    assert m.x.value == lb and pyo.value(exact) == pytest.approx(-(lb + 1))


def test_a_binary_factor_still_needs_a_bounded_partner():
    from surrogate.milp.bilinear import UnboundedVariableError

    m = pyo.ConcreteModel()
    m.b, m.y = pyo.Var(domain=pyo.Binary), pyo.Var()
    m.c = pyo.Constraint(expr=m.y >= -1)
    m.obj = pyo.Objective(expr=m.b * m.y + m.y)
    with pytest.raises(UnboundedVariableError, match=r"variable 'y' has bounds \(None, None\)"):
        replace_products(m, "3x8")


def test_a_zero_width_factor_of_a_bounded_product_gets_its_value():
    """probe103 #7: min x*y - 3y with x in [2, 2], y in [0, 3] solved to -3, but x.value stayed None."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(2, 2)), pyo.Var(bounds=(0, 3))
    m.obj = pyo.Objective(expr=m.x * m.y - 3 * m.y)
    exact = m.obj.expr
    replace_products(m, "3x8")
    assert solve(m, SolverConfig(time_limit=5, threads=1)).objective == pytest.approx(-3.0)
    assert m.x.value == 2.0 and pyo.value(exact) == pytest.approx(-3.0)


@pytest.mark.parametrize("domain, box", [(pyo.Integers, (2.5, 2.5)), (pyo.Binary, (0.5, 0.5)), (pyo.Integers, (2.2, 2.8))])
def test_an_integer_factor_whose_bounds_hold_no_integer_is_refused(domain, box):
    """probe106 #1: an integer factor with bounds (2.5, 2.5) was written as 2.5*y and the model, which has no point,
    was solved 'optimal' (0.4), the factor given the value 2.5."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(domain=domain, bounds=box), pyo.Var(bounds=(0, 1))
    m.o = pyo.Objective(expr=m.x * m.y + m.y)
    with pytest.raises(InfeasibleModelError, match=r"integer variable 'x' has bounds \[.*\], which hold no integer"):
        replace_products(m, "3x8")


def test_a_zero_width_factor_of_a_second_replacement_gets_its_new_value():
    """probe106 #2: after a solve, undo, x narrowed to [2, 2] and a second replacement, x kept its old value 10 (outside
    its bounds), so the model's objective read 16.5 where the solver's was 4.5."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 10)), pyo.Var(bounds=(0, 2))
    m.o = pyo.Objective(expr=m.y + m.x * m.y)
    m.x.set_value(10.0)  # as a first solve left it
    m.x.setlb(2), m.x.setub(2)
    replace_products(m, "3x8")
    assert m.x.value == 2.0


def test_replacing_the_products_of_a_model_twice_says_to_start_from_the_exact_model():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-1, 3))
    m.o = pyo.Objective(expr=m.x * m.y + m.x)
    report = replace_products(m, hand_built("3x8", "shared"))
    message = r"already has a block 'surrogate_replacement': its products were replaced before; start from the exact model, which report\.undo\(model\)"
    with pytest.raises(ModelFormatError, match=message):
        replace_products(m, hand_built("3x8", "shared"))
    report.undo(m)
    replace_products(m, hand_built("3x8", "shared"))  # as the message says


@pytest.mark.parametrize("fixed", ["param", "var"])
@pytest.mark.parametrize(
    "value, fix",
    [
        (2, r"write x\*x, or give the exponent as a constant: x\*\*2\)"),
        (1, r"write x\)"),  # probe141 #4: it said x*x whatever p's value
        (3, r"x\*\*3 is no product of two variables, which no x\*y surrogate writes\)"),
        (0.5, r"x\*\*0\.5 is no product of two variables, which no x\*y surrogate writes\)"),
    ],
)
def test_a_power_with_a_mutable_exponent_is_refused_with_the_fix_for_its_value(fixed, value, fix):
    """probe138: ``x**p`` with ``p`` a mutable Param of value 2 was refused as any nonlinear term, advising auxiliary
    variables; the message now names the exponent, its value and the fix (``x*x``, or a constant exponent, which is
    replaced, for 2; ``x`` for 1; none for another)."""
    from surrogate.milp.products import UnsupportedTermError

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0.5, 2)), pyo.Var(bounds=(0, 3))
    m.p = pyo.Param(initialize=value, mutable=True) if fixed == "param" else pyo.Var(initialize=value)
    if fixed == "var":
        m.p.fix()
    m.c = pyo.Constraint(expr=m.x**m.p + m.y >= 3)
    m.o = pyo.Objective(expr=m.x + m.y)
    with pytest.raises(
        UnsupportedTermError,
        match=rf"\(x\*\*p\).*: its exponent p is a mutable Param or fixed variable at {value}, whose value a "
        rf"replacement does not read; {fix}",
    ):
        replace_products(m, "3x8")
    if value == 2:
        m.c.set_value(m.x**2 + m.y >= 3)
        assert replace_products(m, "3x8").terms == 1


@pytest.mark.parametrize(
    "base, shown, fix",
    [
        ("sum", r"\(x \+ y\)", r"write \(x \+ y\)\*\(x \+ y\), or give the exponent as a constant: \(x \+ y\)\*\*2\)"),
        ("product", r"\(2\*x\)", r"write \(2\*x\)\*\(2\*x\), or give the exponent as a constant: \(2\*x\)\*\*2\)"),
        ("indexed", r"v\[1\]", r"write v\[1\]\*v\[1\], or give the exponent as a constant: v\[1\]\*\*2\)"),
    ],
)
def test_a_power_s_advice_brackets_a_compound_base(base, shown, fix):
    """probe144 #2: for ``(x + y)**p`` at 2 the advice said 'write x + y*x + y, or ... x + y**2'."""
    from surrogate.milp.products import UnsupportedTermError

    m = pyo.ConcreteModel()
    m.x, m.y, m.v = pyo.Var(bounds=(0.5, 2)), pyo.Var(bounds=(0, 3)), pyo.Var([1], bounds=(0, 1))
    m.p = pyo.Param(initialize=2, mutable=True)
    m.c = pyo.Constraint(expr={"sum": m.x + m.y, "product": 2 * m.x, "indexed": m.v[1]}[base] ** m.p + m.y >= 3)
    m.o = pyo.Objective(expr=m.x + m.y)
    with pytest.raises(UnsupportedTermError, match=rf"for {shown}\*\*p: .*does not read; {fix}"):
        replace_products(m, "3x8")
