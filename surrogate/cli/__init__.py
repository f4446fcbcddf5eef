"""The ``surrogate`` command. It parses arguments, calls the API, and prints.

One module per job: :mod:`~surrogate.cli.parser` (the options of every subcommand),
one module per group of subcommands (:mod:`~surrogate.cli.shapes`, :mod:`~surrogate.cli.sweep`,
:mod:`~surrogate.cli.bench`, :mod:`~surrogate.cli.problems`, :mod:`~surrogate.cli.bounds`,
:mod:`~surrogate.cli.report`), :mod:`~surrogate.cli.folders` (output folders checked first)
and :mod:`~surrogate.cli.console` (stderr, signals, one-line errors). Heavy libraries
(PyTorch, Pyomo, pandas) are imported only by the subcommand that runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .console import STOPPED_CODES, encodable_output, error_message, sigterm_as_interrupt, stdout_to_devnull, stopped
from .folders import check_outputs, writable_folder
from .parser import BENCHMARKS, COMMANDS, build_parser
from .solver_flags import refuse_managed_options

__all__ = ["build_parser", "check_outputs", "main", "writable_folder"]

#: Environment variables every command sets, unless already set, before any library reads them: onnxruntime's
#: telemetry off (where HOME cannot be written, importing onnxruntime printed a warning that it cannot store a
#: device id, so ``-qq`` was not silent; onnxruntime's errors still raise as before).
ENVIRONMENT = {"ORT_DISABLE_TELEMETRY": "1"}


def command_of(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` runs (its first word that is not an option), or ``None`` if it names none;
    a benchmark with its own (``'bench scale'``)."""
    words = [word for word in argv if not word.startswith("-")][:2]
    if not words or words[0] not in COMMANDS:
        return None
    return " ".join(words) if words[0] == "bench" and words[1:] and words[1] in BENCHMARKS else words[0]


def main(argv: list[str] | None = None) -> int:
    """Run the ``surrogate`` command; every expected failure is one line ``surrogate CMD: error: ...`` and exit code 2.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0, 1 when a ``problems`` run crashed, 2 for an expected failure, 130 when interrupted
        (Ctrl-C), 143 when terminated (SIGTERM), 141 when the output's reader went away (``| head``); the table
        of docs/commands.md.
    """
    for name, value in ENVIRONMENT.items():  # inherited by the worker processes too
        os.environ.setdefault(name, value)
    with encodable_output():  # a name or path stdout cannot encode is escaped, not a crash after the work
        try:
            try:
                return _run(argv)
            finally:  # the last block of stdout too, here: at exit a reader gone gave 120 and "Exception ignored"
                if sys.stdout is not None:
                    sys.stdout.flush()
        except BrokenPipeError:  # the reader went away (e.g. '| head'): stop quietly, as a shell tool does
            stdout_to_devnull()  # no second error when Python flushes stdout at exit
            return 141


def _run(argv: list[str] | None) -> int:
    """:func:`main` without its output's care: parse ``argv`` (``--help`` exits here) and run the command.

    A Ctrl-C while the parser is built (it imports the command's modules: seconds, for some) stops the command as
    one during its run does, with one line and 130, not a traceback (probe140)."""
    name = command_of(sys.argv[1:] if argv is None else argv)
    code = None
    try:
        parser = build_parser([name] if name else [])  # only the options of the command that runs
        args, unknown = parser.parse_known_args(argv)
        name = " ".join(filter(None, (args.command, getattr(args, "benchmark", None))))  # e.g. 'bench scale'
        if unknown:  # argparse would name only 'surrogate'; name the command, as every other error does
            why = f"unrecognized arguments: {' '.join(unknown)}{_solver_hint(args, name, unknown)}"
            parser.exit(2, f"surrogate {name}: error: {why}; see 'surrogate {name} --help'\n")
        if hasattr(args, "argv"):
            args.argv = argv
        from ..nets.onnx_domain import on_command_line

        # every command stops on SIGTERM as on Ctrl-C (workers stopped, folders unlocked); a net's missing domain is
        # warned of with the fix a command line can use
        with sigterm_as_interrupt(), on_command_line():
            refuse_managed_options(args, name)  # before any folder is made
            check_outputs(args)
            code = args.func(args)
            return code
    except KeyboardInterrupt as exc:
        if code in STOPPED_CODES:  # it handled its own Ctrl-C and said so (sweep): a second one held is not told again
            return code
        how, code = stopped(exc)
        print(f"{' '.join(filter(None, ('surrogate', name)))}: {how}", file=sys.stderr)
        return code
    except BrokenPipeError:  # the reader went away: main() stops quietly (141)
        raise
    except Exception as exc:
        message = error_message(exc)
        if message is None:
            raise
        print(f"{' '.join(filter(None, ('surrogate', name)))}: error: {' '.join(message.split())}", file=sys.stderr)
        return 2


def _solver_hint(args, name: str, unknown: list[str]) -> str:
    """Where ``--solver`` was given to a command that runs HiGHS alone (it has ``--solver-option`` but no ``--solver``):
    which command has it."""
    if any(word.split("=")[0] == "--solver" for word in unknown) and hasattr(args, "solver_option"):
        return f" (surrogate {name} runs HiGHS only; --solver is an option of 'surrogate bench scale')"
    return ""
