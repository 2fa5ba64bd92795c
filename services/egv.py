"""EGV use cases (phase 4): draft from the profiling, save, close (agree), continue (Fortschreibung), versions.

Decisions documented here:
- An EGV belongs to one profiling and uses that profiling's catalogue version (labels, document template).
- `draft_egv` for a profiling that already has an EGV returns its newest open Fassung; if the newest is
  closed, it refuses and points to the Fortschreibung, so there is never a second parallel agreement.
- Only a closed (agreed) Fassung is continued, and only the newest of its chain; the new Fassung starts open
  with the previous content, and the previous one stays readable and unchanged.
- The review date must not lie in the past when it is first set or changed; a stored date that has passed
  since may stay.
- Which sections the agreement has, and which EGV field each shows (`feld`), is catalogue data
  (`vereinbarung.abschnitte`); the page and the PDF show the sections not retired, in catalogue order. Only the
  fields a section shows are prefilled and checked before closing.
- While an EGV is open its strategies follow the profiling's chosen strategies (`follow_profiling`); they are
  not edited in the EGV. It is agreed (closed) only from a closed profiling whose strategies it carries.
"""

from __future__ import annotations

from datetime import date

from dates import add_months, format_date, today
from errors import Incomplete, InvalidInput, LifecycleError, NotFound
from schemas.catalogue import Catalogue
from schemas.records import Egv, Profiling, Status, User, max_chars
from schemas.text import has_visible, refuse_unprintable_fields
from services.access import Permission, require
from services.catalogue import get_catalogue
from services.clients import client_for, new_id, record_read
from services.profiling import gewaehlte_strategien
from storage.base import Store

REVIEW_MONTHS = 3
#: The EGV text fields and their German names for messages.
TEXT_FIELDS = {
    "integrationsziel": "Das Integrationsziel",
    "teilschritte": "Die Teilschritte und Zwischenziele",
    "zwischenziel": "Das Zwischenziel",
    "leistungen_jobcenter": "Die Leistungen des Jobcenters",
    "bemuehungen_kunde": "Die Bemühungen der Kundin / des Kunden",
    "angebote_dritter": "Die Angebote anderer Leistungsträger",
    "sonstiges": "Der Text unter „Sonstiges“",
}
#: Text fields that must be filled before closing, where the agreement shows them.
PFLICHTFELDER = ("integrationsziel", "teilschritte", "bemuehungen_kunde")


def teilschritte_vorlage(strategien: list[str], catalogue: Catalogue) -> str:
    """One line per strategy, '- <Strategie>: ', for the caseworker to fill in the steps."""
    return "\n".join(f"- {catalogue.label(strategie_id)}: " for strategie_id in strategien)


def offene_vorlagezeilen(teilschritte: str, catalogue: Catalogue) -> list[str]:
    """Labels of the strategies whose template line ('- <Strategie>:') still stands with nothing after it."""
    vorlage = {f"- {entry.label}:": entry.label for entry in catalogue.strategien().values()}
    return [vorlage[line.strip()] for line in teilschritte.splitlines() if line.strip() in vorlage]


