"""Model building only: no solver is called here."""

import math
import warnings

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import ConfigError, FormulationError, ModelFormatError, ReluMLP, add_surrogate, model_size, solve
from surrogate.errors import DomainWarning
from surrogate.milp.encoding import OMLT_FORMULATIONS
from tests.helpers import random_net


def _model():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    return m


# Net 2 -> 3 -> 2 -> 1 (5 ReLU neurons, 6 dense outputs).
# bigm / fullspace: variables = inputs 2 + outputs 1 + scaled inputs 2 + scaled outputs 1
#   + z (2 input + 3 + 2 + 1 = 8) + zhat (3 + 2 + 1 = 6) + one binary per ReLU (5) = 25;
#   constraints = 2 input + 1 output scaling + 2 input + 1 output assignment + 6 dense rows
#   + 4 big-M rows per ReLU (20) + 1 linear output + 2 links to (x, y) = 35.
# partition (2 splits): 2 more continuous variables and 6 more rows per ReLU neuron.
EXPECTED_SIZES = {
    "bigm": (25, 5, 35),
    "fullspace": (25, 5, 35),
    "partition": (25 + 2 * 5, 5, 35 + 6 * 5),
}


@pytest.mark.parametrize("formulation", OMLT_FORMULATIONS)  # pruned: tests/milp/test_bounds.py
def test_exact_model_size_of_a_small_net(formulation):
    m = _model()
    enc = add_surrogate(m, random_net((3, 2)), [m.x, m.y], formulation=formulation)
    size = enc.size()
    assert (size.variables, size.binaries, size.constraints) == EXPECTED_SIZES[formulation]
    whole = model_size(m)
    assert (whole.variables, whole.binaries, whole.constraints) == (size.variables + 2, size.binaries, size.constraints)


def test_binaries_equal_hidden_neurons_for_omlt_bigm():
    for hidden in [(24,), (8, 8, 8), (2,) * 12]:
        m = _model()
        assert add_surrogate(m, random_net(hidden), [m.x, m.y], formulation="bigm").size().binaries == sum(hidden)


def test_unknown_formulation():
    m = _model()
    with pytest.raises(FormulationError, match="unknown formulation 'bigM'; choose one of bigm, partition, fullspace, pruned"):
        add_surrogate(m, random_net((3,)), [m.x, m.y], formulation="bigM")
    with pytest.raises(FormulationError, match="complementarity formulation is an NLP"):
        add_surrogate(m, random_net((3,)), [m.x, m.y], formulation="complementarity")


def test_bad_inputs_and_names(tmp_path):
    m = _model()
    with pytest.raises(ModelFormatError, match="1 inputs given but the net takes 2"):
        add_surrogate(m, random_net((3,)), [m.x])
    add_surrogate(m, random_net((3,)), [m.x, m.y], name="nn")
    with pytest.raises(ModelFormatError, match="already has a component named 'nn'; pass another name="):
        add_surrogate(m, random_net((3,)), [m.x, m.y], name="nn")
    with pytest.raises(ModelFormatError, match="no ONNX file at"):
        add_surrogate(m, tmp_path / "missing.onnx", [m.x, m.y], name="other")
    with pytest.raises(ModelFormatError, match="cannot use int as a surrogate; pass a ReluMLP, an ONNX path or a zoo name"):
        add_surrogate(m, 3, [m.x, m.y], name="third")


def test_a_zoo_name_is_taken_as_by_every_other_entry_point():
    """add_surrogate(m, '3x8', ...) looked for a file '3x8' ('no ONNX file at 3x8')."""
    from surrogate.nets.zoo import resolve_surrogate

    m = _model()
    block = add_surrogate(m, "3x8", [m.x, m.y], name="by_name")
    assert block.net.architecture == resolve_surrogate("3x8").architecture
    with pytest.raises(ModelFormatError, match="no zoo model named '3y8'"):
        add_surrogate(m, "3y8", [m.x, m.y], name="typo")


def test_get_error_before_a_solve_says_what_to_do():
    m = _model()
    enc = add_surrogate(m, random_net((3,)), [m.x, m.y])
    m.x.value = None
    with pytest.raises(ModelFormatError, match="has no values yet; solve the model"):
        enc.get_error()


def test_relu_mlp_validation():
    with pytest.raises(Exception, match="weight shape .* does not match bias shape"):
        ReluMLP((np.zeros((2, 3)), np.zeros((3, 1))), (np.zeros(2), np.zeros(1)))
    with pytest.raises(Exception, match="takes 4 inputs but layer 0 gives 3"):
        ReluMLP((np.zeros((2, 3)), np.zeros((4, 1))), (np.zeros(3), np.zeros(1)))


