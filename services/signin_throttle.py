"""Throttling of password sign-ins (issue 18.1, OWASP ASVS 5.0 V6): per user name and source, the same for
known and unknown names, so that neither the answer nor its timing tells whether an account exists.

State (in the store's shared security state, so every instance sees it; names and sources only as hashes):

- per user name and source: from the `FREE_FAILURES + 1`-th failure on, each further attempt waits a growing
  delay (30 s, 1, 2, 4, 8, 15 minutes); only that source waits, a colleague at another computer does not;
- per source (any names): after `SOURCE_LIMIT` failures that source waits `SOURCE_WAIT`;
- per user name (all sources): after `NAME_LIMIT` failures the name is locked for `NAME_WAIT`; that takes
  many sources, and KDN-Fachbetreuung can lift it (`unlock`).

A success clears the name's counts. Counters run out `WINDOW` after the last failure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.base import Store

FREE_FAILURES = 3
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
SOURCE_LIMIT = 20
SOURCE_WAIT = timedelta(minutes=15)
NAME_LIMIT = 50
NAME_WAIT = timedelta(hours=1)
WINDOW = timedelta(hours=1)
#: Sources remembered per user name (the newest); a distributed attack cannot grow an entry without bound.
MAX_SOURCES = 200


@dataclass(frozen=True)
class Failure:
    """What one failure caused: the time until which the name may not be tried from this source (None: no wait
    yet), and whether the name is locked for every source now."""

    wait_until: datetime | None
    name_locked: bool


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"vierphasen-signin|{kind}|{value}".encode()).hexdigest()[:32]


def _name_key(name: str) -> str:
    return f"signin:name:{_digest('name', name)}"


def _source_key(source: str) -> str:
    return f"signin:source:{_digest('source', source)}"


def _ts(at: datetime) -> float:
    return at.astimezone(UTC).timestamp()


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _delay(failures: int) -> timedelta:
    """The wait after the `failures`-th failure of one name from one source."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - FREE_FAILURES - 1), MAX_DELAY)


def wait_until(store: Store, name: str, source: str, now: datetime) -> datetime | None:
    """The time until which a sign-in with `name` from `source` is refused without checking the password."""
    stamp = _ts(now)
    name_state = store.state_get(_name_key(name)) or {}
    source_state = store.state_get(_source_key(source)) or {}
    pair = name_state.get("sources", {}).get(_digest("source", source), {})
    until = max(name_state.get("until", 0.0), source_state.get("until", 0.0), pair.get("until", 0.0))
    return _at(until) if until > stamp else None


def failed(store: Store, name: str, source: str, now: datetime) -> Failure:
    """Count one failed password sign-in of `name` from `source` (whether the name exists or not)."""
    stamp = _ts(now)
    expires = stamp + WINDOW.total_seconds()
    source_id = _digest("source", source)
    result: dict[str, object] = {}

    def count_name(current: dict | None) -> dict:
        state = dict(current or {})
        sources = dict(state.get("sources", {}))
        pair = dict(sources.pop(source_id, {}))
        pair["n"] = pair.get("n", 0) + 1
        delay = _delay(pair["n"])
        if delay:
            pair["until"] = stamp + delay.total_seconds()
        sources[source_id] = pair
        state["sources"] = dict(list(sources.items())[-MAX_SOURCES:])
        state["n"] = state.get("n", 0) + 1
        result["name_locked"] = state["n"] == NAME_LIMIT
        if state["n"] >= NAME_LIMIT:
            state["until"] = max(state.get("until", 0.0), stamp + NAME_WAIT.total_seconds())
        state["expires"] = max(expires, state.get("until", 0.0), pair.get("until", 0.0))
        result["until"] = max(pair.get("until", 0.0), state.get("until", 0.0))
        return state

    def count_source(current: dict | None) -> dict:
        state = dict(current or {})
        state["n"] = state.get("n", 0) + 1
        if state["n"] >= SOURCE_LIMIT:
            state["until"] = stamp + SOURCE_WAIT.total_seconds()
        state["expires"] = max(expires, state.get("until", 0.0))
        result["source_until"] = state.get("until", 0.0)
        return state

    store.state_update(_name_key(name), count_name)
    store.state_update(_source_key(source), count_source)
    until = max(float(result["until"]), float(result["source_until"]))
    return Failure(_at(until) if until > stamp else None, bool(result["name_locked"]))


def clear(store: Store, name: str) -> None:
    """Lift every wait and lock of `name`: after a right password, or by KDN-Fachbetreuung (the source's stay).

    Nothing counted for the name (the usual sign-in): one read instead of a locked change. A failure counted
    right after that read stays counted, as it would if it came after the clearing."""
    if store.state_get(_name_key(name)) is not None:
        store.state_update(_name_key(name), lambda current: None)
