"""ReLU written with a comparison or with zeros computed at run time (surrogate.nets.onnx_relu_forms): read as ReLU,
and each checked against onnxruntime; other conditions still refused, by what they are."""

import warnings

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from surrogate import load_onnx
from tests.helpers import activation_onnx

node = helper.make_node
ZERO = {"zero": np.float32(0.0)}
ZERO_FLOAT = helper.make_tensor("v", TensorProto.FLOAT, [1], [0.0])

FORMS = {
    # torch.maximum(h, torch.zeros_like(h)), legacy exporter
    "Max(h, ConstantOfShape(Shape(h)))": (
        [node("Shape", ["h"], ["s"]), node("ConstantOfShape", ["s"], ["z"], value=ZERO_FLOAT), node("Max", ["h", "z"], ["r"])],
        {},
    ),
    # the same under dynamo with a dynamic batch, the zeros first
    "Max(Expand(0, Shape(h)), h)": (
        [node("Shape", ["h"], ["s"]), node("Expand", ["zero", "s"], ["z"]), node("Max", ["z", "h"], ["r"])],
        ZERO,
    ),
    # torch.where(h > 0, h, 0)
    "Where(h > 0, h, 0)": ([node("Greater", ["h", "zero"], ["c"]), node("Where", ["c", "h", "zero"], ["r"])], ZERO),
    # torch.where(0 < h, h, torch.zeros_like(h)), legacy exporter
    "Where(0 < h, h, zeros_like(h))": (
        [node("Less", ["zero", "h"], ["c"]), node("Shape", ["h"], ["s"]), node("ConstantOfShape", ["s"], ["z"])]
        + [node("Where", ["c", "h", "z"], ["r"])],
        ZERO,
    ),
    # nn.Threshold(0, 0) under dynamo
    "Where(h <= 0, 0, h)": ([node("LessOrEqual", ["h", "zero"], ["c"]), node("Where", ["c", "zero", "h"], ["r"])], ZERO),
    # torch.where(h > torch.zeros_like(h), h, torch.zeros_like(h)), legacy exporter (probe133: the condition's zeros)
    "Where(h > zeros_like(h), h, zeros_like(h))": (
        [node("Shape", ["h"], ["s"]), node("ConstantOfShape", ["s"], ["z"], value=ZERO_FLOAT)]
        + [node("Greater", ["h", "z"], ["c"]), node("Where", ["c", "h", "z"], ["r"])],
        {},
    ),
    # h * (h > torch.zeros_like(h)).float()
    "h * Cast(h > zeros_like(h))": (
        [node("Shape", ["h"], ["s"]), node("ConstantOfShape", ["s"], ["z"], value=ZERO_FLOAT)]
        + [node("Greater", ["h", "z"], ["c"]), node("Cast", ["c"], ["m"], to=TensorProto.FLOAT), node("Mul", ["h", "m"], ["r"])],
        {},
    ),
    # h * (h > 0)
    "h * Cast(h > 0)": (
        [node("Greater", ["h", "zero"], ["c"]), node("Cast", ["c"], ["m"], to=TensorProto.FLOAT), node("Mul", ["h", "m"], ["r"])],
        ZERO,
    ),
}


