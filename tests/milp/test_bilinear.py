"""Building surrogate products (no solver)."""

import warnings

import pyomo.environ as pyo
import pytest

from surrogate import InfeasibleModelError, ModelFormatError
from surrogate.milp.bilinear import DEFAULT_ZOO, UnboundedVariableError, bilinear, replace_products, resolve_surrogate
from surrogate.milp.bounds import interval_bounds
from surrogate.nets.zoo import load_manifest
from tests.helpers import random_net


def _model(xb=(0.0, 4.0), yb=(-3.0, -1.0)):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=xb)
    m.y = pyo.Var(bounds=yb)
    return m


def test_unbounded_factor_is_named_with_the_fix():
    m = _model(xb=(0.0, None))
    with pytest.raises(UnboundedVariableError, match=r"variable 'x' has bounds \(0.0, None\).*bound it, e.g. model.x.setlb"):
        bilinear(m, m.x, m.y, random_net((4,)))
    m = _model(xb=(2.0, 1.0))
    with pytest.raises(InfeasibleModelError, match="lower bound 2.0 above upper bound 1.0, so the model has no point"):
        bilinear(m, m.x, m.y, random_net((4,)))


def test_scale_and_names():
    m = _model()
    p = bilinear(m, m.x, m.y, random_net((4,)))
    assert (p.a, p.b, p.c, p.d) == (2.0, 2.0, 1.0, -2.0)
    assert p.scale == 2.0
    q = bilinear(m, m.x, m.y, random_net((4,)))
    assert p.encoded.block.name == "surrogate_x_y" and q.encoded.block.name == "surrogate_x_y_2"
    # the default (pruned) encoding: one binary per neuron that is unstable on [-1, 1]^2
    assert p.size().binaries == interval_bounds(random_net((4,))).unstable == 3
    assert bilinear(m, m.x, m.y, random_net((4,)), formulation="bigm").size().binaries == 4


def test_zoo_names_resolve_to_the_lowest_mae_net():
    net = resolve_surrogate("3x8")
    entries = [m for m in load_manifest(DEFAULT_ZOO)["models"] if m["architecture"] == "3x8"]
    assert net.architecture.name == "3x8"
    assert net.metadata["architecture"] == "3x8"
    assert min(e["mae"] for e in entries) <= 1.5e-4
    with pytest.raises(ModelFormatError, match="no zoo model named '5x5'.*use a shape"):
        resolve_surrogate("5x5")


def _small_exact_model():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 2))
    m.y = pyo.Var(bounds=(-1, 3))
    m.w = pyo.Var(bounds=(1, 4))
    m.obj = pyo.Objective(expr=m.x * m.y - 2 * m.w * m.x + m.y)
    m.c1 = pyo.Constraint(expr=m.x * m.y + m.w <= 5)
    m.c2 = pyo.Constraint(expr=3 <= m.w * m.w + m.x)
    m.lin = pyo.Constraint(expr=m.x + m.y <= 4)
    return m


def test_replace_products_shares_one_surrogate_per_pair():
    from surrogate.milp.bilinear import replace_products

    m = _small_exact_model()
    report = replace_products(m, random_net((4,)))
    assert sorted(report.products) == [("w", "w"), ("w", "x"), ("x", "y")]
    assert report.terms == 4  # x*y twice, w*x, w*w
    assert report.components == ("obj", "c1", "c2")
    assert not m.obj.active and not m.c1.active and m.lin.active
    assert report.size().binaries == 3 * interval_bounds(random_net((4,))).unstable


def test_replacement_refuses_what_it_cannot_handle():
    from surrogate.milp.bilinear import UnsupportedTermError, replace_products

    m = _small_exact_model()
    m.cubic = pyo.Constraint(expr=m.x * m.y * m.w <= 1)
    with pytest.raises(UnsupportedTermError, match="constraint 'cubic' has a term that is not linear or a product of two"):
        replace_products(m, random_net((4,)))
    m = _small_exact_model()
    m.z = pyo.Var()
    m.c3 = pyo.Constraint(expr=m.z * m.x <= 1)
    with pytest.raises(UnboundedVariableError, match="variable 'z' has bounds"):
        replace_products(m, random_net((4,)))
    assert m.component("surrogate_replacement") is None  # nothing half-done


