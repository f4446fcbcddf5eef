import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper

from surrogate import ModelFormatError, ReluMLP, export_onnx, load_onnx, read_metadata
from surrogate.errors import DomainWarning
from surrogate.nets.onnx_io import EXPORT_TOLERANCE, check_against_onnxruntime
from tests.helpers import placed_net, random_net, save_graph, write_onnx_graph


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    net = random_net((8, 8, 8), seed=3)
    path = tmp_path_factory.mktemp("onnx") / "net.onnx"
    export_onnx(net, path, metadata={"architecture": "3x8", "seed": "7", "metrics": {"mae": 0.01}})
    return net, path


def test_export_matches_onnxruntime(exported):
    net, path = exported
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).uniform(-1, 1, (500, 2)).astype(np.float32)
    got = session.run(None, {session.get_inputs()[0].name: x})[0][:, 0]
    assert np.abs(got - net.forward(x)).max() <= 1e-5  # float32 vs float64
    assert check_against_onnxruntime(path.read_bytes(), net) <= EXPORT_TOLERANCE


def test_export_is_single_file_with_dynamic_batch(exported):
    _, path = exported
    assert sorted(p.name for p in path.parent.iterdir()) == ["net.onnx"]
    model = onnx.load(str(path), load_external_data=False)
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and not dims[0].dim_value
    assert dims[1].dim_value == 2


def test_metadata_round_trip(exported):
    net, path = exported
    meta = read_metadata(path)
    assert meta["architecture"] == "3x8" and meta["seed"] == "7"
    assert json.loads(meta["metrics"]) == {"mae": 0.01}
    assert "torch" in json.loads(meta["versions"])
    loaded = load_onnx(path)
    assert loaded.metadata["architecture"] == "3x8"
    assert loaded.architecture.name == "3x8"
    for a, b in zip(loaded.weights, net.weights):
        assert np.allclose(a, b, atol=1e-6)


def test_zero_bias_gemm_is_loaded(tmp_path):
    # PyTorch's exporter drops all-zero biases; OMLT needs them back.
    net = random_net((4,), seed=1)
    net = type(net)(net.weights, (np.zeros(4), net.biases[1]))
    path = export_onnx(net, tmp_path / "zb.onnx")
    assert np.allclose(load_onnx(path).forward(np.ones((1, 2))), net.forward(np.ones((1, 2))), atol=1e-6)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFormatError, match=r"no ONNX file at .*nope\.onnx; check the path"):
        load_onnx(tmp_path / "nope.onnx")


def test_a_file_moved_away_from_its_external_data_says_to_put_the_side_file_back(tmp_path):
    """probe90 #4: the net is intact, but the refusal said 're-export it'."""
    import shutil

    from tests.helpers import external_data_net

    (tmp_path / "made").mkdir(), (tmp_path / "moved").mkdir()
    path, save = external_data_net(tmp_path / "made")
    save(1.0)
    shutil.copy(path, tmp_path / "moved" / "net.onnx")
    with pytest.raises(
        ModelFormatError,
        match=r"keeps its weights in a side file that is not beside it: .*moved.net\.onnx\.data is missing; put net\.onnx\.data back beside it .* save_as_external_data=False",
    ):
        load_onnx(tmp_path / "moved" / "net.onnx")
    shutil.copy(tmp_path / "made" / "net.onnx.data", tmp_path / "moved")
    assert load_onnx(tmp_path / "moved" / "net.onnx").architecture.name == "2x6"


def test_garbage_file(tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"this is not a protobuf")
    with pytest.raises(ModelFormatError, match="is not a readable ONNX model.*re-export it"):
        load_onnx(path)


@pytest.mark.parametrize("activation", ["LeakyRelu", "Tanh", "Sigmoid"])
def test_non_relu_nets_are_refused(tmp_path, activation):
    path = write_onnx_graph(tmp_path / f"{activation}.onnx", activation=activation)
    with pytest.raises(ModelFormatError, match=f"uses {activation}.*only ReLU MLPs.*retrain the net with ReLU"):
        load_onnx(path)


