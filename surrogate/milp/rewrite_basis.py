"""What bounds derived from a model's constraints rest on (a :class:`Basis`), checked again before every solve.

:func:`~surrogate.milp.bilinear.replace_products` may derive bounds for the factors of products from the
constraints (:mod:`~surrogate.milp.implied_bounds`) and build the products for that box. The
:class:`~surrogate.milp.rewrite_record.RewriteRecord` of its block keeps a :class:`Basis`: a solve is refused
once a constraint the bounds were derived from changed, was deactivated (it or a block above it) or deleted, or
a variable such a constraint reads was widened or fixed outside its bounds: the derived box may not hold then. A
solve that reads a variable with such bounds but not that record (a block solved alone, the replacement block outside
it) checks the basis itself (:class:`UncheckedBases`), and refuses one whose rows it does not hold (:func:`rests_outside`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.core.base.PyomoModel import Model
from pyomo.core.expr.visitor import identify_variables

from .built_marks import VarRegistry
from .rewrite_record import OwnFix, bound_slack, named_expressions, owner, rewrites_of, wider, within
from .row_graph import linked, readers_of


@dataclass(frozen=True)
class Basis:
    """What bounds derived from a model's constraints rest on, when they were derived (:meth:`of`): the active
    constraints linked to the derived variables (:func:`linked`), each with its expression and the named
    ``Expression`` s inside it (with theirs), and the constant bounds and integrality of the variables they read.

    ``constraints`` holds ``(row, expr, name, named)``; ``bounds`` holds ``(var, lb, ub, name, integer)``, ``name``
    the first constraint that reads ``var`` (a derived variable's own bounds are its products' box, not held here);
    ``sides`` holds ``(var, lb, ub)`` for each derived variable, ``lb`` (``ub``) the bound derived for that side,
    ``None`` where that side is the user's own (a copy of the model holds its own variables here, unlike names).
    Each derived variable is registered process-wide with the rows (held weakly) its bounds rest on
    (:func:`rests_outside`); a copy (``clone()``, unpickling) registers the copies of its variables, at the first use
    of the registry after it (:func:`_rests`): while pickle restores a copy, the rows it walks may not be whole yet.
    """

    derived: tuple[str, ...]
    constraints: tuple
    bounds: tuple
    sides: tuple = ()

    def __post_init__(self) -> None:
        _rests(None)  # the copies made before it first (a copy's variable shared with it is marked by order)
        _register(self)

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        PENDING.append(weakref.ref(self))  # registered at the next use (probe93 #6: pickle of a block)

    def forget(self) -> None:
        """Drop the registration of this basis's variables (:func:`rests_outside`): its replacement was undone."""
        for var, _, _ in self.sides:
            rests = _rests(var, None)
            if rests is not None:
                rests[:] = [rest for rest in rests if rest[0]() is not self]

    @classmethod
    def of(cls, model, derived, *, symbolic) -> Basis:
        """``model`` now, for the bounds ``derived`` from it (a dict by variable name of their
        :class:`~surrogate.milp.implied_bounds_result.DerivedBound` s, a side whose ``sources`` entry is ``None`` not derived;
        or names: both sides derived); ``symbolic(var)``: whether a bound
        of ``var`` is a mutable ``Param``'s, which takes no part in a derivation (implied_bounds leaves it out).
        A variable no linked constraint reads takes no part either: its bounds may widen, and a constraint that
        shares no variable with the derived ones, even through other constraints, may change."""
        rows = list(model.component_data_objects(pyo.Constraint, active=True, descend_into=True))
        reads = [list(identify_variables(c.expr)) for c in rows]  # named Expressions' variables too
        _, walked = linked(reads, [v for vs in reads for v in vs if v.name in derived], readers=readers_of(reads))
        cons = tuple((rows[i], rows[i].expr, rows[i].name, _named(rows[i].expr)) for i in sorted(walked))
        read = {}  # by id: each variable once, with the first constraint that reads it
        for i in sorted(walked):
            for var in reads[i]:
                read.setdefault(id(var), (var, rows[i].name))
        kept = [(v, name, v.name in derived) for v, name in read.values() if not symbolic(v)]
        bounds = tuple((v, *((None, None) if own else (v.lb, v.ub)), name, v.is_integer()) for v, name, own in kept)
        return cls(tuple(derived), cons, bounds, _sides([v for v, _ in read.values()], derived))

    def problem(self, rewritten, model, *, relaxed_vars) -> str | None:
        """Which change makes the derived bounds unsafe now, or ``None``; ``model``: the one they were derived in
        (a constraint no longer :func:`within` it was deleted, one below a deactivated block is off);
        ``relaxed_vars()``: the variables Pyomo's ``core.relax_integer_vars`` relaxed (an LP relaxation, which a
        variable's lost integrality does not spoil)."""
        ours = {id(item.original) for item in rewritten}  # deactivated by the rewrite itself
        for con, expr, name, named in self.constraints:
            changed = _row_change(con, expr, name, named, model)
            if changed is None and not con.active and id(con) not in ours:
                changed = f"constraint {name!r} was deactivated"
            if changed:
                return changed
        for var, lb, ub, name, integer in self.bounds:
            if var.fixed and var.value is not None:  # a solver reads its value, not its bounds or domain
                integer = integer and id(var) not in relaxed_vars()
                moved = _fixed_outside(var, lb, ub, integer)
                if moved:
                    return OwnFix(
                        f"{var.name!r} (read by constraint {name!r}) is fixed at {var.value!r}, {moved}; {self._refix(var, lb, ub, integer)}"
                    )
                continue
            if wider(var, lb, ub):
                return f"{var.name!r} (read by constraint {name!r}) now has wider bounds [{var.lb}, {var.ub}] than [{lb}, {ub}]"
            if integer and not var.is_integer() and id(var) not in relaxed_vars():
                return (
                    f"{var.name!r} (read by constraint {name!r}) was integer when they were derived (they may rest on its "
                    f"rounding) and is now {var.domain}"
                )
        return None

    def _refix(self, var, lb, ub, integer: bool) -> str:
        """The fixes of a variable fixed outside what the bounds were derived for: replacing the products again finds no
        bounds in a row that reads a fixed variable (it takes no part in a derivation), so first the value, else bounds
        of the user's own (``lb``, ``ub``: its bounds when they were derived; a fraction off an integer within them is
        told to fix it at the rounded value)."""
        from .model_components import python_path

        derived, path = ", ".join(map(repr, self.derived)), python_path(var)
        near = round(var.value)
        if integer and off_integer(var.value) and (lb is None or lb <= near) and (ub is None or near <= ub):
            return (
                f"fix it at the rounded value ({path}.fix({near})), or unfix it ({path}.unfix()); a solver reads a fixed "
                f"variable's value, not its domain, and those bounds may rest on its rounding"
            )
        return (
            f"unfix it ({path}.unfix()) or fix it {'at an integer ' if integer else ''}within those bounds; or undo "
            f"the replacement (report.undo(model)), give {derived} bounds of {'their' if len(self.derived) > 1 else 'its'} own "
            "(a row that reads a fixed variable takes no part in deriving them) and replace the products again"
        )


