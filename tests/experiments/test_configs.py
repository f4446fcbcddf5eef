from dataclasses import replace

import pytest

from surrogate import ArchitectureError, ConfigError, FormulationError, SolverConfig, SweepConfig, TrainingProtocol, get_protocol
from surrogate.train.protocols import Stage


def test_seed_protocol_is_the_blog_setup():
    p = get_protocol("seed")
    (s,) = p.stages
    assert (p.n_points, p.init, p.adam_eps, p.beta1, p.beta2) == (10_000, "glorot", 1e-7, 0.9, 0.999)
    assert (s.epochs, s.batch_size, s.learning_rate, s.loss, s.schedule) == (100, 32, 1e-3, "mae", "constant")
    assert p.epochs == 100
    assert p.describe() == "seed (init glorot; 100 epochs x batch 32, MAE, lr 0.001)"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs=0 must be an integer > 0"),
        ({"batch_size": 2.5}, "batch_size=2.5 must be an integer > 0"),
        ({"learning_rate": -1.0}, r"learning_rate=-1.0 must be a number in \(0, 10\]"),
        ({"learning_rate": 1e300}, r"learning_rate=1e\+300 must be a number in \(0, 10\], e.g. 1e-3: Adam moves each weight"),
        ({"learning_rate": 11}, r"learning_rate=11 must be a number in \(0, 10\].* so a larger rate only diverges"),
        ({"loss": "huber"}, "loss='huber' is unknown; choose one of mae, mse"),
        ({"schedule": "step"}, "schedule='step' is unknown; choose one of constant, cosine"),
        ({"final_lr_factor": 5.0}, r"final_lr_factor=5\.0 must lie in \(0, 1\]: the cosine schedule decays"),
        ({"final_lr_factor": 0.0}, r"final_lr_factor=0\.0 must lie in \(0, 1\]"),  # a rate decayed to 0 stops
        ({"leak": 1.0}, r"leak=1\.0 must lie in \[0, 1\)"),  # a slope of 1 is no ReLU at all
    ],
)
def test_stage_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Stage(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_points": 0}, "n_points=0 must be an integer > 0"),
        ({"beta2": 1.0}, "beta2=1.0 must lie in"),
        ({"init": "he"}, "init='he' is unknown; choose one of glorot, data, hand-built"),
        ({"init_noise": -0.1}, "init_noise=-0.1 must be a finite number >= 0"),
        ({"stages": ()}, r"stages=\(\) must be a non-empty sequence of Stage objects"),
        ({"name": ""}, "needs a non-empty name"),
    ],
)
def test_protocol_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TrainingProtocol(**kwargs)


def test_numpy_numbers_of_a_protocol_are_plain_python_numbers():
    """A NumPy integer in a protocol reached the sweep's JSON cache key and crashed it."""
    import numpy as np

    p = TrainingProtocol(name="np", n_points=np.int64(64), stages=(Stage(epochs=np.int64(2)),))
    assert type(p.n_points) is int and type(p.stages[0].epochs) is int


def test_other_real_numbers_of_a_config_are_plain_python_numbers():
    """probe98 #5: a Fraction learning rate passed Stage, then describe() and run_sweep's JSON raised TypeError (the
    config.json left behind blocked the rerun); now it is the float it stands for, as NumPy scalars are."""
    import json
    from fractions import Fraction

    from surrogate.experiments.cache import canonical_json
    from surrogate.options import plain_number
    from surrogate.train.solve_time import SolveTimeConfig

    stage = Stage(epochs=2, learning_rate=Fraction(1, 1000))
    assert stage == Stage(epochs=2, learning_rate=0.001) and type(stage.learning_rate) is float
    protocol = TrainingProtocol(name="frac", n_points=200, stages=(stage,))
    assert "lr 0.001" in protocol.describe() and json.dumps(protocol.to_dict())
    config = SweepConfig(protocol=protocol, budget=4, architectures=("1x4",), seeds=(0,), instances=1)
    assert canonical_json(config.to_dict()) == canonical_json(replace_protocol_lr(config, 0.001).to_dict())
    assert type(SolverConfig(time_limit=Fraction(5)).time_limit) is float
    assert plain_number((Fraction(1, 2), 3)) == (0.5, 3) and plain_number(Fraction(-(10**400))) == float("-inf")
    with pytest.raises(ConfigError, match=r"SolveTimeConfig: lam=inf must be a number >= 0 and <= 1e\+100"):
        SolveTimeConfig(lam=Fraction(10**400))


def replace_protocol_lr(config, rate):
    """``config`` with its protocol's stages at learning rate ``rate``."""
    from dataclasses import replace

    stages = tuple(replace(s, learning_rate=rate) for s in config.protocol.stages)
    return replace(config, protocol=replace(config.protocol, stages=stages))


