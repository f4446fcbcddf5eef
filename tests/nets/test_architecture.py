import numpy as np
import pytest

from surrogate import Architecture, ArchitectureError, all_shapes, constant_width_shapes, count_parameters


@pytest.mark.parametrize(
    ("sizes", "weights", "biases"),
    [([784, 16, 16, 10], 12960, 42), ([2, 2, 2], 8, 4), ([2, 8, 8, 8, 1], 16 + 64 + 64 + 8, 25)],
)
def test_parameter_counts(sizes, weights, biases):
    counts = count_parameters(sizes)
    assert (counts.weights, counts.biases, counts.total) == (weights, biases, weights + biases)
    assert count_parameters(sizes, bias=False).total == weights


def test_published_examples():
    assert count_parameters([784, 16, 16, 10]).total == 13002
    assert count_parameters([784, 16, 16, 10], bias=False).total == 12960
    assert count_parameters([2, 2, 2]).total == 12


def test_per_layer_breakdown():
    layers = count_parameters([784, 16, 16, 10]).layers
    assert [(l.n_in, l.n_out, l.weights, l.biases) for l in layers] == [
        (784, 16, 12544, 16),
        (16, 16, 256, 16),
        (16, 10, 160, 10),
    ]


@pytest.mark.parametrize(
    ("text", "hidden", "name"),
    [
        ("3x8", (8, 8, 8), "3x8"),
        ("1X24", (24,), "1x24"),
        (" 8-6-6 ", (8, 6, 6), "8-6-6"),
        ("5", (5,), "1x5"),
        ("4-4", (4, 4), "2x4"),
    ],
)
def test_parse(text, hidden, name):
    arch = Architecture.parse(text)
    assert arch.hidden == hidden
    assert arch.name == name
    assert arch.layer_sizes == (2, *hidden, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0x8", "depth and width must be at least 1"),
        ("3x0", "depth and width must be at least 1"),
        ("8-0-6", "every width must be at least 1"),
        ("-3x8", "cannot parse architecture '-3x8'"),
        ("8--6", "cannot parse architecture"),
        ("abc", "write 'LxW'"),
        ("", "cannot parse architecture ''"),
        (3, "is not a string"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(ArchitectureError, match=message):
        Architecture.parse(text)


def test_bad_layer_sizes():
    with pytest.raises(ArchitectureError, match="layer size -1 must be at least 1"):
        count_parameters([2, -1, 1])
    with pytest.raises(ArchitectureError, match="need at least an input and an output size"):
        count_parameters([2])
    with pytest.raises(ArchitectureError, match="is not an integer"):
        count_parameters([2, 1.5, 1])
    with pytest.raises(ArchitectureError, match="has no hidden layer"):
        Architecture(())


def test_constant_width_shapes_of_24():
    names = [a.name for a in constant_width_shapes(24)]
    assert names == ["1x24", "2x12", "3x8", "4x6", "6x4", "8x3", "12x2", "24x1"]
    assert [a.parameter_count().total for a in constant_width_shapes(24)] == [97, 205, 177, 151, 117, 97, 75, 51]
    with pytest.raises(
        ArchitectureError, match="constant_width_shapes: budget=0 must be a positive integer up to 100000, e.g. 24"
    ):
        constant_width_shapes(0)
    with pytest.raises(
        ArchitectureError, match="constant_width_shapes: budget=10000000 must be a positive integer up to 100000, e.g. 24"
    ):
        constant_width_shapes(10**7)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1" * 5000 + "x2", r"a depth or width above 999999 neurons; pass a smaller shape"),
        ("3000000x1", r"a depth or width above 999999 neurons"),
        ("1000x1000", r"architecture '1000x1000': hidden neurons=1000000 must be a positive integer up to 100000 \(in all\)"),
    ],
)
def test_huge_shapes_are_refused_at_once(text, match):
    with pytest.raises(ArchitectureError, match=match):
        Architecture.parse(text)


def test_an_architecture_needs_a_sequence_of_widths():
    with pytest.raises(ArchitectureError, match=r"hidden=5 must be a sequence of widths.*Architecture.parse\('3x8'\)"):
        Architecture(5)


