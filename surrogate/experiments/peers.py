"""The same surrogate problems built and solved by peer libraries: gurobi-machinelearning + Gurobi, PySCIPOpt-ML + SCIP.

A peer gets exactly our linear part: the problem goes through
:func:`~surrogate.milp.bilinear.replace_products` as in our route (the same
implied bounds, the same exact rescaling of every product's factors onto the
box of the net's ``domain`` metadata, any box: ``x = a*xh + b``, ``y = c*yh + d``,
``z = ac N + ad xh + bc yh + bd``), then every net's block is deactivated and
its output left free, and the rest is written to an LP file with generic labels
(:func:`write_linear_part`; a name is read back through Pyomo's symbol map). The peer
reads that file, looks up each net's inputs ``xh, yh`` and output ``N`` by name, and
adds the net itself with its own ``add_predictor_constr`` from the same net, as a
float64 ``torch.nn.Sequential`` (:meth:`~surrogate.nets.network.ReluMLP.to_torch`):
every weight as the net was loaded, a float64 ONNX net's not rounded to float32.
Only the encoding of the nets differs, so the optima must agree
(``tests/experiments/test_peers.py``).

The peer's point is checked as :func:`~surrogate.milp.solver.solve` checks ours
(:func:`check_peer_point`): each net is evaluated at the peer's ``xh, yh`` and
must give its ``N``, and the point, with those outputs, must satisfy the model and
give the objective the peer reported; else the result is ``error`` with the reason.
A failure of a peer's solver is a :class:`PeerError`, which a benchmark records.

Both peers are optional extras: ``pip install -e '.[gurobi]'`` and
``pip install -e '.[scipml]'`` in a checkout. Gurobi's pip licence is size-limited
(about 2000 variables and constraints); a refused model is recorded as
:data:`REFUSED_SIZE_LIMIT`, not raised.
"""

from __future__ import annotations

import importlib.util
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pyomo.environ as pyo

from ..errors import ConfigError, SolverUnavailableError, SurrogateError, warn_caller
from ..install_hints import extra_hint, import_failure
from ..milp.baselines import is_baseline, parse_baseline
from ..milp.bilinear import replace_products, resolve_surrogate
from ..milp.highs_run import solver_runs
from ..milp.model_size import ModelSize
from ..milp.scaled_products import BilinearSurrogate
from ..milp.signal_watch import halting_on_signals
from ..milp.solution_check import TRUST_TOL, untrusted
from ..milp.solve_interrupts import ctrl_c_stops_here, interruptible_clone, noting_interrupts, stop_if_interrupted
from ..milp.solver_backends import backend_for
from ..milp.solver_config import SolverConfig, Termination
from ..options import default_of
from .peer_status import gurobi_outcome, scip_outcome
from .problem_package import problems_package

#: The peers, with the pip extra that installs each and the modules it needs.
PEERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gurobi-ml": ("gurobi", ("gurobipy", "gurobi_ml")),
    "scip-ml": ("scipml", ("pyscipopt", "pyscipopt_ml")),
}
#: The solver (a :data:`~surrogate.milp.solver_config.SOLVERS` name) each peer solves with.
PEER_SOLVERS: dict[str, str] = {"gurobi-ml": "gurobi", "scip-ml": "scip"}
#: The version of the peer routes in a benchmark's cache keys; raised when a route's result for the same inputs
#: changes (2: the peer's point is checked against the nets, and a float64 net reaches the peer unrounded).
PEER_ROUTE_VERSION = 2
#: The termination of a model Gurobi's size-limited licence refused to solve.
REFUSED_SIZE_LIMIT = "refused: size limit"
#: PySCIPOpt-ML's ReLU formulation: ``'bigm'`` (binaries and big-M rows from interval bounds, as ours) or ``'sos'``.
SCIP_FORMULATION = "bigm"
#: Gurobi's error code for a model beyond the licence's size limit.
_GUROBI_SIZE_LIMIT = 10010


@dataclass(frozen=True)
class PeerResult:
    """What one peer solve did (compare :class:`~surrogate.milp.solve_result.SolveResult`).

    ``termination`` is a :class:`~surrogate.milp.solver_config.Termination` value, or
    :data:`REFUSED_SIZE_LIMIT`; ``objective`` the incumbent (``nan`` without one),
    ``bound`` the dual bound, ``wall_time`` the solver's own run time in seconds,
    ``build_time`` the seconds to build the peer's model, ``size`` that model
    before presolve (Gurobi's general constraints count as constraints), ``reason`` why an incumbent that
    breaks a net or the model (:func:`check_peer_point`) made the result ``error`` (then without objective or bound).
    """

    peer: str
    termination: str
    objective: float
    bound: float
    wall_time: float
    build_time: float
    size: ModelSize
    reason: str = ""

    @property
    def optimal(self) -> bool:
        """Whether the peer proved its incumbent optimal (within its ``rel_gap``)."""
        return self.termination == Termination.OPTIMAL

    def to_dict(self) -> dict:
        """The fields as a flat dict (the size's counts as columns), like :meth:`SolveResult.to_dict`."""
        out = asdict(self)
        out.update(out.pop("size"))
        return out