@pytest.mark.parametrize("command", [["sweep"], ["bench", "training"], ["bench", "ablation"]])
def test_a_huge_seed_count_is_one_line_of_error(command, capsys):
    from surrogate.cli import main

    with pytest.raises(SystemExit) as stop:
        main([*command, "--seeds", "99999999999999999999"])
    assert stop.value.code == 2
    assert "99999999999999999999 seeds is more than 100,000; ask for fewer nets per shape" in capsys.readouterr().err


def test_with_epochs_scales_every_stage():
    p = TrainingProtocol(stages=(Stage(epochs=300), Stage(epochs=100)))
    assert [s.epochs for s in p.with_epochs(8).stages] == [6, 2]
    assert [s.epochs for s in p.with_epochs(1).stages] == [1, 1]
    assert p.epochs == 400 and p.with_epochs(8).epochs == 8  # every stage counts (a zoo entry records it)
    uneven = TrainingProtocol(stages=(Stage(epochs=60), Stage(epochs=40)))
    assert [s.epochs for s in uneven.with_epochs(8).stages] == [5, 3]  # 4.8 and 3.2 rounded to nearest
    assert get_protocol("best").epochs == 20 + 60 + 40


def test_unknown_protocol():
    with pytest.raises(ConfigError, match="unknown training protocol 'fast'; choose one of best, seed"):
        get_protocol("fast")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_limit": 0}, "time_limit=0 must be a positive number of seconds up to 1e[+]09"),
        ({"time_limit": float("inf")}, r"time_limit=inf must be a positive number of seconds up to 1e\+09 \(pass 1e\+09 for"),
        ({"time_limit": 1e25, "solver": "scip"}, r"time_limit=1e\+25 must be a positive number of seconds up to 1e\+09"),
        ({"rel_gap": 1.5}, r"rel_gap=1.5 must lie in \[0, 1\)"),
        ({"threads": 0}, r"threads=0 must be an integer from 1 to 1024 \(highs's range\)"),
        ({"threads": 65, "solver": "scip"}, r"threads=65 must be an integer from 1 to 64 \(scip's range\)"),
        ({"threads": 2000, "solver": "gurobi"}, r"threads=2000 must be an integer from 1 to 1024 \(gurobi's range\)"),
        ({"solver": "cplex"}, "solver='cplex' is not supported; use one of highs, scip, gurobi"),
    ],
)
def test_solver_config_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        SolverConfig(**kwargs)


def test_sweep_config_defaults_and_validation():
    cfg = SweepConfig()
    assert [a.name for a in cfg.architectures] == ["1x24", "2x12", "3x8", "4x6", "6x4", "8x3", "12x2", "24x1"]
    assert cfg.seeds == (0, 1, 2, 3, 4) and cfg.formulation == "pruned" and cfg.instances == 20
    quick = SweepConfig.quick(architectures=("3x8",))
    assert quick.protocol.epochs == 5 and quick.seeds == (0,) and quick.instances == 5
    with pytest.raises(FormulationError, match="unknown formulation 'complementarity'.*NLP"):
        SweepConfig(formulation="complementarity")
    with pytest.raises(ConfigError, match=r"SweepConfig: seeds \[1, 1\] contain duplicates"):
        SweepConfig(seeds=(1, 1))
    with pytest.raises(ConfigError, match="budget=0 must be a positive integer"):
        SweepConfig(budget=0)
    with pytest.raises(ConfigError, match="instances=0 must be a positive integer"):
        SweepConfig(instances=0)


def test_best_protocol_resolves_per_shape():
    best = get_protocol("best")
    ft = best.resolve("3x8")
    assert (ft.init, ft.restarts, ft.stages) == ("hand-built", 1, best.finetune_stages)
    scratch = best.resolve("12x2")
    assert (scratch.init, scratch.restarts, scratch.stages) == ("data", 8, best.stages)
    assert get_protocol("seed").resolve("3x8") is get_protocol("seed")
    from surrogate.nets.construct import hand_built_mae_estimate

    edge = replace(best, auto_threshold=hand_built_mae_estimate("3x8", best.construction))
    assert edge.resolve("3x8").init == "hand-built"  # an estimate equal to the threshold is within it
    assert "best of 8 restarts" in best.describe()


def test_leak_must_be_below_one():
    with pytest.raises(ConfigError, match=r"leak=1.5 must lie in \[0, 1\)"):
        Stage(leak=1.5)
    with pytest.raises(ConfigError, match="restarts=0 must be an integer > 0"):
        TrainingProtocol(restarts=0)


