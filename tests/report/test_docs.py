"""Docs tables regenerated from results folders: only the marked block changes, twice is once, problems name the fix."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surrogate.errors import SurrogateError
from surrogate.experiments.sweep import format_table
from surrogate.report.docs import DocsError, folder_kind, problems_text, refresh_docs, table_blocks
from surrogate.report.plots import ResultsError
from tests.helpers import MARKED_DOC, tiny_sweep_folder

ROOT = Path(__file__).resolve().parents[2]


def _problems(folder: Path) -> Path:
    folder.mkdir(parents=True)
    rows = pd.DataFrame(
        {
            "problem": ["haverly1", "foulds3"],
            "arch": ["3x8", "3x8"],
            "formulation": ["pruned", "pruned"],
            "products": [2, 128],
            "binaries": [44, 2816],
            "milp_time_s": [1.52312, 29.4612],
            "termination": ["convergenceCriteriaSatisfied", "maxTimeLimit"],
            "surrogate_objective": [-399.338, np.nan],
            "polish_status": ["ok", "ok"],
            "feasible": [True, True],
            "status": ["ok", "ok"],
            "budget_s": [45.0, 45.0],
        }
    )
    rows.to_csv(folder / "results.csv", index=False)
    (folder / "results.json").write_text(rows.to_json(orient="records"))
    return folder


def test_refresh_replaces_only_the_marked_block_and_is_idempotent(tmp_path):
    doc = tmp_path / "sweep.md"
    doc.write_text(MARKED_DOC)
    folder = tiny_sweep_folder(tmp_path / "s")
    assert refresh_docs(doc, [folder]) == ("table",)
    text = doc.read_text()
    expected = "<!-- table: table source=sweep -->\n```text\n" + format_table(pd.read_csv(folder / "table.csv")) + "\n```\n"
    assert expected + "<!-- /table -->\n" in text
    before, after = MARKED_DOC.split("<!-- table: table source=sweep -->\n")[0], MARKED_DOC.split("<!-- /table -->\n")[1]
    assert text.startswith(before) and text.endswith(after)  # everything outside the markers is untouched
    assert "1x4 hand-paired" in text and "9.99e-01" not in text and "2x2     trained" in text
    stamp = doc.stat().st_mtime_ns
    assert refresh_docs(doc, [folder]) == () and doc.read_text() == text and doc.stat().st_mtime_ns == stamp


def test_problems_folder_gives_the_table_as_surrogate_problems_prints_it(tmp_path):
    folder = _problems(tmp_path / "p")
    doc = tmp_path / "problems.md"
    doc.write_text("intro\n<!-- table: results source=problems -->\nold\n<!-- /table -->\nend\n")
    assert folder_kind(folder) == "problems" and refresh_docs(doc, [folder]) == ("results",)
    text = problems_text(pd.read_csv(folder / "results.csv"))
    assert "polish_status" not in text and "status" not in text and "budget_s" not in text
    assert doc.read_text() == f"intro\n<!-- table: results source=problems -->\n```text\n{text}\n```\n<!-- /table -->\nend\n"
    assert "haverly1" in text and "NaN" in text  # as `surrogate problems` prints it (see docs/problems.md)


def test_bench_folder_gives_any_of_its_csv_tables(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    pd.DataFrame({"net": ["3x8"], "unstable": [22]}).to_csv(folder / "bounds.csv", index=False)
    cols = ["family", "instance", "products", "arch", "encoding", "wall_time", "time_limit_hit"]
    pd.DataFrame([("random", "r1", 1, "3x8", "pruned", 0.2, False)], columns=cols).to_csv(folder / "growth.csv", index=False)
    doc = tmp_path / "solve-time.md"
    doc.write_text("<!-- table: bounds source=bench -->\n<!-- /table -->\n")
    assert refresh_docs(doc, [folder]) == ("bounds",)
    assert (
        doc.read_text() == "<!-- table: bounds source=bench -->\n| net | unstable |\n|---|---|\n| 3x8 | 22 |\n<!-- /table -->\n"
    )
    doc.write_text("<!-- table: nodes source=bench -->\n<!-- /table -->\n")
    with pytest.raises(DocsError, match=r"has no nodes.csv .*name one of its CSV files: bounds, growth"):
        refresh_docs(doc, [folder])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("no markers here\n", r"has no table markers; put <!-- table: NAME source=KIND \[budget=N\] \[folder=NAME\] -->"),
        (
            "<!-- table: table -->\nx\n<!-- /table -->\n",
            r":1: malformed table marker .*write <!-- table: NAME source=KIND \[budget=N\] \[folder=NAME\] -->",
        ),
        ("<!-- table: table source=sweep -->\nx\n", r":1: table 'table' is not closed; end it with a line <!-- /table -->"),
        ("x\n<!-- /table -->\n", r":2: <!-- /table --> without an opening marker"),
        (
            "<!-- table: t source=zoo -->\n<!-- /table -->\n",
            r"unknown table source 'zoo'; write source= one of sweep, problems, bench",
        ),
        ("<!-- table: results source=problems -->\n<!-- /table -->\n", r"comes from a folder written by 'surrogate problems"),
        (
            "<!-- table: nets source=sweep -->\n<!-- /table -->\n",
            r"a sweep folder has no table 'nets'; write table: one of table",
        ),
    ],
)
def test_missing_or_unknown_markers_raise_naming_the_fix(tmp_path, text, match):
    doc = tmp_path / "doc.md"
    doc.write_text(text)
    with pytest.raises(DocsError, match=match) as caught:
        refresh_docs(doc, [tiny_sweep_folder(tmp_path / "s")])
    assert isinstance(caught.value, SurrogateError) and doc.read_text() == text  # nothing written


def test_missing_or_unknown_folders_and_files_raise_naming_the_fix(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(MARKED_DOC)
    with pytest.raises(ResultsError, match=r"no such folder; pass a folder written by 'surrogate sweep --out DIR'"):
        refresh_docs(doc, [tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError, match=r"not a results folder .*'surrogate problems \.\.\. --out DIR' \(problems\)"):
        refresh_docs(doc, [tmp_path / "empty"])
    with pytest.raises(DocsError, match=r"two sweep folders given .*give one folder of each kind"):
        refresh_docs(doc, [tiny_sweep_folder(tmp_path / "a"), tiny_sweep_folder(tmp_path / "b")])
    with pytest.raises(DocsError, match=r"no such Markdown file"):
        refresh_docs(tmp_path / "nope.md", [tmp_path / "a"])
    (tmp_path / "a" / "table.csv").write_text("arch\n1x4\n")
    with pytest.raises(ResultsError, match=r"table.csv: missing column\(s\) .*re-run the sweep"):
        refresh_docs(doc, [tmp_path / "a"])
    assert doc.read_text() == MARKED_DOC


def test_the_docs_markers_are_well_formed():
    """Every docs page with generated tables parses, and each block names a table the report builds."""
    docs = Path(__file__).resolve().parents[2] / "docs"
    found = {}
    for page in sorted(docs.glob("*.md")):
        lines = page.read_text(encoding="utf-8").split("\n")
        if any(line.startswith("<!-- table:") for line in lines):
            found[page.name] = [(b.name, b.kind, b.budget, b.folder) for b in table_blocks(lines, where=str(page))]
    assert found == {
        "deep-nets.md": [
            ("front", "scale", 24, "scale-fixed"),
            ("instances", "scale", 24, "scale-fixed"),
            ("floor", "scale", 24, "scale-fixed"),
            ("front", "scale", None, "scale-seed3"),
            ("instances", "scale", None, "scale-seed3"),
            ("floor", "scale", None, "scale-seed3"),
            ("front", "scale", 48, None),
        ],
        "problems.md": [("results", "problems", None, None)],
        "same-start.md": [
            ("front", "scale", None, "scale-seed-all"),
            ("floor", "scale", None, "scale-seed-all"),
            ("instances", "scale", None, "scale-seed-all"),
        ],
        "sawtooth.md": [
            ("front", "scale", None, "scale-highs-saw"),
            ("floor", "scale", None, "scale-highs-saw"),
            ("instances", "scale", None, "scale-highs-saw"),
            ("bounds", "scale", None, "scale-highs-saw"),
            ("bounds", "scale", None, "scale-scip-saw"),
            ("bounds", "scale", None, "adhya1-600-highs"),
            ("instances", "scale", None, "adhya1-600-scip"),
        ],
        "scip.md": [
            ("front", "scale", None, "scale-scip-saw"),
            ("floor", "scale", None, "scale-scip-saw"),
            ("instances", "scale", None, "scale-scip-saw"),
            ("bounds", "scale", None, "scale-scip-saw"),
        ],
        "scale.md": [
            ("front", "scale", 24, None),
            ("instances", "scale", 24, None),
            ("floor", "scale", 24, None),
            ("front", "scale", 12, "scale-12"),
            ("floor", "scale", 12, "scale-12"),
            ("instances", "scale", 12, "scale-12"),
            ("front", "scale", 48, None),
            ("instances", "scale", 48, None),
            ("table", "scale", None, "scale-peers"),
            ("agreement", "scale", None, "scale-peers"),
        ],
        "sweep.md": [("table", "sweep", None, None)],
        "three-times.md": [
            ("floor", "scale", None, "scale-scip-pair"),
            ("floor", "scale", None, "scale-scip-seed4"),
            ("instances", "scale", None, "scale-scip-seed4"),
            ("floor", "scale", None, "scale-highs-seed4"),
            ("instances", "scale", None, "scale-highs-seed4"),
            ("speedup", "scale", None, "scale-scip-seed4"),
            ("speedup", "scale", None, "scale-highs-seed4"),
            ("instances", "scale", None, "floor-600-scip"),
            ("bounds", "scale", None, "floor-600-scip"),
            ("instances", "scale", None, "floor-600-highs"),
            ("bounds", "scale", None, "floor-600-highs"),
            ("floor", "scale", None, "scale-scip-saw-seed4"),
            ("floor", "scale", None, "scale-highs-10-seed4"),
            ("instances", "scale", None, "scale-highs-10-seed4"),
            ("floor", "scale", None, "scale-scip-16-seed4"),
            ("floor", "scale", None, "scip-nine-binaries"),
            ("floor", "scale", None, "scale-scip-wide"),
            ("instances", "scale", None, "scale-scip-wide"),
            ("floor", "scale", None, "scale-highs-wide"),
            ("floor", "scale", None, "scale-highs-heur03"),
            ("instances", "scale", None, "scale-highs-heur03"),
            ("floor", "scale", None, "scale-highs-10-patience"),
            ("instances", "scale", None, "clock-load-wall"),
            ("instances", "scale", None, "clock-load-cpu"),
            ("floor", "scale", None, "scale-highs-cpu"),
            ("floor", "scale", None, "scale-highs-load-wall"),
            ("floor", "scale", None, "scale-highs-load-cpu"),
            ("starts", "scale", None, "cheap-start-before-highs-2"),
            ("starts", "scale", None, "cheap-start-highs"),
            ("floor", "scale", None, "cheap-start-before-highs-2"),
            ("floor", "scale", None, "cheap-start-highs"),
            ("floor", "scale", None, "cheap-start-before-scip"),
            ("floor", "scale", None, "cheap-start-scip"),
            ("starts", "scale", None, "cheap-start-load-wall"),
            ("floor", "scale", None, "scip-default-38"),
            ("floor", "scale", None, "scip-no-aggregation"),
            ("floor", "scale", None, "scip-no-aggregation-2"),
            ("instances", "scale", None, "scip-no-aggregation"),
            ("floor", "scale", None, "scip-no-aggregation-10"),
            ("instances", "scale", None, "floor-600-scip-no-aggregation"),
            ("bounds", "scale", None, "floor-600-scip-no-aggregation"),
            ("floor", "scale", None, "scip-best-first"),
            ("floor", "scale", None, "scip-best-first-no-aggregation"),
            ("bounds", "scale", None, "scip-default-38"),
            ("bounds", "scale", None, "scip-best-first"),
            ("floor", "scale", None, "scip-best-first-10"),
            ("instances", "scale", None, "floor-600-scip-best-first"),
            ("bounds", "scale", None, "floor-600-scip-best-first"),
            ("floor", "scale", None, "scip-strong"),
            ("bounds", "scale", None, "scip-strong"),
            ("floor", "scale", None, "scip-strong-10"),
            ("floor", "scale", None, "scip-strong-5"),
            ("floor", "scale", None, "scip-strong-no-aggregation-5"),
            ("floor", "scale", None, "scip-strong-no-aggregation-10"),
        ],
    }


def test_the_docs_tables_are_in_the_format_the_refresh_writes():
    """A folder holding a docs table's own numbers refreshes it to exactly its present text."""
    import io

    docs = Path(__file__).resolve().parents[2] / "docs"
    for page, render in (("sweep.md", format_table), ("problems.md", problems_text)):
        lines = (docs / page).read_text(encoding="utf-8").split("\n")
        ((_, _, first, end, _, _),) = table_blocks(lines, where=page)
        body = lines[first + 1 : end - 1]  # inside the ```text fence
        table = pd.read_csv(io.StringIO("\n".join(body)), sep=r"\s+", na_values=["-"])
        assert lines[first] == "```text" and lines[end - 1] == "```"
        assert render(table).split("\n") == body, page


