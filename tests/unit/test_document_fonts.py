"""Fonts of the PDF documents: emoji print with the shipped fallback font, nothing vanishes, fpdf2 internals checked."""

from __future__ import annotations

import io

from pypdf import PdfReader

from documents import render_egv
from documents.fpdf_internals import check_fpdf_internals
from tests.documents_factories import make_egv, make_kunde


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_fpdf2_still_has_the_internals_the_fast_font_embedding_relies_on() -> None:
    check_fpdf_internals()  # raises with a message naming documents/fpdf_internals.py when fpdf2 changed


def test_emoji_in_a_client_text_print_with_the_fallback_font_and_read_back() -> None:
    inhalte = {**make_egv().inhalte, "teilschritte": "Bewerbungen schreiben 👍 ✅ bis Freitag 😀"}
    pdf = render_egv(make_egv(inhalte=inhalte))
    text = _text(pdf)
    for emoji in ["👍", "✅", "😀"]:
        assert emoji in text
    assert "Bewerbungen schreiben" in text and "bis Freitag" in text
    assert any("NotoEmoji" in name for name in _font_names(pdf))


def test_a_document_without_emoji_embeds_dejavu_only() -> None:
    assert not any("NotoEmoji" in name for name in _font_names(render_egv(make_egv())))


def test_a_character_in_no_shipped_font_prints_as_a_replacement_mark_instead_of_vanishing() -> None:
    pdf = render_egv(make_egv(kunde=make_kunde(name="Li 漢字 Wang")))
    text = _text(pdf)
    assert "Li �� Wang" in text
