"""Who may do what (ARCHITECTURE.md §1): the permission table, checked by every use case below the UI."""

from __future__ import annotations

from enum import StrEnum

from errors import NotPermitted
from schemas.records import Client, Role, User
from services import audit_log
from storage.base import Store


class Permission(StrEnum):
    WORK_ON_CLIENTS = "Kundendaten bearbeiten"  # clients, profilings, goal, strategies, EGV, Folgegespräche
    PRINT_CLIENT_DOCUMENTS = "EGV und Einverständniserklärung drucken"
    EXPORT_AUSKUNFT = "Auskunft erteilen"
    PRINT_PROFILING = "Profiling drucken"
    OVERRIDE_CLOSED = "Abgeschlossene Profilings ändern oder löschen"
    MANAGE_USERS = "Benutzer verwalten"
    VIEW_CATALOGUE = "Katalog und Versionen ansehen"
    EDIT_CATALOGUE = "Katalog bearbeiten und veröffentlichen"
    VIEW_REPORTS = "Auswertungen Kundensteuerung ansehen"


_CASEWORK = {
    Permission.WORK_ON_CLIENTS,
    Permission.PRINT_CLIENT_DOCUMENTS,
    Permission.EXPORT_AUSKUNFT,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.IFK: frozenset(_CASEWORK),
    Role.KDN: frozenset(
        _CASEWORK
        | {
            Permission.PRINT_PROFILING,
            Permission.OVERRIDE_CLOSED,
            Permission.MANAGE_USERS,
            Permission.VIEW_CATALOGUE,
            Permission.EDIT_CATALOGUE,  # issue 8: Trainer and KDN-Fachbetreuung edit and publish
            Permission.VIEW_REPORTS,  # issue 9: Kundensteuerung for KDN-Fachbetreuung too
        }
    ),
    Role.TRAINER: frozenset({Permission.VIEW_CATALOGUE, Permission.EDIT_CATALOGUE}),
    Role.FACHAUFSICHT: frozenset({Permission.VIEW_REPORTS}),
}


def allowed(actor: User, permission: Permission) -> bool:
    """Whether the role grants `permission` (for showing or hiding a button; use cases call `require`)."""
    return actor.active and permission in PERMISSIONS.get(actor.role, frozenset())


#: The refusal when the account behind a signed-in session was deactivated or changed meanwhile.
ACCOUNT_CHANGED = (
    "Ihr Benutzerkonto wurde deaktiviert oder geändert (Rolle oder Team). Bitte melden Sie sich neu an."
)


def current_actor(store: Store, actor: User) -> User:
    """The acting account as stored now: the `User` a session holds is never taken on trust.

    Raises NotPermitted when the account no longer exists, was deactivated, or its role or team differ from
    the session's (a changed account signs in anew). The installation's own SYSTEM actor is not stored.
    """
    if actor == SYSTEM:
        return actor
    stored = store.user_by_username(actor.username) if isinstance(actor.username, str) else None
    if (
        stored is None
        or stored.id != actor.id
        or not stored.active
        or stored.role != actor.role
        or stored.team != actor.team
    ):
        audit_log.refused(store, actor, ACCOUNT_CHANGED)
        raise NotPermitted(ACCOUNT_CHANGED)
    return stored


def require(store: Store, actor: User, permission: Permission) -> User:
    """The stored acting account (see `current_actor`) if its role grants `permission`; else NotPermitted.

    Every use case below the UI starts with this call (or `require_client`), so a deactivated or changed
    account is refused everywhere, whatever `User` object the caller holds.
    """
    fresh = current_actor(store, actor)
    if not allowed(fresh, permission):
        audit_log.refused(store, fresh, f"Berechtigung „{permission}“")
        raise NotPermitted(f"Ihre Rolle „{fresh.role}“ darf das nicht: {permission}.")
    return fresh


def may_read_client(actor: User, client: Client, permission: Permission = Permission.WORK_ON_CLIENTS) -> bool:
    """Whether the role grants `permission` and, for an IFK, the client belongs to the own team."""
    return allowed(actor, permission) and not (actor.role == Role.IFK and client.team != actor.team)


def require_client(
    store: Store, actor: User, client: Client, permission: Permission = Permission.WORK_ON_CLIENTS
) -> User:
    """Like `require`, and an IFK works only on the clients of their own team."""
    fresh = require(store, actor, permission)
    if not may_read_client(fresh, client, permission):
        audit_log.refused(store, fresh, "Kunde eines anderen Teams", record_kind="Kunde", record_id=client.id)
        raise NotPermitted("Diese Kundin / dieser Kunde wird von einem anderen Team betreut.")
    return fresh


#: The actor of work the installation does itself (first catalogue version, command-line tasks).
SYSTEM = User(id="system", username="system", display_name="Vierphasen (System)", role=Role.KDN)
