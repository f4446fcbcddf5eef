"""Which Pyomo components a solve reads, and a refusal naming any other that would change the answer.

Pyomo's solver interfaces read a model's variables, constraints, objectives
(and, where the solver has them, SOS constraints) and pass over every other
component in silence. An untransformed ``Disjunction`` of :mod:`pyomo.gdp`, a
``LogicalConstraint``, an ``Arc`` of :mod:`pyomo.network` or a ``DerivativeVar``
of :mod:`pyomo.dae` would be left out of the solve, and the optimum returned
would be that of another model. :func:`check_components` refuses such a model
before :func:`~surrogate.milp.solver.solve` runs it and before
:func:`~surrogate.milp.products.rewrite_products` reads its products, naming
the components and the Pyomo transformation that turns them into constraints.
The walk is Pyomo's own (:func:`pyomo.repn.util.categorize_valid_components`,
the one its LP writer refuses unknown components with), over active blocks only:
a deactivated component takes no part and is not refused.
"""

from __future__ import annotations

import re

import pyomo.environ as pyo
from pyomo.common.modeling import unique_component_name
from pyomo.core.base.component import Component
from pyomo.core.base.componentuid import ComponentUID
from pyomo.core.expr.numvalue import is_potentially_variable
from pyomo.core.expr.relational_expr import RangedExpression
from pyomo.core.expr.visitor import identify_variables
from pyomo.dae import DerivativeVar
from pyomo.gdp import Disjunct, Disjunction
from pyomo.network import Arc, Port
from pyomo.repn.util import categorize_valid_components

from ..errors import ConfigError, ModelFormatError, UnsupportedComponentError
from .built_marks import is_copy
from .solve_interrupts import interruptible_clone

#: How to turn a component a solve would leave out into variables and constraints, by its type.
TRANSFORMS = {
    Disjunct: "pyo.TransformationFactory('gdp.bigm').apply_to(model)",
    Disjunction: "pyo.TransformationFactory('gdp.bigm').apply_to(model)",
    pyo.LogicalConstraint: "pyo.TransformationFactory('core.logical_to_linear').apply_to(model)",
    Arc: "pyo.TransformationFactory('network.expand_arcs').apply_to(model)",
    DerivativeVar: "pyo.TransformationFactory('dae.finite_difference').apply_to(model, ...)",
}
#: Added to the message where a disjunction is refused.
HULL_NOTE = (
    "; gdp.bigm, not gdp.hull: the hull reformulation divides each product by an indicator variable, "
    "which no surrogate of x*y replaces"
)
#: The component types a solve reads (an ExternalFunction only inside expressions, which the linearity checks refuse).
READ = frozenset(
    {pyo.Block, pyo.Constraint, pyo.Var, pyo.Param, pyo.Expression, pyo.Set, pyo.RangeSet, pyo.Objective, pyo.Suffix, Port}
    | {pyo.ExternalFunction}
)
#: Looked at one by one: SOS constraints (not every solver has them) and derivatives (read once discretised).
LOOKED_AT = (pyo.SOSConstraint, DerivativeVar)


def left_out(model, *, sos: bool = True) -> dict[type, list[str]]:
    """The names of ``model``'s components a solve would leave out, by their type (in the types' name order).

    ``sos=False`` counts SOS constraints among them (a solver without SOS, such
    as HiGHS). A ``DerivativeVar`` is counted until its continuous sets are
    discretised, although it is not an active component: before, it is a free
    variable to a solver.
    """
    found, unknown = categorize_valid_components(model, active=True, valid=set(READ), targets=set(LOOKED_AT))
    named = {ctype: [c.name for c in comps] for ctype, comps in unknown.items()}
    for ctype in (DerivativeVar,) if sos else LOOKED_AT:
        comps = [c for block in found[ctype] for c in block.component_objects(ctype, active=True, descend_into=False)]
        names = [c.name for c in comps if ctype is not DerivativeVar or not c.is_fully_discretized()]
        if names:
            named[ctype] = names
    return dict(sorted(named.items(), key=lambda item: item[0].__name__))


