"""Document use cases: the PDFs of the 4-Phasen-Modell (EGV, Einverständniserklärung, Profiling-Ausdruck, Auskunft).

Every use case checks the role (services.access) and the team, maps stored records onto the plain input data
of `documents.data` with the labels of the record's OWN catalogue version, and renders with `documents`.

Decisions documented here:
- EGV / Kooperationsplan: title, legal reference, sections and signature lines come from the `vereinbarung`
  block of the EGV's own catalogue version. Each section names the EGV field it shows (`feld`, validated on
  load: integrationsziel, handlungsstrategien = the strategy labels as a list, teilschritte, zwischenziel,
  leistungen_jobcenter, bemuehungen_kunde, angebote_dritter, sonstiges), so a Kooperationsplan is a data
  change. Exactly the sections not retired (`ausgesondert`) are printed, in catalogue order, like on the page.
- The date of a Fassung is the day it was agreed (closed, Europe/Berlin); an open Fassung prints today's
  date. A Fortschreibung names the previous Fassung with the day that one was agreed. The IFK printed is
  the one who agreed the Fassung (closed_by), else who last edited it, else the acting user.
- Handed-out copies: `egv_pdf` of a CLOSED EGV is the copy the client receives. It is stored as a
  `Document` (kind "egv") with the record revision it was made from, once per revision; every later
  download returns the stored bytes unchanged, so "what the client received" can be shown and re-printed
  exactly (`handed_out_documents`). An OPEN EGV prints as a draft: every page is marked "Entwurf … nicht zur
  Unterschrift", the file name starts with "<Kurzname>-Entwurf", and nothing is stored.
- Every print is audited: "ausgehändigt" (closed EGV, every download), "Entwurf gedruckt" (open EGV),
  "Einverständniserklärung gedruckt", "gedruckt" (profiling print for the file); a stored handed-out copy is
  also "angelegt" by the store. The consent form is not stored (the signed paper goes into the file).
- Profiling-Ausdruck: KDN-Fachbetreuung only; labels and status from the record's own catalogue version;
  strategies are printed for relevant Handlungsbedarfe only (kept strategies of a Bedarf no longer marked
  relevant count nowhere, see services.profiling).
- Auskunft: "Auskunft erteilt" is audited BEFORE the content is gathered, so the Auskunft lists its own
  access. The access log names the office and role ("Jobcenter X – Integrationsfachkraft (Team 1)"), never a
  staff member or user name (CJEU C-579/21); for the same reason no record field that holds a user name is
  exported. The JSON export is built from the very same fields as the PDF (dates ISO 8601, UTC for times).
- Fonts are parsed once per process on the first document (about 0.7 s); `warm_up()` does it in a
  background thread so that the first click does not wait.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import documents
from config import get_settings
from dates import format_date, format_datetime, to_berlin, today
from documents.data import (
    Abschnitt,
    AuskunftDaten,
    BedarfZeile,
    Datensatz,
    EgvDaten,
    EinverstaendnisDaten,
    Fachkraft,
    Feld,
    FoerderCheckDaten,
    HandlungsfeldBlock,
    Kunde,
    ProfilingDaten,
    Vereinbarungsvorlage,
    Zugriff,
)
from errors import LifecycleError, NotFound, NotPermitted
from schemas.audit import AuditAction
from schemas.catalogue import Catalogue
from schemas.records import (
    AuditEntry,
    Beschaeftigungsaufnahme,
    Client,
    Document,
    Egv,
    Folgegespraech,
    Massnahme,
    Neuorientierung,
    Profiling,
    Role,
    Status,
    Stellensuchlauf,
    User,
    utcnow,
)
from services import audit_log
from services.access import SYSTEM, Permission, allowed, require, require_client
from services.catalogue import get_catalogue
from services.clients import new_id
from services.profiling import gewaehlte_strategien, kompetenzen_nach_klassen
from storage.base import Store

EGV_FELDER = (
    "integrationsziel",
    "handlungsstrategien",
    "teilschritte",
    "zwischenziel",
    "leistungen_jobcenter",
    "bemuehungen_kunde",
    "angebote_dritter",
    "sonstiges",
)

NUR_KDN = "Profilings druckt nur die KDN-Fachbetreuung (Ausdruck für die Akte)."

ROLLEN_STELLE: dict[str, str] = {
    Role.IFK: "Integrationsfachkraft",
    Role.KDN: "KDN-Fachbetreuung",
    Role.TRAINER: "Trainerin / Trainer",
    Role.FACHAUFSICHT: "Fachaufsicht",
}

#: Why an action happens, for the "Anlass / Zweck" column of the Auskunft.
ZWECK_DER_AKTION: dict[str, str] = {
    "angelegt": "Beratungsgespräch (Dokumentation)",
    "gespeichert": "Beratungsgespräch (Dokumentation)",
    "abgeschlossen": "Beratungsgespräch (Ergebnis festgehalten)",
    "verworfen": "Beratungsgespräch (Entwurf verworfen)",
    "gelesen": "Integrationsarbeit (Beratung, Vorbereitung, Nachhalten)",
    AuditAction.GEDRUCKT: "Ausdruck für die Akte",
    AuditAction.AUSGEHAENDIGT: "Aushändigung an Sie",
    AuditAction.ENTWURF_GEDRUCKT: "Entwurf zur Besprechung mit Ihnen",
    AuditAction.EINVERSTAENDNIS_GEDRUCKT: "Einverständniserklärung zur Unterschrift",
    AuditAction.AUSKUNFT_ERTEILT: "Ihr Auskunftsersuchen (Art. 15 DSGVO)",
}

_fonts_started = threading.Lock()
_fonts_thread: threading.Thread | None = None


def warm_up() -> None:
    """Parse the PDF fonts in a background thread (once per process) so the first print does not wait."""
    global _fonts_thread
    with _fonts_started:
        if _fonts_thread is None:
            _fonts_thread = threading.Thread(target=documents.preload_fonts, name="pdf-fonts", daemon=True)
            _fonts_thread.start()


# --- Einverständniserklärung -------------------------------------------------------------------------


def einverstaendnis_pdf(store: Store, profiling_id: str, *, actor: User) -> tuple[str, bytes]:
    """The consent form of a profiling (client, IFK, Integrationsziel, date), ready to sign; audited.

    The date is the consent date recorded in the profiling, else today. Returns (file name, PDF bytes).
    Raises NotPermitted (role or another team), NotFound.
    """
    require(store, actor, Permission.PRINT_CLIENT_DOCUMENTS)
    profiling = store.get(Profiling, profiling_id)
    client = _client(store, profiling.client_id, actor, Permission.PRINT_CLIENT_DOCUMENTS)
    datum = profiling.einverstaendnis_datum or today()
    catalogue = get_catalogue(store, profiling.catalogue_version)
    pdf = documents.render_einverstaendnis(
        EinverstaendnisDaten(
            jobcenter=_jobcenter(),
            kunde=_kunde(client),
            fachkraft=_fachkraft(store, actor, actor.username),
            datum=datum,
            integrationsziel=profiling.integrationsziel,
            vereinbarung=catalogue.vereinbarung.titel,
            einschaetzungen=tuple(g.einverstaendnis or f"die {g.label}," for g in catalogue.einschaetzungen()),
        )
    )
    _audit(
        store,
        actor,
        AuditAction.EINVERSTAENDNIS_GEDRUCKT,
        "Profiling",
        profiling.id,
        client.id,
        profiling.catalogue_version,
    )
    return einverstaendnis_filename(profiling, client.kundennummer), pdf


def einverstaendnis_filename(profiling: Profiling, kundennummer: str) -> str:
    """The consent form's file name (known before it is made, so a download button can be drawn first)."""
    return documents.pdf_filename("Einverstaendniserklaerung", kundennummer, profiling.einverstaendnis_datum or today())


