"""The `store` fixture, parametrised over both backends: real TinyDB files in tmp_path, a real PostgreSQL schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from schemas.records import User
from storage.base import Store
from tests.factories import make_client


@dataclass(frozen=True)
class StoreSpec:
    """How to open one test store again, also from another process (picklable)."""

    backend: str
    data_dir: str | None = None
    url: str | None = None
    schema: str | None = None

    def open(self) -> Store:
        if self.backend == "tinydb":
            from storage.tinydb_store import TinyDBStore

            return TinyDBStore(self.data_dir)
        from storage.postgres_store import PostgresStore

        return PostgresStore(self.url, schema=self.schema, max_size=4)

    def execute(self, *statements: str, params: tuple = ()) -> None:
        """Run SQL directly, outside the app (PostgreSQL only): for tampering tests."""
        with psycopg.connect(self.url, options=f"-c search_path={self.schema}", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement, params if "%s" in statement else ())


@pytest.fixture(params=["tinydb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreSpec]:
    if request.param == "tinydb":
        yield StoreSpec("tinydb", data_dir=str(tmp_path / "data"))
        return
    url = request.getfixturevalue("postgres_url")
    spec = StoreSpec("postgres", url=url, schema=f"t_{uuid.uuid4().hex[:16]}")
    yield spec
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {spec.schema} CASCADE")


@pytest.fixture
def pg_spec(postgres_url: str) -> Iterator[StoreSpec]:
    """A fresh schema on the test server, for PostgreSQL-only tests (triggers, migrations)."""
    spec = StoreSpec("postgres", url=postgres_url, schema=f"t_{uuid.uuid4().hex[:16]}")
    yield spec
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {spec.schema} CASCADE")


@pytest.fixture
def store(store_spec: StoreSpec) -> Iterator[Store]:
    opened = store_spec.open()
    yield opened
    opened.close_store()


@pytest.fixture
def client(store: Store, ifk: User):
    return store.add(make_client(), actor=ifk)
