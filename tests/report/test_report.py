"""The Markdown report on synthetic results folders. No solver, no training."""

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from onnx import helper

from surrogate.cli import main
from surrogate.errors import SurrogateError
from surrogate.experiments.sweep import SweepConfig
from surrogate.nets.construct import hand_built
from surrogate.nets.metrics import score
from surrogate.report.build import ReportOptions, detect, sweep_command, write_report
from surrogate.report.growth import growth_medians
from surrogate.report.plots import PlotStyle, ResultsError
from surrogate.train.protocols import get_protocol
from tests.helpers import random_net, save_graph

FAST = ReportOptions(style=PlotStyle(grid_points=31, dpi=40, width_in=4, height_in=3))


def _write_net(net, path: Path, **metadata) -> None:
    """Write ``net`` as an ONNX Gemm chain (fast: no PyTorch export) with surrogate.* metadata."""
    nodes, weights, h = [], {}, "xy"
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        weights |= {f"w{i}": w, f"b{i}": b}
        nodes.append(helper.make_node("Gemm", [h, f"w{i}", f"b{i}"], [f"g{i}"], name=f"gemm{i}"))
        h = f"g{i}"
        if i < len(net.weights) - 1:
            nodes.append(helper.make_node("Relu", [h], [f"r{i}"], name=f"relu{i}"))
            h = f"r{i}"
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {f"surrogate.{key}": str(value) for key, value in metadata.items()}
    save_graph(path, nodes, weights, inputs=(("xy", ["batch", 2]),), outputs=((h, ["batch", 1]),), metadata=metadata)


def _config() -> dict:
    config = SweepConfig.quick(architectures=("1x8", "2x4"), seeds=(0, 1), instances=3)
    return json.loads(json.dumps(config.to_dict()))


def make_sweep(folder: Path) -> Path:
    """A two-shape sweep folder as 'surrogate sweep' writes it, with made-up numbers and real nets."""
    nets_rows = []
    for arch, hidden in (("1x8", (8,)), ("2x4", (4, 4))):
        for seed in (0, 1):
            net = random_net(hidden, seed=seed).rounded_to_float32()
            _write_net(net, folder / "nets" / f"{arch}-seed{seed}.onnx", kind="trained", seed=seed)
            s = score(net)
            nets_rows.append(
                {
                    "arch": arch,
                    "source": "trained",
                    "depth": len(hidden),
                    "seed": seed,
                    "file": f"{arch}-seed{seed}.onnx",
                    "mae": s.mae,
                    "mse": s.mse,
                    "max_error": s.max_error,
                    "collapsed": False,
                    "val_mae": 0.1 * (2 - seed),
                }
            )
    built = hand_built("1x8").rounded_to_float32()
    _write_net(built, folder / "nets" / "1x8-hand-built-paired.onnx", kind="hand-built", variant="paired")
    s = score(built)
    nets_rows.append(
        {
            "arch": "1x8",
            "source": "hand-paired",
            "depth": 1,
            "seed": -1,
            "file": "1x8-hand-built-paired.onnx",
            "mae": s.mae,
            "mse": s.mse,
            "max_error": s.max_error,
            "collapsed": False,
            "val_mae": s.mae,
        }
    )
    nets = pd.DataFrame(nets_rows)
    table = pd.DataFrame(
        {
            "arch": ["1x8", "1x8", "2x4"],
            "source": ["trained", "hand-paired", "trained"],
            "depth": [1, 1, 2],
            "params": [33, 33, 37],
            "mae_best": [0.0123, 0.0209, 0.0456],
            "mae_median": [0.0131, 0.0209, 0.0471],
            "max_err_best": [0.0987, 0.0625, 0.211],
            "collapsed": ["0/2", "0/1", "0/2"],
            "best_seed": [1, -1, 1],
            "binaries": [8, 8, 8],
            "solve_median_s": [0.0531, 0.0412, 0.0777],
            "solve_max_s": [0.09, 0.07, 0.12],
            "blog_mae": [np.nan, np.nan, np.nan],
        }
    )
    nets.to_csv(folder / "nets.csv", index=False)
    table.to_csv(folder / "table.csv", index=False)
    (folder / "config.json").write_text(
        json.dumps({"config": _config(), "versions": {"surrogate": "0.1.0"}, "wall_time_s": 12.5})
    )
    return folder


def make_bench(folder: Path) -> Path:
    folder.mkdir(parents=True)
    rows = [
        {
            "family": "random",
            "instance": f"r{p}-{k}",
            "products": p,
            "arch": "3x8",
            "encoding": enc,
            "wall_time": 0.1 * p * (k + 1),
            "nodes": p,
            "gap": 0.0,
            "termination": "optimal",
            "time_limit_hit": 0.1 * p * (k + 1) >= 1.6,
            "binaries": 24 * p,
        }
        for p in (1, 2, 4, 8)
        for k in range(2)
        for enc in ("omlt-bigm", "pruned")
    ]
    pd.DataFrame(rows).to_csv(folder / "growth.csv", index=False)
    pd.DataFrame({"encoding": ["omlt-bigm", "pruned"], "speedup": [1.0, 3.14159]}).to_csv(folder / "summary.csv", index=False)
    (folder / "config.json").write_text(json.dumps({"command": "surrogate bench growth --out x", "time_limit": 2.0}))
    return folder


