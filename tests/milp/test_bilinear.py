"""Building surrogate products (no solver)."""

import warnings

import pyomo.environ as pyo
import pytest

from surrogate import ModelFormatError
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
    with pytest.raises(UnboundedVariableError, match="lower bound 2.0 above upper bound 1.0"):
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
