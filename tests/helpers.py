"""Helpers shared by the tests: random nets and hand-made ONNX graphs (imported as ``tests.helpers``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
from onnx import helper, numpy_helper

from surrogate import ReluMLP

#: The MILP solver of every test that solves (the name lives here and nowhere else in the tests).
SOLVER = "highs"


def random_net(hidden, *, seed: int = 0, n_inputs: int = 2) -> ReluMLP:
    """A ReLU MLP with random (not trained) weights; biases non-zero."""
    rng = np.random.default_rng(seed)
    sizes = (n_inputs, *hidden, 1)
    weights = tuple(rng.normal(0, 1, (a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:]))
    biases = tuple(rng.normal(0, 0.3, b) for b in sizes[1:])
    return ReluMLP(weights, biases)


def save_graph(
    path,
    nodes,
    weights: dict,
    *,
    dtype=np.float32,
    keep_ints: bool = False,
    inputs=(("x", ["batch", 2]),),
    outputs=(("y", ["batch", 1]),),
    opset: int | dict = 17,
    ir_version: int = 8,
    domain=None,
    metadata: dict | None = None,
    check: bool = False,
) -> Path:
    """Write the hand-made ONNX graph of ``nodes`` (``onnx.helper`` nodes) at ``path``; return ``Path(path)``.

    Parameters
    ----------
    weights
        The initializers, name -> array (or list, or number), stored in this order.
    dtype
        The numpy type the weights are stored as (booleans stay booleans), and the element type of the inputs and
        outputs (float32: FLOAT, float64: DOUBLE).
    keep_ints
        Integer weights (shapes, axes, indices) keep their own type; by default they are stored as ``dtype`` too.
    inputs, outputs
        ``(name, shape)`` or ``(name, shape, element type)`` per tensor; a shape of ``None`` is an unknown shape.
    opset
        The default domain's opset, or ``{domain: version}`` for several.
    ir_version
        The file's IR version.
    domain
        The box written as the ``surrogate.domain`` metadata (JSON); ``None``: none.
    metadata
        More metadata, key -> string, written after the domain.
    check
        Run ``onnx.checker.check_model`` on the model before it is saved.
    """
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def stored(value) -> np.ndarray:
        array = np.asarray(value)
        return array if array.dtype == bool or (keep_ints and array.dtype.kind in "iu") else array.astype(dtype)

    def value_infos(specs):
        return [helper.make_tensor_value_info(name, elem if not kind else kind[0], shape) for name, shape, *kind in specs]

    tensors = [numpy_helper.from_array(stored(v), k) for k, v in weights.items()]
    graph = helper.make_graph(nodes, "net", value_infos(inputs), value_infos(outputs), tensors)
    opsets = [helper.make_opsetid(name, version) for name, version in (opset if isinstance(opset, dict) else {"": opset}).items()]
    model = helper.make_model(graph, opset_imports=opsets, ir_version=ir_version)
    props = {} if domain is None else {"surrogate.domain": json.dumps(domain)}
    for key, value in {**props, **(metadata or {})}.items():
        model.metadata_props.add(key=key, value=value)
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return Path(path)


def write_onnx_graph(path, *, activation="Relu", n_inputs=2, n_outputs=1, hidden=3) -> str:
    """Write a hand-made ONNX MLP ``n_inputs -> hidden -> n_outputs`` with the given activation."""
    rng = np.random.default_rng(1)
    weights = {
        "w1": rng.normal(size=(hidden, n_inputs)),
        "b1": rng.normal(size=hidden),
        "w2": rng.normal(size=(n_outputs, hidden)),
        "b2": rng.normal(size=n_outputs),
    }
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
        helper.make_node(activation, ["h"], ["a"]),
        helper.make_node("Gemm", ["a", "w2", "b2"], ["y"], transB=1),
    ]
    save_graph(path, nodes, weights, inputs=(("x", ["batch", n_inputs]),), outputs=(("y", ["batch", n_outputs]),))
    return str(path)


TINY_SWEEP_TABLE = pd.DataFrame(
    {
        "arch": ["1x4", "1x4", "2x2"],
        "source": ["trained", "hand-paired", "trained"],
        "depth": [1, 1, 2],
        "params": [17, 17, 15],
        "mae_best": [0.0123, 0.0209, 0.0456],
        "mae_median": [0.0131, 0.0209, 0.0471],
        "max_err_best": [0.0987, 0.0625, 0.211],
        "collapsed": ["0/2", "0/1", "0/2"],
        "best_seed": [1, -1, 1],
        "solve_median_s": [0.0531, 0.0412, 0.0777],
        "blog_mae": [np.nan, np.nan, np.nan],
    }
)

MARKED_DOC = """# Results

Measured with `surrogate sweep --out results/sweep`:

<!-- table: table source=sweep -->
```text
arch source  mae_best
1x4  trained 9.99e-01
```
<!-- /table -->

