"""``SolverConfig.options``: the solver's own options, checked when configured and against the solver, and reaching it."""

from __future__ import annotations

import argparse
import re

import numpy as np
import pytest

from surrogate import ConfigError, SolverConfig
from surrogate.milp.solver import Termination, check_options, make_solver, solve
from surrogate.milp.solver_backends import BACKENDS
from surrogate.milp.solver_config import OWNED_OPTIONS, SOLVERS, UNSOUND_OPTIONS, managed_reason, option_key
from surrogate.options import solver_option
from tests.helpers import skip_unless_runnable

from .test_solver_choice import _envelope_milp, _milp

pytestmark = pytest.mark.solver

#: Per solver: an option that stops the envelope MILP early (so its effect is seen), an unknown name,
#: and a value the solver refuses or would change.
STOP_EARLY = {"highs": {"mip_max_leaves": 1}, "scip": {"limits/solutions": 1}, "gurobi": {"SolutionLimit": 1}}
REFUSED = {
    "highs": ({"mip_heuristic_effort": "x"}, r"HiGHS refuses mip_heuristic_effort='x'"),
    "scip": ({"separating/maxrounds": 2.5}, r"scip would take separating/maxrounds=2, not 2.5"),
    "gurobi": ({"Cuts": 1.5}, r"gurobi would take Cuts=1, not 1.5"),
}
UNKNOWN = {"highs": "HiGHS has no option 'no_such_option'", "scip": "SCIP has no parameter 'no_such_option'"}


def test_options_are_kept_as_sorted_plain_pairs_and_key_a_cache():
    config = SolverConfig(
        options={"presolve": "off", "mip_heuristic_effort": np.float64(0.3), "mip_pscost_minreliable": np.int64(2)}
    )
    assert config.options == (("mip_heuristic_effort", 0.3), ("mip_pscost_minreliable", 2), ("presolve", "off"))
    assert type(config.options[0][1]) is float and type(config.options[1][1]) is int
    assert config.option_dict() == {"mip_heuristic_effort": 0.3, "mip_pscost_minreliable": 2, "presolve": "off"}
    assert config == SolverConfig(options=[("presolve", "off"), ("mip_pscost_minreliable", 2), ("mip_heuristic_effort", 0.3)])
    assert hash(config) == hash(SolverConfig(options=config.options))
    # without options the key is the one of the four fields, as before options existed (cached runs stay valid)
    assert SolverConfig().cache_key() == {"time_limit": 60.0, "rel_gap": 1e-6, "threads": 1, "solver": "highs"}
    assert SolverConfig(options={"presolve": "off"}).cache_key()["options"] == [["presolve", "off"]]


@pytest.mark.parametrize(("solver", "name"), [(s, n) for s in SOLVERS for n in OWNED_OPTIONS[s]])
def test_an_option_surrogate_sets_itself_is_refused_with_where_to_set_it(solver, name):
    fix = re.escape(managed_reason(solver, name))
    with pytest.raises(ConfigError, match=rf"option '{name}' of {solver} is managed by surrogate: {fix}"):
        SolverConfig(solver=solver, options={name: 1})


@pytest.mark.parametrize(
    ("solver", "name"), [("highs", "mip_abs_gap"), ("scip", "limits/absgap"), ("gurobi", "MIPGapAbs"), ("gurobi", "mip_gap_abs")]
)
def test_an_absolute_gap_is_refused_as_the_relative_gap_is(solver, name):
    """probe137 #1: HiGHS's mip_abs_gap=1e4 gave 'optimal' at -412.6 with bound -1102.4 on foulds2 (rel_gap=1e-6 asked),
    SCIP's limits/absgap and Gurobi's MIPGapAbs alike; they were passed on."""
    with pytest.raises(
        ConfigError,
        match=rf"option '{name}' of {solver} is managed by surrogate: set SolverConfig.rel_gap instead \(an absolute gap",
    ):
        SolverConfig(solver=solver, rel_gap=1e-6, options={name: 1e4})


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_owned_option_is_a_name_its_solver_knows(solver):
    """A misspelt entry would refuse nothing (and the real option would pass): each is read back from the solver."""
    if solver == "highs":
        import highspy

        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        known = {name for name in OWNED_OPTIONS[solver] if highs.getOptionValue(name)[0] == highspy.HighsStatus.kOk}
    elif solver == "scip":
        known = set(pytest.importorskip("pyscipopt").Model().getParams()) & set(OWNED_OPTIONS[solver])
    else:
        env = pytest.importorskip("gurobipy").Env(empty=True)  # an unstarted Env needs no licence
        known = {name for name in OWNED_OPTIONS[solver] if env.getParam(name) is not None}  # raises for an unknown name
    assert known == set(OWNED_OPTIONS[solver])


