"""Defaults and option values, shared by every configuration and the command line.

:func:`default_of` reads a default from its one home, the field of a frozen configuration dataclass; the
``argparse`` types (:func:`whole_number`, :func:`positive_int`, :func:`positive_float`, :func:`solver_option`) turn
option text into values with one-line errors, and :func:`add_solver_option_argument` adds ``--solver-option`` to a
command; :func:`is_number` is the one check of a configuration's numeric field (bools are never numbers, whatever
Python says), :func:`check_flags` the one check of a bool option, :func:`check_seconds` the one check of a time
limit, :func:`check_count` the one check of a size or count (up to :data:`MAX_COUNT`) and :func:`check_sequence`
the one check of a tuple-valued field; :func:`refusal_of` names a config's field in a refusal of its value. This
module imports nothing else from the package.
"""

from __future__ import annotations

import argparse
import math
import numbers
import reprlib
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from dataclasses import MISSING, fields
from pathlib import Path

from .errors import ConfigError, SurrogateError


def default_of(cls, name: str):
    """The default value of field ``name`` of the dataclass ``cls`` (its default factory called if it has one).

    The configuration dataclasses are the one home of every default: the
    command line and the report read theirs from here.

    Parameters
    ----------
    cls
        A dataclass, e.g. :class:`SweepConfig`.
    name
        One of its fields, e.g. ``'budget'``.

    Raises
    ------
    ConfigError
        If ``cls`` has no field ``name``, or the field has no default.
    """
    found = {f.name: f for f in fields(cls)}
    if name not in found:
        raise ConfigError(f"{cls.__name__} has no field {name!r}; choose one of {', '.join(found)}")
    f = found[name]
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    raise ConfigError(f"{cls.__name__}.{name} has no default; pass it explicitly")


def plain_number(value):
    """``value`` as a Python number if it is a NumPy scalar (``np.int64(3)`` -> ``3``) or another real number
    (``Fraction(1, 1000)`` -> ``0.001``, one past float's range -> ``inf``), a tuple of them element by element, else
    as it is: a config keeps only ints and floats, which JSON writes and :meth:`str.format` formats."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()
    if isinstance(value, numbers.Real) and type(value) not in (bool, int, float):
        if isinstance(value, numbers.Integral):
            return int(value)
        return (math.inf if value > 0 else -math.inf) if abs(value) > sys.float_info.max else float(value)  # Fraction(10**400)
    if type(value) is tuple and any(plain_number(v) is not v for v in value):
        return tuple(plain_number(v) for v in value)
    return value


def plain_numbers(config) -> None:
    """Turn the NumPy scalars and other real numbers (a ``Fraction``) among a frozen dataclass ``config``'s fields into
    Python ints and floats (:func:`plain_number`): :func:`is_number` accepts them, and a config keeps Python numbers, so
    that it writes to JSON and keys a cache as the same config given in Python numbers does."""
    import dataclasses

    for f in dataclasses.fields(config):
        object.__setattr__(config, f.name, plain_number(getattr(config, f.name)))


def check_flags(where: str, **flags) -> None:
    """Raise :class:`~surrogate.errors.ConfigError` naming ``where`` and the first of ``flags`` that is not
    ``True`` or ``False`` (NumPy's ``np.True_``/``np.False_`` are; the strings ``"false"`` and ``"no"`` are
    not: they are truthy).

    Examples
    --------
    >>> check_flags("run_sweep", fresh="no")
    Traceback (most recent call last):
    surrogate.errors.ConfigError: run_sweep: fresh='no' must be True or False
    """
    for name, value in flags.items():
        if not isinstance(plain_number(value), bool):
            raise ConfigError(f"{where}: {name}={value!r} must be True or False")


def is_number(
    value,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = False,
) -> bool:
    """Whether ``value`` is a number (an integer if ``integer``) within the given range.

    ``True`` and ``False`` are never numbers here; NumPy scalars are. ``low``
    and ``high`` are inclusive unless ``low_open``/``high_open``; NaN lies in
    no range with an end, and ``finite`` rejects NaN and infinities too.
    A configuration raises its own :class:`~surrogate.errors.ConfigError`
    (naming the field and a valid value) when this is ``False``.

    Examples
    --------
    >>> is_number(3, integer=True, low=1), is_number(True, integer=True), is_number(0.0, low=0, low_open=True)
    (True, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral if integer else numbers.Real):
        return False
    if finite and not math.isfinite(value):
        return False
    if low is not None and not (value > low if low_open else value >= low):
        return False
    return high is None or (value < high if high_open else value <= high)


