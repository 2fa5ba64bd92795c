"""TinyDB reads an account by its username without parsing the accounts file again while the file is unchanged,
and sees every change to it, also one made by another store on the same directory (another server process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.records import User
from storage.tinydb_store import TinyDBStore
from tests.factories import make_user


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many JSON documents the TinyDB store parsed (their sizes)."""
    sizes: list[int] = []
    loads = json.loads

    def counting_loads(raw, *args, **kwargs):
        sizes.append(len(raw))
        return loads(raw, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting_loads)
    return sizes


def test_reading_the_signed_in_account_again_does_not_parse_the_unchanged_accounts_file(
    tmp_path: Path, parses: list[int]
) -> None:
    store = TinyDBStore(tmp_path / "data")
    anna = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    for n in range(30):
        store.add(make_user(username=f"ifk{n:02d}"), actor=anna)
    assert store.user_by_username("anna") == anna
    parses.clear()
    for _ in range(5):
        assert store.user_by_username("anna") == anna
    assert store.user_by_username("niemand") is None
    assert parses == []


def test_an_account_changed_by_another_store_on_the_same_directory_is_read_as_changed(tmp_path: Path) -> None:
    first, second = TinyDBStore(tmp_path / "data"), TinyDBStore(tmp_path / "data")
    anna = first.add(make_user(username="anna"), actor=make_user(username="anna"))
    assert second.user_by_username("anna") == anna  # second remembers the file
    changed = first.save(anna.model_copy(update={"active": False}), actor=anna)
    bernd = first.add(make_user(username="bernd"), actor=anna)
    assert second.user_by_username("anna") == changed
    assert not second.user_by_username("anna").active
    assert second.user_by_username("bernd") == bernd
    assert first.get(User, anna.id) == changed
