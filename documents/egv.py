"""The agreement of phase 4 as PDF: Eingliederungsvereinbarung or Kooperationsplan, as the catalogue says."""

from __future__ import annotations

from documents.base import DocumentPDF, format_date
from documents.data import EgvDaten

ENTWURF = "Entwurf – noch nicht vereinbart – nicht zur Unterschrift"
OHNE_TERMIN = "Ein Termin für die gemeinsame Überprüfung wird im nächsten Gespräch vereinbart."
MIT_TERMIN = ("Spätestens an diesem Tag besprechen wir gemeinsam, was umgesetzt wurde, und passen die Inhalte bei "
              "Bedarf an.")
SIGNATURES_H = 27  # one row of two signature lines (DocumentPDF.signature_lines), in mm


def fassung_text(data: EgvDaten) -> str:
    """ "Fassung 2 vom 24.11.2026 – Fortschreibung der Fassung 1 vom 01.06.2026" (the part after the dash for N>1).

    Raises ValueError when a Fortschreibung lacks the date of the previous Fassung.
    """
    text = f"Fassung {data.fassung} vom {format_date(data.datum)}"
    if data.fassung > 1:
        if data.vorherige_fassung_datum is None:
            raise ValueError("Für eine Fortschreibung fehlt das Datum der vorherigen Fassung.")
        text += f" – Fortschreibung der Fassung {data.fassung - 1} vom {format_date(data.vorherige_fassung_datum)}"
    return text


def render_egv(data: EgvDaten) -> bytes:
    """Render one Fassung of the EGV / Kooperationsplan; title, sections and signatures come from `data.vorlage`.

    Raises ValueError for a Fortschreibung without the previous Fassung's date.
    """
    vorlage = data.vorlage
    title = f"{vorlage.titel} nach {vorlage.rechtsgrundlage}" if vorlage.rechtsgrundlage else vorlage.titel
    pdf = DocumentPDF(
        jobcenter=data.jobcenter,
        title=vorlage.titel,
        marking=ENTWURF if data.entwurf else "",
        footer_note=f"{vorlage.kurzname} · Kundennummer {data.kunde.kundennummer} · Fassung {data.fassung}",
    )
    pdf.document_title(title, fassung_text(data))

    pdf.field("Kundin / Kunde", data.kunde.name)
    pdf.field("Kundennummer", data.kunde.kundennummer)
    pdf.field("Geburtsdatum", data.kunde.geburtsdatum)
    pdf.field("Jobcenter", data.jobcenter)
    ansprechperson = data.fachkraft.name + (f" ({data.fachkraft.team})" if data.fachkraft.team else "")
    pdf.field("Integrationsfachkraft", ansprechperson)
    pdf.field("Datum", data.datum)

    if data.basisprofil:
        pdf.heading("Basisprofil")
        for titel, wert in data.basisprofil:
            pdf.field(titel, wert if isinstance(wert, str) else list(wert))

    for abschnitt in vorlage.abschnitte:
        pdf.heading(abschnitt.label)
        pdf.content(data.inhalte.get(abschnitt.id, ""))

    # The signatures never stand alone on a page: the review section moves to the next page with them.
    text = OHNE_TERMIN if data.ueberpruefung_am is None else MIT_TERMIN
    height = pdf.heading_height("Überprüfung") + pdf.paragraph_height(text)
    if data.ueberpruefung_am is not None:
        height += pdf.field_height("Überprüfung am", data.ueberpruefung_am)
    pdf.keep_block(height + (SIGNATURES_H if vorlage.unterschriften else 0))
    pdf.heading("Überprüfung")
    if data.ueberpruefung_am is not None:
        pdf.field("Überprüfung am", data.ueberpruefung_am)
    pdf.paragraph(text)

    if vorlage.unterschriften:
        ort_datum = f"{data.ort}, {format_date(data.datum)}," if data.ort else ""
        pdf.signature_lines(
            [
                "Ort, Datum, Unterschrift Kundin / Kunde",
                f"Ort, Datum, Unterschrift für das Jobcenter ({data.fachkraft.name})",
            ],
            prefill=[ort_datum, ort_datum],
        )
    return pdf.to_bytes()
