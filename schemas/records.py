"""The stored records of the 4-Phasen-Modell: clients, profilings, EGVs, Folgegespräche, users, audit entries.

Records are plain pydantic models without behaviour; the rules live in `services/`, the lifecycle and
immutability are enforced by `storage/`. Catalogue entries are referenced by their stable ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dates import utcnow  # also imported from here by the services


@dataclass(frozen=True)
class MaxChars:
    """The most characters a free text field may hold. Checked by the services, which name the field in a German
    message (`InvalidInput`), not by pydantic: a form keeps what was typed and older stored records still load."""

    limit: int


#: A free text of a profiling or Folgegespräch (notes, goal, reasons), and one section of an EGV.
FreiText = Annotated[str, MaxChars(5000)]
EgvText = Annotated[str, MaxChars(10000)]


def max_chars(model: type[BaseModel], field: str) -> int:
    """The `MaxChars` limit of `model.field` (KeyError or StopIteration for a field without one)."""
    return next(meta.limit for meta in model.model_fields[field].metadata if isinstance(meta, MaxChars))


class Role(StrEnum):
    IFK = "IFK"  # caseworker: clients of the own team
    KDN = "KDN-Fachbetreuung"  # application support: prints profilings, corrects closed ones, manages users
    TRAINER = "Trainer"  # maintains the catalogue; no client data
    FACHAUFSICHT = "Fachaufsicht"  # supervision: aggregate reports only


class Status(StrEnum):
    OFFEN = "offen"  # may be saved (also incomplete), closed or discarded
    ABGESCHLOSSEN = "abgeschlossen"  # frozen; only the KDN override may change or delete it


class Record(BaseModel):
    """Fields every stored record has. `revision` 0 means: not stored yet."""

    model_config = ConfigDict(extra="forbid")

    id: str
    revision: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = ""


class LifecycleRecord(Record):
    """A record with the lifecycle offen → abgeschlossen (profilings and EGVs)."""

    client_id: str
    catalogue_version: int
    status: Status = Status.OFFEN
    closed_at: datetime | None = None
    closed_by: str | None = None


class Client(Record):
    """A client (Kundin / Kunde): no more personal data than the process needs."""

    kundennummer: str
    vorname: str
    nachname: str
    geburtsdatum: date
    team: str
    #: Abmeldung (issue 14): the case ended on this date for a reason from the catalogue's list; None = active.
    abgemeldet_am: date | None = None
    abmeldegrund: str | None = None  # id of a catalogue Abmeldegrund
    abmeldung_notiz: str = ""  # required for "Sonstiges"; deleted with the client


class BedarfEintrag(BaseModel):
    """One Handlungsbedarf of a profiling: marked relevant, with the Standortbestimmung's notes."""

    model_config = ConfigDict(extra="forbid")

    relevant: bool = False
    bemerkungen: FreiText = ""


class FoerderCheck(BaseModel):
    """The three guiding questions for any funded measure (Förder-Check)."""

    model_config = ConfigDict(extra="forbid")

    massnahme: str = ""
    passgenau: bool = False
    erfolgswahrscheinlich: bool = False
    wirtschaftlich: bool = False
    begruendung: FreiText = ""


class Neuorientierung(BaseModel):
    """Health restrictions that rule out the learned occupation (seed 4.3): the occupational alternative, the
    ärztlicher/psychologischer Dienst (eingeschaltet with date, or nicht erforderlich with a reason), and for a
    Reha indication the referral to the BA as Reha-Trägerin (date)."""

    model_config = ConfigDict(extra="forbid")

    alternativberuf: str = ""
    dienst_eingeschaltet: bool = False
    dienst_datum: date | None = None
    dienst_nicht_erforderlich: bool = False
    dienst_begruendung: FreiText = ""
    reha_anhaltspunkte: bool = False
    reha_verweis_datum: date | None = None


class Profiling(LifecycleRecord):
    """Phases 1–3 of one Standortbestimmung: profile, goal and strategies."""

    cloned_from: str | None = None
    # Phase 1: strengths (Basisprofil) and weaknesses (Handlungsbedarfe by id)
    zielberuf: str = ""
    kompetenzen: list[str] = Field(default_factory=list)
    # Kompetenzen by the catalogue's Kompetenzklassen (if it has any): class id → free texts, or chosen option ids
    kompetenzklassen: dict[str, list[str]] = Field(default_factory=dict)
    handlungsbedarfe: dict[str, BedarfEintrag] = Field(default_factory=dict)
    integrationsprognose: str | None = None  # id of an Integrationsprognose option
    profillage: str | None = None  # id of a Profillage option (z, i)
    # Phase 2: goal and consent
    integrationsziel: FreiText = ""
    einverstaendnis: bool = False  # consent given ("erteilt") on einverstaendnis_datum
    einverstaendnis_datum: date | None = None
    #: Consent refused ("nicht erteilt") on einverstaendnis_datum; the note records what was discussed.
    einverstaendnis_verweigert: bool = False
    einverstaendnis_notiz: FreiText = ""
    # Phase 3: strategies per Handlungsbedarf id, cross-cutting strategies, Förder-Check
    strategien: dict[str, list[str]] = Field(default_factory=dict)
    uebergreifend: list[str] = Field(default_factory=list)
    foerderung_geplant: bool = False
    foerder_check: FoerderCheck = Field(default_factory=FoerderCheck)
    neuorientierung: Neuorientierung = Field(default_factory=Neuorientierung)


