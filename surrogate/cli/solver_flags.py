"""A command's ``--solver-option`` that names an option the package sets itself, refused with what that command offers.

``SolverConfig`` refuses such an option too, but its message names the API (``set SolverConfig.threads instead``);
on the command line the refusal names the command's own flag, or says what the command does where it has none
(``bench scale runs each solve on 1 thread and has no thread option``). Each command says which when it adds
``--solver-option`` (:func:`~surrogate.options.add_solver_option_argument`'s ``settings``).
"""

from __future__ import annotations

import argparse

from ..errors import ConfigError

#: What a setting is called in "has no ... option".
NOUNS = {"time_limit": "time-limit", "rel_gap": "gap", "threads": "thread", "node_limit": "node-cap"}
#: What every command does for a setting it names no flag or way for.
DEFAULT_SETTINGS = {"node_limit": "caps no solve's nodes (each stops at its time limit)"}


def command_fixes(command: str, settings: dict[str, str]) -> dict[str, str]:
    """How to set each setting on ``command``'s line: ``settings`` (a flag, or what the command does) as a refusal says it.

    >>> command_fixes("bench scale", {"threads": "runs each solve on 1 thread", "time_limit": "--time-limit"})["threads"]
    'bench scale runs each solve on 1 thread and has no thread option'
    >>> command_fixes("sweep", {"threads": "--threads"})["threads"]
    'use --threads instead'
    """
    fixes = {}
    for setting, way in {**DEFAULT_SETTINGS, **settings}.items():
        fixes[setting] = f"use {way} instead" if way.startswith("--") else f"{command} {way} and has no {NOUNS[setting]} option"
    return fixes


def refuse_managed_options(args: argparse.Namespace, command: str) -> None:
    """Refuse each ``--solver-option`` of ``args`` that the package sets itself, naming what ``command`` offers instead.

    Parameters
    ----------
    args
        The parsed options of ``command``; one without ``--solver-option`` passes.
    command
        The command's name as its errors give it, e.g. ``'bench scale'``.

    Raises
    ------
    ConfigError
        If an option is one that a setting owns (``OWNED_OPTIONS`` of :mod:`surrogate.milp.solver_config`).
    """
    options = getattr(args, "solver_option", None)
    if not options:
        return
    from ..milp.solver_config import SolverConfig, managed_reason
    from ..options import default_of

    solver = getattr(args, "solver", None) or default_of(SolverConfig, "solver")  # HiGHS where the command has no --solver
    fixes = command_fixes(command, args.solver_settings)
    for name, _ in options:
        if why := managed_reason(solver, name, fixes):
            raise ConfigError(f"option {name!r} of {solver} is managed by surrogate: {why}")
