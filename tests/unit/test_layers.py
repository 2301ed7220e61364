"""The house rules, read from the code: which layer may import which, and no import circles.

Every import statement counts, at module level, inside functions and under TYPE_CHECKING:
an import inside a function is still a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cnoatlas

PACKAGE = Path(cnoatlas.__file__).parent

# layer -> layers it must never import
FORBIDDEN = {
    "domain": {"imaging", "library", "ui", "cli", "bench"},
    "imaging": {"library", "ui", "cli", "bench"},
    "library": {"ui", "cli", "bench"},
    "ui": {"cli", "bench"},
}
# Only the entry points start the command line.
MAY_IMPORT_CLI = {"cnoatlas.__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The cnoatlas modules ``name`` imports (a package's submodule where one is named)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # "from cnoatlas.ui.viewer import items" imports a module; "from x import name", x.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_import_reader_sees_imports_inside_functions():
    # cli imports the ui only inside its commands (to start fast): the reader must see those.
    assert any(layer(t) == "ui" for t in GRAPH["cnoatlas.cli"])
    assert "cnoatlas.cli" in GRAPH["cnoatlas.__main__"]


def test_no_layer_imports_what_it_must_not():
    broken = []
    for name, targets in GRAPH.items():
        for target in targets:
            if layer(target) in FORBIDDEN.get(layer(name), set()):
                broken.append(f"{name} -> {target}")
            if target == "cnoatlas.cli" and name not in MAY_IMPORT_CLI:
                broken.append(f"{name} -> {target}")
    assert not broken, "imports that break the layers:\n" + "\n".join(sorted(broken))


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module: each one an import circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return circles


def test_the_circle_finder_finds_a_circle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_through_others():
    circles = strongly_connected(GRAPH)
    assert not circles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in circles)


def test_every_package_says_what_it_is_for():
    for path in MODULES.values():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert doc and doc.strip(), f"{path}: no docstring saying what the package is for"
