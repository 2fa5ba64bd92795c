"""The PDF documents parsed back with pypdf: texts, German typography, page numbers, long texts, page images."""

from __future__ import annotations

import ast
import io
import os
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents import (
    pdf_filename,
    render_auskunft,
    render_egv,
    render_einverstaendnis,
    render_profiling_print,
)
from documents.base import BODY_PT, FONT_FAMILY, LABEL_W, DocumentPDF
from documents.data import BedarfZeile, Datensatz, Feld, HandlungsfeldBlock
from tests.documents_factories import (
    TYPO,
    long_text,
    make_auskunft,
    make_egv,
    make_einverstaendnis,
    make_kooperationsplan,
    make_kunde,
    make_profiling,
)

REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = REPO / "test-artefacts" / "documents"
UMLAUTE = "ä ö ü ß Ä Ö Ü"
TYPOGRAPHY = ["„", "“", "–", "…", "€"]


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(pdf: bytes) -> str:
    """All pages as one string with whitespace collapsed, so that line breaks do not matter."""
    return " ".join(" ".join(pages(pdf)).split())


def all_documents() -> dict[str, bytes]:
    return {
        "egv": render_egv(make_egv()),
        "kooperationsplan": render_egv(make_kooperationsplan()),
        "einverstaendnis": render_einverstaendnis(make_einverstaendnis()),
        "profiling": render_profiling_print(make_profiling()),
        "auskunft": render_auskunft(make_auskunft()),
    }


@pytest.fixture(scope="module")
def documents() -> dict[str, bytes]:
    return all_documents()


def assert_page_numbers(pdf: bytes) -> None:
    texts = pages(pdf)
    for number, text in enumerate(texts, start=1):
        assert f"Seite {number} von {len(texts)}" in " ".join(text.split())


# -- EGV / Kooperationsplan -------------------------------------------------------------------------------


def test_egv_shows_parties_sections_review_date_and_signatures(documents):
    text = flat(documents["egv"])
    for expected in [
        "Jobcenter Musterstadt",
        "Eingliederungsvereinbarung nach § 15 SGB II",
        "Fassung 1 vom 24.11.2026",
        "Jürgen Öztürk-Weiß",
        "123D456789",
        "07.03.1984",
        "Sabine Größer (Team 451 – Markt & Integration)",
        "Integrationsziel",
        "Vereinbarte Handlungsstrategien",
        "• Vermittlung in Arbeit",
        "Teilschritte und Zwischenziele",
        "Staplerschein („Flurförderzeuge“)",
        "Leistungen des Jobcenters",
        "Bemühungen der Kundin / des Kunden",
        "Angebote anderer Leistungsträger",
        "Überprüfung am 24.05.2027",
        "Musterstadt, 24.11.2026, ",
        "Ort, Datum, Unterschrift Kundin / Kunde",
        "Ort, Datum, Unterschrift für das Jobcenter (Sabine Größer)",
    ]:
        assert expected in text, expected
    assert "Fortschreibung" not in text
    assert_page_numbers(documents["egv"])


def test_egv_sections_follow_the_template_order(documents):
    text = flat(documents["egv"])
    labels = [a.label for a in make_egv().vorlage.abschnitte]
    positions = [text.index(label) for label in labels]
    assert positions == sorted(positions)


def test_empty_section_prints_a_dash(documents):
    text = flat(documents["egv"])
    assert "Angebote anderer Leistungsträger — Überprüfung" in text


def test_fortschreibung_names_the_previous_fassung():
    pdf = render_egv(make_egv(fassung=3, datum=date(2027, 5, 24), vorherige_fassung_datum=date(2026, 11, 24)))
    assert "Fassung 3 vom 24.05.2027 – Fortschreibung der Fassung 2 vom 24.11.2026" in flat(pdf)
    assert "Fassung 3" in pages(pdf)[-1]  # footer of every page names the Fassung


def test_fortschreibung_without_previous_date_is_refused():
    with pytest.raises(ValueError, match="vorherigen Fassung"):
        render_egv(make_egv(fassung=2))


