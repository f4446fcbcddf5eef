"""Fixed-input solves: the MILP's output must equal onnxruntime's for every formulation."""

import numpy as np
import onnxruntime as ort
import pyomo.environ as pyo
import pytest

from surrogate import FORMULATIONS, add_surrogate, export_onnx, solve
from surrogate.construct import hand_built
from surrogate.solver import make_solver

from ..conftest import random_net

pytestmark = pytest.mark.solver

SHAPES = {"1x24": (24,), "3x8": (8, 8, 8), "6x4": (4,) * 6}
HAND_BUILT = {"hand-shared-3x8": ("3x8", "shared"), "hand-paired-4x6": ("4x6", "paired")}
POINTS = 100


@pytest.fixture(scope="module")
def onnx_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exact")
    files = {name: export_onnx(random_net(hidden, seed=i), folder / f"{name}.onnx") for i, (name, hidden) in enumerate(SHAPES.items())}
    files.update({name: export_onnx(hand_built(*spec), folder / f"{name}.onnx") for name, spec in HAND_BUILT.items()})
    return files


@pytest.mark.parametrize("formulation", FORMULATIONS)
@pytest.mark.parametrize("shape", sorted(SHAPES) + sorted(HAND_BUILT))
def test_fixed_inputs_reproduce_onnxruntime(onnx_files, solver_config, formulation, shape):
    path = onnx_files[shape]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    points = np.random.default_rng(11).uniform(-1, 1, (POINTS, 2))
    expected = session.run(None, {session.get_inputs()[0].name: points.astype(np.float32)})[0][:, 0]

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 1))
    m.y = pyo.Var(bounds=(-1, 1))
    enc = add_surrogate(m, path, [m.x, m.y], formulation=formulation)
    m.obj = pyo.Objective(expr=enc.output)
    solver = make_solver(solver_config)
    got = []
    for x, y in points:
        m.x.fix(float(x))
        m.y.fix(float(y))
        result = solve(m, solver_config, solver=solver)
        assert result.optimal, result
        got.append(pyo.value(enc.output))
        assert enc.get_error().vs_net <= 1e-6
    assert np.abs(np.array(got) - expected).max() <= 1e-5
