"""The service caches (cachetools): bounded, timed, and keyed so that a change is never served stale."""

from __future__ import annotations

import pytest

from schemas.catalogue import Catalogue
from schemas.records import Client, User
from services import audit_log
from services import catalogue_editor as editor
from services.clients import open_client
from storage.base import Store
from tests.factories import make_client, make_profiling


@pytest.fixture
def draft_rev(store: Store, catalogue: Catalogue, trainer: User) -> int:
    return editor.start_draft(store, actor=trainer).revision


def test_a_read_is_audited_again_once_its_cache_entry_has_expired(store: Store, ifk: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=ifk)
    open_client(store, client.id, actor=ifk)
    reads = audit_log._last[store]
    assert reads.maxsize == audit_log.VIEW_CACHE_SIZE and reads.ttl == audit_log.READ_AUDIT_INTERVAL
    open_client(store, client.id, actor=ifk)  # within the interval: not audited again
    reads.expire(reads.timer() + audit_log.READ_AUDIT_INTERVAL + 1)

    open_client(store, client.id, actor=ifk)

    assert sum(e.action == "gelesen" for e in store.audit_entries(client_id=client.id)) == 2


def test_the_impact_count_is_made_again_once_it_is_older_than_its_time(
        store: Store, trainer: User, draft_rev: int, client: Client, ifk: User, monkeypatch) -> None:
    store.add(make_profiling(client.id, relevant=["wohnsituation"]), actor=ifk)
    reads = []
    original = store.open_profilings
    monkeypatch.setattr(store, "open_profilings", lambda: reads.append(1) or original())
    editor.retire_entry(store, "wohnsituation", revision=draft_rev, actor=trainer)
    first = editor.check_draft(store, actor=trainer).gezaehlt_am
    assert editor.check_draft(store, actor=trainer).gezaehlt_am == first and reads == [1]
    cache = editor._impact_cache
    assert cache.maxsize == 16 and cache.ttl == editor.IMPACT_TTL
    cache.expire(cache.timer() + editor.IMPACT_TTL + 1)

    again = editor.check_draft(store, actor=trainer).gezaehlt_am

    assert reads == [1, 1] and again > first
