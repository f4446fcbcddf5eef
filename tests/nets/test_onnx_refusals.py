"""Refusals of ReLU MLPs stored in forms that surrogate does not read: the message names the node and the fix.

Each of these nets has ReLU activations; they were refused as 'retrain the net with ReLU activations', with a
layer-activation list, or as onnxruntime's complaint about surrogate's own float feed."""

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from surrogate import ModelFormatError, load_onnx
from tests.helpers import activation_onnx, save_graph

RNG = np.random.default_rng(3)
WEIGHTS = {"W0": RNG.normal(size=(2, 6)), "B0": RNG.normal(size=6), "W1": RNG.normal(size=(6, 1)), "B1": RNG.normal(size=1)}
node = helper.make_node


def mlp(source="input"):
    return [
        node("MatMul", [source, "W0"], ["m0"], name="first"),
        node("Add", ["m0", "B0"], ["a0"], name="first_bias"),
        node("Relu", ["a0"], ["h0"], name="relu"),
        node("MatMul", ["h0", "W1"], ["m1"], name="last"),
        node("Add", ["m1", "B1"], ["output"], name="last_bias"),
    ]


def save(path, nodes, *, extra=None, inputs=(("input", TensorProto.FLOAT, 2),), check=True):
    """``nodes`` from ``inputs`` (name, element type, width) to ``output``, with ``WEIGHTS`` (float32) and ``extra``
    (floats as float32, integers as they are) stored, on the domain [-1, 1]^2, in opset 13."""
    weights, outputs = {**WEIGHTS, **(extra or {})}, (("output", ["N", 1]),)
    inputs = [(name, ["N", width], kind) for name, kind, width in inputs]
    return save_graph(
        path, nodes, weights, keep_ints=True, inputs=inputs, outputs=outputs, opset=13, domain=[[-1, 1], [-1, 1]], check=check
    )


SWAP = r"reorders or picks the columns of the input 'input' before the first layer \(e\.g\. the net stores its inputs as \(y, x\)\); .*permute the rows of the first layer's weight instead"
CASES = {
    "inputs swapped by a Gather": (
        [node("Gather", ["input", "idx"], ["yx"], axis=1, name="swap"), *mlp("yx")],
        {"extra": {"idx": np.array([1, 0], np.int64)}},
        r"Gather node 'swap' " + SWAP + r".* without the Gather node\(s\)",
    ),
    "inputs swapped by a Gather after an input scaler": (  # it was told to retrain with ReLU (probe64 #5)
        [
            node("Sub", ["input", "mu"], ["centred"], name="centre"),
            node("Div", ["centred", "sd"], ["scaled"], name="scale"),
            node("Gather", ["scaled", "idx"], ["yx"], axis=1, name="swap"),
            *mlp("yx"),
        ],
        {"extra": {"idx": np.array([1, 0], np.int64), "mu": np.float32([0.1, 0.2]), "sd": np.float32([2.0, 3.0])}},
        r"Gather node 'swap' " + SWAP + r".* without the Gather node\(s\)",
    ),
    "inputs swapped by Slices and a Concat": (
        [
            node("Slice", ["input", "s1", "e1", "ax"], ["y"], name="take_y"),
            node("Slice", ["input", "s0", "e0", "ax"], ["x"], name="take_x"),
            node("Concat", ["y", "x"], ["yx"], axis=1),
            *mlp("yx"),
        ],
        {"extra": {k: np.array([v], np.int64) for k, v in {"s0": 0, "e0": 1, "s1": 1, "e1": 2, "ax": 1}.items()}},
        r"Slice node 'take_y' " + SWAP,
    ),
    "x and y as two inputs joined by a Concat": (
        [node("Concat", ["x", "y"], ["input"], axis=1, name="join"), *mlp()],
        {"inputs": (("x", TensorProto.FLOAT, 1), ("y", TensorProto.FLOAT, 1))},
        r"the net takes 2 input tensors \(x, y\), which Concat node 'join' joins into one; surrogate feeds x and y as one "
        r"\(batch, 2\) input: export the net with a single input of shape \(batch, 2\)",
    ),
    "a dead Sigmoid": (
        [*mlp(), node("Sigmoid", ["h0"], ["unused"], name="probe")],
        {},
        r"the graph holds 1 node\(s\) whose values reach no output: Sigmoid node 'probe'; .*remove the unused ones",
    ),
    "a dead layer": (
        [*mlp(), node("MatMul", ["h0", "W1"], ["um"], name="spare"), node("Add", ["um", "B1"], ["u"], name="spare_bias")],
        {},
        r"2 node\(s\) whose values reach no output: MatMul node 'spare', Add node 'spare_bias'; ",
    ),
    "an int64 input cast to float inside": (
        [node("Cast", ["input"], ["xf"], to=TensorProto.FLOAT, name="to_float"), *mlp("xf")],
        {"inputs": (("input", TensorProto.INT64, 2),)},
        r"the net's input 'input' holds int64 values, but surrogate feeds x and y as real numbers \(float32\): export "
        r"the net with a float input",
    ),
    "a bfloat16 input cast to float inside": (
        [node("Cast", ["input"], ["xf"], to=TensorProto.FLOAT, name="to_float"), *mlp("xf")],
        {"inputs": (("input", TensorProto.BFLOAT16, 2),)},
        r"the net's input 'input' holds bfloat16 values, which numpy has no type for, so surrogate cannot feed it: "
        r"export the net with a float32 \(or float16/float64\) input",
    ),
    "a float8 input cast to float inside": (  # it was told to cast integer data (probe62 #4)
        [node("Cast", ["input"], ["xf"], to=TensorProto.FLOAT, name="to_float"), *mlp("xf")],
        {"inputs": (("input", TensorProto.FLOAT8E4M3FN, 2),)},
        r"the net's input 'input' holds float8e4m3fn values, which numpy has no type for, so surrogate cannot feed "
        r"it: export the net with a float32 \(or float16/float64\) input",
    ),
}