# --- EGV / Kooperationsplan --------------------------------------------------------------------------


def egv_pdf(store: Store, egv_id: str, *, actor: User) -> tuple[str, bytes]:
    """The EGV (or Kooperationsplan) of one Fassung as PDF. Returns (file name, PDF bytes).

    A closed (agreed) Fassung: the copy handed out to the client, stored once per record revision and
    returned unchanged on every later call. An open Fassung: a draft marked "Entwurf" on every page, not
    stored. Raises NotPermitted (role or another team), NotFound.
    """
    require(store, actor, Permission.PRINT_CLIENT_DOCUMENTS)
    egv = store.get(Egv, egv_id)
    client = _client(store, egv.client_id, actor, Permission.PRINT_CLIENT_DOCUMENTS)
    if egv.status == Status.ABGESCHLOSSEN:
        document = _hand_out(store, egv, client, actor)
        return document.filename, document.pdf
    filename, pdf = _render_egv(store, egv, client, actor, entwurf=True)
    _audit(store, actor, AuditAction.ENTWURF_GEDRUCKT, "EGV", egv.id, client.id, egv.catalogue_version)
    return filename, pdf


def hand_out_egv(store: Store, egv_id: str, *, actor: User) -> Document:
    """Store (or find) the copy of a closed EGV Fassung handed out to the client, with its record revision.

    The copy is made once per revision; a later call returns the stored one. Raises NotPermitted, NotFound,
    LifecycleError (an open EGV is printed as a draft only).
    """
    require(store, actor, Permission.PRINT_CLIENT_DOCUMENTS)
    egv = store.get(Egv, egv_id)
    client = _client(store, egv.client_id, actor, Permission.PRINT_CLIENT_DOCUMENTS)
    if egv.status != Status.ABGESCHLOSSEN:
        raise LifecycleError(
            "Eine offene EGV wird nur als Entwurf gedruckt. Ausgehändigt wird sie, wenn sie abgeschlossen "
            "(vereinbart) ist."
        )
    return _hand_out(store, egv, client, actor)


