"""Who may do what (ARCHITECTURE.md §1): the permission table, checked by every use case below the UI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum

from dates import today
from errors import NotPermitted, StaleRevision
from schemas.audit import AuditAction
from schemas.records import Client, Role, User, Vertretung
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
    """Whether the role grants `permission` (for showing or hiding a button; use cases call `require`)."""
    return actor.active and permission in PERMISSIONS.get(actor.role, frozenset())


#: The refusal when the account behind a signed-in session was deactivated or changed meanwhile.
ACCOUNT_CHANGED = (
    "Ihr Benutzerkonto wurde deaktiviert oder geändert (Rolle oder Team). Bitte melden Sie sich neu an."
)


#: Within `one_request`: the accounts read from a store in this request, by (store, user name).
_READ_IN_REQUEST: ContextVar[dict[tuple[int, str], User] | None] = ContextVar("vierphasen_accounts", default=None)


@contextmanager
def one_request() -> Iterator[None]:
    """Within it (one page run: app.py), each acting account is read from the store once, not at every check of
    every use case the page calls (on PostgreSQL a round trip each). An account changed meanwhile counts from the
    next request on, as it would for a request that had already passed its check."""
    token = _READ_IN_REQUEST.set({})
    try:
        yield
    finally:
        _READ_IN_REQUEST.reset(token)


def stored_account(store: Store, username: str) -> User | None:
    """The account as stored now; within `one_request` read once."""
    read = _READ_IN_REQUEST.get()
    if read is None:
        return store.user_by_username(username)
    key = (id(store), username)
    if key not in read:
        read[key] = store.user_by_username(username)
    return read[key]


def current_actor(store: Store, actor: User) -> User:
    """The acting account as stored now: the `User` a session holds is never taken on trust.

    Raises NotPermitted when the account no longer exists, was deactivated, or its role or team differ from
    the session's (a changed account signs in anew). The installation's own SYSTEM actor is not stored.
    """
    if actor == SYSTEM:
        return actor
    stored = stored_account(store, actor.username) if isinstance(actor.username, str) else None
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
    """Like `require`, and an IFK works only on the clients of their own team or of a team they stand in for
    today (Vertretung)."""
    return require_client_of(store, require(store, actor, permission), client, permission)


def require_client_of(
    store: Store, fresh: User, client: Client, permission: Permission = Permission.WORK_ON_CLIENTS
) -> User:
    """`require_client` for an account `require` has just returned (no second read of the account)."""
    if not may_read_client(fresh, client, permission) and not works_in_vertretung(store, fresh, client, permission):
        audit_log.refused(store, fresh, "Kunde eines anderen Teams", record_kind="Kunde", record_id=client.id)
        raise NotPermitted("Diese Kundin / dieser Kunde wird von einem anderen Team betreut.")
    return fresh


def works_in_vertretung(
    store: Store, actor: User, client: Client, permission: Permission = Permission.WORK_ON_CLIENTS
) -> bool:
    """True if `actor` is an IFK of another team who stands in for the client's team today.

    An expired Vertretung of the actor for that team is audited once ("Vertretung abgelaufen") on the first
    refused access after its end, so the end of access shows in the audit trail.
    """
    if actor.role != Role.IFK or client.team == actor.team or not allowed(actor, permission):
        return False
    day = today()
    current = False
    for v in store.installation_records(Vertretung):
        if v.vertreter != actor.username or v.team != client.team:
            continue
        if v.von <= day <= v.bis:
            current = True
        elif v.bis < day and not v.ablauf_vermerkt:
            note_expired(store, v)
    return current


def note_expired(store: Store, vertretung: Vertretung) -> Vertretung:
    """Mark a Vertretung whose end has passed as noticed (audited as "Vertretung abgelaufen"), once."""
    try:
        return store.save(vertretung.model_copy(update={"ablauf_vermerkt": True}), actor=SYSTEM,
                          action=AuditAction.VERTRETUNG_ABGELAUFEN)  # fmt: skip
    except StaleRevision:  # noted by a colleague's request at the same moment
        return store.get(Vertretung, vertretung.id)


#: The actor of work the installation does itself (first catalogue version, command-line tasks).
SYSTEM = User(id="system", username="system", display_name="Vierphasen (System)", role=Role.KDN)