def test_three_input_net_is_refused(tmp_path):
    path = write_onnx_graph(tmp_path / "three.onnx", n_inputs=3)
    with pytest.raises(ModelFormatError, match=r"input has shape \[0, 3\].*takes \(batch, 2\) inputs"):
        load_onnx(path)


def test_two_output_net_is_refused(tmp_path):
    path = write_onnx_graph(tmp_path / "two.onnx", n_outputs=2)
    with pytest.raises(ModelFormatError, match="the net has 2 outputs; a surrogate of x\\*y has exactly one"):
        load_onnx(path)


def test_relu_graph_made_by_hand_loads(tmp_path):
    path = write_onnx_graph(tmp_path / "ok.onnx")
    net = load_onnx(path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).uniform(-1, 1, (50, 2)).astype(np.float32)
    assert np.abs(session.run(None, {"x": x})[0][:, 0] - net.forward(x)).max() < 1e-5


@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_a_net_of_large_outputs_exports(tmp_path, scale):
    """Float32 rounding is relative: outputs in the thousands round by more than 1e-6 absolute."""
    from surrogate import ReluMLP

    base = random_net((8, 8), seed=1)
    net = ReluMLP(base.weights[:-1] + (base.weights[-1] * scale,), base.biases[:-1] + (base.biases[-1] * scale,))
    path = export_onnx(net.with_metadata(domain=[[0.0, 100.0], [0.0, 100.0]]), tmp_path / "big.onnx")
    assert np.allclose(load_onnx(path).forward(np.array([[50.0, 20.0]])), net.forward(np.array([[50.0, 20.0]])), rtol=1e-5)


def test_the_import_check_holds_at_a_tiny_scale(tmp_path):
    """A net whose values are near 1e-4 is checked at that scale: a shift of 1e-7 (0.1%) is no longer within 1e-4 absolute."""
    from surrogate import ReluMLP
    from surrogate.nets.onnx_graph import check_import

    base = random_net((8, 8), seed=2)  # on [-1e-4, 1e-4]^2 with biases scaled alike: every value is near 1e-4
    tiny = ReluMLP(base.weights, tuple(b * 1e-4 for b in base.biases)).with_metadata(domain=[[-1e-4, 1e-4]] * 2)
    path = export_onnx(tiny, tmp_path / "tiny.onnx")
    check_import(path, tiny)  # the file's own net passes
    off = ReluMLP(tiny.weights, tiny.biases[:-1] + (tiny.biases[-1] + 1e-7,)).with_metadata(domain=[[-1e-4, 1e-4]] * 2)
    with pytest.raises(ModelFormatError, match="differs from what onnxruntime computes"):
        check_import(path, off)


@pytest.mark.parametrize("bad", [[[1, 0], [0, 1]], "nonsense", [[0, float("nan")], [0, 1]]])
def test_a_malformed_domain_given_to_export_is_refused_by_the_loaders_rule(tmp_path, bad):
    """Such a file was written, then refused by load_onnx."""
    with pytest.raises(
        ModelFormatError, match=r"export_onnx\(metadata=\{'domain': \.\.\.\}\): domain metadata .*nothing was written"
    ):
        export_onnx(random_net((4,)), tmp_path / "net.onnx", metadata={"domain": bad})
    assert not (tmp_path / "net.onnx").exists()


