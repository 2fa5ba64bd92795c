"""Contract: the audit trail is append-only, hash-chained, in UTC, and tampering outside the app is reported."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, timedelta
from pathlib import Path

import psycopg
import pytest

from schemas.audit import AuditAction
from schemas.records import Client, Profiling, User, utcnow
from storage.audit_chain import GENESIS
from storage.base import Store
from tests.contract.conftest import StoreSpec
from tests.factories import make_client, make_profiling, make_user


def _some_history(store: Store, ifk: User, client: Client) -> Profiling:
    profiling = store.add(make_profiling(client.id), actor=ifk)
    profiling = store.save(profiling, actor=ifk)
    store.audit_append(actor=ifk, action=AuditAction.GELESEN, record_kind="Profiling", record_id=profiling.id,
                       client_id=client.id, catalogue_version=1)  # fmt: skip
    return store.close(Profiling, profiling.id, revision=profiling.revision, actor=ifk)


def test_every_change_is_audited_with_who_what_which_record(store: Store, ifk: User, client: Client) -> None:
    profiling = _some_history(store, ifk, client)
    entries = store.audit_entries(record_id=profiling.id)
    assert [e.action for e in entries] == ["angelegt", "gespeichert", "gelesen", "abgeschlossen"]
    assert {(e.actor, e.role, e.record_kind, e.client_id, e.catalogue_version) for e in entries} == {
        ("anna", "IFK", "Profiling", client.id, 1)
    }


def test_audit_entries_form_a_hash_chain_in_utc(store: Store, ifk: User, client: Client) -> None:
    _some_history(store, ifk, client)
    entries = store.audit_entries()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(entries))
    assert all(e.at.utcoffset() == timedelta(0) for e in entries)
    assert abs(entries[-1].at - utcnow()) < timedelta(minutes=1)
    assert entries[-1].at.tzinfo is not None and entries[-1].at.astimezone(UTC) == entries[-1].at
    assert store.audit_verify() is None


def test_audit_entries_filter_by_client(store: Store, ifk: User, client: Client) -> None:
    _some_history(store, ifk, client)
    assert {e.client_id for e in store.audit_entries(client_id=client.id)} == {client.id}
    assert len(store.audit_entries(client_id="niemand")) == 0


def test_empty_audit_trail_verifies(store: Store) -> None:
    assert store.audit_verify() is None


def _tamper(spec: StoreSpec, seq: int) -> None:
    """Change one entry outside the app, as an attacker with file or database access could."""
    if spec.backend == "tinydb":
        path = Path(spec.data_dir) / "audit" / "audit.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        entry = json.loads(lines[seq - 1])
        entry["actor"] = "mallory"
        lines[seq - 1] = json.dumps(entry, ensure_ascii=False) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
    else:
        spec.execute(
            "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
            "UPDATE audit SET actor = 'mallory' WHERE seq = %s",
            "ALTER TABLE audit ENABLE TRIGGER audit_append_only",
            params=(seq,),
        )


def test_tampered_entry_is_reported_by_verify(
    store: Store, store_spec: StoreSpec, ifk: User, client: Client
) -> None:
    _some_history(store, ifk, client)
    assert store.audit_verify() is None
    _tamper(store_spec, 4)
    assert store.audit_verify() == 4


def test_appending_after_tampering_keeps_the_break_visible(
    store: Store, store_spec: StoreSpec, ifk: User, client: Client
) -> None:
    _some_history(store, ifk, client)
    _tamper(store_spec, 2)
    store.add(make_profiling(client.id), actor=ifk)
    assert store.audit_verify() == 2


def test_deleted_entry_is_reported(store: Store, store_spec: StoreSpec, ifk: User, client: Client) -> None:
    _some_history(store, ifk, client)
    if store_spec.backend == "tinydb":
        path = Path(store_spec.data_dir) / "audit" / "audit.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")
    else:
        store_spec.execute(
            "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
            "DELETE FROM audit WHERE seq = 3",
            "ALTER TABLE audit ENABLE TRIGGER audit_append_only",
        )
    assert store.audit_verify() == 3


def test_entries_removed_from_the_end_are_reported(
    store: Store, store_spec: StoreSpec, ifk: User, client: Client
) -> None:
    """Regression: cutting the newest entries left a shorter chain that verified as intact."""
    _some_history(store, ifk, client)
    last = len(store.audit_entries())
    if store_spec.backend == "tinydb":
        path = Path(store_spec.data_dir) / "audit" / "audit.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:-2]), encoding="utf-8")
    else:
        store_spec.execute(
            "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
            f"DELETE FROM audit WHERE seq >= {last - 1}",
            "ALTER TABLE audit ENABLE TRIGGER audit_append_only",
        )
    assert store.audit_verify() == last - 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit SET actor = 'mallory'", "DELETE FROM audit", "TRUNCATE audit",
     "UPDATE catalogue_versions SET text = 'x'", "DELETE FROM catalogue_versions"],
)  # fmt: skip
def test_postgres_refuses_update_and_delete_of_audit_rows(pg_spec: StoreSpec, statement: str) -> None:
    store = pg_spec.open()
    try:
        ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
        client = store.add(make_client(), actor=ifk)
        _some_history(store, ifk, client)
        store.publish_catalogue("a: 1\n", note="x", actor=ifk)
        before = store.audit_entries()
        with pytest.raises(psycopg.errors.RaiseException, match="unveränderlich"):
            pg_spec.execute(statement)
        assert store.audit_entries() == before
        assert store.catalogue_numbers() == [1]
        assert store.audit_verify() is None
    finally:
        store.close_store()


def test_the_store_refuses_an_audit_action_that_is_plain_text(store: Store, ifk: User, client: Client) -> None:
    before = len(store.audit_entries())

    with pytest.raises(TypeError, match="AuditAction"):
        store.audit_append(actor=ifk, action="gelesen", record_kind="Kunde", record_id=client.id,  # type: ignore[arg-type]
                           client_id=client.id)
    with pytest.raises(TypeError, match="AuditAction"):
        store.save(client, actor=ifk, action="Stammdaten korrigiert")  # type: ignore[arg-type]

    assert len(store.audit_entries()) == before
    assert store.get(Client, client.id).revision == client.revision
