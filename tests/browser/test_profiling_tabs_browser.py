"""Phase 1 in a real browser: the page draws only the open Handlungsfeld tab, so Bemerkungen typed in one tab and a
click on another tab right after (the text area's value reaches the server with the click) must keep the text."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.test_happy_path import (
    PASSWORD,
    USERNAME,
    click_button,
    expect_text,
    go,
    main,
    open_tab,
    page,
    playwright_sync,
    server,
    set_date,
    settle,
    tick,
    type_into,
)

__all__ = ["page", "playwright_sync", "server"]  # the happy path's fixtures, used here as they are

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTES = "Bemerkungen zu „Berufliche Qualifikation“"


def test_bemerkungen_typed_then_a_click_on_another_tab_are_kept(page) -> None:
    type_into(page, "Benutzername", USERNAME)
    type_into(page, "Passwort", PASSWORD)
    click_button(page, "Anmelden")
    expect_text(page, "Guten Tag, Petra Meier")
    go(page, "Kunden")
    page.get_by_text("Neue Kundin / neuen Kunden anlegen").click()
    settle(page)
    type_into(page, "Kundennummer", "123D000555")
    type_into(page, "Vorname", "Tara")
    type_into(page, "Nachname", "Reiter")
    set_date(page, "Geburtsdatum", date(1990, 2, 3))
    click_button(page, "Anlegen")
    expect_text(page, "neuer Eintrag …")
    click_button(page, "Neues Profiling")
    expect_text(page, "Basisprofil (Stärken)")
    tick(page, "berufliche_qualifikation-relevant")
    expect_text(page, "Qualifikation (1)")

    notes = main(page).get_by_label(NOTES, exact=True)
    notes.click()
    notes.fill("Kein anerkannter Berufsabschluss")  # no Tab: the click on the tab takes the focus away
    page.get_by_role("tab", name="Motivation").click()
    settle(page)
    assert open_tab(page).startswith("Motivation (0)")
    assert not main(page).get_by_label(NOTES, exact=True).count()  # the closed tab is not drawn

    page.get_by_role("tab", name="Qualifikation").click()
    settle(page)
    assert main(page).get_by_label(NOTES, exact=True).input_value() == "Kein anerkannter Berufsabschluss"

    page.get_by_role("tab", name="Rahmenbedingungen").click()
    settle(page)
    click_button(page, "Speichern")
    expect_text(page, "Profiling gespeichert")
    page.get_by_role("tab", name="Qualifikation").click()
    settle(page)
    assert main(page).get_by_label(NOTES, exact=True).input_value() == "Kein anerkannter Berufsabschluss"
