"""Maßnahmen (seed 4.3) and Absolventenmanagement in the Wiedervorlage; Beschäftigungsaufnahme (seed 4.4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dates import today
from errors import InvalidInput
from schemas.records import Beschaeftigungsaufnahme, FoerderCheck, Massnahme, Vertretung
from services.access import SYSTEM
from services.beschaeftigung import (
    list_beschaeftigungsaufnahmen,
    new_beschaeftigungsaufnahme,
    record_beschaeftigungsaufnahme,
    vorgeschlagene_strategien,
)
from services.folgegespraech import new_folgegespraech, record_folgegespraech
from services.massnahmen import foerder_checks, list_massnahmen, new_massnahme, record_massnahme
from services.profiling import save_profiling
from services.wiedervorlage import list_wiedervorlage
from tests.unit.world import complete_profiling

HEUTE = today()


def massnahme(store, client, ifk, **fields) -> Massnahme:
    m = new_massnahme(store, client.id, actor=ifk)
    return m.model_copy(update={"titel": "Umschulung Fachkraft Lagerlogistik", "traeger": "Bildungswerk Nord",
                                "beginn": HEUTE - timedelta(days=300), "ende_geplant": HEUTE + timedelta(days=60),
                                **fields})


def arten(store, ifk, **kwargs) -> list[tuple[str, date]]:
    return [(w.art, w.faellig_am) for w in list_wiedervorlage(store, actor=ifk, **kwargs)]


# --- recording --------------------------------------------------------------------------------------------------


def test_a_measure_is_stored_with_strategy_and_later_its_actual_end_and_outcome(store, client, ifk, catalogue):
    saved = record_massnahme(store, massnahme(store, client, ifk, strategie_id="berufsabschluss_erwerben"), actor=ifk)

    ended = record_massnahme(store, saved.model_copy(update={"ende_tatsaechlich": HEUTE,
                                                             "ergebnis": "erfolgreich_abgeschlossen"}), actor=ifk)

    assert ended.revision == 2
    (stored,) = list_massnahmen(store, client.id, actor=ifk)
    assert (stored.titel, stored.strategie_id, stored.ergebnis) == (
        "Umschulung Fachkraft Lagerlogistik", "berufsabschluss_erwerben", "erfolgreich_abgeschlossen")


def test_the_outcomes_are_catalogue_data(catalogue):
    assert [e.label for e in catalogue.massnahmen.ergebnisse][:2] == [
        "erfolgreich abgeschlossen", "abgeschlossen, Ziel nicht erreicht"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"titel": "  "}, "titel"),
    ({"ende_geplant": HEUTE - timedelta(days=301)}, "ende_geplant"),
    ({"ende_tatsaechlich": HEUTE - timedelta(days=400)}, "ende_tatsaechlich"),
    ({"ende_tatsaechlich": HEUTE + timedelta(days=1)}, "ende_tatsaechlich"),
    ({"ergebnis": "erfolgreich_abgeschlossen"}, "ergebnis"),
    ({"ende_tatsaechlich": HEUTE, "ergebnis": "gibt_es_nicht"}, "ergebnis"),
    ({"strategie_id": "gibt_es_nicht"}, "strategie_id"),
    ({"beginn": date(1, 1, 1)}, "beginn"),
    ({"ende_geplant": date(9999, 12, 31)}, "ende_geplant"),
    ({"gefoerdert": True}, "foerder_profiling_id"),
])
def test_bad_measure_input_is_refused_at_its_field_and_the_stored_measure_stays(store, client, ifk, catalogue,
                                                                              fields, field):
    saved = record_massnahme(store, massnahme(store, client, ifk), actor=ifk)

    with pytest.raises(InvalidInput) as raised:
        record_massnahme(store, saved.model_copy(update=fields), actor=ifk)

    assert raised.value.field == field
    assert store.get(Massnahme, saved.id) == saved


def test_a_funded_measure_links_a_confirmed_foerder_check_of_the_same_client(store, client, ifk, catalogue):
    unconfirmed = save_profiling(store, complete_profiling(client.id, foerderung_geplant=True,
                                                           foerder_check=FoerderCheck(massnahme="Umschulung")), actor=ifk)
    with pytest.raises(InvalidInput) as raised:
        record_massnahme(store, massnahme(store, client, ifk, gefoerdert=True, foerder_profiling_id=unconfirmed.id),
                         actor=ifk)
    assert raised.value.field == "foerder_profiling_id"

    confirmed = save_profiling(store, complete_profiling(
        client.id, foerderung_geplant=True,
        foerder_check=FoerderCheck(massnahme="Umschulung", passgenau=True, erfolgswahrscheinlich=True,
                                   wirtschaftlich=True)), actor=ifk)
    assert [p.id for p in foerder_checks(store, client.id, actor=ifk)] == [confirmed.id]
    saved = record_massnahme(store, massnahme(store, client, ifk, gefoerdert=True, foerder_profiling_id=confirmed.id),
                             actor=ifk)
    assert saved.foerder_profiling_id == confirmed.id


# --- Absolventenmanagement in the Wiedervorlage -------------------------------------------------------------------


def test_a_measure_shows_within_the_catalogue_look_ahead_before_its_planned_end(store, client, ifk, catalogue):
    record_massnahme(store, massnahme(store, client, ifk, ende_geplant=HEUTE + timedelta(days=20)), actor=ifk)
    record_massnahme(store, massnahme(store, client, ifk, ende_geplant=HEUTE + timedelta(days=60)), actor=ifk)

    assert arten(store, ifk) == [("Maßnahme endet", HEUTE + timedelta(days=20))]  # look-ahead 28 days


def test_an_ended_measure_shows_until_a_folgegespraech_is_held_after_its_end(store, client, ifk, catalogue):
    ende = HEUTE - timedelta(days=3)
    record_massnahme(store, massnahme(store, client, ifk, ende_geplant=HEUTE + timedelta(days=30),
                                      ende_tatsaechlich=ende, ergebnis="abbruch_sonstiges"), actor=ifk)
    before = new_folgegespraech(store, client.id, actor=ifk).model_copy(update={"datum": ende - timedelta(days=1)})
    record_folgegespraech(store, before, actor=ifk)
    assert arten(store, ifk) == [("Nach Maßnahmeende", ende)]
    assert list_wiedervorlage(store, actor=ifk)[0].ueberfaellig

    record_folgegespraech(store, new_folgegespraech(store, client.id, actor=ifk), actor=ifk)  # today

    assert arten(store, ifk) == []


def test_a_measure_whose_planned_end_passed_without_actual_end_counts_as_ended(store, client, ifk, catalogue):
    record_massnahme(store, massnahme(store, client, ifk, ende_geplant=HEUTE - timedelta(days=1)), actor=ifk)

    assert arten(store, ifk) == [("Nach Maßnahmeende", HEUTE - timedelta(days=1))]


def test_measures_of_another_team_do_not_show(store, client, ifk, ifk_other_team, catalogue):
    record_massnahme(store, massnahme(store, client, ifk, ende_geplant=HEUTE + timedelta(days=2)), actor=ifk)

    assert arten(store, ifk_other_team) == []


def test_a_deputy_sees_the_measures_and_job_starts_of_the_team_stood_in_for(store, client, ifk, ifk_other_team,
                                                                             catalogue):
    record_massnahme(store, massnahme(store, client, ifk, ende_geplant=HEUTE + timedelta(days=2)), actor=ifk)
    aufnahme = new_beschaeftigungsaufnahme(store, client.id, actor=ifk).model_copy(update={
        "datum": HEUTE - timedelta(days=40), "arbeitgeber": "Logistik Nord GmbH", "wochenstunden": 30,
        "leistungen_weiter": False, "nachhalten_am": HEUTE})
    record_beschaeftigungsaufnahme(store, aufnahme, actor=ifk)
    store.add(Vertretung(id="v-bernd", vertreter=ifk_other_team.username, team=client.team, von=HEUTE,
                         bis=HEUTE + timedelta(days=7), grund="Urlaub"), actor=SYSTEM)

    assert arten(store, ifk_other_team) == [("Nachhalten Beschäftigung", HEUTE),
                                            ("Maßnahme endet", HEUTE + timedelta(days=2))]


# --- Beschäftigungsaufnahme ----------------------------------------------------------------------------------------


def test_a_job_start_suggests_the_catalogues_strategies_and_a_follow_up_date(store, client, ifk, catalogue):
    aufnahme = new_beschaeftigungsaufnahme(store, client.id, actor=ifk)

    assert aufnahme.strategien == vorgeschlagene_strategien(catalogue) == ["beschaeftigungsaufnahme_stabilisieren"]
    assert vorgeschlagene_strategien(catalogue, leistungen_weiter=True) == [
        "beschaeftigungsaufnahme_stabilisieren", "hilfebeduerftigkeit_beschaeftigte"]
    assert aufnahme.nachhalten_am == HEUTE + timedelta(days=catalogue.beschaeftigungsaufnahme.nachhalten_tage)


def test_a_recorded_job_start_is_followed_up_in_the_wiedervorlage(store, client, ifk, catalogue):
    aufnahme = new_beschaeftigungsaufnahme(store, client.id, actor=ifk).model_copy(update={
        "datum": HEUTE - timedelta(days=40), "arbeitgeber": "Logistik Nord GmbH", "wochenstunden": 30,
        "leistungen_weiter": True, "nachhalten_am": HEUTE + timedelta(days=2)})

    saved = record_beschaeftigungsaufnahme(store, aufnahme, actor=ifk)

    assert list_beschaeftigungsaufnahmen(store, client.id, actor=ifk) == [saved]
    assert arten(store, ifk) == [("Nachhalten Beschäftigung", HEUTE + timedelta(days=2))]


@pytest.mark.parametrize(("fields", "field"), [
    ({"arbeitgeber": " "}, "arbeitgeber"),
    ({"wochenstunden": 0}, "wochenstunden"),
    ({"wochenstunden": 61}, "wochenstunden"),
    ({"nachhalten_am": HEUTE}, "nachhalten_am"),
    ({"nachhalten_am": date(9999, 12, 31)}, "nachhalten_am"),
    ({"datum": date(1, 1, 1)}, "datum"),
    ({"strategien": ["berufsabschluss_erwerben"]}, "strategien"),
])
def test_bad_job_start_input_is_refused_at_its_field(store, client, ifk, catalogue, fields, field):
    aufnahme = new_beschaeftigungsaufnahme(store, client.id, actor=ifk).model_copy(update={
        "arbeitgeber": "Logistik Nord GmbH", "wochenstunden": 30, **fields})

    with pytest.raises(InvalidInput) as raised:
        record_beschaeftigungsaufnahme(store, aufnahme, actor=ifk)

    assert raised.value.field == field
    assert store.list_for_client(Beschaeftigungsaufnahme, client.id) == []


def test_a_measure_for_an_ended_case_is_refused_in_german_and_the_stored_ones_stay(store, client, ifk, catalogue):
    from errors import RecordClosed
    from services.akte import end_case

    saved = record_massnahme(store, massnahme(store, client, ifk), actor=ifk)
    current = store.get(type(client), client.id)
    end_case(store, client.id, revision=current.revision, datum=HEUTE, grund="abm_wegzug", actor=ifk)

    with pytest.raises(RecordClosed, match="abgemeldet und kann nur gelesen werden"):
        record_massnahme(store, massnahme(store, client, ifk, titel="Bewerbungstraining"), actor=ifk)
    with pytest.raises(RecordClosed, match="Wiederaufnahme"):
        record_massnahme(store, saved.model_copy(update={"ende_tatsaechlich": HEUTE}), actor=ifk)

    assert list_massnahmen(store, client.id, actor=ifk) == [saved]
