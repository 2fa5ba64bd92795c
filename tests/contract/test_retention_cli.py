"""`vierphasen retention list|delete` and the re-applied deletion after `vierphasen restore` (issue 14)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

import config
from cli import main
from dates import today
from errors import NotFound
from schemas.records import Client
from services.access import SYSTEM
from storage import open_store
from tests.factories import make_client


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIERPHASEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VIERPHASEN_DATABASE_URL", raising=False)
    config.get_settings.cache_clear()
    yield tmp_path / "data"
    config.get_settings.cache_clear()


def _ended(store, ended_on: date) -> Client:
    return store.add(make_client(nachname="Namenlos", abgemeldet_am=ended_on, abmeldegrund="abm_wegzug"),
                     actor=SYSTEM)  # fmt: skip


def test_retention_list_prints_due_cases_by_id_without_names_and_delete_needs_confirm(data_dir, capsys):
    store = open_store()
    due = _ended(store, today() - timedelta(days=6 * 366))
    kept = _ended(store, today() - timedelta(days=30))
    store.close_store()

    assert main(["retention", "list"]) == 0
    out = capsys.readouterr().out
    assert "Löschfrist: 5 Jahre" in out and due.id in out and kept.id not in out and "Namenlos" not in out

    assert main(["retention", "delete"]) == 2
    assert "--confirm" in capsys.readouterr().err
    assert main(["retention", "delete", "--confirm"]) == 0
    assert "Gelöscht: 1 Fälle" in capsys.readouterr().out
    store = open_store()
    with pytest.raises(NotFound):
        store.get(Client, due.id)
    assert store.get(Client, kept.id).id == kept.id
    entries = [e for e in store.audit_entries(client_id=due.id) if e.action == "gelöscht (Löschfrist)"]
    assert [(e.actor, e.record_id) for e in entries] == [("system", due.id)]
    assert store.audit_verify() is None
    store.close_store()


def test_a_restore_does_not_bring_a_deleted_client_back(data_dir, tmp_path, capsys):
    store = open_store()
    due = _ended(store, today() - timedelta(days=6 * 366))
    store.close_store()
    assert main(["backup", str(tmp_path / "sicherung")]) == 0
    assert main(["retention", "delete", "--confirm"]) == 0
    capsys.readouterr()

    assert main(["restore", str(tmp_path / "sicherung")]) == 0
    assert "Nach dem Zurückspielen erneut gelöscht: 1 Fälle" in capsys.readouterr().out
    store = open_store()
    with pytest.raises(NotFound):
        store.get(Client, due.id)
    store.close_store()
