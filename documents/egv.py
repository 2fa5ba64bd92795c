"""The agreement of phase 4 as PDF: Eingliederungsvereinbarung or Kooperationsplan, as the catalogue says."""

from __future__ import annotations

from collections.abc import Sequence

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


def _agreed(inhalt: str | Sequence[str]) -> bool:
    return bool(inhalt.strip()) if isinstance(inhalt, str) else any(item.strip() for item in inhalt)


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

    # The signatures never stand alone on a page: the review section goes with them, and with it the end of
    # the last agreed section (and the empty ones after it), so the page the client signs shows what was agreed.
    text = OHNE_TERMIN if data.ueberpruefung_am is None else MIT_TERMIN
    tail = pdf.heading_height("Überprüfung") + pdf.paragraph_height(text)
    if data.ueberpruefung_am is not None:
        tail += pdf.field_height("Überprüfung am", data.ueberpruefung_am)
    tail += SIGNATURES_H if vorlage.unterschriften else 0
    abschnitte = list(vorlage.abschnitte)
    inhalte = [data.inhalte.get(abschnitt.id, "") for abschnitt in abschnitte]
    agreed = [i for i, inhalt in enumerate(inhalte) if _agreed(inhalt)]
    last = agreed[-1] if agreed else -1
    after_last = sum(pdf.heading_height(a.label) + pdf.content_height(inhalt)
                     for a, inhalt in zip(abschnitte[last + 1:], inhalte[last + 1:]))
    for i, (abschnitt, inhalt) in enumerate(zip(abschnitte, inhalte)):
        pdf.heading(abschnitt.label)
        if i == last:
            pdf.content_ending_with(inhalt, after_last + tail)
        else:
            pdf.content(inhalt)

    pdf.keep_block(tail)
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
