"""A click on Speichern in phase 1 saves before the page is drawn (pages/lifecycle.save_first), so the page is
drawn once with the saved state, not drawn, saved and drawn again (AppTest). What was typed in the same run as the
click is saved as drawing the page would take it; a refused save is tried once and shown at its field."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import pages.forms
import pages.lifecycle
from schemas.records import Profiling
from storage.base import Store
from tests.ui.conftest import ROOT, TIMEOUT
from tests.ui.test_ba_catalogue import ba  # noqa: F401 (a fixture)
from tests.ui.test_case_pages import KUNDEN, PROFILING, button, create_client, form_key, ok, texts

QUALIFIKATION = "qualifikation-berufliche_qualifikation"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the page drew a generated form (`model_input`) and how often it called the save."""
    calls = {"drawn": 0, "saved": 0}

    def counting(name: str, function):
        def call(*args: Any, **kwargs: Any):
            calls[name] += 1
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(pages.forms, "model_input", counting("drawn", pages.forms.model_input))
    monkeypatch.setattr(pages.lifecycle, "save_profiling", counting("saved", pages.lifecycle.save_profiling))
    return calls


def _drawn_in(at: AppTest, counted: dict[str, int]) -> int:
    """Forms drawn by one plain rerun of the page as it stands."""
    counted["drawn"] = 0
    ok(at.run())
    return counted["drawn"]


def test_what_is_typed_with_the_click_is_saved_and_the_page_is_drawn_once(
        app: AppTest, store: Store, counted: dict[str, int]) -> None:
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    at.checkbox(key=form_key(at, f"{QUALIFIKATION}-relevant")).check()
    ok(at.run())  # its Bemerkungen box is drawn
    # all of this reaches the server with the click, as a browser sends it
    at.text_input(key=form_key(at, "basisprofil-zielberuf")).input("Fachkraft Lagerlogistik")
    at.text_area(key=form_key(at, "basisprofil-kompetenzen")).input("Staplerschein\nTeamarbeit")
    at.text_area(key=form_key(at, f"{QUALIFIKATION}-notiz-bemerkungen")).input("Kein anerkannter Abschluss")
    at.checkbox(key=form_key(at, "qualifikation-sprachkenntnisse-relevant")).check()
    at.selectbox(key=form_key(at, "einschaetzung-integrationsprognose")).select("marktnah (< 12 Monate)")
    counted["drawn"] = counted["saved"] = 0

    ok(button(at, "Speichern").click().run())

    assert "Profiling gespeichert" in texts(at)
    assert counted["saved"] == 1
    assert counted["drawn"] == _drawn_in(at, counted)  # the click's runs drew the forms once
    stored = store.get(Profiling, at.session_state["profiling_id"])
    assert stored.revision == 1 and stored.zielberuf == "Fachkraft Lagerlogistik"
    assert stored.kompetenzen == ["Staplerschein", "Teamarbeit"]
    assert stored.handlungsbedarfe["berufliche_qualifikation"].bemerkungen == "Kein anerkannter Abschluss"
    assert stored.handlungsbedarfe["sprachkenntnisse"].relevant
    assert stored.integrationsprognose == "marktnah"
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Fachkraft Lagerlogistik"


def test_a_refused_save_is_tried_once_and_shown_below_its_field(
        app: AppTest, store: Store, counted: dict[str, int]) -> None:
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    at.text_input(key=form_key(at, "basisprofil-zielberuf")).input("Koch 漢")
    counted["saved"] = 0

    button(at, "Speichern").click().run()

    assert not at.exception
    assert counted["saved"] == 1
    assert "Bitte prüfen Sie die markierte Eingabe." in [e.value for e in at.error]
    assert any("U+6F22" in e.value for e in at.error)
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Koch 漢"  # nothing typed is lost
    assert "Profiling gespeichert" not in texts(at)
    assert store.list_for_client(Profiling, at.session_state["drafts"][at.session_state["profiling_id"]].client_id) == []


def test_kompetenzen_by_class_and_the_profillage_typed_with_the_click_are_saved(
        ba: dict[str, Any], store: Store, counted: dict[str, int],  # noqa: F811 (the fixture)
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another catalogue's forms: free-text and chosen Kompetenzen per class, a Profillage (no Integrationsprognose)."""
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["user"] = ba["ifk"]
    ok(at.switch_page(KUNDEN).run())
    ok(button(at, "Auswählen").click().run())
    opened = ba["open"]
    at.button(key=f"history-{opened.id}").click().run()
    ok(at.switch_page(PROFILING).run())
    at.text_area(key=form_key(at, "basisprofil-methodenkompetenz")).input("Tabellenkalkulation\nPräsentation")
    at.multiselect(key=form_key(at, "basisprofil-sozial_kommunikativ")).set_value(["Kundenorientierung"])
    at.selectbox(key=form_key(at, "einschaetzung-profillage")).select("Unterstützungsprofil")  # was Förderprofil
    counted["saved"] = 0

    ok(button(at, "Speichern").click().run())

    assert counted["saved"] == 1 and "Profiling gespeichert" in texts(at)
    stored = store.get(Profiling, opened.id)
    assert stored.kompetenzklassen["methodenkompetenz"] == ["Tabellenkalkulation", "Präsentation"]
    assert stored.kompetenzklassen["sozial_kommunikativ"] == ["kundenorientiert"]
    assert stored.kompetenzklassen["aktivitaet_umsetzung"] == ["zielstrebig"]  # untouched classes stay
    assert (opened.profillage, stored.profillage) == ("foerderprofil", "unterstuetzungsprofil")
