"""surrogate: budget-sized ReLU surrogates of x*y for mixed-integer optimisation.

Everything the ``surrogate`` command does is available here::

    from surrogate import Architecture, SweepConfig, run_sweep, bilinear
    result = run_sweep(SweepConfig(budget=24), "results/sweep")
    print(result.render())
    z = bilinear(model, model.x, model.y, "3x8")   # z.expr ~ x*y on any box
"""

from .reproducible import pin_math_paths

pin_math_paths()  # before anything runs a torch operation: the same training numbers on every x86-64 CPU

from .errors import (
    ArchitectureError,
    ConfigError,
    ExportError,
    FormulationError,
    ModelFormatError,
    NonlinearModelError,
    NumericsWarning,
    SolverUnavailableError,
    SurrogateError,
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
from .milp.encoding import FORMULATIONS, EncodedSurrogate, ModelSize, add_surrogate, model_size, to_omlt_network
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

__all__ = [
    "FORMULATIONS",
    "PROTOCOLS",
    "ApproximationScore",
    "BilinearSurrogate",
    "LinearProduct",
    "ReplacementReport",
    "UnboundedVariableError",
    "UnsupportedTermError",
    "bilinear",
    "replace_products",
    "Architecture",
    "ArchitectureError",
    "ConfigError",
    "EncodedSurrogate",
    "ExportError",
    "FormulationError",
    "ModelFormatError",
    "ModelSize",
    "NonlinearModelError",
    "NumericsWarning",
    "ParameterCount",
    "ReferenceInstance",
    "ReferenceSolve",
    "ReluMLP",
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
    "activation_start",
    "add_surrogate",
    "all_shapes",
    "constant_width_shapes",
    "count_parameters",
    "export_onnx",
    "get_protocol",
    "load_manifest",
    "load_onnx",
    "model_size",
    "read_metadata",
    "reference_instances",
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
