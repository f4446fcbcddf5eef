"""Bounds and fixed values no solver reads as numbers (model_numbers.py), named before any is read."""

from decimal import Decimal

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate.errors import ModelFormatError


def test_check_numbers_passes_numbers_and_params_and_names_text():
    from surrogate.errors import ModelFormatError
    from surrogate.milp.model_numbers import check_numbers

    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=2.0, mutable=True)
    m.x, m.y = pyo.Var(bounds=(-1, m.p)), pyo.Var(bounds=(0, 3))
    m.y.fix(1)
    check_numbers([m.x, m.y])
    m.y.setub("3")
    with pytest.raises(ModelFormatError, match=r"variable 'y' has the upper bound '3', text rather than a number"):
        check_numbers([m.x, m.y])


def _bounded_by(bound, *, param: bool):
    """max x, x <= 5, x in [0, ``bound``] (held by a mutable Param p where ``param``), solved by HiGHS."""
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=bound, mutable=True, within=pyo.Any)
    m.x = pyo.Var(bounds=(0, m.p if param else bound))
    m.c = pyo.Constraint(expr=m.x <= 5)
    m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
    return m


@pytest.mark.parametrize(
    ("bound", "param", "match"),
    [
        ("2", True, r"upper bound p, whose Param 'p' holds '2', text rather than a number.*model\.p\.set_value\(2\.0\)"),
        (np.array(2.0), False, r"upper bound array\(2\.\), a NumPy array rather than a number.*model\.x\.setub\(2\.0\)$"),
        (np.array(3.0), True, r"upper bound p, whose Param 'p' holds array\(3\.\), a NumPy array.*model\.p\.set_value\(3\.0\)"),
    ],
    ids=["text in a param", "0-d array", "0-d array in a param"],
)
def test_a_bound_no_solver_reads_is_named_also_through_a_param(bound, param, match):
    """A mutable Param holding text, or a bound that is a 0-d NumPy array (directly or through a Param), crashed inside
    Pyomo's HiGHS interface or Pyomo's Var.ub (a bare TypeError): each is named, with the fix."""
    from surrogate import SolverConfig, solve
    from surrogate.milp.model_numbers import check_numbers

    m = _bounded_by(bound, param=param)
    with pytest.raises(ModelFormatError, match=match):
        check_numbers([m.x])
    with pytest.raises(ModelFormatError, match=match):
        solve(m, SolverConfig(time_limit=5, threads=1))


def test_numbers_numpy_scalars_and_a_fixed_0d_array_read_by_a_row_still_solve():
    """What Pyomo reads as a number is not refused: a NumPy scalar bound, a Param expression bound, and a variable fixed
    at a 0-d array (Pyomo warns it is not in Reals, but reads it in a row: max x, x <= 5 + y, y fixed at 2 gives 7)."""
    import warnings

    from surrogate import SolverConfig, solve

    config = SolverConfig(time_limit=5, threads=1)
    assert solve(_bounded_by(np.float64(2.5), param=False), config).objective == pytest.approx(2.5)
    assert solve(_bounded_by(2.5, param=True), config).objective == pytest.approx(2.5)
    m = _bounded_by(9.0, param=False)
    m.y = pyo.Var()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.y.fix(np.array(2.0))
    m.c.set_value(m.x <= 5 + m.y)
    assert solve(m, config).objective == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("upper", "p", "q", "match"),
    [
        ("p/q", 1.0, 0.0, r"upper bound p/q, which cannot be evaluated \(ZeroDivisionError: float division by zero\)"),
        ("p + 0.5", "2", 1.0, r"upper bound p \+ 0\.5, whose Param 'p' holds '2', text rather than a number"),
        ("2*p", "2", 1.0, r"upper bound 2\*p, whose Param 'p' holds '2', text.*model\.p\.set_value\(2\.0\)"),
        ("q*p", None, 1.0, r"upper bound q\*p, whose Param 'p' has no value; give it one, e\.g\. model\.p\.set_value"),
    ],
    ids=["divided by 0", "text plus a number", "text times 2", "no value"],
)
def test_a_bound_expression_of_params_that_is_no_number_is_named(upper, p, q, match):
    """probe124 #4: text held by a Param inside an expression crashed with a bare TypeError (``2*p`` of ``'2'`` was
    read as the bound '22'), and a bound dividing by a Param at 0 with a bare ZeroDivisionError; both on the solve and
    replace_products routes."""
    from surrogate import SolverConfig, replace_products, solve

    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=p, mutable=True, within=pyo.Any) if p is not None else pyo.Param(mutable=True, within=pyo.Any)
    m.q = pyo.Param(initialize=q, mutable=True)
    m.x, m.y = pyo.Var(bounds=(0, eval(upper, {"p": m.p, "q": m.q}))), pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x + m.y <= 5)
    m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
    with pytest.raises(ModelFormatError, match=match):
        solve(m, SolverConfig(time_limit=5, threads=1))
    m.o.expr = m.x * m.y
    with pytest.raises(ModelFormatError, match=match):
        replace_products(m, "3x8")


