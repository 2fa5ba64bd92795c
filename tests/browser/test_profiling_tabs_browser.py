"""Phase 1 in a real browser: the page draws only the open Handlungsfeld tab, so Bemerkungen typed in one tab and a
click on another tab right after (the text area's value reaches the server with the click) must keep the text."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.test_happy_path import (
    click_button,
    create_client,
    expect_text,
    main,
    open_new_client_form,
    open_tab,
    page,
    playwright_sync,
    server,
    settle,
    sign_in,
    tick,
)

__all__ = ["page", "playwright_sync", "server"]  # the happy path's fixtures, used here as they are

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTES = "Bemerkungen zu „Berufliche Qualifikation“"


def test_bemerkungen_typed_then_a_click_on_another_tab_are_kept(page) -> None:
    sign_in(page)
    open_new_client_form(page)
    create_client(page, "123D000555", "Tara", "Reiter", date(1990, 2, 3))
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
