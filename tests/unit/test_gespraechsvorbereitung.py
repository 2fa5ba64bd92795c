"""Gesprächsvorbereitung (seed 4.4): the search profile for clients with a strategy the catalogue marks, the CSV
export and the documented Stellensuchläufe."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dates import today
from errors import InvalidInput
from schemas.records import Stellensuchlauf
from services.gespraechsvorbereitung import (
    list_stellensuchlaeufe,
    record_stellensuchlauf,
    suchprofil_csv,
    vorbereitung,
)
from services.profiling import close_profiling, save_profiling
from tests.unit.world import complete_profiling


def closed(store, client, ifk, **fields):
    saved = save_profiling(store, complete_profiling(client.id, kompetenzen=["Staplerschein", "=SUMME(A1)"],
                                                     **fields), actor=ifk)
    return close_profiling(store, saved.id, revision=saved.revision, actor=ifk)


def test_preparation_is_offered_for_the_strategy_the_catalogue_marks(store, client, ifk, catalogue):
    assert catalogue.gespraechsvorbereitung.strategien == ["vermittlung_arbeit_ausbildung"]
    closed(store, client, ifk, uebergreifend=["vermittlung_arbeit_ausbildung"])

    prep = vorbereitung(store, client.id, actor=ifk)

    assert prep.angeboten and prep.strategien == ["Vermittlung in Arbeit/ Ausbildung 1. AMA"]
    assert prep.suchprofil == "Zielberuf: Fachkraft Lagerlogistik · Kompetenzen: Staplerschein, =SUMME(A1)"
    assert prep.letzter_suchlauf is None


def test_no_preparation_without_the_marked_strategy_or_a_closed_profiling(store, client, ifk, catalogue):
    assert not vorbereitung(store, client.id, actor=ifk).angeboten
    closed(store, client, ifk)
    assert not vorbereitung(store, client.id, actor=ifk).angeboten


def test_search_profile_csv_has_a_line_per_kompetenz_and_neutralises_formulas(store, client, ifk, catalogue):
    closed(store, client, ifk, uebergreifend=["vermittlung_arbeit_ausbildung"])

    csv = suchprofil_csv(vorbereitung(store, client.id, actor=ifk))

    assert csv.splitlines() == ["Zielberuf;Kompetenz", "Fachkraft Lagerlogistik;Staplerschein",
                                "Fachkraft Lagerlogistik;'=SUMME(A1)"]


def test_a_recorded_stellensuchlauf_becomes_the_last_one(store, client, ifk, catalogue):
    record_stellensuchlauf(store, client.id, suchprofil="Zielberuf: Koch", angebote=4, uebergeben="",
                           datum=today() - timedelta(days=14), actor=ifk)
    latest = record_stellensuchlauf(store, client.id, suchprofil="Zielberuf: Koch", angebote=9,
                                    uebergeben="Hotel am See", actor=ifk)

    assert vorbereitung(store, client.id, actor=ifk).letzter_suchlauf == today()
    assert list_stellensuchlaeufe(store, client.id, actor=ifk)[0] == latest


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"angebote": -1}, "angebote"),
    ({"angebote": 10001}, "angebote"),
    ({"datum": today() + timedelta(days=1)}, "datum"),
    ({"uebergeben": "x" * 5001}, "uebergeben"),
])
def test_bad_stellensuchlauf_input_is_refused_at_its_field(store, client, ifk, catalogue, kwargs, field):
    with pytest.raises(InvalidInput) as raised:
        record_stellensuchlauf(store, client.id, **({"suchprofil": "", "angebote": 1, "uebergeben": ""} | kwargs),
                               actor=ifk)

    assert raised.value.field == field
    assert store.list_for_client(Stellensuchlauf, client.id) == []
