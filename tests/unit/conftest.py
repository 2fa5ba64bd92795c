"""Fixtures of the service unit tests: a real TinyDB store in tmp_path with the shipped catalogue published (the
users of each role come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config import Settings
from schemas.catalogue import Catalogue
from schemas.records import Client, User
from services.access import SYSTEM
from services.catalogue import ensure_catalogue, get_catalogue
from storage import open_store
from storage.base import Store
from tests.factories import make_client


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = open_store(Settings(data_dir=tmp_path / "data"))
    yield opened
    opened.close_store()


@pytest.fixture
def catalogue(store: Store) -> Catalogue:
    """Version 1 (the shipped catalogue) published, as the app does on its first start."""
    ensure_catalogue(store, actor=SYSTEM)
    return get_catalogue(store, 1)


@pytest.fixture
def client(store: Store, ifk: User, catalogue: Catalogue) -> Client:
    """A stored client of Team 1 (the catalogue is published too)."""
    return store.add(make_client(team="Team 1"), actor=ifk)
