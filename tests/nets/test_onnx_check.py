"""The import check: float64 files whose folded maps cancel large terms load; a misread or a float32 gap is named."""

import numpy as np
import pytest
from onnx import TensorProto, helper

from surrogate import ModelFormatError, load_onnx
from surrogate.nets.network import ReluMLP
from surrogate.nets.onnx_check import check_import, term_scale
from tests.helpers import save_graph

RNG = np.random.default_rng(0)
W0, B0 = RNG.normal(size=(2, 16)), RNG.normal(size=16)
W1, B1 = RNG.normal(size=(16, 1)) / 4, RNG.normal(size=1)


def _save(path, nodes, initializers, *, domain=None, dtype=TensorProto.DOUBLE):
    numpy_type = np.float64 if dtype == TensorProto.DOUBLE else np.float32
    inputs, outputs = (("x", ["b", 2]),), (("y", ["b", 1]),)
    return str(save_graph(path, nodes, initializers, dtype=numpy_type, inputs=inputs, outputs=outputs, domain=domain))


def _layers(source):
    node = helper.make_node
    return [
        node("Gemm", [source, "W0", "B0"], ["p0"]),
        node("Relu", ["p0"], ["r0"]),
        node("Gemm", ["r0", "W1", "B1"], ["y"]),
    ]


def _scaler(path, centre, dtype=TensorProto.DOUBLE):
    """``(x - c) / sd`` before a 2-16-1 net, on the box [c, c + 1]^2."""
    nodes = [helper.make_node("Sub", ["x", "off"], ["xc"]), helper.make_node("Div", ["xc", "sd"], ["xn"])] + _layers("xn")
    inits = {"off": [centre + 0.5] * 2, "sd": [0.2887] * 2, "W0": W0, "B0": B0, "W1": W1, "B1": B1}
    return _save(path, nodes, inits, domain=[[centre, centre + 1], [centre, centre + 1]], dtype=dtype)


def test_a_float64_scaler_on_a_box_far_from_zero_loads(tmp_path):
    """probe93 #4: a StandardScaler on [1e8, 1e8 + 1]^2, folded into the first layer, rounds 3.8e-8 from onnxruntime
    (terms of 1e9 that cancel); the 1e-10-of-the-largest-value check refused it as 'a form surrogate misreads'."""
    net = load_onnx(_scaler(tmp_path / "scaler.onnx", 1e8))
    assert net.architecture.hidden == (16,)


def test_a_float64_batchnorm_of_a_large_running_mean_loads(tmp_path):
    """probe93 #4: a BatchNormalization whose running mean 1e7 cancels the layer's 1e7 (a gap of 1.2e-9) was refused."""
    c = 1e7
    nodes = [
        helper.make_node("Gemm", ["x", "W", "B"], ["g"]),
        helper.make_node("BatchNormalization", ["g", "sc", "bb", "mu", "var"], ["p0"]),
        helper.make_node("Relu", ["p0"], ["r0"]),
        helper.make_node("Gemm", ["r0", "W1", "B1"], ["y"]),
    ]
    inits = {"W": W0, "B": B0 + c, "sc": np.ones(16), "bb": np.zeros(16), "mu": np.full(16, c), "var": np.ones(16)}
    inits.update(W1=W1, B1=B1)
    path = _save(tmp_path / "bn.onnx", nodes, inits, domain=[[-1, 1], [-1, 1]])
    assert load_onnx(path).architecture.hidden == (16,)


def test_a_float32_rounded_bias_of_a_float64_file_is_still_refused(tmp_path):
    """The misread of probe90 #1 (a float64 bias read in float32) stays beyond the float64 allowance of the terms."""
    path = _scaler(tmp_path / "scaler.onnx", 1.0)
    net = load_onnx(path)
    rounded = type(net)(net.weights, (net.biases[0], net.biases[1].astype(np.float32).astype(np.float64) + 1e-9), net.metadata)
    with pytest.raises(ModelFormatError, match=r"more than float64 rounding of the terms it sums, up to .*, so its graph"):
        check_import(path, rounded, float64=True)


