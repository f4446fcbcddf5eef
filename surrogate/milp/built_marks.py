"""The marks this package leaves on the Pyomo components it builds, read where a user's model meets them.

:data:`BUILT` marks a block whose integer variables are the package's own (not the user's: HiGHS's presolve
rule in :mod:`~surrogate.milp.presolve_check`, the deleted-product checks of
:mod:`~surrogate.milp.rewrite_refresh`); :data:`COPIES` marks the ``ObjectiveList`` of the copies that
``replace_products`` makes of a user's objectives (the message of
:func:`~surrogate.milp.model_components.check_one_objective`). ``clone()``, ``deepcopy`` and pickle keep both.
:data:`DEFINES` marks the variables a block of products defines for rows outside it (:func:`mark_defines`):
they are known as such (:func:`defined_by_product`) after that block is gone.
"""

from __future__ import annotations

import contextlib
import weakref

#: The attribute (``True``) of every block this package builds that declares integer variables of its own: a
#: net's encoding (:func:`~surrogate.milp.encoding.add_surrogate`, the layers of a bound computation), a baseline's,
#: an integer product's digits. ``clone()`` copies it with the block.
BUILT = "surrogate_built"


def mark_of(block, name: str, kind: type, default=None):
    """The mark ``name`` on ``block`` if it holds a ``kind``, else ``default``: a component of the user's that has the
    mark's name (a variable ``m.surrogate_rewrites``) is no mark.

    Parameters
    ----------
    block
        A Pyomo block (or any object).
    name
        The mark's attribute name (:data:`BUILT`, ...).
    kind
        The type the mark holds (``bool``, ``list``...).
    default
        What a block without the mark (or with a component of that name) gives.
    """
    value = getattr(block, name, default)
    return value if isinstance(value, kind) else default


@contextlib.contextmanager
def removed_on_failure(parent, *names: str):
    """Delete ``parent``'s components ``names`` if the ``with`` body raises (any exception, Ctrl-C included), then re-raise:
    nothing half-built is left to block a corrected call under the same name.

    Parameters
    ----------
    parent
        The Pyomo block the body adds components to.
    *names
        The names of the components it adds; those not yet added when it fails are skipped.

    Yields
    ------
    None
    """
    try:
        yield
    except BaseException:
        for name in names:
            if parent.component(name) is not None:
                parent.del_component(name)
        raise


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
    marked = marked or (lambda b: mark_of(b, BUILT, bool, False))
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
    return mark_of(objective.parent_component(), COPIES, bool, False)


#: The attribute of a block of products (a ``bilinear`` product's, an ``add_surrogate`` encoding) that holds its
#: :class:`Defines`: the variables its own rows define and rows outside it read.
DEFINES = "surrogate_defines"


class VarRegistry:
    """A value kept per Pyomo variable, process-wide, by the variable's ``id`` with a weak reference to it (a Pyomo
    variable is not hashable): it outlives the variable's block (a clone of a block that reads it, or a block deleted
    from its model, holds the variable but not the block, which goes with its model) and leaves with the variable;
    a newer variable that reuses a dead one's ``id`` is never taken for it. The one registry of
    :data:`DEFINED` and of :data:`~surrogate.milp.rewrite_basis.RESTS`."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref, object]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, var, default=None):
        """The value kept for ``var``, or ``default``."""
        entry = self._entries.get(id(var))
        return entry[1] if entry is not None and entry[0]() is var else default

    def put(self, var, value) -> None:
        """Keep ``value`` for ``var`` (replacing what was kept) until ``var`` goes."""
        key = id(var)

        def gone(ref, key=key) -> None:  # only this variable's entry, not a newer one's at the same id
            if self._entries.get(key, (None,))[0] is ref:
                del self._entries[key]

        self._entries[key] = (weakref.ref(var, gone), value)


#: Every variable a block of products defines (:class:`Defines`): ``True`` by the variable.
DEFINED = VarRegistry()


def _register(variables) -> None:
    for var in variables:
        DEFINED.put(var, True)


class Defines:
    """The variables a block of products defines by its own rows for rows outside it (a product's output), each
    registered process-wide (:func:`defined_by_product`); a copy (``clone()``, ``deepcopy``, unpickling) registers
    the copies of its variables.

    Attributes
    ----------
    variables
        The variables.
    """

    def __init__(self, variables) -> None:
        self.variables = list(variables)
        _register(self.variables)

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        _register(self.variables)


def mark_defines(block, variables) -> None:
    """Note on ``block`` (:data:`DEFINES`) that its rows define ``variables`` (its product's output), which rows
    outside it read: a solve that reads one of them without ``block`` (its model garbage-collected) is refused.

    Parameters
    ----------
    block
        A block of products this package built.
    variables
        Its variables that rows outside it read.
    """
    setattr(block, DEFINES, Defines(variables))


def defined_by_product(var) -> bool:
    """Whether ``var`` is a variable a block of products defines (:func:`mark_defines`), even once that block is gone.

    Parameters
    ----------
    var
        A Pyomo variable (an element of an indexed one).
    """
    return DEFINED.get(var, False)
