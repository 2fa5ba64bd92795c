"""Phase 4 EGV: prefilled from the chosen strategies, edited, agreed (closed) and continued (Fortschreibung)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import yaml
from pypdf import PdfReader

from dates import add_months, today
from documents import render_egv
from errors import (
    CatalogueInvalid,
    Incomplete,
    InvalidInput,
    LifecycleError,
    NotFound,
    NotPermitted,
    RecordClosed,
)
from schemas.catalogue import (
    KOOPERATIONSPLAN_BLOCK,
    SHIPPED_CATALOGUE,
    VEREINBARUNG_FELDER,
    parse_catalogue,
    with_vereinbarung,
)
from schemas.records import BedarfEintrag, Egv, Profiling, Status
from services.catalogue import get_catalogue, publish_catalogue
from services.documents import egv_inhalte, egv_pdf
from services.egv import (
    close_egv,
    draft_egv,
    egv_gaps,
    egv_label,
    egv_versions,
    follow_profiling,
    fortschreiben_egv,
    open_egv,
    save_egv,
    ziel_abweichung,
)
from services.profiling import close_profiling, save_profiling
from tests.documents_factories import make_egv as make_egv_daten
from tests.factories import make_profiling


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def profiling(store, client, ifk):
    """A saved profiling: two relevant Bedarfe with strategies (one kept for a Bedarf no longer relevant)."""
    profiling = make_profiling(
        client.id,
        relevant=["oertliche_mobilitaet", "berufliche_qualifikation"],
        zielberuf="Fachlagerist/in",
        integrationsprognose="marktnah",
        integrationsziel="Arbeitsaufnahme als Fachlagerist in Vollzeit",
        strategien={
            "oertliche_mobilitaet": ["mobilitaet_erhoehen"],
            "berufliche_qualifikation": ["berufsabschluss_erwerben", "teilqualifikation_realisieren"],
            "wohnsituation": ["wohnsituation_stabilisieren"],
        },
        uebergreifend=["vermittlung_arbeit_ausbildung"],
    )
    profiling.handlungsbedarfe["wohnsituation"] = BedarfEintrag(relevant=False)
    return save_profiling(store, profiling, actor=ifk)


def filled(egv: Egv) -> Egv:
    """The EGV with a step after every template line and the client's Bemühungen."""
    egv.teilschritte = "\n".join(f"{line}bis Ende des Monats" for line in egv.teilschritte.splitlines())
    egv.bemuehungen_kunde = "Mindestens acht Bewerbungen im Monat"
    return egv


def agreed(store, profiling, ifk) -> Egv:
    """Close the profiling (if open), then agree a filled EGV made from it."""
    if profiling.status == Status.OFFEN:
        close_profiling(store, profiling.id, revision=store.get(Profiling, profiling.id).revision, actor=ifk)
    saved = save_egv(store, filled(draft_egv(store, profiling.id, actor=ifk)), actor=ifk)
    return close_egv(store, saved.id, revision=saved.revision, actor=ifk)


def test_draft_is_unsaved_and_prefilled_from_the_profiling(store, profiling, ifk):
    egv = draft_egv(store, profiling.id, actor=ifk)

    assert egv.revision == 0 and egv.status == Status.OFFEN and egv.fassung == 1 and egv.previous_id is None
    assert (egv.client_id, egv.profiling_id) == (profiling.client_id, profiling.id)
    assert egv.catalogue_version == profiling.catalogue_version
    assert egv.integrationsziel == "Arbeitsaufnahme als Fachlagerist in Vollzeit"
    # catalogue order: Qualifikation before Rahmenbedingungen, then the übergreifende strategies;
    # the strategy kept for the no longer relevant Wohnsituation is not agreed
    assert egv.strategien == [
        "teilqualifikation_realisieren",
        "berufsabschluss_erwerben",
        "mobilitaet_erhoehen",
        "vermittlung_arbeit_ausbildung",
    ]
    assert egv.teilschritte.splitlines() == [  # one line per strategy, to be completed after the colon
        "- Berufliche (Teil-) Qualifikation realisieren: ",
        "- Berufsabschluss erwerben: ",
        "- Mobilität erhöhen: ",
        "- Vermittlung in Arbeit/ Ausbildung 1. AMA: ",
    ]
    assert egv.ueberpruefung_am == add_months(today(), 3)
    with pytest.raises(NotFound):
        store.get(Egv, egv.id)


