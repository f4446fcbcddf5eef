"""A variable's value as a warm start takes it (start_values.py)."""

from surrogate.milp.start_values import start_refusal, start_value

from .test_highs_run import _gappy


def test_start_value_and_start_refusal_name_what_no_start_takes():
    m = _gappy(float("nan"))
    assert start_value(m.x) is None and start_value(m.y) is None
    assert (
        start_refusal(m)
        == "warm start ignored: integer variable 'y' holds nan, not a finite number; set it to a number, or to None"
    )
    m.y.set_value(2), m.x.set_value(True, skip_validation=True)  # True (a binary set so) is 1, as before
    assert start_value(m.y) == 2.0 and start_value(m.x) == 1.0 and start_refusal(m) is None


def test_text_and_infinities_are_no_start_and_only_a_free_set_integer_is_refused():
    """Kills V01 (text '3' read as 3.0), V02 (inf taken), V03 (a fixed integer's value named) and V05 (an unset
    integer named): a start skips what no solver reads, and only a free integer's value reaches Gurobi."""
    m = _gappy("3")
    assert start_value(m.y) is None and "holds '3'" in start_refusal(m)
    for value in (float("inf"), -float("inf")):
        m.y.set_value(value, skip_validation=True)
        assert start_value(m.y) is None and "holds " in start_refusal(m)
    m.y.fix()  # a fixed integer is a constant: no start of its own
    assert start_refusal(m) is None
    m.y.unfix(), m.y.set_value(None)  # unset: skipped as a start, not refused
    assert start_value(m.y) is None and start_refusal(m) is None
    m.y.set_value(1.5, skip_validation=True)  # a finite number, whatever its domain: a start takes it
    assert start_value(m.y) == 1.5 and start_refusal(m) is None
