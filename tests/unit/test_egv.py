"""Phase 4 EGV: prefilled from the chosen strategies, edited, agreed (closed) and continued (Fortschreibung)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from errors import Incomplete, InvalidInput, LifecycleError, NotFound, NotPermitted, RecordClosed
from schemas.records import BedarfEintrag, Egv, Status
from services.dates import add_months, today
from services.egv import (
    close_egv,
    draft_egv,
    egv_label,
    egv_versions,
    fortschreiben_egv,
    open_egv,
    save_egv,
)
from services.profiling import save_profiling
from tests.factories import make_profiling


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


def agreed(store, profiling, ifk) -> Egv:
    saved = save_egv(store, draft_egv(store, profiling.id, actor=ifk), actor=ifk)
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
    ["integrationsziel", "teilschritte", "leistungen_jobcenter", "bemuehungen_kunde", "angebote_dritter"],
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
    egv = draft_egv(store, profiling.id, actor=ifk)
    egv.integrationsziel, egv.strategien, egv.ueberpruefung_am = "", [], None
    saved = save_egv(store, egv, actor=ifk)

    with pytest.raises(Incomplete) as error:
        close_egv(store, saved.id, revision=saved.revision, actor=ifk)

    assert error.value.missing == [
        "Integrationsziel fehlt",
        "Es ist keine Handlungsstrategie vereinbart",
        "Datum der Überprüfung fehlt",
    ]
    assert error.value.message.startswith("Die EGV kann noch nicht abgeschlossen werden")


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
    open_one = save_egv(store, draft_egv(store, profiling.id, actor=ifk), actor=ifk)
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
