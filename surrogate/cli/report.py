"""``surrogate report``: a Markdown report with figures of sweep, solve-time and scale benchmark folders."""

from __future__ import annotations

import argparse


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report of the result folders and say where it is (or refresh the ``--docs`` pages); return 0."""
    if args.docs:
        return _refresh_docs(args)
    from ..report.build import ReportOptions, figure_folder, write_report

    rows = {} if args.max_rows is None else {"max_rows": args.max_rows}  # None: ReportOptions' default
    # SIGTERM unwinds like Ctrl-C (main's sigterm_as_interrupt), so no hidden staging folder is left behind
    report = write_report(
        args.results,
        args.out,
        options=ReportOptions(heatmaps=not args.no_heatmaps, option_strings=getattr(args, "option_strings", None), **rows),
    )
    where = report.path.parent / figure_folder(report.path)
    print(f"report written to {report.path} ({len(report.figures) // 2} figures, PNG and SVG, in {where}/)")
    return 0


def _refresh_docs(args: argparse.Namespace) -> int:
    """Refresh the marked tables of every ``--docs`` page from the result folders and say which changed; return 0."""
    from ..errors import ConfigError
    from ..report.docs import docs_update

    given = {"--out": args.out is not None, "--max-rows": args.max_rows is not None, "--no-heatmaps": args.no_heatmaps}
    ignored = " and ".join(name for name, on in given.items() if on)  # each was ignored in silence
    if ignored:
        raise ConfigError(
            f"{ignored}: for a report file, and --docs writes no report (it refreshes the pages' marked tables); "
            f"give --docs or {ignored}, not both"
        )
    updates = [docs_update(doc, args.results) for doc in args.docs]  # every page checked before any is written
    for doc, update in zip(args.docs, updates):
        changed = update.write()
        print(f"{doc}: {'refreshed ' + ', '.join(changed) if changed else 'up to date'}")
    return 0
