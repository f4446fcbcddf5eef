"""Replace a product x*y in a Pyomo model by a ReLU surrogate, on any box.

A net trained on [-1, 1]^2 serves every box exactly: with ``x = a*xh + b`` and
``y = c*yh + d`` (``xh, yh`` in [-1, 1]),

.. math::

    x y = a c \\, \\hat x \\hat y + a d \\, \\hat x + b c \\, \\hat y + b d,

so ``z = a c N(xh, yh) + a d xh + b c yh + b d`` and the surrogate's error on
the box is ``|a c|`` times its error on [-1, 1]^2. A square ``x*x`` is the
same with ``yh = xh``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyomo.environ as pyo

from .baselines import is_baseline
from .encoding import DEFAULT_FORMULATION, ModelSize, add_surrogate, model_size
from .errors import ModelFormatError, SurrogateError
from .network import ReluMLP

DEFAULT_ZOO = Path(__file__).resolve().parent.parent / "models"


class UnboundedVariableError(SurrogateError, ValueError):
    """A factor of a product has no finite bounds, so no box can be mapped onto [-1, 1]^2."""


def finite_bounds(var) -> tuple[float, float]:
    """Finite ``(lb, ub)`` of ``var``, or :class:`UnboundedVariableError` naming it and the fix."""
    lb, ub = var.lb, var.ub
    if lb is None or ub is None or not (math.isfinite(lb) and math.isfinite(ub)):
        raise UnboundedVariableError(
            f"variable {var.name!r} has bounds ({lb}, {ub}); a surrogate of a product needs finite bounds on "
            f"both factors: bound it, e.g. {var.name}.setlb(...) and {var.name}.setub(...)"
        )
    if lb > ub:
        raise UnboundedVariableError(f"variable {var.name!r} has lower bound {lb} above upper bound {ub}; fix its bounds")
    return float(lb), float(ub)


def resolve_surrogate(surrogate: ReluMLP | str | os.PathLike, *, zoo: str | os.PathLike = DEFAULT_ZOO) -> ReluMLP:
    """A :class:`ReluMLP` from a net, an ONNX path, or a zoo name such as ``'3x8'`` or ``'b24-best-3x8'``.

    A bare shape picks the zoo's lowest-MAE net of that shape.
    """
    from .onnx_io import load_onnx
    from .zoo import load_manifest

    if isinstance(surrogate, ReluMLP):
        return surrogate
    if isinstance(surrogate, os.PathLike) or (isinstance(surrogate, str) and surrogate.endswith(".onnx")):
        return load_onnx(surrogate)
    if not isinstance(surrogate, str):
        raise ModelFormatError(
            f"cannot use {type(surrogate).__name__} as a surrogate; pass a ReluMLP, an ONNX path or a zoo name like '3x8'"
        )
    models = load_manifest(zoo)["models"]
    matches = [m for m in models if m["name"] == surrogate] or [m for m in models if m["architecture"] == surrogate]
    if not matches:
        shapes = sorted({m["architecture"] for m in models})
        raise ModelFormatError(
            f"no zoo model named {surrogate!r} in {zoo}; use a shape ({', '.join(shapes)}), a model name from "
            "manifest.json, or an ONNX path"
        )
    best = min(matches, key=lambda m: m["mae"])
    return load_onnx(Path(zoo) / best["file"])


@dataclass(frozen=True)
class ProductError:
    """Errors of a solved surrogate product at the current variable values.

    ``net_z`` is what the approximation itself gives at ``(x, y)``, mapped back
    to the box (``nan`` for a relaxation, whose ``z`` is not a function of ``(x, y)``).
    """

    x: float
    y: float
    z: float
    net_z: float
    true_product: float

    @property
    def vs_product(self) -> float:
        """|z - x*y|: what the optimiser is off by."""
        return abs(self.z - self.true_product)

    @property
    def vs_net(self) -> float:
        """|z - the real net mapped back|: the encoding's own error (solver tolerance)."""
        return abs(self.z - self.net_z)


class EncodedBaseline:
    """A classic approximation of ``x*y`` on [-1, 1]^2 added to a block (see :mod:`surrogate.baselines`)."""

    def __init__(self, block, baseline, inputs):
        self.block, self.baseline, self.inputs = block, baseline, tuple(inputs)
        self.output = baseline.add(block, *self.inputs)

    def size(self) -> ModelSize:
        return model_size(self.block)

    def evaluate(self, xh: float, yh: float) -> float:
        """The approximation at ``(xh, yh)`` (``nan`` for a relaxation)."""
        if self.baseline.evaluate is None:
            return math.nan
        return float(self.baseline.evaluate(np.array([xh]), np.array([yh]))[0])


