"""A real quick sweep, then ``surrogate report`` on its folder."""

import re
import shlex

import pandas as pd
import pytest

from surrogate.cli import main
from tests.helpers import MARKED_DOC, tiny_sweep_folder

pytestmark = [pytest.mark.training, pytest.mark.solver]


def test_report_of_a_real_quick_sweep(tmp_path, capsys):
    out = tmp_path / "run"
    sweep = [
        "sweep",
        "--quick",
        "--arch",
        "1x8",
        "--arch",
        "2x4",
        "--instances",
        "2",
        "--out",
        str(out),
        "--quiet",
        "--workers",
        "1",
    ]
    assert main(sweep) == 0
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert f"report written to {out / 'report.md'} (5 figures" in capsys.readouterr().out

    text = (out / "report.md").read_text()
    table = pd.read_csv(out / "table.csv")
    for row in table.itertuples():
        assert f"| {row.arch} | {row.source} | {row.depth} | {row.params} | {row.mae_best:.3g} |" in text
    # the printed command is the one that made the folder (quick = 5 epochs, 1 seed), checked against config.json
    command = [
        "surrogate",
        "sweep",
        "--arch",
        "1x8",
        "--arch",
        "2x4",
        "--epochs",
        "5",
        "--seeds",
        "1",
        "--instances",
        "2",
        "--out",
        str(out),
    ]
    assert "Regenerate with:\n\n```bash\n" + shlex.join(command) + "\n```" in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert sorted(links) == sorted(
        [
            "figures/run/mae-vs-depth.png",
            "figures/run/error-1x8-trained.png",
            "figures/run/error-1x8-hand-paired.png",
            "figures/run/error-2x4-trained.png",
            "figures/pareto.png",
        ]
    )
    assert all((out / link).is_file() and (out / link).with_suffix(".svg").is_file() for link in links)
    # the heat map's caption carries the selected net's errors from nets.csv
    nets = pd.read_csv(out / "nets.csv")
    built = nets[nets["source"] == "hand-paired"].iloc[0]
    assert f"1x8 hand-paired: MAE {built['mae']:.3g}, max error {built['max_error']:.3g}" in text


def test_report_docs_refreshes_the_marked_tables_and_says_so(tmp_path, capsys):
    doc = tmp_path / "sweep.md"
    doc.write_text(MARKED_DOC)
    folder = tiny_sweep_folder(tmp_path / "s")
    assert main(["report", str(folder), "--docs", str(doc)]) == 0
    assert capsys.readouterr().out == f"{doc}: refreshed table\n"
    assert "1x4 hand-paired" in doc.read_text() and not (folder / "report.md").exists()
    assert main(["report", str(folder), "--docs", str(doc)]) == 0
    assert capsys.readouterr().out == f"{doc}: up to date\n"


def test_report_docs_names_a_missing_page(tmp_path, capsys):
    folder = tiny_sweep_folder(tmp_path / "s")
    assert main(["report", str(folder), "--docs", str(tmp_path / "missing.md")]) != 0
    assert re.search(r"missing\.md: no such Markdown file; pass a file with", capsys.readouterr().err)


def test_report_docs_checks_every_page_before_writing_any_and_takes_no_out(tmp_path, capsys):
    folder = tiny_sweep_folder(tmp_path / "s")
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text(MARKED_DOC)
    bad.write_text("<!-- table: front source=scale -->\n<!-- /table -->\n")
    assert main(["report", str(folder), "--docs", str(good), "--docs", str(bad)]) == 2
    assert "bad.md:1: table 'front' comes from" in capsys.readouterr().err
    assert good.read_text() == MARKED_DOC  # was rewritten before the later page failed
    assert main(["report", str(folder), "--docs", str(good), "--out", str(tmp_path / "r.md")]) == 2
    assert "--out: for a report file, and --docs writes no report" in capsys.readouterr().err
    assert good.read_text() == MARKED_DOC and not (tmp_path / "r.md").exists()
    # --max-rows and --no-heatmaps were ignored in silence
    assert main(["report", str(folder), "--docs", str(good), "--max-rows", "1", "--no-heatmaps"]) == 2
    assert "--max-rows and --no-heatmaps: for a report file, and --docs writes no report (it refreshes the pages' " in (
        capsys.readouterr().err
    )
    assert good.read_text() == MARKED_DOC


SIGTERM_DURING_REPORT = """
import os, signal, sys
import surrogate.report.build as build
from surrogate.cli import main

def terminated(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    signal.pause()

build._sections = terminated
sys.exit(main(["report", sys.argv[1]]))
"""


def test_sigterm_during_a_report_leaves_no_staging_folder(tmp_path):
    import subprocess
    import sys

    folder = tiny_sweep_folder(tmp_path / "sweep")
    done = subprocess.run([sys.executable, "-c", SIGTERM_DURING_REPORT, str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 143, done.stderr  # as every command ends on SIGTERM (it said 'interrupted', 130)
    assert "surrogate report: terminated" in done.stderr
    assert not list(folder.glob(".report-staging-*"))  # SIGTERM killed the process and left it behind


@pytest.mark.parametrize(
    ("flags", "heatmaps", "max_rows"),
    [([], True, 60), (["--no-heatmaps"], False, 60), (["--max-rows", "7"], True, 7)],
)
def test_report_passes_its_options_and_counts_each_figure_once(tmp_path, capsys, monkeypatch, flags, heatmaps, max_rows):
    """No sweep: write_report is stood in for, to see what the command gives it and what it says of its result."""
    from types import SimpleNamespace

    from surrogate.report import build

    given = []

    def write_report(results, out, *, options):
        given.append(options)
        path = tmp_path / "report.md"
        return SimpleNamespace(path=path, figures=[path.with_suffix(".png"), path.with_suffix(".svg")] * 3)

    monkeypatch.setattr(build, "write_report", write_report)
    assert main(["report", str(tmp_path / "s"), *flags]) == 0
    assert [(o.heatmaps, o.max_rows) for o in given] == [(heatmaps, max_rows)]
    assert capsys.readouterr().out.startswith(f"report written to {tmp_path / 'report.md'} (3 figures, PNG and SVG, in ")