def _image_links(report: Path) -> list[Path]:
    return [report.parent / link for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report.read_text())]


def test_sweep_report_has_table_numbers_command_and_existing_figures(tmp_path):
    folder = make_sweep(tmp_path / "sweep")
    report = write_report([folder], options=FAST)
    assert report.path == folder / "report.md"
    text = report.path.read_text()
    for value in (0.0123, 0.0209, 0.0456, 0.0987, 0.211, 0.0531, 0.0777):
        assert f"| {value:.3g} |" in text or f" {value:.3g} |" in text
    assert "| 1x8 | hand-paired | 1 | 33 |" in text
    assert (
        "Regenerate with:\n\n```bash\n"
        + shlex.join(
            [
                "surrogate",
                "sweep",
                "--arch",
                "1x8",
                "--arch",
                "2x4",
                "--epochs",
                "5",
                "--seeds",
                "2",
                "--instances",
                "3",
                "--out",
                str(folder),
            ]
        )
        in text
    )
    links = _image_links(report.path)
    assert all(p.is_file() for p in links) and all(not Path(p).is_absolute() for p in re.findall(r"\]\((figures/[^)]+)\)", text))
    names = sorted(p.name for p in links)
    # one heat map per selected net (2x4 and 1x8 trained, 1x8 hand-paired), MAE against depth, Pareto
    assert names == sorted(
        ["error-1x8-trained.png", "error-1x8-hand-paired.png", "error-2x4-trained.png", "mae-vs-depth.png", "pareto.png"]
    )
    assert len(report.figures) == 10 and all(p.suffix in {".png", ".svg"} and p.is_file() for p in report.figures)
    # the selected seed is the one with the lowest val_mae (seed 1 here)
    assert "1x8 trained (seed 1)" in text and "1x8 trained (seed 0)" not in text


def test_a_rerun_that_reused_units_says_its_time_leaves_them_out(tmp_path):
    folder = make_sweep(tmp_path / "sweep")
    assert "Ran in 12.5 s with" in write_report([folder], options=FAST).path.read_text()
    record = json.loads((folder / "config.json").read_text())
    record.update(wall_time_s=0.02, units={"computed": 0, "reused": 2, "damaged": 0})
    (folder / "config.json").write_text(json.dumps(record))
    text = write_report([folder], options=FAST).path.read_text()
    assert "Ran in 0.0 s (its last run, which took 2 units from its cache: their time is not counted) with" in text


def test_bench_report_includes_growth_figure_and_every_csv(tmp_path):
    folder = make_bench(tmp_path / "bench")
    out = tmp_path / "elsewhere" / "r.md"
    report = write_report([folder], out, options=FAST)
    text = out.read_text()
    assert report.path == out and "surrogate bench growth --out x" in text
    assert "#### [growth.csv](../bench/growth.csv)" in text and "#### [summary.csv](../bench/summary.csv)" in text
    assert "| pruned | 3.14 |" in text
    links = _image_links(out)
    assert [p.name for p in links] == ["growth.png"] and links[0].is_file()
    assert "time limit 2 s" in (links[0].with_suffix(".svg")).read_text()  # from config.json's time_limit
    # growth medians table: 8 products, omlt-bigm: wall times 0.8 and 1.6 -> median 1.2, one hit
    assert "| random | 3x8 | omlt-bigm | 8 | 1.2 | 2 | 1 |" in text


def test_an_unfinished_solve_time_folder_is_refused_with_its_command(tmp_path):
    folder = make_bench(tmp_path / "bench")  # the tables of an earlier run, and a rerun stopped while writing its own
    command = "surrogate bench solve-time --quick --out elsewhere"
    (folder / "config.json").write_text(json.dumps({"kind": "solve-time", "command": command, "complete": False, "config": {}}))
    fix = f"run its command again ('surrogate bench solve-time --quick --out {folder}') to finish it"
    with pytest.raises(ResultsError, match=re.escape(f"did not finish writing its tables (complete: false); {fix}")):
        write_report([folder], options=FAST)
    (folder / "growth.csv").unlink()  # stopped before its first table: still a solve-time folder, not a sweep
    assert detect(folder) == "bench"
    with pytest.raises(ResultsError, match=re.escape("the solve-time benchmark did not finish writing its tables")):
        write_report([folder], options=FAST)
    assert not (folder / "report.md").exists()


def test_report_of_several_folders_and_its_own_command(tmp_path):
    sweep, bench = make_sweep(tmp_path / "a" / "run"), make_bench(tmp_path / "b" / "run")
    report = write_report([sweep, bench], tmp_path / "all.md", options=FAST)
    text = report.path.read_text()
    assert shlex.join(["surrogate", "report", str(sweep), str(bench), "--out", str(tmp_path / "all.md")]) in text
    assert (
        text.index(f"## Sweep `{sweep}`")
        < text.index(f"## Solve-time benchmark `{bench}`")
        < text.index("## Error against solve time")
    )
    dirs = {p.parent.name for p in report.figures}
    assert dirs == {"run", "run-2", "all-figures"}  # same folder names get their own figure folders
    assert all(p.is_file() for p in _image_links(report.path))


