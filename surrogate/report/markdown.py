"""Markdown: tables of numbers, and file-name slugs for figures."""

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
    """``frame`` as a GitHub Markdown table; floats to 3 significant digits, NaN as '–'."""
    shown = frame if max_rows is None else frame.head(max_rows)
    lines = ["| " + " | ".join(_cell(c) for c in shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    if max_rows is not None and len(frame) > max_rows:
        lines.append(f"\n*First {max_rows} of {len(frame)} rows.*")
    return "\n".join(lines)


def slug(text: str) -> str:
    """``text`` as a file or folder name: runs of other characters than letters, digits, ``._-`` become ``-``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "results"
