"""AppTest fixtures: a fresh TinyDB data directory with the shipped catalogue and a signed-in caseworker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from schemas.records import Role, User
from services.catalogue import ensure_catalogue
from storage import open_store
from storage.base import Store
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """VIERPHASEN_DATA_DIR points at tmp_path; every cached store and setting is dropped before and after."""
    from pages.session import get_store

    monkeypatch.setenv("VIERPHASEN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("VIERPHASEN_DATABASE_URL", raising=False)
    config.get_settings.cache_clear()
    get_store.clear()
    yield tmp_path
    get_store.clear()
    config.get_settings.cache_clear()


@pytest.fixture
def store(data_dir: Path) -> Store:
    """A second handle on the same data directory, for arranging and checking records."""
    return open_store(config.get_settings())


@pytest.fixture
def caseworker(store: Store) -> User:
    """A stored IFK of Team 1; the shipped catalogue is published."""
    user = store.add(make_user(role=Role.IFK, team="Team 1"), actor=make_user(role=Role.KDN))
    ensure_catalogue(store, actor=user)
    return user


@pytest.fixture
def app(caseworker: User, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app (app.py) with the caseworker signed in; run it with `at.run()`."""
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["user"] = caseworker
    return at
