"""Shapes computed in the graph as the legacy PyTorch exporter writes them (onnx_spellings.py)."""

import numpy as np
import pytest
from onnx import TensorProto, helper

from surrogate import ModelFormatError, load_onnx
from surrogate.errors import DomainWarning
from tests.helpers import save_graph

RNG = np.random.default_rng(5)
WEIGHTS = {
    "W1": RNG.normal(size=(2, 6)).astype(np.float32),
    "B1": RNG.normal(size=6).astype(np.float32),
    "W2": RNG.normal(size=(6, 1)).astype(np.float32),
    "B2": RNG.normal(size=1).astype(np.float32),
    "axes": np.array([0], np.int64),
    "minus1": np.array([-1], np.int64),
    "two": np.array([2], np.int64),
    "zero": np.array([0], np.int64),
}


def _view_net(path, dim: int):
    """x.view(x.size(dim), -1) as the legacy exporter writes it (Shape -> Gather -> Unsqueeze -> Concat -> Reshape),
    then a 2-6-1 ReLU net."""
    return _view_of(path, helper.make_node("Shape", ["x"], ["s"]), dim=dim, opset=13)


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


def _max_net(path, between: list, zeros):
    """A 2-6-1 net whose ReLU is Max(h, zeros), with the nodes ``between`` (reading g, writing gm) after the layer."""
    node = helper.make_node
    nodes = [
        node("Gemm", ["x", "W1", "B1"], ["g"]),
        *between,
        node("Max", ["gm", "Z"], ["r"]),
        node("Gemm", ["r", "W2", "B2"], ["y"]),
    ]
    inits = {**WEIGHTS, "Z": zeros, "s": np.full(6, 2.0), "ones": np.ones(6), "nil": np.zeros(6)}
    return save_graph(path, nodes, inits, keep_ints=True)


BETWEEN = {
    "mul": [helper.make_node("Mul", ["g", "s"], ["gm"])],
    "batchnorm": [helper.make_node("BatchNormalization", ["g", "ones", "nil", "nil", "ones"], ["gm"])],
    "identity": [helper.make_node("Identity", ["g"], ["gm"])],
}


@pytest.mark.parametrize("between", BETWEEN, ids=list(BETWEEN))
def test_max_with_one_zero_per_feature_after_a_per_feature_map_loads_as_relu(tmp_path, between):
    """probe93 #7: Max(h, zeros(6)) was read as ReLU only right after the layer (or its bias Add): a Mul, a
    BatchNormalization or an Identity between was refused with 'retrain the net with ReLU activations'; zeros of
    another width still are (they broadcast h)."""
    with pytest.warns(DomainWarning, match="declares no domain"):
        assert load_onnx(_max_net(tmp_path / "max.onnx", BETWEEN[between], np.zeros(6))) is not None
    with pytest.raises(ModelFormatError, match=r"the net uses Max"):
        load_onnx(_max_net(tmp_path / "max5.onnx", BETWEEN[between], np.zeros((2, 6))))


def test_a_view_to_three_dimensions_is_refused_by_its_operations_not_by_a_name_surrogate_made(tmp_path):
    """probe95 #5: x.view(x.size(0), 1, -1) on an (N, 1, 2) input was rewritten to a constant shape only 2-d views are
    dropped after, and refused as "OMLT cannot parse this net ('xf__shape')", a name the file does not hold."""
    rng = np.random.default_rng(1)
    arrays = {"W1": rng.normal(size=(2, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 1)), "b2": np.zeros(1)}
    shapes = {"i0": np.array(0), "ax0": np.array([0]), "c1": np.array([1]), "cm1": np.array([-1])}
    inits = {**arrays, **{k: a.astype(np.int64) for k, a in shapes.items()}}
    node = helper.make_node
    nodes = [
        node("Shape", ["x"], ["s"]),
        node("Gather", ["s", "i0"], ["g"], axis=0),
        node("Unsqueeze", ["g", "ax0"], ["u"]),
        node("Concat", ["u", "c1", "cm1"], ["sh"], axis=0),
        node("Reshape", ["x", "sh"], ["xf"]),
        node("MatMul", ["xf", "W1"], ["m1"]),
        node("Add", ["m1", "b1"], ["a1"]),
        node("Relu", ["a1"], ["r1"]),
        node("MatMul", ["r1", "W2"], ["m2"]),
        node("Add", ["m2", "b2"], ["y"]),
    ]
    save_graph(
        tmp_path / "view3d.onnx", nodes, inits, keep_ints=True, inputs=(("x", ["N", 1, 2]),), outputs=(("y", None),), opset=13
    )
    with pytest.raises(ModelFormatError, match=r"the net uses Concat, Gather, Shape, Unsqueeze") as refused:
        load_onnx(tmp_path / "view3d.onnx")
    assert "__shape" not in str(refused.value)


