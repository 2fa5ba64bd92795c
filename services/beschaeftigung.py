"""Beschäftigungsaufnahme (seed 4.4): a job or training start, and what follows it.

A start does not end the work: recording it suggests the Übergreifend strategies the catalogue lists under
`beschaeftigungsaufnahme.strategien` (catalogue data, e.g. stabilising the job), plus those under
`strategien_leistungsbezug` when the client still needs benefits (e.g. reducing the need of employed clients),
and a follow-up date `nachhalten_tage` after the start. The caseworker confirms or changes both; the follow-up
date shows in the Wiedervorlage.
"""

from __future__ import annotations

from datetime import date, timedelta

from dates import today
from errors import InvalidInput
from schemas.catalogue import Catalogue
from schemas.records import Beschaeftigungsaufnahme, User
from schemas.text import refuse_unprintable_fields
from services.catalogue import get_catalogue, latest_version
from services.clients import client_for, list_read, new_id
from services.massnahmen import check_kalender
from storage.base import Store

ARBEITGEBER_MAX = 300
STUNDEN_MAX = 60


def vorgeschlagene_strategien(catalogue: Catalogue, *, leistungen_weiter: bool = False) -> list[str]:
    """The strategy ids the catalogue marks for a job start (offered ones only), in catalogue order; those of
    `strategien_leistungsbezug` too when the client still needs benefits."""
    gruppe = catalogue.beschaeftigungsaufnahme
    if gruppe is None:
        return []
    marked = gruppe.strategien + (gruppe.strategien_leistungsbezug if leistungen_weiter else [])
    offered = {s.id for s in catalogue.uebergreifend.handlungsstrategien if not s.ausgesondert}
    return list(dict.fromkeys(s for s in marked if s in offered))


def new_beschaeftigungsaufnahme(store: Store, client_id: str, *, actor: User) -> Beschaeftigungsaufnahme:
    """A new, not yet stored job start dated today, with the suggested strategies and follow-up date.

    Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    number = latest_version(store)
    catalogue = get_catalogue(store, number)
    aufnahme = Beschaeftigungsaufnahme(id=new_id(), client_id=client_id, catalogue_version=number, datum=today(),
                                       arbeitgeber="", wochenstunden=0, leistungen_weiter=False,
                                       strategien=vorgeschlagene_strategien(catalogue))
    aufnahme.nachhalten_am = nachhalten_vorschlag(catalogue, aufnahme)
    return aufnahme


def nachhalten_vorschlag(catalogue: Catalogue, aufnahme: Beschaeftigungsaufnahme) -> date:
    """The suggested follow-up date for a start on `aufnahme.datum`."""
    tage = catalogue.beschaeftigungsaufnahme.nachhalten_tage if catalogue.beschaeftigungsaufnahme else 42
    return aufnahme.datum + timedelta(days=tage)


def record_beschaeftigungsaufnahme(store: Store, aufnahme: Beschaeftigungsaufnahme, *,
                                   actor: User) -> Beschaeftigungsaufnahme:
    """Store a job start (revision 0: first save, else an update).

    Raises NotPermitted, NotFound, InvalidInput (at its field: no employer, hours outside 1–60, follow-up not
    after the start, an unknown or not Übergreifend strategy), StaleRevision.
    """
    client_for(store, aufnahme.client_id, actor=actor)
    catalogue = get_catalogue(store, aufnahme.catalogue_version)
    check_kalender(datum=aufnahme.datum, nachhalten_am=aufnahme.nachhalten_am)
    arbeitgeber = " ".join(aufnahme.arbeitgeber.split())
    if not arbeitgeber:
        raise InvalidInput("Bitte geben Sie den Arbeitgeber bzw. die Ausbildungsstelle an.", field="arbeitgeber")
    if len(arbeitgeber) > ARBEITGEBER_MAX:
        raise InvalidInput(f"Der Arbeitgeber darf höchstens {ARBEITGEBER_MAX} Zeichen lang sein.", field="arbeitgeber")
    if not 1 <= aufnahme.wochenstunden <= STUNDEN_MAX:
        raise InvalidInput(f"Die Wochenstunden liegen zwischen 1 und {STUNDEN_MAX}.", field="wochenstunden")
    if aufnahme.nachhalten_am is not None and aufnahme.nachhalten_am <= aufnahme.datum:
        raise InvalidInput("Das Nachhalten liegt nach dem Beginn der Beschäftigung.", field="nachhalten_am")
    offered = {s.id for s in catalogue.uebergreifend.handlungsstrategien}
    if unknown := [s for s in aufnahme.strategien if s not in offered]:
        raise InvalidInput(f"„{catalogue.label(unknown[0])}“ ist keine übergreifende Handlungsstrategie.",
                           field="strategien")
    aufnahme = aufnahme.model_copy(update={"arbeitgeber": arbeitgeber,
                                           "strategien": list(dict.fromkeys(aufnahme.strategien))})
    refuse_unprintable_fields(aufnahme)
    if aufnahme.revision == 0:
        return store.add(aufnahme, actor=actor)
    return store.save(aufnahme, actor=actor)


def list_beschaeftigungsaufnahmen(store: Store, client_id: str, *, actor: User) -> list[Beschaeftigungsaufnahme]:
    """The client's job starts, newest first; the access is audited. Raises NotPermitted, NotFound."""
    return list_read(store, Beschaeftigungsaufnahme, client_id, actor=actor, by="datum")
