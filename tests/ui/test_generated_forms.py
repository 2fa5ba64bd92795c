"""Every generated model renders with streamlit-pydantic: no warning, no unknown element, no value lost."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from schemas.catalogue import SHIPPED_CATALOGUE, load_catalogue
from schemas.forms import (
    Basisprofil,
    FoerderCheckEingabe,
    FormModel,
    Integrationsziel,
    generate_models,
    strategien_model,
)

APP = str(Path(__file__).with_name("render_model_app.py"))
#: Element types a generated form may consist of; anything else (e.g. UnknownElement) fails the test.
KNOWN_ELEMENTS = {"Subheader", "Checkbox", "TextArea", "TextInput", "Selectbox", "Multiselect", "Markdown", "Caption"}


def filled(model: type[FormModel]) -> FormModel:
    """An instance of `model` where no field has its default: every value must survive the round trip."""
    values = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, FormModel):
            values[name] = filled(annotation).model_dump()
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            values[name] = list(annotation)[-1]
        elif annotation is bool:
            values[name] = True
        elif annotation is str:
            values[name] = f"„{name}“ – Zeile 1\nZeile 2 mit ä ö ü ß …" if "multi-line" in str(
                field.json_schema_extra) else f"Wert für {name}"
        else:  # set[Enum]
            (enum,) = annotation.__args__
            values[name] = set(list(enum)[:2])
    return model.model_validate(values)


def model_names(catalogue_path: Path) -> list[str]:
    catalogue = load_catalogue(catalogue_path)
    return [
        *(f.id for f in catalogue.handlungsfelder),
        *(f"Strategien_{f.id}" for f in catalogue.handlungsfelder),
        "Uebergreifend",
        "Einschaetzung",
        "Basisprofil",
        "Integrationsziel",
        "FoerderCheck",
    ]


def model_of(catalogue_path: Path, name: str) -> type[FormModel]:
    catalogue = load_catalogue(catalogue_path)
    models = generate_models(catalogue)
    static = {"Basisprofil": Basisprofil, "Integrationsziel": Integrationsziel, "FoerderCheck": FoerderCheckEingabe}
    if name in static:
        return static[name]
    if name == "Uebergreifend":
        return models.uebergreifend
    if name == "Einschaetzung":
        return models.einschaetzung
    if name.startswith("Strategien_"):
        feld = next(f for f in catalogue.handlungsfelder if f.id == name.removeprefix("Strategien_"))
        return strategien_model(models, catalogue, [b.id for b in feld.handlungsbedarfe])
    return models.handlungsfelder[name]


def render(catalogue_path: Path, name: str, value: FormModel) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["catalogue_path"] = str(catalogue_path)
    at.session_state["model_name"] = name
    at.session_state["value_json"] = value.model_dump_json()
    return at.run()


@pytest.mark.parametrize("name", model_names(SHIPPED_CATALOGUE))
def test_generated_model_renders_without_warning_and_loses_no_value(name):
    value = filled(model_of(SHIPPED_CATALOGUE, name))
    at = render(SHIPPED_CATALOGUE, name, value)

    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]
    assert not at.error, [e.value for e in at.error]
    kinds = {type(element).__name__ for element in at.main if not isinstance(element, Block)}
    assert kinds <= KNOWN_ELEMENTS, kinds - KNOWN_ELEMENTS
    assert type(value).model_validate_json(at.session_state["result_json"]) == value


def test_handlungsfeld_form_shows_every_bedarf_with_relevant_and_bemerkungen():
    catalogue = load_catalogue(SHIPPED_CATALOGUE)
    feld = catalogue.handlungsfelder[3]
    at = render(SHIPPED_CATALOGUE, feld.id, filled(model_of(SHIPPED_CATALOGUE, feld.id)))
    assert [s.value for s in at.subheader] == [b.label for b in feld.handlungsbedarfe]
    assert [c.label for c in at.checkbox] == ["relevant"] * len(feld.handlungsbedarfe)
    assert [t.label for t in at.text_area] == ["Bemerkungen"] * len(feld.handlungsbedarfe)


def test_strategy_form_offers_the_labels_of_the_catalogue():
    at = render(SHIPPED_CATALOGUE, "Strategien_qualifikation", filled(model_of(SHIPPED_CATALOGUE, "Strategien_qualifikation")))
    first = at.multiselect[0]
    assert first.label == "Schulische Qualifikation"
    assert first.options == ["Schulabschluss erwerben", "Berufsausbildung vorbereiten (nur AusbV und/oder Reha)"]


def test_new_handlungsbedarf_in_the_catalogue_yields_a_new_form_field_without_code_change(tmp_path):
    data = yaml.safe_load(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    data["handlungsfelder"][2]["handlungsbedarfe"].append(
        {
            "id": "digitale_kompetenzen",
            "label": "Digitale Kompetenzen",
            "handlungsstrategien": [{"id": "digitale_grundbildung", "label": "Digitale Grundbildung fördern"}],
        }
    )
    copy_path = tmp_path / "katalog.yaml"
    copy_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    at = render(copy_path, "motivation", filled(model_of(copy_path, "motivation")))
    assert not at.exception and not at.warning
    assert "Digitale Kompetenzen" in [s.value for s in at.subheader]
    at = render(copy_path, "Strategien_motivation", filled(model_of(copy_path, "Strategien_motivation")))
    assert "Digitale Kompetenzen" in [m.label for m in at.multiselect]
    assert at.multiselect[-1].options == ["Digitale Grundbildung fördern"]


def test_retired_entry_is_not_offered_for_new_records_but_kept_where_used(tmp_path):
    data = yaml.safe_load(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    data["handlungsfelder"][3]["handlungsbedarfe"][1]["ausgesondert"] = True  # Örtliche Mobilität
    copy_path = tmp_path / "katalog.yaml"
    copy_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    catalogue = load_catalogue(copy_path)

    assert "oertliche_mobilitaet" not in generate_models(catalogue).handlungsfelder["rahmenbedingungen"].model_fields
    kept = generate_models(catalogue, frozenset({"oertliche_mobilitaet"}))
    assert "oertliche_mobilitaet" in kept.handlungsfelder["rahmenbedingungen"].model_fields


def test_generated_models_use_only_field_types_that_streamlit_pydantic_renders():
    from schemas.forms import unrenderable_fields

    for name in model_names(SHIPPED_CATALOGUE):
        assert unrenderable_fields(model_of(SHIPPED_CATALOGUE, name)) == [], name


def test_form_wrapper_refuses_a_model_whose_values_would_be_lost():
    """Regression guard: Optional and List fields render as a warning or nothing and lose prefilled values."""
    at = AppTest.from_file(str(Path(__file__).with_name("render_bad_model_app.py")), default_timeout=30).run()
    assert at.session_state["result"] == "FormRoundTripError: names, note"
    assert not at.warning  # refused before streamlit-pydantic could render its warning


def test_the_form_renderer_sets_what_streamlit_pydantics_renderer_sets():
    """pages/forms.py keeps streamlit-pydantic's per-model state out of the session by setting up its renderer
    itself; a streamlit-pydantic version whose renderer sets other attributes must be looked at first."""
    import ast
    import inspect
    import textwrap

    from streamlit_pydantic.ui_renderer import InputUI

    def assigned(init) -> set[str]:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
        return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name) and node.value.id == "self"}

    from pages.forms import _Renderer

    assert assigned(InputUI.__init__) == assigned(_Renderer.__init__), (
        "streamlit-pydantic's InputUI.__init__ changed: update pages/forms.py _Renderer")