def test_a_problems_results_csv_without_rows_is_refused(tmp_path):
    folder = _problems(tmp_path / "p")
    header = (folder / "results.csv").read_text().splitlines()[0]
    (folder / "results.csv").write_text(header + "\n")
    doc = tmp_path / "problems.md"
    doc.write_text("<!-- table: results source=problems -->\nold\n<!-- /table -->\n")
    with pytest.raises(ResultsError, match=r"p/results.csv: holds no rows; re-run the 'surrogate problems"):
        refresh_docs(doc, [folder])  # wrote pandas' 'Empty DataFrame' text into the page
    assert doc.read_text() == "<!-- table: results source=problems -->\nold\n<!-- /table -->\n"


def test_a_marker_shown_in_a_fenced_code_block_is_left_alone(tmp_path):
    example = "````markdown\n<!-- table: table source=sweep -->\n(the table goes here)\n```\n<!-- /table -->\n````\n"
    tilde = "~~~\n<!-- table: oops -->\n~~~\n"
    doc = tmp_path / "howto.md"
    doc.write_text(
        f"Mark it like this:\n\n{example}\n{tilde}\nand the real one:\n\n<!-- table: table source=sweep -->\nold\n<!-- /table -->\n"
    )
    assert [(b.name, b.first) for b in table_blocks(doc.read_text().split("\n"))] == [("table", 16)]
    assert refresh_docs(doc, [tiny_sweep_folder(tmp_path / "s")]) == ("table",)
    text = doc.read_text()
    assert text.startswith(f"Mark it like this:\n\n{example}\n{tilde}") and "old" not in text  # the example was replaced