#: For each variable a :class:`Basis` derived bounds for, a list with, per basis, ``(a weak reference to the basis,
#: lb, ub, ((a weak reference to a row, its name), ...), shared)``: the sides derived and the rows they rest on;
#: ``shared``: a copy's (``clone()`` of a block) of a variable it shares with the original (:func:`_register`).
#: Nothing here holds a variable or a row: an entry leaves with its variable, and a row gone with its model
#: (garbage-collected) is known as gone.
RESTS = VarRegistry()

#: Weak references to the copies of bases (``clone()``, unpickling) not registered yet: pickle sets a basis's state
#: before it restores the expressions of the rows it holds (objects in a cycle get theirs later), so each is
#: registered at the next use of :data:`RESTS` (:func:`_rests`), once the copy is whole, as a clone's was.
PENDING: list[weakref.ref] = []


def _rests(var, default=()):
    """The entries :data:`RESTS` holds for ``var`` (``default``: none), the :data:`PENDING` copies registered first,
    in the order they were made."""
    while PENDING:
        basis = PENDING.pop(0)()
        if basis is not None:
            _register(basis, copy=True)
    return RESTS.get(var, default)


def _register(basis: Basis, *, copy: bool = False) -> None:
    """Register ``basis``'s derived variables in :data:`RESTS`. A ``copy``'s variable that it shares with the original
    (one outside the block copied) keeps the original's rows and gets the copy's beside them, marked ``shared``: the
    record that checks the copy's basis lies in the copy only (not on the variable's block,
    :func:`~surrogate.milp.rewrite_record.rewrites_of`), so those rows count only for a solve that checks it
    (:func:`rests_outside`)."""
    components = _components(basis)
    for var, lb, ub in basis.sides:
        rows, rests = components.get(id(var), ()), RESTS.get(var)
        if rests is None:
            RESTS.put(var, rests := [])
        shared = copy and any(rest[0]() is not None for rest in rests)
        rests.append((weakref.ref(basis), lb, ub, rows, shared))


