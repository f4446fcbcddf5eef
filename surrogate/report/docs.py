"""Tables of measured numbers in ``docs/*.md``, regenerated from results folders instead of copied by hand.

A generated table sits between two marker lines in a Markdown file::

    <!-- table: NAME source=KIND -->
    ...replaced by the table...
    <!-- /table -->

``KIND`` says which results folder the table comes from and ``NAME`` which of its
tables (see :data:`TABLES`):

* ``source=sweep`` (``surrogate sweep --out DIR``): ``table``, the sweep's table as
  ``surrogate sweep`` prints it (a ``text`` block);
* ``source=problems`` (``surrogate problems ... --out DIR``): ``results``, the
  results table as ``surrogate problems`` prints it (a ``text`` block);
* ``source=bench`` (``surrogate bench solve-time --out DIR``): the stem of any CSV
  file of the folder (``growth``, ``bounds``, ...), as a Markdown table.
* ``source=scale`` (``surrogate bench scale --out DIR``): ``table`` (per net),
  ``front`` (one point per net, on the fronts or not), ``instances`` (seconds of
  every solved instance, and the instances no net solved), ``starts`` (seconds of
  every warm start that found a point), ``floor`` (each
  net's SGM next to the SGM its time-outs alone fix), ``bounds`` (each route's
  dual bound where no route proved the optimum), ``speedup`` (how much faster
  each route would have to be for a third of each other route's SGM) and
  ``agreement`` (where two routes both proved an instance optimal, how far
  apart their optima are), as Markdown tables.

A scale table may name a neuron budget, ``<!-- table: front source=scale budget=12 -->``:
it then holds only the nets of that budget, from the one scale folder given that
has them. A marker may also name its folder by its last path component,
``<!-- table: agreement source=scale folder=scale-peers -->``. So one page can
show several scale runs (``surrogate report results/scale results/scale-12
results/scale-peers --docs docs/scale.md``); with several scale folders given,
every scale marker must say which one it wants, by ``budget=N`` or ``folder=NAME``.

:func:`refresh_docs` replaces every marked block of one file and leaves the rest
of the file as it is. Everything is read and checked before the file is written
(atomically), so a problem leaves the file untouched.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ..errors import SurrogateError
from ..experiments.problem_runs import RUN_COLUMNS
from ..experiments.scale_bench_tables import route_agreement
from ..experiments.sweep import format_table
from ..files import write_text
from .loading import check_distinct, detect, load_bench, load_sweep, read_csv
from .markdown import CodeBlocks, markdown_table
from .scale import (
    ScaleFolder,
    agreement_text,
    budget_folder,
    folder_budgets,
    load_scale,
    load_solves,
    of_budget,
    scale_points,
    table_text,
)
from .scale_instances import floor_table, instance_times, speedup_table, start_times, unsolved_bounds, unsolved_everywhere
from .tables import ResultsError, require_columns

OPEN = re.compile(
    r"<!-- table: (?P<name>[A-Za-z0-9._-]+) source=(?P<kind>[A-Za-z0-9_-]+)"
    r"(?: budget=(?P<budget>[0-9]+))?(?: folder=(?P<folder>[A-Za-z0-9._-]+))? -->"
)
CLOSE = "<!-- /table -->"
SYNTAX = "<!-- table: NAME source=KIND [budget=N] [folder=NAME] --> ... <!-- /table -->, each marker on a line of its own"
FOLDER_HINTS = {
    "sweep": "a folder written by 'surrogate sweep --out DIR'",
    "problems": "a folder written by 'surrogate problems ... --out DIR'",
    "bench": "a folder written by 'surrogate bench solve-time --out DIR'",
    "scale": "a folder written by 'surrogate bench scale --out DIR'",
}
PROBLEMS_FIX = "re-run the 'surrogate problems ... --out DIR' command that wrote it"
#: Columns of ``results.csv`` that ``surrogate problems`` never prints.
PROBLEMS_HIDDEN = ("violation_before", "violation_after", "scip_termination", "polish_status", "optimum_source")
#: Further columns it leaves out of its extended (``--qcqp``) table.
PROBLEMS_EXTENDED_HIDDEN = ("message", "implied_bounds", "polish_method", "tighten_s", "relax_s", "polish_s", "path")


class DocsError(SurrogateError, ValueError):
    """A Markdown file's table markers are missing or malformed, or name a table no given folder has."""


