"""A record's change history from the audit trail (who, when, what, and the reason of a KDN correction)."""

from __future__ import annotations

from dataclasses import dataclass

from dates import format_datetime
from errors import NotFound
from schemas.audit import AuditAction
from schemas.records import Status, User
from services.access import Permission, require
from services.clients import client_for
from services.profiling import HistoryEntry, profiling_history
from storage.base import Store


#: Reads ("gelesen", "gelesen (in Vertretung)") are not changes; they belong to the Auskunft, not to the history.
@dataclass(frozen=True)
class HistoryLine:
    """One change of a record: when (Europe/Berlin), what, by whom (name and role), and the reason if any."""

    zeitpunkt: str
    aktion: str
    von: str
    begruendung: str


def record_history(store: Store, record_id: str, *, actor: User) -> list[HistoryLine]:
    """The changes of a client's record (also of a deleted one), oldest first, with reasons of KDN corrections.

    Raises NotPermitted (role, or an IFK of another team), NotFound (no entry for the id).
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    if not isinstance(record_id, str) or not record_id:
        raise NotFound("Zu diesem Datensatz gibt es keine Historie.")
    entries = [e for e in store.audit_entries(record_id=record_id) if not e.action.startswith(AuditAction.GELESEN)]
    client_ids = {e.client_id for e in entries if e.client_id}
    if not entries or len(client_ids) != 1:
        raise NotFound("Zu diesem Datensatz gibt es keine Historie.")
    client_for(store, client_ids.pop(), actor=actor)
    names: dict[str, str] = {}
    lines = []
    for entry in entries:
        if entry.actor not in names:
            user = store.user_by_username(entry.actor)
            names[entry.actor] = user.display_name if user else entry.actor
        lines.append(
            HistoryLine(
                zeitpunkt=format_datetime(entry.at),
                aktion=entry.action,
                von=f"{names[entry.actor]} ({entry.role})",
                begruendung=entry.reason or "",
            )
        )
    return lines


def closed_profilings(store: Store, client_id: str, *, actor: User) -> list[HistoryEntry]:
    """The client's closed profilings, newest first, for the KDN correction (change or delete with reason).

    Raises NotPermitted unless the actor is KDN-Fachbetreuung, NotFound.
    """
    require(store, actor, Permission.OVERRIDE_CLOSED)
    return [e for e in profiling_history(store, client_id, actor=actor) if e.status == Status.ABGESCHLOSSEN]


def deleted_profiling_ids(store: Store, client_id: str, *, actor: User) -> list[str]:
    """Ids of the client's profilings deleted by a KDN correction (their history stays readable).

    Raises NotPermitted unless the actor is KDN-Fachbetreuung, NotFound.
    """
    require(store, actor, Permission.OVERRIDE_CLOSED)
    client_for(store, client_id, actor=actor)
    return list(
        dict.fromkeys(
            e.record_id
            for e in store.audit_entries(client_id=client_id)
            if e.record_kind == "Profiling" and e.action == AuditAction.GELOESCHT_KDN
        )
    )
