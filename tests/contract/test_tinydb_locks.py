"""TinyDB locking: reads and their audit entries never wait for a writer holding the data directory's write lock."""

from __future__ import annotations

import threading
from pathlib import Path

from schemas.audit import AuditAction
from schemas.records import Client, Profiling
from storage.tinydb_store import TinyDBStore
from tests.factories import make_client, make_profiling, make_user


def test_reads_and_their_audit_entries_do_not_wait_for_a_held_write_lock(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    held, release = threading.Event(), threading.Event()

    def writer() -> None:  # a change (or backup) holding the write lock for as long as the readers run
        with store.lock.held():
            held.set()
            release.wait(60)

    results: list[object] = []

    def reader() -> None:
        results.append(store.get(Client, client.id))
        results.append(store.list_for_client(Profiling, client.id))
        results.append(store.find_clients(client.nachname))
        results.append(store.audit_append(actor=ifk, action=AuditAction.GELESEN, record_kind="Profiling",
                                          record_id=profiling.id, client_id=client.id))  # fmt: skip

    holder = threading.Thread(target=writer)
    holder.start()
    try:
        assert held.wait(30)
        reading = threading.Thread(target=reader)
        reading.start()
        reading.join(30)
        assert not reading.is_alive(), "a read waited for the write lock"
    finally:
        release.set()
        holder.join()
    assert len(results) == 4
    assert store.audit_entries()[-1].action == "gelesen"
    assert store.audit_verify() is None


def test_a_read_entry_between_two_saves_stays_in_the_chain(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    store.audit_append(actor=ifk, action=AuditAction.GELESEN, record_kind="Profiling", record_id=profiling.id,
                       client_id=client.id)  # fmt: skip
    store.save(profiling, actor=ifk)
    reopened = TinyDBStore(tmp_path / "data")
    assert [e.action for e in reopened.audit_entries()][-3:] == ["angelegt", "gelesen", "gespeichert"]
    assert reopened.audit_verify() is None
