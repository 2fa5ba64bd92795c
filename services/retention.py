"""Löschfristen: delete ended cases and every record of the person after the retention period (issue 14).

Social data may be kept only as long as the task needs them (Art. 5(1)(e), 17 DSGVO, § 84 SGB X). A case is
due when `retention_years` (installation setting) have passed since its Abmeldung. Deleting removes the client
and every per-client record (`storage.base.CLIENT_KINDS`); the audit trail keeps only the skeleton.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from config import get_settings
from dates import add_months, today
from errors import LifecycleError
from schemas.audit import AuditAction
from schemas.records import Client, User
from services.access import Permission, require
from storage.base import Store


@dataclass(frozen=True)
class DueCase:
    """An ended case whose retention period has passed: what the KDN list shows before deleting."""

    client_id: str
    kundennummer: str
    name: str
    team: str
    abgemeldet_am: date
    faellig_seit: date


def retention_years() -> int:
    """The installation's retention period in years (VIERPHASEN_RETENTION_YEARS)."""
    return get_settings().retention_years


def deletion_due_on(client: Client, years: int | None = None) -> date | None:
    """The day from which the case may be deleted (None for an active case)."""
    if client.abgemeldet_am is None:
        return None
    return add_months(client.abgemeldet_am, 12 * (years if years is not None else retention_years()))


def due_cases(store: Store, *, actor: User, heute: date | None = None) -> list[DueCase]:
    """The cases due for deletion, oldest Abmeldung first. Raises NotPermitted (only KDN-Fachbetreuung)."""
    require(store, actor, Permission.DELETE_EXPIRED_CASES)
    heute = heute or today()
    years = retention_years()
    due = []
    for client in store.ended_clients():
        since = deletion_due_on(client, years)
        if since is None or since > heute:
            continue
        due.append(DueCase(client.id, client.kundennummer, f"{client.nachname}, {client.vorname}", client.team,
                           client.abgemeldet_am, since))  # type: ignore[arg-type]  # fmt: skip
    return due


def delete_case(store: Store, client_id: str, *, actor: User, heute: date | None = None) -> list[str]:
    """Delete a due case: the client and every record of the person. Returns the deleted record ids.

    Raises NotPermitted, NotFound, LifecycleError (the case is active or its period has not passed).
    """
    require(store, actor, Permission.DELETE_EXPIRED_CASES)
    client = store.get(Client, client_id)
    since = deletion_due_on(client)
    if since is None:
        raise LifecycleError("Der Fall ist nicht abgemeldet; nur abgemeldete Fälle werden nach der Löschfrist gelöscht.")
    if since > (heute or today()):
        raise LifecycleError(f"Die Löschfrist dieses Falls läuft erst am {since:%d.%m.%Y} ab.")
    return store.purge_client(client_id, actor=actor, action=AuditAction.GELOESCHT_LOESCHFRIST)


def delete_due_cases(store: Store, *, actor: User, heute: date | None = None) -> list[str]:
    """Delete every due case (the nightly job); returns the deleted clients' ids. Raises NotPermitted."""
    heute = heute or today()
    return [case.client_id for case in due_cases(store, actor=actor, heute=heute)
            if delete_case(store, case.client_id, actor=actor, heute=heute)]  # fmt: skip