def handed_out_documents(store: Store, client_id: str, *, actor: User) -> list[Document]:
    """The documents handed out to a client (with the record revision each was made from), newest first.

    Raises NotPermitted (role or another team), NotFound.
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    _client(store, client_id, actor, Permission.WORK_ON_CLIENTS)
    handed_out = _documents(store, client_id)
    audit_log.list_viewed(store, (d.id for d in handed_out), actor=actor, record_kind="Dokument",
                          view="Ausgehändigte Dokumente", client_id=client_id)
    return handed_out


def egv_feldinhalte(egv: Egv, catalogue: Catalogue) -> dict[str, str | list[str]]:
    """The content of every EGV field a section can show (`EGV_FELDER`); the strategies as labels."""
    return {feld: [catalogue.label(s) for s in egv.strategien] if feld == "handlungsstrategien"
            else getattr(egv, feld) for feld in EGV_FELDER}


def egv_inhalte(egv: Egv, catalogue: Catalogue) -> dict[str, str | list[str]]:
    """The content of every section the agreement shows (not retired), by section id, from its `feld`."""
    felder = egv_feldinhalte(egv, catalogue)
    return {abschnitt.id: felder.get(abschnitt.feld, "") for abschnitt in catalogue.vereinbarung.angeboten()}


def _hand_out(store: Store, egv: Egv, client: Client, actor: User) -> Document:
    stored = next(
        (
            d
            for d in store.list_for_client(Document, client.id)
            if d.kind == "egv" and d.record_id == egv.id and d.record_revision == egv.revision
        ),
        None,
    )
    if stored is None:
        filename, pdf = _render_egv(store, egv, client, actor, entwurf=False)
        stored = store.add(
            Document(
                id=new_id(),
                client_id=client.id,
                kind="egv",
                record_id=egv.id,
                record_revision=egv.revision,
                filename=filename,
                pdf=pdf,
            ),
            actor=actor,
        )
    _audit(store, actor, AuditAction.AUSGEHAENDIGT, "EGV", egv.id, client.id, egv.catalogue_version)
    return stored


def _render_egv(store: Store, egv: Egv, client: Client, actor: User, *, entwurf: bool) -> tuple[str, bytes]:
    catalogue = get_catalogue(store, egv.catalogue_version)
    vereinbarung = catalogue.vereinbarung
    vorlage = Vereinbarungsvorlage(
        kurzname=vereinbarung.kurzname,
        titel=vereinbarung.titel,
        rechtsgrundlage=vereinbarung.rechtsgrundlage,
        unterschriften=vereinbarung.unterschriften,
        abschnitte=tuple(Abschnitt(a.id, a.label) for a in vereinbarung.angeboten()),
    )
    datum = _fassung_datum(egv)
    vorherige = None
    if egv.fassung > 1:
        previous = _get_or_none(store, egv.previous_id)
        # A KDN may have deleted the previous Fassung; the Fortschreibung was made from it on its creation day.
        vorherige = _fassung_datum(previous) if previous is not None else to_berlin(egv.created_at).date()
    agreed_by = egv.closed_by or egv.updated_by or egv.created_by
    pdf = documents.render_egv(
        EgvDaten(
            jobcenter=_jobcenter(),
            vorlage=vorlage,
            kunde=_kunde(client),
            fachkraft=_fachkraft(store, actor, agreed_by),
            datum=datum,
            inhalte=egv_inhalte(egv, catalogue),
            basisprofil=_egv_basisprofil(store, egv, catalogue),
            fassung=egv.fassung,
            vorherige_fassung_datum=vorherige,
            ueberpruefung_am=egv.ueberpruefung_am,
            entwurf=entwurf,
        )
    )
    return egv_filename(egv, vereinbarung.kurzname, client.kundennummer), pdf


def egv_filename(egv: Egv, kurzname: str, kundennummer: str) -> str:
    """The file name of a Fassung's PDF: "EGV_…" when agreed, "EGV-Entwurf_…" while open (drawn before it is made)."""
    kind = kurzname if egv.status == Status.ABGESCHLOSSEN else f"{kurzname}-Entwurf"
    return documents.pdf_filename(kind, kundennummer, _fassung_datum(egv))