def test_a_domain_given_to_export_is_the_one_checked_against_onnxruntime(tmp_path, monkeypatch):
    import surrogate.nets.onnx_io as onnx_io

    checked, check = [], onnx_io.check_against_onnxruntime
    monkeypatch.setattr(onnx_io, "check_against_onnxruntime", lambda data, net: checked.append(net.domain) or check(data, net))
    export_onnx(random_net((4,)), tmp_path / "net.onnx", metadata={"domain": [[0, 1000], [-5, 5]]})
    assert checked == [((0.0, 1000.0), (-5.0, 5.0))] and load_onnx(tmp_path / "net.onnx").domain == checked[0]


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("folder", r"the path '.*folder' is a folder; give the path of the file to write"),
        ("file/net.onnx", r"the path '.*file/net.onnx' is under '.*file', which is a file, not a folder"),
        ("", r"the path '' is empty; give the path of the file to write"),
    ],
)
def test_export_to_a_path_that_cannot_be_a_file_names_that_path(tmp_path, monkeypatch, name, match):
    """A bare OSError named a hidden temporary file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("")
    with pytest.raises(ModelFormatError, match=match):
        export_onnx(random_net((4,)), str(tmp_path / name) if name else "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder"] and not any((tmp_path / "folder").iterdir())


def test_a_failed_write_names_the_path_given(tmp_path, monkeypatch):
    import surrogate.nets.onnx_io as onnx_io

    def full(path, data):
        raise OSError(28, "No space left on device", str(path.parent / ".net.onnx.x.tmp"))

    monkeypatch.setattr(onnx_io, "write_bytes", full)
    with pytest.raises(ModelFormatError, match=r"cannot write '.*net.onnx' \(No space left on device\); check that its folder"):
        export_onnx(random_net((4,)), tmp_path / "net.onnx")


@pytest.mark.parametrize(
    "domain",
    [[[np.float32(0), np.float32(1)], [0, 1]], np.array([[0.0, 1.0], [0.0, 2.0]]), ((0, 1), (0, 1))],
    ids=["float32", "array", "tuple"],
)
def test_a_domain_of_numpy_numbers_is_exported_as_plain_floats(tmp_path, domain):
    """np.float32 values or an array gave a bare TypeError (not JSON serializable), given to export or held by the net."""
    want = tuple((float(lo), float(hi)) for lo, hi in domain)
    path = export_onnx(random_net((4,)), tmp_path / "net.onnx", metadata={"domain": domain})
    assert load_onnx(path).domain == want and json.loads(read_metadata(path)["domain"]) == [list(s) for s in want]
    own = ReluMLP(random_net((4,)).weights, random_net((4,)).biases, {"domain": np.array(domain, dtype=float)})
    assert load_onnx(export_onnx(own, tmp_path / "own.onnx")).domain == want


@pytest.mark.parametrize(
    "domain", [[[0, 1e39], [0, 1]], [[-1e300, 1e300], [-1, 1]], [[-1.7e308, 1.7e308], [-1, 1]], [[0, 1], [-1e39, 0]]]
)
def test_a_domain_beyond_float32_is_refused_naming_it(tmp_path, domain):
    """Valid domains beyond float32 gave 'differs by nan ... check the net's weights are finite' or a bare OverflowError."""
    match = r"the domain \[\[.*\]\] reaches .*, beyond float32's largest value 3.4e\+38, and an ONNX net takes float32 inputs"
    with pytest.raises(ModelFormatError, match=rf"export_onnx\(metadata=\{{'domain': \.\.\.\}}\): {match}"):
        export_onnx(random_net((4,)), tmp_path / "net.onnx", metadata={"domain": domain})
    with pytest.raises(ModelFormatError, match=rf"export_onnx: the net's domain metadata: {match}"):
        export_onnx(random_net((4,)).with_metadata(domain=domain), tmp_path / "net.onnx")
    with pytest.raises(ModelFormatError, match=r"None is no domain; give \[\[x_lo, x_hi\], \[y_lo, y_hi\]\], or leave"):
        export_onnx(random_net((4,)), tmp_path / "net.onnx", metadata={"domain": None})
    assert not (tmp_path / "net.onnx").exists()


