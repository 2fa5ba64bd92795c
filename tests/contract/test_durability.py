"""TinyDB durability: a writer killed with SIGKILL in the middle of saves leaves no torn file and loses no
acknowledged save (atomic replace + fsync; the kernel releases the dead writer's file lock)."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import time
from pathlib import Path

import pytest

from schemas.audit import AuditAction
from schemas.records import Client, Folgegespraech, Profiling
from storage.tinydb_store import TinyDBStore
from tests.factories import make_client, make_folgegespraech, make_profiling, make_user

KILLS = 200


def _writer(data_dir: Path, profiling_id: str, client_id: str, start: int, ack_fd: int) -> None:
    """Runs in the forked child: saves, adds and client changes until killed; acknowledges each one that returned."""
    store = TinyDBStore(data_dir)
    actor = make_user(username="writer")
    number = start
    while True:
        profiling = store.get(Profiling, profiling_id)
        token = f"k{number}"
        store.save(profiling.model_copy(update={"kompetenzen": [*profiling.kompetenzen, token]}), actor=actor)
        os.write(ack_fd, f"save {token}\n".encode())
        if number % 3 == 0:
            talk = store.add(make_folgegespraech(client_id, anliegen=token), actor=actor)
            os.write(ack_fd, f"add {talk.id}\n".encode())
        if number % 5 == 0:
            client = store.get(Client, client_id)
            store.save(client.model_copy(update={"vorname": token}), actor=actor)
            os.write(ack_fd, f"client {token}\n".encode())
        number += 1


def _all_files_whole(data_dir: Path) -> int:
    """Parse every data file; returns how many. A torn file raises."""
    count = 0
    for path in data_dir.rglob("*.json"):
        if path.name.startswith("."):  # a writer's temp file, never renamed into place
            continue
        json.loads(path.read_bytes())
        count += 1
    raw = (data_dir / "audit" / "audit.jsonl").read_bytes()
    complete = raw[: raw.rfind(b"\n") + 1]  # an unterminated tail is cut off by the next append
    for line in complete.splitlines():
        json.loads(line)
    return count


@pytest.mark.slow
def test_sigkilled_writer_leaves_no_torn_file_and_loses_no_acknowledged_save(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = TinyDBStore(data_dir)
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    acknowledged: list[str] = []
    added: list[str] = []
    first_names: list[str] = []
    rng = random.Random(4)
    number = 0
    for round_ in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(read_fd)
            try:
                _writer(data_dir, profiling.id, client.id, number, write_fd)
            finally:
                os._exit(1)
        os.close(write_fd)
        # wait for the first acknowledged save (the machine may be busy), then kill at a random moment
        ready, _, _ = select.select([read_fd], [], [], 30)
        assert ready, "the writer acknowledged no save within 30 s"
        time.sleep(rng.uniform(0, 0.02))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), "the writer stopped before it was killed"
        with os.fdopen(read_fd, "rb") as pipe:
            lines = pipe.read().decode().splitlines()
        for line in lines:
            what, value = line.split(" ", 1)
            {"save": acknowledged, "add": added, "client": first_names}[what].append(value)
        number += len(lines) + 1

        assert _all_files_whole(data_dir) > 0
        reader = TinyDBStore(data_dir)
        stored = reader.get(Profiling, profiling.id)
        assert set(acknowledged) <= set(stored.kompetenzen), f"acknowledged save lost in round {round_}"
        if first_names:
            saved_name = reader.get(Client, client.id).vorname
            assert int(saved_name[1:]) >= int(first_names[-1][1:])
        # the audit trail and the indexes agree with the records: no entry for a change that was not stored
        assert len(reader.audit_entries(record_id=profiling.id)) == stored.revision, f"round {round_}"
        talks = reader.list_for_client(Folgegespraech, client.id)
        created = [e for e in reader.audit_entries(client_id=client.id) if e.record_kind == "Folgegespräch"]
        assert {e.record_id for e in created} == {t.id for t in talks}, f"round {round_}"
        current = reader.get(Client, client.id)
        assert reader.find_clients(current.vorname) == [current], f"round {round_}"
        assert reader.client_by_kundennummer(current.kundennummer) == current
        if round_ % 25 == 0:  # the dead writer's lock is free, and the chain continues after a torn tail
            reader.save(stored, actor=ifk)
            assert reader.audit_verify() is None

    assert len(acknowledged) >= KILLS
    store = TinyDBStore(data_dir)
    talks = {t.id for t in store.list_for_client(Folgegespraech, client.id)}
    assert set(added) <= talks
    assert store.find_clients(store.get(Client, client.id).vorname) == [store.get(Client, client.id)]
    store.audit_append(
        actor=ifk, action=AuditAction.GELESEN, record_kind="Kunde", record_id=client.id, client_id=client.id
    )
    assert store.audit_verify() is None
    _all_files_whole(data_dir)
    raw = (data_dir / "audit" / "audit.jsonl").read_bytes()
    assert raw.endswith(b"\n")


def test_torn_last_audit_line_is_cut_off_by_the_next_append(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    audit = tmp_path / "data" / "audit" / "audit.jsonl"
    with open(audit, "ab") as handle:  # what a writer killed in the middle of an append leaves behind
        handle.write(b'{"seq": 3, "at": "2026-11-')
    assert [e.seq for e in store.audit_entries()] == [1, 2]
    assert store.audit_verify() is None
    store.add(make_profiling(client.id), actor=ifk)
    assert [e.seq for e in store.audit_entries()] == [1, 2, 3]
    assert store.audit_verify() is None
    assert all(json.loads(line) for line in audit.read_bytes().splitlines())


def _die_in_child_at(data_dir: Path, target: tuple[object, str], change, dying=None) -> None:
    """Fork a writer that runs `change(store)` and dies (no cleanup, like SIGKILL, exit 9) when it reaches
    `target` (which `dying`, if given, replaces: it must end with os._exit(9))."""
    owner, name = target
    pid = os.fork()
    if pid == 0:  # child
        setattr(owner, name, dying or (lambda *args, **kwargs: os._exit(9)))
        try:
            change(TinyDBStore(data_dir))
        except BaseException as exc:  # noqa: BLE001 - shown by the parent when the child exits 1
            os.write(2, repr(exc).encode())
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 9, "the writer did not reach the point where it should die"


def test_writer_killed_after_the_record_file_is_finished_by_the_next_store(tmp_path: Path) -> None:
    """Regression: a kill between the client's file and the search index left the index stale for ever."""
    store = TinyDBStore(tmp_path / "data")
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(vorname="Alt"), actor=ifk)
    entries = len(store.audit_entries())

    _die_in_child_at(
        tmp_path / "data",
        (TinyDBStore, "_index_put"),
        lambda s: s.save(s.get(Client, client.id).model_copy(update={"vorname": "Neu"}), actor=ifk),
    )

    reopened = TinyDBStore(tmp_path / "data")
    assert reopened.get(Client, client.id).vorname == "Neu"
    assert [c.id for c in reopened.find_clients("Neu")] == [client.id]
    assert reopened.find_clients("Alt") == []
    assert len(reopened.audit_entries()) == entries + 1  # the change happened, so its entry stays
    assert reopened.audit_verify() is None