def problems_text(table: pd.DataFrame, *, extended: bool = False) -> str:
    """The results table of ``surrogate problems`` as it prints it (``extended``: with status, stage times and budget).

    Parameters
    ----------
    table
        One row per run, the columns of ``results.csv``.
    extended
        Keep the run columns (``status``, ``budget_s``, ...) that ``--qcqp`` runs print.
    """
    hidden = PROBLEMS_HIDDEN + (PROBLEMS_EXTENDED_HIDDEN if extended else tuple(RUN_COLUMNS))
    shown = table.drop(columns=[c for c in hidden if c in table.columns])
    return shown.to_string(index=False, float_format=lambda v: "-" if math.isnan(v) else f"{v:.6g}")


def load_problems(folder: str | os.PathLike) -> pd.DataFrame:
    """The ``results.csv`` of a ``surrogate problems`` folder, checked for the columns it prints.

    Raises
    ------
    ResultsError
        If the file is missing, unreadable, lacks a printed column or holds no rows.
    """
    path = Path(folder) / "results.csv"
    fix = f"{PROBLEMS_FIX} into {folder}"
    table = read_csv(path, fix=fix)
    required = ("problem", "arch", "formulation", "products", "binaries", "milp_time_s", "termination", "feasible")
    require_columns(table, required, name=str(path), fix=fix)
    if table.empty:
        raise ResultsError(f"{path}: holds no rows; {fix}")
    return table


def folder_kind(folder: str | os.PathLike) -> str:
    """What ``folder`` holds: ``'sweep'``, ``'bench'`` or ``'problems'``.

    Raises
    ------
    ResultsError
        If ``folder`` does not exist or is none of those.
    """
    folder = Path(folder)
    if folder.is_dir() and (folder / "results.csv").is_file() and (folder / "results.json").is_file():
        return "problems"
    if folder.is_dir() and not (folder / "table.csv").is_file() and not (folder / "growth.csv").is_file():
        raise ResultsError(
            f"{folder}: not a results folder a docs table is built from; pass "
            + ", or ".join(f"{hint} ({kind})" for kind, hint in FOLDER_HINTS.items())
        )
    return detect(folder)


def _bench_table(folder: Path, name: str) -> str:
    tables = load_bench(folder).tables
    if f"{name}.csv" not in tables:
        have = ", ".join(Path(n).stem for n in tables)
        raise DocsError(f"{folder}: has no {name}.csv for table {name!r}; name one of its CSV files: {have}")
    return markdown_table(tables[f"{name}.csv"])


def _instances_table(folder: Path, budget: int | None) -> str:
    scale, solves = _scale_solves(folder, budget)
    text = markdown_table(instance_times(scale, solves))
    unsolved = unsolved_everywhere(solves)
    return text + (f"\n\nSolved by no net: {', '.join(unsolved)}." if unsolved else "")


def _front_text(table: pd.DataFrame) -> str:
    """The front's points (one row per net) in Markdown, with the twins sentence of :func:`table_text`."""
    return table_text(table, shown=scale_points(table))


def _scale(folder: Path, budget: int | None) -> ScaleFolder:
    return budget_folder(load_scale(folder), budget)


def _scale_solves(folder: Path, budget: int | None) -> tuple[ScaleFolder, pd.DataFrame]:
    """:func:`_scale` and its solves of ``budget``, the folder loaded (and checked) once."""
    scale = load_scale(folder)
    return budget_folder(scale, budget), of_budget(scale.solves, budget)


#: How each (source kind, table name) is built from its folder and budget (``None``: every net; only scale
#: tables take one); ``None`` as the name: any CSV stem of a bench folder.
TABLES: dict[tuple[str, str | None], Callable[[Path, str, int | None], str]] = {
    ("sweep", "table"): lambda folder, _, __: "```text\n" + format_table(load_sweep(folder).table) + "\n```",
    ("problems", "results"): lambda folder, _, __: "```text\n" + problems_text(load_problems(folder)) + "\n```",
    ("bench", None): lambda folder, name, _: _bench_table(folder, name),
    ("scale", "table"): lambda folder, _, budget: table_text(_scale(folder, budget).table),
    ("scale", "front"): lambda folder, _, budget: _front_text(_scale(folder, budget).table),
    ("scale", "floor"): lambda folder, _, budget: markdown_table(floor_table(_scale(folder, budget))),
    ("scale", "instances"): lambda folder, _, budget: _instances_table(folder, budget),
    ("scale", "starts"): lambda folder, _, budget: markdown_table(start_times(*_scale_solves(folder, budget))),
    ("scale", "bounds"): lambda folder, _, budget: markdown_table(unsolved_bounds(*_scale_solves(folder, budget))),
    ("scale", "speedup"): lambda folder, _, budget: markdown_table(speedup_table(*_scale_solves(folder, budget))),
    ("scale", "agreement"): lambda folder, _, budget: agreement_text(route_agreement(of_budget(load_solves(folder), budget))),
}
#: The source kinds whose tables can be cut to one neuron budget (``budget=N`` in the marker).
BUDGET_KINDS = ("scale",)


