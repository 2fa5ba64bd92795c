"""Texts that are blank to a reader are refused where a text is required; names refuse bidi controls (18.5)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from errors import CatalogueInvalid, InvalidInput, NotPermitted
from schemas.catalogue import SHIPPED_CATALOGUE
from schemas.records import Client, Profiling, User
from services import clients, profiling, users
from services.catalogue import publish_catalogue
from storage.base import Store
from tests.factories import make_profiling

INVISIBLE = ["\u200b", "\ufeff", "\u200d", "\u200b\ufeff\u200d", " \u00a0\u3000\u200b ", "\u2060\u180e"]
BIDI = ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u202a", "\u202b", "\u202c", "\u200f"]


def _create(store: Store, actor: User, **names: str) -> Client:
    fields = {"kundennummer": "123D000042", "vorname": "Max", "nachname": "Muster", "geburtsdatum": date(1985, 5, 17)}
    return clients.create_client(store, **(fields | names), actor=actor)


@pytest.mark.parametrize("blank", INVISIBLE)
@pytest.mark.parametrize("field", ["vorname", "nachname"])
def test_a_client_name_of_invisible_characters_is_refused_at_its_field(store, ifk, catalogue, blank, field):
    with pytest.raises(InvalidInput) as refused:
        _create(store, ifk, **{field: blank})
    assert refused.value.field == field
    assert store.find_clients("") == []


@pytest.mark.parametrize("control", BIDI)
def test_a_client_name_with_a_bidi_control_is_refused(store, ifk, catalogue, control):
    with pytest.raises(InvalidInput) as refused:
        _create(store, ifk, nachname=f"Muster{control}nnamkcuR")
    assert refused.value.field == "nachname" and "Schreibrichtung" in refused.value.message


def test_a_client_name_is_stored_in_nfc(store, ifk, catalogue):
    decomposed = unicodedata.normalize("NFD", "Müller")
    created = _create(store, ifk, nachname=decomposed)
    assert created.nachname == "Müller" and store.get(Client, created.id).nachname == "Müller"


@pytest.mark.parametrize("blank", INVISIBLE)
def test_a_kdn_correction_reason_of_invisible_characters_is_refused(store, ifk, kdn, client, blank):
    closed = store.add(make_profiling(client.id), actor=ifk)
    closed = store.close(Profiling, closed.id, revision=closed.revision, actor=ifk)
    with pytest.raises((InvalidInput, NotPermitted)):
        profiling.correct_closed_profiling(store, closed.model_copy(update={"zielberuf": "X"}), reason=blank,
                                           actor=kdn)
    with pytest.raises(NotPermitted):  # the store itself, below the service
        store.override_save(closed.model_copy(update={"zielberuf": "X"}), actor=kdn, reason=blank)
    with pytest.raises((InvalidInput, NotPermitted)):
        profiling.delete_closed_profiling(store, closed.id, reason=blank, actor=kdn)
    assert store.get(Profiling, closed.id).zielberuf != "X"


@pytest.mark.parametrize("blank", INVISIBLE)
def test_a_catalogue_note_of_invisible_characters_is_refused(store, trainer, catalogue, blank):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8") + "# geändert\n"
    with pytest.raises(CatalogueInvalid):
        publish_catalogue(store, text, note=blank, actor=trainer)


@pytest.mark.parametrize("blank", ["\u200b", "\ufeff\u200d"])
def test_a_display_name_of_invisible_characters_is_refused(store, kdn, blank):
    with pytest.raises(InvalidInput) as refused:
        users.create_user(store, username="neu.konto", display_name=blank, role="IFK", team="Team 1",
                          password="Korrekt-Pferd-Batterie-7", actor=kdn)
    assert refused.value.field == "display_name"
