"""The Erklärung zur Barrierefreiheit: reachable before sign-in and from every page, its text installation data."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from tests.ui.test_case_pages import ok
from tests.ui.test_login import ROOT, fresh_app, texts

STATEMENT = str(ROOT / "pages" / "barrierefreiheit.py")


def links(at: AppTest) -> list[str]:
    return [link.label for link in at.get("page_link")]


def open_statement(at: AppTest) -> AppTest:
    at.switch_page(STATEMENT)
    return ok(at.run())


def test_sign_in_page_links_the_statement_and_it_opens_without_sign_in(data_dir, monkeypatch):
    monkeypatch.setenv("VIERPHASEN_BARRIEREFREIHEIT_KONTAKT", "barrierefreiheit@jobcenter-musterstadt.de")
    monkeypatch.setenv("VIERPHASEN_JOBCENTER_NAME", "Jobcenter Musterstadt")
    config.get_settings.cache_clear()
    at = fresh_app(monkeypatch)
    ok(at.run())
    assert "Erklärung zur Barrierefreiheit" in links(at)

    open_statement(at)

    shown = texts(at)
    assert "Erklärung zur Barrierefreiheit" in shown
    assert "barrierefreiheit@jobcenter-musterstadt.de" in shown
    assert "Jobcenter Musterstadt ist bemüht" in shown
    assert "Schlichtungsstelle nach § 16 BGG" in shown
    assert "Bitte melden Sie sich an." not in shown
    assert "Zur Anmeldung" in links(at)


def test_every_signed_in_page_links_the_statement_in_the_sidebar(app: AppTest) -> None:
    ok(app.run())
    assert "Erklärung zur Barrierefreiheit" in [link.label for link in app.sidebar.get("page_link")]
    open_statement(app)
    assert "Erklärung zur Barrierefreiheit" in texts(app)


def test_an_installation_brings_its_own_statement_and_the_contact_is_always_added(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = data_dir / "erklaerung.md"
    own.write_text("Unsere eigene Erklärung für das Intranet.", encoding="utf-8")
    monkeypatch.setenv("VIERPHASEN_BARRIEREFREIHEIT_DATEI", str(own))
    monkeypatch.setenv("VIERPHASEN_BARRIEREFREIHEIT_KONTAKT", "Telefon 0123 456-789")
    config.get_settings.cache_clear()
    at = open_statement(fresh_app(monkeypatch))
    shown = texts(at)
    assert "Unsere eigene Erklärung für das Intranet." in shown
    assert "Telefon 0123 456-789" in shown
    assert "Schlichtungsstelle" not in shown


def test_without_a_configured_contact_the_statement_names_the_kdn_fachbetreuung(data_dir, monkeypatch):
    monkeypatch.delenv("VIERPHASEN_BARRIEREFREIHEIT_KONTAKT", raising=False)
    config.get_settings.cache_clear()
    at = open_statement(fresh_app(monkeypatch))
    assert "die KDN-Fachbetreuung Ihres Jobcenters" in texts(at)