@pytest.mark.parametrize(("domain", "bounds"), [(pyo.Binary, None), (pyo.Integers, (0, 8)), (pyo.Reals, (0, 8))])
def test_the_loose_box_warning_names_only_factors_of_surrogates(domain, bounds):
    """b*x + y >= 2.5 implies b == 1: the warning said 'a surrogate's error grows with its box' of b (and x) although
    b*x is written exactly (BinaryProduct, IntegerProduct); a continuous b still gets it."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 3)), pyo.Var(bounds=(-2, 2))
    m.b = pyo.Var(domain=domain, bounds=bounds)
    m.c = pyo.Constraint(expr=m.b * m.x + m.y >= (2.5 if domain is pyo.Binary else 20.5))
    m.o = pyo.Objective(expr=m.x + m.y)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        replace_products(m, "3x8")
    loose = [str(w.message) for w in seen if "far wider than the constraints imply" in str(w.message)]
    if domain is pyo.Reals:
        assert loose and "b in [0, 8]" in loose[0]
    else:
        assert loose == []


def test_the_loose_box_warning_tells_a_bound_of_minus_zero_as_0():
    """probe94 #5: '-x >= 0' gives FBBT an upper bound of -0.0, told as 'the constraints imply [0, -0]'."""
    from surrogate.milp.bilinear import loose_box_warnings

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 10)), pyo.Var(bounds=(-1, 1))
    m.c = pyo.Constraint(expr=-m.x >= 0)
    m.o = pyo.Objective(expr=m.x * m.y)
    (warning,) = loose_box_warnings(m)
    assert "x in [0, 10] (the constraints imply [0, 0])" in warning


def test_a_model_rewritten_with_the_default_encoding_pickles():
    """pickle (multiprocessing, mpi-sppy) failed on a lambda the pruned encoding left as a component's rule."""
    import pickle

    m = _model()
    m.c = pyo.Constraint(expr=m.x * m.y >= -6)
    report = replace_products(m, random_net((4,)))
    copy, copied_report = pickle.loads(pickle.dumps((m, report)))
    (original,), (restored,) = report.products.values(), copied_report.products.values()
    assert restored.block.model() is copy and restored.block.name == original.block.name
    assert sum(1 for _ in copy.component_data_objects(pyo.Constraint)) == sum(1 for _ in m.component_data_objects(pyo.Constraint))
    copied_report.undo(copy)  # the copy's report acts on the copy
    assert copy.c.active and not m.c.active


def test_a_square_on_a_net_of_two_different_domains_maps_each_input_onto_its_own():
    """x*x with a net on [0, 2] x [-1, 1]: x = 4 (its upper bound) is xh = 2 and yh = 1, not yh = xh."""
    m = _model()
    net = random_net((4,)).with_metadata(domain=[[0, 2], [-1, 1]])
    bilinear(m, m.x, m.x, net)
    scaled = m.surrogate_x_x_scaled
    m.x.value, scaled.xh.value, scaled.yh.value = 4.0, 2.0, 1.0
    for row in (scaled.map_x, scaled.map_y):
        assert pyo.value(row.body) == pytest.approx(pyo.value(row.upper)) == pytest.approx(pyo.value(row.lower))


def test_an_error_aware_slack_is_the_certified_error_times_both_scales():
    """x in [0, 4] (a = 2), y in [-3, 3] (c = 3): the slack's width is E |ac| = 6 E, not E |a|."""
    m = _model(yb=(-3.0, 3.0))
    p = bilinear(m, m.x, m.y, random_net((4,)), error_aware=True)
    assert (p.a, p.c) == (2.0, 3.0)
    assert p.error_bound > 0
    assert p.slack.width == pytest.approx(6.0 * p.error_bound, rel=1e-12)


def test_an_error_aware_relaxation_baseline_keeps_its_bound_and_adds_no_slack():
    """A relaxation (pw-mccormick) contains x*y already: no slack, its max_error is the bound told."""
    from surrogate.milp.baselines import parse_baseline

    m = _model()
    p = bilinear(m, m.x, m.y, "pw-mccormick-4", error_aware=True)
    assert p.slack is None
    assert p.error_bound == parse_baseline("pw-mccormick-4").max_error == 0.25


