"""Catalogue versions: published versions are kept, any can be loaded by number, records keep theirs."""

from __future__ import annotations

import pytest

from config import Settings
from errors import CatalogueInvalid, NotFound, NotPermitted
from schemas.catalogue import SHIPPED_CATALOGUE, set_version
from schemas.records import Role
from services.access import SYSTEM
from services.catalogue import (
    ensure_catalogue,
    get_catalogue,
    get_models,
    latest_version,
    list_versions,
    publish_catalogue,
)
from storage import open_store
from tests.factories import make_user

RENAMED = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
    "label: Mobilität erhöhen", "label: Mobilität erhöhen (ÖPNV, Führerschein)"
)


@pytest.fixture
def store(tmp_path):
    store = open_store(Settings(data_dir=tmp_path / "data"))
    yield store
    store.close_store()


def test_first_start_publishes_the_shipped_catalogue_once(store):
    assert ensure_catalogue(store, actor=SYSTEM) == 1
    assert ensure_catalogue(store, actor=SYSTEM) == 1
    assert store.catalogue_numbers() == [1]
    assert get_catalogue(store).label("mobilitaet_erhoehen") == "Mobilität erhöhen"


def test_publishing_keeps_every_earlier_version_loadable_by_number(store):
    ensure_catalogue(store, actor=SYSTEM)
    first = store.catalogue_version(1).text
    trainer = store.add(make_user(role=Role.TRAINER), actor=SYSTEM)
    version = publish_catalogue(store, RENAMED, note="Mobilität präzisiert", actor=trainer)

    assert version.number == 2 and latest_version(store) == 2
    assert get_catalogue(store, 1).label("mobilitaet_erhoehen") == "Mobilität erhöhen"
    assert get_catalogue(store, 2).label("mobilitaet_erhoehen") == "Mobilität erhöhen (ÖPNV, Führerschein)"
    assert get_catalogue(store, 2).version == 2
    assert [v.number for v in list_versions(store, actor=trainer)] == [2, 1]
    assert first == set_version(SHIPPED_CATALOGUE.read_text(encoding="utf-8"), 1)
    assert store.catalogue_version(1).text == first  # unchanged, not overwritten


def test_generated_models_follow_the_version_asked_for(store):
    ensure_catalogue(store, actor=SYSTEM)
    publish_catalogue(store, RENAMED, note="Umbenennung", actor=store.add(make_user(role=Role.TRAINER), actor=SYSTEM))
    old = get_models(store, 1).strategie_enums["oertliche_mobilitaet"]
    new = get_models(store, 2).strategie_enums["oertliche_mobilitaet"]
    assert old["mobilitaet_erhoehen"].value == "Mobilität erhöhen"
    assert new["mobilitaet_erhoehen"].value == "Mobilität erhöhen (ÖPNV, Führerschein)"


def test_invalid_catalogue_is_not_published(store):
    ensure_catalogue(store, actor=SYSTEM)
    with pytest.raises(CatalogueInvalid):
        publish_catalogue(store, "version: 1\nhandlungsfelder: []\n", note="kaputt", actor=store.add(make_user(role=Role.TRAINER), actor=SYSTEM))
    assert store.catalogue_numbers() == [1]


def test_only_trainer_and_kdn_publish(store):
    ensure_catalogue(store, actor=SYSTEM)
    for role in (Role.IFK, Role.FACHAUFSICHT):
        with pytest.raises(NotPermitted):
            publish_catalogue(store, RENAMED, note="nicht erlaubt", actor=make_user(role=role))
    assert store.catalogue_numbers() == [1]


def test_unknown_version_is_a_german_not_found(store):
    ensure_catalogue(store, actor=SYSTEM)
    with pytest.raises(NotFound) as caught:
        get_catalogue(store, 7)
    assert "7" in caught.value.message


