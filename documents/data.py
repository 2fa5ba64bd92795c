"""Plain input data for the PDF documents; the services layer maps stored records onto these classes.

Everything here is already resolved for printing: catalogue ids are replaced by their labels (from the
record's own catalogue version), people by their names. The documents layer formats dates and booleans
itself, so the service passes `date`/`datetime`/`bool` values, never preformatted strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

# A field value as the documents format it: None/"" → "—", bool → ja/nein, date → 24.11.2026,
# datetime → 24.11.2026 14:05 (Europe/Berlin), a sequence of strings → one bullet per item.
Wert = str | int | bool | date | datetime | Sequence[str] | None


@dataclass(frozen=True)
class Kunde:
    """The client as printed: full name, Kundennummer, date of birth."""

    name: str
    kundennummer: str
    geburtsdatum: date | None = None


@dataclass(frozen=True)
class Fachkraft:
    """The caseworker (IFK) who prepared the document."""

    name: str
    team: str = ""


@dataclass(frozen=True)
class Abschnitt:
    """One section of the agreement, from the catalogue's `vereinbarung.abschnitte`."""

    id: str
    label: str


@dataclass(frozen=True)
class Vereinbarungsvorlage:
    """The catalogue's `vereinbarung` block: which document (EGV or Kooperationsplan) and how it looks."""

    kurzname: str  # "EGV", "Kooperationsplan": used in the footer and file names
    titel: str  # "Eingliederungsvereinbarung"
    rechtsgrundlage: str  # "§ 15 SGB II"
    unterschriften: bool  # print signature lines (EGV) or not (Kooperationsplan)
    abschnitte: tuple[Abschnitt, ...]


