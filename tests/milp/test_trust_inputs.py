"""Bad inputs are refused with a message that names the fix (no solver)."""

import warnings

import numpy as np
import onnx
import pyomo.environ as pyo
import pytest
from onnx import helper

from surrogate import ModelFormatError, ReluMLP, SolverConfig, add_surrogate, export_onnx, load_onnx, solve
from surrogate.errors import DomainWarning, NumericsWarning
from surrogate.milp.bilinear import LinearProduct, UnsupportedTermError, bilinear, replace_products
from surrogate.milp.solve_checks import log_warnings
from surrogate.milp.solver import SolveResult
from surrogate.nets.construct import hand_built
from tests.helpers import random_net

ZOO_NET = "models/b24-best-3x8.onnx"


def _box_model(xb, yb):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=xb)
    m.y = pyo.Var(bounds=yb)
    return m


def _with_metadata(tmp_path, name, key, value):
    """A copy of the zoo's 3x8 net with ``surrogate.<key>`` set to ``value``."""
    proto = onnx.load(ZOO_NET)
    entries = [p for p in proto.metadata_props if p.key != f"surrogate.{key}"]
    del proto.metadata_props[:]
    proto.metadata_props.extend(entries)
    proto.metadata_props.add(key=f"surrogate.{key}", value=value)
    path = tmp_path / name
    onnx.save(proto, str(path))
    return path


# 1. non-finite weights, empty files


@pytest.mark.parametrize("layer, where", [(0, "weights"), (1, "biases")])
def test_relu_mlp_refuses_non_finite_numbers(layer, where):
    net = random_net((4,))
    weights, biases = list(net.weights), list(net.biases)
    if where == "weights":
        weights[layer] = weights[layer].copy()
        weights[layer][0, 0] = np.nan
    else:
        biases[layer] = np.array([np.inf])
    with pytest.raises(ModelFormatError, match=f"ReluMLP layer {layer} has 1 non-finite {where}.*retrain the net"):
        ReluMLP(tuple(weights), tuple(biases))


def test_load_onnx_refuses_a_nan_weight_naming_file_and_layer(tmp_path):
    proto = onnx.load(ZOO_NET)
    init = proto.graph.initializer[0]
    values = onnx.numpy_helper.to_array(init).copy()
    values.flat[3] = np.nan
    init.CopyFrom(onnx.numpy_helper.from_array(values, init.name))
    path = tmp_path / "nan.onnx"
    onnx.save(proto, str(path))
    with pytest.raises(ModelFormatError, match=r"nan\.onnx: ReluMLP layer \d has 1 non-finite weights.*re-export"):
        load_onnx(path)


def test_empty_onnx_files_give_one_line_errors(tmp_path):
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(ModelFormatError, match=r"empty\.onnx is empty \(0 bytes\); re-export") as info:
        load_onnx(empty)
    assert "\n" not in str(info.value)
    hollow = tmp_path / "hollow.onnx"
    onnx.save(helper.make_model(helper.make_graph([], "g", [], [])), str(hollow))
    with pytest.raises(ModelFormatError, match=r"hollow\.onnx holds no network \(its graph has 0 nodes and 0 inputs\)"):
        load_onnx(hollow)


# 2. the declared domain


def test_domain_is_read_from_metadata_and_defaults_to_the_unit_box(tmp_path):
    assert random_net((4,)).domain == ((-1.0, 1.0), (-1.0, 1.0))
    assert load_onnx(ZOO_NET).domain == ((-1.0, 1.0), (-1.0, 1.0))
    path = _with_metadata(tmp_path, "d02.onnx", "domain", "[[0.0, 2.0], [0.0, 2.0]]")
    assert load_onnx(path).domain == ((0.0, 2.0), (0.0, 2.0))
    net = random_net((4,)).with_metadata(domain=[[0, 2], [-3, 1]])
    assert net.domain == ((0.0, 2.0), (-3.0, 1.0))
    exported = load_onnx(export_onnx(net, tmp_path / "exp.onnx"))
    assert exported.domain == ((0.0, 2.0), (-3.0, 1.0))