A hand-kept table that must stay as it is:

| a | b |
|---|---|
| 1 | 2 |
"""


def tiny_sweep_folder(folder: Path) -> Path:
    """A tiny sweep folder for the report and docs tests: config.json, table.csv and nets.csv (no nets: the docs need only the table)."""
    folder.mkdir(parents=True)
    config = {
        "budget": 4,
        "architectures": ["1x4", "2x2"],
        "protocol": {"name": "seed"},
        "seeds": [0, 1],
        "formulation": "pruned",
        "instances": 3,
        "solver": {},
    }
    (folder / "config.json").write_text(json.dumps({"config": config}))
    TINY_SWEEP_TABLE.to_csv(folder / "table.csv", index=False)
    nets = pd.DataFrame(  # one net per row of the table: the report checks the two against each other
        [
            ("1x4", "trained", 1, 0, "1x4-seed0.onnx", 0.0123, 0.0987, 0.01),
            ("1x4", "hand-paired", 1, -1, "1x4-hand-built-paired.onnx", 0.0209, 0.0625, 0.02),
            ("2x2", "trained", 2, 0, "2x2-seed0.onnx", 0.0456, 0.211, 0.04),
        ],
        columns=["arch", "source", "depth", "seed", "file", "mae", "max_error", "val_mae"],
    )
    nets.to_csv(folder / "nets.csv", index=False)
    return folder


def assert_start_is_a_milp_solution(model, report, objective: float) -> None:
    """The point loaded in ``model`` is a solution of its surrogate MILP, with ``objective``, every copy on its net's graph."""
    import pyomo.environ as pyo
    import pytest

    from surrogate.milp.polish_result import max_violation

    binaries = [v for v in model.component_data_objects(pyo.Var) if v.is_binary()]
    assert binaries and all(v.value in (0.0, 1.0) for v in binaries)
    assert max_violation(model) <= 1e-6
    assert pyo.value(next(model.component_data_objects(pyo.Objective, active=True))) == pytest.approx(objective, abs=1e-6)
    for product in report.products.values():  # each copy sits on the real net's graph
        assert product.encoded.get_error().vs_net <= 1e-6


def skip_unless_runnable(name: str) -> None:
    """Skip the test unless MILP solver ``name`` can run here (HiGHS always can; SCIP and Gurobi are optional)."""
    import pytest

    from surrogate.milp.solver_backends import BACKENDS, available_solvers

    if name == "highs":
        return
    pytest.importorskip(BACKENDS[name].package, reason=f"{name} is optional: the '{name}' extra (pip install -e '.[{name}]')")
    if name not in available_solvers():
        pytest.skip(f"{name} is installed but Pyomo cannot run it here (no licence?)")


def expression_range(model, expr) -> tuple[float, float]:
    """``(min, max)`` of ``expr`` over ``model``'s constraints, each proved optimal (its variables fixed where a test fixed them)."""
    import pyomo.environ as pyo

    from surrogate import SolverConfig, solve

    ends = []
    for sense in (pyo.minimize, pyo.maximize):
        model.range_objective = pyo.Objective(expr=expr, sense=sense)
        result = solve(model, SolverConfig(time_limit=20.0, rel_gap=1e-9, threads=1))
        assert result.optimal
        ends.append(result.objective)
        model.del_component(model.range_objective)
    return tuple(ends)


def placed_net(net, box) -> ReluMLP:
    """``net`` (of x*y on [-1, 1]^2) placed exactly on ``box``: the input map folded in, two carry units for the offsets."""
    (p, q), (r, s) = box
    half, centre = np.array([(q - p) / 2, (s - r) / 2]), np.array([(p + q) / 2, (r + s) / 2])
    w, b = [np.array(x) for x in net.weights], [np.array(x) for x in net.biases]
    ws = [np.hstack([w[0] / half[:, None], np.diag(1 / half)])]
    bs = [np.concatenate([b[0] - (centre / half) @ w[0], 1 - centre / half])]  # carries relu(u + 1) >= 0
    for wk, bk in zip(w[1:-1], b[1:-1]):
        ws.append(np.block([[wk, np.zeros((len(wk), 2))], [np.zeros((2, wk.shape[1])), np.eye(2)]]))
        bs.append(np.concatenate([bk, [0.0, 0.0]]))
    ws.append(np.vstack([half.prod() * w[-1], [[half[0] * centre[1]], [centre[0] * half[1]]]]))
    bs.append(half.prod() * b[-1] - half[0] * centre[1] - centre[0] * half[1] + centre.prod())
    return ReluMLP(tuple(ws), tuple(bs), {"domain": [list(map(float, side)) for side in box]})


