"""No character vanishes from a document (18.9): text a font cannot print is refused at input, naming it.

The printable set comes from the shipped fonts' cmaps (`glyphs`); every entry point of text that reaches a document
refuses the rest with a German message at its field, and every accepted character comes back from a parsed PDF.
"""

from __future__ import annotations

import io
import random
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader

import glyphs
from documents.base import DocumentPDF
from errors import CatalogueInvalid, InvalidInput
from schemas.catalogue import SHIPPED_CATALOGUE
from schemas.records import BedarfEintrag, Client, Egv, Folgegespraech, Profiling
from services import catalogue_editor, clients, egv, folgegespraech, profiling
from services.catalogue import check_catalogue, publish_catalogue
from tests.factories import make_profiling

#: Characters in none of the shipped fonts (CJK, Devanagari), right-to-left letters (printed unjoined and
#: reversed), a control, a bidi override and the replacement character that marks a lost one.
UNPRINTABLE = ["漢", "字", "क", "ש", "ع", "\x07", "\u202e", "\ufffd"]


def _refused_naming(refused: pytest.ExceptionInfo[InvalidInput], char: str) -> None:
    message = refused.value.message
    assert "kann in Dokumenten nicht gedruckt werden" in message
    assert f"U+{ord(char):04X}" in message
    if char.isprintable() and unicodedata.category(char)[0] not in "CZM":
        assert f"„{char}“" in message


def test_the_printable_set_is_read_from_the_shipped_fonts_once():
    printable = glyphs.printable()
    assert printable is glyphs.printable()  # loaded once, a frozenset
    assert isinstance(printable, frozenset)
    assert {"ä", "ß", "€", "„", "–", "Ł", "ğ", "Ω", "Я", "😀", "🚀", "\n", "\ufe0f"} <= printable
    assert not printable & set(UNPRINTABLE)
    assert glyphs.unprintable("Arbeit als Koch 🚀\r\n") == []
    assert glyphs.unprintable("李 漢字 李") == ["李", "漢", "字"]


@pytest.mark.parametrize("char", UNPRINTABLE)
def test_a_profiling_note_with_an_unprintable_character_is_refused_at_its_field(store, ifk, client, char):
    draft = make_profiling(client.id, handlungsbedarfe={
        "berufliche_qualifikation": BedarfEintrag(relevant=True, bemerkungen=f"Zeugnis aus dem Ausland {char}")})
    with pytest.raises(InvalidInput) as refused:
        profiling.save_profiling(store, draft, actor=ifk)
    assert refused.value.field == "handlungsbedarfe.berufliche_qualifikation.bemerkungen"
    _refused_naming(refused, char)
    assert store.list_for_client(Profiling, client.id) == []


def test_the_integrationsziel_names_every_unprintable_character_and_emoji_pass(store, ifk, client):
    with pytest.raises(InvalidInput) as refused:
        profiling.save_profiling(store, make_profiling(client.id, integrationsziel="Koch 漢字"), actor=ifk)
    assert refused.value.field == "integrationsziel"
    assert "Die Zeichen „漢“ (U+6F22), „字“ (U+5B57) können in Dokumenten nicht gedruckt werden" in (
        refused.value.message)
    saved = profiling.save_profiling(store, make_profiling(client.id, integrationsziel="Koch 👨‍🍳 in Köln"), actor=ifk)
    assert saved.integrationsziel == "Koch 👨‍🍳 in Köln"


@pytest.mark.parametrize("char", ["漢", "ש"])
def test_an_egv_text_with_an_unprintable_character_is_refused_at_its_field(store, ifk, client, char):
    stored = profiling.save_profiling(store, make_profiling(client.id, zielberuf="Koch",
                                                            uebergreifend=["vermittlung_arbeit_ausbildung"]),
                                      actor=ifk)
    draft = egv.draft_egv(store, stored.id, actor=ifk)
    draft.teilschritte = f"Bewerbung bei {char}"
    with pytest.raises(InvalidInput) as refused:
        egv.save_egv(store, draft, actor=ifk)
    assert refused.value.field == "teilschritte"
    _refused_naming(refused, char)
    assert store.list_for_client(Egv, client.id) == []


