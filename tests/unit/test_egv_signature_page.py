"""The page the client signs shows what was agreed: EGVs of 1–30 steps rendered and parsed back with pypdf."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from documents import render_egv
from tests.documents_factories import long_text, make_egv

SIGNATURE = "Unterschrift Kundin / Kunde"


def signature_page(pdf: bytes) -> str:
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    (page,) = [p for p in pages if SIGNATURE in p]
    return page


@pytest.mark.parametrize("steps", range(1, 31))
def test_signature_page_holds_agreed_steps_whatever_their_number(steps):
    """Teilschritte and the client's Bemühungen as n lines each, strategies as n items."""
    base = make_egv()
    data = make_egv(inhalte={
        **base.inhalte,
        "handlungsstrategien": [f"Strategie{n:02d} unterstützen" for n in range(steps)],
        "teilschritte": "\n".join(f"Schritt{n:02d}: bis Monatsende erledigen" for n in range(steps)),
        "bemuehungen_kunde": "\n".join(f"Bemühung{n:02d}: fünf Bewerbungen" for n in range(steps)),
    })
    page = signature_page(render_egv(data))
    assert re.search(r"Bemühung\d\d", page), f"{steps} Schritte: die Unterschriftenseite zeigt nichts Vereinbartes"


@pytest.mark.parametrize("steps", range(1, 31))
def test_signature_page_holds_agreed_text_when_only_the_strategies_grow(steps):
    """Only a list grows (the last agreed section is a list): its last item goes with the signatures."""
    base = make_egv()
    inhalte = {key: "" for key in base.inhalte} | {
        "integrationsziel": base.inhalte["integrationsziel"],
        "handlungsstrategien": [f"Strategie{n:02d} unterstützen" for n in range(steps)],
    }
    page = signature_page(render_egv(make_egv(inhalte=inhalte)))
    assert re.search(r"Strategie\d\d", page), f"{steps} Strategien: die Unterschriftenseite zeigt nichts Vereinbartes"


@pytest.mark.parametrize("chars", [2000, 3500, 5000, 8000])
def test_signature_page_holds_the_end_of_a_long_last_section(chars):
    base = make_egv()
    text = long_text(chars, prefix="Nachweis")
    page = signature_page(render_egv(make_egv(inhalte={**base.inhalte, "bemuehungen_kunde": text})))
    assert text.split()[-1] in page