def _components(basis: Basis) -> dict[int, tuple]:
    """The rows each derived variable's bounds rest on, by the variable's ``id``: those of ``basis.constraints`` in its
    own connected component (:func:`linked`), held weakly with their names; variables of one component share one
    tuple. (Every row of the basis for every variable named rows of another block's variables, probe89.)"""
    reads = [list(identify_variables(expr)) for _, expr, _, _ in basis.constraints]
    readers = readers_of(reads)  # once: built for each component, it cost components x rows (probe92 #2)
    found: dict[int, tuple] = {}
    for var, _, _ in basis.sides:
        if id(var) not in found:
            variables, walked = linked(reads, [var], readers=readers)
            rows = tuple((weakref.ref(basis.constraints[i][0]), basis.constraints[i][2]) for i in sorted(walked))
            found.update((id(v), rows) for v in variables)
    return found


def rests_outside(var, model, memo: dict, *, checked=frozenset()) -> tuple[str, bool] | None:
    """``(name, gone)`` of a row that bounds derived for ``var`` (still its bounds) rest on and that a solve of
    ``model`` does not read (outside ``model`` or deleted; ``gone``: gone with a garbage-collected model), or ``None``.

    ``None`` too where one basis ``checked`` (the ``id`` s of the bases whose records this solve checked, so that
    none of their rows changed) holds all its rows in ``model``: those rows, all solved, give that box (a clone of
    the block whose products were replaced, which shares ``var`` with it, holds a copy of each row: probe92 #3).
    Otherwise a copy's rows (``shared``, :func:`_register`) do not count. ``memo``: a dict kept for one solve (each
    basis checked once)."""
    first = None
    for basis, lb, ub, rows, shared in _rests(var):
        if not _derived_now(var, lb, ub):
            continue  # bounds of the user's own since, or put back
        outside = _outside(rows, model, memo)
        if outside is None and basis() is not None and id(basis()) in checked:
            return None
        if not shared:
            first = first or outside
    return first


def held_checked(var, model, memo: dict, checked) -> bool:
    """Whether a basis ``checked`` (as :func:`rests_outside` takes it) that gives ``var`` its bounds now holds all its
    rows in ``model``: those rows, all solved and none changed, give that box (``memo``: as there)."""
    for basis, lb, ub, rows, _ in _rests(var):
        if _derived_now(var, lb, ub) and basis() is not None and id(basis()) in checked:
            if _outside(rows, model, memo) is None:
                return True
    return False


def _outside(rows, model, memo: dict) -> tuple[str, bool] | None:
    """``(name, gone)`` of the first of ``rows`` (a :data:`RESTS` entry's) deleted or outside ``model``, or ``None``;
    ``memo``: a dict kept for one solve."""
    key = (id(rows), id(model))
    if key not in memo:
        memo[key] = next(((name, row() is None) for row, name in rows if row() is None or not within(row(), model)), None)
    return memo[key]


