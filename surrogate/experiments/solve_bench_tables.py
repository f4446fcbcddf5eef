"""The tables of ``surrogate bench solve-time`` computed from its solves: speed-ups, growth, encodings, baselines."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from ..milp.baselines import is_baseline, parse_baseline
from ..milp.bounds import net_bounds
from ..milp.pruned import pruned_binaries
from ..nets.metrics import grid, score
from ..nets.zoo import parse_zoo_name
from ..train.protocols import BEST
from .reference_problem import reference_instances, reference_regret
from .solve_bench_config import ANCHOR, CANDIDATE, COLD, REFERENCE_SEED, REFERENCE_SOLVER, SolveBenchConfig


def short_label(approx: str) -> str:
    """A column label for ``approx``: the bare shape for a ``best`` zoo net (``b24-best-3x8`` -> ``3x8``), else the name.

    >>> short_label("b24-best-3x8"), short_label("b24-hand-paired-3x8"), short_label("sawtooth-24")
    ('3x8', 'b24-hand-paired-3x8', 'sawtooth-24')
    """
    parsed = parse_zoo_name(approx)
    return parsed.architecture.name if parsed is not None and parsed.source == BEST.name else approx


def _approx_errors(approx) -> dict:
    """Worst-case and mean |w - xy| on [-1, 1]^2 (a 401^2 grid for nets; exact worst case for baselines)."""
    if is_baseline(approx):
        x, y = grid(401).T
        mae = float(np.mean(np.abs(approx.evaluate(x, y) - x * y))) if approx.evaluate is not None else math.nan
        return {"kind": approx.kind, "binaries_per_product": approx.binaries, "max_error": approx.max_error, "mae": mae}
    s = score(approx)
    binaries = pruned_binaries(approx, net_bounds(approx, "milp"))
    return {"kind": "relu-net", "binaries_per_product": binaries, "max_error": s.max_error, "mae": s.mae}


def baseline_table(config: SolveBenchConfig, nets: dict, solves: pd.DataFrame, progress: Callable | None = None) -> pd.DataFrame:
    """Error per binary and solve times of every net (``pruned``) and every baseline.

    Parameters
    ----------
    config
        The run's :class:`~surrogate.experiments.solve_bench_config.SolveBenchConfig`.
    nets
        The run's nets by name.
    solves
        The run's solves (``solves.csv``).
    progress
        Optional callable, called with each net's or baseline's name once it is scored.
    """
    instances = reference_instances(config.instances, seed=REFERENCE_SEED) if config.instances else []
    time_limit = min(config.solver.time_limit, REFERENCE_SOLVER.time_limit)
    ref_config = replace(config.solver, time_limit=time_limit, rel_gap=REFERENCE_SOLVER.rel_gap)
    approximations = {**nets, **{b: parse_baseline(b) for b in config.baselines}}
    small = solves[solves["products"] <= config.baseline_max_products]
    rows = []
    for name, approx in approximations.items():
        row = {"approx": name, **_approx_errors(approx)}
        row["bits_per_binary"] = (
            -math.log2(row["max_error"]) / row["binaries_per_product"] if row["binaries_per_product"] else math.nan
        )
        if instances:
            row.update(reference_regret(approx, instances, ref_config))
        mine = small[(small["approx"] == name) & small["encoding"].isin(["baseline", CANDIDATE])]
        row["problems_time_median_s"] = float(mine["wall_time"].median()) if len(mine) else math.nan
        row["problems_time_limit_hits"] = int(mine["time_limit_hit"].sum())
        rows.append(row)
        if progress:
            progress(name)
    return pd.DataFrame(rows)


def _ratio(anchor, candidate, overhead: float) -> float:
    """Anchor time over candidate time plus ``overhead``; 1 when both hit the time limit (no speed-up measurable)."""
    if anchor["time_limit_hit"] and candidate["time_limit_hit"]:
        return 1.0
    return anchor["wall_time"] / (candidate["wall_time"] + overhead)


def speedup_table(solves: pd.DataFrame, tighten_s: dict, depths: dict, *, min_depth: int = 3) -> pd.DataFrame:
    """OMLT default time over pruned time, per problem and net of depth >= ``min_depth``.

    ``speedup`` charges the net's whole tightening time to *every* problem
    (as if bounds were recomputed for each model: the conservative figure);
    ``speedup_amortised`` divides it over the problems of this run that use
    the net. ``pruned_s`` includes the warm start. A time-limit hit of OMLT
    makes a ratio a lower bound (``anchor_hit``); when both hit, the ratio is
    1 (no speed-up measurable). ``cold_speedup_amortised`` is the same ratio
    for ``pruned-cold`` (no warm start), when the run has it.

    Parameters
    ----------
    solves
        The run's solves (``solves.csv``).
    tighten_s
        Seconds each net's bounds took, by net name.
    depths
        Each net's depth, by net name.
    min_depth
        The least depth of a net in the table.
    """
    nets = solves[solves["encoding"] != "baseline"]
    rows = []
    for (instance, approx), group in nets.groupby(["instance", "approx"], sort=False):
        by = group.set_index("encoding")
        depth = depths.get(approx, 0)
        if ANCHOR not in by.index or CANDIDATE not in by.index or depth < min_depth:
            continue
        per_net = tighten_s.get(approx, 0.0)
        share = per_net / max(nets[(nets["approx"] == approx) & (nets["encoding"] == CANDIDATE)].shape[0], 1)
        anchor, cand = by.loc[ANCHOR], by.loc[CANDIDATE]
        rows.append(
            {
                "instance": instance,
                "family": group["family"].iloc[0],
                "products": int(group["products"].iloc[0]),
                "approx": approx,
                "depth": depth,
                "omlt_s": anchor["wall_time"],
                "pruned_s": cand["wall_time"],
                "tighten_s": per_net,
                "anchor_hit": bool(anchor["time_limit_hit"]),
                "pruned_hit": bool(cand["time_limit_hit"]),
                "speedup": _ratio(anchor, cand, per_net),
                "speedup_amortised": _ratio(anchor, cand, share),
                "cold_speedup_amortised": _ratio(anchor, by.loc[COLD], share) if COLD in by.index else math.nan,
                "omlt_gap": anchor["gap"],
                "pruned_gap": cand["gap"],
            }
        )
    return pd.DataFrame(rows)


def growth_table(solves: pd.DataFrame) -> pd.DataFrame:
    """Solve time by number of products (rows) and approximation/encoding (columns); ``*`` marks a time-limit hit.

    Parameters
    ----------
    solves
        The run's solves (``solves.csv``).
    """
    frame = solves[solves["family"] == "random"].copy()
    frame["cell"] = [f"{t:.2f}{'*' if hit else ''}" for t, hit in zip(frame["wall_time"], frame["time_limit_hit"])]
    frame["column"] = frame["approx"].map(short_label) + "/" + frame["encoding"]
    return frame.pivot_table(index="products", columns="column", values="cell", aggfunc="first").sort_index()


def encoding_summary(solves: pd.DataFrame) -> pd.DataFrame:
    """Per net and encoding over all problems: median time, nodes, gap and time-limit hits.

    Parameters
    ----------
    solves
        The run's solves (``solves.csv``).
    """
    nets = solves[solves["encoding"] != "baseline"]
    return (
        nets.groupby(["approx", "encoding"], sort=False)
        .agg(
            problems=("instance", "size"),
            binaries_median=("binaries", "median"),
            time_median_s=("wall_time", "median"),
            nodes_median=("nodes", "median"),
            gap_median=("gap", "median"),
            time_limit_hits=("time_limit_hit", "sum"),
        )
        .reset_index()
    )