def test_a_float32_gap_the_size_of_rounding_is_named_so(tmp_path):
    """A float32 file whose layer adds 3e4 that a Sub takes off again rounds its own values past 1e-4 of them in
    onnxruntime: the message says that it is float32 rounding of the terms it sums, and how to avoid it, not that the
    graph is misread. (A float32 scaler before the layer is no such file: its fold is exact, probe129 #1.)"""
    c = 3e4
    nodes = [helper.make_node("Gemm", ["x", "W0", "B0"], ["g"]), helper.make_node("Sub", ["g", "c"], ["p0"])]
    nodes += _layers("x")[1:]
    inits = {"W0": W0, "B0": B0 + c, "c": [c], "W1": W1, "B1": B1}
    path = _save(tmp_path / "offset32.onnx", nodes, inits, domain=[[-1, 1], [-1, 1]], dtype=TensorProto.FLOAT)
    with pytest.raises(
        ModelFormatError, match=r"a gap the size of float32 rounding of the terms it sums .* export the file in float64"
    ):
        load_onnx(path)


def test_a_float32_scaler_on_a_box_far_from_zero_loads(tmp_path):
    """probe129 #1: the file of the test above (a float32 scaler on [3e4, 3e4 + 1]^2) was refused for float32
    rounding that the package's own fold made (its folded bias stored in float32); onnxruntime computes it to 1e-7."""
    assert load_onnx(_scaler(tmp_path / "scaler32.onnx", 3e4, dtype=TensorProto.FLOAT)).architecture.hidden == (16,)


def test_term_scale_counts_the_inputs_and_the_files_offsets(tmp_path):
    path = _scaler(tmp_path / "scaler.onnx", 1e8)
    net = load_onnx(path)
    assert term_scale(path, net, np.array([[1e8, 1e8]])) >= 1e8


@pytest.mark.parametrize(("variance", "unused"), [(1e14, None), (1.0, 1e20)])
def test_a_batchnorm_variance_or_an_unused_tensor_widens_no_allowance(tmp_path, variance, unused):
    """probe96 #1: the largest entry of any vector counted, so a running variance of 1e14 (which scales terms down)
    or a tensor no node reads (1e20) let a parsed net whose output bias was off by 0.5 pass the float64 check."""
    nodes = [
        helper.make_node("Gemm", ["x", "W", "B"], ["g"]),
        helper.make_node("BatchNormalization", ["g", "sc", "bb", "mu", "var"], ["p0"]),
        helper.make_node("Relu", ["p0"], ["r0"]),
        helper.make_node("Gemm", ["r0", "W1", "B1"], ["y"]),
    ]
    std = np.sqrt(variance)
    inits = {"W": W0 * std, "B": B0 * std, "sc": np.ones(16), "bb": np.zeros(16), "mu": np.zeros(16)}
    inits.update(var=np.full(16, variance), W1=W1, B1=B1, **({"unused": np.array([unused])} if unused else {}))
    path = _save(tmp_path / "bn.onnx", nodes, inits, domain=[[-1, 1], [-1, 1]])
    net = load_onnx(path)
    points = np.random.default_rng(1).uniform(-1, 1, (64, 2))
    assert term_scale(path, net, points) < 1e3
    misread = type(net)(net.weights, (net.biases[0], net.biases[1] + 1e-3), net.metadata)
    with pytest.raises(ModelFormatError, match="differs from what onnxruntime computes"):
        check_import(path, misread, float64=True)


