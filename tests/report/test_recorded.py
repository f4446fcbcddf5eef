"""A recorded command as it runs again (:mod:`surrogate.report.recorded`): options in full, ``--out`` where the folder is."""

import json

import pytest

from surrogate.cli.parser import option_strings
from surrogate.report.build import write_report
from surrogate.report.recorded import full_options, regenerate
from surrogate.report.writer import ReportOptions

from .test_scale_report import _folder

#: As an older run recorded it, when argparse still took abbreviations (probe142 #2).
ABBREVIATED = "surrogate bench scale --net b24-best-3x8 --solver gurobi --time 5 --work 1 --ou somewhere"


def test_every_unique_prefix_is_written_in_full_with_the_commands_own_options(tmp_path):
    """Only --ou became --out: the report printed --time 5 --work 1, which the CLI refuses."""
    command = regenerate(ABBREVIATED, tmp_path / "f2", option_strings=option_strings)
    expected = f"surrogate bench scale --net b24-best-3x8 --solver gurobi --time-limit 5 --workers 1 --out {tmp_path / 'f2'}"
    assert (command.text, command.exact, command.differences) == (expected, True, ())


@pytest.mark.parametrize(
    ("word", "difference"),
    [
        ("--so", "'--so' could be any of --solver, --solver-option"),  # argparse refused it then too
        ("--nope", "'--nope' is no option of the command"),
    ],
)
def test_an_ambiguous_or_unknown_option_leaves_the_command_not_exact(tmp_path, word, difference):
    command = regenerate(f"surrogate bench scale {word} 5", tmp_path, option_strings=option_strings)
    assert not command.exact and command.differences == (f"the CLI does not accept this command: {difference}",)
    assert command.text == f"surrogate bench scale {word} 5 --out {tmp_path}"


def test_values_one_dash_words_and_words_after_a_double_dash_are_kept():
    options = ["--time-limit", "--quick"]
    assert full_options(["surrogate", "x", "-q", "-1", "--qu", "--", "--ti"], options) == (
        ["surrogate", "x", "-q", "-1", "--quick", "--", "--ti"],
        [],
    )
    assert full_options(["--ti=5"], options) == (["--time-limit=5"], [])


def test_without_the_clis_options_only_out_is_written_in_full(tmp_path):
    """The Python API's default (no ReportOptions.option_strings), and commands the CLI does not know."""
    assert regenerate(ABBREVIATED, tmp_path).text.endswith(f"--time 5 --work 1 --out {tmp_path}")
    assert regenerate("python my_script.py --ou x", tmp_path, option_strings=option_strings).text == (
        f"python my_script.py --out {tmp_path}"
    )


def test_the_scale_section_regenerates_an_abbreviated_command_in_full(tmp_path):
    folder = _folder(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config | {"command": ABBREVIATED}))
    text = write_report([folder], options=ReportOptions(option_strings=option_strings)).path.read_text()
    assert "Regenerate with:\n\n```bash\nsurrogate bench scale --net b24-best-3x8 --solver gurobi --time-limit 5" in text
    assert f"--workers 1 --out {folder}\n```" in text


def test_surrogate_report_passes_its_parsers_options(tmp_path, capsys):
    from surrogate.cli import main

    folder = _folder(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config | {"command": ABBREVIATED}))
    assert main(["report", str(folder)]) == 0
    assert "--time-limit 5 --workers 1 --out" in (folder / "report.md").read_text()
