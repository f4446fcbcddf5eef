import errno
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest

from surrogate.cli import main
from surrogate.nets.onnx_io import read_metadata
from surrogate.nets.zoo import load_manifest


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


@pytest.mark.solver
def test_sweep_checks_solver_options_before_any_training(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(["sweep", "--quick", "--arch", "1x2", "--solver-option", "mip_heuristic_effort=x", "--out", str(out), "--quiet"])
        == 2
    )
    assert "HiGHS refuses mip_heuristic_effort='x'" in capsys.readouterr().err and not out.exists()


def test_hand_built_command(capsys, tmp_path):
    # --grid 11: the cells and the closed-form bound checked below do not depend on the grid (401 cost 2 s)
    assert main(["hand-built", "--arch", "3x8", "--arch", "12x2", "--grid", "11", "--export", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    paired = next(line for line in lines if line.split()[:2] == ["3x8", "paired"])
    assert paired.split()[2:4] == ["36/36", "7.716e-04"]
    assert any("12x2" in line and "does not fit" in line for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3x8-hand-built-paired.onnx", "3x8-hand-built-shared.onnx"]


def test_hand_built_takes_an_active_margin_of_0_as_published(capsys):
    """0 is the documented 'as published' value (the API took it; the CLI said it must be positive)."""
    assert main(["hand-built", "--arch", "2x6", "--grid", "11", "--active-margin", "0"]) == 0
    margin = capsys.readouterr().out.splitlines()[1].split()
    assert main(["hand-built", "--arch", "2x6", "--grid", "11"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == margin


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--active-margin", "10"], r"--active-margin 10 must be a number in \[0, 1\], e.g. 0.015625 \(0: as published"),
        (["--active-margin", "nan"], r"--active-margin nan must be a number in \[0, 1\]"),
    ],
)
def test_hand_built_options_are_refused_before_the_table_in_their_own_words(capsys, args, match):
    """They were refused after the header was printed, in the API's words (active_margin=10.0, score: n=1)."""
    assert main(["hand-built", "--arch", "2x6", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("surrogate hand-built: error: ")
    assert re.search(match, err), err


def test_hand_built_checks_a_given_budget_beside_arch_as_sweep_does(capsys):
    """hand-built --arch 3x8 --budget 12 ignored --budget, where sweep refuses the pair."""
    assert main(["hand-built", "--arch", "3x8", "--arch", "2x6", "--budget", "12", "--grid", "11"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "hand-built: 3x8 (24) has more hidden neurons than the budget 12; raise the budget (--budget) or pass" in err
    assert main(["hand-built", "--arch", "2x6", "--budget", "12", "--grid", "11"]) == 0  # within it
    assert main(["hand-built", "--arch", "4x8", "--grid", "11", "--variant", "shared"]) == 0  # no --budget: as before
    assert main(["hand-built", "--budget", "6", "--grid", "11", "--variant", "shared"]) == 0  # the budget's shapes
    assert "1x6" in capsys.readouterr().out


def test_hand_built_names_files_by_the_canonical_shape_and_refuses_a_repeat(capsys, tmp_path):
    """' 3X8', '3×8' and '３x８' (one shape) wrote three files named as typed, and --arch 3x8 --arch 3x8 printed twice."""
    for typed in (" 3X8", "3\u00d78", "\uff13x\uff18"):
        assert main(["hand-built", "--arch", typed, "--variant", "shared", "--grid", "11", "--export", str(tmp_path)]) == 0
        assert capsys.readouterr().out.splitlines()[1].split()[:2] == ["3x8", "shared"]
    assert [p.name for p in tmp_path.iterdir()] == ["3x8-hand-built-shared.onnx"]
    assert main(["hand-built", "--arch", "3x8", "--arch", "3\u00d78", "--grid", "11"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "surrogate hand-built: error: hand-built: --arch 3x8 given twice; give each shape once" in err


def test_hand_built_writes_its_files_before_it_prints(monkeypatch, tmp_path):
    """A reader that went away (``| head``) at the header lost every export and the zoo."""
    from surrogate.cli import shapes

    def reader_gone(*args, **kwargs):
        raise RuntimeError("the reader went away")

    monkeypatch.setattr(shapes, "print", reader_gone, raising=False)
    argv = ["hand-built", "--arch", "3x8", "--variant", "shared", "--grid", "11"]
    with pytest.raises(RuntimeError, match="the reader went away"):
        main([*argv, "--export", str(tmp_path / "onnx"), "--save-models", str(tmp_path / "zoo")])
    assert [p.name for p in (tmp_path / "onnx").iterdir()] == ["3x8-hand-built-shared.onnx"]
    assert [m["name"] for m in load_manifest(tmp_path / "zoo")["models"]] == ["b24-hand-shared-3x8"]


@pytest.mark.parametrize("benchmark", ["training", "ablation"])
def test_bench_training_and_ablation_check_a_budget_beside_arch_as_sweep_does(monkeypatch, capsys, benchmark):
    """bench training --arch 1x2 --budget 1 trained, ignoring the budget that sweep and hand-built check."""
    import functools

    from surrogate.train import bench

    for name in ("bench_training", "bench_ablation"):  # wrapped: the parser reads their keyword defaults

        @functools.wraps(getattr(bench, name))
        def ran(*args, **kwargs):
            raise AssertionError("the benchmark ran")

        monkeypatch.setattr(bench, name, ran)
    assert main(["bench", benchmark, "--arch", "1x2", "--arch", "3x8", "--budget", "2"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert f"bench {benchmark}: 3x8 (24) has more hidden neurons than the budget 2; raise the budget (--budget)" in err
    assert main(["bench", benchmark, "--arch", "1x2", "--arch", "1\u00d72"]) == 2
    assert f"bench {benchmark}: --arch 1x2 given twice; give each shape once" in capsys.readouterr().err


@pytest.mark.parametrize("grid", ["1", "0", "-3"])
def test_hand_built_grid_has_one_rule_and_one_message(capsys, grid):
    """--grid 0 said 'must be at least 1', and --grid 1 was then refused as 'at least 2'."""
    with pytest.raises(SystemExit) as exit_:
        main(["hand-built", "--arch", "2x6", "--grid", grid])
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == "" and err.count("\n") == 1
    assert f"argument --grid: {grid} must be an integer of at least 2 points per axis, e.g. 401" in err, err


def test_a_huge_grid_is_refused_before_allocating(capsys):
    """--grid 99999999999 ended in numpy's 'Unable to allocate 745. GiB' traceback."""
    with pytest.raises(SystemExit) as exit_:
        main(["hand-built", "--arch", "1x4", "--grid", "99999999999"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1
    assert "argument --grid: 99999999999 points per axis make 99999999999^2 = 1e+22 points, evaluated at once" in err
    assert "give at most 4001, e.g. 401" in err


def _one_error_line(capsys, command: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"surrogate {command}: error: ")
    return err


def test_sweep_out_that_is_a_file_is_one_line_before_any_work(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert main(["sweep", "--quick", "--arch", "1x2", "--out", str(tmp_path / "afile")]) == 2
    assert "afile is a file, not a folder; pass a folder path, e.g. --out results/run1" in _one_error_line(capsys, "sweep")
    assert main(["sweep", "--quick", "--arch", "1x2", "--out", str(tmp_path / "afile" / "sub")]) == 2
    err = _one_error_line(capsys, "sweep")
    assert f"is inside {tmp_path / 'afile'}, which is a file, not a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # nothing was created


def test_save_models_and_export_folders_are_checked_first(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    args = ["sweep", "--quick", "--arch", "1x2", "--out", str(tmp_path / "run"), "--save-models", str(tmp_path / "afile")]
    assert main(args) == 2
    assert "--save-models" in _one_error_line(capsys, "sweep") and not (tmp_path / "run").exists()
    assert main(["hand-built", "--arch", "1x2", "--export", str(tmp_path / "afile")]) == 2
    assert "--export" in _one_error_line(capsys, "hand-built")


def test_out_on_a_read_only_file_system_is_one_line(capsys):
    target = Path("/sys/kernel")
    try:
        os.close(tempfile.mkstemp(dir=target)[0])
        pytest.skip("/sys/kernel is writable here")
    except OSError:
        pass
    assert main(["problems", "haverly1", "--out", str(target / "surrogate-test")]) == 2
    assert "cannot write in /sys/kernel" in _one_error_line(capsys, "problems")


def test_out_in_a_read_only_folder_is_one_line(tmp_path, capsys, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root writes in a read-only folder: its write is refused here as the kernel refuses others'
        real = tempfile.mkstemp

        def refused(*args, dir=None, **kwargs):
            if dir is not None and Path(dir) == ro:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dir))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refused)
    assert main(["sweep", "--quick", "--arch", "1x2", "--out", str(ro / "run")]) == 2
    err = _one_error_line(capsys, "sweep")
    assert f"--out {ro / 'run'}: cannot write in {ro} (Permission denied); pass a folder you can write to" in err
    assert not (ro / "run").exists()


def test_report_out_that_is_a_folder_is_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "is a folder; give the report's file name, e.g. --out" in _one_error_line(capsys, "report")


def test_store_zoo_that_is_not_a_folder_is_one_line(tmp_path, capsys):
    assert main(["bounds", "--store-zoo", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder; pass a zoo folder holding manifest.json" in _one_error_line(capsys, "bounds")


def test_an_empty_onnx_file_is_one_line(tmp_path, capsys):
    (tmp_path / "empty.onnx").write_bytes(b"")
    assert main(["bounds", str(tmp_path / "empty.onnx")]) == 2
    assert "empty.onnx" in _one_error_line(capsys, "bounds")


def test_os_errors_and_dead_workers_are_one_line(monkeypatch, capsys):
    from concurrent.futures.process import BrokenProcessPool

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "results/x/table.csv")

    monkeypatch.setattr("surrogate.cli.shapes.count_parameters", disk_full)
    assert main(["params", "2", "1"]) == 2
    err = _one_error_line(capsys, "params")
    assert "No space left on device: results/x/table.csv; check that the path exists" in err

    def broken(*args, **kwargs):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr("surrogate.cli.shapes.count_parameters", broken)
    assert main(["params", "2", "1"]) == 2
    assert "a worker process died (out of memory, or killed); run the command again" in _one_error_line(capsys, "params")


# ----------------------------------------------------------------------------- defaults have one home


def _defaults(argv):
    from surrogate.cli import build_parser

    return build_parser().parse_args(argv)


def test_sweep_option_defaults_are_the_sweep_config_defaults():
    from surrogate.experiments.sweep import SweepConfig
    from surrogate.experiments.sweep_args import sweep_config_from_args
    from surrogate.milp.solver import SolverConfig
    from surrogate.options import default_of

    args = _defaults(["sweep"])
    solver = default_of(SweepConfig, "solver")
    assert args.budget == default_of(SweepConfig, "budget") == 24
    assert args.protocol == default_of(SweepConfig, "protocol").name == "seed"
    assert args.formulation == default_of(SweepConfig, "formulation")
    assert args.instance_seed == default_of(SweepConfig, "instance_seed")
    assert args.time_limit == solver.time_limit == SolverConfig().time_limit
    assert args.threads == solver.threads
    assert args.seeds is None and args.instances is None  # unset: the config's (or --quick's) default applies
    assert args.all_seeds == default_of(SweepConfig, "solve_all_seeds")
    assert (not args.no_yardsticks) == default_of(SweepConfig, "yardsticks")
    assert sweep_config_from_args(args) == SweepConfig()  # no option given: exactly the default sweep


def test_quick_sweep_and_help_read_the_quick_defaults(capsys):
    from surrogate.experiments.sweep import QUICK_INSTANCES, QUICK_SEEDS, SweepConfig
    from surrogate.experiments.sweep_args import sweep_config_from_args

    assert sweep_config_from_args(_defaults(["sweep", "--quick"])) == SweepConfig.quick()
    quick = SweepConfig.quick()
    assert (quick.seeds, quick.instances) == (QUICK_SEEDS, QUICK_INSTANCES)
    with pytest.raises(SystemExit, match="0"):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default 5)" in text and "(default 20)" in text and "smoke test: 5 epochs, 1 seed, 5 instances" in text


def test_other_commands_share_the_defaults():
    from surrogate.experiments.solve_bench import WORKERS
    from surrogate.experiments.sweep import SweepConfig
    from surrogate.options import default_of
    from surrogate.report.build import ReportOptions

    assert _defaults(["architectures"]).budget == default_of(SweepConfig, "budget")
    for argv in (["hand-built"], ["bench", "training"], ["bench", "ablation"]):  # the sweep's where no --arch is given
        assert _defaults(argv).budget is None  # (beside --arch, only a given one is checked: chosen_shapes)
    for argv in (["bench", "training"], ["bench", "ablation"]):
        assert _defaults(argv).seeds == len(default_of(SweepConfig, "seeds"))
    assert _defaults(["bench", "solve-time"]).workers is None and WORKERS == 2  # None: WORKERS (see tests/cli)
    assert _defaults(["report", "r"]).max_rows is None and ReportOptions().max_rows == 60  # None: ReportOptions' default


def test_default_of_names_a_missing_field_or_default():
    from surrogate.errors import ConfigError
    from surrogate.experiments.sweep import SweepConfig
    from surrogate.options import default_of
    from surrogate.report.build import SweepCommand

    assert default_of(SweepConfig, "seeds") == (0, 1, 2, 3, 4)
    with pytest.raises(ConfigError, match="SweepConfig has no field 'epochs'; choose one of budget"):
        default_of(SweepConfig, "epochs")
    with pytest.raises(ConfigError, match="SweepCommand.argv has no default; pass it explicitly"):
        default_of(SweepCommand, "argv")


def test_argument_types_reject_bad_values():
    import argparse

    from surrogate.options import positive_float, positive_int, whole_number

    assert (whole_number("0"), positive_int("3"), positive_float("0.5")) == (0, 3, 0.5)
    with pytest.raises(argparse.ArgumentTypeError, match="0 must be at least 1"):
        positive_int("0")
    with pytest.raises(argparse.ArgumentTypeError, match="'x' is not a whole number"):
        whole_number("x")
    with pytest.raises(argparse.ArgumentTypeError, match="^-1 must be positive$"):
        positive_float("-1")
    with pytest.raises(argparse.ArgumentTypeError, match="^-0.0 must be positive$"):
        positive_float("-0.0")
    with pytest.raises(argparse.ArgumentTypeError, match="^1e-400 is too small to tell from 0 in floating point"):
        positive_float("1e-400")  # was '0.0 must be positive': the value as parsed, not as typed
    with pytest.raises(argparse.ArgumentTypeError, match="^-1e-400 must be positive$"):
        positive_float("-1e-400")  # was 'too small to tell from 0': it is negative
    with pytest.raises(argparse.ArgumentTypeError, match="inf must be finite; for no practical limit give a large number"):
        positive_float("inf")  # a limit that no results file could record
    with pytest.raises(argparse.ArgumentTypeError, match="^'nan' is not a number$"):  # was 'nan must be positive'
        positive_float("nan")


@pytest.mark.parametrize("command", [["bench", "scale"], ["bench", "solve-time"], ["problems"]])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", "'nan' is not a number"),
        ("inf", "inf must be finite"),
        ("-1", "-1 must be 0 or more"),
        ("2e9", "2e+09 seconds is more than 1e+09; for no practical limit give 1e+09"),  # bench scale took it
    ],
)
def test_a_start_patience_that_is_no_number_of_seconds_is_refused_under_its_option(command, value, message, capsys):
    """--start-patience nan was refused as 'StartConfig: patience=nan', inf as 'ScaleBenchConfig: start_patience=inf';
    2e9 by each command in its own words, or taken (probe79 F5)."""
    with pytest.raises(SystemExit) as stop:
        main([*command, "--start-patience", value, "--no-such-option"])  # refused at the option, before the rest
    assert stop.value.code == 2
    assert f"argument --start-patience: {message}" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["sweep"], ["bench", "scale"], ["bench", "solve-time"], ["problems"], ["bounds"]])
def test_a_time_limit_past_the_largest_is_refused_under_its_option(command, capsys):
    """--time-limit 1e10 was refused as 'SolverConfig: time_limit=...', which names no option."""
    with pytest.raises(SystemExit) as stop:
        main([*command, "--time-limit", "1e10", "--no-such-option"])  # the option: before, the parse went on to it
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert "argument --time-limit: 1e+10 seconds is more than 1e+09; for no practical limit give 1e+09" in err, err


@pytest.mark.parametrize("command", [["sweep"], ["bench", "scale"], ["problems"]])
@pytest.mark.parametrize(
    "value, message",
    [
        ("nan", "'nan' is not a number"),  # was 'nan must be positive'
        ("inf", "inf seconds is more than 1e+09; for no practical limit give 1e+09"),  # was '... e.g. 1e6'
    ],
)
def test_a_time_limit_of_nan_or_inf_is_refused_with_the_true_reason_and_one_advice(command, value, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*command, "--time-limit", value, "--no-such-option"])
    assert stop.value.code == 2
    assert f"argument --time-limit: {message}" in capsys.readouterr().err


def test_every_command_parser_function_is_short():
    import ast
    import inspect

    import surrogate.cli.parser as cli

    tree = ast.parse(inspect.getsource(cli))
    lengths = {n.name: n.end_lineno - n.lineno + 1 for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert lengths["build_parser"] <= 15
    assert all(n <= 60 for name, n in lengths.items() if name.startswith("_add_")), lengths


def test_options_that_feed_one_function_or_config_take_its_defaults():
    import inspect

    from surrogate.experiments.problem_run_config import ProblemRunConfig
    from surrogate.milp.bounds import compute_bounds
    from surrogate.nets.architecture import all_shapes
    from surrogate.train.bench import bench_training

    def keyword(function, name):
        return inspect.signature(function).parameters[name].default

    problems, solver = _defaults(["problems"]), ProblemRunConfig().solver
    assert (problems.time_limit, problems.threads) == (solver.time_limit, solver.threads) == (60.0, 1)
    assert problems.polish_restarts == ProblemRunConfig().polish_restarts
    assert _defaults(["bounds"]).time_limit == keyword(compute_bounds, "time_limit") == 30.0
    assert _defaults(["bounds"]).node_limit == keyword(compute_bounds, "node_limit") == 2000
    assert _defaults(["architectures"]).max_depth == keyword(all_shapes, "max_depth") == 3
    training = _defaults(["bench", "training"])
    assert (training.naive_epochs, training.naive_seeds) == (
        keyword(bench_training, "naive_epochs"),
        keyword(bench_training, "naive_seeds"),
    )


def test_hand_built_active_margin_saves_a_fixed_net(capsys, tmp_path):
    args = ["hand-built", "--arch", "4-5-5-5-5", "--variant", "shared", "--grid", "11", "--active-margin", "0.015625"]
    assert main([*args, "--save-models", str(tmp_path)]) == 0
    assert "saved 1 hand-built nets" in capsys.readouterr().out
    (entry,) = load_manifest(tmp_path)["models"]
    assert (entry["name"], entry["source"], entry["kind"]) == (
        "b24-hand-shared-fixed-4-5-5-5-5",
        "hand-shared-fixed",
        "hand-built",
    )
    assert read_metadata(tmp_path / entry["file"])["active_margin"] == "0.015625"
    assert main(["hand-built", "--arch", "4-5-5-5-5", "--active-margin", "-1"]) == 2
    assert "--active-margin -1 must be a number in [0, 1]" in capsys.readouterr().err


def test_an_unknown_flag_and_an_unreadable_shape_are_refused_naming_the_command(capsys, tmp_path):
    with pytest.raises(SystemExit) as exited:  # argparse's own exit, as for every parse error
        main(["architectures", "--budget", "24", "--no-such-flag"])
    assert exited.value.code == 2
    assert "surrogate architectures: error: unrecognized arguments: --no-such-flag; see 'surrogate architectures --help'" in (
        capsys.readouterr().err
    )
    assert main(["hand-built", "--arch", "3xx8"]) == 2  # a typo: before, a 'does not fit' row and exit 0
    assert "surrogate hand-built: error: cannot parse architecture '3xx8'" in capsys.readouterr().err
    (tmp_path / "afile").write_text("")
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "afile" / "r.md")]) == 2
    assert "afile is a file, so no report can be written under it" in capsys.readouterr().err


def test_version_is_the_installed_distributions(capsys):
    from importlib.metadata import version

    import surrogate

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"surrogate {version('surrogate')}"
    assert surrogate.__version__ == version("surrogate")


def _terminate(*args, **kwargs):
    """A command's work, stopped by SIGTERM as it starts (as ``kill PID`` would)."""
    import signal
    import time

    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)  # the handler's exception ends the sleep at once
    raise AssertionError("SIGTERM did not stop the command")


@pytest.mark.parametrize(
    ("argv", "module", "name"),
    [
        (["problems", "haverly1", "--no-scip"], "surrogate.cli.problems", "_run_problems"),
        (["hand-built", "--arch", "3x8"], "surrogate.nets.construct", "hand_built"),
        (["bench", "scale", "--quick"], "surrogate.experiments.scale_bench", "run_scale_bench"),
        (["bench", "solve-time", "--quick"], "surrogate.experiments.solve_bench", "run_solve_bench"),
    ],
)
def test_sigterm_stops_every_command_as_terminated_with_143(argv, module, name, monkeypatch, capsys, tmp_path):
    import importlib
    import signal

    def unhandled(signum, frame):  # where main lets SIGTERM through: fail the test rather than kill pytest
        raise RuntimeError("SIGTERM reached the default handler: the process would have died with -15, without a word")

    monkeypatch.setattr(importlib.import_module(module), name, _terminate)
    monkeypatch.chdir(tmp_path)  # bench scale writes its default --out here
    previous = signal.signal(signal.SIGTERM, unhandled)
    try:
        assert main(argv) == 128 + signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)
    command = " ".join(argv[:2] if argv[0] == "bench" else argv[:1])
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"surrogate {command}: terminated"


def _interrupt_in_a_weakref_callback(kind) -> None:
    """A Ctrl-C (or SIGTERM's Terminated) raised in a weakref callback, where Python prints "Exception ignored" and
    goes on."""
    import weakref

    from surrogate.cli.console import Terminated

    def interrupted(ref):
        raise Terminated() if kind == "term" else KeyboardInterrupt()

    class Held:
        pass

    held = Held()
    ref = weakref.ref(held, interrupted)
    del held
    assert ref() is None


def _swallowed(kind):
    """A stand-in for a command during which a Ctrl-C (or SIGTERM) lands in a weakref callback, where Python prints
    "Exception ignored" and goes on (probe89 #3: 'problems' then finished and exited 0)."""
    import signal
    import time

    _interrupt_in_a_weakref_callback(kind)
    time.sleep(10)  # the signal sent again ends the sleep at once
    raise AssertionError(f"the swallowed {kind} did not stop the command {signal.SIGINT}")


@pytest.mark.parametrize(("kind", "code", "said"), [("int", 130, "interrupted"), ("term", 143, "terminated")])
def test_an_interrupt_swallowed_in_a_weakref_callback_still_stops_the_command(kind, code, said, monkeypatch, capsys):
    import signal

    from surrogate.cli import problems

    monkeypatch.setattr(problems, "_run_problems", lambda *args, **kwargs: _swallowed(kind))
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert main(["problems", "haverly1", "--no-scip"]) == code
    finally:
        signal.signal(signal.SIGINT, previous)
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"surrogate problems: {said}"


def _swallowed_at_the_end(kind, again):
    """A stand-in for a command whose Ctrl-C (or SIGTERM) lands in a weakref callback in its last moment, after its
    work (its models freed), and whose resend is still waiting when the command returns 0 (probe92 #1); with
    ``again``, a second Ctrl-C then stops the command at once."""
    _interrupt_in_a_weakref_callback(kind)
    if again:
        raise KeyboardInterrupt()
    return 0


@pytest.mark.parametrize(
    ("kind", "again", "code", "said"),
    [("int", False, 130, "interrupted"), ("term", False, 143, "terminated"), ("int", True, 130, "interrupted")],
)
def test_an_interrupt_swallowed_as_the_command_ends_stops_it_before_main_returns(kind, again, code, said, monkeypatch, capsys):
    """The resend is cancelled when the command ends, and the interrupt it held stops the command there (130 or 143),
    or, where a second Ctrl-C already did, nothing more: no signal comes after main() returned its code."""
    import signal
    import threading

    import surrogate.cli
    from surrogate.cli import console

    def command_instead(args):
        args.func = lambda args: _swallowed_at_the_end(kind, again)

    monkeypatch.setattr(console, "RESEND_AFTER", 600.0)  # still waiting when the command ends, however slow the run
    monkeypatch.setattr(surrogate.cli, "check_outputs", command_instead)
    before = {t for t in threading.enumerate() if isinstance(t, threading.Timer)}
    handler = signal.getsignal(signal.SIGTERM)
    try:
        assert main(["problems", "haverly1", "--no-scip"]) == code
        timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t not in before]
        assert all(t.finished.is_set() for t in timers), "a resend still waits after main() returned"
    finally:
        for timer in threading.enumerate():  # never let a resend left waiting interrupt the rest of the run
            if isinstance(timer, threading.Timer) and timer not in before:
                timer.cancel()
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"surrogate problems: {said}"
    assert signal.getsignal(signal.SIGTERM) is handler


def _new_timers(before):
    import threading

    return [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t not in before]


@pytest.mark.parametrize("swallowed", ["kept", "handled"])
def test_no_resend_outlives_main_and_a_command_that_said_it_stopped_is_not_told_again(swallowed, monkeypatch, capsys):
    """probe93 #9: a SIGTERM landing in sigterm_as_interrupt's finally before _Resends.cancel() closed left the resend
    of a swallowed Ctrl-C waiting, to fire after main() returned. probe93 #10: a command that handled its own Ctrl-C
    (sweep: "interrupted; finished units are kept", 130) then got the held one raised, and "interrupted" twice."""
    import threading

    import surrogate.cli
    from surrogate.cli import console

    def command(args):
        _swallowed_at_the_end("int", False)
        if swallowed == "handled":
            print("surrogate problems: interrupted; finished units are kept", file=sys.stderr)
        return 130 if swallowed == "handled" else 0

    cancel = console._Resends.cancel

    def cut_short(self):  # a SIGTERM's handler runs as cancel() starts, before it closed the resends
        if swallowed == "kept":
            raise console.Terminated()
        return cancel(self)

    monkeypatch.setattr(console, "RESEND_AFTER", 600.0)
    monkeypatch.setattr(console._Resends, "cancel", cut_short)
    monkeypatch.setattr(surrogate.cli, "check_outputs", lambda args: setattr(args, "func", command))
    before = {t for t in threading.enumerate() if isinstance(t, threading.Timer)}
    try:
        assert main(["problems", "haverly1", "--no-scip"]) == (143 if swallowed == "kept" else 130)
        assert all(t.finished.is_set() for t in _new_timers(before)), "a resend still waits after main() returned"
    finally:
        for timer in _new_timers(before):
            timer.cancel()
    told = [line for line in capsys.readouterr().err.splitlines() if "surrogate problems" in line]
    assert told == [
        "surrogate problems: terminated" if swallowed == "kept" else "surrogate problems: interrupted; finished units are kept"
    ]


def _ascii_stream():
    import io

    return io.TextIOWrapper(io.BytesIO(), encoding="ascii")


def test_a_name_the_console_cannot_encode_is_escaped_not_a_crash(monkeypatch, tmp_path):
    """On an ASCII (or Latin-1) console, echoing a path such as 'zoo-ü' raised UnicodeEncodeError after the zoo was
    written (a traceback and exit code 1), and so did an error message quoting '3y×8'."""
    out, err = _ascii_stream(), _ascii_stream()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    zoo = tmp_path / "zoo-\u00fc"
    assert main(["hand-built", "--arch", "2x4", "--grid", "3", "--save-models", str(zoo)]) == 0
    assert main(["hand-built", "--arch", "3y\u00d78"]) == 2
    assert zoo.is_dir() and (out.errors, err.errors) == ("strict", "strict")  # each stream's setting restored
    assert "zoo-\\xfc/ (manifest.json updated)" in out.buffer.getvalue().decode("ascii")
    assert "cannot parse architecture '3y\\xd78'" in err.buffer.getvalue().decode("ascii")


@pytest.mark.parametrize("argv", [["params", "2", "2", "2"], ["--help"]], ids=["command", "help"])
def test_a_reader_gone_before_the_last_flush_ends_quietly_with_141(argv):
    """The last block of stdout was flushed at exit, outside main's care: exit code 120 and Python's
    "Exception ignored ... BrokenPipeError" (hidden where PYTHONUNBUFFERED is set, so it is unset here)."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        done = subprocess.run([sys.executable, "-m", "surrogate", *argv], stdout=write, stderr=subprocess.PIPE, env=env)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr.decode()) == (141, "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["hand-built", "--arch", "2x6", "--active-margin", "-1e-3"], r"--active-margin -0.001 must be a number in \[0, 1\]"),
        (["problems", "haverly1", "--time-limit", "-1e3"], r"argument --time-limit: -1e3 must be positive"),
        (["problems", "haverly1", "--time-limit", "-inf"], r"argument --time-limit: -inf must be positive"),
        (["sweep", "--time-limit", "-1E-3"], r"argument --time-limit: -1E-3 must be positive"),
        (["problems", "haverly1", "--time-limit", "-1_000"], r"argument --time-limit: -1_000 must be positive"),
        (["problems", "haverly1", "--time-limit", "5e-324"], r"argument --time-limit: 5e-324 is too small: half of it"),
    ],
)
def test_negative_and_tiny_numbers_reach_the_options_own_check(capsys, argv, message):
    """'-1e-3' and '-inf' were taken for options ("expected one argument"), and a time limit of 5e-324 was refused
    as "StartConfig: time_limit=0.0", a config and a value the user never gave."""
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own refusal
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expected one argument" not in err and "StartConfig" not in err, err
    assert re.search(message, err), err


def test_the_surrogate_command_warns_with_the_command_line_fix(tmp_path, capsys):
    """probe90 #6: the missing-domain warning of a command names the command-line fix (the domain written into the file)."""
    from surrogate.cli import main
    from surrogate.errors import DomainWarning
    from tests.helpers import write_onnx_graph

    path = write_onnx_graph(tmp_path / "bounds.onnx")
    with pytest.warns(DomainWarning, match=r"from the command line, write it into the file: .*onnx\.save\(m, "):
        assert main(["bounds", str(path)]) == 0


def test_onnxruntime_says_nothing_where_home_cannot_be_written(tmp_path):
    """-qq printed onnxruntime's 'Failed to persist telemetry device ID' (at its import) where HOME was read-only
    (probe91 #9): every command turns its telemetry off, unless ORT_DISABLE_TELEMETRY is set."""
    import subprocess
    import sys

    home = tmp_path / "home"
    home.write_text("")  # no folder: nothing can be stored there, whoever runs this (root too)
    script = "from surrogate.cli import main\nmain(['params', '2', '2', '1'])\nimport onnxruntime\n"
    root = str(Path(__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    done = subprocess.run(
        [sys.executable, "-c", script], env={**env, "HOME": str(home), "PYTHONPATH": root}, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stderr == ""
    kept = subprocess.run(
        [sys.executable, "-c", script + "import os\nprint(os.environ['ORT_DISABLE_TELEMETRY'])"],
        env={**env, "PYTHONPATH": root, "ORT_DISABLE_TELEMETRY": "0"},
        capture_output=True,
        text=True,
    )
    assert kept.stdout.splitlines()[-1] == "0"  # the user's own value


@pytest.mark.parametrize("argv", [["problems", "haverly1"], []])
def test_a_ctrl_c_while_the_parser_is_built_stops_with_one_line_and_130(argv, monkeypatch, capsys):
    """build_parser imports the command's modules (seconds, for some): a Ctrl-C there is told as one during the
    command's run is, not with a traceback (probe140)."""
    import surrogate.cli

    def interrupted(commands):  # as a Ctrl-C landing in an import does
        raise KeyboardInterrupt

    monkeypatch.setattr(surrogate.cli, "build_parser", interrupted)
    try:
        code = main(argv)
    except BaseException as exc:  # a KeyboardInterrupt let through would end the test session
        code = exc
    assert code == 130
    said = "surrogate problems: interrupted" if argv else "surrogate: interrupted"
    assert capsys.readouterr().err.strip() == said
