"""Another Jobcenter's catalogue runs on the same code: the BA's 4PM structure (tests/catalogues/ba_4pm.yaml: seven
Schlüsselgruppen, six Profillagen, four Kompetenzklassen, a profiling-only group, no Integrationsprognose) through
profiling, EGV and Folgegespräch, every page and generated form in AppTest, and all four PDFs parsed back — with
no word of the shipped catalogue in any output."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from dates import today
from schemas.catalogue import SHIPPED_CATALOGUE, entry_places, parse_catalogue
from schemas.records import AktivitaetEintrag, BedarfEintrag, Role
from services.catalogue import publish_catalogue
from services.catalogue_editor import start_draft
from services.documents import auskunft, egv_pdf, einverstaendnis_pdf, profiling_print_pdf
from services.egv import close_egv, draft_egv, save_egv
from services.folgegespraech import new_folgegespraech, record_folgegespraech
from services.profiling import (
    GAP_EINVERSTAENDNIS,
    GAP_ZIEL,
    clone_profiling,
    close_profiling,
    completeness_gaps,
    save_profiling,
    start_profiling,
)
from storage.base import Store
from tests.factories import make_client, make_user
from tests.ui.conftest import ROOT, TIMEOUT
from tests.ui.test_case_pages import EGV, FOLGE, KUNDEN, PROFILING, STRATEGIEN, ZIEL, button
from tests.ui.test_literal_text import DOWNLOADS, KATALOG, START, bodies

BA_CATALOGUE = Path(__file__).resolve().parents[1] / "catalogues" / "ba_4pm.yaml"


def seed_words() -> list[str]:
    """What only the shipped catalogue says: its entries' labels (not the agreement sections, whose names are the
    format's fields), its group titles and rule phrases."""
    seed = parse_catalogue(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    labels = [p.label for p in entry_places(seed).values() if p.art != "Vereinbarungsabschnitt"]
    return [*labels, seed.integrationsprognose.label, seed.uebergreifend.label, "Z/I", "zwölf Monat", "12 Monate"]


def seed_hits(text: str) -> list[str]:
    return [word for word in seed_words() if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def fields(record: Any, **values: Any) -> Any:
    return record.model_copy(update=values)


@pytest.fixture
def ba(store: Store) -> dict[str, Any]:
    """The BA catalogue published as the store's first version; a client taken through all four phases."""
    kdn = make_user(role=Role.KDN, team="")
    trainer = store.add(make_user(role=Role.TRAINER, team=""), actor=kdn)
    ifk = store.add(make_user(role=Role.IFK, team="Team 1"), actor=kdn)
    publish_catalogue(store, BA_CATALOGUE.read_text(encoding="utf-8"), note="4PM der BA", actor=trainer)
    client = store.add(make_client(team="Team 1", vorname="Lena", nachname="Beispiel"), actor=ifk)
    profiling = start_profiling(store, client.id, actor=ifk)
    catalogue_gaps = completeness_gaps(profiling, parse_catalogue(BA_CATALOGUE.read_text(encoding="utf-8")))
    profiling = save_profiling(store, fields(
        profiling, zielberuf="Bürokaufmann",
        kompetenzklassen={"methodenkompetenz": ["Tabellenkalkulation"], "aktivitaet_umsetzung": ["zielstrebig"],
                          "sozial_kommunikativ": ["teamfaehig", "kundenorientiert"], "personal": ["Zuverlässig"]},
        handlungsbedarfe={"schulabschluss_fehlt": BedarfEintrag(relevant=True, bemerkungen="Abschluss fehlt"),
                          "regionale_nachfrage": BedarfEintrag(relevant=True, bemerkungen="Wenige Stellen"),
                          "termintreue": BedarfEintrag(relevant=True)},
        strategien={"schulabschluss_fehlt": ["abschluss_nachholen"]}, uebergreifend=["stellenvermittlung"],
        profillage="foerderprofil", integrationsziel="Arbeit als Bürokaufmann in Teilzeit",
        einverstaendnis=True, einverstaendnis_datum=today()), actor=ifk)
    closed = close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    egv = draft_egv(store, closed.id, actor=ifk)
    egv = save_egv(store, fields(egv, teilschritte="Anmeldung an der Abendschule",
                                 leistungen_jobcenter="Übernahme der Fahrtkosten",
                                 ueberpruefung_am=today() + timedelta(days=60)), actor=ifk)
    egv = close_egv(store, egv.id, revision=egv.revision, actor=ifk)
    talk = new_folgegespraech(store, client.id, actor=ifk)
    talk = record_folgegespraech(store, fields(
        talk, anliegen="Stand der Anmeldung", aktivitaeten={k: AktivitaetEintrag(erledigt=True)
                                                           for k in talk.aktivitaeten}), actor=ifk)
    pdfs = {
        "einverstaendnis": einverstaendnis_pdf(store, closed.id, actor=ifk)[1],
        "egv": egv_pdf(store, egv.id, actor=ifk)[1],
        "profiling": profiling_print_pdf(store, closed.id, actor=store.add(kdn, actor=kdn))[1],
        "auskunft": auskunft(store, client.id, actor=ifk)[1],
    }
    opened = clone_profiling(store, closed.id, actor=ifk)
    start_draft(store, actor=trainer)
    fachaufsicht = store.add(make_user(role=Role.FACHAUFSICHT, team=""), actor=kdn)
    return {"ifk": ifk, "trainer": trainer, "fachaufsicht": fachaufsicht, "kdn": kdn, "client": client, "closed": closed, "open": opened, "gaps": catalogue_gaps,
            "talk": talk, "pdfs": {kind: pdf_text(pdf) for kind, pdf in pdfs.items()}}


def test_the_ba_catalogue_runs_through_all_four_phases_without_filler(ba: dict[str, Any]) -> None:
    # no Integrationsprognose group: only the Profillage is required; the profiling-only group needs no strategy,
    # nor the Bedarf whose strategy the catalogue makes optional
    assert ba["gaps"] == ["Zielberuf fehlt", "Profillage fehlt", GAP_ZIEL, GAP_EINVERSTAENDNIS]
    assert ba["closed"].status == "abgeschlossen" and ba["talk"].revision >= 1


def test_all_four_pdfs_show_the_ba_catalogue_and_no_seed_word(ba: dict[str, Any]) -> None:
    pdfs = ba["pdfs"]
    assert {kind: seed_hits(text) for kind, text in pdfs.items()} == {kind: [] for kind in pdfs}
    for kind in ("profiling", "auskunft", "egv"):  # Kompetenzen by class
        for expected in ("Methodenkompetenz", "Tabellenkalkulation", "Aktivitäts- und Umsetzungskompetenz",
                         "Zielstrebigkeit", "Sozial-kommunikative Kompetenz", "Kundenorientierung",
                         "personale Kompetenz", *(["Förderprofil"] if kind != "egv" else [])):
            # a long label wraps in the PDF's label column: compared without spaces
            assert expected.replace(" ", "") in pdfs[kind].replace(" ", ""), (kind, expected)
    assert "Geringe regionale Nachfrage im Zielberuf" in pdfs["profiling"]
    assert "Angebote unabhängig von den Handlungsbedarfen" in pdfs["profiling"]
    assert "die Profillage: wie nah Sie dem Arbeitsmarkt" in pdfs["einverstaendnis"]
    assert "Kooperationsplan" in pdfs["egv"] and "Abschluss an einer Abendschule nachholen" in pdfs["egv"]


def test_every_page_and_generated_form_renders_the_ba_catalogue_without_a_seed_word(
        ba: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["user"] = ba["ifk"]
    at.switch_page(KUNDEN).run()
    button(at, "Auswählen").click().run()
    shown: list[tuple[str, str]] = []
    for profiling in (ba["closed"], ba["open"]):
        at.switch_page(KUNDEN).run()
        at.button(key=f"history-{profiling.id}").click().run()
        for page in (START, KUNDEN, PROFILING, ZIEL, STRATEGIEN, EGV, FOLGE, DOWNLOADS):
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
            assert not at.error, (page, [e.value for e in at.error])
            shown += [(page, text) for _, _, text in bodies(at)]
    labels = {text for _, text in shown}
    # the generated forms of the open profiling: Kompetenzen by class, the profiling-only group, the Profillage
    for expected in ("Methodenkompetenz (eine je Zeile)", "Aktivitäts- und Umsetzungskompetenz",
                     "Arbeits-/Ausbildungsmarktbedingungen", "Profillage"):
        # a Handlungsfeld's tab carries the count of relevant Bedarfe: "Arbeits-/… (0)"
        assert expected in labels or any(label.startswith(f"{expected} (") for label in labels), expected
    at.session_state["user"] = ba["trainer"]
    at.switch_page(KATALOG).run()  # the draft's tree and the form preview of the published version
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown += [(KATALOG, text) for _, _, text in bodies(at)]
    at.session_state["user"] = ba["fachaufsicht"]
    at.switch_page("pages/berichte.py").run()  # Kundensteuerung: the report names the catalogue's groups
    assert not at.exception and not at.error, at.exception
    shown += [("pages/berichte.py", text) for _, _, text in bodies(at)]
    assert "Kundinnen und Kunden nach Profillage" in {text for _, text in shown}
    hits = [(page, word) for page, text in shown for word in seed_hits(text.replace("\\", ""))]
    assert hits == []


def test_kdn_corrects_the_kompetenzen_of_a_closed_profiling_by_class(
        ba: dict[str, Any], store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["user"] = ba["kdn"]
    at.switch_page("pages/korrektur.py").run()
    at.text_input(key="korrektur_suche").input("Beispiel").run()
    closed = ba["closed"]
    at.text_area(key=f"klasse_{closed.id}_methodenkompetenz").input("Tabellenkalkulation\nPräsentation")
    at.multiselect(key=f"klasse_{closed.id}_sozial_kommunikativ").set_value(["kundenorientiert"])
    next(t for t in at.text_area if t.label.startswith("Begründung der Korrektur")).input("Datenschutzvorfall 3/2027")
    at.button[[b.label for b in at.button].index("Korrektur speichern")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    corrected = store.get(type(closed), closed.id)
    assert corrected.kompetenzklassen["methodenkompetenz"] == ["Tabellenkalkulation", "Präsentation"]
    assert corrected.kompetenzklassen["sozial_kommunikativ"] == ["kundenorientiert"]
    assert corrected.kompetenzklassen["aktivitaet_umsetzung"] == ["zielstrebig"]  # untouched classes stay
