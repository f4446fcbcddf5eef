"""The checks of a table's cells (:mod:`surrogate.report.tables`), on hand-made frames."""

import pandas as pd
import pytest

from surrogate.report.tables import ResultsError, as_bool, check_counts, check_keys, check_values


def test_a_count_must_be_a_whole_number():
    check_counts(pd.DataFrame({"products": [0, 2.0, 64]}), ("products",), (), name="g.csv", fix="fix")
    for bad in (2.5, -1, float("nan"), float("inf")):
        with pytest.raises(ResultsError, match=r"g.csv: column 'products' holds a value that is not a whole number >= 0; fix"):
            check_counts(pd.DataFrame({"products": [1, bad]}), ("products",), (), name="g.csv", fix="fix")


def test_a_value_is_finite_and_at_least_zero_and_an_empty_cell_only_where_allowed():
    frame = pd.DataFrame({"t": [0.0, 1.5, float("nan")]})
    check_values(frame, ("t",), name="s.csv", fix="fix", missing=True)
    with pytest.raises(ResultsError, match=r"s.csv: column 't', row 3 holds an empty cell, where a finite number >= 0"):
        check_values(frame, ("t",), name="s.csv", fix="fix")
    with pytest.raises(ResultsError, match=r"s.csv: column 't', row 2 holds -0.5, where a finite number >= 0 belongs"):
        check_values(pd.DataFrame({"t": [0.0, -0.5]}), ("t",), name="s.csv", fix="fix", missing=True)


def test_zero_and_one_read_as_false_and_true():
    assert list(as_bool(pd.Series(["0", "1", "0.0", "1.0", "FALSE", " yes "]), name="g", fix="f")) == [
        False,
        True,
        False,
        True,
        False,
        True,
    ]


def test_a_key_of_blanks_is_an_empty_key():
    with pytest.raises(ResultsError, match=r"g.csv: column 'arch', row 2 is empty, so the row belongs to no group"):
        check_keys(pd.DataFrame({"arch": ["3x8", "  "]}), ("arch",), name="g.csv", fix="fix")
