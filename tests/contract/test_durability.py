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


def _die_in_child_at(data_dir: Path, target: tuple[object, str], change) -> None:
    """Fork a writer that runs `change(store)` and dies (no cleanup, like SIGKILL) when it reaches `target`."""
    owner, name = target
    pid = os.fork()
    if pid == 0:  # child
        setattr(owner, name, lambda *args, **kwargs: os._exit(9))
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
    assert not (tmp_path / "data" / "locks" / "journal.json").exists()


def test_writer_killed_before_the_record_file_leaves_no_audit_entry(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    entries = len(store.audit_entries())

    # dies after the journal and the audit entry, before the new profiling's file is written
    _die_in_child_at(
        tmp_path / "data", (TinyDBStore, "tinydb"), lambda s: s.add(make_profiling(client.id), actor=ifk)
    )

    assert (tmp_path / "data" / "locks" / "journal.json").exists()
    reopened = TinyDBStore(tmp_path / "data")
    assert reopened.list_for_client(Profiling, client.id) == []
    assert len(reopened.audit_entries()) == entries  # the audit trail names no change that was not stored
    assert reopened.audit_verify() is None
    assert not list((tmp_path / "data" / "ids").rglob("*.json"))  # no pointer to a record that never arrived
    reopened.add(make_profiling(client.id), actor=ifk)
    assert reopened.audit_verify() is None