def test_quick_sweep_reads_its_constants():
    from surrogate.experiments.sweep import QUICK_EPOCHS, QUICK_INSTANCES, QUICK_SEEDS

    quick = SweepConfig.quick(protocol="best")
    assert quick.protocol.epochs <= QUICK_EPOCHS and quick.seeds == QUICK_SEEDS and quick.instances == QUICK_INSTANCES
    assert SweepConfig.quick(seeds=(3,), instances=2).seeds == (3,)


def test_default_of_reads_plain_defaults_and_factories():
    from surrogate.options import default_of

    assert default_of(SweepConfig, "budget") == SweepConfig().budget
    assert default_of(SweepConfig, "solver") == SolverConfig() == SweepConfig().solver
    assert default_of(SweepConfig, "protocol") == get_protocol("seed")
    with pytest.raises(ConfigError, match="SolverConfig has no field 'gap'"):
        default_of(SolverConfig, "gap")


def test_configs_record_solver_options_only_when_set():
    """A run without options records the solver as folders from before options existed do (they stay resumable)."""
    from surrogate.experiments.scale_bench_config import ScaleBenchConfig
    from surrogate.experiments.solve_bench_config import SolveBenchConfig

    plain = {"time_limit": 60.0, "rel_gap": 1e-4, "threads": 1, "solver": "highs"}
    assert ScaleBenchConfig().to_dict()["solver"] == plain
    assert (
        SweepConfig().to_dict()["solver"] == SweepConfig().solver.cache_key()
        and "options" not in SweepConfig().to_dict()["solver"]
    )
    assert "options" not in SolveBenchConfig().to_dict()["solver"]
    tuned = ScaleBenchConfig(solver=SolverConfig(time_limit=60.0, rel_gap=1e-4, options={"presolve": "off"}))
    assert tuned.to_dict()["solver"] == {**plain, "options": [["presolve", "off"]]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seeds": 3}, r"SweepConfig: seeds=3 must be a sequence of integers, e.g. seeds=\[0, 1\]"),
        ({"seeds": (2**64,)}, r"SweepConfig: seed 18446744073709551616 must be an integer in \[0, 9223372036854775807\]"),
        ({"instance_seed": -1}, r"instance_seed=-1 must be a non-negative integer, e.g. 2021"),
        ({"instance_seed": "x"}, r"instance_seed='x' must be a non-negative integer"),
        ({"solve_all_seeds": "no"}, r"solve_all_seeds='no' must be True or False"),
        ({"yardsticks": 0}, r"yardsticks=0 must be True or False"),
        ({"architectures": None}, r"architectures=None must be a sequence of shapes"),
        (
            {"architectures": ("3x8", "3x8")},
            r"SweepConfig: architectures=\('3x8', '3x8'\): 3x8 given twice; give each shape once",
        ),
        ({"budget": 12, "architectures": ("3x8",)}, r"3x8 \(24\) has more hidden neurons than the budget 12; raise the budget"),
    ],
)
def test_sweep_config_refuses_what_would_fail_later_or_mislabel_the_run(kwargs, message):
    """Each of these used to pass: some failed after training with a plain TypeError or ValueError, some ran mislabelled."""
    with pytest.raises(ConfigError, match=message):
        SweepConfig(**kwargs)
    assert [a.name for a in SweepConfig(budget=24, architectures=("2x4", "8-6-6")).architectures] == ["2x4", "8-6-6"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Stage(learning_rate=float("inf")), r"learning_rate=inf must be a number in \(0, 10\]"),
        (lambda: TrainingProtocol(init_noise=float("inf")), r"init_noise=inf must be a finite number >= 0"),
        (lambda: TrainingProtocol(stages=Stage()), r"stages=Stage\(.*\) must be a sequence of Stage objects"),
        (lambda: get_protocol(["seed"]), r"training protocol \['seed'\] is neither a name nor a TrainingProtocol"),
    ],
)
def test_protocol_fields_are_finite_and_of_their_types(make, message):
    with pytest.raises(ConfigError, match=message):
        make()


def test_training_calls_refuse_bad_seeds_shapes_and_threads():
    from surrogate.train.fan_out import train_many
    from surrogate.train.packed import train_nets

    with pytest.raises(ConfigError, match=r"seeds=0 must be a sequence of integers"):
        train_nets("2x4", seeds=0)
    with pytest.raises(ConfigError, match=r"no architectures given; pass at least one"):
        train_many([], [0])  # it said 'ExecutorConfig: workers=0'
    with pytest.raises(ConfigError, match=r"threads=0 must be a positive integer"):
        train_nets("2x4", [0], threads=0)