def _last_layer(source):
    """``mlp``'s last layer reading ``source``."""
    return [node("MatMul", [source, "W1"], ["m1"], name="last"), mlp()[4]]


RESHAPED = r"changes the shape of a layer's values .*export the net with a \(batch, 2\) input and \(batch, width\) layers"
NO_RELU_MAX = r"is a Max that is no ReLU .*use torch.relu \(nn.ReLU\) as the activation"
CASES.update(  # probe139: each was told to 'retrain the net with ReLU activations', or OMLT's 'Unhandled node type Relu'
    {
        "an Unsqueeze and a Squeeze between layers": (
            [
                *mlp()[:3],
                node("Unsqueeze", ["h0", "axis"], ["u0"], name="widen"),
                node("Squeeze", ["u0", "axis"], ["s0"], name="narrow"),
                *_last_layer("s0"),
            ],
            {"extra": {"axis": np.array([1], np.int64)}},
            r"Unsqueeze node 'widen' " + RESHAPED,
        ),
        "an Expand between layers": (
            [*mlp()[:3], node("Expand", ["h0", "shape"], ["e0"], name="spread"), *_last_layer("e0")],
            {"extra": {"shape": np.array([1, 6], np.int64)}},
            r"Expand node 'spread' " + RESHAPED,
        ),
        "a layer written with Einsum": (
            [node("Einsum", ["input", "W0"], ["m0"], equation="bi,io->bo", name="einsum_layer"), *mlp()[1:]],
            {"check": False},
            r"Einsum node 'einsum_layer' is no activation and no dense layer that surrogate reads .*write the layer as nn.Linear",
        ),
        "a bias added by a Sum of three": (
            [mlp()[0], node("Sum", ["m0", "B0", "B0"], ["a0"], name="sum3"), *mlp()[2:]],
            {},
            r"Sum node 'sum3' sums more than two tensors: write the layer as nn.Linear",
        ),
        "Max(h, 1e-7)": (
            [*mlp()[:2], node("Max", ["a0", "tiny"], ["h0"], name="floor"), *mlp()[3:]],
            {"extra": {"tiny": np.float32(1e-7)}},
            r"Max node 'floor' " + NO_RELU_MAX,
        ),
        "a Max of three": (
            [*mlp()[:2], node("Max", ["a0", "zero", "zero"], ["h0"], name="max3"), *mlp()[3:]],
            {"extra": {"zero": np.float32(0)}},
            r"Max node 'max3' " + NO_RELU_MAX,
        ),
        "a ReLU of the inputs before the first layer": (
            [node("Relu", ["input"], ["positive"], name="clamp"), *mlp("positive")],
            {},
            r"Relu node 'clamp' applies a ReLU to the input 'input' before the first layer.* clamp the box instead",
        ),
    }
)