def test_an_expression_of_a_param_holding_a_0d_array_solves_and_a_decimal_param_is_named():
    """probe125 #6, #7: p + 1 of p = np.array(2.0), which Pyomo reads as 3.0, was refused; a Param holding a Decimal as
    a bound crashed in Pyomo's HiGHS interface with a bare AttributeError (in a process that had met no Decimal)."""
    from decimal import Decimal

    from surrogate import SolverConfig, solve

    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=np.array(2.0), mutable=True, within=pyo.Any)
    m.x = pyo.Var(bounds=(m.p + 1, 5))
    m.o = pyo.Objective(expr=m.x)
    assert solve(m, SolverConfig(time_limit=5, threads=1)).objective == pytest.approx(3.0)
    m.p.set_value(Decimal("2.5"))
    match = r"whose Param 'p' holds Decimal\('2\.5'\), a decimal\.Decimal .*model\.p\.set_value\(2\.5\)"
    with pytest.raises(ModelFormatError, match=match):
        solve(m, SolverConfig(time_limit=5, threads=1))


@pytest.mark.parametrize(
    "held", [np.array([2.0]), np.array("2"), np.array(Decimal("2"), dtype=object)], ids=["1-d of one", "0-d text", "0-d Decimal"]
)
def test_an_expression_of_a_param_holding_an_array_other_than_a_0d_number_is_named(held):
    """probe126 #2: these crashed in HiGHS's interface or NumPy (TypeError, UFuncTypeError, AttributeError)."""
    from surrogate import SolverConfig, solve

    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=held, mutable=True, within=pyo.Any)
    m.x = pyo.Var(bounds=(m.p + 1, 5))
    m.o = pyo.Objective(expr=m.x)
    with pytest.raises(ModelFormatError, match=r"lower bound p \+ 1, whose Param 'p' holds array\(.*\), a NumPy array"):
        solve(m, SolverConfig(time_limit=5, threads=1))


def test_complex_and_object_array_params_and_the_suggested_value():
    """probe127 #2-#4: a NumPy complex with an imaginary part was read as its real part; a 0-d object array holding 2.0
    (Pyomo reads p + 1 as 3.0) was refused; a one-element array was advised set_value(0.0)."""
    from surrogate import SolverConfig, solve

    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=np.complex128(2 + 1j), mutable=True, within=pyo.Any)
    m.x = pyo.Var(bounds=(m.p + 1, 5))
    m.o = pyo.Objective(expr=m.x)
    config = SolverConfig(time_limit=5, threads=1)
    with pytest.raises(ModelFormatError, match=r"holds np\.complex128\(\(?2\+1j\)?\), a complex number rather than"):
        solve(m, config)
    m.p.set_value(np.array(2.0, dtype=object))
    assert solve(m, config).objective == pytest.approx(3.0)
    m.p.set_value(np.array([2.0]))
    with pytest.raises(ModelFormatError, match=r"a NumPy array rather than a number.*model\.p\.set_value\(2\.0\)"):
        solve(m, config)


