"""Every relative link of the README and docs/ reaches a file, and its ``#anchor`` a heading of that file;
every module has its Layout and docs/api.md rows, and every command option its docs/commands.md row."""

import argparse
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


def _modules() -> list[Path]:
    """Every module of the package but the command line's (docs/api.md describes ``surrogate.cli`` as one row)."""
    found = (ROOT / "surrogate").rglob("*.py")
    return sorted(p for p in found if p.stem not in ("__init__", "__main__") and p.parent.name != "cli")


def test_every_module_is_in_the_readme_layout_and_has_a_row_in_api_md():
    """The README says each module is described in docs/api.md, and its layout names them: 14 were missing."""
    layout = (ROOT / "README.md").read_text().split("## Layout", 1)[1].split("```")[1]
    api = (ROOT / "docs" / "api.md").read_text()
    lines = {line.split()[0].rstrip("/"): line for line in layout.splitlines()[1:] if line.strip()}
    missing = []
    for path in _modules():
        package = path.parent.name
        top = next(text for word, text in lines.items() if word.endswith(".py"))  # the bottom layer's line
        line = top if package == "surrogate" else lines[package]
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if not re.search(rf"\b{path.stem}\b", line) or f"`{name}`" not in api:
            missing.append(name)
    assert not missing, f"add these modules to the README's Layout and a row of docs/api.md: {missing}"


def test_every_public_name_is_in_the_api_pages_table():
    """``from surrogate import X``: every name of ``surrogate.__all__`` in docs/api.md's table of them, and no other
    (21 of the 63 were on no page)."""
    import surrogate

    api = (ROOT / "docs" / "api.md").read_text()
    table = api.split("Every name `from surrogate import ...` gives", 1)[1].split("Where each lives", 1)[0]
    listed = set(re.findall(r"`([A-Za-z_]+)`", table))
    assert sorted(set(surrogate.__all__) - listed) == [], "add these names to docs/api.md's table of public names"
    assert sorted(listed - set(surrogate.__all__)) == [], "these names in docs/api.md's table are not in surrogate.__all__"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(found.choices)


def _command_options() -> dict[str, set[str]]:
    """Every subcommand (``bench scale`` for a benchmark) with its long options, ``--help`` and ``--quiet`` aside."""
    from surrogate.cli.parser import build_parser

    commands: dict[str, argparse.ArgumentParser] = {}
    for name, sub in _subparsers(build_parser()).items():
        if name == "bench":
            commands.update({f"bench {b}": p for b, p in _subparsers(sub).items()})
        else:
            commands[name] = sub
    shared = {"--help", "--quiet"}
    return {
        name: {s for a in p._actions for s in a.option_strings if s.startswith("--")} - shared for name, p in commands.items()
    }


def test_every_option_of_every_command_is_in_commands_md():
    page = (ROOT / "docs" / "commands.md").read_text()
    rows: dict[str, str] = {}
    for line in page.splitlines():
        found = re.match(r"\| `surrogate ([a-z-]+(?: [a-z][a-z-]*)?)", line)
        if found:
            name = found.group(1)
            rows[name] = rows.get(name, "") + line
    rows["sweep"] += page[page.index("Useful `sweep` options") : page.index("Results go to")]
    missing = {
        name: sorted(o for o in options if not re.search(re.escape(o) + r"(?![\w-])", rows.get(name, "")))
        for name, options in _command_options().items()
    }
    assert {name: m for name, m in missing.items() if m} == {}
