"""The package's structure: one-way layers, no import cycles, and a ratchet on long functions and modules.

Both tests read the source with :mod:`ast` only (nothing is imported, no solver
runs), so they are fast and see every import, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The top-level packages whose modules are checked.
PACKAGES = ("surrogate", "problems")

#: Import cycles known today, each as the set of modules in it. Being removed: delete an entry
#: as soon as its cycle is gone. The cycle test fails on any cycle not listed here.
KNOWN_CYCLES: tuple[frozenset[str], ...] = ()

#: The layers, bottom first: a module may import modules of a lower layer, and modules of its own
#: subpackage (the cycle test keeps those acyclic); never a higher layer or a sibling subpackage of
#: its layer (``train`` and ``milp`` know nothing of each other). The bottom layer's small modules
#: may import each other. Keys are module names or
#: prefixes (a subpackage and everything in it); the package ``surrogate`` itself (the public API)
#: is above everything, so no module of the package may import it.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "problems",
        "surrogate.errors",
        "surrogate.options",
        "surrogate.filled",
        "surrogate.files",
        "surrogate.reproducible",
        "surrogate.literature",
        "surrogate.executors",
        "surrogate.executor_args",
        "surrogate.version",
        "surrogate.install_hints",
    ),
    ("surrogate.nets",),
    ("surrogate.train", "surrogate.milp"),
    ("surrogate.experiments",),
    ("surrogate.report",),
    ("surrogate.cli",),
    ("surrogate",),
)

#: Longest function or method allowed (lines of the ``def``, decorators excluded).
MAX_FUNCTION_LINES = 60
#: Longest module allowed (lines).
MAX_MODULE_LINES = 400

#: Functions over MAX_FUNCTION_LINES today, with their length: they may shrink, never grow.
LONG_FUNCTIONS: dict[str, int] = {}

#: Modules over MAX_MODULE_LINES today, with their length: they may shrink, never grow.
LONG_MODULES: dict[str, int] = {}


def _source_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of :data:`PACKAGES` (a package is its ``__init__.py``)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _base_of(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module that ``from <base> import ...`` in ``module`` names (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:  # a module's level-1 package is its parent; a package's is itself
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _known(name: str, modules) -> str | None:
    """The deepest module of ``modules`` that ``name`` is or lies in (``None`` outside the packages)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _imports(module: str, path: Path, modules) -> set[str]:
    """The modules of ``modules`` that ``module`` imports anywhere (a package counts as its node only)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _base_of(node, module, path.name == "__init__.py")
            # ``from pkg import name``: the submodule pkg.name when there is one, else pkg itself
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        found.update(target for name in names if (target := _known(name, modules)) and target != module)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules it imports, restricted to :data:`PACKAGES`."""
    modules = _source_files()
    return {module: _imports(module, path, modules) for module, path in modules.items()}


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of ``graph`` with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _cycle_path(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest cycle through the first module of ``component``: ``[m, ..., m]``."""
    start, members = component[0], set(component)
    previous = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {component}")


def test_no_import_cycles():
    graph = import_graph()
    assert "surrogate.milp.solver" in graph and "problems.qcqp" in graph, "the module walk found the wrong files"
    unknown = []
    for component in _components(graph):
        if frozenset(component) in KNOWN_CYCLES:
            continue
        unknown.append(" -> ".join(_cycle_path(graph, component)) + f"  (modules in the cycle: {', '.join(component)})")
    assert not unknown, (
        "import cycles between modules (imports inside functions count too):\n  "
        + "\n  ".join(unknown)
        + "\nbreak each one: move what both sides need into a lower module that imports neither "
        "(e.g. surrogate.milp.model_size, surrogate.milp.products), and import it from there"
    )


def layer_of(module: str) -> tuple[int, str]:
    """``(layer index, the LAYERS key that holds module)``: the longest matching key wins."""
    found = [
        (len(key), index, key)
        for index, keys in enumerate(LAYERS)
        for key in keys
        if module == key or module.startswith(key + ".")
    ]
    assert found, f"{module} is in no layer: add it (or its subpackage) to LAYERS in tests/test_package_structure.py"
    _, index, key = max(found)
    return index, key


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import in ``graph`` that points up the layers or across to a sibling subpackage."""
    wrong = []
    for module, targets in sorted(graph.items()):
        level, home = layer_of(module)
        for target in sorted(targets):
            target_level, target_home = layer_of(target)
            if target_level > level or (0 < target_level == level and target_home != home):
                wrong.append(
                    f"{module} imports {target} ({target_home!r}, layer {target_level}; {module} is in {home!r}, layer {level})"
                )
    return wrong


def test_imports_point_down_the_layers():
    wrong = layering_violations(import_graph())
    assert not wrong, (
        "imports that point up the layering or across sibling subpackages (imports inside functions count too):\n  "
        + "\n  ".join(wrong)
        + "\nmove what the lower module needs down to it (or to the bottom layer), or pass it in as an argument"
    )


def test_layering_check_catches_an_upward_and_a_sideways_import():
    graph = {
        "surrogate.nets.network": {"surrogate.errors"},
        "surrogate.milp.solver": {"surrogate.nets.network", "surrogate.train.training"},
        "surrogate.errors": {"surrogate.report.plots"},
        "surrogate.cli": {"surrogate"},
        "surrogate.options": {"surrogate.errors", "problems"},
    }
    assert layering_violations(graph) == [
        "surrogate.cli imports surrogate ('surrogate', layer 6; surrogate.cli is in 'surrogate.cli', layer 5)",
        "surrogate.errors imports surrogate.report.plots ('surrogate.report', layer 4; "
        "surrogate.errors is in 'surrogate.errors', layer 0)",
        "surrogate.milp.solver imports surrogate.train.training ('surrogate.train', layer 2; "
        "surrogate.milp.solver is in 'surrogate.milp', layer 2)",
    ]


def _function_lengths(tree: ast.Module, prefix: str) -> dict[str, int]:
    """``'<prefix>::<Class.method>'`` -> lines of every function in ``tree``, nested ones too (the longest of a name)."""
    lengths: dict[str, int] = {}

    def visit(node, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{scope}.{child.name}" if scope else child.name
                if not isinstance(child, ast.ClassDef):
                    key = f"{prefix}::{name}"
                    lengths[key] = max(lengths.get(key, 0), child.end_lineno - child.lineno + 1)
                visit(child, name)
            else:
                visit(child, scope)

    visit(tree, "")
    return lengths


def measure() -> tuple[dict[str, int], dict[str, int]]:
    """``(function lengths, module lengths)`` of every module of :data:`PACKAGES`, keyed by path (and qualname)."""
    functions, modules = {}, {}
    for path in _source_files().values():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        modules[rel] = len(text.splitlines())
        functions.update(_function_lengths(ast.parse(text, filename=rel), rel))
    return functions, modules


def _ratchet(kind: str, lengths: dict[str, int], listed: dict[str, int], limit: int, constant: str) -> list[str]:
    """What is wrong with ``lengths`` against the limit and today's offenders ``listed``."""
    problems = []
    for name, length in sorted(lengths.items()):
        if name not in listed and length > limit:
            problems.append(
                f"{kind} {name} has {length} lines, over the limit of {limit}: split it (do not add it to {constant})"
            )
        elif name in listed and length > listed[name]:
            problems.append(
                f"{kind} {name} grew to {length} lines from {listed[name]} (limit {limit}): "
                "shorten it; a listed offender may only shrink"
            )
        elif name in listed and length <= limit:
            problems.append(
                f"{kind} {name} is now {length} lines, within the limit of {limit}: well done, "
                f"remove it from {constant} so that it stays there"
            )
    problems += [f"{kind} {name} in {constant} no longer exists: remove its entry" for name in sorted(set(listed) - set(lengths))]
    return problems


def test_length_ratchet():
    functions, modules = measure()
    problems = _ratchet("function", functions, LONG_FUNCTIONS, MAX_FUNCTION_LINES, "LONG_FUNCTIONS")
    problems += _ratchet("module", modules, LONG_MODULES, MAX_MODULE_LINES, "LONG_MODULES")
    assert not problems, "function/module length ratchet (tests/test_package_structure.py):\n  " + "\n  ".join(problems)


def test_import_resolution(tmp_path):
    """The walker resolves relative imports (in a module and in an ``__init__``), and imports inside functions."""
    files = {
        "pkg/__init__.py": "from .a import f\nfrom . import sub\n",
        "pkg/a.py": "def f():\n    from . import b\n    from .sub import c\n",
        "pkg/b.py": "import pkg.sub.c as c\nfrom pkg import VERSION\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/c.py": "from .. import a\nfrom ..b import g\nimport os\n",
    }
    modules = {}
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        modules[".".join(Path(name).with_suffix("").parts).removesuffix(".__init__")] = path
    graph = {module: _imports(module, path, modules) for module, path in modules.items()}
    assert graph == {
        "pkg": {"pkg.a", "pkg.sub"},
        "pkg.a": {"pkg.b", "pkg.sub.c"},
        "pkg.b": {"pkg.sub.c", "pkg"},
        "pkg.sub": set(),
        "pkg.sub.c": {"pkg.a", "pkg.b"},
    }
    assert _components(graph) == [["pkg", "pkg.a", "pkg.b", "pkg.sub.c"]]
    assert _cycle_path(graph, ["pkg", "pkg.a", "pkg.b", "pkg.sub.c"]) == ["pkg", "pkg.a", "pkg.b", "pkg"]


def public_functions() -> dict[str, object]:
    """Every function named in an ``__all__`` of the package, by its home (``module.qualname``), each once.

    The modules with an ``__all__`` are found with :mod:`ast` and imported (this check alone imports them); a
    name is read from its module as a user reads it (``surrogate.train_nets`` from its lazy home too).
    """
    import importlib
    import inspect

    found = {}
    for module, path in _source_files().items():
        if not module.startswith("surrogate") or "__all__" not in path.read_text():
            continue
        loaded = importlib.import_module(module)
        for name in getattr(loaded, "__all__", ()):
            value = getattr(loaded, name)
            if inspect.isfunction(value):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def lacks_parameters_section(function) -> bool:
    """Whether ``function`` takes parameters but its numpydoc docstring has no ``Parameters`` section."""
    import inspect
    import re

    if not inspect.signature(function).parameters:
        return False
    return not re.search(r"^Parameters\n-{10}$", inspect.getdoc(function) or "", flags=re.MULTILINE)


def test_every_public_function_documents_its_parameters():
    lacking = [name for name, function in sorted(public_functions().items()) if lacks_parameters_section(function)]
    assert not lacking, "functions of an __all__ whose numpydoc docstring has no 'Parameters' section:\n  " + "\n  ".join(lacking)


def test_the_parameters_check_tells_a_section_from_a_mention():
    def documented(x):
        """Do it.

        Parameters
        ----------
        x
            A value.
        """

    def mentioned(x):
        """Do it; the Parameters are described elsewhere."""

    assert not lacks_parameters_section(documented) and lacks_parameters_section(mentioned)
    assert not lacks_parameters_section(lambda: None)


#: The classes of user options that must take their fields by keyword only (the house rule "keyword-only
#: options"); :func:`option_classes` also finds any other dataclass named ``*Config`` or ``*Options``.
OPTION_CLASSES = (
    "surrogate.executors.ExecutorConfig",
    "surrogate.milp.solver_config.SolverConfig",
    "surrogate.milp.warmstart_config.StartConfig",
    "surrogate.train.solve_time_config.SolveTimeConfig",
    "surrogate.train.protocols.Stage",
    "surrogate.train.protocols.TrainingProtocol",
    "surrogate.experiments.sweep_config.SweepConfig",
    "surrogate.experiments.problem_run_config.ProblemRunConfig",
    "surrogate.experiments.scale_bench_config.ScaleBenchConfig",
    "surrogate.experiments.solve_bench_config.SolveBenchConfig",
    "surrogate.report.writer.ReportOptions",
)


def option_classes() -> dict[str, type]:
    """Every dataclass of the package named ``*Config`` or ``*Options`` or listed in :data:`OPTION_CLASSES`, imported."""
    import importlib

    found = {}
    for module, path in _source_files().items():
        if not module.startswith("surrogate"):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            decorators = [ast.unparse(d) for d in getattr(node, "decorator_list", ())]
            name = f"{module}.{getattr(node, 'name', '')}"
            is_option = name in OPTION_CLASSES or name.endswith(("Config", "Options"))
            if isinstance(node, ast.ClassDef) and is_option and any(d.startswith("dataclass") for d in decorators):
                found[name] = getattr(importlib.import_module(module), node.name)
    return found


def test_option_classes_refuse_positional_fields():
    classes = option_classes()
    assert set(OPTION_CLASSES) <= set(classes), f"not found: {set(OPTION_CLASSES) - set(classes)}"
    positional = []
    for name, cls in sorted(classes.items()):
        try:
            cls(object())
        except TypeError as error:
            if "positional" in str(error):
                continue
        except Exception:
            pass
        positional.append(name)
    assert not positional, (
        "option classes that take a field by position (make them @dataclass(..., kw_only=True)):\n  " + "\n  ".join(positional)
    )