def test_an_explicit_epochs_wins_over_quick_and_parse_errors_are_one_line(capsys):
    from surrogate.cli import build_parser
    from surrogate.experiments.sweep_args import sweep_config_from_args

    args = build_parser(["sweep"]).parse_args(["sweep", "--quick", "--arch", "2x4", "--epochs", "8"])
    assert sweep_config_from_args(args).protocol.epochs == 8  # --quick capped it at 5
    with pytest.raises(SystemExit):
        build_parser(["sweep"]).parse_args(["sweep", "--seeds", "0"])
    err = capsys.readouterr().err
    assert err == "surrogate sweep: error: argument --seeds: 0 must be at least 1; see 'surrogate sweep --help'\n"


def test_replace_refuses_a_filled_default_whose_source_changed_and_refills_it_otherwise():
    """replace() passes every field again: a default filled from budget 24 is refused for budget 48 (keeping it
    or filling it anew would each be silently wrong half the time), and filled again where nothing it came from changed."""
    import pickle
    from dataclasses import replace

    from surrogate.experiments.scale_bench_config import QUICK_NETS, SUITE, TIME_LIMIT, ScaleBenchConfig

    base = SweepConfig()
    with pytest.raises(
        ConfigError, match=r"architectures \(budget,\) was filled in for \(24,\), not for \(48,\); pass architectures=\(\)"
    ):
        replace(base, budget=48)
    assert replace(base, budget=48, architectures=()) == SweepConfig(budget=48)
    assert replace(base, instances=3).architectures == base.architectures  # nothing it came from changed
    with pytest.raises(ConfigError, match=r"was filled in for \(12,\), not for \(24,\)"):
        SweepConfig(budget=24, architectures=SweepConfig(budget=12).architectures)
    assert [a.name for a in SweepConfig(budget=24, architectures=tuple(SweepConfig(budget=12).architectures)).architectures][
        0
    ] == "1x12"
    quick = ScaleBenchConfig(quick=True)
    with pytest.raises(ConfigError, match=r"ScaleBenchConfig: nets \(quick,\) was filled in for \(True,\), not for \(False,\)"):
        replace(quick, quick=False)
    full = replace(quick, quick=False, nets=(), instances=(), solver=None)
    assert full == ScaleBenchConfig() and full.instances == SUITE and full.solver.time_limit == TIME_LIMIT
    assert replace(quick, budget=48).nets == QUICK_NETS
    with pytest.raises(ConfigError, match=r"solver \(quick,\) was filled in for \(True,\)"):
        ScaleBenchConfig(solver=quick.solver)
    again = pickle.loads(pickle.dumps(base))
    assert again == base and hash(again) == hash(base)
    with pytest.raises(ConfigError, match=r"was filled in for \(24,\), not for \(48,\)"):
        replace(again, budget=48)


