"""The quick commands import neither PyTorch nor the heavy stages, and ``import surrogate`` imports on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

import surrogate
from surrogate.cli import build_parser, command_of

#: Run ``main(argv)`` in a fresh interpreter; print whether PyTorch was imported (``--help`` exits: caught).
RUN_AND_REPORT_TORCH = """
import sys
from surrogate.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("torch" in sys.modules, "pyomo" in sys.modules)
"""


def _imports_after(argv: list[str]) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT_TORCH.format(argv=argv)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    torch, pyomo = done.stdout.split()[-2:]
    return torch, pyomo


@pytest.mark.parametrize("argv", [["--help"], ["params", "2", "8", "8", "8", "1"], ["params", "3x8"]], ids=" ".join)
def test_help_and_params_import_neither_torch_nor_pyomo(argv):
    assert _imports_after(argv) == ("False", "False")


@pytest.mark.parametrize(
    "argv", [["architectures"], ["architectures", "--budget", "6", "--all", "--max-depth", "2"]], ids=" ".join
)
def test_architectures_does_not_import_torch(argv):
    torch, _ = _imports_after(argv)  # its --budget default lives in SweepConfig, whose module imports Pyomo today
    assert torch == "False"


def test_bench_scale_help_does_not_import_torch():
    torch, _ = _imports_after(["bench", "scale", "--help"])  # the other benchmarks' options would (training's)
    assert torch == "False"


def test_import_surrogate_imports_no_stage_and_every_public_name_resolves():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, surrogate; print(sorted(m for m in ('torch', 'pyomo', 'pandas') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.split()[-1] == "[]", done.stdout + done.stderr[-2000:]
    for name in surrogate.__all__:
        assert getattr(surrogate, name) is not None, name
    assert set(surrogate.__all__) <= set(dir(surrogate))
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        surrogate.no_such_name  # noqa: B018


def test_from_surrogate_import_star_and_by_name():
    namespace: dict = {}
    exec("from surrogate import *", namespace)
    assert set(surrogate.__all__) <= set(namespace)
    from surrogate import SweepConfig, bilinear, run_sweep

    assert run_sweep.__module__.startswith("surrogate.experiments") and callable(bilinear) and SweepConfig().budget > 0


def test_a_parser_for_one_command_parses_it_like_the_full_parser():
    for argv in (["params", "2", "1"], ["architectures", "--all"], ["report", "r"]):
        assert command_of(argv) == argv[0]
        assert vars(build_parser([argv[0]]).parse_args(argv)) == vars(build_parser().parse_args(argv))
    assert build_parser([]).format_help() == build_parser().format_help()
    for argv in (["bench", "scale", "--quick"], ["bench", "solve-time", "--quick"]):
        assert command_of(argv) == " ".join(argv[:2])
        assert vars(build_parser([command_of(argv)]).parse_args(argv)) == vars(build_parser().parse_args(argv))
    assert command_of(["bench", "--help"]) == "bench" and command_of(["bench", "nonsense"]) == "bench"
    assert command_of(["--help"]) is None and command_of(["nonsense"]) is None and command_of([]) is None


def test_python_dash_m_surrogate_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "surrogate", "params", "2", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().splitlines()[-1] == "3 (2 weights + 1 biases)", done.stderr[-2000:]


def test_the_type_checking_imports_are_the_lazy_homes():
    """What type checkers see (the ``if TYPE_CHECKING:`` imports) is exactly what ``__getattr__`` imports."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(surrogate.__file__).read_text(encoding="utf-8"))
    (block,) = [node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"]
    seen = {alias.name: "." + node.module for node in block.body for alias in node.names}
    assert seen == surrogate._HOMES
    assert sorted(surrogate.__all__) == sorted(surrogate._HOMES)


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """'surrogate hand-built | head -1': no 'Broken pipe' error, exit 141 as a shell tool's, or 0 where the whole table
    reached the pipe before head left (hand-built now prints it at once, after its files are written, so either may
    happen, as with 'seq 10 | head -1'; a reader gone before any write: test_cli's ..._ends_quietly_with_141)."""
    # --grid 5: the table (every shape of the budget, printed at once after the nets are built) is the same size; the
    # default grid's 4M points a net only delayed it (42 s), the pipe and the exit are what is checked
    script = f'{sys.executable} -m surrogate hand-built --budget 24 --grid 5 | head -1; echo "rc=${{PIPESTATUS[0]}}" >&2'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300)
    assert done.stdout.split()[:2] == ["arch", "variant"]
    assert done.stderr.strip().splitlines()[-1] in ("rc=141", "rc=0"), done.stderr
    assert "error" not in done.stderr.lower() and "Traceback" not in done.stderr and "Exception" not in done.stderr