def _installed(peer: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in PEERS[peer][1])


def available_peers() -> tuple[str, ...]:
    """The peers whose extras are installed here and whose solvers can run (a Gurobi licence; a subset of :data:`PEERS`)."""
    return tuple(peer for peer in PEERS if _installed(peer) and backend_for(PEER_SOLVERS[peer]).available())


def check_peer(peer: str) -> str:
    """Return ``peer`` if it names a peer whose extra is installed and whose solver can run here.

    Raises
    ------
    ConfigError
        An unknown name.
    SolverUnavailableError
        The peer's extra is not installed (the message names it), or its solver cannot run (Gurobi without a
        usable licence: the message is :func:`~surrogate.milp.solve_checks.check_solver`'s).
    """
    if peer not in PEERS:
        raise ConfigError(f"unknown peer {peer!r}; use one of {', '.join(PEERS)}")
    extra, modules = PEERS[peer]
    if not _installed(peer):
        raise SolverUnavailableError(f"peer {peer!r} needs {' and '.join(modules)}; install them with {extra_hint(extra)}")
    for module in modules:
        broken = import_failure(module)
        if broken:
            raise SolverUnavailableError(
                f"peer {peer!r} needs {module}, which is installed but does not import ({broken}); "
                f"reinstall it with {extra_hint(extra).replace('pip install', 'pip install --force-reinstall', 1)}"
            )
    backend = backend_for(PEER_SOLVERS[peer])
    if not backend.available():
        backend.make()  # raises SolverUnavailableError saying why (e.g. no Gurobi licence), as check_solver does
    return peer


@dataclass(frozen=True)
class LinearPart:
    """A surrogate problem without its nets, written to ``path`` (CPLEX LP format, generic labels).

    ``nets`` holds, per net, the LP names of its inputs ``(xh, yh)`` and its output, ``encoded`` its
    :class:`~surrogate.milp.encoding.EncodedSurrogate` (in the same order), ``variables`` the model's
    variable of each LP name.
    """

    path: Path
    nets: tuple[tuple[str, str, str], ...]
    encoded: tuple = ()
    variables: dict = field(default_factory=dict)


def write_linear_part(model, surrogates, path: str | os.PathLike) -> LinearPart:
    """Deactivate every net of ``surrogates`` in ``model``, free its output, and write the rest to ``path``.

    Parameters
    ----------
    model
        A model after :func:`~surrogate.milp.bilinear.replace_products` (changed in place).
    surrogates
        That call's report, or its ``products`` (``{pair: product}``).
    path
        The LP file to write (``.lp``).
    """
    products = getattr(surrogates, "products", surrogates)
    links, nets = [], []
    for product in products.values():
        if isinstance(product, BilinearSurrogate) and product.encoded is not None:
            encoded = product.encoded
            if not hasattr(encoded, "net"):
                raise ConfigError(f"product {product.x.name}*{product.y.name} is not a net; a peer encodes only nets")
            encoded.block.deactivate()
            encoded.output.setlb(None)
            encoded.output.setub(None)
            links.append((*encoded.inputs, encoded.output))
            nets.append(encoded)
    path = Path(path)
    # generic labels (x1, c_e_x2_, ...): a model's own names can pass Gurobi's 255-character limit on an LP token
    _, symbols = model.write(str(path), io_options={"symbolic_solver_labels": False})
    names = model.solutions.symbol_map[symbols]
    variables = {name: obj for name, obj in names.bySymbol.items() if obj.ctype is pyo.Var}
    nets_named = tuple(tuple(names.getSymbol(v) for v in link) for link in links)
    return LinearPart(path, nets_named, tuple(nets), variables)


class PeerError(SurrogateError, RuntimeError):
    """A peer's library or solver failed on a model (the message quotes its error); a benchmark records it."""


#: What a peer's solve gives: its result, and the value of each of the linear part's variables (by LP name) at
#: its incumbent (empty without one).
PeerSolve = tuple[PeerResult, dict[str, float]]


@solver_runs()  # one solver run at a time in a process
def _gurobi_solve(part: LinearPart, seq, *, time_limit: float, threads: int, rel_gap: float) -> PeerSolve:
    """Gurobi on ``part`` with gurobi-ml's encoding of ``seq`` on every net."""
    import gurobipy as gp

    try:
        return _gurobi_run(part, seq, time_limit=time_limit, threads=threads, rel_gap=rel_gap)
    except gp.GurobiError as error:
        raise PeerError(f"peer 'gurobi-ml': Gurobi failed on the model (GurobiError {error.errno}: {error})") from error