def test_publishing_refuses_a_catalogue_whose_sample_profiling_no_longer_renders(store):
    ensure_catalogue(store, actor=SYSTEM)
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "  - id: rahmenbedingungen\n    label: Rahmenbedingungen\n",
        "  - id: rahmenbedingungen\n    label: Rahmenbedingungen\n    ausgesondert: true\n",
    )
    with pytest.raises(CatalogueInvalid) as caught:
        publish_catalogue(store, text, note="Rahmenbedingungen aussondern", actor=store.add(make_user(role=Role.TRAINER), actor=SYSTEM))
    assert any("Beispiel „Marktfern mit gesundheitlichen Einschränkungen“" in p for p in caught.value.problems)
    assert store.catalogue_numbers() == [1]


# A version published under earlier rules: a label repeated among siblings, a hint naming a Bedarf that is gone,
# a hint without conditions and a repeated key. Today's publishing refuses all of these.
OLD_RULES = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
    "label: Mitwirkung überprüfen", "label: Verfügbarkeit überprüfen").replace(
    "bedarf_relevant: [gesundheitliche_einschraenkungen]", "bedarf_relevant: [entfallen]").replace(
    "  - id: reha_verweis\n    wenn:\n", "  - id: reha_verweis\n    wenn: {}\n", 1).replace(
    "      strategie_gewaehlt: [leistungsfaehigkeit_feststellen, berufsausbildung_vorbereiten]\n", "", 1).replace(
    "    label: Qualifikation\n", "    label: Quali\n    label: Qualifikation\n", 1)


def test_every_stored_version_loads_even_if_todays_rules_would_refuse_it(store, tmp_path):
    from schemas.catalogue import load_catalogue

    ensure_catalogue(store, actor=SYSTEM)
    publish_catalogue(store, RENAMED, note="Umbenennung", actor=store.add(make_user(role=Role.TRAINER), actor=SYSTEM))
    store.publish_catalogue(OLD_RULES, note="nach alten Regeln", actor=SYSTEM)  # as an older release stored it
    (tmp_path / "alt.yaml").write_text(OLD_RULES, encoding="utf-8")
    with pytest.raises(CatalogueInvalid):
        load_catalogue(tmp_path / "alt.yaml")  # a new file with this content is refused …
    for number in store.catalogue_numbers():  # … but every kept version loads, with its models
        catalogue = get_catalogue(store, number)
        assert get_models(store, number).handlungsfelder.keys() == {f.id for f in catalogue.handlungsfelder}
    old = get_catalogue(store, 3)
    assert old.label("qualifikation") == "Qualifikation"  # YAML's rule: the last of a repeated key counts
    assert old.label("mitwirkung_ueberpruefen") == "Verfügbarkeit überprüfen"


def test_models_are_not_generated_again_for_a_different_selection(store, monkeypatch):
    import services.catalogue as service

    ensure_catalogue(store, actor=SYSTEM)
    retired = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "            label: Absolventenmanagement\n", "            label: Absolventenmanagement\n"
        "            ausgesondert: true\n", 1)
    publish_catalogue(store, retired, note="Aussonderung", actor=store.add(make_user(role=Role.TRAINER), actor=SYSTEM))
    service._models.cache_clear()
    generated = []
    original = service.generate_models
    monkeypatch.setattr(service, "generate_models", lambda *args: generated.append(args[1]) or original(*args))
    # one record after another, each using other ids (as pages/widgets.catalogue_of passes them)
    first = get_models(store, 2, frozenset({"berufserfahrung", "berufserfahrung_ermoeglichen", "marktnah"}))
    again = get_models(store, 2, frozenset({"wohnsituation", "wohnsituation_stabilisieren", "marktfern"}))
    assert again is first and generated == [frozenset()]
    kept = get_models(store, 2, frozenset({"berufliche_qualifikation", "absolventenmanagement"}))
    assert kept is get_models(store, 2, frozenset({"absolventenmanagement", "wohnsituation"}))
    assert generated == [frozenset(), frozenset({"absolventenmanagement"})]  # keyed on the retired ids used
    assert "absolventenmanagement" in kept.strategie_enums["berufliche_qualifikation"].__members__
    assert "absolventenmanagement" not in first.strategie_enums["berufliche_qualifikation"].__members__