@pytest.mark.parametrize("text", ["[[0, 2]]", "[[0, 2], [1, 1]]", "[[0, 'x'], [0, 2]]", "not json", "[[0, NaN], [0, 1]]"])
def test_malformed_domain_is_refused(tmp_path, text):
    with pytest.raises(ModelFormatError, match="domain metadata .*(pairs|lower < upper)"):
        random_net((4,)).with_metadata(domain=text)
    path = _with_metadata(tmp_path, "bad.onnx", "domain", text)
    with pytest.raises(ModelFormatError, match=r"bad\.onnx: domain metadata"):
        load_onnx(path)


def test_add_surrogate_places_a_net_on_its_domain():
    net = random_net((6, 6), seed=2).with_metadata(domain=[[0, 2], [0, 2]])
    m = _box_model((0, 2), (0, 2))
    enc = add_surrogate(m, net, [m.x, m.y])
    assert enc.bounds.box == ((0.0, 2.0), (0.0, 2.0))
    assert [enc.block.inputs[i].bounds for i in range(2)] == [(0.0, 2.0), (0.0, 2.0)]
    # the bounds hold for the net on its domain, not only on [-1, 1]^2
    corners = np.array([[0.0, 0.0], [2.0, 2.0], [0.0, 2.0], [2.0, 0.0], [1.7, 0.3]])
    assert enc.bounds.covers(net, corners)
    bigm = add_surrogate(m, net, [m.x, m.y], formulation="bigm", name="b")
    assert [bigm.block.inputs[i].bounds for i in range(2)] == [(0.0, 2.0), (0.0, 2.0)]


def test_bilinear_maps_each_box_onto_the_domain_exactly():
    net = random_net((4,)).with_metadata(domain=[[0, 2], [-4, 0]])
    m = _box_model((3.0, 7.0), (-1.0, 5.0))
    p = bilinear(m, m.x, m.y, net)
    assert (p.a, p.b, p.c, p.d) == (2.0, 3.0, 1.5, 5.0)  # x = 2 xh + 3 on [0, 2]; y = 1.5 yh + 5 on [-4, 0]
    assert p.scaled(3.0, -1.0) == (0.0, -4.0) and p.scaled(7.0, 5.0) == (2.0, 0.0)
    assert (m.component("surrogate_x_y_scaled").xh.bounds, m.component("surrogate_x_y_scaled").yh.bounds) == ((0, 2), (-4, 0))
    # z = ac N + ad xh + bc yh + bd equals x*y whenever N equals xh*yh
    for x, y in [(3.0, -1.0), (4.5, 2.0), (7.0, 5.0)]:
        xh, yh = p.scaled(x, y)
        assert p.map_back(xh * yh, x, y) == pytest.approx(x * y)


# 3. scale


def test_a_badly_scaled_product_warns_and_says_what_to_tighten():
    m = _box_model((-1e9, 1e9), (-1e9, 1e9))
    with pytest.warns(NumericsWarning, match=r"product x\*y is badly scaled.*1e\+18.*tighten the bounds of x and y"):
        p = bilinear(m, m.x, m.y, random_net((4,)))
    assert len(p.warnings) == 1 and "x in [-1e+09, 1e+09]" in p.warnings[0]
    m = _box_model((0, 3), (-2e8, 2e8))
    m.w = pyo.Var(bounds=(0, 1))
    m.obj = pyo.Objective(expr=m.x * m.y + m.w * m.w)
    with pytest.warns(NumericsWarning, match=r"x\*y"):
        report = replace_products(m, random_net((4,)))
    assert len(report.warnings) == 1 and "tighten the bounds of x and y" in report.warnings[0]


