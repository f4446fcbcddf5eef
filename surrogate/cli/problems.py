"""``surrogate problems``: bilinear problems solved through surrogates, polished, bounded, and tabulated."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

from ..errors import ConfigError, warn_caller
from ..experiments.cache import folder_lock
from ..experiments.problem_package import problems_package
from ..experiments.results_files import refuse_other_commands
from ..install_hints import extra_hint
from .defaults import default_surrogate
from .start_args import start_options


def cmd_problems(args: argparse.Namespace) -> int:
    """Run every named problem and ``--qcqp`` file through each surrogate and formulation; print and write the table.

    Returns 0, or 1 when a run crashed (its row says how, and a line on stderr; the others are still written).
    """
    from ..experiments.problem_run_config import BUDGET_FACTOR, ProblemRunConfig
    from ..milp.solver import check_solver
    from ..options import default_of

    _check_out_apart(args.out, args.qcqp or [])
    if args.out:  # a sweep's or a benchmark's folder: the one rule of every command that writes a results folder
        refuse_other_commands(args.out, "problems", "surrogate problems")
    built = _problems_to_run(args.names, args.qcqp or [])
    config = ProblemRunConfig(
        solver=replace(
            default_of(ProblemRunConfig, "solver"),
            time_limit=args.time_limit,
            threads=args.threads,
            options=tuple(args.solver_option),
        ),
        scip=not args.no_scip,
        scip_time_limit=args.time_limit,
        budget=args.budget if args.budget is not None else BUDGET_FACTOR * args.time_limit,
        error_aware=args.error_aware,
        polish_restarts=args.polish_restarts,
        **start_options(args),
    )
    check_solver(config.solver)
    with folder_lock(args.out) if args.out else contextlib.nullcontext():  # one run at a time writes there
        rows = _run_problems(built, args, config)
        table, summary = _problems_tables(rows, summarized=bool(args.qcqp))
        if args.out:  # first: a finished run is kept whatever the printing does (a reader gone, a name stdout refuses)
            _write_problem_results(args.out, table, summary)
    _print_problems_table(table, extended=bool(args.qcqp))
    if summary is not None:
        _print_problems_summary(summary)
    if args.out:
        print(f"results in {args.out}/ (results.csv, results.json{', summary.json' if summary is not None else ''})")
    return _crash_code(rows)


def _crash_code(rows: list[dict]) -> int:
    """0, or 1 where a run crashed: then one line on stderr says how many and why the first did (``-q`` too)."""
    crashed = [r for r in rows if r["status"] == "crashed"]
    if not crashed:
        return 0
    first = crashed[0]
    print(
        f"surrogate problems: {len(crashed)} of {len(rows)} runs crashed, so the exit code is 1 (the other rows are "
        f"kept); first {first['problem']} ({first['arch']}, {first['formulation']}): {first['message']}",
        file=sys.stderr,
    )
    return 1


def _check_out_apart(out: Path | None, qcqp_paths: list[Path]) -> None:
    """Refuse an ``--out`` that is a ``--qcqp`` folder (the next run would read its results as problems) or holds a
    ``--qcqp`` file (a later run given that folder, or a glob of its ``*.json``, would)."""
    for path in qcqp_paths if out is not None else []:
        if (path if path.is_dir() else path.parent).resolve() == out.resolve():
            what = (
                "a --qcqp folder: the next run would read"
                if path.is_dir()
                else f"the folder of the --qcqp file {path}: a later --qcqp {out}, or --qcqp {out / '*.json'}, would read"
            )
            raise ConfigError(
                f"--out {out} is also {what} its results.json and summary.json as problems; pass another folder, "
                "e.g. --out results/qcqp"
            )


def _problems_to_run(names: list[str], qcqp_paths: list[Path]) -> list:
    """Build the named problems, then every ``qcqp-json-v1`` file given (a folder stands for its ``*.json``)."""
    problems = problems_package()
    POOLING_INSTANCES, build, qcqp = problems.POOLING_INSTANCES, problems.build, problems.qcqp
    if not names and not qcqp_paths:
        raise ConfigError("no problems given; name some (e.g. 'pooling') or pass --qcqp FILE|FOLDER ...")
    files = []
    for path in qcqp_paths:
        found = sorted(path.glob("*.json")) if path.is_dir() else [path]
        if not found:
            raise ConfigError(f"--qcqp {path} is a folder without .json files; pass qcqp-json-v1 files or their folder")
        files += found
    named = _named_once([(name, n) for name in names for n in (POOLING_INSTANCES if name == "pooling" else [name])])
    try:
        built = [(name, build(name)) for name in named] + [(str(path), qcqp(path)) for path in files]
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return _built_once(built)


def _built_once(built: list[tuple[str, object]]) -> list:
    """The problems of ``built`` (each as given, a name or a file, and the problem built from it), refusing one
    problem given twice: ``st_e23`` and the file ``problems/data/qcqp/st_e23.json``, a ``--qcqp`` file also in a
    ``--qcqp`` folder, or a copy of a file (the same bytes). Two different files of one name both run (their rows
    carry their paths)."""
    import hashlib

    seen: dict[tuple, str] = {}
    for given, problem in built:
        path = problem.info.get("path")
        key = problem.name, path and hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if key in seen:
            raise ConfigError(f"problem {problem.name!r} is named twice (as {seen[key]!r} and {given!r}); name each problem once")
        seen[key] = given
    return [problem for _, problem in built]


def _named_once(named: list[tuple[str, str]]) -> list[str]:
    """The problems of ``named`` (each as given, e.g. 'pooling', and the problem's name), checked before any is built:
    a random problem's name is read as :func:`problems.build` reads it (:func:`problems.random_name`: N up to its
    cap, no leading zeros), and one problem named twice is refused (``random2`` is ``random2-s0``; 'pooling' names
    ``haverly1``)."""
    random_name = problems_package().random_name
    seen: dict[str, str] = {}
    for given, name in named:
        try:
            random = random_name(name)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        problem = name if random is None else f"random{random[0]}-s{random[1]}"
        if problem in seen:
            spelled = " and ".join(dict.fromkeys(map(repr, (seen[problem], given))))
            raise ConfigError(f"problem {problem!r} is named twice (as {spelled}); name each problem once")
        seen[problem] = given
    return [name for _, name in named]


def _run_problems(built: list, args: argparse.Namespace, config) -> list[dict]:
    """One row per problem, surrogate and formulation; a run that raises becomes a ``crashed`` row."""
    from ..experiments.problem_runs import run_problem
    from ..milp.bilinear import resolve_surrogate
    from ..milp.formulations import DEFAULT_FORMULATION

    nets = {arch: resolve_surrogate(arch) for arch in args.arch or [default_surrogate()]}  # a bad name stops here, before any run
    rows = []
    for problem in built:
        for arch, net in nets.items():
            for formulation in args.formulation or [DEFAULT_FORMULATION]:
                try:
                    rows.append(run_problem(problem, net, arch=arch, formulation=formulation, config=config))
                except Exception as exc:  # one bad run must not lose the others: record it and go on
                    rows.append(_crashed_row(problem, arch, formulation, exc, config))
                if not args.quiet:
                    print(_progress_line(rows[-1], arch, formulation), file=sys.stderr)
    return rows


def _crashed_row(problem, arch: str, formulation: str, exc: Exception, config) -> dict:
    """The row of ``problem``'s run that raised ``exc``: its type, message and the line that raised it (a warning made an
    error, ``-W error``: the line that warned, not ``errors.warn_caller``'s own)."""
    import traceback

    from ..experiments.problem_runs import empty_row

    frames = traceback.extract_tb(exc.__traceback__)
    last = next((f for f in reversed(frames) if f.name != warn_caller.__name__), frames[-1])
    message = f"{type(exc).__name__}: {' '.join(str(exc).split())} ({Path(last.filename).name}:{last.lineno})"
    path = problem.info.get("path", "")
    return empty_row(problem.name, arch, formulation, status="crashed", message=message, budget=config.budget_s, path=path)