def test_a_float64_batchnorm_shift_computed_from_a_large_running_mean_loads(tmp_path):
    """probe101 #1: jax2onnx writes a BatchNormalization's shift as beta - mean * scale, computed in the graph; once
    folded (a running mean of 1e7 cancelling the layer's 1e7), that offset counts in the float64 allowance as a stored
    one does."""
    c, node = 1e7, helper.make_node
    nodes = [
        node("Gemm", ["x", "W", "B"], ["g"]),
        node("Neg", ["mu"], ["neg"]),
        node("Mul", ["neg", "sc"], ["ms"]),
        node("Add", ["ms", "bb"], ["shift"]),
        node("Mul", ["g", "sc"], ["gs"]),
        node("Add", ["gs", "shift"], ["p0"]),
        node("Relu", ["p0"], ["r0"]),
        node("Gemm", ["r0", "W1", "B1"], ["y"]),
    ]
    inits = {"W": W0, "B": B0 + c, "sc": np.ones(16), "bb": np.zeros(16), "mu": np.full(16, c), "W1": W1, "B1": B1}
    path = _save(tmp_path / "bn.onnx", nodes, inits, domain=[[-1, 1], [-1, 1]])
    net = load_onnx(path)
    assert term_scale(path, net, np.zeros((1, 2))) >= c


def test_a_file_that_gives_fewer_values_than_points_is_refused_naming_its_outputs(tmp_path):
    """A graph that sums its batch into one value: onnxruntime gives 1 value for the 260 points checked (256 and the box's
    4 corners)."""
    from tests.helpers import random_net

    nodes = _layers("x")[:-1] + [
        helper.make_node("Gemm", ["r0", "W1", "B1"], ["p1"]),
        helper.make_node("ReduceSum", ["p1"], ["y"], keepdims=0),
    ]
    path = _save(tmp_path / "summed.onnx", nodes, {"W0": W0, "B0": B0, "W1": W1, "B1": B1})
    message = r"summed\.onnx: onnxruntime gives 1 values for 260 points, not one per point; export a net with one output"
    with pytest.raises(ModelFormatError, match=message):
        check_import(path, random_net((16,)))


def _half_cast_net(path, small: float, gain: float):
    """A float32 2-2-1 net that casts its hidden ReLU to float16 and back: one unit ~2e4, one ~``small`` * 1.5 read
    with the output weight ``gain`` (probe139's fp16_flush)."""
    node = helper.make_node
    nodes = [node("Gemm", ["x", "W0", "B0"], ["h"]), node("Relu", ["h"], ["r"])]
    nodes += [node("Cast", ["r"], ["rh"], to=TensorProto.FLOAT16), node("Cast", ["rh"], ["rf"], to=TensorProto.FLOAT)]
    nodes += [node("Gemm", ["rf", "W1", "B1"], ["y"])]
    weights = {"W0": [[1e4, 0], [0, small]], "B0": [1.5e4, 1.5 * small], "W1": [[1e-4], [1 / small]], "B1": [0.0]}
    return _save(path, nodes, weights, dtype=TensorProto.FLOAT)


def test_a_float16_cast_that_flushes_a_unit_to_zero_is_refused(tmp_path):
    """probe139: float16 flushes the unit of 1e-8 (read with weight 1e8) to 0, so onnxruntime gives 1.5 where the net
    read gives 3.0; the check's 1e-2 of the largest layer value (2e4) let it load. The file's values are compared with
    its float32 copy's (probe145), worst at the box's corner (1, 1)."""
    message = r"differ from those of its float32 copy .* by 2\.5 at \[1\.0, 1\.0\], more than float16 rounding explains \(.* of its largest output there, 2\.5.*float16 changes the net's values beyond rounding"
    with pytest.raises(ModelFormatError, match=message):
        load_onnx(_half_cast_net(tmp_path / "flush.onnx", 1e-8, 1e8))


def test_a_float16_cast_that_only_rounds_still_loads(tmp_path):
    """The same net with its small unit at 1e-2: float16 rounds it, within float16 rounding of the output."""
    net = load_onnx(_half_cast_net(tmp_path / "round.onnx", 1e-2, 1e2))
    assert net.metadata["onnx_precision"] == "float16"


