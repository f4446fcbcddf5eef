"""An encoding's output checked against its net at the loaded point (surrogate.milp.net_drift)."""

import pickle
import warnings

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import NumericsWarning, ReluMLP, add_surrogate, replace_products, solve
from surrogate.errors import ModelFormatError
from surrogate.milp import solver as solver_module
from surrogate.milp.encoding import FORMULATIONS
from surrogate.milp.net_drift import drift_warnings
from tests.helpers import random_net


def _encoded(formulation="pruned", *, net=None):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    bounds = "lp" if formulation == "pruned" else None
    enc = add_surrogate(m, net or random_net((3, 2)), [m.x, m.y], formulation=formulation, bounds=bounds)
    return m, enc


def _load(x_var, y_var, block, x, y):
    """Load ``x``, ``y`` into the user's variables and, as a solve would, into the encoding ``block``'s own inputs
    (through its links): the drift check reads the latter."""
    x_var.value, y_var.value = x, y
    for i, link in block.input_links.items():  # the value that zeroes the link's body (linear in the input)
        own = block.inputs[i]
        own.value = 0.0
        at_0 = pyo.value(link.body)
        own.value = 1.0
        own.value = at_0 / (at_0 - pyo.value(link.body))


def _set(m, enc, x, y, off):
    """Load the point (x, y) with the encoding's output ``off`` away from the net there; the net's value."""
    _load(m.x, m.y, enc.block, x, y)
    expected = enc.evaluate(x, y)
    enc.output.value = expected + off
    return expected


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_an_output_off_the_net_is_named_with_both_values(formulation):
    m, enc = _encoded(formulation)
    expected = _set(m, enc, 0.25, -0.5, 0.5)
    (message,) = drift_warnings(m)
    assert f"surrogate {enc.block.name!r}: at its inputs (0.25, -0.5) its output" in message
    assert f"its output is {expected + 0.5:.6g} but the net gives {expected:.6g} (off by 0.5)" in message
    assert "narrow the bounds of its inputs" in message


@pytest.mark.parametrize("off", [0.0, 9e-5, -9e-5])
def test_an_output_within_the_trust_tolerance_is_not_warned(off):
    m, enc = _encoded()
    _set(m, enc, -0.75, 0.125, off)
    assert drift_warnings(m) == []


def test_the_tolerance_is_relative_to_the_nets_value():
    net = random_net((3, 2))
    shift = 1e4 - float(net.forward(np.array([[0.5, 0.5]]))[0])
    m, enc = _encoded(net=ReluMLP(net.weights, (*net.biases[:-1], net.biases[-1] + shift)))  # 1e4 at (0.5, 0.5)
    _load(m.x, m.y, enc.block, 0.5, 0.5)
    assert enc.evaluate(0.5, 0.5) == pytest.approx(1e4)
    enc.output.value = 1e4 + 0.5  # 5e-5 relative: within
    assert drift_warnings(m) == []
    enc.output.value = 1e4 + 2.0  # 2e-4 relative: beyond
    assert len(drift_warnings(m)) == 1


def test_no_values_or_a_deactivated_encoding_give_no_warning():
    m, enc = _encoded()
    assert drift_warnings(m) == []  # nothing loaded yet
    _set(m, enc, 0.25, 0.25, 1.0)
    enc.block.deactivate()
    assert drift_warnings(m) == []


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_a_non_finite_value_at_the_point_is_taken_as_missing(value):
    m, enc = _encoded()
    _set(m, enc, 0.25, 0.25, 0.0)
    enc.output.set_value(value, skip_validation=True)  # an infinite output is no point of the net's to compare with
    assert drift_warnings(m) == []


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_a_relaxed_encoding_is_a_bound_not_the_net(formulation):
    m, enc = _encoded(formulation)  # OMLT's binaries lie in its layers' sub-blocks: each is recorded
    assert any(v.is_integer() for v in enc.block.component_data_objects(pyo.Var, descend_into=True))
    _set(m, enc, 0.25, 0.25, 1.0)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    assert drift_warnings(m) == []


@pytest.mark.parametrize("copy", [lambda m: m.clone(), lambda m: pickle.loads(pickle.dumps(m))])
def test_a_copy_of_the_model_is_checked_on_its_own_variables(copy):
    m, enc = _encoded()
    other = copy(m)
    _set(m, enc, 0.25, 0.25, 1.0)  # the original's point only
    assert drift_warnings(other) == [] and len(drift_warnings(m)) == 1
    _load(other.x, other.y, other.find_component(enc.block), 0.25, 0.25)
    other.find_component(enc.output).value = enc.evaluate(0.25, 0.25) - 1.0
    assert "off by 1" in drift_warnings(other)[0]


