"""ReluMLP (surrogate.nets.network): its metadata is a mapping by name, kept as text; a net is immutable."""

import json

import numpy as np
import pytest

from surrogate import ConfigError, ReluMLP

LAYERS = ([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)])


@pytest.mark.parametrize("metadata", [None, "source", 5, [("a", "b")]])
def test_metadata_that_is_no_mapping_is_refused(metadata):
    with pytest.raises(ConfigError, match=r"ReluMLP: metadata=.* must be a dict, e.g. \{'source': 'trained'\}"):
        ReluMLP(*LAYERS, metadata)


@pytest.mark.parametrize("key", [1, None, np.int64(2), ("a",)])
def test_a_metadata_key_that_is_no_string_is_refused(key):
    with pytest.raises(ConfigError, match=r"ReluMLP: metadata key .* must be a string"):
        ReluMLP(*LAYERS, {key: "a"})


def test_metadata_values_are_kept_as_text_as_with_metadata_writes_them():
    from types import MappingProxyType

    given = {"source": "trained", "seed": np.int64(3), "mae": 0.5, "domain": np.array([[0, 2.0], [0, 1]], dtype=np.float32)}
    net = ReluMLP(*LAYERS, MappingProxyType(given))
    assert net.metadata is not given and net.metadata["seed"] == "3" and net.metadata["mae"] == "0.5"
    assert json.loads(net.metadata["domain"]) == [[0.0, 2.0], [0.0, 1.0]] and net.domain == ((0.0, 2.0), (0.0, 1.0))
    assert ReluMLP(*LAYERS).with_metadata(**given).metadata == net.metadata


def test_a_net_keeps_read_only_copies_of_its_arrays():
    """probe84 #4b: np.asarray kept the caller's float64 arrays, writeable; a weight edited in place after encoding
    made get_error() report a MILP-vs-net gap that did not exist (the model kept the old weights)."""
    weights, biases = [np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros((1, 1))]
    net = ReluMLP(weights, biases)
    weights[0][:] = 5.0
    biases[0][:] = 5.0
    assert net(np.array([1.0, 1.0])) == 6.0  # the caller's arrays are not the net's
    for array in (*net.weights, *net.biases):
        assert array.dtype == np.float64 and not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0
        with pytest.raises(ValueError, match="WRITEABLE"):
            array.setflags(write=True)
    renamed = net.with_metadata(source="x")
    assert not any(a.flags.writeable for a in (*renamed.weights, *renamed.biases))


def test_metadata_is_a_read_only_copy_and_domain_follows_it():
    """probe84 #4a: net.metadata['domain'] edited in place left net.domain on the old box, so bilinear(net) and
    export_onnx(net) of the same net gave two surrogates."""
    given = {"domain": "[[0, 1], [0, 1]]"}
    net = ReluMLP(*LAYERS, given)
    given["domain"] = "[[0, 2], [0, 2]]"
    assert net.metadata["domain"] == "[[0, 1], [0, 1]]" and net.domain == ((0.0, 1.0), (0.0, 1.0))
    with pytest.raises(TypeError, match="does not support item assignment"):
        net.metadata["domain"] = "[[0, 2], [0, 2]]"
    moved = net.with_metadata(domain=[[0, 2], [0, 2]])
    assert moved.domain == ((0.0, 2.0), (0.0, 2.0)) and net.domain == ((0.0, 1.0), (0.0, 1.0))
    assert json.loads(json.dumps(dict(moved.metadata))) == {"domain": "[[0, 2], [0, 2]]"}