def build_table(kind: str, name: str, folder: str | os.PathLike, *, budget: int | None = None) -> str:
    """The text of table ``name`` of the ``kind`` folder ``folder``, as it goes between the markers.

    ``budget`` (scale tables only) keeps the nets of that many hidden neurons.

    Raises
    ------
    DocsError
        If ``kind`` or ``name`` is not a table this module builds, or ``budget`` is given for a kind without nets.
    ResultsError
        If the folder or one of its files is missing, corrupted or from another version,
        or has no net of ``budget``.
    """
    build = TABLES.get((kind, name)) or TABLES.get((kind, None))
    if build is None:
        known = sorted({k for k, _ in TABLES})
        if kind not in known:
            raise DocsError(f"unknown table source {kind!r}; write source= one of {', '.join(known)}")
        names = ", ".join(n for k, n in TABLES if k == kind and n)
        raise DocsError(f"a {kind} folder has no table {name!r}; write table: one of {names}")
    if budget is not None and kind not in BUDGET_KINDS:
        raise DocsError(f"table {name!r}: budget={budget} applies to source=scale only; remove it from the marker")
    return build(Path(folder), name, budget)


class TableBlock(NamedTuple):
    """A marked block of a Markdown file: table ``name`` from a ``kind`` folder, held in ``lines[first:end]``."""

    name: str
    kind: str
    first: int
    end: int
    budget: int | None = None  #: the marker's ``budget=N`` (scale tables), else ``None``
    folder: str | None = None  #: the marker's ``folder=NAME``: the last path component of the folder it wants


def table_blocks(lines: Sequence[str], *, where: str = "the file") -> list[TableBlock]:
    """The marked blocks of ``lines``, each with its table in ``lines[block.first:block.end]``.

    Markers inside a fenced or indented code block (an example of the syntax) are left alone
    (:class:`~surrogate.report.markdown.CodeBlocks`).

    Raises
    ------
    DocsError
        If a marker is malformed, a block is not closed or is nested, or there is no block at all.
    """
    blocks, start, page = [], None, CodeBlocks()
    for i, line in enumerate(lines):
        if start is None and page.in_code(line):  # a marker shown as an example in a code block is text, not a marker
            continue
        if start is not None:
            page.text(line)
        opened = OPEN.fullmatch(line.strip())
        if opened is None and line.strip().startswith("<!-- table"):
            raise DocsError(f"{where}:{i + 1}: malformed table marker {line.strip()!r}; write {SYNTAX}")
        if opened is not None:
            if start is not None:
                raise DocsError(
                    f"{where}:{i + 1}: table marker inside the block opened on line {start.first}; close it first with {CLOSE}"
                )
            budget = None if opened["budget"] is None else int(opened["budget"])
            start = TableBlock(opened["name"], opened["kind"], i + 1, -1, budget, opened["folder"])
        elif line.strip() == CLOSE:
            if start is None:
                raise DocsError(f"{where}:{i + 1}: {CLOSE} without an opening marker; write {SYNTAX}")
            blocks.append(start._replace(end=i))
            start = None
    if start is not None:
        raise DocsError(f"{where}:{start.first}: table {start.name!r} is not closed; end it with a line {CLOSE}")
    if not blocks:
        raise DocsError(f"{where}: has no table markers; put {SYNTAX} around each generated table")
    return blocks


def _folders_by_kind(folders: Sequence[str | os.PathLike]) -> dict[str, list[Path]]:
    """kind -> the folders of that kind; several only for the kinds whose markers can say which (:data:`BUDGET_KINDS`)."""
    by_kind: dict[str, list[Path]] = {}
    check_distinct([Path(f) for f in folders])
    for folder in map(Path, folders):
        kind = folder_kind(folder)
        if kind in by_kind and kind not in BUDGET_KINDS:
            raise DocsError(f"two {kind} folders given ({by_kind[kind][0]}, {folder}); give one folder of each kind")
        by_kind.setdefault(kind, []).append(folder)
    return by_kind


