"""Reading qcqp-json-v1 files: sizes, optimum, and one clear error per kind of bad input."""

import json
import math
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import pytest
from pyomo.repn import generate_standard_repn

from problems import QCQPFormatError, build, qcqp, qcqp_instances
from problems.qcqp import family
from surrogate.cli import build_parser
from surrogate.errors import ConfigError
from surrogate.experiments.problem_run_config import BUDGET_FACTOR, ProblemRunConfig
from surrogate.experiments.problem_runs import summarize
from surrogate.milp.polish import DEFAULT_RESTARTS
from surrogate.milp.solver import SolverConfig


def test_bundled_instances_are_the_five_small_ones():
    assert [p.stem for p in qcqp_instances()] == ["ex3_1_4", "pointpack02", "st_bpv1", "st_e23", "st_qpk1"]


def test_reading_st_e23_gives_its_model_and_optimum():
    problem = qcqp("st_e23")  # a bundled name; a path works the same way
    m = problem.model
    assert (problem.name, problem.sense, problem.optimum, problem.source) == ("st_e23", "min", -1.083333333, "minlplib")
    assert problem.info["variables"] == len(m.x) == 2 and problem.info["constraints"] == len(m.c) == 2
    assert (problem.info["bilinear_pairs"], problem.info["square_terms"], problem.info["bilinear_terms"]) == (1, 0, 1)
    assert problem.info["family"] == "st" and problem.info["unbounded_variables"] == 0
    assert (m.x["x1"].bounds, m.x["x2"].bounds) == ((0.0, 5.0), (0.0, 5.0))
    assert m.obj.sense == pyo.minimize
    repn = generate_standard_repn(m.obj.expr, quadratic=True)
    assert [(v1.name, v2.name) for v1, v2 in repn.quadratic_vars] == [("x[x1]", "x[x2]")] and repn.quadratic_coefs == (1.0,)
    assert (m.c["c1"].lower, pyo.value(m.c["c1"].upper)) == (None, 3.0)
    m.x["x1"].value, m.x["x2"].value = 1.0, 1.0
    assert pyo.value(m.obj) == pytest.approx(-1.0)  # -x1 - x2 + x1*x2


def test_every_bundled_file_matches_its_recorded_counts_and_sense():
    for path in qcqp_instances():
        data = json.loads(path.read_text())
        problem = build(str(path))  # build() reads a .json path too
        assert (problem.info["bilinear_pairs"], problem.info["square_terms"]) == (
            data["n_bilinear_pairs"],
            data["n_square_terms"],
        )
        assert problem.model.obj.sense == (pyo.maximize if data["sense"] == "max" else pyo.minimize)
        assert problem.optimum == data["optimum"]
    assert qcqp("pointpack02").info["unbounded_variables"] == 1


def test_family_is_the_name_prefix():
    assert [family(n) for n in ("ex9_1_1", "pooling_adhya1stp", "st_e23", "fdesign50", "wastewater02m1", "kall_c7a")] == [
        "ex9",
        "pooling",
        "st",
        "fdesign",
        "wastewater",
        "kall",
    ]


