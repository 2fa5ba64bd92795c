"""Wiedervorlage for caseworkers: due and overdue Folgegespräche and EGV review dates of the own team.

An entry is due when its date lies on or before today + VORSCHAU_TAGE, overdue when it lies before today:
- Folgegespräch: the next appointment (nächster Termin) agreed in the client's latest Folgegespräch (latest by
  date; a later talk replaces the earlier appointment);
- EGV-Überprüfung: the review date (Überprüfung am) of the client's newest closed EGV.
- Maßnahme endet: a measure without an actual end whose planned end lies within the catalogue's look-ahead
  (`massnahmen.vorschau_tage`) — support before the end;
- Nach Maßnahmeende: a measure that ended (actual end recorded, or planned end passed) with no Folgegespräch held
  on or after its end — support after the end (the date shown is the end, so it is overdue);
- Nachhalten Beschäftigung: the follow-up date of a job start, until a Folgegespräch is held on or after the date
  less the look-ahead.
Most urgent (earliest date) first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dates import today
from errors import InvalidInput
from schemas.records import Client, Role, User
from services import audit_log
from services.access import Permission, require
from services.catalogue import get_catalogue
from services.clients import client_name
from services.vertretung import deputy_teams
from storage.base import DueItem, Store

VORSCHAU_TAGE = 7
VORSCHAU_MAX = 366

#: Kind of a due item → (German name, the page that opens it).
ARTEN: dict[str, tuple[str, str]] = {
    "folgegespraech": ("Folgegespräch", "folgegespraech"),
    "egv": ("EGV-Überprüfung", "egv"),
    "massnahme_endet": ("Maßnahme endet", "verlauf"),
    "nach_massnahme": ("Nach Maßnahmeende", "verlauf"),
    "nachhalten": ("Nachhalten Beschäftigung", "verlauf"),
}


@dataclass(frozen=True)
class Wiedervorlage:
    """One due item of the list, with what the caseworker needs to open the client."""

    client_id: str
    kunde: str  # "Nachname, Vorname (Kundennummer)"
    art: str  # a name of ARTEN
    seite: str  # page to open: "folgegespraech" | "egv" | "verlauf"
    faellig_am: date
    ueberfaellig: bool
    tage: int  # days overdue (> 0), 0 today, < 0 days left


def list_wiedervorlage(
    store: Store, *, actor: User, heute: date | None = None, vorschau_tage: int = VORSCHAU_TAGE
) -> list[Wiedervorlage]:
    """The actor's Wiedervorlage: an IFK's own team (KDN-Fachbetreuung: their team, or all without a team).

    Raises NotPermitted (roles without casework), InvalidInput (a look-ahead beyond a year or the calendar).
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    heute = heute or today()
    if not isinstance(vorschau_tage, int) or isinstance(vorschau_tage, bool) or not 0 <= vorschau_tage <= VORSCHAU_MAX:
        raise InvalidInput(f"Die Vorschau umfasst 0 bis {VORSCHAU_MAX} Tage.", field="vorschau_tage")
    if not isinstance(heute, date) or heute > date.max - timedelta(days=vorschau_tage):
        raise InvalidInput("Bitte geben Sie ein gültiges Datum an.", field="heute")
    team = actor.team if actor.role == Role.IFK else (actor.team or None)
    until = heute + timedelta(days=vorschau_tage)
    items = store.due_items(team=team, until=until)
    items += _verlauf_items(store, team=team, heute=heute, vorschau_tage=vorschau_tage)
    for other in sorted(deputy_teams(store, actor)):  # the team an IFK stands in for (issue 14)
        items += store.due_items(team=other, until=until)
        items += _verlauf_items(store, team=other, heute=heute, vorschau_tage=vorschau_tage)
    clients: dict[str, Client] = {}
    result = []
    for item in items:
        client = clients.get(item.client_id) or store.get(Client, item.client_id)
        clients[item.client_id] = client
        if client.abgemeldet_am is not None:  # an ended case has no Wiedervorlage (issue 14)
            continue
        art, seite = ARTEN[item.kind]
        result.append(
            Wiedervorlage(
                client_id=client.id,
                kunde=client_name(client),
                art=art,
                seite=seite,
                faellig_am=item.due,
                ueberfaellig=item.due < heute,
                tage=(heute - item.due).days,
            )
        )
    result.sort(key=lambda w: (w.faellig_am, w.art, w.kunde))
    audit_log.list_viewed(store, dict.fromkeys(w.client_id for w in result), actor=actor, record_kind="Kunde",
                          view="Wiedervorlage")
    return result


def _verlauf_items(store: Store, *, team: str | None, heute: date, vorschau_tage: int) -> list[DueItem]:
    """Measures before and after their end, and job starts to follow up (see the module's docstring).

    The store returns only what can be due; a measure's look-ahead is that of its catalogue version, so the store
    is asked up to the longest look-ahead of any version and each measure is then held to its own.
    """
    vorschau = {n: max(vorschau_tage, _massnahmen_vorschau(store, n)) for n in store.catalogue_numbers()}
    longest = max(vorschau.values(), default=vorschau_tage)
    items = store.verlauf_due(team=team, heute=heute, massnahme_bis=heute + timedelta(days=longest),
                              vorschau_tage=vorschau_tage)
    return [i for i in items if i.kind != "massnahme_endet"
            or (i.due - heute).days <= vorschau.get(i.catalogue_version, vorschau_tage)]


def _massnahmen_vorschau(store: Store, number: int) -> int:
    massnahmen = get_catalogue(store, number).massnahmen
    return massnahmen.vorschau_tage if massnahmen else 0