@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        (lambda m: m.v, r"inputs is the indexed component 'v'; pass a list of 2 scalar variables"),
        (lambda m: "xy", r"inputs is 'xy'; pass a list of 2"),
        (lambda m: 3, r"inputs is a int, not a list"),
        (lambda m: {0: m.v[1], 1: m.v[2]}, r"inputs is a mapping \(dict\); pass a list of 2 variables"),
        (lambda m: [m.v[1]], r"1 inputs given but the net takes 2"),
        (lambda m: [m.v, m.v[1]], r"input 0 is the indexed component 'v', not a scalar"),
        (lambda m: [m.v[1], "y"], r"input 1 is 'y', not a scalar variable, expression or number"),
    ],
)
def test_inputs_that_are_not_scalars_are_refused_and_leave_nothing_behind(inputs, match):
    m = pyo.ConcreteModel()
    m.v = pyo.Var([1, 2], bounds=(-1, 1))
    net = random_net((2, 4, 1), seed=0)
    with pytest.raises(ModelFormatError, match=r"surrogate 'surrogate': " + match):
        add_surrogate(m, net, inputs(m))
    assert [c.name for c in m.component_objects(descend_into=False)] == ["v"]
    encoded = add_surrogate(m, net, [m.v[1], np.float64(0.5)])  # the corrected call, an element and a number
    assert encoded.block.name == "surrogate"


def test_a_block_that_fails_part_way_is_removed(monkeypatch):
    import surrogate.milp.encoding as encoding

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))

    def broken(parent, name, *args):
        parent.add_component(name, pyo.Block())
        raise RuntimeError("failed part-way")

    monkeypatch.setattr(encoding, "_build_block", broken)
    with pytest.raises(RuntimeError, match="failed part-way"):
        add_surrogate(m, random_net((2, 4, 1), seed=0), [m.x, m.x])
    assert m.component("surrogate") is None


@pytest.mark.parametrize("formulation", ["pruned", "bigm", "partition", "fullspace"])
@pytest.mark.parametrize(
    ("box", "match"),
    [
        ([(1, -1), (-1, 1)], r"must give finite \(lower, upper\) with lower <= upper for each of 2 inputs"),
        ([(float("nan"), 1), (-1, 1)], r"must give finite \(lower, upper\)"),
        ([("a", 1), (-1, 1)], r"must be 2 pairs of numbers \(lower, upper\)"),
        (
            [(-1, 1)],
            r"input box \(\(-1\.0, 1\.0\),\) has 1 \(lower, upper\) pairs, but the net has 2 inputs; give one pair per input",
        ),
        ([(-(10**400), 1), (-1, 1)], r"holds a bound past float's range \(about 1\.8e308\); give finite \(lower, upper\) pairs"),
    ],
)
def test_a_bad_input_box_is_refused_by_every_formulation(formulation, box, match):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    with pytest.raises(ConfigError, match=match):
        add_surrogate(
            m,
            random_net((4,), seed=0),
            [m.x, m.x],
            formulation=formulation,
            input_bounds=box,
            bounds="interval" if formulation == "pruned" else None,
        )
    assert m.component("surrogate") is None


@pytest.mark.parametrize(("name", "unstable", "binaries"), [("b24-hand-shared-6x4", 11, 10), ("b24-seed-12x2", 5, 0)])
def test_pruned_binaries_count_the_unstable_neurons_that_reach_the_output(name, unstable, binaries):
    """An unstable neuron whose every path to the output is cut has no binary in the pruned encoding."""
    from surrogate.milp.bounds import net_bounds
    from surrogate.milp.pruned import pruned_binaries
    from surrogate.nets.zoo import resolve_surrogate

    net = resolve_surrogate(name)
    bounds = net_bounds(net, "milp")
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    block = add_surrogate(m, net, [m.x, m.y], formulation="pruned")
    assert (bounds.unstable, pruned_binaries(net, bounds), block.size().binaries) == (unstable, binaries, binaries)


def test_a_deactivated_surrogate_block_is_not_counted_in_the_model_size():
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    add_surrogate(m, random_net((4, 4), seed=1), [m.x, m.y], formulation="pruned").block.deactivate()
    assert model_size(m).to_dict() == {"variables": 2, "binaries": 0, "constraints": 0}