def test_values_beyond_float32_on_the_domain_are_named_not_taken_for_non_finite_weights(tmp_path):
    from surrogate.errors import ExportError

    big = ReluMLP(random_net((4,)).weights, random_net((4,)).biases).with_metadata(domain=[[0, 3e38], [0, 3e38]])
    with pytest.raises(ExportError, match=r"float32 values can be non-finite on the net's domain .* can pass float32's largest"):
        export_onnx(ReluMLP(tuple(w * 100 for w in big.weights), big.biases, big.metadata), tmp_path / "net.onnx")


@pytest.mark.parametrize("where", ["weight", "bias"])
def test_a_weight_past_float32_s_largest_is_named_not_taken_for_a_non_finite_one(tmp_path, where):
    """A weight of 1e39 (finite in float64, inf in float32) was refused as 'non-finite weights (nan or inf); retrain
    the net', from the float32 copy the export check makes, instead of as a net whose values do not fit float32."""
    from surrogate.errors import ExportError

    net = random_net((4,))
    weights, biases = list(net.weights), list(net.biases)
    if where == "weight":
        weights[0] = weights[0].copy()
        weights[0][0, 0] = 1e39
    else:
        biases[1] = np.array([-1e39])
    with pytest.raises(
        ExportError, match=r"can pass float32's largest value \(3.4028235e\+38; the layers' interval bound there is inf\)"
    ):
        export_onnx(ReluMLP(tuple(weights), tuple(biases)), tmp_path / "net.onnx")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("which", ["input rounding", "float32 arithmetic"])
def test_a_file_export_accepts_on_a_box_narrower_than_float32_resolution_loads(tmp_path, which):
    """load_onnx compared the float64 net at float64 points with onnxruntime at float32 points (and in float32):
    on [5, 5.000001] the rounding alone passed its tolerance, and the file just exported was refused as 'a form
    surrogate misreads'. Both checks now compare at the points as the file is fed them, in float32 too."""
    box = [[5.0, 5.000001], [1.0, 2.0]]
    if which == "input rounding":  # 1e6 (x - 5): exact in float32 at float32 points
        net = ReluMLP((np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1e6], [0.0]])), (np.array([-5.0, 0.0]), np.zeros(1)))
        net = net.with_metadata(domain=box)
    else:  # x*y placed on the box and fine-tuned there: its first layer's terms near 1e7 cancel in float32
        from surrogate.nets.zoo import resolve_surrogate
        from surrogate.train.solve_time import SolveTimeConfig, train_for_solve_time

        config = SolveTimeConfig(steps=5, finetune_steps=5, batch_size=64, resolution=9)
        net = train_for_solve_time(placed_net(resolve_surrogate("3x8"), box), config)[0]
    assert load_onnx(export_onnx(net, tmp_path / "net.onnx")).domain == tuple(map(tuple, box))


