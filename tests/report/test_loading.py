"""Reading results folders (:mod:`surrogate.report.loading`): what a sweep folder's files must hold."""

import json

import pandas as pd
import pytest

from surrogate.report.loading import check_distinct, load_sweep
from surrogate.report.tables import ResultsError
from tests.helpers import tiny_sweep_folder


def test_a_seed_that_is_not_a_whole_number_is_refused(tmp_path):
    folder = tiny_sweep_folder(tmp_path / "s")
    nets = pd.read_csv(folder / "nets.csv").astype({"seed": float})
    nets.loc[2, "seed"] = 0.5
    nets.to_csv(folder / "nets.csv", index=False)
    with pytest.raises(ResultsError, match=r"s/nets.csv: column 'seed', row 3 holds 0.5, not a whole number"):
        load_sweep(folder)


@pytest.mark.parametrize(("units", "reused"), [({"reused": 3}, 3), ({"reused": -2}, 0), ({"reused": 2.5}, 0), ({}, 0)])
def test_reused_units_are_read_only_as_a_whole_number_at_least_zero(tmp_path, units, reused):
    folder = tiny_sweep_folder(tmp_path / "s")
    payload = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**payload, "units": units}))
    assert load_sweep(folder).reused_units == reused


def test_one_folder_given_through_a_link_and_its_own_path_is_given_twice(tmp_path):
    folder = tiny_sweep_folder(tmp_path / "s")
    (tmp_path / "link").symlink_to(folder, target_is_directory=True)
    (tmp_path / "x").mkdir()
    check_distinct([folder, tmp_path / "x"])
    with pytest.raises(ResultsError, match=r"link: given twice \(also as .*s\); give each results folder once"):
        check_distinct([folder, tmp_path / "link"])
    with pytest.raises(ResultsError, match=r"given twice"):
        check_distinct([folder, tmp_path / "x" / ".." / "s"])
