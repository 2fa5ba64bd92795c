"""Every access to social data is audited, list views included, and so is every refusal (issue 18.2 and 18.4).

§ 67c SGB X control purpose: who saw which client. A list view is one entry naming the ids it showed; only an
actor who may read a client can write a "gelesen" entry into that client's Auskunft.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from dates import today
from errors import NotPermitted
from schemas.audit import AuditAction
from schemas.records import Client, Role, User
from services import clients, profiling, wiedervorlage
from storage.base import Store
from tests.factories import make_client, make_folgegespraech, make_profiling


def _entries(store: Store, action: str) -> list:
    return [e for e in store.audit_entries() if e.action == action]


@pytest.mark.parametrize("who", ["trainer", "ifk_other_team", "fachaufsicht", "deactivated"])
def test_only_an_actor_who_may_read_the_client_writes_a_read_entry(
    request, store: Store, client: Client, ifk: User, who: str
):
    if who == "deactivated":
        actor = store.save(ifk.model_copy(update={"active": False}), actor=ifk)
        actor = actor.model_copy(update={"active": True})  # the session still holds the old object
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(NotPermitted):
        clients.record_read(store, client, actor=actor)
    assert [e for e in store.audit_entries(client_id=client.id) if e.action == "gelesen"] == []


def test_a_caseworker_of_the_team_writes_the_read_entry(store: Store, client: Client, ifk: User):
    clients.record_read(store, client, actor=ifk)
    assert [(e.actor, e.action) for e in store.audit_entries(client_id=client.id)][-1] == (ifk.username, "gelesen")


def test_a_client_search_is_one_entry_naming_every_client_shown(store: Store, client: Client, ifk: User):
    second = store.add(make_client(team="Team 1", nachname="Zweite"), actor=ifk)
    store.add(make_client(team="Team 2", nachname="Fremd"), actor=ifk)
    before = len(store.audit_entries())
    found = clients.find_clients(store, "", actor=ifk)
    assert {c.id for c in found} == {client.id, second.id}
    entries = store.audit_entries()[before:]
    assert [(e.action, e.actor, e.record_kind) for e in entries] == [(AuditAction.LISTE_ANGEZEIGT, ifk.username, "Kunde")]
    assert client.id in entries[0].reason and second.id in entries[0].reason
    clients.find_clients(store, "", actor=ifk)  # the page's rerun on the next click: the same view
    assert len(store.audit_entries()) == before + 1


def test_a_search_without_hits_shows_nobody_and_writes_nothing(store: Store, client: Client, ifk: User):
    before = len(store.audit_entries())
    assert clients.find_clients(store, "gibt es nicht", actor=ifk) == []
    assert len(store.audit_entries()) == before


def test_listing_a_clients_profilings_is_audited_in_the_clients_trail(store: Store, client: Client, ifk: User):
    stored = store.add(make_profiling(client.id), actor=ifk)
    profiling.profiling_history(store, client.id, actor=ifk)
    listed = [e for e in store.audit_entries(client_id=client.id) if e.action == AuditAction.LISTE_ANGEZEIGT]
    assert len(listed) == 1 and listed[0].record_kind == "Profiling" and stored.id in listed[0].reason


def test_the_wiedervorlage_is_one_entry_naming_the_clients_shown(store: Store, client: Client, ifk: User):
    store.add(make_folgegespraech(client.id, datum=today() - timedelta(days=30), naechster_termin=today()),
              actor=ifk)
    assert wiedervorlage.list_wiedervorlage(store, actor=ifk)
    listed = _entries(store, AuditAction.LISTE_ANGEZEIGT)
    assert len(listed) == 1 and client.id in listed[0].reason


def test_a_refused_use_case_is_audited(store: Store, client: Client, trainer: User, ifk_other_team: User):
    with pytest.raises(NotPermitted):
        clients.open_client(store, client.id, actor=trainer)
    with pytest.raises(NotPermitted):
        clients.open_client(store, client.id, actor=ifk_other_team)
    refused = _entries(store, AuditAction.ZUGRIFF_VERWEIGERT)
    assert [(e.actor, e.role) for e in refused] == [(trainer.username, str(Role.TRAINER)),
                                                    (ifk_other_team.username, str(Role.IFK))]
    assert refused[1].record_id == client.id