def test_numpy_numbers_are_kept_as_python_numbers():
    import json

    import numpy as np

    from surrogate.experiments.cache import canonical_json

    config = SweepConfig(architectures=("3x8",), seeds=np.arange(2), instances=np.int64(3), instance_seed=np.int64(7))
    solver = SolverConfig(time_limit=np.float64(5.0), threads=np.int64(1))
    assert config.seeds == (0, 1) and type(config.seeds[0]) is int and type(config.instances) is int
    assert type(solver.time_limit) is float and type(solver.threads) is int
    assert json.loads(json.dumps(config.to_dict())) and canonical_json(solver.cache_key())
    assert config == SweepConfig(architectures=("3x8",), seeds=(0, 1), instances=3, instance_seed=7)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"budget": -5}, r"SolveBenchConfig: budget=-5 must be a positive integer"),
        (
            {"nets": "b24-best-3x8"},
            r"nets='b24-best-3x8' must be a sequence of net names or paths, not one string; for that one, pass \('b24-best-3x8',\)",
        ),
        ({"random_sizes": 8}, r"random_sizes=8 must be a sequence of sizes \(a tuple or list\), e.g. \(8, 16\)"),
        ({"random_seed": 1.5}, r"random_seed=1.5 must be an integer in \[0, "),
        ({"zoo": None}, r"zoo=None must be a zoo folder, e.g. 'models'"),
        ({"pooling": ("haverly1", "haverly1")}, r"pooling=\('haverly1', 'haverly1'\) repeats haverly1; name each instance once"),
        ({"encodings": ()}, r"encodings=\(\) is empty; choose from"),
        ({"obbt_time_limit": float("inf")}, r"SolveBenchConfig: obbt_time_limit=inf must be a positive number of seconds"),
        (
            {"obbt_time_limit": 1e12},
            r"obbt_time_limit=1000000000000.0 must be a positive number of seconds up to 1e\+09 \(pass 1e\+09 for no practical",
        ),
        ({"nets": ("b24-best-3x8", "b24-best-3x8")}, r"nets=\(.*\) repeats b24-best-3x8; give each once"),
        ({"random_sizes": (2, 2)}, r"random_sizes=\(2, 2\) repeats 2; give each once"),
        ({"start_patience": -1}, r"SolveBenchConfig: start_patience=-1 must be a number of seconds >= 0 up to 1e\+09"),
        # mutation round 7: a size, node limit, count or seed one below its range went through
        ({"random_sizes": (0, 8)}, r"random_sizes=\(0, 8\) must be positive integers"),
        ({"obbt_node_limit": 0}, r"obbt_node_limit=0 must be a positive integer"),
        ({"instances": -1}, r"instances=-1 must be an integer in \[0, "),
        ({"random_seed": -1}, r"random_seed=-1 must be an integer in \[0, "),
    ],
)
def test_solve_bench_config_checks_every_field(kwargs, match):
    from surrogate.experiments.solve_bench_config import SolveBenchConfig

    with pytest.raises(ConfigError, match=match):
        SolveBenchConfig(**kwargs)
    assert hash(SolveBenchConfig(nets=["b24-best-3x8"])) == hash(SolveBenchConfig(nets=("b24-best-3x8",)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"solver": None}, r"ProblemRunConfig: solver=None must be a SolverConfig"),
        ({"scip": "no"}, r"ProblemRunConfig: scip='no' must be True or False"),
        ({"error_aware": "false"}, r"ProblemRunConfig: error_aware='false' must be True or False"),
        (
            {"scip_time_limit": float("nan")},
            r"ProblemRunConfig: scip_time_limit=nan must be a positive number of seconds up to 1e\+09 \(pass 1e\+09 for",
        ),
        ({"start_patience": "5"}, r"ProblemRunConfig: start_patience='5' must be a number of seconds >= 0"),
        ({"budget": 0}, r"ProblemRunConfig: budget=0 must be a positive number of seconds, or None"),  # mutation round 7
        ({"budget": float("inf")}, r"ProblemRunConfig: budget=inf must be a positive number of seconds, or None"),
        (  # was 'StartConfig: seed=...': a config and a field the caller never named
            {"start_seed": None},
            r"^ProblemRunConfig: start_seed=None is not one of 'relaxation', 'exact'; pass 'exact' \(patterns from a "
            r"local optimum of the exact model first\) or 'relaxation' \(from the LP relaxation of the surrogate MILP\)$",
        ),
    ],
)
def test_problem_run_config_checks_every_field(kwargs, match):
    from surrogate.experiments.problem_run_config import ProblemRunConfig

    with pytest.raises(ConfigError, match=match):
        ProblemRunConfig(**kwargs)


def test_a_sweep_of_nets_that_are_not_surrogates_of_x_times_y_is_refused():
    from surrogate import Architecture

    with pytest.raises(
        ConfigError,
        match=r"SweepConfig: architectures=\(Architecture\(.*\),\): 3-8-2 is not 2 inputs -> 1 output; a sweep trains surrogates of x\*y",
    ):
        SweepConfig(architectures=(Architecture((8,), n_inputs=3, n_outputs=2),))


def test_a_score_needs_two_points_per_axis():
    from surrogate import score
    from surrogate.nets.construct import hand_built

    for n in (1, 0, 2.5):
        with pytest.raises(ConfigError, match=f"score: n={n!r} must be an integer of at least 2 points per axis"):
            score(hand_built("1x8", "paired"), n=n)


def test_numpy_option_values_are_kept_as_python_values():
    import numpy as np

    config = SolverConfig(
        options={"mip_detect_symmetry": np.True_, "presolve": np.str_("off"), "mip_heuristic_effort": np.float32(0.25)}
    )
    assert config.options == (("mip_detect_symmetry", True), ("mip_heuristic_effort", 0.25), ("presolve", "off"))
    assert [type(v) for _, v in config.options] == [bool, float, str]


def test_a_quick_solve_time_run_of_another_budget_needs_its_nets_and_numpy_sizes_are_plain():
    import json

    import numpy as np

    from surrogate.experiments.solve_bench_config import SolveBenchConfig
    from surrogate.train.solve_time import SolveTimeConfig

    with pytest.raises(ConfigError, match=r"quick: its nets b24-best-3x8, b24-best-6x4 have 24 neurons, not budget 12"):
        SolveBenchConfig.quick(budget=12)
    assert SolveBenchConfig.quick(budget=12, nets=("b12-best-2x6",)).nets == ("b12-best-2x6",)
    sizes = SolveBenchConfig(random_sizes=(np.int64(1), np.int64(2))).random_sizes
    assert sizes == (1, 2) and type(sizes[0]) is int and json.dumps(SolveBenchConfig(random_sizes=sizes).to_dict())
    with pytest.raises(ConfigError, match=r"seed=99999999999999999999 must be an integer in \[0, "):
        SolveTimeConfig(seed=99999999999999999999)