def _float16_mlp(path, widths, *, shrink=None, seed=0):
    """A float16 ReLU MLP of ``widths`` on [-1, 1] per input (input, weights and output in float16; probe143's gen16
    ``all16``), weights normal / sqrt(fan-in); with ``shrink``, weights ``shrink`` times normal and each layer's biases
    ``shrink`` times smaller than the last's, so its values shrink into float16's subnormals (gen16c's ``geo``)."""
    rng = np.random.default_rng(seed)
    nodes, weights, h = [], {}, "x"
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        scale = (shrink, shrink ** (k + 1)) if shrink else (1 / np.sqrt(a), 1.0)
        weights[f"W{k}"], weights[f"B{k}"] = rng.normal(size=(a, b)) * scale[0], rng.normal(size=b) * scale[1]
        out = "y" if k == len(widths) - 2 else f"r{k}"
        nodes.append(helper.make_node("Gemm", [h, f"W{k}", f"B{k}"], [out if out == "y" else f"p{k}"]))
        if out != "y":
            nodes.append(helper.make_node("Relu", [f"p{k}"], [out]))
        h = out
    inputs, outputs = (("x", ["b", widths[0]], TensorProto.FLOAT16),), (("y", ["b", 1], TensorProto.FLOAT16),)
    domain = [[-1.0, 1.0]] * widths[0]
    return str(save_graph(path, nodes, weights, dtype=np.float16, inputs=inputs, outputs=outputs, domain=domain))


@pytest.mark.parametrize("widths", [[2] + [8] * 10 + [1], [2, 64, 64, 1]], ids=["deep", "wide"])
def test_a_float16_net_a_tenth_off_onnxruntime_is_refused(tmp_path, widths):
    """probe143: 4 times float16 rounding carried through every layer's ``|W|`` grows with depth and width, so the
    check accepted these nets with their output scaled by 1.1 (and by 4); the net read is now checked against the
    file's float32 copy as a float32 file is (probe145), so the misread is named as one."""
    path = _float16_mlp(tmp_path / "net.onnx", widths)
    net = load_onnx(path)
    check_import(path, net, float16=True)
    for factor in (1.1, 4.0):
        weights, biases = list(net.weights), list(net.biases)
        weights[-1], biases[-1] = weights[-1] * factor, biases[-1] * factor
        message = r"differs from what onnxruntime computes by .* \(the file run with its float16 values, inputs and Casts made float32\), so its graph has a form surrogate misreads"
        with pytest.raises(ModelFormatError, match=message):
            check_import(path, ReluMLP(weights, biases, dict(net.metadata)), float16=True)


def test_a_float16_net_of_tiny_values_loads(tmp_path):
    """probe143's geo0.003 nets: outputs near 3.6e-7, 3e-8 off onnxruntime (float16's subnormal steps, 6e-8), more
    than 1e-2 of them; float16's smallest step is allowed besides, so the net loads."""
    path = _float16_mlp(tmp_path / "tiny.onnx", [2, 16, 16, 1], shrink=3e-3)
    net = load_onnx(path)
    assert 0 < np.abs(net.forward(np.zeros((1, 2)))).max() < 1e-6


def test_a_float16_cast_between_layers_of_a_net_far_from_zero_loads(tmp_path):
    """probe143's worst float16 file (box1000_castmid_2: inputs near 1000 cancel to outputs near 50, 2.5e-3 of them
    off onnxruntime) stays within the allowance; here the same form, a Cast to float16 and back after the first ReLU."""
    rng = np.random.default_rng(2)
    weights = {"W0": rng.normal(size=(2, 16)) / np.sqrt(2), "B0": rng.normal(size=16)}
    weights |= {"W1": rng.normal(size=(16, 1)) / 4, "B1": rng.normal(size=1)}
    node = helper.make_node
    nodes = [node("Gemm", ["x", "W0", "B0"], ["h"]), node("Relu", ["h"], ["r"])]
    nodes += [node("Cast", ["r"], ["rh"], to=TensorProto.FLOAT16), node("Cast", ["rh"], ["rf"], to=TensorProto.FLOAT)]
    nodes += [node("Gemm", ["rf", "W1", "B1"], ["y"])]
    path = save_graph(tmp_path / "far.onnx", nodes, weights, domain=[[1000, 1001]] * 2)
    assert load_onnx(path).metadata["onnx_precision"] == "float16"