def _bad(tmp_path, change) -> str:
    data = json.loads(qcqp_instances()[3].read_text())  # st_e23
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))  # json writes NaN / Infinity as the non-standard tokens Python reads back
    return str(path)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.pop("constraints"), r"bad\.json: key 'constraints' is missing; every qcqp-json-v1 file has"),
        (lambda d: d.update(format="qcqp-json-v2: ..."), r"key 'format' is 'qcqp-json-v2: \.\.\.', not 'qcqp-json-v1'; convert"),
        (
            lambda d: d["objective"]["quadratic"].append(["x1", "x9", 2.0]),
            r"key 'objective\.quadratic\[1\]' names the unknown variable 'x9'; use a name listed in 'variables'",
        ),
        (lambda d: d["constraints"][0]["linear"].update(y=1.0), r"key 'constraints\[0\]\.linear' names the unknown variable 'y'"),
        (
            lambda d: d["variables"][1].update(ub=math.inf),
            r"key 'variables\[1\]\.ub' is inf; write a finite number \(null for a missing bound\)",
        ),
        (lambda d: d["constraints"][1]["linear"].update(x1=math.nan), r"key 'constraints\[1\]\.linear\.x1' is nan"),
        (lambda d: d.update(optimum="-1"), r"key 'optimum' is '-1', not a number"),
        (lambda d: d.update(sense="minimise"), r"key 'sense' is 'minimise'; use 'min' or 'max'"),
        (lambda d: d["variables"][0].update(domain="semicontinuous"), r"key 'variables\[0\]\.domain' is 'semicontinuous'"),
        (lambda d: d["variables"][0].update(lb=6.0), r"key 'variables\[0\]' has lb 6\.0 > ub 5\.0"),
        (lambda d: d["variables"].append(dict(d["variables"][0])), r"key 'variables' repeats the name\(s\) 'x1'"),
        # a second constraint of the same name replaced the first in silence
        (
            lambda d: d["constraints"].append(dict(d["constraints"][0])),
            r"key 'constraints' repeats the name\(s\) 'c1'; give every entry of 'constraints' a distinct name",
        ),
        (lambda d: d["variables"][0].update(domain=["integer"]), r"key 'variables\[0\]\.domain' is \['integer'\]; use one of"),
        (
            lambda d: d["constraints"].append({"name": "c9", "lb": 1.0, "ub": 2.0, "linear": {}}),
            r"key 'constraints\[2\]' has no terms and is never met \(1\.0 <= 0\.0 <= 2\.0\); correct or drop",
        ),
        (lambda d: d.update(variables=[], constraints=[]), r"key 'variables' is empty; list the model's variables"),
        # a misspelt key dropped its terms or bounds in silence
        (
            lambda d: d["objective"].update(quadratics=d["objective"].pop("quadratic")),
            r"key 'objective' has the unknown key\(s\) 'quadratics'; use only constant, linear, quadratic",
        ),
        (lambda d: d["constraints"][0].update(Linear={}), r"key 'constraints\[0\]' has the unknown key\(s\) 'Linear'; use only"),
        (lambda d: d["constraints"][1].update(constant=2.0), r"key 'constraints\[1\]' has the unknown key\(s\) 'constant'"),
        (lambda d: d["variables"][0].update(bounds=[0, 1]), r"key 'variables\[0\]' has the unknown key\(s\) 'bounds'"),
        (
            lambda d: d["constraints"][0].update(lower=d["constraints"][0].pop("lb")),
            r"key 'constraints\[0\]' has the unknown key\(s\) 'lower'",  # not 'lb is missing'
        ),
        # Pyomo reads x[a ] back as x[a]: a name with blanks around it could stand for another entry
        (
            lambda d: d["variables"][1].update(name="x2 "),
            r"key 'variables\[1\]\.name' is 'x2 ', with blanks around it; remove them \('x2'\)",
        ),
        (lambda d: d["constraints"][0].update(name=" c1"), r"key 'constraints\[0\]\.name' is ' c1', with blanks around"),
        (lambda d: d.update(name="st_e23 "), r"key 'name' is 'st_e23 ', with blanks around it"),
        (lambda d: d.update(name=""), r"key 'name' is ''; use a non-empty string"),
        (lambda d: d.update(name=None), r"key 'name' is null; use a non-empty string"),
        (
            lambda d: d["objective"]["quadratic"].append([" x1", "x2", 1.0]),
            r"names the unknown variable ' x1' \(the variable 'x1' has no blanks around its name\)",
        ),
        (lambda d: d.update(variables=["x1", "x2"]), r"key 'variables\[0\]' is 'x1', not an object; write each entry as an"),
        (
            lambda d: d["constraints"][1]["linear"].update(x1=math.inf),
            r"key 'constraints\[1\]\.linear\.x1' is inf; write a finite number$",
        ),
        (
            lambda d: d.pop("format"),
            r"key 'format' is missing, so this is not a qcqp-json-v1 file \(pooling\(\) and boxqp\(\) read",
        ),
        (
            lambda d: d["constraints"][0].update(lb=2.0, ub=1.0),
            r"key 'constraints\[0\]' has lb 2\.0 > ub 1\.0, which no point meets; swap or correct the sides",
        ),
    ],
)
def test_bad_input_names_the_file_the_key_and_the_fix(tmp_path, change, match):
    with pytest.raises(QCQPFormatError, match=match):
        qcqp(_bad(tmp_path, change))


def test_an_integer_beyond_a_float_and_a_constraint_without_terms(tmp_path):
    path = _bad(tmp_path, lambda d: d["constraints"].append({"name": "c9", "lb": 0.0, "ub": 1.0, "linear": {}}))
    assert list(qcqp(path).model.c) == ["c1", "c2"]  # 0 <= 0 <= 1 always holds: no constraint, as Pyomo would not take it
    huge = tmp_path / "huge.json"
    huge.write_text(
        Path(_bad(tmp_path, lambda d: d["variables"][0].update(ub=12345))).read_text().replace("12345", "1" + "0" * 400)
    )
    with pytest.raises(
        QCQPFormatError, match=r"huge\.json: key 'variables\[0\]\.ub' is an integer of 401 digits, beyond a float"
    ):
        qcqp(huge)


def test_a_key_named_twice_in_one_object_is_refused(tmp_path):
    """JSON readers keep the last of a repeated key, so the first would vanish in silence."""
    path = Path(_bad(tmp_path, lambda d: None))
    path.write_text(path.read_text().replace('"sense": "min"', '"sense": "max", "sense": "min"'))
    with pytest.raises(QCQPFormatError, match=r"bad\.json: an object repeats the key 'sense'; keep one"):
        qcqp(path)