@pytest.mark.parametrize("flag", ["fresh", "progress"])
@pytest.mark.parametrize("bad", ["no", "False", 0, None])
def test_run_sweep_and_scale_bench_refuse_a_flag_that_is_not_a_bool(tmp_path, flag, bad, monkeypatch):
    """fresh='no' was truthy: it threw away the folder's results and cache."""
    import surrogate.experiments.scale_bench as scale_bench
    import surrogate.experiments.sweep as sweep
    from surrogate import run_sweep
    from surrogate.experiments.scale_bench import ScaleBenchConfig, run_scale_bench

    for module in (sweep, scale_bench):  # refused before any work
        monkeypatch.setattr(module, "open_executor", lambda *a, **k: pytest.fail("the run started"))
    (tmp_path / "keep.txt").write_text("results")
    with pytest.raises(ConfigError, match=rf"run_sweep: {flag}={bad!r} must be True or False"):
        run_sweep(SweepConfig(budget=2), tmp_path, **{flag: bad})
    with pytest.raises(ConfigError, match=rf"run_scale_bench: {flag}={bad!r} must be True or False"):
        run_scale_bench(ScaleBenchConfig(quick=True), tmp_path, **{flag: bad})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_run_solve_bench_refuses_a_progress_that_is_not_a_bool(monkeypatch):
    import surrogate.experiments.solve_bench as solve_bench
    from surrogate.experiments.solve_bench import SolveBenchConfig, run_solve_bench

    monkeypatch.setattr(solve_bench, "load_nets", lambda *a, **k: pytest.fail("the run started"))

    with pytest.raises(ConfigError, match=r"run_solve_bench: progress='no' must be True or False"):
        run_solve_bench(SolveBenchConfig(random_sizes=(1,), pooling=()), progress="no")


def test_run_sweep_refuses_a_config_or_executor_of_the_wrong_kind(tmp_path, monkeypatch):
    import surrogate.experiments.sweep as sweep
    from surrogate import run_sweep

    monkeypatch.setattr(sweep, "open_results_folder", lambda *a, **k: pytest.fail("the run started"))
    with pytest.raises(ConfigError, match=r"run_sweep: config=None must be a SweepConfig"):
        run_sweep(None, tmp_path)
    with pytest.raises(ConfigError, match=r"executor='local' must be an ExecutorConfig, e.g. ExecutorConfig\(workers=2\)"):
        run_sweep(SweepConfig(budget=2), tmp_path, executor="local")


def test_solve_bench_pooling_none_is_all_and_empty_is_none():
    from surrogate.experiments.problem_package import problems_package
    from surrogate.experiments.solve_bench import SolveBenchConfig

    assert SolveBenchConfig().pooling == tuple(problems_package().POOLING_INSTANCES)
    assert SolveBenchConfig(pooling=None).pooling == tuple(problems_package().POOLING_INSTANCES)
    assert SolveBenchConfig(pooling=()).pooling == ()
    for bad in (False, 0, {}):
        with pytest.raises(ConfigError, match="SolveBenchConfig: pooling=.* must be a sequence of names"):
            SolveBenchConfig(pooling=bad)


