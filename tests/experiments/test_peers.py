"""Peer routes (gurobi-ml + Gurobi, PySCIPOpt-ML + SCIP) agree with ours on the optimum; skipped without their extras."""

import math

import pytest

import problems
from surrogate.errors import ConfigError, SolverUnavailableError
from surrogate.experiments import peers
from surrogate.milp.bilinear import replace_products
from surrogate.milp.solver import SolverConfig
from surrogate.milp.warmstart import solve_with_start, start_config

NET = "b12-best-2x6"
TIME_LIMIT = 60.0
#: The modules each peer's extra installs, skipped as a whole when one is missing.
PEER_MODULES = {"gurobi-ml": ("gurobipy", "gurobi_ml"), "scip-ml": ("pyscipopt", "pyscipopt_ml")}


def needs(peer: str) -> None:
    for module in PEER_MODULES[peer]:
        pytest.importorskip(module, reason=f"peer {peer!r} needs the '{peers.PEERS[peer][0]}' extra")


def ours(name: str):
    """Our route: replace_products (pruned) and HiGHS with the warm start, 1 thread."""
    model = problems.build(name).model
    report = replace_products(model, NET)
    config = SolverConfig(time_limit=TIME_LIMIT, threads=1)
    return solve_with_start(model, report, config, start=start_config(config))[0]


@pytest.fixture(scope="module")
def our_results():
    return {}


@pytest.mark.solver
@pytest.mark.parametrize("peer", list(peers.PEERS))
@pytest.mark.parametrize("name", ["haverly1", "haverly2", "random4-s0"])
def test_peer_optimum_agrees_with_ours(peer, name, our_results):
    needs(peer)
    if name not in our_results:
        our_results[name] = ours(name)
    mine = our_results[name]
    theirs = peers.solve_with_peer(name, NET, peer=peer, time_limit=TIME_LIMIT, threads=1)
    if not (mine.optimal and theirs.optimal):
        pytest.skip(f"not both finished: ours {mine.termination}, {peer} {theirs.termination}")
    assert theirs.objective == pytest.approx(mine.objective, rel=1e-4, abs=1e-6)
    assert theirs.size.variables > 0 and theirs.wall_time >= 0


@pytest.mark.solver
def test_gurobi_size_limit_is_recorded_not_raised():
    needs("gurobi-ml")
    result = peers.solve_with_peer("random24-s0", "b48-best-2x24", peer="gurobi-ml", time_limit=1.0)
    assert result.size.variables > 2000  # beyond the pip licence's limit
    assert result.termination in (peers.REFUSED_SIZE_LIMIT, "maxTimeLimit", "convergenceCriteriaSatisfied")
    if result.termination == peers.REFUSED_SIZE_LIMIT:
        assert math.isnan(result.objective) and not result.optimal


def test_unknown_peer_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match="unknown peer 'cplex'.*gurobi-ml, scip-ml"):
        peers.solve_with_peer("haverly1", NET, peer="cplex")


def test_absent_extra_names_the_pip_extra(monkeypatch):
    monkeypatch.setitem(peers.PEERS, "gurobi-ml", ("gurobi", ("no_such_module_for_peers",)))
    assert "gurobi-ml" not in peers.available_peers()
    with pytest.raises(SolverUnavailableError, match=r"pip install 'gurobipy.*' \(surrogate's 'gurobi' extra\)"):
        peers.solve_with_peer("haverly1", NET, peer="gurobi-ml")


def test_linear_part_keeps_the_rescaling_and_frees_the_nets(tmp_path):
    model = problems.build("haverly1").model
    report = replace_products(model, NET)
    part = peers.write_linear_part(model, report, tmp_path / "linear.lp")
    text = part.path.read_text()
    assert len(part.nets) == report.n_products == 2
    for names in part.nets:
        assert all(name in text for name in names)
    for product in report.products.values():
        assert not product.encoded.block.active and product.encoded.output.bounds == (None, None)
        assert product.encoded.inputs[0].parent_block().map_x.active
    assert "binary" not in text  # the nets' binaries stay out: the peer adds its own


def test_a_broken_extra_names_the_import_error(monkeypatch, tmp_path):
    (tmp_path / "broken_peer_module").mkdir()
    (tmp_path / "broken_peer_module" / "__init__.py").write_text("raise ImportError('libfoo.so not found')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(peers.PEERS, "gurobi-ml", ("gurobi", ("broken_peer_module",)))
    match = r"needs broken_peer_module, which is installed but does not import \(ImportError: libfoo.so not found\)"
    with pytest.raises(SolverUnavailableError, match=match):
        peers.solve_with_peer("haverly1", NET, peer="gurobi-ml")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_limit": -1.0}, r"time_limit=-1.0 must be a positive number of seconds"),
        ({"time_limit": math.nan}, r"time_limit=nan must be a positive number of seconds"),
        ({"rel_gap": 2.0}, r"rel_gap=2.0 must lie in \[0, 1\)"),
        ({"threads": 65}, r"threads=65 must be an integer from 1 to 64 \(scip's range\)"),
    ],
)
def test_peer_limits_are_checked_as_every_solves_are(kwargs, match):
    needs("scip-ml")
    with pytest.raises(ConfigError, match=match):
        peers.solve_with_peer("haverly1", NET, peer="scip-ml", **kwargs)


@pytest.mark.solver
def test_scip_infinity_is_no_bound():
    needs("scip-ml")
    result = peers.solve_with_peer("random16-s0", NET, peer="scip-ml", time_limit=0.01)
    assert result.bound == -math.inf or abs(result.bound) < 1e19


def test_a_peer_solves_with_the_solver_configs_defaults():
    """solve_with_peer's time_limit, threads and rel_gap are documented as SolverConfig's: they are its defaults."""
    import inspect

    parameters, config = inspect.signature(peers.solve_with_peer).parameters, SolverConfig()
    assert {name: parameters[name].default for name in ("time_limit", "threads", "rel_gap")} == {
        "time_limit": config.time_limit,
        "threads": config.threads,
        "rel_gap": config.rel_gap,
    }


def test_a_peer_whose_extra_is_missing_says_what_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "pyscipopt_ml" else real(name, *args))
    message = r"peer 'scip-ml' needs pyscipopt and pyscipopt_ml; install them with .*pyscipopt-ml.*\(surrogate's 'scipml' extra\)"
    with pytest.raises(SolverUnavailableError, match=message):
        peers.check_peer("scip-ml")


def test_a_peer_is_handed_only_nets():
    """write_linear_part of a model whose product a baseline approximates: no net to hand over."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(-1, 2)), pyo.Var(bounds=(-1, 3))
    m.o = pyo.Objective(expr=m.x * m.y)
    report = replace_products(m, "sawtooth-4")
    with pytest.raises(ConfigError, match=r"product x\*y is not a net; a peer encodes only nets"):
        peers.write_linear_part(m, report, "unused.lp")


def test_a_peer_solve_of_an_unknown_problem_names_the_problems():
    if "scip-ml" not in peers.available_peers():
        pytest.skip("scip-ml is not installed here")
    with pytest.raises(ConfigError, match=r"solve_with_peer: unknown problem 'nosuch'; use a pooling instance \(haverly1"):
        peers.solve_with_peer("nosuch", "3x8", peer="scip-ml")