def test_edited_egv_is_saved_and_stays_open(store, profiling, ifk):
    egv = draft_egv(store, profiling.id, actor=ifk)
    egv.leistungen_jobcenter = "Übernahme der Fahrkosten zu Vorstellungsgesprächen"
    egv.bemuehungen_kunde = "Mindestens acht Bewerbungen im Monat"
    egv.angebote_dritter = "Schuldnerberatung der Stadt"

    saved = save_egv(store, egv, actor=ifk)

    assert saved.revision == 1 and saved.status == Status.OFFEN
    assert store.get(Egv, saved.id).bemuehungen_kunde == "Mindestens acht Bewerbungen im Monat"


def test_draft_for_a_profiling_with_an_open_egv_returns_that_egv(store, profiling, ifk):
    saved = save_egv(store, draft_egv(store, profiling.id, actor=ifk), actor=ifk)

    assert draft_egv(store, profiling.id, actor=ifk) == saved


def test_draft_for_a_profiling_with_an_agreed_egv_points_to_the_fortschreibung(store, profiling, ifk):
    agreed(store, profiling, ifk)

    with pytest.raises(LifecycleError) as error:
        draft_egv(store, profiling.id, actor=ifk)

    assert "fort" in error.value.message


def test_new_egv_refuses_a_review_date_in_the_past(store, profiling, ifk):
    egv = draft_egv(store, profiling.id, actor=ifk)
    egv.ueberpruefung_am = today() - timedelta(days=1)

    with pytest.raises(InvalidInput) as error:
        save_egv(store, egv, actor=ifk)

    assert error.value.field == "ueberpruefung_am"


@pytest.mark.parametrize(
    "field",
    ["integrationsziel", "teilschritte", "zwischenziel", "leistungen_jobcenter", "bemuehungen_kunde",
     "angebote_dritter", "sonstiges"],
)
def test_egv_texts_are_limited_to_10000_characters(store, profiling, ifk, field):
    egv = draft_egv(store, profiling.id, actor=ifk)
    setattr(egv, field, "x" * 10001)

    with pytest.raises(InvalidInput) as error:
        save_egv(store, egv, actor=ifk)

    assert error.value.field == field


def test_egv_refuses_an_unknown_strategy(store, profiling, ifk):
    egv = draft_egv(store, profiling.id, actor=ifk)
    egv.strategien.append("gibt_es_nicht")

    with pytest.raises(InvalidInput) as error:
        save_egv(store, egv, actor=ifk)

    assert error.value.field == "strategien"


def test_closing_an_egv_needs_ziel_strategy_and_review_date(store, profiling, ifk):
    profiling = save_profiling(store, profiling.model_copy(update={"strategien": {}, "uebergreifend": []}),
                               actor=ifk)
    profiling.handlungsbedarfe["oertliche_mobilitaet"].relevant = False
    profiling.handlungsbedarfe["berufliche_qualifikation"].relevant = False
    profiling = save_profiling(store, profiling.model_copy(update={"profillage": "z", "integrationsprognose": None}),
                               actor=ifk)
    close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    egv = filled(draft_egv(store, profiling.id, actor=ifk))
    egv.teilschritte = "Bewerbungen schreiben"
    egv.integrationsziel, egv.ueberpruefung_am = "", None
    saved = save_egv(store, egv, actor=ifk)

    with pytest.raises(Incomplete) as error:
        close_egv(store, saved.id, revision=saved.revision, actor=ifk)

    assert error.value.missing == [
        "„Integrationsziel“ ist noch leer",
        "Es ist keine Handlungsstrategie vereinbart",
        "Datum der Überprüfung fehlt",
    ]
    assert error.value.message.startswith("EGV Fassung 1 kann noch nicht abgeschlossen werden")


