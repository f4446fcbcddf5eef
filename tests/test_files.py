"""Atomic writes leave nothing half-written behind (files.py)."""

import pytest

from surrogate import files


def test_a_write_that_fails_before_its_content_leaves_no_temporary_file(tmp_path, monkeypatch):
    """Between mkstemp and the try, a Ctrl-C (or chmod failing) left '.name.xxxx.tmp' for git to see."""

    def fail(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "chmod", fail)
    with pytest.raises(KeyboardInterrupt):
        files.write_text(tmp_path / "manifest.json", "{}")
    assert list(tmp_path.iterdir()) == []
