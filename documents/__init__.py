"""PDF documents of the 4-Phasen-Modell (fpdf2): plain data from `documents.data` in, PDF bytes out."""

import re
from datetime import date

from documents.auskunft import render_auskunft
from documents.base import preload_fonts
from documents.egv import render_egv
from documents.einverstaendnis import render_einverstaendnis
from documents.profiling import render_profiling_print

__all__ = [
    "pdf_filename",
    "preload_fonts",
    "render_auskunft",
    "render_egv",
    "render_einverstaendnis",
    "render_profiling_print",
]


_UMLAUTE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def pdf_filename(kind: str, kundennummer: str, datum: date) -> str:
    """File name for a download, e.g. `EGV_123D456789_2026-11-24.pdf`.

    Umlauts are spelt out (ä → ae); any other character but letters, digits, "-" and "_" becomes "-", so
    that no name can leave the download folder or trip up a browser or mail program.
    """
    safe = [
        re.sub(r"[^A-Za-z0-9_-]+", "-", part.translate(_UMLAUTE)).strip("-") or "-"
        for part in (kind, kundennummer)
    ]
    return f"{safe[0]}_{safe[1]}_{datum.isoformat()}.pdf"