@pytest.mark.parametrize("spelling", ["3X8", " 3x8", "3×8", "8-8-8"])
def test_any_spelling_of_a_shape_finds_its_zoo_net(spelling):
    from surrogate.nets.zoo import find_entry

    assert find_entry("models", spelling)["name"] == "b24-best-3x8"


def test_all_shapes_adds_compositions():
    shapes = list(all_shapes(6, max_depth=2))
    names = [a.name for a in shapes]
    # 4 constant-width (1x6, 2x3, 3x2, 6x1) + non-uniform 2-part compositions of 6 (1-5, 2-4, 4-2, 5-1)
    assert names[:4] == ["1x6", "2x3", "3x2", "6x1"]
    assert sorted(names[4:]) == ["1-5", "2-4", "4-2", "5-1"]
    assert all(a.neurons == 6 for a in shapes)
    assert len(set(shapes)) == len(shapes)
    # compositions of 24 into <= 3 parts: 1 + 23 + 253 = 277, plus deeper constant-width shapes 4x6..24x1 (5)
    assert len(list(all_shapes(24, max_depth=3))) == 282


@pytest.mark.parametrize("bad", ["no", 0, None])
def test_count_parameters_bias_must_be_a_bool(bad):
    """bias='no' counted the biases."""
    from surrogate import ConfigError

    with pytest.raises(ConfigError, match=rf"count_parameters: bias={bad!r} must be True or False"):
        count_parameters([2, 3, 1], bias=bad)
    with pytest.raises(ConfigError, match=rf"Architecture.parameter_count: bias={bad!r} must be True or False"):
        Architecture.parse("1x3").parameter_count(bias=bad)
    with pytest.raises(ArchitectureError, match=r"count_parameters: layer_sizes=None must be a sequence of sizes"):
        count_parameters(None)


@pytest.mark.parametrize(
    ("hidden", "match"),
    [
        ((10**30,), r"layer size=1000000000000000000000000000000 must be a positive integer up to 100000"),
        ((np.int64(200_000),), r"layer size=.*200000.* must be a positive integer up to 100000"),
        ((60_000, 60_000), r"hidden neurons=120000 must be a positive integer up to 100000 \(in all\)"),
    ],
)
def test_an_architecture_of_absurd_size_is_refused_as_its_text_is(hidden, match):
    with pytest.raises(ArchitectureError, match=match):
        Architecture(hidden)
    assert Architecture((np.int64(8), 8)).hidden == (8, 8)  # NumPy integers are sizes like any other


def test_a_shape_of_exactly_the_budget_is_taken_and_one_neuron_more_is_refused():
    from surrogate import ConfigError
    from surrogate.nets.architecture import check_budget

    check_budget([Architecture.parse("3x8"), Architecture.parse("4-5-5-5-5")], 24, "sweep")  # 24 neurons each: within
    with pytest.raises(ConfigError, match=r"sweep: 5x5 \(25\) has more hidden neurons than the budget 24"):
        check_budget([Architecture.parse("3x8"), Architecture.parse("5x5")], 24, "sweep")


def test_check_product_shapes_names_every_shape_that_is_not_two_inputs_one_output():
    from surrogate import ConfigError
    from surrogate.nets.architecture import check_product_shapes

    archs = [Architecture((4,)), Architecture((4,), n_inputs=3), Architecture((2, 2), n_outputs=2)]
    with pytest.raises(ConfigError, match=r"^f: 3-4-1, 2-2-2-2 are not 2 inputs -> 1 output; g trains surrogates of x\*y"):
        check_product_shapes(archs, "f: ", "g")
    check_product_shapes(archs[:1], "f: ", "g")


def test_a_zero_dimensional_tensor_or_array_as_hidden_is_named():
    """torch.tensor(8) has __iter__ but refuses it: torch's bare 'iteration over a 0-d tensor' (probe119 #12)."""
    import torch

    for hidden in (torch.tensor(8), np.array(8)):
        with pytest.raises(
            ArchitectureError, match=r"architecture hidden=.* must be a sequence of widths, e\.g\. Architecture\(\(8, 8, 8\)\)"
        ):
            Architecture(hidden)


def test_all_shapes_names_itself_for_a_bad_budget():
    with pytest.raises(ArchitectureError, match=r"^all_shapes: budget=None must be a positive integer"):
        list(all_shapes(None))
