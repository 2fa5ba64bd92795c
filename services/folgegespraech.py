"""Folgegespräch use cases (phase 4, chapter 4.4): prepare, record and list follow-up talks.

A Folgegespräch covers, besides the client's concern, at least the catalogue's four activities. It is complete
(vollständig) only when each activity is documented: discussed with a note, or marked "entfällt" with the reason
as its note. An incomplete talk is saved all the same (it stays offen, nothing typed is lost); the checklist and
a warning after saving name what is missing. It refers to the client's newest CLOSED
profiling (the last Standortbestimmung) and newest EGV. The suggested next step: continue the client's open
profiling if there is one (no second clone by mistake), else clone the newest closed one and update it
(`services.profiling.clone_profiling`); the Beratungsvermerk references the newest closed profiling.
"""

from __future__ import annotations

from dataclasses import dataclass

from dates import today
from errors import InvalidInput, NotFound
from schemas.catalogue import Catalogue
from schemas.records import AktivitaetEintrag, Egv, Folgegespraech, Profiling, Status, User, max_chars
from schemas.text import refuse_unprintable_fields
from services.catalogue import get_catalogue, latest_version
from services.clients import client_for, new_id, record_read
from services.profiling import beratungsvermerk
from storage.base import R, Store

NAECHSTER_SCHRITT = "Profiling klonen und aktualisieren"
OFFENES_WEITER = "Offenes Profiling weiterbearbeiten"


@dataclass(frozen=True)
class NaechsterSchritt:
    """What follows a Folgegespräch: `offen` (the newest open profiling) is continued if there is one, else
    `abgeschlossen` (the newest closed one) is cloned; no profiling at all: a first one is started."""

    offen: Profiling | None
    abgeschlossen: Profiling | None

    @property
    def beratungsvermerk(self) -> str | None:
        """"Standortbestimmung, siehe Profiling vom <Datum>" of the newest closed profiling, if there is one."""
        return beratungsvermerk(self.abgeschlossen) if self.abgeschlossen else None


def naechster_schritt(store: Store, client_id: str, *, actor: User) -> NaechsterSchritt:
    """The client's newest open and newest closed profiling (by creation); the access is audited.

    Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    profilings = store.list_for_client(Profiling, client_id)
    offen = _newest([p for p in profilings if p.status == Status.OFFEN])
    abgeschlossen = _newest([p for p in profilings if p.status == Status.ABGESCHLOSSEN])
    for profiling in (offen, abgeschlossen):
        if profiling is not None:
            record_read(store, profiling, actor=actor)
    return NaechsterSchritt(offen, abgeschlossen)


def aktivitaeten_luecken(gespraech: Folgegespraech, catalogue: Catalogue) -> list[str]:
    """What is missing before the talk is complete, one line per activity in plain German (empty: complete)."""
    gaps = []
    for aktivitaet in catalogue.folgegespraech.aktivitaeten:
        eintrag = gespraech.aktivitaeten.get(aktivitaet.id)
        if eintrag is None or _dokumentiert(eintrag):
            continue
        if eintrag.entfaellt:
            gaps.append(f"„{aktivitaet.label}“: Grund für „entfällt“ fehlt")
        elif eintrag.erledigt:
            gaps.append(f"„{aktivitaet.label}“: Notiz fehlt")
        else:
            gaps.append(f"„{aktivitaet.label}“: weder dokumentiert noch als „entfällt“ markiert")
    return gaps


def ist_vollstaendig(gespraech: Folgegespraech, catalogue: Catalogue) -> bool:
    """True when every activity is documented or marked "entfällt" with a reason."""
    return not aktivitaeten_luecken(gespraech, catalogue)


def aktivitaeten_warnung(gespraech: Folgegespraech, catalogue: Catalogue) -> str | None:
    """A warning (not a refusal) naming the activities still missing, else None."""
    if gaps := aktivitaeten_luecken(gespraech, catalogue):
        return ("Das Folgegespräch ist gespeichert, aber noch offen. Jedes Folgegespräch deckt mindestens die "
                f"{len(gespraech.aktivitaeten)} Aktivitäten ab – es fehlt: " + "; ".join(gaps))
    return None


def new_folgegespraech(store: Store, client_id: str, *, actor: User) -> Folgegespraech:
    """A new, not yet stored Folgegespräch dated today, with the activities of the catalogue version of the
    client's newest closed profiling (each not done) and links to that profiling and the newest EGV.

    Raises NotPermitted, NotFound (client; no catalogue published).
    """
    client_for(store, client_id, actor=actor)
    profiling = _newest([p for p in store.list_for_client(Profiling, client_id) if p.status == Status.ABGESCHLOSSEN])
    egv = _newest(store.list_for_client(Egv, client_id))
    number = profiling.catalogue_version if profiling else latest_version(store)
    catalogue = get_catalogue(store, number)
    return Folgegespraech(
        id=new_id(),
        client_id=client_id,
        catalogue_version=number,
        profiling_id=profiling.id if profiling else None,
        egv_id=egv.id if egv else None,
        datum=today(),
        aktivitaeten={
            a.id: AktivitaetEintrag() for a in catalogue.folgegespraech.aktivitaeten if not a.ausgesondert
        },
    )


def record_folgegespraech(store: Store, gespraech: Folgegespraech, *, actor: User) -> Folgegespraech:
    """Store a Folgegespräch (revision 0: first save, else an update of the stored one).

    Raises NotPermitted, NotFound, InvalidInput (datum in the future, naechster_termin not after datum, text
    too long, unknown activity, a linked profiling/EGV of another client), StaleRevision.
    """
    client_for(store, gespraech.client_id, actor=actor)
    catalogue = get_catalogue(store, gespraech.catalogue_version)
    gespraech = _validated(store, gespraech, catalogue)
    refuse_unprintable_fields(gespraech)
    if gespraech.revision == 0:
        return store.add(gespraech, actor=actor)
    return store.save(gespraech, actor=actor)


def list_folgegespraeche(store: Store, client_id: str, *, actor: User) -> list[Folgegespraech]:
    """The client's Folgegespräche, newest first (by date, then by entry); the access is audited.

    Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    talks = sorted(
        store.list_for_client(Folgegespraech, client_id), key=lambda g: (g.datum, g.created_at), reverse=True
    )
    for talk in talks:
        record_read(store, talk, actor=actor)
    return talks


