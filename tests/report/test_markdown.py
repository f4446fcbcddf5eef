"""Markdown tables, slugs and CommonMark's code blocks (surrogate.report.markdown), read directly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from surrogate.report.markdown import code_fence, html_block, indented_code, markdown_table, slug


def test_a_table_rounds_to_three_digits_marks_missing_values_and_escapes_pipes():
    """Mutation round 7: every published table goes through markdown_table; its cells had no test of their own."""
    frame = pd.DataFrame(
        {"mae": [0.000123456, float("nan"), np.float64(2.5e6)], "a|b": ["x|y", "p\nq", np.bool_(True)]}, dtype=object
    )
    assert markdown_table(frame).splitlines() == [
        "| mae | a\\|b |",
        "|---|---|",
        "| 0.000123 | x\\|y |",
        "| – | p q |",
        "| 2.5e+06 | True |",
    ]


def test_max_rows_shows_that_many_rows_and_says_so_only_when_some_are_left_out():
    frame = pd.DataFrame({"n": [1, 2, 3]})
    assert markdown_table(frame, max_rows=2).splitlines()[2:] == ["| 1 |", "| 2 |", "", "*First 2 of 3 rows.*"]
    assert markdown_table(frame, max_rows=3) == markdown_table(frame) == "| n |\n|---|\n| 1 |\n| 2 |\n| 3 |"


def test_a_slug_is_a_plain_name_never_a_dot_folder():
    """A folder named '..' or '.' gave the figure folder '..' (the report's parent) or '.' before the strip of dots."""
    assert slug("my run/v1.") == "my-run-v1"
    assert slug("..") == slug(".") == slug("///") == "results"
    assert slug("b24_best-3x8.v2") == "b24_best-3x8.v2"


def test_code_fences_and_indented_code_follow_commonmark():
    """A fence closes only at a run at least as long as its own; four columns indent code, three do not; an HTML
    block starts indented at most three columns."""
    assert code_fence("````", None) == "````"
    assert code_fence("```", "````") == "````"  # shorter: still open
    assert code_fence("`````", "````") is None  # longer: closed
    assert code_fence("~~~", "```") == "```"  # another character: still open
    assert indented_code("    x = 1", None, False) and not indented_code("   x = 1", None, False)
    assert not indented_code("    more text", "a paragraph", False)  # a paragraph's continuation
    assert html_block("   <div>", in_paragraph=False) == (None,)
    assert html_block("    <div>", in_paragraph=False) is None