def draft_egv(store: Store, profiling_id: str, *, actor: User) -> Egv:
    """A new, not yet stored EGV (revision 0) prefilled from the profiling: Integrationsziel, the chosen
    strategies (those of relevant Bedarfe and the übergreifende), one Teilschritt line per strategy (if the
    agreement shows Teilschritte), review date in three months. If the profiling already has an open EGV, that
    one is returned instead, with the profiling's current strategies (`follow_profiling`).

    Raises NotPermitted, NotFound, LifecycleError (the profiling's EGV is agreed: continue it instead).
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    profiling = store.get(Profiling, profiling_id)
    client_for(store, profiling.client_id, actor=actor)
    catalogue = get_catalogue(store, profiling.catalogue_version)
    existing = _newest(
        [e for e in store.list_for_client(Egv, profiling.client_id) if e.profiling_id == profiling_id]
    )
    if existing is not None:
        if existing.status == Status.OFFEN:
            record_read(store, existing, actor=actor)
            return _with_strategies(existing, profiling, get_catalogue(store, existing.catalogue_version))
        raise LifecycleError(
            f"Für dieses Profiling ist {catalogue.vereinbarung.kurzname} Fassung {existing.fassung} bereits "
            "vereinbart (abgeschlossen). Bitte schreiben Sie die Vereinbarung fort (Fortschreibung)."
        )
    strategien = gewaehlte_strategien(profiling, catalogue)
    shows_teilschritte = any(a.feld == "teilschritte" for a in catalogue.vereinbarung.angeboten())
    return Egv(
        id=new_id(),
        client_id=profiling.client_id,
        catalogue_version=profiling.catalogue_version,
        profiling_id=profiling.id,
        integrationsziel=profiling.integrationsziel,
        strategien=strategien,
        teilschritte=teilschritte_vorlage(strategien, catalogue) if shows_teilschritte else "",
        ueberpruefung_am=add_months(today(), REVIEW_MONTHS),
    )


def follow_profiling(store: Store, egv: Egv, *, actor: User) -> tuple[Egv, Profiling | None]:
    """An open EGV with the chosen strategies of its profiling's stored state (unchanged if they agree, or if
    the EGV is closed), and that profiling (None if it was deleted). Nothing is stored.

    Raises NotPermitted, NotFound (client).
    """
    client_for(store, egv.client_id, actor=actor)
    profiling = _profiling_or_none(store, egv.profiling_id)
    if profiling is None or egv.status != Status.OFFEN:
        return egv, profiling
    return _with_strategies(egv, profiling, get_catalogue(store, egv.catalogue_version)), profiling


def ziel_abweichung(egv: Egv, profiling: Profiling | None) -> str | None:
    """The profiling's Integrationsziel if the EGV's differs from it (to offer taking it over), else None."""
    if profiling is None or not profiling.integrationsziel.strip():
        return None
    if profiling.integrationsziel.strip() == egv.integrationsziel.strip():
        return None
    return profiling.integrationsziel


def save_egv(store: Store, egv: Egv, *, actor: User) -> Egv:
    """Store an open EGV (revision 0: first save). Raises NotPermitted, NotFound, InvalidInput (with the
    field), RecordClosed (an agreed EGV is read-only), StaleRevision.
    """
    client_for(store, egv.client_id, actor=actor)
    profiling = store.get(Profiling, egv.profiling_id)
    if profiling.client_id != egv.client_id:
        raise InvalidInput(
            "Die Vereinbarung gehört zu einem Profiling einer anderen Kundin / eines anderen Kunden.",
            field="profiling_id",
        )
    stored = store.get(Egv, egv.id) if egv.revision else None
    egv = _validated(egv, get_catalogue(store, egv.catalogue_version), stored)
    refuse_unprintable_fields(egv)
    if egv.revision == 0:
        return store.add(egv, actor=actor)
    return store.save(egv, actor=actor)


def egv_gaps(egv: Egv, catalogue: Catalogue, profiling: Profiling | None = None) -> list[str]:
    """What an EGV still needs before it can be agreed (closed), in plain German. `catalogue` is the EGV's own
    version: only fields its agreement shows are checked. With its `profiling`: that profiling must be closed
    and carry the same strategies.
    """
    shown = {abschnitt.feld: abschnitt.label for abschnitt in catalogue.vereinbarung.angeboten()}
    missing = [f"„{shown[feld]}“ ist noch leer" for feld in PFLICHTFELDER
               if feld in shown and not has_visible(getattr(egv, feld))]
    if "teilschritte" in shown and (offen := offene_vorlagezeilen(egv.teilschritte, catalogue)):
        missing.append(f"„{shown['teilschritte']}“: Für " + ", ".join(f"„{label}“" for label in offen)
                       + " ist noch kein Schritt eingetragen")
    if not egv.strategien:
        missing.append("Es ist keine Handlungsstrategie vereinbart")
    if egv.ueberpruefung_am is None:
        missing.append("Datum der Überprüfung fehlt")
    if profiling is not None:
        if profiling.status == Status.OFFEN:
            missing.append("Das Profiling ist noch offen – bitte zuerst das Profiling abschließen")
        if set(egv.strategien) != set(gewaehlte_strategien(profiling, catalogue)):
            missing.append("Die Handlungsstrategien weichen vom Profiling ab – bitte die Vereinbarung erneut "
                           "speichern; sie übernimmt dann die Strategien des Profilings")
    return missing


def close_egv(store: Store, egv_id: str, *, revision: int, actor: User) -> Egv:
    """Close the stored open EGV: it is agreed (signed) and from then on read-only.

    Raises NotPermitted, NotFound, Incomplete (see `egv_gaps`: the fields shown, ≥ 1 strategy, review date, the
    profiling closed and with the same strategies), LifecycleError (already closed), StaleRevision (save first).
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    egv = store.get(Egv, egv_id)
    client_for(store, egv.client_id, actor=actor)
    catalogue = get_catalogue(store, egv.catalogue_version)
    name = f"{catalogue.vereinbarung.kurzname} Fassung {egv.fassung}"
    if egv.status != Status.OFFEN:
        raise LifecycleError(f"{name} ist bereits abgeschlossen.")
    profiling = _profiling_or_none(store, egv.profiling_id)
    missing = egv_gaps(egv, catalogue, profiling)
    if profiling is None:
        missing.append("Das Profiling dieser Vereinbarung ist gelöscht – bitte aus einem Profiling neu erstellen")
    if missing:
        raise Incomplete(missing, subject=name)
    return store.close(Egv, egv_id, revision=revision, actor=actor)