def _block_folder(block: TableBlock, by_kind: dict[str, list[Path]], where: str) -> Path:
    """The folder a block's table comes from: the one of its kind, else the one its ``folder=`` or ``budget=`` picks."""
    if block.kind not in FOLDER_HINTS:
        raise DocsError(f"{where}: unknown table source {block.kind!r}; write source= one of {', '.join(FOLDER_HINTS)}")
    given = by_kind.get(block.kind, [])
    if not given:
        raise DocsError(f"{where}: table {block.name!r} comes from {FOLDER_HINTS[block.kind]}; pass one such folder")
    if block.folder is not None:
        given = [f for f in given if f.resolve().name == block.folder]
        if not given:
            names = ", ".join(str(f) for f in by_kind[block.kind])
            raise DocsError(
                f"{where}: table {block.name!r} wants the {block.kind} folder named {block.folder!r}; "
                f"none of those given ({names}) is; pass it"
            )
    if len(given) > 1 and block.budget is not None:
        holding = [f for f in given if block.budget in folder_budgets(load_scale(f))]
        if len(holding) != 1:
            what = "none" if not holding else ", ".join(map(str, holding))
            raise DocsError(
                f"{where}: table {block.name!r} wants the {block.kind} folder with nets of budget {block.budget}; "
                f"of those given, {what} has them; pass exactly one, or name it with folder=NAME"
            )
        given = holding
    if len(given) > 1 and block.folder is not None:  # folder=NAME cannot tell them apart
        raise DocsError(
            f"{where}: {len(given)} {block.kind} folders named {block.folder!r} given ({', '.join(map(str, given))}); "
            "a marker tells folders apart by their last path component, so give each a name of its own (rename or copy one)"
        )
    if len(given) > 1:
        raise DocsError(
            f"{where}: {len(given)} {block.kind} folders given; say which one table {block.name!r} comes from "
            f"with budget=N or folder=NAME in its marker (<!-- table: {block.name} source={block.kind} budget=24 -->)"
        )
    return given[0]


def refresh_docs(doc_path: str | os.PathLike, folders: Sequence[str | os.PathLike]) -> tuple[str, ...]:
    """Replace every marked table of the Markdown file ``doc_path`` by the table built from ``folders``.

    Parameters
    ----------
    doc_path
        A Markdown file with one or more blocks ``<!-- table: NAME source=KIND -->`` ... ``<!-- /table -->``.
    folders
        Results folders, one per kind (sweep, bench, problems), several scale folders when every scale
        marker names its budget; every block's kind must be among them.

    Returns
    -------
    tuple of str
        The names of the tables whose text changed (empty when the file already matches its folders;
        the file is then not rewritten).

    Raises
    ------
    DocsError
        If the file is missing, its markers are missing or malformed, or a block names a folder kind
        or table that was not given.
    ResultsError
        If a folder is not a results folder, or one of its files is corrupted or from another version.
    """
    return docs_update(doc_path, folders).write()


class DocsUpdate(NamedTuple):
    """A docs page's refreshed text (:func:`docs_update`), built and checked, not yet written."""

    path: Path
    text: str
    changed: tuple[str, ...]  #: the tables whose text changed; none: the page already matches its folders

    def write(self) -> tuple[str, ...]:
        """Write the page if a table changed (atomically); return :attr:`changed`."""
        if self.changed:
            write_text(self.path, self.text)
        return self.changed


def docs_update(doc_path: str | os.PathLike, folders: Sequence[str | os.PathLike]) -> DocsUpdate:
    """The text :func:`refresh_docs` writes into ``doc_path``, built and checked without writing it (so several pages
    can all be checked before any is written).

    Raises
    ------
    DocsError, ResultsError
        As :func:`refresh_docs`.
    """
    path = Path(doc_path)
    if not path.is_file():
        raise DocsError(f"{path}: no such Markdown file; pass a file with {SYNTAX}")
    lines = path.read_text(encoding="utf-8").split("\n")
    by_kind = _folders_by_kind(folders)
    changed, out, done = [], [], 0
    for block in table_blocks(lines, where=str(path)):
        folder = _block_folder(block, by_kind, f"{path}:{block.first}")
        new = build_table(block.kind, block.name, folder, budget=block.budget).split("\n")
        if new != lines[block.first : block.end]:
            changed.append(block.name)
        out += lines[done : block.first] + new
        done = block.end
    return DocsUpdate(path, "\n".join(out + lines[done:]), tuple(changed))