def _solved_top(block, root):
    """The model a solve whose root is ``root`` reads ``block`` (a variable's) in: its own, or (a block in no model,
    deleted from it) ``root``."""
    top = block.model()
    return top if top is root or isinstance(top, Model) else root


class DeletedDerived:
    """For a solve of ``model``: the bounds a replacement block derived for a variable read, where that block (or a
    block above it) was deleted and the constraints they came from no longer hold as they were (deleted with it, say).
    The block's :class:`~surrogate.milp.rewrite_record.RewriteRecord` is kept on the block that holds each variable
    it derived bounds for (:func:`~surrogate.milp.rewrite_record.rewrites_of`), which a clone, a move or an
    embedding carries with the variable; each record is checked once a solve. ``relaxed_vars``: as
    :meth:`Basis.problem` takes them. A basis ``checked`` this solve that gives the variable its bounds with all its
    rows in ``model`` (a clone of the block, its own copies of the rows: probe93 #5) keeps them (:func:`held_checked`,
    ``memo`` as it takes it)."""

    def __init__(self, model, relaxed_vars, *, checked=frozenset(), memo: dict | None = None) -> None:
        self.model, self.root, self.relaxed_vars = model, model.model(), relaxed_vars
        self.checked, self.memo = checked, {} if memo is None else memo
        self.lost: dict = {}  # by (id(record), id(top)): what the constraints lost, "" for nothing

    def __call__(self, var, block):
        """``(the replacement block, None, what its constraints lost)`` where one deleted derived a side of ``var``
        (``block`` holds it) that ``var`` still has (one given a bound of its own since is left out), else ``None``."""
        records = rewrites_of(block) if block is not None else ()
        if not records:
            return None
        top = _solved_top(block, self.root)  # a variable in no model (its block deleted) is read by the model solved
        for record in records:
            key = (id(record), id(top))
            if key not in self.lost:
                deleted = record.basis is not None and not within(record.block, top)
                self.lost[key] = deleted and record.basis.problem(record.rewritten, top, relaxed_vars=self.relaxed_vars)
            if self.lost[key] and _kept(var, record.basis.sides):
                if held_checked(var, self.model, self.memo, self.checked):
                    return None
                return record.block, None, self.lost[key]
        return None


def _kept(var, sides) -> bool:
    """Whether a side of ``var`` that was derived (``sides``: :attr:`Basis.sides`) is still the one its products were
    built for."""
    for derived, lb, ub in sides:
        if derived is var:
            return _derived_now(var, lb, ub)
    return False


class UncheckedBases:
    """For a solve of ``model``: what changed in a :class:`Basis` that the bounds of a variable read rest on (still its
    bounds) where this solve checked none of that variable's bases (``checked``: the ``id`` s of the bases whose
    records it refreshed). A block solved alone may hold every row those bounds rest on (:func:`rests_outside` lets
    it) while the replacement block, whose record checks them, lies outside it (``replace_products(m)``,
    ``solve(m.b)``): the basis is checked here, once a solve, from the record kept on the variable's block
    (:func:`~surrogate.milp.rewrite_record.rewrites_of`). ``relaxed_vars``: as :meth:`Basis.problem` takes them."""

    def __init__(self, model, checked, relaxed_vars) -> None:
        self.root, self.checked, self.relaxed_vars = model.model(), checked, relaxed_vars
        self.found: dict = {}  # by id(basis): (record name, what changed) or None

    def __call__(self, var, block) -> tuple[str | None, str] | None:
        """``(the name of the replacement block, what changed)`` for ``var`` (``block`` holds it), else ``None``; a
        basis whose record cannot be found there is told as such, the name ``None``."""
        rests = [(basis(), shared) for basis, lb, ub, _, shared in _rests(var) if _derived_now(var, lb, ub)]
        if any(basis is not None and id(basis) in self.checked for basis, _ in rests):
            return None
        for basis, shared in rests:
            if shared:  # a copy's, checked only with the copy's record (rests_outside)
                continue
            key = id(basis) if basis is not None else (None, id(block))  # a basis gone: told for its block
            if key not in self.found:
                self.found[key] = self._check(basis, block)
            if self.found[key] is not None:
                return self.found[key]
        return None

    def _check(self, basis, block) -> tuple[str | None, str] | None:
        """:meth:`Basis.problem` of ``basis`` as the record on ``block`` that holds it checks it (that record's name
        with it), or why it cannot be checked (no such record)."""
        records = [r for r in rewrites_of(block) if basis is not None and r.basis is basis] if block is not None else []
        if not records:
            where = "its block was deleted" if block is None else f"block {block.name!r} holds none"
            return None, f"the record of the replacement block that derived them, which checks them, cannot be found ({where})"
        top = _solved_top(block, self.root)
        problem = basis.problem(records[0].rewritten, top, relaxed_vars=self.relaxed_vars)
        return (records[0].name, problem) if problem else None