def test_agreed_egv_is_closed_and_read_only(store, profiling, ifk):
    egv = agreed(store, profiling, ifk)

    assert egv.status == Status.ABGESCHLOSSEN
    with pytest.raises(RecordClosed):
        save_egv(store, egv.model_copy(update={"teilschritte": "geändert"}), actor=ifk)
    with pytest.raises(LifecycleError):
        close_egv(store, egv.id, revision=egv.revision, actor=ifk)


def test_fortschreibung_is_a_new_open_fassung_linked_to_the_previous_one(store, profiling, ifk):
    first = agreed(store, profiling, ifk)

    second = fortschreiben_egv(store, first.id, actor=ifk)

    assert second.id != first.id and second.revision == 1 and second.status == Status.OFFEN
    assert (second.fassung, second.previous_id, second.profiling_id) == (2, first.id, profiling.id)
    for field in (
        "integrationsziel",
        "strategien",
        "teilschritte",
        "leistungen_jobcenter",
        "bemuehungen_kunde",
    ):
        assert getattr(second, field) == getattr(first, field), field
    assert second.ueberpruefung_am >= today()


def test_previous_fassung_stays_readable_and_unchanged_after_the_fortschreibung(store, profiling, ifk):
    first = agreed(store, profiling, ifk)
    second = fortschreiben_egv(store, first.id, actor=ifk)
    second.teilschritte = "- Mobilität erhöhen: Führerschein Klasse B bis März"
    second = save_egv(store, second, actor=ifk)

    versions = egv_versions(store, profiling.client_id, actor=ifk)

    assert [v.id for v in versions] == [second.id, first.id]
    assert versions[1] == first and open_egv(store, first.id, actor=ifk) == first
    assert versions[1].teilschritte != second.teilschritte
    assert egv_label(versions[0]).startswith("Fassung 2 vom ")


def test_open_egv_is_edited_not_continued_and_a_fassung_is_continued_once(store, profiling, ifk):
    close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    open_one = save_egv(store, filled(draft_egv(store, profiling.id, actor=ifk)), actor=ifk)
    with pytest.raises(LifecycleError):
        fortschreiben_egv(store, open_one.id, actor=ifk)

    first = close_egv(store, open_one.id, revision=open_one.revision, actor=ifk)
    fortschreiben_egv(store, first.id, actor=ifk)
    with pytest.raises(LifecycleError):
        fortschreiben_egv(store, first.id, actor=ifk)


def test_fortschreibung_keeps_a_passed_review_date_out(store, profiling, ifk, kdn):
    first = agreed(store, profiling, ifk)
    # the agreed review date has passed meanwhile (written directly: the services never accept it)
    first = store.override_save(
        first.model_copy(update={"ueberpruefung_am": date(2020, 1, 1)}),
        actor=kdn,
        reason="Test: Überprüfungsdatum verstrichen",
    )

    second = fortschreiben_egv(store, first.id, actor=ifk)

    assert second.ueberpruefung_am == add_months(today(), 3)


def test_reading_egv_versions_is_audited(store, profiling, ifk):
    egv = save_egv(store, draft_egv(store, profiling.id, actor=ifk), actor=ifk)

    egv_versions(store, profiling.client_id, actor=ifk)

    assert [e.action for e in store.audit_entries(record_id=egv.id)] == ["angelegt", "gelesen"]


