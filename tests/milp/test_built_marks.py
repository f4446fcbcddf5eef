"""The marks the package leaves on what it builds (built_marks.py): found above a component, kept by copies."""

import pickle

import pyomo.environ as pyo
import pytest

from surrogate import SolverConfig, solve
from surrogate.milp.built_marks import built_above, is_copy, mark_built, mark_copies, mark_of, removed_on_failure


def test_built_above_finds_the_nearest_marked_block_and_the_top_and_remembers_them():
    m = pyo.ConcreteModel()
    m.outer = pyo.Block()
    m.outer.inner = pyo.Block()
    m.outer.inner.v = pyo.Var([0, 1])
    mark_built(m.outer)
    memo: dict = {}
    assert built_above(m.outer.inner.v[0], memo=memo) == (m.outer, m)
    assert built_above(m.outer.inner.v[1], memo=memo) == (m.outer, m)  # its block's answer remembered
    assert built_above(m, memo=memo) == (None, m) and built_above(None) == (None, None)
    assert built_above(m.outer.inner, marked=lambda b: b is m.outer.inner) == (m.outer.inner, m)
    gone = m.outer
    m.del_component(m.outer)
    assert built_above(gone.inner.v[0]) == (gone, gone)  # a deleted block is the top of its walk


def test_an_element_of_a_deleted_indexed_block_ends_the_walk():
    m = pyo.ConcreteModel()
    m.b = pyo.Block([1, 2])
    m.b[1].v = pyo.Var()
    mark_built(m)  # the model it was deleted from is no longer above it
    element = m.b[1]
    m.del_component(m.b)
    assert element.parent_component() is None
    assert built_above(element.v) == (None, element)
    mark_built(element)
    assert built_above(element.v) == (element, element)


def test_copies_are_marked_on_their_list_and_the_mark_survives_clone_and_pickle():
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.mine, m.copies = pyo.ObjectiveList(), pyo.ObjectiveList()
    m.mine.add(expr=m.x)
    m.copies.add(expr=m.x)
    mark_copies(m.copies)
    for model in (m, m.clone(), pickle.loads(pickle.dumps(m))):
        assert is_copy(model.copies[1]) and not is_copy(model.mine[1])


def test_the_outputs_of_products_are_known_as_such_in_copies_and_after_their_block_is_gone():
    """probe86 #1: once a product's block went with its model, its output looked like a user's own variable."""
    import gc

    from surrogate import add_surrogate
    from surrogate.milp.bilinear import bilinear
    from surrogate.milp.built_marks import DEFINED, defined_by_product
    from surrogate.nets.construct import hand_built

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 1)), pyo.Var(bounds=(-1, 1))
    encoded = add_surrogate(m, hand_built("3x8", "shared"), [m.x, m.y])
    output = bilinear(m, m.x, m.y, "3x8").block.outputs[0]
    assert defined_by_product(encoded.output) and defined_by_product(output)
    assert not defined_by_product(m.x) and not defined_by_product(m.y)
    for copy in (m.clone(), pickle.loads(pickle.dumps(m))):
        assert defined_by_product(copy.find_component(output.name)) and not defined_by_product(copy.x)
    count = len(DEFINED)
    del m, encoded, output, copy
    gc.collect()
    assert len(DEFINED) < count  # gone with their variables


@pytest.mark.parametrize(
    "name",
    [
        "surrogate_built",
        "surrogate_objective_copies",
        "surrogate_defines",
        "surrogate_replaced_rows",
        "surrogate_rewrites",
        "surrogate_rewrites_forgotten",
        "surrogate_product_record",
        "record",
    ],
)
def test_a_users_variable_named_like_a_mark_is_no_mark(name):
    """A variable named ``surrogate_rewrites`` (or ``..._forgotten``, ``surrogate_replaced_rows``) was read as the
    package's mark by every solve: a Pyomo error on converting it to bool, or an unpacking error."""
    m = pyo.ConcreteModel()
    m.add_component(name, pyo.Var(bounds=(0, 1)))
    m.o = pyo.Objective(expr=m.component(name), sense=pyo.maximize)
    result = solve(m, SolverConfig(time_limit=10, threads=1))
    assert result.optimal and result.objective == pytest.approx(1.0)
    assert mark_of(m, name, list) is None and mark_of(m, name, bool, False) is False


@pytest.mark.parametrize("failure", [ValueError("bad"), KeyboardInterrupt()])
def test_removed_on_failure_deletes_only_the_named_components_built_and_reraises(failure):
    m = pyo.ConcreteModel()
    m.kept = pyo.Var()
    with pytest.raises(type(failure)):
        with removed_on_failure(m, "half", "never_built"):
            m.half = pyo.Block()
            m.other = pyo.Var()  # not named: the caller's own
            raise failure
    assert m.component("half") is None
    assert m.component("other") is not None and m.component("kept") is not None


def test_removed_on_failure_keeps_what_a_body_that_succeeds_built():
    m = pyo.ConcreteModel()
    with removed_on_failure(m, "built"):
        m.built = pyo.Block()
    assert m.component("built") is not None