def _egv_basisprofil(store: Store, egv: Egv, catalogue: Catalogue) -> tuple[tuple[str, str | tuple[str, ...]], ...]:
    """Zielberuf and Kompetenzen by class from the agreement's profiling, where the catalogue has Kompetenzklassen
    (the shipped catalogue's agreement prints no Basisprofil)."""
    if not catalogue.kompetenzklassen:
        return ()
    try:
        profiling = store.get(Profiling, egv.profiling_id)
    except NotFound:  # deleted by a KDN after a data-protection incident
        return ()
    return (("Zielberuf", profiling.zielberuf),
            *((titel, tuple(werte)) for titel, werte in kompetenzen_nach_klassen(profiling, catalogue)))


def _fassung_datum(egv: Egv) -> date:
    if egv.status == Status.ABGESCHLOSSEN and egv.closed_at is not None:
        return to_berlin(egv.closed_at).date()
    return today()


def _get_or_none(store: Store, egv_id: str | None) -> Egv | None:
    if not egv_id:
        return None
    try:
        return store.get(Egv, egv_id)
    except NotFound:
        return None


# --- Profiling-Ausdruck ------------------------------------------------------------------------------


def profiling_print_pdf(store: Store, profiling_id: str, *, actor: User) -> tuple[str, bytes]:
    """The print of one profiling for the file (Akte), with its own catalogue version and status; audited.

    KDN-Fachbetreuung only. Returns (file name, PDF bytes). Raises NotPermitted (every other role), NotFound.
    """
    if not allowed(actor, Permission.PRINT_PROFILING):
        raise NotPermitted(NUR_KDN)
    profiling = store.get(Profiling, profiling_id)
    client = _client(store, profiling.client_id, actor, Permission.PRINT_PROFILING)
    catalogue = get_catalogue(store, profiling.catalogue_version)
    names = _Names(store)
    now = utcnow()
    check = profiling.foerder_check
    pdf = documents.render_profiling_print(
        ProfilingDaten(
            jobcenter=_jobcenter(),
            kunde=_kunde(client),
            status=str(profiling.status),
            katalog_version=profiling.catalogue_version,
            erstellt_am=profiling.created_at,
            bearbeitet_am=profiling.updated_at,
            erstellt_von=names.display(profiling.created_by),
            bearbeitet_von=names.display(profiling.updated_by),
            abgeschlossen_am=profiling.closed_at,
            abgeschlossen_von=names.display(profiling.closed_by or ""),
            zielberuf=profiling.zielberuf,
            kompetenzen=tuple(profiling.kompetenzen),
            kompetenzklassen=tuple((titel, tuple(werte)) for titel, werte in kompetenzen_nach_klassen(profiling, catalogue))
            if catalogue.kompetenzklassen else (),
            handlungsfelder=_handlungsfelder(profiling, catalogue),
            einschaetzung=tuple((g.label, _label(catalogue, entry_id)) for g, entry_id in (
                (catalogue.integrationsprognose, profiling.integrationsprognose),
                (catalogue.profillagen, profiling.profillage)) if g.vorhanden),
            integrationsziel=profiling.integrationsziel,
            einverstaendnis=profiling.einverstaendnis,
            einverstaendnis_datum=profiling.einverstaendnis_datum,
            uebergreifend=tuple(catalogue.label(s) for s in profiling.uebergreifend),
            uebergreifend_titel=catalogue.uebergreifend.label,
            foerder_check=FoerderCheckDaten(
                geplant=profiling.foerderung_geplant,
                massnahme=check.massnahme,
                passgenau=check.passgenau,
                erfolgswahrscheinlich=check.erfolgswahrscheinlich,
                wirtschaftlich=check.wirtschaftlich,
                begruendung=check.begruendung,
            ),
            ausgedruckt_am=now,
            ausgedruckt_von=actor.display_name,
        )
    )
    _audit(store, actor, AuditAction.GEDRUCKT, "Profiling", profiling.id, client.id, profiling.catalogue_version)
    return profiling_print_filename(profiling, client.kundennummer), pdf


def profiling_print_filename(profiling: Profiling, kundennummer: str) -> str:
    """The profiling print's file name, dated the day of the Standortbestimmung (drawn before it is made)."""
    return documents.pdf_filename("Profiling", kundennummer, to_berlin(profiling.created_at).date())