@pytest.mark.parametrize("case", CASES)
def test_a_relu_mlp_in_a_form_surrogate_does_not_read_is_refused_naming_the_node_and_the_fix(tmp_path, case):
    nodes, options, message = CASES[case]
    path = save(tmp_path / "net.onnx", nodes, **options)
    with pytest.raises(ModelFormatError, match=message) as caught:
        load_onnx(path)
    assert "retrain" not in str(caught.value) and "layer activations" not in str(caught.value)


def test_nodes_listed_out_of_order_are_sorted_not_called_dead(tmp_path):
    """onnxruntime runs a graph listing its last layer first; it was refused as two dead nodes (the first layer)."""
    path = save(tmp_path / "net.onnx", mlp()[::-1], check=False)
    points = RNG.uniform(-1, 1, (5, 2))
    hidden = np.maximum(points @ WEIGHTS["W0"].astype(np.float32) + WEIGHTS["B0"].astype(np.float32), 0)
    expected = hidden @ WEIGHTS["W1"].astype(np.float32) + WEIGHTS["B1"].astype(np.float32)
    assert np.allclose(load_onnx(path)(points).ravel(), expected.ravel(), atol=1e-5)
    # an optional input or output left out ("") is no value: it made a false cycle, so the order stayed (probe62 #3)
    optional = [node("Clip", ["a0", "zero", ""], ["h0"], name="relu"), node("Dropout", ["m1"], ["d1", ""], name="drop")]
    nodes = [*mlp()[:2], optional[0], mlp()[3], optional[1], node("Add", ["d1", "B1"], ["output"], name="last_bias")]
    path = save(tmp_path / "optional.onnx", nodes[::-1], extra={"zero": np.float32(0.0)}, check=False)
    assert np.allclose(load_onnx(path)(points).ravel(), expected.ravel(), atol=1e-5)
    save(tmp_path / "dead.onnx", [node("Sigmoid", ["h0"], ["unused"], name="probe"), *mlp()[::-1]], check=False)
    with pytest.raises(ModelFormatError, match=r"holds 1 node\(s\) whose values reach no output: Sigmoid node 'probe';"):
        load_onnx(tmp_path / "dead.onnx")


def _capped(kind):
    """``mlp`` with its ReLU capped: ``Clip(0, 6)`` (Keras relu6) or ``Min(Relu(h), 1e6)`` then ``Max(0)`` (legacy
    Keras + tf2onnx's ``ReLU(max_value=1e6)``)."""
    layers = mlp()
    if kind == "clip":
        layers[2] = node("Clip", ["a0", "zero", "six"], ["h0"], name="relu6")
        return layers, {"zero": np.float32(0), "six": np.float32(6)}
    capped = [node("Relu", ["a0"], ["r0"]), node("Min", ["r0", "big"], ["c0"], name="cap"), node("Max", ["c0", "zero"], ["h0"])]
    return [*layers[:2], *capped, *layers[3:]], {"zero": np.float32(0), "big": np.float32(1e6)}


@pytest.mark.parametrize(
    ("kind", "named"),
    [("clip", "Clip node 'relu6' caps its input at 6"), ("min", "Min node 'cap' caps its input at 1e\\+06")],
    ids=["clip", "min"],
)
def test_a_capped_relu_is_refused_as_capped_not_told_to_use_relu(tmp_path, kind, named):
    """probe101 #4: a net trained with a capped ReLU was told to 'retrain the net with ReLU activations'."""
    nodes, extra = _capped(kind)
    with pytest.raises(ModelFormatError, match=named + r": a capped ReLU .* export the net without the cap") as caught:
        load_onnx(save(tmp_path / "capped.onnx", nodes, extra=extra))
    assert "retrain the net with ReLU" not in str(caught.value)