@dataclass(frozen=True)
class EgvDaten:
    """Input of `render_egv`: one Fassung of the agreement.

    `inhalte` maps a section id to its text; a sequence of strings (e.g. the strategy labels) prints as a
    bullet list. Ids without a section in the template are not printed; sections without content print "—".
    """

    jobcenter: str
    vorlage: Vereinbarungsvorlage
    kunde: Kunde
    fachkraft: Fachkraft
    datum: date  # date of this Fassung
    inhalte: Mapping[str, str | Sequence[str]]
    fassung: int = 1
    vorherige_fassung_datum: date | None = None  # required for fassung > 1 (Fortschreibung)
    ueberpruefung_am: date | None = None
    ort: str = ""  # place printed above the signature lines, e.g. "Musterstadt"
    entwurf: bool = False  # not yet agreed: every page is marked as a draft, not to be signed
    # the Basisprofil the agreement builds on, by the catalogue's Kompetenzklassen (empty: not printed)
    basisprofil: tuple[tuple[str, str | tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class EinverstaendnisDaten:
    """Input of `render_einverstaendnis`: the consent form for one profiling."""

    jobcenter: str
    kunde: Kunde
    fachkraft: Fachkraft
    datum: date
    integrationsziel: str = ""
    ort: str = ""
    vereinbarung: str = ""  # title of the catalogue's agreement document, e.g. "Kooperationsplan"
    einschaetzungen: tuple[str, ...] = ()  # a line per assessment the catalogue has (its `einverstaendnis` text)


@dataclass(frozen=True)
class BedarfZeile:
    """One Handlungsbedarf of a profiling with its notes and the labels of the strategies chosen for it."""

    label: str
    relevant: bool
    bemerkungen: str = ""
    strategien: tuple[str, ...] = ()


@dataclass(frozen=True)
class HandlungsfeldBlock:
    """A Handlungsfeld with the Handlungsbedarfe the service chose to print (usually all of the catalogue's)."""

    label: str
    bedarfe: tuple[BedarfZeile, ...]


@dataclass(frozen=True)
class FoerderCheckDaten:
    """The Förder-Check for a planned funded measure."""

    geplant: bool = False
    massnahme: str = ""
    passgenau: bool = False
    erfolgswahrscheinlich: bool = False
    wirtschaftlich: bool = False
    begruendung: str = ""


@dataclass(frozen=True)
class ProfilingDaten:
    """Input of `render_profiling_print`: one profiling with labels from its own catalogue version."""

    jobcenter: str
    kunde: Kunde
    status: str  # "offen" | "abgeschlossen"
    katalog_version: int
    erstellt_am: datetime
    bearbeitet_am: datetime
    erstellt_von: str = ""
    bearbeitet_von: str = ""
    abgeschlossen_am: datetime | None = None
    abgeschlossen_von: str = ""
    zielberuf: str = ""
    kompetenzen: tuple[str, ...] = ()
    # by the catalogue's Kompetenzklassen, if it has any: (class label, entries); printed instead of `kompetenzen`
    kompetenzklassen: tuple[tuple[str, tuple[str, ...]], ...] = ()
    handlungsfelder: tuple[HandlungsfeldBlock, ...] = ()
    einschaetzung: tuple[tuple[str, str], ...] = ()  # (group label, label of the chosen option or "") per group
    integrationsziel: str = ""
    einverstaendnis: bool = False
    einverstaendnis_datum: date | None = None
    uebergreifend: tuple[str, ...] = ()  # labels of the cross-cutting strategies
    uebergreifend_titel: str = ""  # the catalogue's label of their group
    foerder_check: FoerderCheckDaten = field(default_factory=FoerderCheckDaten)
    ausgedruckt_am: datetime | None = None
    ausgedruckt_von: str = ""


@dataclass(frozen=True)
class Feld:
    """A label and its value in the Auskunft."""

    label: str
    wert: Wert


@dataclass(frozen=True)
class Datensatz:
    """One stored record in the Auskunft (a profiling, an EGV, a Folgegespräch …) with its fields."""

    titel: str  # e.g. "Profiling vom 24.11.2026 (abgeschlossen)"
    felder: tuple[Feld, ...]


@dataclass(frozen=True)
class Zugriff:
    """One line of the access log. `stelle` names an office and role, never a staff member (CJEU C-579/21)."""

    zeitpunkt: datetime
    stelle: str  # e.g. "Jobcenter Musterstadt, Team 123 (IFK)"
    aktion: str  # e.g. "gelesen", "geändert", "ausgedruckt"
    zweck: str  # why: e.g. "Beratungsgespräch", "Datenschutzvorfall (Korrektur)"
    datensatz: str = ""  # which record, e.g. "Profiling vom 24.11.2026"


DEFAULT_ZWECKE: tuple[str, ...] = (
    (
        "Integrationsarbeit nach dem SGB II: Beratung, Vermittlung und Förderung mit dem Ziel, Ihre "
        "Hilfebedürftigkeit durch Erwerbstätigkeit zu verringern oder zu beenden."
    ),
    (
        "Durchführung des 4-Phasen-Modells: Standortbestimmung (Profiling), Festlegung des Integrationsziels, "
        "Auswahl der Handlungsstrategien, Vereinbarung und Nachhalten der nächsten Schritte."
    ),
    "Nachweis der Beratungsgespräche (Dokumentationspflicht).",
)


@dataclass(frozen=True)
class AuskunftDaten:
    """Input of `render_auskunft`: everything stored about one client, why, for whom, and who accessed it."""

    jobcenter: str
    kunde: Kunde
    datum: date  # date of the Auskunft
    stammdaten: tuple[Feld, ...]
    datensaetze: tuple[Datensatz, ...] = ()
    zugriffe: tuple[Zugriff, ...] = ()
    empfaenger: tuple[str, ...] = ()  # offices/recipients that received or may receive the data
    zwecke: tuple[str, ...] = DEFAULT_ZWECKE
    speicherdauer: str = ""  # retention rule as text; printed only when given
    herkunft: str = (
        "Ihre Angaben in den Beratungsgesprächen und die Einschätzung Ihrer Integrationsfachkraft."
    )