def _handlungsfelder(profiling: Profiling, catalogue: Catalogue) -> tuple[HandlungsfeldBlock, ...]:
    blocks = []
    for feld in catalogue.handlungsfelder:
        zeilen = []
        for bedarf in feld.handlungsbedarfe:
            eintrag = profiling.handlungsbedarfe.get(bedarf.id)
            if eintrag is None and bedarf.ausgesondert:
                continue  # retired and never used by this record
            relevant = eintrag is not None and eintrag.relevant
            picked = set(profiling.strategien.get(bedarf.id, [])) if relevant else set()
            zeilen.append(
                BedarfZeile(
                    label=bedarf.label,
                    relevant=relevant,
                    bemerkungen=eintrag.bemerkungen if eintrag else "",
                    strategien=tuple(s.label for s in bedarf.handlungsstrategien if s.id in picked),
                )
            )
        blocks.append(HandlungsfeldBlock(label=feld.label, bedarfe=tuple(zeilen)))
    return tuple(blocks)


# --- Auskunft ----------------------------------------------------------------------------------------


def auskunft(store: Store, client_id: str, *, actor: User) -> tuple[str, bytes, str, bytes]:
    """Everything stored about one client, why, for whom and who accessed it, as PDF and as JSON.

    The action is audited ("Auskunft erteilt") before the content is gathered, so it lists itself. The access
    log names offices and roles, never staff. Returns (PDF file name, PDF bytes, JSON file name, JSON bytes).
    Raises NotPermitted (role or another team), NotFound.
    """
    require(store, actor, Permission.EXPORT_AUSKUNFT)
    client = _client(store, client_id, actor, Permission.EXPORT_AUSKUNFT)
    store.audit_append(
        actor=actor, action=AuditAction.AUSKUNFT_ERTEILT, record_kind="Kunde", record_id=client.id, client_id=client.id
    )
    daten = _auskunft_daten(store, client)
    pdf = documents.render_auskunft(daten)
    pdf_name, json_name = auskunft_filenames(client.kundennummer, daten.datum)
    return pdf_name, pdf, json_name, auskunft_json(daten)


def auskunft_filenames(kundennummer: str, datum: date | None = None) -> tuple[str, str]:
    """(PDF, JSON) file names of an Auskunft made on `datum` (default: today)."""
    pdf_name = documents.pdf_filename("Auskunft", kundennummer, datum or today())
    return pdf_name, pdf_name.removesuffix(".pdf") + ".json"


def auskunft_json(daten: AuskunftDaten) -> bytes:
    """The Auskunft as JSON (UTF-8, umlauts as they are, dates ISO 8601) with the same content as the PDF."""
    content = {
        "titel": "Auskunft über Ihre gespeicherten Daten (Art. 15 DSGVO, § 83 SGB X)",
        "jobcenter": daten.jobcenter,
        "datum": daten.datum.isoformat(),
        "kunde": {
            "name": daten.kunde.name,
            "kundennummer": daten.kunde.kundennummer,
            "geburtsdatum": _json_value(daten.kunde.geburtsdatum),
        },
        "zwecke": list(daten.zwecke),
        "empfaenger": list(daten.empfaenger),
        "herkunft": daten.herkunft,
        "stammdaten": {feld.label: _json_value(feld.wert) for feld in daten.stammdaten},
        "datensaetze": [
            {"titel": d.titel, "felder": {feld.label: _json_value(feld.wert) for feld in d.felder}}
            for d in daten.datensaetze
        ],
        "zugriffe": [
            {
                "zeitpunkt": _json_value(z.zeitpunkt),
                "stelle": z.stelle,
                "aktion": z.aktion,
                "datensatz": z.datensatz,
                "zweck": z.zweck,
            }
            for z in daten.zugriffe
        ],
    }
    return json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8")