@pytest.mark.parametrize("formulation", sorted(OMLT_FORMULATIONS))
def test_omlt_start_values_outside_a_box_without_zero_are_not_logged(formulation, caplog):
    """OMLT starts its scaled inputs at 0: Pyomo's W1002 about it says nothing about the user's model."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(2, 3)), pyo.Var(bounds=(-5, -4))
    with caplog.at_level("WARNING", logger="pyomo.core"):
        add_surrogate(m, random_net((4,), seed=2), [m.x, m.y], formulation=formulation, input_bounds=((2, 3), (-5, -4)))
    assert not [r for r in caplog.records if getattr(r, "id", None) == "W1002"]
    m.x.set_value(7)  # still warned outside the build
    assert [r for r in caplog.records if getattr(r, "id", None) == "W1002"]


def test_to_omlt_network_takes_a_zoo_name_as_add_surrogate_does():
    from surrogate.milp.encoding import to_omlt_network
    from surrogate.nets.zoo import resolve_surrogate

    by_name, by_net = to_omlt_network("3x8"), to_omlt_network(resolve_surrogate("3x8"))
    assert [layer.output_size for layer in by_name.layers] == [layer.output_size for layer in by_net.layers]
    with pytest.raises(ConfigError, match=r"to_omlt_network: got NoneType, not a net"):
        to_omlt_network(None)


@pytest.mark.parametrize(
    ("box", "message"),
    [
        (((1.0, -1.0), (-1.0, 1.0)), r"input box .* must give finite \(lower, upper\) with lower <= upper for each of 2 inputs"),
        (((float("nan"), 1.0), (-1.0, 1.0)), r"input box .* must give finite \(lower, upper\)"),
        (((-math.inf, 1.0), (-1.0, 1.0)), r"input box .* must give finite \(lower, upper\)"),
        (((-1.0, 1.0),), r"input box .* has 1 \(lower, upper\) pairs, but the net has 2 inputs"),
        (((-(10**400), 1.0), (-1.0, 1.0)), r"input box \[?\(\(-1000.*\.\.\..* holds a bound past float's range"),
        (((-1.0, 0.0, 1.0), (-1.0, 1.0)), r"input box .* must be 2 pairs of numbers \(lower, upper\)"),
        (5, r"input box 5 must be 2 pairs of numbers \(lower, upper\), e\.g\. \[\(-1, 1\), \(-1, 1\)\]"),
    ],
)
def test_to_omlt_network_checks_its_input_box_as_add_surrogate_does(box, message):
    """A reversed, non-finite, short or scalar box is refused up front, not encoded into an infeasible model."""
    from surrogate.milp.encoding import to_omlt_network

    net = random_net((4,), seed=2)
    with pytest.raises(ConfigError, match=message):
        to_omlt_network(net, input_bounds=box)
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with pytest.raises(ConfigError, match=message):
        add_surrogate(m, net, [m.x, m.y], input_bounds=box)


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        (5, r"bounds=5 must be a bound method name or a NetBounds; e\.g\. bounds='milp'"),
        ("nope", r"unknown bound method 'nope'; choose one of interval, lp, milp"),
    ],
)
def test_a_bad_bounds_option_is_one_error_class(bounds, message):
    """probe110 #3: bounds=5 raised FormulationError (the class of an unknown formulation), bounds='nope' ConfigError."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    with pytest.raises(ConfigError, match=message):
        add_surrogate(m, random_net((4,), seed=2), [m.x, m.y], formulation="pruned", bounds=bounds)


def test_get_error_reads_the_milp_output_the_net_and_the_product_at_the_values_given():
    """x = 0.5, y = -0.25 and z = 7 (set by hand): z is the MILP's, N(0.5, -0.25) the net's, x*y = -0.125."""
    m, net = _model(), random_net((3,))
    enc = add_surrogate(m, net, [m.x, m.y], bounds="interval")
    m.x.value, m.y.value = 0.5, -0.25
    enc.output.value = 7.0
    error = enc.get_error()
    assert (error.x, error.y, error.milp_output, error.true_product) == (0.5, -0.25, 7.0, -0.125)
    assert error.net_output == float(net.forward(np.array([[0.5, -0.25]]))[0]) != 7.0
    assert error.vs_product == 7.125
    m.y.value = None  # one input without a value is refused as both are
    with pytest.raises(ModelFormatError, match="has no values yet; solve the model"):
        enc.get_error()


def test_more_inputs_than_the_net_takes_are_refused():
    m = _model()
    m.w = pyo.Var(bounds=(-1, 1))
    with pytest.raises(ModelFormatError, match="3 inputs given but the net takes 2"):
        add_surrogate(m, random_net((3,)), [m.x, m.y, m.w], bounds="interval")
    assert m.component("surrogate") is None


def test_bounds_computed_on_another_box_of_the_same_net_are_refused():
    """Big-M constants from the box [-2, 2] x [-1, 1] are not the default box's: refused, not encoded."""
    from surrogate.milp.bounds import net_bounds

    m, net = _model(), random_net((3,))
    other = net_bounds(net, "interval", box=((-2.0, 2.0), (-1.0, 1.0)))
    with pytest.raises(FormulationError, match="computed for another net or box"):
        add_surrogate(m, net, [m.x, m.y], bounds=other)


