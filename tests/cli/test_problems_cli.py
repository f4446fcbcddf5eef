import re

import pandas as pd
import pytest

from surrogate.cli import main
from surrogate.milp.bilinear import resolve_surrogate
from surrogate.milp.bounds import net_bounds

pytestmark = pytest.mark.solver

REQUIRED = [
    "problem",
    "arch",
    "formulation",
    "binaries",
    "milp_time_s",
    "termination",
    "surrogate_objective",
    "polished_objective",
    "optimum",
    "rel_gap",
    "mccormick_bound",
    "scip_time_s",
]


def test_problems_command_writes_results(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["problems", "haverly3", "--arch", "3x8", "--no-scip", "--time-limit", "30", "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "results.csv")
    assert set(REQUIRED) <= set(table.columns)
    row = table.iloc[0]
    unstable = net_bounds(resolve_surrogate("3x8"), "milp").unstable  # the default pruned encoding
    assert (row["problem"], row["arch"], row["formulation"], row["binaries"]) == ("haverly3", "3x8", "pruned", 2 * unstable)
    assert row["rel_gap"] <= 1e-4 and row["violation_after"] <= 1e-6
    assert "haverly3" in capsys.readouterr().out


def test_problems_command_rejects_unknown_names(capsys):
    assert main(["problems", "nosuch", "--no-scip"]) == 2
    assert "unknown problem 'nosuch'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("names", "message"),
    [
        # built for minutes: bench scale's cap on random instances holds here too
        (["random1000000"], r"problem 'random1000000': 1000000 products is more than the 10000 .* N <= 10000"),
        (["random20000-s0"], r"20000 products is more than the 10000"),
        (["random2", "random2-s0"], r"problem 'random2-s0' is named twice \(as 'random2' and 'random2-s0'\); name each"),
        (["pooling", "haverly1"], r"problem 'haverly1' is named twice \(as 'pooling' and 'haverly1'\)"),
        (["random\u0668-s0"], r"unknown problem 'random\u0668-s0'"),  # an Arabic-Indic 8 was told 'leading zeros'
    ],
)
def test_problems_refuses_a_huge_random_problem_and_one_named_twice_before_building(names, message, capsys):
    assert main(["problems", *names, "--no-scip", "--quiet"]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_problems_command_checks_solver_options_before_any_run(capsys):
    assert main(["problems", "haverly3", "--no-scip", "--solver-option", "mip_heuristic_effort=x", "--quiet"]) == 2
    assert "HiGHS refuses mip_heuristic_effort='x'" in capsys.readouterr().err


def test_problems_passes_the_start_options_to_each_run(monkeypatch, capsys):
    """``--start-clock``, ``--start-patience`` and ``--start-seed`` reach the run's config; a bad one stops before any run."""
    from surrogate.cli import problems as problems_cli

    seen = []
    monkeypatch.setattr(problems_cli, "_run_problems", lambda built, args, config: seen.append(config) or [])
    monkeypatch.setattr(problems_cli, "_print_problems_table", lambda rows, extended: None)
    argv = ["problems", "haverly3", "--no-scip", "--quiet"]
    assert main([*argv, "--start-clock", "cpu", "--start-patience", "10", "--start-seed", "relaxation"]) == 0
    assert (seen[0].start_clock, seen[0].start_patience, seen[0].start_seed) == ("cpu", 10.0, "relaxation")
    assert main(argv) == 0 and (seen[1].start_clock, seen[1].start_patience, seen[1].start_seed) == ("wall", 0.0, "exact")
    with pytest.raises(SystemExit) as stop:  # refused under the option's name, by its argparse type
        main([*argv, "--start-patience", "-1"])
    assert stop.value.code == 2 and len(seen) == 2
    assert "argument --start-patience: -1 must be 0 or more" in capsys.readouterr().err


def test_empty_scip_columns_say_why_when_scip_is_missing(monkeypatch, capsys):
    from surrogate.experiments import scip_reference

    monkeypatch.setattr(scip_reference, "scip_available", lambda: False)
    assert main(["problems", "haverly1", "--arch", "3x8", "--time-limit", "30", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "SCIP is not installed (pip install 'pyscipopt" in out and "(surrogate's 'scip' extra)); or pass --no-scip" in out
    assert main(["problems", "haverly1", "--arch", "3x8", "--time-limit", "30", "--quiet", "--no-scip"]) == 0
    assert "SCIP is not installed" not in capsys.readouterr().out


def _no_runs(monkeypatch):
    """``surrogate problems`` with its runs and table replaced: one row, no solve."""
    from surrogate.cli import problems as problems_cli

    monkeypatch.setattr(problems_cli, "_run_problems", lambda built, args, config: [{"problem": "haverly3", "status": "ok"}])
    monkeypatch.setattr(problems_cli, "_print_problems_table", lambda rows, extended: pd.DataFrame(rows))


def test_problems_out_holds_one_runs_files_and_is_locked_while_it_runs(tmp_path, monkeypatch, capsys):
    from surrogate.experiments.cache import folder_lock

    _no_runs(monkeypatch)
    out = tmp_path / "p"
    out.mkdir()
    for name in ("results.csv", "results.json", "summary.json"):  # an earlier --qcqp run's
        (out / name).write_text("earlier run")
    with folder_lock(out):  # another run writes there
        assert main(["problems", "haverly3", "--no-scip", "--quiet", "--out", str(out)]) == 2
    assert f"results folder {out} is in use by another running command; wait for it, or use another --out" in (
        capsys.readouterr().err
    )
    assert main(["problems", "haverly3", "--no-scip", "--quiet", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["results.csv", "results.json"]
    assert list(pd.read_csv(out / "results.csv")["problem"]) == ["haverly3"]  # no summary.json of the earlier run beside it


def test_problems_writes_its_results_before_it_prints(tmp_path, monkeypatch):
    """A reader that goes away (``| head -1``) or a name stdout cannot encode made the print fail before the
    results were written: a finished run was lost."""
    from surrogate.cli import problems as problems_cli

    _no_runs(monkeypatch)

    def reader_gone(table, extended):
        raise RuntimeError("the reader went away")

    monkeypatch.setattr(problems_cli, "_print_problems_table", reader_gone)
    out = tmp_path / "p"
    with pytest.raises(RuntimeError, match="the reader went away"):
        main(["problems", "haverly3", "--no-scip", "--quiet", "--out", str(out)])
    assert list(pd.read_csv(out / "results.csv")["problem"]) == ["haverly3"]


def test_a_crashed_run_exits_1_and_says_why_on_stderr_even_quiet(monkeypatch, capsys):
    """With -q, a crashed run gave exit code 1 and nothing said why (the plain table has no message column)."""
    from surrogate.experiments import problem_runs

    def crashes(*args, **kwargs):
        raise RuntimeError("a bug inside the run")

    monkeypatch.setattr(problem_runs, "run_problem", crashes)
    assert main(["problems", "haverly3", "--no-scip", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("surrogate problems: 1 of 1 runs crashed, so the exit code is 1 (the other rows are kept); ")
    assert "first haverly3 (3x8, pruned): RuntimeError: a bug inside the run (test_problems_cli.py:" in err


def test_a_warning_made_an_error_names_the_line_that_warned_not_warn_callers(monkeypatch, capsys):
    """probe118 #5: under -W error a package warning's crashed row ended '(errors.py:83)', warn_caller's own line."""
    import warnings

    from surrogate.errors import NumericsWarning, warn_caller
    from surrogate.experiments import problem_runs

    def warns(*args, **kwargs):
        warn_caller("a net too large", NumericsWarning)

    monkeypatch.setattr(problem_runs, "run_problem", warns)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        assert main(["problems", "haverly3", "--no-scip", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "NumericsWarning: a net too large (test_problems_cli.py:" in err and "errors.py" not in err


@pytest.mark.parametrize("other", ["table.csv", "config.json", "cache", "solves.csv", "growth.csv"])
def test_problems_refuses_another_commands_folder_as_every_command_does(tmp_path, monkeypatch, capsys, other):
    """problems --out wrote results.csv beside a sweep's table.csv, where bench solve-time and bench scale refuse."""
    _no_runs(monkeypatch)
    out = tmp_path / "sweep"
    out.mkdir()
    (out / other).write_text("")
    assert main(["problems", "haverly3", "--no-scip", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--out {out} holds another command's results ({other}); surrogate problems would mix its files" in err
    assert [p.name for p in out.iterdir()] == [other]


def test_problems_refuses_one_problem_given_by_name_and_by_file(tmp_path, capsys):
    """st_e23 and problems/data/qcqp/st_e23.json (or a --qcqp file in a --qcqp folder also given) ran it twice."""
    import problems

    bundled = next(p for p in problems.qcqp_instances() if p.stem == "st_e23")
    copy = tmp_path / "copy" / "st_e23.json"
    copy.parent.mkdir()
    copy.write_bytes(bundled.read_bytes())
    same = r"problem 'st_e23' is named twice \(as 'st_e23' and '[^']*st_e23\.json'\); name each problem once"
    for args, message in [
        (["st_e23", str(bundled)], same),
        (["st_e23", "--qcqp", str(bundled.parent)], same),
        (["--qcqp", str(bundled), "--qcqp", str(copy)], r"problem 'st_e23' is named twice"),
    ]:
        assert main(["problems", *args, "--no-scip", "--quiet", "--time-limit", "2"]) == 2  # short if it runs
        assert re.search(message, capsys.readouterr().err)


def test_problems_with_no_names_says_to_name_some(capsys):
    assert main(["problems", "--no-scip", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.search(
        r"surrogate problems: error: no problems given; name some \(e\.g\. 'pooling'\) or pass --qcqp FILE\|FOLDER", err
    )


def test_problems_options_make_the_runs_config_and_the_budget_defaults_to_its_factor_of_the_limit(monkeypatch):
    """Mutation round 7 (cli/problems.py, cli/parser.py): the run's budget (BUDGET_FACTOR x --time-limit unless
    --budget), SCIP's limit (--time-limit), threads, restarts and flags reached no test but through a whole run."""
    from surrogate import SolverConfig
    from surrogate.cli import problems as problems_cli
    from surrogate.experiments.problem_run_config import BUDGET_FACTOR, ProblemRunConfig

    seen = []
    monkeypatch.setattr(problems_cli, "_run_problems", lambda built, args, config: seen.append(config) or [])
    monkeypatch.setattr(problems_cli, "_print_problems_table", lambda rows, extended: None)
    assert main(["problems", "haverly3", "--quiet"]) == 0
    assert BUDGET_FACTOR == 1.5 and seen[0] == ProblemRunConfig(budget=90.0)  # 1.5 x the 60 s default limit
    api = ProblemRunConfig()  # the API's defaults are the command's: SCIP's limit is the MILP's
    assert api.scip_time_limit == api.solver.time_limit == seen[0].scip_time_limit == 60.0
    argv = ["problems", "haverly3", "--quiet", "--time-limit", "4", "--threads", "2", "--polish-restarts", "0"]
    assert main([*argv, "--no-scip", "--error-aware"]) == 0
    solver = SolverConfig(time_limit=4.0, rel_gap=1e-6, threads=2)
    want = ProblemRunConfig(solver=solver, scip=False, scip_time_limit=4.0, budget=6.0, error_aware=True, polish_restarts=0)
    assert seen[1] == want
    assert main([*argv, "--budget", "5"]) == 0
    assert seen[2].budget == 5.0 and seen[2].scip and seen[2].scip_time_limit == 4.0


def test_a_random_problem_named_twice_is_refused_before_any_problem_is_built(monkeypatch, capsys):
    """Mutation round 7 (cli/problems.py:_named_once): 'random64' and 'random64-s0' are one problem, refused by name;
    read as two names, both were built (a big one takes minutes) before the refusal."""
    import problems
    from surrogate.experiments.problem_package import problems_package

    def no_build(name):
        raise AssertionError(f"{name} was built before the refusal")

    problems_package()
    monkeypatch.setattr(problems, "build", no_build)
    assert main(["problems", "random64", "random64-s0", "--no-scip", "--quiet"]) == 2
    assert "problem 'random64-s0' is named twice (as 'random64' and 'random64-s0')" in capsys.readouterr().err