def test_an_owned_option_in_another_case_is_refused_too():
    """Gurobi reads 'timelimit' as TimeLimit: it would override SolverConfig.time_limit."""
    with pytest.raises(ConfigError, match=r"option 'timelimit' of gurobi is managed by surrogate: set SolverConfig.time_limit"):
        SolverConfig(solver="gurobi", options={"timelimit": 5})


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("Time_Limit", "time_limit"),
        ("time_limit", "time_limit"),
        ("MIP_Gap", "rel_gap"),
        ("T_hreads", "threads"),
        ("Node_Limit", "node_limit"),
    ],
)
def test_a_gurobi_owned_option_spelt_with_underscores_is_refused_too(name, owner):
    """Gurobi ignores case and underscores: 'Time_Limit' (or HiGHS's 'time_limit') set TimeLimit past SolverConfig."""
    with pytest.raises(ConfigError, match=rf"option '{name}' of gurobi is managed by surrogate: .*{owner}"):
        SolverConfig(solver="gurobi", options={name: 5})


def test_a_gurobi_option_given_twice_in_two_spellings_is_refused():
    with pytest.raises(ConfigError, match=r"option 'MIP_?Focus' is given twice \(Gurobi reads names in any case and without"):
        SolverConfig(solver="gurobi", options={"MIPFocus": 1, "MIP_Focus": 2})


def test_gurobi_reads_a_name_as_option_key_does():
    """The normalisation matches Gurobi's own reading of a name (an unstarted Env needs no licence)."""
    gurobipy = pytest.importorskip("gurobipy")
    env = gurobipy.Env(empty=True)
    for name in ("Time_Limit", "time_limit", "MIP_Gap", "NODE_limit", "T_h_r_e_a_d_s"):
        env.setParam(name, 3)
        canonical = next(owned for owned in OWNED_OPTIONS["gurobi"] if option_key("gurobi", owned) == option_key("gurobi", name))
        assert env.getParam(canonical) == 3


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_highs_and_scip_names_are_compared_as_given(solver):
    """HiGHS and SCIP know one spelling of each name: another is no managed option but an unknown one (checked later)."""
    name = {"highs": "Time_Limit", "scip": "LIMITS/TIME"}[solver]
    assert SolverConfig(solver=solver, options={name: 5}).options == ((name, 5),)
    if solver == "highs":
        with pytest.raises(ConfigError, match=r"HiGHS has no option 'Time_Limit'"):
            check_options(SolverConfig(options={name: 5}))


@pytest.mark.parametrize(("solver", "name"), [(s, n) for s in SOLVERS for n in UNSOUND_OPTIONS[s]])
def test_an_option_that_makes_the_solver_answer_wrongly_is_refused(solver, name):
    """HiGHS's objective_bound is a cut-off: on haverly1 (optimum -400) objective_bound=-500 gave 'optimal' 100.0,
    and on a small model a cut-off below the optimum gave 'provenInfeasible' for a feasible model."""
    with pytest.raises(ConfigError, match=rf"option '{name}' of {solver} is refused: .*cut-off.*constraint on the objective"):
        SolverConfig(solver=solver, options={name: -100.0})


def test_highs_objective_bound_is_refused():
    with pytest.raises(ConfigError, match=r"option 'objective_bound' of highs is refused: HiGHS takes it as a cut-off"):
        SolverConfig(options={"objective_bound": -500.0})


#: Per solver, options that stop at an objective value and are passed on: each stops honestly on _milp (max, 13.75).
OBJECTIVE_STOPS = {
    "highs": [{"objective_target": 10.0}, {"objective_target": 20.0}],
    "scip": [{"limits/primal": 10.0}, {"limits/dual": 14.0}, {"limits/primal": 20.0}],
    "gurobi": [{"Cutoff": 20.0}, {"Cutoff": 10.0}, {"BestObjStop": 10.0}, {"BestBdStop": 14.0}],
}


