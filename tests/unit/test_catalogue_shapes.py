"""The completeness rules that depend on the catalogue's shape are catalogue data: which assessment is required
(`einschaetzung_pflicht`, groups left out), profiling-only Handlungsfelder (`nur_profiling`), Bedarfe without a
required strategy (`strategie_pflicht: false`)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from errors import CatalogueInvalid
from schemas.catalogue import SHIPPED_CATALOGUE, Catalogue, parse_catalogue
from schemas.forms import einschaetzung_input, einschaetzung_output, generate_models
from services.profiling import checklist, completeness_gaps
from tests.factories import make_profiling


def shipped() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))


def load(data: dict[str, Any]) -> Catalogue:
    data.pop("beispiele", None)
    data["hinweise"] = [h for h in data.get("hinweise", []) if "prognose" not in h["wenn"]]
    return parse_catalogue(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def complete(**fields: Any):
    values = {"zielberuf": "Koch", "strategien": {"schulische_qualifikation": ["schulabschluss_erwerben"]}}
    return make_profiling(relevant=["schulische_qualifikation"], **(values | fields))


def test_without_an_integrationsprognose_group_the_profillage_is_required_and_no_prognosis_is_offered() -> None:
    data = shipped()
    del data["integrationsprognose"]
    catalogue = load(data)
    assert completeness_gaps(complete(), catalogue) == ["Profillage fehlt"]
    assert completeness_gaps(complete(profillage="z"), catalogue) == []
    models = generate_models(catalogue)
    assert list(models.einschaetzung.model_fields) == ["profillage"]
    assert einschaetzung_output(einschaetzung_input(models, None, "i")) == (None, "i")


def test_a_catalogue_with_neither_assessment_requires_none() -> None:
    data = shipped()
    del data["integrationsprognose"], data["profillagen"]
    catalogue = load(data)
    assert completeness_gaps(complete(), catalogue) == []
    assert not generate_models(catalogue).einschaetzung.model_fields


@pytest.mark.parametrize(("pflicht", "prognose", "lage", "gaps"), [
    ("beide", "marktnah", None, ["Profillage fehlt"]),
    ("beide", "marktnah", "z", []),
    ("mindestens_eine", "marktnah", "z", []),
    ("mindestens_eine", None, None, ["Integrationsprognose oder Profillage fehlt"]),
    ("genau_eine", "marktnah", "z",
     ["Integrationsprognose und Profillage schließen sich aus – bitte nur eines von beiden wählen"]),
])
def test_which_assessment_is_required_is_catalogue_data(pflicht, prognose, lage, gaps) -> None:
    data = shipped()
    data["einschaetzung_pflicht"] = pflicht
    assert completeness_gaps(complete(integrationsprognose=prognose, profillage=lage), load(data)) == gaps


def test_an_unknown_rule_and_beide_without_both_groups_are_refused_with_german_messages() -> None:
    data = shipped()
    data["einschaetzung_pflicht"] = "alle"
    with pytest.raises(CatalogueInvalid, match="„alle“ ist nicht erlaubt. Erlaubt sind: genau_eine"):
        load(data)
    data = shipped()
    data["einschaetzung_pflicht"] = "beide"
    del data["profillagen"]
    with pytest.raises(CatalogueInvalid, match="braucht die Gruppen"):
        load(data)


def test_a_profiling_only_handlungsfeld_offers_no_strategies_and_needs_none() -> None:
    data = shipped()
    data["handlungsfelder"].append({"id": "markt", "label": "Marktbedingungen", "nur_profiling": True,
                                    "handlungsbedarfe": [{"id": "regionaler_markt", "label": "Regionaler Markt"}]})
    catalogue = load(data)
    profiling = complete(integrationsprognose="marktnah")
    profiling.handlungsbedarfe["regionaler_markt"] = profiling.handlungsbedarfe["schulische_qualifikation"]
    assert completeness_gaps(profiling, catalogue) == []
    assert not any("Regionaler Markt" in text for text, _ in checklist(profiling, catalogue))
    assert not generate_models(catalogue).strategie_enums["regionaler_markt"].__members__


def test_strategies_in_a_profiling_only_handlungsfeld_and_a_bedarf_without_any_are_refused_at_their_line() -> None:
    data = shipped()
    data["handlungsfelder"][3]["nur_profiling"] = True
    data["handlungsfelder"][0]["handlungsbedarfe"][0]["handlungsstrategien"] = []
    with pytest.raises(CatalogueInvalid) as refused:
        load(data)
    text = "\n".join(refused.value.problems)
    assert "Handlungsbedarf „schulische_qualifikation“ › handlungsstrategien: Braucht mindestens einen Eintrag." in text
    assert ("Handlungsbedarf „Persönliche Rahmenbedingungen“: Das Handlungsfeld „Rahmenbedingungen“ ist nur für das "
            "Profiling („nur_profiling: true“) und bietet keine Handlungsstrategien.") in text
    assert "Zeile " in text


def test_a_bedarf_may_leave_its_strategy_optional() -> None:
    data = shipped()
    data["handlungsfelder"][0]["handlungsbedarfe"][0]["strategie_pflicht"] = False
    profiling = complete(integrationsprognose="marktnah", strategien={})
    assert completeness_gaps(profiling, load(data)) == []
    assert completeness_gaps(profiling, load(shipped())) == [
        "Für den relevanten Handlungsbedarf „Schulische Qualifikation“ ist noch keine Handlungsstrategie gewählt"]


KLASSEN = [{"id": "methoden", "label": "Methodenkompetenz"},
           {"id": "sozial", "label": "Sozial-kommunikative Kompetenz",
            "auswahl": [{"id": "team", "label": "Teamfähigkeit"}, {"id": "kunden", "label": "Kundenorientierung"}]}]


def test_kompetenzen_by_class_are_free_text_or_a_choice_and_shown_by_class(store, catalogue, ifk, client) -> None:
    from services.profiling import basisprofil, kompetenzen_nach_klassen

    data = shipped()
    data["kompetenzklassen"] = KLASSEN
    klassen_catalogue = load(data)
    profiling = make_profiling(kompetenzklassen={"methoden": ["Excel", "Excel", " "], "sozial": ["team"]})
    assert kompetenzen_nach_klassen(profiling, klassen_catalogue) == [
        ("Methodenkompetenz", ["Excel", "Excel", " "]), ("Sozial-kommunikative Kompetenz", ["Teamfähigkeit"])]
    assert basisprofil(profiling, klassen_catalogue) == (
        "Zielberuf: — · Methodenkompetenz: Excel, Excel · Sozial-kommunikative Kompetenz: Teamfähigkeit")
    model = generate_models(klassen_catalogue).basisprofil
    assert list(model.model_fields) == ["zielberuf", "methoden", "sozial"]
    # the shipped catalogue keeps its one free-text list
    assert list(generate_models(catalogue).basisprofil.model_fields) == ["zielberuf", "kompetenzen"]


def test_a_choice_outside_the_class_list_is_refused_at_the_kompetenzen_field(store, ifk, client, trainer) -> None:
    from errors import InvalidInput
    from services.catalogue import publish_catalogue
    from services.profiling import save_profiling, start_profiling

    data = yaml.safe_load(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    data["kompetenzklassen"] = KLASSEN
    publish_catalogue(store, yaml.safe_dump(data, allow_unicode=True, sort_keys=False), note="Klassen", actor=trainer)
    profiling = start_profiling(store, client.id, actor=ifk)
    with pytest.raises(InvalidInput) as refused:
        save_profiling(store, profiling.model_copy(update={"kompetenzklassen": {"sozial": ["fleiss"]}}), actor=ifk)
    assert (refused.value.field, refused.value.message) == (
        "kompetenzen", "„fleiss“ gehört nicht zur Auswahl von „Sozial-kommunikative Kompetenz“.")
    saved = save_profiling(store, profiling.model_copy(update={"kompetenzklassen": {"methoden": [" Excel ", "Excel"]}}),
                           actor=ifk)
    assert saved.kompetenzklassen == {"methoden": ["Excel"]}
