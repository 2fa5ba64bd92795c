"""Übergabe and Vertretung in a real browser (Debian's headless Chromium) against `streamlit run app.py` (issue 14).

KDN-Fachbetreuung (password + TOTP) grants a Vertretung for Team 1 to an IFK of Team 3; the IFK of Team 1 hands a
client over to Team 2; the deputy finds a Team 1 client, corrects its Stammdaten, and the Akte's change history
says "in Vertretung". Screenshots go to test-artefacts/browser/akte/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyotp
import pytest

from tests.browser.accessibility import check_screen
from tests.browser.streamlit_server import streamlit_server
from tests.browser.test_happy_path import (
    ARTEFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    click_button,
    expect_text,
    go,
    main,
    playwright_sync,  # noqa: F401 - the fixture
    settle,
    shot,
    type_into,
)

SHOTS = ARTEFACTS / "akte"
PASSWORD = "Lagerhalle-2026!"
SECRET = pyotp.random_base32()

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _prepare_data(data_dir: Path) -> None:
    """KDN (with an enrolled second factor), IFKs of Teams 1, 2 and 3, two clients of Team 1."""
    os.environ["VIERPHASEN_DATA_DIR"] = str(data_dir)
    import config
    from schemas.records import Client, Role
    from services.catalogue import ensure_catalogue
    from services.users import create_first_admin, create_user
    from storage import open_store

    config.get_settings.cache_clear()
    try:
        store = open_store(config.get_settings())
        admin = create_first_admin(store, username="kdn.admin", display_name="Karla Dorn", password=PASSWORD)
        admin = store.save(admin.model_copy(update={"totp_secret": SECRET}), actor=admin)
        ensure_catalogue(store, actor=admin)
        for username, name, team in (("ifk.meier", "Petra Meier", "Team 1"), ("ifk.weber", "Bernd Weber", "Team 2"),
                                     ("ifk.vogel", "Vera Vogel", "Team 3")):  # fmt: skip
            create_user(store, username=username, display_name=name, role=Role.IFK, team=team, password=PASSWORD,
                        actor=admin)  # fmt: skip
        meier = store.user_by_username("ifk.meier")
        for number, (vorname, nachname) in enumerate((("Anna", "Umzug"), ("Bruno", "Bleibt")), start=1):
            store.add(Client(id=f"kunde{number}", kundennummer=f"123D00088{number}", vorname=vorname,
                             nachname=nachname, geburtsdatum=date(1980, 3, number), team="Team 1"),
                      actor=meier)  # fmt: skip
        store.close_store()
    finally:
        del os.environ["VIERPHASEN_DATA_DIR"]
        config.get_settings.cache_clear()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("akte-browser-data")
    _prepare_data(data_dir)
    with streamlit_server({"VIERPHASEN_DATA_DIR": str(data_dir)}, data_dir.parent / "streamlit.log") as url:
        yield url


@pytest.fixture
def browser(playwright_sync):  # noqa: F811 - the fixture imported above
    browser = playwright_sync.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _signed_in(browser, server: str, username: str, *, totp: bool = False):
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server)
    settle(page)
    type_into(page, "Benutzername", username)
    type_into(page, "Passwort", PASSWORD)
    click_button(page, "Anmelden")
    if totp:
        type_into(page, "Code aus der Authenticator-App oder Wiederherstellungscode", pyotp.TOTP(SECRET).now())
        click_button(page, "Anmelden")
    expect_text(page, "Guten Tag")
    return page


def pick(page, label: str, option: str) -> None:
    """Pick a selectbox option inside a form (typing and Escape, as `choose` does, would drop the choice)."""
    box = main(page).get_by_role("combobox", name=label, exact=True).first
    choice = page.get_by_role("option", name=option, exact=True).first
    for _ in range(3):  # a click during an expander's opening animation may close the list again
        box.click()
        try:
            choice.wait_for(state="visible", timeout=5000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: open it once more
            page.keyboard.press("Escape")
    choice.click()
    settle(page)


def _select_client(page, text: str, name: str) -> None:
    go(page, "Kunden")
    type_into(page, "Kundennummer oder Name", text)
    expect_text(page, name)
    click_button(page, "Auswählen")
    go(page, "Akte")
    expect_text(page, "Änderungsverlauf der Akte")


def test_uebergabe_and_vertretung_in_chromium(browser, server: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    pages = []
    try:
        # KDN-Fachbetreuung grants the Vertretung
        kdn = _signed_in(browser, server, "kdn.admin", totp=True)
        pages.append(kdn)
        go(kdn, "Vertretungen")
        pick(kdn, "Vertretung durch", "Vera Vogel (Team 3)")
        pick(kdn, "Vertretenes Team", "Team 1")
        type_into(kdn, "Grund", "Urlaub")
        click_button(kdn, "Vertretung eintragen")
        expect_text(kdn, "Vera Vogel vertritt Team 1")
        shot(kdn, "01-vertretung-eingetragen", ready="Vera Vogel vertritt Team 1", folder=SHOTS)

        # the IFK of Team 1 hands Anna Umzug over to Team 2
        meier = _signed_in(browser, server, "ifk.meier")
        pages.append(meier)
        _select_client(meier, "Umzug", "Umzug, Anna")
        meier.get_by_text("Übergabe an ein anderes Team").click()
        settle(meier)
        pick(meier, "Neues Team", "Team 2")
        shot(meier, "02-uebergabe-auswahl", ready="Neues Team", folder=SHOTS)
        check_screen(meier, "42-akte-uebergabe")  # the Akte with an open section
        click_button(meier, "Übergeben")
        expect_text(meier, "an Team 2 übergeben")
        shot(meier, "03-uebergeben", ready="an Team 2 übergeben", folder=SHOTS)
        go(meier, "Kunden")
        type_into(meier, "Kundennummer oder Name", "Umzug")
        expect_text(meier, "Keine Kundin / kein Kunde gefunden.")

        # Team 2 sees the client and the move
        weber = _signed_in(browser, server, "ifk.weber")
        pages.append(weber)
        _select_client(weber, "Umzug", "Umzug, Anna")
        expect_text(weber, "Übergabe von Team 1 an Team 2")
        shot(weber, "04-neues-team-sieht-uebergabe", ready="Übergabe von Team 1 an Team 2", folder=SHOTS)

        # the deputy of Team 3 works on a Team 1 client; the change says "in Vertretung"
        vogel = _signed_in(browser, server, "ifk.vogel")
        pages.append(vogel)
        _select_client(vogel, "Bleibt", "Bleibt, Bruno")
        vogel.get_by_text("Stammdaten korrigieren").click()
        settle(vogel)
        type_into(vogel, "Vorname", "Bruno Karl")
        click_button(vogel, "Stammdaten speichern")
        expect_text(vogel, "Die Stammdaten wurden gespeichert.")
        main(vogel).get_by_text("Änderungsverlauf der Akte").click()
        settle(vogel)
        expect_text(vogel, "(in Vertretung)")
        shot(vogel, "05-vertretung-aenderung", ready="(in Vertretung)", folder=SHOTS)
        check_screen(vogel, "43-akte-verlauf-und-stammdaten")  # two open sections, one a form
        for page in pages:
            assert not main(page).locator('[data-testid="stException"]').count()
    except BaseException:
        for number, page in enumerate(pages):
            page.screenshot(path=str(SHOTS / f"99-fehler-{number}.png"), full_page=True)
        raise
