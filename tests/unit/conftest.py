"""Fixtures of the service unit tests: a real TinyDB store in tmp_path with the shipped catalogue published."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config import Settings
from schemas.catalogue import Catalogue
from schemas.records import Client, Role, User
from services.access import SYSTEM
from services.catalogue import ensure_catalogue, get_catalogue
from storage import open_store
from storage.base import Store
from tests.factories import make_client, make_user


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
def ifk(store: Store) -> User:
    user = make_user(role=Role.IFK, team="Team 1", display_name="Anna Schmidt")
    return store.add(user, actor=user)


@pytest.fixture
def ifk_other_team(store: Store) -> User:
    user = make_user(role=Role.IFK, team="Team 2", display_name="Bernd Weber")
    return store.add(user, actor=user)


@pytest.fixture
def kdn(store: Store) -> User:
    user = make_user(role=Role.KDN, team="", display_name="Karl Dorn")
    return store.add(user, actor=user)


@pytest.fixture
def trainer(store: Store) -> User:
    user = make_user(role=Role.TRAINER, team="", display_name="Tina Trainer")
    return store.add(user, actor=user)


@pytest.fixture
def fachaufsicht(store: Store) -> User:
    user = make_user(role=Role.FACHAUFSICHT, team="", display_name="Frieda Aufsicht")
    return store.add(user, actor=user)


@pytest.fixture
def client(store: Store, ifk: User, catalogue: Catalogue) -> Client:
    """A stored client of Team 1 (the catalogue is published too)."""
    return store.add(make_client(team="Team 1"), actor=ifk)