def test_a_sub_block_is_checked_from_the_model_and_from_itself():
    m = pyo.ConcreteModel()
    m.t = pyo.Block()
    m.t.x, m.t.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    enc = add_surrogate(m.t, random_net((3,)), [m.t.x, m.t.y], bounds="lp")
    _load(m.t.x, m.t.y, enc.block, 0.5, 0.5)
    enc.output.value = enc.evaluate(0.5, 0.5) + 1.0
    assert len(drift_warnings(m)) == 1 and len(drift_warnings(m.t)) == 1 and len(drift_warnings(enc.block)) == 1


def test_a_solve_on_the_nets_domain_gives_the_nets_value(solver_config):
    m, enc = _encoded()
    m.o = pyo.Objective(expr=enc.output, sense=pyo.maximize)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        result = solve(m, solver_config)
    error = enc.get_error()
    assert result.objective == pytest.approx(error.net_z, abs=1e-6)
    assert not any("off by" in w for w in result.warnings)


def test_a_solve_warns_of_drift_and_keeps_the_warning(solver_config, monkeypatch):
    m, enc = _encoded()
    m.o = pyo.Objective(expr=enc.output)
    monkeypatch.setattr(solver_module, "drift_warnings", lambda model: [f"drift in {model.name}"])
    with pytest.warns(NumericsWarning, match="drift in unknown") as caught:
        result = solve(m, solver_config)
    assert "drift in unknown" in result.warnings
    assert [w.filename for w in caught] == [__file__]  # the caller's line, past the solve's decorator
    assert np.isfinite(result.objective)  # the point stands: a warning, not a refusal


def test_an_unchecked_solve_does_not_look(solver_config, monkeypatch):
    m, enc = _encoded()
    m.o = pyo.Objective(expr=enc.output)

    def fail(model):
        raise AssertionError("drift_warnings ran under check=False")

    monkeypatch.setattr(solver_module, "drift_warnings", fail)
    assert np.isfinite(solve(m, solver_config, check=False).objective)


def test_a_refused_incumbent_is_warned_at_the_callers_line(solver_config, monkeypatch):
    m, enc = _encoded()
    m.o = pyo.Objective(expr=enc.output)
    monkeypatch.setattr(solver_module, "untrusted", lambda *args, **kwargs: "refused here")
    with pytest.warns(RuntimeWarning, match="refused here") as caught:
        assert solve(m, solver_config).reason == "refused here"
    assert [w.filename for w in caught if "refused here" in str(w.message)] == [__file__]


@pytest.mark.parametrize("user", ["var", "block", "encoding"])
def test_a_component_named_like_the_mark_is_no_mark(user, solver_config):
    """Every checked solve unpacked whatever ``surrogate_net`` held: a model with a variable, a block or an encoding
    of the user's of that name could not be solved."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    if user == "var":
        m.surrogate_net = pyo.Var(bounds=(0, 1))
        m.o = pyo.Objective(expr=m.surrogate_net + m.x)
    elif user == "block":
        m.surrogate_net = pyo.Block()
        m.surrogate_net.v = pyo.Var(bounds=(0, 1))
        m.o = pyo.Objective(expr=m.surrogate_net.v + m.x)
    else:
        enc = add_surrogate(m, random_net((3,)), [m.x, m.y], name="surrogate_net", bounds="lp")
        m.o = pyo.Objective(expr=enc.output)
    assert solve(m, solver_config).optimal
    if user == "encoding":
        enc.output.value = enc.evaluate(m.x.value, m.y.value) + 1.0
        assert len(drift_warnings(m)) == 1  # the encoding's own mark is still read


def test_the_net_is_checked_at_the_blocks_own_inputs_not_the_users_expressions():
    """The record held the user's input expressions: after replace_products wrote an input ``x*x`` as a surrogate of
    its own, the exact ``x*x`` differed from the block's input and an exact encoding was warned of (probe138 #1)."""
    m, enc = _encoded()
    _load(m.x, m.y, enc.block, 0.25, 0.25)
    enc.block.inputs[1].value = 0.5  # the block's input, tied to y by another row than the user's expression
    enc.output.value = enc.evaluate(0.25, 0.5)
    assert drift_warnings(m) == []
    enc.output.value = enc.evaluate(0.25, 0.25)
    assert (
        "at its inputs (0.25, 0.5) (the expressions it was given, (x, y), are (0.25, 0.25) there) its output"
        in (drift_warnings(m)[0])
    )  # probe141 #5: the point read is the block's own inputs, named as such, and the user's values beside them