def first_names(names, *, most: int = 5, sep: str = ", ") -> str:
    """The first ``most`` of ``names`` joined by ``sep``, then `` ...`` if there are more: a message's list."""
    names = list(names)
    return sep.join(names[:most]) + (" ..." if len(names) > most else "")


def _listed(named: dict[type, list[str]]) -> str:
    """``Kind a, b; Other c`` with at most three names per kind."""
    return "; ".join(f"{ctype.__name__} {first_names(names, most=3)}" for ctype, names in named.items())


def check_model(where: str, model, *, name: str = "model", needs: str = "") -> None:
    """Raise :class:`ConfigError` naming ``where`` and its argument ``name`` unless ``model`` is a Pyomo model or
    block (``needs``: what else the message says it must hold): the one check of every public function taking one."""
    from pyomo.core.base.block import BlockData

    if not isinstance(model, BlockData):
        raise ConfigError(f"{where}: {name}={model!r} must be a Pyomo model or block (e.g. pyo.ConcreteModel()){needs}")


def model_of(block, *, where: str = "model_of"):
    """``block.model()``; :class:`ConfigError` (:func:`check_model`, naming ``where``) if ``block`` is no Pyomo model or
    block, and :class:`ModelFormatError` where ``block`` is (or lies in) an element of an indexed block whose model was
    garbage-collected: Pyomo holds an element's component by a weak reference only, and walking up from the element
    then raised a bare ``AttributeError`` (so did every name below it)."""
    check_model(where, block)
    try:
        return block.model()
    except AttributeError as error:
        raise ModelFormatError(
            "the block given is (or lies in) an element of an indexed block (such as m.B[1]) whose model was "
            "garbage-collected: Pyomo holds an element's indexed component by a weak reference only, so the element "
            "lost its place and Pyomo cannot read it (its components have no names); keep a reference to the model "
            "while its blocks are used (return m, not m.B[1]), and solve m.B[1] then"
        ) from error


def check_constructed(model, *, where: str = "check_constructed") -> None:
    """Raise :class:`ModelFormatError` if ``model`` belongs to an ``AbstractModel`` not constructed yet, or lost its
    model (:func:`model_of`, whose refusal of a non-model names ``where``).

    Its components hold no data: it has no products to read and nothing to solve. Only the top
    model's own flag is read (Pyomo's ``is_constructed`` walks every block, which each product of
    a large model would pay for again): a block added to a constructed model is constructed with it.
    """
    top = model_of(model, where=where)
    component = top.parent_component()  # None for a clone of an indexed block's element (constructed: it has data)
    if component is not None and not Component.is_constructed(component):
        fix = (  # a pyo.Block() of no model is no AbstractModel: create_instance is not its fix
            "an AbstractModel holds no data yet); build an instance first, e.g. instance = model.create_instance(data), "
            "and pass the instance"
            if isinstance(top, pyo.AbstractModel)
            else "a pyo.Block() made outside a model holds no data yet); attach it to a model first (model.b = block), "
            "or make it with pyo.Block(concrete=True)"
        )
        raise ModelFormatError(f"model {top.name!r} is not constructed ({fix}")


def check_extendable(model) -> None:
    """:func:`check_constructed`, and raise :class:`ModelFormatError` if ``model`` is a copy of an element of an
    indexed block (``m.s[1].clone()``): it belongs to no component, so components added to it (a product's
    block) are never constructed. A solve of it, which adds nothing, is fine."""
    check_constructed(model, where="check_extendable")
    top = model.model()
    if top.parent_component() is None:
        raise ModelFormatError(
            f"block {model.name!r} is (or is inside) a copy of an element of an indexed block (such as m.s[1].clone()), "
            "which belongs to no model, so the components a product adds to it cannot be built; clone the whole model and use its "
            "block (m.clone().s[1]), or move the copy into a model: new = pyo.ConcreteModel(); new.b = pyo.Block(); "
            "new.b.transfer_attributes_from(copy)"
        )


