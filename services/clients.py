"""Client use cases: create, search and open a client; the shared access check and read audit for client data."""

from __future__ import annotations

import re
import uuid
from datetime import date

from dates import age_on, today
from errors import AlreadyExists, InvalidInput, NotPermitted
from schemas.audit import AuditAction
from schemas.records import Client, Record, Role, User
from schemas.text import refuse_bidi_controls, refuse_unprintable_fields, required_text
from services import audit_log
from services.access import Permission, require, require_client, require_client_of, works_in_vertretung
from services.vertretung import deputy_teams
from storage.base import KIND_NAMES, R, Store

KUNDENNUMMER = re.compile(r"^[A-Za-z0-9]{3,20}$")
NAME_MAX = 100
MIN_AGE, MAX_AGE = 14, 100
SEARCH_MAX = 100

#: A page reruns on every click; one "gelesen" entry per user, record and revision within this many
#: seconds is enough for the Auskunft and keeps the audit trail readable.
READ_AUDIT_INTERVAL = audit_log.READ_AUDIT_INTERVAL


def new_id() -> str:
    """A fresh record id (32 hex digits)."""
    return uuid.uuid4().hex


def client_for(store: Store, client_id: str, *, actor: User) -> Client:
    """The client, if the actor may work on their data (role first, so others cannot probe ids).

    Raises NotPermitted (role, or an IFK of another team), NotFound.
    """
    fresh = require(store, actor, Permission.WORK_ON_CLIENTS)
    client = store.get(Client, client_id)
    if works_in_vertretung(store, fresh, client):
        record_read(store, client, actor=actor, action=AuditAction.GELESEN_IN_VERTRETUNG)  # the use of a Vertretung audited
    else:
        require_client_of(store, fresh, client)
    return client


def list_read(store: Store, kind: type[R], client_id: str, *, actor: User, by: str) -> list[R]:
    """A client's records of one kind, newest first by the date field `by` (then by entry); each read is audited.

    Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    found = sorted(store.list_for_client(kind, client_id), key=lambda r: (getattr(r, by), r.created_at), reverse=True)
    for record in found:
        record_read(store, record, actor=actor)
    return found


def record_read(store: Store, record: Record, *, actor: User,
                action: AuditAction = AuditAction.GELESEN) -> None:
    """Audit that `actor` opened `record` (`action`, "gelesen" unless in Vertretung), at most once per interval
    and revision.

    Only an actor who may read the record's client causes an entry (else NotPermitted, and the refusal is
    audited instead), so no stranger can write into a client's Auskunft.
    """
    client_id = record.id if isinstance(record, Client) else getattr(record, "client_id", None)
    if not isinstance(client_id, str) or not client_id:
        raise NotPermitted("Dieser Datensatz gehört zu keiner Kundin / keinem Kunden.")
    client = record if isinstance(record, Client) else store.get(Client, client_id)
    require_client(store, actor, client)
    audit_log.audit_once(
        store,
        actor=actor,
        action=action,
        record_kind=KIND_NAMES[type(record)],
        record_id=record.id,
        client_id=client_id,
        catalogue_version=getattr(record, "catalogue_version", None),
        revision=record.revision,
        interval=READ_AUDIT_INTERVAL,
    )


def create_client(
    store: Store,
    *,
    kundennummer: str,
    vorname: str,
    nachname: str,
    geburtsdatum: date,
    actor: User,
    team: str | None = None,
) -> Client:
    """Create a client of the actor's team (KDN-Fachbetreuung may name another `team`).

    The Kundennummer is stored in capitals and must be unique. Raises NotPermitted, InvalidInput (with the
    field: kundennummer, vorname, nachname, geburtsdatum, team).
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    if team is not None and actor.role == Role.IFK and team != actor.team:
        raise InvalidInput("Sie können Kundinnen und Kunden nur für Ihr eigenes Team anlegen.", field="team")
    team = (team if team is not None else actor.team).strip()
    nummer, vorname, nachname = checked_stammdaten(kundennummer, vorname, nachname, geburtsdatum)
    if not team:
        raise InvalidInput("Bitte geben Sie das betreuende Team an.", field="team")
    if store.client_by_kundennummer(nummer) is not None:
        raise kundennummer_taken(nummer)
    client = Client(
        id=new_id(),
        kundennummer=nummer,
        vorname=vorname,
        nachname=nachname,
        geburtsdatum=geburtsdatum,
        team=team,
    )
    refuse_unprintable_fields(client)
    try:
        return store.add(client, actor=actor)
    except AlreadyExists as exc:  # a colleague created the same number a moment ago
        raise kundennummer_taken(nummer) from exc


