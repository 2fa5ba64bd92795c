"""Folgegespräch (seed 4.4): the four activities, validation, the suggested next step and the Beratungsvermerk."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dates import format_date, today
from errors import InvalidInput, NotPermitted
from schemas.records import AktivitaetEintrag, Folgegespraech
from services.egv import draft_egv, save_egv
from services.folgegespraech import (
    NAECHSTER_SCHRITT,
    OFFENES_WEITER,
    aktivitaeten_luecken,
    aktivitaeten_warnung,
    ist_vollstaendig,
    list_folgegespraeche,
    naechster_schritt,
    new_folgegespraech,
    offene_aktivitaeten,
    record_folgegespraech,
)
from services.profiling import beratungsvermerk, clone_profiling, close_profiling, save_profiling
from tests.factories import make_client, make_profiling

VIER_AKTIVITAETEN = [
    "Abgleich der EGV mit dem tatsächlichen Stand der Umsetzung",
    "Überprüfung von Profiling, Ziel und Strategieauswahl",
    "Besprechung von Bewerbungsaktivitäten",
    "Vereinbarung nächster Schritte",
]


@pytest.fixture
def profiling(store, client, ifk):
    return save_profiling(
        store,
        make_profiling(
            client.id,
            relevant=["oertliche_mobilitaet"],
            zielberuf="Fachlagerist/in",
            integrationsprognose="marktnah",
            integrationsziel="Arbeitsaufnahme",
            strategien={"oertliche_mobilitaet": ["mobilitaet_erhoehen"]},
        ),
        actor=ifk,
    )


def test_new_folgegespraech_has_the_four_activities_of_chapter_4_4_not_done(store, client, ifk, catalogue):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)

    assert gespraech.revision == 0 and gespraech.datum == today()
    assert [catalogue.label(a) for a in gespraech.aktivitaeten] == VIER_AKTIVITAETEN
    assert not any(entry.erledigt for entry in gespraech.aktivitaeten.values())
    assert offene_aktivitaeten(gespraech, catalogue) == VIER_AKTIVITAETEN


def test_new_folgegespraech_refers_to_the_newest_closed_profiling_and_the_newest_egv(
    store, client, ifk, profiling, catalogue
):
    egv = save_egv(store, draft_egv(store, profiling.id, actor=ifk), actor=ifk)
    closed = close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    save_profiling(store, make_profiling(client.id), actor=ifk)  # newer, but still open

    gespraech = new_folgegespraech(store, client.id, actor=ifk)

    assert (gespraech.profiling_id, gespraech.egv_id) == (closed.id, egv.id)
    assert gespraech.catalogue_version == closed.catalogue_version


def test_recorded_folgegespraech_keeps_the_checklist_with_notes(store, client, ifk, profiling, catalogue):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)
    gespraech.anliegen = "Rückmeldung zur Bewerbung bei Logistik Nord"
    gespraech.aktivitaeten["egv_abgleich"] = AktivitaetEintrag(erledigt=True, notiz="Fahrkosten beantragt")
    gespraech.naechster_termin = today() + timedelta(days=28)

    saved = record_folgegespraech(store, gespraech, actor=ifk)

    assert saved.revision == 1
    stored = store.get(Folgegespraech, saved.id)
    assert stored.aktivitaeten["egv_abgleich"] == AktivitaetEintrag(
        erledigt=True, notiz="Fahrkosten beantragt"
    )
    assert offene_aktivitaeten(stored, catalogue) == VIER_AKTIVITAETEN[1:]


def test_missing_activities_are_added_to_the_checklist(store, client, ifk, catalogue):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)
    del gespraech.aktivitaeten["bewerbungsaktivitaeten"]

    saved = record_folgegespraech(store, gespraech, actor=ifk)

    assert list(saved.aktivitaeten) == [a.id for a in catalogue.folgegespraech.aktivitaeten]


def test_folgegespraech_cannot_be_dated_in_the_future(store, client, ifk, catalogue):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)
    gespraech.datum = today() + timedelta(days=1)

    with pytest.raises(InvalidInput) as error:
        record_folgegespraech(store, gespraech, actor=ifk)

    assert error.value.field == "datum"


@pytest.mark.parametrize("days", [0, -3])
def test_next_appointment_must_be_after_the_talk(store, client, ifk, catalogue, days):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)
    gespraech.naechster_termin = gespraech.datum + timedelta(days=days)

    with pytest.raises(InvalidInput) as error:
        record_folgegespraech(store, gespraech, actor=ifk)

    assert error.value.field == "naechster_termin"
    assert store.list_for_client(Folgegespraech, client.id) == []


def test_folgegespraech_refuses_unknown_activities_long_texts_and_foreign_links(
    store, client, ifk, catalogue
):
    other_client = store.add(make_client(team="Team 1"), actor=ifk)
    foreign = save_profiling(store, make_profiling(other_client.id), actor=ifk)
    cases = [
        ({"aktivitaeten": {"gibt_es_nicht": AktivitaetEintrag()}}, "aktivitaeten"),
        (
            {"aktivitaeten": {"egv_abgleich": AktivitaetEintrag(notiz="n" * 5001)}},
            "aktivitaeten.egv_abgleich",
        ),
        ({"anliegen": "a" * 5001}, "anliegen"),
        ({"profiling_id": foreign.id}, "profiling_id"),
    ]
    for update, field in cases:
        gespraech = new_folgegespraech(store, client.id, actor=ifk).model_copy(update=update)
        with pytest.raises(InvalidInput) as error:
            record_folgegespraech(store, gespraech, actor=ifk)
        assert error.value.field == field


def test_folgegespraeche_are_listed_newest_first(store, client, ifk, catalogue):
    older = new_folgegespraech(store, client.id, actor=ifk)
    older.datum = today() - timedelta(days=30)
    older = record_folgegespraech(store, older, actor=ifk)
    newer = record_folgegespraech(store, new_folgegespraech(store, client.id, actor=ifk), actor=ifk)

    assert [g.id for g in list_folgegespraeche(store, client.id, actor=ifk)] == [newer.id, older.id]


def test_suggested_next_step_clones_the_profiling_for_an_update(store, client, ifk, profiling, catalogue):
    assert NAECHSTER_SCHRITT == "Profiling klonen und aktualisieren"
    close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    gespraech = record_folgegespraech(store, new_folgegespraech(store, client.id, actor=ifk), actor=ifk)

    clone = clone_profiling(store, gespraech.profiling_id, actor=ifk)

    assert clone.cloned_from == profiling.id and clone.zielberuf == profiling.zielberuf


def test_next_step_and_beratungsvermerk_refer_to_the_newest_closed_profiling(store, client, ifk, catalogue):
    for _ in range(2):  # the store stamps created_at; the second is the newer one
        saved = save_profiling(store, make_profiling(client.id, zielberuf="Koch", integrationsprognose="marktfern"),
                               actor=ifk)
        newer = close_profiling(store, saved.id, revision=saved.revision, actor=ifk)

    schritt = naechster_schritt(store, client.id, actor=ifk)

    assert (schritt.offen, schritt.abgeschlossen) == (None, newer)
    assert schritt.beratungsvermerk == f"Standortbestimmung, siehe Profiling vom {format_date(newer.created_at)}"


def test_an_open_profiling_is_continued_instead_of_cloned_again(store, client, ifk, profiling, catalogue):
    closed = close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    clone = clone_profiling(store, closed.id, actor=ifk)

    schritt = naechster_schritt(store, client.id, actor=ifk)

    assert OFFENES_WEITER == "Offenes Profiling weiterbearbeiten"
    assert (schritt.offen, schritt.abgeschlossen) == (clone, closed)
    assert schritt.beratungsvermerk == beratungsvermerk(closed)  # never the open clone


def test_without_a_closed_profiling_there_is_no_beratungsvermerk(store, client, ifk, profiling, catalogue):
    schritt = naechster_schritt(store, client.id, actor=ifk)

    assert (schritt.offen, schritt.abgeschlossen, schritt.beratungsvermerk) == (profiling, None, None)


def test_a_talk_with_no_activity_done_is_saved_with_a_warning(store, client, ifk, catalogue):
    gespraech = record_folgegespraech(store, new_folgegespraech(store, client.id, actor=ifk), actor=ifk)

    assert gespraech.revision == 1
    warning = aktivitaeten_warnung(gespraech, catalogue)
    assert warning.startswith("Das Folgegespräch ist gespeichert, aber noch offen. Jedes Folgegespräch deckt "
                              "mindestens die 4 Aktivitäten ab – es fehlt: ")
    assert all(label in warning for label in VIER_AKTIVITAETEN)


def test_one_activity_of_four_documented_still_warns_and_names_the_other_three(store, client, ifk, catalogue):
    # regression: with one of four ticked the talk was silently taken as complete
    gespraech = new_folgegespraech(store, client.id, actor=ifk)
    gespraech.aktivitaeten["egv_abgleich"] = AktivitaetEintrag(erledigt=True, notiz="Stand wie vereinbart")

    saved = record_folgegespraech(store, gespraech, actor=ifk)

    assert not ist_vollstaendig(saved, catalogue)
    assert aktivitaeten_luecken(saved, catalogue) == [
        f"„{label}“: weder dokumentiert noch als „entfällt“ markiert" for label in VIER_AKTIVITAETEN[1:]]


def test_a_tick_without_note_and_entfaellt_without_reason_are_not_documented(store, client, ifk, catalogue):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)
    gespraech.aktivitaeten["egv_abgleich"] = AktivitaetEintrag(erledigt=True)
    gespraech.aktivitaeten["bewerbungsaktivitaeten"] = AktivitaetEintrag(entfaellt=True, notiz="  ")

    gaps = aktivitaeten_luecken(gespraech, catalogue)

    assert f"„{VIER_AKTIVITAETEN[0]}“: Notiz fehlt" in gaps
    assert f"„{VIER_AKTIVITAETEN[2]}“: Grund für „entfällt“ fehlt" in gaps


def test_talk_is_complete_when_each_activity_is_documented_or_entfaellt_with_reason(store, client, ifk, catalogue):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)
    for aktivitaet_id in gespraech.aktivitaeten:
        gespraech.aktivitaeten[aktivitaet_id] = AktivitaetEintrag(erledigt=True, notiz="besprochen")
    gespraech.aktivitaeten["bewerbungsaktivitaeten"] = AktivitaetEintrag(
        entfaellt=True, notiz="Kundin ist in Vollzeitmaßnahme")

    saved = record_folgegespraech(store, gespraech, actor=ifk)

    assert ist_vollstaendig(saved, catalogue)
    assert aktivitaeten_warnung(saved, catalogue) is None
    assert offene_aktivitaeten(saved, catalogue) == []


def test_an_activity_both_discussed_and_entfaellt_is_refused_at_its_field(store, client, ifk, catalogue):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)
    gespraech.aktivitaeten["egv_abgleich"] = AktivitaetEintrag(erledigt=True, entfaellt=True, notiz="x")

    with pytest.raises(InvalidInput) as raised:
        record_folgegespraech(store, gespraech, actor=ifk)

    assert raised.value.field == "aktivitaeten.egv_abgleich"
    assert store.list_for_client(Folgegespraech, client.id) == []


def test_beratungsvermerk_text_is_ready_to_copy(store, client, ifk, profiling):
    text = beratungsvermerk(profiling)

    assert re.fullmatch(r"Standortbestimmung, siehe Profiling vom \d{2}\.\d{2}\.\d{4}", text)
    assert text.endswith(format_date(profiling.created_at))


def test_ifk_of_another_team_is_refused(store, client, ifk, ifk_other_team, catalogue):
    gespraech = new_folgegespraech(store, client.id, actor=ifk)

    for call in [
        lambda: new_folgegespraech(store, client.id, actor=ifk_other_team),
        lambda: record_folgegespraech(store, gespraech, actor=ifk_other_team),
        lambda: list_folgegespraeche(store, client.id, actor=ifk_other_team),
    ]:
        with pytest.raises(NotPermitted):
            call()


@pytest.mark.parametrize("role_fixture", ["trainer", "fachaufsicht"])
def test_trainer_and_fachaufsicht_get_no_folgegespraeche(
    request, store, client, ifk, catalogue, role_fixture
):
    actor = request.getfixturevalue(role_fixture)
    gespraech = new_folgegespraech(store, client.id, actor=ifk)

    for call in [
        lambda: new_folgegespraech(store, client.id, actor=actor),
        lambda: record_folgegespraech(store, gespraech, actor=actor),
        lambda: list_folgegespraeche(store, client.id, actor=actor),
    ]:
        with pytest.raises(NotPermitted):
            call()
