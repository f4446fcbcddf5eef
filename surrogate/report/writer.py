"""What goes into a report (:class:`ReportOptions`) and the collector of its lines and figures (:class:`Writer`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..options import check_flags, default_of, is_number, plain_numbers
from .figure import PlotStyle, SavedFigure


@dataclass(frozen=True, kw_only=True)
class ReportOptions:
    """What goes into a report. Validated on construction.

    Parameters
    ----------
    heatmaps
        Draw the error heat map of every selected net (one per shape and source) of each sweep.
    max_rows
        Longest CSV table shown in full; longer ones show their first ``max_rows`` rows.
    style
        Look of every figure.
    option_strings
        What gives a ``surrogate`` command's option strings (:data:`~surrogate.report.recorded.OptionStrings`), so
        that a command an older run recorded with abbreviated options is shown with them in full (``surrogate
        report`` passes :func:`surrogate.cli.parser.option_strings`); ``None``: only ``--out`` is written in full.
    """

    heatmaps: bool = True
    max_rows: int = 60
    style: PlotStyle = field(default_factory=PlotStyle)
    option_strings: Callable[[Sequence[str]], Collection[str] | None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_flags("ReportOptions", heatmaps=self.heatmaps)
        if not is_number(self.max_rows, integer=True, low=1):
            raise ConfigError(f"ReportOptions: max_rows={self.max_rows!r} must be a positive integer, e.g. 60")
        if not isinstance(self.style, PlotStyle):
            raise ConfigError("ReportOptions: style must be a PlotStyle, e.g. PlotStyle(dpi=150)")
        if self.option_strings is not None and not callable(self.option_strings):
            raise ConfigError(
                f"ReportOptions: option_strings={self.option_strings!r} must be a function of a command's words, e.g. "
                "surrogate.cli.parser.option_strings, or None"
            )
        plain_numbers(self)  # NumPy scalars (np.int64 max_rows, np.True_ heatmaps) kept as Python ones

    def command_options(self) -> list[str]:
        """The ``surrogate report`` options that give these options (none for the defaults)."""
        return (["--no-heatmaps"] if not self.heatmaps else []) + (
            ["--max-rows", str(self.max_rows)] if self.max_rows != default_of(ReportOptions, "max_rows") else []
        )


@dataclass
class Writer:
    """Collects the report's lines and figures; links are relative to the report's folder.

    ``staging``, where given, is a folder the figures are drawn into before they move beside the report: a path
    inside it is linked as the path it will have in the report's folder.
    """

    out: Path
    options: ReportOptions
    lines: list[str] = field(default_factory=list)
    figures: list[SavedFigure] = field(default_factory=list)
    staging: Path | None = None

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def final_path(self, path: Path) -> Path:
        """Where ``path`` will be once the report is written: a staged file's place beside the report, else itself."""
        path = Path(path).resolve()
        if self.staging is not None and path.is_relative_to(self.staging.resolve()):
            return self.out.parent.resolve() / path.relative_to(self.staging.resolve())
        return path

    def link(self, path: Path) -> str:
        """``path`` relative to the report, as a Markdown link target (in ``<...>`` when it holds a space)."""
        target = Path(os.path.relpath(self.final_path(path), self.out.parent.resolve())).as_posix()
        return f"<{target}>" if any(ch in target for ch in " ()<>") else target

    def figure(self, saved: SavedFigure, caption: str) -> None:
        self.figures.append(saved)
        self.add(
            f"![{saved.title.splitlines()[0]}]({self.link(saved.png)})", "", f"*{caption}* ([SVG]({self.link(saved.svg)}))", ""
        )
