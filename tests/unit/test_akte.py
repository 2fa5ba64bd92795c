"""The case over the years (issue 14): Stammdaten, Übergabe, Vertretung, Abmeldung and Wiederaufnahme."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from dates import today
from errors import InvalidInput, LifecycleError, NotPermitted, RecordClosed, StaleRevision
from schemas.audit import AuditAction
from schemas.records import Client, Folgegespraech, Profiling, Role, User, Vertretung
from services import (
    akte,
    clients,
    documents,
    history,
    profiling,
    retention,
    vertretung,
    wiedervorlage,
)
from services.access import SYSTEM
from storage.base import Store
from storage.core import IN_VERTRETUNG
from tests.factories import make_client, make_folgegespraech, make_user


def _moved(store: Store, client: Client, actor: User, team: str = "Team 2") -> Client:
    return akte.hand_over(store, client.id, revision=client.revision, team=team, actor=actor)


def _deputy(store: Store, kdn: User, ifk: User, team: str = "Team 1", von: date | None = None,
            bis: date | None = None) -> Vertretung:  # fmt: skip
    return vertretung.grant_vertretung(store, vertreter=ifk.username, team=team, von=von or today(),
                                       bis=bis or today() + timedelta(days=14), grund="Urlaub", actor=kdn)  # fmt: skip


# --- Stammdaten -----------------------------------------------------------------------------------------------
def test_ifk_of_the_team_corrects_stammdaten_audited_with_the_new_revision(store, client, ifk):
    changed = akte.correct_stammdaten(store, client.id, revision=client.revision, kundennummer="neu4711",
                                      vorname=" Maxi ", nachname="Muster-Neu", geburtsdatum=date(1985, 6, 1),
                                      actor=ifk)  # fmt: skip
    assert (changed.kundennummer, changed.vorname, changed.nachname, changed.revision) == (
        "NEU4711", "Maxi", "Muster-Neu", client.revision + 1)
    assert store.client_by_kundennummer("NEU4711").id == client.id
    assert store.client_by_kundennummer(client.kundennummer) is None
    entry = store.audit_entries(record_id=client.id)[-1]
    assert entry.action == f"Stammdaten korrigiert (Revision {client.revision + 1})"
    assert "Muster" not in entry.action and entry.reason is None


def test_kdn_corrects_stammdaten_of_any_team(store, client, kdn):
    changed = akte.correct_stammdaten(store, client.id, revision=client.revision, kundennummer=client.kundennummer,
                                      vorname="Eva", nachname=client.nachname, geburtsdatum=client.geburtsdatum,
                                      actor=kdn)  # fmt: skip
    assert changed.vorname == "Eva"


def test_stammdaten_keep_the_kundennummer_unique_and_refuse_a_stale_revision(store, client, ifk):
    other = store.add(make_client(team="Team 1"), actor=ifk)
    with pytest.raises(InvalidInput) as err:
        akte.correct_stammdaten(store, client.id, revision=client.revision, kundennummer=other.kundennummer,
                                vorname="A", nachname="B", geburtsdatum=client.geburtsdatum, actor=ifk)  # fmt: skip
    assert err.value.field == "kundennummer" and "bereits vergeben" in err.value.message
    akte.correct_stammdaten(store, client.id, revision=client.revision, kundennummer="ERST1", vorname="A",
                            nachname="B", geburtsdatum=client.geburtsdatum, actor=ifk)  # fmt: skip
    with pytest.raises(StaleRevision, match="inzwischen"):
        akte.correct_stammdaten(store, client.id, revision=client.revision, kundennummer="ZWEIT1", vorname="C",
                                nachname="D", geburtsdatum=client.geburtsdatum, actor=ifk)  # fmt: skip
    assert store.get(Client, client.id).kundennummer == "ERST1"


@pytest.mark.parametrize(("field", "values"), [
    ("kundennummer", {"kundennummer": "a b"}),
    ("vorname", {"vorname": " "}),
    ("nachname", {"nachname": "x" * 101}),
    ("geburtsdatum", {"geburtsdatum": date(2100, 1, 1)}),
])  # fmt: skip
def test_bad_stammdaten_get_a_german_message_at_their_field(store, client, ifk, field, values):
    data = {"kundennummer": "OK123", "vorname": "A", "nachname": "B", "geburtsdatum": date(1980, 1, 1)} | values
    with pytest.raises(InvalidInput) as err:
        akte.correct_stammdaten(store, client.id, revision=client.revision, actor=ifk, **data)
    assert err.value.field == field
    assert store.get(Client, client.id) == client


# --- Übergabe -------------------------------------------------------------------------------------------------
def test_after_an_uebergabe_the_old_team_loses_and_the_new_team_gets_the_whole_history(
    store, client, ifk, ifk_other_team, kdn
):
    profil = profiling.start_profiling(store, client.id, actor=ifk)
    profil = profiling.save_profiling(store, profil, actor=ifk)
    moved = _moved(store, client, ifk)
    assert moved.team == "Team 2"
    with pytest.raises(NotPermitted):
        clients.open_client(store, client.id, actor=ifk)
    assert client.id not in {c.id for c in clients.find_clients(store, "", actor=ifk)}
    assert [e.profiling_id for e in profiling.profiling_history(store, client.id, actor=ifk_other_team)
            if e.profiling_id] == [profil.id]  # fmt: skip
    lines = akte.handovers(store, client.id, actor=ifk_other_team)
    assert [(line.text, line.von) for line in lines] == [("Übergabe von Team 1 an Team 2", "IFK")]
    # the Auskunft says which office had the data when
    _, _, _, daten = documents.auskunft(store, client.id, actor=kdn)
    zugriffe = [z for z in json.loads(daten)["zugriffe"] if z["aktion"].startswith("Übergabe")]
    assert [(z["aktion"], z["zweck"]) for z in zugriffe] == [
        ("Übergabe von Team 1 an Team 2 (Revision 2)", "Zuständigkeitswechsel: ein anderes Team betreut Sie")]
    assert zugriffe[0]["stelle"].endswith("Integrationsfachkraft (Team 1)")  # which office had the data when


def test_uebergabe_refuses_an_unknown_or_the_same_team_at_the_field(store, client, ifk, ifk_other_team):
    for team, text in (("Team 9", "keine aktive"), ("Team 1", "bereits"), (" ", "Bitte wählen")):
        with pytest.raises(InvalidInput, match=text) as err:
            _moved(store, client, ifk, team)
        assert err.value.field == "team"


def test_ifk_of_another_team_cannot_hand_over(store, client, ifk_other_team):
    with pytest.raises(NotPermitted):
        _moved(store, client, ifk_other_team)
    assert store.audit_entries(record_id=client.id)[-1].action == AuditAction.ZUGRIFF_VERWEIGERT


# --- Vertretung -----------------------------------------------------------------------------------------------
def test_a_deputy_works_like_the_own_team_and_every_change_says_vertretung(store, client, ifk, ifk_other_team, kdn):
    granted = _deputy(store, kdn, ifk_other_team)
    assert store.audit_entries(record_id=granted.id)[0].action == "angelegt"
    clients.open_client(store, client.id, actor=ifk_other_team)
    profil = profiling.start_profiling(store, client.id, actor=ifk_other_team)
    profil = profiling.save_profiling(store, profil, actor=ifk_other_team)
    changes = history.record_history(store, profil.id, actor=ifk)
    assert [line.aktion for line in changes] == ["angelegt" + IN_VERTRETUNG]
    assert any(e.action == AuditAction.GELESEN_IN_VERTRETUNG for e in store.audit_entries(client_id=client.id))
    # the own team's changes carry no note
    profiling.save_profiling(store, store.get(Profiling, profil.id), actor=ifk)
    assert history.record_history(store, profil.id, actor=ifk)[-1].aktion == "gespeichert"


def test_a_deputy_finds_the_clients_of_the_team_they_stand_in_for(store, client, ifk_other_team, kdn):
    assert client.id not in {c.id for c in clients.find_clients(store, "", actor=ifk_other_team)}
    _deputy(store, kdn, ifk_other_team)
    assert client.id in {c.id for c in clients.find_clients(store, "", actor=ifk_other_team)}


def test_after_the_end_date_access_ends_at_the_next_call_and_the_expiry_is_audited(
    store, client, ifk_other_team, kdn
):
    granted = _deputy(store, kdn, ifk_other_team)
    clients.client_for(store, client.id, actor=ifk_other_team)
    stored = store.get(Vertretung, granted.id)
    store.save(stored.model_copy(update={"von": today() - timedelta(days=10), "bis": today() - timedelta(days=1)}),
               actor=SYSTEM)  # time passes  # fmt: skip
    with pytest.raises(NotPermitted):
        clients.client_for(store, client.id, actor=ifk_other_team)
    actions = [e.action for e in store.audit_entries(record_id=granted.id)]
    assert actions[-1] == AuditAction.VERTRETUNG_ABGELAUFEN
    with pytest.raises(NotPermitted):  # noted once
        clients.client_for(store, client.id, actor=ifk_other_team)
    assert [e.action for e in store.audit_entries(record_id=granted.id)].count(AuditAction.VERTRETUNG_ABGELAUFEN) == 1


def test_a_planned_vertretung_gives_no_access_before_it_starts(store, client, ifk_other_team, kdn):
    _deputy(store, kdn, ifk_other_team, von=today() + timedelta(days=1))
    with pytest.raises(NotPermitted):
        clients.client_for(store, client.id, actor=ifk_other_team)


def test_kdn_lists_current_then_past_vertretungen_and_may_end_one(store, ifk_other_team, kdn):
    current = _deputy(store, kdn, ifk_other_team)
    planned = _deputy(store, kdn, ifk_other_team, von=today() + timedelta(days=3))
    rows = vertretung.list_vertretungen(store, actor=kdn)
    assert [(r.vertretung.id, r.stand) for r in rows] == [(current.id, "aktuell"), (planned.id, "geplant")]
    ended = vertretung.end_vertretung(store, current.id, revision=current.revision, actor=kdn)
    assert ended.bis < today()
    rows = vertretung.list_vertretungen(store, actor=kdn)
    assert [(r.vertretung.id, r.stand) for r in rows] == [(planned.id, "geplant"), (current.id, "beendet")]
    assert store.audit_entries(record_id=current.id)[-1].action == AuditAction.VERTRETUNG_BEENDET


@pytest.mark.parametrize(("field", "values"), [
    ("vertreter", {"vertreter": "niemand"}),
    ("team", {"team": "Team 2"}),
    ("bis", {"bis": date(2000, 1, 1)}),
    ("bis", {"von": today() + timedelta(days=5), "bis": today() + timedelta(days=4)}),
    ("grund", {"grund": "  "}),
])  # fmt: skip
def test_bad_vertretung_input_gets_a_german_message_at_its_field(store, ifk_other_team, kdn, field, values):
    data = {"vertreter": ifk_other_team.username, "team": "Team 1", "von": today(),
            "bis": today() + timedelta(days=7), "grund": "Urlaub"} | values  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        vertretung.grant_vertretung(store, actor=kdn, **data)
    assert err.value.field == field
    assert store.installation_records(Vertretung) == []


def test_only_kdn_grants_vertretungen_and_a_refusal_is_audited(store, ifk, ifk_other_team):
    with pytest.raises(NotPermitted):
        _deputy(store, ifk, ifk_other_team)
    refusal = store.audit_entries()[-1]
    assert refusal.action == AuditAction.ZUGRIFF_VERWEIGERT and "Vertretungen verwalten" in refusal.reason


# --- Abmeldung and Wiederaufnahme -----------------------------------------------------------------------------
def test_an_ended_case_is_read_only_leaves_the_lists_but_stays_findable(store, client, ifk, catalogue):
    talk = store.add(make_folgegespraech(client.id, datum=today(), naechster_termin=today()), actor=ifk)
    assert [w.client_id for w in wiedervorlage.list_wiedervorlage(store, actor=ifk)] == [client.id]
    ended = akte.end_case(store, client.id, revision=client.revision, datum=today(), grund="abm_integration",
                          actor=ifk)  # fmt: skip
    assert store.audit_entries(record_id=client.id)[-1].action.startswith("abgemeldet: Integration in Arbeit")
    assert wiedervorlage.list_wiedervorlage(store, actor=ifk) == []
    assert client.id not in {c.id for c in clients.find_clients(store, "", actor=ifk)}
    assert client.id in {c.id for c in clients.find_clients(store, client.kundennummer, actor=ifk)}
    with pytest.raises(RecordClosed, match="abgemeldet"):
        profiling.save_profiling(store, profiling.start_profiling(store, client.id, actor=ifk), actor=ifk)
    with pytest.raises(RecordClosed, match="abgemeldet"):
        store.save(store.get(Folgegespraech, talk.id).model_copy(update={"anliegen": "x"}), actor=ifk)
    with pytest.raises(RecordClosed):
        akte.correct_stammdaten(store, client.id, revision=ended.revision, kundennummer="X12", vorname="A",
                                nachname="B", geburtsdatum=client.geburtsdatum, actor=ifk)  # fmt: skip
    documents.auskunft(store, client.id, actor=ifk)  # the Auskunft stays possible
    reopened = akte.reopen_case(store, client.id, revision=ended.revision, actor=ifk)
    assert reopened.abgemeldet_am is None
    assert store.audit_entries(record_id=client.id)[-1].action == f"wieder aufgenommen (Revision {reopened.revision})"
    profiling.start_profiling(store, client.id, actor=ifk)


def test_abmeldung_sonstiges_needs_a_note_and_bad_input_is_refused_at_its_field(store, client, ifk, catalogue):
    cases = [({"grund": "abm_sonstiges"}, "notiz"), ({"grund": "erfunden"}, "grund"),
             ({"datum": today() + timedelta(days=1)}, "datum")]  # fmt: skip
    for values, field in cases:
        data = {"datum": today(), "grund": "abm_wegzug", "notiz": ""} | values
        with pytest.raises(InvalidInput) as err:
            akte.end_case(store, client.id, revision=client.revision, actor=ifk, **data)
        assert err.value.field == field
    ended = akte.end_case(store, client.id, revision=client.revision, datum=today(), grund="abm_sonstiges",
                          notiz="Haft", actor=ifk)  # fmt: skip
    assert (ended.abmeldegrund, ended.abmeldung_notiz) == ("abm_sonstiges", "Haft")
    reopened = akte.reopen_case(store, client.id, revision=ended.revision, actor=ifk)
    with pytest.raises(LifecycleError, match="nicht abgemeldet"):
        akte.reopen_case(store, client.id, revision=reopened.revision, actor=ifk)


def test_the_report_counts_ended_cases_by_reason(store, ifk, kdn, fachaufsicht, catalogue):
    for grund in ("abm_wegzug", "abm_wegzug", "abm_integration"):
        c = store.add(make_client(team="Team 1"), actor=ifk)
        akte.end_case(store, c.id, revision=c.revision, datum=today(), grund=grund, actor=ifk)
    store.add(make_client(team="Team 1"), actor=ifk)
    expected = {"Integration in Arbeit oder Ausbildung": 1, "Wegzug": 2}
    assert akte.ended_by_reason(store, actor=fachaufsicht) == expected
    assert akte.ended_by_reason(store, team="Team 2", actor=kdn) == {}
    with pytest.raises(NotPermitted):
        akte.ended_by_reason(store, actor=ifk)


def test_retention_years_default_to_five_and_a_case_is_due_that_many_years_after_its_end(
    store, client, ifk, kdn, catalogue
):
    assert retention.retention_years() == 5
    ended = akte.end_case(store, client.id, revision=client.revision, datum=date(2020, 2, 29), grund="abm_wegzug",
                          actor=ifk)  # fmt: skip
    assert retention.deletion_due_on(ended) == date(2025, 2, 28)
    assert [c.client_id for c in retention.due_cases(store, actor=kdn, heute=date(2025, 2, 27))] == []
    assert [c.client_id for c in retention.due_cases(store, actor=kdn, heute=date(2025, 2, 28))] == [client.id]
    with pytest.raises(NotPermitted):
        retention.due_cases(store, actor=ifk)


def test_a_deactivated_ifk_of_the_team_may_do_nothing(store, client, catalogue):
    gone = store.add(make_user(Role.IFK, team="Team 1", active=False), actor=SYSTEM)
    with pytest.raises(NotPermitted):
        _moved(store, client, gone)