def test_values_overflowing_float32_only_near_a_corner_are_refused(tmp_path):
    """N = w relu(x + y) on [0, 1]^2 passes float32's largest value only where x + y > 2 - 1e-4: the random points
    missed it and the file was written (onnxruntime gave inf at (1, 1)). The layers' interval bound catches it."""
    from surrogate.errors import ExportError
    from surrogate.nets.onnx_io import FLOAT32_MAX

    w = FLOAT32_MAX / (2 - 1e-4) * 1.0000001
    net = ReluMLP((np.ones((2, 1)), np.array([[w]])), (np.zeros(1), np.zeros(1)), {"domain": "[[0, 1], [0, 1]]"})
    with pytest.raises(ExportError, match=r"can pass float32's largest value \(3.4028235e\+38; the layers' interval bound"):
        export_onnx(net, tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()
    fits = ReluMLP((np.ones((2, 1)), np.array([[w / 2]])), (np.zeros(1), np.zeros(1)), {"domain": "[[0, 1], [0, 1]]"})
    assert load_onnx(export_onnx(fits, tmp_path / "fits.onnx")).domain == ((0.0, 1.0), (0.0, 1.0))


def test_numpy_numbers_and_arrays_are_stored_as_plain_json(tmp_path):
    """with_metadata(domain=[[np.float32(0), ...]]) and export_onnx(metadata={'error_bound': np.float32(0.1)}) raised a
    bare TypeError; with_metadata(domain=np.array(...)) was refused as 'not a list of [lower, upper] pairs'."""
    net = random_net((4,))
    want = ((0.0, 2.0), (-1.0, 3.0))
    assert net.with_metadata(domain=[[np.float32(0), np.float32(2)], [-1, 3]]).domain == want
    assert net.with_metadata(domain=np.array(want)).metadata["domain"] == "[[0.0, 2.0], [-1.0, 3.0]]"
    path = export_onnx(net, tmp_path / "net.onnx", metadata={"error_bound": np.float32(0.5), "m": {"a": np.arange(2)}})
    assert read_metadata(path)["error_bound"] == "0.5" and json.loads(read_metadata(path)["m"]) == {"a": [0, 1]}


def test_the_largest_float32_as_numpy_prints_it_is_a_float32_domain(tmp_path):
    """3.4028235e38, numpy's printed float32 maximum, rounds to it but was refused as 'beyond float32's largest'."""
    net = ReluMLP((np.array([[1e-30], [0.0]]), np.array([[1.0]])), (np.zeros(1), np.zeros(1)))
    path = export_onnx(net, tmp_path / "net.onnx", metadata={"domain": [[0, 3.4028235e38], [-1, 1]]})
    assert load_onnx(path).domain[0] == (0.0, 3.4028235e38)


@pytest.mark.parametrize("shape, variant", [("6x4", "paired"), ("4x3", "shared"), ("8x3", "shared")])
def test_hand_built_nets_whose_last_layers_share_a_weight_export_and_load(tmp_path, shape, variant):
    """torch's exporter writes identical bias-free layers with one shared weight; each got a zero bias named after
    it, twice, and onnx's checker refused the file ('4.weight.zero_bias initializer name is not unique'; probe68 #3)."""
    from surrogate.nets.construct import hand_built

    net = hand_built(shape, variant)
    path = export_onnx(net, tmp_path / "net.onnx")
    points = np.random.default_rng(0).uniform(-1, 1, (64, 2))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    run = session.run(None, {session.get_inputs()[0].name: points.astype(np.float32)})[0].ravel()
    assert np.allclose(load_onnx(path).forward(points).ravel(), net.forward(points).ravel(), atol=1e-6)
    assert np.allclose(run, net.forward(points).ravel(), atol=1e-5)


def test_export_onnx_names_a_net_or_metadata_of_the_wrong_kind(tmp_path):
    from surrogate import ConfigError

    with pytest.raises(
        ConfigError, match=r"export_onnx: got str, not a net; pass a ReluMLP .* \(a zoo name or an ONNX path read"
    ):
        export_onnx("3x8", tmp_path / "a.onnx")
    with pytest.raises(ModelFormatError, match=r"export_onnx: metadata='x' must be a dict of names to values"):
        export_onnx(random_net((3,), seed=0), tmp_path / "a.onnx", metadata="x")
    assert not list(tmp_path.iterdir())


def test_forward_takes_one_point_and_names_a_wrong_shape():
    from surrogate import ConfigError

    net = random_net((3,), seed=0)
    assert net.forward([0.5, 0.25]) == net.forward(np.array([[0.5, 0.25]]))[0]
    with pytest.raises(ConfigError, match=r"ReluMLP.forward: points of shape \(3,\) must be of shape \(n, 2\)"):
        net.forward([0.5, 0.25, 1.0])


@pytest.mark.parametrize("bad", [None, -1, 1.5, np.int64(3), b"net.onnx"])
def test_a_path_that_is_no_file_name_is_refused_by_each_onnx_function(bad, exported):
    with pytest.raises(
        ModelFormatError, match=r"load_onnx: path=.* must be a path \(a str or pathlib.Path\), e.g. 'nets/net.onnx'"
    ):
        load_onnx(bad)
    with pytest.raises(ModelFormatError, match=r"read_metadata: path=.* must be a path"):
        read_metadata(bad)
    with pytest.raises(ModelFormatError, match=r"export_onnx: path=.* must be a path"):
        export_onnx(exported[0], bad)


def test_a_net_with_a_side_file_under_a_path_of_undecodable_bytes_says_to_rename_it(tmp_path):
    """probe95 #4: onnx cannot read a side file under a path that holds a byte that is not UTF-8; the refusal said
    're-export it' (the net is intact)."""
    import os

    from tests.helpers import external_data_net

    (tmp_path / "plain").mkdir()
    _, save = external_data_net(tmp_path / "plain")
    save(1.0)  # onnx cannot write there either: the folder is renamed after
    folder = tmp_path / os.fsdecode(b"nets\xff")
    (tmp_path / "plain").rename(folder)
    path = folder / "net.onnx"
    with pytest.raises(
        ModelFormatError, match=r"side file, which onnx cannot read under a path .* rename the file or its folder"
    ):
        load_onnx(path)


def _gemm_chain(path, arrays: dict, *, layers: int = 2) -> str:
    """``x -> Gemm(w1, b1) [-> Relu -> Gemm(w2, b2)]`` (``transB=1``) with the given arrays, in float32."""
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h" if layers == 2 else "y"], transB=1)]
    if layers == 2:
        nodes += [helper.make_node("Relu", ["h"], ["a"]), helper.make_node("Gemm", ["a", "w2", "b2"], ["y"], transB=1)]
    return str(save_graph(path, nodes, arrays))


def test_a_net_of_one_dense_layer_is_refused(tmp_path):
    """A linear map of x and y has no hidden layer: no ReLU MLP."""
    path = _gemm_chain(tmp_path / "linear.onnx", {"w1": [[0.5, -0.25]], "b1": [0.1]}, layers=1)
    with pytest.raises(
        ModelFormatError, match=r"linear\.onnx: expected a chain of at least two dense layers; export a plain ReLU MLP"
    ):
        load_onnx(path)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (
            {"w1": np.ones((3, 2)), "b1": np.ones(3), "w2": np.ones((1, 4)), "b2": [0.1]},
            r"bad\.onnx: ReluMLP layer 1: takes 4 inputs but layer 0 gives 3 outputs; export a plain ReLU MLP",
        ),
        (
            {"w1": np.ones((3, 2)), "b1": np.ones(2), "w2": np.ones((1, 3)), "b2": [0.1]},
            r"bad\.onnx: ReluMLP layer 0: weight shape \(2, 3\) does not match bias shape \(2,\); .*; export a plain ReLU MLP",
        ),
    ],
)
def test_layers_whose_shapes_do_not_chain_are_refused_naming_the_file(tmp_path, arrays, message):
    """OMLT reads such a file; the net it gives is no MLP (ReluMLP's ArchitectureError, led by the file's path)."""
    with pytest.raises(ModelFormatError, match=message):
        load_onnx(_gemm_chain(tmp_path / "bad.onnx", arrays))