@pytest.mark.parametrize(("solver", "options"), [(s, o) for s in SOLVERS for o in OBJECTIVE_STOPS[s]])
def test_an_objective_stop_that_is_passed_on_gives_an_honest_answer(solver, options):
    """No "optimal" but the optimum, no "infeasible", and a bound no tighter than the optimum (probe99 #1)."""
    skip_unless_runnable(solver)
    result = solve(_milp(), SolverConfig(solver=solver, time_limit=10, options=options))
    assert result.termination in (Termination.OPTIMAL, Termination.OBJECTIVE_LIMIT)
    assert result.bound >= 13.75 - 1e-6 and not result.objective > 13.75 + 1e-6
    assert result.termination != Termination.OPTIMAL or result.objective == pytest.approx(13.75, abs=1e-6)


def test_every_node_cap_is_an_option_surrogate_sets():
    for name, backend in BACKENDS.items():
        assert backend.node_option in OWNED_OPTIONS[name]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("presolve=off", r"options='presolve=off' must map option names to values, e.g. \{'mip_heuristic_effort': 0.3\}"),
        ([("a", 1, 2)], r"must map option names to values"),
        ({"": 1}, r"option name '' must be a non-empty string"),
        ({3: 1}, r"option name 3 must be a non-empty string"),
        ({"presolve": None}, r"option 'presolve'=None must be a bool, an integer, a finite float or a string"),
        ({"mip_heuristic_effort": float("nan")}, r"option 'mip_heuristic_effort'=nan must be a bool"),
        ({"mip_heuristic_effort": float("inf")}, r"option 'mip_heuristic_effort'=inf must be a bool"),
        ([("presolve", "off"), ("presolve", "on")], r"option 'presolve' is given twice; give it once"),
        ({"MIPFocus": 1, "mipfocus": 2}, r"option '(MIPFocus|mipfocus)' is given twice"),
    ],
)
def test_bad_options_are_refused_when_configured(options, message):
    solver = "gurobi" if "MIPFocus" in options else "highs"
    with pytest.raises(ConfigError, match=message):
        SolverConfig(options=options, solver=solver)


@pytest.mark.parametrize("name", SOLVERS)
def test_an_option_reaches_the_solver_and_a_reused_solver_drops_it_after(name):
    skip_unless_runnable(name)
    model, plain = _envelope_milp(), SolverConfig(solver=name, time_limit=120, rel_gap=1e-4)
    solver = make_solver(plain)
    stopped = solve(model, SolverConfig(solver=name, time_limit=120, rel_gap=1e-4, options=STOP_EARLY[name]), solver=solver)
    assert not stopped.optimal and stopped.has_solution and stopped.bound <= -1.0 + 1e-6
    if name == "scip":
        return  # a fresh SCIP model each solve: nothing carries over, and its full search is slow here
    # a persistent solver kept the option: the next solve without it must set it back to its default
    full = solve(model, plain, solver=solver)
    assert full.termination == Termination.OPTIMAL and full.objective == pytest.approx(-1.0, abs=1e-4)


@pytest.mark.parametrize("name", SOLVERS)
def test_an_option_the_solver_refuses_is_an_error_before_any_solve(name):
    skip_unless_runnable(name)
    options, message = REFUSED[name]
    with pytest.raises(ConfigError, match=rf"SolverConfig.options: {message}; give an option that {name} knows"):
        solve(_milp(), SolverConfig(solver=name, options=options))
    unknown = UNKNOWN.get(name, r"Gurobi refuses no_such_option=1 \(Unknown parameter")
    with pytest.raises(ConfigError, match=unknown):
        check_options(SolverConfig(solver=name, options={"no_such_option": 1}))


def test_highs_refuses_a_bool_for_an_integer_option():
    with pytest.raises(ConfigError, match=r"HiGHS refuses mip_pscost_minreliable=True"):
        check_options(SolverConfig(options={"mip_pscost_minreliable": True}))


