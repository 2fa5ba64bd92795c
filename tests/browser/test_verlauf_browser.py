"""Issue 16 in a real browser: a measure refused at its field and then recorded, a job start, the Wiedervorlage
before a measure's end, the consent refusal on the Ziel page. Screenshots go to test-artefacts/browser/verlauf/."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.accessibility import check_screen
from tests.browser.test_happy_path import (  # noqa: F401  (fixtures: playwright_sync, server, page)
    ARTEFACTS,
    click_button,
    create_client,
    expect_text,
    go,
    main,
    open_new_client_form,
    page,
    playwright_sync,
    server,
    settle,
    shot,
    sign_in,
    type_into,
)

SHOTS = ARTEFACTS / "verlauf"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_measure_job_start_and_consent_refusal_in_chromium(page) -> None:  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    try:
        _verlauf(page)
    except BaseException:
        page.screenshot(path=str(SHOTS / "99-fehler.png"), full_page=True)
        raise


def _verlauf(page) -> None:  # noqa: F811
    sign_in(page)
    open_new_client_form(page)
    create_client(page, "123D000888", "Mira", "Lager", date(1990, 3, 9))

    # A measure without a title is refused at the field; what was typed stays. It starts and ends today.
    go(page, "Maßnahmen und Beschäftigung")
    page.get_by_text("Neue Maßnahme erfassen").click()
    settle(page)
    type_into(page, "Träger", "Bildungswerk Nord")
    page.keyboard.press("Escape")  # the Tab after typing opened the calendar of the next field, "Beginn"
    settle(page)
    click_button(page, "Maßnahme speichern")
    expect_text(page, "Bitte geben Sie die Maßnahme an (Titel).")
    shot(page, "01-massnahme-ohne-titel", ready="Bitte geben Sie die Maßnahme an (Titel).", folder=SHOTS)
    check_screen(page, "40-verlauf-massnahme-offen")  # an open section with a form and a refusal at its field
    assert main(page).get_by_label("Träger", exact=True).first.input_value() == "Bildungswerk Nord"
    type_into(page, "Maßnahme (Titel)", "Bewerbungstraining")
    click_button(page, "Maßnahme speichern")
    expect_text(page, "Maßnahme „Bewerbungstraining“ gespeichert.")
    shot(page, "02-massnahme-gespeichert", ready="gespeichert", folder=SHOTS)

    # A job start with the strategies the catalogue suggests and a follow-up date
    page.get_by_text("Arbeits- oder Ausbildungsaufnahme erfassen").click()
    settle(page)
    expect_text(page, "Beschäftigungsaufnahme aktiv stabilisieren")
    type_into(page, "Arbeitgeber bzw. Ausbildungsstelle", "Logistik Nord GmbH")
    type_into(page, "Wochenstunden", "30")
    click_button(page, "Beschäftigungsaufnahme speichern")
    expect_text(page, "nachhalten am")
    shot(page, "03-beschaeftigungsaufnahme", ready="Logistik Nord GmbH", folder=SHOTS)
    check_screen(page, "41-verlauf-beschaeftigung")

    # The Wiedervorlage shows the measure before its end (Absolventenmanagement)
    go(page, "Start")
    expect_text(page, "Maßnahme endet")
    shot(page, "04-wiedervorlage", ready="Maßnahme endet", folder=SHOTS)

    # Ziel: a refused consent needs a note; the checklist shows the item done once it has one
    go(page, "Kunden")
    click_button(page, "Neues Profiling")
    go(page, "2 Ziel")
    type_into(page, "Integrationsziel", "Arbeit im Lager")
    main(page).get_by_text("Einverständnis nicht erteilt", exact=False).first.click()
    settle(page)
    expect_text(page, "Nicht erteilt am")
    type_into(page, "Notiz zum nicht erteilten Einverständnis", "Möchte erst mit der Familie sprechen.")
    click_button(page, "Speichern")
    expect_text(page, "Profiling gespeichert")
    shot(page, "05-einverstaendnis-nicht-erteilt", ready="Profiling gespeichert", folder=SHOTS)
    assert not main(page).locator('[data-testid="stException"]').count()