def _gurobi_run(part: LinearPart, seq, *, time_limit: float, threads: int, rel_gap: float) -> PeerSolve:
    """:func:`_gurobi_solve`, with Gurobi's errors raised as they come."""
    import gurobipy as gp
    from gurobi_ml import add_predictor_constr

    start = time.perf_counter()
    with gp.Env(params={"OutputFlag": 0}) as env, gp.read(str(part.path), env=env) as model:
        model.Params.Threads, model.Params.TimeLimit, model.Params.MIPGap = threads, time_limit, rel_gap
        variables = {v.VarName: v for v in model.getVars()}
        for xh, yh, out in part.nets:
            add_predictor_constr(model, seq, [variables[xh], variables[yh]], [variables[out]])
        model.update()
        size = ModelSize(model.NumVars, model.NumBinVars, model.NumConstrs + model.NumGenConstrs + model.NumSOS)
        build = time.perf_counter() - start
        try:
            with halting_on_signals(model.terminate):  # a SIGTERM under the CLI's handler stops Gurobi at once
                model.optimize()
        except gp.GurobiError as error:
            if error.errno != _GUROBI_SIZE_LIMIT:
                raise
            return PeerResult("gurobi-ml", REFUSED_SIZE_LIMIT, math.nan, math.nan, 0.0, build, size), {}
        status, objective, bound, seconds = gurobi_outcome(model, time_limit=time_limit)
        values = {name: var.X for name, var in variables.items()} if not math.isnan(objective) else {}
        return PeerResult("gurobi-ml", status, objective, bound, seconds, build, size), values


@solver_runs()
def _scip_solve(part: LinearPart, seq, *, time_limit: float, threads: int, rel_gap: float) -> PeerSolve:
    """SCIP on ``part`` with PySCIPOpt-ML's (big-M) encoding of ``seq`` on every net."""
    import pyscipopt
    from pyscipopt_ml import add_predictor_constr

    start = time.perf_counter()
    model = pyscipopt.Model()
    model.hideOutput()
    model.readProblem(str(part.path))
    variables = {v.name: v for v in model.getVars()}
    for k, (xh, yh, out) in enumerate(part.nets):
        inputs, outputs = [variables[xh], variables[yh]], [variables[out]]
        add_predictor_constr(model, seq, inputs, outputs, unique_naming_prefix=f"net{k}_", formulation=SCIP_FORMULATION)
    model.setParam("limits/time", time_limit)
    model.setParam("limits/gap", rel_gap)
    model.setParam("lp/threads", threads)
    size = ModelSize(model.getNVars(), model.getNBinVars(), model.getNConss())
    build = time.perf_counter() - start
    model.setBoolParam("misc/catchctrlc", ctrl_c_stops_here())  # a handler of the program's own is called instead
    with halting_on_signals(model.interruptSolve):  # the GIL released, so that a SIGTERM can interrupt SCIP at once
        model.optimizeNogil()
    status, objective, bound, seconds = scip_outcome(model, time_limit=time_limit)
    values = {name: model.getVal(var) for name, var in variables.items()} if not math.isnan(objective) else {}
    return PeerResult("scip-ml", status, objective, bound, seconds, build, size), values


def check_peer_point(model, part: LinearPart, values: dict[str, float], *, peer: str, objective: float) -> str | None:
    """Why a peer's point is no solution of the surrogate problem in ``model``, or ``None`` when it is.

    ``values`` (by LP name) are loaded into ``model``'s variables. Each net of ``part`` is evaluated (at the
    precision it was loaded with, :meth:`~surrogate.milp.encoding.EncodedSurrogate.evaluate`) at the peer's
    ``xh, yh``; an output ``N`` further from it than :data:`~surrogate.milp.solution_check.TRUST_TOL`
    (relative to ``max(1, |net|)``) breaks the net. With every ``N`` set to the net's value, the point must
    satisfy ``model``'s active rows and bounds and give the reported ``objective``
    (:func:`~surrogate.milp.solution_check.untrusted`): an ``N`` off by less, magnified by a product's
    ``a c``, can still move the optimum.
    """
    for name, var in part.variables.items():
        if name in values:
            var.set_value(values[name], skip_validation=True)
    worst, detail = 0.0, "no net"
    for encoded, (_, _, out) in zip(part.encoded, part.nets):
        want = encoded.evaluate(*(float(pyo.value(v)) for v in encoded.inputs))
        miss = abs(values[out] - want) / max(1.0, abs(want))
        if miss >= worst:
            worst, detail = miss, f"output {encoded.output.name} is {values[out]:.10g}, the net's {want:.10g}"
        encoded.output.set_value(want, skip_validation=True)
    if worst > TRUST_TOL:
        return (
            f"{peer}'s point breaks a net: at its inputs, {detail} (relative difference {worst:.3g}; tolerance "
            f"{TRUST_TOL:g}), so the result records 'error'"
        )
    refusal = untrusted(model, peer, objective)
    return None if refusal is None else f"{peer}'s point, with each net's output set to the net's ({detail}), fails: {refusal}"