def test_an_option_checked_once_does_not_pass_another_type_of_the_same_value():
    """10 == 10.0 == True as values: after mip_max_leaves=10 passed, 10.0 skipped the check (refused only at run time)."""
    check_options(SolverConfig(options={"mip_max_leaves": 10, "mip_pscost_minreliable": 1}))
    with pytest.raises(ConfigError, match=r"HiGHS refuses mip_max_leaves=10\.0"):
        check_options(SolverConfig(options={"mip_max_leaves": 10.0, "mip_pscost_minreliable": 1}))
    with pytest.raises(ConfigError, match=r"HiGHS refuses mip_pscost_minreliable=True"):
        check_options(SolverConfig(options={"mip_max_leaves": 10, "mip_pscost_minreliable": True}))


def test_an_option_the_solver_takes_solves_as_without_it():
    result = solve(_milp(), SolverConfig(options={"presolve": "off", "mip_heuristic_effort": 0.3}))
    assert result.optimal and result.objective == pytest.approx(13.75, abs=1e-6)


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("mip_heuristic_effort=0.3", ("mip_heuristic_effort", 0.3)),
        ("mip_pscost_minreliable=2", ("mip_pscost_minreliable", 2)),
        ("mip_detect_symmetry=False", ("mip_detect_symmetry", False)),
        ("mip_detect_symmetry=true", ("mip_detect_symmetry", True)),
        ("presolve=off", ("presolve", "off")),
        (" branching/scorefunc = p ", ("branching/scorefunc", "p")),
        ("solution_file=", ("solution_file", "")),
    ],
)
def test_a_command_line_option_is_parsed_to_its_type(text, pair):
    assert solver_option(text) == pair and type(solver_option(text)[1]) is type(pair[1])


@pytest.mark.parametrize("text", ["presolve", "=off", " =1"])
def test_a_command_line_option_without_a_name_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match=r"is not NAME=VALUE, e.g. mip_heuristic_effort=0.3"):
        solver_option(text)


def test_a_gurobi_error_from_an_option_is_a_config_error_naming_it(tmp_path):
    skip_unless_runnable("gurobi")
    missing = str(tmp_path / "no" / "such" / "g.log")  # (refused before the solve now: see the test below)
    with pytest.raises(ConfigError, match=rf"SolverConfig.options: LogFile='{re.escape(missing)}' names a file in"):
        solve(_milp(), SolverConfig(time_limit=5, threads=1, solver="gurobi", options={"LogFile": missing}))
    with pytest.raises(ConfigError, match=r"SolverConfig.options: Gurobi failed \(GurobiError: Out of memory\) with options"):
        solve(_milp(), SolverConfig(time_limit=5, threads=1, solver="gurobi", options={"MemLimit": 0.0001}))


def test_a_fraction_time_limit_or_gap_is_kept_as_a_float():
    import json
    from fractions import Fraction

    config = SolverConfig(time_limit=Fraction(1, 3), rel_gap=Fraction(1, 100))
    assert (type(config.time_limit), type(config.rel_gap)) == (float, float) and config.time_limit == 1 / 3
    assert json.loads(json.dumps(config.cache_key()))["rel_gap"] == 0.01
    assert type(SolverConfig(time_limit=60).time_limit) is int  # an int keys a cache as before


@pytest.mark.parametrize(
    ("solver", "options"),
    [
        ("scip", {"visual/vbcfilename": "s.vbc"}),
        ("highs", {"log_file": "h.log"}),
        ("highs", {"solution_file": "h.sol", "write_solution_to_file": True}),
        ("gurobi", {"LogFile": "g.log"}),
    ],
)
def test_an_option_naming_a_file_in_a_missing_folder_is_refused_before_the_solve(solver, options, tmp_path):
    """probe128 #5, #7: SCIP's visual/vbcfilename in a missing folder crashed with a bare OSError ('SCIP: cannot create
    file!'), HiGHS's log_file there wrote nothing and said nothing, its solution_file left one log line."""
    skip_unless_runnable(solver)
    folder = tmp_path / "no" / "such"
    options = {name: str(folder / value) if isinstance(value, str) else value for name, value in options.items()}
    name = next(n for n, value in options.items() if isinstance(value, str))
    expected = rf"SolverConfig.options: {re.escape(name)}='{re.escape(str(folder))}/.* names a file in the folder "
    with pytest.raises(ConfigError, match=expected + r".*which does not exist.*create the folder first"):
        solve(_milp(), SolverConfig(time_limit=5, solver=solver, options=options))
    folder.mkdir(parents=True)
    assert solve(_milp(), SolverConfig(time_limit=5, solver=solver, options=options)).optimal