def _cast_out_mlp(path):
    """A float32 2-8-8-1 net whose only float16 step is a Cast to float16 and back at the output (probe145's castout)."""
    rng = np.random.default_rng(3)
    node = helper.make_node
    weights = {"W0": rng.normal(size=(2, 8)), "B0": rng.normal(size=8), "W1": rng.normal(size=(8, 8)) / 3}
    weights |= {"B1": rng.normal(size=8), "W2": rng.normal(size=(8, 1)) / 3, "B2": [0.1]}
    nodes = [node("Gemm", ["x", "W0", "B0"], ["p0"]), node("Relu", ["p0"], ["r0"])]
    nodes += [node("Gemm", ["r0", "W1", "B1"], ["p1"]), node("Relu", ["p1"], ["r1"]), node("Gemm", ["r1", "W2", "B2"], ["g"])]
    nodes += [node("Cast", ["g"], ["gh"], to=TensorProto.FLOAT16), node("Cast", ["gh"], ["y"], to=TensorProto.FLOAT)]
    return str(save_graph(path, nodes, weights, domain=[[-1, 1], [-1, 1]]))


@pytest.mark.parametrize("form", ["all16", "castout"])
def test_a_float16_file_s_misread_of_a_percent_is_refused(tmp_path, form):
    """probe145: the net read was checked within 1e-2 of the file's largest output, so a last bias misread by 0.009
    (37 times the file's own rounding), or an output scaled by 1.009, loaded; one Cast to float16 at the output of a
    float32 file switched it to that allowance. The net read is now checked against the file's float32 copy at 1e-4."""
    from surrogate.nets.onnx_check import FLOAT16_IMPORT_TOLERANCE

    path = _float16_mlp(tmp_path / "all16.onnx", [2, 8, 8, 1]) if form == "all16" else _cast_out_mlp(tmp_path / "out.onnx")
    net = load_onnx(path)
    assert net.metadata["onnx_precision"] == "float16"
    largest = np.abs(net.forward(RNG.uniform(-1, 1, (256, 2)))).max()
    shift = 0.5 * FLOAT16_IMPORT_TOLERANCE * largest  # half the float16 allowance: it let this through
    weights, biases = list(net.weights), list(net.biases)
    message = (
        r"differs from what onnxruntime computes by .*\(the file run with its float16 values, inputs and Casts made float32\)"
    )
    with pytest.raises(ModelFormatError, match=message):
        check_import(path, ReluMLP(weights, biases[:-1] + [biases[-1] + shift], dict(net.metadata)), float16=True)
    scaled = ReluMLP(weights[:-1] + [weights[-1] * 1.005], biases[:-1] + [biases[-1] * 1.005], dict(net.metadata))
    with pytest.raises(ModelFormatError, match=message):
        check_import(path, scaled, float16=True)


def test_the_float32_copy_of_a_float16_file_holds_its_values_in_float32(tmp_path):
    import onnx
    import onnxruntime as ort

    from surrogate.nets.onnx_check import float32_copy

    path = _float16_mlp(tmp_path / "all16.onnx", [2, 8, 1])
    model = onnx.load_model_from_string(float32_copy(open(path, "rb").read()))
    assert {t.data_type for t in model.graph.initializer} == {TensorProto.FLOAT}
    assert model.graph.input[0].type.tensor_type.elem_type == TensorProto.FLOAT
    x = RNG.uniform(-1, 1, (50, 2)).astype(np.float16)
    wide = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        None, {"x": x.astype(np.float32)}
    )[0]
    net = load_onnx(path)
    np.testing.assert_allclose(wide.reshape(-1), net.forward(x.astype(np.float64)).reshape(-1), rtol=1e-5, atol=1e-6)


