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
