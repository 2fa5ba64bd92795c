"""The caseworker's happy path in a real browser (Debian's headless Chromium) against `streamlit run app.py`.

One screenshot per phase goes to test-artefacts/browser/happy-path/ (repo root), each taken after the rerun has
finished and the step's own text is shown; look at them after a change of the pages.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser.accessibility import check_screen
from tests.browser.streamlit_server import streamlit_server
from tests.missing import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artefacts" / "browser"
SHOTS = ARTEFACTS / "happy-path"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
USERNAME, PASSWORD = "ifk.meier", "Lagerhalle-2026!"
GOAL = "Festanstellung als Fachkraft Lagerlogistik in Vollzeit"
#: Waits for the app (ms): generous, so that a rerun on a loaded 2-core machine is waited for, not failed.
TIMEOUT_MS = 60_000
#: How long the app must stay idle before a rerun counts as finished (a page may rerun itself right away).
QUIET_MS = 400

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def playwright_sync():
    if not CHROMIUM.exists():
        skip_or_fail("Chromium fehlt: apt-get install -y chromium (Debian-Paket, kein `playwright install`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Python-Paket playwright fehlt (pip install -e .[test])")
    with sync_playwright() as playwright:
        yield playwright


def _prepare_data(data_dir: Path) -> None:
    """A KDN account, the caseworker's account (Team 1) and the shipped catalogue, created through services."""
    os.environ["VIERPHASEN_DATA_DIR"] = str(data_dir)
    import config
    from schemas.records import Role
    from services.catalogue import ensure_catalogue
    from services.users import create_first_admin, create_user
    from storage import open_store

    config.get_settings.cache_clear()
    try:
        store = open_store(config.get_settings())
        admin = create_first_admin(store, username="kdn.admin", display_name="KDN Admin", password="Verwaltung-2026!")
        ensure_catalogue(store, actor=admin)
        create_user(store, username=USERNAME, display_name="Petra Meier", role=Role.IFK, team="Team 1",
                    password=PASSWORD, actor=admin)
        store.close_store()
    finally:
        del os.environ["VIERPHASEN_DATA_DIR"]
        config.get_settings.cache_clear()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("browser-data")
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


# --- helpers -------------------------------------------------------------------------------------


#: True once Streamlit has been idle for QUIET_MS: connected, no rerun requested or running (the app root's
#: data-test-script-state, set at once by a click), no element of the previous run still shown (data-stale),
#: no lazily loaded element still a skeleton, no running indicator, every web font loaded.
_IDLE = """quietMs => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app !== null
    && app.dataset.testConnectionState === 'CONNECTED'
    && app.dataset.testScriptState === 'notRunning'
    && !document.querySelector(
      '[data-stale="true"], [data-testid="stSkeleton"], [data-testid="stStatusWidgetRunningIcon"]')
    && document.fonts.status === 'loaded';
  if (!idle) { window.__vierphasenIdleSince = undefined; return false; }
  window.__vierphasenIdleSince ??= performance.now();
  return performance.now() - window.__vierphasenIdleSince >= quietMs;
}"""


