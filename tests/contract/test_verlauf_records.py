"""Contract: measures, job starts and job searches (issue 16) are stored, revised, listed and exported alike on
every backend, and the team's records are found for the Wiedervorlage."""

from __future__ import annotations

from datetime import date

import pytest

from errors import StaleRevision
from schemas.records import Beschaeftigungsaufnahme, Client, Massnahme, Stellensuchlauf, User
from storage.base import CLIENT_KINDS, KIND_NAMES, RECORD_KINDS, Store
from tests.factories import make_client, new_id


def make_massnahme(client_id: str, **fields) -> Massnahme:
    defaults = {"id": new_id(), "client_id": client_id, "catalogue_version": 1, "titel": "Umschulung",
                "beginn": date(2026, 1, 5), "ende_geplant": date(2027, 1, 4)}
    return Massnahme(**(defaults | fields))


def test_new_kinds_are_client_kinds_with_german_names() -> None:
    for kind in (Massnahme, Beschaeftigungsaufnahme, Stellensuchlauf):
        assert kind in RECORD_KINDS and kind in CLIENT_KINDS and KIND_NAMES[kind]


def test_a_measure_is_added_revised_and_a_stale_revision_refused(store: Store, ifk: User, client: Client) -> None:
    added = store.add(make_massnahme(client.id), actor=ifk)
    ended = store.save(added.model_copy(update={"ende_tatsaechlich": date(2026, 11, 30),
                                                "ergebnis": "erfolgreich_abgeschlossen"}), actor=ifk)

    assert ended.revision == 2 and store.get(Massnahme, added.id) == ended
    with pytest.raises(StaleRevision):
        store.save(added.model_copy(update={"titel": "Anders"}), actor=ifk)
    assert [e.action for e in store.audit_entries(record_id=added.id)] == ["angelegt", "gespeichert"]


def test_job_starts_and_searches_are_listed_per_client(store: Store, ifk: User, client: Client) -> None:
    aufnahme = store.add(Beschaeftigungsaufnahme(
        id=new_id(), client_id=client.id, catalogue_version=1, datum=date(2026, 11, 2), arbeitgeber="Logistik Nord",
        wochenstunden=30, leistungen_weiter=True, strategien=["beschaeftigungsaufnahme_stabilisieren"],
        nachhalten_am=date(2026, 12, 14)), actor=ifk)
    lauf = store.add(Stellensuchlauf(id=new_id(), client_id=client.id, datum=date(2026, 11, 20),
                                     suchprofil="Zielberuf: Koch", angebote=12, uebergeben="3 Angebote"), actor=ifk)

    assert store.list_for_client(Beschaeftigungsaufnahme, client.id) == [aufnahme]
    assert store.list_for_client(Stellensuchlauf, client.id) == [lauf]


def test_records_of_team_finds_only_the_teams_clients(store: Store, ifk: User, client: Client) -> None:
    other = store.add(make_client(team="Team 2"), actor=ifk)
    mine = store.add(make_massnahme(client.id), actor=ifk)
    store.add(make_massnahme(other.id), actor=ifk)

    assert store.records_of_team(Massnahme, client.team) == [mine]
    assert len(store.records_of_team(Massnahme, None)) == 2