@pytest.mark.parametrize(
    "before",
    [
        ["Example:", "", "    <!-- table: front source=scale -->", "", "    <!-- /table -->", ""],  # an indented code block
        ["\t<!-- table: front source=scale -->", "\t<!-- /table -->", ""],  # indented by a tab, at the top
        # directly under a heading or a closing fence (CommonMark: only a paragraph cannot be interrupted; probe65 #4)
        ["## Syntax", "    <!-- table: front source=scale -->", "    <!-- /table -->", ""],
        ["```", "x", "```", "    <!-- table: front source=scale -->", "    <!-- /table -->", ""],
        ["Text", "", "---", "    <!-- table: front source=scale -->", "    <!-- /table -->", ""],
        ["``` a`b", ""],  # a backtick in a backtick run's info string: no fence, which hid the live marker
        # under a setext heading, and after an HTML comment line: no paragraph open, so the block is code
        ["Syntax", "======", "    <!-- table: front source=scale -->", "    <!-- /table -->", ""],
        ["Syntax", "--", "    <!-- table: front source=scale -->", "    <!-- /table -->", ""],
        ["*Syntax* of a", "marker", "-", "    <!-- table: front source=scale -->", "    <!-- /table -->", ""],
        ["<!-- hand-kept: an example -->", "    <!-- table: front source=scale -->", "    <!-- /table -->", ""],
        ["Text", "<!-- a note -->", "    <!-- table: front source=scale -->", "    <!-- /table -->", ""],
        ["```", "<!-- table: x source=scale -->", "``` not a close", "```", ""],  # a close has nothing after its run
    ],
)
def test_markers_in_indented_code_and_non_fences_follow_commonmark(before):
    """A marker shown in an indented code block was taken for a live one; '``` a`b' opened a 'fence' that hid the
    live marker after it ('has no table markers')."""
    live = ["<!-- table: front source=scale -->", "| a |", "<!-- /table -->"]
    assert [(b.name, b.first) for b in table_blocks(before + live)] == [("front", len(before) + 1)]
    paragraph = ["Text", "    <!-- table: front source=scale -->", "old", "<!-- /table -->"]  # continues a paragraph
    assert [(b.name, b.first) for b in table_blocks(paragraph)] == [("front", 2)]


