"""The cached unit runner: what a cached result must hold to be reused (:mod:`surrogate.experiments.units`)."""

from collections import Counter

from surrogate.experiments.cache import UnitCache
from surrogate.experiments.units import Unit, lookup, well_formed


def _has_time(row: dict) -> bool:
    return isinstance(row.get("wall_time"), float)


def _solve_unit(size: int, check_row=None) -> Unit:
    return Unit("solve", {"instances": size}, dict, (), "net", size=size, check_row=check_row)


def test_a_solve_entry_holds_exactly_its_units_number_of_rows():
    unit = _solve_unit(2)
    rows = [{"wall_time": 1.0}, {"wall_time": 2.0}, {"wall_time": 3.0}]
    assert well_formed(unit, {"rows": rows[:2]})
    assert not well_formed(unit, {"rows": rows})  # another unit's rows appended: not this unit's
    assert not well_formed(unit, {"rows": rows[:1]})


def test_a_solve_entry_with_a_row_its_check_refuses_is_damaged_and_recomputed(tmp_path):
    unit = _solve_unit(2, check_row=_has_time)
    cache = UnitCache(tmp_path / "cache")
    cache.write(unit.kind, unit.key, unit.spec, {"rows": [{"wall_time": 1.0}, {"status": "solved"}]})
    counts = Counter()
    assert not well_formed(unit, {"rows": [{"wall_time": 1.0}, {"status": "solved"}]})
    assert lookup(cache, unit, tmp_path / "nets", counts) is None
    assert counts["damaged"] == 1 and not cache.path(unit.kind, unit.key).exists()


def test_a_train_entry_holds_exactly_its_units_number_of_nets():
    unit = Unit("train", {"pack": 1}, dict, (), "pack", size=2)
    net = {"row": {"file": "a.onnx"}, "sha256": "0" * 64}
    assert well_formed(unit, {"nets": [net, net]})
    assert not well_formed(unit, {"nets": [net, net, net]}) and not well_formed(unit, {"nets": [net]})


def test_a_solve_row_ctrl_c_stopped_is_neither_stored_nor_reused(tmp_path, caplog):
    """An ``interrupted`` solve is no answer (probe144 #1): storing it raises, and one an older version cached is
    damaged (recomputed), saying why (probe147: 'it does not hold the 1 results'; and a SIGTERM was called Ctrl-C)."""
    import logging

    import pytest

    from surrogate.experiments.units import store_result

    unit, rows = _solve_unit(1), [{"wall_time": 1.0, "termination": "interrupted"}]
    cache = UnitCache(tmp_path / "cache")
    with pytest.raises(KeyboardInterrupt, match=r"net: a solve was interrupted \(by a signal\); its row is not kept"):
        store_result(cache, unit, {"rows": rows}, tmp_path / "nets")
    assert not cache.path(unit.kind, unit.key).exists()
    cache.write(unit.kind, unit.key, unit.spec, {"rows": rows})
    counts = Counter()
    assert not well_formed(unit, {"rows": rows})
    with caplog.at_level(logging.WARNING):
        assert lookup(cache, unit, tmp_path / "nets", counts) is None and counts["damaged"] == 1
    assert "a solve of it was interrupted (an older version cached it)" in caplog.text