def test_a_shifted_and_scaled_input_is_checked_in_the_users_units():
    """A narrow input box is encoded as ``(x - c) * 2**k`` (output_scale.input_map): the net reads it mapped back."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(1, 1 + 1e-7)), pyo.Var(bounds=(-1, 1))
    enc = add_surrogate(m, random_net((3,)), [m.x, m.y], bounds="lp", input_bounds=[(1, 1 + 1e-7), (-1, 1)])
    _load(m.x, m.y, enc.block, 1 + 5e-8, 0.25)
    assert enc.block.inputs[0].value != pytest.approx(1 + 5e-8)  # the block's own input is mapped
    enc.output.value = enc.evaluate(1 + 5e-8, 0.25)
    assert drift_warnings(m) == []
    enc.output.value += 0.5
    assert "at its inputs (1, 0.25) its output" in drift_warnings(m)[0]  # the user's x agrees: no second point


def test_an_input_product_replaced_after_the_encoding_is_no_drift(solver_config):
    """probe138 #1: ``add_surrogate(m, net, [x, x*x])``, then ``replace_products(m)`` as the refusal advises: the
    solve warned that the (exact) encoding strayed from the net, at the exact ``x*x`` rather than the MILP's input."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    enc = add_surrogate(m, "3x8", [m.x, m.x * m.x])
    m.o = pyo.Objective(expr=enc.output - 0.1 * m.x)
    replace_products(m, "3x8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        result = solve(m, solver_config)
    assert result.optimal and not any("off by" in w for w in result.warnings)
    own = [pyo.value(v) for v in enc.block.inputs.values()]
    assert pyo.value(enc.output) == pytest.approx(enc.net.forward(np.array([own]))[0], abs=1e-5)


def _param_input():
    m = pyo.ConcreteModel()
    m.x, m.p = pyo.Var(bounds=(-1, 1)), pyo.Param(initialize=0.5, mutable=True)
    enc = add_surrogate(m, random_net((3,)), [m.x, m.p], bounds="lp")
    m.o = pyo.Objective(expr=enc.output)
    return m


def test_a_param_input_set_outside_the_box_is_refused_by_name(solver_config):
    """probe138 #3: a mutable Param fed to add_surrogate, set outside the box after the build, got a bare 'infeasible'
    (at build time it gets a DomainWarning; bilinear refuses a factor fixed outside its box)."""
    m = _param_input()
    assert solve(m, solver_config).optimal
    m.p = 2.0
    with pytest.raises(
        ModelFormatError,
        match=r"surrogate 'surrogate': its input 1 \(p\) is constant at 2\.0 .*outside the box \[-1\.0, 1\.0\] its net is "
        r"encoded on.*set it within the box again, or build the surrogate again with input_bounds covering it",
    ):
        solve(m, solver_config)
    with pytest.raises(ModelFormatError, match=r"its input 1 \(p\) is constant at 2\.0"):
        solve(m.clone(), solver_config)  # the clone's own Param
    m.p = 1.0  # on the box's edge
    assert solve(m, solver_config).optimal


def test_fixed_variables_as_an_input_outside_the_box_are_refused(solver_config):
    m = pyo.ConcreteModel()
    m.x, m.z = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-0.5, 0.5))
    enc = add_surrogate(m, random_net((3,)), [m.x, 2 * m.z], bounds="lp")
    m.o = pyo.Objective(expr=enc.output)
    m.z.fix(0.75)
    with pytest.raises(ModelFormatError, match=r"its input 1 \(2\*z\) is constant at 1\.5 .*box \[-1\.0, 1\.0\]"):
        solve(m, solver_config)
    m.z.fix(0.25)
    assert solve(m, solver_config).optimal


def test_an_unchecked_solve_leaves_a_constant_input_to_the_solver(solver_config):
    """``check=False`` is a search's step (the warm start fixes points anywhere): its answer is the solver's."""
    m = _param_input()
    m.p = 2.0
    assert not solve(m, solver_config, check=False).optimal