#: The largest size or count an argument takes (hidden neurons of a shape, a baseline's binaries or pieces, a
#: budget, instances, workers...): beyond any net or MILP that trains or solves, so only a slip (``10**30``) meets it.
MAX_COUNT = 100_000
#: The most CPU threads a computation takes (PyTorch's, HiGHS's, Gurobi's).
MAX_CPU_THREADS = 1024


def check_count(where: str, value, *, low: int = 1, high: int = MAX_COUNT, example=None, why: str = "", error=ConfigError) -> int:
    """``value`` as a Python int (a NumPy integer too) after checking it is an integer from ``low`` to ``high``: the one
    check of a size or count. Else ``error`` (a :class:`~surrogate.errors.SurrogateError` class) naming ``where``
    (e.g. ``'NMDT: binaries'``), with ``why`` (the reason for ``high``) and ``example`` in its message.

    Examples
    --------
    >>> check_count("train_nets: threads", 10**30, high=MAX_CPU_THREADS)
    Traceback (most recent call last):
    surrogate.errors.ConfigError: train_nets: threads=1000000000000000000000000000000 must be a positive integer up to 1024
    """
    if not is_number(value, integer=True, low=low, high=high):
        span = f"a positive integer up to {high}" if low == 1 else f"an integer from {low} to {high}"
        because, eg = f" ({why})" if why else "", "" if example is None else f", e.g. {example}"
        raise error(f"{where}={value!r} must be {span}{because}{eg}")
    return int(value)


def check_sequence(where: str, value, *, example: str, of: type | tuple = object, what: str = "names") -> tuple:
    """``value`` (a tuple, list or other ordered iterable of ``of`` instances) as a tuple: the one check of a tuple-valued
    field, ``where`` naming the config and the field (e.g. ``'ScaleBenchConfig: nets'``), ``what`` its items and
    ``example`` a valid value. One string is refused rather than read as its characters (``'3x8'`` as ``('3', 'x', '8')``).

    Examples
    --------
    >>> check_sequence("ScaleBenchConfig: nets", 3, example="('b24-best-3x8',)")
    Traceback (most recent call last):
    surrogate.errors.ConfigError: ScaleBenchConfig: nets=3 must be a sequence of names (a tuple or list), e.g. ('b24-best-3x8',)
    """
    if isinstance(value, str | bytes):  # not split into its characters, nor guessed to be one name
        one = f"for that one, pass ({value!r},)" if isinstance(value, of) else f"e.g. {example}"
        raise ConfigError(f"{where}={value!r} must be a sequence of {what}, not one string; {one}")
    shown = reprlib.repr(value)  # a container (of weight arrays, of instances) in brief
    if isinstance(value, Mapping | Set) or not isinstance(value, Iterable):  # a dict's keys, a set's order: not meant
        raise ConfigError(f"{where}={shown} must be a sequence of {what} (a tuple or list), e.g. {example}")
    items = tuple(value)
    bad = [v for v in items if not isinstance(v, of)]
    if bad:
        raise ConfigError(f"{where}={shown} must hold only {what}, not {reprlib.repr(bad[0])}; e.g. {example}")
    return plain_number(items)


@contextmanager
def refusal_of(where: str, name: str, value) -> Iterator[None]:
    """Re-raise a :class:`~surrogate.errors.SurrogateError` raised within as the same class, its message led by
    ``'<where>: <name>=<value>: '``, so that a config's refusal of a field names the config and the field."""
    try:
        yield
    except SurrogateError as exc:
        raise type(exc)(f"{where}: {name}={value!r}: {exc}") from None