@pytest.mark.parametrize("how", ["pickle", "deepcopy", "copy"])
def test_an_immutable_net_pickles_and_copies(how):
    import copy
    import pickle

    net = ReluMLP(*LAYERS, {"domain": "[[0, 1], [0, 1]]", "source": "test"})
    again = {"pickle": lambda n: pickle.loads(pickle.dumps(n)), "deepcopy": copy.deepcopy, "copy": copy.copy}[how](net)
    assert dict(again.metadata) == dict(net.metadata) and again.domain == net.domain
    for mine, theirs in zip((*net.weights, *net.biases), (*again.weights, *again.biases)):
        assert np.array_equal(mine, theirs) and not theirs.flags.writeable
    with pytest.raises(TypeError):
        again.metadata["source"] = "edited"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_to_torch_leaves_torchs_global_generator_alone(dtype):
    """probe84 #5b: torch.nn.Linear's default initialisation drew from torch's global generator before the weights
    were copied in, so export_onnx and train_net_naive moved a user's seeded torch stream."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(123)
    alone = torch.rand(3)
    torch.manual_seed(123)
    model = ReluMLP(*LAYERS).to_torch(dtype=dtype)
    assert torch.equal(torch.rand(3), alone)
    with torch.no_grad():
        assert float(model(torch.ones((1, 2), dtype=getattr(torch, dtype)))[0, 0]) == 6.0


@pytest.mark.parametrize(
    ("weights", "biases", "message"),
    [
        (None, None, r"ReluMLP: weights=None must be a sequence of arrays, one per layer \(a tuple or list\), e\.g\. \[np\.ones"),
        (
            [np.ones((2, 8)), np.ones((8, 1))],
            3,
            r"ReluMLP: biases=3 must be a sequence of arrays, one per layer .*e\.g\. \[np\.zeros\(8\)",
        ),
        ("w", None, r"ReluMLP: weights='w' must be a sequence of arrays, one per layer, not one string"),
        (
            [[["a"]], np.ones((8, 1))],
            [np.zeros(8), np.zeros(1)],
            r"ReluMLP: weights must be arrays of numbers, one per layer \(.*\); e\.g\.",
        ),
        ([[[1, 2], [3]], np.ones((8, 1))], [np.zeros(8), np.zeros(1)], r"ReluMLP: weights must be arrays of numbers"),
        # stop 55's known items: refused as 'weight shape ()' and as 'non-finite biases' (None read as a NaN)
        ([np.ones((2, 8)), None], [np.zeros(8), np.zeros(1)], r"ReluMLP: weights\[1\] is None; give an array of numbers"),
        ([np.ones((2, 8)), np.ones((8, 1))], [None, np.zeros(1)], r"ReluMLP: biases\[0\] is None; give an array of numbers"),
    ],
)
def test_weights_and_biases_that_are_no_sequence_of_arrays_are_refused_by_name(weights, biases, message):
    """probe110 #3: ReluMLP(None, None) raised a bare TypeError ('NoneType' object is not iterable)."""
    with pytest.raises(ConfigError, match=message):
        ReluMLP(weights, biases)


def test_a_refusal_of_weights_shows_a_large_value_in_brief_and_gives_advice_that_works():
    """probe112 #2 and #4: weights='3x8' was told 'for that one, pass ('3x8',)', refused too; a dict of weight
    arrays was printed whole (101 lines); a bias past float's range gave a bare OverflowError."""
    with pytest.raises(
        ConfigError, match=r"weights='3x8' must be a sequence of arrays, one per layer, not one string; e\.g\. \[np"
    ):
        ReluMLP("3x8", [np.zeros(8), np.zeros(1)])
    big = {f"layer{i}": np.ones((50, 50)) for i in range(4)}
    with pytest.raises(ConfigError, match=r"must be a sequence of arrays, one per layer \(a tuple or list\)") as caught:
        ReluMLP(big, [np.zeros(50)] * 4)
    assert len(str(caught.value)) < 400
    with pytest.raises(ConfigError, match=r"ReluMLP: biases must be arrays of numbers, one per layer \(.*too large"):
        ReluMLP([np.ones((2, 1)), np.ones((1, 1))], [np.zeros(1), [10**400]])


@pytest.mark.parametrize(
    ("weights", "biases", "message"),
    [
        ((np.zeros((2, 0)), np.zeros((0, 1))), (np.zeros(0), np.zeros(1)), r"layer 0: weight shape \(2, 0\) has no neurons"),
        ((np.zeros((2, 3)), np.zeros((3, 0))), (np.zeros(3), np.zeros(0)), r"layer 1: weight shape \(3, 0\) has no neurons"),
        ((np.zeros((0, 3)), np.zeros((3, 1))), (np.zeros(3), np.zeros(1)), r"layer 0: weight shape \(0, 3\) has no inputs"),
    ],
)
def test_an_empty_layer_is_refused_by_the_net_itself(weights, biases, message):
    """probe111 #2: a hidden layer of width 0 was accepted, and export_onnx then failed with numpy's bare
    'zero-size array to reduction operation maximum which has no identity'."""
    from surrogate.errors import ArchitectureError

    with pytest.raises(ArchitectureError, match=message + r"; every layer needs at least one input and one neuron"):
        ReluMLP(weights, biases)


