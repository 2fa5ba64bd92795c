"""What a first-time user stumbled over (issue 15), driven through AppTest: the new-account form, phase 1's
Handlungsbedarfe (Bemerkungen, tab counts, open tab), status and unsaved-changes shown once, visible labels."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from schemas.records import Folgegespraech, Role
from storage.base import Store
from tests.ui.test_case_pages import (
    FOLGE,
    KUNDEN,
    PROFILING,
    button,
    click_tab,
    create_client,
    fill_profiling,
    form_key,
    ok,
    open_tab,
    texts,
)
from tests.ui.test_login import PASSWORD, fresh_app, goto


@pytest.fixture
def admin(store: Store):
    from services.users import create_first_admin

    return create_first_admin(store, username="kdn.admin", display_name="Karla Admin", password=PASSWORD)


def new_account(at: AppTest, username: str, team: str) -> AppTest:
    at.text_input(key="neu_benutzername").input(username)
    at.text_input(key="neu_name").input(f"Name von {username}")
    at.text_input(key="neu_team").input(team)
    at.text_input(key="neu_passwort").input(PASSWORD)
    at.text_input(key="neu_wiederholung").input(PASSWORD)
    return ok(button(at, "Konto anlegen").click().run())


def test_new_account_form_is_empty_after_an_account_was_created(data_dir, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.session_state["user"] = admin
    at.run()
    ok(goto(at, "pages/benutzer.py"))

    new_account(at, "bernd", "Team 2")

    assert "Das Konto „bernd“ (IFK) wurde angelegt." in texts(at)
    keys = ("neu_benutzername", "neu_name", "neu_team", "neu_passwort", "neu_wiederholung")
    assert [at.text_input(key=key).value for key in keys] == ["", "", "", "", ""]
    # The second account gets its own team, not the first one's.
    at.text_input(key="neu_benutzername").input("carla")
    at.text_input(key="neu_name").input("Carla")
    at.text_input(key="neu_passwort").input(PASSWORD)
    at.text_input(key="neu_wiederholung").input(PASSWORD)
    at.selectbox(key="neu_rolle").select(Role.TRAINER)
    ok(button(at, "Konto anlegen").click().run())
    assert (store.user_by_username("carla").team, store.user_by_username("bernd").team) == ("", "Team 2")


def test_refused_new_account_keeps_what_was_typed(data_dir, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.session_state["user"] = admin
    at.run()
    ok(goto(at, "pages/benutzer.py"))
    at.text_input(key="neu_benutzername").input("bernd")
    at.text_input(key="neu_team").input("Team 2")
    at.text_input(key="neu_passwort").input(PASSWORD)
    at.text_input(key="neu_wiederholung").input("anders")
    button(at, "Konto anlegen").click().run()
    assert at.error
    assert (at.text_input(key="neu_benutzername").value, at.text_input(key="neu_team").value) == ("bernd", "Team 2")


def test_bemerkungen_box_shows_only_for_a_bedarf_marked_relevant(app: AppTest) -> None:
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    assert not [t for t in at.text_area if t.label.startswith("Bemerkungen")]

    at.checkbox(key=form_key(at, "qualifikation-berufliche_qualifikation-relevant")).check()
    ok(at.run())
    (box,) = [t for t in at.text_area if t.label.startswith("Bemerkungen")]
    assert box.label == "Bemerkungen zu „Berufliche Qualifikation“"
    box.input("Kein anerkannter Abschluss")
    ok(at.run())

    at.checkbox(key=form_key(at, "qualifikation-berufliche_qualifikation-relevant")).uncheck()
    ok(at.run())
    assert not [t for t in at.text_area if t.label.startswith("Bemerkungen")]
    at.checkbox(key=form_key(at, "qualifikation-berufliche_qualifikation-relevant")).check()
    ok(at.run())
    (box,) = [t for t in at.text_area if t.label.startswith("Bemerkungen")]
    assert box.value == "Kein anerkannter Abschluss"  # unmarking did not throw the notes away


def test_each_handlungsfeld_tab_counts_the_bedarfe_marked_relevant(app: AppTest) -> None:
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    assert [t.label for t in at.tabs] == ["Qualifikation (0)", "Leistungsfähigkeit (0)",
                                         "Motivation (0)", "Rahmenbedingungen (0)"]

    at.checkbox(key=form_key(at, "qualifikation-berufliche_qualifikation-relevant")).check()
    ok(click_tab(at, "Rahmenbedingungen"))  # the checked box reaches the server with the click on the tab
    assert open_tab(at) == "Rahmenbedingungen (0)"
    at.checkbox(key=form_key(at, "rahmenbedingungen-wohnsituation-relevant")).check()
    ok(at.run())

    assert [t.label for t in at.tabs] == ["Qualifikation (1)", "Leistungsfähigkeit (0)",
                                         "Motivation (0)", "Rahmenbedingungen (1)"]


def test_the_open_handlungsfeld_tab_is_kept_across_a_save(app: AppTest) -> None:
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    assert open_tab(at) == "Qualifikation (0)"
    ok(click_tab(at, "Motivation"))
    at.checkbox(key=form_key(at, "motivation-eigeninitiative_arbeitshaltung-relevant")).check()
    ok(at.run())
    assert open_tab(at) == "Motivation (1)"

    ok(button(at, "Speichern").click().run())

    assert "Profiling gespeichert" in texts(at)
    assert open_tab(at) == "Motivation (1)"


def test_profiling_page_names_unsaved_changes_once(app: AppTest) -> None:
    at = fill_profiling(create_client(app))
    assert texts(at).count("Ungespeicherte Änderungen") == 1


def test_client_page_shows_each_profilings_status_once(app: AppTest) -> None:
    at = fill_profiling(create_client(app))
    ok(button(at, "Speichern").click().run())
    ok(at.switch_page(KUNDEN).run())
    shown = texts(at)
    assert len(re.findall(r"\boffen\b", shown)) == 1, shown


def test_folgegespraech_activity_notes_have_visible_labels(app: AppTest) -> None:
    at = create_client(app)
    ok(at.switch_page(FOLGE).run())
    notes = [t for t in at.text_input if "-notiz" in (t.key or "")]
    assert notes
    for note in notes:
        assert note.label.startswith("Notiz zu „") and note.proto.label_visibility.value == 0  # VISIBLE
    assert Folgegespraech  # the page under test records Folgegespräche
