"""The checks of :func:`~surrogate.milp.solver.solve`'s own arguments, before any model is read or solver run.

Each wrong argument is a :class:`~surrogate.errors.ConfigError` that names it and what to pass
instead: a solver object of another solver than ``config.solver`` used to fail half-way through the
run (or after it) with whatever attribute or parameter the other solver lacked. :func:`check_model` (kept in
:mod:`~surrogate.milp.model_components`, beside :func:`~surrogate.milp.model_components.model_of`) and
:func:`check_block_name` are the checks every public function taking a model or a block name shares
(``bilinear``, ``replace_products``, ``add_surrogate``, ``activation_start``, ``polish``...), so that each
refusal names the function called.
"""

from __future__ import annotations

from ..errors import ConfigError
from ..options import check_flags, is_number, plain_number
from .model_components import check_model
from .solver_backends import BACKENDS
from .solver_config import SolverConfig


def check_arguments(model, config, solver, *, node_limit, warm_start, check) -> None:
    """Raise :class:`ConfigError` naming what to pass unless :func:`~surrogate.milp.solver.solve`'s arguments are of
    the kinds it takes: a Pyomo model, a :class:`SolverConfig`, a solver object of ``config.solver`` (or ``None``),
    a positive integer ``node_limit`` (or ``None``), and bools ``warm_start`` and ``check``."""
    check_model("solve", model, needs=" with one active objective")
    if not isinstance(config, SolverConfig):
        raise ConfigError(f"solve: config={config!r} must be a SolverConfig, e.g. solve(model, SolverConfig(time_limit=60))")
    if solver is not None and (isinstance(solver, str) or not callable(getattr(solver, "solve", None))):
        raise ConfigError(
            f"solve: solver={solver!r} must be a solver object from make_solver(config), or None; "
            "to choose HiGHS, SCIP or Gurobi pass SolverConfig(solver='scip')"
        )
    if solver is not None:
        _check_solver_kind(config, solver)
    if node_limit is not None and not is_number(node_limit, integer=True, low=1):
        raise ConfigError(f"solve: node_limit={node_limit!r} must be a positive integer, or None for no limit")
    check_flags("solve", warm_start=plain_number(warm_start), check=plain_number(check))  # numpy.bool_ counts


def check_block_name(where: str, name, *, optional: bool = False) -> None:
    """Raise :class:`ConfigError` naming ``where`` unless ``name`` is a component name: a non-empty string (or, if
    ``optional``, ``None``: a name made up)."""
    if not ((isinstance(name, str) and name) or (optional and name is None)):
        made_up = ", or None for a name made up from the factors'" if optional else ""
        raise ConfigError(f"{where}: name={name!r} must be a component name, a non-empty string such as 'z'{made_up}")


def _check_solver_kind(config: SolverConfig, solver) -> None:
    """Raise :class:`ConfigError` unless ``solver`` is a ``pyomo.contrib.solver`` object (not Pyomo's legacy wrapper of
    one, ``pyo.SolverFactory('highs')``, which takes other keywords) of ``config.solver``."""
    from pyomo.contrib.solver.common.base import LegacySolverWrapper, SolverBase

    if not isinstance(solver, SolverBase) or isinstance(solver, LegacySolverWrapper):  # pyo.SolverFactory('highs')
        raise ConfigError(
            f"solve: solver is a {type(solver).__name__}, not a solver object of "
            f"pyomo.contrib.solver as make_solver(config) gives (pyo.SolverFactory(...) gives Pyomo's older interface, "
            f"which solve cannot drive); pass solver=make_solver(config), or no solver argument (one is made for "
            f"config.solver={config.solver!r})"
        )
    made = getattr(solver, "name", None)
    if made == BACKENDS[config.solver].factory:
        BACKENDS[config.solver].check_object(solver)
        return
    owner = next((name for name, backend in BACKENDS.items() if backend.factory == made), None)
    if owner is None:  # a Pyomo interface surrogate does not drive (scip_persistent...): no config would take it
        raise ConfigError(
            f"solve: solver is a solver object {type(solver).__name__} (Pyomo's {made!r}), which solve does not drive "
            f"(it drives {', '.join(repr(b.factory) for b in BACKENDS.values())}); pass solver=make_solver(config), or "
            f"no solver argument (one is made for config.solver={config.solver!r})"
        )
    raise ConfigError(
        f"solve: solver is a solver object of {owner!r}, but config.solver={config.solver!r}; pass one from "
        f"make_solver(config), or a config of the solver's own (SolverConfig(solver={owner!r}, ...))"
    )
