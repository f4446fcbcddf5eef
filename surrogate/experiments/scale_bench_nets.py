"""The nets of a ``surrogate bench scale`` run: zoo names, ONNX paths and baselines, resolved to :class:`NetRef` s."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import ConfigError, ModelFormatError
from ..files import sha256_file
from ..milp.baselines import parse_baseline
from ..milp.bounds import milp_identity
from ..nets.metrics import grid, score
from ..nets.network import unit_box
from ..nets.onnx_files import model_digest
from ..nets.onnx_io import load_onnx
from ..nets.zoo import find_entry, names_a_file, read_zoo
from .scale_bench_config import ScaleBenchConfig

__all__ = ["BASELINE", "NET", "NetRef", "load_net", "resolve_nets"]


#: :attr:`NetRef.kind` of a ReLU net (zoo name or ONNX path) and of a classic approximation (a baseline's name).
NET, BASELINE = "net", "baseline"


@dataclass(frozen=True)
class NetRef:
    """A net of the run: its label in the tables, zoo ``name`` (or ONNX path), ``zoo`` folder, grid errors and hash.

    The grid errors are the manifest's for a zoo net, and scored on the same grid
    for an ONNX path made for [-1, 1]^2 (NaN for one made for another box).

    ``same_as`` is the label of an earlier net of the run whose MILP this one's
    equals (:func:`milp_identity`); its solves are that net's, not run again.
    A baseline (``kind`` :data:`BASELINE`) has its name as ``name``, no zoo or
    hash, and its errors on the same grid as a zoo net's.
    """

    label: str
    name: str
    zoo: str
    mae: float
    max_error: float
    sha256: str
    same_as: str = ""
    kind: str = NET


def _onnx_ref(path: str) -> NetRef:
    """An ONNX net of the run, scored on the zoo's grid where it is made for [-1, 1]^2 (else its errors are unknown: NaN).

    Its hash is :func:`~surrogate.nets.onnx_files.model_digest`'s, which covers the external-data files the
    ``.onnx`` file names: new weights of the same shapes leave that file byte-identical.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"net {path!r}: no such ONNX file; pass an existing .onnx path or a zoo name")
    net = load_onnx(file)
    mae = max_error = math.nan
    if net.domain == unit_box(2):  # the grid errors of nets made for another box are not comparable
        scored = score(net)  # load_onnx has checked that it is 2 -> ... -> 1
        mae, max_error = scored.mae, scored.max_error
    return NetRef(file.stem, str(file.resolve()), "", mae, max_error, model_digest(file) or sha256_file(file))


def _zoo_entries(config: ScaleBenchConfig) -> list[tuple[str, dict]]:
    """(zoo, manifest entry) of every zoo net of the run, ONNX paths left out."""
    if not config.nets:
        found = [
            (zoo, e)
            for zoo in config.zoos
            for e in sorted(read_zoo(zoo)["models"], key=lambda e: e["name"])
            if e["budget"] == config.budget and e["mae"] <= config.max_mae
        ]
        if not found:
            raise ConfigError(
                f"no net of {config.budget} neurons with grid MAE <= {config.max_mae:g} in the zoos "
                f"{', '.join(config.zoos)}; name nets (--net), or raise max_mae"
            )
        return found
    found = []
    for name in (n for n in config.nets if not names_a_file(n)):
        hits = [(zoo, e) for zoo in config.zoos if (e := find_entry(zoo, name)) is not None]
        if not hits:
            raise ConfigError(
                f"net {name!r} is in none of the zoos {', '.join(config.zoos)}; use a name from their "
                "manifest.json (e.g. b24-best-3x8), add its zoo with --zoo DIR, or pass an ONNX path"
            )
        found += hits
    return found


def _baseline_ref(name: str) -> NetRef:
    """A baseline of the run, its grid MAE and max error measured as a zoo net's are (:func:`~surrogate.nets.metrics.grid`)."""
    baseline = parse_baseline(name)
    points = grid()
    error = np.abs(baseline.evaluate(points[:, 0], points[:, 1]) - points[:, 0] * points[:, 1])
    return NetRef(name, name, "", float(error.mean()), float(error.max()), "", kind=BASELINE)


