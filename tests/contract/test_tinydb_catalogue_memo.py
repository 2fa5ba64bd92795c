"""TinyDB reads a published catalogue version without parsing its file again while the file is unchanged (every
page rerun reads the newest version and the one of the record it shows), and sees a version another store on the
same directory (another server process) published after it looked."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import NotFound
from schemas.catalogue import SHIPPED_CATALOGUE
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