def whole_number(text: str, *, minimum: int | None = 0) -> int:
    """``text`` as an integer of at least ``minimum`` (``None``: any integer; an :mod:`argparse` type).

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not a whole number, or is below ``minimum``.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise argparse.ArgumentTypeError(f"{value} must be at least {minimum}")
    return value


def user_path(text: str) -> Path:
    """A path option's value with ``~`` expanded (a shell leaves ``--out=~/x`` as it is); an empty one is refused
    (``--out "$UNSET"`` would otherwise mean the current folder)."""
    if not text:
        raise argparse.ArgumentTypeError(f"{text!r}: an empty path (an unset shell variable?); give a file or folder name")
    try:
        return Path(text).expanduser()
    except RuntimeError:  # '~nosuchuser/x': no such home folder
        raise argparse.ArgumentTypeError(f"{text!r}: no home folder for {text.split('/')[0]!r}; write the full path") from None


def net_name(text: str) -> str:
    """A net option's value (a zoo name or an ONNX path) with a leading ``~`` expanded as a path.

    Zoo names never start with ``~``; every other value is passed on unchanged.
    """
    return str(user_path(text)) if text.startswith("~") else text


def positive_int(text: str) -> int:
    """``text`` as a positive integer (an :mod:`argparse` type; see :func:`whole_number`)."""
    return whole_number(text, minimum=1)


def _number(text: str) -> float:
    """``text`` as a float; :class:`argparse.ArgumentTypeError` if it is none (``nan`` included)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    return value


def positive_float(text: str, *, finite: bool = True) -> float:
    """``text`` as a positive, finite number (an :mod:`argparse` type; ``finite=False`` lets ``inf`` through, for
    a caller that refuses it with its own advice).

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not a number (``nan`` included), is not above 0, or is infinite (a limit of
        ``inf`` cannot be recorded in a results file: give a large number instead).
    """
    value = _number(text)
    if value == 0 and math.copysign(1.0, value) > 0 and any(digit in "123456789" for digit in text.lower().partition("e")[0]):
        raise argparse.ArgumentTypeError(f"{text} is too small to tell from 0 in floating point; give a larger number")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be positive")
    if finite and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{value} must be finite; for no practical limit give a large number, e.g. 1e6")
    return value


def seconds_from_0(text: str) -> float:
    """``text`` as seconds >= 0 up to :data:`MAX_TIME_LIMIT` (an :mod:`argparse` type, e.g. ``--start-patience``), as
    every config takes them (:func:`check_seconds`, ``zero=True``): one beyond is refused under the option's name.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not a number (``nan`` included), is below 0, is infinite or is above :data:`MAX_TIME_LIMIT`.
    """
    value = _number(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} must be finite; give a number of seconds, e.g. 25")
    return _capped_seconds(value)


def _capped_seconds(value: float) -> float:  # a larger one (``inf`` too) refused with one advice
    if value > MAX_TIME_LIMIT:
        raise argparse.ArgumentTypeError(
            f"{value:g} seconds is more than {MAX_TIME_LIMIT:g}; for no practical limit give {MAX_TIME_LIMIT:g}"
        )
    return value


#: The longest time limit a config takes (about 31 years: no practical limit; SCIP refuses above 1e20).
MAX_TIME_LIMIT = 1e9


def check_seconds(where: str, value, *, zero: bool = False, fix: str = "") -> None:
    """Raise :class:`~surrogate.errors.ConfigError` unless ``value`` is a number of seconds above 0 (``zero``: at
    least 0) up to :data:`MAX_TIME_LIMIT`: the one check of a time limit, ``where`` naming the function (or config)
    and the argument, e.g. ``'net_bounds: time_limit'``; ``fix`` replaces the advice in parentheses (default: pass
    :data:`MAX_TIME_LIMIT` for no practical limit).

    Examples
    --------
    >>> check_seconds("net_bounds: time_limit", -1)
    Traceback (most recent call last):
    surrogate.errors.ConfigError: net_bounds: time_limit=-1 must be a positive number of seconds up to 1e+09 (pass 1e+09 for no practical limit)
    """
    if not is_number(value, low=0, low_open=not zero, high=MAX_TIME_LIMIT):
        kind = "number of seconds >= 0" if zero else "positive number of seconds"
        fix = fix or f"pass {MAX_TIME_LIMIT:g} for no practical limit"
        raise ConfigError(f"{where}={value!r} must be a {kind} up to {MAX_TIME_LIMIT:g} ({fix})")


def time_limit_seconds(text: str) -> float:
    """``text`` as seconds of a ``--time-limit`` (an :mod:`argparse` type): :func:`positive_float` up to
    :data:`MAX_TIME_LIMIT`, so that a larger one is refused under the option's name, not the config's."""
    value = _capped_seconds(positive_float(text, finite=False))
    if value / 2 == 0:  # a warm start takes half of it: 0 s, refused later under StartConfig's name, not the option's
        raise argparse.ArgumentTypeError(
            f"{text} is too small: half of it (the warm start's share) is 0 in floating point; give a larger number, e.g. 1"
        )
    return value