def test_one_bias_per_weight_matrix_and_a_hidden_layer_are_needed():
    from surrogate.errors import ArchitectureError

    message = r"ReluMLP needs one bias per weight matrix and at least one hidden layer; got 2 weight matrices and 1 bias vectors"
    with pytest.raises(ArchitectureError, match=message):
        ReluMLP([np.ones((2, 8)), np.ones((8, 1))], [np.zeros(8)])
    with pytest.raises(ArchitectureError, match=r"got 1 weight matrices and 1 bias vectors"):
        ReluMLP([np.ones((2, 1))], [np.zeros(1)])


def test_value_bound_reaches_a_domains_negative_side_by_hand():
    """x + y on [-1000, 1] x [-1000, 1] reaches -2000 before its ReLU: the first layer's sums are bounded by
    |x| + |y| <= 2000 (max(-lo, hi), not hi alone, which gives 2); the ReLU's output is in [0, 2]. Widened by
    float32 rounding (fan-in + 1) * 2**-23 per layer: 3 and 2 here."""
    net = ReluMLP((np.ones((2, 1)), np.ones((1, 1))), (np.zeros(1), np.zeros(1)), {"domain": [[-1000, 1], [-1000, 1]]})
    assert net.value_bound() == 2000.0 * (1.0 + 5 * 2.0**-23)
    shifted = ReluMLP((np.ones((2, 1)), np.array([[3.0]])), (np.zeros(1), np.array([-1.0])), {"domain": [[-1, 1], [-1, 1]]})
    assert shifted.value_bound() == 7.0 * (1.0 + 5 * 2.0**-23)  # |3 * relu(x + y)| + |-1| <= 3 * 2 + 1


@pytest.mark.parametrize("shape", [(2, 3, 2), (3, 3, 1), (1, 3, 1)], ids=["two outputs", "three inputs", "one input"])
def test_check_product_net_refuses_any_net_but_2_inputs_and_1_output(shape):
    from surrogate import ModelFormatError

    n_in, hidden, n_out = shape
    net = ReluMLP((np.ones((n_in, hidden)), np.ones((hidden, n_out))), (np.zeros(hidden), np.zeros(n_out)))
    with pytest.raises(ModelFormatError, match=rf"where: the net has {n_in} inputs and {n_out} outputs, but a surrogate of x\*y"):
        net.check_product_net("where")
    assert ReluMLP(*LAYERS).check_product_net() is not None


@pytest.mark.parametrize("domain", ["[[1, 1], [0, 1]]", [[0, 1], [2, 1]], [[0, 1]], [[0, 1], [0, float("inf")]]])
def test_parse_domain_refuses_an_empty_or_point_side_a_missing_input_and_an_infinite_bound(domain):
    from surrogate import ModelFormatError
    from surrogate.nets.network import parse_domain

    with pytest.raises(ModelFormatError, match=r"must give 2 finite \[lower, upper\] pairs with lower < upper"):
        parse_domain(domain, 2)
    assert parse_domain("[[0, 1e-9], [-2, 3]]", 2) == ((0.0, 1e-9), (-2.0, 3.0))


@pytest.mark.parametrize("where", ["weights", "biases"])
def test_a_nan_or_inf_weight_or_bias_is_refused(where):
    from surrogate import ModelFormatError

    weights, biases = [w.copy() for w in LAYERS[0]], [b.copy() for b in LAYERS[1]]
    (weights if where == "weights" else biases)[1].flat[0] = np.nan
    (weights if where == "weights" else biases)[0].flat[-1] = np.inf
    with pytest.raises(ModelFormatError, match=rf"ReluMLP layer 0 has 1 non-finite {where} \(nan or inf\)"):
        ReluMLP(weights, biases)


def test_one_point_gives_its_output_alone_as_a_row_of_points_gives_it():
    """forward of a point of shape (2,) gives a 0-d array (not a batch of one), equal to the row's output."""
    net = ReluMLP((np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([[1.0], [-2.0]])), (np.array([0.5, -1.0]), np.array([0.25])))
    one = net.forward(np.array([1.0, 2.0]))  # h = relu([5.5, -1]) = [5.5, 0], out = 5.5 + 0.25
    assert one.shape == () and float(one) == 5.75 == net.forward(np.array([[1.0, 2.0]]))[0]


