"""Warnings about an ONNX file's ``surrogate.domain`` metadata: a misspelt key, or none in a file made elsewhere.

A net's domain is the box its inputs were trained on; the MILP encoding is exact only there. A file that
declares none is taken as made for [-1, 1]^2, which is right for nets that surrogate wrote without one (their
domain was that box) but a guess for a net trained elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from ..errors import DomainWarning, warn_caller
from .network import DOMAIN_KEY, unit_box
from .onnx_files import model_digest

METADATA_PREFIX = "surrogate."
#: Metadata keys read as misspellings of ``surrogate.domain`` (lower case, letters only).
DOMAIN_LOOKALIKES = frozenset({"domain", "domains", "surrogatedomain", "surrogatedomains", "inputdomain", "surrogateinputdomain"})
#: A metadata key this similar to ``surrogate.domain`` (difflib's ratio) is taken for a typo of it.
DOMAIN_TYPO_RATIO = 0.9
#: The files already warned of by :func:`warn_missing_domain` (once per file in a session), by resolved path and content
#: digest (:func:`~surrogate.nets.onnx_files.model_digest`, as the zoo's cache of loaded nets): another net written
#: later to the same path is another file, and is warned of too.
_WARNED: set[tuple[str, str | None]] = set()
#: True while a caller loads a net for a box of its own (:func:`box_given`).
_BOX_GIVEN: ContextVar[bool] = ContextVar("surrogate_box_given", default=False)


@contextmanager
def box_given(given: bool = True) -> Iterator[None]:
    """Within it (with ``given``), :func:`warn_missing_domain` does not warn: the caller places the net on a box
    of its own (``add_surrogate(..., input_bounds=...)``, the fix that warning names), so a file's missing domain
    is not guessed. The file is not marked as warned of: a load without a box still warns."""
    token = _BOX_GIVEN.set(bool(given))
    try:
        yield
    finally:
        _BOX_GIVEN.reset(token)


#: True while the ``surrogate`` command runs (:func:`on_command_line`).
_COMMAND_LINE: ContextVar[bool] = ContextVar("surrogate_command_line", default=False)


@contextmanager
def on_command_line() -> Iterator[None]:
    """Within it, :func:`warn_missing_domain` names the fix a command line can use (the ``surrogate`` command runs
    each command in it): write the domain into the file, since ``with_metadata`` and ``input_bounds`` are Python's."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


def _looks_like_domain(key: str, right: str) -> bool:
    """Whether metadata ``key`` is a lookalike (:data:`DOMAIN_LOOKALIKES`) or a typo of ``right`` (``surrogate.domian``)."""
    from difflib import SequenceMatcher

    letters = "".join(c for c in key.lower() if c.isalpha())
    return letters in DOMAIN_LOOKALIKES or SequenceMatcher(None, key.lower(), right).ratio() >= DOMAIN_TYPO_RATIO


def warn_domain_spellings(proto, path: Path) -> bool:
    """Warn of a metadata key that looks like the domain's but is not ``surrogate.domain`` (it is not read).

    Returns
    -------
    bool
        Whether a warning was given.
    """
    right = METADATA_PREFIX + DOMAIN_KEY
    declared = any(p.key == right for p in proto.metadata_props)
    warned = False
    for entry in proto.metadata_props:
        if entry.key != right and _looks_like_domain(entry.key, right):
            if declared:
                fix = "drop or rename the other key"
            else:
                fix = (
                    f"so it is taken as [-1, 1]^2; rename the key to {right!r} or set the domain with "
                    "net.with_metadata(domain=[[x_lo, x_hi], [y_lo, y_hi]])"
                )
            warn_caller(
                f"{path}: metadata key {entry.key!r} is not read: the net's domain comes from the key {right!r} "
                f"only (spelt exactly so); {fix}",
                DomainWarning,
            )
            warned = True
    return warned


def _declares_domain(proto) -> bool:
    """Whether the model ``proto`` says its domain: it has the domain key, or surrogate wrote it (a file surrogate
    writes declares none only for a net made for [-1, 1]^2)."""
    right = METADATA_PREFIX + DOMAIN_KEY
    return proto.producer_name == "surrogate" or any(p.key == right for p in proto.metadata_props)


def warn_missing_domain(proto, path: Path) -> None:
    """Warn, once per file in a session, that a file surrogate did not write declares no domain.

    Called once the net has loaded: a file refused, or a warning raised as an error, is warned of again.

    Such a net is encoded on [-1, 1]^2, and is exact only there: if it was trained on another box, a model
    whose factors leave [-1, 1]^2 gets the net's extrapolation. Files that surrogate wrote (``producer_name``
    ``'surrogate'``) declare none only for a net made for that box, and are not warned of; nor is a file loaded
    within :func:`box_given`.
    """
    right = METADATA_PREFIX + DOMAIN_KEY
    if _declares_domain(proto) or _BOX_GIVEN.get():
        return
    key = (str(Path(path).resolve()), model_digest(path))
    if key in _WARNED:
        return
    box = [list(side) for side in unit_box(2)]
    shell = (  # the one fix a command line can use: the domain written into the file
        f'; from the command line, write it into the file: python -c "import onnx; m = onnx.load({str(path)!r}); '
        f"m.metadata_props.add(key={right!r}, value='[[x_lo, x_hi], [y_lo, y_hi]]'); onnx.save(m, {str(path)!r})\""
    )
    warn_caller(
        f"{path} declares no domain (no {right!r} metadata), so the net is taken as made for x, y in {box} and "
        "encoded exactly there only; if it was trained on another box, say which: "
        "load_onnx(path).with_metadata(domain=[[x_lo, x_hi], [y_lo, y_hi]]) for the net, or "
        "add_surrogate(..., input_bounds=[(x_lo, x_hi), (y_lo, y_hi)]) for one model" + (shell if _COMMAND_LINE.get() else ""),
        DomainWarning,
    )
    _WARNED.add(key)  # after the warning: one raised as an error (-W error::DomainWarning) is not used up


def domain_header(path):
    """What :func:`warn_loaded_again` reads of the ONNX file ``path``: its producer and metadata (a ``ModelProto``
    without a graph)."""
    import onnx

    proto = onnx.load(str(path), load_external_data=False)
    header = onnx.ModelProto(producer_name=proto.producer_name)
    header.metadata_props.extend(proto.metadata_props)
    return header


def warn_loaded_again(header, path: Path) -> None:
    """Warn of ``path``'s missing domain as its first load would (:func:`warn_missing_domain`, once per file), for a
    net read again from a cache (``header``: :func:`domain_header`): one first read within :func:`box_given`
    was not warned of. A file with a misspelt domain key was warned of that instead, and is not."""
    right = METADATA_PREFIX + DOMAIN_KEY
    if _declares_domain(header):
        return  # warn_missing_domain never warns of these: the common cache hit skips the spelling check
    if not any(p.key != right and _looks_like_domain(p.key, right) for p in header.metadata_props):
        warn_missing_domain(header, path)