class BilinearSurrogate:
    """``z ≈ x*y`` added to a model by :func:`bilinear`.

    Attributes
    ----------
    expr
        The Pyomo expression for z (affine in the approximation's output).
    encoded
        The approximation on [-1, 1]^2: an :class:`~surrogate.encoding.EncodedSurrogate`
        (a net) or an :class:`EncodedBaseline`.
    scale
        ``a*c``: the approximation's error on [-1, 1]^2 is multiplied by ``|scale|`` on the box.
    """

    def __init__(self, x, y, encoded, box: tuple[float, float, float, float]):
        self.x, self.y, self.encoded = x, y, encoded
        lx, ux, ly, uy = box
        self.a, self.b = (ux - lx) / 2, (ux + lx) / 2
        self.c, self.d = (uy - ly) / 2, (uy + ly) / 2
        self.scale = self.a * self.c
        xh, yh = encoded.inputs
        self.expr = self.scale * encoded.output + self.a * self.d * xh + self.b * self.c * yh + self.b * self.d

    def size(self) -> ModelSize:
        return self.encoded.size()

    def scaled(self, x: float, y: float) -> tuple[float, float]:
        """``(xh, yh)`` in [-1, 1]^2 for ``(x, y)`` on the box (0 for a fixed factor)."""
        return ((x - self.b) / self.a if self.a else 0.0, (y - self.d) / self.c if self.c else 0.0)

    def map_back(self, net_output: float, x: float, y: float) -> float:
        """``z`` for an approximation output at the scaled point of ``(x, y)``."""
        xh, yh = self.scaled(x, y)
        return self.scale * net_output + self.a * self.d * xh + self.b * self.c * yh + self.b * self.d

    def get_error(self) -> ProductError:
        x, y = pyo.value(self.x, exception=False), pyo.value(self.y, exception=False)
        z = pyo.value(self.expr, exception=False)
        if x is None or y is None or z is None:
            raise ModelFormatError(f"product {self.x.name}*{self.y.name} has no values yet; solve the model first")
        own = self.encoded.evaluate(*self.scaled(x, y))
        return ProductError(float(x), float(y), float(z), self.map_back(own, x, y), float(x * y))


def _resolve(surrogate, zoo):
    """A baseline object as it is, else the net behind a net/path/zoo name."""
    return surrogate if is_baseline(surrogate) else resolve_surrogate(surrogate, zoo=zoo)


def bilinear(
    model,
    x,
    y,
    surrogate: ReluMLP | str | os.PathLike = "3x8",
    *,
    formulation: str = DEFAULT_FORMULATION,
    name: str | None = None,
    zoo: str | os.PathLike = DEFAULT_ZOO,
) -> BilinearSurrogate:
    """Add ``z ≈ x*y`` to ``model`` through a ReLU surrogate (or a classic baseline) and return it.

    Parameters
    ----------
    model
        A Pyomo model or block; the encoding is added as a sub-block.
    x, y
        Pyomo variables with finite bounds (``y`` may be ``x`` for a square).
    surrogate
        A :class:`ReluMLP`, an ONNX path, a zoo name (``'3x8'``), or a
        baseline from :mod:`surrogate.baselines` (e.g. ``Sawtooth(24)``).
    formulation
        How a net is encoded: ``'pruned'`` (default), ``'bigm'``,
        ``'partition'`` or ``'fullspace'``; ignored for baselines.
    name
        Name of the new block (default: ``surrogate_<x>_<y>``, made unique).
    """
    box = (*finite_bounds(x), *finite_bounds(y))
    approx = _resolve(surrogate, zoo)
    base = name or "surrogate_" + "_".join(
        "".join(ch if ch.isalnum() else "_" for ch in v.name) for v in (x, y)
    )
    block_name, k = base, 1
    while model.component(block_name) is not None or model.component(block_name + "_scaled") is not None:
        k += 1
        block_name = f"{base}_{k}"
    lx, ux, ly, uy = box
    a, b, c, d = (ux - lx) / 2, (ux + lx) / 2, (uy - ly) / 2, (uy + ly) / 2
    scaled = pyo.Block()
    model.add_component(block_name + "_scaled", scaled)
    scaled.xh = pyo.Var(bounds=(-1, 1))
    scaled.yh = pyo.Var(bounds=(-1, 1))
    # x = a*xh + b; a fixed (zero-width) factor pins its scaled value to 0.
    scaled.map_x = pyo.Constraint(expr=x == a * scaled.xh + b) if a else pyo.Constraint(expr=scaled.xh == 0)
    if y is x:
        scaled.map_y = pyo.Constraint(expr=scaled.yh == scaled.xh)
    else:
        scaled.map_y = pyo.Constraint(expr=y == c * scaled.yh + d) if c else pyo.Constraint(expr=scaled.yh == 0)
    if is_baseline(approx):
        block = pyo.Block()
        model.add_component(block_name, block)
        encoded = EncodedBaseline(block, approx, [scaled.xh, scaled.yh])
    else:
        encoded = add_surrogate(model, approx, [scaled.xh, scaled.yh], formulation=formulation, name=block_name)
    return BilinearSurrogate(x, y, encoded, box)


