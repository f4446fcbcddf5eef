"""Every relative link of the README and docs/ reaches a file, and its ``#anchor`` a heading of that file."""

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but ``-`` and ``_`` dropped, spaces to ``-``."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors of ``page``'s headings (outside code fences), with GitHub's ``-1``, ``-2`` for repeats."""
    found, repeats = set(), Counter()
    in_fence = False
    for line in page.read_text().splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and (match := re.match(r"#{1,6} (.+)", line)):
            base = slug(match.group(1))
            found.add(f"{base}-{repeats[base]}" if repeats[base] else base)
            repeats[base] += 1
    return found


def links(page: Path) -> list[str]:
    """The relative link targets of ``page`` (no scheme, no mail), outside code fences."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def test_the_slug_follows_github():
    assert slug("The front at 48 neurons (7 of 22 nets so far)") == "the-front-at-48-neurons-7-of-22-nets-so-far"
    assert slug("`best` protocol, and what matters in it") == "best-protocol-and-what-matters-in-it"
    assert slug("Python API") == "python-api"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_reaches_its_file_and_heading(page):
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading with that anchor in {file.name}")
    assert not broken, f"{page.name}: fix or remove these links: {broken}"
