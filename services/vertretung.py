"""Vertretung: KDN-Fachbetreuung lets an IFK work on another team's clients for a period (issue 14)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from dates import today
from errors import InvalidInput
from schemas.audit import AuditAction
from schemas.records import Role, User, Vertretung
from services.access import Permission, note_expired, require
from storage.base import Store
from storage.core import check_text

GRUND_MAX = 200
#: How long ahead a Vertretung may be granted; longer absences are an Übergabe, not a Vertretung.
LAENGE_MAX_TAGE = 366


@dataclass(frozen=True)
class VertretungZeile:
    """One Vertretung for the KDN list: who stands in for which team, when, why, and whether it is current."""

    vertretung: Vertretung
    vertreter_name: str
    stand: str  # "aktuell", "geplant", "beendet"


def deputy_teams(store: Store, actor: User) -> set[str]:
    """The teams an IFK stands in for today (none for other roles)."""
    if actor.role != Role.IFK or not actor.active:
        return set()
    day = today()
    return {v.team for v in store.installation_records(Vertretung)
            if v.vertreter == actor.username and v.von <= day <= v.bis and v.team != actor.team}  # fmt: skip


def grant_vertretung(
    store: Store, *, vertreter: str, team: str, von: date, bis: date, grund: str, actor: User
) -> Vertretung:
    """Let the IFK `vertreter` (a user name) work on the clients of `team` from `von` to `bis` (both included).

    Raises NotPermitted (only KDN-Fachbetreuung), InvalidInput (field: vertreter, team, von, bis, grund).
    """
    require(store, actor, Permission.MANAGE_VERTRETUNGEN)
    user = store.user_by_username((vertreter or "").strip().lower()) if vertreter else None
    if user is None or not user.active:
        raise InvalidInput("Bitte wählen Sie ein aktives Benutzerkonto als Vertretung.", field="vertreter")
    if user.role != Role.IFK:
        raise InvalidInput("Eine Vertretung kann nur eine Integrationsfachkraft (IFK) übernehmen.",
                           field="vertreter")  # fmt: skip
    team = " ".join(check_text(team or "", "team").split())
    if not team:
        raise InvalidInput("Bitte geben Sie das Team an, das vertreten wird.", field="team")
    if team == user.team:
        raise InvalidInput(f"{user.display_name} gehört bereits zum Team „{team}“.", field="team")
    if not isinstance(von, date):
        raise InvalidInput("Bitte geben Sie den Beginn der Vertretung an.", field="von")
    if not isinstance(bis, date):
        raise InvalidInput("Bitte geben Sie das Ende der Vertretung an.", field="bis")
    if bis < von:
        raise InvalidInput("Das Ende der Vertretung liegt vor ihrem Beginn.", field="bis")
    if bis < today():
        raise InvalidInput("Das Ende der Vertretung liegt in der Vergangenheit.", field="bis")
    if (bis - von).days > LAENGE_MAX_TAGE:
        raise InvalidInput("Eine Vertretung dauert höchstens ein Jahr; für längere Zeit ist eine Übergabe "
                           "der Kundinnen und Kunden vorgesehen.", field="bis")  # fmt: skip
    grund = " ".join(check_text(grund or "", "grund").split())
    if not grund:
        raise InvalidInput("Bitte geben Sie den Grund der Vertretung an (z. B. Urlaub, Krankheit).", field="grund")
    if len(grund) > GRUND_MAX:
        raise InvalidInput(f"Der Grund darf höchstens {GRUND_MAX} Zeichen lang sein.", field="grund")
    vertretung = Vertretung(id=uuid.uuid4().hex, vertreter=user.username, team=team, von=von, bis=bis, grund=grund)
    return store.add(vertretung, actor=actor)  # audited "angelegt" on the Vertretung (the granting)


def end_vertretung(store: Store, vertretung_id: str, *, revision: int, actor: User) -> Vertretung:
    """End a Vertretung today (access ends at the next click). Raises NotPermitted, NotFound, StaleRevision."""
    require(store, actor, Permission.MANAGE_VERTRETUNGEN)
    vertretung = store.get(Vertretung, vertretung_id)
    day = today()
    if vertretung.bis < day:
        raise InvalidInput("Diese Vertretung ist bereits beendet.", field="vertretung")
    # the day before today: from the next click on no access (a planned one never starts)
    ended = vertretung.model_copy(update={"revision": revision, "bis": day - timedelta(days=1),
                                          "ablauf_vermerkt": True})  # fmt: skip
    return store.save(ended, actor=actor, action=AuditAction.VERTRETUNG_BEENDET)


def list_vertretungen(store: Store, *, actor: User) -> list[VertretungZeile]:
    """Current and planned Vertretungen first (by start), then the past ones (newest end first).

    Expired ones are audited once here too. Raises NotPermitted (only KDN-Fachbetreuung).
    """
    require(store, actor, Permission.MANAGE_VERTRETUNGEN)
    day = today()
    names: dict[str, str] = {}
    rows = []
    for v in store.installation_records(Vertretung):
        if v.bis < day and not v.ablauf_vermerkt:
            v = note_expired(store, v)
        if v.vertreter not in names:
            user = store.user_by_username(v.vertreter)
            names[v.vertreter] = user.display_name if user else v.vertreter
        stand = "aktuell" if v.von <= day <= v.bis else ("geplant" if v.von > day else "beendet")
        rows.append(VertretungZeile(v, names[v.vertreter], stand))
    active = sorted((r for r in rows if r.stand != "beendet"), key=lambda r: (r.vertretung.von, r.vertretung.id))
    past = sorted((r for r in rows if r.stand == "beendet"), key=lambda r: (r.vertretung.bis, r.vertretung.id),
                  reverse=True)  # fmt: skip
    return active + past
