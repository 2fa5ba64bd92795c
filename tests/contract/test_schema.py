"""Contract: the backend is chosen by VIERPHASEN_DATABASE_URL and PostgreSQL migrates itself idempotently."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from config import Settings
from schemas.records import Client, Massnahme
from storage import open_store
from storage.postgres_store import MIGRATIONS, PostgresStore
from storage.tinydb_store import TinyDBStore
from tests.factories import make_client, make_profiling, make_user


def test_open_store_without_url_uses_tinydb_under_data_dir(tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path / "daten", database_url=""))
    assert isinstance(store, TinyDBStore)
    assert (tmp_path / "daten" / "FORMAT.json").exists()


@pytest.mark.postgres
def test_open_store_with_url_uses_postgres_and_creates_schema(postgres_url: str) -> None:
    store = open_store(Settings(database_url=postgres_url))
    try:
        assert isinstance(store, PostgresStore)
        with store.pool.connection() as conn:
            tables = {r["tablename"] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}  # fmt: skip
            versions = [r["version"] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert {"clients", "profilings", "egvs", "folgegespraeche", "documents", "users", "audit", "audit_head",
                "catalogue_versions", "catalogue_draft"} <= tables  # fmt: skip
        assert versions == [number for number, _ in MIGRATIONS]
    finally:
        store.close_store()


@pytest.mark.postgres
def test_schema_migration_is_idempotent_and_safe_in_parallel(postgres_url: str) -> None:
    schema = f"t_migrate_parallel_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    try:
        with ThreadPoolExecutor(4) as pool:
            stores = list(
                pool.map(lambda _: PostgresStore(postgres_url, schema=schema, max_size=2), range(4))
            )
        assert stores[0].migrate_schema() == []
        for store in stores:
            store.close_store()
        with psycopg.connect(postgres_url, options=f"-c search_path={schema}") as conn:
            versions = [row[0] for row in conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == [number for number, _ in MIGRATIONS]
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.mark.postgres
def test_a_database_of_the_first_schema_version_is_upgraded_at_start_with_its_data(postgres_url: str) -> None:
    schema = f"t_upgrade_{uuid.uuid4().hex[:8]}"
    store = PostgresStore(postgres_url, schema=schema)
    try:
        ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
        client = store.add(make_client(), actor=ifk)
        store.close_store()
        with psycopg.connect(postgres_url, options=f"-c search_path={schema}", autocommit=True) as conn:
            conn.execute("DROP INDEX folgegespraeche_datum")  # undo 9 (its other indexes go with 7)
            conn.execute("DROP TABLE massnahmen, beschaeftigungsaufnahmen, stellensuchlaeufe")  # undo 7
            conn.execute("DROP TABLE vertretungen; DROP INDEX clients_ended")  # undo 6
            conn.execute("DROP TABLE security_state")  # undo 4 (5 goes with 3)
            conn.execute("DROP FUNCTION vierphasen_audit_head_statement() CASCADE")  # undo 8
            conn.execute("DROP TABLE audit_head")  # undo 3 (8 dropped its function)
            conn.execute("DROP TABLE catalogue_draft; DROP INDEX profilings_open")  # undo 2
            conn.execute("DELETE FROM schema_version WHERE version > 1")

        store = PostgresStore(postgres_url, schema=schema)  # as an instance of the new release starts
        assert store.get(Client, client.id) == client
        assert store.audit_verify() is None
        store.add(make_profiling(client.id), actor=ifk)
        assert store.records_of_team(Massnahme, None) == []  # migration 4: the table is there again
        assert store.catalogue_draft() is None
        with store.pool.connection() as conn:
            head = conn.execute("SELECT seq FROM audit_head").fetchone()
        assert head["seq"] == len(store.audit_entries())
    finally:
        store.close_store()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_unreachable_postgres_raises_storage_unavailable() -> None:
    from errors import StorageUnavailable

    with pytest.raises(StorageUnavailable) as err:
        PostgresStore("postgresql://x:y@127.0.0.1:1/none", timeout=1)
    assert "Datenbank" in err.value.message


@pytest.mark.postgres
def test_a_bulk_import_advances_the_audit_head_to_the_last_entry_once(postgres_url: str) -> None:
    """Regression: a row trigger updated the head once per copied entry, so a restore grew quadratically."""
    from schemas.records import utcnow
    from storage import audit_chain

    schema = f"t_import_{uuid.uuid4().hex[:8]}"
    store = PostgresStore(postgres_url, schema=schema)
    try:
        entries, prev = [], audit_chain.GENESIS
        for seq in range(1, 2001):
            entry = audit_chain.make_entry(seq=seq, prev_hash=prev, at=utcnow(), actor="system", role="IFK",
                                           action="angelegt", record_kind="Kunde", record_id=f"c{seq}",
                                           client_id=f"c{seq}", catalogue_version=None, reason=None)  # fmt: skip
            entries.append(entry)
            prev = entry.hash
        store.import_all({}, entries, [])
        with store.pool.connection() as conn:
            head = conn.execute("SELECT seq, hash FROM audit_head").fetchone()
            triggers = conn.execute(
                "SELECT action_orientation FROM information_schema.triggers"
                " WHERE trigger_name = 'audit_head_advance' AND event_object_schema = %s", (schema,)
            ).fetchall()
        assert (head["seq"], head["hash"]) == (2000, entries[-1].hash)
        assert [t["action_orientation"] for t in triggers] == ["STATEMENT"]
        assert store.audit_verify() is None
        ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))  # a normal append after it
        with store.pool.connection() as conn:
            assert conn.execute("SELECT seq FROM audit_head").fetchone()["seq"] == 2001
        assert ifk.revision == 1 and store.audit_verify() is None
    finally:
        store.close_store()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
