"""The warm start's options on the command line (``bench scale``, ``bench solve-time``, ``problems``)."""

from __future__ import annotations

import argparse


def add_start_arguments(p: argparse.ArgumentParser) -> None:
    """``--start-patience`` and ``--start-clock``: how long the warm start may look, and on which clock."""
    from ..milp.search_clock import CLOCKS

    p.add_argument(
        "--start-patience",
        type=float,
        metavar="SECONDS",
        help="let the warm start go on this long past its 5 s while it has no point (capped at half the limit "
        "in all; default 0: it stops at 5 s, and a solve without a start often finds no point on the larger pooling instances)",
    )
    p.add_argument(
        "--start-clock",
        choices=list(CLOCKS),
        help="what the warm start's budget counts: wall seconds (default 'wall') or its own CPU seconds ('cpu'), so that "
        "a machine busy with other work slows the start but does not cut it short (at most half the limit in wall seconds)",
    )
