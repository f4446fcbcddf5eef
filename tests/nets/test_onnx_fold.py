"""Constants computed in the graph from stored tensors, and the shape of an output Reshape computed in the graph
(onnx_fold.py): the forms Keras 3 writes under the JAX backend (jax2onnx) and PyTorch's ``.view(x.size(0))``.

Each was refused with a false reason (probe101 #1, #2): 'adds two computed tensors (a skip connection ...)', 'the net
uses Div, Max, Sqrt, Sub ... retrain the net with ReLU activations', or 'nodes whose values reach no output' for the
nodes that computed the shape of the Reshape that the loader drops."""

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from surrogate import ModelFormatError, load_onnx
from surrogate.nets.onnx_fold import fold_constants
from tests.helpers import save_graph

RNG = np.random.default_rng(7)
node = helper.make_node
POINTS = RNG.uniform(-1, 1, (200, 2))
BOX = [[-1, 1], [-1, 1]]  # the domain written into every file


def _save(path, nodes, arrays: dict, *, dtype=TensorProto.FLOAT, output_shape=("N", 1), opset=18):
    """A model of ``nodes`` reading the input ``x`` (N, 2), with ``arrays`` stored (floats in ``dtype``)."""
    numpy_type = np.float64 if dtype == TensorProto.DOUBLE else np.float32
    io = {"inputs": (("x", ["N", 2]),), "outputs": (("y", list(output_shape)),)}
    return str(save_graph(path, nodes, arrays, dtype=numpy_type, keep_ints=True, opset=opset, domain=BOX, check=True, **io))


def _gap(path, net, numpy_type=np.float32) -> float:
    """Largest |net - onnxruntime| on :data:`POINTS`, fed as the file's input type."""
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = POINTS.astype(numpy_type)
    got = session.run(None, {"x": x})[0].reshape(-1).astype(np.float64)
    return float(np.abs(net(x.astype(np.float64)).reshape(-1) - got).max())


def _jax_net():
    """A 2-6-6-1 net as jax2onnx writes Keras's Normalization(mean, variance) before it, a BatchNormalization after its
    first ReLU and a LoRA kernel of its second layer: every constant computed from stored tensors."""
    nodes = [
        node("Sqrt", ["var_in"], ["sd_in"]),  # Normalization: (x - mean) / max(sqrt(var), eps)
        node("Max", ["sd_in", "eps_in"], ["div_in"]),
        node("Sub", ["x", "mean_in"], ["xc"]),
        node("Div", ["xc", "div_in"], ["xn"]),
        node("MatMul", ["xn", "W0"], ["m0"]),
        node("Add", ["m0", "B0"], ["a0"]),
        node("Relu", ["a0"], ["h0"]),
        node("Reshape", ["var", "shape"], ["var2"]),  # BatchNormalization: h * s + (beta - mean * s)
        node("Add", ["var2", "eps"], ["ve"]),
        node("Sqrt", ["ve"], ["sd"]),
        node("Div", ["one", "sd"], ["inv"]),
        node("Mul", ["inv", "gamma"], ["scale"]),
        node("Neg", ["mean"], ["neg"]),
        node("Mul", ["neg", "scale"], ["ms"]),
        node("Add", ["ms", "beta"], ["shift"]),
        node("Mul", ["h0", "scale"], ["hs"]),
        node("Add", ["hs", "shift"], ["hb"]),
        node("MatMul", ["A", "Bl"], ["ab"]),  # LoRA: W1 + s * (A @ B)
        node("Mul", ["ab", "s"], ["abs"]),
        node("Add", ["W1base", "abs"], ["W1"]),
        node("MatMul", ["hb", "W1"], ["m1"]),
        node("Add", ["m1", "B1"], ["a1"]),
        node("Relu", ["a1"], ["h1"]),
        node("MatMul", ["h1", "W2"], ["m2"]),
        node("Add", ["m2", "B2"], ["y"]),
    ]
    arrays = {
        "var_in": RNG.uniform(0.5, 2, 2), "eps_in": np.array(1e-7), "mean_in": RNG.normal(size=2),
        "W0": RNG.normal(size=(2, 6)), "B0": RNG.normal(size=6),
        "var": RNG.uniform(0.5, 2, (1, 6)), "shape": np.array([6], np.int64), "eps": np.array(1e-3), "one": np.array(1.0),
        "gamma": RNG.uniform(0.5, 2, 6), "mean": RNG.normal(size=6), "beta": RNG.normal(size=6),
        "A": RNG.normal(size=(6, 2)), "Bl": RNG.normal(size=(2, 6)), "s": np.array(0.5), "W1base": RNG.normal(size=(6, 6)),
        "B1": RNG.normal(size=6), "W2": RNG.normal(size=(6, 1)), "B2": RNG.normal(size=1),
    }  # fmt: skip
    return nodes, arrays


