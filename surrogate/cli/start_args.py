"""The warm start's options on the command line (``bench scale``, ``bench solve-time``, ``problems``)."""

from __future__ import annotations

import argparse


def add_start_arguments(p: argparse.ArgumentParser, *, seed: str | None = None) -> None:
    """``--start-patience`` and ``--start-clock``: how long the warm start may look, and on which clock.

    With ``seed`` (its default) also ``--start-seed``: where the start reads its first patterns (for a command
    whose encodings do not already say it, as ``bench scale``'s ``pruned-exact-seed`` does).
    """
    from ..milp.search_clock import CLOCKS
    from ..milp.warmstart_config import SEEDS
    from ..options import seconds_from_0

    p.add_argument(
        "--start-patience",
        type=seconds_from_0,
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
    if seed is not None:
        p.add_argument(
            "--start-seed",
            choices=list(SEEDS),
            default=seed,
            help=f"where the warm start reads its first activation patterns: a local optimum of the exact model ('exact') "
            f"or the MILP's LP relaxation ('relaxation'); default {seed!r}",
        )


def start_options(args: argparse.Namespace) -> dict:
    """The start options given on the command line, as config fields (``start_patience``, ...); the rest keep the config's defaults."""
    names = ("start_patience", "start_clock", "start_seed")
    return {name: value for name in names if (value := getattr(args, name, None)) is not None}
