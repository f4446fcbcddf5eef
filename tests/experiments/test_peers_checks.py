"""Peer routes: the peer's point checked against the net, the net at its own precision, licences, names, the API."""

import subprocess
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pyomo.environ as pyo
import pytest

from surrogate import ReluMLP
from surrogate.errors import ConfigError
from surrogate.experiments import peers
from surrogate.milp.bilinear import replace_products, resolve_surrogate
from surrogate.milp.solver import SolverConfig, solve
from tests.experiments.test_peers import NET, needs

TIME_LIMIT = 10.0


def off_centre(net: ReluMLP, domain) -> ReluMLP:
    """A net on ``domain`` (any box) that is ``u*v`` as well as ``net`` (on [-1, 1]²) is ``s*t``.

    ``u = hu s + mu``, ``v = hv t + mv``: the first layer maps ``(u, v)`` to ``(s, t)``, and ``s + 1, t + 1``
    (never negative) ride through every hidden layer beside ``net``'s neurons for the terms linear in ``s, t``.
    """
    (p, q), (r, s) = domain
    (hu, mu), (hv, mv) = ((q - p) / 2, (q + p) / 2), ((s - r) / 2, (s + r) / 2)
    scale, shift = np.diag([1 / hu, 1 / hv]), np.array([-mu / hu, -mv / hv])
    w0, b0 = net.weights[0], net.biases[0]
    layers = [(np.hstack([scale @ w0, scale]), np.concatenate([shift @ w0 + b0, shift + 1]))]
    for w, b in zip(net.weights[1:-1], net.biases[1:-1]):
        carried = np.zeros((w.shape[0] + 2, w.shape[1] + 2))
        carried[: w.shape[0], : w.shape[1]], carried[w.shape[0] :, w.shape[1] :] = w, np.eye(2)
        layers.append((carried, np.concatenate([b, [0.0, 0.0]])))
    w, b = net.weights[-1], net.biases[-1]
    last = np.vstack([hu * hv * w, [[hu * mv], [mu * hv]]])
    layers.append((last, hu * hv * b + mu * mv - hu * mv - mu * hv))
    return ReluMLP.from_layers(layers).with_metadata(domain=[list(domain[0]), list(domain[1])])


def ours(model, net) -> float:
    """Our route's optimum (pruned + HiGHS) on a copy of ``model``."""
    model = model.clone()
    replace_products(model, net)
    result = solve(model, SolverConfig(time_limit=TIME_LIMIT, threads=1))
    assert result.optimal
    return result.objective


@pytest.mark.solver
def test_a_scip_point_that_breaks_the_net_is_an_error_not_an_optimum():
    needs("scip-ml")
    net = off_centre(resolve_surrogate(NET), ((1000.0, 1002.0), (-1.0, 1.0))).rounded_to_float32()
    with pytest.warns(RuntimeWarning, match=r"scip-ml's point, with each net's output set to the net's .*violates the model"):
        result = peers.solve_with_peer("haverly1", net, peer="scip-ml", time_limit=TIME_LIMIT)
    assert result.termination == "error" and not result.optimal and np.isnan(result.objective)
    assert "outputs[0] is -1000.056" in result.reason and "the net's -1000.058" in result.reason


@pytest.mark.solver
def test_a_peer_output_off_the_net_is_an_error(monkeypatch):
    needs("scip-ml")

    def off_by_a_tenth(part, seq, **limits):
        result, values = peers._scip_solve(part, seq, **limits)
        values[part.nets[0][2]] += 0.1
        return result, values

    monkeypatch.setitem(peers._SOLVERS, "scip-ml", off_by_a_tenth)
    with pytest.warns(
        RuntimeWarning,
        match=r"scip-ml's point breaks a net: at its inputs, output .* \(relative difference 0.1; tolerance 0.0001\)",
    ):
        result = peers.solve_with_peer("haverly1", NET, peer="scip-ml", time_limit=TIME_LIMIT)
    assert result.termination == "error" and np.isnan(result.bound) and "records 'error'" in result.reason


