"""Maßnahmen (seed 4.3): a client's participation in a measure, recorded to support the client before and after it ends.

Rules (decisions documented here):
- A measure has a title, a provider (Träger), a start and a planned end (not before the start); the actual end,
  once known, lies between the start and today; the outcome (an id of the catalogue's list `massnahmen.ergebnisse`)
  is given only together with the actual end.
- It may be linked to the strategy it serves (any strategy of the catalogue) and, when funded, to the profiling of
  the same client whose Förder-Check confirms it (passgenau, erfolgswahrscheinlich, wirtschaftlich).
- A measure is never closed: its actual end and outcome are recorded later on the same record (revisions).
- Support around the end (`services.wiedervorlage`, found by `Store.verlauf_due`): a measure without an actual
  end shows from `vorschau_tage` before its planned end; an ended one (its end: the actual end, else the planned
  end once passed) shows until a Folgegespräch is held on or after the end.
"""

from __future__ import annotations

from datetime import date

from dates import today
from errors import InvalidInput, NotFound
from schemas.catalogue import Catalogue
from schemas.records import Massnahme, Profiling, User
from schemas.text import refuse_unprintable_fields
from services.catalogue import get_catalogue, latest_version
from services.clients import client_for, list_read, new_id
from services.profiling import FOERDER_FRAGEN
from storage.base import Store

TITEL_MAX = 300
TRAEGER_MAX = 300
#: The calendar a measure's or job start's dates lie in; beyond it a typo is more likely than a plan.
KALENDER = (date(1990, 1, 1), date(2100, 12, 31))


def new_massnahme(store: Store, client_id: str, *, actor: User) -> Massnahme:
    """A new, not yet stored measure starting today, on the newest catalogue version.

    Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    start = today()
    return Massnahme(id=new_id(), client_id=client_id, catalogue_version=latest_version(store), titel="",
                     beginn=start, ende_geplant=start)


def record_massnahme(store: Store, massnahme: Massnahme, *, actor: User) -> Massnahme:
    """Store a measure (revision 0: first save, else an update such as the actual end and outcome).

    Raises NotPermitted, NotFound, InvalidInput (at its field: no title, end before start, actual end in the
    future, unknown outcome or strategy, a Förder-Check not confirmed or of another client), StaleRevision.
    """
    client_for(store, massnahme.client_id, actor=actor)
    massnahme = _validated(store, massnahme, get_catalogue(store, massnahme.catalogue_version))
    refuse_unprintable_fields(massnahme)
    if massnahme.revision == 0:
        return store.add(massnahme, actor=actor)
    return store.save(massnahme, actor=actor)


def list_massnahmen(store: Store, client_id: str, *, actor: User) -> list[Massnahme]:
    """The client's measures, newest start first; the access is audited. Raises NotPermitted, NotFound."""
    return list_read(store, Massnahme, client_id, actor=actor, by="beginn")


def check_kalender(**dates: date | None) -> None:
    """Raise InvalidInput at the first date (by field name) outside KALENDER."""
    for field, value in dates.items():
        if value is not None and not KALENDER[0] <= value <= KALENDER[1]:
            raise InvalidInput(f"Bitte ein Datum zwischen {KALENDER[0]:%d.%m.%Y} und {KALENDER[1]:%d.%m.%Y} angeben.",
                               field=field)


def _validated(store: Store, m: Massnahme, catalogue: Catalogue) -> Massnahme:
    check_kalender(beginn=m.beginn, ende_geplant=m.ende_geplant, ende_tatsaechlich=m.ende_tatsaechlich)
    titel = " ".join(m.titel.split())
    if not titel:
        raise InvalidInput("Bitte geben Sie die Maßnahme an (Titel).", field="titel")
    if len(titel) > TITEL_MAX:
        raise InvalidInput(f"Der Titel darf höchstens {TITEL_MAX} Zeichen lang sein.", field="titel")
    traeger = " ".join(m.traeger.split())
    if len(traeger) > TRAEGER_MAX:
        raise InvalidInput(f"Der Träger darf höchstens {TRAEGER_MAX} Zeichen lang sein.", field="traeger")
    if m.ende_geplant < m.beginn:
        raise InvalidInput("Das geplante Ende liegt vor dem Beginn der Maßnahme.", field="ende_geplant")
    if m.ende_tatsaechlich is not None:
        if m.ende_tatsaechlich < m.beginn:
            raise InvalidInput("Das tatsächliche Ende liegt vor dem Beginn der Maßnahme.", field="ende_tatsaechlich")
        if m.ende_tatsaechlich > today():
            raise InvalidInput("Das tatsächliche Ende darf nicht in der Zukunft liegen.", field="ende_tatsaechlich")
    ergebnisse = {e.id for e in catalogue.massnahmen.ergebnisse} if catalogue.massnahmen else set()
    if m.ergebnis is not None:
        if m.ergebnis not in ergebnisse:
            raise InvalidInput(f"Das Ergebnis „{m.ergebnis}“ gibt es im Katalog nicht.", field="ergebnis")
        if m.ende_tatsaechlich is None:
            raise InvalidInput("Ein Ergebnis gibt es erst mit dem tatsächlichen Ende.", field="ergebnis")
    if m.strategie_id is not None and m.strategie_id not in catalogue.strategien():
        raise InvalidInput(f"Die Handlungsstrategie „{m.strategie_id}“ gibt es nicht.", field="strategie_id")
    if m.gefoerdert:
        _check_foerderung(store, m)
    return m.model_copy(update={"titel": titel, "traeger": traeger,
                                "foerder_profiling_id": m.foerder_profiling_id if m.gefoerdert else None})


def _check_foerderung(store: Store, m: Massnahme) -> None:
    if m.foerder_profiling_id is None:
        raise InvalidInput("Eine geförderte Maßnahme braucht den Förder-Check eines Profilings.",
                           field="foerder_profiling_id")
    try:
        profiling = store.get(Profiling, m.foerder_profiling_id)
    except NotFound as exc:
        raise InvalidInput("Das Profiling mit dem Förder-Check gibt es nicht mehr.", field="foerder_profiling_id") from exc
    if profiling.client_id != m.client_id:
        raise InvalidInput("Der Förder-Check gehört zu einer anderen Kundin / einem anderen Kunden.",
                           field="foerder_profiling_id")
    check = profiling.foerder_check
    if not profiling.foerderung_geplant or not all(getattr(check, frage) for frage in FOERDER_FRAGEN):
        raise InvalidInput("Der Förder-Check dieses Profilings ist nicht bestätigt (passgenau – "
                           "erfolgswahrscheinlich – wirtschaftlich).", field="foerder_profiling_id")


def foerder_checks(store: Store, client_id: str, *, actor: User) -> list[Profiling]:
    """The client's profilings with a confirmed Förder-Check (to link a funded measure), newest first.

    Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    found = [p for p in store.list_for_client(Profiling, client_id)
             if p.foerderung_geplant and all(getattr(p.foerder_check, f) for f in FOERDER_FRAGEN)]
    return sorted(found, key=lambda p: p.created_at, reverse=True)