def test_an_os_error_of_a_run_with_a_text_option_is_a_config_error_naming_it():
    """probe128 #5: PySCIPOpt raises the builtin OSError for a file it cannot create, which options_failure let pass
    (only errors of the solver's own package were the options'); an OSError without a text option is not theirs."""
    from surrogate.milp.solver_options import options_failure

    options = (("visual/vbcfilename", "/root/s.vbc"),)
    failed = options_failure("scip", "pyscipopt", None, options, OSError("SCIP: cannot create file!"))
    assert isinstance(failed, ConfigError)
    with pytest.raises(ConfigError, match=r"SCIP failed \(OSError: SCIP: cannot create file!\) with options visual/vbc"):
        raise failed
    assert options_failure("scip", "pyscipopt", None, (("limits/solutions", 1),), OSError("disk full")) is None
    # probe132: a text option that names no file (the package's own presolve='off') does not make EMFILE the options'
    assert options_failure("highs", "highspy", None, (("presolve", "off"),), OSError("Too many open files")) is None


def test_a_folder_option_is_not_checked_as_a_files():
    """probe132: Gurobi's NodefileDir (a folder it creates and uses only when node memory runs out) was refused as a
    file in a missing folder."""
    from surrogate.milp.solver_options import check_folders

    check_folders("gurobi", (("NodefileDir", "/nonexistent/nodes"),))
    with pytest.raises(ConfigError, match="LogFile='/nonexistent/g.log' names a file in the folder '/nonexistent'"):
        check_folders("gurobi", (("LogFile", "/nonexistent/g.log"),))


@pytest.mark.parametrize(
    ("argv", "scip"),
    [(["problems"], False), (["bench", "solve-time"], False), (["sweep"], False), (["bench", "scale"], True)],
)
def test_the_solver_option_help_of_each_command_names_only_solvers_it_runs(argv, scip, capsys):
    """probe128 #6: `surrogate problems --help` (and `bench solve-time`'s) suggested separating/maxrounds=0 (SCIP),
    which they refuse: they run HiGHS only. Only `bench scale` has --solver."""
    from surrogate.cli.parser import build_parser

    with pytest.raises(SystemExit):
        build_parser([argv[0]]).parse_args([*argv, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "mip_heuristic_effort=0.3 (HiGHS)" in text
    assert ("separating/maxrounds=0 (SCIP)" in text) is scip
    assert ("an option of the MILP solver (--solver)" in text) is scip


def test_a_file_option_is_checked_whatever_the_case_of_its_name_without_the_solver(tmp_path):
    """Gurobi's LogFile is checked as HiGHS's log_file is (no gurobipy needed: the check runs before any solve); a
    number under a 'file' name, or a file in a folder that exists, is let through."""
    from surrogate.milp.solver_options import check_folders

    missing = str(tmp_path / "no" / "g.log")
    with pytest.raises(ConfigError, match=r"LogFile='.*g\.log' names a file in the folder .* Gurobi cannot open it"):
        check_folders("gurobi", (("LogFile", missing),))
    check_folders("gurobi", (("LogFile", str(tmp_path / "g.log")), ("LogToFile", 1), ("Threads", 2)))


@pytest.mark.parametrize("value", [True, False])
def test_scips_catchctrlc_is_refused_as_the_package_sets_it(value):
    """probe144 #4: the package sets misc/catchctrlc from the SIGINT handler in force; a caller's was overridden
    without a word."""
    with pytest.raises(
        ConfigError,
        match=r"option 'misc/catchctrlc' of scip is managed by surrogate: the package sets it from the SIGINT handler "
        r"in force: SCIP catches Ctrl-C itself only where it is Python's own KeyboardInterrupt.*docs/scip\.md",
    ):
        SolverConfig(solver="scip", options={"misc/catchctrlc": value})