def test_a_product_with_one_zero_width_continuous_factor_is_linear():
    """x in [2.5, 2.5] (continuous), y in [-1, 3]: x*y is 2.5 y exactly, with nothing added to the model."""
    from surrogate.milp.bilinear import LinearProduct

    m = _model(xb=(2.5, 2.5), yb=(-1.0, 3.0))
    p = bilinear(m, m.x, m.y, random_net((4,)))
    assert isinstance(p, LinearProduct) and p.size().binaries == 0 and p.size().constraints == 0
    m.x.value, m.y.value = 2.5, 3.0
    assert pyo.value(p.expr) == 7.5


def test_the_loose_box_warning_holds_its_factor_of_4_to_a_hair():
    """x in [0, 1] where x <= 0.2475 is implied: 1 > 4 * 0.2475 = 0.99 is warned of; x <= 0.25 (exactly 4x) is not."""
    from surrogate.milp.bilinear import loose_box_warnings

    for cap, warned in ((0.2475, True), (0.25, False)):
        m = pyo.ConcreteModel()
        m.x, m.y = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(-1, 1))
        m.c = pyo.Constraint(expr=m.x <= cap)
        m.o = pyo.Objective(expr=m.x * m.y)
        assert bool(loose_box_warnings(m)) is warned


def test_the_loose_box_warning_is_kept_in_the_report_too():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 10)), pyo.Var(bounds=(-1, 1))
    m.c = pyo.Constraint(expr=m.x <= 1)
    m.o = pyo.Objective(expr=m.x * m.y)
    with pytest.warns(Warning, match="far wider than the constraints imply"):
        report = replace_products(m, random_net((4,)), implied_bounds=True)
    assert any("x in [0, 10] (the constraints imply [0, 1])" in w for w in report.warnings)


@pytest.mark.parametrize("step", ["add_surrogate", "certified_error_bound"])
def test_a_failed_bilinear_leaves_the_model_as_it_was(monkeypatch, step):
    """probe114 #4: a failure in the encoding left block <name>_scaled on the model (the next call became _2)."""
    import surrogate.milp.bilinear as module

    def refuse(*args, **kwargs):
        if step == "add_surrogate":
            args[0].add_component(kwargs["name"], pyo.Block())  # half-built, then refused
        raise ModelFormatError("refused late")

    m = _model()
    with monkeypatch.context() as patch:
        patch.setattr(module, step, refuse)
        with pytest.raises(ModelFormatError, match="refused late"):
            bilinear(m, m.x, m.y, random_net((4,)), error_aware=True)
    assert [c.local_name for c in m.component_objects(descend_into=False)] == ["x", "y"]
    assert bilinear(m, m.x, m.y, random_net((4,))).encoded.block.local_name == "surrogate_x_y"


@pytest.mark.parametrize("text", ["fix", "setub"])
def test_a_factor_fixed_at_or_bounded_by_text_is_named_at_build_time(text):
    """probe120 #6: x.fix('1.0') gave a bare TypeError from the fixed-inside-bounds check; solve's message names it."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pyomo's W1001: a value not in the domain
        getattr(m.x, text)("1.0")
    what = "fixed value" if text == "fix" else "upper bound"
    with pytest.raises(ModelFormatError, match=rf"variable 'x' has the {what} '1\.0', text rather than a number"):
        bilinear(m, m.x, m.y)
    assert [c.name for c in m.component_objects(descend_into=False)] == ["x", "y"]


def test_a_factor_fixed_outside_its_bounds_is_refused_at_build_time():
    """It was built, then every solve said 'the model changed after its products were built' and to call bilinear
    again, which gave the same (probe119 #10)."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pyomo's W1002: outside bounds
        m.x.fix(3)
    with pytest.raises(
        ModelFormatError, match=r"bilinear: 'x' is fixed at 3, outside its bounds \[-1\.0, 1\.0\], the box its product"
    ):
        bilinear(m, m.x, m.y)
    assert [c.name for c in m.component_objects(descend_into=False)] == ["x", "y"]
    m.x.fix(1)  # within them: built as before
    bilinear(m, m.x, m.y, random_net((4,)))
    assert m.component("surrogate_x_y") is not None
