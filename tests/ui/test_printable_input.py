"""A character no shipped font prints is refused at the field where it was typed, in German (AppTest, 18.9)."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from schemas.records import Profiling, User
from storage.base import Store
from tests.ui.test_case_pages import open_section
from tests.ui.test_downloads import (  # noqa: F401 (made_on_click: a fixture)
    ZIEL,
    consent_button,
    made_on_click,
    ok,
    open_case,
    open_profiling_with_goal,
)
from tests.ui.test_katalog import _in_order

KUNDEN = "pages/kunden.py"
PROFILING = "pages/profiling.py"


def _shown(at: AppTest) -> list[tuple[str, object]]:
    return [(n.type, getattr(n, "label", None) or getattr(n, "value", None)) for n in _in_order(at.main)]


def test_a_client_name_no_font_prints_is_refused_below_its_input_and_the_input_stays(app: AppTest, store) -> None:
    open_section(app.switch_page(KUNDEN), "kunden-neu-offen")
    app.text_input(key="neu-kundennummer").input("123D000099")
    app.text_input(key="neu-vorname").input("李")
    app.text_input(key="neu-nachname").input("Wang")
    app.date_input(key="neu-geburtsdatum").set_value(date(1990, 3, 1))
    next(b for b in app.button if b.label == "Anlegen").click().run()

    message = "Das Zeichen „李“ (U+674E) kann in Dokumenten nicht gedruckt werden. Bitte ersetzen oder entfernen Sie es."
    shown = _shown(app)
    assert shown[shown.index(("text_input", "Vorname")) + 1] == ("error", message)  # right below the name
    assert app.text_input(key="neu-vorname").value == "李"
    assert store.find_clients("") == []


@pytest.fixture
def open_profiling(store: Store, caseworker: User) -> tuple:
    return open_profiling_with_goal(store, caseworker)


def test_the_consent_click_with_an_unprintable_goal_shows_the_message_at_the_goal_and_makes_no_pdf(
        app: AppTest, store: Store, open_profiling, made_on_click) -> None:  # noqa: F811
    client, profiling = open_profiling
    at = open_case(app, client, profiling)
    ok(at.switch_page(ZIEL).run())
    key = f"0-{profiling.id}-ziel-integrationsziel"
    at.text_area(key=key).input("Koch in 漢 Restaurant")
    ok(at.run())
    button, make = consent_button(at, made_on_click)
    button.click().run()

    assert not at.exception
    message = "Das Zeichen „漢“ (U+6F22) kann in Dokumenten nicht gedruckt werden. Bitte ersetzen oder entfernen Sie es."
    assert "Bitte prüfen Sie die markierte Eingabe." in [e.value for e in at.error]
    shown = _shown(at)
    goal = next(t for t in at.text_area if t.key == key)
    assert shown[shown.index(("text_area", goal.label)) + 1] == ("error", message)  # right below the goal
    with pytest.raises(Exception, match="nicht erstellt"):
        make()
    assert at.text_area(key=key).value == "Koch in 漢 Restaurant"
    assert store.get(Profiling, profiling.id).integrationsziel == "Arbeit als Koch"


def test_a_bemerkung_no_font_prints_is_shown_at_the_handlungsbedarfe(
        app: AppTest, store: Store, open_profiling) -> None:
    client, profiling = open_profiling
    at = open_case(app, client, profiling)
    relevant = next(c for c in at.checkbox if c.key.endswith("-berufliche_qualifikation-relevant"))
    ok(relevant.check().run())
    notes = next(t for t in at.text_area if "berufliche_qualifikation" in t.key)
    notes.input("Abschluss 漢")
    ok(at.run())
    next(b for b in at.button if b.label == "Speichern").click().run()

    message = "Das Zeichen „漢“ (U+6F22) kann in Dokumenten nicht gedruckt werden. Bitte ersetzen oder entfernen Sie es."
    assert sorted(e.value for e in at.error) == sorted([message, "Bitte prüfen Sie die markierte Eingabe."])
    shown = _shown(at)
    assert shown.index(("error", message)) > shown.index(("text_area", notes.label))  # at the Bedarfe, not on top
    assert store.get(Profiling, profiling.id).handlungsbedarfe["berufliche_qualifikation"].bemerkungen == ""