def offene_aktivitaeten(gespraech: Folgegespraech, catalogue: Catalogue) -> list[str]:
    """Labels of the activities not yet documented (with a note) nor marked "entfällt" with a reason."""
    return [
        a.label
        for a in catalogue.folgegespraech.aktivitaeten
        if a.id in gespraech.aktivitaeten and not _dokumentiert(gespraech.aktivitaeten[a.id])
    ]


def _dokumentiert(eintrag: AktivitaetEintrag) -> bool:
    return bool(eintrag.notiz.strip()) and (eintrag.erledigt or eintrag.entfaellt)


def _newest(records: list[R]) -> R | None:
    return max(records, key=lambda r: r.created_at, default=None)


def _validated(store: Store, gespraech: Folgegespraech, catalogue: Catalogue) -> Folgegespraech:
    if gespraech.datum > today():
        raise InvalidInput("Das Datum des Folgegesprächs darf nicht in der Zukunft liegen.", field="datum")
    if gespraech.naechster_termin is not None and gespraech.naechster_termin <= gespraech.datum:
        raise InvalidInput(
            "Der nächste Termin muss nach dem Datum des Gesprächs liegen.", field="naechster_termin"
        )
    if len(gespraech.anliegen) > (limit := max_chars(Folgegespraech, "anliegen")):
        raise InvalidInput(
            f"Das Gesprächsanliegen darf höchstens {limit} Zeichen lang sein.", field="anliegen"
        )
    known = {a.id: a for a in catalogue.folgegespraech.aktivitaeten}
    for aktivitaet_id, eintrag in gespraech.aktivitaeten.items():
        if aktivitaet_id not in known:
            raise InvalidInput(
                f"Die Aktivität „{aktivitaet_id}“ gibt es in Katalogversion {catalogue.version} nicht.",
                field="aktivitaeten",
            )
        if eintrag.erledigt and eintrag.entfaellt:
            raise InvalidInput(
                f"„{known[aktivitaet_id].label}“ ist entweder besprochen oder entfällt – bitte nur eines wählen.",
                field=f"aktivitaeten.{aktivitaet_id}",
            )
        if len(eintrag.notiz) > (limit := max_chars(AktivitaetEintrag, "notiz")):
            raise InvalidInput(
                f"Die Notiz zu „{known[aktivitaet_id].label}“ darf höchstens {limit} Zeichen lang sein.",
                field=f"aktivitaeten.{aktivitaet_id}",
            )
    # Every offered activity is part of the checklist, even if the caller left one out.
    aktivitaeten = {
        a.id: gespraech.aktivitaeten.get(a.id, AktivitaetEintrag())
        for a in catalogue.folgegespraech.aktivitaeten
        if not a.ausgesondert or a.id in gespraech.aktivitaeten
    }
    for kind, linked_id, field in (
        (Profiling, gespraech.profiling_id, "profiling_id"),
        (Egv, gespraech.egv_id, "egv_id"),
    ):
        if linked_id is None:
            continue
        try:
            linked = store.get(kind, linked_id)
        except NotFound as exc:
            raise InvalidInput("Der verknüpfte Datensatz existiert nicht mehr.", field=field) from exc
        if linked.client_id != gespraech.client_id:
            raise InvalidInput(
                "Der verknüpfte Datensatz gehört zu einer anderen Kundin / einem anderen Kunden.", field=field
            )
    return gespraech.model_copy(update={"aktivitaeten": aktivitaeten})