def test_kooperationsplan_is_one_page_with_own_sections_and_no_signatures(documents):
    pdf = documents["kooperationsplan"]
    text = flat(pdf)
    assert len(pages(pdf)) == 1
    assert "Kooperationsplan nach § 15 SGB II" in text
    for label in [
        "Ihr berufliches Ziel",
        "Ihr nächstes Zwischenziel",
        "Ihre nächsten Schritte",
        "So unterstützt Sie das Jobcenter",
        "Weitere Unterstützung",
        "Sonstiges",
    ]:
        assert label in text
    assert "1.500 €" in text
    assert "Unterschrift" not in text
    assert "Ort, Datum" not in text
    assert "Bemühungen der Kundin" not in text
    assert "Kooperationsplan · Kundennummer 123D456789" in text


def test_section_ids_outside_the_template_are_not_printed():
    data = make_egv(inhalte={**make_egv().inhalte, "fremd": "Dieser Text gehört zu keinem Abschnitt"})
    assert "keinem Abschnitt" not in flat(render_egv(data))


def test_three_page_egv_numbers_its_pages():
    pdf = render_egv(make_egv(inhalte={**make_egv().inhalte, "teilschritte": long_text(5000)}))
    assert len(pages(pdf)) == 3
    assert_page_numbers(pdf)


# -- long texts ---------------------------------------------------------------------------------------------


def assert_every_word(pdf: bytes, text: str) -> None:
    """Every word of `text` appears once, in order; page breaks may put headers and footers in between."""
    expected = text.split()
    wanted = set(expected)
    found = [token for token in " ".join(pages(pdf)).split() if token in wanted]
    assert found == expected


def test_long_egv_section_keeps_every_word():
    text = long_text(5000)
    assert len(text) >= 5000 and set("äöüßÄÖÜ") <= set(text)
    pdf = render_egv(make_egv(inhalte={**make_egv().inhalte, "bemuehungen_kunde": text}))
    assert len(pages(pdf)) >= 2
    assert_every_word(pdf, text)
    assert_page_numbers(pdf)


def test_long_remark_in_profiling_print_keeps_every_word():
    text = long_text(5000, prefix="Bem")
    bedarf = BedarfZeile("Gesundheit", True, text, ("Gesundheit stabilisieren",))
    pdf = render_profiling_print(
        make_profiling(handlungsfelder=(HandlungsfeldBlock("Leistungsfähigkeit", (bedarf,)),))
    )
    assert_every_word(pdf, text)
    assert_page_numbers(pdf)


def test_value_longer_than_a_page_in_auskunft_keeps_every_word():
    text = long_text(8000, prefix="Feld")
    data = make_auskunft(datensaetze=(Datensatz("Folgegespräch vom 15.12.2026", (Feld("Anliegen", text),)),))
    pdf = render_auskunft(data)
    assert_every_word(pdf, text)
    assert_page_numbers(pdf)


def test_text_area_input_prints_cleanly():
    """Regression guard: CR LF, tabs and soft hyphens from pasted text must not print as boxes or hyphens."""
    text = "Erste\u00adZeile\r\nzweite\tZeile\rdritte Zeile {nb}"
    pdf = render_egv(make_egv(inhalte={**make_egv().inhalte, "sonstiges": text, "teilschritte": text}))
    extracted = flat(pdf)
    assert "ErsteZeile zweite Zeile dritte Zeile {nb}" in extracted
    assert "\u00ad" not in extracted and "-Zeile" not in extracted


def test_word_wider_than_the_line_is_split_but_kept():
    word = "Bewerbungsunterlagen" * 12
    pdf = render_egv(make_egv(inhalte={**make_egv().inhalte, "teilschritte": f"Siehe {word} Ende"}))
    assert word in "".join(" ".join(pages(pdf)).split())


# -- typography ---------------------------------------------------------------------------------------------

