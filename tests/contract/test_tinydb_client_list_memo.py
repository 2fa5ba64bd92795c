"""TinyDB merges the client list's 256 index shards once per change of one of them (a client search lists them all
at every rerun of the Kunden page), and a client another store on the same directory (another server process)
created, renamed or moved is found at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import file_memo
from storage.tinydb_store import TinyDBStore
from tests.factories import make_client, make_user


def _names(store: TinyDBStore, text: str = "", **kwargs: object) -> list[str]:
    return [client.nachname for client in store.find_clients(text, **kwargs)]


def test_the_shards_are_read_once_while_no_client_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TinyDBStore(tmp_path / "data")
    for name in ("Zander", "Abel", "Maier"):
        store.add(make_client(nachname=name), actor=make_user())
    monkeypatch.setattr(file_memo, "TRUSTED_S", 3600.0)  # a slow machine does not check again meanwhile
    read: list[Path] = []
    shard = TinyDBStore._index_shard
    monkeypatch.setattr(TinyDBStore, "_index_shard", lambda self, path: (
        path.name.startswith("clients-") and read.append(path)) or shard(self, path))
    assert [_names(store) for _ in range(5)] == [["Abel", "Maier", "Zander"]] * 5
    assert len(read) <= 256  # one merge after the last add (counted), none after it
    read.clear()
    store.add(make_client(nachname="Berg"), actor=make_user())
    assert _names(store) == ["Abel", "Berg", "Maier", "Zander"]
    assert len(read) == 256


def test_a_client_created_renamed_or_moved_by_another_store_is_found_at_once(tmp_path: Path) -> None:
    first, second = TinyDBStore(tmp_path / "data"), TinyDBStore(tmp_path / "data")
    actor = make_user()
    anna = first.add(make_client(nachname="Abel", team="Team 1"), actor=actor)
    assert _names(second) == ["Abel"]
    first.add(make_client(nachname="Berg", team="Team 1"), actor=actor)
    assert _names(second) == ["Abel", "Berg"]
    renamed = first.save(anna.model_copy(update={"nachname": "Zander"}), actor=actor)
    assert _names(second) == ["Berg", "Zander"]
    assert _names(second, "zand") == ["Zander"]
    first.save(renamed.model_copy(update={"team": "Team 2"}), actor=actor)
    assert _names(second, team="Team 1") == ["Berg"]
    assert _names(second, team="Team 2") == ["Zander"]


def test_without_change_counts_every_search_reads_the_shards(tmp_path: Path) -> None:
    first, second = TinyDBStore(tmp_path / "data"), TinyDBStore(tmp_path / "data")
    second._changes = None  # as on a data directory that is read-only for this process
    second._index_memo._changes = None
    first.add(make_client(nachname="Abel"), actor=make_user())
    assert _names(second) == ["Abel"]
    first.add(make_client(nachname="Berg"), actor=make_user())
    assert _names(second) == ["Abel", "Berg"]


def test_a_search_returns_the_first_hits_by_name_up_to_its_limit(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "data")
    for name in ("Ernst", "Abel", "Dorn", "Berg", "Cramer"):
        store.add(make_client(nachname=name), actor=make_user())
    assert _names(store, limit=3) == ["Abel", "Berg", "Cramer"]
    assert _names(store, limit=0) == []
    assert _names(store, "r", limit=2) == ["Berg", "Cramer"]
