"""The client's case over the years (Akte): Stammdaten, Übergabe, Abmeldung and Wiederaufnahme (issue 14).

Every change is a save of the client record with its revision (a stale one is refused) and an audit action that
names what happened and the new revision, never a client's name or free text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from dates import format_datetime, today
from errors import AlreadyExists, InvalidInput, LifecycleError, RecordClosed
from schemas.audit import AuditAction
from schemas.catalogue import Abmeldegrund
from schemas.records import Client, Role, User
from schemas.text import refuse_unprintable_fields
from services.access import Permission, require
from services.catalogue import get_catalogue
from services.clients import checked_stammdaten, client_for, kundennummer_taken
from storage.base import Store
from storage.core import ABGEMELDET_MESSAGE, check_text

NOTIZ_MAX = 500
ABMELDUNG_FRUEHESTENS = date(2005, 1, 1)


@dataclass(frozen=True)
class Uebergabe:
    """One move of the client to another team, for the client's page."""

    zeitpunkt: str
    text: str  # "Übergabe von Team 1 an Team 2"
    von: str  # role of who did it


def correct_stammdaten(
    store: Store, client_id: str, *, revision: int, kundennummer: str, vorname: str, nachname: str,
    geburtsdatum: date, actor: User,
) -> Client:  # fmt: skip
    """Correct Kundennummer, name and date of birth (IFK of the client's team or in Vertretung, KDN-Fachbetreuung).

    Raises NotPermitted, NotFound, RecordClosed (ended case), StaleRevision, InvalidInput (field: kundennummer,
    vorname, nachname, geburtsdatum).
    """
    client = _active(store, client_id, actor)
    nummer, vorname, nachname = checked_stammdaten(kundennummer, vorname, nachname, geburtsdatum)
    other = store.client_by_kundennummer(nummer)
    if other is not None and other.id != client.id:
        raise kundennummer_taken(nummer)
    changed = client.model_copy(update={"revision": revision, "kundennummer": nummer, "vorname": vorname,
                                        "nachname": nachname, "geburtsdatum": geburtsdatum})  # fmt: skip
    refuse_unprintable_fields(changed)
    try:
        return store.save(changed, actor=actor, action=AuditAction.STAMMDATEN_KORRIGIERT.mit(f" (Revision {revision + 1})"))
    except AlreadyExists as exc:  # a colleague took the number a moment ago
        raise kundennummer_taken(nummer) from exc


def known_teams(store: Store) -> list[str]:
    """The teams an Übergabe can go to: those of active IFK accounts, sorted."""
    return sorted({u.team for u in store.list_users() if u.active and u.role == Role.IFK and u.team})


def hand_over(store: Store, client_id: str, *, revision: int, team: str, actor: User) -> Client:
    """Übergabe: move the client with the whole history to `team` (the IFK of the current team, or KDN).

    From the next click on the old team no longer sees the client. Raises NotPermitted, NotFound, RecordClosed,
    StaleRevision, InvalidInput (field: team).
    """
    client = _active(store, client_id, actor)
    team = " ".join(check_text(team or "", "team").split())
    if not team:
        raise InvalidInput("Bitte wählen Sie das Team, das die Kundin / den Kunden übernimmt.", field="team")
    if team == client.team:
        raise InvalidInput(f"Die Kundin / der Kunde wird bereits vom Team „{team}“ betreut.", field="team")
    if team not in known_teams(store):
        raise InvalidInput(f"Im Team „{team}“ arbeitet keine aktive Integrationsfachkraft.", field="team")
    moved = client.model_copy(update={"revision": revision, "team": team})
    action = AuditAction.UEBERGABE.mit(f" von {client.team} an {team} (Revision {revision + 1})")
    return store.save(moved, actor=actor, action=action)


