"""The output folders of a command, checked before any work starts (surrogate.cli.folders)."""

from __future__ import annotations

import argparse
import errno

import pytest

from surrogate import ConfigError
from surrogate.cli import folders


def test_a_report_whose_folder_cannot_be_written_is_refused_before_any_work(tmp_path, monkeypatch):
    """Mutation round 7: the report's --out had its folder's write check; without it a report was built in full and
    then failed to be written. (Denied here by the probe itself: root may write in any folder.)"""

    def denied(**kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(folders.tempfile, "mkstemp", denied)
    args = argparse.Namespace(command="report", out=tmp_path / "reports" / "run.md")
    with pytest.raises(ConfigError, match=r"--out .*reports: cannot write in .* \(Permission denied\); pass a folder"):
        folders.check_outputs(args)
