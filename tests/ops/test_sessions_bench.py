"""bench/sessions.py measures real caseworker sessions: its protocol client signs in on a real `streamlit run`
server, reaches the profiling page and saves it (so the bench cannot silently time a sign-in page)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", ["tinydb", "postgres"])
def test_the_sessions_bench_client_signs_in_and_saves_on_the_profiling_page(backend: str) -> None:
    # PostgreSQL: VIERPHASEN_TEST_DATABASE_URL's server (CI), else the bench starts a throwaway one
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "sessions.py"), "--selftest", "--backend", backend],
                         check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "selftest_profiling_page: 1 bool" in run.stdout.splitlines(), run.stdout


def test_the_protocol_client_reports_an_error_shown_on_the_page() -> None:
    sys.path.insert(0, str(ROOT))
    from streamlit.proto.Element_pb2 import Element

    from bench.sessions import Page

    page, element = Page(), Element()
    element.alert.body = "Die Kundennummer ist ungültig."
    element.alert.format = element.alert.ERROR
    page.add(element)
    element = Element()
    element.exception.type = "ValueError"
    page.add(element)
    assert len(page.errors) == 2 and "ungültig" in page.errors[0]