def _matches_onnxruntime(path, net, batch=None):
    xs = np.random.default_rng(0).uniform(-1, 1, (batch or 64, 2)).astype(np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    want = session.run(None, {"x": xs})[0].reshape(-1)
    return np.abs(net.forward(xs.astype(np.float64)) - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("form", FORMS)
def test_a_relu_written_with_a_condition_or_computed_zeros_is_read_as_relu(tmp_path, form):
    """probe129 #3: each was refused, for a Reshape the file does not hold or with 'retrain with ReLU activations'."""
    path = activation_onnx(tmp_path / "net.onnx", *FORMS[form])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its missing domain
        net = load_onnx(path)
    assert net.architecture.name == "1x8" and _matches_onnxruntime(path, net)


def test_max_with_zeros_stored_per_point_of_a_fixed_batch_is_read_as_relu(tmp_path):
    """probe129 #3: dynamo at a fixed batch of 3 stores zeros_like(h) as zeros of shape (3, 8); it was refused with
    'the net uses Max ... retrain the net with ReLU activations'."""
    path = activation_onnx(tmp_path / "net.onnx", [node("Max", ["h", "z"], ["r"])], {"z": np.zeros((3, 8))}, batch=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = load_onnx(path)
    assert net.architecture.name == "1x8" and _matches_onnxruntime(path, net, batch=3)


def test_maximum_of_zeros_like_from_torch_is_read_as_relu(tmp_path):
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.a, self.b = torch.nn.Linear(2, 8), torch.nn.Linear(8, 1)

        def forward(self, x):
            h = self.a(x)
            return self.b(torch.maximum(h, torch.zeros_like(h)))

    path = tmp_path / "net.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Net().eval(), (torch.zeros(1, 2),), str(path), dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "b"}}
        )
        net = load_onnx(path)
    assert net.architecture.name == "1x8" and _matches_onnxruntime(path, net)


def _respelled(activation, initializers, *, width=8, batch="batch"):
    """The graph ``x -> MatMul+Add -> h -> activation -> r`` (``h`` ``width`` wide) after respell_relu_forms."""
    from onnx import numpy_helper

    from surrogate.nets.onnx_relu_forms import respell_relu_forms

    weights = {"W1": np.ones((2, width), np.float32), "B1": np.zeros(width, np.float32), **initializers}
    graph = helper.make_graph(
        [node("MatMul", ["x", "W1"], ["m1"]), node("Add", ["m1", "B1"], ["h"]), *activation],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 2])],
        [helper.make_tensor_value_info("r", TensorProto.FLOAT, [batch, width])],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in weights.items()],
    )
    respell_relu_forms(graph)
    return graph


HALF = {"zero": np.float32(0.0), "half": np.float32(0.5)}
NO_RELU = {
    # a Where that keeps another tensor than the one compared: slope * relu(h), not relu(h)
    "Where(h > 0, 2 h, 0)": (
        [node("Greater", ["h", "zero"], ["c"]), node("Mul", ["h", "two"], ["hs"]), node("Where", ["c", "hs", "zero"], ["r"])],
        {"zero": np.float32(0.0), "two": np.float32(2.0)},
    ),
    # h times its negative mask: min(h, 0)
    "h * Cast(h < 0)": (
        [node("Less", ["h", "zero"], ["c"]), node("Cast", ["c"], ["m"], to=TensorProto.FLOAT), node("Mul", ["h", "m"], ["r"])],
        ZERO,
    ),
    # h times the mask of -h: min(h, 0) again
    "h * Cast(-h > 0)": (
        [node("Neg", ["h"], ["g"]), node("Greater", ["g", "zero"], ["c"]), node("Cast", ["c"], ["m"], to=TensorProto.FLOAT)]
        + [node("Mul", ["h", "m"], ["r"])],
        ZERO,
    ),
    # max(h, 0.5): stored, and expanded to h's shape
    "Max(h, 0.5)": ([node("Max", ["h", "half"], ["r"])], HALF),
    "Max(h, Expand(0.5, Shape(h)))": (
        [node("Shape", ["h"], ["s"]), node("Expand", ["half", "s"], ["z"]), node("Max", ["h", "z"], ["r"])],
        HALF,
    ),
    # zeros of 5 rows with a dynamic batch: they broadcast the batch to 5 rows
    "Max(h, zeros(5, 8))": ([node("Max", ["h", "z"], ["r"])], {"z": np.zeros((5, 8), np.float32)}),
}


@pytest.mark.parametrize("form", NO_RELU)
def test_a_form_that_is_no_relu_is_left_as_it_is(form):
    activation, initializers = NO_RELU[form]
    graph = _respelled(activation, initializers)
    assert "Relu" not in [n.op_type for n in graph.node] and len(graph.node) == 2 + len(activation)


def test_zeros_wider_than_h_are_no_relu():
    """Max of a 1-wide h and zeros of 8 per row widens h to 8 features: no relu(h)."""
    graph = _respelled([node("Max", ["h", "z"], ["r"])], {"z": np.zeros((1, 8), np.float32)}, width=1)
    assert [n.op_type for n in graph.node] == ["MatMul", "Add", "Max"]


def test_zeros_that_another_node_reads_are_kept():
    """The zeros of Max(h, ConstantOfShape(Shape(h))) read again by an Add stay, with the nodes that compute them."""
    activation = [node("Shape", ["h"], ["s"]), node("ConstantOfShape", ["s"], ["z"], value=ZERO_FLOAT)]
    activation += [node("Max", ["h", "z"], ["q"]), node("Add", ["q", "z"], ["r"])]
    graph = _respelled(activation, {})
    assert [n.op_type for n in graph.node] == ["MatMul", "Add", "Shape", "ConstantOfShape", "Relu", "Add"]
