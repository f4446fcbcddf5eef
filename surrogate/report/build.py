"""``surrogate report``: one self-contained Markdown report of results folders.

:func:`write_report` reads each folder, works out what it holds, and writes
``report.md`` with its tables inline and its figures (PNG and SVG) in a
``figures/`` folder next to it, linked relatively (a report of another name,
``NAME.md``, keeps its own in ``NAME-figures/``: two reports in one folder never
draw over each other's figures).

* A **sweep** folder (``surrogate sweep --out DIR``) has ``table.csv`` and
  ``config.json`` (plus ``nets.csv`` and ``nets/*.onnx``). Its section shows the
  command that regenerates it, the table, MAE against depth and the error heat
  map of every selected net. All sweeps together give one Pareto figure.
* A **solve-time benchmark** folder has ``growth.csv`` and maybe other CSV
  files. Its section shows solve time against surrogate copies and every CSV
  table in the folder.
* A **scale benchmark** folder (``surrogate bench scale --out DIR``) has a
  ``config.json`` of kind ``scale``, ``table.csv`` and ``solves.csv``. Its section shows the
  table and approximation error against solve time with the front per budget.

Anything else, a file that is corrupted or from an incompatible version, or files
of one folder that do not match each other (:mod:`.checks`), raises
:class:`~surrogate.report.plots.ResultsError` naming the file and the fix.
Nothing is written until every section is built: a refused report leaves the old one as it was.

The parts live in their own modules: reading folders in :mod:`.loading`, the
sweep command in :mod:`.commands`, Markdown in :mod:`.markdown`, the options and
the collector in :mod:`.writer`, the sections in :mod:`.sections`; their public
names are importable from here as before.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..errors import ConfigError
from ..files import atomic_path, held_interrupts, staging_folder, text_bytes
from .commands import SweepCommand, sweep_command
from .loading import BENCH_FIX, SWEEP_FIX, BenchFolder, SweepFolder, check_distinct, detect, load_bench, load_sweep
from .markdown import markdown_table, slug
from .scale import ScaleFolder, load_scale
from .scale_section import scale_section
from .sections import bench_section, pareto_section, sweep_section
from .tables import ResultsError
from .writer import ReportOptions, Writer

__all__ = [
    "BENCH_FIX",
    "SWEEP_FIX",
    "BenchFolder",
    "Report",
    "ReportOptions",
    "ResultsError",
    "SweepCommand",
    "SweepFolder",
    "detect",
    "load_bench",
    "load_sweep",
    "markdown_table",
    "sweep_command",
    "write_report",
]


@dataclass(frozen=True)
class Report:
    """A written report: its Markdown file and every figure file."""

    path: Path
    figures: tuple[Path, ...]


#: What each kind of results folder is called in a report, how it is read, and the section it gets.
KIND_NAMES = {"sweep": "sweep", "bench": "solve-time benchmark", "scale": "scale benchmark"}
LOADERS = {"sweep": load_sweep, "bench": load_bench, "scale": load_scale}
SECTIONS = {SweepFolder: sweep_section, BenchFolder: bench_section, ScaleFolder: scale_section}
#: The start of the name of the hidden folder beside the report that its figures are drawn into (then ``<pid>-``).
STAGING_PREFIX = ".report-staging-"
#: The first lines of every report: a Markdown file that does not start with them is no report (its figures are its own).
HEADER = ("# surrogate report", "", "Regenerate this report with:", "")


def figure_folder(out: Path) -> str:
    """The folder beside the report ``out`` that its figures go to: ``figures`` for ``report.md``, else
    ``<stem>-figures``, so that every report in a folder has figures of its own."""
    return "figures" if out.name == "report.md" else f"{out.stem}-figures"


def _header(w: Writer, folders: Sequence[Path], kinds: Sequence[str]) -> None:
    """The report's title, the command that regenerates it, and what it holds."""
    out = w.out
    argv = ["surrogate", "report", *map(str, folders)] + (["--out", str(out)] if out != folders[0] / "report.md" else [])
    argv += w.options.command_options()  # what the report holds depends on them
    what = ", ".join(f"`{f}` ({KIND_NAMES[k]})" for f, k in zip(folders, kinds))
    w.add(*HEADER, "```bash", shlex.join(argv), "```", "")
    w.add(f"Contents: {what}.", "")


