"""The pages of the case over the years (issue 14) driven through AppTest: Akte, Vertretungen, Löschfristen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dates import today
from errors import NotFound
from schemas.records import Client, Role, User, Vertretung
from storage.base import Store
from tests.factories import make_client, make_user
from tests.ui.conftest import ROOT, TIMEOUT
from tests.ui.test_case_pages import open_section

KUNDEN = "pages/kunden.py"
AKTE = "pages/akte.py"
VERTRETUNGEN = "pages/vertretungen.py"
LOESCHFRISTEN = "pages/loeschfristen.py"


def texts(at: AppTest) -> str:
    parts = [*(e.value for e in at.title), *(e.value for e in at.markdown), *(e.value for e in at.caption),
             *(e.value for e in at.success), *(e.value for e in at.info), *(e.value for e in at.warning),
             *(e.value for e in at.error), *(e.value for e in at.subheader)]  # fmt: skip
    return "\n".join(str(p) for p in parts)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button „{label}“ among {[b.label for b in at.button]}"
    return matches[0]


def signed_in(user: User, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["user"] = user
    return at


def on_akte(at: AppTest, client: Client) -> AppTest:
    """Select the client on the Kunden page (as a caseworker does), then open the Akte page."""
    ok(at.switch_page(KUNDEN).run())
    at.text_input(key="kunden-suche").input(client.kundennummer).run()
    ok(button(at, "Auswählen").click().run())
    return ok(at.switch_page(AKTE).run())


@pytest.fixture
def team2(store: Store) -> User:
    return store.add(make_user(Role.IFK, team="Team 2", display_name="Bernd Weber"), actor=make_user(Role.KDN))


def test_akte_corrects_stammdaten_and_shows_a_bad_value_at_its_field(store, caseworker, monkeypatch):
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    at = open_section(on_akte(signed_in(caseworker, monkeypatch), client), "akte-stammdaten-offen")
    at.text_input(key=f"akte-nachname-{client.revision}").input("Neumann")
    ok(button(at, "Stammdaten speichern").click().run())
    assert "Die Stammdaten wurden gespeichert." in texts(at)
    assert store.get(Client, client.id).nachname == "Neumann"
    revision = client.revision + 1
    at.text_input(key=f"akte-kundennummer-{revision}").input("mit leerzeichen")
    button(at, "Stammdaten speichern").click().run()
    assert not at.exception
    assert any("3 bis 20 Buchstaben" in e.value for e in at.error)
    assert store.get(Client, client.id).kundennummer == client.kundennummer


def test_the_akte_builds_a_section_only_while_it_is_open(store, caseworker, team2, monkeypatch):
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    at = on_akte(signed_in(caseworker, monkeypatch), client)
    assert [e.label for e in at.expander] == ["Änderungsverlauf der Akte", "Stammdaten korrigieren",
                                              "Übergabe an ein anderes Team", "Abmeldung (Fall beenden)"]
    assert not at.text_input and not at.selectbox and not at.date_input  # closed: none of their content drawn
    captions = [c.value for c in at.caption]
    open_section(at, "akte-uebergabe-offen")
    assert [s.label for s in at.selectbox] == ["Neues Team"] and not at.text_input
    open_section(at, "akte-verlauf-offen")
    history = [c.value for c in at.caption if c.value not in captions and "neue Team" not in c.value]
    assert history and all(" – " in line for line in history)  # the record's history, read only now
    assert [s.label for s in at.selectbox] == ["Neues Team"]  # the other open section stays open


def test_uebergabe_on_the_akte_page_moves_the_client_and_the_old_team_loses_it(store, caseworker, team2,
                                                                                monkeypatch):
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    at = open_section(on_akte(signed_in(caseworker, monkeypatch), client), "akte-uebergabe-offen")
    at.selectbox(key="akte-team").select("Team 2")
    ok(button(at, "Übergeben").click().run())
    assert store.get(Client, client.id).team == "Team 2"
    assert "an Team 2 übergeben" in texts(at)
    assert "Bitte wählen Sie zuerst eine Kundin" in texts(at)  # no longer the own team's client

    other = on_akte(signed_in(team2, monkeypatch), client)
    assert "Übergabe von Team 1 an Team 2" in texts(other)


def test_abmeldung_needs_a_note_for_sonstiges_then_the_case_is_read_only_and_can_be_reopened(
    store, caseworker, monkeypatch
):
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    at = open_section(on_akte(signed_in(caseworker, monkeypatch), client), "akte-abmeldung-offen")
    at.selectbox(key="akte-grund").select("abm_sonstiges")
    button(at, "Abmelden").click().run()
    assert not at.exception
    assert any("Notiz erforderlich" in e.value for e in at.error)
    assert store.get(Client, client.id).abgemeldet_am is None
    at.text_area(key="akte-notiz").input("Haft")
    ok(button(at, "Abmelden").click().run())
    assert "Der Fall wurde abgemeldet." in texts(at)
    assert "kann nur gelesen werden" in texts(at)
    assert not [b for b in at.button if b.label in ("Stammdaten speichern", "Übergeben")]
    ok(at.switch_page(KUNDEN).run())
    at.text_input(key="kunden-suche").input(client.kundennummer).run()
    assert f"abgemeldet am {today():%d.%m.%Y}" in texts(at)  # found by a search, marked as ended
    ok(at.switch_page(AKTE).run())
    ok(button(at, "Wiederaufnahme").click().run())
    assert "wieder aufgenommen" in texts(at)
    assert store.get(Client, client.id).abgemeldet_am is None


def test_vertretungen_page_grants_lists_and_ends_a_vertretung(store, caseworker, team2, kdn, monkeypatch):
    at = signed_in(kdn, monkeypatch)
    ok(at.switch_page(VERTRETUNGEN).run())
    at.selectbox(key="vertretung-vertreter").select(team2.username)
    at.selectbox(key="vertretung-team").select("Team 1")
    button(at, "Vertretung eintragen").click().run()
    assert any("Grund" in e.value for e in at.error)  # at its field, nothing stored
    assert store.installation_records(Vertretung) == []
    at.text_input(key="vertretung-grund").input("Urlaub")
    ok(button(at, "Vertretung eintragen").click().run())
    assert "Vertretung für Team 1" in texts(at)
    assert "**aktuell** · Bernd Weber vertritt Team 1" in texts(at)
    ok(button(at, "Beenden").click().run())
    assert "**beendet** · Bernd Weber vertritt Team 1" in texts(at)
    assert store.installation_records(Vertretung)[0].bis < today()


def test_loeschfristen_page_lists_due_cases_oldest_first_and_deletes_after_confirmation(
    store, caseworker, kdn, monkeypatch
):
    older = store.add(make_client(nachname="Älter", abgemeldet_am=today() - timedelta(days=9 * 366),
                                  abmeldegrund="abm_wegzug"), actor=caseworker)  # fmt: skip
    newer = store.add(make_client(nachname="Jünger", abgemeldet_am=today() - timedelta(days=6 * 366),
                                  abmeldegrund="abm_wegzug"), actor=caseworker)  # fmt: skip
    store.add(make_client(nachname="Aktiv"), actor=caseworker)
    at = signed_in(kdn, monkeypatch)
    ok(at.switch_page(LOESCHFRISTEN).run())
    shown = texts(at)
    assert "2 Fälle fällig" in shown and "Aktiv" not in shown
    assert shown.index("Älter") < shown.index("Jünger")
    ok(at.button(key=f"loeschen-{older.id}").click().run())
    assert "Wirklich endgültig löschen?" in texts(at)
    ok(button(at, "Abbrechen").click().run())
    store.get(Client, older.id)  # still there
    ok(at.button(key=f"loeschen-{older.id}").click().run())
    ok(button(at, "Endgültig löschen").click().run())
    assert "Der Fall wurde mit 1 Datensätzen gelöscht." in texts(at)
    with pytest.raises(NotFound):
        store.get(Client, older.id)
    assert "1 Fälle fällig" in texts(at) and store.get(Client, newer.id)


def test_ifk_is_refused_the_kdn_pages(store, caseworker, monkeypatch):
    at = signed_in(caseworker, monkeypatch)
    for page in (VERTRETUNGEN, LOESCHFRISTEN):
        at.switch_page(page).run()
        assert not at.exception
        assert any("nicht freigegeben" in e.value for e in at.error)


def test_kundensteuerung_counts_ended_cases_by_reason(store, caseworker, monkeypatch):
    for grund in ("abm_wegzug", "abm_wegzug", "abm_integration"):
        store.add(make_client(abgemeldet_am=today(), abmeldegrund=grund), actor=caseworker)
    aufsicht = store.add(make_user(Role.FACHAUFSICHT, team=""), actor=make_user(Role.KDN))
    at = signed_in(aufsicht, monkeypatch)
    ok(at.switch_page("pages/berichte.py").run())
    assert "Abgemeldete Fälle nach Abmeldegrund" in texts(at)
    table = at.dataframe[-1].value
    assert dict(zip(table["Abmeldegrund"], table["Fälle"])) == {"Integration in Arbeit oder Ausbildung": 1, "Wegzug": 2}