def solver_option(text: str) -> tuple[str, bool | int | float | str]:
    """``NAME=VALUE`` as a solver option's ``(name, value)`` pair (an :mod:`argparse` type).

    The value is ``True``/``False`` for ``true``/``false`` (any case), else an integer, else a
    float, else the text itself: ``mip_heuristic_effort=0.3`` gives ``('mip_heuristic_effort', 0.3)``,
    ``presolve=off`` gives ``('presolve', 'off')``. Whether the solver knows the option is
    checked when a solve starts (:class:`~surrogate.milp.solver_config.SolverConfig`).

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` has no ``=``, or nothing before it.
    """
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE, e.g. mip_heuristic_effort=0.3")
    value = value.strip()
    if value.lower() in ("true", "false"):
        return name.strip(), value.lower() == "true"
    for kind in (int, float):
        try:
            return name.strip(), kind(value)
        except ValueError:
            pass
    return name.strip(), value


def add_solver_option_argument(p: argparse.ArgumentParser, *, settings: Mapping[str, str], chosen: bool = False) -> None:
    """``--solver-option NAME=VALUE`` (repeatable): the MILP solver's own options (``SolverConfig.options``); ``chosen``:
    the command has ``--solver`` (else it runs HiGHS only, and the help's example is HiGHS's alone). ``settings``: for
    each setting whose options are refused (``SETTINGS`` of :mod:`surrogate.milp.solver_config`), the command's flag
    (``'--threads'``) or what the command does instead (``'runs each solve on 1 thread'``), which the refusal names."""
    whose = "the MILP solver (--solver)" if chosen else "HiGHS, the MILP solver this command runs,"
    also = " or separating/maxrounds=0 (SCIP)" if chosen else ""
    example = f"e.g. mip_heuristic_effort=0.3 (HiGHS){also}; repeatable; checked against the solver before any solve"
    help_text = f"an option of {whose} by its own name, {example}"
    p.add_argument("--solver-option", action="append", type=solver_option, default=[], metavar="NAME=VALUE", help=help_text)
    p.set_defaults(solver_settings=dict(settings))


#: The largest learning rate a training config takes: Adam moves each weight by about the learning rate per
#: step, and the weights of a net of x*y on [-1, 1]^2 are of order 1, so a larger rate only diverges.
MAX_LEARNING_RATE = 10.0
#: The largest seed: PyTorch's ``manual_seed`` takes a signed 64-bit integer.
MAX_SEED = 2**63 - 1
#: The most seeds a command line's ``--seeds N`` (seeds 0..N-1) takes: nets per shape, each trained.
MAX_SEED_COUNT = MAX_COUNT


def seed_count(text: str) -> int:
    """``--seeds N``: a whole number in ``[1, MAX_SEED_COUNT]`` (an :mod:`argparse` type)."""
    value = whole_number(text, minimum=1)
    if value > MAX_SEED_COUNT:
        raise argparse.ArgumentTypeError(f"{value} seeds is more than {MAX_SEED_COUNT:,}; ask for fewer nets per shape")
    return value


def check_seeds(seeds: Sequence[int]) -> list[int]:
    """``seeds`` as a list of Python ints, after checking they are distinct integers in ``[0, MAX_SEED]``.

    Parameters
    ----------
    seeds
        The seeds, a sequence of integers (e.g. ``range(5)``).

    Raises
    ------
    ConfigError
        If ``seeds`` is not a sequence, is empty, holds a value that is not such an integer, or repeats one.
    """
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ConfigError(f"seeds={seeds!r} must be a sequence of integers, e.g. seeds=[0, 1] (or range(5))")
    seeds = list(seeds)
    if not seeds:
        raise ConfigError("no seeds given; pass at least one integer seed, e.g. seeds=[0]")
    for s in seeds:
        if not is_number(s, integer=True, low=0, high=MAX_SEED):
            raise ConfigError(f"seed {s!r} must be an integer in [0, {MAX_SEED}] (PyTorch's generator takes no larger)")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seeds {seeds} contain duplicates; give each net its own seed")
    return [int(s) for s in seeds]
