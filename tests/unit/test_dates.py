"""The one date module: stored in UTC, shown in Europe/Berlin, a naive time taken as UTC everywhere."""

from __future__ import annotations

import ast
import io
from datetime import UTC, date, datetime
from pathlib import Path

from pypdf import PdfReader

import dates
from documents import render_profiling_print
from tests.documents_factories import make_profiling

ROOT = Path(__file__).resolve().parents[2]


def test_a_naive_time_is_taken_as_utc_like_an_aware_one() -> None:
    naive, aware = datetime(2026, 11, 24, 13, 5), datetime(2026, 11, 24, 13, 5, tzinfo=UTC)
    assert dates.format_datetime(naive) == dates.format_datetime(aware) == "24.11.2026 14:05"
    assert dates.format_time(naive) == "14:05"
    assert dates.format_datetime(datetime(2026, 7, 1, 13, 5)) == "01.07.2026 15:05"  # summer time


def test_a_time_late_in_the_utc_day_belongs_to_the_next_berlin_day() -> None:
    late = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    assert dates.berlin_day(late) == date(2026, 11, 21)
    assert dates.format_date(late) == "21.11.2026"
    assert dates.format_date(None) == dates.format_datetime(None) == "—"


def test_a_printed_profiling_shows_a_naive_stored_time_in_berlin_time_and_day() -> None:
    data = make_profiling(erstellt_am=datetime(2026, 11, 20, 23, 30), bearbeitet_am=datetime(2026, 11, 24, 13, 5),
                          abgeschlossen_am=datetime(2026, 11, 24, 13, 5))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_profiling_print(data))).pages)
    text = " ".join(text.split())
    assert "Standortbestimmung vom 21.11.2026" in text
    assert "21.11.2026 00:30" in text
    assert "abgeschlossen am 24.11.2026 14:05" in text


def test_no_module_but_dates_converts_to_berlin_time_itself() -> None:
    offenders = []
    for name in ["pages", "services", "storage", "documents", "schemas"]:
        for path in sorted((ROOT / name).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and node.value == "Europe/Berlin":
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_date_module_imports_nothing_of_the_project() -> None:
    tree = ast.parse((ROOT / "dates.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "calendar", "datetime", "zoneinfo"}