def settle(page, *, visible: str | None = None, timeout: int = TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished the rerun (see _IDLE); with `visible`, also until that text is shown in
    the main area, and idle again after it."""
    page.wait_for_timeout(250)  # the action's rerun request reaches the app within this
    page.evaluate("() => { window.__vierphasenIdleSince = undefined; }")
    page.wait_for_function(_IDLE, arg=QUIET_MS, timeout=timeout, polling=100)
    if visible is not None:
        main(page).get_by_text(visible, exact=False).first.wait_for(state="visible", timeout=timeout)
        page.wait_for_function(_IDLE, arg=QUIET_MS, timeout=timeout, polling=100)
    page.wait_for_load_state("networkidle", timeout=timeout)


def shot(page, name: str, *, top: bool = True, ready: str | None = None, folder: Path = SHOTS) -> None:
    """Screenshot `folder`/`name`.png of the finished rerun; `ready`: a text of this step that must be shown."""
    settle(page, visible=ready)
    folder.mkdir(parents=True, exist_ok=True)
    if top:
        page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
        page.wait_for_timeout(100)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def main(page):
    return page.locator('[data-testid="stMain"]')


def type_into(page, label: str, text: str, *, nth: int = 0) -> None:
    field = main(page).get_by_label(label, exact=True).nth(nth)
    field.click()
    field.fill(text)
    field.press("Tab")  # Streamlit takes a text input on blur
    settle(page)


def click_button(page, label: str) -> None:
    main(page).get_by_role("button", name=re.compile(rf"^(\S+\s)?{re.escape(label)}$")).first.click()
    settle(page)


def go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    settle(page)


def choose(page, label: str, option: str) -> None:
    """Pick an option of a selectbox or multiselect by its visible label."""
    main(page).get_by_role("combobox", name=label, exact=True).first.click()
    page.keyboard.type(option[:12])
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")
    settle(page)


def set_date(page, label: str, day: date) -> None:
    """Type a date into a date input's segments (TT.MM.JJJJ) and close its calendar."""
    main(page).get_by_label(label, exact=True).first.click()
    page.keyboard.type(day.strftime("%d%m%Y"))
    page.keyboard.press("Escape")
    settle(page)


def tick(page, widget_key_part: str) -> None:
    """Tick the checkbox whose widget key contains `widget_key_part` (Streamlit marks keyed elements)."""
    page.locator(f'[class*="{widget_key_part}"] label').first.click()
    settle(page)


def expect_text(page, text: str) -> None:
    main(page).get_by_text(text, exact=False).first.wait_for(state="visible")


def sign_in(page, username: str = USERNAME, name: str = "Petra Meier") -> None:
    """Sign in on the sign-in page and wait for the start page's greeting."""
    type_into(page, "Benutzername", username)
    type_into(page, "Passwort", PASSWORD)
    click_button(page, "Anmelden")
    expect_text(page, f"Guten Tag, {name}")


def open_new_client_form(page) -> None:
    go(page, "Kunden")
    page.get_by_text("Neue Kundin / neuen Kunden anlegen").click()
    settle(page)


def create_client(page, kundennummer: str, vorname: str, nachname: str, born: date) -> None:
    """Fill the open new-client form, send it and wait until the client is created and selected."""
    type_into(page, "Kundennummer", kundennummer)
    type_into(page, "Vorname", vorname)
    type_into(page, "Nachname", nachname)
    set_date(page, "Geburtsdatum", born)
    click_button(page, "Anlegen")
    expect_text(page, "angelegt und ausgewählt")


# --- the test ------------------------------------------------------------------------------------


def test_caseworker_happy_path_in_chromium(page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):  # this test's own folder: other tests' screenshots stay
        old.unlink()
    try:
        _happy_path(page)
    except BaseException:
        page.screenshot(path=str(SHOTS / "99-fehler.png"), full_page=True)  # as it is: no waiting for a rerun
        raise


#: Phase 1 with the shipped catalogue and nothing marked fits this height at 1400×900 (issue 15).
PROFILING_MAX_PX = 1400


def main_height(page, width: int = 1400, height: int = 900) -> float:
    """The height of the main area's content at a `width`×`height` window (the viewport is set back after)."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    settle(page)
    measured = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').getBoundingClientRect().height")
    page.set_viewport_size(before)
    settle(page)
    return measured


def open_tab(page) -> str:
    return main(page).get_by_role("tab", selected=True).first.inner_text().strip()


def _happy_path(page) -> None:
    check_screen(page, "00-anmelden")
    page.get_by_role("link", name="Erklärung zur Barrierefreiheit").click()
    settle(page, visible="Schlichtungsstelle")
    check_screen(page, "00-barrierefreiheit")
    page.get_by_role("link", name="Zur Anmeldung").click()
    settle(page, visible="Benutzername")
    sign_in(page)
    shot(page, "00-start", ready="Guten Tag, Petra Meier")
    check_screen(page, "00-start")

    # Clients: create one
    open_new_client_form(page)
    check_screen(page, "01-kunden-neu")
    create_client(page, "123D000777", "Maria", "Muster", date(1985, 5, 17))
    expect_text(page, "neuer Eintrag …")
    shot(page, "01-kunden", ready="neuer Eintrag …")
    check_screen(page, "01-kunden")

    # Phase 1: Profiling
    click_button(page, "Neues Profiling")
    expect_text(page, "Basisprofil (Stärken)")
    shot(page, "02a-profiling-leer", ready="Basisprofil (Stärken)")
    check_screen(page, "02a-profiling-leer")
    assert main_height(page) <= PROFILING_MAX_PX  # the full catalogue, nothing marked, at 1400×900
    assert not main(page).get_by_label("Bemerkungen zu „Berufliche Qualifikation“").count()
    type_into(page, "Zielberuf", "Fachkraft Lagerlogistik")
    type_into(page, "Kompetenzen (eine je Zeile)", "Staplerschein\nTeamarbeit")
    page.get_by_role("tab", name="Rahmenbedingungen").click()
    settle(page)
    tick(page, "wohnsituation-relevant")
    expect_text(page, "Rahmenbedingungen (1)")
    assert open_tab(page).startswith("Rahmenbedingungen (1)")  # the count changed, the tab stayed open
    tick(page, "wohnsituation-relevant")  # unmarked again: no strategy is needed for it
    expect_text(page, "Rahmenbedingungen (0)")
    page.get_by_role("tab", name="Qualifikation").click()
    settle(page)
    tick(page, "berufliche_qualifikation-relevant")
    type_into(page, "Bemerkungen zu „Berufliche Qualifikation“", "Kein anerkannter Berufsabschluss")
    choose(page, "Integrationsprognose", "marktnah (< 12 Monate)")
    expect_text(page, "Ungespeicherte Änderungen")
    shot(page, "02b-profiling-unten-checkliste-bleibt-sichtbar", top=False, ready="Ungespeicherte Änderungen")
    shot(page, "02-profiling-eingabe", ready="Ungespeicherte Änderungen")
    check_screen(page, "02-profiling-eingabe")
    assert main(page).get_by_text("Ungespeicherte Änderungen").count() == 1
    click_button(page, "Speichern")
    expect_text(page, "Profiling gespeichert")
    shot(page, "03-profiling-gespeichert", ready="Profiling gespeichert")
    assert open_tab(page).startswith("Qualifikation (1)")  # the tab open before the save

    # Phase 2: Ziel
    go(page, "2 Ziel")
    type_into(page, "Integrationsziel", "Festanstellung als Fachkraft Lagerlogistik")
    main(page).get_by_text("Einverständnis der Kundin / des Kunden eingeholt", exact=False).first.click()
    settle(page)
    expect_text(page, "Einverständnis eingeholt am")
    shot(page, "04-ziel", ready="Einverständnis eingeholt am")
    check_screen(page, "04-ziel")

    # The consent form is one click from the page to the PDF bytes, also with input not yet taken: the text is
    # typed without leaving the field, and the click both saves it and prints it.
    main(page).get_by_label("Integrationsziel", exact=True).first.fill(GOAL)
    clicks = 0
    with page.expect_download() as download:
        main(page).get_by_role("button", name=re.compile("Einverständniserklärung drucken")).click()
        clicks += 1
    pdf = Path(download.value.path()).read_bytes()
    assert clicks == 1 and download.value.suggested_filename.startswith("Einverstaendniserklaerung_123D000777_")
    assert GOAL in " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    settle(page, visible="Profiling gespeichert")

    # Phase 3: Strategien
    go(page, "3 Strategien")
    expect_text(page, "Vorrang hat die Vermittlung in Arbeit")
    choose(page, "Berufliche Qualifikation", "Berufsabschluss erwerben")
    choose(page, "Übergreifend", "Vermittlung in Arbeit/ Ausbildung 1. AMA")
    shot(page, "05-strategien", ready="Berufsabschluss erwerben")
    check_screen(page, "05-strategien")
    click_button(page, "Speichern")
    expect_text(page, "Profiling gespeichert")

    # Close the profiling: the EGV is agreed from a closed profiling
    go(page, "1 Profiling")
    click_button(page, "Abschließen")
    expect_text(page, "Profiling abgeschlossen")
    shot(page, "06-profiling-abgeschlossen", ready="Profiling abgeschlossen")
    check_screen(page, "06-profiling-abgeschlossen")

    # Phase 4: EGV
    go(page, "4 EGV")
    expect_text(page, "Teilschritte und Zwischenziele")
    type_into(page, "Teilschritte und Zwischenziele",
              "- Berufsabschluss erwerben: Beratung zur Umschulung bis Ende Januar\n"
              "- Vermittlung in Arbeit/ Ausbildung 1. AMA: zwei Vermittlungsvorschläge je Monat")
    type_into(page, "Leistungen des Jobcenters", "Bildungsgutschein für die Umschulung")
    type_into(page, "Bemühungen der Kundin / des Kunden", "Zwei Bewerbungen je Woche")
    expect_text(page, "Ungespeicherte Änderungen")
    shot(page, "07a-egv-entwurf", ready="Ungespeicherte Änderungen")
    check_screen(page, "07a-egv-entwurf")
    click_button(page, "EGV speichern")
    expect_text(page, "EGV gespeichert")
    click_button(page, "EGV abschließen (vereinbart)")
    expect_text(page, "EGV abgeschlossen")
    shot(page, "07-egv", ready="EGV abgeschlossen")
    check_screen(page, "07-egv")

    # Folgegespräch; its suggested next step clones the closed profiling
    go(page, "Folgegespräch")
    expect_text(page, "Nächster Termin")
    check_screen(page, "08a-folgegespraech-eingabe")
    main(page).get_by_text("Abgleich der EGV mit dem tatsächlichen Stand der Umsetzung", exact=True).click()
    settle(page)
    click_button(page, "Folgegespräch speichern")
    expect_text(page, "gespeichert")
    expect_text(page, "Standortbestimmung, siehe Profiling vom")
    shot(page, "08-folgegespraech", ready="Standortbestimmung, siehe Profiling vom")
    check_screen(page, "08-folgegespraech")
    click_button(page, "Profiling klonen und aktualisieren")
    expect_text(page, "Neues Profiling als Kopie angelegt")
    shot(page, "09-klon", ready="Neues Profiling als Kopie angelegt")
    go(page, "Kunden")
    expect_text(page, "abgeschl.")
    shot(page, "10-kunden-verlauf", ready="abgeschl.")
    check_screen(page, "10-kunden-verlauf")
    assert not main(page).locator('[data-testid="stException"]').count()
