"""Writing a model zoo: a sweep's best nets, hand-built nets, and stored layer bounds.

The read side (the manifest's format, :func:`~surrogate.nets.zoo_manifest.load_manifest`,
:func:`~surrogate.nets.zoo.resolve_surrogate`) lives in :mod:`surrogate.nets.zoo`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigError, ModelFormatError
from ..milp.bounds import DEFAULT_MILP_NODE_LIMIT, DEFAULT_MILP_TIME_LIMIT, attach_bounds, check_methods, compute_bounds
from ..nets.architecture import Architecture
from ..nets.construct import hand_built, useful_plans
from ..nets.construct_estimate import USEFUL_BOUND, VARIANTS
from ..nets.metrics import score
from ..nets.onnx_io import export_onnx, load_onnx
from ..nets.sources import TRAINED, hand_built_source
from ..nets.zoo import MANIFEST, check_entry_file, load_manifest, read_zoo, zoo_name
from ..nets.zoo_pending import merged_entries, staged, write_manifest
from .sweep_tables import best_rows


def save_models(result, zoo_dir: str | Path) -> list[dict]:
    """Copy the selected net of every shape and source of a sweep into ``zoo_dir``; update its manifest.

    Trained nets are named ``b<budget>-<protocol>-<arch>``, hand-built ones
    ``b<budget>-<source>-<arch>``. A new entry replaces the one of the same
    name and keeps the others. Each entry is made, with its file's SHA-256,
    before the file replaces the old one, so an interrupted save leaves every
    name with either its old entry and file or its new ones (:func:`_merge`).

    Parameters
    ----------
    result
        What :func:`~surrogate.experiments.sweep.run_sweep` returned (a ``SweepResult``).
    zoo_dir
        The zoo's folder, made if missing; its ``manifest.json`` is updated.

    Returns
    -------
    list of dict
        The manifest entries written, one per net saved.

    Raises
    ------
    ConfigError
        If ``result`` is not a :class:`~surrogate.experiments.sweep.SweepResult`, or ``zoo_dir`` is empty
        (``''`` would mean the current folder).
    """
    if not all(hasattr(result, name) for name in ("config", "nets", "out_dir")):  # what is read of a SweepResult
        raise ConfigError(f"save_models: result={result!r} must be a SweepResult, e.g. run_sweep(config, 'results/sweep')")
    if not isinstance(zoo_dir, (str, os.PathLike)) or not os.fspath(zoo_dir):
        raise ConfigError(
            f"save_models: zoo_dir={zoo_dir!r} must be the path of the zoo folder to write, e.g. 'zoo' ('.' for this one)"
        )
    zoo_dir = Path(zoo_dir)
    manifest = load_manifest(zoo_dir)
    protocol = result.config.protocol
    added = []
    with _recorded(zoo_dir, manifest, added):
        for _, row in best_rows(result.nets).iterrows():
            _save_entry(result, row, protocol, zoo_dir, added)
    return added


def _save_entry(result, row, protocol, zoo_dir: Path, added: list) -> None:
    """Copy one selected net of a sweep into ``zoo_dir``, its manifest entry noted in ``added`` (:func:`~surrogate.nets.zoo_pending.staged`)."""
    arch = Architecture.parse(row["arch"])
    trained = row["source"] == TRAINED
    name = zoo_name(arch, protocol.name if trained else row["source"])
    entry = {
        "name": name,
        "file": f"{name}.onnx",
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
    with staged(zoo_dir, entry, added) as tmp:
        shutil.copyfile(result.out_dir / "nets" / row["file"], tmp)


@contextmanager
def _recorded(zoo_dir: Path, manifest: dict, added: list, *, sort: bool = True):
    """Merge ``added`` into the manifest when the block ends, also when it is interrupted (:func:`_merge`):
    every file replaced is then recorded with its own entry, so the zoo stays usable (and a rerun resumes)."""
    try:
        yield
    except BaseException:
        if added:  # nothing replaced: the manifest is left alone (a read-only zoo's error stays the first one)
            _merge(zoo_dir, manifest, added, sort=sort, interrupted=True)
        raise
    if added or not (zoo_dir / MANIFEST).exists():  # nothing saved into a zoo: its manifest is left as it is
        _merge(zoo_dir, manifest, added, sort=sort)


def save_hand_built(
    archs, zoo_dir: str | Path, *, variants=VARIANTS, max_bound: float = USEFUL_BOUND, active_margin: float = 0.0
) -> list[dict]:
    """Export every hand-built net of ``archs`` that fits (and beats max error ``max_bound``, by default
    :data:`~surrogate.nets.construct_estimate.USEFUL_BOUND` as for :func:`~surrogate.nets.construct.useful_plans`) into
    the zoo.

    Entries are named ``b<neurons>-<source>-<arch>`` with the source of
    :func:`~surrogate.nets.sources.hand_built_source` (``hand-shared``, or ``hand-shared-fixed`` when
    ``active_margin > 0``: see :func:`~surrogate.nets.construct.hand_built`), scored as stored
    (float32), and merged into the manifest like :func:`save_models` does.
    """

    zoo_dir = Path(zoo_dir)
    manifest = load_manifest(zoo_dir)
    added = []
    shapes = dict.fromkeys(Architecture.parse(a) for a in archs)  # '2x6' and '6-6' are one shape, saved once
    with _recorded(zoo_dir, manifest, added):
        for arch, (variant, built) in ((a, plan) for a in shapes for plan in useful_plans(a, variants, max_bound=max_bound)):
            net = hand_built(arch, variant, active_margin=active_margin).rounded_to_float32()
            s = score(net)
            source = hand_built_source(variant, active_margin=active_margin)
            name = zoo_name(arch, source)
            entry = {
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
            with staged(zoo_dir, entry, added) as tmp:
                export_onnx(net, tmp, metadata={"error_bound": built.error_bound, "metrics": s.to_dict()})
    return added


def _merge(zoo_dir: Path, manifest: dict, added: list[dict], *, sort: bool = True, interrupted: bool = False) -> None:
    """Put the entries of ``added`` in the manifest, each in place of the entry of its name (in order of budget,
    kind and name with ``sort``), and write the manifest once.

    An entry of ``added`` is taken only when its file on disk has the SHA-256 it records
    (:func:`~surrogate.nets.zoo_pending.merged_entries`), so an interrupted save never pairs an entry with
    another file: a name whose new file did not replace the old one keeps its old entry, and a file that is
    missing never gets a hash. Until the manifest is written, every read takes the entries from the pending
    file :func:`~surrogate.nets.zoo_pending.staged` wrote, so an interruption here loses none. Outside an
    ``interrupted`` save, an entry not taken raises
    :class:`~surrogate.errors.ModelFormatError` once the manifest is written.
    """
    models = merged_entries(zoo_dir, manifest["models"], added)
    manifest["models"] = sorted(models, key=lambda m: (m["budget"], m["kind"], m["name"])) if sort else models
    write_manifest(zoo_dir, manifest)
    lost = sorted({a["name"] for a in added} - {m["name"] for m in manifest["models"] if m in added})
    if lost and not interrupted:  # its file is not the one just written (read back wrong, another writer): say so
        raise ModelFormatError(
            f"{zoo_dir}: the files of {', '.join(lost)} are not the ones just written, so their manifest entries were "
            "kept as they were; save them again"
        )


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
    :class:`~surrogate.errors.ConfigError`. ``methods`` (default: all of
    :data:`~surrogate.milp.bounds.BOUND_METHODS`) and ``names`` may each be one string
    (``'interval'``, ``'b12-best-2x6'``); an empty list of methods is refused, an empty list of names stores
    none. Returns one summary row per net and method.

    Bounds from OBBT solves that ``time_limit`` stopped depend on the machine's load, so a net with any is
    refused with :class:`~surrogate.errors.ConfigError` and its file left as it was (the nets stored before it
    stay stored); ``node_limit`` caps the solves the same way on any machine.
    """
    zoo_dir = Path(zoo_dir)
    methods = check_methods(methods, "store_bounds")
    names = [names] if isinstance(names, str) else names
    entries = read_zoo(zoo_dir)["models"]
    unknown = sorted(set(names or ()) - {e["name"] for e in entries})
    if unknown:
        raise ConfigError(f"store_bounds: {', '.join(unknown)} not in {zoo_dir / MANIFEST}; name nets of that zoo")
    rows, added = [], []
    with _recorded(zoo_dir, load_manifest(zoo_dir), added, sort=False):
        for entry in [e for e in entries if names is None or e["name"] in names]:
            net = load_onnx(check_entry_file(zoo_dir, entry))
            net = net.with_metadata(**{k: v for k, v in net.metadata.items() if k != "bounds"})
            found = [compute_bounds(net, m, time_limit=time_limit, node_limit=node_limit) for m in methods]
            _check_untimed(entry["name"], found, time_limit=time_limit, stored=bool(added))
            rows += [{"name": entry["name"], **b.summary()} for b in found]
            with staged(zoo_dir, entry, added) as tmp:  # noted with its new SHA-256 before it replaces the file
                export_onnx(attach_bounds(net, *found), tmp)
    return rows


def _check_untimed(name: str, found, *, time_limit: float, stored: bool) -> None:
    """:class:`ConfigError` where ``time_limit`` stopped some OBBT solve of ``found`` (``name``'s bounds by method)."""
    cut = {b.method: b.timed_out for b in found if b.timed_out}
    if cut:
        which = ", ".join(f"{n} of its {m} solves" for m, n in cut.items())
        kept = "; the nets before it were stored" if stored else ""
        raise ConfigError(
            f"store_bounds: time_limit={time_limit:g} s (--time-limit) stopped {which} for {name}, so its bounds "
            f"depend on the machine's load and it was not stored{kept}; rerun with a larger time limit, and cap the "
            "solves by node_limit (--node-limit), which does not depend on load"
        )