def _has_free_variable(expr) -> bool:
    """Whether ``expr`` holds a variable that is not fixed (a fixed one is a constant to a solver)."""
    return is_potentially_variable(expr) and next(identify_variables(expr, include_fixed=False), None) is not None


def check_rows(model) -> None:
    """Raise :class:`ModelFormatError` naming a ranged constraint with a variable end (``inequality(z, x*y, y)``),
    which no solver or product rewrite can read."""
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        if isinstance(con.expr, RangedExpression) and any(_has_free_variable(a) for a in con.expr.args[::2]):
            raise ModelFormatError(
                f"constraint {con.name!r} is a ranged inequality with a variable end ({con.expr}), which no solver "
                "reads; write it as two constraints (lower <= body and body <= upper)"
            )


def check_components(model, *, solver: str = "", sos: bool = True) -> None:
    """Raise :class:`UnsupportedComponentError` if a solve of ``model`` would leave a component out.

    ``solver`` names the solver in the message; ``sos=False`` refuses SOS
    constraints too (a solver without them). The message lists every such
    component and how to turn it into constraints. A model not constructed
    yet is refused first (:func:`check_constructed`), then a row no solver reads (:func:`check_rows`).
    """
    check_constructed(model, where="check_components")
    check_rows(model)
    named = left_out(model, sos=sos)
    parts = []
    dropped = {ctype: names for ctype, names in named.items() if ctype is not pyo.SOSConstraint}
    if dropped:
        fixes = sorted({TRANSFORMS[ctype] for ctype in dropped if ctype in TRANSFORMS})
        if any(ctype not in TRANSFORMS for ctype in dropped):
            fixes.append("the other components' own Pyomo transformation (or deactivate them)")
        note = HULL_NOTE if Disjunction in dropped or Disjunct in dropped else ""
        parts.append(
            f"{_listed(dropped)}, which a solve would leave out, so its answer would be another model's: "
            f"first apply {'; '.join(fixes)}{note}"
        )
    if pyo.SOSConstraint in named:
        parts.append(
            f"{_listed({pyo.SOSConstraint: named[pyo.SOSConstraint]})}, which {solver or 'this solver'} does not have: "
            "solve with SolverConfig(solver='scip') or 'gurobi', or write them with binaries "
            "(pyo.Piecewise: pw_repn='DCC' or 'INC')"
        )
    if parts:
        raise UnsupportedComponentError(f"model {model.name!r} has " + "; and ".join(parts))


def check_one_objective(model) -> None:
    """Raise :class:`UnsupportedComponentError` unless ``model`` has exactly one active objective (naming them).

    A model without one is refused too: Pyomo's solver interfaces then report a
    solution status without loading the point they found.
    """
    objectives = [o.name for o in model.component_data_objects(pyo.Objective, active=True)]
    if not objectives:
        raise UnsupportedComponentError(
            f"model {model.name!r} has no active objective; a MILP solve needs one: for a feasibility problem "
            "add a constant one, e.g. model.obj = pyo.Objective(expr=0)"
        )
    if len(objectives) > 1:
        raise UnsupportedComponentError(
            f"model {model.name!r} has {len(objectives)} active objectives ({', '.join(objectives[:5])}); a MILP has one: "
            + _objective_fix(list(model.component_data_objects(pyo.Objective, active=True)))
        )