def _torn_log_append(store: TinyDBStore, line: bytes, start: int) -> None:
    """What a writer killed in the middle of its log append leaves: half the line, then death."""
    with open(store.root / "locks" / "wal.jsonl", "r+b") as handle:
        handle.seek(start)
        handle.write(line[: len(line) // 2])
    os._exit(9)


def test_writer_killed_in_the_middle_of_its_log_line_changed_nothing(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    entries = len(store.audit_entries())

    _die_in_child_at(tmp_path / "data", (TinyDBStore, "_wal_append"),
                     lambda s: s.add(make_profiling(client.id), actor=ifk), _torn_log_append)

    reopened = TinyDBStore(tmp_path / "data")
    assert reopened.list_for_client(Profiling, client.id) == []
    assert len(reopened.audit_entries()) == entries  # the audit trail names no change that was not stored
    assert reopened.audit_verify() is None
    assert not list((tmp_path / "data" / "ids").rglob("*.json"))  # no pointer to a record that never arrived
    reopened.add(make_profiling(client.id), actor=ifk)
    assert reopened.audit_verify() is None
    lines = (tmp_path / "data" / "locks" / "wal.jsonl").read_bytes().rstrip(b"\0")
    assert lines.endswith(b"\n") and all(json.loads(line) for line in lines.splitlines())


def test_writer_killed_after_its_log_line_is_finished_by_the_next_reader_and_writer(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    entries = len(store.audit_entries())
    profiling = make_profiling(client.id)

    # dies right after the committed log line, before its audit line and its files
    _die_in_child_at(tmp_path / "data", (TinyDBStore, "_append_lines"), lambda s: s.add(profiling, actor=ifk))

    # a read's audit entry (no write lock) first completes the trail with the dead writer's entry
    store.audit_append(actor=ifk, action=AuditAction.GELESEN, record_kind="Kunde", record_id=client.id, client_id=client.id)
    actions = [(e.action, e.record_id) for e in store.audit_entries()[entries:]]
    assert actions == [("angelegt", profiling.id), ("gelesen", client.id)]
    assert store.audit_verify() is None
    # the next change (or the next store) writes the files the line names
    store.save(store.get(Client, client.id), actor=ifk)
    assert [p.id for p in store.list_for_client(Profiling, client.id)] == [profiling.id]
    assert TinyDBStore(tmp_path / "data").get(Profiling, profiling.id).revision == 1
    assert store.audit_verify() is None


def test_after_a_power_loss_the_log_restores_changes_whose_files_were_not_flushed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = TinyDBStore(data)
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(vorname="Alt"), actor=ifk)
    store._checkpoint()  # everything so far is on the disk
    flushed = {path: path.read_bytes() for path in data.rglob("*") if path.is_file() and "locks" not in path.parts}
    profiling = store.add(make_profiling(client.id), actor=ifk)
    profiling = store.save(profiling.model_copy(update={"zielberuf": "Lagerist"}), actor=ifk)
    store.save(store.get(Client, client.id).model_copy(update={"vorname": "Neu"}), actor=ifk)
    # the power fails: what was written without fsync is gone, the fsynced log stays
    for path in list(data.rglob("*")):
        if path.is_file() and "locks" not in path.parts and path not in flushed:
            path.unlink()
    for path, content in flushed.items():
        path.write_bytes(content)
    (data / "locks" / "wal.applied").write_text("anderer-start 999999")

    reopened = TinyDBStore(data)
    assert reopened.get(Profiling, profiling.id).zielberuf == "Lagerist"
    assert [c.id for c in reopened.find_clients("Neu")] == [client.id]
    assert reopened.client_by_kundennummer(client.kundennummer).vorname == "Neu"
    assert len(reopened.audit_entries()) == 5
    assert reopened.audit_verify() is None
    assert not (data / "locks" / "wal.jsonl").read_bytes().strip(b"\0")  # replayed, flushed, emptied


def test_a_full_log_is_checkpointed_and_the_store_reads_the_same_after_reopening(tmp_path: Path, monkeypatch) -> None:
    from storage import tinydb_store

    monkeypatch.setattr(tinydb_store, "WAL_LIMIT", 4000)  # a checkpoint every few saves
    synced: list[Path] = []  # the flush itself is the kernel's (syncfs); here only that it is asked for
    monkeypatch.setattr(tinydb_store, "sync_filesystem", synced.append)
    store = TinyDBStore(tmp_path / "data")
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    for number in range(12):
        profiling = store.save(profiling.model_copy(update={"zielberuf": f"Beruf {number}"}), actor=ifk)
    assert synced, "no checkpoint although the log passed its limit"
    wal = (tmp_path / "data" / "locks" / "wal.jsonl").read_bytes().rstrip(b"\0")
    assert len(wal) < 4000 + 4000  # emptied at each checkpoint, never grown without bound
    reopened = TinyDBStore(tmp_path / "data")
    assert reopened.get(Profiling, profiling.id).zielberuf == "Beruf 11"
    assert reopened.get(Profiling, profiling.id).revision == 13
    assert len(reopened.audit_entries(record_id=profiling.id)) == 13
    assert reopened.audit_verify() is None
