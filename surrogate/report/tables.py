"""Checking the tables that figures and reports read: columns present, numbers numeric, flags boolean.

Every problem raises :class:`ResultsError`, naming the table and how to get a good one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError, SurrogateError
from ..options import is_number

#: Columns the figures need: of a sweep's ``nets.csv``, its ``table.csv``, and a solve-time benchmark's ``growth.csv``.
NETS_COLUMNS = ("arch", "source", "depth", "seed", "mae")
TABLE_COLUMNS = ("arch", "source", "mae_best", "solve_median_s")
GROWTH_COLUMNS = ("family", "instance", "products", "arch", "encoding", "wall_time", "time_limit_hit")
#: The columns of ``growth.csv`` that its medians are grouped by: none may be empty.
GROWTH_KEYS = ("family", "instance", "arch", "encoding")


class ResultsError(SurrogateError, ValueError):
    """A results folder or table is missing, corrupted, or from an incompatible version."""


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines included) collapsed to one space.

    Parameters
    ----------
    text
        Any object; its ``str`` is collapsed.
    """
    return " ".join(str(text).split())


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, name: str, fix: str) -> None:
    """Raise :class:`ResultsError` naming ``name`` and ``fix`` if ``frame`` lacks any of ``columns``.

    Parameters
    ----------
    frame
        The table.
    columns
        The columns it must have.
    name
        The file the message names.
    fix
        What the message says to do.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ResultsError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}; {fix}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ResultsError(
            f"{name}: missing column(s) {', '.join(missing)} (it has {', '.join(map(str, frame.columns)) or 'none'}), "
            f"so it is corrupted or from another version of surrogate; {fix}"
        )


def numeric(frame: pd.DataFrame, columns: Sequence[str], *, name: str, fix: str) -> pd.DataFrame:
    """A copy of ``frame`` with ``columns`` as floats; :class:`ResultsError` if a value is not a number.

    Parameters
    ----------
    frame
        The table.
    columns
        The columns to read as floats.
    name
        The file the message names.
    fix
        What the message says to do.
    """
    out = frame.copy()
    for col in columns:
        try:
            out[col] = pd.to_numeric(out[col], errors="raise").astype(float)
        except (ValueError, TypeError) as exc:
            raise ResultsError(f"{name}: column {col!r} holds a value that is not a number ({one_line(exc)}); {fix}") from None
    return out


def check_counts(frame: pd.DataFrame, counts: Sequence[str], times: Sequence[str], *, name: str, fix: str) -> None:
    """:class:`ResultsError` unless ``counts`` hold whole numbers >= 0 and ``times`` finite numbers >= 0
    (after :func:`numeric`: an empty cell, 'nan' or 'inf' reads as a number there)."""
    for col in counts:
        values = pd.to_numeric(frame[col], errors="coerce")
        if not (values.notna() & np.isfinite(values) & (values >= 0) & (values == values.round())).all():
            raise ResultsError(f"{name}: column {col!r} holds a value that is not a whole number >= 0; {fix}")
    for col in times:
        values = pd.to_numeric(frame[col], errors="coerce")
        if not (values.notna() & np.isfinite(values) & (values >= 0)).all():
            raise ResultsError(f"{name}: column {col!r} holds a value that is not a finite number >= 0; {fix}")


def check_values(frame: pd.DataFrame, columns: Sequence[str], *, name: str, fix: str, missing: bool = False) -> None:
    """:class:`ResultsError` naming the column and row of the first value of ``columns`` that is not a finite number >= 0
    (an error or a time can be neither negative nor infinite); ``missing``: an empty cell is allowed (not measured).

    Run after :func:`numeric`, which has checked that every value parses as a number.
    """
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        good = (values.isna() & missing) | (np.isfinite(values) & (values >= 0))
        if not good.all():
            row = int(np.flatnonzero(~good.to_numpy())[0])
            shown = "an empty cell" if pd.isna(values.iloc[row]) else f"{float(values.iloc[row]):g}"
            label = frame.index[row]  # the row of the file where ``frame`` is a part of it (its index kept)
            line = (label if isinstance(label, int | np.integer) else row) + 1
            raise ResultsError(f"{name}: column {col!r}, row {line} holds {shown}, where a finite number >= 0 belongs; {fix}")


def check_keys(frame: pd.DataFrame, columns: Sequence[str], *, name: str, fix: str) -> None:
    """:class:`ResultsError` naming the column and row of the first empty cell of ``columns`` (a row without its key
    would drop out of every group in silence)."""
    for col in columns:
        empty = frame[col].isna() | (frame[col].astype(str).str.strip() == "")
        if empty.any():
            row = int(np.flatnonzero(empty.to_numpy())[0])
            raise ResultsError(f"{name}: column {col!r}, row {row + 1} is empty, so the row belongs to no group; {fix}")


def as_bool(series: pd.Series, *, name: str, fix: str) -> pd.Series:
    """``series`` as booleans; accepts bools, 0/1 and 'true'/'false' in any case.

    Parameters
    ----------
    series
        The column.
    name
        The file the message names.
    fix
        What the message says to do.
    """
    if series.dtype == bool:
        return series
    words = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False, "yes": True, "no": False}
    out = series.astype(str).str.strip().str.lower().map(words)
    if out.isna().any():
        bad = series[out.isna()].iloc[0]
        raise ResultsError(f"{name}: column {series.name!r} holds {bad!r}, which is not true or false; {fix}")
    return out.astype(bool)


@dataclass(frozen=True, eq=False)
class SweepTable:
    """One sweep's ``table.csv`` with its neuron budget and a label for legends. Validated on construction."""

    table: pd.DataFrame
    budget: int
    label: str = ""

    def __post_init__(self) -> None:
        if not is_number(self.budget, integer=True, low=1):
            raise ConfigError(f"SweepTable: budget={self.budget!r} must be a positive integer, e.g. 24")
        name = f"table of {self.label or f'budget {self.budget}'}"
        fix = "pass the table.csv that 'surrogate sweep' writes"
        require_columns(self.table, TABLE_COLUMNS, name=name, fix=fix)
        object.__setattr__(self, "table", numeric(self.table, ("mae_best", "solve_median_s"), name=name, fix=fix))
        object.__setattr__(self, "label", self.label or f"budget {self.budget}")
