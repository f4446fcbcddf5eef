"""A zoo family trained for solve time: zoo nets fine-tuned with stability penalties and pruned on exact bounds.

For every shape and every penalty weight ``λ``, :func:`build_stable_zoo` takes
the start net ``b<budget>-<start>-<shape>`` of a zoo (the shipped one by
default) and runs :func:`~surrogate.train.solve_time.train_for_solve_time` with
``bounds_of`` the exact bounds ``net_bounds(net, 'milp')``: neurons stable on
the box are fixed (stable-inactive zeroed, stable-active made linear) before
and after the penalty phase, and the rest fine-tuned. Each net is then scored
(:func:`~surrogate.nets.metrics.score`, the 401 x 401 grid), its MILP measured
(unstable neurons and big-M width under ``milp`` bounds) next to its start's,
and exported with its bounds, ``λ`` and the training settings in its metadata
as ``b<budget>-stable-l<λ>-<shape>`` (started from ``best``) or
``b<budget>-stable-<start>-l<λ>-<shape>`` (:func:`~surrogate.nets.sources.stable_source`).
Its entry is merged into ``manifest.json`` of the output folder (files written
atomically, each entry with its file's SHA-256); ``family.csv`` holds every
row, exported or not (rows of other runs kept, one of the same name replaced).

Regenerate the family in ``models/stable/`` (about 7 CPU minutes, one thread)::

    python -m surrogate.experiments.stable_zoo models/stable
    python -m surrogate.experiments.stable_zoo models/stable --start hand-shared --shapes 3x8 4x6 --lams 0 0.3 1 3
    python -m surrogate.experiments.stable_zoo models/stable --start hand-paired --shapes 3x8 --lams 0 0.3 1 3
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, SurrogateError
from ..files import write_text
from ..milp.bounds import BOUND_METHODS, net_bounds, with_stored_bounds
from ..nets.architecture import Architecture
from ..nets.metrics import score
from ..nets.onnx_io import export_onnx, load_onnx
from ..nets.sources import DEFAULT_STABLE_START, stable_source
from ..nets.zoo import DEFAULT_ZOO, check_entry_file, load_manifest, parse_zoo_name, read_zoo, zoo_name
from ..nets.zoo_pending import merged_entries, staged, write_manifest
from ..options import MAX_CPU_THREADS, check_count
from ..train.packed import torch_threads
from ..train.solve_time import SolveTimeConfig, train_for_solve_time

#: Shapes of the family: the 24-neuron constant-width shapes whose zoo nets reach grid MAE <= 1e-3.
DEFAULT_SHAPES = ("2x12", "3x8", "4x6")
#: Penalty weights of the family (λ multiplies a mean over neurons; the fit term is ~1e-4).
DEFAULT_LAMS = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0)
#: Grid MAE a family net must reach to be exported by default.
TARGET_MAE = 1e-3
#: The family table written next to the manifest: every net trained, exported or not.
FAMILY_FILE = "family.csv"


def start_net(shape: str, *, start: str = DEFAULT_STABLE_START, zoo: str | Path = DEFAULT_ZOO) -> tuple:
    """The zoo net ``b<budget>-<start>-<shape>`` and its manifest entry (the file checked against it).

    Raises
    ------
    ConfigError
        If the zoo has no such net.
    """
    name = zoo_name(Architecture.parse(shape), start)
    entries = {m["name"]: m for m in read_zoo(zoo)["models"]}
    if name not in entries:
        raise ConfigError(
            f"zoo {zoo} has no net {name!r} to start from; pick a shape and start source listed in its "
            f"manifest.json (e.g. shapes {', '.join(DEFAULT_SHAPES)} with start='best')"
        )
    return load_onnx(check_entry_file(zoo, entries[name])), entries[name]


def _milp_hidden(net):
    return net_bounds(net, "milp").hidden


def _measure(net, prefix: str = "") -> dict:
    """Grid errors and MILP size (``milp`` bounds) of ``net``, keys prefixed by ``prefix``."""
    s, b = score(net), net_bounds(net, "milp")
    values = {
        "mae": s.mae,
        "max_error": s.max_error,
        "unstable": b.unstable,
        "bigm_width": b.bigm_width,
        "stable_active": b.stable_active,
        "stable_inactive": b.stable_inactive,
    }
    return {prefix + k: v for k, v in values.items()}


def train_one(start, start_entry: dict, lam: float, config: SolveTimeConfig) -> tuple:
    """Fine-tune ``start`` (zoo entry ``start_entry``) with weight ``lam`` and exact pruning.

    Returns ``(net, row)``: the net carrying its metadata (λ, penalties, the
    config and report of the training, its start, metrics, MILP size), and its
    row of the family table (errors and MILP size, the start's next to them).
    """
    config = replace(config, lam=float(lam))
    source = stable_source(lam, start=parse_zoo_name(start_entry["name"]).source)
    began = time.process_time()
    net, report = train_for_solve_time(start, config, bounds_of=_milp_hidden)
    seconds = time.process_time() - began
    arch = net.architecture
    row = {
        "name": zoo_name(arch, source),
        "arch": arch.name,
        "lam": float(lam),
        **_measure(net),
        "start": start_entry["name"],
        **_measure(start, "start_"),
        "fixed_active": report.fixed_active,
        "fixed_inactive": report.fixed_inactive,
        "cpu_s": seconds,
    }
    metadata = {
        "architecture": arch.name,
        "source": source,
        "lam": float(lam),
        "penalties": list(config.penalties),
        "solve_time_config": config.to_dict(),
        "solve_time_report": report.to_dict(),
        "start": start_entry["name"],
        "start_sha256": start_entry.get("sha256", ""),
        "metrics": score(net).to_dict(),
        "milp_size": {k: row[k] for k in ("unstable", "bigm_width", "stable_active", "stable_inactive")},
    }
    return net.with_metadata(**metadata), row


def export_member(net, row: dict, out_dir: str | Path) -> dict:
    """Export ``net`` (with its ``interval``/``lp``/``milp`` bounds stored) to ``out_dir``; return its manifest entry.

    The entry, with the new file's SHA-256, is noted as pending before the file replaces the old one
    (:func:`~surrogate.nets.zoo_pending.staged`), so a build interrupted before :func:`merge_entries` writes
    the manifest leaves every net loadable (an earlier save's pending entries are kept with it).
    """
    out_dir = Path(out_dir)
    s = json.loads(net.metadata["metrics"])
    config = json.loads(net.metadata["solve_time_config"])
    entry = {
        "name": row["name"],
        "file": f"{row['name']}.onnx",
        "kind": "trained",
        "source": net.metadata["source"],
        "architecture": row["arch"],
        "budget": Architecture.parse(row["arch"]).neurons,
        "mae": s["mae"],
        "mse": s["mse"],
        "max_error": s["max_error"],
        "collapsed": s["collapsed"],
        "protocol": "solve-time",
        "seed": config["seed"],
        "lam": row["lam"],
        "penalties": config["penalties"],
        "start": row["start"],
        "unstable": row["unstable"],
        "bigm_width": row["bigm_width"],
    }
    added = []
    with staged(out_dir, entry, added) as tmp:
        export_onnx(with_stored_bounds(net, BOUND_METHODS), tmp)
    return added[-1]


def merge_entries(out_dir: str | Path, added: Sequence[dict]) -> dict:
    """Merge ``added`` (entries of :func:`export_member`, each with the SHA-256 of the file it wrote) into
    ``out_dir/manifest.json`` (same name replaced); written atomically.

    Raises
    ------
    ConfigError
        If a file of ``added`` is missing or no longer the one its entry records (its hash is never taken
        from the file on disk: that paired an entry with a file its build did not write).
    """
    out_dir = Path(out_dir)
    manifest = load_manifest(out_dir)
    merged = merged_entries(out_dir, manifest["models"], added)
    for entry in added:
        if not any(m is entry for m in merged):
            raise ConfigError(
                f"{out_dir / entry['file']}: the file of {entry['name']!r} cannot be read or is not the one "
                "this build wrote; train the family again"
            )
    manifest["models"] = sorted(merged, key=lambda m: (m["budget"], m["architecture"], m.get("lam", 0.0), m["name"]))
    write_manifest(out_dir, manifest)
    return manifest


def build_stable_zoo(
    out_dir: str | Path,
    *,
    shapes: Sequence[str] = DEFAULT_SHAPES,
    lams: Sequence[float] = DEFAULT_LAMS,
    config: SolveTimeConfig | None = None,
    start: str = DEFAULT_STABLE_START,
    zoo: str | Path = DEFAULT_ZOO,
    max_mae: float | None = TARGET_MAE,
    threads: int = 1,
) -> pd.DataFrame:
    """Fine-tune the zoo's ``start`` net of every shape at every ``λ`` in ``lams``; export the good ones to ``out_dir``.

    Parameters
    ----------
    out_dir
        The family's folder: ONNX files, ``manifest.json``, ``family.csv``.
    shapes, lams
        The start shapes (each must have a ``b<budget>-<start>-<shape>`` zoo net) and penalty weights.
    config
        Training settings (:class:`~surrogate.train.solve_time.SolveTimeConfig`; its ``lam`` is replaced by each of ``lams``).
    start, zoo
        Source label and zoo of the start nets.
    max_mae
        Export only nets with grid MAE at most this (``None``: all); every net is in ``family.csv``.
    threads
        Torch threads while training (1: the same numbers on every run).

    Returns
    -------
    pandas.DataFrame
        One row per net (``exported`` says whether it went into the manifest).
    """
    config = SolveTimeConfig() if config is None else config
    threads = check_count("build_stable_zoo: threads", threads, high=MAX_CPU_THREADS)
    if max_mae is not None and not (isinstance(max_mae, (int, float)) and max_mae > 0):
        raise ConfigError(f"max_mae={max_mae!r} must be a positive number (e.g. 1e-3) or None to export every net")
    for lam in lams:  # every weight checked before anything is written (or trained), and the name it gives
        replace(config, lam=lam)
        stable_source(lam, start=start)
    starts = {shape: start_net(shape, start=start, zoo=zoo) for shape in shapes}
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir} is a file, not a folder; pass a folder for the family, e.g. models/stable")
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    with torch_threads(threads):
        for net, entry in starts.values():
            for lam in lams:
                trained, row = train_one(net, entry, lam, config)
                row["exported"] = max_mae is None or row["mae"] <= max_mae
                if row["exported"]:
                    merge_entries(out_dir, [export_member(trained, row, out_dir)])
                rows.append(row)
                merge_family(out_dir, rows)
    return pd.DataFrame(rows)


def merge_family(out_dir: str | Path, rows: Sequence[dict]) -> pd.DataFrame:
    """Merge ``rows`` into ``out_dir/family.csv`` (a row of the same name replaced, others kept); written atomically."""
    path = Path(out_dir) / FAMILY_FILE
    added = pd.DataFrame(list(rows))
    if path.is_file():
        kept = pd.read_csv(path)
        kept = kept[~kept["name"].isin(added["name"])]
        added = pd.concat([kept, added], ignore_index=True) if len(kept) else added
    write_text(path, added.to_csv(index=False, lineterminator="\n"))
    return added


def family_table(rows: pd.DataFrame) -> str:
    """The family as a fixed-width text table: errors and MILP size next to the start's."""
    cols = ["name", "lam", "mae", "max_error", "unstable", "bigm_width", "start_mae", "start_unstable", "start_bigm_width"]
    return rows[cols].to_string(index=False, float_format=lambda v: f"{v:.3g}")


def main(argv: Sequence[str] | None = None) -> pd.DataFrame:
    """``python -m surrogate.experiments.stable_zoo OUT_DIR [--shapes ...] [--lams ...]``: build the family, print its table."""
    parser = argparse.ArgumentParser(
        prog="python -m surrogate.experiments.stable_zoo",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        allow_abbrev=False,  # as the surrogate command's: '--lam x' was read as '--lams x'
    )
    parser.add_argument("out_dir", help="folder of the family (ONNX files, manifest.json, family.csv)")
    parser.add_argument("--shapes", nargs="+", default=list(DEFAULT_SHAPES), help="start shapes, e.g. 3x8 4x6")
    parser.add_argument("--lams", nargs="+", type=float, default=list(DEFAULT_LAMS), help="penalty weights")
    parser.add_argument("--max-mae", type=float, default=TARGET_MAE, help="export only nets with grid MAE <= this")
    parser.add_argument(
        "--start",
        default=DEFAULT_STABLE_START,
        help="source of the start nets b24-<start>-<shape> in the zoo, e.g. best or hand-shared",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the training points")
    args = parser.parse_args(argv)
    try:
        config = SolveTimeConfig(seed=args.seed)
        rows = build_stable_zoo(
            args.out_dir, shapes=args.shapes, lams=args.lams, config=config, start=args.start, max_mae=args.max_mae
        )
    except SurrogateError as exc:  # one line, as every command's expected failure is
        parser.exit(2, f"{parser.prog}: error: {' '.join(str(exc).split())}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: interrupted\n")
    print(family_table(rows))
    return rows


if __name__ == "__main__":
    main()
