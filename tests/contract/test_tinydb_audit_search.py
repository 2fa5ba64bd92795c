"""TinyDB: a record's or a client's audit entries are found without parsing the rest of the trail."""

from __future__ import annotations

from pathlib import Path
from typing import Self

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


@pytest.mark.parametrize("piece", [1, 97, 1000, 1 << 22])
def test_the_trail_is_read_a_piece_at_a_time_with_the_same_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    piece: int) -> None:
    """The trail grows with every access of the house: a reader holds one piece of it (and the line it is in) in
    memory, never all of it. Pieces that cut lines anywhere give the same entries as one read of the whole file,
    and a line being written stays left out."""
    store = TinyDBStore(tmp_path)
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    clients = [store.add(make_client(kundennummer=f"123D00002{n}"), actor=ifk) for n in range(4)]
    for client in clients * 3:
        store.audit_append(actor=ifk, action=AuditAction.GELESEN, record_kind="Kunde", record_id=client.id,
                           client_id=client.id)
    with open(store.audit_path, "ab") as trail:  # a line being written (no newline yet) naming a client
        trail.write(b'{"seq":999,"record_id":"' + clients[0].id.encode())
    raw = store.audit_path.read_bytes()
    whole = [AuditEntry.model_validate_json(line) for line in raw.split(b"\n")[:-1]]
    reads: list[int] = []
    monkeypatch.setattr(tinydb_store, "_SCAN_CHUNK", piece)

    def watched(path, mode="r", *args, **kwargs):  # the trail's reads are counted by size
        file = open(path, mode, *args, **kwargs)  # noqa: SIM115 (closed by the caller's with)
        return _CountedReads(file, reads) if Path(path) == store.audit_path else file

    monkeypatch.setattr(tinydb_store, "open", watched, raising=False)
    assert [e for e in store._audit_rows() if e is not None] == whole
    for client in clients:
        assert store.audit_entries(client_id=client.id) == [e for e in whole if e.client_id == client.id]
    assert reads and all(0 < size <= piece for size in reads)  # never the whole file at once
    assert len(whole) == 1 + 4 + 12  # the account, the clients created and read, not the line being written


class _CountedReads:
    """A file whose reads are noted by their size; a context manager like the file itself."""

    def __init__(self, file, sizes: list[int]) -> None:
        self._file, self._sizes = file, sizes

    def read(self, size: int = -1) -> bytes:
        self._sizes.append(size)
        return self._file.read(size)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()