def _corner_unit_net(path, form):
    """probe145's corner.py: a unit alive only where x + y > t, t just above every random check point's x + y, that
    float16 flushes to 0 (``castmid``: 1e-7 (x + y - t), read with weight 1e8) or sends past 65504 (``all16``)."""
    from surrogate.nets.onnx_check import IMPORT_POINTS

    random_points = np.random.default_rng(0).uniform(-1, 1, size=(IMPORT_POINTS, 2))
    t = float(np.float16(random_points.astype(np.float16).astype(float).sum(1).max() + 0.01))
    node = helper.make_node
    if form == "castmid":
        layers = [([[1e-7, 1, -1], [1e-7, 0, 0]], [-1e-7 * t, 0, 0]), ([[1e8], [1], [-1]], [0.0])]
    else:
        layers = [([[1, 1, -1], [1, 0, 0]], [-t, 0, 0]), (np.diag([6e4, 1, 1]), [0.0] * 3), ([[6e4], [1], [-1]], [0.0])]
    nodes, weights, h = [], {}, "x"
    for k, (w, b) in enumerate(layers):
        weights[f"W{k}"], weights[f"B{k}"] = w, b
        nodes.append(node("Gemm", [h, f"W{k}", f"B{k}"], [f"p{k}" if k < len(layers) - 1 else "y"]))
        if k < len(layers) - 1:
            nodes.append(node("Relu", [f"p{k}"], [f"r{k}"]))
            h = f"r{k}"
        if form == "castmid" and k == 0:
            nodes += [node("Cast", [h], ["rh"], to=TensorProto.FLOAT16), node("Cast", ["rh"], ["rf"], to=TensorProto.FLOAT)]
            h = "rf"
    if form == "castmid":
        return save_graph(path, nodes, weights, domain=[[-1, 1], [-1, 1]])
    inputs, outputs = (("x", ["b", 2], TensorProto.FLOAT16),), (("y", ["b", 1], TensorProto.FLOAT16),)
    return save_graph(path, nodes, weights, dtype=np.float16, inputs=inputs, outputs=outputs, domain=[[-1, 1], [-1, 1]])


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ("castmid", r"differ from those of its float32 copy .* at \[1\.0, 1\.0\], more than float16 rounding explains"),
        ("all16", r"onnxruntime's values of this file at points of \[\[-1\.0, 1\.0\], \[-1\.0, 1\.0\]\] are not finite"),
    ],
)
def test_a_unit_alive_only_at_a_corner_of_the_box_is_checked(tmp_path, form, message):
    """probe145: the 256 random points missed the box's corners, so a unit alive only near (1, 1) that float16
    flushes to 0 or sends past 65504 loaded; the corners are checked too."""
    with pytest.raises(ModelFormatError, match=message):
        load_onnx(_corner_unit_net(tmp_path / f"{form}.onnx", form))


def test_the_import_points_are_the_box_s_corners_then_fixed_random_ones():
    from surrogate.nets.onnx_check import IMPORT_POINTS, import_points

    points = import_points([(-1, 1), (0, 2)])
    assert points[:4].tolist() == [[-1, 0], [-1, 2], [1, 0], [1, 2]] and len(points) == IMPORT_POINTS + 4
    np.testing.assert_array_equal(points, import_points([(-1, 1), (0, 2)]))  # deterministic


