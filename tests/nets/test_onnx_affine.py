"""Per-feature affine maps that exporters write (batch norm, scalers, offsets) folded into the layers, and the messages around them."""

import json
import warnings

import numpy as np
import onnxruntime as ort
import pyomo.environ as pyo
import pytest
from onnx import TensorProto, helper

from surrogate import ModelFormatError, add_surrogate, load_onnx, solve
from surrogate.errors import DomainWarning
from tests.helpers import save_graph

RNG = np.random.default_rng(7)
W1, B1, W2, B2 = RNG.normal(size=(2, 5)), RNG.normal(size=5), RNG.normal(size=(5, 1)), RNG.normal(size=1)
WEIGHTS = {"W1": W1, "B1": B1, "W2": W2, "B2": B2}
DOMAIN = [[0.0, 10.0], [-3.0, 5.0]]
node = helper.make_node


def save(path, nodes, initializers, *, outputs=("y",), metadata=None, ml=False):
    """Write the graph x -> ... -> y (float32 ``initializers``, name -> array), its domain ``DOMAIN``; return its path."""
    return save_graph(
        path,
        nodes,
        initializers,
        outputs=[(name, ["batch", 1]) for name in outputs],
        opset={"": 17, "ai.onnx.ml": 1} if ml else 17,
        domain=DOMAIN if metadata is None else None,
        metadata=metadata,
    )


def points(n=64, seed=0):
    (xl, xu), (yl, yu) = DOMAIN
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(xl, xu, n), rng.uniform(yl, yu, n)])


