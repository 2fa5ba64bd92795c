"""The keyed audit chain (issue 18.7): without the key nobody truncates or rewrites the trail unnoticed.

The attacker here can write the TinyDB files or the database (triggers switched off), recompute every unkeyed
hash and rewrite the head the store keeps beside the trail — but does not have the key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from errors import InvalidInput
from schemas.records import AuditEntry, Client, Profiling, User
from storage import audit_chain
from storage.admin import audit_seal, audit_verify
from storage.base import Store
from tests.contract.conftest import StoreSpec
from tests.factories import make_profiling

KEY = "schluessel-" + "x" * 40


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit_chain.KEY_ENV, KEY)
    monkeypatch.delenv(audit_chain.KEY_FILE_ENV, raising=False)


@pytest.fixture
def unkeyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(audit_chain.KEY_ENV, raising=False)
    monkeypatch.delenv(audit_chain.KEY_FILE_ENV, raising=False)


def _history(store: Store, ifk: User, client: Client) -> int:
    for number in range(3):
        store.add(make_profiling(client.id, zielberuf=f"Beruf {number}"), actor=ifk)
    return len(store.audit_entries())


def _rechained(entries: list[AuditEntry], start: int) -> list[AuditEntry]:
    """The entries with every hash from `start` on recomputed, as anyone can without a key."""
    result, prev = [], entries[start - 2].hash if start > 1 else audit_chain.GENESIS
    for entry in entries:
        if entry.seq >= start:
            entry = entry.model_copy(update={"prev_hash": prev})
            entry = entry.model_copy(update={"hash": audit_chain.recompute(entry)})
        result.append(entry)
        prev = entry.hash
    return result


def _rewrite(spec: StoreSpec, store: Store, entries: list[AuditEntry]) -> None:
    """Replace the whole trail and its head by `entries` (the head: their last one), keeping any old MAC."""
    last = entries[-1]
    if spec.backend == "tinydb":
        audit = Path(spec.data_dir) / "audit"
        audit.joinpath("audit.jsonl").write_bytes(b"".join(store._audit_line(e) for e in entries))
        head = json.loads(audit.joinpath("head.json").read_text())
        audit.joinpath("head.json").write_text(json.dumps(head | {"seq": last.seq, "hash": last.hash}))
        return
    spec.execute("ALTER TABLE audit DISABLE TRIGGER USER", "DELETE FROM audit")
    for e in entries:
        spec.execute(
            "INSERT INTO audit VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            params=(e.seq, e.at, e.actor, e.role, e.action, e.record_kind, e.record_id, e.client_id,
                    e.catalogue_version, e.reason, e.prev_hash, e.hash),
        )
    spec.execute("UPDATE audit_head SET seq = %s, hash = %s", params=(last.seq, last.hash))
    spec.execute("ALTER TABLE audit ENABLE TRIGGER USER")


def _truncated(store: Store, keep: int) -> list[AuditEntry]:
    return store.audit_entries()[:keep]


def _rewritten(store: Store, seq: int) -> list[AuditEntry]:
    entries = store.audit_entries()
    entries[seq - 1] = entries[seq - 1].model_copy(update={"actor": "mallory"})
    return _rechained(entries, seq)


@pytest.mark.parametrize("attack", [_truncated, _rewritten], ids=["truncated", "rewritten"])
def test_without_a_key_the_attack_passes_verify(unkeyed, store, store_spec, ifk, client, attack):
    """What the key protects against: the unkeyed chain alone cannot tell."""
    _history(store, ifk, client)
    _rewrite(store_spec, store, attack(store, 2))
    assert store.audit_verify() is None


@pytest.mark.parametrize("attack", [_truncated, _rewritten], ids=["truncated", "rewritten"])
def test_with_a_key_truncation_and_rewriting_are_detected(keyed, store, store_spec, ifk, client, attack):
    total = _history(store, ifk, client)
    assert audit_verify(store) == (True, f"Audit-Kette intakt und mit dem Schlüssel bestätigt ({total} Einträge).")
    _rewrite(store_spec, store, attack(store, 2))
    broken = store.audit_verify()
    assert broken is not None and broken <= total
    assert audit_verify(store)[0] is False


def test_removing_the_head_is_detected_with_a_key(keyed, store, store_spec, ifk, client):
    total = _history(store, ifk, client)
    if store_spec.backend == "tinydb":
        (Path(store_spec.data_dir) / "audit" / "head.json").unlink()
    else:
        store_spec.execute("DELETE FROM audit_head")
    assert store.audit_verify() == total


def test_a_store_written_without_a_key_is_sealed_once_the_key_is_set(store, ifk, client, monkeypatch):
    monkeypatch.delenv(audit_chain.KEY_ENV, raising=False)
    total = _history(store, ifk, client)
    ok, message = audit_verify(store)
    assert ok and "Warnung: kein Schlüssel" in message
    monkeypatch.setenv(audit_chain.KEY_ENV, KEY)
    assert store.audit_verify() == total  # nothing vouches for the end yet
    assert "bis Eintrag Nr." in audit_seal(store)
    assert store.audit_verify() is None
    store.add(make_profiling(client.id), actor=ifk)
    assert store.audit_verify() is None
    monkeypatch.setenv(audit_chain.KEY_ENV, "ein-anderer-schluessel-" + "y" * 30)  # rotated without sealing
    assert store.audit_verify() is not None


def test_sealing_refuses_a_broken_chain(keyed, store, store_spec, ifk, client):
    _history(store, ifk, client)
    entries = store.audit_entries()
    entries[1] = entries[1].model_copy(update={"actor": "mallory"})  # not re-chained: the chain itself breaks
    _rewrite(store_spec, store, entries)
    with pytest.raises(InvalidInput):
        audit_seal(store)


def test_the_key_is_read_from_a_file(store, ifk, client, monkeypatch, tmp_path):
    key_file = tmp_path / "schluessel" / "audit.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    monkeypatch.delenv(audit_chain.KEY_ENV, raising=False)
    monkeypatch.setenv(audit_chain.KEY_FILE_ENV, str(key_file))
    _history(store, ifk, client)
    assert audit_verify(store)[1].startswith("Audit-Kette intakt und mit dem Schlüssel bestätigt")
    monkeypatch.setenv(audit_chain.KEY_FILE_ENV, str(tmp_path / "fehlt.key"))
    before = len(store.audit_entries())
    refused = make_profiling(client.id)
    with pytest.raises(audit_chain.AuditKeyError):
        store.add(refused, actor=ifk)  # a configured but missing key writes nothing unkeyed
    monkeypatch.setenv(audit_chain.KEY_FILE_ENV, str(key_file))
    assert len(store.audit_entries()) == before
    assert refused.id not in {p.id for p in store.list_for_client(Profiling, client.id)}
    assert store.audit_verify() is None
