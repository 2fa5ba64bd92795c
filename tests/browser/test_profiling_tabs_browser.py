"""Phase 1 in a real browser: the page draws only the open Handlungsfeld tab, so Bemerkungen typed in one tab and a
click on another tab right after (the text area's value reaches the server with the click) must keep the text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from tests.browser.streamlit_server import streamlit_server
from tests.browser.test_happy_path import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    TIMEOUT_MS,
    USERNAME,
    _prepare_data,
    click_button,
    expect_text,
    go,
    main,
    open_tab,
    playwright_sync,
    set_date,
    settle,
    tick,
    type_into,
)

__all__ = ["playwright_sync"]  # the fixture, imported for this module

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTES = "Bemerkungen zu „Berufliche Qualifikation“"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("tabs-data")
    _prepare_data(data_dir)
    with streamlit_server({"VIERPHASEN_DATA_DIR": str(data_dir)}, data_dir.parent / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(playwright_sync, server: str):
    browser = playwright_sync.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server)
    settle(page)
    yield page
    context.close()
    browser.close()


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
