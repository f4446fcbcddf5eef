"""Helpers shared by the tests: random nets and hand-made ONNX graphs (imported as ``tests.helpers``)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from surrogate import ReluMLP

#: The MILP solver of every test that solves (the name lives here and nowhere else in the tests).
SOLVER = "highs"


def random_net(hidden, *, seed: int = 0, n_inputs: int = 2) -> ReluMLP:
    """A ReLU MLP with random (not trained) weights; biases non-zero."""
    rng = np.random.default_rng(seed)
    sizes = (n_inputs, *hidden, 1)
    weights = tuple(rng.normal(0, 1, (a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:]))
    biases = tuple(rng.normal(0, 0.3, b) for b in sizes[1:])
    return ReluMLP(weights, biases)


def write_onnx_graph(path, *, activation="Relu", n_inputs=2, n_outputs=1, hidden=3) -> str:
    """Write a hand-made ONNX MLP ``n_inputs -> hidden -> n_outputs`` with the given activation."""
    rng = np.random.default_rng(1)
    inits = [
        numpy_helper.from_array(rng.normal(size=(hidden, n_inputs)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.normal(size=hidden).astype(np.float32), "b1"),
        numpy_helper.from_array(rng.normal(size=(n_outputs, hidden)).astype(np.float32), "w2"),
        numpy_helper.from_array(rng.normal(size=n_outputs).astype(np.float32), "b2"),
    ]
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
        helper.make_node(activation, ["h"], ["a"]),
        helper.make_node("Gemm", ["a", "w2", "b2"], ["y"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", n_inputs])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", n_outputs])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, str(path))
    return str(path)
