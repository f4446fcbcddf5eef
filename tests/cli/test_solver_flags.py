"""A ``--solver-option`` the package sets itself, refused with what the command offers (:mod:`surrogate.cli.solver_flags`),
and ``--solver`` given to a command that has none. No solve runs: each is refused before any work."""

from __future__ import annotations

import re

import pytest

from surrogate.cli import build_parser, main
from surrogate.cli.bench import scale_bench_config
from surrogate.errors import ConfigError


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # probe137 #2: each said "(--threads on the command line)", a flag neither command has
        (
            ["bench", "scale", "--quick", "--solver", "gurobi", "--solver-option", "Threads=2"],
            "option 'Threads' of gurobi is managed by surrogate: bench scale runs each solve on 1 thread and has no "
            "thread option",
        ),
        (
            ["bench", "solve-time", "--quick", "--solver-option", "threads=2"],
            "option 'threads' of highs is managed by surrogate: bench solve-time runs each solve on 1 HiGHS thread and "
            "has no thread option",
        ),
        # "--rel-gap on the command line, where a command takes a gap": neither takes one
        (
            ["bench", "scale", "--quick", "--solver-option", "mip_rel_gap=0.1"],
            "bench scale solves to a relative gap of 0.0001 and has no gap option",
        ),
        (
            ["sweep", "--quick", "--solver-option", "mip_rel_gap=0.1"],
            "sweep solves to a relative gap of 1e-06 and has no gap option",
        ),
        # "pass solve(node_limit=...)": no command line can
        (
            ["bench", "scale", "--quick", "--solver", "scip", "--solver-option", "limits/nodes=5"],
            "bench scale caps no solve's nodes (each stops at its time limit) and has no node-cap option (it caps the "
            "nodes after SCIP's last restart only)",
        ),
        (["problems", "foulds2", "--solver-option", "mip_max_nodes=5"], "problems caps no solve's nodes"),
        # a command's own flag, where it has one
        (
            ["bench", "solve-time", "--quick", "--solver-option", "mip_rel_gap=0.1"],
            "option 'mip_rel_gap' of highs is managed by surrogate: use --rel-gap instead",
        ),
        (["sweep", "--quick", "--solver-option", "threads=2"], "use --threads instead"),
        (["problems", "foulds2", "--solver-option", "threads=2"], "use --threads instead"),
        (["bench", "scale", "--quick", "--solver", "gurobi", "--solver-option", "Time_Limit=2"], "use --time-limit instead"),
        # probe137 #1 on the command line: an absolute gap made far-from-optimal solves "solved"
        (
            ["bench", "scale", "--quick", "--solver-option", "mip_abs_gap=10000"],
            "bench scale solves to a relative gap of 0.0001 and has no gap option (an absolute gap ends a solve 'optimal'",
        ),
        (["bench", "scale", "--quick", "--solver", "scip", "--solver-option", "limits/absgap=1e4"], "(an absolute gap"),
        (["bench", "scale", "--quick", "--solver", "gurobi", "--solver-option", "MIPGapAbs=1e4"], "(an absolute gap"),
    ],
)
def test_a_managed_option_is_refused_with_what_the_command_offers(argv, message, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    name = " ".join(argv[:2]) if argv[0] == "bench" else argv[0]
    assert err.startswith(f"surrogate {name}: error: ") and message in err
    assert "SolverConfig" not in err and "solve(node_limit" not in err  # the API's ways, which a command line has not
    assert not out.exists()


def test_the_api_keeps_its_own_message():
    with pytest.raises(
        ConfigError, match=r"option 'Threads' of gurobi is managed by surrogate: set SolverConfig.threads instead$"
    ):
        scale_bench_config(
            build_parser(["bench scale"]).parse_args(["bench", "scale", "--solver", "gurobi", "--solver-option", "Threads=2"])
        )


@pytest.mark.parametrize(
    "argv",
    [
        ["sweep", "--quick", "--solver", "scip"],  # probe137 #3: read as --solver-option scip ("'scip' is not NAME=VALUE")
        ["sweep", "--quick", "--solver=scip"],
        ["sweep", "--quick", "--solver", "presolve=off"],  # was taken as a HiGHS option, silently
        ["problems", "foulds2", "--solver", "scip"],
        ["bench", "solve-time", "--quick", "--solver", "scip"],
    ],
)
def test_solver_on_a_command_that_runs_highs_only_says_which_command_has_it(argv, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    name = " ".join(argv[:2]) if argv[0] == "bench" else argv[0]
    assert stop.value.code == 2 and re.search(
        r"unrecognized arguments: --solver.* \(surrogate .* runs HiGHS only; --solver is an option of ", err
    )
    assert err.startswith(f"surrogate {name}: error: ") and "'surrogate bench scale'" in err


@pytest.mark.parametrize(
    ("argv", "unknown"),
    [
        (["sweep", "--solver", "presolve=off"], "--solver presolve=off"),
        (["bench", "scale", "--tim", "3"], "--tim 3"),  # --time-limit
        (["bench", "solve-time", "--rel", "1e-3"], "--rel 1e-3"),  # --rel-gap
        (["problems", "foulds2", "--thr=2"], "--thr=2"),  # --threads
    ],
)
def test_no_option_is_taken_by_an_abbreviation(argv, unknown, capsys):
    """argparse's allow_abbrev read '--solver scip' as '--solver-option scip' on the commands without --solver."""
    command = f"bench {argv[1]}" if argv[0] == "bench" else argv[0]
    with pytest.raises(SystemExit) as stop:
        build_parser([command]).parse_args(argv)
    assert stop.value.code == 2 and f"unrecognized arguments: {unknown};" in capsys.readouterr().err


def test_short_flags_still_group():
    """allow_abbrev=False leaves '-qq' (two -q) as it was."""
    assert build_parser(["sweep"]).parse_args(["sweep", "-qq"]).quiet == 2


def test_the_peer_check_names_no_solver_for_options_it_has_not_checked():
    """probe137 #4: MIPFocus (Gurobi's) with the gurobi-ml peer was called 'highs's', --solver's default."""
    argv = ["bench", "scale", "--quick", "--encoding", "gurobi-ml", "--solver-option", "MIPFocus=1"]
    with pytest.raises(ConfigError, match=r"solver options \{'MIPFocus': 1\} are given, but the peer routes") as refused:
        scale_bench_config(build_parser(["bench scale"]).parse_args(argv))
    assert "highs" not in str(refused.value)