def write_report(
    folders: Sequence[str | os.PathLike], out: str | os.PathLike | None = None, *, options: ReportOptions = ReportOptions()
) -> Report:
    """Write a Markdown report of ``folders`` (sweeps and solve-time benchmarks).

    Figures the previous version of ``out`` named that this one does not (e.g. heat maps after a
    ``--no-heatmaps`` rewrite) are removed once it is written, unless another report beside it names them.
    Figures no earlier version of ``out`` named are left alone: other reports in the folder keep theirs, and
    a Markdown file at ``out`` that is no report keeps every figure it names.

    Parameters
    ----------
    folders
        Results folders (or one folder); each must be a sweep, solve-time or scale benchmark folder.
    out
        The report file (default ``folders[0]/report.md``). Figures go to a folder beside it: ``figures/``
        for ``report.md``, ``NAME-figures/`` for ``NAME.md`` (:func:`figure_folder`).
    options
        Heat maps on or off, table lengths, figure style.

    Returns
    -------
    Report
        The report's path and the figure files written (PNG and SVG).

    Raises
    ------
    ResultsError
        If a folder is not a results folder, is given twice, or one of its files is corrupted or from an
        incompatible version. Every folder is read and checked before anything is written, and the figures are
        drawn into a staging folder beside the report, moved into place with report.md only once all of them are
        drawn and report.md is written to a temporary file beside it (a failure there, e.g. a full disk, moves
        nothing), with Ctrl-C and SIGTERM held off until report.md is in place too (:func:`~surrogate.files.held_interrupts`):
        a refusal, a failure or an interruption leaves the old report and its figures as they were, or the new ones. Only
        SIGKILL (or a crash) in the moment of those moves can leave some new figures beside the old report; a
        staging folder a killed run left behind is removed by the next report into that folder.
    """
    if isinstance(folders, str | os.PathLike):  # one folder, not a sequence of its letters
        folders = [folders]
    if not folders:
        raise ConfigError("write_report: give at least one results folder")
    folders = [Path(f) for f in folders]
    check_distinct(folders)
    kinds = [detect(f) for f in folders]
    loaded = [LOADERS[kind](f) for f, kind in zip(folders, kinds)]
    out = _report_file(Path(out) if out is not None else folders[0] / "report.md")
    with staging_folder(out.parent, STAGING_PREFIX) as staging:
        w = Writer(out, options, staging=staging)
        _header(w, folders, kinds)
        _sections(w, loaded, staging / figure_folder(out))
        named_before = _linked_figures(out)
        with ExitStack() as stack:  # report.md is written beside its place first: a failure there moves nothing
            stack.enter_context(atomic_path(out)).write_bytes(text_bytes("\n".join(w.lines).rstrip() + "\n"))
            with held_interrupts():  # the figures and report.md move into place together, and the stale ones go
                figures = _move_figures(w)
                stack.close()  # report.md into place
                _remove_stale_figures(out, named_before - set(figures))  # (a signal between would leave them for good)
    return Report(out, tuple(figures))


def _report_file(out: Path) -> Path:
    """``out``, a Markdown file name whose folder now exists; :class:`ResultsError` if it is a folder or no ``.md``."""
    if out.is_dir():
        raise ResultsError(f"{out}: is a folder; give the report a file name, e.g. --out {out / 'report.md'}")
    if out.suffix.lower() != ".md":  # never a results file of a folder it reads (config.json, table.csv...)
        raise ResultsError(
            f"{out}: a report is a Markdown file; give it a name ending in .md, e.g. --out {out.with_suffix('.md')}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _move_figures(w: Writer) -> list[Path]:
    """Move every figure ``w`` drew from its staging folder into place beside the report; return their paths."""
    figures = []
    for path in (p for saved in w.figures for p in saved.paths):
        figures.append(w.final_path(path))
        figures[-1].parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, figures[-1])
    return figures


def _linked_figures(report: Path) -> set[Path]:
    """The figure files (PNG and SVG in its :func:`figure_folder`) the report ``report`` links to; none if it is
    missing, unreadable, or a Markdown file that no report wrote (it does not start with :data:`HEADER`)."""
    try:
        text = report.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    if not text.startswith("\n".join(HEADER)):
        return set()  # a user's own Markdown file: the figures it links are theirs
    folder = report.parent.resolve()
    targets = re.findall(r"\]\((?:<([^<>]+)>|([^()\s<>]+))\)", text)
    paths = {(folder / (bracketed or plain)).resolve() for bracketed, plain in targets}
    return {p for p in paths if p.suffix in (".png", ".svg") and p.is_relative_to(folder / figure_folder(report))}


def _remove_stale_figures(out: Path, stale: set[Path]) -> None:
    """Remove the figures ``stale`` (named by the previous version of the report ``out``, not by the new one),
    except those another Markdown file beside ``out`` mentions: its text holds the figure's path from the folder,
    as written or URL-encoded (so every link form counts: ``![a](p "title")``, ``<img src=p>``, ``[r]: p``)."""
    folder = out.parent.resolve()
    texts = []
    for other in out.parent.glob("*.md"):
        if other.resolve() != out.resolve():
            try:
                texts.append(other.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                return  # a file beside it that cannot be read may link to any of them: remove none
    for path in stale:
        relative = path.relative_to(folder).as_posix()
        if any(relative in text or quote(relative) in text for text in texts):
            continue
        if path.is_file():
            path.unlink(missing_ok=True)


def _sections(w: Writer, loaded: Sequence, figures: Path) -> None:
    """Every folder's section, then the Pareto section of the sweeps, with their figures drawn into ``figures``."""
    used: set[str] = set()
    for item in loaded:
        name = slug(item.folder.resolve().name)
        while name in used:
            name += "-2"
        used.add(name)
        SECTIONS[type(item)](w, item, figures / name)
    sweeps = [item for item in loaded if isinstance(item, SweepFolder)]
    if sweeps:
        pareto_section(w, sweeps, figures)
