"""The catalogue keys of issue 16 (massnahmen, beschaeftigungsaufnahme, gespraechsvorbereitung, neuorientierung):
checked like every entry, optional so that versions published before stay valid."""

from __future__ import annotations

import re

import pytest

from errors import CatalogueInvalid
from schemas.catalogue import SHIPPED_CATALOGUE, parse_catalogue

SHIPPED = SHIPPED_CATALOGUE.read_text(encoding="utf-8")


def without_blocks(text: str) -> str:
    """The shipped catalogue as published before issue 16: none of its keys."""
    text = text.replace("        neuorientierung: true\n", "")
    return re.sub(r"\n(massnahmen|beschaeftigungsaufnahme|gespraechsvorbereitung):\n(  .*\n|\n)*?(?=\S)", "\n", text)


def test_a_catalogue_without_the_new_keys_is_still_valid():
    old = parse_catalogue(without_blocks(SHIPPED))

    assert old.massnahmen is None and old.beschaeftigungsaufnahme is None and old.gespraechsvorbereitung is None
    assert not any(b.neuorientierung for _, b in old.bedarfe())


def test_an_unknown_strategy_in_the_job_start_list_is_reported_with_its_line():
    broken = SHIPPED.replace("strategien_leistungsbezug: [hilfebeduerftigkeit_beschaeftigte]",
                             "strategien_leistungsbezug: [gibt_es_nicht]")
    assert broken != SHIPPED

    with pytest.raises(CatalogueInvalid) as raised:
        parse_catalogue(broken)

    assert "Die Handlungsstrategie „gibt_es_nicht“ gibt es nicht" in raised.value.message
    assert "Zeile" in raised.value.message


def test_outcome_ids_must_be_unique_across_the_catalogue():
    broken = SHIPPED.replace("    - id: nicht_angetreten\n", "    - id: marktnah\n")

    with pytest.raises(CatalogueInvalid) as raised:
        parse_catalogue(broken)

    assert "„marktnah“ ist doppelt" in raised.value.message