LEGAL = ("§ 15 SGB II", "Art. 15 DSGVO", "§ 83 SGB X", "§§ 67a ff. SGB X", "§ 10 Abs. 1 Nr. 2 SGB II", "450 €")


def test_legal_references_and_amounts_never_break_across_lines():
    pdf = DocumentPDF(jobcenter="Jobcenter", title="Test")
    for width in range(50, 171, 7):
        for shift in range(12):  # moves every reference through every place of a line
            lines = pdf.wrap("Wort " * shift + "nach " + " und ".join(LEGAL) + " gilt das.", width)
            for reference in LEGAL:
                assert any(reference in line for line in lines), (width, shift, reference, lines)


def test_no_line_of_any_document_ends_inside_a_legal_reference(documents):
    broken = re.compile(r"(§§?|§§? \d+[a-z]?|Art\.|Art\. \d+|SGB)$")
    for name, pdf in documents.items():
        for text in pages(pdf):
            for line in text.splitlines():
                assert not broken.search(line.strip()), (name, line)



UMLAUT_TEXT = f"Ärger Öfen Übung Bäcker Höhe Tür Straße {TYPO}"


@pytest.mark.parametrize(
    "render",
    [
        lambda: render_egv(make_egv(inhalte={**make_egv().inhalte, "angebote_dritter": UMLAUT_TEXT})),
        lambda: render_egv(make_kooperationsplan(inhalte={"sonstiges": UMLAUT_TEXT})),
        lambda: render_einverstaendnis(make_einverstaendnis(integrationsziel=UMLAUT_TEXT)),
        lambda: render_profiling_print(make_profiling(zielberuf=UMLAUT_TEXT)),
        lambda: render_auskunft(make_auskunft(stammdaten=(Feld("Anschrift", UMLAUT_TEXT),))),
    ],
    ids=["egv", "kooperationsplan", "einverstaendnis", "profiling", "auskunft"],
)
def test_umlauts_and_typographic_characters_survive(render):
    text = flat(render())
    assert UMLAUT_TEXT in text
    assert "Jürgen Öztürk-Weiß" in text
    for char in UMLAUTE.split() + TYPOGRAPHY:
        assert char in text


def test_characters_outside_the_common_set_still_print():
    pdf = render_egv(make_egv(kunde=make_kunde(name="Ἀλέξανδρος Ωмега ☃")))
    assert "Ἀλέξανδρος Ωмега ☃" in flat(pdf)


def test_every_page_of_every_document_is_numbered(documents):
    for pdf in documents.values():
        assert_page_numbers(pdf)


# -- Einverständniserklärung --------------------------------------------------------------------------------


def test_einverstaendnis_names_purpose_stored_data_right_to_auskunft_and_signatures(documents):
    text = flat(documents["einverstaendnis"])
    for expected in [
        "Einverständniserklärung zum Profiling",
        "Jürgen Öztürk-Weiß",
        "123D456789",
        "24.11.2026",
        "Standortbestimmung",
        "Integrationsziel",
        "Handlungsstrategien",
        "Zielberuf",
        "Kompetenzen",
        "Handlungsbedarfe",
        "Bemerkungen",
        "Integrationsprognose",
        "Art. 15 DSGVO",
        "jederzeit",
        "Aufnahme einer Beschäftigung als Fachkraft für Lagerlogistik („Vollzeit“)",
        "Ort, Datum, Unterschrift Kundin / Kunde (Jürgen Öztürk-Weiß)",
        "Ort, Datum, Unterschrift Integrationsfachkraft (Sabine Größer)",
    ]:
        assert expected in text, expected
    assert_page_numbers(documents["einverstaendnis"])


def test_einverstaendnis_names_the_catalogues_agreement_and_says_consent_is_voluntary():
    text = flat(render_einverstaendnis(make_einverstaendnis(vereinbarung="Kooperationsplan")))
    assert "Die weiteren Schritte halten wir schriftlich fest, im Dokument „Kooperationsplan“." in text
    assert "Eingliederungsvereinbarung" not in text and "bzw." not in text
    assert "Ihr Einverständnis ist freiwillig." in text
    assert "jederzeit ohne Angabe von Gründen widerrufen" in text


