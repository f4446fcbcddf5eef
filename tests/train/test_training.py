import numpy as np
import pytest
import torch

from surrogate import Architecture, ConfigError, ReluMLP, TrainingProtocol, score, train_many, train_net_naive, train_nets
from surrogate.nets.metrics import validation_mae
from surrogate.train.protocols import Stage
from surrogate.train.training import candidate_seed, draw_data_and_init, train_packed

pytestmark = pytest.mark.training


def short(epochs: int, n_points: int = 10_000, **stage) -> TrainingProtocol:
    return TrainingProtocol(name="short", n_points=n_points, stages=(Stage(epochs=epochs, **stage),))


#: Training points of the trainer-equivalence tests: 2000 keep a short last batch (2000 = 62 x 32 + 16 = 31 x 64 + 16)
#: and a reshuffle between the two epochs; the default 10 000 only made each epoch five times as long.
EQUIVALENCE_POINTS = 2000


SHORT = short(3)


def _initial_net(arch: str, seed: int) -> ReluMLP:
    _, layers = draw_data_and_init(Architecture.parse(arch), SHORT, torch.Generator().manual_seed(seed))
    return ReluMLP(tuple(w.double().numpy() for w, _ in layers), tuple(b.double().numpy() for _, b in layers))


def test_short_training_lowers_the_loss():
    (trained,) = train_nets("2x12", [0], SHORT)
    assert trained.loss_history[-1] < trained.loss_history[0]
    assert score(trained.net).mae < score(_initial_net("2x12", 0)).mae
    assert trained.train_mae < 0.05


def _assert_same_net(a, b, atol=1e-5):
    for x, y in zip(a.net.weights + a.net.biases, b.net.weights + b.net.biases):
        assert x.shape == y.shape
        assert np.allclose(x, y, atol=atol)
    assert np.allclose(a.loss_history, b.loss_history, rtol=1e-4)


@pytest.mark.parametrize("arch", ["3x8", pytest.param("6x4", marks=pytest.mark.slow)])
def test_batched_trainer_matches_one_net_at_a_time(arch):
    protocol = short(2, n_points=EQUIVALENCE_POINTS)
    for net in train_nets(arch, [3, 4], protocol):
        _assert_same_net(net, train_net_naive(arch, net.seed, protocol))


def test_packed_shapes_train_as_if_alone():
    # 2x4 is padded to depth 3 (a frozen identity layer) and 3x2 to width 4 (frozen zero units).
    protocol = short(2, n_points=EQUIVALENCE_POINTS, loss="mse", schedule="cosine", batch_size=64)
    packed = train_packed(["2x4", "3x2", "1x3"], [0, 1], protocol)
    for arch, nets in packed.items():
        for net in nets:
            assert net.net.architecture == arch
            _assert_same_net(net, train_net_naive(arch, net.seed, protocol))


def test_stages_run_in_order_with_their_losses():
    protocol = TrainingProtocol(name="two", stages=(Stage(epochs=2, loss="mse"), Stage(epochs=1, loss="mae")))
    (net,) = train_nets("2x6", [0], protocol)
    assert len(net.loss_history) == 3
    # MSE of a decent fit is far below its MAE
    assert net.loss_history[1] < net.loss_history[2]


def test_training_is_reproducible_across_processes():
    protocol = short(1)
    one = train_many(["1x8", "2x4"], [0, 1], protocol, workers=1)
    two = train_many(["1x8", "2x4"], [0, 1], protocol, workers=2)
    for arch in one:
        for a, b in zip(one[arch], two[arch]):
            assert all(np.array_equal(x, y) for x, y in zip(a.net.weights, b.net.weights))


def test_deep_narrow_nets_collapse_and_are_flagged():
    # Under the blog's protocol the 24x1 net dies (as in the blog): it must be reported, not hidden.
    nets = train_nets("24x1", [0, 1], short(2))
    scores = [score(t.net) for t in nets]
    assert all(s.collapsed for s in scores)
    assert all(s.mae == pytest.approx(0.25, abs=5e-3) for s in scores)


def test_leaky_warm_up_in_a_padded_pack_trains_as_if_alone():
    protocol = TrainingProtocol(
        name="leaky", n_points=EQUIVALENCE_POINTS, stages=(Stage(epochs=1, leak=0.3, batch_size=64), Stage(epochs=1))
    )
    packed = train_packed(["1x4", "3x4"], [0], protocol)
    for arch, (net,) in packed.items():
        _assert_same_net(net, train_net_naive(arch, 0, protocol))


