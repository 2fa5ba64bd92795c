"""Contract: records, lifecycle, KDN override and revisions behave the same on every backend."""

from __future__ import annotations

import re

import pytest

from errors import (
    AlreadyExists,
    InvalidInput,
    LifecycleError,
    NotFound,
    NotPermitted,
    RecordClosed,
    StaleRevision,
)
from schemas.records import Client, Document, Egv, Folgegespraech, Profiling, Role, Status, User
from storage.base import Store
from tests.factories import (
    make_client,
    make_document,
    make_egv,
    make_folgegespraech,
    make_profiling,
    make_user,
)


def test_add_sets_revision_one_and_who_created_it(store: Store, ifk: User, client: Client) -> None:
    added = store.add(make_profiling(client.id), actor=ifk)
    assert added.revision == 1
    assert added.created_by == added.updated_by == "anna"
    assert store.get(Profiling, added.id) == added


def test_get_unknown_record_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound) as err:
        store.get(Profiling, "gibt-es-nicht")
    assert "nicht gefunden" in err.value.message


def test_get_with_wrong_kind_raises_not_found(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    with pytest.raises(NotFound):
        store.get(Egv, profiling.id)


def test_changes_under_the_wrong_kind_raise_not_found(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    egv = make_egv(client.id, profiling.id, id=profiling.id, revision=1)
    with pytest.raises(NotFound):
        store.save(egv, actor=ifk)
    with pytest.raises(NotFound):
        store.close(Egv, profiling.id, revision=1, actor=ifk)
    with pytest.raises(NotFound):
        store.discard(Egv, profiling.id, revision=1, actor=ifk)
    assert store.get(Profiling, profiling.id) == profiling


def test_adding_the_same_id_twice_is_refused(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    with pytest.raises(AlreadyExists):
        store.add(make_profiling(client.id, id=profiling.id), actor=ifk)


def test_record_for_unknown_client_is_refused(store: Store, ifk: User) -> None:
    with pytest.raises(NotFound):
        store.add(make_profiling("unbekannter-kunde"), actor=ifk)


def test_unsafe_record_id_is_refused(store: Store, ifk: User, client: Client) -> None:
    with pytest.raises(InvalidInput):
        store.add(make_profiling(client.id, id="../../etc/passwd"), actor=ifk)


def test_new_record_must_be_open(store: Store, ifk: User, client: Client) -> None:
    with pytest.raises(LifecycleError):
        store.add(make_profiling(client.id, status=Status.ABGESCHLOSSEN), actor=ifk)


def test_open_profiling_can_be_saved_incomplete(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    saved = store.save(profiling.model_copy(update={"zielberuf": "Koch"}), actor=ifk)
    assert saved.revision == 2
    assert saved.status == Status.OFFEN
    assert store.get(Profiling, profiling.id).zielberuf == "Koch"


def test_save_keeps_creation_and_records_who_saved(
    store: Store, ifk: User, kdn: User, client: Client
) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    saved = store.save(profiling.model_copy(update={"created_by": "jemand"}), actor=kdn)
    assert saved.created_by == "anna"
    assert saved.updated_by == "kdn"
    assert saved.updated_at >= profiling.updated_at


def test_stale_save_is_refused_naming_who_changed_it_and_when(
    store: Store, ifk: User, client: Client
) -> None:
    colleague = store.add(make_user(username="bert", display_name="Bert Becker"), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.save(profiling.model_copy(update={"zielberuf": "Koch"}), actor=colleague)
    with pytest.raises(StaleRevision) as err:
        store.save(profiling.model_copy(update={"zielberuf": "Bäcker"}), actor=ifk)
    assert "Bert Becker" in err.value.message
    assert re.search(r"am \d\d\.\d\d\.\d{4} um \d\d:\d\d geändert", err.value.message)
    assert "nicht gespeichert" in err.value.message
    stored = store.get(Profiling, profiling.id)
    assert stored.zielberuf == "Koch"
    assert stored.revision == 2


def test_stale_message_falls_back_to_user_name(store: Store, client: Client) -> None:
    ghost = make_user(username="unbekannt7")
    profiling = store.add(make_profiling(client.id), actor=ghost)
    store.save(profiling, actor=ghost)
    with pytest.raises(StaleRevision) as err:
        store.save(profiling, actor=ghost)
    assert "unbekannt7" in err.value.message


def test_save_of_unknown_record_raises_not_found(store: Store, ifk: User, client: Client) -> None:
    with pytest.raises(NotFound):
        store.save(make_profiling(client.id, revision=1), actor=ifk)


def test_close_records_who_and_when(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    closed = store.close(Profiling, profiling.id, revision=1, actor=ifk)
    assert closed.status == Status.ABGESCHLOSSEN
    assert closed.closed_by == "anna"
    assert closed.closed_at is not None
    assert closed.revision == 2
    assert store.get(Profiling, profiling.id) == closed


@pytest.mark.parametrize("kind", [Profiling, Egv])
def test_closed_record_refuses_save(store: Store, ifk: User, client: Client, kind: type) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    record = profiling if kind is Profiling else store.add(make_egv(client.id, profiling.id), actor=ifk)
    closed = store.close(kind, record.id, revision=record.revision, actor=ifk)
    with pytest.raises(RecordClosed) as err:
        store.save(closed.model_copy(update={"status": Status.OFFEN}), actor=ifk)
    assert "abgeschlossen" in err.value.message
    assert store.get(kind, record.id) == closed


def test_save_cannot_close_a_record(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    with pytest.raises(LifecycleError):
        store.save(profiling.model_copy(update={"status": Status.ABGESCHLOSSEN}), actor=ifk)
    assert store.get(Profiling, profiling.id).status == Status.OFFEN


def test_closing_twice_is_refused(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.close(Profiling, profiling.id, revision=1, actor=ifk)
    with pytest.raises(LifecycleError):
        store.close(Profiling, profiling.id, revision=2, actor=ifk)


def test_close_with_stale_revision_is_refused(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.save(profiling, actor=ifk)
    with pytest.raises(StaleRevision):
        store.close(Profiling, profiling.id, revision=1, actor=ifk)


def test_discard_deletes_an_open_profiling(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.discard(Profiling, profiling.id, revision=1, actor=ifk)
    with pytest.raises(NotFound):
        store.get(Profiling, profiling.id)
    assert store.list_for_client(Profiling, client.id) == []


def test_discard_of_closed_profiling_is_refused(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.close(Profiling, profiling.id, revision=1, actor=ifk)
    with pytest.raises(RecordClosed):
        store.discard(Profiling, profiling.id, revision=2, actor=ifk)
    assert store.get(Profiling, profiling.id).status == Status.ABGESCHLOSSEN


def test_discard_with_stale_revision_is_refused(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.save(profiling, actor=ifk)
    with pytest.raises(StaleRevision):
        store.discard(Profiling, profiling.id, revision=1, actor=ifk)
    assert store.get(Profiling, profiling.id).revision == 2


def test_discard_of_unknown_record_raises_not_found(store: Store, ifk: User) -> None:
    with pytest.raises(NotFound):
        store.discard(Profiling, "weg", revision=1, actor=ifk)


def test_discarded_id_can_be_used_again(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.discard(Profiling, profiling.id, revision=1, actor=ifk)
    again = store.add(make_profiling(client.id, id=profiling.id), actor=ifk)
    assert again.revision == 1


@pytest.mark.parametrize("role", [Role.IFK, Role.TRAINER, Role.FACHAUFSICHT])
def test_override_save_refused_for_roles_other_than_kdn(
    store: Store, ifk: User, client: Client, role: Role
) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    closed = store.close(Profiling, profiling.id, revision=1, actor=ifk)
    with pytest.raises(NotPermitted):
        store.override_save(
            closed.model_copy(update={"zielberuf": "X"}), actor=make_user(role=role), reason="Fehler"
        )
    assert store.get(Profiling, profiling.id) == closed


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_save_requires_a_reason(
    store: Store, ifk: User, kdn: User, client: Client, reason: str
) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    closed = store.close(Profiling, profiling.id, revision=1, actor=ifk)
    with pytest.raises(NotPermitted) as err:
        store.override_save(closed, actor=kdn, reason=reason)
    assert "Begründung" in err.value.message


def test_override_save_by_kdn_changes_closed_record_and_audits_reason(
    store: Store, ifk: User, kdn: User, client: Client
) -> None:
    profiling = store.add(make_profiling(client.id, zielberuf="Koch"), actor=ifk)
    closed = store.close(Profiling, profiling.id, revision=1, actor=ifk)
    corrected = store.override_save(
        closed.model_copy(update={"zielberuf": "Beikoch"}), actor=kdn, reason="Datenschutzvorfall 12/2026"
    )
    assert corrected.zielberuf == "Beikoch"
    assert corrected.status == Status.ABGESCHLOSSEN
    assert corrected.closed_by == "anna"
    assert corrected.revision == 3
    last = store.audit_entries(record_id=profiling.id)[-1]
    assert (last.action, last.actor, last.reason) == ("korrigiert (KDN)", "kdn", "Datenschutzvorfall 12/2026")


def test_override_save_with_stale_revision_is_refused(
    store: Store, ifk: User, kdn: User, client: Client
) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    closed = store.close(Profiling, profiling.id, revision=1, actor=ifk)
    with pytest.raises(StaleRevision):
        store.override_save(closed.model_copy(update={"revision": 1}), actor=kdn, reason="Korrektur")


def test_override_save_of_open_record_is_refused(store: Store, ifk: User, kdn: User, client: Client) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    with pytest.raises(LifecycleError):
        store.override_save(profiling, actor=kdn, reason="Korrektur")


def test_override_delete_by_kdn_removes_closed_record(
    store: Store, ifk: User, kdn: User, client: Client
) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.close(Profiling, profiling.id, revision=1, actor=ifk)
    store.override_delete(Profiling, profiling.id, actor=kdn, reason="falscher Kunde")
    with pytest.raises(NotFound):
        store.get(Profiling, profiling.id)
    last = store.audit_entries(record_id=profiling.id)[-1]
    assert (last.action, last.reason) == ("gelöscht (KDN)", "falscher Kunde")


def test_override_delete_refused_for_ifk_and_without_reason(
    store: Store, ifk: User, kdn: User, client: Client
) -> None:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.close(Profiling, profiling.id, revision=1, actor=ifk)
    with pytest.raises(NotPermitted):
        store.override_delete(Profiling, profiling.id, actor=ifk, reason="weil")
    with pytest.raises(NotPermitted):
        store.override_delete(Profiling, profiling.id, actor=kdn, reason="")
    assert store.get(Profiling, profiling.id).status == Status.ABGESCHLOSSEN


def test_list_for_client_is_newest_first_and_only_that_client(
    store: Store, ifk: User, client: Client
) -> None:
    other = store.add(make_client(), actor=ifk)
    first = store.add(make_profiling(client.id), actor=ifk)
    second = store.add(make_profiling(client.id), actor=ifk)
    store.add(make_profiling(other.id), actor=ifk)
    assert [p.id for p in store.list_for_client(Profiling, client.id)] == [second.id, first.id]


def test_every_client_kind_round_trips(store: Store, ifk: User, client: Client) -> None:
    profiling = store.add(
        make_profiling(client.id, relevant=["qual_1"], kompetenzen=["Teamarbeit"]), actor=ifk
    )
    egv = store.add(make_egv(client.id, profiling.id, teilschritte="Bewerbungen"), actor=ifk)
    talk = store.add(make_folgegespraech(client.id, anliegen="Rückblick"), actor=ifk)
    document = store.add(make_document(client.id, egv.id), actor=ifk)
    assert store.get(Profiling, profiling.id) == profiling
    assert store.get(Egv, egv.id) == egv
    assert store.get(Folgegespraech, talk.id) == talk
    loaded = store.get(Document, document.id)
    assert loaded.pdf == document.pdf
    assert store.list_for_client(Document, client.id) == [loaded]


def test_client_search_by_name_number_and_team(store: Store, ifk: User) -> None:
    maria = store.add(make_client(vorname="Maria", nachname="Özdemir", kundennummer="962D123456"), actor=ifk)
    store.add(make_client(vorname="Jan", nachname="Berg", team="Team 2"), actor=ifk)
    assert store.find_clients("özd") == [maria]
    assert store.find_clients("maria öz") == [maria]
    assert store.find_clients("962d12") == [maria]
    assert [c.vorname for c in store.find_clients(team="Team 2")] == ["Jan"]
    assert store.find_clients("zzz") == []
    assert len(store.find_clients("", limit=1)) == 1
    assert store.client_by_kundennummer("962D123456") == maria
    assert store.client_by_kundennummer("000") is None


def test_saved_client_is_found_with_new_name(store: Store, ifk: User, client: Client) -> None:
    store.save(client.model_copy(update={"nachname": "Neumann"}), actor=ifk)
    assert [c.id for c in store.find_clients("neumann")] == [client.id]


def test_kundennummer_is_unique(store: Store, ifk: User, client: Client) -> None:
    with pytest.raises(AlreadyExists):
        store.add(make_client(kundennummer=client.kundennummer), actor=ifk)


def test_changed_kundennummer_frees_the_old_one(store: Store, ifk: User, client: Client) -> None:
    old = client.kundennummer
    other = store.add(make_client(kundennummer="962D000001"), actor=ifk)
    with pytest.raises(AlreadyExists):
        store.save(other.model_copy(update={"kundennummer": old}), actor=ifk)
    moved = store.save(client.model_copy(update={"kundennummer": "962D000002"}), actor=ifk)
    assert store.client_by_kundennummer("962D000002") == moved
    assert store.client_by_kundennummer(old) is None
    taken = store.save(other.model_copy(update={"kundennummer": old}), actor=ifk)
    assert store.client_by_kundennummer(old) == taken


def test_users_by_name_and_sorted(store: Store, ifk: User, kdn: User) -> None:
    assert store.user_by_username("anna") == ifk
    assert store.user_by_username("niemand") is None
    assert [u.username for u in store.list_users()] == ["anna", "kdn"]
    with pytest.raises(AlreadyExists):
        store.add(make_user(username="anna"), actor=kdn)
    locked = store.save(ifk.model_copy(update={"failed_logins": 3}), actor=kdn)
    assert store.user_by_username("anna") == locked


def test_catalogue_versions_are_numbered_and_kept(store: Store, ifk: User) -> None:
    trainer = make_user(role=Role.TRAINER, username="trainer")
    first = store.publish_catalogue("version: 1\n", note="Start", actor=trainer)
    second = store.publish_catalogue("version: 2\n", note="Neue Strategie", actor=trainer)
    assert (first.number, second.number) == (1, 2)
    assert store.catalogue_numbers() == [1, 2]
    assert store.catalogue_version(1).text == "version: 1\n"
    assert store.catalogue_version(2) == second
    with pytest.raises(NotFound):
        store.catalogue_version(3)
    assert store.audit_entries()[-1].action == "Katalog veröffentlicht"


def test_store_offers_no_way_to_change_catalogue_or_audit(store: Store) -> None:
    names = {name for name in dir(store) if not name.startswith("_")}
    forbidden = {
        n for n in names if re.search(r"audit.*(update|delete|remove|edit)|catalogue.*(update|delete)", n)
    }
    assert forbidden == set()


@pytest.mark.parametrize("text", ["Max\x00", "Lager\x07logistik", "\x1b[31m"])
def test_control_characters_are_refused_at_their_field_and_nothing_is_stored(
    store: Store, ifk: User, client: Client, text: str
) -> None:
    """Regression: PostgreSQL refused NUL as "Datenbank nicht erreichbar"; TinyDB stored it."""
    with pytest.raises(InvalidInput) as refused:
        store.save(client.model_copy(update={"vorname": text}), actor=ifk)
    assert refused.value.field == "vorname" and "Steuerzeichen" in refused.value.message
    profiling = store.add(make_profiling(client.id), actor=ifk)
    with pytest.raises(InvalidInput) as refused:
        store.save(profiling.model_copy(update={"zielberuf": text}), actor=ifk)
    assert refused.value.field == "zielberuf"
    with pytest.raises(InvalidInput):
        store.find_clients(text)
    assert store.get(Client, client.id) == client
    assert store.get(Profiling, profiling.id) == profiling
    line_breaks = store.save(profiling.model_copy(update={"zielberuf": "Fachkraft\tLager\r\nlogistik"}), actor=ifk)
    assert line_breaks.zielberuf == "Fachkraft\tLager\r\nlogistik"