@pytest.mark.parametrize(
    "config, expected, exact",
    [
        (SweepConfig(), ["surrogate", "sweep", "--out", "R"], True),
        (
            SweepConfig(budget=12, protocol="best"),
            ["surrogate", "sweep", "--budget", "12", "--protocol", "best", "--out", "R"],
            True,
        ),
        (
            SweepConfig(
                protocol=get_protocol("best").with_epochs(7),
                formulation="partition",
                solve_all_seeds=True,
                yardsticks=False,
                instance_seed=5,
            ),
            [
                "surrogate",
                "sweep",
                "--protocol",
                "best",
                "--epochs",
                "7",
                "--formulation",
                "partition",
                "--instance-seed",
                "5",
                "--all-seeds",
                "--no-yardsticks",
                "--out",
                "R",
            ],
            True,
        ),
        (SweepConfig(seeds=(3, 4)), ["surrogate", "sweep", "--out", "R"], False),
    ],
)
def test_sweep_command_round_trips_through_the_cli(config, expected, exact):
    command = sweep_command(json.loads(json.dumps(config.to_dict())), "R")
    assert list(command.argv) == expected and command.exact is exact
    if not exact:
        assert "seeds [3, 4] are not 0..N-1" in command.differences[0]


# ----------------------------------------------------------------------------- bad input


