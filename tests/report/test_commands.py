"""The ``surrogate sweep`` command rebuilt from a sweep's recorded config (surrogate.report.commands). No solver."""

import json
from dataclasses import replace

import pytest

from surrogate.experiments.sweep import SweepConfig
from surrogate.options import MAX_COUNT
from surrogate.report.commands import sweep_command
from surrogate.train.protocols import get_protocol


def _recorded(protocol) -> dict:
    return json.loads(json.dumps(SweepConfig(budget=24, protocol=protocol).to_dict()))


@pytest.mark.parametrize("epochs", [50_000, 1])
def test_a_customised_protocol_is_named_as_customised_not_a_crash_or_a_refusal(epochs):
    """Many epochs crashed; one was refused (candidates of --epochs start at 1: with_epochs(0) is refused, so trying it
    made a short customised protocol crash)."""
    base = get_protocol("seed")
    custom = replace(base, stages=tuple(replace(s, epochs=epochs, learning_rate=s.learning_rate / 2) for s in base.stages))
    command = sweep_command(_recorded(custom), "R")
    assert not command.exact
    assert command.differences == ("protocol 'seed' was customised beyond --epochs; see config.json and use the Python API",)


def test_epochs_up_to_max_count_still_give_the_epochs_flag():
    for epochs in (MAX_COUNT, MAX_COUNT - 3, 7):
        command = sweep_command(_recorded(get_protocol("seed").with_epochs(epochs)), "R")
        assert command.argv[-4:] == ("--epochs", str(epochs), "--out", "R") and command.exact, epochs


def test_the_workers_an_older_sweep_recorded_do_not_stop_its_command_being_exact():
    """``workers`` (where an older sweep ran, not what it computed) is no option the command must give back."""
    recorded = {**json.loads(json.dumps(SweepConfig().to_dict())), "workers": 4}
    command = sweep_command(recorded, "R")
    assert command.argv == ("surrogate", "sweep", "--out", "R") and command.exact and command.differences == ()


def test_a_command_the_cli_refuses_names_the_refusal_and_prints_no_usage(capsys):
    """A damaged config.json's value that the parser refuses was said as '(2)', argparse's exit code, with its usage
    block printed to stderr in the middle of the report."""
    recorded = {**json.loads(json.dumps(SweepConfig().to_dict())), "instances": 0}
    command = sweep_command(recorded, "R")
    assert not command.exact
    assert command.differences == ("the CLI does not accept this command (argument --instances: 0 must be at least 1)",)
    assert capsys.readouterr().err == ""
