"""The ONNX graph of a net, written directly: torch's exporter's form, float32 weights, a dynamic batch."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from surrogate.nets.construct import hand_built
from surrogate.nets.onnx_io import export_onnx, load_onnx
from surrogate.nets.onnx_writer import IR_VERSION, OPSET, relu_mlp_proto
from surrogate.version import package_version

from ..helpers import random_net


def _run(proto_or_path, points: np.ndarray) -> np.ndarray:
    source = proto_or_path.SerializeToString() if isinstance(proto_or_path, onnx.ModelProto) else str(proto_or_path)
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: points.astype(np.float32)})[0]


def test_the_graph_is_gemm_and_relu_nodes_named_as_torch_names_them():
    proto = relu_mlp_proto(random_net((3, 4)))
    onnx.checker.check_model(proto, full_check=True)
    nodes = [(n.name, n.op_type, list(n.input), list(n.output)) for n in proto.graph.node]
    assert nodes == [
        ("node_linear", "Gemm", ["xy", "0.weight", "0.bias"], ["linear"]),
        ("node_relu", "Relu", ["linear"], ["relu"]),
        ("node_linear_1", "Gemm", ["relu", "2.weight", "2.bias"], ["linear_1"]),
        ("node_relu_1", "Relu", ["linear_1"], ["relu_1"]),
        ("node_linear_2", "Gemm", ["relu_1", "4.weight", "4.bias"], ["z"]),
    ]
    gemms = [{a.name: onnx.helper.get_attribute_value(a) for a in n.attribute} for n in proto.graph.node if n.op_type == "Gemm"]
    assert gemms == [{"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 1}] * 3
    assert [(t.name, list(t.dims), t.data_type) for t in proto.graph.initializer] == [
        ("0.weight", [3, 2], onnx.TensorProto.FLOAT),
        ("0.bias", [3], onnx.TensorProto.FLOAT),
        ("2.weight", [4, 3], onnx.TensorProto.FLOAT),
        ("2.bias", [4], onnx.TensorProto.FLOAT),
        ("4.weight", [1, 4], onnx.TensorProto.FLOAT),
        ("4.bias", [1], onnx.TensorProto.FLOAT),
    ]
    shapes = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in proto.graph.value_info}
    assert shapes == {"linear": ["batch", 3], "relu": ["batch", 3], "linear_1": ["batch", 4], "relu_1": ["batch", 4]}
    assert (proto.ir_version, [(o.domain, o.version) for o in proto.opset_import]) == (IR_VERSION, [("", OPSET)])
    assert (proto.producer_name, proto.producer_version) == ("surrogate", package_version())


def test_the_weights_are_the_net_s_rounded_to_float32_and_transposed():
    net = random_net((5,), seed=3)
    stored = {t.name: numpy_helper.to_array(t) for t in relu_mlp_proto(net).graph.initializer}
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        assert np.array_equal(stored[f"{2 * i}.weight"], w.T.astype(np.float32))
        assert np.array_equal(stored[f"{2 * i}.bias"], b.astype(np.float32))


@pytest.mark.parametrize("hidden", [(1,), (6,), (4, 4, 4)], ids=str)
def test_onnxruntime_runs_it_as_the_torch_module_of_the_net_at_any_batch_size(hidden):
    """Every batch size runs (the batch dimension is dynamic)."""
    net = random_net(hidden, seed=1)
    module = net.to_torch()
    import torch

    for batch in (1, 7, 1000):
        points = np.random.default_rng(batch).uniform(-1, 1, (batch, 2))
        with torch.no_grad():
            want = module(torch.tensor(points, dtype=torch.float32)).numpy()
        got = _run(relu_mlp_proto(net), points)
        assert got.shape == (batch, 1)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("shape", "variant"), [("3x8", "shared"), ("4x6", "paired")])
def test_a_hand_built_net_with_shared_layers_reads_back_weight_for_weight(tmp_path, shape, variant):
    """torch's exporter wrote identical bias-free layers as one shared weight without biases; written directly,
    every layer has weights and biases of its own, and the file loads as the same net (float32-rounded)."""
    net = hand_built(shape, variant)
    back = load_onnx(export_onnx(net, tmp_path / "net.onnx"))
    rounded = net.rounded_to_float32()
    assert len(back.weights) == len(rounded.weights)
    for got, want in zip(back.weights + back.biases, rounded.weights + rounded.biases):
        assert np.array_equal(got, want)


def test_the_file_is_one_file_without_an_exporter_s_traces(tmp_path):
    """torch's exporter stored each node's stack trace (with the exporting machine's paths) in the model."""
    path = export_onnx(random_net((4,)), tmp_path / "net.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.onnx"]
    proto = onnx.load(str(path))
    assert not any(n.metadata_props for n in proto.graph.node)
    assert not proto.graph.metadata_props
    assert all(p.key.startswith("surrogate.") for p in proto.metadata_props)


def test_omlt_s_own_parser_reads_the_file_as_the_same_net(tmp_path):
    """OMLT's parser reads every Gemm attribute: a file whose Gemms carried only transB failed there with KeyError:
    'alpha' (probe111 #1)."""
    from omlt.io import load_onnx_neural_network

    net = random_net((3, 4), seed=2)
    path = export_onnx(net, tmp_path / "net.onnx")
    parsed = load_onnx_neural_network(onnx.load(str(path)))
    dense = [layer for layer in parsed.layers if hasattr(layer, "weights")]
    rounded = net.rounded_to_float32()
    assert [layer.activation for layer in dense] == ["relu", "relu", "linear"]
    for layer, w, b in zip(dense, rounded.weights, rounded.biases):
        assert np.array_equal(layer.weights, w) and np.array_equal(layer.biases, b)