def _edit(path: Path, column: str, value) -> None:
    """Set ``column`` of the first row of the CSV table at ``path`` to ``value``, the rest as written."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[0, column] = str(value)
    table.to_csv(path, index=False)


def _corrupt(tmp_path, how):
    folder = make_sweep(tmp_path / "s")
    how(folder)
    return folder


@pytest.mark.parametrize(
    "how, match",
    [
        (lambda f: (f / "config.json").write_text("{not json"), r"s/config.json: not valid JSON .*re-run the sweep"),
        (lambda f: (f / "config.json").write_text('{"config": {"budget": 24}}'), r"s/config.json: lacks a 'config' object"),
        (
            lambda f: (f / "config.json").write_text("[1, 2]"),
            r"s/config.json: expected a JSON object, found list; re-run the sweep",
        ),
        (
            lambda f: (f / "config.json").write_text(json.dumps({"complete": True, "config": {**_config(), "budget": 0}})),
            r"s/config.json: budget 0 is not a positive integer; re-run the sweep",
        ),
        (
            lambda f: pd.read_csv(f / "table.csv").drop(columns="mae_best").to_csv(f / "table.csv", index=False),
            r"s/table.csv: missing column\(s\) mae_best .*another version of surrogate; re-run the sweep",
        ),
        (lambda f: (f / "table.csv").write_text('arch,source\n"1x8,trained\n'), r"s/table.csv: not a readable CSV table"),
        (lambda f: (f / "nets.csv").write_text(""), r"s/nets.csv: not a readable CSV table"),
        (  # cut short in a row: pandas fills the missing fields with NaN in silence
            lambda f: (f / "table.csv").write_text((f / "table.csv").read_text()[:-40]),
            r"s/table.csv: row \d+ has \d+ fields where the header has \d+, so the file is damaged; re-run the sweep",
        ),
        (lambda f: (f / "nets.csv").unlink(), r"s/nets.csv: file is missing"),
        (
            lambda f: (f / "config.json").write_text(json.dumps({"complete": False, "config": _config()})),
            r"s/config.json: the sweep did not finish .*run the same 'surrogate sweep' command again",
        ),
        (lambda f: (f / "nets" / "2x4-seed1.onnx").unlink(), r"2x4-seed1.onnx: net listed in nets.csv is missing"),
        (
            lambda f: pd.read_csv(f / "table.csv").assign(mae_best="x").to_csv(f / "table.csv", index=False),
            r"s/table.csv: column 'mae_best' holds a value that is not a number",
        ),
        (
            lambda f: pd.read_csv(f / "table.csv").assign(depth="deep").to_csv(f / "table.csv", index=False),
            r"s/table.csv: column 'depth' holds a value that is not a number",
        ),
        (lambda f: pd.read_csv(f / "table.csv").iloc[:0].to_csv(f / "table.csv", index=False), r"s/table.csv: holds no rows"),
        # impossible values moved the Pareto front; empty or text cells crashed the heat maps with a traceback
        (lambda f: _edit(f / "table.csv", "mae_best", -1), r"s/table.csv: column 'mae_best', row 1 holds -1, where a finite"),
        (lambda f: _edit(f / "table.csv", "solve_median_s", -0.5), r"s/table.csv: column 'solve_median_s', row 1 holds -0.5"),
        (lambda f: _edit(f / "table.csv", "solve_median_s", "inf"), r"s/table.csv: column 'solve_median_s', row 1 holds inf"),
        (lambda f: _edit(f / "nets.csv", "val_mae", ""), r"s/nets.csv: column 'val_mae', row 1 holds an empty cell"),
        (lambda f: _edit(f / "nets.csv", "mae", -1), r"s/nets.csv: column 'mae', row 1 holds -1"),
        (lambda f: _edit(f / "nets.csv", "seed", "abc"), r"s/nets.csv: column 'seed', row 1 holds 'abc', not a whole number"),
        (  # cut inside its last field: read as a complete table with a changed number
            lambda f: (f / "table.csv").write_text((f / "table.csv").read_text()[:-1]),
            r"s/table.csv: does not end with a newline, so it was cut off",
        ),
        (  # whole rows lost at a line end: the front changed in silence
            lambda f: pd.read_csv(f / "table.csv").iloc[:2].to_csv(f / "table.csv", index=False),
            r"s/table.csv: has no row of shape\(s\) 2x4 where config.json lists 1x8, 2x4, so rows were lost",
        ),
        (
            lambda f: pd.read_csv(f / "table.csv").iloc[[0, 0, 1, 2]].to_csv(f / "table.csv", index=False),
            r"s/table.csv: row 2 repeats \(1x8, trained\) of an earlier row",
        ),
        (
            lambda f: pd.read_csv(f / "nets.csv").query("source != 'hand-paired'").to_csv(f / "nets.csv", index=False),
            r"s/table.csv: shape 1x8 source hand-paired is in table.csv only, so table.csv and nets.csv do not match",
        ),
    ],
)
def test_corrupted_sweep_gives_one_clear_line(tmp_path, how, match):
    folder = _corrupt(tmp_path, how)
    with pytest.raises(ResultsError, match=match) as info:
        write_report([folder], options=FAST)
    assert "\n" not in str(info.value)


def test_folders_that_are_not_results(tmp_path):
    with pytest.raises(ResultsError, match="nope: no such folder; .*'surrogate sweep --out DIR', 'surrogate bench scale --out"):
        detect(tmp_path / "nope")  # the scale benchmark was left out
    (tmp_path / "afile").write_text("")
    with pytest.raises(ResultsError, match="afile: a file, not a results folder"):
        detect(tmp_path / "afile")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError, match="empty: not a results folder: it has neither table.csv"):
        detect(tmp_path / "empty")
    (tmp_path / "empty" / "results.csv").write_text("problem\nhaverly1\n")
    with pytest.raises(
        ResultsError,
        match=r"'surrogate bench scale --out DIR'.* a 'surrogate problems' folder \(results.csv\) is read "
        r"only by 'surrogate report --docs PAGE'",
    ):
        detect(tmp_path / "empty")
    half = tmp_path / "half"
    half.mkdir()
    (half / "table.csv").write_text("arch\n1x8\n")
    with pytest.raises(ResultsError, match="half: has table.csv but no config.json"):
        detect(half)
    bench = make_bench(tmp_path / "bench")
    pd.read_csv(bench / "growth.csv").drop(columns="products").to_csv(bench / "growth.csv", index=False)
    with pytest.raises(ResultsError, match=r"bench/growth.csv: missing column\(s\) products"):
        write_report([bench], options=FAST)


@pytest.mark.parametrize("column", ["arch", "family", "encoding", "instance"])
def test_a_growth_row_without_its_key_is_refused_not_dropped(tmp_path, column):
    bench = make_bench(tmp_path / "bench")
    _edit(bench / "growth.csv", column, "")  # rows of a table without that column: groupby dropped them in silence
    with pytest.raises(ResultsError, match=rf"bench/growth.csv: column '{column}', row 1 is empty, so the row belongs to no"):
        write_report([bench], options=FAST)
    with pytest.raises(ResultsError, match=rf"growth table: column '{column}', row 1 is empty"):
        growth_medians(pd.read_csv(bench / "growth.csv"))
    (bench / "growth.csv").write_text(pd.read_csv(bench / "growth.csv").fillna("x").to_csv(index=False).rstrip("\n"))
    with pytest.raises(ResultsError, match=r"bench/growth.csv: does not end with a newline"):
        write_report([bench], options=FAST)  # cut inside its last field: 'saw' became an arch of its own


def test_nothing_is_written_when_a_later_folder_is_bad(tmp_path):
    good = make_sweep(tmp_path / "good")
    with pytest.raises(ResultsError, match=r"missing: no such folder; pass a folder written by .surrogate sweep --out DIR."):
        write_report([good, tmp_path / "missing"], options=FAST)
    assert not (good / "report.md").exists() and not (good / "figures").exists()


def test_cli_report_prints_where_and_errors_cleanly(tmp_path, capsys):
    folder = make_sweep(tmp_path / "s")
    assert main(["report", str(folder), "--no-heatmaps", "--out", str(tmp_path / "r.md")]) == 0
    assert (
        f"report written to {tmp_path / 'r.md'} (2 figures, PNG and SVG, in {tmp_path / 'r-figures'}/)" in capsys.readouterr().out
    )
    assert "heat map" not in (tmp_path / "r.md").read_text()
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"surrogate report: error: {tmp_path}: not a results folder") and "\n" not in err


def test_report_options_are_validated():
    with pytest.raises(SurrogateError, match="max_rows=0"):
        ReportOptions(max_rows=0)
    with pytest.raises(SurrogateError, match="style must be a PlotStyle"):
        ReportOptions(style="dark")


# ----------------------------------------------------------------------------- layering and defaults


def test_report_does_not_import_the_cli():
    """The CLI is the top layer: the report parses a sweep command with the sweep's own options."""
    import ast

    import surrogate.report

    names = set()
    for module in sorted(Path(surrogate.report.__file__).parent.glob("*.py")):  # every module of the report
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):  # imports inside functions too
            if isinstance(node, ast.Import):
                names |= {part for alias in node.names for part in alias.name.split(".")}
            elif isinstance(node, ast.ImportFrom):
                names |= set((node.module or "").split(".")) | {alias.name for alias in node.names}
    assert "cli" not in names and "build" in {p.stem for p in Path(surrogate.report.__file__).parent.glob("*.py")}