def test_a_shape_concat_read_through_an_integer_cast_is_not_called_layer_parts(tmp_path):
    """probe101 #3: tf2onnx's Tensordot (a Keras Dense on an (N, 1, 2) input) casts its computed shape to int32 and
    back; the Concat was blamed as 'a layer built as parts side by side'. The view to three dimensions stays refused,
    with the advice to export a (batch, 2) input."""
    rng = np.random.default_rng(2)
    arrays = {"W1": rng.normal(size=(2, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 1)), "b2": np.zeros(1)}
    ints = {"free": np.array([0, 1], np.int64), "four": np.array([4], np.int32), "flat": np.array([-1, 2], np.int64)}
    node = helper.make_node
    nodes = [
        node("Shape", ["x"], ["s"]),
        node("Cast", ["s"], ["s32"], to=TensorProto.INT32),
        node("Gather", ["s32", "free"], ["g"], axis=0),
        node("Concat", ["g", "four"], ["sh32"], axis=0, name="shape_concat"),
        node("Cast", ["sh32"], ["sh"], to=TensorProto.INT64),
        node("Reshape", ["x", "flat"], ["xf"]),
        node("MatMul", ["xf", "W1"], ["m1"]),
        node("Reshape", ["m1", "sh"], ["m1r"]),
        node("Add", ["m1r", "b1"], ["a1"]),
        node("Relu", ["a1"], ["r1"]),
        node("Reshape", ["r1", "flat4"], ["r1f"]),
        node("MatMul", ["r1f", "W2"], ["m2"]),
        node("Add", ["m2", "b2"], ["y"]),
    ]
    inits = {**arrays, **ints, "flat4": np.array([-1, 4], np.int64)}
    save_graph(tmp_path / "td.onnx", nodes, inits, keep_ints=True, inputs=(("x", ["N", 1, 2]),), outputs=(("y", None),), opset=13)
    with pytest.raises(
        ModelFormatError,
        match=r"the net uses Cast, Concat, Gather, Shape.*Reshape that is not \(batch, width\).*Input\(shape=\(2,\)\)",
    ) as refused:
        load_onnx(tmp_path / "td.onnx")
    assert "side by side" not in str(refused.value)


def _clip_net(path, clip, extra=None):
    """A 2-6-1 net whose activation is ``clip`` (a Clip node of ``h``), in opset 10, where Clip's bounds are attributes;
    ``extra``: more initializers by name."""
    node = helper.make_node
    nodes = [node("Gemm", ["x", "W1", "B1"], ["h"]), clip, node("Gemm", ["r", "W2", "B2"], ["y"])]
    inits = {**{k: WEIGHTS[k] for k in ("W1", "B1", "W2", "B2")}, **(extra or {})}
    return save_graph(path, nodes, inits, keep_ints=True, opset=10)


def _plain_relu_net(points):
    h = np.maximum(points @ WEIGHTS["W1"].astype(np.float64) + WEIGHTS["B1"], 0.0)
    return (h @ WEIGHTS["W2"].astype(np.float64) + WEIGHTS["B2"]).reshape(-1)


@pytest.mark.parametrize("bounds", [{"min": 0.0}, {"min": 0.0, "max": float(np.finfo(np.float32).max)}], ids=["min 0", "max f32"])
def test_an_opset_10_clip_with_attribute_min_0_and_no_cap_loads_as_relu(tmp_path, bounds):
    path = _clip_net(tmp_path / "clip.onnx", helper.make_node("Clip", ["h"], ["r"], **bounds))
    with pytest.warns(DomainWarning):
        net = load_onnx(path)
    points = np.random.default_rng(0).uniform(-1, 1, size=(32, 2))
    assert np.abs(net.forward(points) - _plain_relu_net(points)).max() < 1e-5