def _mark_twins(refs: list[NetRef]) -> list[NetRef]:
    """``refs`` with ``same_as`` set on every net whose MILP an earlier one already gives.

    Every net is read here, so a file that is not a 2-input ReLU MLP stops the
    run before any solve, with the reason (:class:`~surrogate.errors.ModelFormatError`).
    """
    first, marked = {}, []
    for ref in refs:
        if ref.kind == BASELINE:
            marked.append(ref)
            continue
        identity = milp_identity(load_net(ref.name, ref.zoo))
        twin = first.setdefault(identity, ref.label)
        marked.append(ref if twin == ref.label else replace(ref, same_as=twin))
    return marked


def resolve_nets(config: ScaleBenchConfig) -> list[NetRef]:
    """The nets of the run, labelled by zoo name; a name already taken by an earlier zoo becomes ``<folder>/<name>``.

    A net whose MILP equals an earlier net's (:func:`milp_identity`; e.g. a
    ``best`` net that is a hand-built one, metadata aside) is marked ``same_as``
    that net: its rows in the tables are copies of that net's solves.

    Parameters
    ----------
    config
        The run's :class:`~surrogate.experiments.scale_bench_config.ScaleBenchConfig`.
    """
    refs, taken = [], set()
    for zoo, entry in _zoo_entries(config):
        name = entry["name"]
        label = name if name not in taken else f"{Path(zoo).name}/{name}"
        taken.add(name)
        sha = _entry_sha(zoo, entry)
        refs.append(NetRef(label, name, zoo, float(entry["mae"]), float(entry.get("max_error", math.nan)), sha))
    refs += [_onnx_ref(n) for n in config.nets if names_a_file(n)]
    refs += [_baseline_ref(name) for name in config.baselines]
    if len({r.label for r in refs}) != len(refs):
        raise ConfigError(f"two nets share a label ({', '.join(r.label for r in refs)}); rename an ONNX file")
    return _mark_twins(refs)


def load_net(net: str, zoo: str, kind: str = NET, sha256: str = ""):
    """The net of a unit: zoo name ``net`` from ``zoo``, an ONNX path (``zoo`` empty), or a baseline's name.

    With ``sha256`` (the file's when the run began, part of the unit's cache key; an ONNX path's covers its
    external-data files, :func:`~surrogate.nets.onnx_files.model_digest`), a file that has changed since is refused (:class:`~surrogate.errors.ModelFormatError`): its solves would be cached
    under the other file's key.

    Parameters
    ----------
    net
        A zoo name, an ONNX path or a baseline's name.
    zoo
        The zoo folder of a zoo name (empty for an ONNX path).
    kind
        ``'net'`` or ``'baseline'``.
    sha256
        The file's digest when the run began (empty: not checked).
    """
    from ..milp.bilinear import resolve_surrogate

    if kind == BASELINE:
        return parse_baseline(net)
    entry = find_entry(zoo, net) if zoo else None
    path = Path(zoo) / entry["file"] if entry is not None else Path(net)
    if entry is not None:  # the zoo's loader checks the file against its entry's SHA-256: the file is hashed once
        changed = bool(sha256) and _entry_sha(zoo, entry) != sha256
    else:  # a path that is no file is named by the loader below
        changed = bool(sha256) and path.is_file() and model_digest(path) != sha256
    if changed:
        raise ModelFormatError(
            f"{path}: the net's file changed while the run was going (its SHA-256 is not the one it began with); "
            "restore it and run the command again, which resumes, or run it again to solve the new file"
        )
    return resolve_surrogate(net, zoo=zoo) if zoo else resolve_surrogate(net)


def _entry_sha(zoo: str, entry: dict) -> str:
    """The SHA-256 of a zoo entry's file: the one its manifest records (which loading checks), else the file's own."""
    return entry.get("sha256") or sha256_file(Path(zoo) / entry["file"])
