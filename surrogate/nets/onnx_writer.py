"""A :class:`~surrogate.nets.network.ReluMLP` as an ONNX model, written node by node with ``onnx.helper``.

The graph is the one ``torch.onnx.export`` (dynamo) writes for the net's ``torch.nn.Sequential`` of
``Linear``/``ReLU`` layers, in the form :func:`~surrogate.nets.onnx_graph.normalise_graph` reads:

    xy[batch, n0] -> Gemm(transB=1) -> Relu -> ... -> Gemm(transB=1) -> z[batch, nL]

Each ``Gemm`` carries all four of its attributes (``alpha=1``, ``beta=1``, ``transA=0``, ``transB=1``), as torch
writes them: OMLT's own ONNX parser (``omlt.io.load_onnx_neural_network``) reads each of them and fails on one left
to its ONNX default.

Layer ``i`` stores its weight as ``"{2i}.weight"`` (shape ``(n_out, n_in)``, float32) and its bias as
``"{2i}.bias"``, the names torch gives the Sequential's parameters. Writing it directly costs milliseconds, where
torch's exporter took 1-3 s a net plus several seconds to import its translation tables in each process, and the
file carries no exporter traces (torch's held stack traces with the paths of the exporting machine).
"""

from __future__ import annotations

import numpy as np

from ..version import package_version
from .network import ReluMLP

#: The ONNX operator set and IR version of a written file (those of torch 2.13's exporter, which onnxruntime >= 1.18 reads).
OPSET, IR_VERSION = 20, 10
#: The names of the graph's input and output.
INPUT_NAME, OUTPUT_NAME = "xy", "z"


def relu_mlp_proto(net: ReluMLP):
    """The ONNX model of ``net``: float32 weights, a dynamic batch dimension, no metadata yet.

    Parameters
    ----------
    net
        The net; its weights are rounded to float32 (round to nearest, as ``torch.tensor(..., dtype=float32)``).

    Returns
    -------
    onnx.ModelProto
        The model, with ``producer_name`` ``"surrogate"`` and this package's version as ``producer_version``.
    """
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers, hidden = [], [], []
    current, last = INPUT_NAME, len(net.weights) - 1
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        suffix = f"_{i}" if i else ""
        weight, bias = f"{2 * i}.weight", f"{2 * i}.bias"
        with np.errstate(over="ignore"):  # a weight past float32's largest becomes inf; export_onnx's check refuses it
            initializers += [
                numpy_helper.from_array(w.T.astype(np.float32), weight),  # (ReluMLP holds float64 arrays)
                numpy_helper.from_array(b.astype(np.float32), bias),
            ]
        linear = OUTPUT_NAME if i == last else f"linear{suffix}"
        nodes.append(
            helper.make_node(
                "Gemm", [current, weight, bias], [linear], f"node_linear{suffix}", alpha=1.0, beta=1.0, transA=0, transB=1
            )
        )
        current = linear
        if i < last:
            nodes.append(helper.make_node("Relu", [linear], [f"relu{suffix}"], f"node_relu{suffix}"))
            current = f"relu{suffix}"
            width = w.shape[1]
            hidden += [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", width]) for name in (linear, current)]
    graph = helper.make_graph(
        nodes,
        "main_graph",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", net.weights[0].shape[0]])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", net.weights[-1].shape[1]])],
        initializers,
        value_info=hidden,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="surrogate")
    proto.ir_version, proto.producer_version = IR_VERSION, package_version()
    return proto
