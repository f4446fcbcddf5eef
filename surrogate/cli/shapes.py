"""``surrogate params``, ``architectures`` and ``hand-built``: shapes, their parameter counts, the hand-built nets.

``params`` and ``architectures`` import nothing heavy (no PyTorch, Pyomo or pandas).
"""

from __future__ import annotations

import argparse

from ..nets.architecture import Architecture, all_shapes, check_budget, check_distinct, constant_width_shapes, count_parameters
from ..options import whole_number
from .defaults import sweep_default


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter count of an MLP from its layer sizes, layer by layer; return 0."""
    counts = count_parameters(args.sizes, bias=not args.no_bias)
    print(f"{'layer':>14} {'weights':>10} {'biases':>8} {'total':>10}")
    for layer in counts.layers:
        print(f"{f'{layer.n_in}->{layer.n_out}':>14} {layer.weights:>10} {layer.biases:>8} {layer.total:>10}")
    if args.no_bias:
        print(f"{counts.total} ({counts.weights} weights, biases not counted)")
    else:
        print(f"{counts.total} ({counts.weights} weights + {counts.biases} biases)")
    return 0


def cmd_architectures(args: argparse.Namespace) -> int:
    """Print the shapes of a neuron budget with their parameter counts; return 0."""
    shapes = list(all_shapes(args.budget, max_depth=args.max_depth)) if args.all else constant_width_shapes(args.budget)
    print(f"{'arch':>12} {'depth':>5} {'params':>7} {'weights':>7} {'biases':>6}")
    for arch in shapes:
        c = arch.parameter_count()
        print(f"{arch.name:>12} {arch.depth:>5} {c.total:>7} {c.weights:>7} {c.biases:>6}")
    print(f"{len(shapes)} shapes with {args.budget} hidden neurons")
    return 0


def grid_points(text: str) -> int:
    """``--grid``'s value (an :mod:`argparse` type): an integer of at least 2 points per axis, by the one rule
    of :func:`~surrogate.nets.metrics.check_grid_points`, in its words (0 and 1 are refused alike)."""
    from ..errors import ConfigError
    from ..nets.metrics import check_grid_points

    value = whole_number(text, minimum=None)
    try:
        check_grid_points(value, str(value))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def chosen_shapes(args: argparse.Namespace, who: str) -> list[Architecture]:
    """The shapes of ``--arch``, each once and within a ``--budget`` given beside them, or else the constant-width ones
    of ``--budget`` (default: the sweep's); the one rule of ``hand-built`` and the benchmarks, as ``sweep``'s.

    Raises
    ------
    ConfigError
        A shape given twice (``3x8`` and ``3×8`` are one), or one with more hidden neurons than a given budget.
    """

    if not args.arch:
        return constant_width_shapes(args.budget or sweep_default("budget"))
    parsed = [Architecture.parse(name) for name in args.arch]  # a typo is refused before any work
    check_distinct(parsed, f"{who}: --arch ")
    if args.budget is not None:  # as sweep does: --budget 12 beside --arch 3x8 was ignored
        check_budget(parsed, args.budget, who)
    return parsed


def cmd_hand_built(args: argparse.Namespace) -> int:
    """Print the hand-built nets' cells, closed-form bound and grid errors; export or save them if asked; return 0.

    Every file is written before anything is printed: a reader that goes away (``| head``) loses no export.
    """
    from ..nets.construct import VARIANTS, check_active_margin
    from ..nets.metrics import check_grid_points

    archs = [a.name for a in chosen_shapes(args, "hand-built")]  # canonical: '3×8' and ' 3X8' name one file, 3x8
    check_grid_points(args.grid, f"--grid {args.grid}")  # a Namespace not parsed (grid_points): before the header
    if args.active_margin is not None:
        check_active_margin(args.active_margin, f"--active-margin {args.active_margin:g}")
    margin = {} if args.active_margin is None else {"active_margin": args.active_margin}
    variants = [args.variant] if args.variant else list(VARIANTS)
    lines = [
        f"{'arch':>8} {'variant':>8} {'cells u/v':>10} {'bound':>10} {'max_err':>10} {'mae':>10}   (grid {args.grid}x{args.grid})"
    ]
    lines += _hand_built_rows(args, archs, variants, margin)
    if args.save_models:
        from ..experiments.zoo_store import save_hand_built

        saved = save_hand_built(archs, args.save_models, variants=variants, **margin)
        lines.append(f"saved {len(saved)} hand-built nets to {args.save_models}/ (manifest.json updated)")
    print("\n".join(lines))
    return 0


def _hand_built_rows(args: argparse.Namespace, archs: list[str], variants: list[str], margin: dict) -> list[str]:
    """The table's row of each shape and variant (exported to ``--export`` as it is built)."""
    from ..errors import ArchitectureError
    from ..nets.construct import hand_built, plan
    from ..nets.metrics import score
    from ..nets.onnx_io import export_onnx

    lines = []
    for name in archs:
        for variant in variants:
            try:
                p = plan(name, variant)
            except ArchitectureError as exc:
                if not args.fitting_only:
                    lines.append(f"{name:>8} {variant:>8}   does not fit: {str(exc).split(': ', 1)[-1]}")
                continue
            net = hand_built(name, variant, **margin)
            s = score(net, n=args.grid)
            cells = f"{p.cells('u')}/{p.cells('v')}"
            lines.append(f"{name:>8} {variant:>8} {cells:>10} {p.error_bound:>10.3e} {s.max_error:>10.3e} {s.mae:>10.3e}")
            if args.export:
                export_onnx(net, args.export / f"{name}-hand-built-{variant}.onnx", metadata={"error_bound": p.error_bound})
    return lines