class Egv(LifecycleRecord):
    """Phase 4: the agreement (EGV / Kooperationsplan). A Fortschreibung is a new record linked to `previous_id`."""

    profiling_id: str
    fassung: int = 1  # 1 for the first agreement, +1 per Fortschreibung
    previous_id: str | None = None
    integrationsziel: EgvText = ""
    strategien: list[str] = Field(default_factory=list)  # strategy ids
    teilschritte: EgvText = ""
    zwischenziel: EgvText = ""  # plain text, e.g. the Kooperationsplan's "Ihr Zwischenziel"
    leistungen_jobcenter: EgvText = ""
    bemuehungen_kunde: EgvText = ""
    angebote_dritter: EgvText = ""
    sonstiges: EgvText = ""
    ueberpruefung_am: date | None = None


class AktivitaetEintrag(BaseModel):
    """One of the four activities of a Folgegespräch: discussed (erledigt) with a note, or `entfaellt` with the
    reason in `notiz`."""

    model_config = ConfigDict(extra="forbid")

    erledigt: bool = False
    notiz: FreiText = ""
    entfaellt: bool = False


class Folgegespraech(Record):
    """A follow-up talk: the four activities of chapter 4.4 with notes, and the next appointment."""

    client_id: str
    catalogue_version: int
    profiling_id: str | None = None
    egv_id: str | None = None
    datum: date
    anliegen: FreiText = ""
    aktivitaeten: dict[str, AktivitaetEintrag] = Field(default_factory=dict)
    naechster_termin: date | None = None


class Massnahme(Record):
    """A client's participation in a labour-market measure (seed 4.3), for the support before and after
    its end. `ergebnis` is the id of an outcome of the catalogue's list; `strategie_id` the strategy it serves;
    `foerder_profiling_id` the profiling whose Förder-Check covers a funded measure."""

    client_id: str
    catalogue_version: int
    titel: str
    traeger: str = ""
    beginn: date
    ende_geplant: date
    ende_tatsaechlich: date | None = None
    ergebnis: str | None = None
    strategie_id: str | None = None
    gefoerdert: bool = False
    foerder_profiling_id: str | None = None


class Beschaeftigungsaufnahme(Record):
    """A job or training start (seed 4.4): whether the client still needs benefits, the Übergreifend strategies
    suggested for stabilising it, and the date it is followed up (Nachhalten)."""

    client_id: str
    catalogue_version: int
    datum: date
    arbeitgeber: str  # employer or training place
    ausbildung: bool = False  # a training (Ausbildung) rather than a job
    wochenstunden: int
    leistungen_weiter: bool  # the client still needs benefits (ergänzend hilfebedürftig)
    strategien: list[str] = Field(default_factory=list)  # suggested Übergreifend strategy ids, as confirmed
    nachhalten_am: date | None = None


class Stellensuchlauf(Record):
    """A documented job search over the client's search profile (Basisprofil) before a Folgegespräch (seed 4.4)."""

    client_id: str
    datum: date
    suchprofil: FreiText  # the search profile as it was used
    angebote: int  # offers found
    uebergeben: FreiText = ""  # which offers were handed over to the client


class Document(Record):
    """A PDF handed out (EGV, Einverständniserklärung …), kept with the record version it was made from."""

    model_config = ConfigDict(extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")

    client_id: str
    kind: Literal["egv", "einverstaendnis", "profiling", "auskunft"]
    record_id: str
    record_revision: int
    filename: str
    pdf: bytes


class User(Record):
    """A staff account. `password_hash` is an argon2 hash, never the password."""

    username: str
    display_name: str
    role: Role
    team: str = ""
    password_hash: str = ""
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    #: Second factor (issue 11): base32 TOTP secret ("" = not enrolled), the last accepted 30-second time step
    #: (a code is accepted once), argon2 hashes of the unused recovery codes.
    totp_secret: str = ""
    totp_last_step: int = 0
    recovery_hashes: list[str] = Field(default_factory=list)
    #: Single sign-on: "issuer|subject" of the identity provider's account ("" = local account).
    sso_subject: str = ""


class Vertretung(Record):
    """KDN-Fachbetreuung lets an IFK (`vertreter`, a user name) work on the clients of `team` from `von` to `bis`.

    `ablauf_vermerkt` is set once the expiry has been audited (issue 14).
    """

    vertreter: str
    team: str
    von: date
    bis: date
    grund: str
    ablauf_vermerkt: bool = False


class AuditEntry(BaseModel):
    """One line of the append-only audit trail; `hash` chains it to its predecessor."""

    model_config = ConfigDict(extra="forbid")

    seq: int
    at: datetime  # UTC
    actor: str  # user name
    role: str
    action: str  # e.g. "angelegt", "gespeichert", "abgeschlossen", "gelesen", "korrigiert (KDN)"
    record_kind: str
    record_id: str
    client_id: str | None = None
    catalogue_version: int | None = None
    reason: str | None = None
    prev_hash: str
    hash: str


class CatalogueVersion(BaseModel):
    """A published catalogue version: kept for ever, never overwritten."""

    model_config = ConfigDict(extra="forbid")

    number: int
    text: str  # the YAML as published
    note: str
    published_by: str
    published_at: datetime


class CatalogueDraft(BaseModel):
    """The one shared catalogue draft of an installation: edited by trainers, published as the next version.

    `revision` guards against two trainers overwriting each other's edits (0: no draft stored yet).
    """

    model_config = ConfigDict(extra="forbid")

    text: str  # the YAML as edited; may be invalid until published
    base_version: int  # the published version the draft started from
    revision: int = 0
    saved_by: str = ""
    saved_at: datetime = Field(default_factory=utcnow)