def test_a_relu_on_the_output_is_refused_by_its_activations_not_read_as_a_linear_output(tmp_path):
    """A ReLU after the last layer (an output that cannot go below 0) is another function than the net read
    with a linear output: refused naming the activations."""
    arrays = {"w1": np.eye(2), "b1": np.zeros(2), "w2": np.array([[1.0], [-1.0]]), "b2": np.zeros(1)}
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["a"]),
        helper.make_node("Gemm", ["a", "w2", "b2"], ["z"]),
        helper.make_node("Relu", ["z"], ["y"]),
    ]
    path = save_graph(tmp_path / "relu_out.onnx", nodes, arrays)
    with pytest.raises(
        ModelFormatError,
        match=r"layer activations are \['relu', 'relu'\]; surrogate needs ReLU on every hidden layer and a linear output",
    ):
        load_onnx(path)


def test_a_float32_files_own_precision_metadata_is_not_trusted(tmp_path):
    """The net's ``onnx_precision`` comes from what the file computes in, not from its metadata: a float32 file that
    says float16 is read as float32 (and one that says float32 would hide a float16 file)."""
    path = export_onnx(random_net((4,), seed=2), tmp_path / "net.onnx")
    model = onnx.load(str(path))
    model.metadata_props.add(key="surrogate.onnx_precision", value="float16")
    onnx.save(model, str(path))
    assert read_metadata(path)["onnx_precision"] == "float16"
    assert "onnx_precision" not in load_onnx(path).metadata


