"""The parser of every command (surrogate.cli.parser and the option modules beside it), read without running a command."""

from __future__ import annotations

import pytest

from surrogate.cli import build_parser


def _parse(*argv: str):
    return build_parser([argv[0] if argv[0] != "bench" else f"bench {argv[1]}"]).parse_args(list(argv))


def test_hand_built_scores_on_the_grid_of_its_published_tables():
    """Mutation round 7: docs/hand-built.md's tables are of the default grid, 2001 x 2001 points."""
    assert _parse("hand-built").grid == 2001


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "ablation", "--steps", "0"], "argument --steps: 0 must be at least 1"),  # step 0 ran the last step
        (["report", "R", "--max-rows", "0"], "argument --max-rows: 0 must be at least 1"),
        (["bench", "scale", "--max-mae", "0"], "argument --max-mae: 0 must be positive"),
    ],
)
def test_a_count_below_one_is_refused_by_the_parser(argv, message, capsys):
    """Mutation round 7 (parser.py): these options' types refuse 0 before any work."""
    with pytest.raises(SystemExit) as stop:
        _parse(*argv)
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_option_strings_are_those_of_the_subcommand_a_command_line_runs():
    """What `surrogate report` writes a recorded command's abbreviated options in full with (probe142 #2)."""
    from surrogate.cli.parser import option_strings

    scale = option_strings(["bench", "scale", "--quick"])
    assert {"--time-limit", "--workers", "--out", "-q"} <= set(scale) and "--arch" not in scale
    assert "--arch" in option_strings(["sweep"])
    assert option_strings(["bench"]) is None and option_strings(["nope"]) is None and option_strings([]) is None
