"""The layers point one way: only app.py and pages/ import streamlit (ARCHITECTURE.md §2)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BELOW_PAGES = ["services", "schemas", "storage", "documents", "errors.py", "config.py", "cli.py", "dates.py", "glyphs.py",
               "memory.py"]


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, at any depth of its code (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def python_files(name: str) -> list[Path]:
    path = ROOT / name
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def test_no_module_below_pages_imports_streamlit():
    files = [f for name in BELOW_PAGES for f in python_files(name)]
    assert len(files) > 20  # the scan sees the layers

    offenders = {
        str(f.relative_to(ROOT)): sorted(m for m in imported_modules(f) if m.split(".")[0] in {"streamlit",
                                                                                              "streamlit_pydantic"})
        for f in files
    }

    assert {f: m for f, m in offenders.items() if m} == {}


def test_the_scan_finds_a_streamlit_import_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from streamlit import session_state\n    import streamlit.components.v1\n")

    assert imported_modules(sample) == {"streamlit", "streamlit.components.v1"}


def store_method_calls(path: Path) -> list[str]:
    """Calls of a store method in a file: `<store>.<method>(…)` where <store> is `get_store()`, or a name that
    holds a store (`store`, a parameter annotated `Store`, or a name assigned from `get_store()`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = {"store"}
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None and "Store" in ast.unparse(node.annotation):
            names.add(node.arg)
        elif isinstance(node, ast.Assign) and _is_get_store(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return [f"{path.name}:{node.lineno}: {ast.unparse(node.func)}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and ((isinstance(node.func.value, ast.Name) and node.func.value.id in names)
                 or _is_get_store(node.func.value))]


def _is_get_store(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "get_store"


def test_no_page_calls_a_store_method():
    """Pages hand the store to services (every rule and permission lives there); they may name `Store` as a type."""
    files = python_files("pages") + python_files("app.py")
    assert len(files) > 20

    assert [call for f in files for call in store_method_calls(f)] == []


def test_the_store_scan_finds_direct_store_calls(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(store, s: Store, other):\n    store.get(User, 1)\n    s.save(x)\n"
                      "    get_store().get(User, 2)\n    db = get_store()\n    db.list_users()\n"
                      "    service(store, other.get(1))\n")

    assert store_method_calls(sample) == ["sample.py:2: store.get", "sample.py:3: s.save",
                                          "sample.py:4: get_store().get", "sample.py:6: db.list_users"]


PRODUCT = ["app.py", "cli.py", "config.py", "dates.py", "errors.py", "glyphs.py", "memory.py", "pages", "services", "schemas", "storage",
           "documents"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_imports() -> dict[str, dict[str, set[str]]]:
    """Product module → {product module it imports: the names it takes from there}. `from package import module`
    counts as an import of that module; a function-level import counts like one at the top."""
    files = {module_name(f): f for name in PRODUCT for f in python_files(name)}
    graph: dict[str, dict[str, set[str]]] = {}
    for name, path in files.items():
        edges: dict[str, set[str]] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in files:
                        edges.setdefault(alias.name, set())
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in files:
                        edges.setdefault(f"{node.module}.{alias.name}", set())
                    elif node.module in files:
                        edges.setdefault(node.module, set()).add(alias.name)
        graph[name] = {target: names for target, names in edges.items() if target != name}
    return graph


def circles(graph: dict[str, set[str]] | dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan's strongly connected
    components with more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_product_modules_import_each_other_in_a_circle():
    graph = product_imports()
    assert len(graph) > 60 and "services.clients" in graph["services.akte"]  # the scan sees the modules

    assert circles(graph) == []


def test_the_circle_check_finds_a_circle_through_a_third_module():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_product_module_imports_a_private_name_of_another():
    """A name with a leading underscore belongs to its module; what another module needs is its public API."""
    private = {f"{module} ← {target}": sorted(n for n in names if n.startswith("_"))
               for module, edges in product_imports().items() for target, names in edges.items()}

    assert {k: v for k, v in private.items() if v} == {}
