"""The transient security state (issue 18: sign-in throttling, session activity) on both backends."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from storage.base import Store


def _count(current: dict | None) -> dict:
    return {"n": (current or {}).get("n", 0) + 1}


def test_an_entry_is_written_read_replaced_and_deleted(store: Store):
    assert store.state_get("k") is None
    assert store.state_update("k", lambda current: {"a": 1, "seen": current}) == {"a": 1, "seen": None}
    assert store.state_get("k") == {"a": 1, "seen": None}
    store.state_update("k", lambda current: current | {"b": "ü"})
    assert store.state_get("k") == {"a": 1, "seen": None, "b": "ü"}
    assert store.state_update("k", lambda current: None) is None
    assert store.state_get("k") is None


def test_an_expired_entry_counts_as_absent(store: Store):
    store.state_update("alt", lambda current: {"expires": time.time() - 1})
    assert store.state_get("alt") is None
    assert store.state_update("alt", lambda current: {"was": current}) == {"was": None}


def test_concurrent_updates_of_one_key_lose_nothing(store: Store):
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: store.state_update("zähler", _count), range(40)))
    assert store.state_get("zähler") == {"n": 40}