def _objective_fix(active) -> str:
    """How to leave one of the ``active`` objectives: deactivate those not wanted; beside copies replace_products made
    (:func:`~surrogate.milp.built_marks.is_copy`), the copies too (probe138 #2), or undo it for one with products."""
    copies, own = [o for o in active if is_copy(o)], [o for o in active if not is_copy(o)]
    if not copies or not own:
        return f"deactivate the objectives not wanted, e.g. {python_path(active[-1])}.deactivate()"
    made = f"{copies[0].name!r} is the copy replace_products made of the objective it replaced"
    if all(o.expr.polynomial_degree() in (0, 1) for o in own):  # None: nonlinear
        calls = [f"{python_path(c)}.deactivate()" for c in (*copies, *own)]
        return (
            f"deactivate the objectives not wanted ({made}): to solve {own[-1].name!r} (no products, no replacement "
            f"needed), call {' and '.join(calls[: len(active) - 1])}; to solve the replaced objective, call "
            f"{' and '.join(calls[len(copies) :])}"
        )
    products = [o for o in own if o.expr.polynomial_degree() not in (0, 1)]
    return (
        f"deactivate the objectives not wanted, e.g. {python_path(own[-1])}.deactivate(); {made}: to switch objectives "
        f"after the replacement, undo it (report.undo(model)), activate the objective wanted and replace the products "
        f"again ({products[0].name!r} has products, which only a replacement makes rows of; deactivating the copy, "
        f"{python_path(copies[0])}.deactivate(), is enough for an objective without products)"
    )


def find_named(block, names) -> list:
    """The components of ``block`` with the full ``names`` (as ``component.name`` writes them), ``None`` for one absent.

    Pyomo's ``find_component`` cannot read back an index that holds ``None`` (``gdp.bigm`` names
    its constraints ``c[c_0,None,ub]``); such names are looked up among every component of ``block``.
    """
    found = [block.find_component(name) for name in names]
    if any(f is None for f in found):
        every = {c.name: c for c in block.component_data_objects(descend_into=True)}
        found = [f if f is not None else every.get(name) for f, name in zip(found, names)]
    return found


#: A part of a component name that is also Python: an attribute name with numeric indices (``s[1]``).
_PYTHON_PART = re.compile(r"(?P<name>[A-Za-z_]\w*)(\[-?\d+(,-?\d+)*\])?")


def _is_python(name: str) -> bool:
    """Whether ``model.<name>`` is Python that reaches the component: every part an identifier that is no keyword
    (``lambda``), with numeric indices only (Pyomo writes a string index without quotes)."""
    import keyword

    parts = [_PYTHON_PART.fullmatch(part) for part in name.split(".")]
    return all(p is not None and not keyword.iskeyword(p["name"]) for p in parts)


def python_path(component) -> str:
    """Python that reaches ``component`` (a block, variable, constraint...) from its top model ``model``, for advice
    in a message: ``model`` itself, ``model.outer.s[1]``, or ``model.find_component('site[north]')`` where the name
    is no Python (Pyomo writes a string index without quotes)."""
    if component is component.model():
        return "model"
    name = component.name
    return f"model.{name}" if _is_python(name) else f"model.find_component({name!r})"


def lies_within(component, block) -> bool:
    """Whether ``component`` is ``block`` or lies below it (a deleted component lies below nothing)."""
    while component is not None:
        if component is block:
            return True
        component = component.parent_block()
    return False


class VariablesRead:
    """The variables that ``model``'s rows and objectives (active or not) read: the rows are walked at the first
    question only, into a dict by ``id``, so that :func:`find_like` asked about many variables of another model
    walks them once. It holds while no row of ``model`` is edited."""

    def __init__(self, model) -> None:
        self.model = model
        self.by_id: dict[int, object] | None = None

    def __contains__(self, var) -> bool:
        if self.by_id is None:
            self.by_id = {id(v): v for v in seen_variables(self.model, inactive=True)}
        return self.by_id.get(id(var)) is var


