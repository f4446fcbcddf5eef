"""``surrogate bounds``: stable and unstable neurons and the big-M width of nets, by bound method."""

from __future__ import annotations

import argparse

from .defaults import default_surrogate


def cmd_bounds(args: argparse.Namespace) -> int:
    """Print the bound summary of each net and method, or compute and store those of a zoo (``--store-zoo``); return 0."""
    import pandas as pd

    from ..experiments.zoo_store import store_bounds
    from ..milp.bilinear import resolve_surrogate
    from ..milp.bounds import BOUND_METHODS, compute_bounds

    limits = {"time_limit": args.time_limit, "node_limit": args.node_limit}
    if args.store_zoo:
        rows = store_bounds(args.store_zoo, names=args.nets or None, **limits)
        print(f"bounds of {len({r['name'] for r in rows})} nets stored in their ONNX files in {args.store_zoo}/")
    else:
        rows = []
        for name in args.nets or [default_surrogate()]:
            net = resolve_surrogate(name)
            for method in BOUND_METHODS:
                rows.append({"name": name, **compute_bounds(net, method, **limits).summary()})
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(
        "stable_active: linear in the MILP; stable_inactive: removed; unstable: l < 0 < u, one binary each where it "
        "can change the output (the pruned encoding drops the others); "
        "bigm_width: sum of u - l over unstable neurons (seconds: computed fresh here); capped: OBBT solves stopped "
        "by a limit (bounds valid, looser), timed_out: of those, stopped by --time-limit (bounds depend on load)"
    )
    return 0
