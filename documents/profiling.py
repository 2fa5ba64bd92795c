"""The print of one profiling for the file (Akte), for KDN-Fachbetreuung; the service checks the role."""

from __future__ import annotations

from datetime import datetime

from documents.base import LABEL_W, LEER, LINE_H, DocumentPDF, format_date, format_datetime
from documents.data import ProfilingDaten

TITEL = "Profiling – Ausdruck für die Akte"
MARKIERUNG = "Ausdruck für die Akte – nur KDN-Fachbetreuung – nicht zur Aushändigung"


def _status_text(data: ProfilingDaten) -> str:
    if data.status != "abgeschlossen":
        return data.status or LEER
    text = "abgeschlossen"
    if data.abgeschlossen_am is not None:
        text += f" am {format_datetime(data.abgeschlossen_am)}"
    if data.abgeschlossen_von:
        text += f" von {data.abgeschlossen_von}"
    return text


def _stamp(when: datetime, who: str) -> str:
    return format_datetime(when) + (f" ({who})" if who else "")


def render_profiling_print(data: ProfilingDaten) -> bytes:
    """Render a profiling with the labels of its own catalogue version, marked as a print for the file."""
    pdf = DocumentPDF(
        jobcenter=data.jobcenter,
        title=TITEL,
        marking=MARKIERUNG,
        footer_note=f"Profiling · Kundennummer {data.kunde.kundennummer} · Katalogversion {data.katalog_version}",
    )
    pdf.document_title(TITEL, f"Standortbestimmung vom {format_date(data.erstellt_am)}")

    pdf.heading("Kundin / Kunde")
    pdf.field("Name", data.kunde.name)
    pdf.field("Kundennummer", data.kunde.kundennummer)
    pdf.field("Geburtsdatum", data.kunde.geburtsdatum)

    pdf.heading("Profiling")
    pdf.field("Status", _status_text(data))
    pdf.field("Angelegt", _stamp(data.erstellt_am, data.erstellt_von))
    pdf.field("Zuletzt bearbeitet", _stamp(data.bearbeitet_am, data.bearbeitet_von))
    pdf.field("Katalogversion", data.katalog_version)
    if data.ausgedruckt_am is not None:
        pdf.field("Ausgedruckt", _stamp(data.ausgedruckt_am, data.ausgedruckt_von))

    pdf.heading("Basisprofil")
    pdf.field("Zielberuf", data.zielberuf)
    if data.kompetenzklassen:
        for klasse, eintraege in data.kompetenzklassen:
            pdf.field(klasse, list(eintraege))
    else:
        pdf.field("Kompetenzen", list(data.kompetenzen))

    pdf.heading("Handlungsbedarfe")
    if not data.handlungsfelder:
        pdf.paragraph(LEER)
    for feld in data.handlungsfelder:
        rows = [(bedarf.label, f"relevant: {'ja' if bedarf.relevant else 'nein'}",
                 f"Bemerkungen: {bedarf.bemerkungen.strip()}" if bedarf.bemerkungen.strip() else "")
                for bedarf in feld.bedarfe]
        # A Handlungsfeld stays on one page with its heading, so that no row is cut off from it.
        pdf.keep_block(pdf.heading_height(feld.label, level=2) + sum(
            pdf.field_height(label, value, label_w=110) + (pdf.paragraph_height(notes, indent=4) if notes else 0)
            for label, value, notes in rows))
        pdf.heading(feld.label, level=2)
        if not rows:
            pdf.paragraph(LEER, indent=4)
        for label, value, notes in rows:
            pdf.field(label, value, label_w=110)
            if notes:
                pdf.paragraph(notes, indent=4)

    if data.einschaetzung:
        pdf.heading("Einschätzung")
        for titel, wert in data.einschaetzung:
            pdf.field(titel, wert)

    pdf.heading("Ziel")
    pdf.field("Integrationsziel", data.integrationsziel)
    einverstaendnis = "ja" if data.einverstaendnis else "nein"
    if data.einverstaendnis and data.einverstaendnis_datum is not None:
        einverstaendnis += f", erklärt am {format_date(data.einverstaendnis_datum)}"
    pdf.field("Einverständnis", einverstaendnis)

    pdf.heading("Handlungsstrategien")
    chosen = [
        (bedarf.label, list(bedarf.strategien))
        for feld in data.handlungsfelder
        for bedarf in feld.bedarfe
        if bedarf.relevant or bedarf.strategien
    ]
    rows = [*chosen, (data.uebergreifend_titel, list(data.uebergreifend))]
    pdf.keep_block(sum(pdf.field_height(label, value) for label, value in rows))
    if not chosen:
        pdf.paragraph("Keine relevanten Handlungsbedarfe.")
    for label, strategien in rows:
        pdf.field(label, strategien)

    pdf.heading("Förder-Check")
    check = data.foerder_check
    planned = check.geplant or check.massnahme
    pdf.keep_block(pdf.field_height("Förderung geplant", check.geplant) + (
        pdf.field_height("Maßnahme", check.massnahme) + 3 * (LINE_H + 1)
        + pdf.field_height("Begründung", check.begruendung) if planned else 0))
    pdf.field("Förderung geplant", check.geplant)
    if planned:
        pdf.field("Maßnahme", check.massnahme)
        # Boxes in the value column, under the Maßnahme they judge.
        pdf.checkbox("passgenau", check.passgenau, indent=LABEL_W)
        pdf.checkbox("erfolgswahrscheinlich", check.erfolgswahrscheinlich, indent=LABEL_W)
        pdf.checkbox("wirtschaftlich", check.wirtschaftlich, indent=LABEL_W)
        pdf.field("Begründung", check.begruendung)
    return pdf.to_bytes()