def _progress_line(r: dict, arch: str, formulation: str) -> str:
    """One line on a finished run (shown on stderr)."""
    return (
        f"  {r['problem']} {arch} {formulation}: MILP {r['milp_time_s']:.2f} s {r['termination']}, "
        f"polished {r['polished_objective']:.6g} (optimum {r['optimum']}), rel gap {r['rel_gap']:.2e}"
        + (f", {r['status']}: {r['message']}" if r["status"] != "ok" else "")
    )


def _problems_tables(rows: list[dict], *, summarized: bool) -> tuple:
    """The results table of ``rows``, and (``summarized``) the counts of
    :func:`~surrogate.experiments.problem_runs.summarize`, overall and per family (else ``None``)."""
    import pandas as pd

    table = pd.DataFrame(rows)
    if not summarized:
        return table, None
    problems_package()
    from problems.qcqp import family

    from ..experiments.problem_runs import summarize

    totals, by_family = summarize(table, family)
    return table, {"totals": totals, "by_family": by_family.to_dict(orient="records")}


def _print_problems_table(table, *, extended: bool) -> None:
    """Print the results table (``extended``: with status, stage times and budget), then any run's message."""
    from ..experiments.scip_reference import SCIP_MISSING
    from ..report.docs import problems_text

    print(problems_text(table, extended=extended))  # as `surrogate report --docs` writes it
    rows = table.to_dict("records")
    for row in rows:
        if extended and row["message"]:
            print(f"{row['problem']} ({row['arch']}, {row['formulation']}): {row['status']}: {row['message']}")
    if any(row["scip_termination"] == SCIP_MISSING for row in rows):
        print(
            f"scip_objective and scip_time_s are empty: SCIP is not installed ({extra_hint('scip')}); "
            "or pass --no-scip to skip its reference solve"
        )