_SOLVERS = {"gurobi-ml": _gurobi_solve, "scip-ml": _scip_solve}


def _problem_model(problem):
    """A copy of ``problem``'s model: a problem name, a :class:`~problems.base.BilinearProblem` or a Pyomo model."""
    if isinstance(problem, str):
        try:
            problem = problems_package().build(problem)
        except SurrogateError:
            raise
        except ValueError as error:  # problems.build: an unknown name (the message lists the names)
            raise ConfigError(f"solve_with_peer: {error}") from error
    if isinstance(problem, pyo.Block):  # before .model: a ConcreteModel's .model is a method
        return interruptible_clone(problem)
    model = getattr(problem, "model", None)
    if not isinstance(model, pyo.Block):
        raise ConfigError(
            f"solve_with_peer: cannot use {type(problem).__name__} as a problem; pass a problem name such as "
            "'haverly1', a problems.BilinearProblem or a Pyomo model"
        )
    return interruptible_clone(model)


def _peer_net(net):
    """``net`` as a :class:`~surrogate.nets.network.ReluMLP` with two inputs, or a :class:`ConfigError` for a baseline."""
    why = ""
    try:
        baseline = is_baseline(net) or (isinstance(net, str) and parse_baseline(net) is not None)
    except ConfigError as error:  # no baseline's name, or one of a size it cannot take
        baseline, why = not str(error).startswith("unknown baseline"), f" ({error})"
    if baseline:
        raise ConfigError(
            f"solve_with_peer: {net!r} is a baseline{why}, but a peer encodes only nets; pass a ReluMLP, an ONNX path "
            "or a zoo name such as '3x8'"
        )
    return resolve_surrogate(net).check_product_net("peer surrogate")


def solve_with_peer(
    problem,
    net,
    *,
    peer: str,
    time_limit: float = default_of(SolverConfig, "time_limit"),
    threads: int = default_of(SolverConfig, "threads"),
    rel_gap: float = default_of(SolverConfig, "rel_gap"),
) -> PeerResult:
    """Build ``problem`` with ``net`` on every product as ``peer`` encodes it, solve it, and check the peer's point.

    Parameters
    ----------
    problem
        A :class:`~problems.base.BilinearProblem` or a Pyomo model (copied, not changed), or a problem name
        (:func:`problems.build`).
    net
        A :class:`~surrogate.nets.network.ReluMLP`, an ONNX path or a zoo name (``'3x8'``); the peer gets it at
        the precision it was loaded with (float64 weights).
    peer
        ``'gurobi-ml'`` or ``'scip-ml'`` (see :func:`available_peers`).
    time_limit, threads, rel_gap
        The solver's seconds, threads and relative gap (as :class:`~surrogate.milp.solver_config.SolverConfig`, whose
        defaults they take).

    An incumbent that breaks a net or the model (:func:`check_peer_point`) gives termination ``error``, no objective
    or bound, the reason in ``reason``, and a ``RuntimeWarning``.

    Raises
    ------
    ConfigError
        An unknown peer or problem name, a baseline instead of a net, or a problem with a product that is not a net's.
    SolverUnavailableError
        The peer's extra is not installed, or its solver cannot run (no Gurobi licence).
    PeerError
        The peer's solver failed on the model.
    """
    check_peer(peer)
    # the limits are checked as every solve's are (SolverConfig names what is wrong and what to pass)
    SolverConfig(time_limit=time_limit, rel_gap=rel_gap, threads=threads, solver=PEER_SOLVERS[peer])
    model = _problem_model(problem)
    net = _peer_net(net)
    report = replace_products(model, net)
    with tempfile.TemporaryDirectory(prefix="surrogate-peer-") as tmp:
        part = write_linear_part(model, report, Path(tmp) / "linear.lp")
        seq = net.to_torch(dtype="float64")
        with noting_interrupts() as interrupts:  # Gurobi and SCIP catch Ctrl-C and return: stop all the same
            result, values = _SOLVERS[peer](part, seq, time_limit=time_limit, threads=threads, rel_gap=rel_gap)
    stop_if_interrupted(interrupts, result.termination, f"{peer} was interrupted (Ctrl-C)")
    reason = check_peer_point(model, part, values, peer=peer, objective=result.objective) if values else None
    if reason is None:
        return result
    warn_caller(reason, RuntimeWarning)
    return replace(result, termination=Termination.ERROR, objective=math.nan, bound=math.nan, reason=reason)