@pytest.mark.parametrize("peer", list(peers.PEERS))
def test_an_interrupted_peer_solve_stops_the_run(monkeypatch, peer):
    """Gurobi and SCIP catch Ctrl-C and return their incumbent so far: the run stops, nothing is recorded."""
    needs(peer)

    def interrupted(part, seq, **limits):
        size = peers.ModelSize(1, 0, 1)
        return peers.PeerResult(peer, "interrupted", 755.14, 1e3, 1.0, 0.1, size), {}

    monkeypatch.setitem(peers._SOLVERS, peer, interrupted)
    with pytest.raises(KeyboardInterrupt, match=f"{peer} was interrupted"):
        peers.solve_with_peer("haverly1", NET, peer=peer, time_limit=TIME_LIMIT)


def test_to_torch_keeps_a_float64_net_exact():
    torch = pytest.importorskip("torch")
    net = ReluMLP.from_layers(
        [(np.array([[0.1, 1e5 + 1 / 3]]).T, np.array([-1e4 - 1 / 7])), (np.array([[1 / 3]]), np.array([0.2]))]
    )
    exact = net.to_torch(dtype="float64")
    assert exact[0].weight.dtype == torch.float64
    assert np.array_equal(exact[0].weight.detach().numpy().T, net.weights[0])
    assert not np.array_equal(net.to_torch()[0].weight.detach().double().numpy().T, net.weights[0])  # float32 rounds
    with pytest.raises(ConfigError, match=r"to_torch\(dtype='float16'\): use 'float32' or 'float64'"):
        net.to_torch(dtype="float16")


@pytest.mark.solver
@pytest.mark.parametrize("peer", list(peers.PEERS))
def test_a_float64_net_far_off_centre_is_solved_at_its_own_precision(peer):
    needs(peer)
    net = off_centre(resolve_surrogate(NET), ((1e5, 1e5 + 2), (-1.0, 1.0)))
    assert not np.array_equal(net.biases[0], net.rounded_to_float32().biases[0])  # float32 would change it
    model = pyo.ConcreteModel()
    model.x, model.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(-1, 1))
    model.objective = pyo.Objective(expr=model.x * model.y + 0.1 * model.x - 0.05 * model.y)
    theirs = peers.solve_with_peer(SimpleNamespace(model=model), net, peer=peer, time_limit=TIME_LIMIT)
    assert theirs.optimal and theirs.objective == pytest.approx(ours(model, net), rel=1e-5)
    assert theirs.objective != pytest.approx(ours(model, net.rounded_to_float32()), rel=1e-4)  # what float32 gave


LONG = "site[north_refinery_complex].unit[hydrotreater_train_2].flow[crude_tank_{},gasoline_blend_pool_1]"


@pytest.mark.solver
@pytest.mark.parametrize("peer", list(peers.PEERS))
def test_long_names_are_no_trouble_for_the_lp_file(peer, tmp_path):
    needs(peer)
    model = pyo.ConcreteModel()
    model.add_component(LONG.format("A_heavy_sour"), pyo.Var(bounds=(0, 2)))
    model.add_component(LONG.format("B_light_sweet"), pyo.Var(bounds=(-1, 1)))
    x, y = (model.component(LONG.format(n)) for n in ("A_heavy_sour", "B_light_sweet"))
    model.objective = pyo.Objective(expr=x * y + 0.1 * x)
    result = peers.solve_with_peer(SimpleNamespace(model=model), NET, peer=peer, time_limit=TIME_LIMIT)
    assert result.optimal and result.objective == pytest.approx(ours(model, NET), rel=1e-5)
    report = replace_products(model, NET)
    part = peers.write_linear_part(model, report, tmp_path / "linear.lp")
    assert max(len(token) for token in part.path.read_text().split()) < 255
    encoded = next(iter(report.products.values())).encoded
    assert all(part.variables[name] is v for name, v in zip(part.nets[0], (*encoded.inputs, encoded.output)))


NO_LICENCE = """
import sys
from surrogate.experiments import peers
from surrogate.errors import SolverUnavailableError
print(peers.available_peers())
try:
    peers.solve_with_peer("haverly1", "b12-best-2x6", peer="gurobi-ml", time_limit=5)
except SolverUnavailableError as error:
    print("SolverUnavailableError:", error)
"""


@pytest.mark.solver
def test_no_gurobi_licence_makes_the_peer_unavailable(tmp_path, monkeypatch):
    needs("gurobi-ml")
    (tmp_path / "bogus.lic").write_text("TYPE=NODE\nLICENSEID=123\nHOSTNAME=nothere\nKEY=AAAA\n")
    monkeypatch.setenv("GRB_LICENSE_FILE", str(tmp_path / "bogus.lic"))
    out = subprocess.run([sys.executable, "-c", NO_LICENCE], capture_output=True, text=True, timeout=60, check=True).stdout
    assert "'gurobi-ml'" not in out.splitlines()[0]
    assert "SolverUnavailableError: solver 'gurobi' is installed but Pyomo cannot run it" in out
    assert "gurobipy finds no valid licence" in out


