"""The layers point one way: only app.py and pages/ import streamlit (ARCHITECTURE.md §2)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BELOW_PAGES = ["services", "schemas", "storage", "documents", "errors.py", "config.py", "cli.py", "dates.py", "glyphs.py"]


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


def import_circles(modules: dict[str, Path]) -> list[list[str]]:
    """Import circles among `modules` (name → file), counting imports at any depth (also inside functions)."""
    graph = {name: {m for m in imported_modules(path) if m in modules and m != name} for name, path in modules.items()}
    circles, done = [], set()
    for start, targets in graph.items():
        path, seen = [start], {start}
        stack = [iter(sorted(targets))]
        while stack:  # depth-first: every path from `start` that comes back to it is a circle
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                seen.discard(path.pop())
                continue
            if step == start and set(path).isdisjoint(done):
                circles.append(path.copy())
            elif step not in seen and step not in done:
                path.append(step)
                seen.add(step)
                stack.append(iter(sorted(graph[step])))
        done.add(start)
    return circles


def test_no_import_circle_among_the_services():
    modules = {f"services.{path.stem}": path for path in python_files("services") if path.stem != "__init__"}

    assert import_circles(modules) == []


def test_the_circle_scan_finds_a_circle_through_a_function_level_import(tmp_path):
    (tmp_path / "a.py").write_text("from b import f\n")
    (tmp_path / "b.py").write_text("def f():\n    from a import g\n")
    (tmp_path / "c.py").write_text("import a\n")

    assert import_circles({n: tmp_path / f"{n}.py" for n in "abc"}) == [["a", "b"]]