def test_executor_and_report_configs_keep_python_numbers():
    import numpy as np

    from surrogate.executors import ExecutorConfig
    from surrogate.report.figure import PlotStyle
    from surrogate.report.writer import ReportOptions

    assert type(ExecutorConfig(workers=np.int64(2)).workers) is int
    assert type(PlotStyle(dpi=np.int64(100)).dpi) is int
    options = ReportOptions(max_rows=np.int64(5), heatmaps=np.False_)
    assert (type(options.max_rows), options.heatmaps) == (int, False) and type(options.heatmaps) is bool


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: SweepConfig(budget=10**30), r"SweepConfig: budget=10{30} must be a positive integer up to 100000, e.g. 24"),
        (lambda: SweepConfig(instances=10**9), r"SweepConfig: instances=1000000000 must be a positive integer up to 100000"),
        (lambda: _executor(workers=10**6), r"ExecutorConfig: workers=1000000 must be a positive integer up to 100000, e.g. 2"),
        (lambda: _solve_bench(budget=10**6), r"SolveBenchConfig: budget=1000000 must be a positive integer up to 100000"),
        (lambda: _scale_bench(budget=10**6), r"ScaleBenchConfig: budget=1000000 must be a positive integer up to 100000"),
    ],
)
def test_every_size_or_count_refuses_an_absurd_one_in_one_message(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def _executor(**kwargs):
    from surrogate.executors import ExecutorConfig

    return ExecutorConfig(**kwargs)


def _solve_bench(**kwargs):
    from surrogate.experiments.solve_bench_config import SolveBenchConfig

    return SolveBenchConfig(**kwargs)


def _scale_bench(**kwargs):
    from surrogate.experiments.scale_bench_config import ScaleBenchConfig

    return ScaleBenchConfig(**kwargs)


def test_check_count_takes_numpy_integers_and_names_its_reason():
    import numpy as np

    from surrogate.options import check_count

    assert check_count("x: n", np.int64(7)) == 7 and type(check_count("x: n", np.int64(7))) is int
    with pytest.raises(ConfigError, match=r"x: n=True must be an integer from 2 to 9 \(why\), e.g. 3"):
        check_count("x: n", True, low=2, high=9, why="why", example=3)


@pytest.mark.parametrize("name", ["ProblemRunConfig", "SolveBenchConfig", "ScaleBenchConfig"])
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start_patience", 2e9, r"start_patience=2000000000.0 must be a number of seconds >= 0 up to 1e\+09 \(pass 1e\+09 "),
        ("start_patience", float("inf"), r"start_patience=inf must be a number of seconds >= 0 up to 1e\+09"),
        ("start_clock", "sun", r"start_clock='sun' is not one of 'wall', 'cpu'$"),
    ],
)
def test_the_start_options_get_one_check_in_every_config(name, field, value, message):
    """start_patience=2e9: ProblemRunConfig refused it, SolveBenchConfig named StartConfig, ScaleBenchConfig took it
    and recorded it (probe79 F5)."""
    from surrogate.experiments import problem_run_config, scale_bench_config, solve_bench_config

    module = {"ProblemRunConfig": problem_run_config, "SolveBenchConfig": solve_bench_config}.get(name, scale_bench_config)
    with pytest.raises(ConfigError, match=f"^{name}: {message}") as caught:
        getattr(module, name)(**{field: value})
    assert "StartConfig" not in str(caught.value)
    assert getattr(module, name)(start_patience=1e9).start_patience == 1e9  # the most: the start caps it anyway