def test_unreadable_files_are_format_errors(tmp_path):
    with pytest.raises(QCQPFormatError, match=r"nosuch\.json: no such file"):
        qcqp(tmp_path / "nosuch.json")
    (tmp_path / "broken.json").write_text('{"name": ')
    with pytest.raises(QCQPFormatError, match=r"broken\.json: not readable as JSON"):
        qcqp(tmp_path / "broken.json")
    assert issubclass(QCQPFormatError, ValueError)  # what `surrogate problems` turns into a one-line error


def test_budget_is_checked_and_the_cli_default_is_a_multiple_of_the_time_limit():
    assert ProblemRunConfig(solver=SolverConfig(time_limit=20)).budget_s == math.inf  # the API's default: no budget
    args = build_parser().parse_args(["problems", "--qcqp", "x.json", "--time-limit", "20"])
    assert args.budget is None and BUDGET_FACTOR == 1.5  # cmd_problems then uses 1.5 x 20 s
    assert ProblemRunConfig(budget=30).budget_s == 30.0
    for bad in (0, -1.0, math.inf, True):
        with pytest.raises(ConfigError, match="budget=.* must be a positive number of seconds"):
            ProblemRunConfig(budget=bad)


def test_polish_restarts_are_checked_and_the_cli_passes_them(capsys):
    assert ProblemRunConfig().polish_restarts == DEFAULT_RESTARTS
    assert build_parser().parse_args(["problems", "haverly1"]).polish_restarts == DEFAULT_RESTARTS  # one default
    assert build_parser().parse_args(["problems", "haverly1", "--polish-restarts", "0"]).polish_restarts == 0
    for bad in (-1, 2.0, True):
        with pytest.raises(ConfigError, match=r"polish_restarts=.* must be a whole number >= 0"):
            ProblemRunConfig(polish_restarts=bad)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["problems", "haverly1", "--polish-restarts", "-1"])
    assert "--polish-restarts: -1 must be at least 0" in capsys.readouterr().err


def test_summary_counts_by_family():
    table = pd.DataFrame(
        {
            "problem": ["st_e23", "st_bpv1", "ex3_1_4", "ex9_1_1"],
            "feasible": [True, True, False, False],
            "rel_gap": [1e-9, 1e-2, math.nan, math.nan],
            "status": ["ok", "ok", "refused", "crashed"],
            "over_budget": [False, True, False, False],
        }
    )
    totals, by_family = summarize(table, family)
    assert totals == {
        "runs": 4,
        "feasible": 2,
        "optimal": 1,
        "refused": 1,
        "crashed": 1,
        "infeasible": 0,
        "unbounded": 0,
        "infeasible_or_unbounded": 0,
        "surrogate_infeasible": 0,
        "over_budget": 1,
    }
    assert by_family.set_index("family").loc["st", ["runs", "feasible", "optimal", "over_budget"]].tolist() == [2, 2, 1, 1]


def test_proven_infeasible_and_unbounded_runs_are_counted():
    """A model bound propagation proved infeasible (status 'infeasible') was counted in no column of the summary."""
    table = pd.DataFrame(
        {"problem": ["a", "b"], "feasible": [False] * 2, "rel_gap": [math.nan] * 2, "status": ["infeasible", "unbounded"]}
    )
    totals, _ = summarize(table.assign(over_budget=False), family)
    assert (totals["runs"], totals["infeasible"], totals["unbounded"], totals["refused"]) == (2, 1, 1, 0)


def test_the_problem_name_is_kept_as_written(tmp_path):
    """Pyomo's ``model.name`` quotes a name such as ``9`` or ``case1.v2`` (rows and families carried the quotes)."""
    for name in ("9", "case1.v2"):
        problem = qcqp(_bad(tmp_path, lambda d, name=name: d.update(name=name)))
        assert (problem.name, problem.info["family"]) == (name, family(name))
    assert qcqp(_bad(tmp_path, lambda d: d.update(name=9))).name == "9"  # a JSON number names it too, as before
    for text in ("1e2", "1e400", "2.50"):  # read as '100.0' and 'inf', not as written
        path = Path(_bad(tmp_path, lambda d: d.update(name="NAME")))
        path.write_text(path.read_text().replace('"NAME"', text))
        assert qcqp(path).name == text


def test_a_file_with_a_utf8_bom_is_read(tmp_path):
    """Notepad writes one; it was refused with Python's 'decode using utf-8-sig'."""
    path = Path(_bad(tmp_path, lambda d: None))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert qcqp(path).name == "st_e23"


def test_a_constraint_without_sides_is_refused_as_documented(tmp_path):
    """probe103 #6c: lb and ub both null (a row that limits nothing) is refused, which neither qcqp()'s Raises nor the
    format's README said."""
    with pytest.raises(QCQPFormatError, match=r"key 'constraints\[0\]' has neither lb nor ub; give at least one side"):
        qcqp(_bad(tmp_path, lambda d: d["constraints"][0].update(lb=None, ub=None)))
    assert "has neither side (both ``lb`` and ``ub`` null" in qcqp.__doc__
    readme = (Path(__file__).parents[2] / "problems" / "data" / "qcqp" / "README.md").read_text()
    assert "a constraint whose lb and ub are both null" in " ".join(readme.split())
