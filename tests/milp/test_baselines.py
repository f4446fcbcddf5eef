"""The classic approximations of x*y: configs, error formulas and their own evaluation (no solver)."""

import math

import numpy as np
import pytest

from surrogate import ConfigError
from surrogate.milp.baselines import NMDT, PiecewiseMcCormick, Sawtooth, TriangulatedPWL, parse_baseline

GRID = np.linspace(-1, 1, 257)
X, Y = (a.ravel() for a in np.meshgrid(GRID, GRID))


@pytest.mark.parametrize("binaries", [2, 4, 8, 12])
def test_sawtooth_error_is_two_to_minus_binaries(binaries):
    s = Sawtooth(binaries=binaries)
    err = np.abs(s.evaluate(X, Y) - X * Y)
    assert s.max_error == 2.0**-binaries
    assert err.max() <= s.max_error * (1 + 1e-9)
    # the bound is reached (at a point where both squares sit mid-cell)
    assert err.max() >= 0.5 * s.max_error


@pytest.mark.parametrize("points", [3, 5, 9, 17])
def test_pwl_is_the_interpolant_with_error_h2_over_4(points):
    p = TriangulatedPWL(points=points)
    nodes = np.linspace(-1, 1, points)
    nx, ny = (a.ravel() for a in np.meshgrid(nodes, nodes))
    assert np.allclose(p.evaluate(nx, ny), nx * ny)  # exact at the grid nodes
    err = np.abs(p.evaluate(X, Y) - X * Y)
    assert err.max() <= p.max_error * (1 + 1e-9) and err.max() >= 0.9 * p.max_error
    assert p.binaries == math.ceil(math.log2(2 * (points - 1) ** 2))


def test_relaxations_state_their_worst_case_and_have_no_point_value():
    assert NMDT(binaries=10).max_error == 2.0**-10 and NMDT().evaluate is None
    assert PiecewiseMcCormick(pieces=24).max_error == pytest.approx(1 / 24) and PiecewiseMcCormick(pieces=24).binaries == 24
    assert Sawtooth().kind == "approximation" and NMDT().kind == "relaxation"


def test_names_round_trip():
    for b in (Sawtooth(24), NMDT(12), PiecewiseMcCormick(8), TriangulatedPWL(17)):
        assert parse_baseline(b.name) == b


def test_bad_baselines_say_how_to_fix_them():
    with pytest.raises(ConfigError, match="binaries=7 must be even"):
        Sawtooth(binaries=7)
    with pytest.raises(ConfigError, match=r"NMDT: binaries=0 must be a positive integer up to 64"):
        NMDT(binaries=0)
    with pytest.raises(ConfigError, match=r"points=10 must be 2\^k \+ 1"):
        TriangulatedPWL(points=10)
    with pytest.raises(ConfigError, match="unknown baseline 'spline-3'; use sawtooth-<binaries>"):
        parse_baseline("spline-3")
    with pytest.raises(ConfigError, match="pieces=True must be a positive integer up to 100000"):
        PiecewiseMcCormick(pieces=True)


def test_sawtooth_binaries_per_point_switch_where_a_level_passes_one_half():
    s = Sawtooth(binaries=6)
    assert s.indicator_names == ("a_u", "a_v")
    # x = y = 0.2: t_u = 0.6, so g = 0.6, 0.8, 0.4 (a = 1, 1, 0); t_v = 0.5 lies on the first level's boundary
    a_u, a_v = s.indicator_values(0.2, 0.2)
    assert a_u == {1: 1.0, 2: 1.0, 3: 0.0}
    assert a_v == {1: 0.0, 2: 1.0, 3: 0.0}  # g = 0.5, 1, 0: a boundary goes to 0 ...
    assert s.indicator_values(0.2, 0.2, threshold=-1e-9)[1] == {1: 1.0, 2: 1.0, 3: 0.0}  # ... or to 1


@pytest.mark.solver
@pytest.mark.parametrize(("x", "y"), [(0.3, -0.7), (0.55, 0.2), (-0.9, 0.45)])
def test_the_sawtooth_milp_at_fixed_inputs_is_its_own_function(x, y):
    """probe109 S1, S2: a dropped row or 2^i in place of 4^i let the sawtooth's MILP range 0.9 away from its function
    at fixed inputs, caught only by a test of every encoding's exactness. Minimised and maximised, it is
    Sawtooth.evaluate there (the interpolant, exact at fixed inputs)."""
    import pyomo.environ as pyo

    from surrogate import SolverConfig, solve
    from surrogate.milp.scaled_products import EncodedBaseline

    sawtooth = Sawtooth(binaries=4)
    want = float(sawtooth.evaluate(np.array([x]), np.array([y]))[0])
    assert abs(want - x * y) <= sawtooth.max_error
    for sense in (pyo.minimize, pyo.maximize):
        m = pyo.ConcreteModel()
        m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
        m.x.fix(x), m.y.fix(y)
        m.b = pyo.Block()
        encoded = EncodedBaseline(m.b, sawtooth, [m.x, m.y])
        m.obj = pyo.Objective(expr=encoded.output, sense=sense)
        assert solve(m, SolverConfig(time_limit=20, threads=1)).optimal
        assert pyo.value(encoded.output) == pytest.approx(want, abs=1e-6)