def _auskunft_daten(store: Store, client: Client) -> AuskunftDaten:
    jobcenter = _jobcenter()
    profilings = sorted(store.list_for_client(Profiling, client.id), key=lambda p: p.created_at, reverse=True)
    egvs = sorted(
        store.list_for_client(Egv, client.id), key=lambda e: (e.created_at, e.fassung), reverse=True
    )
    talks = sorted(
        store.list_for_client(Folgegespraech, client.id), key=lambda g: (g.datum, g.created_at), reverse=True
    )
    handed_out = _documents(store, client.id)
    teams = _Teams(store)
    titles: dict[str, str] = {client.id: "Stammdaten"}
    datensaetze: list[Datensatz] = []
    for profiling in profilings:
        titel = f"Profiling vom {format_datetime(profiling.created_at)} ({profiling.status})"
        titles[profiling.id] = f"Profiling vom {format_datetime(profiling.created_at)}"
        datensaetze.append(
            Datensatz(titel, _profiling_felder(profiling, get_catalogue(store, profiling.catalogue_version)))
        )
    for egv in egvs:
        catalogue = get_catalogue(store, egv.catalogue_version)
        name = catalogue.vereinbarung.kurzname
        titles[egv.id] = f"{name} Fassung {egv.fassung} vom {format_date(egv.created_at)}"
        datensaetze.append(Datensatz(f"{titles[egv.id]} ({egv.status})", _egv_felder(egv, catalogue)))
    for talk in talks:
        titles[talk.id] = f"Folgegespräch vom {format_date(talk.datum)}"
        datensaetze.append(
            Datensatz(
                titles[talk.id], _folgegespraech_felder(talk, get_catalogue(store, talk.catalogue_version))
            )
        )
    datensaetze += _verlauf_datensaetze(store, client.id, titles)
    for document in handed_out:
        titles[document.id] = f"Dokument {document.filename}"
    if handed_out:
        datensaetze.append(
            Datensatz(
                "An Sie ausgehändigte Dokumente",
                tuple(
                    Feld(
                        d.filename,
                        f"ausgehändigt am {format_datetime(d.created_at)}, erstellt aus "
                        f"{titles.get(d.record_id, 'einem gelöschten Datensatz')} (Bearbeitungsstand {d.record_revision})",
                    )
                    for d in handed_out
                ),
            )
        )
    return AuskunftDaten(
        jobcenter=jobcenter,
        kunde=_kunde(client),
        datum=today(),
        stammdaten=(
            Feld("Kundennummer", client.kundennummer),
            Feld("Vorname", client.vorname),
            Feld("Nachname", client.nachname),
            Feld("Geburtsdatum", client.geburtsdatum),
            Feld("Betreuendes Team", client.team),
            Feld("Erfasst am", client.created_at),
        ),
        datensaetze=tuple(datensaetze),
        zugriffe=tuple(
            _zugriff(entry, jobcenter, teams, titles) for entry in store.audit_entries(client_id=client.id)
        ),
        empfaenger=_empfaenger(jobcenter, client, handed_out),
    )


def _profiling_felder(profiling: Profiling, catalogue: Catalogue) -> tuple[Feld, ...]:
    bedarfe = [
        f"{bedarf.label}" + (f": {eintrag.bemerkungen.strip()}" if eintrag.bemerkungen.strip() else "")
        for _, bedarf in catalogue.bedarfe()
        if (eintrag := profiling.handlungsbedarfe.get(bedarf.id)) is not None and eintrag.relevant
    ]
    check = profiling.foerder_check
    felder = [
        Feld("Status", str(profiling.status)),
        Feld("Katalogversion", profiling.catalogue_version),
        Feld("Angelegt am", profiling.created_at),
        Feld("Zuletzt bearbeitet am", profiling.updated_at),
        Feld("Abgeschlossen am", profiling.closed_at),
        Feld("Zielberuf", profiling.zielberuf),
        *(Feld(titel, werte) for titel, werte in kompetenzen_nach_klassen(profiling, catalogue)),
        Feld("Relevante Handlungsbedarfe (mit Bemerkungen)", bedarfe),
        *(Feld(g.label, _label(catalogue, entry_id)) for g, entry_id in (
            (catalogue.integrationsprognose, profiling.integrationsprognose),
            (catalogue.profillagen, profiling.profillage)) if g.vorhanden),
        Feld("Integrationsziel", profiling.integrationsziel),
        Feld("Einverständnis erklärt", profiling.einverstaendnis),
        Feld("Einverständnis am", profiling.einverstaendnis_datum),
        Feld("Einverständnis nicht erteilt", profiling.einverstaendnis_verweigert),
        Feld("Notiz zum nicht erteilten Einverständnis", profiling.einverstaendnis_notiz),
        Feld("Handlungsstrategien", [catalogue.label(s) for s in gewaehlte_strategien(profiling, catalogue)]),
        Feld("Förderung geplant", profiling.foerderung_geplant),
    ]
    felder += _neuorientierung_felder(profiling.neuorientierung)
    if profiling.foerderung_geplant or check.massnahme:
        felder += [
            Feld("Maßnahme", check.massnahme),
            Feld("Förder-Check: passgenau", check.passgenau),
            Feld("Förder-Check: erfolgswahrscheinlich", check.erfolgswahrscheinlich),
            Feld("Förder-Check: wirtschaftlich", check.wirtschaftlich),
            Feld("Förder-Check: Begründung", check.begruendung),
        ]
    return tuple(felder)


def _neuorientierung_felder(neu: Neuorientierung) -> list[Feld]:
    if neu == Neuorientierung():
        return []
    return [
        Feld("Alternativberuf", neu.alternativberuf),
        Feld("Ärztlicher/psychologischer Dienst eingeschaltet am", neu.dienst_datum),
        Feld("Ärztlicher/psychologischer Dienst nicht erforderlich", neu.dienst_begruendung if
             neu.dienst_nicht_erforderlich else None),
        Feld("An die BA als Reha-Trägerin verwiesen am", neu.reha_verweis_datum),
    ]