@pytest.mark.parametrize(
    ("dtype", "numpy_type", "tolerance"), [(TensorProto.FLOAT, np.float32, 1e-5), (TensorProto.DOUBLE, np.float64, 1e-12)]
)
def test_batchnorm_normalization_and_lora_computed_from_constants_load_as_the_file_computes(
    tmp_path, dtype, numpy_type, tolerance
):
    """Keras 3 under JAX exports these with their constants unfolded; onnxruntime runs them, and they are ReLU MLPs.
    A float64 file's constants are folded in float64 (checked to 1e-12, far below float32's rounding)."""
    path = _save(tmp_path / "jax.onnx", *_jax_net(), dtype=dtype)
    net = load_onnx(path)
    assert net.architecture.hidden == (6, 6)
    assert _gap(path, net, numpy_type) <= tolerance * max(1.0, float(np.abs(net(POINTS)).max()))


def test_a_float64_constant_stays_float64_and_a_node_of_a_computed_input_stays():
    graph = helper.make_graph(
        [node("Sqrt", ["v"], ["s"]), node("Mul", ["x", "s"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 2])],
        [numpy_helper.from_array(np.array([2.0, 3.0]), "v")],
    )
    fold_constants(graph, [helper.make_opsetid("", 18)])
    assert [n.op_type for n in graph.node] == ["Mul"]
    folded = numpy_helper.to_array(next(t for t in graph.initializer if t.name == "s"))
    assert folded.dtype == np.float64 and folded.tolist() == [np.sqrt(2.0), np.sqrt(3.0)]


def test_a_sqrt_of_computed_values_is_still_refused(tmp_path):
    """Only constants are folded: a Sqrt of a layer's values is another function, refused by name."""
    nodes = [
        node("Sqrt", ["v"], ["sv"]),  # folded
        node("Gemm", ["x", "W0", "sv"], ["a0"]),
        node("Relu", ["a0"], ["h0"]),
        node("Sqrt", ["h0"], ["s0"]),  # not a constant
        node("Gemm", ["s0", "W1", "B1"], ["y"]),
    ]
    arrays = {"v": np.ones(4), "W0": RNG.normal(size=(2, 4)), "W1": RNG.normal(size=(4, 1)), "B1": np.zeros(1)}
    with pytest.raises(ModelFormatError, match=r"the net uses Sqrt, but"):
        load_onnx(_save(tmp_path / "sqrt.onnx", nodes, arrays))


def _output_reshape(kind: str):
    """A 2-8-1 net whose output (N,) is reshaped by a shape computed in the graph: Keras-on-JAX's ``Reshape(())``
    (Shape of the last layer), PyTorch's ``.view(x.size(0))`` (Shape of the input, a Concat), or the reshape before
    a scalar output map (``Add`` of one value)."""
    last = "y" if kind != "before a scalar map" else "r"
    source = "x" if kind == "torch view" else "a1"
    shape = [node("Shape", [source], ["sh"]), node("Gather", ["sh", "zero"], ["n"], axis=0)]
    shape.append(node("Unsqueeze", ["n", "axes"], ["n1" if kind == "torch view" else "target"]))
    shape += [node("Concat", ["n1"], ["target"], axis=0)] if kind == "torch view" else []
    nodes = [
        node("Gemm", ["x", "W0", "B0"], ["a0"]),
        node("Relu", ["a0"], ["h0"]),
        node("MatMul", ["h0", "W1"], ["m1"]),
        node("Add", ["m1", "B1"], ["a1"]),
        *shape,
        node("Reshape", ["a1", "target"], [last]),
    ]
    nodes += [node("Add", ["r", "c"], ["y"])] if kind == "before a scalar map" else []
    arrays = {"W0": RNG.normal(size=(2, 8)), "B0": RNG.normal(size=8), "W1": RNG.normal(size=(8, 1)), "B1": RNG.normal(size=1)}
    arrays.update(zero=np.array(0, np.int64), axes=np.array([0], np.int64), c=np.array(0.25))
    return nodes, arrays


@pytest.mark.parametrize("kind", ["keras jax reshape", "torch view", "before a scalar map"])
def test_an_output_reshape_to_a_computed_batch_shape_loads(tmp_path, kind):
    path = _save(tmp_path / "reshape.onnx", *_output_reshape(kind), output_shape=("N",))
    net = load_onnx(path)
    assert net.architecture.hidden == (8,)
    assert _gap(path, net) <= 1e-5