def test_einverstaendnis_fits_one_page_and_keeps_the_statement_with_the_signatures():
    assert len(pages(render_einverstaendnis(make_einverstaendnis(vereinbarung="Eingliederungsvereinbarung")))) == 1
    long_goal = "Aufnahme einer Beschäftigung als Fachkraft für Lagerlogistik in Vollzeit. " * 8
    printed = pages(render_einverstaendnis(make_einverstaendnis(integrationsziel=long_goal)))
    signed = [n for n, text in enumerate(printed) if "Ich bin mit dem gemeinsam festgelegten" in text]
    assert signed == [n for n, text in enumerate(printed) if "Ort, Datum, Unterschrift Kundin" in text]


def test_einverstaendnis_without_goal_omits_the_goal_line():
    text = flat(render_einverstaendnis(make_einverstaendnis(integrationsziel="")))
    assert "Vereinbartes Integrationsziel" not in text


# -- Profiling-Ausdruck -------------------------------------------------------------------------------------


def test_profiling_print_is_marked_for_the_file_on_every_page():
    bedarf = BedarfZeile("Gesundheit", True, long_text(5000), ())
    pdf = render_profiling_print(
        make_profiling(handlungsfelder=(HandlungsfeldBlock("Leistungsfähigkeit", (bedarf,)),))
    )
    texts = pages(pdf)
    assert len(texts) >= 2
    for text in texts:
        assert "Ausdruck für die Akte – nur KDN-Fachbetreuung" in " ".join(text.split())


def test_profiling_print_shows_status_versions_needs_and_strategies(documents):
    text = flat(documents["profiling"])
    for expected in [
        "Profiling – Ausdruck für die Akte",
        "abgeschlossen am 24.11.2026 14:05 von IFK Team 451",  # UTC 13:05 is 14:05 in Berlin (winter)
        "20.11.2026 09:30",
        "Katalogversion 3",
        "Fachkraft für Lagerlogistik",
        "Teamfähigkeit – „sehr gut“",
        "Qualifikation",
        "Schulische Qualifikation relevant: nein",
        "Berufliche Qualifikation relevant: ja",
        "Bemerkungen: Kein anerkannter Abschluss; Teilqualifikation möglich …",
        "Integrationsprognose marktnah",
        "Einverständnis ja, erklärt am 24.11.2026",
        "Mobilität • Mobilität herstellen",
        "Übergreifend • Vermittlung in Arbeit",
        "Staplerschein (AVGS) – 450 €",
        "passgenau",
        "wirtschaftlich",
    ]:
        assert expected in text, expected


def test_profiling_print_keeps_each_handlungsfeld_with_all_its_rows_on_one_page():
    felder = tuple(HandlungsfeldBlock(f"Feld {f}", tuple(BedarfZeile(f"Bedarf {f}.{b}", False) for b in range(5)))
                   for f in range(5))
    for count in range(0, 24, 2):  # more Kompetenzen move the Handlungsfelder down the pages
        data = make_profiling(handlungsfelder=felder, kompetenzen=tuple(f"Kompetenz {n}" for n in range(count)))
        for text in pages(render_profiling_print(data)):
            for feld in felder:
                shown = [f"{bedarf.label} relevant" in " ".join(text.split()) for bedarf in feld.bedarfe]
                assert all(shown) or not any(shown), (count, feld.label, shown)


def test_open_profiling_print_says_offen():
    text = flat(
        render_profiling_print(make_profiling(status="offen", abgeschlossen_am=None, abgeschlossen_von=""))
    )
    assert "Status offen" in text


# -- Auskunft -----------------------------------------------------------------------------------------------