def test_a_clip_without_a_max_is_not_called_capped(tmp_path):
    """probe106 #4: Clip(min=-1) with no max, which caps nothing, was refused as 'a capped ReLU'."""
    layers, _ = _capped("clip")
    layers[2] = node("Clip", ["a0", "lo"], ["h0"], name="shifted")
    with pytest.raises(ModelFormatError) as caught:
        load_onnx(save(tmp_path / "shifted.onnx", layers, extra={"lo": np.float32(-1)}))
    assert "capped" not in str(caught.value) and "retrain the net with ReLU activations" in str(caught.value)


def test_a_quantized_net_is_told_to_export_the_float_model(tmp_path):
    """probe101 #4: Keras's quantize('int8') export (MatMulInteger of values quantized at run time) was told to
    'retrain the net with ReLU activations'."""
    quantized = [
        node("DynamicQuantizeLinear", ["input"], ["xq", "xs", "xz"]),
        node("MatMulInteger", ["xq", "Wq", "xz", "wz"], ["mi"]),
        node("Cast", ["mi"], ["mf"], to=TensorProto.FLOAT),
        node("Mul", ["mf", "xs"], ["m0a"]),
        node("Mul", ["m0a", "ws"], ["m0"]),
    ]
    extra = {"Wq": np.int8([[1, -2, 3, 4, 5, 6], [7, 8, -9, 1, 2, 3]]), "wz": np.int8(0), "ws": np.float32(0.1)}
    with pytest.raises(
        ModelFormatError,
        match=r"its DynamicQuantizeLinear, MatMulInteger node\(s\) compute with integers: .*export the float model",
    ):
        load_onnx(save(tmp_path / "quantized.onnx", [*quantized, *mlp()[1:]], extra=extra))


def test_constants_left_as_inputs_are_told_how_to_store_them(tmp_path):
    """probe101 (Keras 3 / TF's Normalization export): its mean and variance were extra inputs; the refusal now says
    how to store them."""
    nodes = [node("Sub", ["input", "mean"], ["xc"]), node("Div", ["xc", "sd"], ["xn"]), *mlp("xn")]
    inputs = (("input", TensorProto.FLOAT, 2), ("mean", TensorProto.FLOAT, 2), ("sd", TensorProto.FLOAT, 2))
    with pytest.raises(ModelFormatError, match=r"3 input tensors .*Normalization.*append onnx\.numpy_helper\.from_array"):
        load_onnx(save(tmp_path / "inputs.onnx", nodes, inputs=inputs))


def test_dead_nodes_problem_names_an_unread_layer_not_an_unread_constant():
    """A Constant node that nothing reads holds no computation and is not named as a dead node (load_onnx's folding
    drops such nodes before this check); an unread MatMul is, by name."""
    from surrogate.nets.onnx_refusals import dead_nodes_problem

    spare = node("Constant", [], ["spare"], value=numpy_helper.from_array(np.ones(3, np.float32)))
    side = node("MatMul", ["input", "W0"], ["side"], name="side")
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 1])]
    graph = helper.make_graph([spare, *mlp()], "g", [], outputs)
    assert dead_nodes_problem(graph) is None
    graph = helper.make_graph([spare, side, *mlp()], "g", [], outputs)
    assert dead_nodes_problem(graph).startswith("the graph holds 1 node(s) whose values reach no output: MatMul node 'side';")


_ZERO = {"zero": np.float32(0.0)}


@pytest.mark.parametrize(
    ("activation", "initializers", "match"),
    [
        # a leaky ReLU written with Where: another function
        (
            [node("Greater", ["h", "zero"], ["c"]), node("Mul", ["h", "slope"], ["hs"]), node("Where", ["c", "h", "hs"], ["r"])],
            {**_ZERO, "slope": np.float32(0.1)},
            r"its Greater, Where node\(s\) pick values by a condition .* use torch\.relu",
        ),
        # a threshold other than 0
        (
            [node("Greater", ["h", "half"], ["c"]), node("Where", ["c", "h", "zero"], ["r"])],
            {**_ZERO, "half": np.float32(0.5)},
            r"its Greater, Where node\(s\) pick values by a condition",
        ),
        # max(h, ones_like(h)): no Reshape in the file, so none is blamed
        (
            [node("Shape", ["h"], ["s"]), node("ConstantOfShape", ["s"], ["z"], value=helper.make_tensor("v", 1, [1], [1.0]))]
            + [node("Max", ["h", "z"], ["r"])],
            {},
            r"its Shape node\(s\) build a tensor from a value's shape at run time .* write the activation as torch\.relu",
        ),
    ],
)
def test_a_condition_or_computed_tensor_that_is_no_relu_is_refused_by_what_it_is(tmp_path, activation, initializers, match):
    """probe129 #3: they were refused as 'retrain the net with ReLU activations' or for a Reshape the file does not hold."""
    path = activation_onnx(tmp_path / "net.onnx", activation, initializers)
    with pytest.raises(ModelFormatError, match=match):
        load_onnx(path)


