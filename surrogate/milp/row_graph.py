"""The graph of rows and variables: which variables (and rows) are linked to given ones through rows that share
variables (its connected components), walked once, for :mod:`~surrogate.milp.rewrite_basis` and
:mod:`~surrogate.milp.implied_note`."""

from __future__ import annotations


def readers_of(rows) -> dict[int, list[int]]:
    """For each variable's ``id``, the indices of the ``rows`` (each a list of the variables one row reads) that read
    it."""
    readers: dict[int, list[int]] = {}
    for index, row in enumerate(rows):
        for var in row:
            readers.setdefault(id(var), []).append(index)
    return readers


def linked(rows, start, *, readers: dict[int, list[int]] | None = None) -> tuple[list, set[int]]:
    """The variables linked to ``start`` (them too) through ``rows`` (each a list of the variables one row reads),
    and the indices of the rows that link them: the connected component of ``start`` in the graph of rows and
    variables, walked once. ``readers``: :func:`readers_of` ``rows``, where the caller walks several components of
    the same rows (built here otherwise)."""
    if readers is None:
        readers = readers_of(rows)
    seen, stack, found, walked = set(), [], [], set()
    for var in start:
        if id(var) not in seen:
            seen.add(id(var))
            stack.append(var)
    while stack:
        var = stack.pop()
        found.append(var)
        for index in set(readers.get(id(var), ())) - walked:
            walked.add(index)
            fresh = list({id(v): v for v in rows[index] if id(v) not in seen}.values())  # (a row may list one twice)
            seen.update(id(v) for v in fresh)
            stack.extend(fresh)
    return found, walked
