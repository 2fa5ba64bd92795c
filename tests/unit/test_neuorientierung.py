"""Neuorientierung (seed 4.3): a relevant Handlungsbedarf the catalogue flags as ruling out the learned occupation
requires an Alternativberuf and the decision on the ärztlicher/psychologischer Dienst; Reha needs the BA referral."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from dates import today
from errors import Incomplete, InvalidInput
from schemas.catalogue import parse_catalogue
from schemas.records import Neuorientierung, Status
from services.profiling import close_profiling, completeness_gaps, neuorientierung_noetig, save_profiling
from tests.unit.world import complete_profiling

ROOT = Path(__file__).resolve().parents[2]



def health_profiling(client_id: str, **fields):
    return complete_profiling(
        client_id,
        handlungsbedarfe={},
        strategien={"gesundheitliche_einschraenkungen": ["leistungsfaehigkeit_feststellen"]},
        **fields,
    )


@pytest.fixture
def profiling(client):
    from schemas.records import BedarfEintrag

    return health_profiling(client.id).model_copy(
        update={"handlungsbedarfe": {"gesundheitliche_einschraenkungen": BedarfEintrag(relevant=True)}})


def test_the_catalogue_flags_health_restrictions_for_neuorientierung(catalogue):
    assert catalogue.bedarf("gesundheitliche_einschraenkungen").neuorientierung
    assert not catalogue.bedarf("schulische_qualifikation").neuorientierung


def test_relevant_flagged_bedarf_requires_alternativberuf_and_dienst_before_closing(store, ifk, profiling, catalogue):
    assert neuorientierung_noetig(profiling, catalogue) == ["Vermittlungsrelevante gesundheitliche Einschränkungen"]
    saved = save_profiling(store, profiling, actor=ifk)

    with pytest.raises(Incomplete) as raised:
        close_profiling(store, saved.id, revision=saved.revision, actor=ifk)

    assert "Berufliche Alternative (Alternativberuf) fehlt" in raised.value.message
    assert "Ärztlicher/psychologischer Dienst: nicht vermerkt" in raised.value.message


def test_alternativberuf_and_dienst_eingeschaltet_with_date_close(store, ifk, profiling, catalogue):
    profiling.neuorientierung = Neuorientierung(alternativberuf="Kaufmann für Büromanagement",
                                                dienst_eingeschaltet=True, dienst_datum=date(2026, 11, 10))
    saved = save_profiling(store, profiling, actor=ifk)

    closed = close_profiling(store, saved.id, revision=saved.revision, actor=ifk)

    assert closed.status == Status.ABGESCHLOSSEN
    assert closed.neuorientierung.alternativberuf == "Kaufmann für Büromanagement"


def test_dienst_not_needed_requires_a_reason(profiling, catalogue):
    profiling.neuorientierung = Neuorientierung(alternativberuf="Pförtner", dienst_nicht_erforderlich=True)
    assert any(g.startswith("Ärztlicher/psychologischer Dienst") for g in completeness_gaps(profiling, catalogue))

    profiling.neuorientierung.dienst_begruendung = "Gutachten der Rentenversicherung liegt vor"
    assert completeness_gaps(profiling, catalogue) == []


def test_without_a_flagged_relevant_bedarf_nothing_is_required(client, catalogue):
    assert completeness_gaps(complete_profiling(client.id), catalogue) == []


def test_the_flag_is_catalogue_data(client, catalogue):
    text = (ROOT / "schemas" / "catalogue" / "katalog.yaml").read_text(encoding="utf-8")
    text = text.replace("        neuorientierung: true\n", "")
    text = text.replace("        label: Schulische Qualifikation\n",
                        "        label: Schulische Qualifikation\n        neuorientierung: true\n")
    changed = parse_catalogue(text)
    profiling = complete_profiling(client.id)  # Schulische Qualifikation relevant

    assert "Berufliche Alternative (Alternativberuf) fehlt" in completeness_gaps(profiling, changed)
    assert not changed.bedarf("gesundheitliche_einschraenkungen").neuorientierung


def test_reha_indication_requires_the_date_of_the_referral_to_the_ba(client, catalogue):
    profiling = complete_profiling(client.id, neuorientierung=Neuorientierung(reha_anhaltspunkte=True))
    assert completeness_gaps(profiling, catalogue) == ["Anhaltspunkte für Reha: Datum des Verweises an die BA fehlt"]

    profiling.neuorientierung.reha_verweis_datum = date(2026, 11, 12)
    assert completeness_gaps(profiling, catalogue) == []


@pytest.mark.parametrize(("neu", "field"), [
    (Neuorientierung(dienst_eingeschaltet=True, dienst_nicht_erforderlich=True), "neuorientierung.dienst"),
    (Neuorientierung(dienst_eingeschaltet=True, dienst_datum=today() + timedelta(days=1)),
     "neuorientierung.dienst_datum"),
    (Neuorientierung(reha_anhaltspunkte=True, reha_verweis_datum=today() + timedelta(days=3)),
     "neuorientierung.reha_verweis_datum"),
    (Neuorientierung(alternativberuf="x" * 201), "neuorientierung.alternativberuf"),
])
def test_bad_neuorientierung_input_is_refused_at_its_field_and_nothing_is_stored(store, client, ifk, catalogue,
                                                                               neu, field):
    saved = save_profiling(store, complete_profiling(client.id), actor=ifk)

    with pytest.raises(InvalidInput) as raised:
        save_profiling(store, saved.model_copy(update={"neuorientierung": neu, "zielberuf": "Koch"}), actor=ifk)

    assert raised.value.field == field
    assert store.get(type(saved), saved.id).zielberuf == "Fachkraft Lagerlogistik"
