"""The audit trail's hash chain, computed the same way on every backend so that migrated entries still verify."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from dates import as_utc
from schemas.records import AuditEntry

#: `prev_hash` of the first entry.
GENESIS = "0" * 64


def canonical_time(at: datetime) -> str:
    """The UTC time as a fixed-format string (microseconds, +00:00), independent of the backend's time zone."""
    return as_utc(at).astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    role: str,
    action: str,
    record_kind: str,
    record_id: str,
    client_id: str | None,
    catalogue_version: int | None,
    reason: str | None,
    prev_hash: str,
) -> str:
    """sha256 over the canonical JSON of every field but `hash` (including `prev_hash`)."""
    fields = {
        "seq": seq,
        "at": canonical_time(at),
        "actor": actor,
        "role": role,
        "action": action,
        "record_kind": record_kind,
        "record_id": record_id,
        "client_id": client_id,
        "catalogue_version": catalogue_version,
        "reason": reason,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def make_entry(*, seq: int, prev_hash: str, at: datetime, **fields) -> AuditEntry:
    """A new entry chained to `prev_hash`; `at` is normalised to UTC."""
    at = as_utc(at).astimezone(UTC)  # a naive time counts as UTC (see `dates`), not as the server's zone
    digest = entry_hash(seq=seq, at=at, prev_hash=prev_hash, **fields)
    return AuditEntry(seq=seq, at=at, prev_hash=prev_hash, hash=digest, **fields)


def recompute(entry: AuditEntry) -> str:
    data = entry.model_dump(exclude={"hash"})
    return entry_hash(**data)


def first_break(entries: Iterable[AuditEntry | None], anchor: tuple[int, str] | None = None) -> int | None:
    """The seq of the first entry that does not continue the chain; None if intact.

    An entry given as None (unreadable in the file) breaks the chain at the position where it stands.
    `anchor` is the (seq, hash) of the newest entry as the store recorded it beside the trail: entries removed
    from the end, which leave a shorter but intact chain, break it at the first missing seq.
    """
    expected_prev = GENESIS
    expected_seq = 1
    for entry in entries:
        if entry is None:
            return expected_seq
        if (
            entry.seq != expected_seq
        ):  # an entry was removed or inserted: the chain breaks where it is missing
            return expected_seq
        if entry.prev_hash != expected_prev or recompute(entry) != entry.hash:
            return entry.seq
        if anchor is not None and entry.seq == anchor[0] and entry.hash != anchor[1]:
            return entry.seq
        expected_prev = entry.hash
        expected_seq += 1
    if anchor is not None and anchor[0] >= expected_seq:
        return expected_seq
    return None
