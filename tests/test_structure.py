"""The folders show the path, and imports follow it (issue: layout and one library API).

event → draft → compose → review / export → api → run → web → cli: a module imports only modules of its
own stage or of stages to its left, never another module's underscore names, and no import cycle exists.
(The command line's `serve` starts the workbench, so web/ stands just left of cli/.)
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "speechgen"
RANKS = {
    "speechgen": 0,  # __init__: the version only
    "speechgen.errors": 0,
    "speechgen.resources": 0,
    "speechgen.i18n": 0,
    "speechgen.event": 1,
    "speechgen.draft": 2,
    "speechgen.compose": 3,
    "speechgen.review": 4,
    "speechgen.export": 4,
    "speechgen.api": 5,
    "speechgen.run": 6,
    "speechgen.web": 7,
    "speechgen.cli": 8,
    "speechgen.__main__": 9,
}
CORE = (
    "speechgen.event",
    "speechgen.draft",
    "speechgen.compose",
    "speechgen.review",
    "speechgen.export",
    "speechgen.api",
    "speechgen.run",
    "speechgen.errors",
    "speechgen.resources",
    "speechgen.i18n",
)


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def stage(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else name


def imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken, line) for every speechgen import, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("speechgen"):
                found.append((target, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("speechgen")]
    return found


def resolve(target: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """The modules an import statement reaches (`from speechgen.compose import banks` reaches the module)."""
    reached = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
    return reached or [target]


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    for name, path in known.items():
        for target, names, _ in imports(name, path):
            for module in resolve(target, names, known):
                if module in known and module != name:
                    edges[name].add(module)
    return edges


def test_stages_import_only_leftwards() -> None:
    known = modules()
    wrong = []
    for name, path in known.items():
        for target, names, line in imports(name, path):
            for module in resolve(target, names, known):
                a, b = stage(name), stage(module)
                if a == b or module == "speechgen":
                    continue
                if RANKS[b] > RANKS[a] or (RANKS[b] == RANKS[a]):
                    wrong.append(f"{path.relative_to(ROOT)}:{line}: {a} imports {b}")
    assert wrong == []


def test_no_import_cycles() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert cycles == []


def test_no_module_takes_another_modules_private_names() -> None:
    known = modules()
    private = []
    for name, path in known.items():
        for target, names, line in imports(name, path):
            allowed = {"__version__", "_"}  # the version; gettext's conventional name for translating
            if target != name and any(n.startswith("_") and n not in allowed for n in names):
                private.append(f"{path.relative_to(ROOT)}:{line}: {target} {names}")
    assert private == []


def test_every_module_is_small_and_the_root_holds_few() -> None:
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")
    }
    assert {n: s for n, s in sizes.items() if s > 400} == {}
    root = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert len(root) <= 6, root


def test_the_core_neither_prints_nor_imports_click() -> None:
    offenders = []
    for name, path in modules().items():
        if not name.startswith(CORE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(m == "click" or m.startswith("click.") for m in mods):
                    offenders.append(f"{name}:{node.lineno}: imports click")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{name}:{node.lineno}: print()")
    assert offenders == []


def test_the_front_ends_draft_through_the_api_only() -> None:
    """cli/ and web/ reach the stages only through speechgen.api and the runner (run/), plus shared values."""
    packages = ("speechgen.api", "speechgen.i18n", "speechgen.run", "speechgen.cli", "speechgen.web")
    shared = (
        "speechgen.errors",
        "speechgen.resources",
        "speechgen.i18n",
        "speechgen.event.schema",
        "speechgen.export.layout",
        "speechgen",
    )
    known = modules()
    reach = []
    for name, path in known.items():
        if not name.startswith(("speechgen.cli", "speechgen.web")):
            continue
        for target, names, line in imports(name, path):
            for module in resolve(target, names, known):
                if not (module in shared or module.startswith(packages)) and module != "speechgen.export":
                    reach.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert reach == []


def test_every_subpackage_is_shipped() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for init in PACKAGE.rglob("__init__.py"):
        package = ".".join(init.parent.relative_to(ROOT).parts)
        assert f'"{package}"' in pyproject, package