def fortschreiben_egv(store: Store, egv_id: str, *, actor: User) -> Egv:
    """Continue an agreed EGV: a new stored open Fassung (fassung + 1, previous_id = the old one) with the
    copied content and a fresh review date; the previous Fassung stays readable and unchanged.

    Raises NotPermitted, NotFound, LifecycleError (still open: edit it; already continued).
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    previous = store.get(Egv, egv_id)
    client_for(store, previous.client_id, actor=actor)
    name = f"{get_catalogue(store, previous.catalogue_version).vereinbarung.kurzname} Fassung {previous.fassung}"
    if previous.status == Status.OFFEN:
        raise LifecycleError(f"{name} ist noch offen – bitte bearbeiten Sie sie direkt, statt sie fortzuschreiben.")
    successor = next(
        (e for e in store.list_for_client(Egv, previous.client_id) if e.previous_id == egv_id), None
    )
    if successor is not None:
        raise LifecycleError(
            f"{name} wurde bereits fortgeschrieben (Fassung {successor.fassung}). Bitte schreiben Sie die "
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
        zwischenziel=previous.zwischenziel,
        leistungen_jobcenter=previous.leistungen_jobcenter,
        bemuehungen_kunde=previous.bemuehungen_kunde,
        angebote_dritter=previous.angebote_dritter,
        sonstiges=previous.sonstiges,
        ueberpruefung_am=review,
    )
    return store.add(new, actor=actor)


def open_egv(store: Store, egv_id: str, *, actor: User) -> Egv:
    """One stored EGV Fassung; the access is audited ("gelesen"). Raises NotPermitted, NotFound."""
    require(store, actor, Permission.WORK_ON_CLIENTS)
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


def _profiling_or_none(store: Store, profiling_id: str) -> Profiling | None:
    try:
        return store.get(Profiling, profiling_id)
    except NotFound:  # a KDN may have deleted a closed profiling with a reason
        return None


def _with_strategies(egv: Egv, profiling: Profiling, catalogue: Catalogue) -> Egv:
    strategien = gewaehlte_strategien(profiling, catalogue)
    if set(strategien) == set(egv.strategien):
        return egv
    return egv.model_copy(update={"strategien": strategien})


def _validated(egv: Egv, catalogue: Catalogue, stored: Egv | None) -> Egv:
    for field, title in TEXT_FIELDS.items():
        if len(getattr(egv, field)) > (limit := max_chars(Egv, field)):
            raise InvalidInput(f"{title} darf höchstens {limit} Zeichen lang sein.", field=field)
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
