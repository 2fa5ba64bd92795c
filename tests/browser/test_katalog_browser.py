"""A trainer adds a Handlungsbedarf with a strategy, publishes it, exports the version and imports a changed file as
the new draft, in a real browser (Debian's headless Chromium).

Screenshots go to test-artefacts/browser/katalog-*.png (repo root); look at them after a change of the page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.browser.streamlit_server import streamlit_server
from tests.browser.test_happy_path import (  # noqa: F401 - fixtures playwright_sync and page are used by name
    ARTEFACTS,
    ROOT,
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
    log_path = data_dir.parent / "streamlit-katalog.log"
    with streamlit_server({"VIERPHASEN_DATA_DIR": str(data_dir)}, log_path) as url:
        yield url


def shot(page, name: str) -> None:  # noqa: F811 - the fixture `page` imported above
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"katalog-{name}.png"), full_page=True)


def tab(page, title: str) -> None:  # noqa: F811 - the fixture `page` imported above
    main(page).get_by_role("tab", name=title, exact=True).first.click()
    settle(page)


def test_trainer_adds_a_handlungsbedarf_and_publishes_in_chromium(page, tmp_path) -> None:  # noqa: F811 - the fixture `page` imported above
    for old in ARTEFACTS.glob("katalog-*.png"):
        old.unlink()
    try:
        _add_and_publish(page)
        _export_and_import(page, tmp_path)
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


def _export_and_import(page, tmp_path: Path) -> None:  # noqa: F811 - the fixture `page` imported above
    """Download version 2 as YAML, read it back, and upload a changed copy: it becomes the draft, with its messages."""
    tab(page, "YAML-Datei")
    button = main(page).get_by_role("button", name="YAML-Datei herunterladen")
    button.scroll_into_view_if_needed()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "katalog_version_2.yaml"
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    data = yaml.safe_load(exported)
    assert data["version"] == 2
    qualifikation = next(f for f in data["handlungsfelder"] if f["id"] == "qualifikation")
    added = next(b for b in qualifikation["handlungsbedarfe"] if b["id"] == "digitale_kompetenzen")
    assert [s["label"] for s in added["handlungsstrategien"]] == ["Digitale Grundbildung vermitteln"]
    shot(page, "07-export")

    changed = tmp_path / "katalog_import.yaml"
    changed.write_text(exported.replace("label: Wohnsituation\n", "labl: Wohnsituation\n", 1), encoding="utf-8")
    tab(page, "Entwurf")
    expect_text(page, "Zurzeit ist kein Entwurf in Arbeit.")
    main(page).locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(changed))
    settle(page)
    click_button(page, "Als Entwurf importieren")
    expect_text(page, "„katalog_import.yaml“ als Entwurf importiert.")
    expect_text(page, "Der Entwurf ist fehlerhaft (2 Meldungen)")
    message = main(page).get_by_text("Handlungsbedarf „wohnsituation“ › labl: Unbekannter Schlüssel").first
    message.wait_for(state="visible")
    message.scroll_into_view_if_needed()
    shot(page, "08-import")
