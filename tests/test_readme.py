"""Every code block of README.md runs as written.

* ``python`` blocks are saved as plain scripts (no ``__main__`` guard) and run
  in a fresh folder with this interpreter;
* every ``surrogate ...`` command in a ``bash`` block or in inline code is
  parsed by the real argument parser, so none names an option that does not exist;
* the quick start (``bash`` block) runs in a fresh clone (marked ``slow``: it
  installs the package and runs the default sweep; CI runs its second command
  itself, through ``.ci/run``).

Output shown in the README is fenced as ``text`` and is not run.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from surrogate.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
RUNNABLE = {"python", "bash"}


def blocks(language: str) -> list[str]:
    """The README's fenced blocks in ``language``; fails on a fence without a language."""
    found = FENCE.findall(README.read_text())
    untagged = [body[:60] for lang, body in found if not lang]
    assert not untagged, f"README has code fences without a language (use 'text' for output): {untagged}"
    return [body for lang, body in found if lang == language]


def commands(text: str) -> list[list[str]]:
    """Every ``surrogate ...`` invocation in ``text`` (comments dropped, ``&&`` chains split)."""
    found = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line.startswith("#"):
            continue
        for part in line.split("&&"):
            words = shlex.split(part)
            if words and Path(words[0]).name == "surrogate":
                found.append(words[1:])
    return found


def inline_commands() -> list[list[str]]:
    """Inline ``surrogate ...`` commands; a bare name such as `surrogate problems` is checked as `... --help`."""
    spans = re.findall(r"`(surrogate [^`]+)`", FENCE.sub("", README.read_text()))
    argvs = [shlex.split(s)[1:] for s in spans if "..." not in s and "[" not in s and "|" not in s and "<" not in s]
    return [argv if len(argv) > 1 or argv[0].startswith("-") else [*argv, "--help"] for argv in argvs]


def test_every_fence_has_a_language_and_the_runnable_ones_exist():
    assert blocks("python") and blocks("bash")
    assert {lang for lang, _ in FENCE.findall(README.read_text())} <= RUNNABLE | {"text"}


@pytest.mark.parametrize("argv", [c for b in blocks("bash") for c in commands(b)] + inline_commands(), ids=" ".join)
def test_every_surrogate_command_in_the_readme_parses(argv):
    parser = build_parser()
    try:
        parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on an unknown option, 0 on --help
        assert exc.code == 0, f"README command 'surrogate {' '.join(argv)}' does not parse"


@pytest.mark.solver
@pytest.mark.training
@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_blocks_run_as_plain_scripts(tmp_path, index):
    script = tmp_path / f"readme_block_{index}.py"
    script.write_text(blocks("python")[index])
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_quick_start_runs_in_a_fresh_clone(tmp_path):
    """Both quick-start commands, exactly as written, in a clone of this checkout (minutes: installs, sweeps, tests)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    if (ROOT.parent / "shared").is_dir() and not (tmp_path / "shared").exists():
        shutil.copytree(ROOT.parent / "shared", tmp_path / "shared")
    quick_start = blocks("bash")[0]
    for line in (ln for ln in quick_start.splitlines() if ln.strip() and not ln.lstrip().startswith("#")):
        done = subprocess.run(["bash", "-c", line], cwd=clone, capture_output=True, text=True, timeout=3600)
        assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