def test_sweep_command_leaves_out_the_sweep_config_defaults():
    from surrogate.milp.solver import SolverConfig

    default = sweep_command(json.loads(json.dumps(SweepConfig().to_dict())), "R")
    assert default.argv == ("surrogate", "sweep", "--out", "R") and default.exact
    other = SweepConfig(instances=7, solver=SolverConfig(time_limit=30.0, threads=2))
    command = sweep_command(json.loads(json.dumps(other.to_dict())), "R")
    assert command.argv == ("surrogate", "sweep", "--instances", "7", "--time-limit", "30", "--threads", "2", "--out", "R")
    assert command.exact


def test_sweep_command_names_what_it_cannot_express():
    from surrogate.milp.solver import SolverConfig

    config = json.loads(json.dumps(SweepConfig(solver=SolverConfig(rel_gap=1e-3)).to_dict()))
    command = sweep_command(config, "R")
    assert not command.exact and command.differences == ("solver rel_gap=0.001 has no command-line option; use the Python API",)
    config.pop("yardsticks")  # an older config.json: the command gives a value it did not record
    command = sweep_command({**config, "solver": json.loads(json.dumps(SweepConfig().to_dict()))["solver"]}, "R")
    assert not command.exact and "other values of yardsticks" in command.differences[0]


def test_the_regenerate_command_keeps_the_options_and_links_hold_spaces(tmp_path):
    from surrogate.report.writer import ReportOptions, Writer

    assert ReportOptions().command_options() == []
    assert ReportOptions(heatmaps=False, max_rows=5).command_options() == ["--no-heatmaps", "--max-rows", "5"]
    w = Writer(tmp_path / "out" / "report.md", ReportOptions())
    assert w.link(tmp_path / "my run" / "table.csv") == "<../my run/table.csv>"
    assert w.link(tmp_path / "run" / "table.csv") == "../run/table.csv"


def test_one_folder_given_as_a_string_is_one_folder(tmp_path):
    from surrogate import InfeasibleModelError, SurrogateError

    folder = make_bench(tmp_path / "bench")
    assert write_report(str(folder), options=FAST).path == folder / "report.md"
    assert issubclass(InfeasibleModelError, SurrogateError)  # what replace_products documents, one import away


def test_sweep_command_keeps_solver_options_and_every_digit_of_the_time_limit():
    from surrogate.milp.solver import SolverConfig

    config = SweepConfig(solver=SolverConfig(time_limit=12.3456789, options={"mip_heuristic_effort": 0.3, "presolve": "off"}))
    command = sweep_command(json.loads(json.dumps(config.to_dict())), "R")
    assert command.argv == (
        "surrogate", "sweep", "--time-limit", "12.3456789",
        "--solver-option", "mip_heuristic_effort=0.3", "--solver-option", "presolve=off", "--out", "R",
    )  # fmt: skip
    assert command.exact


@pytest.mark.parametrize("name", ["config.json", "table.csv"])
def test_a_report_never_overwrites_a_results_file_of_its_folder(tmp_path, name):
    """'--out DIR/config.json' replaced the run's record with the report, and the run could no longer resume."""
    folder = make_sweep(tmp_path / "sweep")
    before = (folder / name).read_bytes()
    with pytest.raises(ResultsError, match=rf"{name}: a report is a Markdown file; give it a name ending in \.md"):
        write_report([folder], folder / name, options=FAST)
    assert (folder / name).read_bytes() == before


def test_the_fix_of_a_damaged_sweep_is_its_own_command_with_every_option(tmp_path):
    """'surrogate sweep --out DIR' alone was refused as another run: the fix must carry the options the run had."""
    folder = make_sweep(tmp_path / "s")
    (folder / "nets" / "2x4-seed1.onnx").unlink()
    with pytest.raises(ResultsError) as info:
        write_report([folder], options=FAST)
    command = re.search(r"re-run the sweep that wrote it \('([^']*)'\)", str(info.value)).group(1)
    assert command.startswith("surrogate sweep ") and "--arch 1x8 --arch 2x4" in command and "--seeds 2" in command


def test_the_fix_of_a_sweep_the_command_line_cannot_repeat_points_to_run_sweep(tmp_path):
    """seeds (1,) has no --seeds spelling: the bare 'surrogate sweep --out DIR' it suggested was refused."""
    folder = make_sweep(tmp_path / "s")
    record = json.loads((folder / "config.json").read_text())
    record["config"]["seeds"] = [1]
    (folder / "config.json").write_text(json.dumps(record))
    pd.read_csv(folder / "table.csv").assign(depth="deep").to_csv(folder / "table.csv", index=False)
    with pytest.raises(
        ResultsError, match=r"re-run the sweep that wrote it: run_sweep\(SweepConfig\(\.\.\.\), '.*s'\) with the config"
    ):
        write_report([folder], options=FAST)