def _verlauf_datensaetze(store: Store, client_id: str, titles: dict[str, str]) -> list[Datensatz]:
    """The client's measures, job starts and job searches (issue 16) for the Auskunft."""
    found: list[Datensatz] = []
    for m in sorted(store.list_for_client(Massnahme, client_id), key=lambda m: m.beginn, reverse=True):
        catalogue = get_catalogue(store, m.catalogue_version)
        titles[m.id] = f"Maßnahme „{m.titel}“ ab {format_date(m.beginn)}"
        found.append(Datensatz(titles[m.id], (
            Feld("Träger", m.traeger), Feld("Beginn", m.beginn), Feld("Geplantes Ende", m.ende_geplant),
            Feld("Tatsächliches Ende", m.ende_tatsaechlich), Feld("Ergebnis", _label(catalogue, m.ergebnis)),
            Feld("Handlungsstrategie", _label(catalogue, m.strategie_id)), Feld("Gefördert", m.gefoerdert))))
    for b in sorted(store.list_for_client(Beschaeftigungsaufnahme, client_id), key=lambda b: b.datum, reverse=True):
        catalogue = get_catalogue(store, b.catalogue_version)
        titles[b.id] = f"Beschäftigungsaufnahme vom {format_date(b.datum)}"
        found.append(Datensatz(titles[b.id], (
            Feld("Arbeitgeber bzw. Ausbildungsstelle", b.arbeitgeber), Feld("Ausbildung", b.ausbildung),
            Feld("Wochenstunden", b.wochenstunden), Feld("Weiter auf Leistungen angewiesen", b.leistungen_weiter),
            Feld("Handlungsstrategien", [catalogue.label(s) for s in b.strategien]),
            Feld("Nachhalten am", b.nachhalten_am))))
    for lauf in sorted(store.list_for_client(Stellensuchlauf, client_id), key=lambda s: s.datum, reverse=True):
        titles[lauf.id] = f"Stellensuchlauf vom {format_date(lauf.datum)}"
        found.append(Datensatz(titles[lauf.id], (
            Feld("Suchprofil", lauf.suchprofil), Feld("Gefundene Angebote", lauf.angebote),
            Feld("Übergebene Angebote", lauf.uebergeben))))
    return found


def _egv_felder(egv: Egv, catalogue: Catalogue) -> tuple[Feld, ...]:
    inhalte = egv_feldinhalte(egv, catalogue)
    felder = [
        Feld("Status", str(egv.status)),
        Feld("Fassung", egv.fassung),
        Feld("Angelegt am", egv.created_at),
        Feld("Vereinbart am", egv.closed_at),
    ]
    shown = set()
    for abschnitt in catalogue.vereinbarung.abschnitte:
        if abschnitt.feld in inhalte and abschnitt.feld not in shown:
            shown.add(abschnitt.feld)
            felder.append(Feld(abschnitt.label, inhalte[abschnitt.feld]))
    # Everything stored is disclosed, also fields the template does not print.
    labels = {
        "handlungsstrategien": "Handlungsstrategien",
        "integrationsziel": "Integrationsziel",
        "teilschritte": "Teilschritte und Zwischenziele",
        "zwischenziel": "Zwischenziel",
        "leistungen_jobcenter": "Leistungen des Jobcenters",
        "bemuehungen_kunde": "Ihre Bemühungen",
        "angebote_dritter": "Angebote anderer Leistungsträger",
        "sonstiges": "Sonstiges",
    }
    felder += [Feld(labels[f], inhalte[f]) for f in EGV_FELDER if f not in shown]
    felder.append(Feld("Überprüfung am", egv.ueberpruefung_am))
    return tuple(felder)


def _folgegespraech_felder(talk: Folgegespraech, catalogue: Catalogue) -> tuple[Feld, ...]:
    aktivitaeten = [
        f"{catalogue.label(aid)}: {'erledigt' if eintrag.erledigt else 'entfällt' if eintrag.entfaellt else 'offen'}"
        + (f" – {eintrag.notiz.strip()}" if eintrag.notiz.strip() else "")
        for aid, eintrag in talk.aktivitaeten.items()
    ]
    return (
        Feld("Datum", talk.datum),
        Feld("Anliegen", talk.anliegen),
        Feld("Besprochen", aktivitaeten),
        Feld("Nächster Termin", talk.naechster_termin),
    )


#: Why a change of the case over the years happens (issue 14), by the start of its action.
ZWECK_NACH_ANFANG: dict[str, str] = {
    "Übergabe": "Zuständigkeitswechsel: ein anderes Team betreut Sie",
    "Stammdaten korrigiert": "Berichtigung Ihrer Stammdaten",
    "abgemeldet": "Ende der Betreuung (Abmeldung)",
    "wieder aufgenommen": "Wiederaufnahme der Betreuung",
}