def test_baselines_without_binaries_per_point_say_so():
    for b in (NMDT(8), PiecewiseMcCormick(8), TriangulatedPWL(5)):
        assert b.indicator_names == ()
        with pytest.raises(ConfigError, match=rf"{b.name}: its binaries are not given per point, so no warm start"):
            b.indicator_values(0.1, 0.2)


def test_bad_pwl_sizes_and_transformations_are_refused_and_binaries_follow_the_transformation():
    with pytest.raises(ConfigError, match=r"TriangulatedPWL: points=2 must be an integer from 3 to 1025"):
        parse_baseline("pwl-2x2")  # accepted, then pyomo.contrib.piecewise raised a bare ValueError
    with pytest.raises(ConfigError, match=r"transformation='bogus' is not one whose size is known; use one of"):
        TriangulatedPWL(5, transformation="bogus")
    with pytest.raises(ConfigError, match=r"unknown baseline 'nmdt-٣'"):
        parse_baseline("nmdt-٣")  # a non-ASCII digit
    combination = TriangulatedPWL(5, transformation="contrib.piecewise.convex_combination")
    assert combination.binaries == combination.simplices == 32 and TriangulatedPWL(5).binaries == 5


@pytest.mark.solver
def test_a_baseline_is_taken_by_its_name_and_a_misspelt_formulation_is_refused_with_it():
    import pyomo.environ as pyo

    from surrogate.errors import FormulationError
    from surrogate.milp.bilinear import replace_products

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(0, 3))
    m.o = pyo.Objective(expr=m.x * m.y)
    report = replace_products(m, "sawtooth-10")  # was looked up as a zoo net
    assert next(iter(report.products.values())).encoded.baseline == Sawtooth(10)
    report.undo(m)
    with pytest.raises(FormulationError, match=r"unknown formulation 'no-such'"):
        replace_products(m, Sawtooth(4), formulation="no-such")


def test_a_baseline_name_of_a_size_it_cannot_take_gets_its_own_reason():
    import pyomo.environ as pyo

    from surrogate.milp.bilinear import bilinear

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    with pytest.raises(ConfigError, match=r"TriangulatedPWL: points=4 must be 2\^k \+ 1"):
        bilinear(m, m.x, m.y, "pwl-4x4")  # was "no zoo model named 'pwl-4x4'"


def test_a_file_named_like_a_baseline_that_is_no_net_says_it_was_read_before_the_baseline(tmp_path, monkeypatch):
    import pyomo.environ as pyo

    from surrogate.errors import ModelFormatError
    from surrogate.milp.bilinear import bilinear

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pwl-17x17").write_text("notes\n")
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    with pytest.raises(
        ModelFormatError, match=r"the file 'pwl-17x17' in the current folder is read as a net before the baseline"
    ):
        bilinear(m, m.x, m.y, "pwl-17x17")


def test_a_sawtooth_past_its_largest_size_is_refused_not_an_overflow():
    """sawtooth-1100 died in evaluate with OverflowError (4**i past 512 levels) in bench scale and the API."""
    for make in (lambda: Sawtooth(binaries=1100), lambda: parse_baseline("sawtooth-66")):
        with pytest.raises(
            ConfigError, match=r"Sawtooth: binaries=(1100|66) must be an integer from 2 to 64 \(more only adds binaries below"
        ):
            make()
    w = Sawtooth(binaries=64).evaluate(np.array([0.3]), np.array([0.2]))
    assert abs(w[0] - 0.06) < 1e-12  # the error bound 2^-64 is below float rounding


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: NMDT(10**6), r"NMDT: binaries=1000000 must be a positive integer up to 64 \(more only adds binaries below"),
        (lambda: parse_baseline("nmdt-65"), r"NMDT: binaries=65 must be a positive integer up to 64"),
        (lambda: PiecewiseMcCormick(pieces=10**30), r"PiecewiseMcCormick: pieces=10{30} must be a positive integer up to 100000"),
        (lambda: TriangulatedPWL(points=2**20 + 1), r"TriangulatedPWL: points=1048577 must be an integer from 3 to 1025"),
    ],
)
def test_every_baseline_refuses_an_absurd_size_in_one_message(make, match):
    """NMDT(10**6) was taken (2^-L is 0.0 in floating point past 1074 digits: a max_error of 0)."""
    with pytest.raises(ConfigError, match=match):
        make()
    assert NMDT(np.int64(64)).binaries == 64 and type(NMDT(np.int64(64)).binaries) is int