def test_ifk_of_another_team_is_refused_every_egv_use_case(store, profiling, ifk, ifk_other_team):
    egv = save_egv(store, draft_egv(store, profiling.id, actor=ifk), actor=ifk)

    for call in [
        lambda: draft_egv(store, profiling.id, actor=ifk_other_team),
        lambda: save_egv(store, egv, actor=ifk_other_team),
        lambda: close_egv(store, egv.id, revision=egv.revision, actor=ifk_other_team),
        lambda: fortschreiben_egv(store, egv.id, actor=ifk_other_team),
        lambda: open_egv(store, egv.id, actor=ifk_other_team),
        lambda: egv_versions(store, profiling.client_id, actor=ifk_other_team),
    ]:
        with pytest.raises(NotPermitted):
            call()


@pytest.mark.parametrize("role_fixture", ["trainer", "fachaufsicht"])
def test_trainer_and_fachaufsicht_get_no_egv(request, store, profiling, ifk, role_fixture):
    actor = request.getfixturevalue(role_fixture)
    egv = save_egv(store, draft_egv(store, profiling.id, actor=ifk), actor=ifk)

    for call in [
        lambda: draft_egv(store, profiling.id, actor=actor),
        lambda: open_egv(store, egv.id, actor=actor),
        lambda: egv_versions(store, profiling.client_id, actor=actor),
    ]:
        with pytest.raises(NotPermitted):
            call()


# --- the EGV follows the profiling; closing needs a closed profiling and filled fields (audit 1) -------------


def test_open_egv_takes_over_the_strategies_the_profiling_chose_since(store, profiling, ifk):
    saved = save_egv(store, draft_egv(store, profiling.id, actor=ifk), actor=ifk)
    profiling.uebergreifend = []
    profiling.strategien["berufliche_qualifikation"] = ["berufsabschluss_erwerben"]
    profiling = save_profiling(store, profiling, actor=ifk)

    egv = draft_egv(store, profiling.id, actor=ifk)
    followed, stored_profiling = follow_profiling(store, saved, actor=ifk)

    assert egv.id == saved.id
    assert egv.strategien == followed.strategien == ["berufsabschluss_erwerben", "mobilitaet_erhoehen"]
    assert stored_profiling == profiling
    assert store.get(Egv, saved.id).strategien == saved.strategien  # taken over on the next save only


def test_egv_is_not_agreed_while_the_profiling_is_open(store, profiling, ifk):
    saved = save_egv(store, filled(draft_egv(store, profiling.id, actor=ifk)), actor=ifk)

    with pytest.raises(Incomplete) as error:
        close_egv(store, saved.id, revision=saved.revision, actor=ifk)

    assert error.value.missing == ["Das Profiling ist noch offen – bitte zuerst das Profiling abschließen"]
    assert store.get(Egv, saved.id).status == Status.OFFEN


def test_egv_with_other_strategies_than_the_profiling_is_not_agreed(store, profiling, ifk):
    close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    stale = filled(draft_egv(store, profiling.id, actor=ifk))
    stale.strategien = ["mobilitaet_erhoehen"]
    saved = save_egv(store, stale, actor=ifk)

    with pytest.raises(Incomplete) as error:
        close_egv(store, saved.id, revision=saved.revision, actor=ifk)

    assert error.value.missing == [
        ("Die Handlungsstrategien weichen vom Profiling ab – bitte die Vereinbarung erneut speichern; sie übernimmt "
        "dann die Strategien des Profilings")
    ]
    followed, _ = follow_profiling(store, saved, actor=ifk)
    agreed_egv = close_egv(store, save_egv(store, followed, actor=ifk).id, revision=saved.revision + 1, actor=ifk)
    assert agreed_egv.status == Status.ABGESCHLOSSEN


