"""A catalogue's lookups by Handlungsbedarf id."""

from __future__ import annotations

import pytest

from schemas.catalogue import SHIPPED_CATALOGUE, load_catalogue


def test_every_handlungsbedarf_is_found_with_its_handlungsfeld():
    catalogue = load_catalogue(SHIPPED_CATALOGUE)
    for feld in catalogue.handlungsfelder:
        for bedarf in feld.handlungsbedarfe:
            assert catalogue.bedarf(bedarf.id) is bedarf
            assert catalogue.feld_of(bedarf.id) is feld


def test_an_unknown_handlungsbedarf_id_is_a_key_error():
    catalogue = load_catalogue(SHIPPED_CATALOGUE)
    with pytest.raises(KeyError):
        catalogue.bedarf("gibt_es_nicht")
    with pytest.raises(KeyError):
        catalogue.feld_of("gibt_es_nicht")