def test_restarts_keep_the_candidate_with_the_lowest_validation_mae():
    protocol = TrainingProtocol(name="r", restarts=3, stages=(Stage(epochs=1, batch_size=128),))
    single = TrainingProtocol(name="r", stages=protocol.stages)
    for seed, chosen in zip([0, 5], train_nets("2x4", [0, 5], protocol)):
        alone = [train_nets("2x4", [candidate_seed(seed, r)], single)[0] for r in range(3)]
        maes = [validation_mae(t.net, seed) for t in alone]
        assert chosen.candidate == int(np.argmin(maes))
        assert chosen.val_mae == pytest.approx(min(maes), rel=1e-5)
        assert chosen.seed == seed


def test_fine_tuning_a_hand_built_start_keeps_its_accuracy():
    from surrogate.nets.construct import hand_built

    protocol = get_protocol_short_best()
    (net,) = train_nets("3x8", [0], protocol)
    assert score(net.net).mae <= 1.1 * score(hand_built("3x8", "shared")).mae


def get_protocol_short_best():
    from surrogate import get_protocol

    return get_protocol("best").with_epochs(2)


def test_fine_tuning_never_returns_a_net_worse_than_its_hand_built_start():
    from surrogate.nets.construct import hand_built

    # A learning rate far too large for a 1e-7-accurate start: training makes it worse, so the start is kept
    # (on 2000 points: 63 such steps ruin it as surely as the default 10 000 points' 313).
    rough = TrainingProtocol(
        name="rough", init="hand-built", init_noise=1e-3, n_points=2000, stages=(Stage(epochs=1, learning_rate=1e-2),)
    )
    (net,) = train_nets("4x12", [0], rough)
    assert net.candidate == -1
    exact = hand_built("4x12", "shared").rounded_to_float32()
    assert all(np.array_equal(a, b) for a, b in zip(net.net.weights, exact.weights))
    assert net.val_mae == pytest.approx(validation_mae(exact, 0))
    assert train_net_naive("4x12", 0, rough).candidate == -1


@pytest.mark.parametrize("trainer", ["packed", "naive"])
def test_a_diverged_training_names_its_learning_rate(monkeypatch, trainer):
    """Non-finite weights gave a ModelFormatError about a MILP that never named the learning rate."""
    from surrogate.errors import ConfigError
    from surrogate.train import protocols

    monkeypatch.setattr(protocols, "MAX_LEARNING_RATE", 1e300)  # past the check that Stage now makes
    protocol = TrainingProtocol(
        name="big", n_points=200, stages=(Stage(epochs=2, batch_size=50, learning_rate=1e30, loss="mse"),)
    )
    with pytest.raises(
        ConfigError,
        match=rf"train_\w*{trainer}: training diverged \(its weights became nan or inf\) at learning rate 1e\+30; lower",
    ):
        train_packed(["2x4"], [0], protocol) if trainer == "packed" else train_net_naive("2x4", 0, protocol)


def test_one_non_finite_array_among_finite_ones_is_a_divergence():
    """A single layer's bias gone to nan is a diverged net, however finite the other arrays are."""
    from surrogate.errors import ConfigError
    from surrogate.train.protocols import check_not_diverged

    check_not_diverged([np.ones((2, 3)), np.zeros(3)], [1e-3], "train_x")
    with pytest.raises(ConfigError, match=r"train_x: training diverged .* at learning rate 0\.001, not a high one"):
        check_not_diverged([np.ones((2, 3)), np.array([0.0, np.nan, 0.0])], [1e-3], "train_x")


