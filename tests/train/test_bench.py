"""The benchmark commands run end to end on tiny work (their timings are not asserted)."""

import pytest

from surrogate import ConfigError, TrainingProtocol
from surrogate.cli import main
from surrogate.train.bench import ablation_steps, ablation_table, bench_ablation, bench_training
from surrogate.train.protocols import Stage

pytestmark = pytest.mark.training

TINY = TrainingProtocol(name="tiny", n_points=500, stages=(Stage(epochs=2),))


def test_bench_training_scales_the_naive_loop_honestly():
    result = bench_training(["1x4", "2x2"], [0, 1], TINY, naive_epochs=1, naive_seeds=1, workers=1)
    assert result.naive_scaled and result.naive_epochs == 1 and result.naive_seeds == 1
    assert list(result.table["arch"]) == ["1x4", "2x2"]
    # scaled to the whole work: time per net-epoch x 2 seeds x 2 epochs
    per = result.table["naive_ms_per_net_epoch"] / 1e3
    assert result.table["naive_total_s"].tolist() == pytest.approx((per * 2 * 2).tolist())
    assert result.speedup == pytest.approx(result.naive_s / result.trainer_s)
    with pytest.raises(ConfigError, match=r"bench_training: naive_epochs=5 must be a positive integer up to 2 \(the epochs"):
        bench_training(["1x4"], [0], TINY, naive_epochs=5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [  # probe98 #8: blamed on naive_seeds, a raw TypeError, named the protocol, accepted
        ({"seeds": []}, r"bench_training: seeds=\[\]: no seeds given; pass at least one integer seed"),
        ({"naive_epochs": "2"}, r"bench_training: naive_epochs='2' must be a positive integer up to 2 \(the epochs of protocol"),
        ({"naive_epochs": 1.5}, r"bench_training: naive_epochs=1.5 must be a positive integer up to 2"),
        ({"naive_seeds": True}, r"bench_training: naive_seeds=True must be a positive integer up to 1 \(the number of seeds"),
        ({"naive_seeds": 2}, r"bench_training: naive_seeds=2 must be a positive integer up to 1"),
        ({"archs": "1x4"}, r"bench_training: archs='1x4' must be a sequence of shapes, not one string; for that one, pass"),
        ({"archs": []}, r"bench_training: archs=\[\] names no shape; pass at least one"),
    ],
)
def test_bench_training_refuses_bad_arguments_naming_them_before_any_training(kwargs, match, monkeypatch):
    from surrogate.train import bench

    monkeypatch.setattr(bench, "train_many", lambda *a, **k: pytest.fail("trained before refusing"))
    with pytest.raises(ConfigError, match=match):
        bench_training(**{"archs": ["1x4"], "seeds": [0], "protocol": TINY, **kwargs})


def test_ablation_steps_cover_the_best_protocol():
    labels = [label for label, _ in ablation_steps()]
    assert labels[0].startswith("seed protocol") and labels[-1].startswith("best")
    rows = bench_ablation(
        ["1x4", "3x2"],
        [0],
        workers=1,
        steps=[("seed", TINY), ("hand", TINY.__class__(name="h", init="hand-built", n_points=500, stages=TINY.stages))],
    )
    table = ablation_table(rows)
    assert list(table.index) == ["seed", "hand"]
    assert list(table.columns) == ["1x4", "3x2"]
    # 3x2 has no hand-built net, so that cell is empty rather than made up
    assert table.loc["hand", "3x2"] != table.loc["hand", "3x2"]


def test_bench_training_cli(capsys):
    assert (
        main(["bench", "training", "--arch", "1x2", "--seeds", "1", "--epochs", "1", "--naive-epochs", "1", "--workers", "1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "speed-up:" in out and "measured on the whole work" in out


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--arch", "24x1", "--steps", "6"], "no chosen step applies to 24x1: a hand-built start needs a shape with"),
        (["--arch", "1x2", "--steps", "1", "1"], "--steps 1 is given twice; list each step once"),
        (["--arch", "1x2", "--steps", "9"], "--steps 9 does not exist; the ablation has steps 1..8"),
    ],
)
def test_bench_ablation_refuses_steps_before_any_training(argv, match, capsys, tmp_path):
    """Both ended in a pandas traceback after all the training, with no CSV written."""
    assert main(["bench", "ablation", "--seeds", "1", "--workers", "1", "--out", str(tmp_path), *argv]) == 2
    assert match in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_bench_training_scales_each_shape_by_the_epochs_it_trains(monkeypatch):
    """'best' starts 3x8 hand-built (fine-tune stages), 12x2 from data: the scaling counted the unresolved epochs."""
    from surrogate.train import bench
    from surrogate.train.protocols import get_protocol

    monkeypatch.setattr(bench, "train_many", lambda *a, **k: None)
    monkeypatch.setattr(bench, "train_net_naive", lambda *a, **k: None)
    import itertools

    ticks = itertools.count()
    monkeypatch.setattr(bench.time, "perf_counter", lambda: float(next(ticks)))  # each reading one second on
    protocol = get_protocol("best").with_epochs(12)
    result = bench_training(["3x8", "12x2"], [0, 1], protocol, naive_epochs=2, naive_seeds=1, workers=1)
    timed = protocol.with_epochs(2)
    for row in result.table.itertuples():
        per = 1.0 / timed.resolve(row.arch).epochs  # one second for one seed's timed epochs
        assert row.naive_ms_per_net_epoch == pytest.approx(1e3 * per)
        assert row.naive_total_s == pytest.approx(per * 2 * protocol.resolve(row.arch).epochs)
