"""The report's collector of lines and figures and its options (:mod:`surrogate.report.writer`). No solver, no drawing."""

from pathlib import Path

import pandas as pd
import pytest

from surrogate.errors import ConfigError
from surrogate.report.figure import SavedFigure
from surrogate.report.writer import ReportOptions, Writer


def test_a_link_with_a_space_or_a_parenthesis_is_wrapped_so_markdown_keeps_it_whole(tmp_path):
    writer = Writer(tmp_path / "report.md", ReportOptions())
    assert writer.link(tmp_path / "runs" / "table.csv") == "runs/table.csv"
    assert writer.link(tmp_path / "my runs" / "table.csv") == "<my runs/table.csv>"
    # a parenthesis in a bare link target can end the link early (an unbalanced one always does)
    assert writer.link(tmp_path / "sweep(2)" / "table.csv") == "<sweep(2)/table.csv>"
    assert writer.link(tmp_path.parent / "table.csv") == "../table.csv"


def test_a_staged_figure_is_linked_where_it_will_be_beside_the_report(tmp_path):
    writer = Writer(tmp_path / "out" / "report.md", ReportOptions(), staging=tmp_path / "out" / ".staging-1")
    assert (
        writer.final_path(tmp_path / "out" / ".staging-1" / "report-figures" / "a.png")
        == (tmp_path / "out" / "report-figures" / "a.png").resolve()
    )
    assert writer.link(tmp_path / "out" / ".staging-1" / "report-figures" / "a.png") == "report-figures/a.png"
    assert writer.link(tmp_path / "results" / "table.csv") == "../results/table.csv"  # not staged: where it is


def test_a_figure_is_kept_and_shown_with_its_titles_first_line_and_an_svg_link(tmp_path):
    writer = Writer(tmp_path / "report.md", ReportOptions())
    saved = SavedFigure(Path(tmp_path / "f" / "a.png"), Path(tmp_path / "f" / "a.svg"), "MAE by depth\nseed 0", pd.DataFrame())
    writer.figure(saved, "One point per net.")  # a title of two lines would break the image's alt text
    assert writer.figures == [saved]
    assert writer.lines == ["![MAE by depth](f/a.png)", "", "*One point per net.* ([SVG](f/a.svg))", ""]


@pytest.mark.parametrize(
    ("options", "flags"),
    [
        (ReportOptions(), []),
        (ReportOptions(heatmaps=False), ["--no-heatmaps"]),
        (ReportOptions(max_rows=5), ["--max-rows", "5"]),
        (ReportOptions(heatmaps=False, max_rows=1), ["--no-heatmaps", "--max-rows", "1"]),
    ],
)
def test_command_options_give_back_every_option_but_the_defaults(options, flags):
    assert options.command_options() == flags


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_rows": 0}, r"max_rows=0 must be a positive integer"),
        ({"max_rows": 2.5}, r"max_rows=2\.5 must be a positive integer"),
        ({"heatmaps": "no"}, r"heatmaps"),
        ({"style": {"dpi": 150}}, r"style must be a PlotStyle"),
    ],
)
def test_report_options_refuse_what_they_cannot_mean(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        ReportOptions(**kwargs)


def test_option_strings_must_be_a_function_of_a_commands_words():
    with pytest.raises(ConfigError, match=r"option_strings='--out' must be a function of a command's words"):
        ReportOptions(option_strings="--out")