def test_gaps_list_empty_bemuehungen_and_unfilled_teilschritt_lines(store, profiling, ifk, catalogue):
    egv = draft_egv(store, profiling.id, actor=ifk)
    egv.teilschritte = ("- Berufsabschluss erwerben: Anmeldung zur Externenprüfung\n"
                        "- Mobilität erhöhen:\n"
                        "- Vermittlung in Arbeit/ Ausbildung 1. AMA:   ")

    gaps = egv_gaps(egv, catalogue)

    assert gaps == [
        "„Bemühungen der Kundin / des Kunden“ ist noch leer",
        ("„Teilschritte und Zwischenziele“: Für „Mobilität erhöhen“, „Vermittlung in Arbeit/ Ausbildung 1. AMA“ "
        "ist noch kein Schritt eingetragen"),
    ]
    assert egv_gaps(filled(egv), catalogue) == []


def test_a_different_integrationsziel_in_the_profiling_is_offered(store, profiling, ifk):
    egv = draft_egv(store, profiling.id, actor=ifk)
    assert ziel_abweichung(egv, profiling) is None

    profiling.integrationsziel = "Ausbildung zur Fachkraft für Lagerlogistik"

    assert ziel_abweichung(egv, profiling) == "Ausbildung zur Fachkraft für Lagerlogistik"


# --- sections are catalogue data (audit 2) --------------------------------------------------------------------


def catalogue_text(**replacements: str) -> str:
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_a_section_names_its_field_and_an_unknown_field_is_refused_naming_the_allowed_ones():
    text = catalogue_text(**{"      feld: angebote_dritter\n": "      feld: angebote\n"})

    with pytest.raises(CatalogueInvalid) as error:
        parse_catalogue(text, source="katalog.yaml")

    (message,) = error.value.problems
    assert "Abschnitt „angebote_dritter“ › feld: „angebote“ ist kein Feld der Vereinbarung" in message
    assert "Erlaubt sind: " + ", ".join(VEREINBARUNG_FELDER) in message


def test_a_new_section_id_without_feld_is_refused_instead_of_vanishing():
    text = catalogue_text(**{"    - id: angebote_dritter\n      label: Angebote anderer Leistungsträger\n"
                             "      feld: angebote_dritter\n": "    - id: dritte\n      label: Angebote Dritter\n"})

    with pytest.raises(CatalogueInvalid) as error:
        parse_catalogue(text, source="katalog.yaml")

    assert "„dritte“ ist kein Feld der Vereinbarung (ohne „feld:“ gilt die id des Abschnitts)" in error.value.message


def test_two_offered_sections_showing_one_field_are_refused():
    text = catalogue_text(**{"      feld: angebote_dritter\n": "      feld: teilschritte\n"})

    with pytest.raises(CatalogueInvalid) as error:
        parse_catalogue(text, source="katalog.yaml")

    assert ("Die Abschnitte „Teilschritte und Zwischenziele“ und „Angebote anderer Leistungsträger“ zeigen beide "
            "das Feld „teilschritte“") in error.value.message


def test_renamed_section_id_with_feld_shows_its_field_and_a_retired_one_is_not_shown_nor_printed(
        store, profiling, ifk, trainer):
    text = catalogue_text(**{
        "    - id: leistungen_jobcenter\n": "    - id: unterstuetzung\n",
        "      label: Angebote anderer Leistungsträger\n": "      label: Angebote anderer Leistungsträger\n"
                                                          "      ausgesondert: true\n",
    })
    publish_catalogue(store, text, note="Abschnitt umbenannt, einer ausgesondert", actor=trainer)
    moved = save_profiling(store, profiling.model_copy(update={"id": "p2", "revision": 0, "catalogue_version": 2}),
                           actor=ifk)
    egv = draft_egv(store, moved.id, actor=ifk)
    egv.leistungen_jobcenter = "Fahrkostenerstattung"
    egv.angebote_dritter = "Schuldnerberatung der Stadt"
    egv = save_egv(store, egv, actor=ifk)
    catalogue = get_catalogue(store, 2)

    assert [a.id for a in catalogue.vereinbarung.angeboten()] == [
        "integrationsziel", "handlungsstrategien", "teilschritte", "unterstuetzung", "bemuehungen_kunde"]
    assert egv_inhalte(egv, catalogue)["unterstuetzung"] == "Fahrkostenerstattung"
    text = pdf_text(egv_pdf(store, egv.id, actor=ifk)[1])
    assert "Leistungen des Jobcenters Fahrkostenerstattung" in text
    assert "Angebote anderer Leistungsträger" not in text and "Schuldnerberatung" not in text


