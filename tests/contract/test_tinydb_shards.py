"""TinyDB index shards: a change rewrites a shard only when its entry changes, and older one-line shards keep working."""

from __future__ import annotations

import json
import os
from pathlib import Path

from schemas.records import Client, Profiling
from storage import shards
from storage.tinydb_store import TinyDBStore, shard
from tests.factories import make_client, make_profiling, make_user


def _shard_files(root: Path, client: Client) -> list[Path]:
    return [root / "index" / f"summary-{shard(client.id)}.json", root / "index" / f"clients-{shard(client.id)}.json",
            root / "index" / f"kundennummer-{shard(client.kundennummer)}.json"]  # fmt: skip


def _setup(root: Path) -> tuple[TinyDBStore, object, Client, Profiling]:
    store = TinyDBStore(root)
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    return store, ifk, client, profiling


def test_a_save_that_leaves_the_client_summary_as_it_was_does_not_rewrite_the_summary_shard(tmp_path: Path) -> None:
    store, ifk, client, profiling = _setup(tmp_path)
    summary_path = _shard_files(tmp_path, client)[0]
    before = summary_path.stat().st_ino, summary_path.read_bytes()
    saved = store.save(profiling.model_copy(update={"integrationsziel": "Ein neues Ziel"}), actor=ifk)
    assert (summary_path.stat().st_ino, summary_path.read_bytes()) == before
    store.close(Profiling, saved.id, revision=saved.revision, actor=ifk)  # closing changes the summary
    assert summary_path.stat().st_ino != before[0]
    assert json.loads(summary_path.read_bytes())[client.id] == store._client_summary(client.id)
    assert store.report_teams() == [client.team]


def test_an_older_directory_with_one_line_shards_is_read_and_changed_as_before(tmp_path: Path) -> None:
    _, ifk, client, profiling = _setup(tmp_path)
    paths = _shard_files(tmp_path, client)
    for path in paths:  # as the store wrote them before: one compact JSON object on one line
        path.write_bytes(json.dumps(json.loads(path.read_bytes()), separators=(",", ":")).encode())
        assert b"\n" not in path.read_bytes()

    older = TinyDBStore(tmp_path)
    assert [c.id for c in older.find_clients(client.nachname)] == [client.id]
    assert older.client_by_kundennummer(client.kundennummer).id == client.id
    moved = older.save(older.get(Client, client.id).model_copy(update={"team": "Team 7", "kundennummer": "962D777777"}),
                       actor=ifk)  # fmt: skip
    older.close(Profiling, profiling.id, revision=profiling.revision, actor=ifk)

    fresh = TinyDBStore(tmp_path)
    assert [c.team for c in fresh.find_clients(client.nachname)] == ["Team 7"]
    assert fresh.client_by_kundennummer("962D777777").id == client.id
    assert fresh.client_by_kundennummer(client.kundennummer) is None
    assert fresh.report_teams() == ["Team 7"]
    summary_path = paths[0]
    assert json.loads(summary_path.read_bytes())[client.id] == fresh._client_summary(client.id)
    assert summary_path.read_bytes() == shards.render(json.loads(summary_path.read_bytes()))  # one entry a line
    assert moved.revision == client.revision + 1


def test_a_repeated_client_search_opens_no_file_and_still_sees_another_process_change_at_once(
    tmp_path: Path, monkeypatch
) -> None:
    """The readers' caches take an unchanged shard on its change count (locks/changes) alone: a search of all 256
    shards makes no system call; a change through another store on the directory (another process) is counted."""
    store, ifk, client, _ = _setup(tmp_path)
    assert [c.nachname for c in store.find_clients()] == [client.nachname]
    assert store.user_by_username("anna") is not None
    opened: list[str] = []
    real_open = os.open

    def counted_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(os, "open", counted_open)
        assert [c.nachname for c in store.find_clients()] == [client.nachname]
        assert store.user_by_username("anna") is not None
    assert opened == []

    other = TinyDBStore(tmp_path)
    other.save(other.get(Client, client.id).model_copy(update={"nachname": "Neumann"}), actor=ifk)
    other.save(other.user_by_username("anna").model_copy(update={"display_name": "Anna N."}), actor=ifk)
    assert [c.nachname for c in store.find_clients()] == ["Neumann"]
    assert store.user_by_username("anna").display_name == "Anna N."
