"""Shapes computed in the graph as the legacy PyTorch exporter writes them (onnx_spellings.py)."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from surrogate import ModelFormatError, load_onnx
from surrogate.errors import DomainWarning

RNG = np.random.default_rng(5)
WEIGHTS = {
    "W1": RNG.normal(size=(2, 6)).astype(np.float32),
    "B1": RNG.normal(size=6).astype(np.float32),
    "W2": RNG.normal(size=(6, 1)).astype(np.float32),
    "B2": RNG.normal(size=1).astype(np.float32),
    "axes": np.array([0], np.int64),
    "minus1": np.array([-1], np.int64),
}


def _view_net(path, dim: int):
    """x.view(x.size(dim), -1) as the legacy exporter writes it (Shape -> Gather -> Unsqueeze -> Concat -> Reshape),
    then a 2-6-1 ReLU net."""
    node = helper.make_node
    nodes = [
        node("Shape", ["x"], ["s"]),
        node("Gather", ["s", "dim"], ["n"], axis=0),
        node("Unsqueeze", ["n", "axes"], ["n1"]),
        node("Concat", ["n1", "minus1"], ["shape"], axis=0),
        node("Reshape", ["x", "shape"], ["xf"]),
        node("Gemm", ["xf", "W1", "B1"], ["g"]),
        node("Relu", ["g"], ["r"]),
        node("Gemm", ["r", "W2", "B2"], ["y"]),
    ]
    inits = [numpy_helper.from_array(v, k) for k, v in {**WEIGHTS, "dim": np.array(dim, np.int64)}.items()]
    graph = helper.make_graph(
        nodes,
        "view",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1])],
        inits,
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8), str(path))
    return path


def test_the_legacy_exporters_flatten_by_the_batch_size_loads_as_the_net_it_computes(tmp_path):
    """probe93 #8: x.view(x.size(0), -1) was refused as 'a layer built as parts side by side' (its Concat computes a
    shape); on a (batch, 2) input it changes nothing, and the import check compares the net with onnxruntime."""
    with pytest.warns(DomainWarning, match="declares no domain"):
        net = load_onnx(_view_net(tmp_path / "view.onnx", 0))
    assert net is not None


def test_a_shape_concat_read_otherwise_is_refused_by_its_operations_not_as_layer_parts(tmp_path):
    """x.view(x.size(1), -1) is another function (the batch spread over columns): refused naming its operations, not
    as a layer built of parts."""
    with pytest.raises(ModelFormatError, match=r"the net uses Concat, Gather, Shape, Unsqueeze") as refused:
        load_onnx(_view_net(tmp_path / "view1.onnx", 1))
    assert "side by side" not in str(refused.value)