def test_a_dead_node_beside_a_dropped_output_reshape_is_still_named(tmp_path):
    nodes, arrays = _output_reshape("torch view")
    path = _save(tmp_path / "dead.onnx", [*nodes, node("Sigmoid", ["h0"], ["unused"], name="probe")], arrays, output_shape=("N",))
    with pytest.raises(ModelFormatError, match=r"holds 1 node\(s\) whose values reach no output: Sigmoid node 'probe';"):
        load_onnx(path)


def test_a_node_asking_for_a_huge_constant_is_not_folded():
    """probe106 #3: a 478-byte file's unused ConstantOfShape of 1e8 values took 1.6 GB to fold (the code before folding
    refused it at once); a node asking for more than MAX_FOLDED values is left as it is, and refused by its type."""
    from onnx import TensorProto, helper

    from surrogate.nets.onnx_fold import MAX_FOLDED, fold_constants

    graph = helper.make_graph(
        [
            helper.make_node("Constant", [], ["shape"], value=helper.make_tensor("s", TensorProto.INT64, [1], [10**12])),
            helper.make_node("ConstantOfShape", ["shape"], ["big"]),
            helper.make_node("Constant", [], ["n"], value=helper.make_tensor("n", TensorProto.INT64, [1], [MAX_FOLDED + 1])),
            helper.make_node("Range", ["zero", "n", "one"], ["long"]),
        ],
        "g",
        [],
        [],
        initializer=[helper.make_tensor(name, TensorProto.INT64, [], [v]) for name, v in (("zero", 0), ("one", 1))],
    )
    fold_constants(graph)
    assert [n.op_type for n in graph.node] == ["ConstantOfShape", "Range"]  # the Constants folded, these left


def test_each_kind_of_node_is_sized_before_it_is_folded():
    """probe107: the size read before folding broadcast every node's inputs, so a Reshape of 8 values by the shape
    (2, 4) (Keras 3's BatchNormalization under JAX) was left unfolded and the net refused; and it read a OneHot of
    depth 2**23 as 2 values. Each kind of node is now sized by its own rule; one of no rule is not folded."""
    from onnx import TensorProto, helper, numpy_helper

    from surrogate.nets.onnx_fold import fold_constants

    stored = {
        "w": np.arange(8, dtype=np.float32),
        "shape": np.array([2, 4], dtype=np.int64),
        "i": np.array([1], dtype=np.int64),
        "depth": np.array([2**23], dtype=np.int64),
        "on_off": np.array([0, 1], dtype=np.float32),
    }
    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["w", "shape"], ["w2"]),
            helper.make_node("OneHot", ["i", "depth", "on_off"], ["wide"]),
        ],
        "g",
        [],
        [helper.make_tensor_value_info("w2", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(v, k) for k, v in stored.items()],
    )
    fold_constants(graph)
    assert [n.op_type for n in graph.node] == ["OneHot"]  # the Reshape folded, the OneHot left (refused later)
    folded = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    assert np.array_equal(folded["w2"], np.arange(8, dtype=np.float32).reshape(2, 4))


def test_negative_repeats_a_weight_norm_and_a_chain_of_large_nodes():
    """probe108: Tile's repeats [N, -1] read as a negative size (np.tile then built N copies); PyTorch's weight_norm
    (ReduceL2 of a weight) was left unfolded and the net refused; a chain of nodes each under the cap took 1.68 GB."""
    from onnx import TensorProto, helper, numpy_helper

    from surrogate.nets.onnx_fold import MAX_FOLDED, MAX_FOLDED_TOTAL, fold_constants

    stored = {"v": np.ones((8, 2), np.float32), "reps": np.array([2**20, -1], np.int64), "big": np.zeros(MAX_FOLDED, np.float32)}
    chain = [helper.make_node("Neg", ["big" if k == 0 else f"n{k - 1}"], [f"n{k}"]) for k in range(6)]
    graph = helper.make_graph(
        [
            helper.make_node("Tile", ["v", "reps"], ["tiled"]),
            helper.make_node("ReduceL2", ["v"], ["norm"], axes=[0], keepdims=1),
            helper.make_node("Div", ["v", "norm"], ["unit"]),
            *chain,
        ],
        "g",
        [],
        [helper.make_tensor_value_info("unit", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(v, k) for k, v in stored.items()],
    )
    fold_constants(graph)
    left = [n.op_type for n in graph.node]
    assert left[0] == "Tile" and "ReduceL2" not in left and "Div" not in left  # the weight norm folded
    assert 6 - left.count("Neg") == MAX_FOLDED_TOTAL // MAX_FOLDED - 1  # the weight norm's values and 3 of 2**22 fill it
    unit = {t.name: numpy_helper.to_array(t) for t in graph.initializer}["unit"]
    assert np.allclose(unit, 1 / np.sqrt(8))
