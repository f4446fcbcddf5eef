"""The tables of a sweep: its nets in order, the selected net per shape, solves, and the summary.

:func:`best_rows` is the one place that says which net of a shape is
selected: the seed with the lowest validation MAE.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ..literature import blog_mae
from ..milp.solver_config import Termination
from ..nets.architecture import Architecture
from ..nets.sources import HAND_BUILT_SOURCES, TRAINED
from .sweep_config import SweepConfig
from .units import Unit


def order_rows(config: SweepConfig, rows: list[dict]) -> pd.DataFrame:
    """``rows`` as the table ``nets.csv``: by shape (in the order of the config), trained before hand-built, by seed."""
    order = {a.name: i for i, a in enumerate(config.architectures)}
    sources = {TRAINED: 0, **{name: i + 1 for i, name in enumerate(HAND_BUILT_SOURCES.values())}}
    frame = pd.DataFrame(rows)
    keys = pd.DataFrame({"a": frame["arch"].map(order), "s": frame["source"].map(sources), "seed": frame["seed"]})
    return frame.loc[keys.sort_values(["a", "s", "seed"]).index].reset_index(drop=True)


def best_rows(nets: pd.DataFrame) -> pd.DataFrame:
    """The row with the lowest validation MAE for every (shape, source): the selected net.

    Parameters
    ----------
    nets
        Every trained and hand-built net, one row each (``nets.csv``).
    """
    return nets.loc[nets.groupby(["arch", "source"], sort=False)["val_mae"].idxmin()]


def solves_frame(chosen: pd.DataFrame, units: Sequence[Unit], results: dict[str, dict]) -> pd.DataFrame:
    """The rows of ``solves.csv``: every solve of every chosen net, in the order of ``chosen``.

    Parameters
    ----------
    chosen
        The selected nets, one row each.
    units
        The solve units, one per chosen net.
    results
        Each unit's result, by its key.
    """
    rows = []
    for (_, net_row), unit in zip(chosen.iterrows(), units):
        for solved in results[unit.key]["rows"]:
            rows.append({"arch": net_row["arch"], "source": net_row["source"], "seed": net_row["seed"], **solved})
    return pd.DataFrame(rows)


def summarise(config: SweepConfig, nets: pd.DataFrame, solves: pd.DataFrame) -> pd.DataFrame:
    """One row per shape and source: errors (selected net and median over seeds), MILP size, solve times.

    The selected ("best") net of a shape is the seed with the lowest
    validation MAE; its grid errors are reported, and the medians over all
    seeds sit beside them so that luck is visible. ``solve_median_s`` counts a
    solve stopped by the time limit at its time (``time_limit_hits`` says how many);
    a solve that found no point counts as an infinite ``opt_err``.

    Parameters
    ----------
    config
        The sweep's :class:`~surrogate.experiments.sweep_config.SweepConfig`.
    nets
        Every net, one row each (``nets.csv``).
    solves
        Every solve, one row each (``solves.csv``).
    """
    rows = []
    for (arch_name, source), n in nets.groupby(["arch", "source"], sort=False):
        arch = Architecture.parse(arch_name)
        best = best_rows(n).iloc[0]
        s = solves[(solves["arch"] == arch_name) & (solves["source"] == source) & (solves["seed"] == best["seed"])]
        rows.append(
            {
                "arch": arch_name,
                "source": source,
                "depth": arch.depth,
                "params": arch.parameter_count().total,
                "mae_best": best["mae"],
                "mae_median": n["mae"].median(),
                "mse_best": best["mse"],
                "mse_median": n["mse"].median(),
                "max_err_best": best["max_error"],
                "max_err_median": n["max_error"].median(),
                "collapsed": f"{int(n['collapsed'].sum())}/{len(n)}",
                "best_seed": int(best["seed"]),
                "binaries": int(s["binaries"].iloc[0]) if len(s) else 0,
                "solve_median_s": s["wall_time"].median(),
                "solve_max_s": s["wall_time"].max(),
                "time_limit_hits": int((s["termination"] == Termination.TIME_LIMIT).sum()),
                # a solve that found no point has an unknown regret: infinite, never dropped from the summary
                "opt_err_median": s["opt_error"].fillna(math.inf).median() if len(s) else math.nan,
                "opt_err_max": s["opt_error"].fillna(math.inf).max() if len(s) else math.nan,
                "blog_mae": blog_mae(arch_name) if source == TRAINED else None,
            }
        )
    return pd.DataFrame(rows)


FORMATS = {
    "mae_best": "{:.2e}",
    "mae_median": "{:.2e}",
    "mse_best": "{:.2e}",
    "mse_median": "{:.2e}",
    "max_err_best": "{:.2e}",
    "max_err_median": "{:.2e}",
    "solve_median_s": "{:.3f}",
    "solve_max_s": "{:.3f}",
    "opt_err_median": "{:.1e}",
    "opt_err_max": "{:.1e}",
    "blog_mae": "{:.3g}",
}


def format_table(table: pd.DataFrame) -> str:
    """``table`` as text, each number in the format of its column (:data:`FORMATS`; ``-`` where missing).

    Parameters
    ----------
    table
        A sweep's table (``table.csv``).
    """
    shown = table.copy()
    for col, fmt in FORMATS.items():
        if col in shown:
            shown[col] = [("-" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)) for v in shown[col]]
    return shown.to_string(index=False)