def handovers(store: Store, client_id: str, *, actor: User) -> list[Uebergabe]:
    """The client's Übergaben, oldest first (from the audit trail). Raises NotPermitted, NotFound."""
    client_for(store, client_id, actor=actor)
    return [
        Uebergabe(format_datetime(e.at), e.action.split(" (Revision")[0], e.role)
        for e in store.audit_entries(record_id=client_id)
        if e.action.startswith(AuditAction.UEBERGABE)
    ]


def abmeldegruende(store: Store) -> list[Abmeldegrund]:
    """The reasons a case can end, from the newest catalogue (not retired ones)."""
    return [g for g in get_catalogue(store).abmeldegruende.optionen if not g.ausgesondert]


def end_case(
    store: Store, client_id: str, *, revision: int, datum: date, grund: str, notiz: str = "", actor: User
) -> Client:
    """Abmeldung: the case ends on `datum` for `grund` (a catalogue id); from then on it is read-only.

    Raises NotPermitted, NotFound, RecordClosed (already ended), StaleRevision, InvalidInput (field: datum,
    grund, notiz).
    """
    client = _active(store, client_id, actor)
    if not isinstance(datum, date):
        raise InvalidInput("Bitte geben Sie das Datum der Abmeldung an.", field="datum")
    if datum > today():
        raise InvalidInput("Das Datum der Abmeldung liegt in der Zukunft.", field="datum")
    if datum < ABMELDUNG_FRUEHESTENS:
        raise InvalidInput("Das Datum der Abmeldung liegt vor dem 01.01.2005 (Einführung des SGB II).",
                           field="datum")  # fmt: skip
    gruende = {g.id: g for g in abmeldegruende(store)}
    if grund not in gruende:
        raise InvalidInput("Bitte wählen Sie einen Abmeldegrund aus der Liste.", field="grund")
    notiz = check_text((notiz or "").strip(), "notiz")
    if gruende[grund].notiz_pflicht and not notiz:
        raise InvalidInput(f"Beim Abmeldegrund „{gruende[grund].label}“ ist eine Notiz erforderlich.", field="notiz")
    if len(notiz) > NOTIZ_MAX:
        raise InvalidInput(f"Die Notiz darf höchstens {NOTIZ_MAX} Zeichen lang sein.", field="notiz")
    ended = client.model_copy(update={"revision": revision, "abgemeldet_am": datum, "abmeldegrund": grund,
                                      "abmeldung_notiz": notiz})  # fmt: skip
    refuse_unprintable_fields(ended)
    return store.save(ended, actor=actor, action=AuditAction.ABGEMELDET.mit(f": {gruende[grund].label} (Revision {revision + 1})"))


def reopen_case(store: Store, client_id: str, *, revision: int, actor: User) -> Client:
    """Wiederaufnahme of an ended case. Raises NotPermitted, NotFound, LifecycleError (not ended), StaleRevision."""
    client = client_for(store, client_id, actor=actor)
    if client.abgemeldet_am is None:
        raise LifecycleError("Der Fall ist nicht abgemeldet.")
    reopened = client.model_copy(update={"revision": revision, "abgemeldet_am": None, "abmeldegrund": None,
                                         "abmeldung_notiz": ""})  # fmt: skip
    return store.save(reopened, actor=actor, action=AuditAction.WIEDER_AUFGENOMMEN.mit(f" (Revision {revision + 1})"))


def ended_by_reason(store: Store, *, team: str | None = None, actor: User) -> dict[str, int]:
    """Kundensteuerung: ended cases per Abmeldegrund (label → count), of all clients or one team.

    Raises NotPermitted (roles without reports).
    """
    require(store, actor, Permission.VIEW_REPORTS)
    labels = {g.id: g.label for g in get_catalogue(store).abmeldegruende.optionen}
    counts = Counter(labels.get(c.abmeldegrund or "", c.abmeldegrund or "—") for c in store.ended_clients(team=team))
    return dict(sorted(counts.items()))


def _active(store: Store, client_id: str, actor: User) -> Client:
    client = client_for(store, client_id, actor=actor)
    if client.abgemeldet_am is not None:
        raise RecordClosed(ABGEMELDET_MESSAGE)
    return client
