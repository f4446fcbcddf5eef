"""Training gives the same numbers whatever code path the CPU would pick (surrogate.reproducible)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from surrogate import score, train_many
from surrogate.reproducible import OPT_OUT, PINNED_ENVIRONMENT

pytestmark = pytest.mark.training


def _intel_avx512() -> bool:
    """Whether this is an Intel CPU with AVX-512 (read from /proc/cpuinfo; False where it cannot be read)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "GenuineIntel" in info and "avx512f" in info


#: A known defect, not a numerical edge: on an Intel AVX-512 CPU (seen 2026-12-02 on an Intel Xeon with
#: AVX-512), MKL_CBWR=AVX2,STRICT and ATEN_CPU_CAPABILITY=avx2 do not give the bits of the AMD EPYC the
#: README's numbers come from (seed 1x24 grid MAE 3.90e-3 instead of 3.72e-3; MKL_ENABLE_INSTRUCTIONS=SSE4_2
#: changes the weights). Not strict: the tests must keep passing where the pinning holds.
PINNING_DEFECT = pytest.mark.xfail(
    _intel_avx512(), reason="math pinning does not hold on Intel AVX-512 CPUs yet (known defect)", strict=False
)

README = Path(__file__).resolve().parents[2] / "README.md"
TRAIN_AND_HASH = """
import hashlib
from surrogate import get_protocol, train_many
nets = train_many(["2x4"], [0], get_protocol("seed").with_epochs(10), workers=1)
print(hashlib.sha256(b"".join(w.tobytes() for w in next(iter(nets.values()))[0].net.weights)).hexdigest())
"""


def _weights_hash(**env) -> str:
    """Train a small net in a fresh interpreter with ``env`` added; the sha256 of its weights."""
    clean = {k: v for k, v in os.environ.items() if k not in {*PINNED_ENVIRONMENT, OPT_OUT, "MKL_ENABLE_INSTRUCTIONS"}}
    done = subprocess.run(
        [sys.executable, "-c", TRAIN_AND_HASH], env={**clean, **env}, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()[-1]


@PINNING_DEFECT
def test_pinned_training_ignores_the_code_path_the_machine_would_pick():
    """ATen's plain kernels (no FMA) and MKL's SSE4.2 path stand in for another CPU; pinned, nothing changes."""
    other_cpu = {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"}
    pinned = _weights_hash()
    assert _weights_hash(**other_cpu) == pinned
    # the check can fail: with the libraries' own choice the same stand-in changes the net
    assert _weights_hash(**{OPT_OUT: "1"}, **other_cpu) != pinned


def _readme_seed_column() -> dict[str, str]:
    """``{'1x24': '3.72e-3', ...}``: the best-seed grid MAE of the README's results table, `seed` column."""
    rows = re.findall(r"^\| (\d+)×(\d+) \| [^|]+ \| (\d\.\d\de-\d) \(", README.read_text(), re.M)
    return {f"{depth}x{width}": mae for depth, width, mae in rows}


@PINNING_DEFECT
def test_the_readme_seed_column_reproduces():
    expected = {arch: mae for arch, mae in _readme_seed_column().items() if arch in ("1x24", "2x12", "3x8")}
    assert len(expected) == 3, _readme_seed_column()
    nets = train_many(list(expected), seeds=range(5), protocol="seed")
    for arch, trained in nets.items():
        best = min(trained, key=lambda t: t.val_mae)  # selected on validation points, as the sweep does
        mae = score(best.net.rounded_to_float32()).mae  # scored as exported
        assert f"{mae:.2e}".replace("e-0", "e-") == expected[arch.name], (arch.name, mae)


#: Record the pinned environment at the moment torch is first imported, then import ``{statement}``.
PINNED_AT_TORCH_IMPORT = """
import os, sys
seen = []
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" and not seen:
            seen.append(os.environ.get("MKL_CBWR"))
sys.meta_path.insert(0, Watch())
{statement}
print(seen[0] if seen else "no-torch")
"""


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("from surrogate import train_many", PINNED_ENVIRONMENT["MKL_CBWR"]),
        ("import surrogate.train.training", PINNED_ENVIRONMENT["MKL_CBWR"]),
        ("import surrogate", "no-torch"),
    ],
)
def test_the_math_paths_are_pinned_before_the_package_imports_torch(statement, expected):
    """Importing ``surrogate.train`` (or a name that needs it) pins first; ``import surrogate`` alone imports no torch."""
    clean = {k: v for k, v in os.environ.items() if k not in {*PINNED_ENVIRONMENT, OPT_OUT}}
    script = PINNED_AT_TORCH_IMPORT.format(statement=statement)
    done = subprocess.run([sys.executable, "-c", script], env=clean, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == expected


@pytest.mark.parametrize("package", ["surrogate.nets", "surrogate.train"])
def test_importing_a_package_that_runs_torch_code_pins(package):
    clean = {k: v for k, v in os.environ.items() if k not in {*PINNED_ENVIRONMENT, OPT_OUT}}
    script = f"import os, {package}; print(os.environ.get('MKL_CBWR'), os.environ.get('ATEN_CPU_CAPABILITY'))"
    done = subprocess.run([sys.executable, "-c", script], env=clean, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [PINNED_ENVIRONMENT["MKL_CBWR"], PINNED_ENVIRONMENT["ATEN_CPU_CAPABILITY"]]