@pytest.mark.parametrize(
    "above",
    [
        ["## Syntax", "-"],  # an empty list item after a heading, not a setext underline
        ["- item", "-"],  # a second, empty list item
        ["- item", "lazy text", "-"],
        ["> quoted", "==="],  # a block quote's lazy continuation
        ["Text", "", "-"],
        ["[x]: https://example.org", "==="],
    ],
)
def test_a_live_marker_under_what_is_no_setext_heading_stays_live(above):
    """The reverted fix took any '-' or '===' line for a setext underline and skipped the live marker under it."""
    lines = [*above, "    <!-- table: front source=scale -->", "old", "<!-- /table -->"]
    assert [(b.name, b.first) for b in table_blocks(lines)] == [("front", len(above) + 1)]


@pytest.mark.parametrize(
    "before",
    [
        ["[ref]: https://example.org"],  # a link reference definition is no paragraph
        ["[ref]: <https://example.org> 'a title'"],
        ["Text", "", "[ref]: https://example.org", "[other]: /url"],
        ["  Example", "======="],  # a setext heading whose text is indented (a top-level paragraph, 0-3 spaces)
        ["   Example", "-------"],
        ["- item", "", "Text", "", "  Example", "==="],  # the list ended: the indented text is no item's
        ["``` `x`", "==="],  # no fence (a backtick in its info string): a paragraph, so a setext heading
        ["-", "Text", "==="],  # an empty list item: the text at the line's start is a new paragraph
    ],
)
def test_an_indented_marker_after_a_definition_or_an_indented_setext_heading_is_code(before):
    """CommonMark reads these indented markers as code (an example); report --docs filled them in (probe79 F4a, b)."""
    example = ["    <!-- table: front source=scale -->", "    stale example", "    <!-- /table -->", ""]
    live = ["<!-- table: front source=scale -->", "old", "<!-- /table -->"]
    lines = before + example + live
    assert [(b.name, b.first) for b in table_blocks(lines)] == [("front", len(before) + len(example) + 1)]


