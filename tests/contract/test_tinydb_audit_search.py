"""TinyDB: a record's or a client's audit entries are found without parsing the rest of the trail."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.audit import AuditAction
from schemas.records import AuditEntry
from services import audit_log
from storage import tinydb_store
from storage.tinydb_store import TinyDBStore
from tests.factories import make_client, make_user


def _parsed_lines(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    parsed: list[bytes] = []
    parse = AuditEntry.model_validate_json

    def counted(line: bytes) -> AuditEntry:
        parsed.append(line)
        return parse(line)

    monkeypatch.setattr(tinydb_store.AuditEntry, "model_validate_json", counted)
    return parsed


def test_a_clients_entries_are_found_exactly_and_no_other_line_is_parsed(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    store = TinyDBStore(tmp_path)
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    mine = store.add(make_client(kundennummer="123D000001"), actor=ifk)
    others = [store.add(make_client(kundennummer=f"123D00001{n}"), actor=ifk) for n in range(5)]
    for other in others:
        store.audit_append(actor=ifk, action=AuditAction.GELESEN, record_kind="Kunde", record_id=other.id, client_id=other.id)
    # a list view names the client's id in its reason: not one of the client's entries
    audit_log.list_viewed(store, [mine.id, *(o.id for o in others)], actor=ifk, record_kind="Kunde",
                          view="Kundensuche")
    store.audit_append(actor=ifk, action=AuditAction.GELESEN, record_kind="Kunde", record_id=mine.id, client_id=mine.id)
    with open(store.audit_path, "ab") as trail:  # a line being written (no newline yet) naming the client
        trail.write(b'{"seq":999,"record_id":"' + mine.id.encode())
    everything = [e for e in store._audit_rows() if e is not None]
    expected_by_client = [e for e in everything if e.client_id == mine.id]
    expected_by_record = [e for e in everything if e.record_id == mine.id]
    assert len(expected_by_client) == 2 and len(expected_by_record) == 2  # created, read

    parsed = _parsed_lines(monkeypatch)
    assert store.audit_entries(client_id=mine.id) == expected_by_client
    assert store.audit_entries(record_id=mine.id) == expected_by_record
    assert store.audit_entries(client_id=mine.id, record_id=others[0].id) == []
    assert len(parsed) == 2 + 2 + 2  # only the complete lines with the id as a JSON string
    assert all(f'"{mine.id}"'.encode() in line for line in parsed[:4])
    assert all(f'"{others[0].id}"'.encode() in line for line in parsed[4:])


def test_an_id_with_other_characters_is_found_by_parsing_every_line(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    store.audit_append(actor=ifk, action=AuditAction.ZUGRIFF_VERWEIGERT, record_kind="Zugriff", record_id="Seite „Berichte“")
    store.audit_append(actor=ifk, action=AuditAction.ZUGRIFF_VERWEIGERT, record_kind="Zugriff", record_id='Seite "x"')
    assert [e.record_id for e in store.audit_entries(record_id="Seite „Berichte“")] == ["Seite „Berichte“"]
    assert [e.record_id for e in store.audit_entries(record_id='Seite "x"')] == ['Seite "x"']