def _constant_input(box, *, param=False, value=0.0):
    """A model whose surrogate's input 0 is a fixed variable (or a mutable Param) at ``value``, on ``box``."""
    m = pyo.ConcreteModel()
    m.y = pyo.Var(bounds=(-1, 1))
    if param:
        m.x = pyo.Param(mutable=True, initialize=value, within=pyo.Any)
    else:
        m.x = pyo.Var()
        m.x.fix(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the inputs' bounds beyond the box; a tiny box's small values
        enc = add_surrogate(m, random_net((3,)), [m.x, m.y], bounds="lp", input_bounds=[box, (-1, 1)])
    m.o = pyo.Objective(expr=enc.output)
    return m


@pytest.mark.parametrize(
    "box, value",
    [
        ((-1.0, 1.0), 1 + 5e-7),  # within the solver's 1e-6 of the row: it solves
        ((-1.0, 0.3), float(np.float32(0.3))),  # float32 data: 0.30000001192
        ((0.7, 1.0), float(np.float32(0.7))),
        ((1.0, 1.0 + 1e-6), 1.0 + 1e-6),  # a narrow box's edge, exactly
    ],
)
def test_a_constant_input_within_the_solvers_tolerance_of_the_box_is_solved(solver_config, box, value):
    """probe141 #1: the refusal took 1e-9 of slack in the user's units: a Param at float32's 0.3 on a box to 0.3, or
    x fixed 5e-7 past 1, were refused though the solver solves them (it holds the row that ties them to 1e-6)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericsWarning)
        assert solve(_constant_input(box, param=True, value=value), solver_config).optimal


@pytest.mark.parametrize(
    "box, value, excess",
    [
        ((-1.0, 1.0), 1 + 2e-6, "2e-06"),
        ((1.0, 1.0 + 1e-6), 1.0 + 1e-6 + 5e-10, "0.000524"),  # shifted to its middle, times 2**20
        ((0.0, 1e-6), 1e-6 + 5e-10, "0.000262"),  # times 2**19
        ((-1e-9, 1e-9), 1.9e-9, "0.000944"),
    ],
)
def test_a_constant_input_past_the_box_in_the_encodings_units_is_refused(solver_config, box, value, excess):
    """probe141 #1: on a narrow or tiny box the row ties the input less a shift, times up to 2**20: 5e-10 past the
    box, within the old 1e-9 of slack, is 5e-4 past it there, and the solve said only 'infeasible'."""
    m = _constant_input(box, value=value)
    with pytest.raises(
        ModelFormatError,
        match=rf"its input 0 \(x\) is constant at .*outside the box .* by {excess} in the encoding's units \(beyond the "
        r"solver's tolerance of 1e-06 on the row that ties it",
    ):
        solve(m, solver_config)


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc", "is NaN, has no value"),  # a bare TypeError ('<=' between float and str)
        (float("nan"), "is NaN, has no value"),
        (float("inf"), "give it a finite value"),
    ],
)
def test_a_constant_input_without_a_real_finite_value_is_left_to_the_checks_that_name_it(solver_config, value, message):
    """probe141 #2: text crashed the refusal, and NaN or inf were called outside the box; the rows' checks name them."""
    m = _constant_input((-1.0, 1.0), param=True, value=0.5)
    m.x = value
    with pytest.raises(ModelFormatError, match=rf"constraint 'surrogate\.input_links\[0\]'.*{message}"):
        solve(m, solver_config)


def test_a_fixed_variable_at_nan_is_left_to_the_checks_that_name_it(solver_config):
    m = _constant_input((-1.0, 1.0), value=0.5)
    m.x.set_value(float("nan"), skip_validation=True)
    with pytest.raises(ModelFormatError, match=r"constraint 'surrogate\.input_links\[0\]' is NaN.*give it a value"):
        solve(m, solver_config)


def test_an_input_whose_row_is_deactivated_is_not_checked(solver_config):
    """probe141 #3: the user deactivated the row that ties the input: nothing ties it, and the model solves."""
    m = _constant_input((-1.0, 1.0), value=5.0)
    m.surrogate.input_links[0].deactivate()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericsWarning)
        assert solve(m, solver_config).optimal


def _relaxed(box, value):
    """:func:`_constant_input` with its binaries made continuous: HiGHS gets an LP, whose rows it holds to 1e-7."""
    m = _constant_input(box, value=value)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    return m


def test_a_constant_input_within_highs_lp_tolerance_of_the_box_is_solved(solver_config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericsWarning)
        assert solve(_relaxed((-1.0, 1.0), 1 + 9e-8), solver_config).optimal


@pytest.mark.parametrize(
    "box, value, excess",
    [
        ((-1.0, 1.0), 1 + 1.05e-7, "1.05e-07"),
        ((1000.0, 1000.0 + 1e-6), float(np.nextafter(1000.0 + 1e-6, np.inf)), "1.19e-07"),  # 1 ulp, times 2**20
    ],
)
def test_a_constant_input_past_highs_lp_tolerance_is_refused(solver_config, box, value, excess):
    """probe144 #1: HiGHS holds an LP's rows to 1e-7, not a MIP's 1e-6: a constant 1 ulp past a narrow box (1.2e-7
    times 2**20), within 1e-6, got a bare 'infeasible' (measured: 1e-7 past the box solves, 1.01e-7 does not)."""
    with pytest.raises(
        ModelFormatError,
        match=rf"its input 0 \(x\) is constant at .* by {excess} in the encoding's units \(beyond the solver's "
        r"tolerance of 1e-07 on the rows of an LP \(a model without integer variables\)",
    ):
        solve(_relaxed(box, value), solver_config)
