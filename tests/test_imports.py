"""The shape of the mmcore package: no import circle, and no module over 400 lines.

The import graph is read from the source with ``ast``, every import counted (module level and inside
functions, relative ones resolved), so a lazy import that only hides a circle is still a circle. A
package's ``__init__`` importing its own submodules is an edge like any other; importing ``a.b`` does
not count as importing ``a`` (Python runs ``a/__init__`` first, but a package that registers its
submodules would otherwise always be a circle).
"""

import ast
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "mmcore"

MAX_LINES = 400


def modules(root: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package ``__init__``), for every ``.py`` file under ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (anywhere in the file)."""
    mods = modules(root)
    top = root.name

    def known(name: str) -> str | None:  # the longest prefix that is a module of the package
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph = {name: set() for name in mods}
    for name, (path, is_package) in mods.items():
        package = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [known(a.name) for a in node.names if a.name.split(".")[0] == top]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    full = ".".join(base + ([node.module] if node.module else []))
                else:
                    full = node.module or ""
                if full.split(".")[0] == top:
                    # ``from a import b``: the submodule a.b where there is one, else a itself
                    targets = [f"{full}.{a.name}" if f"{full}.{a.name}" in mods else known(full) for a in node.names]
            graph[name].update(t for t in targets if t and t != name)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def shortest_circle(graph: dict[str, set[str]], component: list[str]) -> str:
    """The shortest circle through the component's modules, as ``a -> b -> a`` (breadth first)."""
    inside, best = set(component), None
    for start in component:
        queue, seen = deque([[start]]), {start}
        while queue:
            path = queue.popleft()
            if best is not None and len(path) >= len(best):
                break
            for nxt in sorted(graph[path[-1]] & inside):
                if nxt == start:
                    best = path + [start]
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(path + [nxt])
    return " -> ".join(best)


def test_mmcore_has_no_import_circle():
    graph = import_graph(ROOT)
    found = circles(graph)
    assert not found, "import circles in mmcore: " + " | ".join(shortest_circle(graph, c) for c in found)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "mmcore"


def test_the_graph_sees_lazy_and_relative_imports(tmp_path):
    """A circle closed by an import inside a function, through a relative import, is found."""
    root = write(tmp_path, {
        "mmcore/__init__.py": "",
        "mmcore/low.py": "def f():\n    from .pkg.high import g\n    return g\n",
        "mmcore/pkg/__init__.py": "from . import high\n",
        "mmcore/pkg/high.py": "from ..low import f\nimport mmcore.low\n",
    })
    graph = import_graph(root)
    assert graph["mmcore.low"] == {"mmcore.pkg.high"}
    assert graph["mmcore.pkg"] == {"mmcore.pkg.high"}  # a package importing its submodule: an edge
    assert graph["mmcore.pkg.high"] == {"mmcore.low"}
    assert circles(graph) == [["mmcore.low", "mmcore.pkg.high"]]


def test_a_package_registering_its_submodules_is_no_circle(tmp_path):
    root = write(tmp_path, {
        "mmcore/__init__.py": "",
        "mmcore/reg/__init__.py": "from ._machinery import register\nfrom . import family\n",
        "mmcore/reg/_machinery.py": "def register(x):\n    return x\n",
        "mmcore/reg/family.py": "from ._machinery import register\n",
    })
    assert circles(import_graph(root)) == []
    (root / "reg" / "family.py").write_text("from . import register\n")  # through the package: a circle
    assert circles(import_graph(root)) == [["mmcore.reg", "mmcore.reg.family"]]


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT.parent)) for p in ROOT.rglob("*.py")))
def test_no_module_is_over_400_lines(path):
    lines = len((ROOT.parent / path).read_text().splitlines())
    assert lines <= MAX_LINES, f"{path} has {lines} lines (at most {MAX_LINES}): split it by family or concern"


def test_what_the_workflow_reads_while_it_parses_imports_no_torch():
    """The mix-point table, the registry, the run sheet, the scale labels and the config validation are
    read by Snakemake while it parses: none of them may pull in torch or pandas."""
    import subprocess
    import sys

    light = ["mmcore.mix_points", "mmcore.artefacts", "mmcore.runsheet", "mmcore.scale", "mmcore.config", "mmcore.pilot"]
    code = f"import sys\nfor m in {light!r}: __import__(m)\nprint(sorted({{'torch', 'pandas'}} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT.parent, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
