"""Where the command's defaults come from: their one home, read at the moment a command needs them.

A default lives in a configuration dataclass (read with :func:`~surrogate.options.default_of`)
or, for an option that only feeds one function, in that function's keyword default.
"""

from __future__ import annotations

import inspect


def sweep_default(name: str):
    """The default of :class:`~surrogate.experiments.sweep.SweepConfig` field ``name`` (shared by the shape commands)."""
    from ..experiments.sweep_config import SweepConfig
    from ..options import default_of

    return default_of(SweepConfig, name)


def keyword_default(function, name: str):
    """The default of keyword ``name`` of ``function``: the one home of an option that only feeds that function."""
    return inspect.signature(function).parameters[name].default


def default_surrogate() -> str:
    """The surrogate that models are rewritten with unless told otherwise (``replace_products``' default, ``'3x8'``)."""
    from ..milp.bilinear import replace_products

    return keyword_default(replace_products, "surrogate")


def report_rows() -> int:
    """The longest table a report shows in full unless told otherwise (:class:`~surrogate.report.writer.ReportOptions`')."""
    from ..options import default_of
    from ..report.writer import ReportOptions

    return default_of(ReportOptions, "max_rows")