def test_load_onnx_checks_a_float64_file_at_float64_precision_and_a_float32_one_not(tmp_path, monkeypatch):
    """load_onnx hands the import check the file's precision as in_float64 reads it before the rewrites: a float64 file
    at FLOAT64_IMPORT_TOLERANCE (1e-4 let a float32-rounded bias through, probe90 #1), a float64 input cast to float32
    inside at the float32 tolerance."""
    import surrogate.nets.onnx_io as onnx_io
    from tests.nets.test_onnx_graph import _double_net

    seen = []
    real = onnx_io.check_import
    monkeypatch.setattr(onnx_io, "check_import", lambda path, net, **kw: (seen.append(kw["float64"]), real(path, net, **kw)))
    for name, cast in (("double.onnx", False), ("cast.onnx", True)):
        with pytest.warns(DomainWarning):
            load_onnx(_double_net(tmp_path / name, cast=cast))
    assert seen == [True, False]


def test_the_export_check_samples_the_nets_domain_not_the_unit_box(tmp_path):
    """Two nets that agree on [-1, 1]^2 but not on the net's domain [0, 4]^2 (relu(x - 2) against 0) differ to the
    check: it runs onnxruntime at points of the domain that the encoding places the net on."""
    from surrogate.nets.onnx_writer import relu_mlp_proto

    domain = {"domain": [[0.0, 4.0], [0.0, 4.0]]}
    ramp = ReluMLP((np.array([[1.0], [0.0]]), np.array([[1.0]])), (np.array([-2.0]), np.zeros(1)), domain)
    flat = ReluMLP((np.array([[1.0], [0.0]]), np.array([[0.0]])), (np.array([-2.0]), np.zeros(1)), domain)
    data = relu_mlp_proto(flat).SerializeToString()
    assert check_against_onnxruntime(data, flat) == 0.0
    assert check_against_onnxruntime(data, ramp) > 0.1


def test_weights_also_listed_as_graph_inputs_load(tmp_path):
    """Older exporters (torch's keep_initializers_as_inputs=True) list every initializer as a graph input too: those
    are defaults, not inputs; the net has its one (batch, 2) input and loads."""
    path = write_onnx_graph(tmp_path / "inputs.onnx")
    model = onnx.load(path)
    model.graph.input.extend(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in model.graph.initializer)
    onnx.save(model, path)
    with pytest.warns(DomainWarning):
        net = load_onnx(path)
    assert net.architecture.name == "1x3"


def test_export_metadata_overrides_the_nets_own_and_never_writes_a_precision_other_than_the_files(tmp_path):
    """``metadata`` goes over the net's own metadata (its seed "1" written as "2"), and no ``onnx_precision`` of the
    net's or of ``metadata`` (a float64 file's net, say) reaches the file, which is float32."""
    net = random_net((4,), seed=2).with_metadata(seed="1", architecture="4", onnx_precision="float64")
    path = export_onnx(net, tmp_path / "net.onnx", metadata={"seed": "2"})
    written = read_metadata(path)
    assert written["seed"] == "2" and written["architecture"] == "4" and "onnx_precision" not in written
    path = export_onnx(random_net((4,), seed=2), tmp_path / "net16.onnx", metadata={"onnx_precision": "float16"})
    assert "onnx_precision" not in read_metadata(path)