def test_the_same_folder_given_twice_is_refused(tmp_path):
    folder = make_sweep(tmp_path / "s")
    with pytest.raises(ResultsError, match=r"s: given twice; give each results folder once"):
        write_report([folder, tmp_path / "." / "s"], options=FAST)  # its nets counted twice


def _files(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_refused_or_interrupted_report_leaves_the_old_report_and_figures_as_they_were(tmp_path, monkeypatch):
    folder = make_sweep(tmp_path / "s")
    out = tmp_path / "r" / "report.md"
    write_report([folder], out, options=FAST)
    before = _files(out.parent)
    nets = pd.read_csv(folder / "nets.csv")
    nets.assign(mae=nets["mae"] * 2).to_csv(folder / "nets.csv", index=False)  # new captions and dots...
    (folder / "nets" / "2x4-seed1.onnx").unlink()  # ...then a refusal at the last heat map
    with pytest.raises(ResultsError, match="2x4-seed1.onnx: net listed in nets.csv is missing"):
        write_report([folder], out, options=FAST)
    assert _files(out.parent) == before  # no new figure beside the old report.md, no staging folder left
    calls = []

    def interrupt(*args, **kwargs):
        calls.append(1)
        raise KeyboardInterrupt

    monkeypatch.setattr("surrogate.report.sections.plot_error_heatmap", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_report([folder], out, options=FAST)
    assert calls and _files(out.parent) == before


@pytest.mark.parametrize("name", ["report.md", "r" * 240 + ".md"])
def test_a_report_md_that_cannot_be_written_moves_no_figure(tmp_path, monkeypatch, name):
    """report.md was written after the new figures had moved into place: a failure writing it (a full disk; an
    encoding; a 242-255-character name, whose temporary name was longer) left new figures beside the old
    report (probe91 #2)."""
    import errno
    import pathlib

    folder = make_sweep(tmp_path / "s")
    out = tmp_path / "r" / name
    write_report([folder], out, options=FAST)
    before = _files(out.parent)
    nets = pd.read_csv(folder / "nets.csv")
    nets.assign(mae=nets["mae"] * 2).to_csv(folder / "nets.csv", index=False)  # new figures
    real = pathlib.Path.open

    def disk_full(path, mode="r", *args, **kwargs):
        if "w" in mode and path.parent == out.parent and path.name.endswith(".tmp"):  # report.md's temporary file
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_report([folder], out, options=FAST)
    assert _files(out.parent) == before  # the old report and its figures, no staging folder or temporary file


def test_a_ctrl_c_while_the_figures_move_into_place_takes_effect_once_the_new_report_is_written(tmp_path, monkeypatch):
    """Ctrl-C at the 3rd figure moved left the old report.md beside partly new figures."""
    import signal
    from dataclasses import replace

    from tests.test_files import _signal_at_move

    folder = make_sweep(tmp_path / "s")
    out = tmp_path / "r" / "report.md"
    write_report([folder], out, options=FAST)
    old = out.read_text()

    def into_place(dst: str) -> bool:  # a figure moved beside the report (not one drawn into the staging folder)
        return dst.endswith((".png", ".svg")) and ".report-staging-" not in dst

    moves = _signal_at_move(monkeypatch, signal.SIGINT, at=3, counts=into_place)
    with pytest.raises(KeyboardInterrupt):
        write_report([folder], out, options=replace(FAST, max_rows=5))  # its report.md differs: '--max-rows 5'
    new = out.read_text()
    assert new != old and "--max-rows 5" in new and len(moves) > 3  # every figure moved, then report.md written
    assert all(path.is_file() for path in _image_links(out)) and not list(out.parent.glob(".report-staging-*"))


def test_a_report_removes_the_staging_folder_a_killed_report_left(tmp_path):
    """A report killed by SIGKILL left .report-staging-* (with its figures) that no later report removed."""
    import subprocess
    import sys

    folder = make_sweep(tmp_path / "s")
    pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True).stdout)
    left = folder / f".report-staging-{pid}-k4x1dxz1"  # that process is gone, and its lock with it
    (left / "figures").mkdir(parents=True)
    (left / "figures" / "pareto.png").write_bytes(b"half")
    (left / ".staging.lock").touch()
    write_report([folder], options=FAST)
    assert not left.exists() and not list(folder.glob(".report-staging-*"))


def test_a_report_with_fewer_figures_removes_the_figures_it_no_longer_names(tmp_path):
    """A --no-heatmaps report after a full one left the heat maps in figures/ (10 files; report.md named 4)."""
    from dataclasses import replace

    folder = make_sweep(tmp_path / "s")
    write_report([folder], options=FAST)
    other = folder / "figures" / "another-report" / "keep.png"  # a folder no section of this report writes
    other.parent.mkdir()
    other.write_bytes(b"")
    report = write_report([folder], options=replace(FAST, heatmaps=False))
    named = set(re.findall(r"\((figures/[^)]+)\)", report.path.read_text()))
    assert {p.relative_to(folder).as_posix() for p in (folder / "figures").rglob("*.*")} == named | {
        "figures/another-report/keep.png"
    }


