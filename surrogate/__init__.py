"""surrogate: budget-sized ReLU surrogates of x*y for mixed-integer optimisation.

Everything the ``surrogate`` command does is available here::

    from surrogate import Architecture, SweepConfig, run_sweep, bilinear
    result = run_sweep(SweepConfig(budget=24), "results/sweep")
    print(result.render())
    z = bilinear(model, model.x, model.y, "3x8")   # z.expr ~ x*y on any box

The names are imported on first use (PEP 562), so ``import surrogate`` and the
quick commands (``surrogate params``, ``surrogate --help``) do not pay for
PyTorch, Pyomo or pandas. The packages that run torch code pin its math paths
when they are imported (:func:`surrogate.reproducible.pin_math_paths`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .version import package_version as _package_version

if TYPE_CHECKING:  # the real imports, for type checkers and IDEs; at run time __getattr__ does them
    from .errors import (
        ArchitectureError,
        ConfigError,
        DomainWarning,
        ExportError,
        FormulationError,
        InfeasibleModelError,
        ModelFormatError,
        NonlinearModelError,
        NumericsWarning,
        PrecisionWarning,
        SolverUnavailableError,
        SurrogateError,
        UnsupportedComponentError,
    )
    from .experiments.reference_problem import ReferenceInstance, ReferenceSolve, reference_instances, solve_reference_problems
    from .experiments.sweep import SweepConfig, SweepResult, run_sweep
    from .experiments.zoo_store import save_models
    from .milp.bilinear import (
        BilinearSurrogate,
        LinearProduct,
        ReplacementReport,
        UnboundedVariableError,
        UnsupportedTermError,
        bilinear,
        replace_products,
    )
    from .milp.binary_products import BinaryProduct
    from .milp.encoding import FORMULATIONS, EncodedSurrogate, ModelSize, add_surrogate, model_size, to_omlt_network
    from .milp.integer_products import IntegerProduct
    from .milp.rewrite_refresh import refresh_rewrites
    from .milp.solver import SolverConfig, SolveResult, solve
    from .milp.warmstart import StartConfig, StartResult, activation_start
    from .nets.architecture import Architecture, ParameterCount, all_shapes, constant_width_shapes, count_parameters
    from .nets.metrics import ApproximationScore, score
    from .nets.network import ReluMLP
    from .nets.onnx_io import export_onnx, load_onnx, read_metadata
    from .nets.zoo import load_manifest
    from .reproducible import ReproducibilityWarning
    from .train.protocols import PROTOCOLS, TrainingProtocol, get_protocol
    from .train.training import TrainedNet, train_many, train_net_naive, train_nets

#: Public name -> the module (relative to this package) it is imported from on first use.
_HOMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "ArchitectureError",
            "ConfigError",
            "DomainWarning",
            "ExportError",
            "FormulationError",
            "InfeasibleModelError",
            "ModelFormatError",
            "NonlinearModelError",
            "NumericsWarning",
            "PrecisionWarning",
            "SolverUnavailableError",
            "SurrogateError",
            "UnsupportedComponentError",
        ),
        ".errors",
    ),
    **dict.fromkeys(
        ("ReferenceInstance", "ReferenceSolve", "reference_instances", "solve_reference_problems"),
        ".experiments.reference_problem",
    ),
    **dict.fromkeys(("SweepConfig", "SweepResult", "run_sweep"), ".experiments.sweep"),
    "save_models": ".experiments.zoo_store",
    **dict.fromkeys(
        (
            "BilinearSurrogate",
            "LinearProduct",
            "ReplacementReport",
            "UnboundedVariableError",
            "UnsupportedTermError",
            "bilinear",
            "replace_products",
        ),
        ".milp.bilinear",
    ),
    "BinaryProduct": ".milp.binary_products",
    "IntegerProduct": ".milp.integer_products",
    **dict.fromkeys(
        ("FORMULATIONS", "EncodedSurrogate", "ModelSize", "add_surrogate", "model_size", "to_omlt_network"), ".milp.encoding"
    ),
    "refresh_rewrites": ".milp.rewrite_refresh",
    **dict.fromkeys(("SolverConfig", "SolveResult", "solve"), ".milp.solver"),
    **dict.fromkeys(("StartConfig", "StartResult", "activation_start"), ".milp.warmstart"),
    **dict.fromkeys(
        ("Architecture", "ParameterCount", "all_shapes", "constant_width_shapes", "count_parameters"), ".nets.architecture"
    ),
    **dict.fromkeys(("ApproximationScore", "score"), ".nets.metrics"),
    "ReluMLP": ".nets.network",
    **dict.fromkeys(("export_onnx", "load_onnx", "read_metadata"), ".nets.onnx_io"),
    "load_manifest": ".nets.zoo",
    "ReproducibilityWarning": ".reproducible",
    **dict.fromkeys(("PROTOCOLS", "TrainingProtocol", "get_protocol"), ".train.protocols"),
    **dict.fromkeys(("TrainedNet", "train_many", "train_net_naive", "train_nets"), ".train.training"),
}

#: Every public name: the keys of :data:`_HOMES` (a literal, for linters and type checkers; a test keeps them equal).
__all__ = [
    "ApproximationScore",
    "Architecture",
    "ArchitectureError",
    "BilinearSurrogate",
    "BinaryProduct",
    "ConfigError",
    "DomainWarning",
    "EncodedSurrogate",
    "ExportError",
    "FORMULATIONS",
    "FormulationError",
    "InfeasibleModelError",
    "IntegerProduct",
    "LinearProduct",
    "ModelFormatError",
    "ModelSize",
    "NonlinearModelError",
    "NumericsWarning",
    "PrecisionWarning",
    "PROTOCOLS",
    "ParameterCount",
    "ReferenceInstance",
    "ReferenceSolve",
    "ReluMLP",
    "ReplacementReport",
    "ReproducibilityWarning",
    "SolveResult",
    "SolverConfig",
    "SolverUnavailableError",
    "StartConfig",
    "StartResult",
    "SurrogateError",
    "SweepConfig",
    "SweepResult",
    "TrainedNet",
    "TrainingProtocol",
    "UnboundedVariableError",
    "UnsupportedComponentError",
    "UnsupportedTermError",
    "activation_start",
    "add_surrogate",
    "all_shapes",
    "bilinear",
    "constant_width_shapes",
    "count_parameters",
    "export_onnx",
    "get_protocol",
    "load_manifest",
    "load_onnx",
    "model_size",
    "read_metadata",
    "reference_instances",
    "refresh_rewrites",
    "replace_products",
    "run_sweep",
    "save_models",
    "score",
    "solve",
    "solve_reference_problems",
    "to_omlt_network",
    "train_many",
    "train_net_naive",
    "train_nets",
]


#: The version of the installed package.
__version__ = _package_version()


def __getattr__(name: str):
    """Import public name ``name`` from its home module on first use, and keep it here (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's attributes with every public name, imported or not (for ``dir()`` and completion)."""
    return sorted({*globals(), *__all__})