def test_a_complex_or_bytes_bound_is_named_and_a_decimal_start_value_or_a_real_numpy_complex_is_not():
    """A Python complex bound and a bytes one are no numbers; a free variable's Decimal start value (not fixed: no row
    reads it as a coefficient) and a NumPy complex with no imaginary part (Pyomo reads its real part) are read."""
    from surrogate import SolverConfig, solve
    from surrogate.milp.model_numbers import check_numbers

    m = pyo.ConcreteModel()
    m.z, m.b = pyo.Var(bounds=(0, 1 + 2j)), pyo.Var(bounds=(0, b"3"))
    with pytest.raises(ModelFormatError, match=r"variable 'z' has the upper bound \(1\+2j\), a complex number rather"):
        check_numbers([m.z])
    with pytest.raises(ModelFormatError, match=r"variable 'b' has the upper bound b'3', text rather than a number"):
        check_numbers([m.b])
    m.x = pyo.Var(bounds=(0, 2), initialize=Decimal("1.5"))
    m.y = pyo.Var(bounds=(0, np.complex128(3)))
    check_numbers([m.x, m.y])
    m.del_component(m.z), m.del_component(m.b)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    assert solve(m, SolverConfig(time_limit=5, threads=1)).objective == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("fixed", "shown"),
    [(np.array([2.0]), r"array\(\[2\.\]\)"), (np.array(2 + 1j), r"array\(2\.\+1\.j\)"), (np.array("2"), r"array\('2'")],
    ids=["1-d of one", "0-d complex", "0-d text"],
)
def test_a_variable_fixed_at_an_array_other_than_a_0d_real_number_is_named(fixed, shown):
    """y fixed at a 1-d array of one element or at a 0-d text array crashed Pyomo's reading of the row (a bare
    TypeError); at np.array(2 + 1j) it was read as 2 (max x, x <= 5 + y was 'optimal' at 7). Each is named, with the
    fix; a 0-d array of a real number still solves (test above)."""

    from surrogate import SolverConfig, solve

    m = _y_fixed_at(fixed)
    match = rf"variable 'y' has the fixed value {shown}.*, a NumPy array rather than a number.*model\.y\.fix\(2\.0\)$"
    with pytest.raises(ModelFormatError, match=match):
        solve(m, SolverConfig(time_limit=5, threads=1))


def test_a_0d_longdouble_array_reads_as_a_number_and_a_0d_fraction_array_is_named():
    """np.array(2.5, dtype=longdouble) (its item stays a NumPy scalar) reads as 2.5, fixed (max x, x <= 5 + y: 7.5) or
    held by a Param in a bound (min x, x >= p + 1: 3.5); a 0-d object array of a Fraction, on which Pyomo's reading of
    a row failed with a bare AttributeError, is named."""
    from fractions import Fraction

    from surrogate import SolverConfig, solve

    config = SolverConfig(time_limit=5, threads=1)
    for held, objective in ((np.array(2.5, dtype=np.longdouble), 7.5), (np.array(Fraction(5, 2), dtype=object), None)):
        m = _y_fixed_at(held)
        if objective is None:
            with pytest.raises(
                ModelFormatError, match=r"variable 'y' has the fixed value array\(Fraction\(5, 2\), dtype=object\)"
            ):
                solve(m, config)
        else:
            assert solve(m, config).objective == pytest.approx(objective)
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=np.array(2.5, dtype=np.longdouble), mutable=True, within=pyo.Any)
    m.x = pyo.Var(bounds=(m.p + 1, 5))
    m.o = pyo.Objective(expr=m.x)
    assert solve(m, config).objective == pytest.approx(3.5)


@pytest.mark.parametrize("value", [np.uint64(3), np.array(3, dtype=np.uint64), np.uint8(3)])
def test_a_variable_fixed_at_a_numpy_unsigned_integer_is_named(value):
    """probe132: Pyomo's reading of ``x >= z`` (``x - z``) overflowed on ``z`` fixed at an unsigned integer: a bare
    OverflowError."""
    from surrogate import solve

    m = _z_fixed_at(value)
    with pytest.raises(ModelFormatError, match=r"'z' has the fixed value .*a NumPy unsigned integer.*model\.z\.fix\(3\.0\)"):
        solve(m)


def test_a_variable_fixed_at_a_python_int_past_int64_solves():
    """probe134: a Python int in [2**63, 2**64) is a uint64 to NumPy, and was refused as a NumPy unsigned integer."""
    from surrogate import solve

    m = _z_fixed_at(10**19)
    assert solve(m).objective == pytest.approx(1e19)


def test_a_0d_object_array_of_a_numpy_unsigned_integer_is_named():
    from surrogate import solve

    m = _z_fixed_at(np.array(np.uint64(3), dtype=object))
    with pytest.raises(ModelFormatError, match="a NumPy unsigned integer"):
        solve(m)


def _y_fixed_at(value):
    """max x, x <= 5 + y, with y fixed at ``value`` (Pyomo's domain warning for it silenced)."""
    import warnings

    m = _bounded_by(9.0, param=False)
    m.y = pyo.Var()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.y.fix(value)
    m.c.set_value(m.x <= 5 + m.y)
    return m


def _z_fixed_at(value):
    """min x, x >= z, x >= 0, with z fixed at ``value``."""
    m = pyo.ConcreteModel()
    m.x, m.z = pyo.Var(bounds=(0, None)), pyo.Var()
    m.z.fix(value)
    m.c = pyo.Constraint(expr=m.x >= m.z)
    m.o = pyo.Objective(expr=m.x)
    return m
