"""Audit entries of reads, list views and refusals (§ 67c SGB X: who saw which social data, who was refused).

A page reruns on every click, so the same view by the same user within `READ_AUDIT_INTERVAL` seconds is audited
once. A list view (a search, a client's profilings, the Wiedervorlage) is one entry naming the ids it showed,
not one entry per row.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable

from cachetools import TTLCache

from schemas.audit import AuditAction
from schemas.records import User
from storage.base import Store

#: One entry per user and view within this many seconds is enough for the Auskunft and keeps the trail readable.
READ_AUDIT_INTERVAL = 600.0

#: The last audited views per store, keyed by (username, action, kind, id, client, reason, revision), valued by
#: their `time.monotonic()`: bounded (the oldest go first) and timed (a key expires after READ_AUDIT_INTERVAL, after
#: which the next view is audited anyway). Nothing else invalidates it: a new revision is a new key. Per process;
#: a second instance audits its own first view.
VIEW_CACHE_SIZE = 10_000
_lock = threading.Lock()
_last: weakref.WeakKeyDictionary[Store, TTLCache] = weakref.WeakKeyDictionary()


def audit_once(
    store: Store,
    *,
    actor: User,
    action: AuditAction,
    record_kind: str,
    record_id: str,
    client_id: str | None = None,
    catalogue_version: int | None = None,
    reason: str | None = None,
    revision: int = 0,
    interval: float = READ_AUDIT_INTERVAL,
) -> None:
    """Append the entry unless the same one (same user, view and revision) was appended within `interval`."""
    key = (actor.username, action, record_kind, record_id, client_id, reason, revision)
    now = time.monotonic()
    with _lock:
        try:
            seen = _last.setdefault(store, TTLCache(maxsize=VIEW_CACHE_SIZE, ttl=READ_AUDIT_INTERVAL, timer=time.monotonic))
        except TypeError:  # a store that cannot be weakly referenced: audit every time
            seen = {}
        last = seen.get(key)
        if last is not None and now - last < interval:
            return
        seen[key] = now
    store.audit_append(actor=actor, action=action, record_kind=record_kind, record_id=record_id,
                       client_id=client_id, catalogue_version=catalogue_version, reason=reason)


def list_viewed(
    store: Store, ids: Iterable[str], *, actor: User, record_kind: str, view: str, client_id: str | None = None
) -> None:
    """Audit one list view (`view`: what the list is, e.g. "Kundensuche") with the ids of the rows it shows.

    The entry's record is the client for a list of one client's records, else the view itself; an empty list
    shows no social data and is not audited.
    """
    shown = [record_id for record_id in ids if record_id]
    if not shown:
        return
    audit_once(store, actor=actor, action=AuditAction.LISTE_ANGEZEIGT, record_kind=record_kind,
               record_id=client_id or view, client_id=client_id,
               reason=f"{view}: {len(shown)} angezeigt ({', '.join(shown)})")


def refused(store: Store, actor: User, why: str, *, record_kind: str = "Zugriff", record_id: str = "") -> None:
    """Audit a refused access: `why` says what was asked for (a page, a permission); `record_id` names the
    record (e.g. a client of another team) if there is one."""
    audit_once(store, actor=actor, action=AuditAction.ZUGRIFF_VERWEIGERT, record_kind=record_kind,
               record_id=record_id or why[:120], reason=why)
