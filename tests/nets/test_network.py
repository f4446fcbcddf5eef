"""ReluMLP (surrogate.nets.network): its metadata is a mapping by name, kept as text."""

import json

import numpy as np
import pytest

from surrogate import ConfigError, ReluMLP

LAYERS = ([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)])


@pytest.mark.parametrize("metadata", [None, "source", 5, [("a", "b")]])
def test_metadata_that_is_no_mapping_is_refused(metadata):
    with pytest.raises(ConfigError, match=r"ReluMLP: metadata=.* must be a dict, e.g. \{'source': 'trained'\}"):
        ReluMLP(*LAYERS, metadata)


@pytest.mark.parametrize("key", [1, None, np.int64(2), ("a",)])
def test_a_metadata_key_that_is_no_string_is_refused(key):
    with pytest.raises(ConfigError, match=r"ReluMLP: metadata key .* must be a string"):
        ReluMLP(*LAYERS, {key: "a"})


def test_metadata_values_are_kept_as_text_as_with_metadata_writes_them():
    from types import MappingProxyType

    given = {"source": "trained", "seed": np.int64(3), "mae": 0.5, "domain": np.array([[0, 2.0], [0, 1]], dtype=np.float32)}
    net = ReluMLP(*LAYERS, MappingProxyType(given))
    assert type(net.metadata) is dict and net.metadata["seed"] == "3" and net.metadata["mae"] == "0.5"
    assert json.loads(net.metadata["domain"]) == [[0.0, 2.0], [0.0, 1.0]] and net.domain == ((0.0, 2.0), (0.0, 1.0))
    assert ReluMLP(*LAYERS).with_metadata(**given).metadata == net.metadata
