"""Training ReLU MLPs for x*y in PyTorch, many nets at once: the entry points.

The work is split by meaning; every name stays importable from here:

* :mod:`surrogate.train.initialisation`: seeds, training points and initial weights
  (:func:`candidate_seed`, :func:`draw_data_and_init`, :func:`target`);
* :mod:`surrogate.train.trained`: :class:`TrainedNet` and :func:`keep_start_if_better`;
* :mod:`surrogate.train.packed`: many nets as one computation, with a
  hand-written backward pass and a flat Adam (:func:`train_packed`, :func:`train_nets`);
* :mod:`surrogate.train.packing`: which shapes share a computation
  (:func:`plan_packs`, :func:`pack_groups`);
* :mod:`surrogate.train.fan_out`: packs spread over processes
  (:func:`run_packs`, :func:`train_many`);
* :mod:`surrogate.train.textbook`: the textbook loop (:func:`train_net_naive`).

Every random draw of a net comes from its own ``torch.Generator`` seeded with
the net's seed, in a fixed order (data, initial weights, one permutation per
epoch), so a net trained alone (:func:`train_net_naive`, the textbook loop)
or packed with others gets the same weights up to float rounding.
"""

from __future__ import annotations

from .fan_out import run_packs, train_many
from .initialisation import candidate_seed, check_seeds, draw_data_and_init, target
from .packed import train_nets, train_packed
from .packing import pack_groups, plan_packs
from .textbook import train_net_naive
from .trained import TrainedNet, keep_start_if_better

__all__ = [
    "TrainedNet",
    "candidate_seed",
    "check_seeds",
    "draw_data_and_init",
    "keep_start_if_better",
    "pack_groups",
    "plan_packs",
    "run_packs",
    "target",
    "train_many",
    "train_net_naive",
    "train_nets",
    "train_packed",
]