def test_a_baseline_a_misspelt_problem_and_no_problem_are_refused_clearly():
    needs("scip-ml")
    with pytest.raises(ConfigError, match=r"'sawtooth-10' is a baseline, but a peer encodes only nets"):
        peers.solve_with_peer("haverly1", "sawtooth-10", peer="scip-ml")
    with pytest.raises(ConfigError, match=r"'nmdt-0' is a baseline \(NMDT: binaries=0 .*\), but a peer encodes only"):
        peers.solve_with_peer("haverly1", "nmdt-0", peer="scip-ml")  # was "no zoo model named 'nmdt-0'"
    with pytest.raises(ConfigError, match=r"unknown problem 'havrly1'; use a pooling instance"):
        peers.solve_with_peer("havrly1", NET, peer="scip-ml")
    with pytest.raises(ConfigError, match=r"cannot use int as a problem; pass a problem name"):
        peers.solve_with_peer(3, NET, peer="scip-ml")


@pytest.mark.solver
def test_a_pyomo_model_is_taken_as_a_problem_and_left_unchanged():
    needs("scip-ml")
    model = pyo.ConcreteModel()
    model.x, model.y = pyo.Var(bounds=(0, 2)), pyo.Var(bounds=(-1, 1))
    model.objective = pyo.Objective(expr=model.x * model.y)
    result = peers.solve_with_peer(model, NET, peer="scip-ml", time_limit=TIME_LIMIT)
    assert result.optimal and result.objective == pytest.approx(ours(model, NET), rel=1e-5)
    assert not hasattr(model, "surrogate_replacement")


def test_a_gurobi_failure_is_a_peer_error_a_benchmark_records(monkeypatch):
    needs("gurobi-ml")
    import gurobipy

    from surrogate.experiments.scale_bench import peer_unit

    def fails(*args, **kwargs):
        raise gurobipy.GurobiError(10012, "Unable to read file")

    monkeypatch.setattr(gurobipy, "read", fails)
    with pytest.raises(peers.PeerError, match=r"peer 'gurobi-ml': Gurobi failed on the model \(GurobiError 10012"):
        peers.solve_with_peer("haverly1", NET, peer="gurobi-ml")
    row = peer_unit("haverly1", resolve_surrogate(NET), "gurobi-ml", SolverConfig(time_limit=5.0))["rows"][0]
    assert row["status"] == "error" and "Unable to read file" in row["message"]


@pytest.mark.solver
def test_a_benchmark_row_of_a_point_that_breaks_the_net_is_an_error():
    needs("scip-ml")
    from surrogate.experiments.scale_bench import peer_unit

    net = off_centre(resolve_surrogate(NET), ((1000.0, 1002.0), (-1.0, 1.0))).rounded_to_float32()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        row = peer_unit("haverly1", net, "scip-ml", SolverConfig(time_limit=TIME_LIMIT))["rows"][0]
    assert row["status"] == "error" and "violates the model" in row["message"] and "reason" not in row


def test_an_output_off_the_net_by_a_little_more_than_the_tolerance_breaks_it(tmp_path):
    """check_peer_point's own numbers (no peer needed): 5x TRUST_TOL off is refused, 0.5x is not a net break."""
    model = peers._problem_model("haverly1")
    report = replace_products(model, peers._peer_net(NET))
    part = peers.write_linear_part(model, report, tmp_path / "linear.lp")
    exact = {}
    for encoded, (xh, yh, out) in zip(part.encoded, part.nets):
        exact.update({xh: 0.3, yh: -0.2, out: encoded.evaluate(0.3, -0.2)})
    first = part.nets[0][2]
    scale = max(1.0, abs(exact[first]))
    far = peers.check_peer_point(model, part, {**exact, first: exact[first] + 5e-4 * scale}, peer="p", objective=0.0)
    assert far is not None and "p's point breaks a net" in far and "relative difference 0.0005;" in far
    near = peers.check_peer_point(model, part, {**exact, first: exact[first] + 5e-5 * scale}, peer="p", objective=0.0)
    assert near is None or "breaks a net" not in near
