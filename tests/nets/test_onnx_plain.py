"""A model read as plain nodes: local functions inlined as onnxruntime runs them, sparse tensors checked and stored dense."""

import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from surrogate import ModelFormatError, load_onnx
from tests.helpers import save_graph

RNG = np.random.default_rng(7)
WEIGHTS = {"W1": RNG.normal(size=(2, 8)), "B1": RNG.normal(size=8), "W2": RNG.normal(size=(8, 1)), "B2": [0.2]}
node = helper.make_node


def _save(path, nodes, functions=(), *, weights=WEIGHTS, dtype=np.float32, sparse=()):
    """``nodes`` from ``x`` to ``y`` with ``weights`` stored as ``dtype`` (and the ``sparse`` tensors), the local
    ``functions`` (domain ``loc``) added, on [-1, 1]^2."""
    kind = TensorProto.FLOAT16 if dtype == np.float16 else TensorProto.FLOAT
    io = {"inputs": (("x", ["N", 2], kind),), "outputs": (("y", ["N", 1], kind),)}
    path = save_graph(path, nodes, weights, dtype=dtype, opset={"": 17, "loc": 1}, domain=[[-1, 1], [-1, 1]], **io)
    model = onnx.load(str(path))
    model.functions.extend(functions)
    model.graph.sparse_initializer.extend(sparse)
    onnx.save(model, str(path))
    return path


def _onnxruntime(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0].astype(np.float64).reshape(-1)


def _scaled_linear():
    """``loc.ScaledLin(a, w, b) = Gemm(a, w, b, alpha=scale)``, ``scale`` 2.0 by default (its ``attribute_proto``)."""
    gemm = node("Gemm", ["a", "w", "b"], ["o"])
    alpha = onnx.AttributeProto(name="alpha", ref_attr_name="scale", type=onnx.AttributeProto.FLOAT)
    gemm.attribute.append(alpha)
    function = helper.make_function("loc", "ScaledLin", ["a", "w", "b"], ["o"], [gemm], [helper.make_opsetid("", 17)])
    function.attribute_proto.append(helper.make_attribute("scale", 2.0))
    return function


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_an_attribute_default_of_a_local_function_is_kept_when_inlined(tmp_path, dtype):
    """probe143: onnx's inliner drops a function's attribute defaults, so a last layer of alpha 2.0 by default was read
    with alpha 1: refused by the import check (float32) or loaded half onnxruntime's output (float16, then)."""
    nodes = [node("Gemm", ["x", "W1", "B1"], ["h"]), node("Relu", ["h"], ["r"])]
    nodes += [node("ScaledLin", ["r", "W2", "B2"], ["y"], domain="loc")]
    path = _save(tmp_path / "default.onnx", nodes, [_scaled_linear()], dtype=dtype)
    net = load_onnx(path)
    x = RNG.uniform(-1, 1, (200, 2)).astype(dtype)
    want = _onnxruntime(path, x)
    assert np.abs(net.forward(x.astype(np.float64)).reshape(-1) - want).max() <= 1e-2 * np.abs(want).max()


def test_a_given_attribute_is_not_replaced_by_the_default(tmp_path):
    nodes = [node("Gemm", ["x", "W1", "B1"], ["h"]), node("Relu", ["h"], ["r"])]
    nodes += [node("ScaledLin", ["r", "W2", "B2"], ["y"], domain="loc", scale=0.5)]
    net = load_onnx(_save(tmp_path / "given.onnx", nodes, [_scaled_linear()]))
    np.testing.assert_allclose(net.weights[-1], 0.5 * np.asarray(WEIGHTS["W2"], np.float32), rtol=1e-6)


def test_a_local_function_shadowing_a_standard_op_is_refused(tmp_path):
    """probe143: a local Relu of the standard domain whose body is Identity: onnxruntime runs the standard Relu, the
    inliner put the Identity in (a net of no ReLU, refused as 'layer activations are linear')."""
    shadow = helper.make_function("", "Relu", ["a"], ["o"], [node("Identity", ["a"], ["o"])], [helper.make_opsetid("", 17)])
    nodes = [node("Gemm", ["x", "W1", "B1"], ["h"]), node("Relu", ["h"], ["r"]), node("Gemm", ["r", "W2", "B2"], ["y"])]
    path = _save(tmp_path / "shadow.onnx", nodes, [shadow])
    message = r"shadow\.onnx: the file defines a local function 'Relu' in the standard domain .*onnxruntime runs the standard Relu instead of the function.*put the function in a domain of its own"
    with pytest.raises(ModelFormatError, match=message):
        load_onnx(path)


def test_an_unused_output_inside_a_local_function_is_named_with_its_function(tmp_path):
    """probe143: the dead Neg inside the function was named as a node of the graph ('Neg_1'), which the file has not."""
    body = [node("Gemm", ["a", "w", "b"], ["o"]), node("Neg", ["o"], ["n"])]
    clash = helper.make_function("loc", "LinC", ["a", "w", "b"], ["o", "n"], body, [helper.make_opsetid("", 17)])
    nodes = [node("LinC", ["x", "W1", "B1"], ["h", "junk"], domain="loc"), node("Relu", ["h"], ["r"])]
    nodes += [node("Gemm", ["r", "W2", "B2"], ["y"])]
    message = r"Neg node '.*' \(inside the local function 'LinC'\).*an output of a local function that nothing reads: remove it from 'LinC'"
    with pytest.raises(ModelFormatError, match=message):
        load_onnx(_save(tmp_path / "clash.onnx", nodes, [clash]))


def _sparse_weight(indices, values):
    values = numpy_helper.from_array(np.asarray(values, np.float32), "W1")
    return helper.make_sparse_tensor(values, numpy_helper.from_array(np.asarray(indices, np.int64), "W1_idx"), [2, 8])


@pytest.mark.parametrize(
    ("indices", "problem"),
    [
        ([0, 5, 16], r"an index out of range: 16 at \[2\] of its indices, not within 0 to 15"),
        ([0, -1, 3], r"an index out of range: -1 at \[1\] of its indices, not within 0 to 15"),
        ([[0, 1], [1, 8], [1, 2]], r"an index out of range: 8 at \[1, 1\] of its indices, not within 0 to 7"),
        ([[0, 1, 0], [1, 2, 0], [1, 3, 0]], r"indices of shape \[3, 3\], not \[3\] or \[3, 2\]"),
    ],
    ids=["flat", "negative", "coordinates", "rows"],
)
def test_sparse_weights_whose_indices_do_not_fit_are_refused_naming_the_tensor(tmp_path, indices, problem):
    """probe143: an IndexError or ValueError from numpy (a negative index was wrapped round) instead of a refusal."""
    nodes = [node("Gemm", ["x", "W1", "B1"], ["h"]), node("Relu", ["h"], ["r"]), node("Gemm", ["r", "W2", "B2"], ["y"])]
    weights = {k: v for k, v in WEIGHTS.items() if k != "W1"}
    path = _save(tmp_path / "sparse.onnx", nodes, weights=weights, sparse=[_sparse_weight(indices, [1.0, 2.0, 3.0])])
    message = rf"sparse\.onnx: the sparse tensor 'W1' \(shape \[2, 8\], 3 values\) has {problem}.*re-export its weights dense"
    with pytest.raises(ModelFormatError, match=message), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_onnx(path)