def _solve_bench(**kwargs):
    from surrogate.experiments.solve_bench_config import SolveBenchConfig

    return SolveBenchConfig(**kwargs)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: SweepConfig(formulation="x"),
            FormulationError,
            r"^SweepConfig: formulation='x': unknown formulation 'x'; choose",
        ),
        (lambda: SweepConfig(protocol="fast"), ConfigError, r"^SweepConfig: protocol='fast': unknown training protocol 'fast'"),
        (lambda: SweepConfig(protocol=3), ConfigError, r"^SweepConfig: protocol=3: training protocol 3 is neither"),
        (lambda: SweepConfig(architectures=("3y8",)), ArchitectureError, r"^SweepConfig: architectures=\('3y8',\): cannot parse"),
        (
            lambda: SweepConfig(architectures=(3,)),
            ArchitectureError,
            r"^SweepConfig: architectures=\(3,\): architecture 3 is not",
        ),
        (
            lambda: SweepConfig(budget=12, architectures=("3x8",)),
            ConfigError,
            r"^SweepConfig: architectures=\('3x8',\): 3x8 \(24\)",
        ),
        (
            lambda: _solve_bench(baselines=("spline",)),
            ConfigError,
            r"^SolveBenchConfig: baselines=\('spline',\): unknown baseline",
        ),
        (lambda: _solve_bench(pooling=("x",)), ConfigError, r"^SolveBenchConfig: pooling=\('x',\) has unknown \['x'\]; choose"),
    ],
)
def test_a_refusal_starts_with_the_config_and_the_field(make, error, match):
    """These named neither the config nor the field ('unknown formulation 'x'; choose ...')."""
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        # a bare TypeError: expected string or bytes-like object, got 'int'
        (lambda: _solve_bench(baselines=(3,)), r"SolveBenchConfig: baselines=\(3,\) must hold only names, not 3; e.g. \('saw"),
        (
            lambda: TrainingProtocol(stages=3),
            r"training protocol 'seed': stages=3 must be a sequence of Stage objects \(a tuple or",
        ),
        (lambda: TrainingProtocol(finetune_stages=None), r"finetune_stages=None must be a sequence of Stage objects"),
        (
            lambda: TrainingProtocol(stages="abc"),
            r"stages='abc' must be a sequence of Stage objects, not one string; e.g. \(Stage",
        ),
    ],
)
def test_a_field_of_several_values_says_what_it_got_and_what_to_give(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_a_field_of_several_values_takes_any_ordered_iterable():
    assert _solve_bench(random_sizes=iter([2, 4]), pooling=()).random_sizes == (2, 4)


def test_every_sweep_option_reaches_its_config_field_and_no_option_keeps_the_defaults():
    """Mutation round 7 (sweep_args.py): an option dropped or a default changed on the way from the command line to
    SweepConfig went unnoticed (the sweep it runs is the one the report rebuilds from the printed command)."""
    from surrogate.cli import build_parser
    from surrogate.experiments.sweep_args import sweep_config_from_args

    def config_of(*argv):
        return sweep_config_from_args(build_parser(["sweep"]).parse_args(["sweep", *argv]))

    assert config_of() == SweepConfig()
    assert config_of("--quick") == SweepConfig.quick()
    given = config_of(
        *("--budget", "12", "--arch", "3x4", "--arch", "2x6", "--protocol", "seed", "--seeds", "2"),
        *("--formulation", "bigm", "--instances", "3", "--instance-seed", "7", "--all-seeds", "--time-limit", "12.5"),
        *("--threads", "3", "--solver-option", "mip_heuristic_effort=0.3", "--no-yardsticks"),
    )
    assert given == SweepConfig(
        budget=12,
        architectures=("3x4", "2x6"),
        protocol="seed",
        seeds=(0, 1),
        formulation="bigm",
        instances=3,
        instance_seed=7,
        solve_all_seeds=True,
        solver=SolverConfig(time_limit=12.5, threads=3, options=(("mip_heuristic_effort", 0.3),)),
        yardsticks=False,
    )


@pytest.mark.parametrize("epochs", [3, 4, 7, 15])
def test_quick_with_epochs_trains_the_protocol_of_those_epochs(epochs):
    """Mutation round 7 (sweep_args.py): ``--quick --epochs 7`` with protocol best trained stages of 1+4+1 epochs
    (the protocol scaled to 7, capped at 5, then stretched to 7 again), not best's 1+4+2 of ``--epochs 7``, so a
    quick run was no smaller copy of the run it stood for and the report could not give its command."""
    from surrogate.cli import build_parser
    from surrogate.experiments.sweep_args import sweep_config_from_args

    def protocol_of(*argv):
        args = build_parser(["sweep"]).parse_args(["sweep", "--protocol", "best", "--epochs", str(epochs), *argv])
        return sweep_config_from_args(args).protocol

    assert protocol_of("--quick") == protocol_of() == get_protocol("best").with_epochs(epochs)


def test_quick_keeps_a_shorter_protocol_and_the_instances_given_and_a_refilled_default_stays_filled():
    """Mutation round 7 (sweep_config.py): quick() stretched a protocol of fewer than QUICK_EPOCHS epochs, or dropped
    the instances given, and a default refilled by replace() lost its mark (a later budget change kept its shapes)."""
    short = get_protocol("seed").with_epochs(3)
    quick = SweepConfig.quick(protocol=short, instances=2)
    assert quick.protocol == short and quick.instances == 2
    refilled = replace(SweepConfig(), instances=3)
    with pytest.raises(ConfigError, match=r"was filled in for \(24,\), not for \(48,\)"):
        replace(refilled, budget=48)


def test_solve_bench_encodings_and_defaults_are_the_published_ones():
    """Mutation round 7 (solve_bench_config.py): an encoding's warm start (``pruned`` starts from the LP relaxation,
    ``pruned-exact-seed`` from a local optimum of the exact model) and the problem-size caps of the baselines and of
    OMLT's partition formulation could change with no test noticing; the published solve-time tables use these."""
    from surrogate.experiments.solve_bench_config import ENCODINGS, SolveBenchConfig

    assert ENCODINGS == {
        "omlt-bigm": ("bigm", None),
        "omlt-partition": ("partition", None),
        "pruned": ("pruned", "relaxation"),
        "pruned-cold": ("pruned", None),
        "pruned-exact-seed": ("pruned", "exact"),
    }
    config = SolveBenchConfig()
    assert (config.baseline_max_products, config.partition_max_products, config.instances) == (16, 32, 20)
    assert SolveBenchConfig(instances=0).instances == 0  # '--instances 0' skips the reference instances
    quick = SolveBenchConfig.quick()  # the smoke run of --quick's help: 3 instances, a 5 s limit at the benchmark's gap
    assert (quick.instances, quick.solver) == (3, SolverConfig(time_limit=5.0, rel_gap=1e-4))
