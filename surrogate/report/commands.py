"""The ``surrogate sweep`` command line that reproduces a sweep, rebuilt from its recorded config and checked."""

from __future__ import annotations

import argparse
import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ConfigError, SurrogateError
from ..experiments.sweep import SweepConfig
from ..experiments.sweep_args import add_sweep_arguments, sweep_config_from_args
from ..options import MAX_COUNT, default_of
from .tables import one_line

# Recorded by older sweeps: where the work ran, not what it computed.
RUN_ONLY_KEYS = ("workers",)


@dataclass(frozen=True)
class SweepCommand:
    """The ``surrogate sweep`` command line that reproduces a sweep's config.

    ``exact`` is true when parsing ``argv`` with the CLI gives back the very
    config; otherwise ``differences`` says what the command cannot express.
    """

    argv: tuple[str, ...]
    exact: bool
    differences: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return shlex.join(self.argv)


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def _epochs_flag(protocol: dict) -> tuple[list[str], list[str]]:
    """``--protocol``/``--epochs`` flags for a recorded protocol, and what they cannot express."""
    from ..train.protocols import PROTOCOLS

    name = protocol.get("name")
    if name not in PROTOCOLS:
        return [], [f"protocol {name!r} is not a named protocol ({', '.join(sorted(PROTOCOLS))}); build it with the Python API"]
    flags = ["--protocol", name] if name != default_of(SweepConfig, "protocol").name else []
    base = PROTOCOLS[name]
    if _jsonable(base.to_dict()) == _jsonable(protocol):
        return flags, []
    total = sum(int(s.get("epochs", 0)) for s in protocol.get("stages", []))
    # Each stage of with_epochs(e) is within 1 of its share of e, so only an e within len(stages) of the recorded
    # total can match; with_epochs refuses more than MAX_COUNT epochs.
    reach = len(base.stages) + 1
    candidates = range(max(1, total - reach), min(total + reach, MAX_COUNT) + 1)
    for epochs in sorted(candidates, key=lambda e: abs(e - total)):
        if _jsonable(base.with_epochs(epochs).to_dict()) == _jsonable(protocol):
            return flags + ["--epochs", str(epochs)], []
    return flags, [f"protocol {name!r} was customised beyond --epochs; see config.json and use the Python API"]


def sweep_command(config: Mapping, out_dir: str | os.PathLike) -> SweepCommand:
    """The ``surrogate sweep`` command for a sweep's recorded ``config`` (``config.json``'s ``config``).

    Options equal to :class:`SweepConfig`'s defaults are left out. The command
    is checked by parsing it with the sweep's options
    (:func:`~surrogate.experiments.sweep_args.add_sweep_arguments`) and comparing the resulting
    config with ``config``.

    Parameters
    ----------
    config
        The sweep's recorded config (``config.json``'s ``config``).
    out_dir
        The sweep's results folder.
    """
    argv = ["surrogate", "sweep", *_shape_flags(config)]
    flags, differences = _epochs_flag(config["protocol"])
    argv += flags
    seeds = list(config["seeds"])
    if seeds != list(range(len(seeds))):
        differences.append(f"seeds {seeds} are not 0..N-1, which is all --seeds N can give; use the Python API")
    elif len(seeds) != len(default_of(SweepConfig, "seeds")):
        argv += ["--seeds", str(len(seeds))]
    for key, flag in (("formulation", "--formulation"), ("instances", "--instances"), ("instance_seed", "--instance-seed")):
        if config.get(key, default_of(SweepConfig, key)) != default_of(SweepConfig, key):
            argv += [flag, str(config[key])]
    if config.get("solve_all_seeds"):
        argv.append("--all-seeds")
    argv += _solver_flags(config.get("solver", {}), differences)
    if config.get("yardsticks") is False:
        argv.append("--no-yardsticks")
    argv += ["--out", str(out_dir)]
    return SweepCommand(tuple(argv), not differences and _reproduces(argv, config, differences), tuple(differences))


def _shape_flags(config: Mapping) -> list[str]:
    """``--budget`` and ``--arch`` flags for a recorded config's budget and shapes (none where they are the defaults)."""
    from ..nets.architecture import constant_width_shapes

    budget, flags = config["budget"], []
    if budget != default_of(SweepConfig, "budget"):
        flags += ["--budget", str(budget)]
    if list(config["architectures"]) != [a.name for a in constant_width_shapes(budget)]:
        for arch in config["architectures"]:
            flags += ["--arch", str(arch)]
    return flags


def _solver_flags(solver: Mapping, differences: list[str]) -> list[str]:
    """``--time-limit``, ``--threads`` and ``--solver-option`` flags for recorded solver settings; appends what has
    no flag to ``differences``."""
    default, flags = default_of(SweepConfig, "solver"), []
    if solver.get("time_limit", default.time_limit) != default.time_limit:
        short = f"{solver['time_limit']:g}"  # every digit where :g would round: the command makes this config
        flags += ["--time-limit", short if float(short) == solver["time_limit"] else repr(float(solver["time_limit"]))]
    if solver.get("threads", default.threads) != default.threads:
        flags += ["--threads", str(solver["threads"])]
    for name, value in solver.get("options", ()):
        flags += ["--solver-option", f"{name}={str(value).lower() if isinstance(value, bool) else value}"]
    for key in ("rel_gap", "solver"):
        if key in solver and solver[key] != getattr(default, key):
            differences.append(f"solver {key}={solver[key]!r} has no command-line option; use the Python API")
    return flags


class _RefusingParser(argparse.ArgumentParser):
    """A parser whose refusal is raised with its message, not printed with a usage block and exited with 2."""

    def error(self, message: str):
        raise ConfigError(message)


def _reproduces(argv: list[str], config: Mapping, differences: list[str]) -> bool:
    """Whether the sweep's options turn ``argv`` into ``config``; appends what differs to ``differences``."""
    parser = add_sweep_arguments(_RefusingParser(prog=" ".join(argv[:2]), allow_abbrev=False))  # as the CLI's
    try:
        rebuilt = _jsonable(sweep_config_from_args(parser.parse_args(argv[2:])).to_dict())
    except (SystemExit, SurrogateError, AttributeError, TypeError) as exc:
        differences.append(f"the CLI does not accept this command ({one_line(exc) or 'usage error'})")
        return False
    recorded = {k: v for k, v in _jsonable(dict(config)).items() if k not in RUN_ONLY_KEYS}
    differ = sorted(k for k in set(rebuilt) | set(recorded) if rebuilt.get(k) != recorded.get(k))
    if differ:
        differences.append(f"the command gives other values of {', '.join(differ)} than config.json")
    return not differ
