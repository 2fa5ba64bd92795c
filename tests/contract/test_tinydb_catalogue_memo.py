"""TinyDB reads a published catalogue version without parsing its file again while the file is unchanged (every
page rerun reads the newest version and the one of the record it shows), and sees a version another store on the
same directory (another server process) published after it looked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from errors import NotFound
from schemas.catalogue import SHIPPED_CATALOGUE
from storage import file_memo
from storage.tinydb_store import TinyDBStore
from tests.contract import test_tinydb_users_memo
from tests.factories import make_user

parses = test_tinydb_users_memo.parses  # the fixture: the JSON documents the store parsed


def test_reading_a_published_version_again_does_not_parse_its_file(tmp_path: Path, parses: list[int]) -> None:
    store = TinyDBStore(tmp_path / "data")
    published = store.publish_catalogue(SHIPPED_CATALOGUE.read_text(encoding="utf-8"), note="Erste Fassung",
                                        actor=make_user())
    assert store.catalogue_version(1) == published
    parses.clear()
    for _ in range(5):
        assert store.catalogue_version(1) == published
    assert parses == []


def test_a_version_published_by_another_store_is_found_after_it_was_missing(tmp_path: Path) -> None:
    first, second = TinyDBStore(tmp_path / "data"), TinyDBStore(tmp_path / "data")
    with pytest.raises(NotFound):
        second.catalogue_version(1)
    published = first.publish_catalogue(SHIPPED_CATALOGUE.read_text(encoding="utf-8"), note="Erste Fassung",
                                        actor=make_user())
    assert second.catalogue_version(1) == published


def test_the_versions_are_listed_once_while_none_is_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TinyDBStore(tmp_path / "data")
    store.publish_catalogue(SHIPPED_CATALOGUE.read_text(encoding="utf-8"), note="Erste Fassung", actor=make_user())
    monkeypatch.setattr(file_memo, "TRUSTED_S", 3600.0)  # a slow machine does not list again meanwhile
    listed: list[str] = []
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path: listed.append(str(path)) or listdir(path))
    assert [store.catalogue_numbers() for _ in range(5)] == [[1]] * 5
    assert len(listed) <= 1  # the publish counted the folder: listed once after it


def test_a_version_published_by_another_store_is_listed_at_once(tmp_path: Path) -> None:
    first, second = TinyDBStore(tmp_path / "data"), TinyDBStore(tmp_path / "data")
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8")
    first.publish_catalogue(text, note="Erste Fassung", actor=make_user())
    assert second.catalogue_numbers() == [1]
    first.publish_catalogue(text, note="Zweite Fassung", actor=make_user())
    assert second.catalogue_numbers() == [1, 2]
    assert second.publish_catalogue(text, note="Dritte Fassung", actor=make_user()).number == 3
    assert first.catalogue_numbers() == [1, 2, 3]
