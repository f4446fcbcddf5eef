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
