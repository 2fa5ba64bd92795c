"""Every module of the repository opens with a docstring that says what it holds."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", "build", "data", "test-artefacts", "node_modules"}


def test_every_module_opens_with_a_docstring() -> None:
    modules = [path for path in sorted(ROOT.rglob("*.py"))
               if not any(part in SKIPPED or part.startswith(".") for part in path.relative_to(ROOT).parts)]
    assert len(modules) > 50  # the scan sees the repository

    missing = [str(path.relative_to(ROOT)) for path in modules
               if not (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").strip()]

    assert missing == []
