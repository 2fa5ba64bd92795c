"""Accessibility in a real browser: the KDN screens (second factor with QR code, user management, catalogue editor)
under axe-core, in German; and the caseworker's happy path by keyboard alone with a visible focus at every stop.

The happy path's own screens are checked in test_happy_path.py (check_screen after each step). Reports per screen
go to test-artefacts/browser/accessibility/, screenshots to test-artefacts/browser/tastatur/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.accessibility import NO_FOCUS, check_screen, focus_problem
from tests.browser.streamlit_server import streamlit_server
from tests.browser.test_happy_path import (
    ARTEFACTS,
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
    playwright_sync,
    settle,
    type_into,
)

__all__ = ["playwright_sync"]  # the fixture, imported for this module

KDN, KDN_PASSWORD = "kdn.admin", "Verwaltung-2026!"
KEYS = ARTEFACTS / "tastatur"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("a11y-data")
    _prepare_data(data_dir)
    with streamlit_server({"VIERPHASEN_DATA_DIR": str(data_dir),
                           "VIERPHASEN_BARRIEREFREIHEIT_KONTAKT": "barrierefreiheit@jobcenter.example"},
                          data_dir.parent / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(playwright_sync, server: str):
    browser = playwright_sync.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server)
    settle(page)
    yield page
    context.close()
    browser.close()


def tab_name(page, name: str) -> None:
    page.get_by_role("tab", name=name).first.click()
    settle(page)


# --- KDN screens: second factor, user management, catalogue editor -------------------------------------


def test_kdn_screens_pass_axe_in_german(page) -> None:
    import pyotp

    type_into(page, "Benutzername", KDN)
    type_into(page, "Passwort", KDN_PASSWORD)
    click_button(page, "Anmelden")
    expect_text(page, "Zweiten Faktor einrichten")
    assert page.get_by_role("img", name=re.compile("QR-Code")).count() == 1  # the QR code has a text alternative
    check_screen(page, "20-totp-einrichten")
    secret = main(page).locator('[data-testid="stCode"]').first.inner_text().strip()
    type_into(page, "Code aus der App (6 Ziffern)", pyotp.TOTP(secret).now())
    click_button(page, "Einrichten und anmelden")
    expect_text(page, "Wiederherstellungscodes")
    check_screen(page, "21-wiederherstellungscodes")
    click_button(page, "Ich habe die Codes notiert – weiter")
    expect_text(page, "Guten Tag")
    check_screen(page, "22-start-kdn")

    go(page, "Benutzerverwaltung")
    expect_text(page, "Neues Konto")
    check_screen(page, "23-benutzerverwaltung")
    tab_name(page, "Konto bearbeiten")
    check_screen(page, "24-konto-bearbeiten")

    go(page, "Katalog")
    click_button(page, "Neuen Entwurf aus Version 1 beginnen")
    expect_text(page, "Einträge suchen")
    check_screen(page, "25-katalog-entwurf")
    type_into(page, "Einträge suchen (Bezeichnung oder id)", "mobilität")
    expect_text(page, "passende Einträge")
    check_screen(page, "26-katalog-suche")
    tab_name(page, "YAML-Text und Import")
    expect_text(page, "YAML-Datei als Entwurf importieren")
    check_screen(page, "27-katalog-import")
    tab_name(page, "Prüfen und veröffentlichen")
    check_screen(page, "28-katalog-pruefen")


# --- the happy path by keyboard alone --------------------------------------------------------------------


class Keyboard:
    """Moves through the page with Tab / Shift+Tab and acts with Enter, Space and the arrow keys; every element
    the focus lands on must show a visible focus indicator."""

    def __init__(self, page) -> None:
        self.page = page
        self.stops = 0

    def focused(self) -> dict:
        """The focused element: tag, role, its text without icon ligatures, its label (accessible name)."""
        return self.page.evaluate("""() => {
          const el = document.activeElement;
          if (!el) return {tag: '', role: '', text: '', label: ''};
          const clean = node => {
            if (!node) return '';
            const copy = node.cloneNode(true);
            copy.querySelectorAll('[translate="no"], [aria-hidden="true"]').forEach(n => n.remove());
            return (copy.innerText ?? copy.textContent ?? '').trim();
          };
          const labelledby = (el.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
            .map(id => clean(document.getElementById(id))).join(' ');
          const label = el.getAttribute('aria-label') || labelledby || (el.labels && clean(el.labels[0]))
            || clean(el.closest('label')) || '';
          return {tag: el.tagName, role: el.getAttribute('role') || '', text: clean(el), label: label.trim()};
        }""")

    def to(self, matches, *, limit: int = 250, back: bool = False) -> dict:
        """Tab (or Shift+Tab) until the focused element `matches`; fails if it never does or shows no focus."""
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            problem = focus_problem(self.page)
            if problem == NO_FOCUS:  # past the last element the focus leaves the page; the next Tab comes back
                continue
            self.stops += 1
            assert not problem, f"Fokus nach {self.stops} Tastendrücken: {problem} ({self.focused()})"
            element = self.focused()
            if matches(element):
                return element
        raise AssertionError(f"nicht mit der Tab-Taste erreicht ({limit} Schritte), zuletzt: {self.focused()}")

    def to_text(self, text: str, **kwargs) -> dict:
        return self.to(lambda e: e["text"] == text or e["label"] == text, **kwargs)

    def to_label(self, label: str, **kwargs) -> dict:
        return self.to(lambda e: e["label"] == label or e["label"].startswith(label + "\n"), **kwargs)

    def press(self, key: str, *, wait: str | None = None) -> None:
        self.page.keyboard.press(key)
        settle(self.page, visible=wait)

    def fill(self, label: str, text: str) -> None:
        """Tab to a text field by its label, type, and leave it with Tab (Streamlit takes the value on blur)."""
        self.to_label(label)
        self.page.keyboard.type(text)
        self.page.keyboard.press("Tab")
        settle(self.page)

    def activate(self, text: str, *, key: str = "Enter", wait: str | None = None) -> None:
        self.to_text(text)
        self.press(key, wait=wait)

    def menu(self, text: str, *, wait: str | None = None) -> None:
        """A page of the sidebar menu (Tab goes round the page until its link has the focus)."""
        self.activate(text, wait=wait)

    def choose(self, label: str, option: str) -> None:
        """A selectbox or multiselect: open with the down arrow, arrow to the option, take it with Enter."""
        self.to_label(label)
        self.page.keyboard.press("ArrowDown")
        for _ in range(40):
            active = self.page.evaluate("""() => {
              const id = document.activeElement?.getAttribute('aria-activedescendant');
              const option = id ? document.getElementById(id)
                : document.querySelector('[role="option"][aria-selected="true"], [role="option"][data-highlighted]');
              return (option?.innerText || '').trim();
            }""")
            if active == option:
                break
            self.page.keyboard.press("ArrowDown")
        else:
            raise AssertionError(f"Option „{option}“ nicht mit den Pfeiltasten erreicht")
        self.page.keyboard.press("Enter")
        self.page.keyboard.press("Tab")
        settle(self.page)

    def shot(self, name: str) -> None:
        KEYS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(KEYS / f"{name}.png"))


def test_ifk_happy_path_by_keyboard_alone(page) -> None:
    """Client → four phases → close → EGV PDF with Tab, Shift+Tab, Enter, Space and arrow keys only."""
    try:
        _by_keyboard(page, Keyboard(page))
    except BaseException:
        Keyboard(page).shot("99-fehler")
        raise


def _by_keyboard(page, keys: Keyboard) -> None:
    keys.fill("Benutzername", USERNAME)
    keys.fill("Passwort", PASSWORD)
    keys.activate("Anmelden", wait="Guten Tag, Petra Meier")
    keys.shot("00-start")

    keys.menu("Kunden", wait="Neue Kundin / neuen Kunden anlegen")
    keys.activate("Neue Kundin / neuen Kunden anlegen")
    keys.fill("Kundennummer", "123D000888")
    keys.fill("Vorname", "Karla")
    keys.fill("Nachname", "Tastatur")
    keys.to_label("Tag, Geburtsdatum")
    page.keyboard.type("17051985")
    keys.activate("Anlegen", wait="angelegt und ausgewählt")
    keys.shot("01-kunde")
    keys.activate("Neues Profiling", wait="Basisprofil (Stärken)")

    # Phase 1
    keys.fill("Zielberuf", "Fachkraft Lagerlogistik")
    keys.fill("Kompetenzen (eine je Zeile)", "Staplerschein")
    keys.to(lambda e: e["role"] == "tab" and e["text"].startswith("Qualifikation"))
    keys.to_label("Berufliche Qualifikation")
    keys.press("Space", wait="Qualifikation (1)")
    keys.choose("Integrationsprognose", "marktnah (< 12 Monate)")
    keys.activate("Speichern", wait="Profiling gespeichert")
    keys.shot("02-profiling")

    # Phase 2
    keys.menu("2 Ziel", wait="Integrationsziel")
    keys.fill("Integrationsziel", "Festanstellung als Fachkraft Lagerlogistik")
    keys.to_label("Einverständnis der Kundin / des Kunden eingeholt und Ergebnis besprochen")
    keys.press("Space", wait="Einverständnis eingeholt am")
    keys.activate("Speichern", wait="Profiling gespeichert")
    keys.shot("03-ziel")

    # Phase 3
    keys.menu("3 Strategien", wait="Vorrang hat die Vermittlung in Arbeit")
    keys.choose("Berufliche Qualifikation", "Berufsabschluss erwerben")
    keys.choose("Übergreifend", "Vermittlung in Arbeit/ Ausbildung 1. AMA")
    keys.activate("Speichern", wait="Profiling gespeichert")
    keys.activate("Abschließen", wait="Profiling abgeschlossen")
    keys.shot("04-abgeschlossen")

    # Phase 4: the EGV, agreed, then its PDF in one keystroke
    keys.menu("4 EGV", wait="Teilschritte und Zwischenziele")
    # Prefilled with one line per strategy ("- Strategie: "); the caret stands at the end of the last line.
    keys.to_label("Teilschritte und Zwischenziele")
    page.keyboard.type("zwei Vermittlungsvorschläge je Monat")
    page.keyboard.press("ArrowUp")  # to the end of the shorter first line
    page.keyboard.type("Beratung zur Umschulung bis Ende Januar")
    page.keyboard.press("Tab")
    settle(page)
    keys.fill("Leistungen des Jobcenters", "Bildungsgutschein")
    keys.fill("Bemühungen der Kundin / des Kunden", "Zwei Bewerbungen je Woche")
    keys.activate("EGV speichern", wait="EGV gespeichert")
    keys.activate("EGV abschließen (vereinbart)", wait="EGV abgeschlossen")
    keys.to_text("EGV drucken (PDF)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and download.value.suggested_filename.startswith("EGV_123D000888_")
    keys.shot("05-egv")
    assert keys.stops > 20
