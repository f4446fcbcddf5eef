import pytest

from surrogate.cli import main


def test_params_prints_total_and_breakdown(capsys):
    assert main(["params", "784", "16", "16", "10"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "13002 (12960 weights + 42 biases)"
    assert "784->16" in out[1] and "12544" in out[1]


def test_params_without_bias(capsys):
    assert main(["params", "784", "16", "16", "10", "--no-bias"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "12960 (12960 weights, biases not counted)"


def test_params_small(capsys):
    assert main(["params", "2", "2", "2"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "12 (8 weights + 4 biases)"


def test_params_bad_size_is_a_clear_error(capsys):
    assert main(["params", "2", "0", "1"]) == 2
    assert "layer size 0 must be at least 1" in capsys.readouterr().err


def test_architectures_budget_24(capsys):
    assert main(["architectures", "--budget", "24"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    names = [line.split()[0] for line in lines[1:-1]]
    assert names == ["1x24", "2x12", "3x8", "4x6", "6x4", "8x3", "12x2", "24x1"]
    assert lines[3].split() == ["3x8", "3", "177", "152", "25"]


def test_architectures_all_adds_non_uniform(capsys):
    assert main(["architectures", "--budget", "6", "--all", "--max-depth", "2"]) == 0
    out = capsys.readouterr().out
    assert "1-5" in out and "8 shapes with 6 hidden neurons" in out


def test_sweep_bad_arguments_are_reported(capsys):
    assert main(["sweep", "--arch", "3y8", "--quiet"]) == 2
    assert "cannot parse architecture '3y8'" in capsys.readouterr().err
    assert main(["sweep", "--formulation", "complementarity", "--quiet"]) == 2
    assert "unknown formulation 'complementarity'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sweep", "--seeds", "0"])


def test_hand_built_command(capsys, tmp_path):
    assert main(["hand-built", "--arch", "3x8", "--arch", "12x2", "--grid", "401", "--export", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    paired = next(line for line in lines if line.split()[:2] == ["3x8", "paired"])
    assert paired.split()[2:4] == ["36/36", "7.716e-04"]
    assert any("12x2" in line and "does not fit" in line for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3x8-hand-built-paired.onnx", "3x8-hand-built-shared.onnx"]
