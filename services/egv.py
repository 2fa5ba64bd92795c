"""EGV use cases (phase 4): draft from the profiling, save, close (agree), continue (Fortschreibung), versions.

Decisions documented here:
- An EGV belongs to one profiling and uses that profiling's catalogue version (labels, document template).
- `draft_egv` for a profiling that already has an EGV returns its newest open Fassung; if the newest is
  closed, it refuses and points to the Fortschreibung, so there is never a second parallel agreement.
- Only a closed (agreed) Fassung is continued, and only the newest of its chain; the new Fassung starts open
  with the previous content, and the previous one stays readable and unchanged.
- The review date must not lie in the past when it is first set or changed; a stored date that has passed
  since may stay.
"""

from __future__ import annotations

from datetime import date

from errors import Incomplete, InvalidInput, LifecycleError
from schemas.catalogue import Catalogue
from schemas.records import Egv, Profiling, Status, User
from services.access import Permission, require
from services.catalogue import get_catalogue
from services.clients import client_for, new_id, record_read
from services.dates import add_months, format_date, today
from services.profiling import gewaehlte_strategien
from storage.base import Store

#: Section id of an agreement template (e.g. the Kooperationsplan) → the EGV field that fills it; ids not listed
#: name the field themselves (the EGV template). Used by the EGV page and the PDF alike.
ABSCHNITT_FELD: dict[str, str] = {
    "berufliches_ziel": "integrationsziel",
    "zwischenziel": "handlungsstrategien",
    "naechste_schritte": "teilschritte",
    "unterstuetzung_jobcenter": "leistungen_jobcenter",
    "weitere_unterstuetzung": "angebote_dritter",
    "sonstiges": "bemuehungen_kunde",
}


TEXT_MAX = 10000
REVIEW_MONTHS = 3
#: The EGV text fields and their German names for messages.
TEXT_FIELDS = {
    "integrationsziel": "Das Integrationsziel",
    "teilschritte": "Die Teilschritte und Zwischenziele",
    "leistungen_jobcenter": "Die Leistungen des Jobcenters",
    "bemuehungen_kunde": "Die Bemühungen der Kundin / des Kunden",
    "angebote_dritter": "Die Angebote anderer Leistungsträger",
}


def teilschritte_vorlage(strategien: list[str], catalogue: Catalogue) -> str:
    """One line per strategy, '- <Strategie>: ', for the caseworker to fill in the steps."""
    return "\n".join(f"- {catalogue.label(strategie_id)}: " for strategie_id in strategien)


def draft_egv(store: Store, profiling_id: str, *, actor: User) -> Egv:
    """A new, not yet stored EGV (revision 0) prefilled from the profiling: Integrationsziel, the chosen
    strategies (those of relevant Bedarfe and the übergreifende), one Teilschritt line per strategy, review
    date in three months. If the profiling already has an open EGV, that one is returned instead.

    Raises NotPermitted, NotFound, LifecycleError (the profiling's EGV is agreed: continue it instead).
    """
    require(actor, Permission.WORK_ON_CLIENTS)
    profiling = store.get(Profiling, profiling_id)
    client_for(store, profiling.client_id, actor=actor)
    existing = _newest(
        [e for e in store.list_for_client(Egv, profiling.client_id) if e.profiling_id == profiling_id]
    )
    if existing is not None:
        if existing.status == Status.OFFEN:
            record_read(store, existing, actor=actor)
            return existing
        raise LifecycleError(
            f"Für dieses Profiling ist die EGV (Fassung {existing.fassung}) bereits abgeschlossen. "
            "Bitte schreiben Sie sie fort."
        )
    catalogue = get_catalogue(store, profiling.catalogue_version)
    strategien = gewaehlte_strategien(profiling, catalogue)
    return Egv(
        id=new_id(),
        client_id=profiling.client_id,
        catalogue_version=profiling.catalogue_version,
        profiling_id=profiling.id,
        integrationsziel=profiling.integrationsziel,
        strategien=strategien,
        teilschritte=teilschritte_vorlage(strategien, catalogue),
        ueberpruefung_am=add_months(today(), REVIEW_MONTHS),
    )


def save_egv(store: Store, egv: Egv, *, actor: User) -> Egv:
    """Store an open EGV (revision 0: first save). Raises NotPermitted, NotFound, InvalidInput (with the
    field), RecordClosed (an agreed EGV is read-only), StaleRevision.
    """
    client_for(store, egv.client_id, actor=actor)
    profiling = store.get(Profiling, egv.profiling_id)
    if profiling.client_id != egv.client_id:
        raise InvalidInput(
            "Die EGV gehört zu einem Profiling einer anderen Kundin / eines anderen Kunden.",
            field="profiling_id",
        )
    stored = store.get(Egv, egv.id) if egv.revision else None
    egv = _validated(egv, get_catalogue(store, egv.catalogue_version), stored)
    if egv.revision == 0:
        return store.add(egv, actor=actor)
    return store.save(egv, actor=actor)