def find_clients(store: Store, text: str, *, actor: User) -> list[Client]:
    """Clients whose Kundennummer or name contains `text`; an IFK sees only the own team's clients.

    Raises NotPermitted, InvalidInput (search text too long).
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    text = (text or "").strip()
    if len(text) > SEARCH_MAX:
        raise InvalidInput(f"Der Suchbegriff darf höchstens {SEARCH_MAX} Zeichen lang sein.", field="text")
    team = actor.team if actor.role == Role.IFK else None
    found = store.find_clients(text, team=team)
    if team is not None and (teams := deputy_teams(store, actor)):  # a deputy finds the team they stand in for
        found += [c for t in sorted(teams) for c in store.find_clients(text, team=t)]
        found.sort(key=lambda c: (c.nachname.lower(), c.vorname.lower(), c.id))
    # an ended case (Abmeldung) leaves the list of active clients but is found by a search
    if not text:
        found = [c for c in found if c.abgemeldet_am is None]
    audit_log.list_viewed(store, (c.id for c in found), actor=actor, record_kind="Kunde", view="Kundensuche")
    return found


def open_client(store: Store, client_id: str, *, actor: User) -> Client:
    """The client's master data; the access is audited ("gelesen"). Raises NotPermitted, NotFound."""
    client = client_for(store, client_id, actor=actor)
    record_read(store, client, actor=actor)
    return client


def client_name(client: Client) -> str:
    """'Nachname, Vorname (Kundennummer)' for headings and selections."""
    return f"{client.nachname}, {client.vorname} ({client.kundennummer})"


# --- the client's master data (Stammdaten), checked the same way on creating and on correcting a client ---------


def checked_stammdaten(kundennummer: str, vorname: str, nachname: str, geburtsdatum: date) -> tuple[str, str, str]:
    """The Kundennummer (in capitals), Vorname and Nachname as stored, after checking all four fields.

    Raises InvalidInput with the field (kundennummer, vorname, nachname, geburtsdatum).
    """
    nummer = _kundennummer(kundennummer)
    names = _name(vorname, "vorname", "Vorname"), _name(nachname, "nachname", "Nachname")
    _geburtsdatum(geburtsdatum)
    return nummer, *names


def kundennummer_taken(nummer: str) -> InvalidInput:
    """The error for a Kundennummer that another client has already."""
    return InvalidInput(f"Die Kundennummer {nummer} ist bereits vergeben.", field="kundennummer")


def _kundennummer(value: str) -> str:
    nummer = (value or "").strip().upper()
    if not KUNDENNUMMER.match(nummer):
        raise InvalidInput(
            "Die Kundennummer besteht aus 3 bis 20 Buchstaben oder Ziffern (ohne Leer- und Sonderzeichen).",
            field="kundennummer",
        )
    return nummer


def _name(value: str, field: str, title: str) -> str:
    name = " ".join(required_text(value, field=field, message=f"Bitte geben Sie den {title}n an.").split())
    refuse_bidi_controls(name, field=field, label=title)
    if len(name) > NAME_MAX:
        raise InvalidInput(f"Der {title} darf höchstens {NAME_MAX} Zeichen lang sein.", field=field)
    return name


def _geburtsdatum(value: date) -> None:
    if not isinstance(value, date):
        raise InvalidInput("Bitte geben Sie das Geburtsdatum an.", field="geburtsdatum")
    now = today()
    if value > now:
        raise InvalidInput("Das Geburtsdatum liegt in der Zukunft.", field="geburtsdatum")
    age = age_on(value, now)
    if not MIN_AGE <= age <= MAX_AGE:
        raise InvalidInput(
            f"Das Geburtsdatum ergibt ein Alter von {age} Jahren; erwartet werden {MIN_AGE} bis {MAX_AGE} Jahre.",
            field="geburtsdatum",
        )