def external_data_net(folder: Path):
    """``(path, save)``: ``folder/net.onnx`` of the hand-built 2x6 paired net (the shipped zoo's file: torch's exporter
    takes seconds a net), its weights in ``net.onnx.data``; ``save(scale)`` writes it with every weight times ``scale``
    and returns the ``.onnx`` file's bytes (the same for every scale: only the data file changes)."""
    from importlib.resources import files

    path, proto = folder / "net.onnx", onnx.load(str(files("surrogate.models") / "b12-hand-paired-2x6.onnx"))
    arrays = [numpy_helper.to_array(tensor) for tensor in proto.graph.initializer]

    def save(scale: float) -> bytes:  # onnx.save moves the tensors' data out of the proto: set it from the arrays
        for tensor, array in zip(proto.graph.initializer, arrays, strict=True):
            tensor.CopyFrom(numpy_helper.from_array(array * np.float32(scale), tensor.name))
        (folder / "net.onnx.data").unlink(missing_ok=True)
        onnx.save(proto, path, save_as_external_data=True, location="net.onnx.data", size_threshold=0)
        return path.read_bytes()

    return path, save


def far_rounding_onnx(path: Path, centre: float, *, domain=None) -> Path:
    """A float32 ONNX net (a 2-16-1 ReLU MLP) whose first layer's terms near ``(centre, centre)`` are of ``centre``'s
    size and cancel (``(1000 x) @ (W / 1000) + b - c``, ``c = centre * W.sum(0)``): onnxruntime's own float32 rounding
    of them (of ``1000 x`` too, which the parse folds into the weight) is 1e-3 of its values there (so :func:`~surrogate.nets.onnx_check.check_import` refuses it on a box near
    ``centre``), while on [-1, 1]^2 the values are of ``centre``'s size and it is read within 1e-4 of them. ``domain``:
    the box written as its ``surrogate.domain`` (``None``: none)."""
    rng = np.random.default_rng(5)
    w0, b0, w1, b1 = rng.normal(size=(2, 16)), rng.normal(size=16), rng.normal(size=(16, 1)) / 4, rng.normal(size=1)
    weights = {"k": [1000.0], "W0": w0 / 1000, "B0": b0, "c": centre * w0.sum(0), "W1": w1, "B1": b1}
    nodes = [
        helper.make_node("Mul", ["x", "k"], ["xk"]),
        helper.make_node("Gemm", ["xk", "W0", "B0"], ["g"]),
        helper.make_node("Sub", ["g", "c"], ["p"]),
        helper.make_node("Relu", ["p"], ["r"]),
        helper.make_node("Gemm", ["r", "W1", "B1"], ["y"]),
    ]
    return save_graph(path, nodes, weights, inputs=(("x", ["b", 2]),), outputs=(("y", ["b", 1]),), domain=domain)


def activation_onnx(path: Path, activation: list, initializers: dict | None = None, *, batch="batch") -> Path:
    """A float32 2-8-1 net ``x -> MatMul+Add -> h -> activation -> r -> MatMul+Add -> y`` at ``path``, its
    ``activation`` nodes (``onnx.helper`` nodes from ``h`` to ``r``) and their ``initializers`` (name -> array, stored
    as float32 but for booleans) given;
    ``batch``: the input's first dimension (an int: a fixed batch)."""
    rng = np.random.default_rng(6)
    weights = {"W1": rng.normal(size=(2, 8)), "B1": rng.normal(size=8), "W2": rng.normal(size=(8, 1)), "B2": rng.normal(size=1)}
    nodes = [
        helper.make_node("MatMul", ["x", "W1"], ["m1"]),
        helper.make_node("Add", ["m1", "B1"], ["h"]),
        *activation,
        helper.make_node("MatMul", ["r", "W2"], ["m2"]),
        helper.make_node("Add", ["m2", "B2"], ["y"]),
    ]
    weights = {**weights, **(initializers or {})}
    return save_graph(path, nodes, weights, inputs=(("x", [batch, 2]),), outputs=(("y", [batch, 1]),))


def market_split_model(seed: int = 0):
    """A Pyomo market-split instance (4 rows, 30 binaries, the rows' targets half their sums): far beyond any solver's
    first seconds, for tests that stop a solve while it runs."""
    import pyomo.environ as pyo

    a, m = np.random.default_rng(seed).integers(0, 100, size=(4, 30)), pyo.ConcreteModel()
    m.x = pyo.Var(range(a.shape[1]), domain=pyo.Binary)
    m.up = pyo.Var(range(a.shape[0]), bounds=(0, 1000))
    m.down = pyo.Var(range(a.shape[0]), bounds=(0, 1000))
    m.rows = pyo.Constraint(
        range(a.shape[0]),
        rule=lambda m, i: sum(int(c) * m.x[j] for j, c in enumerate(a[i])) + m.up[i] - m.down[i] == int(a[i].sum()) // 2,
    )
    m.obj = pyo.Objective(expr=sum(m.up[i] + m.down[i] for i in m.up))
    return m
