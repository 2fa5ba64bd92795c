"""Who may do what (DESIGN.md §1): the permission table, checked by every use case below the UI."""

from __future__ import annotations

from enum import StrEnum

from errors import NotPermitted
from schemas.records import Client, Role, User


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
    MANAGE_VERTRETUNGEN = "Vertretungen verwalten"  # issue 14
    DELETE_EXPIRED_CASES = "Akten nach Ablauf der Löschfrist löschen"  # issue 14


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
            Permission.MANAGE_VERTRETUNGEN,  # issue 14
            Permission.DELETE_EXPIRED_CASES,  # issue 14
        }
    ),
    Role.TRAINER: frozenset({Permission.VIEW_CATALOGUE, Permission.EDIT_CATALOGUE}),
    Role.FACHAUFSICHT: frozenset({Permission.VIEW_REPORTS}),
}


def allowed(actor: User, permission: Permission) -> bool:
    return actor.active and permission in PERMISSIONS.get(actor.role, frozenset())


def require(actor: User, permission: Permission) -> None:
    """Raise NotPermitted (German) unless the actor's role grants `permission`."""
    if not allowed(actor, permission):
        raise NotPermitted(f"Ihre Rolle „{actor.role}“ darf das nicht: {permission}.")


def require_client(actor: User, client: Client, permission: Permission = Permission.WORK_ON_CLIENTS) -> None:
    """Like `require`, and an IFK works only on the clients of their own team."""
    require(actor, permission)
    if actor.role == Role.IFK and client.team != actor.team:
        raise NotPermitted("Diese Kundin / dieser Kunde wird von einem anderen Team betreut.")


#: The actor of work the installation does itself (first catalogue version, command-line tasks).
SYSTEM = User(id="system", username="system", display_name="Vierphasen (System)", role=Role.KDN)
