import pytest

from surrogate import ConfigError, FormulationError, SolverConfig, SweepConfig, TrainingProtocol, get_protocol


def test_seed_protocol_is_the_blog_setup():
    p = get_protocol("seed")
    assert (p.n_points, p.epochs, p.batch_size, p.learning_rate, p.adam_eps, p.loss) == (10_000, 100, 32, 1e-3, 1e-7, "mae")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs=0 must be a positive integer"),
        ({"batch_size": 2.5}, "batch_size=2.5 must be a positive integer"),
        ({"learning_rate": -1.0}, "learning_rate=-1.0 must be a positive number"),
        ({"beta2": 1.0}, "beta2=1.0 must lie in"),
        ({"loss": "huber"}, "loss='huber' is unknown; choose one of mae, mse"),
    ],
)
def test_protocol_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TrainingProtocol(**kwargs)


def test_unknown_protocol():
    with pytest.raises(ConfigError, match="unknown training protocol 'fast'; choose one of seed"):
        get_protocol("fast")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_limit": 0}, "time_limit=0 must be a positive number of seconds"),
        ({"rel_gap": 1.5}, r"rel_gap=1.5 must lie in \[0, 1\)"),
        ({"threads": 0}, "threads=0 must be a positive integer"),
        ({"solver": "gurobi"}, "solver='gurobi' is not supported; use one of highs"),
    ],
)
def test_solver_config_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        SolverConfig(**kwargs)


def test_sweep_config_defaults_and_validation():
    cfg = SweepConfig()
    assert [a.name for a in cfg.architectures] == ["1x24", "2x12", "3x8", "4x6", "6x4", "8x3", "12x2", "24x1"]
    assert cfg.seeds == (0, 1, 2, 3, 4) and cfg.formulation == "bigm" and cfg.instances == 20
    quick = SweepConfig.quick(architectures=("3x8",))
    assert quick.protocol.epochs == 5 and quick.seeds == (0,) and quick.instances == 5
    with pytest.raises(FormulationError, match="unknown formulation 'complementarity'.*NLP"):
        SweepConfig(formulation="complementarity")
    with pytest.raises(ConfigError, match="seeds=.* repeat"):
        SweepConfig(seeds=(1, 1))
    with pytest.raises(ConfigError, match="budget=0 must be a positive integer"):
        SweepConfig(budget=0)
    with pytest.raises(ConfigError, match="instances=0 must be a positive integer"):
        SweepConfig(instances=0)