def test_auskunft_lists_data_purposes_recipients_and_accesses(documents):
    text = flat(documents["auskunft"])
    for expected in [
        "Auskunft nach Art. 15 DSGVO / § 83 SGB X",
        "Datum der Auskunft 25.11.2026",
        "Integrationsarbeit nach dem SGB II",
        "4-Phasen-Modell",
        "KDN-Fachbetreuung (Anwendungsbetreuung)",
        "Profiling vom 20.11.2026 (abgeschlossen)",
        "Eingliederungsvereinbarung, Fassung 1 vom 24.11.2026",
        "Folgegespräch vom 15.12.2026",
        "Nächster Termin —",
        "• Zuverlässigkeit",
        "Einverständnis ja",
        "C-579/21",
        "Zugriffe und Weitergaben",
    ]:
        assert expected in text, expected
    for zugriff in make_auskunft().zugriffe:
        assert zugriff.stelle in text
        assert zugriff.zweck in text
    assert "20.11.2026 09:15" in text  # access times in Berlin time


def test_auskunft_with_many_accesses_breaks_pages_and_keeps_rows():
    many = tuple(replace(z, zweck=f"Anlass{i:03d}") for i, z in enumerate(make_auskunft().zugriffe * 20))
    pdf = render_auskunft(make_auskunft(zugriffe=many))
    text = flat(pdf)
    assert all(f"Anlass{i:03d}" in text for i in range(len(many)))
    assert len(pages(pdf)) >= 3
    assert_page_numbers(pdf)


def test_auskunft_keeps_the_access_heading_with_its_table():
    # more or fewer stored fields move the heading "Zugriffe und Weitergaben" over the whole page
    for count in range(0, 48, 2):
        felder = tuple(Feld(f"Feld {n}", "Wert") for n in range(count))
        pdf = render_auskunft(make_auskunft(datensaetze=(Datensatz("Folgegespräch vom 15.12.2026", felder),)))
        for text in pages(pdf):
            if "Zugriffe und Weitergaben" in text:
                assert "Zeitpunkt" in text and "Anlass / Zweck" in text, count


def test_file_names_in_the_auskunft_break_only_after_underscore_or_hyphen():
    name = "EGV_123D456789_2026-11-24.pdf"
    pdf = DocumentPDF(jobcenter="Jobcenter", title="Test")
    pdf.set_font(FONT_FAMILY, "B", BODY_PT)
    assert pdf.wrap(name, LABEL_W - 4) == ["EGV_123D456789_", "2026-11-24.pdf"]
    data = make_auskunft(
        datensaetze=(Datensatz("An Sie ausgehändigte Dokumente", (Feld(name, "ausgehändigt am 24.11.2026"),)),),
        zugriffe=tuple(replace(z, datensatz=f"Dokument {name}") for z in make_auskunft().zugriffe[:2]),
    )
    lines = [line for text in pages(render_auskunft(data)) for line in text.splitlines()]
    assert sum("2026-11-24.pdf" in line for line in lines) == 3  # the label and two rows of the access table


def test_pdf_filename_is_safe_and_dated():
    assert pdf_filename("EGV", "123D456789", date(2026, 11, 24)) == "EGV_123D456789_2026-11-24.pdf"
    assert (
        pdf_filename("Einverständnis", "../12 3", date(2026, 1, 2)) == "Einverstaendnis_12-3_2026-01-02.pdf"
    )


# -- architecture and page images ---------------------------------------------------------------------------


def test_documents_import_neither_streamlit_nor_services_nor_storage():
    for path in (REPO / "documents").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"streamlit", "services", "storage", "pages"}, (path, name)


@pytest.mark.slow
def test_first_page_of_every_document_renders_to_png(documents):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (Debian poppler-utils) is missing on CI")
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils): page images not rendered")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for name, pdf in documents.items():
        (ARTEFACTS / f"{name}.pdf").write_bytes(pdf)
        target = ARTEFACTS / name
        subprocess.run(
            [
                pdftoppm,
                "-png",
                "-r",
                "110",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(ARTEFACTS / f"{name}.pdf"),
                str(target),
            ],
            check=True,
            timeout=60,
        )
        png = target.with_suffix(".png")
        assert png.stat().st_size > 10_000, png
        assert re.match(rb"\x89PNG", png.read_bytes()[:4])
