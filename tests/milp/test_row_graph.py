"""The graph of rows and variables (row_graph.py)."""

from surrogate.milp.row_graph import linked, readers_of


class _Var:
    """A variable stand-in: linked tells variables apart by identity, as Pyomo's (equal names do not make one)."""

    def __init__(self, name):
        self.name = name


def test_linked_finds_each_variable_of_a_component_once_and_the_rows_that_link_them():
    """a-b (row 0), b-c (row 1), c-a (row 2: a cycle), d alone (row 3): from [a, a, c], each of a, b, c once, and rows
    0, 1, 2; from [d], d and row 3. A start named twice, or a variable met through two rows, is still one variable."""
    a, b, c, d = (_Var(n) for n in "abcd")
    rows = [[a, b], [b, c], [c, a], [d]]
    found, walked = linked(rows, [a, a, c])
    assert sorted(v.name for v in found) == ["a", "b", "c"] and walked == {0, 1, 2}
    readers = readers_of(rows)
    assert readers[id(a)] == [0, 2] and readers[id(d)] == [3]
    found, walked = linked(rows, [d], readers=readers)
    assert [v.name for v in found] == ["d"] and walked == {3}
    assert linked(rows, []) == ([], set())


def test_a_variable_a_row_lists_twice_is_found_once():
    """e-f-e (row 0): from f, e and f once each (both of e's entries were taken as new, so e was found twice)."""
    e, f = _Var("e"), _Var("f")
    found, walked = linked([[e, f, e]], [f])
    assert sorted(v.name for v in found) == ["e", "f"] and walked == {0}