@pytest.mark.parametrize(
    "html",
    [
        ["<details>", "```", "</details>", ""],  # an HTML block (ends at a blank line): no fence opens in it
        ["<div class='x'>", "~~~", "    indented", "</div>", ""],
        ["<!-- a note", "```", "-->"],  # an HTML comment over several lines
        ["<pre>", "```", "</pre>"],
        ["Text", "<section>", "```", ""],  # an HTML block of a block tag interrupts a paragraph
    ],
)
def test_a_fence_line_inside_an_html_block_opens_no_fence(html):
    """'<details>' / '```' / '</details>': the ``` opened a fence that was never closed, so every later marker was
    'code' and the page was refused ('has no table markers'; probe79 F4c)."""
    live = ["<!-- table: front source=scale -->", "old", "<!-- /table -->"]
    lines = html + live + ["", *live]
    assert [(b.name, b.first) for b in table_blocks(lines)] == [("front", len(html) + 1), ("front", len(html) + 5)]


def test_an_html_block_of_an_inline_tag_does_not_interrupt_a_paragraph_and_keeps_fences_out():
    """An HTML block of any other tag (CommonMark's kind 7) opens only where no paragraph is open."""
    live = ["<!-- table: front source=scale -->", "old", "<!-- /table -->"]
    assert [b.first for b in table_blocks(["<span>", "```", "", *live])] == [4]  # a block: the ``` is raw HTML
    assert [b.first for b in table_blocks(["Text", "<span>", "```", "```", *live])] == [5]  # text: the ``` is a fence
    assert table_blocks(["    <div>", "    ```", "", *live])[0].first == 4  # indented four: code, no HTML block