def test_a_tuple_of_numpy_integers_is_stored_as_a_json_list_of_plain_numbers():
    """plain_json turns tuples into lists of plain numbers, so a domain given as a tuple of numpy integers is stored
    (json.dumps refuses np.int64) and read back."""
    from surrogate.nets.network import plain_json

    box = ((np.int64(0), np.int64(2)), (np.int64(-1), np.float32(0.5)))
    assert plain_json(box) == [[0, 2], [-1, 0.5]] and type(plain_json(box)[0][0]) is int
    net = ReluMLP(*LAYERS).with_metadata(domain=box)
    assert json.loads(net.metadata["domain"]) == [[0, 2], [-1, 0.5]] and net.domain == ((0.0, 2.0), (-1.0, 0.5))


def test_to_torch_float64_keeps_each_weight_exactly():
    """to_torch(dtype='float64') keeps weights that float32 would round (1 + 2**-30, 0.1) as the net holds them."""
    pytest.importorskip("torch")
    w0 = np.array([[1.0 + 2.0**-30, 0.1], [0.3, -1.0]])
    net = ReluMLP((w0, np.array([[1.0], [0.1]])), (np.array([0.1, 0.0]), np.zeros(1)))
    model = net.to_torch(dtype="float64")
    assert np.array_equal(model[0].weight.detach().numpy(), w0.T) and model[2].weight.detach().numpy()[0, 1] == 0.1
    assert model[0].bias.detach().numpy()[0] == 0.1


def test_a_domain_given_to_a_net_read_from_onnx_is_checked_against_onnxruntime(tmp_path):
    """probe129 #2: load_onnx(path).with_metadata(domain=...), the route the docs give for a foreign net's box, skipped
    the import check there: a file refused with that box in it loaded and was encoded 1e-3 of its values off."""
    import warnings

    from surrogate import ModelFormatError, load_onnx
    from tests.helpers import far_rounding_onnx

    box = [[3e4, 3e4 + 1], [3e4, 3e4 + 1]]
    with pytest.raises(ModelFormatError, match=r"declared\.onnx: the net read from this file differs from what onnxruntime"):
        load_onnx(far_rounding_onnx(tmp_path / "declared.onnx", 3e4, domain=box))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its missing domain
        net = load_onnx(far_rounding_onnx(tmp_path / "bare.onnx", 3e4))
    named = net.with_metadata(source="elsewhere")  # no new domain: not checked again, the check kept
    assert named.with_metadata(domain=[[-1, 0.5], [0, 1]]).domain == ((-1.0, 0.5), (0.0, 1.0))
    message = r"with_metadata\(domain=\[\[30000\.0, 30001\.0\], .*\): .*bare\.onnx: the net read .* at points of \[\[30000\.0"
    with pytest.raises(ModelFormatError, match=message):
        named.with_metadata(domain=box)
    assert ReluMLP(*LAYERS).with_metadata(domain=box).domain == tuple(map(tuple, box))  # a net of no file: no check


def test_export_onnx_writes_a_net_read_from_onnx_on_a_new_domain_without_its_sources_check(tmp_path):
    """probe133 #3: export_onnx(net, path, metadata={'domain': box}) ran the source file's check, and its refusal named
    with_metadata, which the caller never called. The file written is checked when it is read, as its own."""
    import warnings

    from surrogate import export_onnx, load_onnx
    from tests.helpers import far_rounding_onnx

    box = [[3e4, 3e4 + 1], [3e4, 3e4 + 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its missing domain
        net = load_onnx(far_rounding_onnx(tmp_path / "bare.onnx", 3e4))
    written = export_onnx(net, tmp_path / "out.onnx", metadata={"domain": box})
    assert load_onnx(written).domain == tuple(map(tuple, box))


def test_values_past_the_files_float_range_are_named_so(tmp_path):
    """probe133 #2: onnxruntime's inf on a box past float32's range was reported as 'a form surrogate misreads'."""
    from surrogate import ModelFormatError
    from surrogate.nets.zoo import resolve_surrogate

    with pytest.raises(ModelFormatError, match=r"onnxruntime's values of this file at points of .* are not finite"):
        resolve_surrogate("3x8").with_metadata(domain=[[1e38, 3e38], [1e38, 3e38]])
