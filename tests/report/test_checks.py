"""A results folder's files checked against each other (:mod:`surrogate.report.checks`)."""

import pandas as pd
import pytest

from surrogate.report.checks import OUTCOME_STATUS
from surrogate.report.loading import load_sweep
from surrogate.report.tables import ResultsError
from tests.helpers import tiny_sweep_folder


def test_a_shape_the_config_does_not_list_is_refused_even_where_both_tables_have_it(tmp_path):
    folder = tiny_sweep_folder(tmp_path / "s")
    for name in ("table.csv", "nets.csv"):
        frame = pd.read_csv(folder / name)
        extra = frame[frame["arch"] == "2x2"].assign(arch="3x3")
        pd.concat([frame, extra], ignore_index=True).to_csv(folder / name, index=False)
    with pytest.raises(ResultsError, match=r"s/table.csv: has shape\(s\) 3x3 where config.json lists 1x4, 2x2, so rows"):
        load_sweep(folder)


def _scale_files(limits, statuses=None):
    """A scale table of one route and its solves.csv, one solve in 1 s per entry of ``limits`` (its time limit), each
    of ``statuses`` (default: solved), counted in the table's outcome columns."""
    from surrogate.experiments.scale_bench_tables import penalised_times, shifted_geometric_mean

    solves = pd.DataFrame(
        {"net": "n", "encoding": "pruned", "solver": "highs", "instance": [f"random{k + 1}-s0" for k in range(len(limits))]}
    ).assign(status=statuses or "solved", wall_time=1.0, time_limit=list(limits))
    sgm = shifted_geometric_mean(penalised_times(solves))
    table = pd.DataFrame({"net": ["n"], "encoding": ["pruned"], "solver": ["highs"], "instances": [len(limits)]})
    counts = {column: int((solves["status"] == status).sum()) for column, status in OUTCOME_STATUS.items()}
    return table.assign(**counts, sgm_s=sgm), solves


def test_a_solve_whose_limit_is_a_little_off_the_configs_is_from_another_run(tmp_path):
    from surrogate.report.checks import check_solves

    payload = {"config": {"solver": {"time_limit": 60.0}}}
    table, solves = _scale_files([60.0, 60.0])
    assert list(check_solves(payload, table, solves, folder=tmp_path, fix="fix")["wall_time"]) == [1.0, 1.0]
    table, solves = _scale_files([60.0, 63.0])
    with pytest.raises(ResultsError, match=r"row 2 was solved with time_limit 63.0, where config.json records 60.0"):
        check_solves(payload, table, solves, folder=tmp_path, fix="fix")


def test_an_sgm_off_by_a_tenth_of_a_percent_is_not_the_solves(tmp_path):
    from surrogate.report.checks import check_solves

    payload = {"config": {"solver": {"time_limit": 60.0}}}
    table, solves = _scale_files([60.0, 60.0])
    check_solves(payload, table.assign(sgm_s=table["sgm_s"] * (1 + 1e-8)), solves, folder=tmp_path, fix="fix")  # rounding
    with pytest.raises(ResultsError, match=r"\(n, pruned, highs\) says sgm_s .*, where the solves of solves.csv give"):
        check_solves(payload, table.assign(sgm_s=table["sgm_s"] * 1.001), solves, folder=tmp_path, fix="fix")


def test_infeasible_and_error_solves_are_counted_in_their_own_columns(tmp_path):
    from surrogate.report.checks import check_solves

    payload = {"config": {"solver": {"time_limit": 60.0}}}
    table, solves = _scale_files([60.0] * 3, ["solved", "infeasible", "infeasible"])
    assert (table["infeasible"].item(), table["errors"].item()) == (2, 0)
    check_solves(payload, table, solves, folder=tmp_path, fix="fix")
    with pytest.raises(ResultsError, match=r"row 1 \(n, pruned, highs\) says infeasible 0, where solves.csv has 2"):
        check_solves(payload, table.assign(infeasible=0, errors=2), solves, folder=tmp_path, fix="fix")
