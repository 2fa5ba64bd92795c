"""Factories for the plain input data of `documents/` (tests and bench)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

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

JOBCENTER = "Jobcenter Musterstadt"
# Every character that core PDF fonts cannot print, in one line.
TYPO = "Jürgen Öztürk-Weiß – „Maßnahme“ für Ärzte, Übersetzer … Kosten 120 €"

EGV_VORLAGE = Vereinbarungsvorlage(
    kurzname="EGV",
    titel="Eingliederungsvereinbarung",
    rechtsgrundlage="§ 15 SGB II",
    unterschriften=True,
    abschnitte=(
        Abschnitt("integrationsziel", "Integrationsziel"),
        Abschnitt("handlungsstrategien", "Vereinbarte Handlungsstrategien"),
        Abschnitt("teilschritte", "Teilschritte und Zwischenziele"),
        Abschnitt("leistungen_jobcenter", "Leistungen des Jobcenters"),
        Abschnitt("bemuehungen_kunde", "Bemühungen der Kundin / des Kunden"),
        Abschnitt("angebote_dritter", "Angebote anderer Leistungsträger"),
    ),
)

KOOPERATIONSPLAN_VORLAGE = Vereinbarungsvorlage(
    kurzname="Kooperationsplan",
    titel="Kooperationsplan",
    rechtsgrundlage="§ 15 SGB II",
    unterschriften=False,
    abschnitte=(
        Abschnitt("berufliches_ziel", "Ihr berufliches Ziel"),
        Abschnitt("zwischenziel", "Ihr nächstes Zwischenziel"),
        Abschnitt("naechste_schritte", "Ihre nächsten Schritte"),
        Abschnitt("unterstuetzung_jobcenter", "So unterstützt Sie das Jobcenter"),
        Abschnitt("weitere_unterstuetzung", "Weitere Unterstützung"),
        Abschnitt("sonstiges", "Sonstiges"),
    ),
)


def make_kunde(**overrides) -> Kunde:
    values = {"name": "Jürgen Öztürk-Weiß", "kundennummer": "123D456789", "geburtsdatum": date(1984, 3, 7)}
    return Kunde(**(values | overrides))


def make_fachkraft(**overrides) -> Fachkraft:
    return Fachkraft(**({"name": "Sabine Größer", "team": "Team 451 – Markt & Integration"} | overrides))


def long_text(chars: int = 5000, prefix: str = "Wort") -> str:
    """Distinct words (Wort0001 …) mixed with umlaut words, at least `chars` characters long."""
    umlaut = ["Prüfung", "Änderung", "Übergang", "Größe", "Öffnung", "Maßnahme", "Bewerbungsgespräch"]
    words: list[str] = []
    n = 0
    while len(" ".join(words)) < chars:
        n += 1
        words.append(f"{prefix}{n:04d}")
        if n % 5 == 0:
            words.append(f"{umlaut[n % len(umlaut)]}{n:04d}")
    return " ".join(words)


def make_egv(**overrides) -> EgvDaten:
    values = {
        "jobcenter": JOBCENTER,
        "vorlage": EGV_VORLAGE,
        "kunde": make_kunde(),
        "fachkraft": make_fachkraft(),
        "datum": date(2026, 11, 24),
        "inhalte": {
            "integrationsziel": "Aufnahme einer sozialversicherungspflichtigen Beschäftigung als Fachkraft für "
            "Lagerlogistik in Vollzeit.",
            "handlungsstrategien": ["Vermittlung in Arbeit", "Bewerbungsaktivitäten unterstützen"],
            "teilschritte": "Bis 15.12.2026: Lebenslauf überarbeiten. Bis 31.01.2027: Staplerschein "
            "(„Flurförderzeuge“) erwerben – Zwischenziel: fünf Bewerbungen pro Monat.",
            "leistungen_jobcenter": f"Übernahme der Bewerbungskosten bis 260 € jährlich. {TYPO}",
            "bemuehungen_kunde": "Herr Öztürk-Weiß bewirbt sich monatlich mindestens fünfmal und weist "
            "die Bemühungen nach …",
            "angebote_dritter": "",
        },
        "fassung": 1,
        "ueberpruefung_am": date(2027, 5, 24),
        "ort": "Musterstadt",
    }
    return EgvDaten(**(values | overrides))


def make_kooperationsplan(**overrides) -> EgvDaten:
    inhalte = {
        "berufliches_ziel": "Arbeit als Verkäuferin im Einzelhandel, Teilzeit 30 Stunden.",
        "zwischenziel": "Führerschein Klasse B bis März 2027.",
        "naechste_schritte": ["Bewerbungsmappe fertigstellen", "Termin bei der Fahrschule vereinbaren"],
        "unterstuetzung_jobcenter": "Förderung der Fahrschulkosten bis 1.500 € (Vermittlungsbudget).",
        "weitere_unterstuetzung": "Schuldnerberatung der Diakonie – Termin am 02.12.2026.",
        "sonstiges": "",
    }
    base = make_egv(vorlage=KOOPERATIONSPLAN_VORLAGE, inhalte=inhalte)
    return replace(base, **overrides)


def make_einverstaendnis(**overrides) -> EinverstaendnisDaten:
    values = {
        "jobcenter": JOBCENTER,
        "kunde": make_kunde(),
        "fachkraft": make_fachkraft(),
        "datum": date(2026, 11, 24),
        "integrationsziel": "Aufnahme einer Beschäftigung als Fachkraft für Lagerlogistik („Vollzeit“).",
        "ort": "Musterstadt",
        "einschaetzungen": (("die Integrationsprognose: ob eine Arbeitsaufnahme in den nächsten zwölf Monaten "
                             "erwartet wird,"),),
    }
    return EinverstaendnisDaten(**(values | overrides))


def make_profiling(**overrides) -> ProfilingDaten:
    values = {
        "jobcenter": JOBCENTER,
        "kunde": make_kunde(),
        "status": "abgeschlossen",
        "katalog_version": 3,
        "erstellt_am": datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        "bearbeitet_am": datetime(2026, 11, 24, 13, 5, tzinfo=UTC),
        "erstellt_von": "IFK Team 451",
        "bearbeitet_von": "IFK Team 451",
        "abgeschlossen_am": datetime(2026, 11, 24, 13, 5, tzinfo=UTC),
        "abgeschlossen_von": "IFK Team 451",
        "zielberuf": "Fachkraft für Lagerlogistik",
        "kompetenzen": ("Gabelstapler-Erfahrung", "Zuverlässigkeit", "Teamfähigkeit – „sehr gut“"),
        "handlungsfelder": (
            HandlungsfeldBlock(
                "Qualifikation",
                (
                    BedarfZeile("Schulische Qualifikation", False),
                    BedarfZeile(
                        "Berufliche Qualifikation",
                        True,
                        "Kein anerkannter Abschluss; Teilqualifikation möglich …",
                        ("Berufliche (Teil-) Qualifikation realisieren",),
                    ),
                    BedarfZeile(
                        "Sprachkenntnisse",
                        True,
                        "Deutsch B1, schriftlich unsicher.",
                        ("Deutschkenntnisse verbessern",),
                    ),
                ),
            ),
            HandlungsfeldBlock(
                "Rahmenbedingungen",
                (
                    BedarfZeile(
                        "Mobilität",
                        True,
                        "Kein Führerschein; Schichtbeginn 5 Uhr.",
                        ("Mobilität herstellen",),
                    ),
                ),
            ),
        ),
        "einschaetzung": (("Integrationsprognose", "marktnah"), ("Profillage", "")),
        "integrationsziel": "Beschäftigung als Fachkraft für Lagerlogistik",
        "einverstaendnis": True,
        "einverstaendnis_datum": date(2026, 11, 24),
        "uebergreifend": ("Vermittlung in Arbeit",),
        "uebergreifend_titel": "Übergreifend",
        "foerder_check": FoerderCheckDaten(
            geplant=True,
            massnahme="Staplerschein (AVGS) – 450 €",
            passgenau=True,
            erfolgswahrscheinlich=True,
            wirtschaftlich=False,
            begruendung="Kosten werden mit dem Träger geklärt.",
        ),
        "ausgedruckt_am": datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        "ausgedruckt_von": "KDN-Fachbetreuung",
    }
    return ProfilingDaten(**(values | overrides))


def make_auskunft(**overrides) -> AuskunftDaten:
    zugriffe = tuple(
        Zugriff(
            zeitpunkt=datetime(2026, 11, 20 + i % 5, 8 + i, 15, tzinfo=UTC),
            stelle="Jobcenter Musterstadt, Team 451 (IFK)"
            if i % 3
            else "Jobcenter Musterstadt (KDN-Fachbetreuung)",
            aktion=["gelesen", "gespeichert", "abgeschlossen", "ausgedruckt"][i % 4],
            zweck="Beratungsgespräch" if i % 3 else "Ausdruck für die Akte",
            datensatz="Profiling vom 20.11.2026",
        )
        for i in range(6)
    )
    values = {
        "jobcenter": JOBCENTER,
        "kunde": make_kunde(),
        "datum": date(2026, 11, 25),
        "stammdaten": (
            Feld("Name", "Jürgen Öztürk-Weiß"),
            Feld("Kundennummer", "123D456789"),
            Feld("Geburtsdatum", date(1984, 3, 7)),
            Feld("Team", "Team 451"),
        ),
        "datensaetze": (
            Datensatz(
                "Profiling vom 20.11.2026 (abgeschlossen)",
                (
                    Feld("Zielberuf", "Fachkraft für Lagerlogistik"),
                    Feld("Kompetenzen", ["Zuverlässigkeit", "Teamfähigkeit"]),
                    Feld("Handlungsbedarf Mobilität", "relevant – Kein Führerschein"),
                    Feld("Einverständnis", True),
                ),
            ),
            Datensatz(
                "Eingliederungsvereinbarung, Fassung 1 vom 24.11.2026",
                (
                    Feld("Integrationsziel", "Fachkraft für Lagerlogistik"),
                    Feld("Überprüfung am", date(2027, 5, 24)),
                ),
            ),
            Datensatz(
                "Folgegespräch vom 15.12.2026",
                (Feld("Anliegen", "Stand der Bewerbungen"), Feld("Nächster Termin", None)),
            ),
        ),
        "zugriffe": zugriffe,
        "empfaenger": (
            "Jobcenter Musterstadt, Integrationsfachkräfte des zuständigen Teams",
            "KDN-Fachbetreuung (Anwendungsbetreuung)",
        ),
    }
    return AuskunftDaten(**(values | overrides))
