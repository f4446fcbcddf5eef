"""The output folders of a command, checked before any work starts."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from ..errors import ConfigError


def writable_folder(path: Path, option: str) -> Path:
    """Check that folder ``path`` can be created (if missing) and written in; create nothing.

    Parameters
    ----------
    path
        The folder given on the command line.
    option
        Its option, e.g. ``'--out'``, named in the error.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ConfigError
        If ``path`` or a folder above it is a file, or nothing can be written
        in its nearest existing folder.
    """
    existing = next((p for p in (path, *path.absolute().parents) if p.exists() or p.is_symlink()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == path else f"is inside {existing}, which is a file"
        example = {"--save-models": "models", "--export": "nets"}.get(option, "results/run1")
        raise ConfigError(f"{option} {path} {where}, not a folder; pass a folder path, e.g. {option} {example}")
    try:
        fd, probe = tempfile.mkstemp(prefix=".surrogate-write-test-", dir=existing or Path.cwd())
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"{option} {path}: cannot write in {existing} ({exc.strerror or exc}); pass a folder you can write to, "
            "or fix its permissions"
        ) from None
    return path


def check_outputs(args: argparse.Namespace) -> None:
    """Check every output folder of the command before any work starts (see :func:`writable_folder`).

    Parameters
    ----------
    args
        The parsed command line of one command.

    Raises
    ------
    ConfigError
        If an output folder cannot be written, the report's ``--out`` is a folder,
        or ``--store-zoo`` is not a folder.
    """
    if args.command == "report":
        if args.out is not None:
            if args.out.is_dir():
                raise ConfigError(
                    f"--out {args.out} is a folder; give the report's file name, e.g. --out {args.out / 'report.md'}"
                )
            parent = next((q for q in args.out.absolute().parents if q.exists()), None)
            if parent is not None and not parent.is_dir():
                raise ConfigError(
                    f"--out {args.out}: {parent} is a file, so no report can be written under it; "
                    "give the report's file name in a folder, e.g. --out results/report.md"
                )
            writable_folder(args.out.parent, "--out")
        return
    for attr, option in (("out", "--out"), ("save_models", "--save-models"), ("export", "--export")):
        if getattr(args, attr, None) is not None:
            writable_folder(getattr(args, attr), option)
    store = getattr(args, "store_zoo", None)
    if store is not None and not store.is_dir():
        raise ConfigError(
            f"--store-zoo {store} is not a folder; pass a zoo folder holding manifest.json, e.g. --store-zoo models"
        )