def _print_problems_summary(summary: dict) -> None:
    """Print the counts of :func:`_problems_tables`, overall and per family."""
    import pandas as pd

    from ..experiments.problem_runs import BUDGET_MARGIN, FEASIBILITY_TOL, OPTIMAL_GAP

    totals = summary["totals"]
    print(
        f"\n{totals['runs']} runs: {totals['feasible']} feasible (violation <= {FEASIBILITY_TOL:g}), "
        f"{totals['optimal']} within {OPTIMAL_GAP:g} of the optimum, {totals['refused']} refused, "
        f"{totals['crashed']} crashed, {totals['infeasible']} infeasible, {totals['unbounded']} unbounded, "
        f"{totals['infeasible_or_unbounded']} infeasible-or-unbounded, "
        f"{totals['surrogate_infeasible']} surrogate-infeasible, "
        f"{totals['over_budget']} over budget + {BUDGET_MARGIN:.0%}"
    )
    print(pd.DataFrame(summary["by_family"]).to_string(index=False))


def _write_problem_results(out: Path, table, summary: dict | None) -> None:
    """Write results.csv and results.json (and summary.json, or remove an earlier run's) into ``out`` as one set
    (:func:`~surrogate.files.write_texts`: an interruption leaves the earlier run's files or this run's)."""
    from ..files import write_texts

    # every digit, as results.csv has them (pandas' to_json rounds to 10 places); strict JSON: NaN is null, and
    # +-inf the strings "Infinity" and "-Infinity" (json.dumps would write bare tokens that JSON readers refuse)
    records = [{k: _json_value(v) for k, v in r.items()} for r in table.to_dict("records")]
    texts = {
        "results.csv": table.to_csv(index=False, lineterminator="\n"),
        "results.json": json.dumps(records, indent=1, allow_nan=False, default=lambda v: v.item()) + "\n",
        "summary.json": None if summary is None else json.dumps(summary, indent=1) + "\n",
    }
    write_texts(out, texts)


def _json_value(value):
    """``value`` for strict JSON: NaN as ``None`` (null), +-inf as ``"Infinity"`` / ``"-Infinity"``."""
    value = value.item() if hasattr(value, "item") else value  # NumPy scalars as Python numbers
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value