def egv_gaps(egv: Egv) -> list[str]:
    """What an EGV still needs before it can be agreed (closed), in plain German."""
    missing = []
    if not egv.integrationsziel.strip():
        missing.append("Integrationsziel fehlt")
    if not egv.strategien:
        missing.append("Es ist keine Handlungsstrategie vereinbart")
    if egv.ueberpruefung_am is None:
        missing.append("Datum der Überprüfung fehlt")
    return missing


def close_egv(store: Store, egv_id: str, *, revision: int, actor: User) -> Egv:
    """Close the stored open EGV: it is agreed (signed) and from then on read-only.

    Raises NotPermitted, NotFound, Incomplete (Integrationsziel, ≥ 1 strategy, review date), LifecycleError
    (already closed), StaleRevision (save first).
    """
    require(actor, Permission.WORK_ON_CLIENTS)
    egv = store.get(Egv, egv_id)
    client_for(store, egv.client_id, actor=actor)
    if egv.status != Status.OFFEN:
        raise LifecycleError("Diese EGV ist bereits abgeschlossen.")
    if missing := egv_gaps(egv):
        raise Incomplete(missing, subject="Die EGV")
    return store.close(Egv, egv_id, revision=revision, actor=actor)


def fortschreiben_egv(store: Store, egv_id: str, *, actor: User) -> Egv:
    """Continue an agreed EGV: a new stored open Fassung (fassung + 1, previous_id = the old one) with the
    copied content and a fresh review date; the previous Fassung stays readable and unchanged.

    Raises NotPermitted, NotFound, LifecycleError (still open: edit it; already continued).
    """
    require(actor, Permission.WORK_ON_CLIENTS)
    previous = store.get(Egv, egv_id)
    client_for(store, previous.client_id, actor=actor)
    if previous.status == Status.OFFEN:
        raise LifecycleError(
            "Diese EGV ist noch offen – bitte bearbeiten Sie sie direkt, statt sie fortzuschreiben."
        )
    successor = next(
        (e for e in store.list_for_client(Egv, previous.client_id) if e.previous_id == egv_id), None
    )
    if successor is not None:
        raise LifecycleError(
            f"Diese EGV wurde bereits fortgeschrieben (Fassung {successor.fassung}). Bitte schreiben Sie die "
            "neueste Fassung fort."
        )
    review = previous.ueberpruefung_am
    if review is None or review < today():
        review = add_months(today(), REVIEW_MONTHS)
    new = Egv(
        id=new_id(),
        client_id=previous.client_id,
        catalogue_version=previous.catalogue_version,
        profiling_id=previous.profiling_id,
        fassung=previous.fassung + 1,
        previous_id=previous.id,
        integrationsziel=previous.integrationsziel,
        strategien=list(previous.strategien),
        teilschritte=previous.teilschritte,
        leistungen_jobcenter=previous.leistungen_jobcenter,
        bemuehungen_kunde=previous.bemuehungen_kunde,
        angebote_dritter=previous.angebote_dritter,
        ueberpruefung_am=review,
    )
    return store.add(new, actor=actor)


def open_egv(store: Store, egv_id: str, *, actor: User) -> Egv:
    """One stored EGV Fassung; the access is audited ("gelesen"). Raises NotPermitted, NotFound."""
    require(actor, Permission.WORK_ON_CLIENTS)
    egv = store.get(Egv, egv_id)
    client_for(store, egv.client_id, actor=actor)
    record_read(store, egv, actor=actor)
    return egv


def egv_versions(store: Store, client_id: str, *, actor: User) -> list[Egv]:
    """All of the client's EGV Fassungen, newest first; the access is audited ("gelesen").

    Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    versions = sorted(store.list_for_client(Egv, client_id), key=lambda e: e.created_at, reverse=True)
    for egv in versions:
        record_read(store, egv, actor=actor)
    return versions


def egv_label(egv: Egv) -> str:
    """'Fassung 2 vom 24.11.2026 · offen' for a selection of versions."""
    return f"Fassung {egv.fassung} vom {format_date(egv.created_at)} · {egv.status}"


def _newest(egvs: list[Egv]) -> Egv | None:
    return max(egvs, key=lambda e: (e.fassung, e.created_at), default=None)


def _validated(egv: Egv, catalogue: Catalogue, stored: Egv | None) -> Egv:
    for field, title in TEXT_FIELDS.items():
        if len(getattr(egv, field)) > TEXT_MAX:
            raise InvalidInput(f"{title} darf höchstens {TEXT_MAX} Zeichen lang sein.", field=field)
    offered = catalogue.strategien()
    for strategie_id in egv.strategien:
        if strategie_id not in offered:
            raise InvalidInput(
                f"Die Handlungsstrategie „{strategie_id}“ gibt es in Katalogversion {catalogue.version} nicht.",
                field="strategien",
            )
    review: date | None = egv.ueberpruefung_am
    changed = stored is None or stored.ueberpruefung_am != review
    if review is not None and changed and review < today():
        raise InvalidInput(
            "Das Datum der Überprüfung darf nicht in der Vergangenheit liegen.", field="ueberpruefung_am"
        )
    return egv.model_copy(update={"strategien": list(dict.fromkeys(egv.strategien))})