def test_kooperationsplan_example_holds_only_the_agreement_block():
    data = yaml.safe_load(KOOPERATIONSPLAN_BLOCK.read_text(encoding="utf-8"))

    assert list(data) == ["vereinbarung"]
    catalogue = parse_catalogue(with_vereinbarung(SHIPPED_CATALOGUE.read_text(encoding="utf-8"),
                                                  KOOPERATIONSPLAN_BLOCK.read_text(encoding="utf-8")))
    shipped = parse_catalogue(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    assert catalogue.model_dump(exclude={"vereinbarung"}) == shipped.model_dump(exclude={"vereinbarung"})
    assert catalogue.vereinbarung.kurzname == "Kooperationsplan"


def test_kooperationsplan_has_its_own_zwischenziel_next_steps_from_bemuehungen_and_sonstiges(
        store, client, ifk, trainer):
    publish_catalogue(store, with_vereinbarung(SHIPPED_CATALOGUE.read_text(encoding="utf-8"),
                                               KOOPERATIONSPLAN_BLOCK.read_text(encoding="utf-8")),
                      note="Kooperationsplan", actor=trainer)
    profiling = save_profiling(store, make_profiling(
        client.id, catalogue_version=2, relevant=["berufliche_qualifikation"], zielberuf="Verkäuferin",
        integrationsprognose="marktnah", integrationsziel="Arbeit als Verkäuferin in Teilzeit",
        strategien={"berufliche_qualifikation": ["berufsabschluss_erwerben"]}), actor=ifk)
    close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    egv = draft_egv(store, profiling.id, actor=ifk)
    assert egv.teilschritte == ""  # the Kooperationsplan has no Teilschritte section to prefill
    egv.zwischenziel = "Führerschein Klasse B bis März"
    egv.bemuehungen_kunde = "Bewerbungsmappe fertigstellen"
    egv.sonstiges = "Kinderbetreuung ist geklärt"
    egv = save_egv(store, egv, actor=ifk)
    catalogue = get_catalogue(store, 2)
    assert egv_gaps(egv, catalogue, store.get(Profiling, profiling.id)) == []

    egv = close_egv(store, egv.id, revision=egv.revision, actor=ifk)
    text = pdf_text(egv_pdf(store, egv.id, actor=ifk)[1])

    assert "Ihr berufliches Ziel Arbeit als Verkäuferin in Teilzeit" in text
    assert "Ihr Zwischenziel Führerschein Klasse B bis März" in text
    assert "Ihre nächsten Schritte Bewerbungsmappe fertigstellen" in text
    assert "Sonstiges Kinderbetreuung ist geklärt" in text
    assert "Berufsabschluss erwerben" not in text  # strategies are not a Kooperationsplan section


# --- the printed agreement (audit 12) ---------------------------------------------------------------------


def test_signature_lines_never_stand_alone_on_a_page():
    """However long the sections, the signatures stay on the page of the review date."""
    counts = set()
    for lines in range(30):
        data = make_egv_daten(inhalte={**make_egv_daten().inhalte,
                                       "teilschritte": "\n".join(f"Schritt {n}" for n in range(lines))})
        pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(render_egv(data))).pages]
        counts.add(len(pages))
        (page,) = [p for p in pages if "Unterschrift Kundin / Kunde" in p]
        assert "Überprüfung am" in page, f"{lines} Zeilen: Unterschriften ohne Überprüfungsdatum"
    assert counts == {1, 2}  # the range crosses the page break
