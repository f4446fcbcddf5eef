"""How the command talks to its terminal (:mod:`surrogate.cli.console`): encodings, one-line messages, --help
defaults, negative numbers, and which signal a swallowed interrupt is sent again as. No solver."""

import argparse
import io
import signal
import sys
from types import SimpleNamespace

import pytest

from surrogate.cli import console


def test_output_that_the_console_cannot_encode_is_escaped_and_the_setting_restored(monkeypatch):
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", out)
    with console.encodable_output():
        print("zoo-\xfc", file=sys.stdout)
        assert out.errors == "backslashreplace"
    assert out.errors == "strict"
    out.flush()
    assert out.buffer.getvalue() == b"zoo-\\xfc\n"


def test_an_undecodable_input_file_is_one_line_not_a_traceback():
    exc = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    assert console.error_message(exc).startswith("an input file is not UTF-8 text (")
    assert console.error_message(ValueError("a bug")) is None


def test_help_gets_the_default_unless_it_names_one_or_the_option_is_a_flag():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60, help="rows shown")
    parser.add_argument("--epochs", type=int, default=5, help="epochs (Default 5 in a smoke test)")
    parser.add_argument("--quick", action="store_true", help="smoke test")
    parser.add_argument("--arch", action="append", default=[], help="shape")
    console.show_defaults(parser)
    helps = {a.dest: a.help for a in parser._actions}
    assert helps["rows"] == "rows shown (default: %(default)s)"
    assert helps["epochs"] == "epochs (Default 5 in a smoke test)" and helps["quick"] == "smoke test"
    assert helps["arch"] == "shape"


@pytest.mark.parametrize("text", ["-1", "-0.5", "-1e-3", "-1E-3", "-1.", "-1_000", "-.5", "-inf", "-INF", "-Infinity", "-nan"])
def test_every_negative_number_is_a_value(text):
    assert console.NEGATIVE_NUMBER.match(text)


@pytest.mark.parametrize("text", ["-x", "--inf", "-e5", "-1e", "-infx", "-"])
def test_an_option_is_not_a_negative_number(text):
    assert not console.NEGATIVE_NUMBER.match(text)


@pytest.mark.parametrize(("exc", "signum"), [(console.Terminated(), signal.SIGTERM), (KeyboardInterrupt(), signal.SIGINT)])
def test_a_swallowed_interrupt_is_sent_again_as_the_signal_that_raised_it(exc, signum):
    scheduled, other = [], []
    pending = SimpleNamespace(schedule=scheduled.append)
    console._interrupts_resent(other.append, pending)(SimpleNamespace(exc_value=exc))
    assert scheduled == [signum] and other == []
    console._interrupts_resent(other.append, pending)(SimpleNamespace(exc_value=ValueError("x")))
    assert scheduled == [signum] and len(other) == 1


def test_stopped_says_how_each_interrupt_ends_the_command():
    assert console.stopped(console.Terminated()) == ("terminated", 143)
    assert console.stopped(KeyboardInterrupt()) == ("interrupted", 130)
    assert console.STOPPED_CODES == (130, 143)