@pytest.mark.parametrize("field", ["vorname", "nachname"])
def test_a_client_name_with_an_unprintable_character_is_refused_at_its_field(store, ifk, catalogue, field):
    names = {"vorname": "Wei", "nachname": "Li"} | {field: "李"}
    with pytest.raises(InvalidInput) as refused:
        clients.create_client(store, kundennummer="123D000042", geburtsdatum=date(1990, 1, 1), actor=ifk, **names)
    assert refused.value.field == field
    _refused_naming(refused, "李")
    assert store.find_clients("") == []


def test_a_stammdaten_correction_with_an_unprintable_character_is_refused(store, ifk, client):
    from services import akte

    with pytest.raises(InvalidInput) as refused:
        akte.correct_stammdaten(store, client.id, revision=client.revision, kundennummer=client.kundennummer,
                                vorname="Łukasz", nachname="王", geburtsdatum=client.geburtsdatum, actor=ifk)
    assert refused.value.field == "nachname"
    assert store.get(Client, client.id).nachname == client.nachname


def test_a_folgegespraech_note_with_an_unprintable_character_is_refused(store, ifk, client):
    gespraech = folgegespraech.new_folgegespraech(store, client.id, actor=ifk)
    gespraech.anliegen = "Termin verschoben 漢"
    with pytest.raises(InvalidInput) as refused:
        folgegespraech.record_folgegespraech(store, gespraech, actor=ifk)
    assert refused.value.field == "anliegen"
    assert store.list_for_client(Folgegespraech, client.id) == []


def test_a_catalogue_label_with_an_unprintable_character_is_refused_in_german(store, trainer, catalogue):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace("label: Wohnsituation", "label: Wohnsituation 漢", 1)
    assert "Wohnsituation 漢" in text
    with pytest.raises(CatalogueInvalid) as refused:
        check_catalogue(text, source="katalog.yaml")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "漢" in row)
    assert (f"katalog.yaml, Zeile {line}: Das Zeichen „漢“ (U+6F22) kann in Dokumenten nicht gedruckt werden. "
            "Bitte ersetzen oder entfernen Sie es. (in „Wohnsituation 漢“)") in refused.value.problems
    with pytest.raises(CatalogueInvalid):
        publish_catalogue(store, text, note="Wohnsituation geändert", actor=trainer)


def test_a_label_typed_in_the_catalogue_editor_with_an_unprintable_character_is_refused(store, trainer, catalogue):
    draft = catalogue_editor.start_draft(store, actor=trainer)
    with pytest.raises(InvalidInput) as refused:
        catalogue_editor.rename_entry(store, "wohnsituation", "Wohnen 漢", revision=draft.revision, actor=trainer)
    assert refused.value.field == "label"
    _refused_naming(refused, "漢")


def _sample(seed: int = 18_9, per_block: int = 12) -> list[str]:
    """Up to `per_block` accepted characters of every 256-code-point block (fixed seed: the same run each time)."""
    blocks: dict[int, list[str]] = {}
    for char in sorted(glyphs.printable() - glyphs.SILENT):
        blocks.setdefault(ord(char) >> 8, []).append(char)
    rng = random.Random(seed)
    return [char for chars in blocks.values() for char in rng.sample(chars, min(per_block, len(chars)))]


def test_every_accepted_character_comes_back_from_the_parsed_pdf():
    """A property-style sample over the accepted set's blocks, as body text and as a bold label: each character
    is in the text pypdf extracts (blanks of other widths come back as blanks)."""
    sample = _sample()
    assert len(sample) > 300 and any(ord(c) > 0x1F000 for c in sample)  # emoji among them
    pdf = DocumentPDF(jobcenter="Jobcenter Musterstadt", title="Zeichenprobe")
    rows = ["".join(sample[i:i + 40]) for i in range(0, len(sample), 40)]
    for row in rows:
        pdf.paragraph(" ".join(row))
        pdf.field(row[:8], row[8:])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.to_bytes())).pages)

    drawn = [c for c in sample if not c.isspace()]
    assert [c for c in drawn if c not in text] == []
    assert "\ufffd" not in text


def test_a_display_name_no_font_prints_is_refused(store, kdn):
    """Staff names print on the EGV (the Fachkraft) and on the profiling print."""
    from services import users

    with pytest.raises(InvalidInput) as refused:
        users.create_user(store, username="neu.konto", display_name="王 Fang", role="IFK", team="Team 1",
                          password="Korrekt-Pferd-Batterie-7", actor=kdn)
    assert refused.value.field == "display_name"
    _refused_naming(refused, "王")
