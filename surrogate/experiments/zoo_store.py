"""Writing a model zoo: a sweep's best nets, hand-built nets, and stored layer bounds.

The read side (the manifest's format, :func:`~surrogate.nets.zoo.load_manifest`,
:func:`~surrogate.nets.zoo.resolve_surrogate`) lives in :mod:`surrogate.nets.zoo`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigError
from ..files import atomic_path, sha256_file, write_text
from ..milp.bounds import BOUND_METHODS, DEFAULT_MILP_NODE_LIMIT, DEFAULT_MILP_TIME_LIMIT, attach_bounds, compute_bounds
from ..nets.architecture import Architecture
from ..nets.construct import hand_built, useful_plans
from ..nets.metrics import score
from ..nets.onnx_io import export_onnx, load_onnx
from ..nets.sources import TRAINED, hand_built_source
from ..nets.zoo import MANIFEST, check_entry_file, load_manifest, read_zoo, zoo_name
from .sweep_tables import best_rows


def save_models(result, zoo_dir: str | Path) -> list[dict]:
    """Copy the selected net of every shape and source of a sweep into ``zoo_dir``; update its manifest.

    Trained nets are named ``b<budget>-<protocol>-<arch>``, hand-built ones
    ``b<budget>-<source>-<arch>``. A new entry replaces the one of the same
    name and keeps the others.
    """

    zoo_dir = Path(zoo_dir)
    manifest = load_manifest(zoo_dir)
    protocol = result.config.protocol
    added, written = [], []
    with _recorded(zoo_dir, manifest, added, written):
        for _, row in best_rows(result.nets).iterrows():
            added.append(_saved_entry(result, row, protocol, zoo_dir, written))
    return added


def _saved_entry(result, row, protocol, zoo_dir: Path, written: list) -> dict:
    """Copy one selected net of a sweep into ``zoo_dir`` (its file noted in ``written`` first); its manifest entry."""
    arch = Architecture.parse(row["arch"])
    trained = row["source"] == TRAINED
    name = zoo_name(arch, protocol.name if trained else row["source"])
    target = zoo_dir / f"{name}.onnx"
    written.append(target.name)
    with atomic_path(target) as tmp:
        shutil.copyfile(result.out_dir / "nets" / row["file"], tmp)
    entry = {
        "name": name,
        "file": target.name,
        "kind": "trained" if trained else "hand-built",
        "source": row["source"],
        "architecture": arch.name,
        "budget": arch.neurons,
        "mae": float(row["mae"]),
        "mse": float(row["mse"]),
        "max_error": float(row["max_error"]),
        "collapsed": bool(row["collapsed"]),
    }
    if trained:
        epochs = protocol.resolve(arch).epochs  # 'best' starts a hand-built shape with fewer epochs
        entry.update(protocol=protocol.name, epochs=epochs, seed=int(row["seed"]), val_mae=float(row["val_mae"]))
    else:
        entry.update(error_bound=float(row["error_bound"]))
    return entry


@contextmanager
def _recorded(zoo_dir: Path, manifest: dict, added: list, written: list):
    """Merge ``added`` into the manifest and re-hash every file in ``written`` when the block ends, also when it
    is interrupted (:func:`_merge`): every file replaced is then recorded as it is, so the zoo stays usable."""
    try:
        yield
    finally:
        _merge(zoo_dir, manifest, added, written)


def save_hand_built(
    archs, zoo_dir: str | Path, *, variants=("paired", "shared"), max_bound: float = 0.25, active_margin: float = 0.0
) -> list[dict]:
    """Export every hand-built net of ``archs`` that fits (and beats max error ``max_bound``) into the zoo.

    Entries are named ``b<neurons>-<source>-<arch>`` with the source of
    :func:`~surrogate.nets.sources.hand_built_source` (``hand-shared``, or ``hand-shared-fixed`` when
    ``active_margin > 0``: see :func:`~surrogate.nets.construct.hand_built`), scored as stored
    (float32), and merged into the manifest like :func:`save_models` does.
    """

    zoo_dir = Path(zoo_dir)
    manifest = load_manifest(zoo_dir)
    added, written = [], []
    shapes = dict.fromkeys(Architecture.parse(a) for a in archs)  # '2x6' and '6-6' are one shape, saved once
    with _recorded(zoo_dir, manifest, added, written):
        for arch, (variant, built) in ((a, plan) for a in shapes for plan in useful_plans(a, variants, max_bound=max_bound)):
            net = hand_built(arch, variant, active_margin=active_margin).rounded_to_float32()
            s = score(net)
            source = hand_built_source(variant, active_margin=active_margin)
            name = zoo_name(arch, source)
            written.append(f"{name}.onnx")
            export_onnx(net, zoo_dir / f"{name}.onnx", metadata={"error_bound": built.error_bound, "metrics": s.to_dict()})
            added.append(
                {
                    "name": name,
                    "file": f"{name}.onnx",
                    "kind": "hand-built",
                    "source": source,
                    "architecture": arch.name,
                    "budget": arch.neurons,
                    "mae": s.mae,
                    "mse": s.mse,
                    "max_error": s.max_error,
                    "collapsed": s.collapsed,
                    "error_bound": built.error_bound,
                }
            )
    return added


def _merge(zoo_dir: Path, manifest: dict, added: list[dict], written: Sequence[str] = (), *, sort: bool = True) -> None:
    """Replace the manifest's entries of the names in ``added`` by ``added`` (in order of budget, kind and name
    with ``sort``), record the current SHA-256 of every entry whose file is ``added``'s or in ``written``
    (rewritten), and write the manifest once."""
    added = list({a["name"]: a for a in added}.values())  # a name written twice: its last entry, once
    keep = [m for m in manifest["models"] if m["name"] not in {a["name"] for a in added}]
    manifest["models"] = sorted(keep + added, key=lambda m: (m["budget"], m["kind"], m["name"])) if sort else keep + added
    fresh = {a["file"] for a in added} | set(written)
    for entry in manifest["models"]:
        if entry["file"] in fresh:
            entry["sha256"] = sha256_file(zoo_dir / entry["file"])
    write_text(zoo_dir / MANIFEST, json.dumps(manifest, indent=2) + "\n")


def store_bounds(
    zoo_dir: str | Path,
    methods=None,
    *,
    names: Sequence[str] | None = None,
    time_limit: float = DEFAULT_MILP_TIME_LIMIT,
    node_limit: int = DEFAULT_MILP_NODE_LIMIT,
) -> list[dict]:
    """Compute zoo nets' layer bounds on their domain and store them in their ONNX files.

    Each file is re-exported (atomically, checked against onnxruntime) with a
    ``bounds`` metadata entry per method; :func:`surrogate.milp.bounds.net_bounds`
    reads them back whenever the weights' fingerprint matches, so a model
    using a zoo net never pays for bound tightening. ``names`` (default: every
    net of the manifest) picks the nets; a name not in the manifest raises
    :class:`~surrogate.errors.ConfigError`. Returns one summary row per net and method.
    """
    zoo_dir = Path(zoo_dir)
    entries = read_zoo(zoo_dir)["models"]
    unknown = sorted(set(names or ()) - {e["name"] for e in entries})
    if unknown:
        raise ConfigError(f"store_bounds: {', '.join(unknown)} not in {zoo_dir / MANIFEST}; name nets of that zoo")
    rows, written = [], []
    try:
        for entry in [e for e in entries if names is None or e["name"] in names]:
            path = check_entry_file(zoo_dir, entry)
            net = load_onnx(path)
            net = net.with_metadata(**{k: v for k, v in net.metadata.items() if k != "bounds"})
            found = [compute_bounds(net, m, time_limit=time_limit, node_limit=node_limit) for m in methods or BOUND_METHODS]
            rows += [{"name": entry["name"], **b.summary()} for b in found]
            export_onnx(attach_bounds(net, *found), path)
            written.append(entry["file"])
    finally:  # an interrupted run leaves every file it rewrote recorded, so the zoo stays usable and a rerun resumes
        if written:
            _merge(zoo_dir, load_manifest(zoo_dir), [], written, sort=False)
    return rows
