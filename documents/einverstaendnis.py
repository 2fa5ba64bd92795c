"""The consent form of phase 2 (Einverständniserklärung zum Profiling) as PDF, to print and sign."""

from __future__ import annotations

from documents.base import DocumentPDF, format_date
from documents.data import EinverstaendnisDaten

TITEL = "Einverständniserklärung zum Profiling"

_ZWECK = (
    "Im Beratungsgespräch haben Sie und Ihre Integrationsfachkraft gemeinsam festgestellt, wo Sie beruflich "
    "stehen (Standortbestimmung). Auf dieser Grundlage haben Sie zusammen ein Integrationsziel festgelegt "
    "und Handlungsstrategien ausgewählt, die Sie diesem Ziel näherbringen sollen."
)

_GESPEICHERT = (
    "den Zielberuf und Ihre Kompetenzen, also Ihre beruflichen und persönlichen Stärken,",
    (
        "die Handlungsbedarfe, die einer dauerhaften Arbeitsaufnahme im Zielberuf im Weg stehen, jeweils mit "
        "den Bemerkungen aus dem Gespräch,"
    ),
    "das gemeinsam festgelegte Integrationsziel und die ausgewählten Handlungsstrategien.",
)

_EINVERSTAENDNIS = (
    "Ihr Einverständnis bezieht sich auf das gemeinsam festgelegte Integrationsziel. Mit Ihrer Unterschrift "
    "bestätigen Sie, dass das Ergebnis der Standortbestimmung mit Ihnen besprochen wurde und dass Sie das "
    "Ziel mittragen."
)

_FREIWILLIG = (
    "Ihr Einverständnis ist freiwillig. Sie können es jederzeit ohne Angabe von Gründen widerrufen, mündlich "
    "oder schriftlich bei Ihrer Integrationsfachkraft."
)


_ERKLAERUNG = (
    "Ich bin mit dem gemeinsam festgelegten Integrationsziel einverstanden. Das Ergebnis der "
    "Standortbestimmung wurde mit mir besprochen."
)
#: Height of one row of signature lines (see DocumentPDF.signature_lines), in mm.
SIGNATURES_H = 27


def schritte_text(vereinbarung: str) -> str:
    """Where the next steps are written down, named as the catalogue names the agreement document."""
    if vereinbarung.strip():
        return f"Die weiteren Schritte halten wir schriftlich fest, im Dokument „{vereinbarung.strip()}“."
    return "Die weiteren Schritte halten wir schriftlich fest."

_AUSKUNFT = (
    "Sie können jederzeit erfahren, welche Daten das Jobcenter über Sie gespeichert hat, wofür sie verwendet "
    "werden und an welche Stellen sie weitergegeben wurden (Art. 15 DSGVO, § 83 SGB X). Sprechen Sie dazu "
    "Ihre Integrationsfachkraft an; Sie erhalten die Auskunft schriftlich. Unrichtige Angaben werden auf "
    "Ihren Hinweis hin berichtigt."
)


def render_einverstaendnis(data: EinverstaendnisDaten) -> bytes:
    """Render the consent form with the client's name, Kundennummer and date, ready to sign."""
    pdf = DocumentPDF(
        jobcenter=data.jobcenter,
        title=TITEL,
        footer_note=f"Einverständniserklärung · Kundennummer {data.kunde.kundennummer}",
    )
    pdf.document_title(TITEL, "im Rahmen des 4-Phasen-Modells der Integrationsarbeit")

    pdf.field("Kundin / Kunde", data.kunde.name)
    pdf.field("Kundennummer", data.kunde.kundennummer)
    pdf.field("Integrationsfachkraft", data.fachkraft.name)
    pdf.field("Datum", data.datum)

    pdf.heading("Wozu das Profiling dient")
    pdf.paragraph(_ZWECK)

    pdf.heading("Was das Jobcenter dazu speichert")
    # the catalogue's assessments (e.g. a prognosis) stand before the goal, in the catalogue's own words
    pdf.bullets([*_GESPEICHERT[:2], *data.einschaetzungen, *_GESPEICHERT[2:]])

    pdf.heading("Worauf sich Ihr Einverständnis bezieht")
    pdf.paragraph(f"{_EINVERSTAENDNIS} {schritte_text(data.vereinbarung)}")
    if data.integrationsziel.strip():
        pdf.field("Vereinbartes Integrationsziel", data.integrationsziel)

    pdf.heading("Ihre Rechte")
    pdf.paragraph(_FREIWILLIG)
    pdf.paragraph(_AUSKUNFT)
    pdf.ln(1)
    # The statement is signed: it never stands on another page than the signature lines.
    pdf.keep_block(pdf.text_height(_ERKLAERUNG, pdf.epw - 6) + 1 + SIGNATURES_H)
    pdf.checkbox(_ERKLAERUNG, checked=False)
    ort_datum = f"{data.ort}, {format_date(data.datum)}," if data.ort else ""
    pdf.signature_lines(
        [
            f"Ort, Datum, Unterschrift Kundin / Kunde ({data.kunde.name})",
            f"Ort, Datum, Unterschrift Integrationsfachkraft ({data.fachkraft.name})",
        ],
        prefill=[ort_datum, ort_datum],
    )
    return pdf.to_bytes()