def test_a_clip_of_the_inputs_is_named_as_one_not_as_a_capped_relu(tmp_path):
    """probe129 #5: skl2onnx's MinMaxScaler(clip=True) writes Clip(0, 1) on the scaled inputs; it was refused as 'a
    capped ReLU (Keras ReLU(max_value=...) ... torch ReLU6 or Hardtanh)'."""
    scaler = [node("Mul", ["input", "s"], ["xs"], name="scale"), node("Add", ["xs", "t"], ["xt"], name="shift")]
    scaler += [node("Clip", ["xt", "lo", "hi"], ["xc"], name="clip")]
    extra = {"s": np.float32([0.5, 0.5]), "t": np.float32([0.5, 0.5]), "lo": np.float32(0), "hi": np.float32(1)}
    message = r"Clip node 'clip' clips the net's inputs before its first layer .* MinMaxScaler\(clip=True\).* clip=False"
    with pytest.raises(ModelFormatError, match=message) as caught:
        load_onnx(save(tmp_path / "clip.onnx", [*scaler, *mlp("xc")], extra=extra))
    assert "capped ReLU" not in str(caught.value)


NOT_A_LAYER = {  # probe143: each was told to 'write the layer as nn.Linear'
    "a Cast to bfloat16 between layers": (
        [node("Cast", ["h0"], ["hb"], to=TensorProto.BFLOAT16, name="round"), node("Cast", ["hb"], ["hf"], to=1)],
        r"Cast node 'round' casts to bfloat16, which rounds the values .*export the net in float32 without the cast",
    ),
    "a Cast to float8 between layers": (  # probe145: it was said that 'bfloat16 keeps 8 significant bits'
        [node("Cast", ["h0"], ["h8"], to=TensorProto.FLOAT8E4M3FN, name="round"), node("Cast", ["h8"], ["hf"], to=1)],
        r"Cast node 'round' casts to float8e4m3fn, which rounds the values to that type's few digits \(float8e4m3fn keeps 4 significant bits\), a rounding",
    ),
    "a Cast to an integer type between layers": (
        [node("Cast", ["h0"], ["hi"], to=TensorProto.INT32, name="round"), node("Cast", ["hi"], ["hf"], to=1)],
        r"Cast node 'round' casts to int32, which rounds the values to integers .*export the net without the cast",
    ),
    "a LayerNormalization between layers": (
        [node("LayerNormalization", ["h0", "ones", "zeros"], ["hf"], name="norm")],
        r"LayerNormalization node 'norm' is a normalisation across a layer's units.*not part of a ReLU MLP",
    ),
    "a ReduceSum between layers": (
        [node("ReduceSum", ["h0", "axis"], ["hf"], keepdims=1, name="total")],
        r"ReduceSum node 'total' is a reduction over a tensor's axis .*not part of a ReLU MLP",
    ),
}


@pytest.mark.parametrize("case", NOT_A_LAYER)
def test_a_node_that_is_no_layer_is_named_for_what_it_is(tmp_path, case):
    between, message = NOT_A_LAYER[case]
    extra = {"ones": np.ones(6, np.float32), "zeros": np.zeros(6, np.float32), "axis": np.array([1], np.int64)}
    path = save(tmp_path / "net.onnx", [*mlp()[:3], *between, *_last_layer("hf")], extra=extra, check=False)
    with pytest.raises(ModelFormatError, match=message) as caught:
        load_onnx(path)
    assert "write the layer as nn.Linear" not in str(caught.value) and "retrain" not in str(caught.value)
