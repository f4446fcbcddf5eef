"""A zoo save's pending entries and the JSON reads they share (zoo_pending.py)."""

from __future__ import annotations

import pytest

from surrogate.errors import ModelFormatError
from surrogate.nets.zoo_pending import PENDING, read_json, read_pending


def test_a_missing_file_is_none_only_where_missing_is_allowed(tmp_path):
    """Kills Z06 (every missing file read as None: a report folder's lost config.json would pass as no config)."""
    with pytest.raises(ModelFormatError, match=r"config\.json cannot be read \(No such file or directory\); check the zoo"):
        read_json(tmp_path / "config.json")
    assert read_json(tmp_path / "config.json", missing_ok=True) is None
    assert read_pending(tmp_path) == []


@pytest.mark.parametrize(
    "entries",
    ['[{"name": "a", "file": "a.onnx"}]', '[{"name": "a", "file": "a.onnx", "sha256": 3}]', '{"name": "a"}', "[1]"],
)
def test_a_pending_file_that_is_no_list_of_full_entries_is_refused(tmp_path, entries):
    """Kills Z07 (an entry without a sha256, or with one that is no string, taken)."""
    (tmp_path / PENDING).write_text(entries)
    with pytest.raises(ModelFormatError, match=r"is not a list of zoo entries with a name, file and sha256; delete"):
        read_pending(tmp_path)


def test_a_name_pending_twice_takes_its_last_entry_whose_file_matches(tmp_path):
    """merged_entries by hand: the last fresh entry of a name wins, a stale one is left out, a new name is added.
    Kills Z08 (the first one taken)."""
    from surrogate.files import sha256_bytes
    from surrogate.nets.zoo_pending import merged_entries

    for name, data in (("a1.onnx", b"one"), ("a2.onnx", b"two"), ("b.onnx", b"bee")):
        (tmp_path / name).write_bytes(data)
    sha = {data: sha256_bytes(data) for data in (b"one", b"two", b"bee")}
    models = [{"name": "a", "file": "a0.onnx", "sha256": "old"}, {"name": "c", "file": "c.onnx", "sha256": "c"}]
    entries = [
        {"name": "a", "file": "a1.onnx", "sha256": sha[b"one"]},
        {"name": "a", "file": "a2.onnx", "sha256": sha[b"two"]},
        {"name": "c", "file": "b.onnx", "sha256": "stale"},
        {"name": "b", "file": "b.onnx", "sha256": sha[b"bee"]},
    ]
    assert merged_entries(tmp_path, models, entries) == [entries[1], models[1], entries[3]]
