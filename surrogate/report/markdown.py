"""Markdown: tables of numbers, file-name slugs for figures, and the code blocks of a page (CommonMark's rules)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd


def _cell(value) -> str:
    """One table cell: floats to 3 significant digits, NaN and None as '–', pipes escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, *, max_rows: int | None = None) -> str:
    """``frame`` as a GitHub Markdown table; floats to 3 significant digits, NaN as '–'.

    Parameters
    ----------
    frame
        The table.
    max_rows
        The most rows shown (``None``: all).
    """
    shown = frame if max_rows is None else frame.head(max_rows)
    lines = ["| " + " | ".join(_cell(c) for c in shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    if max_rows is not None and len(frame) > max_rows:
        lines.append(f"\n*First {max_rows} of {len(frame)} rows.*")
    return "\n".join(lines)


def slug(text: str) -> str:
    """``text`` as a file or folder name: runs of other characters than letters, digits, ``._-`` become ``-``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "results"


#: A line that may open or close a code fence: a run of three or more backticks or tildes, then the rest.
_FENCE = re.compile(r"\s*(`{3,}|~{3,})(.*)")


def code_fence(line: str, fence: str | None) -> str | None:
    """The code fence open after ``line`` (``fence``: the one open before it; ``None``: none), as CommonMark reads them:
    a run of three or more backticks or tildes opens one (a backtick run only where the rest of the line, its info
    string, holds no backtick), and a line of at least as many of the same, with nothing after it, closes it."""
    found = _FENCE.fullmatch(line.rstrip())
    run, rest = found.groups() if found else ("", "")
    if fence is None:
        return run if found and not (run[0] == "`" and "`" in rest) else None
    closes = found is not None and run[0] == fence[0] and len(run) >= len(fence) and not rest.strip()
    return None if closes else fence


#: A line that ends a paragraph and may be followed directly by an indented code block: an ATX heading or a
#: thematic break (CommonMark: an indented code block cannot interrupt a paragraph, and only a paragraph).
_BLOCK_LINE = re.compile(r" {0,3}(#{1,6}(\s.*)?|([-*_])([ \t]*\3){2,}[ \t]*)")


def indented_code(line: str, before: str | None, in_code: bool) -> bool:
    """Whether ``line`` is in an indented code block, as CommonMark reads one: a line indented four or more columns
    where no paragraph is open above it (``before``: the line above; ``None`` at the top or after a closing code
    fence; blank, a heading or a thematic break), or in such a block (``in_code``), whose blank lines keep it open.
    Indented more than that inside a list item, it is the item's text; that is not followed (a live marker is
    written at the line's start)."""
    text = line.expandtabs(4)
    if not text.strip():
        return in_code
    return text.startswith("    ") and (
        in_code or before is None or not before.strip() or _BLOCK_LINE.fullmatch(before.rstrip()) is not None
    )


#: A setext heading's underline: a run of ``=`` or of ``-``, indented at most three columns.
_UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*")
#: A line that opens something else than a plain paragraph (a list item, a block quote, HTML, a table, a heading):
#: a paragraph holding such a line may be a container's, and is never read as a setext heading.
_NOT_PLAIN = re.compile(r" {0,3}([-+*]([ \t]|$)|[0-9]{1,9}[.)]([ \t]|$)|[>|<#])")
#: A paragraph that starts like a link reference definition (one whose destination may be on the next line).
_DEFINITION_START = re.compile(r" {0,3}\[[^\]]*\]:")
#: A list item's first line (its content may go on in the indented paragraphs below it).
_LIST_ITEM = re.compile(r" {0,3}([-+*]|[0-9]{1,9}[.)])([ \t]|$)")
#: A link reference definition on one line (``[label]: destination "title"``): no paragraph (CommonMark).
_LINK_DEFINITION = re.compile(
    r""" {0,3}\[(?=[^\]]*[^\s\]])(?:[^\[\]\\]|\\.){1,999}\]:[ \t]*(<[^<>\n]*>|[^\s<]\S*)"""
    r"""([ \t]+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?[ \t]*"""
)
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|"
    "fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|"
    "menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|"
    "track|ul"
)
_ATTRIBUTE = r"""\s+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:\s*=\s*(?:[^"'=<>`\x00-\x20]+|'[^']*'|"[^"]*"))?"""
#: The HTML blocks of CommonMark: how one starts (after at most three spaces), how it ends (``None``: at a blank
#: line), and whether it may interrupt a paragraph. In one, no fence or indented code block opens.
_HTML_BLOCKS = (
    (re.compile(r"<(script|pre|style|textarea)(\s|>|$)", re.I), re.compile(r"</(script|pre|style|textarea)>", re.I), True),
    (re.compile(r"<!--"), re.compile(r"-->"), True),
    (re.compile(r"<\?"), re.compile(r"\?>"), True),
    (re.compile(r"<![A-Za-z]"), re.compile(r">"), True),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>"), True),
    (re.compile(rf"</?({_BLOCK_TAGS})(\s|/?>|$)", re.I), None, True),
    (re.compile(rf"(<[A-Za-z][A-Za-z0-9-]*({_ATTRIBUTE})*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)\s*$"), None, False),
)


def html_block(line: str, *, in_paragraph: bool) -> tuple[re.Pattern | None] | None:
    """The HTML block ``line`` opens, as ``(its end)`` (``(None,)``: it ends at a blank line); ``None`` if none
    does (``in_paragraph``: a paragraph is open above, which only some kinds may interrupt)."""
    text = line.expandtabs(4)
    indent = len(text) - len(text.lstrip(" "))
    if indent > 3:
        return None
    for start, end, interrupts in _HTML_BLOCKS:
        if (interrupts or not in_paragraph) and start.match(text[indent:]):
            return (end,)
    return None


class CodeBlocks:
    """Follow a page line by line: which of its lines are in a code block, fenced or indented (CommonMark's rules,
    as :func:`code_fence` and :func:`indented_code` read them).

    A paragraph ends where a setext heading's underline (``===`` or ``---``) closes it, or where an HTML block
    (:func:`html_block`) interrupts it: an indented line after either is code, not the paragraph's text; a link
    reference definition opens none. Inside an HTML block no code block opens (a fence line there is raw HTML). An
    underline counts only under a plain paragraph (no list item, block quote, HTML or table line in it) that began
    at the line's start, or indented at most three columns where no list item may hold it, so that an empty list
    item (``-``) under a list's text is never taken for one.
    """

    def __init__(self) -> None:
        self.fence: str | None = None  #: the open code fence, if any
        self.code = False  #: whether the last line read was in an indented code block
        self.above: str | None = None  #: the line above where it may hold an open paragraph, else ``None``
        self.plain = False  #: whether the open paragraph is a plain one that is no list item's
        self.html: tuple[re.Pattern | None] | None = None  #: the open HTML block's end (see :func:`html_block`)
        self.listed = False  #: whether a list item may be open (an indented paragraph may be its content)
        self.empty_item = False  #: whether the line above was an empty list item (no paragraph open, yet no code)

    def in_code(self, line: str) -> bool:
        """Whether ``line``, the page's next one, is in a code block or is a fence line (then it is not text)."""
        if self.html is not None:  # raw HTML: no code block opens in it
            self.text(line)
            return False
        self.code, was = self.fence is None and indented_code(line, self.above, self.code), self.fence
        self.fence = self.fence if self.code else code_fence(line, self.fence)
        if self.code or self.fence is not None or was is not None:
            self.above = None if self.code or self.fence is None else line  # a closing fence: no paragraph above
            return True
        if line.strip().startswith(("```", "~~~")):  # no fence (a backtick in its info string): text, but no marker
            self.text(line)
            return True
        self.text(line)
        return False

    def text(self, line: str) -> None:
        """Read ``line`` as text (not code): the paragraph open after it, or the HTML block it is in."""
        if self.html is not None:
            self._html_line(line)
            return
        above, empty_item, self.empty_item = self.above, self.empty_item, False
        opened = not empty_item and above is not None and above.strip() != "" and _BLOCK_LINE.fullmatch(above.rstrip()) is None
        if opened and self.plain and _UNDERLINE.fullmatch(line.rstrip()):
            self.above = None  # a setext heading: no paragraph open after it
            return
        if line.strip() and not opened and not line[:1].isspace():  # a block at the line's start: no list around
            self.listed = False
        self.html = html_block(line, in_paragraph=opened)
        if self.html is not None or (not opened and _LINK_DEFINITION.fullmatch(line.rstrip())):
            self.above = None  # an HTML block, or a link reference definition: no paragraph open after it
            self._html_line(line)
            return
        self.listed = self.listed or _LIST_ITEM.match(line) is not None
        starts = not opened and (self.listed or _DEFINITION_START.match(line) is not None)
        self.plain = _NOT_PLAIN.match(line) is None and (self.plain if opened else not starts)
        self.above, self.empty_item = line, _LIST_ITEM.fullmatch(line.rstrip()) is not None

    def _html_line(self, line: str) -> None:
        """Read ``line`` inside the open HTML block (if any): it ends at its end, or at a blank line."""
        if self.html is None:
            return
        end = self.html[0]
        if end is None and not line.strip():
            self.html, self.above = None, line
        elif end is not None and end.search(line):
            self.html, self.above = None, None