def _autocast_mlp(path, form):
    """probe148: a float32 2-16-16-1 net with N(0, 1) weights (float16 rounds them by up to 1e-3) exported as torch's
    autocast does without constant folding: each weight stored float32 and Cast to float16 in the graph, the layers
    computed in float16 on the input Cast to float16 (``compute16``), or in float32 on the weights Cast back
    (``roundtrip``)."""
    rng = np.random.default_rng(7)
    node, widths = helper.make_node, (2, 16, 16, 1)
    weights = {}
    nodes = [node("Cast", ["x"], ["h0"], to=TensorProto.FLOAT16)] if form == "compute16" else []
    h = "h0" if form == "compute16" else "x"
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        weights[f"W{k}"], weights[f"B{k}"] = rng.normal(size=(a, b)), rng.normal(size=b)
        for name in (f"W{k}", f"B{k}"):
            nodes.append(node("Cast", [name], [name + "h"], to=TensorProto.FLOAT16))
            if form == "roundtrip":
                nodes.append(node("Cast", [name + "h"], [name + "f"], to=TensorProto.FLOAT))
        kind = "h" if form == "compute16" else "f"
        nodes.append(node("Gemm", [h, f"W{k}{kind}", f"B{k}{kind}"], [f"p{k}"]))
        h = f"p{k}"
        if k < len(widths) - 2:
            nodes.append(node("Relu", [h], [f"r{k}"]))
            h = f"r{k}"
    nodes.append(node("Cast", [h], ["y"], to=TensorProto.FLOAT) if form == "compute16" else node("Identity", [h], ["y"]))
    return str(save_graph(path, nodes, weights, domain=[[-1, 1], [-1, 1]]))


@pytest.mark.parametrize("form", ["compute16", "roundtrip"])
def test_float32_weights_cast_to_float16_in_the_graph_load(tmp_path, form):
    """probe148: the float32 copy made every Cast to float16 a float32 one, those of the weights too, so it ran the
    weights unrounded while the net read (folding the Casts, as the file means) holds them rounded: all 10 of torch's
    autocast exports were refused as misread. The copy now folds its constants first, so their rounding stays."""
    import onnxruntime as ort

    from surrogate.nets.onnx_check import FLOAT16_IMPORT_TOLERANCE, FLOAT16_SMALLEST

    path = _autocast_mlp(tmp_path / f"{form}.onnx", form)
    net = load_onnx(path)
    assert net.metadata["onnx_precision"] == "float16"
    x = RNG.uniform(-1, 1, (200, 2)).astype(np.float32)
    got = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0].reshape(-1)
    gap = np.abs(got - net.forward(x.astype(np.float64)).reshape(-1)).max()
    assert gap <= FLOAT16_IMPORT_TOLERANCE * np.abs(got).max() + FLOAT16_SMALLEST


def test_a_float16_cast_target_a_local_function_is_passed_under_another_name_loads(tmp_path):
    """probe148: a local function's Cast takes its ``to`` from the function's attribute ``target`` (float16 at the
    call); the copy widened only attributes named ``to``, so its Cast stayed float16 and the net was refused. The copy
    is now made from the model with its functions inlined."""
    import onnx

    from surrogate.nets.onnx_check import float32_copy

    cast = helper.make_node("Cast", ["a"], ["ah"])
    cast.attribute.append(onnx.AttributeProto(name="to", ref_attr_name="target", type=onnx.AttributeProto.INT))
    back = helper.make_node("Cast", ["ah"], ["c"], to=TensorProto.FLOAT)
    function = helper.make_function("local", "Rnd", ["a"], ["c"], [cast, back], [helper.make_opsetid("", 17)], ["target"])
    node = helper.make_node
    nodes = [node("Gemm", ["x", "W0", "B0"], ["p0"]), node("Relu", ["p0"], ["r0"])]
    nodes += [node("Rnd", ["r0"], ["m"], domain="local", target=TensorProto.FLOAT16), node("Gemm", ["m", "W1", "B1"], ["y"])]
    path = save_graph(
        tmp_path / "fn.onnx", nodes, {"W0": W0, "B0": B0, "W1": W1, "B1": B1}, opset={"": 17, "local": 1}, domain=[[-1, 1]] * 2
    )
    model = onnx.load(str(path))
    model.functions.append(function)
    onnx.save(model, str(path))
    assert load_onnx(path).metadata["onnx_precision"] == "float16"
    copy = onnx.load_model_from_string(float32_copy(path.read_bytes()))
    assert [a.i for n in copy.graph.node if n.op_type == "Cast" for a in n.attribute] == [TensorProto.FLOAT] * 2