@pytest.mark.parametrize("op", ["Mul", "Div"])
def test_a_product_or_quotient_of_two_computed_tensors_is_refused_naming_it_not_by_omlt(tmp_path, op):
    """h * h (or h / h) after the ReLU is no affine map: it is refused as an operation the net uses, with the advice
    to retrain, not handed on to OMLT, whose refusal is a bare 'Unhandled node type'."""
    rng = np.random.default_rng(4)
    arrays = {"w1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3), "w2": rng.normal(size=(3, 1)), "b2": np.zeros(1)}
    node = helper.make_node
    nodes = [
        node("Gemm", ["x", "w1", "b1"], ["h"]),
        node("Relu", ["h"], ["a"]),
        node(op, ["a", "a"], ["aa"]),
        node("Gemm", ["aa", "w2", "b2"], ["y"]),
    ]
    save_graph(tmp_path / "sq.onnx", nodes, arrays)
    with pytest.raises(ModelFormatError, match=rf"the net uses {op}, but surrogate encodes only ReLU MLPs") as refused:
        load_onnx(tmp_path / "sq.onnx")
    assert "OMLT" not in str(refused.value)


def test_export_onnx_refuses_a_metadata_key_that_is_no_string_as_relumlp_does(tmp_path):
    """A bare TypeError from inside the writer (probe119 #6); ReluMLP's own check, shared."""
    from surrogate import ConfigError

    path = tmp_path / "k.onnx"
    with pytest.raises(ConfigError, match=r"export_onnx: metadata key 1 must be a string, e\.g\. '1'"):
        export_onnx(random_net((3,), seed=0), path, metadata={1: "a"})
    assert not path.exists()


def _layer_function(cast_to_float16: bool = False):
    """A local ONNX function ``local.dense_relu(x, w, b) = Relu(x @ w + b)`` (as onnxscript or torch's
    ``export_modules_as_functions`` hold a layer), optionally rounding its values to float16 and back."""
    body = [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Add", ["m", "b"], ["h"])]
    if cast_to_float16:
        body += [helper.make_node("Cast", ["h"], ["hh"], to=onnx.TensorProto.FLOAT16)]
        body += [helper.make_node("Cast", ["hh"], ["h32"], to=onnx.TensorProto.FLOAT)]
    body += [helper.make_node("Relu", [body[-1].output[0]], ["r"])]
    opsets = [helper.make_opsetid("", 17)]
    return helper.make_function("local", "dense_relu", ["x", "w", "b"], ["r"], body, opsets)


@pytest.mark.parametrize("cast_to_float16", [False, True])
def test_a_net_whose_layers_are_local_functions_loads_inlined(tmp_path, cast_to_float16):
    """probe139: torch's legacy export with export_modules_as_functions=True, and an onnxscript function layer, were
    refused as 'retrain the net with ReLU activations'; their functions are inlined before the net is read."""
    rng = np.random.default_rng(4)
    weights = {"W1": rng.normal(size=(2, 8)), "B1": rng.normal(size=8), "W2": rng.normal(size=(8, 1)), "B2": [0.3]}
    nodes = [helper.make_node("dense_relu", ["x", "W1", "B1"], ["r1"], domain="local")]
    nodes += [helper.make_node("MatMul", ["r1", "W2"], ["m2"]), helper.make_node("Add", ["m2", "B2"], ["y"])]
    path = save_graph(tmp_path / "functions.onnx", nodes, weights, opset={"": 17, "local": 1})
    model = onnx.load(str(path))
    model.functions.append(_layer_function(cast_to_float16))
    onnx.save(model, str(path))
    net = load_onnx(path)
    x = rng.uniform(-1, 1, (64, 2)).astype(np.float32)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0][:, 0]
    assert np.abs(got - net.forward(x)).max() <= (2e-2 if cast_to_float16 else 1e-5)
    assert net.metadata.get("onnx_precision") == ("float16" if cast_to_float16 else None)  # the Cast inside is seen
