"""The marks this package leaves on the Pyomo components it builds, read where a user's model meets them.

:data:`BUILT` marks a block whose integer variables are the package's own (not the user's: HiGHS's presolve
rule in :mod:`~surrogate.milp.presolve_check`, the deleted-product checks of
:mod:`~surrogate.milp.rewrite_refresh`); :data:`COPIES` marks the ``ObjectiveList`` of the copies that
``replace_products`` makes of a user's objectives (the message of
:func:`~surrogate.milp.model_components.check_one_objective`). ``clone()``, ``deepcopy`` and pickle keep both.
"""

from __future__ import annotations

#: The attribute (``True``) of every block this package builds that declares integer variables of its own: a
#: net's encoding (:func:`~surrogate.milp.encoding.add_surrogate`, the layers of a bound computation), a baseline's,
#: an integer product's digits. ``clone()`` copies it with the block.
BUILT = "surrogate_built"


def mark_built(block) -> None:
    """Mark ``block`` as one this package built (:data:`BUILT`): its integer variables are not the user's.

    Parameters
    ----------
    block
        A Pyomo block this package built (a net's encoding, a baseline's, an integer product's digits).
    """
    setattr(block, BUILT, True)


def built_above(block, *, marked=None, memo=None) -> tuple:
    """``(nearest, top)``: the nearest block this package built (:data:`BUILT`), from ``block`` up through the blocks
    above it (``block`` too; or from a variable, up from it), or ``None``; and the top of that walk (``block``'s model, or the block that was deleted
    from its parent; ``None`` for ``block`` ``None``). An element of an indexed block whose component was deleted ends it.

    ``marked(block)``: what counts instead of the mark; ``memo``: a dict (by a block's ``id``) that keeps the answer
    for each block walked, for calls about many variables of the same blocks.
    """
    marked = marked or (lambda b: bool(getattr(b, BUILT, False)))
    path, found, top = [], None, None
    while block is not None:
        if memo is not None and id(block) in memo:
            found, top = memo[id(block)]
            break
        path.append(block)
        top, block = block, None if block.parent_component() is None else block.parent_block()
    for walked in reversed(path):
        found = walked if marked(walked) else found
        if memo is not None:
            memo[id(walked)] = (found, top)
    return found, top


#: The attribute of an ``ObjectiveList`` whose objectives are copies this package made of a user's objectives
#: (``replace_products``' replacement block, :func:`mark_copies`): a message then says how to switch objectives.
COPIES = "surrogate_objective_copies"


def mark_copies(objectives) -> None:
    """Mark the ``ObjectiveList`` ``objectives`` as holding copies of a user's objectives (:data:`COPIES`)."""
    setattr(objectives, COPIES, True)


def is_copy(objective) -> bool:
    """Whether ``objective`` is a copy this package made of a user's objective (:func:`mark_copies`)."""
    return bool(getattr(objective.parent_component(), COPIES, False))
