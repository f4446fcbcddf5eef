"""One code path for PyTorch's CPU math on every x86-64 machine, so training gives the same numbers anywhere.

Training is a long chain of float32 matrix products (Intel MKL) and
element-wise updates (ATen's vectorised kernels). Both pick their code path
from the CPU: MKL takes its AVX-512 kernels on an Intel CPU that has them and
its AVX2 kernels elsewhere, and its default mode may even change the summation
order with memory alignment; ATen takes AVX-512, AVX2 or plain kernels (with
or without fused multiply-adds). Different paths round differently, and 100
epochs of Adam turn one rounding into another net: the `seed` protocol's 1x24
grid MAE was 3.72e-3 on one machine and 3.45e-3 on an AVX-512 one.

:func:`pin_math_paths` fixes both before PyTorch runs its first operation:

* ``MKL_CBWR=AVX2,STRICT``: MKL's conditional numerical reproducibility
  mode with its AVX2 code path, independent of memory alignment;
* ``ATEN_CPU_CAPABILITY=avx2``: ATen's AVX2 kernels.

Every x86-64 CPU with AVX2 (Intel since 2013, AMD since 2015) then computes the
same bits, except Intel CPUs with AVX-512, where the pinned paths still give other
bits (a known defect; ``tests/train/test_reproducible.py`` expects its checks to fail there). Importing :mod:`surrogate.nets` or :mod:`surrogate.train`, the
packages whose modules run torch code, calls it (every other module that runs
torch code imports one of them first; ``import surrogate`` imports them on the
first use of a name that needs them), and the worker processes that train nets
inherit the environment. Set ``SURROGATE_NATIVE_MATH=1`` to keep each library's
own choice (faster on some CPUs, but numbers that depend on the machine).
"""

from __future__ import annotations

import os
import warnings

#: The environment that pins the code paths (see the module docstring).
PINNED_ENVIRONMENT = {"MKL_CBWR": "AVX2,STRICT", "ATEN_CPU_CAPABILITY": "avx2"}
#: Set to 1 to leave MKL's and ATen's code paths to the libraries.
OPT_OUT = "SURROGATE_NATIVE_MATH"


class ReproducibilityWarning(UserWarning):
    """Training runs on math code paths that another machine may not share."""


def pinned() -> bool:
    """Whether this process asks for the pinned code paths (not opted out with ``SURROGATE_NATIVE_MATH=1``)."""
    value = os.environ.get(OPT_OUT, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return True
    if value in ("1", "true", "yes", "on"):
        return False
    warnings.warn(
        f"{OPT_OUT}={os.environ[OPT_OUT]!r} is neither on (1, true, yes, on) nor off (0, false, no, off); "
        "the math code paths stay pinned: set one of those values",
        ReproducibilityWarning,
        stacklevel=2,
    )
    return True


def pin_math_paths() -> None:
    """Put :data:`PINNED_ENVIRONMENT` into ``os.environ`` unless opted out.

    It takes effect if it runs before PyTorch's first operation in this
    process (``import torch`` alone is fine), and always in worker processes
    started afterwards. :func:`check_math_paths` tells whether it did.
    """
    if pinned():
        os.environ.update(PINNED_ENVIRONMENT)


def check_math_paths() -> str:
    """ATen's code path in this process; warns if it is not the pinned one although pinning was asked for."""
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    if pinned() and capability.lower() != PINNED_ENVIRONMENT["ATEN_CPU_CAPABILITY"]:
        warnings.warn(
            f"PyTorch already runs {capability} kernels in this process, so nets trained here may differ in the "
            "last bits from other machines; import surrogate.nets before running any torch operation, or start Python "
            "with " + " ".join(f"{k}={v}" for k, v in PINNED_ENVIRONMENT.items()),
            ReproducibilityWarning,
            stacklevel=2,
        )
    return capability
