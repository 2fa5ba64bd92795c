"""The operator's commands on a real TinyDB data directory: user add, backup, restore, migrate, audit verify."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import psycopg
import pytest

import config
from cli import main
from schemas.records import Client, Role
from services.access import SYSTEM
from storage import open_store
from storage.postgres_store import PostgresStore
from tests.factories import make_client

PASSWORD = "Korrekt-Pferd-Batterie-7"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIERPHASEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VIERPHASEN_DATABASE_URL", raising=False)
    config.get_settings.cache_clear()
    yield tmp_path / "data"
    config.get_settings.cache_clear()


def add_user(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    return main(["user", "add", *args, "--password-stdin"])


def test_user_add_creates_an_account_with_a_hashed_password(data_dir, monkeypatch, capsys):
    assert add_user(monkeypatch, "--username", "kdn.eins", "--name", "Karla Dorn", "--role", "KDN") == 0
    assert "OK: Benutzer „kdn.eins“ (KDN-Fachbetreuung) angelegt." in capsys.readouterr().out
    user = open_store().user_by_username("kdn.eins")
    assert user.role == Role.KDN and user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash


def test_user_add_refuses_an_ifk_without_team(data_dir, monkeypatch, capsys):
    assert add_user(monkeypatch, "--username", "ifk.eins", "--name", "Ina", "--role", "IFK") == 1
    assert "Team" in capsys.readouterr().err
    assert open_store().user_by_username("ifk.eins") is None


def test_backup_and_restore_commands_bring_back_the_data(data_dir, tmp_path, monkeypatch, capsys):
    store = open_store()
    kept = store.add(make_client(nachname="Gesichert"), actor=SYSTEM)
    assert main(["backup", str(tmp_path / "sicherung")]) == 0
    later = store.add(make_client(nachname="Später"), actor=SYSTEM)
    store.close_store()

    assert main(["restore", str(tmp_path / "sicherung")]) == 0
    restored = open_store()
    assert restored.get(type(kept), kept.id) == kept
    assert [c.id for c in restored.find_clients("Später")] == [] and later.id != kept.id
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()


def test_audit_verify_command_reports_the_first_tampered_entry(data_dir, capsys):
    store = open_store()
    for number in range(3):
        store.add(make_client(nachname=f"Kunde{number}"), actor=SYSTEM)
    store.close_store()
    assert main(["audit", "verify"]) == 0
    log = next(data_dir.rglob("audit.jsonl"))
    lines = log.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["action"] = "gelöscht"
    lines[1] = json.dumps(entry, ensure_ascii=False)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert main(["audit", "verify"]) == 1
    assert str(entry["seq"]) in capsys.readouterr().err


def _with_search_path(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@pytest.mark.postgres
def test_migrate_command_moves_everything_into_an_empty_database_once(data_dir, postgres_url, capsys):
    store = open_store()
    client = store.add(make_client(nachname="Umzug"), actor=SYSTEM)
    store.close_store()
    schema = f"t_cli_migrate_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        assert main(["migrate", "--to", _with_search_path(postgres_url, schema)]) == 0
        assert "Audit-Kette intakt" in capsys.readouterr().out
        target = PostgresStore(postgres_url, schema=schema)
        try:
            assert target.get(Client, client.id) == client
            assert target.audit_entries() == open_store().audit_entries()
        finally:
            target.close_store()
        assert main(["migrate", "--to", _with_search_path(postgres_url, schema)]) == 1  # never over data
        assert "bereits Daten" in capsys.readouterr().err
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_migrate_command_refuses_a_directory_that_holds_no_data(tmp_path, monkeypatch, capsys):
    """Regression: a mistyped VIERPHASEN_DATA_DIR was created empty and 'migrated'."""
    monkeypatch.setenv("VIERPHASEN_DATA_DIR", str(tmp_path / "vertippt"))
    config.get_settings.cache_clear()
    try:
        assert main(["migrate", "--to", "postgresql://niemand@127.0.0.1:1/keine"]) == 1
    finally:
        config.get_settings.cache_clear()
    assert "kein Vierphasen-Datenverzeichnis" in capsys.readouterr().err
    assert not (tmp_path / "vertippt").exists()
