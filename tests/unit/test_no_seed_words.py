"""The catalogue is data: no label or id of the shipped catalogue, and none of its rule phrases, is written in
product code; headings and rule texts come from the catalogue version of the record."""

from __future__ import annotations

from pathlib import Path

from schemas.catalogue import SHIPPED_CATALOGUE, entry_places, parse_catalogue

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_CODE = [*(p for d in ("pages", "services", "storage", "documents") for p in (ROOT / d).rglob("*.py")),
                *(ROOT / "schemas").glob("*.py"), ROOT / "app.py"]
#: Phrases of the seed's catalogue that are rules or headings, not labels of an entry.
PHRASES = ["Z/I", "zwölf Monat", "12 Monate", "Übergreifende Handlungsstrategien", '"Übergreifend"']
#: (file, word) pairs allowed because a comment there explains the format, or the text is no catalogue word at all.
#: Keep this list short.
ALLOWED: set[tuple[str, str]] = {
    ("documents/fpdf_internals.py", '"i"'),  # fpdf2's TTFFont attribute `i` (the font's index), not the Profillage
}


def seed_words() -> list[str]:
    """Every label and (as a string literal) every id of the shipped catalogue's entries, and its rule phrases.
    The ids of agreement sections are the format's own field names (VEREINBARUNG_FELDER) and not listed."""
    catalogue = parse_catalogue(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    words = list(PHRASES)
    for entry_id, place in entry_places(catalogue).items():
        if place.art == "Vereinbarungsabschnitt":
            continue
        words += [place.label, f'"{entry_id}"', f"'{entry_id}'"]
    words += [catalogue.uebergreifend.bemerkung, catalogue.folgegespraech.bemerkung]
    return words


def test_no_word_of_the_shipped_catalogue_is_written_in_product_code() -> None:
    words = seed_words()
    hits = [f"{path.relative_to(ROOT)}:{number}: {word!r}"
            for path in PRODUCT_CODE
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            for word in words
            if word in line and (str(path.relative_to(ROOT)), word) not in ALLOWED]
    assert not hits, "seed catalogue words in product code:\n" + "\n".join(hits)


def test_the_search_looks_for_labels_and_quoted_ids() -> None:
    assert "Berufsabschluss erwerben" in seed_words() and '"marktnah"' in seed_words()
