"""A command a results folder records, as it runs again now: its abbreviated options written in full, its ``--out``
set to where the folder is, and whether the command line still gives what the folder holds.

Runs before the command lines refused abbreviated options recorded them as typed (``--time 5 --ou results``).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from .loading import command_for

#: What gives a ``surrogate`` command's option strings: called with the words after ``surrogate`` (its subcommand
#: first), it returns that subcommand's option strings, or ``None`` where the words name no subcommand it knows.
#: ``surrogate report`` passes its own parser's (:func:`surrogate.cli.parser.option_strings`).
OptionStrings = Callable[[Sequence[str]], Collection[str] | None]


@dataclass(frozen=True)
class RecordedCommand:
    """A recorded command as it runs again: ``exact`` is false where ``differences`` says why it would not."""

    text: str
    exact: bool = True
    differences: tuple[str, ...] = ()


def full_options(argv: Sequence[str], options: Collection[str]) -> tuple[list[str], list[str]]:
    """``argv`` with each option that is a unique prefix of one of ``options`` written in full (argparse read such
    a prefix as that option before the commands refused abbreviations), and what could not be written so.

    A word ``--name`` or ``--name=value`` that no option is, or starts, is unknown; one that starts several is
    ambiguous (argparse refused it then too). Words after ``--`` and words of one dash (``-q``, ``-1``) are kept.

    >>> full_options(["surrogate", "bench", "scale", "--ti=5", "--ou", "x"], ["--time-limit", "--out", "--quick"])
    (['surrogate', 'bench', 'scale', '--time-limit=5', '--out', 'x'], [])
    >>> full_options(["--t", "1", "--x"], ["--time-limit", "--threads"])[1]
    ["'--t' could be any of --threads, --time-limit", "'--x' is no option of the command"]
    """
    words, problems = list(argv), []
    for i, word in enumerate(words):
        if word == "--":
            break
        name, eq, value = word.partition("=")
        if not name.startswith("--") or name == "--" or name in options:
            continue
        matches = sorted(option for option in options if option.startswith("--") and option.startswith(name))
        if len(matches) == 1:
            words[i] = matches[0] + eq + value
        elif matches:
            problems.append(f"{name!r} could be any of {', '.join(matches)}")
        else:
            problems.append(f"{name!r} is no option of the command")
    return words, problems


def regenerate(command: str, folder: Path, *, option_strings: OptionStrings | None = None) -> RecordedCommand:
    """``command`` (a folder's recorded command line) as it runs again into ``folder``: its options written in
    full where ``option_strings`` knows them (:func:`full_options`), then its ``--out`` set to ``folder``
    (:func:`~surrogate.report.loading.command_for`).

    Without ``option_strings`` (or for a command it does not know) only prefixes of ``--out`` are written in full, as
    :func:`~surrogate.report.loading.command_for` does; the command counts as exact. An option that no option is
    or that several start makes it not exact, with what was wrong in ``differences``.
    """
    try:
        argv = shlex.split(command)
    except ValueError:
        return RecordedCommand(command)
    known = option_strings(argv[1:]) if option_strings and argv and Path(argv[0]).name == "surrogate" else None
    if known is None:
        return RecordedCommand(command_for(command, folder))
    argv, problems = full_options(argv, known)
    text = command_for(shlex.join(argv), folder)
    return RecordedCommand(text, not problems, tuple(f"the CLI does not accept this command: {p}" for p in problems))