def onnxruntime_values(path, xs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": xs.astype(np.float32)})[0].reshape(-1)


def layer(source, out, w="W1", b="B1"):
    return [node("MatMul", [source, w], [f"{out}.m"]), node("Add", [f"{out}.m", b], [out])]


def tail(source="r", out="y"):
    return layer(source, out, "W2", "B2")


SCALE, SHIFT = np.array([0.2, 0.25]), np.array([-1.0, -0.25])  # [0, 10] x [-3, 5] onto [-1, 1]^2
BN = {"gamma": RNG.uniform(0.5, 2, 5), "beta": RNG.normal(size=5), "mean": RNG.normal(size=5), "var": RNG.uniform(0.1, 3, 5)}

FOLDED = {
    # PyTorch's legacy exporter: Linear -> BatchNorm1d (eval) -> ReLU -> Linear, the Linear a Gemm with transB
    "BatchNormalization between a Gemm and its ReLU": (
        [
            node("Gemm", ["x", "W1t", "B1"], ["g"], transB=1),
            node("BatchNormalization", ["g", "gamma", "beta", "mean", "var"], ["h"]),
        ]
        + [node("Relu", ["h"], ["r"])]
        + tail(),
        {"W1t": W1.T, **BN},
    ),
    # skl2onnx's Pipeline(StandardScaler, MLPRegressor): Scaler (ai.onnx.ml), a Cast, then the layers
    "Scaler before the first layer": (
        [node("Scaler", ["x"], ["s"], domain="ai.onnx.ml", offset=[5.0, 1.0], scale=list(SCALE))]
        + [node("Cast", ["s"], ["sc"], to=TensorProto.FLOAT)]
        + layer("sc", "h")
        + [node("Relu", ["h"], ["r"])]
        + tail(),
        {},
    ),
    # skl2onnx's StandardScaler with div_cast, and a MinMaxScaler
    "Sub and Div before the first layer": (
        [node("Sub", ["x", "mu"], ["c"]), node("Div", ["c", "sd"], ["s"])]
        + layer("s", "h")
        + [node("Relu", ["h"], ["r"])]
        + tail(),
        {"mu": [5.0, 1.0], "sd": 1 / SCALE},
    ),
    "Mul and Add before the first layer": (
        [node("Mul", ["x", "k"], ["s0"]), node("Add", ["off", "s0"], ["s"])]
        + layer("s", "h")
        + [node("Relu", ["h"], ["r"])]
        + tail(),
        {"k": SCALE, "off": SHIFT},
    ),
    "a constant minus the input": (
        [node("Sub", ["c", "x"], ["s"])] + layer("s", "h") + [node("Relu", ["h"], ["r"])] + tail(),
        {"c": [1.0, -2.0]},
    ),
    "an input shift Add(x, c)": (
        [node("Add", ["x", "c"], ["s"])] + layer("s", "h") + [node("Relu", ["h"], ["r"])] + tail(),
        {"c": SHIFT},
    ),
    # output de-normalisation: y = net(x) * sd + mean, the last nodes of the graph
    "Mul and Add after the last layer": (
        layer("x", "h")
        + [node("Relu", ["h"], ["r"])]
        + tail(out="z")
        + [node("Mul", ["z", "sd"], ["zs"]), node("Add", ["zs", "m"], ["y"])],
        {"sd": [3.0], "m": 0.5},
    ),
    # probe109 A4: the Gemm's alpha was dropped when the map was folded into it (check_import refused the file)
    "a Gemm with alpha=2 before an output de-normalisation": (
        layer("x", "h")
        + [node("Relu", ["h"], ["r"]), node("Gemm", ["r", "W2t", "B2"], ["z"], transB=1, alpha=2.0)]
        + [node("Mul", ["z", "sd"], ["zs"]), node("Add", ["zs", "m"], ["y"])],
        {"W2t": W2.T, "sd": [3.0], "m": 0.5},
    ),
    "a second bias: MatMul, Add(b), Add(c), Relu": (
        layer("x", "h0") + [node("Add", ["h0", "c"], ["h"]), node("Relu", ["h"], ["r"])] + tail(),
        {"c": np.full(5, 0.7)},
    ),
    "a constant added to a hidden layer after its ReLU": (
        layer("x", "h") + [node("Relu", ["h"], ["r0"]), node("Add", ["r0", "c"], ["r"])] + tail(),
        {"c": RNG.normal(size=5)},
    ),
    "a ReLU layer scaled by one value before a Gemm with transB": (
        layer("x", "h")
        + [node("Relu", ["h"], ["r0"]), node("Div", ["r0", "two"], ["r"])]
        + [node("Gemm", ["r", "W2t", "B2"], ["y"], transB=1)],
        {"two": [2.0], "W2t": W2.T},
    ),
}


@pytest.mark.parametrize("form", FOLDED)
def test_an_affine_map_is_folded_into_the_layer_next_to_it(tmp_path, form):
    nodes, extra = FOLDED[form]
    path = save(tmp_path / "net.onnx", nodes, {**WEIGHTS, **extra}, ml=form.startswith("Scaler"))
    net = load_onnx(path)
    assert net.architecture.name == "1x5"
    assert net.domain == tuple(map(tuple, DOMAIN))
    xs = points()
    want = onnxruntime_values(path, xs)
    assert np.abs(net.forward(xs).reshape(-1) - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


def test_a_folded_net_is_encoded_exactly(tmp_path, solver_config):
    """Batch norm between layers, a Scaler in front and a de-normalisation behind, in one net, at fixed inputs."""
    nodes = [node("Scaler", ["x"], ["s"], domain="ai.onnx.ml", offset=[5.0, 1.0], scale=list(SCALE))] + layer("s", "g")
    nodes += [node("BatchNormalization", ["g", "gamma", "beta", "mean", "var"], ["h"]), node("Relu", ["h"], ["r"])]
    nodes += tail(out="z") + [node("Mul", ["z", "sd"], ["y"])]
    path = save(tmp_path / "net.onnx", nodes, {**WEIGHTS, **BN, "sd": [-2.0]}, ml=True)
    xs = points(4, seed=1)
    want = onnxruntime_values(path, xs)
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=DOMAIN[0]), pyo.Var(bounds=DOMAIN[1])
    enc = add_surrogate(m, path, [m.x, m.y])
    m.obj = pyo.Objective(expr=enc.output)
    for (x, y), expected in zip(xs, want):
        m.x.fix(float(x))
        m.y.fix(float(y))
        assert solve(m, solver_config).optimal
        assert abs(pyo.value(enc.output) - expected) <= 1e-5 * max(1.0, abs(expected))


def relu_net(*extra_nodes, source="r"):
    return layer("x", "h") + [node("Relu", ["h"], ["r0" if extra_nodes else "r"]), *extra_nodes] + tail(source)


NOT_FOLDED = {
    "a Div by a constant holding 0": (
        relu_net(node("Div", ["r0", "sd"], ["r"])),
        {"sd": [1, 0, 2, 1, 1]},
        r"Div node '.*' divides by a constant that holds 0 .*set those divisors to 1",
    ),
    "BatchNormalization in training mode": (
        layer("x", "g")
        + [node("BatchNormalization", ["g", "gamma", "beta", "mean", "var"], ["h"], training_mode=1)]
        + [node("Relu", ["h"], ["r"])]
        + tail(),
        BN,
        r"BatchNormalization node '.*' normalises by each batch's own statistics .*export the net in eval mode",
    ),
    "a scale between two ReLUs": (
        relu_net(node("Mul", ["r0", "k"], ["r1"]), node("Relu", ["r1"], ["r"])),
        {"k": [2.0]},
        r"Mul node '.*' is an affine map .* of 'r0' with no Gemm or MatMul layer next to it .*fold it into the neighbouring",
    ),
    "a constant per point of a batch": (
        relu_net(node("Add", ["r0", "c"], ["r"])),
        {"c": np.arange(15.0).reshape(3, 5)},
        r"Add node '.*' applies a constant of shape \(3, 5\), not one value per feature \(a different one per point "
        r"of a batch of 3, .*shape \(5,\)",
    ),
    "a constant of equal rows per point of a batch": (  # probe139: called 'a different one per point'
        relu_net(node("Mul", ["r0", "c"], ["r"])),
        {"c": np.tile(np.linspace(0.5, 2, 5), (3, 1))},
        r"Mul node '.*' applies a constant of shape \(3, 5\), not one value per feature \(the same row for each "
        r"point of a batch of 3, which a batch of another size cannot take\); export it with one value per feature",
    ),
    "BatchNormalization of variance 0 and epsilon 0": (  # probe139: blamed on 'non-finite weights (a diverged run)'
        layer("x", "g")
        + [node("BatchNormalization", ["g", "gamma", "beta", "mean", "var"], ["h"], epsilon=0.0, name="bn")]
        + [node("Relu", ["h"], ["r"])]
        + tail(),
        {**BN, "var": [0.0, 1.0, 1.0, 0.0, 1.0]},
        r"BatchNormalization node 'bn' divides by sqrt\(variance \+ epsilon\), which is 0 or not real for features "
        r"\[0, 3\] \(variance 0, epsilon 0\): a division by zero; export it with epsilon > 0",
    ),
    "a constant divided by the tensor": (
        relu_net(node("Div", ["k", "r0"], ["r"])),
        {"k": [1.0]},
        r"Div node '.*' divides a constant by the tensor \(1/x\), which is no affine map",
    ),
}


@pytest.mark.parametrize("form", NOT_FOLDED)
def test_an_affine_map_that_cannot_be_folded_is_named_with_how_to_fold_it(tmp_path, form):
    nodes, extra, message = NOT_FOLDED[form]
    with pytest.raises(ModelFormatError, match=message) as caught:
        load_onnx(save(tmp_path / "net.onnx", nodes, {**WEIGHTS, **extra}))
    assert "retrain the net with ReLU" not in str(caught.value)


@pytest.mark.parametrize("slope", [np.zeros(5), np.zeros(1)], ids=["per channel", "one value"])
def test_a_prelu_of_zero_slope_is_read_as_relu(tmp_path, slope):
    nodes = layer("x", "h") + [node("PRelu", ["h", "sl"], ["r"])] + tail()
    path = save(tmp_path / "net.onnx", nodes, {**WEIGHTS, "sl": slope})
    xs = points()
    assert np.abs(load_onnx(path).forward(xs).reshape(-1) - onnxruntime_values(path, xs)).max() < 1e-4


def test_a_prelu_with_a_slope_is_still_refused(tmp_path):
    path = save(tmp_path / "net.onnx", layer("x", "h") + [node("PRelu", ["h", "sl"], ["r"])] + tail(), {**WEIGHTS, "sl": [0.2]})
    with pytest.raises(ModelFormatError, match="the net uses PRelu, but surrogate encodes only ReLU MLPs"):
        load_onnx(path)


def test_two_outputs_are_named_as_the_graph_names_them(tmp_path):
    nodes = relu_net() + [node("Identity", ["y"], ["ycopy"])]
    path = save(tmp_path / "two.onnx", nodes, WEIGHTS, outputs=("y", "ycopy"))
    with pytest.raises(ModelFormatError, match=r"two\.onnx: the graph has 2 outputs \(y, ycopy\); a surrogate of x\*y has one"):
        load_onnx(path)


def test_a_malformed_domain_is_refused_with_advice_on_the_metadata_only(tmp_path):
    path = save(tmp_path / "net.onnx", relu_net(), WEIGHTS, metadata={"surrogate.domain": "[[10, 0], [-3, 5]]"})
    with pytest.raises(
        ModelFormatError,
        match=r"must give 2 finite \[lower, upper\] pairs .*fix the net's domain metadata \(the ONNX key 'surrogate.domain'; net.with_metadata\(domain=...\)\)$",
    ):
        load_onnx(path)


@pytest.mark.parametrize("key", ["domain", "surrogate.Domain", "surrogate_domain", "surrogate.domian", "surogate.domain"])
def test_a_misspelt_domain_key_is_warned_of(tmp_path, key):
    path = save(tmp_path / "net.onnx", relu_net(), WEIGHTS, metadata={key: json.dumps(DOMAIN)})
    with pytest.warns(
        DomainWarning,
        match=f"metadata key '{key}' is not read: .*spelt exactly so\\); so it is taken as \\[-1, 1\\]\\^2; rename the key to 'surrogate.domain'",
    ):
        net = load_onnx(path)
    assert net.domain == ((-1.0, 1.0), (-1.0, 1.0))
    both = save(tmp_path / "both.onnx", relu_net(), WEIGHTS, metadata={"surrogate.domain": json.dumps(DOMAIN), key: "[]"})
    with pytest.warns(
        DomainWarning, match=f"metadata key '{key}' is not read: .*spelt exactly so\\); drop or rename the other key"
    ):
        assert load_onnx(both).domain == tuple(map(tuple, DOMAIN))


def test_the_right_domain_key_gives_no_warning(tmp_path):
    path = save(tmp_path / "net.onnx", relu_net(), WEIGHTS, metadata={"surrogate.domain": json.dumps(DOMAIN), "producer": "x"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        load_onnx(path)


@pytest.mark.parametrize("shape_op", ["Squeeze", "Reshape"])
def test_a_denormalisation_after_a_squeeze_of_the_prediction_is_folded(tmp_path, shape_op):
    """``model(x).squeeze(-1) * sd + mu``: a map of one value commutes with the reshape (it was refused)."""
    axes = {"Squeeze": np.array([1]), "Reshape": np.array([-1])}[shape_op]
    nodes = [*relu_net(source="r")[:-2], *tail(out="z"), node(shape_op, ["z", "ax"], ["q"]), node("Mul", ["q", "sd"], ["s"])]
    nodes.append(node("Add", ["s", "mu"], ["y"]))
    weights = {**WEIGHTS, "sd": np.array(2.5), "mu": np.array(-0.75), "ax": axes.astype(np.int64)}
    save_graph(tmp_path / "net.onnx", nodes, weights, keep_ints=True, outputs=(("y", ["batch"]),), domain=DOMAIN)
    xs = points()
    expected = onnxruntime_values(tmp_path / "net.onnx", xs)
    assert np.allclose(load_onnx(tmp_path / "net.onnx").forward(xs), expected, rtol=1e-5, atol=1e-5)


def test_a_float64_net_keeps_float64_weights_when_a_map_is_folded(tmp_path):
    """The folded weights were written as float32: 1.6e-4 off on inputs near 1e3, refused near 1e5."""
    offset = np.array([1e5, -2e5])
    nodes = [node("Sub", ["x", "off"], ["c"]), node("Div", ["c", "sd"], ["n"]), *layer("n", "h"), node("Relu", ["h"], ["r"])]
    weights = {**WEIGHTS, "off": offset, "sd": np.array([3.0, 7.0])}
    domain = [[1e5 - 5, 1e5 + 5], [-2e5 - 5, -2e5 + 5]]
    save_graph(tmp_path / "net.onnx", [*nodes, *tail()], weights, dtype=np.float64, domain=domain)
    xs = offset + np.random.default_rng(1).uniform(-5, 5, (64, 2))
    session = ort.InferenceSession(str(tmp_path / "net.onnx"), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"x": xs})[0].reshape(-1)
    assert np.max(np.abs(load_onnx(tmp_path / "net.onnx").forward(xs) - expected)) < 1e-9


def test_a_float64_last_layer_without_bias_gets_a_float64_bias_for_a_folded_shift(tmp_path):
    """The zero bias made for a MatMul without one was float32: a shift of 123456.789 folded into it lost 6e-5."""
    nodes = [*layer("x", "h"), node("Relu", ["h"], ["r"]), node("MatMul", ["r", "W2"], ["z"]), node("Add", ["z", "mu"], ["y"])]
    _double(tmp_path / "net.onnx", nodes, {"W1": W1, "B1": B1, "W2": W2, "mu": np.array([123456.789])})
    xs = np.random.default_rng(2).uniform(-1, 1, (64, 2))
    session = ort.InferenceSession(str(tmp_path / "net.onnx"), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"x": xs})[0].reshape(-1)
    assert np.max(np.abs(load_onnx(tmp_path / "net.onnx").forward(xs) - expected)) < 1e-9


def test_a_mul_by_a_constant_holding_0_folds_without_a_numpy_warning(tmp_path):
    """A feature switched off (``x * [1, 0]``) folds right, but numpy's 'divide by zero' of the Div map built for
    every node reached the user."""
    nodes = [node("Mul", ["x", "mask"], ["xm"]), *layer("xm", "h"), node("Relu", ["h"], ["r"]), *tail()]
    path = save(tmp_path / "mask.onnx", nodes, {**WEIGHTS, "mask": [1.0, 0.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        net = load_onnx(path)
    xs = points()
    assert net.forward(xs) == pytest.approx(onnxruntime_values(path, xs), rel=1e-5, abs=1e-5)


def test_a_neg_before_a_relu_is_folded_as_a_scaling_by_minus_one(tmp_path):
    """``relu(-(x W + b))`` is a ReLU MLP; it was refused as 'the net uses Neg ... retrain the net with ReLU activations'."""
    nodes = [*layer("x", "h"), node("Neg", ["h"], ["n"]), node("Relu", ["n"], ["r"]), *tail()]
    path = save(tmp_path / "neg.onnx", nodes, WEIGHTS)
    xs = points()
    assert load_onnx(path).forward(xs) == pytest.approx(onnxruntime_values(path, xs), rel=1e-5, abs=1e-5)


def _double(path, nodes, weights):
    """Write the float64 graph x -> ... -> y (``weights``: name -> array) at ``path``; return the path."""
    return save_graph(path, nodes, weights, dtype=np.float64, domain=[[-1, 1], [-1, 1]])


def _relative_gap(path, net, xs):
    """``max |net - onnxruntime| / max |onnxruntime|`` at ``xs``, onnxruntime's graph run as written (no fusing)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    want = session.run(None, {session.get_inputs()[0].name: xs})[0].reshape(-1)
    return np.max(np.abs(net.forward(xs) - want)) / np.max(np.abs(want))


@pytest.mark.parametrize("where", ["after", "before"])
def test_a_float64_layer_that_adds_its_bias_first_keeps_a_float64_bias_when_a_map_is_folded(tmp_path, where):
    """probe90 #1: with ``Add(b, h @ W)`` (both PyTorch exporters write it so) the folded bias was named after the
    MatMul's output, no initializer, and stored as float32: 4e-9 relative off, 4e-4 on outputs near 1 beside a
    cancelling bias of 1e4."""
    first = [node("MatMul", ["x", "W1"], ["m1"]), node("Add", ["B1", "m1"], ["h"])]
    last = [node("MatMul", ["r", "W2"], ["m2"]), node("Add", ["B2", "m2"], ["g" if where == "after" else "y"])]
    if where == "after":  # an output de-normalisation folded into the last layer
        nodes = [*first, node("Relu", ["h"], ["r"]), *last, node("Mul", ["g", "s"], ["gs"]), node("Add", ["gs", "t"], ["y"])]
    else:  # an input normalisation folded into the first layer
        nodes = [node("Sub", ["x", "t"], ["c"]), node("Mul", ["c", "s"], ["x0"])] + [
            node("MatMul", ["x0", "W1"], ["m1"]),
            node("Add", ["B1", "m1"], ["h"]),
            node("Relu", ["h"], ["r"]),
            *last,
        ]
    w1, b1 = np.hstack([W1, np.zeros((2, 1))]), np.append(B1, 1e4)  # a unit always on at 1e4 ...
    w2, b2 = np.vstack([W2, [[1.0]]]), B2 - 1e4 + 0.123456789  # ... cancelled by the last bias: outputs near 1
    scale = {"after": [0.37], "before": [0.3, 0.7]}[where]
    weights = {"W1": w1, "B1": b1, "W2": w2, "B2": b2, "s": scale, "t": {"after": [0.61], "before": [0.1, -0.2]}[where]}
    path = _double(tmp_path / "net.onnx", nodes, weights)
    net = load_onnx(path)  # float64 rounding of the 1e4 that cancels: ~2e-12 on outputs near 1
    assert _relative_gap(path, net, np.random.default_rng(3).uniform(-1, 1, (64, 2))) < 1e-10


@pytest.mark.parametrize("dynamo", [False, True])
def test_a_float64_torch_module_written_bias_first_loads_in_float64(tmp_path, dynamo):
    """probe90 #1: ``(b2 + h @ W2) * 0.37 + 1234.5678`` in float64, as PyTorch's exporters write it
    (``Add(b2, MatMul)``), was read 4.4e-5 (legacy) and 6.7e-6 (dynamo) off onnxruntime."""
    torch = pytest.importorskip("torch")

    class BiasFirst(torch.nn.Module):
        def __init__(self):
            super().__init__()
            rng = np.random.default_rng(0)
            for name, shape in (("W1", (2, 8)), ("b1", (8,)), ("W2", (8, 1)), ("b2", (1,))):
                setattr(self, name, torch.nn.Parameter(torch.tensor(rng.normal(size=shape))))

        def forward(self, x):
            h = torch.relu(self.b1 + x @ self.W1)
            return (self.b2 + h @ self.W2) * 0.37 + 1234.5678

    path = tmp_path / "net.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporters' own deprecation notes
        kwargs = {"dynamic_shapes": ({0: torch.export.Dim("batch")},)} if dynamo else {"dynamic_axes": {"x": {0: "b"}}}
        torch.onnx.export(
            BiasFirst().eval(), (torch.zeros(2, 2, dtype=torch.float64),), str(path), dynamo=dynamo, input_names=["x"], **kwargs
        )
        net = load_onnx(path)
    assert _relative_gap(path, net, np.random.default_rng(1).uniform(-1, 1, (64, 2))) < 1e-12


def _exact(xs, offset, scale):
    """The net of :func:`test_a_float32_scaler_far_from_0_is_folded_exactly`'s file, its float32 constants in float64."""
    as32 = {k: np.asarray(v, np.float32).astype(np.float64) for k, v in {**WEIGHTS, "off": offset, "sd": scale}.items()}
    h = np.maximum(((xs - as32["off"]) * as32["sd"]) @ as32["W1"] + as32["B1"], 0.0)
    return (h @ as32["W2"] + as32["B2"]).reshape(-1)


@pytest.mark.parametrize("low", [1000.0, 1e4])
@pytest.mark.parametrize("form", ["Scaler", "Sub+Mul"])
def test_a_float32_scaler_far_from_0_is_folded_exactly(tmp_path, low, form):
    """probe129 #1: a float32 scaler of inputs near 1e3 folded into the first layer was stored back in float32, which
    rounded its cancelling bias (``b - mean * scale @ W``): the net read 1e3 times further off the file's net than
    onnxruntime, and at 1e4 refused ("export the file in float64 throughout"), though the file is a valid float32 net."""
    offset, scale = np.full(2, low + 0.5), np.full(2, 1 / 0.29)
    if form == "Scaler":  # skl2onnx's StandardScaler
        first = [node("Scaler", ["x"], ["s"], domain="ai.onnx.ml", offset=list(offset), scale=list(scale))]
    else:  # (x - m) * s in a torch forward()
        first = [node("Sub", ["x", "off"], ["c"]), node("Mul", ["c", "sd"], ["s"])]
    nodes = [*first, *layer("s", "h"), node("Relu", ["h"], ["r"]), *tail()]
    box = json.dumps([[low, low + 1], [low, low + 1]])
    initializers = {**WEIGHTS, **({"off": offset, "sd": scale} if form != "Scaler" else {})}
    path = save(tmp_path / "far.onnx", nodes, initializers, ml=form == "Scaler", metadata={"surrogate.domain": box})
    net = load_onnx(path)  # refused at 1e4 before
    xs = np.random.default_rng(4).uniform(low, low + 1, (256, 2)).astype(np.float32).astype(np.float64)
    exact = _exact(xs, offset, scale)
    onnxruntime_error = np.abs(onnxruntime_values(path, xs) - exact).max()  # about 1e-7 on values near 1
    assert np.abs(net.forward(xs) - exact).max() <= onnxruntime_error


def test_a_float32_scaler_far_from_0_is_encoded_as_the_files_net(tmp_path, solver_config):
    """probe129 #1: the MILP of the folded float32 scaler at [1000, 1001]^2 was 1.6e-2 off the file's net."""
    offset, scale = np.full(2, 1000.5), np.full(2, 1 / 0.29)
    nodes = [node("Sub", ["x", "off"], ["c"]), node("Mul", ["c", "sd"], ["s"]), *layer("s", "h"), node("Relu", ["h"], ["r"])]
    box = [[1000.0, 1001.0], [1000.0, 1001.0]]
    path = save(
        tmp_path / "far.onnx",
        [*nodes, *tail()],
        {**WEIGHTS, "off": offset, "sd": scale},
        metadata={"surrogate.domain": json.dumps(box)},
    )
    xs = np.random.default_rng(5).uniform(1000, 1001, (3, 2)).astype(np.float32).astype(np.float64)
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=box[0]), pyo.Var(bounds=box[1])
    enc = add_surrogate(m, path, [m.x, m.y], bounds="interval")
    m.obj = pyo.Objective(expr=enc.output)
    for (x, y), exact in zip(xs, _exact(xs, offset, scale)):
        m.x.fix(float(x))
        m.y.fix(float(y))
        assert solve(m, solver_config).optimal
        assert abs(pyo.value(enc.output) - exact) <= 1e-6 * max(1.0, abs(exact))