class UnsupportedTermError(SurrogateError, ValueError):
    """A model term is neither linear nor a product of two variables."""


@dataclass(frozen=True)
class ReplacementReport:
    """What :func:`replace_products` did.

    ``products`` maps each distinct variable pair (by name) to its surrogate;
    ``terms`` counts the product terms replaced across the objective and
    constraints; ``components`` names the objective and constraints rewritten.
    """

    products: dict
    terms: int
    components: tuple[str, ...]

    @property
    def n_products(self) -> int:
        return len(self.products)

    def size(self) -> ModelSize:
        sizes = [p.size() for p in self.products.values()]
        return ModelSize(sum(s.variables for s in sizes), sum(s.binaries for s in sizes), sum(s.constraints for s in sizes))


def _quadratic_parts(expr, where: str):
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(expr, quadratic=True, compute_values=True)
    if repn.nonlinear_expr is not None:
        raise UnsupportedTermError(
            f"{where} has a term that is not linear or a product of two variables ({repn.nonlinear_expr}); "
            "only degree-2 polynomial terms can be replaced by x*y surrogates: rewrite it with auxiliary variables"
        )
    return repn


def rewrite_products(model, block_name: str, make_product) -> ReplacementReport:
    """Rewrite every degree-2 term of ``model``'s active objective and constraints (in place).

    ``make_product(block, x, y)`` returns an object whose ``.expr`` stands for
    ``x*y``; it is called once per distinct pair. Rewritten components are
    deactivated and replaced by new ones in the block ``model.<block_name>``.
    Nothing is changed if any term cannot be handled.
    """
    if model.component(block_name) is not None:
        raise ModelFormatError(f"{model.name!r} already has a block {block_name!r}; start from the exact model")
    targets = []
    for obj in model.component_data_objects(pyo.Objective, active=True, descend_into=True):
        targets.append(("objective", obj, _quadratic_parts(obj.expr, f"objective {obj.name!r}")))
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        targets.append(("constraint", con, _quadratic_parts(con.body, f"constraint {con.name!r}")))
    for _, _, repn in targets:  # check every factor before changing anything
        for v1, v2 in repn.quadratic_vars:
            finite_bounds(v1), finite_bounds(v2)
    block = pyo.Block()
    model.add_component(block_name, block)
    block.objectives = pyo.ObjectiveList()
    block.constraints = pyo.ConstraintList()
    products: dict = {}
    terms = 0
    touched = []
    for kind, comp, repn in targets:
        if not repn.quadratic_vars:
            continue
        expr = repn.constant + sum(c * v for c, v in zip(repn.linear_coefs, repn.linear_vars))
        for coef, (v1, v2) in zip(repn.quadratic_coefs, repn.quadratic_vars):
            key = tuple(sorted((v1.name, v2.name)))
            if key not in products:
                products[key] = make_product(block, v1, v2)
            expr = expr + coef * products[key].expr
            terms += 1
        touched.append(comp.name)
        comp.deactivate()
        if kind == "objective":
            block.objectives.add(expr=expr, sense=comp.sense)
        else:
            block.constraints.add((comp.lower, expr, comp.upper))
    return ReplacementReport(products, terms, tuple(touched))


def replace_products(
    model,
    surrogate: ReluMLP | str | os.PathLike = "3x8",
    *,
    formulation: str = DEFAULT_FORMULATION,
    zoo: str | os.PathLike = DEFAULT_ZOO,
) -> ReplacementReport:
    """Replace every product of two variables in ``model`` by a surrogate (in place).

    The active objective and constraints are read as
    ``constant + linear + sum q_ij x_i x_j``; each distinct pair ``(x_i, x_j)``
    gets one :func:`bilinear` surrogate, shared by every term that uses it.
    Rewritten components are deactivated and replaced by linear ones in the
    block ``model.surrogate_replacement``.

    Raises
    ------
    UnsupportedTermError
        A term of degree above 2 or another nonlinearity.
    UnboundedVariableError
        A factor of a product without finite bounds.
    """
    approx = _resolve(surrogate, zoo)
    return rewrite_products(
        model, "surrogate_replacement", lambda block, x, y: bilinear(block, x, y, approx, formulation=formulation)
    )
