"""Gesprächsvorbereitung (seed 4.4): before a Folgegespräch with a client whose strategies include one the
catalogue lists under `gespraechsvorbereitung.strategien` (placement into work or training), the caseworker runs a
Stellensuchlauf in the job exchange over the client's search profile (Basisprofil: Zielberuf + Kompetenzen).

The product prepares the search profile (text to copy, CSV to import) and records each search's result; it has no
connection to a job exchange. A connector would read `suchprofil` / `suchprofil_csv` and call
`record_stellensuchlauf` with what the exchange returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dates import today
from errors import InvalidInput
from schemas.catalogue import Catalogue
from schemas.records import Profiling, Status, Stellensuchlauf, User, max_chars
from schemas.text import refuse_unprintable_fields
from services.catalogue import get_catalogue
from services.clients import client_for, list_read, new_id, record_read
from services.profiling import basisprofil, gewaehlte_strategien
from services.safety import to_csv
from storage.base import Store

ANGEBOTE_MAX = 10000
CSV_HEADER = ("Zielberuf", "Kompetenz")


@dataclass(frozen=True)
class Vorbereitung:
    """The preparation block of the Folgegespräch page; `angeboten` False: the client has none of the strategies."""

    angeboten: bool
    strategien: list[str]  # labels of the client's strategies that call for it
    suchprofil: str  # "Zielberuf: … · Kompetenzen: …" ("" without a closed profiling)
    zielberuf: str
    kompetenzen: list[str]
    letzter_suchlauf: date | None


def vorbereitung(store: Store, client_id: str, *, actor: User) -> Vorbereitung:
    """The preparation for the client's next talk from the newest closed profiling (the last Standortbestimmung).

    Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    closed = [p for p in store.list_for_client(Profiling, client_id) if p.status == Status.ABGESCHLOSSEN]
    profiling = max(closed, key=lambda p: p.created_at, default=None)
    letzter = max((s.datum for s in store.list_for_client(Stellensuchlauf, client_id)), default=None)
    if profiling is None:
        return Vorbereitung(False, [], "", "", [], letzter)
    record_read(store, profiling, actor=actor)
    catalogue = get_catalogue(store, profiling.catalogue_version)
    treffer = [catalogue.label(s) for s in gewaehlte_strategien(profiling, catalogue) if s in _marked(catalogue)]
    return Vorbereitung(bool(treffer), treffer, basisprofil(profiling), profiling.zielberuf,
                        list(profiling.kompetenzen), letzter)


def suchprofil_csv(vorbereitung: Vorbereitung) -> str:
    """The search profile as CSV (one line per Kompetenz; the Zielberuf on each), cells made safe for spreadsheets."""
    rows = [(vorbereitung.zielberuf, k) for k in vorbereitung.kompetenzen] or [(vorbereitung.zielberuf, "")]
    return to_csv(CSV_HEADER, rows)


def record_stellensuchlauf(store: Store, client_id: str, *, suchprofil: str, angebote: int, uebergeben: str,
                           datum: date | None = None, actor: User) -> Stellensuchlauf:
    """Record the result of a Stellensuchlauf (offers found, which were handed over).

    Raises NotPermitted, NotFound, InvalidInput (at its field: date in the future, offers outside 0–10000, text too
    long,).
    """
    client_for(store, client_id, actor=actor)
    datum = datum or today()
    if datum > today():
        raise InvalidInput("Das Datum des Stellensuchlaufs darf nicht in der Zukunft liegen.", field="datum")
    if isinstance(angebote, bool) or not isinstance(angebote, int) or not 0 <= angebote <= ANGEBOTE_MAX:
        raise InvalidInput(f"Die Zahl der Angebote liegt zwischen 0 und {ANGEBOTE_MAX}.", field="angebote")
    if len(uebergeben) > (limit := max_chars(Stellensuchlauf, "uebergeben")) or len(suchprofil) > limit:
        raise InvalidInput(f"Der Text darf höchstens {limit} Zeichen lang sein.", field="uebergeben")
    lauf = Stellensuchlauf(id=new_id(), client_id=client_id, datum=datum, suchprofil=suchprofil,
                           angebote=angebote, uebergeben=uebergeben.strip())
    refuse_unprintable_fields(lauf)
    return store.add(lauf, actor=actor)


def list_stellensuchlaeufe(store: Store, client_id: str, *, actor: User) -> list[Stellensuchlauf]:
    """The client's documented searches, newest first; the access is audited. Raises NotPermitted, NotFound."""
    return list_read(store, Stellensuchlauf, client_id, actor=actor, by="datum")


def _marked(catalogue: Catalogue) -> set[str]:
    return set(catalogue.gespraechsvorbereitung.strategien) if catalogue.gespraechsvorbereitung else set()