@pytest.mark.parametrize("trainer", ["packed", "naive"])
def test_a_divergence_at_a_low_learning_rate_names_the_start_noise(trainer):
    """probe98 #7: init_noise=1e30 diverged, and the message blamed the learning rate (1e-3) and advised 1e-3."""
    from surrogate.errors import ConfigError

    protocol = TrainingProtocol(
        name="noisy", n_points=100, init="hand-built", init_noise=1e30, stages=(Stage(epochs=1, batch_size=50),)
    )
    with pytest.raises(
        ConfigError,
        match=rf"train_\w*{trainer}: training diverged \(its weights became nan or inf\) at learning rate 0.001, not a high "
        r"one; lower init_noise=1e\+30, the noise added to the hand-built start's weights of order 1 \(e.g. 1e-3\)$",
    ):
        train_packed(["2x12"], [0], protocol) if trainer == "packed" else train_net_naive("2x12", 0, protocol)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"progress": True},
            r"train_many: progress=True must be a function, called with each finished pack's architectures, or None",
        ),
        ({"pack": "no"}, r"train_many: pack='no' must be True or False"),
    ],
)
def test_train_many_refuses_a_bad_progress_or_pack_before_training(kwargs, message, monkeypatch):
    """progress=True trained a whole pack, then failed with a bare TypeError ('bool' object is not callable)."""
    import surrogate.train.fan_out as fan_out

    monkeypatch.setattr(fan_out, "open_executor", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(ConfigError, match=message):
        train_many(["1x2"], [0], TrainingProtocol(n_points=64, stages=(Stage(epochs=1, batch_size=32),)), workers=1, **kwargs)


@pytest.mark.parametrize("bad", [None, -1, 1.5, np.int64(3)])
def test_train_many_refuses_architectures_that_are_no_list(bad):
    with pytest.raises(ConfigError, match=r"archs=.* must be a list of architectures, e.g. \['3x8', '2x12'\]"):
        train_many(bad, [0], SHORT, workers=1)


@pytest.mark.parametrize("threads", [10**30, np.int64(10**18), 0, 2.0])
def test_train_nets_refuses_a_thread_count_out_of_range_before_training(threads):
    with pytest.raises(ConfigError, match=r"threads=.* must be a positive integer up to 1024 \(or None for PyTorch's default\)"):
        train_nets("1x2", [0], SHORT, threads=threads)


def test_train_many_refuses_an_absurd_number_of_workers():
    with pytest.raises(ConfigError, match=r"train_many: workers=1000000 must be a positive integer up to 100000, e.g. 2"):
        train_many(["1x2"], [0], SHORT, workers=10**6)


def test_the_textbook_loop_leaves_torchs_global_generator_alone():
    """probe84 #5b: train_net_naive built its model with to_torch(), whose nn.Linear layers drew their default
    initialisation from torch's global generator: a user's seeded stream moved."""
    torch.manual_seed(123)
    alone = torch.rand(3)
    torch.manual_seed(123)
    first = train_net_naive("1x4", 0, short(1))
    assert torch.equal(torch.rand(3), alone)
    torch.manual_seed(7)  # and the net is its own generator's, whatever the global one holds
    _assert_same_net(first, train_net_naive("1x4", 0, short(1)), atol=0)


def test_a_hand_built_start_is_drawn_from_the_read_only_net_without_a_warning():
    """A ReluMLP's arrays are read-only: torch.as_tensor of them warned that the tensor would share them."""
    import warnings
    from dataclasses import replace

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, layers = draw_data_and_init(
            Architecture.parse("3x8"), replace(SHORT, init="hand-built", init_noise=0.01), torch.Generator().manual_seed(0)
        )
    assert all(w.dtype == torch.float32 for w, _ in layers) and layers[0][0].shape == (2, 8)


@pytest.mark.parametrize("how", ["train_packed", "train_many"])
def test_training_here_gives_back_the_callers_torch_threads(how):
    """probe84 #5a: train_many with one pack (or workers=1) trained in this process through train_packed(threads=1)
    and left torch.set_num_threads(1) for the rest of the process."""
    previous = torch.get_num_threads()
    mine = 3 if previous != 3 else 2
    torch.set_num_threads(mine)
    try:
        if how == "train_packed":
            train_packed(["1x4"], [0], short(1), threads=1)
        else:
            train_many(["1x4"], [0], short(1), workers=1)
        assert torch.get_num_threads() == mine
    finally:
        torch.set_num_threads(previous)


def test_torch_threads_gives_back_the_count_when_the_block_raises():
    from surrogate.train.packed import torch_threads

    previous = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="inside"):
        with torch_threads(1):
            assert torch.get_num_threads() == 1
            raise RuntimeError("inside")
    assert torch.get_num_threads() == previous


def test_the_data_aware_init_takes_more_points_than_torch_quantile_does(monkeypatch):
    """probe98 #4: init='data' with over 2**24 training points raised torch's 'quantile() input tensor is too large'.
    Past that limit (lowered here to 0, so no 2**24 points are drawn) the quantile is torch.quantile's, bit for bit."""
    from surrogate.train import initialisation

    gen = torch.Generator().manual_seed(0)
    cases = [(torch.randn(n, generator=gen), q) for n in (1, 2, 7, 1000) for q in (0.0, 0.2, 1 / 3, 0.5, 0.8, 1.0)]
    protocol = TrainingProtocol(name="data", n_points=500, init="data")
    draw = lambda: draw_data_and_init(Architecture.parse("2x8"), protocol, torch.Generator().manual_seed(3))[1]  # noqa: E731
    expected, layers = [torch.quantile(v, q) for v, q in cases], draw()
    monkeypatch.setattr(initialisation, "QUANTILE_LIMIT", 0)
    assert all(torch.equal(initialisation.quantile(v, q), e) for (v, q), e in zip(cases, expected))
    assert all(torch.equal(b, c) for (_, b), (_, c) in zip(layers, draw()))  # the same init through either route


