"""The same surrogate problems built and solved by peer libraries: gurobi-machinelearning + Gurobi, PySCIPOpt-ML + SCIP.

A peer gets exactly our linear part: the problem goes through
:func:`~surrogate.milp.bilinear.replace_products` as in our route (the same
implied bounds, the same exact rescaling ``x = a*xh + b``, ``y = c*yh + d``,
``z = ac N + ad xh + bc yh + bd``), then every net's block is deactivated and
its output left free, and the rest is written to an LP file
(:meth:`write_linear_part`). The peer reads that file, looks up each net's
inputs ``xh, yh`` and output ``N`` by name, and adds the net itself with its
own ``add_predictor_constr`` from the same ONNX net, as a ``torch.nn.Sequential``
(:meth:`~surrogate.nets.network.ReluMLP.to_torch`). Only the encoding of the
nets differs, so the optima must agree (``tests/experiments/test_peers.py``).

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
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import ConfigError, SolverUnavailableError
from ..install_hints import extra_hint
from ..milp.bilinear import replace_products, resolve_surrogate
from ..milp.model_size import ModelSize
from ..milp.scaled_products import BilinearSurrogate
from ..milp.solver_backends import import_failure
from ..milp.solver_config import SolverConfig, Termination
from .problem_package import problems_package

#: The peers, with the pip extra that installs each and the modules it needs.
PEERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gurobi-ml": ("gurobi", ("gurobipy", "gurobi_ml")),
    "scip-ml": ("scipml", ("pyscipopt", "pyscipopt_ml")),
}
#: The solver (a :data:`~surrogate.milp.solver_config.SOLVERS` name) each peer solves with.
PEER_SOLVERS: dict[str, str] = {"gurobi-ml": "gurobi", "scip-ml": "scip"}
#: The termination of a model Gurobi's size-limited licence refused to solve.
REFUSED_SIZE_LIMIT = "refused: size limit"
#: PySCIPOpt-ML's ReLU formulation: ``'bigm'`` (binaries and big-M rows from interval bounds, as ours) or ``'sos'``.
SCIP_FORMULATION = "bigm"
#: Gurobi's error code for a model beyond the licence's size limit.
_GUROBI_SIZE_LIMIT = 10010

_GUROBI_STATUS = {
    2: Termination.OPTIMAL,
    3: Termination.INFEASIBLE,
    4: Termination.INFEASIBLE_OR_UNBOUNDED,
    5: Termination.UNBOUNDED,
    7: Termination.ITERATION_LIMIT,
    8: Termination.ITERATION_LIMIT,
    9: Termination.TIME_LIMIT,
    11: Termination.INTERRUPTED,
}
_SCIP_STATUS = {
    "optimal": Termination.OPTIMAL,
    "gaplimit": Termination.OPTIMAL,
    "timelimit": Termination.TIME_LIMIT,
    "infeasible": Termination.INFEASIBLE,
    "unbounded": Termination.UNBOUNDED,
    "inforunbd": Termination.INFEASIBLE_OR_UNBOUNDED,
    "userinterrupt": Termination.INTERRUPTED,
}


@dataclass(frozen=True)
class PeerResult:
    """What one peer solve did (compare :class:`~surrogate.milp.solver.SolveResult`).

    ``termination`` is a :class:`~surrogate.milp.solver_config.Termination` value, or
    :data:`REFUSED_SIZE_LIMIT`; ``objective`` the incumbent (``nan`` without one),
    ``bound`` the dual bound, ``wall_time`` the solver's own run time in seconds,
    ``build_time`` the seconds to build the peer's model, ``size`` that model
    before presolve (Gurobi's general constraints count as constraints).
    """

    peer: str
    termination: str
    objective: float
    bound: float
    wall_time: float
    build_time: float
    size: ModelSize

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
    """The peers whose extras are installed here (a subset of :data:`PEERS`)."""
    return tuple(peer for peer in PEERS if _installed(peer))


def check_peer(peer: str) -> str:
    """Return ``peer`` if it names a peer whose extra is installed.

    Raises
    ------
    ConfigError
        An unknown name.
    SolverUnavailableError
        The peer's extra is not installed (the message names it).
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
    return peer


@dataclass(frozen=True)
class LinearPart:
    """A surrogate problem without its nets, written to ``path`` (CPLEX LP format).

    ``nets`` holds, per net, the LP names of its inputs ``(xh, yh)`` and its output.
    """

    path: Path
    nets: tuple[tuple[str, str, str], ...]


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
    links = []
    for product in products.values():
        if isinstance(product, BilinearSurrogate) and product.encoded is not None:
            encoded = product.encoded
            if not hasattr(encoded, "net"):
                raise ConfigError(f"product {product.x.name}*{product.y.name} is not a net; a peer encodes only nets")
            encoded.block.deactivate()
            encoded.output.setlb(None)
            encoded.output.setub(None)
            links.append((*encoded.inputs, encoded.output))
    path = Path(path)
    _, symbols = model.write(str(path), io_options={"symbolic_solver_labels": True})
    names = model.solutions.symbol_map[symbols]
    return LinearPart(path, tuple(tuple(names.getSymbol(v) for v in link) for link in links))


def _gurobi_solve(part: LinearPart, seq, *, time_limit: float, threads: int, rel_gap: float) -> PeerResult:
    """Gurobi on ``part`` with gurobi-ml's encoding of ``seq`` on every net."""
    import gurobipy as gp
    from gurobi_ml import add_predictor_constr

    start = time.perf_counter()
    with gp.Env(params={"OutputFlag": 0}) as env, gp.read(str(part.path), env=env) as model:
        model.Params.Threads, model.Params.TimeLimit, model.Params.MIPGap = threads, time_limit, rel_gap
        for xh, yh, out in part.nets:
            inputs = [model.getVarByName(xh), model.getVarByName(yh)]
            add_predictor_constr(model, seq, inputs, [model.getVarByName(out)])
        model.update()
        size = ModelSize(model.NumVars, model.NumBinVars, model.NumConstrs + model.NumGenConstrs + model.NumSOS)
        build = time.perf_counter() - start
        try:
            model.optimize()
        except gp.GurobiError as error:
            if error.errno != _GUROBI_SIZE_LIMIT:
                raise
            return PeerResult("gurobi-ml", REFUSED_SIZE_LIMIT, math.nan, math.nan, 0.0, build, size)
        objective = model.ObjVal if model.SolCount else math.nan
        bound = model.ObjBound if model.IsMIP else objective
        status = _GUROBI_STATUS.get(model.Status, Termination.UNKNOWN)
        return PeerResult("gurobi-ml", status, objective, bound, model.Runtime, build, size)


def _scip_solve(part: LinearPart, seq, *, time_limit: float, threads: int, rel_gap: float) -> PeerResult:
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
    model.optimize()
    objective = model.getObjVal() if model.getNSols() else math.nan
    status = _SCIP_STATUS.get(model.getStatus(), Termination.UNKNOWN)
    bound = model.getDualbound()
    if model.isInfinity(abs(bound)):  # SCIP's infinity (1e20) is no bound
        bound = math.copysign(math.inf, bound)
    return PeerResult("scip-ml", status, objective, bound, model.getSolvingTime(), build, size)


_SOLVERS = {"gurobi-ml": _gurobi_solve, "scip-ml": _scip_solve}


def solve_with_peer(problem, net, *, peer: str, time_limit: float = 60.0, threads: int = 1, rel_gap: float = 1e-6) -> PeerResult:
    """Build ``problem`` with ``net`` on every product as ``peer`` encodes it, and solve it.

    Parameters
    ----------
    problem
        A :class:`~problems.base.BilinearProblem` (its model is copied, not changed) or a problem name
        (:func:`problems.build`).
    net
        A :class:`~surrogate.nets.network.ReluMLP`, an ONNX path or a zoo name (``'3x8'``).
    peer
        ``'gurobi-ml'`` or ``'scip-ml'`` (see :func:`available_peers`).
    time_limit, threads, rel_gap
        The solver's seconds, threads and relative gap (as :class:`~surrogate.milp.solver_config.SolverConfig`).

    Raises
    ------
    ConfigError
        An unknown peer, or a problem with a product that is not a net's.
    SolverUnavailableError
        The peer's extra is not installed.
    """
    check_peer(peer)
    # the limits are checked as every solve's are (SolverConfig names what is wrong and what to pass)
    SolverConfig(time_limit=time_limit, rel_gap=rel_gap, threads=threads, solver=PEER_SOLVERS[peer])
    if isinstance(problem, str):
        problems = problems_package()

        problem = problems.build(problem)
    net = resolve_surrogate(net).check_product_net("peer surrogate")
    model = problem.model.clone()
    report = replace_products(model, net)
    with tempfile.TemporaryDirectory(prefix="surrogate-peer-") as tmp:
        part = write_linear_part(model, report, Path(tmp) / "linear.lp")
        return _SOLVERS[peer](part, net.to_torch(), time_limit=time_limit, threads=threads, rel_gap=rel_gap)