def test_a_well_scaled_product_has_no_warning():
    m = _box_model((0, 400), (-300, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        p = bilinear(m, m.x, m.y, random_net((4,)))
    assert p.warnings == ()


def test_highs_warning_lines_are_kept_and_to_dict_keeps_its_columns():
    log = (
        "Presolving model\nWARNING: Problem is badly scaled, particularly relative to tolerances\nCoefficient ranges:\n"
        "WARNING: Problem is badly scaled, particularly relative to tolerances\n  Consider scaling the bounds by 1e-3\n"
        "P-D objective error :  0.0000000000e+00\nERROR:   Option 'x' is unknown\n"
    )
    assert log_warnings(log) == [  # the summary's 'P-D objective error' line is no warning
        "WARNING: Problem is badly scaled, particularly relative to tolerances",
        "Consider scaling the bounds by 1e-3",
        "ERROR:   Option 'x' is unknown",
    ]
    from surrogate.milp.encoding import ModelSize

    result = SolveResult("convergenceCriteriaSatisfied", 1.0, 1.0, 0.0, 0.1, 0, ModelSize(1, 0, 0), ("w",))
    assert "warnings" not in result.to_dict() and result.to_dict()["binaries"] == 0


# 5. zero-width factors and cancelled products


def test_zero_width_factor_gives_an_exact_linear_product():
    m = _box_model((2.5, 2.5), (-1, 3))
    p = bilinear(m, m.x, m.y, hand_built("3x8", "shared"))
    assert isinstance(p, LinearProduct) and p.size().binaries == 0 and p.size().variables == 0
    assert m.component("surrogate_x_y_scaled") is None  # an empty block holds what x's box was (refresh_rewrites)
    assert list(m.surrogate_x_y.component_objects()) == [] and m.surrogate_x_y.record.factors[0].lb == 2.5
    m.y.value = 1.2
    err = p.get_error()  # x has no value: it is its bound
    assert (err.x, err.y, err.z, err.true_product) == (2.5, 1.2, pytest.approx(3.0), pytest.approx(3.0))
    assert err.vs_product == pytest.approx(0.0, abs=1e-12) and err.vs_net == 0.0
    m.z = pyo.Var(bounds=(0, 0))
    both = bilinear(m, m.z, m.y, "3x8")
    m.y.value = None
    assert both.expr == 0.0 and both.get_error().vs_product == 0.0


def test_cancelled_product_gets_no_surrogate():
    m = _box_model((0, 2), (-1, 3))
    m.u = pyo.Var()  # unbounded, but only in a cancelled term
    m.obj = pyo.Objective(expr=2 * m.x * m.y - 2 * m.x * m.y + m.x - m.y)
    m.c = pyo.Constraint(expr=m.u * m.x - m.u * m.x + m.x >= 0.5)
    report = replace_products(m, random_net((4,)))
    assert report.n_products == 0 and report.terms == 0 and report.size().binaries == 0
    assert report.components == ("obj", "c")
    new_obj = next(iter(m.surrogate_replacement.objectives.values()))
    m.x.value, m.y.value = 1.0, 2.0
    assert pyo.value(new_obj) == pytest.approx(1.0 - 2.0)


# 6. shapes


@pytest.mark.parametrize("n_inputs, n_outputs", [(2, 2), (3, 1)])
def test_nets_that_are_not_2_to_1_are_refused(n_inputs, n_outputs):
    rng = np.random.default_rng(0)
    net = ReluMLP((rng.normal(size=(n_inputs, 4)), rng.normal(size=(4, n_outputs))), (np.zeros(4), np.zeros(n_outputs)))
    m = _box_model((0, 2), (0, 2))
    expected = f"the net has {n_inputs} inputs and {n_outputs} outputs, but a surrogate of x\\*y has 2 inputs and 1 output"
    with pytest.raises(ModelFormatError, match=expected):
        add_surrogate(m, net, [m.x, m.y])
    with pytest.raises(ModelFormatError, match=expected):
        bilinear(m, m.x, m.y, net)
    assert list(m.component_map()) == ["x", "y"]  # nothing half-built


def test_a_factor_from_another_model_is_refused_instead_of_sharing_a_namesakes_surrogate():
    # before: other.x * m.x took the surrogate of m.x * m.x (both keyed ('x', 'x')): optimum -0.0003, not -1
    m = _box_model((-1, 1), (0, 1))
    other = pyo.ConcreteModel(name="other")
    other.x = pyo.Var(bounds=(0, 1))
    m.o = pyo.Objective(expr=m.x * m.x + 2 * m.x * other.x)
    with pytest.raises(
        ModelFormatError,
        match=r"variable 'x' in a product is not a component of model 'unknown' \(it belongs to another model, 'other'\)",
    ):
        replace_products(m, ZOO_NET)
    assert m.component("surrogate_replacement") is None and m.o.active


def test_add_surrogate_warns_when_its_inputs_can_leave_the_box_it_is_encoded_on():
    # x, y in [-2, 2] but the net's box is [-1, 1]^2: the encoding's inputs keep them within it
    m = _box_model((-2, 2), (-2, 2))
    with pytest.warns(
        DomainWarning,
        match=r"x in \[-2, 2\], box \[-1, 1\]; y in \[-2, 2\], box \[-1, 1\]\).*use bilinear\(\) or replace_products\(\)",
    ):
        z = add_surrogate(m, ZOO_NET, [m.x, m.y])
    assert [z.block.inputs[i].bounds for i in range(2)] == [(-1, 1), (-1, 1)]


def test_add_surrogate_warns_for_an_unbounded_input_and_not_for_inputs_within_the_box():
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var(bounds=(-1, 0))
    with pytest.warns(DomainWarning, match=r"\(x in \[-inf, inf\], box \[-1, 1\]\)"):
        add_surrogate(m, ZOO_NET, [m.x, m.y])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        add_surrogate(m, ZOO_NET, [m.y + 1, 2 * m.y + 1], name="within")  # expressions within [-1, 1]


@pytest.mark.parametrize(
    "factor, message",
    [
        (lambda m: m.x + 1, r"bilinear: y is a \w*Expression \(x \+ 1\), not one Pyomo variable.*add a variable equal to it"),
        (lambda m: 2.0, r"bilinear: y is a float \(2\.0\), not one Pyomo variable"),
        (lambda m: m.p, r"bilinear: y is a ScalarParam \(p\), not one Pyomo variable"),
        (lambda m: m.v, r"bilinear: y is the indexed component 'v', not one variable: pass one element, e\.g\. v\[i\]"),
    ],
)
def test_bilinear_refuses_a_factor_that_is_not_one_variable(factor, message):
    m = _box_model((-1, 2), (-1, 3))
    m.p = pyo.Param(mutable=True, initialize=2.0)
    m.v = pyo.Var([1, 2], bounds=(0, 1))
    with pytest.raises(ModelFormatError, match=message):
        bilinear(m, m.x, factor(m), random_net((4,)))
    assert m.component("surrogate_x_v") is None and len(list(m.component_objects(pyo.Block))) == 0


def test_a_product_that_fails_part_way_leaves_the_model_as_it_was():
    """A warning turned into an error on the second product: the first product's rewrite is undone too."""
    m = _box_model((-1, 2), (-1, 3))
    m.u, m.w = pyo.Var(bounds=(-1e5, 1e5)), pyo.Var(bounds=(-1e5, 1e5))
    m.c1 = pyo.Constraint(expr=m.x * m.y >= 1)
    m.c2 = pyo.Constraint(expr=m.u * m.w <= 5)
    m.obj = pyo.Objective(expr=m.x + m.u)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        with pytest.raises(NumericsWarning, match=r"product u\*w is badly scaled"):
            replace_products(m, random_net((4,)))
    assert m.c1.active and m.c2.active and m.component("surrogate_replacement") is None
    with pytest.warns(NumericsWarning, match=r"product u\*w is badly scaled"):
        report = replace_products(m, random_net((4,)))  # the retry starts from the exact model
    assert report.components == ("c1", "c2") and not m.c1.active


def test_solve_and_the_start_refuse_arguments_of_the_wrong_kind():
    from surrogate import SolverConfig, StartConfig, solve
    from surrogate.errors import ConfigError, UnsupportedComponentError
    from surrogate.milp.warmstart import activation_start, solve_with_start

    m = _box_model((-1, 1), (-1, 1))
    m.o = pyo.Objective(expr=m.x * m.y)
    report = replace_products(m, ZOO_NET)
    with pytest.raises(ConfigError, match=r"solve: config=None must be a SolverConfig, e.g. solve\(model, SolverConfig"):
        solve(m, None)
    with pytest.raises(
        ConfigError,
        match=r"solve: solver='highs' must be a solver object from make_solver\(config\).*SolverConfig\(solver='scip'\)",
    ):
        solve(m, SolverConfig(), solver="highs")
    with pytest.raises(ConfigError, match=r"activation_start: config=None must be a StartConfig"):
        activation_start(m, report, config=None)
    with pytest.raises(ConfigError, match=r"solve_with_start: start='yes' must be a StartConfig, or None"):
        solve_with_start(m, report, SolverConfig(), start="yes")
    m.o.deactivate()
    m.surrogate_replacement.objectives.deactivate()
    with pytest.raises(UnsupportedComponentError, match=r"has no active objective"):
        activation_start(m, report, config=StartConfig())


@pytest.mark.solver
@pytest.mark.parametrize(
    ("form", "k"),
    [
        ("x*y*p", lambda p: p),
        ("x*y/p", lambda p: 1 / p),
        ("x*y*(1/p)", lambda p: 1 / p),
        ("pyo.prod([x, y, p])", lambda p: p),
        ("p*e", lambda p: p),
        ("e*p", lambda p: p),
        ("x*y*0.5*p", lambda p: 0.5 * p),
    ],
)
def test_a_mutable_param_written_after_the_product_is_a_coefficient(form, k):
    """Pyomo's symbolic repn leaves a zero remainder (p*(p*0)*x) behind, which is no nonlinear term.

    max x + y s.t. k(p) x y <= R on [-1, 2] x [-2, 3]: with t = R / k(p) in [2, 6), the optimum is 3 + t/3 (y = 3).
    """
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=2.0, mutable=True)
    m.x = pyo.Var(bounds=(-1, 2))
    m.y = pyo.Var(bounds=(-2, 3))
    m.e = pyo.Expression(expr=m.x * m.y)
    x, y, p, e = m.x, m.y, m.p, m.e  # noqa: F841 (read by eval)
    rhs = 3.0 * k(2.0)
    m.c = pyo.Constraint(expr=eval(form) <= rhs)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    replace_products(m, "3x8", implied_bounds=False)
    config = SolverConfig(time_limit=20, threads=1)
    assert solve(m, config).objective == pytest.approx(3 + 3.0 / 3, abs=0.05)
    m.p = 3.0  # the coefficient is the Param: followed at the next solve
    assert solve(m, config).objective == pytest.approx(3 + rhs / k(3.0) / 3, abs=0.05)


def test_a_truly_nonlinear_term_with_a_param_is_still_refused():
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=0.0, mutable=True)
    m.x = pyo.Var(bounds=(-1, 2))
    m.y = pyo.Var(bounds=(-2, 3))
    m.c = pyo.Constraint(expr=m.p * m.x * m.x * m.y >= 1)
    m.o = pyo.Objective(expr=m.x)
    with pytest.raises(UnsupportedTermError, match=r"constraint 'c' has a term that is not linear"):
        replace_products(m, "3x8", implied_bounds=False)


def test_a_ranged_row_with_a_variable_end_is_refused_naming_it():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2))
    m.y = pyo.Var(bounds=(-2, 3))
    m.c2 = pyo.Constraint(expr=pyo.inequality(m.x, m.x * m.y, m.y))
    m.o = pyo.Objective(expr=m.x)
    with pytest.raises(ModelFormatError, match=r"constraint 'c2' is a ranged inequality with a variable end .* two constraints"):
        replace_products(m, "3x8")
    with pytest.raises(ModelFormatError, match=r"constraint 'c2' is a ranged inequality"):
        solve(m, SolverConfig(time_limit=5, threads=1))


@pytest.mark.parametrize("domain", [pyo.RangeSet(0, 6, 2), pyo.Set(initialize=[1, 3, 7])])
def test_a_domain_no_solver_reads_is_refused_naming_the_variable(domain):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=domain)
    m.y = pyo.Var(bounds=(-1, 1))
    m.c = pyo.Constraint(expr=m.x + m.y >= 3)
    m.o = pyo.Objective(expr=m.x)
    with pytest.raises(ModelFormatError, match=r"variables 'x' have a domain no MILP solver reads .* integer variable"):
        solve(m, SolverConfig(time_limit=5, threads=1))