def test_a_sigterm_held_off_while_a_report_is_written_leaves_no_stale_figures(tmp_path, monkeypatch):
    """A SIGTERM held off until report.md was written came before the old version's figures were removed: a
    --no-heatmaps rewrite left its heat maps for good (probe72 #3)."""
    import os
    import signal
    from dataclasses import replace

    import surrogate.report.build as build
    from surrogate.cli.console import Terminated, sigterm_as_interrupt

    folder = make_sweep(tmp_path / "s")
    write_report([folder], options=FAST)
    real = build._remove_stale_figures

    def a_sigterm_then(out, stale):  # report.md is in place
        os.kill(os.getpid(), signal.SIGTERM)  # 'kill PID' in that instant: held off until the block ends
        real(out, stale)

    monkeypatch.setattr(build, "_remove_stale_figures", a_sigterm_then)
    with sigterm_as_interrupt(), pytest.raises(Terminated):
        write_report([folder], options=replace(FAST, heatmaps=False))
    report = (folder / "report.md").read_text()
    named = set(re.findall(r"\((figures/[^)]+)\)", report))
    assert "error-" not in report and {p.relative_to(folder).as_posix() for p in (folder / "figures").rglob("*.*")} == named


def test_two_reports_side_by_side_keep_each_others_figures(tmp_path):
    """A --no-heatmaps report beside a full one (--out s/slim.md) deleted the heat maps report.md links to; the
    same for figures/pareto.* when a multi-folder report and a one-folder report share a folder."""
    from dataclasses import replace

    folder, second = make_sweep(tmp_path / "s"), make_sweep(tmp_path / "t")
    full = write_report([folder], options=FAST)
    both = write_report([folder, second], folder / "both.md", options=FAST)
    unlisted = folder / "figures" / "mine.png"  # named by no report: left alone
    unlisted.write_bytes(b"")
    write_report([folder], folder / "slim.md", options=replace(FAST, heatmaps=False))
    write_report([folder], folder / "slim.md", options=replace(FAST, heatmaps=False))  # a rewrite too
    assert all(path.is_file() for path in (*full.figures, *both.figures, unlisted))
    both.path.unlink()  # a rewrite of report.md removes what it named before and names no more, nothing else
    slim = write_report([folder], options=replace(FAST, heatmaps=False))
    gone = set(full.figures) - set(slim.figures)
    assert gone and all(p.name.startswith("error-") and not p.exists() for p in gone)
    kept = [p for p in both.figures if p.parent.name == "t"] + [unlisted]
    assert kept and all(path.is_file() for path in kept)


def test_a_figure_another_markdown_file_names_in_any_link_form_is_kept(tmp_path):
    """Only ](path) links counted: notes linking heat maps with a title, an <img> tag or a reference lost them
    when report.md was rewritten with --no-heatmaps (probe62 #5)."""
    from dataclasses import replace

    folder = make_sweep(tmp_path / "s")
    full = write_report([folder], options=FAST)
    heat = sorted({p for p in full.figures if p.name.startswith("error-")})
    assert len(heat) >= 2
    rel = [p.relative_to(folder.resolve()).as_posix() for p in heat]
    (folder / "notes.md").write_text(f'![a]({rel[0]} "title")\n\n<img src="{rel[1]}">\n', encoding="utf-8")
    slim = write_report([folder], options=replace(FAST, heatmaps=False))
    assert not set(heat) & set(slim.figures)
    assert heat[0].is_file() and heat[1].is_file()
    assert all(not p.exists() for p in heat[2:])  # named by no other file: removed as before


def test_a_sweep_stopped_before_its_first_table_is_told_to_finish(tmp_path):
    from tests.helpers import tiny_sweep_folder

    folder = tiny_sweep_folder(tmp_path / "sweep")
    (folder / "config.json").write_text(json.dumps({**json.loads((folder / "config.json").read_text()), "complete": False}))
    (folder / "table.csv").unlink()
    with pytest.raises(ResultsError, match=r"the sweep did not finish \(complete: false\); run the same 'surrogate sweep'"):
        write_report([folder])  # was 'not a results folder'


def test_a_markdown_file_that_is_no_report_keeps_its_figures_when_a_report_replaces_it(tmp_path):
    """A report written over the user's own report.md deleted the figures that file linked (probe65 #3)."""
    folder = make_sweep(tmp_path / "s")
    mine = folder / "figures" / "diagram.svg"
    mine.parent.mkdir()
    mine.write_text("<svg/>")
    (folder / "report.md").write_text("# My notes\n\n![setup](figures/diagram.svg)\n", encoding="utf-8")
    report = write_report([folder], options=FAST)
    assert mine.is_file() and report.path.read_text().startswith("# surrogate report\n")


def test_two_reports_in_one_folder_draw_into_figure_folders_of_their_own(tmp_path):
    """report s, then report s t --out s/both.md, redrew s/figures/pareto.png with both runs (probe62 #1)."""
    folder, second = make_sweep(tmp_path / "s"), make_sweep(tmp_path / "t")
    one = write_report([folder], options=FAST)
    before = {p: p.read_bytes() for p in one.figures}
    both = write_report([folder, second], folder / "both.md", options=FAST)
    assert {p: p.read_bytes() for p in one.figures} == before
    assert both.figures and all(p.is_relative_to(folder.resolve() / "both-figures") for p in both.figures)
    assert "](both-figures/pareto.png)" in both.path.read_text() and "](figures/pareto.png)" in one.path.read_text()


