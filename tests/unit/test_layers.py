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