def test_the_quantile_past_torchs_limit_stays_within_the_values(monkeypatch):
    """probe104 #2: past the limit the rank q (n - 1) is formed in the values' precision and can round past n - 1
    (float32 above 2**24 values; float16 above 2048, used here so no 2**24 values are drawn): a raw RuntimeError."""
    from surrogate.train import initialisation

    monkeypatch.setattr(initialisation, "QUANTILE_LIMIT", 0)
    values = torch.randn(2052, generator=torch.Generator().manual_seed(0)).to(torch.float16)  # 1.0 * 2051 -> 2052
    assert initialisation.quantile(values, 1.0) == values.max()


def test_one_pack_of_shapes_the_protocol_trains_differently_is_refused_before_training():
    """'best' starts 3x8 from the hand-built net and 1x2 from data: they cannot share one packed computation."""
    message = r"protocol 'best' resolves differently for 3x8, 1x2; train them in separate packs \(train_many does this\)"
    with pytest.raises(ConfigError, match=message):
        train_packed(["3x8", "1x2"], [0], "best")


def test_each_packed_net_reports_the_mae_on_its_own_training_points():
    """probe113 PK3: net 0's train_mae was reported for every net of a pack (train_mae is a column of nets.csv)."""
    protocol = short(1, n_points=EQUIVALENCE_POINTS)
    trained = train_nets("1x4", [0, 1, 2], protocol)
    for net in trained:
        points, _ = draw_data_and_init(Architecture.parse("1x4"), protocol, torch.Generator().manual_seed(net.seed))
        points = points.double().numpy()
        mae = float(np.mean(np.abs(net.net.forward(points).ravel() - points[:, 0] * points[:, 1])))
        assert net.train_mae == pytest.approx(mae, rel=1e-4)
    assert len({net.train_mae for net in trained}) == 3


def test_the_glorot_and_data_aware_starts_have_their_documented_spread():
    """Glorot: weights uniform on +-sqrt(6 / (n_in + n_out)), biases 0. Data-aware: each first-layer neuron active on
    a random 20-80 % of the training points (its bias a quantile of its pre-activations)."""
    arch, gen = Architecture.parse("1x64"), lambda: torch.Generator().manual_seed(0)  # noqa: E731
    _, layers = draw_data_and_init(arch, TrainingProtocol(name="glorot", n_points=2000), gen())
    limit = (6.0 / (2 + 64)) ** 0.5
    (w, b), (w_out, _) = layers
    assert 0.95 * limit < float(w.abs().max()) <= limit and not b.any()  # 128 draws reach the edge
    assert 0.95 * limit < float(w_out.abs().max()) <= (6.0 / 65) ** 0.5
    points, layers = draw_data_and_init(arch, TrainingProtocol(name="data", n_points=2000, init="data"), gen())
    active = ((points @ layers[0][0] + layers[0][1]) > 0).double().mean(dim=0)
    assert float(active.min()) >= 0.2 - 1e-3 and float(active.max()) <= 0.8 + 1e-3
    assert float(active.min()) < 0.3 and float(active.max()) > 0.7  # 64 neurons spread over the whole range


@pytest.mark.parametrize("arch", [Architecture((4,), n_inputs=3), Architecture((4,), n_outputs=2)])
@pytest.mark.parametrize(
    ("name", "train"),
    [
        ("train_nets", lambda arch: train_nets(arch, [0], "seed")),
        ("train_net_naive", lambda arch: train_net_naive(arch, 0, "seed")),
        ("train_many", lambda arch: train_many([arch], [0], "seed", workers=1)),
    ],
)
def test_a_shape_that_is_no_product_surrogate_is_refused_before_training(arch, name, train):
    """Trained for seconds, then a bare numpy error or forward's point shapes (probe119 #7): SweepConfig's check."""
    shape = f"{arch.n_inputs}-4-{arch.n_outputs}"
    with pytest.raises(ConfigError, match=rf"{name}: {shape} is not 2 inputs -> 1 output; {name} trains surrogates of x\*y"):
        train(arch)