def _derived_now(var, lb, ub) -> bool:
    """Whether ``var`` still has a side derived as ``lb`` or ``ub`` (``None``: that side not derived)."""
    return (lb is not None and var.lb == lb) or (ub is not None and var.ub == ub)


def _sides(variables, derived) -> tuple:
    """:attr:`Basis.sides` of the ``variables`` that ``derived`` names (see :meth:`Basis.of`)."""
    sides = []
    for var in variables:
        if var.name in derived:
            sources = getattr(derived.get(var.name) if isinstance(derived, dict) else None, "sources", ("", ""))
            sides.append((var, *(bound if source is not None else None for bound, source in zip((var.lb, var.ub), sources))))
    return tuple(sides)


#: How far (relative: times ``max(1, |value|)``) a fixed integer's value may lie from an integer and still count as
#: one: rounding only. A solver reads a fixed variable's value, not its domain, and a row such as ``x <= 1e6 w``
#: turns any offset into a bound that moves (1e-6, HiGHS's integrality tolerance, let w = 5e-7 keep the box x <= 1e-9
#: that w = 0 gave, where the rows read x <= 0.5); a value a solve returned (1 + 1e-8) is refused with the fix,
#: ``w.fix(round(w.value))``.
INTEGRALITY_TOL = 1e-12


def off_integer(value: float) -> bool:
    """Whether ``value`` lies off an integer by more than :data:`INTEGRALITY_TOL` (relative)."""
    return abs(value - round(value)) > INTEGRALITY_TOL * max(1.0, abs(value))


def _fixed_outside(var, lb, ub, integer) -> str | None:
    """How the value of the fixed ``var`` leaves what the bounds were derived for (its bounds ``lb``, ``ub`` then,
    ``None``: none; ``integer``: whether it was integer), or ``None``: a solver reads a fixed variable's value, not
    its bounds (Pyomo lets ``fix`` set a value outside them, with only a logged warning)."""
    value = var.value
    if (lb is not None and value < lb - bound_slack(lb)) or (ub is not None and value > ub + bound_slack(ub)):
        return f"outside its bounds [{lb}, {ub}] when they were derived"
    if integer and off_integer(value):
        return "not an integer, and it was integer when they were derived (they may rest on its rounding)"
    return None


def _named(expr) -> tuple:
    """Each named ``Expression`` inside ``expr`` with the expression it holds now."""
    return tuple((e, e.expr) for e in named_expressions(expr))


def _row_change(con, expr, name, named, model) -> str | None:
    """How the constraint ``con`` (``name``) left what it was (``expr``, ``named``: :func:`_named`) in ``model``, or
    ``None``."""
    if not within(con, model):
        return f"constraint {name!r} was deleted"
    block = off_block(con, model)
    if block is not None:
        return f"block {block.name!r} above constraint {name!r} was deactivated"
    if con.expr is not expr:
        return f"constraint {name!r} was given a new expression"
    edited = [e.name for e, held in named if e.expr is not held]
    return f"the Expression {edited[0]!r} in constraint {name!r} was given a new expression" if edited else None


def off_block(component, model):
    """The first deactivated block above ``component``, up to ``model`` (a solve of ``model`` then leaves it out),
    or ``None``."""
    block = owner(component)
    while block is not None and block is not model:
        if not block.active:
            return block
        block = owner(block)
    return None