def test_an_input_a_little_beyond_the_box_is_warned_of():
    """x in [-1, 1.0005] on the box [-1, 1]: beyond it by 5e-4, far above the 1e-9 allowed for rounding."""
    from surrogate.errors import DomainWarning

    m = _model()
    m.x.setub(1.0005)
    with pytest.warns(DomainWarning, match=r"x in \[-1, 1.0005\], box \[-1, 1\]"):
        add_surrogate(m, random_net((3,)), [m.x, m.y], bounds="interval")


def test_an_input_without_a_bound_is_warned_of_as_reaching_to_infinity():
    from surrogate.errors import DomainWarning

    m = _model()
    m.x.setub(None)
    m.y.setlb(None)
    with pytest.warns(DomainWarning, match=r"x in \[-1, inf\], box \[-1, 1\]; y in \[-inf, 1\], box \[-1, 1\]"):
        add_surrogate(m, random_net((3,)), [m.x, m.y], bounds="interval")


def test_an_input_beyond_a_wide_box_by_its_rounding_only_is_not_warned_of():
    """The slack is 1e-9 of the box's size: x up to 1e6 + 1e-4 on the box [0, 1e6] is rounding, not beyond it."""
    m = _model()
    m.x.setlb(0.0)
    m.x.setub(1e6 + 1e-4)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        add_surrogate(m, random_net((3,)), [m.x, m.y], input_bounds=[(0.0, 1e6), (-1.0, 1.0)])
    assert not [w for w in seen if "reach beyond the box" in str(w.message)]
    m.x.setub(1e6 + 1e-2)  # 1e-8 of the box: beyond it
    with pytest.warns(DomainWarning, match=r"x in \[0, 1e\+06\], box \[0, 1e\+06\]"):
        add_surrogate(m, random_net((3,)), [m.x, m.y], input_bounds=[(0.0, 1e6), (-1.0, 1.0)], name="again")


def test_input_bounds_beyond_the_domain_of_a_net_read_from_onnx_are_checked_against_onnxruntime(tmp_path):
    """probe129 #2: add_surrogate(..., input_bounds=...), the other route the docs give for a foreign net's box, encoded
    the net there unchecked: a file refused with that box in it was encoded 1e-3 of its values off onnxruntime."""
    from surrogate import load_onnx
    from tests.helpers import far_rounding_onnx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its missing domain
        net = load_onnx(far_rounding_onnx(tmp_path / "bare.onnx", 3e4))
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(3e4, 3e4 + 1)), pyo.Var(bounds=(3e4, 3e4 + 1))
    message = r"surrogate 'surrogate': input_bounds \[\[30000\.0, 30001\.0\], .*\] reach beyond the net's domain .* differs"
    with pytest.raises(ModelFormatError, match=message):
        add_surrogate(m, net, [m.x, m.y], input_bounds=[(3e4, 3e4 + 1)] * 2, bounds="interval")
    assert m.component("surrogate") is None
    m.u, m.v = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(0, 0.5))
    add_surrogate(m, net, [m.u, m.v], input_bounds=[(-1, 1), (0, 0.5)], bounds="interval")  # within: not checked again


def _constant_input_model(value, *, fixed_none=False):
    """A surrogate whose input 0 is a mutable Param of ``value`` (plus ``f``, fixed and then left without a value)."""
    m = pyo.ConcreteModel()
    m.y, m.f = pyo.Var(bounds=(0, 1)), pyo.Var()
    m.f.fix(0.0)
    m.p = pyo.Param(mutable=True, initialize=value, within=pyo.Any)
    if fixed_none:
        m.f.set_value(None)
    enc = add_surrogate(m, random_net((3,)), [m.f + m.p, m.y], bounds="lp", input_bounds=[(0.0, 4.0), (0.0, 1.0)])
    m.o = pyo.Objective(expr=enc.output)
    return m


@pytest.mark.parametrize("value", [True, 1 + 2j, "abc", math.nan])
def test_a_constant_input_of_no_real_number_is_left_to_a_solve_s_checks(solver_config, value):
    """probe144 #3: a bool Param crashed the build with "'<' not supported ... '_bool_flag'", a complex one with
    Pyomo's ValueError; a bool reads as its number, and the rows' checks name a complex one (a bare TypeError there)."""
    m = _constant_input_model(value)
    if value is True:
        assert solve(m, solver_config).optimal
        return
    with pytest.raises(ModelFormatError, match=r"constraint 'surrogate\.input_links\[0\]' is NaN, has no value"):
        solve(m, solver_config)


def test_an_input_reading_a_fixed_variable_without_a_value_is_refused_at_build_time():
    """probe144 #3: Pyomo's bare "Var 'f' is fixed to None" from the build; now named as a solve names it."""
    with pytest.raises(
        ModelFormatError,
        match=r"surrogate 'surrogate': its input 0 \(f \+ p\) reads variables 'f', which are fixed but have no value; "
        r"fix each at one, e\.g\. f\.fix\(0\.3\)",
    ):
        _constant_input_model(1.0, fixed_none=True)