@pytest.mark.parametrize("command", [["sweep", "--out=~/runs/a"], ["bench", "scale", "--out=~/runs/a"], ["report", "~/runs/a"]])
def test_a_path_option_given_with_a_tilde_is_the_home_folders(command):
    """A shell leaves '--out=~/x' as it is; the command expands it rather than write to ./~/x."""
    from pathlib import Path

    args = build_parser([command[0]]).parse_args(command)
    path = args.out if command[0] != "report" else args.results[0]
    assert Path(path) == Path.home() / "runs" / "a"


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (["bench", "scale", "--net=~/nets/a.onnx"], "net"),
        (["bench", "solve-time", "--nets", "~/nets/a.onnx"], "nets"),
        (["problems", "--arch=~/nets/a.onnx"], "arch"),
        (["bounds", "~/nets/a.onnx"], "nets"),
    ],
)
def test_a_net_given_as_a_path_with_a_tilde_is_the_home_folders(command, field):
    """A net option takes a zoo name or a path; a leading '~' is the home folder, a zoo name is kept."""
    from pathlib import Path

    args = build_parser([command[0]]).parse_args(command)
    assert getattr(args, field) == [str(Path.home() / "nets" / "a.onnx")]
    kept = build_parser([command[0]]).parse_args([a.replace("~/nets/a.onnx", "3x8") for a in command])
    assert getattr(kept, field) == ["3x8"]


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["sweep"], ["(default: 24)", "(default: 2021)", "(default: results/sweep)"]),
        (["report", "x"], ["(default 60)"]),
        (["hand-built"], ["--budget BUDGET hidden neurons per net (default 24)"]),  # showed no default after set_defaults
    ],
)
def test_help_shows_each_options_default(capsys, command, shown):
    from surrogate.cli import main

    with pytest.raises(SystemExit):
        main([*command[:1], "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(s in text for s in shown) and "(default: [])" not in text


def test_a_tilde_of_no_user_is_one_line_of_error(capsys):
    from surrogate.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["report", "~nosuchuser_surrogate/x"])
    assert stop.value.code == 2
    assert "'~nosuchuser_surrogate/x': no home folder for '~nosuchuser_surrogate'; write the full path" in capsys.readouterr().err


def test_every_option_that_takes_a_net_says_an_onnx_path_works_too():
    """``problems --arch`` said 'zoo shape or model name', though an ONNX path works there as everywhere."""
    import argparse

    from surrogate.options import net_name

    def net_options(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from net_options(sub)
            elif action.type is net_name:
                yield action

    found = {(action.dest, action.help) for action in net_options(build_parser())}
    assert {dest for dest, _ in found} >= {"arch", "nets", "net"}
    assert all("ONNX path" in text for _, text in found), found


@pytest.mark.parametrize(
    "argv",
    [
        ["sweep", "--quick"],
        ["bench", "scale", "--quick", "--fresh"],
        ["bench", "solve-time"],
        ["bench", "ablation"],
        ["problems"],
        ["report", "results/sweep"],
        ["hand-built", "--export"],
        ["sweep", "--quick", "--save-models"],
    ],
)
def test_an_empty_path_is_refused_by_every_command(argv, capsys):
    """``--out "$UNSET" --fresh`` meant the current folder, which --fresh then cleaned."""
    from surrogate.cli import main

    argv = [*argv, ""] if argv[-1] in ("--export", "--save-models") else [*argv, "--out", ""]
    argv.append("--no-such-option")  # the code before ran the command in the current folder
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "'': an empty path (an unset shell variable?); give a file or folder name" in capsys.readouterr().err