def _zugriff(entry: AuditEntry, jobcenter: str, teams: _Teams, titles: dict[str, str]) -> Zugriff:
    action = entry.action.removesuffix(" (in Vertretung)")  # a deputy's work has the same purpose
    zweck = ZWECK_DER_AKTION.get(action) or next(
        (z for start, z in ZWECK_NACH_ANFANG.items() if action.startswith(start)), "Integrationsarbeit")
    if entry.record_kind == "Dokument" and entry.action == "angelegt":
        zweck = "Aushändigung an Sie (Kopie aufbewahrt)"
    if entry.reason:
        zweck = f"Korrektur durch die KDN-Fachbetreuung: {entry.reason}"
    datensatz = titles.get(entry.record_id) or f"{entry.record_kind} (nicht mehr gespeichert)"
    return Zugriff(
        zeitpunkt=entry.at,
        stelle=stelle(entry, jobcenter, teams.team(entry.actor)),
        aktion=entry.action,
        zweck=zweck,
        datensatz=datensatz,
    )


def stelle(entry: AuditEntry, jobcenter: str, team: str = "") -> str:
    """The office and role behind an audit entry, e.g. "Jobcenter X – Integrationsfachkraft (Team 1)";
    never the name of a staff member (CJEU C-579/21)."""
    if entry.actor == SYSTEM.username:
        return f"{jobcenter} – IT-Verfahren (automatisch)"
    rolle = ROLLEN_STELLE.get(entry.role, entry.role)
    return f"{jobcenter} – {rolle}" + (f" ({team})" if team and entry.role == Role.IFK else "")


def _empfaenger(jobcenter: str, client: Client, handed_out: Sequence[Document]) -> tuple[str, ...]:
    recipients = [
        f"{jobcenter}: die Integrationsfachkräfte des betreuenden Teams ({client.team})",
        f"{jobcenter}: die KDN-Fachbetreuung (fachliche Betreuung des Verfahrens, Korrekturen, Ausdruck für die Akte)",
    ]
    if handed_out:
        count = "1 ausgehändigtes Dokument" if len(handed_out) == 1 else f"{len(handed_out)} ausgehändigte Dokumente"
        recipients.append(f"Sie selbst: {count}, siehe „Gespeicherte Vorgänge“")
    recipients.append("Stellen außerhalb des Jobcenters: keine Übermittlung aus diesem Verfahren")
    return tuple(recipients)


# --- helpers -----------------------------------------------------------------------------------------


class _Names:
    """Display names of staff by user name, looked up once (only for the KDN's file print)."""

    def __init__(self, store: Store):
        self._store = store
        self._cache: dict[str, str] = {}

    def display(self, username: str) -> str:
        if not username:
            return ""
        if username not in self._cache:
            user = self._store.user_by_username(username)
            self._cache[username] = user.display_name if user else username
        return self._cache[username]


class _Teams:
    """Teams of staff by user name, looked up once per Auskunft."""

    def __init__(self, store: Store):
        self._store = store
        self._cache: dict[str, str] = {}

    def team(self, username: str) -> str:
        if username not in self._cache:
            user = self._store.user_by_username(username)
            self._cache[username] = user.team if user else ""
        return self._cache[username]


def _client(store: Store, client_id: str, actor: User, permission: Permission) -> Client:
    client = store.get(Client, client_id)
    require_client(store, actor, client, permission)
    return client


def _documents(store: Store, client_id: str) -> list[Document]:
    return sorted(store.list_for_client(Document, client_id), key=lambda d: d.created_at, reverse=True)


def _kunde(client: Client) -> Kunde:
    return Kunde(f"{client.vorname} {client.nachname}", client.kundennummer, client.geburtsdatum)


def _fachkraft(store: Store, actor: User, username: str) -> Fachkraft:
    user = store.user_by_username(username) if username and username != actor.username else actor
    user = user or actor
    return Fachkraft(user.display_name, user.team)


def _jobcenter() -> str:
    return get_settings().jobcenter_name


def _label(catalogue: Catalogue, entry_id: str | None) -> str:
    return catalogue.label(entry_id) if entry_id else ""


def _audit(
    store: Store, actor: User, action: AuditAction, kind: str, record_id: str, client_id: str, version: int
) -> None:
    store.audit_append(
        actor=actor,
        action=action,
        record_kind=kind,
        record_id=record_id,
        client_id=client_id,
        catalogue_version=version,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value == "":
        return None  # not filled in (the PDF prints "—")
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return [str(item) for item in value]
