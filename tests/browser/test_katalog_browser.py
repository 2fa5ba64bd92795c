"""A trainer adds a Handlungsbedarf with a strategy and publishes it, in a real browser (Debian's headless Chromium).

Screenshots go to test-artefacts/browser/katalog-*.png (repo root); look at them after a change of the page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_happy_path import (  # noqa: F401 - fixtures playwright_sync and page are used by name
    ARTEFACTS,
    ROOT,
    _free_port,
    click_button,
    expect_text,
    main,
    page,
    playwright_sync,
    settle,
    type_into,
)

TRAINER, PASSWORD = "trainer.tina", "Katalogpflege-2026!"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _prepare_data(data_dir: Path) -> None:
    """A KDN account, a trainer and the shipped catalogue, created through the services."""
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
        create_user(store, username=TRAINER, display_name="Tina Trainer", role=Role.TRAINER, password=PASSWORD,
                    actor=admin)
        store.close_store()
    finally:
        del os.environ["VIERPHASEN_DATA_DIR"]
        config.get_settings.cache_clear()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port with the trainer's data directory (used by the `page` fixture)."""
    data_dir = tmp_path_factory.mktemp("katalog-data")
    _prepare_data(data_dir)
    port = _free_port()
    env = {**os.environ, "VIERPHASEN_DATA_DIR": str(data_dir)}
    env.pop("VIERPHASEN_DATABASE_URL", None)
    log_path = data_dir.parent / "streamlit-katalog.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("streamlit run startete nicht:\n" + log_path.read_text())
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def shot(page, name: str) -> None:  # noqa: F811 - the fixture `page` imported above
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"katalog-{name}.png"), full_page=True)


def tab(page, title: str) -> None:  # noqa: F811 - the fixture `page` imported above
    main(page).get_by_role("tab", name=title, exact=True).first.click()
    settle(page)


def test_trainer_adds_a_handlungsbedarf_and_publishes_in_chromium(page) -> None:  # noqa: F811 - the fixture `page` imported above
    for old in ARTEFACTS.glob("katalog-*.png"):
        old.unlink()
    try:
        _add_and_publish(page)
    except BaseException:
        shot(page, "99-fehler")
        raise


def _add_and_publish(page) -> None:  # noqa: F811 - the fixture `page` imported above
    type_into(page, "Benutzername", TRAINER)
    type_into(page, "Passwort", PASSWORD)
    click_button(page, "Anmelden")
    page.locator('[data-testid="stSidebarNav"] a', has_text="Katalog").first.click()
    settle(page)
    expect_text(page, "Zurzeit ist kein Entwurf in Arbeit.")
    shot(page, "01-kein-entwurf")

    click_button(page, "Neuen Entwurf aus Version 1 beginnen")
    expect_text(page, "Der Entwurf ist gültig.")
    shot(page, "02-entwurf")

    summary = main(page).locator('[data-testid="stExpander"] summary',
                                 has_text="Handlungsbedarf hinzufügen (in „Qualifikation“)").first
    summary.scroll_into_view_if_needed()
    summary.click()
    settle(page)
    type_into(page, "Bezeichnung Handlungsbedarf", "Digitale Kompetenzen")
    type_into(page, "Erste Handlungsstrategie", "Digitale Grundbildung vermitteln")
    expander = main(page).locator('[data-testid="stExpander"]', has_text="in „Qualifikation“").first
    expander.get_by_role("button", name="Hinzufügen", exact=True).click()
    settle(page)
    expect_text(page, "Handlungsbedarf hinzugefügt.")
    row = main(page).get_by_text("Digitale Kompetenzen · digitale_kompetenzen").first
    row.wait_for(state="visible")
    row.scroll_into_view_if_needed()
    shot(page, "03-hinzugefuegt")

    tab(page, "Formularvorschau")
    main(page).get_by_text("Digitale Kompetenzen", exact=True).first.wait_for(state="visible")
    shot(page, "04-vorschau")

    tab(page, "Prüfen und veröffentlichen")
    expect_text(page, "neu: Handlungsbedarf „Digitale Kompetenzen“ (in „Qualifikation“)")
    type_into(page, "Notiz zur Veröffentlichung", "Digitale Kompetenzen aufgenommen")
    shot(page, "05-pruefen")
    click_button(page, "Veröffentlichen")
    expect_text(page, "Version 2 veröffentlicht. Neue Profilings nutzen sie ab sofort.")
    expect_text(page, "Zurzeit ist kein Entwurf in Arbeit.")
    tab(page, "Veröffentlichte Versionen")
    expect_text(page, "Version 2: veröffentlicht von trainer.tina")
    main(page).get_by_text("Digitale Kompetenzen · digitale_kompetenzen").first.wait_for(state="visible")
    shot(page, "06-veroeffentlicht")