def find_like(target, component, model, *, read: VariablesRead | None = None):
    """The component of ``target`` (``model`` or a clone of it) in ``component``'s place, or ``None``: found by its
    ``ComponentUID`` relative to ``model`` where ``model`` holds ``component``. A variable that ``model`` reads from
    outside it (a parent's, which a clone shares) is itself, never one of ``model``'s own of the same name; another
    component outside ``model`` in its own model is in no place of it. Else (``model`` is a clone of the model or
    block that holds ``component``, perhaps since edited) it is found relative to each block above ``component``,
    from its model down. ``read``: the :class:`VariablesRead` of ``model``, kept by a caller that asks about many."""
    if lies_within(component, model):
        contexts = [model]
    elif component.model() is model.model() or (component.ctype is pyo.Var and component in (read or VariablesRead(model))):
        return component if component.ctype is pyo.Var else None
    else:
        twin = _outside_twin(component, model) if component.ctype is pyo.Var else None
        if twin is not None:
            return twin
        contexts = _blocks_above(component)
    for context in contexts:
        found = target.find_component(ComponentUID(component, context=context))
        if found is not None:
            return found
    return None


def _outside_twin(var, model):
    """The variable outside ``model`` in ``var``'s place in ``model``'s model (a clone of ``var``'s), or ``None``:
    a block of a clone of the whole model reads its parent's variables there."""
    root = model.model()
    twin = root.find_component(ComponentUID(var, context=var.model()))
    return twin if getattr(twin, "ctype", None) is pyo.Var and not lies_within(twin, model) else None


def _blocks_above(component) -> list:
    """The blocks that hold ``component``, from its model down."""
    above = []
    block = component.parent_block()
    while block is not None:
        above.insert(0, block)
        block = block.parent_block()
    return above


def standalone_clone(block, *, copies=None):
    """A clone of ``block`` to build on: that of an element of an indexed block (``m.s[1]``), which belongs to no
    component (so components added to it are never built, and Pyomo's transformations refuse it), has its
    components moved into a ``ConcreteModel`` of its own (their names, relative to it, stay the same).

    ``copies``: a ``ComponentMap`` from variables that ``block`` reads from outside it (a clone shares those) to new
    scalar variables (:func:`copy_of`) that stand in for them in the clone, added to it as ``outside``,
    ``outside_1``..."""
    copies = copies or {}
    memo = {id(v): c for v, c in copies.items()}  # points the clone's expressions at the copies
    copy = interruptible_clone(block, memo=memo)
    if copy.parent_component() is None:
        model = pyo.ConcreteModel(name=block.name)
        model.transfer_attributes_from(copy)
        copy = model
    for c in copies.values():
        copy.add_component(unique_component_name(copy, "outside"), c)
    return copy


def copy_of(var):
    """A new scalar variable at ``var``'s bounds (``None`` for a NaN one), domain, value and fixing."""
    bounds = tuple(None if b is not None and b != b else b for b in (var.lb, var.ub))
    copy = pyo.Var(bounds=bounds, domain=var.domain, initialize=var.value)
    copy.construct()
    if var.fixed:
        copy.fix()
    return copy


def active_objective(model):
    """``model``'s (first) active objective, or ``None``."""
    return next(model.component_data_objects(pyo.Objective, active=True, descend_into=True), None)


def seen_variables(model, *, inactive: bool = False) -> list:
    """The variables of ``model``'s active rows and objectives, each once: those a solver is handed
    (``inactive``: of its deactivated ones too).

    A variable only in a deactivated row keeps whatever value it had (an initial value outside its
    bounds, half of a binary); no check of a solver's point reads it.
    """
    from pyomo.util.vars_from_expressions import get_vars_from_components

    rows = (pyo.Constraint, pyo.Objective)
    return list(get_vars_from_components(model, rows, active=None if inactive else True, descend_into=True))


def fixed_as_constants(expr):
    """``expr`` with the variables fixed now written as their values.

    The search's solver keeps a fixed variable as a column (``fixed_as_bounds``), so a product
    of a fixed factor and a variable (``p * y``, which ``replace_products`` keeps as a coefficient)
    would be quadratic there (:mod:`surrogate.milp.warmstart`); the search never unfixes a variable that the user
    fixed.
    """
    from pyomo.core.expr.visitor import identify_variables, replace_expressions

    values = {id(v): float(v.value) for v in identify_variables(expr, include_fixed=True) if v.fixed}
    return replace_expressions(expr, values, remove_named_expressions=False) if values else expr