def test_an_opset_10_clip_with_attribute_bounds_other_than_relus_is_refused_by_name(tmp_path):
    """Clip's bounds as attributes (opset < 11): a cap (ReLU6) and a Clip without a lower bound are not ReLU, and are
    refused naming the Clip, not read as ReLU and then refused as a misread graph by the import check."""
    relu6 = _clip_net(tmp_path / "relu6.onnx", helper.make_node("Clip", ["h"], ["r"], min=0.0, max=6.0))
    with pytest.raises(ModelFormatError, match=r"the net uses Clip, .* caps its input at 6: a capped ReLU"):
        load_onnx(relu6)
    no_min = _clip_net(tmp_path / "no_min.onnx", helper.make_node("Clip", ["h"], ["r"], max=float("inf")))
    with pytest.raises(ModelFormatError, match=r"the net uses Clip, but surrogate encodes only ReLU MLPs.*retrain the net"):
        load_onnx(no_min)


def test_a_weight_multiplied_from_the_left_is_refused_with_that_reason_not_by_its_transposes(tmp_path):
    """W @ x.T (transposed back after): the net is named for the weight on the left (structure_problem), which is what to
    change, rather than for its Transpose nodes."""
    node = helper.make_node
    nodes = [
        node("Transpose", ["x"], ["xt"], perm=[1, 0]),
        node("MatMul", ["W1T", "xt"], ["m1t"], name="left"),
        node("Transpose", ["m1t"], ["m1"], perm=[1, 0]),
        node("Add", ["m1", "B1"], ["h"]),
        node("Relu", ["h"], ["r"]),
        node("Gemm", ["r", "W2", "B2"], ["y"]),
    ]
    arrays = {"W1T": WEIGHTS["W1"].T.copy(), "B1": WEIGHTS["B1"], "W2": WEIGHTS["W2"], "B2": WEIGHTS["B2"]}
    path = save_graph(tmp_path / "left.onnx", nodes, arrays, opset=13)
    with pytest.raises(
        ModelFormatError, match=r"MatMul node 'left' multiplies a weight from the left \(W @ x\); export the layer as x @ W"
    ):
        load_onnx(path)


def test_a_prelu_whose_zero_slope_is_a_batch_of_slopes_is_not_read_as_relu(tmp_path):
    """A zero slope of shape (2, 6) broadcasts h to a batch of 2: no ReLU of the layer, refused by its name (read as one, it
    then failed onnxruntime's own run on a batch of other sizes)."""
    prelu = helper.make_node("PRelu", ["h", "slope"], ["r"])
    path = _clip_net(tmp_path / "prelu.onnx", prelu, {"slope": np.zeros((2, 6), np.float32)})
    with pytest.raises(ModelFormatError, match=r"the net uses PRelu, but surrogate encodes only ReLU MLPs"):
        load_onnx(path)
    ok = _clip_net(tmp_path / "ok.onnx", prelu, {"slope": np.zeros((1, 6), np.float32)})
    with pytest.warns(DomainWarning):
        assert load_onnx(ok).architecture.name == "1x6"


def _view_of(path, shape_node, before=(), *, dim: int = 0, opset: int = 15, allowzero: int = 0, width: str = "minus1"):
    """x.view(n, -1) with ``n`` read by Gather [``dim``] from ``shape_node`` (a ``Shape``), then a 2-6-1 ReLU net; the
    Reshape's ``allowzero`` and its second dimension (the initializer ``width``: ``minus1``, ``two``, ``zero``) given."""
    node = helper.make_node
    nodes = [
        *before,
        shape_node,
        node("Gather", ["s", "dim"], ["n"], axis=0),
        node("Unsqueeze", ["n", "axes"], ["n1"]),
        node("Concat", ["n1", width], ["shape"], axis=0),
        node("Reshape", ["x", "shape"], ["xf"], **({"allowzero": allowzero} if allowzero else {})),
        node("Gemm", ["xf", "W1", "B1"], ["g"]),
        node("Relu", ["g"], ["r"]),
        node("Gemm", ["r", "W2", "B2"], ["y"]),
    ]
    return save_graph(path, nodes, {**WEIGHTS, "dim": np.array(dim, np.int64)}, keep_ints=True, opset=opset)


