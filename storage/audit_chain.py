"""The audit trail's hash chain, computed the same way on every backend so that migrated entries still verify."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from dates import as_utc
from errors import StorageUnavailable
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


# --- keyed head (issue 18.7) -----------------------------------------------------------------------------------
# The chain above is unkeyed: whoever can write the trail can recompute it. The store therefore keeps, beside the
# trail, the newest entry's (seq, hash) with an HMAC-SHA256 under a key that lives outside the data directory and
# the database. Every entry is committed to by the newest hash, so without the key nobody can rewrite an entry,
# cut entries off the end or replace the head unnoticed.

#: The key itself (at least 32 characters), or a file holding it (readable by the service account only).
KEY_ENV = "VIERPHASEN_AUDIT_KEY"
KEY_FILE_ENV = "VIERPHASEN_AUDIT_KEY_FILE"
MIN_KEY_LENGTH = 32

log = logging.getLogger("vierphasen")
SEAL_REFUSED = ("Die Audit-Kette ist gebrochen (vierphasen audit verify); sie wird nicht mit dem Schlüssel "
                "bestätigt.")


class AuditKeyError(StorageUnavailable):
    """The configured audit key cannot be used (missing file, too short): nothing is written unkeyed."""


def audit_key() -> bytes | None:
    """The audit key from VIERPHASEN_AUDIT_KEY or the file VIERPHASEN_AUDIT_KEY_FILE; None if neither is set.

    Raises AuditKeyError if one is set but unusable, so a configured installation never falls back to unkeyed.
    """
    return _key(os.environ.get(KEY_ENV, ""), os.environ.get(KEY_FILE_ENV, ""))


@functools.lru_cache(maxsize=8)
def _key(value: str, path: str) -> bytes | None:
    if path:
        try:
            file = Path(path)
            if file.stat().st_mode & 0o077:
                log.warning("Die Schlüsseldatei des Audit-Protokolls ist für andere lesbar (chmod 600 setzen).")
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuditKeyError(
                "Der Schlüssel des Audit-Protokolls (VIERPHASEN_AUDIT_KEY_FILE) kann nicht gelesen werden; "
                "es wird nichts gespeichert."
            ) from exc
    if not value:
        return None
    if len(value) < MIN_KEY_LENGTH:
        raise AuditKeyError(
            f"Der Schlüssel des Audit-Protokolls ist zu kurz (mindestens {MIN_KEY_LENGTH} Zeichen); "
            "es wird nichts gespeichert."
        )
    return value.encode("utf-8")


def head_mac(key: bytes, seq: int, digest: str) -> str:
    """HMAC-SHA256 of the newest entry's seq and hash under the audit key."""
    return hmac.new(key, f"vierphasen-audit-head|{seq}|{digest}".encode(), hashlib.sha256).hexdigest()


def head_record(seq: int, digest: str, key: bytes | None) -> dict[str, object]:
    """What a store keeps beside the trail: seq, hash and, with a key, their HMAC."""
    head: dict[str, object] = {"seq": seq, "hash": digest}
    if key is not None:
        head["mac"] = head_mac(key, seq, digest)
    return head


def verify(entries: Iterable[AuditEntry | None], head: dict | None, key: bytes | None) -> int | None:
    """`first_break` over the entries and the head, plus — with a key — the head's HMAC.

    With a key, a head without a valid HMAC (rewritten, replaced or removed by someone without the key, or
    written before the key was configured: `vierphasen audit seal`) breaks the chain at the head's entry.
    """
    anchor = (int(head["seq"]), str(head["hash"])) if _head_ok(head) else None
    newest = 0

    def counted() -> Iterator[AuditEntry | None]:
        nonlocal newest
        for entry in entries:
            if entry is not None:
                newest = max(newest, entry.seq)
            yield entry

    broken = first_break(counted(), anchor)
    if broken is not None or key is None or newest == 0:
        return broken
    if anchor is None or not hmac.compare_digest(str(head.get("mac", "")), head_mac(key, *anchor)):
        return anchor[0] if anchor is not None and anchor[0] <= newest else newest
    return None


def _head_ok(head: object) -> bool:
    return isinstance(head, dict) and isinstance(head.get("seq"), int) and isinstance(head.get("hash"), str)