def _column_zero_blocks(lines):
    """The blocks of a page whose markers all start their lines, outside ``` fences (as every page here has them):
    ``(first, end, what the stub of the test below fills in)``."""
    blocks, fenced, first = [], False, None
    for i, line in enumerate(lines):
        if first is None and line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("<!-- table:"):
            first, words = i + 1, dict(w.split("=") for w in line.split()[3:-1])  # source=KIND budget=N folder=NAME
            stub = f"<{words['source']} {line.split()[2]} {words.get('budget')}>\nrow"
        elif not fenced and line == "<!-- /table -->":
            blocks.append((first, i, stub))
            first = None
    return blocks


@pytest.mark.parametrize("page", [*sorted(p.name for p in (ROOT / "docs").glob("*.md")), "README.md"])
def test_report_docs_output_for_this_repositorys_pages_is_as_their_markers_say(page, monkeypatch):
    """Reading code blocks more closely (setext headings, HTML comment lines) must leave every page of the repository
    as before, byte for byte: each column-0 marker outside a fence is filled, nothing else changes."""
    from surrogate.report import docs

    path = ROOT / page if page == "README.md" else ROOT / "docs" / page
    monkeypatch.setattr(docs, "build_table", lambda kind, name, folder, *, budget=None: f"<{kind} {name} {budget}>\nrow")
    monkeypatch.setattr(docs, "_folders_by_kind", lambda folders: {})
    monkeypatch.setattr(docs, "_block_folder", lambda block, by_kind, where: Path(block.kind))
    lines = path.read_text(encoding="utf-8").split("\n")
    expected = _column_zero_blocks(lines)
    if not expected:
        with pytest.raises(DocsError, match=r"has no table markers"):
            docs.docs_update(path, [])
        return
    out, done = [], 0
    for first, end, stub in expected:
        out += lines[done:first] + stub.split("\n")
        done = end
    assert [(b.first, b.end) for b in table_blocks(lines)] == [(first, end) for first, end, _ in expected]
    assert docs.docs_update(path, []).text == "\n".join(out + lines[done:])


def test_a_marker_inside_an_open_block_says_to_close_that_block_first(tmp_path):
    doc = tmp_path / "doc.md"
    text = "<!-- table: table source=sweep -->\nx\n<!-- table: table source=sweep -->\n<!-- /table -->\n"
    doc.write_text(text)
    with pytest.raises(
        DocsError, match=r"doc\.md:3: table marker inside the block opened on line 1; close it first with <!-- /table -->"
    ):
        refresh_docs(doc, [tiny_sweep_folder(tmp_path / "s")])
    assert doc.read_text() == text


def test_a_folder_marker_picks_the_folder_of_exactly_that_name_not_one_its_name_is_part_of(tmp_path, monkeypatch):
    from surrogate.report import docs

    monkeypatch.setattr(docs, "folder_kind", lambda folder: "scale")
    monkeypatch.setattr(docs, "build_table", lambda kind, name, folder, *, budget=None: f"from {Path(folder).name}")
    for name in ("scale-fixed", "scale"):
        (tmp_path / name).mkdir()
    page = tmp_path / "page.md"
    page.write_text("<!-- table: front source=scale folder=scale -->\nold\n<!-- /table -->\n", encoding="utf-8")
    assert refresh_docs(page, [tmp_path / "scale-fixed", tmp_path / "scale"]) == ("front",)
    assert page.read_text(encoding="utf-8") == "<!-- table: front source=scale folder=scale -->\nfrom scale\n<!-- /table -->\n"


def test_a_fence_left_open_inside_a_block_does_not_hide_its_closing_marker():
    # the block's old text is replaced whole, so a stray fence line in it must not swallow the close
    lines = ["<!-- table: nets source=sweep -->", "```", "<!-- /table -->", "", "text"]
    assert [(b.name, b.first, b.end) for b in table_blocks(lines)] == [("nets", 1, 2)]
