"""The client's Auskunft (Art. 15 DSGVO, § 83 SGB X) as PDF: stored data, purposes, recipients, access log."""

from __future__ import annotations

from documents.base import LEER, DocumentPDF, format_datetime
from documents.data import AuskunftDaten

TITEL = "Auskunft über Ihre gespeicherten Daten"
RECHTSGRUNDLAGE = "Auskunft nach Art. 15 DSGVO / § 83 SGB X"

_EINLEITUNG = (
    "Sie haben das Recht zu erfahren, welche Daten das Jobcenter im Rahmen der Integrationsarbeit über Sie "
    "gespeichert hat, wofür es sie verwendet, an wen sie gegangen sind und wann sie aus welchem Anlass "
    "aufgerufen wurden. Diese Auskunft fasst alles zusammen, was zum Zeitpunkt ihrer Erstellung gespeichert war."
)

_PROTOKOLL_HINWEIS = (
    "Aufgeführt sind die Stellen und Rollen, die auf Ihre Daten zugegriffen haben, nicht die Namen einzelner "
    "Beschäftigter (EuGH, Urteil vom 22.06.2023, C-579/21). Die Protokolldaten werden ausschließlich zur "
    "Kontrolle des Datenschutzes verwendet (§ 67c SGB X)."
)

_RECHTE = (
    "Sie können verlangen, dass unrichtige Daten berichtigt werden (Art. 16 DSGVO), dass Daten gelöscht "
    "werden, die nicht mehr benötigt werden (Art. 17 DSGVO), und dass die Verarbeitung eingeschränkt wird "
    "(Art. 18 DSGVO); unter den Voraussetzungen des Art. 21 DSGVO können Sie widersprechen. Wenn Sie der "
    "Ansicht sind, dass Ihre Daten nicht rechtmäßig verarbeitet werden, können Sie sich an die "
    "Datenschutzbeauftragte oder den Datenschutzbeauftragten des Jobcenters oder an die zuständige "
    "Aufsichtsbehörde für den Datenschutz wenden."
)


def render_auskunft(data: AuskunftDaten) -> bytes:
    """Render everything stored about one client, why, for whom, and who accessed it when and why."""
    pdf = DocumentPDF(
        jobcenter=data.jobcenter,
        title=RECHTSGRUNDLAGE,
        footer_note=f"Auskunft · Kundennummer {data.kunde.kundennummer}",
    )
    pdf.document_title(TITEL, RECHTSGRUNDLAGE)
    pdf.field("Kundin / Kunde", data.kunde.name)
    pdf.field("Kundennummer", data.kunde.kundennummer)
    pdf.field("Datum der Auskunft", data.datum)
    pdf.ln(2)
    pdf.paragraph(_EINLEITUNG)

    pdf.heading("Zwecke der Speicherung")
    pdf.bullets(list(data.zwecke))

    pdf.heading("Empfänger und beteiligte Stellen")
    pdf.bullets(list(data.empfaenger))

    pdf.heading("Gespeicherte Stammdaten")
    if not data.stammdaten:
        pdf.paragraph(LEER)
    for feld in data.stammdaten:
        pdf.field(feld.label, feld.wert)

    pdf.heading("Gespeicherte Vorgänge")
    if not data.datensaetze:
        pdf.paragraph("Zu Ihnen sind keine Vorgänge gespeichert.")
    for datensatz in data.datensaetze:
        pdf.heading(datensatz.titel, level=2)
        for feld in datensatz.felder:
            pdf.field(feld.label, feld.wert)

    pdf.heading("Zugriffe und Weitergaben")
    pdf.note(_PROTOKOLL_HINWEIS)
    if not data.zugriffe:
        pdf.paragraph("Es sind keine Zugriffe protokolliert.")
    else:
        pdf.grid(
            ("Zeitpunkt", "Stelle / Rolle", "Aktion und Datensatz", "Anlass / Zweck"),
            (30, 40, 56, 44),
            [
                (format_datetime(z.zeitpunkt), z.stelle, z.aktion + (f": {z.datensatz}" if z.datensatz else ""),
                 z.zweck or LEER)
                for z in data.zugriffe
            ],
        )

    pdf.heading("Herkunft, Speicherdauer und Ihre Rechte")
    pdf.field("Herkunft der Daten", data.herkunft)
    if data.speicherdauer.strip():
        pdf.field("Speicherdauer", data.speicherdauer)
    pdf.paragraph(_RECHTE)
    return pdf.to_bytes()
