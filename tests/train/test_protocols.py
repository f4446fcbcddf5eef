"""TrainingProtocol and Stage cap their sizes by name (probe119 #8: 10**12 points ended in torch's allocator error)."""

from __future__ import annotations

import pytest

from surrogate import ConfigError, TrainingProtocol
from surrogate.options import MAX_COUNT
from surrogate.train.protocols import Stage

MAX_POINTS = 10_000_000  # protocols.MAX_POINTS (checked below)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda n: TrainingProtocol(n_points=n),
            rf"training protocol 'seed': n_points={10**12} must be an integer > 0, at most {MAX_POINTS}",
        ),
        (
            lambda n: TrainingProtocol(restarts=n),
            rf"training protocol 'seed': restarts={10**12} must be an integer > 0, at most {MAX_COUNT}",
        ),
        (lambda n: Stage(epochs=n), rf"training stage: epochs={10**12} must be an integer > 0, at most {MAX_COUNT}"),
        (lambda n: Stage(batch_size=n), rf"training stage: batch_size={10**12} must be an integer > 0, at most {MAX_POINTS}"),
        (
            lambda n: TrainingProtocol().with_epochs(n),
            rf"training protocol 'seed': epochs={10**12} must be an integer > 0, at most {MAX_COUNT}",
        ),
    ],
)
def test_a_size_past_its_cap_is_named(make, match):
    with pytest.raises(ConfigError, match=match):
        make(10**12)


def test_sizes_at_their_caps_are_taken():
    from surrogate.train import protocols

    assert protocols.MAX_POINTS == MAX_POINTS
    TrainingProtocol(n_points=MAX_POINTS, restarts=MAX_COUNT, stages=(Stage(epochs=MAX_COUNT, batch_size=MAX_POINTS),))
    assert TrainingProtocol().with_epochs(MAX_COUNT).epochs == pytest.approx(MAX_COUNT, abs=2)
