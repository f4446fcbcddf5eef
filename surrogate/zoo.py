"""The model zoo: a folder of ONNX nets plus ``manifest.json`` describing them.

``surrogate sweep --save-models DIR`` copies the best net of each shape into
``DIR`` and merges it into the manifest; a plain sweep never touches a zoo.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ._atomic import atomic_path, write_text
from .errors import ModelFormatError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def load_manifest(zoo_dir: str | Path) -> dict:
    """Read ``zoo_dir/manifest.json`` (an empty manifest if there is none)."""
    path = Path(zoo_dir) / MANIFEST
    if not path.exists():
        return {"version": MANIFEST_VERSION, "models": []}
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path} is not valid JSON ({exc}); restore it from git or delete it") from exc
    if manifest.get("version") != MANIFEST_VERSION:
        raise ModelFormatError(
            f"{path} has manifest version {manifest.get('version')!r}, expected {MANIFEST_VERSION}; "
            "regenerate the zoo with 'surrogate sweep --save-models'"
        )
    return manifest


def save_models(result, zoo_dir: str | Path) -> list[dict]:
    """Copy the best net of every shape of a sweep into ``zoo_dir`` and update its manifest.

    Entries are keyed by ``(budget, protocol, architecture)``; a new sweep
    replaces the entry of the same key and keeps the others.
    """
    zoo_dir = Path(zoo_dir)
    manifest = load_manifest(zoo_dir)
    config = result.config
    added = []
    for arch in config.architectures:
        nets = result.nets[result.nets["arch"] == arch.name]
        best = nets.loc[nets["mae"].idxmin()]
        name = f"b{arch.neurons}-{config.protocol.name}-{arch.name}"
        target = zoo_dir / f"{name}.onnx"
        with atomic_path(target) as tmp:
            shutil.copyfile(result.out_dir / "nets" / best["file"], tmp)
        added.append(
            {
                "name": name,
                "file": target.name,
                "kind": "trained",
                "architecture": arch.name,
                "budget": arch.neurons,
                "protocol": config.protocol.name,
                "epochs": config.protocol.epochs,
                "seed": int(best["seed"]),
                "mae": float(best["mae"]),
                "mse": float(best["mse"]),
                "max_error": float(best["max_error"]),
                "collapsed": bool(best["collapsed"]),
            }
        )
    keep = [m for m in manifest["models"] if m["name"] not in {a["name"] for a in added}]
    manifest["models"] = sorted(keep + added, key=lambda m: (m["budget"], m["protocol"], m["kind"], m["name"]))
    write_text(zoo_dir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return added