@pytest.mark.parametrize("width", ["minus1", "two"])
def test_a_view_by_the_batch_size_under_allowzero_loads_as_the_same_net(tmp_path, width):
    """fixAJ S22: x.view(x.size(0), -1) whose Reshape has allowzero=1 (valid from opset 14: the computed batch size is
    no literal 0) was refused by its operations; it computes what the view without the attribute does."""
    shape = helper.make_node("Shape", ["x"], ["s"])
    with pytest.warns(DomainWarning):
        net = load_onnx(_view_of(tmp_path / "az.onnx", shape, opset=14, allowzero=1, width=width))
    with pytest.warns(DomainWarning):
        plain = load_onnx(_view_of(tmp_path / "plain.onnx", shape, opset=14, width=width))
    points = np.random.default_rng(0).uniform(-1, 1, size=(100, 2))
    assert np.array_equal(net.forward(points), plain.forward(points))


def test_a_view_with_a_literal_zero_under_allowzero_is_refused_by_its_operations(tmp_path):
    """allowzero=1 makes the 0 of [x.size(0), 0] an empty dimension, not "copy it": not read as a flatten."""
    shape = helper.make_node("Shape", ["x"], ["s"])
    with pytest.raises(ModelFormatError, match=r"the net uses Concat, Gather, Shape, Unsqueeze, but.*not \(batch, width\)"):
        load_onnx(_view_of(tmp_path / "az0.onnx", shape, opset=14, allowzero=1, width="zero"))


VIEWS_BY_A_WIDTH = {
    "shape-start-1": ([helper.make_node("Shape", ["x"], ["s"], start=1)], "Concat, Gather, Shape, Unsqueeze"),
    "shape-of-x-transposed": (
        [helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]), helper.make_node("Shape", ["t"], ["s"])],
        "Concat, Gather, Shape, Transpose, Unsqueeze",
    ),
}


@pytest.mark.parametrize("view", VIEWS_BY_A_WIDTH, ids=list(VIEWS_BY_A_WIDTH))
def test_a_view_by_a_width_not_the_batch_size_is_refused_by_its_operations(tmp_path, view):
    """x.view(n, -1) with n = x.shape[1] (opset 15's Shape(start=1)) or (x.T).shape[0] is not the batch flattened: both
    are refused naming their operations. Read as x.size(0), the first was refused by onnxruntime's failed run (a
    dimension mismatch) and the second blamed its Transpose as a node reaching no output."""
    *before, shape = VIEWS_BY_A_WIDTH[view][0]
    with pytest.raises(ModelFormatError, match=rf"the net uses {VIEWS_BY_A_WIDTH[view][1]}, but") as refused:
        load_onnx(_view_of(tmp_path / "view.onnx", shape, before))
    assert "onnxruntime" not in str(refused.value) and "reach no output" not in str(refused.value)


def _first_layer_net(path, first, arrays, x_shape):
    """``first`` (nodes from ``x`` to the hidden values ``h``), then ReLU and a last Gemm, ``arrays`` its constants."""
    node = helper.make_node
    nodes = [*first, node("Relu", ["h"], ["r"]), node("Gemm", ["r", "W2", "B2"], ["y"])]
    arrays = {**arrays, "W2": WEIGHTS["W2"], "B2": WEIGHTS["B2"]}
    return save_graph(path, nodes, arrays, inputs=(("x", x_shape),), outputs=(("y", None),), opset=13)


@pytest.mark.parametrize(
    ("first", "weight", "x_shape", "match"),
    [
        # W @ x on a 1-D input, its bias added after: named for the bias, "an affine map ... fold it", before
        (
            "left",
            WEIGHTS["W1"].T,
            [2],
            r"MatMul node 'left' multiplies a weight from the left \(W @ x\); export the layer as x @ W",
        ),
        # a batch of one weight matrix, (1, 2, n)
        (
            "batched",
            WEIGHTS["W1"][None],
            ["batch", 2],
            r"MatMul node 'batched' multiplies by a stored weight of shape \(1, 2, 6\)",
        ),
    ],
)
def test_a_first_layer_no_chain_holds_is_named_before_its_bias(tmp_path, first, weight, x_shape, match):
    """probe129 #6: the layer's bias Add was refused as an affine map with no layer next to it to fold into."""
    inputs = ["W", "x"] if first == "left" else ["x", "W"]
    nodes = [helper.make_node("MatMul", inputs, ["m"], name=first), helper.make_node("Add", ["m", "B1"], ["h"])]
    path = _first_layer_net(tmp_path / "net.onnx", nodes, {"W": weight, "B1": WEIGHTS["B1"]}, x_shape)
    with pytest.raises(ModelFormatError, match=match) as caught:
        load_onnx(path)
    assert "affine map" not in str(caught.value)