def test_a_sweep_folder_read_without_its_config_says_the_file_is_missing(tmp_path):
    """load_sweep of a folder whose config.json is gone (detect names it first; load_sweep itself says so too)."""
    from surrogate.report.loading import load_sweep

    folder = make_sweep(tmp_path / "s")
    (folder / "config.json").unlink()
    with pytest.raises(ResultsError, match=r"s/config\.json: file is missing; re-run the sweep"):
        load_sweep(folder)


def test_three_folders_of_one_name_draw_into_three_figure_folders(tmp_path):
    """Mutation round 7 (build.py:_sections): a third folder named 'run' drew into the second one's 'run-2' over its
    figures when the name was suffixed once rather than until it was free."""
    benches = [make_bench(tmp_path / where / "run") for where in "abc"]
    report = write_report(benches, tmp_path / "all.md", options=FAST)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in report.figures if p.suffix == ".png") == [
        "all-figures/run-2-2/growth.png",
        "all-figures/run-2/growth.png",
        "all-figures/run/growth.png",
    ]
    assert len(set(_image_links(report.path))) == 3


def test_a_markdown_file_beside_the_report_that_cannot_be_read_keeps_every_stale_figure(tmp_path):
    """Mutation round 7 (build.py:_remove_stale_figures): a file beside the report that cannot be read may link any
    of the old figures, so none is removed; skipping it removed them."""
    first, second = make_bench(tmp_path / "first"), make_bench(tmp_path / "second")
    out = tmp_path / "r.md"
    old = [p for p in write_report([first], out, options=FAST).figures]
    (tmp_path / "notes.md").write_bytes(b"\xff\xfe not UTF-8 ![growth](r-figures/first/growth.png)")
    write_report([second], out, options=FAST)
    assert old and all(p.is_file() for p in old)


def test_the_time_limit_drawn_is_the_growth_tables_own_else_the_configs_positive_one(tmp_path):
    """Mutation round 7 (sections.py): the config's limit, top level or under ``config``, and only a positive one
    (0 made plot_growth refuse the folder); a growth.csv with its own ``time_limit`` column is drawn from it."""
    from surrogate.report.sections import config_time_limit

    assert config_time_limit({"time_limit": 2}) == 2.0 and config_time_limit({"config": {"time_limit": 5}}) == 5.0
    assert config_time_limit({"time_limit": 0}) is None and config_time_limit({"config": {"time_limit": -1}}) is None
    folder = make_bench(tmp_path / "bench")
    growth = pd.read_csv(folder / "growth.csv")
    growth["time_limit"] = 3.0
    growth.to_csv(folder / "growth.csv", index=False)
    svg = _image_links(write_report([folder], options=FAST).path)[0].with_suffix(".svg").read_text()
    assert "time limit 3 s" in svg and "time limit 2 s" not in svg


def test_the_non_dominated_table_lists_only_the_front_fastest_first(tmp_path):
    """Mutation round 7 (sections.py): no heat maps when turned off; pareto_section's table: 2x4 trained (MAE 0.0456 in 0.0777 s) is dominated by 1x8 trained
    (0.0123 in 0.0531 s); the front is 1x8 hand-paired (0.0412 s), then 1x8 trained."""
    report = write_report([make_sweep(tmp_path / "sweep")], options=_no_heatmaps())
    text = report.path.read_text()
    assert "Error heat maps" not in text and not [p for p in report.figures if p.name.startswith("error-")]
    table = text.split("Non-dominated nets, fastest first", 1)[1].split("\n\n", 2)[1]
    rows = table.splitlines()[2:]
    assert len(rows) == 2 and "hand-paired" in rows[0] and "| 0.0412 |" in rows[0]
    assert "trained" in rows[1] and "| 0.0123 |" in rows[1] and "0.0456" not in table


def _no_heatmaps() -> ReportOptions:
    from dataclasses import replace

    return replace(FAST, heatmaps=False)


def test_max_rows_shortens_the_growth_medians_as_every_csv_table(tmp_path):
    """Mutation round 7 (sections.py:bench_section): the medians table ignored --max-rows."""
    from dataclasses import replace

    text = write_report([make_bench(tmp_path / "bench")], options=replace(FAST, max_rows=2)).path.read_text()
    assert "*First 2 of 8 rows.*" in text and "*First 2 of 16 rows.*" in text  # medians, growth.csv


def test_max_rows_shortens_the_sweeps_table_csv(tmp_path):
    """fixAR's note: the sweep's table.csv was shown whole whatever --max-rows said ("the longest CSV table shown in
    full")."""
    from dataclasses import replace

    folder = make_sweep(tmp_path / "sweep")
    rows = len(pd.read_csv(folder / "table.csv"))
    text = write_report([folder], options=replace(FAST, max_rows=1)).path.read_text()
    table = text.split("### Table", 1)[1].split("###", 1)[0]
    assert rows > 1 and f"*First 1 of {rows} rows.*" in table
