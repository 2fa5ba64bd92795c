"""Backup and restore of the TinyDB data directory while the app writes, and the migration TinyDB → PostgreSQL."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from errors import AlreadyExists, InvalidInput
from schemas.audit import AuditAction
from schemas.records import Profiling, Role
from storage.admin import audit_verify, backup, copy_store, migrate, restore
from storage.base import RECORD_KINDS
from storage.core import RuleStore
from storage.tinydb_store import TinyDBStore
from tests.contract.conftest import StoreSpec
from tests.factories import (
    make_client,
    make_document,
    make_egv,
    make_folgegespraech,
    make_profiling,
    make_user,
)


def _fill(store: RuleStore) -> None:
    """A small but complete installation: every kind, both states, a KDN correction, catalogue versions."""
    kdn = store.add(make_user(role=Role.KDN, username="kdn", display_name="Karl Dorn"), actor=make_user())
    ifk = store.add(make_user(username="anna", display_name="Anna Schmidt"), actor=kdn)
    trainer = store.add(make_user(role=Role.TRAINER, username="trainer"), actor=kdn)
    store.publish_catalogue("version: 1\n", note="Start", actor=trainer)
    for number in range(5):
        client = store.add(make_client(nachname=f"Kundin{number}", team=f"Team {number % 2 + 1}"), actor=ifk)
        first = store.add(make_profiling(client.id, relevant=["qual_1"], zielberuf="Koch"), actor=ifk)
        first = store.close(Profiling, first.id, revision=first.revision, actor=ifk)
        second = store.add(make_profiling(client.id, cloned_from=first.id), actor=ifk)
        store.save(second.model_copy(update={"kompetenzen": ["Teamarbeit", "Ausdauer"]}), actor=ifk)
        egv = store.add(make_egv(client.id, first.id, teilschritte="3 Bewerbungen/Woche"), actor=ifk)
        store.add(make_folgegespraech(client.id, anliegen="Rückblick"), actor=ifk)
        store.add(make_document(client.id, egv.id, pdf=bytes(range(256)) * 4), actor=ifk)
        store.audit_append(
            actor=ifk, action=AuditAction.GELESEN, record_kind="Kunde", record_id=client.id, client_id=client.id
        )
        if number == 0:
            store.override_save(
                first.model_copy(update={"zielberuf": "Beikoch"}), actor=kdn, reason="Tippfehler"
            )
    store.publish_catalogue("version: 2\n", note="Neue Strategie", actor=trainer)


def _snapshot(store: RuleStore) -> dict:
    records = {kind.__name__: sorted(store.export_records(kind), key=lambda r: r.id) for kind in RECORD_KINDS}
    return {"records": records, "audit": store.export_audit(), "catalogue": store.export_catalogue()}


@pytest.mark.slow
def test_backup_while_the_app_writes_is_consistent_and_restores(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    _fill(store)
    ifk = store.user_by_username("anna")
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    stop = threading.Event()

    def keep_writing() -> None:
        writer = TinyDBStore(tmp_path / "data")
        while not stop.is_set():
            current = writer.get(Profiling, profiling.id)
            writer.save(current.model_copy(update={"kompetenzen": [*current.kompetenzen, "x"]}), actor=ifk)
            writer.add(make_folgegespraech(client.id), actor=ifk)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        summaries = [backup(store, tmp_path / f"sicherung{n}") for n in range(3)]
    finally:
        stop.set()
        thread.join()
    assert all("Audit-Kette intakt" in summary for summary in summaries)
    for n in range(3):
        copy = TinyDBStore(tmp_path / f"sicherung{n}")
        assert copy.audit_verify() is None
        # records and audit agree: every audited change is in the copy and nothing unaudited is
        saved = copy.get(Profiling, profiling.id)
        changes = [
            e for e in copy.audit_entries(record_id=profiling.id) if e.action in ("angelegt", "gespeichert")
        ]
        assert saved.revision == len(changes) == len(saved.kompetenzen) + 1
        talks = {
            e.record_id for e in copy.audit_entries(client_id=client.id) if e.record_kind == "Folgegespräch"
        }
        assert {t.id for t in copy.export_records(type(make_folgegespraech(client.id)))} >= talks

    before = _snapshot(TinyDBStore(tmp_path / "sicherung1"))
    message = restore(tmp_path / "sicherung1", tmp_path / "data")
    assert "Wiederhergestellt" in message and "vor-wiederherstellung" in message
    restored = TinyDBStore(tmp_path / "data")
    assert _snapshot(restored) == before
    intact, message = audit_verify(restored)
    assert intact and message.startswith(f"Audit-Kette intakt ({len(before['audit'])} Einträge).")
    restored.save(restored.get(Profiling, profiling.id), actor=ifk)  # the restored directory is writable
    assert restored.audit_verify() is None


def test_backup_refuses_a_non_empty_target(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    (tmp_path / "voll").mkdir()
    (tmp_path / "voll" / "datei").write_text("x")
    with pytest.raises(AlreadyExists):
        backup(store, tmp_path / "voll")


@pytest.mark.slow
def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    _fill(store)
    backup(tmp_path / "data", tmp_path / "sicherung")
    manifest = json.loads((tmp_path / "sicherung" / "MANIFEST.json").read_text())
    victim = next(name for name in manifest["files"] if name.startswith("clients/"))
    (tmp_path / "sicherung" / victim).write_text("{}")
    with pytest.raises(InvalidInput, match="beschädigt"):
        restore(tmp_path / "sicherung", tmp_path / "data")
    assert TinyDBStore(tmp_path / "data").audit_verify() is None


@pytest.mark.postgres
def test_migration_to_postgres_round_trips_every_record_and_the_audit_trail(
    tmp_path: Path, pg_spec: StoreSpec
) -> None:
    source = TinyDBStore(tmp_path / "pilot")
    _fill(source)
    original = _snapshot(source)

    message = migrate(source, pg_spec.url, schema=pg_spec.schema)
    assert message.startswith("Übernommen nach PostgreSQL") and "Audit-Kette intakt" in message
    target = pg_spec.open()
    try:
        assert _snapshot(target) == original
        assert target.audit_verify() is None
        back = TinyDBStore(tmp_path / "zurueck")
        copy_store(target, back)
        assert _snapshot(back) == original
        # the house-wide installation continues the same chain and the same revisions
        ifk = target.user_by_username("anna")
        open_one = next(p for p in original["records"]["Profiling"] if p.status == "offen")
        target.save(open_one, actor=ifk)
        assert target.audit_verify() is None
        with pytest.raises(AlreadyExists):
            migrate(source, pg_spec.url, schema=pg_spec.schema)
    finally:
        target.close_store()
