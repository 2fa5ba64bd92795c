"""PostgreSQL connections: a read is one statement, a healthy pooled connection is handed out without a round trip,
and a connection the server has ended is replaced before a request uses it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import psycopg_pool
import pytest

from errors import NotFound, StorageUnavailable
from schemas.records import Role, User
from services.access import SYSTEM
from storage.postgres_store import PostgresStore
from tests.contract.conftest import StoreSpec
from tests.factories import make_user

pytestmark = pytest.mark.postgres


@pytest.fixture
def one_connection(pg_spec: StoreSpec) -> Iterator[PostgresStore]:
    """A store whose pool holds exactly one connection, so every request reuses it."""
    store = PostgresStore(pg_spec.url, schema=pg_spec.schema, max_size=1)
    yield store
    store.close_store()


@pytest.fixture
def stored_user(one_connection: PostgresStore) -> User:
    return one_connection.add(make_user(Role.IFK, username="ifk.verbindung"), actor=SYSTEM)


def _backend_pid(store: PostgresStore) -> int:
    with store.pool.connection() as conn:
        return conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]


def test_a_read_sends_one_statement_and_no_liveness_query(one_connection: PostgresStore, stored_user: User,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    statements: list[str] = []
    checks: list[object] = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, *args, **kwargs):
        statements.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    monkeypatch.setattr(psycopg_pool.ConnectionPool, "check_connection", staticmethod(checks.append))

    assert one_connection.user_by_username("ifk.verbindung") == stored_user
    assert one_connection.get(User, stored_user.id) == stored_user

    assert len(statements) == 2, statements
    assert checks == []
    with one_connection.pool.connection() as conn:
        assert conn.autocommit  # no BEGIN / COMMIT around a read


def test_a_change_is_still_one_transaction_record_and_audit_entry_or_neither(
    one_connection: PostgresStore, stored_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = one_connection.audit_entries()
    renamed = one_connection.save(stored_user.model_copy(update={"display_name": "Neu"}), actor=SYSTEM)
    assert len(one_connection.audit_entries()) == len(before) + 1

    def fails_after_the_audit_entry(conn, record) -> None:
        conn.execute("SELECT 1")
        raise psycopg.OperationalError("Verbindung verloren")

    monkeypatch.setattr(PostgresStore, "insert", lambda self, conn, record: fails_after_the_audit_entry(conn, record))
    with pytest.raises(StorageUnavailable):
        one_connection.add(make_user(Role.IFK, username="ifk.halb"), actor=SYSTEM)
    assert one_connection.user_by_username("ifk.halb") is None
    assert one_connection.audit_entries()[-1] == one_connection.audit_entries()[len(before)]  # no entry for it
    assert len(one_connection.audit_entries()) == len(before) + 1
    assert one_connection.get(User, renamed.id) == renamed
    assert one_connection.audit_verify() is None


def test_a_connection_ended_by_the_server_is_replaced_before_a_request_uses_it(
    one_connection: PostgresStore, stored_user: User, pg_spec: StoreSpec
) -> None:
    ended = _backend_pid(one_connection)
    with psycopg.connect(pg_spec.url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (ended,)).fetchone()[0]
        deadline = time.monotonic() + 30
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (ended,)).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.01)

    assert one_connection.user_by_username("ifk.verbindung") == stored_user  # no error: replaced first
    assert _backend_pid(one_connection) != ended


def test_a_published_catalogue_version_is_read_from_the_database_once(pg_spec: StoreSpec, one_connection: PostgresStore,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = make_user(Role.TRAINER, username="trainer.katalog")
    first = one_connection.publish_catalogue("version: 1\n", note="Start", actor=trainer)
    statements: list[str] = []
    execute = psycopg.Cursor.execute
    monkeypatch.setattr(psycopg.Cursor, "execute",
                        lambda cursor, query, *a, **k: statements.append(str(query)) or execute(cursor, query, *a, **k))
    assert [one_connection.catalogue_version(1) for _ in range(3)] == [first] * 3
    assert len(statements) == 1
    other = PostgresStore(pg_spec.url, schema=pg_spec.schema, max_size=1)  # another server process
    try:
        second = other.publish_catalogue("version: 2\n", note="Neu", actor=trainer)
    finally:
        other.close_store()
    assert one_connection.catalogue_numbers() == [1, 2]
    assert one_connection.catalogue_version(2) == second
    with pytest.raises(NotFound):
        one_connection.catalogue_version(3)
